// bench_sparse: rosenbrock4 with dense matrices (PartialPivLU) against sparse ones
// (Eigen::SparseLU on the model's sparsity()), with an analytic Jacobian or central
// differences (column by column when dense, coloured when sparse), on a stiff chain
// x_i' = k_{i-1} x_{i-1} - k_i x_i, k_i = 10^(-2 + 6 i/(n-1)), x(0) = 1, t in [0, 20],
// 11 outputs, rtol 1e-6, atol 1e-9; one model, solve_options::jacobian = dense or sparse.
// Medians of 5 solves (1 for the dense 2000-species solves). A second table drives the two
// steppers directly (no threshold) to find the size where sparse starts to win on this chain; a
// third measures where it wins on other patterns (banded and scattered, by density), against
// the fill of the LU factors that solve_options::jacobian = automatic looks at; a fourth times
// the steps auto_switch's cost model compares (dopri5 against sparse rosenbrock4 on
// linear_chain).
//
// Build and run (one command):
//   g++ -O3 -DNDEBUG -std=c++17 -I include -I/usr/include/eigen3 benchmarks/bench_sparse.cpp
//       -lfmt -o /tmp/bench_sparse && /tmp/bench_sparse
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <odesynth/detail/rosenbrock4.hpp>
#include <odesynth/models/linear_chain.hpp>
#include <odesynth/solve.hpp>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
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
result time_solve(const Model& m, std::size_t n, int reps, odesynth::jacobian_storage storage) {
  odesynth::solve_options o;
  o.stepper = odesynth::stepper_kind::rosenbrock4;
  o.jacobian = storage;
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
      odesynth::detail::sparse_jacobian_writer w(*pattern, J.valuePtr());
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

// x' = A x on a pattern: diagonal -(10^(-1 + 5 i/(n-1)) + n density) (stiff, dominant),
// off-diagonal entries uniform in [-0.5, 0.5]. The stepper alone over [0, 5], us per step.
struct linear_system {
  Eigen::MatrixXd a;
  Eigen::SparseMatrix<double> sparse_a;
  const odesynth::jacobian_sparsity* pattern;
  void rhs(const Eigen::VectorXd& x, Eigen::VectorXd& f, double) const { f = sparse_a * x; }
  void jacobian(const Eigen::VectorXd&, Eigen::MatrixXd& J, double) const { J = a; }
  void jacobian(const Eigen::VectorXd&, Eigen::SparseMatrix<double>& J, double) const {
    const auto& starts = pattern->column_starts();
    const auto& rows = pattern->row_indices();
    double* v = J.valuePtr();
    for (std::size_t j = 0; j < pattern->size(); ++j)
      for (std::size_t p = starts[j]; p < starts[j + 1]; ++p)
        v[p] = a(static_cast<Eigen::Index>(rows[p]), static_cast<Eigen::Index>(j));
  }
};

template <bool Sparse>
double us_per_step(linear_system& sys, std::size_t n) {
  std::vector<double> times;
  for (int r = 0; r < 5; ++r) {
    const auto start = clock_type::now();
    Eigen::VectorXd x = Eigen::VectorXd::Ones(static_cast<Eigen::Index>(n));
    double t = 0, dt = 1e-6;
    std::int64_t steps = 0;
    auto run = [&](auto& st) {
      while (t < 5) {
        if (t + dt > 5) dt = 5 - t;
        if (st.try_step(sys, x, t, dt) == boost::numeric::odeint::success) ++steps;
      }
    };
    if constexpr (Sparse) {
      odesynth::detail::rosenbrock4_sparse<Eigen::VectorXd> st(n, 1e-9, 1e-6, nullptr, 0,
                                                               *sys.pattern);
      run(st);
    } else {
      odesynth::detail::rosenbrock4_controlled<Eigen::VectorXd, Eigen::Dynamic> st(n, 1e-9, 1e-6,
                                                                                   nullptr, 0);
      run(st);
    }
    times.push_back(1e3 * ms_since(start) / static_cast<double>(steps));
  }
  return median(times);
}

void fill_table() {
  using odesynth::jacobian_sparsity;
  using odesynth::detail::sparse_rodas_algebra;
  fmt::print(
      "\nwhere sparse wins by pattern: x' = A x, the stepper alone, us per step (median of 5); "
      "fill = LU factors' nonzeros / n^2; auto = what jacobian = automatic picks\n");
  fmt::print("{:>5} {:>9} {:>8} {:>8} {:>10} {:>10} {:>8} {:>7}\n", "n", "pattern", "nnz/n^2",
             "fill", "dense", "sparse", "s/d", "auto");
  std::mt19937 rng(1);
  for (const std::size_t n : {25, 60, 100, 200, 400}) {
    for (const double density : {0.05, 0.1, 0.2, 0.3, 0.5}) {
      for (const bool scattered : {false, true}) {
        std::vector<std::pair<std::size_t, std::size_t>> entries;
        const auto target = static_cast<std::size_t>(density * static_cast<double>(n * n));
        if (!scattered) {
          std::size_t b = 0;
          while (jacobian_sparsity::banded(n, b, b).nonzeros() < target) ++b;
          for (std::size_t i = 0; i < n; ++i)
            for (std::size_t j = 0; j < n; ++j)
              if (i <= j + b && j <= i + b) entries.push_back({i, j});
        } else {
          std::uniform_int_distribution<std::size_t> u(0, n - 1);
          while (jacobian_sparsity(n, entries).nonzeros() < target)
            for (std::size_t k = 0; k < n; ++k) entries.push_back({u(rng), u(rng)});
        }
        const jacobian_sparsity pattern(n, entries);
        linear_system sys;
        sys.pattern = &pattern;
        const auto m = static_cast<Eigen::Index>(n);
        sys.a = Eigen::MatrixXd::Zero(m, m);
        std::uniform_real_distribution<double> w(-0.5, 0.5);
        for (const auto& [i, j] : entries)
          sys.a(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = w(rng);
        for (Eigen::Index i = 0; i < m; ++i)
          sys.a(i, i) =
              -std::pow(10.0, -1 + 5.0 * static_cast<double>(i) / static_cast<double>(n - 1)) -
              static_cast<double>(n) * density;
        sys.sparse_a = sys.a.sparseView();
        const double d = us_per_step<false>(sys, n);
        const double s = us_per_step<true>(sys, n);
        const double nn = static_cast<double>(n * n);
        fmt::print("{:>5} {:>9} {:>8.3f} {:>8.3f} {:>10.1f} {:>10.1f} {:>8.2f} {:>7}\n", n,
                   scattered ? "scattered" : "banded", static_cast<double>(pattern.nonzeros()) / nn,
                   static_cast<double>(sparse_rodas_algebra::factor_nonzeros(pattern)) / nn, d, s,
                   s / d, sparse_rodas_algebra::pays_off(pattern) ? "sparse" : "dense");
      }
    }
  }
}

}  // namespace

int main() {
  using odesynth::jacobian_storage;
  using odesynth::stepper_kind;
  fmt::print("stiff chain, rosenbrock4 through solve(), ms per solve (median of 5), (steps)\n");
  fmt::print("{:>6} {:>18} {:>18} {:>18} {:>18}\n", "n", "dense analytic", "dense FD",
             "sparse analytic", "sparse coloured FD");
  for (const std::size_t n : {50, 100, 500, 2000}) {
    const int dense_reps = n >= 2000 ? 1 : 5;
    const auto d = time_solve(stiff_chain<true, true>(n), n, dense_reps, jacobian_storage::dense);
    const auto df = time_solve(stiff_chain<true, false>(n), n, dense_reps, jacobian_storage::dense);
    const auto s = time_solve(stiff_chain<true, true>(n), n, 5, jacobian_storage::sparse);
    const auto c = time_solve(stiff_chain<true, false>(n), n, 5, jacobian_storage::sparse);
    fmt::print("{:>6} {:>10.2f} ({:>5}) {:>10.2f} ({:>5}) {:>10.2f} ({:>5}) {:>10.2f} ({:>5})\n", n,
               d.ms, d.steps, df.ms, df.steps, s.ms, s.steps, c.ms, c.steps);
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
  fill_table();
  return 0;
}
