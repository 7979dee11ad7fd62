// bench_sparse: rosenbrock4 with dense matrices (PartialPivLU) against sparse ones
// (Eigen::SparseLU on the model's sparsity()), with an analytic Jacobian or coloured central
// differences, on a stiff chain x_i' = k_{i-1} x_{i-1} - k_i x_i, k_i = 10^(-2 + 6 i/(n-1)),
// x(0) = 1, t in [0, 20], 11 outputs, rtol 1e-6, atol 1e-9. Medians of 5 solves (1 for the
// dense 2000-species solve). A second table drives the two steppers directly (no threshold)
// to find the size where sparse starts to win; a third times the steps auto_switch's cost
// model compares (dopri5 against sparse rosenbrock4 on linear_chain).
//
//   g++ -O3 -DNDEBUG -std=c++17 -I include -I/usr/include/eigen3 benchmarks/bench_sparse.cpp -lfmt
//   \
//        -o /tmp/bench_sparse && /tmp/bench_sparse
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <odesynth/detail/rosenbrock4.hpp>
#include <odesynth/models/linear_chain.hpp>
#include <odesynth/solve.hpp>
#include <string>
#include <type_traits>
#include <vector>

namespace {

template <bool Sparse, bool Analytic>
class stiff_chain {
 public:
  explicit stiff_chain(std::size_t n) : n_(n), k_(n) {
    for (std::size_t i = 0; i < n; ++i)
      k_[i] = std::pow(10.0, -2.0 + 6.0 * static_cast<double>(i) / static_cast<double>(n - 1));
  }
  static constexpr std::string_view name = "stiff_chain";
  static constexpr std::array<std::string_view, 1> parameters{"scale"};
  std::size_t size() const noexcept { return n_; }
  std::vector<std::string> species() const {
    std::vector<std::string> s;
    for (std::size_t i = 0; i < n_; ++i) s.push_back("x" + std::to_string(i));
    return s;
  }
  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double s = p[0];
    dxdt[0] = -s * k_[0] * x[0];
    for (std::size_t i = 1; i < n_; ++i) dxdt[i] = s * (k_[i - 1] * x[i - 1] - k_[i] * x[i]);
  }
  template <class State, class Matrix, class Params, bool A = Analytic,
            std::enable_if_t<A, int> = 0>
  void jacobian(const State& /*x*/, Matrix& J, double /*t*/, const Params& p) const {
    const double s = p[0];
    const auto n = static_cast<Eigen::Index>(n_);
    J(0, 0) = -s * k_[0];
    for (Eigen::Index i = 1; i < n; ++i) {
      J(i, i - 1) = s * k_[static_cast<std::size_t>(i) - 1];
      J(i, i) = -s * k_[static_cast<std::size_t>(i)];
    }
  }
  template <bool S = Sparse, std::enable_if_t<S, int> = 0>
  odesynth::jacobian_sparsity sparsity() const {
    return odesynth::jacobian_sparsity::banded(n_, 1, 0);
  }

 private:
  std::size_t n_;
  std::vector<double> k_;
};

using clock_type = std::chrono::steady_clock;

double ms_since(clock_type::time_point start) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - start).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct result {
  double ms;
  std::int64_t steps;
};

template <class Model>
result time_solve(const Model& m, std::size_t n, int reps, odesynth::stepper_kind k) {
  odesynth::solve_options o;
  o.stepper = k;
  o.rel_tol = 1e-6;
  o.abs_tol = 1e-9;
  o.max_steps = 10000000;
  const odesynth::solver<Model, odesynth::all_steppers> s(m, o);
  const std::vector<double> p{1.0};
  const std::vector<double> x0(n, 1.0);
  const auto grid = odesynth::time_grid::linspace(0, 20, 11);
  std::vector<double> times;
  std::int64_t steps = 0;
  for (int r = 0; r < reps; ++r) {
    const auto start = clock_type::now();
    const auto tr = s.solve(p, x0, grid);
    times.push_back(ms_since(start));
    if (!tr.ok()) fmt::print("FAILED: {}\n", tr.message());
    steps = tr.steps();
  }
  return {median(times), steps};
}

// The stepper alone, over [0, 20] with no outputs: dense or sparse, analytic Jacobian.
template <bool Sparse>
struct direct_system {
  const stiff_chain<true, true>* m;
  const odesynth::jacobian_sparsity* pattern;
  std::vector<double> p{1.0};
  void rhs(const Eigen::VectorXd& x, Eigen::VectorXd& f, double t) const { (*m)(x, f, t, p); }
  template <class Matrix>
  void jacobian(const Eigen::VectorXd& x, Matrix& J, double t) const {
    if constexpr (Sparse) {
      odesynth::detail::sparse_jacobian_writer w(*pattern, J);
      w.setZero();
      m->jacobian(x, w, t, p);
    } else {
      J.setZero();
      m->jacobian(x, J, t, p);
    }
  }
};

template <bool Sparse>
result time_direct(std::size_t n, int reps) {
  const stiff_chain<true, true> m(n);
  const auto pattern = m.sparsity();
  std::vector<double> times;
  std::int64_t steps = 0;
  for (int r = 0; r < reps; ++r) {
    const auto start = clock_type::now();
    direct_system<Sparse> sys{&m, &pattern};
    Eigen::VectorXd x = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n));
    double t = 0, dt = 1e-6;
    steps = 0;
    auto run = [&](auto& st) {
      while (t < 20) {
        if (t + dt > 20) dt = 20 - t;
        if (st.try_step(sys, x, t, dt) == boost::numeric::odeint::success) ++steps;
      }
    };
    if constexpr (Sparse) {
      odesynth::detail::rosenbrock4_sparse<Eigen::VectorXd> st(n, 1e-9, 1e-6, nullptr, 0, pattern);
      run(st);
    } else {
      odesynth::detail::rosenbrock4_controlled<Eigen::VectorXd, Eigen::Dynamic> st(n, 1e-9, 1e-6,
                                                                                   nullptr, 0);
      run(st);
    }
    times.push_back(ms_since(start));
  }
  return {median(times), steps};
}

}  // namespace

int main() {
  using odesynth::stepper_kind;
  fmt::print("stiff chain, rosenbrock4 through solve(), ms per solve (median of 5), steps\n");
  fmt::print("{:>6} {:>18} {:>18} {:>18}\n", "n", "dense analytic", "sparse analytic",
             "sparse coloured FD");
  for (const std::size_t n : {50, 100, 500, 2000}) {
    const int dense_reps = n >= 2000 ? 1 : 5;
    const auto d =
        time_solve(stiff_chain<false, true>(n), n, dense_reps, stepper_kind::rosenbrock4);
    const auto s = time_solve(stiff_chain<true, true>(n), n, 5, stepper_kind::rosenbrock4);
    const auto c = time_solve(stiff_chain<true, false>(n), n, 5, stepper_kind::rosenbrock4);
    fmt::print("{:>6} {:>10.2f} ({:>5}) {:>10.2f} ({:>5}) {:>10.2f} ({:>5})\n", n, d.ms, d.steps,
               s.ms, s.steps, c.ms, c.steps);
  }

  fmt::print("\nthe stepper alone (analytic Jacobian), ms per integration (median of 9)\n");
  fmt::print("{:>6} {:>10} {:>10} {:>8} {:>14} {:>14}\n", "n", "dense", "sparse", "steps",
             "dense us/step", "sparse us/step");
  for (const std::size_t n : {5, 10, 15, 20, 30, 40, 60, 80, 120}) {
    const auto d = time_direct<false>(n, 9);
    const auto s = time_direct<true>(n, 9);
    fmt::print("{:>6} {:>10.3f} {:>10.3f} {:>8} {:>14.2f} {:>14.2f}\n", n, d.ms, s.ms, s.steps,
               1e3 * d.ms / static_cast<double>(d.steps),
               1e3 * s.ms / static_cast<double>(s.steps));
  }

  // auto_switch's cost model: measured step times of dopri5 and sparse rosenbrock4 (both on a
  // linear_chain, whose right-hand side is about 10 flops per species).
  fmt::print("\nlinear_chain k = 2 on [0, 600]: us per step\n");
  for (const std::size_t n : {100, 300, 1000}) {
    const odesynth::models::linear_chain chain(n);
    std::vector<double> x0(n, 0.0);
    x0[0] = 1;
    const auto grid = odesynth::time_grid::linspace(0, 600, 121);
    auto per_step = [&](stepper_kind k) {
      odesynth::solve_options o;
      o.stepper = k;
      o.rel_tol = 1e-8;
      o.abs_tol = 1e-12;
      o.max_steps = 10000000;
      const odesynth::solver<odesynth::models::linear_chain, odesynth::all_steppers> s(chain, o);
      std::vector<double> us;
      std::int64_t steps = 0;
      for (int r = 0; r < 5; ++r) {
        const auto start = clock_type::now();
        const auto tr = s.solve(std::vector<double>{2.0}, x0, grid);
        steps = tr.steps();
        us.push_back(1e3 * ms_since(start) / static_cast<double>(steps));
      }
      return std::make_pair(median(us), steps);
    };
    const auto dp = per_step(stepper_kind::dopri5);
    const auto rb = per_step(stepper_kind::rosenbrock4);
    const auto au = per_step(stepper_kind::auto_switch);
    const auto costs = odesynth::detail::switch_costs::of(n, true, 2 * n - 1);
    fmt::print(
        "n = {:>5}: dopri5 {:.2f} us ({} steps), sparse rosenbrock4 {:.2f} us ({} steps), "
        "ratio {:.1f} (cost model {:.1f}); auto_switch {:.2f} us ({} steps)\n",
        n, dp.first, dp.second, rb.first, rb.second, rb.first / dp.first,
        costs.rosenbrock4_step / costs.dopri5_step, au.first, au.second);
  }
  return 0;
}
