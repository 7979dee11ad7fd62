// Models with known answers, shared by the unit tests (odeint's dummy_odes.hpp habit).
#pragma once

#include <array>
#include <cmath>
#include <limits>
#include <odesynth/lambda_model.hpp>
#include <odesynth/model.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace test_models {

/// x' = -k x: x(t) = x0 exp(-k t).
struct decay {
  static constexpr std::string_view name = "decay";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    dxdt[0] = -p[0] * x[0];
  }
};

/// x'' = -w^2 x as (x, v): from (1, 0), x = cos(w t), v = -w sin(w t).
struct harmonic_oscillator {
  static constexpr std::string_view name = "harmonic_oscillator";
  static constexpr std::array<std::string_view, 2> species{"x", "v"};
  static constexpr std::array<std::string_view, 1> parameters{"omega"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    dxdt[0] = x[1];
    dxdt[1] = -p[0] * p[0] * x[0];
  }
};

/// x' = r x (1 - x/K): x(t) = K / (1 + (K/x0 - 1) exp(-r t)).
struct logistic {
  static constexpr std::string_view name = "logistic";
  static constexpr std::array<std::string_view, 1> species{"N"};
  static constexpr std::array<std::string_view, 2> parameters{"r", "K"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    dxdt[0] = p[0] * x[0] * (1 - x[0] / p[1]);
  }
};
inline double logistic_exact(double r, double k, double x0, double t) {
  return k / (1 + (k / x0 - 1) * std::exp(-r * t));
}

struct lotka_volterra {
  static constexpr std::string_view name = "lotka_volterra";
  static constexpr std::array<std::string_view, 2> species{"prey", "predator"};
  static constexpr std::array<std::string_view, 4> parameters{"alpha", "beta", "gamma", "delta"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    dxdt[0] = p[0] * x[0] - p[1] * x[0] * x[1];
    dxdt[1] = p[3] * x[0] * x[1] - p[2] * x[1];
  }
};
/// Conserved along Lotka–Volterra solutions: delta x - gamma ln x + beta y - alpha ln y.
inline double lotka_volterra_invariant(const std::array<double, 4>& p, double x, double y) {
  return p[3] * x - p[2] * std::log(x) + p[1] * y - p[0] * std::log(y);
}

/// Robertson's stiff chemical kinetics (1966), with its analytic Jacobian.
struct robertson {
  static constexpr std::string_view name = "robertson";
  static constexpr std::array<std::string_view, 3> species{"y1", "y2", "y3"};
  static constexpr std::array<std::string_view, 3> parameters{"k1", "k2", "k3"};
  template <class S, class P>
  void operator()(const S& y, S& dydt, double /*t*/, const P& k) const {
    dydt[0] = -k[0] * y[0] + k[2] * y[1] * y[2];
    dydt[2] = k[1] * y[1] * y[1];
    dydt[1] = -dydt[0] - dydt[2];
  }
  template <class S, class M, class P>
  void jacobian(const S& y, M& J, double /*t*/, const P& k) const {
    J(0, 0) = -k[0];
    J(0, 1) = k[2] * y[2];
    J(0, 2) = k[2] * y[1];
    J(2, 1) = 2 * k[1] * y[1];
    J(1, 0) = k[0];
    J(1, 1) = -k[2] * y[2] - 2 * k[1] * y[1];
    J(1, 2) = -k[2] * y[1];
  }
};
/// Same equations without a jacobian(): the stiff stepper uses finite differences.
struct robertson_fd {
  static constexpr std::string_view name = "robertson_fd";
  static constexpr std::array<std::string_view, 3> species{"y1", "y2", "y3"};
  static constexpr std::array<std::string_view, 3> parameters{"k1", "k2", "k3"};
  template <class S, class P>
  void operator()(const S& y, S& dydt, double t, const P& k) const {
    robertson{}(y, dydt, t, k);
  }
};
inline constexpr std::array<double, 3> robertson_rates{0.04, 3e7, 1e4};
/// IVP Test Set (Mazzia & Magherini, report "rober"), reference solution at t = 1e11.
inline constexpr std::array<double, 3> robertson_reference_1e11{
    0.2083340149701255e-07, 0.8333360770334713e-13, 0.9999999791665050};

/// Van der Pol: x'' = mu (1 - x^2) x' - x, as (x, y = x').
struct van_der_pol {
  static constexpr std::string_view name = "van_der_pol";
  static constexpr std::array<std::string_view, 2> species{"x", "y"};
  static constexpr std::array<std::string_view, 1> parameters{"mu"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    dxdt[0] = x[1];
    dxdt[1] = p[0] * (1 - x[0] * x[0]) * x[1] - x[0];
  }
  template <class S, class M, class P>
  void jacobian(const S& x, M& J, double /*t*/, const P& p) const {
    J(0, 1) = 1;
    J(1, 0) = -2 * p[0] * x[0] * x[1] - 1;
    J(1, 1) = p[0] * (1 - x[0] * x[0]);
  }
};

/// x' = x^2 from x0 = 1: x = 1 / (1 - t), infinite at t = 1.
struct blow_up {
  static constexpr std::string_view name = "blow_up";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 0> parameters{};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& /*p*/) const {
    dxdt[0] = x[0] * x[0];
  }
};

/// Decays like `decay`, but its right-hand side is NaN from t = t_nan on.
struct nan_after {
  static constexpr std::string_view name = "nan_after";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"t_nan"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double t, const P& p) const {
    dxdt[0] = t >= p[0] ? std::numeric_limits<double>::quiet_NaN() : -x[0];
  }
};

/// Decays, but throws std::domain_error("model gave up") from t = t_throw on.
struct throws_after {
  static constexpr std::string_view name = "throws_after";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"t_throw"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double t, const P& p) const {
    if (t >= p[0]) throw std::domain_error("model gave up");
    dxdt[0] = -x[0];
  }
};

/// x' = log(x): -inf at x0 = 0.
struct log_rate {
  static constexpr std::string_view name = "log_rate";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 0> parameters{};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& /*p*/) const {
    dxdt[0] = std::log(x[0]);
  }
};

/// Dynamic size: a linear chain x_0 -> x_1 -> ... -> x_{n-1}, every step at rate k.
/// From x(0) = e_0: x_i(t) = exp(-k t) (k t)^i / i!  (i < n-1; the last species accumulates).
class linear_chain {
 public:
  explicit linear_chain(std::size_t n) : n_(n) {}
  std::string name() const { return "linear_chain"; }
  std::vector<std::string> species() const {
    std::vector<std::string> s;
    for (std::size_t i = 0; i < n_; ++i) s.push_back("x" + std::to_string(i));
    return s;
  }
  std::vector<std::string> parameters() const { return {"k"}; }
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    const auto n = static_cast<std::size_t>(x.size());
    dxdt[0] = -p[0] * x[0];
    for (std::size_t i = 1; i + 1 < n; ++i) dxdt[i] = p[0] * (x[i - 1] - x[i]);
    dxdt[n - 1] = p[0] * x[n - 2];
  }

 private:
  std::size_t n_;
};
inline double poisson_pmf(std::size_t i, double lambda) {
  return std::exp(-lambda + static_cast<double>(i) * std::log(lambda) -
                  std::lgamma(static_cast<double>(i) + 1));
}

}  // namespace test_models
