// odesynth/detail/auto_switch.hpp - the parts of stepper_kind::auto_switch: telling when a
// problem turns stiff while dopri5 runs, telling when it stops being stiff while rosenbrock4
// runs, and the record of which method ran where (trajectory::methods()).
//
// The solver (solve.hpp) runs dopri5 through run_dense with a stiffness_onset hook. When the
// hook reports stiffness, the loop stops after that step and the solver continues from there
// with rosenbrock4 through run_controlled with a stiffness_end hook, and so on until the
// segment ends. Both methods are the ones stepper_kind::dopri5 and rosenbrock4 run, with the
// same options: a solve that never turns stiff takes exactly dopri5's steps and gives its
// values bit for bit.
//
// Onset: Hairer's test from DOPRI5 (Hairer, Nørsett & Wanner, "Solving Ordinary Differential
// Equations I", sec. II.10, and dopri5.f). Stages 6 and 7 of a Dormand-Prince step are both
// evaluated at t + h, at two states that differ by O(h^5); so
//     h * |f(y1) - f(y6)| / |y1 - y6|
// estimates h |lambda| for the eigenvalue that dominates that difference, which in a stiff
// problem is the stiff one. dopri5 is stable for h |lambda| up to about 3.3 on the negative real
// axis; a step size held at the stability limit by the error controller keeps the estimate
// there. Stiff after 15 such steps in a row (6 below the limit in between clear the count).
// The estimate needs no extra evaluation: traced_rhs keeps pointers to the stepper's last two
// evaluations (Boost.Odeint's dopri5 evaluates stage 6 into its k6 buffer at the stage state,
// then f(y1) into the new derivative). Tested every test_interval accepted steps, and at every
// step while a streak runs, as dopri5.f does (its default interval is 1000; ours is shorter
// because a dataset's trajectories are short).
//
// Worth it: a stiff step costs a Jacobian and an LU factorisation, O(n^3) for n species, which
// for large systems is thousands of right-hand sides. So a detected stiffness switches only if
// dopri5's remaining work at its stability-limited step, (stop - t) / h steps, costs more than
// 10 rosenbrock4 steps (switch_costs: flop counts with a right-hand side taken as 10 flops per
// species). Without this, a 500-species chain that turns mildly stiff late in its interval
// (k = 2 on [0, 600]) went from 7 ms to 275 ms: rosenbrock4's steps were hardly longer than
// dopri5's, at 2.7 ms each. The counts are estimates, not timings, so the decision is the same
// on every machine and every run (datasets stay reproducible).
//
// End: while rosenbrock4 runs, its Jacobian J is at hand. Every eigenvalue is bounded by the
// row-sum norm |J|_inf, so h |J|_inf <= 3.3 means dopri5 would be stable at the step
// rosenbrock4 is taking: the problem is no longer stiff at this accuracy. Back to dopri5 after 15
// such steps in a row. The bound is pessimistic (it can exceed the spectral radius a lot), which
// errs towards staying with the stiff method: safe, only sometimes slower.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "../stepper_set.hpp"
#include "../trajectory.hpp"

namespace odesynth::detail {

/// The last two right-hand-side evaluations of a stepper, as pointers into its buffers (valid
/// until its next step).
template <class State>
struct rhs_trace {
  const State* x_before = nullptr;
  const State* f_before = nullptr;
  const State* x_last = nullptr;
  const State* f_last = nullptr;
};

/// An odeint system that evaluates `rhs` and records where (two pointer stores per call).
template <class Rhs, class State>
struct traced_rhs {
  Rhs rhs;
  rhs_trace<State>* trace;

  void operator()(const State& x, State& dxdt, double t) const {
    rhs(x, dxdt, t);
    trace->x_before = trace->x_last;
    trace->f_before = trace->f_last;
    trace->x_last = &x;
    trace->f_last = &dxdt;
  }
};

/// Thresholds of the switching tests (see the top of this file).
struct auto_switch_rules {
  static constexpr double stability_limit = 3.25;  ///< dopri5.f's bound on h |lambda|
  static constexpr int steps_to_switch = 15;       ///< dopri5.f: 15 stiff steps in a row
  static constexpr int steps_to_clear = 6;         ///< dopri5.f: 6 non-stiff steps reset them
  static constexpr int test_interval = 20;         ///< accepted steps between onset tests
};

/// Estimated costs of a step of each method, in flops, for n species (see the top).
struct switch_costs {
  double dopri5_step = 0;
  double rosenbrock4_step = 0;

  static constexpr double flops_per_species_rhs = 10;  ///< a right-hand side, per species
  static constexpr double min_stiff_steps = 10;        ///< rosenbrock4 steps a switch must pay for
  /// A sparse factorisation and its 6 solves, per nonzero, in flop-equivalents of time.
  static constexpr double sparse_lu_cost_per_nonzero = 850;

  /// Dense matrices unless `nonzeros` > 0: then rosenbrock4 runs on sparse ones
  /// (sparse_rodas_algebra) with that many structural nonzeros, and a Jacobian by differences
  /// costs 2 right-hand sides per colour (`colours`, column_colouring.hpp).
  static switch_costs of(std::size_t species, bool analytic_jacobian, std::size_t nonzeros = 0,
                         std::size_t colours = 0) noexcept {
    const auto n = static_cast<double>(species);
    const double rhs = flops_per_species_rhs * n;
    switch_costs c;
    c.dopri5_step = 6 * rhs + 30 * n;  // 6 stages (FSAL), the stage and error combinations
    if (nonzeros > 0) {
      // Sparse: the factorisation and the 6 solves scale with the nonzeros (for banded
      // patterns, whose fill stays in the band), but Eigen::SparseLU's bookkeeping makes them
      // slow per flop; sparse_lu_cost_per_nonzero is calibrated in time against the other
      // terms (bench_sparse: a sparse rosenbrock4 step of a linear_chain takes 21 dopri5 steps
      // at 100, 300 and 1000 species).
      const double nnz = static_cast<double>(nonzeros);
      const double jacobian =
          analytic_jacobian ? nnz : 2 * static_cast<double>(colours) * rhs + nnz;
      c.rosenbrock4_step = 6 * rhs + jacobian + rhs + sparse_lu_cost_per_nonzero * nnz + 40 * n;
      return c;
    }
    const double jacobian = analytic_jacobian ? n * n : 2 * n * rhs;  // central differences
    const double lu = 2.0 / 3.0 * n * n * n;
    c.rosenbrock4_step = 6 * rhs + jacobian + rhs + lu + 6 * 2 * n * n + 40 * n;
    return c;
  }

  /// Whether dopri5's work from t to stop at step h exceeds the work of min_stiff_steps
  /// rosenbrock4 steps, or of one per output time left (`outputs_left`): rosenbrock4 ends a
  /// step on every output time. (Without that bound, a 300-species linear_chain on sparse
  /// matrices switched with 66 outputs left and took 4.5 ms instead of dopri5's 2.2.)
  bool worth_switching(double h, double remaining, std::size_t outputs_left = 0) const noexcept {
    const double stiff_steps = std::max(min_stiff_steps, static_cast<double>(outputs_left));
    return remaining / h * dopri5_step > stiff_steps * rosenbrock4_step;
  }
};

/// What a switch was based on, for the trajectory's record.
struct switch_evidence {
  double h_lambda = 0;  ///< the last estimate of h |lambda| (onset) or h |J|_inf (end)
};

/// run_dense's hook while dopri5 runs: true after the step that completes 15 stiff tests.
template <class State>
class stiffness_onset {
 public:
  static constexpr bool active = true;
  using rules = auto_switch_rules;

  /// `times`, `count`: the output times left (increasing), if not null.
  stiffness_onset(const rhs_trace<State>* trace, switch_evidence* evidence, switch_costs costs,
                  double stop, const double* times = nullptr, std::size_t count = 0) noexcept
      : trace_(trace),
        evidence_(evidence),
        costs_(costs),
        stop_(stop),
        times_(times),
        times_end_(times ? times + count : nullptr) {}

  bool accepted(double t_old, double t_new, double /*next_dt*/) {
    ++accepted_;
    if (streak_ == 0 && accepted_ % rules::test_interval != 0) return false;
    const State& y1 = *trace_->x_last;
    const State& y6 = *trace_->x_before;
    const State& f7 = *trace_->f_last;
    const State& f6 = *trace_->f_before;
    double num = 0, den = 0;
    const std::size_t n = size_of(y1);
    for (std::size_t i = 0; i < n; ++i) {
      const double df = f7[i] - f6[i];
      const double dy = y1[i] - y6[i];
      num += df * df;
      den += dy * dy;
    }
    const double h_lambda = den > 0 ? (t_new - t_old) * std::sqrt(num / den) : 0.0;
    if (h_lambda > rules::stability_limit) {
      calm_ = 0;
      evidence_->h_lambda = h_lambda;
      if (++streak_ < rules::steps_to_switch) return false;
      const auto outputs_left =
          static_cast<std::size_t>(times_end_ - std::upper_bound(times_, times_end_, t_new));
      if (costs_.worth_switching(t_new - t_old, stop_ - t_new, outputs_left)) return true;
      streak_ = 0;  // stiff, but cheaper to finish with dopri5: look again later
      return false;
    }
    if (++calm_ >= rules::steps_to_clear) streak_ = 0;
    return false;
  }

 private:
  template <class S>
  static std::size_t size_of(const S& s) noexcept {
    return static_cast<std::size_t>(s.size());
  }

  const rhs_trace<State>* trace_;
  switch_evidence* evidence_;
  switch_costs costs_;
  double stop_;
  const double* times_;
  const double* times_end_;
  std::int64_t accepted_ = 0;
  int streak_ = 0;
  int calm_ = 0;
};

/// run_controlled's hook while rosenbrock4 runs: true after 15 steps in a row at which dopri5
/// would have been stable. `jacobian_norm` is |J|_inf of the Jacobian the step was taken with
/// (the stiff system writes it when it evaluates J).
class stiffness_end {
 public:
  static constexpr bool active = true;
  using rules = auto_switch_rules;

  stiffness_end(const double* jacobian_norm, switch_evidence* evidence) noexcept
      : jacobian_norm_(jacobian_norm), evidence_(evidence) {}

  bool accepted(double t_old, double t_new, double /*next_dt*/) {
    const double h_norm = (t_new - t_old) * *jacobian_norm_;
    if (!(h_norm <= rules::stability_limit)) {
      calm_ = 0;
      return false;
    }
    evidence_->h_lambda = h_norm;
    return ++calm_ >= rules::steps_to_switch;
  }

 private:
  const double* jacobian_norm_;
  switch_evidence* evidence_;
  int calm_ = 0;
};

/// |J|_inf, the largest absolute row sum: a bound on every eigenvalue's modulus. Dense Eigen
/// matrices; a sparse matrix type provides its own overload.
template <class Matrix>
double row_sum_norm(const Matrix& jac) {
  if (jac.rows() == 0) return 0.0;
  return jac.cwiseAbs().rowwise().sum().maxCoeff();
}

/// Appends a segment's method record to the solve's. A segment's record is empty when it ran
/// dopri5 throughout; the solve's is empty while every segment so far did. Consecutive
/// intervals of one method merge.
inline void append_methods(std::vector<method_interval>& solve, double solve_start,
                           double segment_start, std::vector<method_interval>&& segment) {
  if (segment.empty()) {
    if (!solve.empty() && solve.back().stepper != stepper_kind::dopri5)
      solve.push_back({segment_start, stepper_kind::dopri5});
    return;
  }
  if (solve.empty()) {
    solve = std::move(segment);
    solve.front().from = solve_start;  // earlier segments ran dopri5 too
    return;
  }
  for (const auto& m : segment)
    if (m.stepper != solve.back().stepper) solve.push_back(m);
}

}  // namespace odesynth::detail
