// stiff_chain: a genuinely stiff large chain for the CVODE tests and benchmarks/bench_cvode.cpp.
//
//   x0' = -k0 x0 + s,   xi' = k(i-1) x(i-1) - ki xi - c xi^2   (0 < i < n)
//
// with rates ki = 10^(6 frac(i phi)) spread over six orders of magnitude (phi the golden
// ratio: the exponents are evenly spread, not sorted, so fast and slow species alternate), a
// constant source s = p[0] and a small quadratic loss c = p[1]. The Jacobian is lower
// bidiagonal (lower bandwidth 1, upper 0), its eigenvalues near -ki: stiffness ratio 1e6. The
// quadratic term keeps it nonlinear, so Newton iterations and Jacobian updates matter.
// odesynth's own models::linear_chain has all rates equal: not stiff.
#pragma once

#include <fmt/format.h>

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace test_models_cvode {

class stiff_chain {
 public:
  explicit stiff_chain(std::size_t n) : rates_(n) {
    const double phi = 0.6180339887498949;
    for (std::size_t i = 0; i < n; ++i) {
      const double f = static_cast<double>(i) * phi;
      rates_[i] = std::pow(10.0, 6 * (f - std::floor(f)));
    }
  }
  static constexpr std::string_view name = "stiff_chain";
  static constexpr std::array<std::string_view, 2> parameters{"source", "loss"};
  std::vector<std::string> species() const {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < rates_.size(); ++i) names.push_back(fmt::format("x{}", i));
    return names;
  }
  std::size_t size() const noexcept { return rates_.size(); }

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const std::size_t n = rates_.size();
    const double c = p[1];
    dxdt[0] = -rates_[0] * x[0] + p[0];
    for (std::size_t i = 1; i < n; ++i)
      dxdt[i] = rates_[i - 1] * x[i - 1] - rates_[i] * x[i] - c * x[i] * x[i];
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& x, Matrix& J, double /*t*/, const Params& p) const {
    const auto n = static_cast<Eigen::Index>(rates_.size());
    const double c = p[1];
    const auto k = [&](Eigen::Index i) { return rates_[static_cast<std::size_t>(i)]; };
    J(0, 0) = -k(0);
    for (Eigen::Index i = 1; i < n; ++i) {
      J(i, i - 1) = k(i - 1);
      J(i, i) = -k(i) - 2 * c * x[i];
    }
  }

 private:
  std::vector<double> rates_;
};

}  // namespace test_models_cvode
