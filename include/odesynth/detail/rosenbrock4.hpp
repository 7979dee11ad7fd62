// odesynth/detail/rosenbrock4.hpp - a 4th-order Rosenbrock method (RODAS4) on Eigen, with
// step-size control, for stiff systems.
//
// Why not Boost.Odeint's rosenbrock4: it is hard-wired to uBLAS vectors and matrices, whose
// naive LU makes a 200-species stiff solve take 0.4 s (measured; Eigen's partial-pivoting LU
// is several times faster), whose debug-mode checks print to stderr and throw in users'
// non-NDEBUG builds, and which allocates even for fixed-size models. Its coefficient d4 also
// carries the wrong sign (+0.0362 where Hairer & Wanner's rodas.f has -0.0362), which only
// shows on non-autonomous models. This implementation keeps odeint's interface shape
// (initialize / do_step / calc_state), so it runs in the same loop as odeint's steppers.
//
// Method: RODAS, Hairer & Wanner, "Solving Ordinary Differential Equations II", sec. VI.4,
// coefficients of rodas.f (METH = 1): 6 stages, order 4 with an embedded order-3 error
// estimate, stiffly accurate, L-stable. Each step solves
// (1/(gamma h) I - J) k_i = f(t + c_i h, x + sum a_ij k_j) + h d_i df/dt + sum c_ij k_j / h.
// The Jacobian (and df/dt) is evaluated once per accepted state; a rejected step only
// refactorises with the new h. Step control: Hairer & Wanner's, with Gustafsson's
// predictive controller, step ratio in [1/6, 5], safety 0.9.
//
// No dense output: RODAS's continuous extension is accurate on Robertson's kinetics but not
// on stiff components that follow a slow forcing (x' = -1e4 (x - cos t): interpolated values
// 600x rel_tol off while step end points are within it), and any derivative-based
// interpolant inherits the problem because stiff derivatives amplify state errors by the
// stiffness. So the solver makes steps end exactly on output times.
//
// Linear algebra: a policy. dense_rodas_algebra<N> (the default) factorises the dense E with
// Eigen's PartialPivLU, O(n^3) per step. sparse_rodas_algebra keeps J and E as
// Eigen::SparseMatrix on a model's jacobian_sparsity (sparsity.hpp), analyses E's pattern with
// Eigen::SparseLU once and factorises numerically per step (O(n) for a banded pattern);
// rosenbrock4_sparse<State> is the stepper with it. The method and step control are the same,
// so the two take the same steps up to rounding (the LUs order their operations differently).
#pragma once

#include <Eigen/Core>
#include <Eigen/LU>
#include <Eigen/SparseCore>
#include <Eigen/SparseLU>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <utility>
#include <vector>

#include "../sparsity.hpp"
#include "odeint.hpp"
#include "sparse_jacobian_writer.hpp"
#include "state_ops.hpp"

namespace odesynth::detail {

struct rodas4_coefficients {
  static constexpr double gamma = 0.25;
  static constexpr double c2 = 0.386, c3 = 0.21, c4 = 0.63;
  static constexpr double d1 = 0.25, d2 = -0.1043, d3 = 0.1035, d4 = -0.3620000000000023e-01;
  static constexpr double a21 = 0.1544000000000000e+01;
  static constexpr double a31 = 0.9466785280815826e+00, a32 = 0.2557011698983284e+00;
  static constexpr double a41 = 0.3314825187068521e+01, a42 = 0.2896124015972201e+01,
                          a43 = 0.9986419139977817e+00;
  static constexpr double a51 = 0.1221224509226641e+01, a52 = 0.6019134481288629e+01,
                          a53 = 0.1253708332932087e+02, a54 = -0.6878860361058950e+00;
  static constexpr double c21 = -0.5668800000000000e+01;
  static constexpr double c31 = -0.2430093356833875e+01, c32 = -0.2063599157091915e+00;
  static constexpr double c41 = -0.1073529058151375e+00, c42 = -0.9594562251023355e+01,
                          c43 = -0.2047028614809616e+02;
  static constexpr double c51 = 0.7496443313967647e+01, c52 = -0.1024680431464352e+02,
                          c53 = -0.3399990352819905e+02, c54 = 0.1170890893206160e+02;
  static constexpr double c61 = 0.8083246795921522e+01, c62 = -0.7981132988064893e+01,
                          c63 = -0.3152159432874371e+02, c64 = 0.1631930543123136e+02,
                          c65 = -0.6058818238834054e+01;
};

/// Eigen view of a state: std::array<double, N> or Eigen::VectorXd.
template <int N, class State>
auto as_eigen(State& s) {
  return Eigen::Map<Eigen::Matrix<double, N, 1>>(s.data(), static_cast<Eigen::Index>(s.size()));
}
template <int N, class State>
auto as_eigen(const State& s) {
  return Eigen::Map<const Eigen::Matrix<double, N, 1>>(s.data(),
                                                       static_cast<Eigen::Index>(s.size()));
}

/// Matrices stay fixed-size (on the stack, no allocation) up to this many species; beyond,
/// they are heap-allocated once per solve (Eigen's fixed sizes stop paying off, and very
/// large fixed-size objects would not fit on the stack).
inline constexpr int max_fixed_matrix_size = 16;

template <int N>
using square_matrix_t =
    Eigen::Matrix<double, (N != Eigen::Dynamic && N <= max_fixed_matrix_size) ? N : Eigen::Dynamic,
                  (N != Eigen::Dynamic && N <= max_fixed_matrix_size) ? N : Eigen::Dynamic>;

/// With solve_options::jacobian = automatic, the solver (solve.hpp) runs rosenbrock4 on sparse
/// matrices when the model gives a sparsity() with at least this many species and the
/// factorisation stays sparse (sparse_rodas_algebra::pays_off). Measured (bench_sparse: the
/// stepper alone on a stiff bidiagonal chain, analytic Jacobian, 2-core AMD EPYC VM): a step
/// costs the same either way at 20 species (3.4 us), sparse is 1.5x faster at 30 and 8x at
/// 120, dense 2.4x faster at 5 (SparseLU's bookkeeping dominates small systems).
inline constexpr std::size_t sparse_jacobian_min_species = 25;

/// Dense linear algebra for rosenbrock4_controlled: J and E = d I - J as Eigen matrices,
/// PartialPivLU.
template <int N>
class dense_rodas_algebra {
 public:
  using matrix_type = square_matrix_t<N>;

  explicit dense_rodas_algebra(std::size_t n) {
    if constexpr (matrix_type::RowsAtCompileTime == Eigen::Dynamic) {
      const auto m = static_cast<Eigen::Index>(n);
      jac_.resize(m, m);
      e_.resize(m, m);
      lu_ = Eigen::PartialPivLU<matrix_type>(m);
    }
  }

  matrix_type& jacobian() noexcept { return jac_; }

  /// Factorises E = d I - J; false if that failed (never, for PartialPivLU: a singular E
  /// shows as non-finite solutions, which the error test rejects).
  bool factorize(double d) {
    e_ = -jac_;
    e_.diagonal().array() += d;
    lu_.compute(e_);
    return true;
  }

  /// x = E^-1 b (distinct buffers).
  template <class B, class X>
  void solve(const B& b, X&& x) const {
    x = lu_.solve(b);
  }

 private:
  matrix_type jac_, e_;
  Eigen::PartialPivLU<matrix_type> lu_;
};

/// |J|_inf of a sparse matrix: the largest sum of |a_ij| over a row (auto_switch.hpp's
/// row_sum_norm for dense matrices).
template <class Scalar, int Options, class Index>
double row_sum_norm(const Eigen::SparseMatrix<Scalar, Options, Index>& jac) {
  if (jac.rows() == 0) return 0.0;
  Eigen::VectorXd sums =
      Eigen::VectorXd::Zero(Options & Eigen::RowMajorBit ? jac.outerSize() : jac.innerSize());
  for (Eigen::Index k = 0; k < jac.outerSize(); ++k)
    for (typename Eigen::SparseMatrix<Scalar, Options, Index>::InnerIterator it(jac, k); it; ++it)
      sums[it.row()] += std::fabs(it.value());
  return sums.maxCoeff();
}

/// Sparse linear algebra for rosenbrock4_controlled: J and E = d I - J on the pattern (which
/// holds the diagonal), E's pattern analysed once (COLAMD ordering), factorised per step.
class sparse_rodas_algebra {
 public:
  using matrix_type = Eigen::SparseMatrix<double>;

  explicit sparse_rodas_algebra(const jacobian_sparsity& pattern)
      : jac_(pattern_matrix(pattern)), e_(jac_) {
    const auto& starts = pattern.column_starts();
    const auto& rows = pattern.row_indices();
    for (std::size_t j = 0; j < pattern.size(); ++j)
      for (std::size_t p = starts[j]; p < starts[j + 1]; ++p)
        if (rows[p] == j) diagonal_.push_back(static_cast<Eigen::Index>(p));
    lu_.analyzePattern(e_);
  }

  matrix_type& jacobian() noexcept { return jac_; }

  /// Nonzeros of E's LU factors (L and U, as Eigen::SparseLU stores them) for this pattern,
  /// from one factorisation of a diagonally dominant E on it (n on the diagonal, -1 elsewhere),
  /// as E = 1/(gamma h) I - J is at the small steps of a stiff solve: the fill-in of E's
  /// COLAMD ordering.
  static std::size_t factor_nonzeros(const jacobian_sparsity& pattern) {
    matrix_type e = pattern_matrix(pattern);
    const auto& starts = pattern.column_starts();
    const auto& rows = pattern.row_indices();
    double* values = e.valuePtr();
    for (std::size_t j = 0; j < pattern.size(); ++j)
      for (std::size_t p = starts[j]; p < starts[j + 1]; ++p)
        values[p] = rows[p] == j ? static_cast<double>(pattern.size()) : -1.0;
    Eigen::SparseLU<matrix_type, Eigen::COLAMDOrdering<int>> lu;
    lu.analyzePattern(e);
    lu.factorize(e);
    return static_cast<std::size_t>(lu.nnzL() + lu.nnzU());
  }

  /// Whether sparse matrices make rosenbrock4's steps faster than dense ones on this pattern:
  /// at least sparse_jacobian_min_species species and factors with at most n^2.5 / 35 nonzeros.
  /// Fill-in decides, not the pattern's own density: on the stepper alone (bench_sparse,
  /// "fill" table), a banded pattern with 10% nonzeros is 1.8x faster sparse at n = 100,
  /// a random one with 10% is 1.8x slower (its factors fill 67% of n^2). The bound is the
  /// measured break-even fill, 0.13 n^2 at n = 25, 0.2 at 60, 0.28 at 100, 0.4 at 200.
  static bool pays_off(const jacobian_sparsity& pattern) {
    const auto n = static_cast<double>(pattern.size());
    if (pattern.size() < sparse_jacobian_min_species) return false;
    return 35.0 * static_cast<double>(factor_nonzeros(pattern)) <= n * n * std::sqrt(n);
  }

  /// A column-compressed Eigen matrix with the pattern's entries, all zero; its values are
  /// stored in the pattern's order (valuePtr()[p] is entry p of pattern.row_indices()).
  static Eigen::SparseMatrix<double> pattern_matrix(const jacobian_sparsity& pattern) {
    const auto n = static_cast<Eigen::Index>(pattern.size());
    Eigen::SparseMatrix<double> m(n, n);
    const auto& starts = pattern.column_starts();
    const auto& rows = pattern.row_indices();
    Eigen::VectorXi per_column(n);
    for (Eigen::Index j = 0; j < n; ++j)
      per_column[j] = static_cast<int>(starts[static_cast<std::size_t>(j) + 1] -
                                       starts[static_cast<std::size_t>(j)]);
    m.reserve(per_column);
    for (Eigen::Index j = 0; j < n; ++j)
      for (std::size_t p = starts[static_cast<std::size_t>(j)];
           p < starts[static_cast<std::size_t>(j) + 1]; ++p)
        m.insert(static_cast<Eigen::Index>(rows[p]), j) = 0.0;
    m.makeCompressed();
    return m;
  }

  bool factorize(double d) {
    const Eigen::Index nnz = jac_.nonZeros();
    const double* j = jac_.valuePtr();
    double* e = e_.valuePtr();
    for (Eigen::Index p = 0; p < nnz; ++p) e[p] = -j[p];
    for (const Eigen::Index p : diagonal_) e[p] += d;
    lu_.factorize(e_);
    return lu_.info() == Eigen::Success;
  }

  template <class B, class X>
  void solve(const B& b, X&& x) const {
    x = lu_.solve(b);
  }

 private:
  matrix_type jac_, e_;
  std::vector<Eigen::Index> diagonal_;  ///< positions of the diagonal in the values
  Eigen::SparseLU<matrix_type, Eigen::COLAMDOrdering<int>> lu_;
};

/// `System` provides rhs(x, dxdt, t) and jacobian(x, J, t) (J: matrix_type, filled
/// completely). `N` is the compile-time size (Eigen::Dynamic for Eigen::VectorXd states).
/// `Algebra` is dense_rodas_algebra<N> (default) or sparse_rodas_algebra.
template <class State, int N, class Algebra = dense_rodas_algebra<N>>
class rosenbrock4_controlled {
 public:
  using matrix_type = typename Algebra::matrix_type;

  rosenbrock4_controlled(std::size_t n, double abs_tol, double rel_tol,
                         const double* abs_tol_per_species, double max_step)
      : rosenbrock4_controlled(n, abs_tol, rel_tol, abs_tol_per_species, max_step, n) {}

  /// `algebra_arg` constructs the Algebra: n (dense) or a jacobian_sparsity (sparse).
  template <class AlgebraArg>
  rosenbrock4_controlled(std::size_t n, double abs_tol, double rel_tol,
                         const double* abs_tol_per_species, double max_step,
                         const AlgebraArg& algebra_arg)
      : n_(n),
        abs_tol_(abs_tol),
        rel_tol_(rel_tol),
        abs_tol_per_species_(abs_tol_per_species),
        max_step_(max_step),
        algebra_(algebra_arg) {
    for (State* s : {&f0_, &dfdt_, &k1_, &k2_, &k3_, &k4_, &k5_, &k6_, &x_tmp_, &f_tmp_})
      *s = make_vector<State>::of_size(n);
  }

  /// One trial step of size dt from (x, t), as odeint's controlled steppers do it: on
  /// success x and t advance and dt becomes the proposal for the next step; on failure only
  /// dt changes (smaller). The Jacobian is re-evaluated only after the state has moved.
  template <class System>
  boost::numeric::odeint::controlled_step_result try_step(System& sys, State& x, double& t,
                                                          double& dt) {
    if (max_step_ > 0 && dt > max_step_) dt = max_step_;
    if (!jacobian_current_) {
      sys.rhs(x, f0_, t);
      sys.jacobian(x, algebra_.jacobian(), t);
      time_derivative(sys, x, t);
      jacobian_current_ = true;
    }
    const double h = dt;
    const double err = trial(sys, x, t, h);
    if (!adjust(err, h, dt)) return boost::numeric::odeint::fail;
    std::swap(x, x_tmp_);  // O(1) for Eigen vectors
    t += h;
    jacobian_current_ = false;
    return boost::numeric::odeint::success;
  }

 private:
  using C = rodas4_coefficients;

  template <class System>
  void time_derivative(System& sys, const State& x, double t) {
    // Forward difference: a backward one would reach before a restart point.
    const double sqrt_eps = std::sqrt(std::numeric_limits<double>::epsilon());
    const double later = t + sqrt_eps * std::max(std::fabs(t), 1.0);
    const double dt = later - t;
    sys.rhs(x, f_tmp_, later);
    for (std::size_t i = 0; i < n_; ++i) dfdt_[i] = (f_tmp_[i] - f0_[i]) / dt;
  }

  void solve_into(State& k) {
    // Reads f_tmp_ and writes k (distinct buffers: no aliasing).
    algebra_.solve(as_eigen<N>(f_tmp_), as_eigen<N>(k));
  }

  /// Computes a candidate step of size h into x_tmp_ (new state) and k6_ (error); returns
  /// the scaled RMS error (infinity if not finite).
  template <class System>
  double trial(System& sys, const State& x, double t, double h) {
    if (!algebra_.factorize(1.0 / (C::gamma * h))) return std::numeric_limits<double>::infinity();

    const std::size_t n = n_;
    for (std::size_t i = 0; i < n; ++i) f_tmp_[i] = f0_[i] + h * C::d1 * dfdt_[i];
    solve_into(k1_);

    for (std::size_t i = 0; i < n; ++i) x_tmp_[i] = x[i] + C::a21 * k1_[i];
    sys.rhs(x_tmp_, f_tmp_, t + C::c2 * h);
    for (std::size_t i = 0; i < n; ++i) f_tmp_[i] += h * C::d2 * dfdt_[i] + C::c21 * k1_[i] / h;
    solve_into(k2_);

    for (std::size_t i = 0; i < n; ++i) x_tmp_[i] = x[i] + C::a31 * k1_[i] + C::a32 * k2_[i];
    sys.rhs(x_tmp_, f_tmp_, t + C::c3 * h);
    for (std::size_t i = 0; i < n; ++i)
      f_tmp_[i] += h * C::d3 * dfdt_[i] + (C::c31 * k1_[i] + C::c32 * k2_[i]) / h;
    solve_into(k3_);

    for (std::size_t i = 0; i < n; ++i)
      x_tmp_[i] = x[i] + C::a41 * k1_[i] + C::a42 * k2_[i] + C::a43 * k3_[i];
    sys.rhs(x_tmp_, f_tmp_, t + C::c4 * h);
    for (std::size_t i = 0; i < n; ++i)
      f_tmp_[i] += h * C::d4 * dfdt_[i] + (C::c41 * k1_[i] + C::c42 * k2_[i] + C::c43 * k3_[i]) / h;
    solve_into(k4_);

    for (std::size_t i = 0; i < n; ++i)
      x_tmp_[i] = x[i] + C::a51 * k1_[i] + C::a52 * k2_[i] + C::a53 * k3_[i] + C::a54 * k4_[i];
    sys.rhs(x_tmp_, f_tmp_, t + h);
    for (std::size_t i = 0; i < n; ++i)
      f_tmp_[i] += (C::c51 * k1_[i] + C::c52 * k2_[i] + C::c53 * k3_[i] + C::c54 * k4_[i]) / h;
    solve_into(k5_);

    for (std::size_t i = 0; i < n; ++i) x_tmp_[i] += k5_[i];
    sys.rhs(x_tmp_, f_tmp_, t + h);
    for (std::size_t i = 0; i < n; ++i)
      f_tmp_[i] += (C::c61 * k1_[i] + C::c62 * k2_[i] + C::c63 * k3_[i] + C::c64 * k4_[i] +
                    C::c65 * k5_[i]) /
                   h;
    solve_into(k6_);
    for (std::size_t i = 0; i < n; ++i) x_tmp_[i] += k6_[i];

    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double atol = abs_tol_per_species_ ? abs_tol_per_species_[i] : abs_tol_;
      const double sk = atol + rel_tol_ * std::max(std::fabs(x[i]), std::fabs(x_tmp_[i]));
      const double r = k6_[i] / sk;
      sum += r * r;
    }
    const double err = std::sqrt(sum / static_cast<double>(n));
    return std::isfinite(err) ? err : std::numeric_limits<double>::infinity();
  }

  /// Hairer & Wanner's step control with Gustafsson's predictive controller. Sets dt to the
  /// next proposal; returns whether the step of size h is accepted.
  bool adjust(double err, double h, double& dt) {
    constexpr double safe = 0.9, fac_max = 5.0, fac_min = 1.0 / 6.0;
    // err^(1/4) as two square roots: IEEE-754 rounds sqrt exactly, so every machine takes the
    // same steps (std::pow's rounding depends on the math library, detail/portable_pow.hpp).
    double fac = std::max(fac_min, std::min(fac_max, std::sqrt(std::sqrt(err)) / safe));
    if (!std::isfinite(fac)) fac = fac_max;
    double h_new = h / fac;
    if (err <= 1.0) {
      if (accepted_before_) {
        double fac_pred =
            (h_accepted_ / h) * std::sqrt(std::sqrt(err * err / err_accepted_)) / safe;
        fac_pred = std::max(fac_min, std::min(fac_max, fac_pred));
        fac = std::max(fac, fac_pred);
        h_new = h / fac;
      }
      accepted_before_ = true;
      h_accepted_ = h;
      err_accepted_ = std::max(1e-2, err);
      if (last_rejected_) h_new = std::min(h_new, h);
      last_rejected_ = false;
      dt = max_step_ > 0 ? std::min(h_new, max_step_) : h_new;
      return true;
    }
    last_rejected_ = true;
    dt = h_new;
    return false;
  }

  std::size_t n_;
  double abs_tol_, rel_tol_;
  const double* abs_tol_per_species_;
  double max_step_;

  State f0_, dfdt_, k1_, k2_, k3_, k4_, k5_, k6_, x_tmp_, f_tmp_;
  Algebra algebra_;
  bool jacobian_current_ = false;
  bool accepted_before_ = false;
  bool last_rejected_ = false;
  double h_accepted_ = 0, err_accepted_ = 0;
};

/// rosenbrock4 with sparse matrices on a jacobian_sparsity: construct with the pattern as the
/// last argument.
template <class State>
using rosenbrock4_sparse = rosenbrock4_controlled<State, Eigen::Dynamic, sparse_rodas_algebra>;

}  // namespace odesynth::detail
