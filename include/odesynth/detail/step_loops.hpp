// odesynth/detail/step_loops.hpp - odesynth's own integration loops around odeint steppers.
//
// Boost.Odeint's integrate_* functions do not check for NaN, skip the step cap when there is
// no observer, never notice that a step has underflowed, and throw on failure. These loops
// keep odeint's steppers but own the iteration, so that every step is checked (finite state,
// progress, step count) and every ending becomes a solve_status with a message:
//
//   run_dense       dense-output steppers (dopri5): step, then interpolate at every output
//                   time the step passed (interpolated rows may overflow even though both
//                   ends of the step are finite: the caller checks all written rows once,
//                   row_writer::first_non_finite)
//   run_controlled  controlled steppers (rkf78, bulirsch_stoer, rosenbrock4): steps clipped
//                   to land exactly on output times, like odeint's integrate_times
//   run_fixed       fixed-step rk4: each output interval split into equal steps <= h
//
// run_dense and run_controlled take an optional step hook that may end the loop after any
// accepted step (loop_outcome::handed_over): auto_switch uses it to change method mid-solve.
//
// Each integrates one segment [start, stop] of a solve (a solve with a parameter schedule has
// one segment per constant-parameter interval) and never steps past `stop`: a solution that
// blows up just after the requested window is not reported as a failure, and a parameter
// switch is never stepped over. On return `x` holds the state at `stop`.
#pragma once

#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <new>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../solve_status.hpp"
#include "../stepper_set.hpp"
#include "../time_grid.hpp"
#include "config.hpp"
#include "odeint.hpp"
#include "state_ops.hpp"
#include "time_budget.hpp"

namespace odesynth::detail {

/// Records the first exception that escaped the model, so the loops can tell "the model
/// threw" from "the stepper gave up".
struct rhs_fault {
  bool threw = false;
  double t = 0;
  std::string what;

  void record(double at, const char* message);
};

/// The model bound to its parameters as an odeint system `sys(x, dxdt, t)`. Holds pointers
/// only: odeint copies systems by value.
template <class Model, class Params>
struct model_rhs {
  const Model* model;
  const Params* params;
  rhs_fault* fault;

  template <class State>
  void operator()(const State& x, State& dxdt, double t) const {
    try {
      (*model)(x, dxdt, t, *params);
    } catch (const std::exception& e) {
      fault->record(t, e.what());
      throw;
    } catch (...) {
      fault->record(t, "an exception not derived from std::exception");
      throw;
    }
  }
};

/// Writes state vectors into consecutive rows of a row-major T x S buffer. Rows are checked
/// for non-finite values in blocks (first_non_finite), not value by value as they are written.
struct row_writer {
  double* data;
  std::size_t cols;

  template <class State>
  void write(std::size_t row, const State& x) const noexcept {
    double* r = data + row * cols;
    if constexpr (std::is_same_v<State, Eigen::VectorXd>) {
      Eigen::Map<Eigen::VectorXd>(r, x.size()) = x;
    } else {
      const std::size_t n = size_of(x);  // a constant for std::array: the loop unrolls
      for (std::size_t j = 0; j < n; ++j) r[j] = x[j];
    }
  }

  /// The first row in [first, first + count) holding a non-finite value, or first + count.
  std::size_t first_non_finite(std::size_t first, std::size_t count) const noexcept;
};

/// One constant-parameter stretch of a solve and the output times inside it.
struct segment {
  const double* times;    ///< output times in (start, stop], or [start, stop] for the first
  std::size_t count;      ///< how many
  std::size_t first_row;  ///< trajectory row of times[0]
  double start;           ///< the state given is the state at `start`
  double stop;            ///< integrate up to here, exactly
};

struct loop_limits {
  std::int64_t max_steps;
  double min_step;
  time_budget* budget = nullptr;  ///< the solve's wall-time limit; null: none
};

struct loop_outcome {
  solve_status status = solve_status::ok;
  std::string message;
  std::size_t rows = 0;  ///< output rows of the segment written (all of them when status is ok)
  std::int64_t steps = 0;
  double next_dt = 0;  ///< the step size the stepper proposes to continue with
  /// A step hook asked to stop (auto_switch hands the solve to its other method): the loop
  /// ended at `stopped_at` < stop with status ok, x holding the state there.
  bool handed_over = false;
  double stopped_at = 0;
  /// auto_switch's methods over the segment (detail/auto_switch.hpp); empty: one throughout.
  std::vector<method_interval> methods;
};

/// What the loops ask after every accepted step whether to stop early: `accepted(t_old, t_new,
/// next_dt)` returns true to stop there (auto_switch.hpp). The default asks nothing and
/// compiles to nothing (`active` is checked with if constexpr).
struct no_step_hook {
  static constexpr bool active = false;
  bool accepted(double /*t_old*/, double /*t_new*/, double /*next_dt*/) { return false; }
};

inline constexpr double eps = std::numeric_limits<double>::epsilon();

/// An output time counts as reached when the integrator's time is within the time resolution
/// of it (16 eps |target|): a step aimed at t_end lands on t + (t_end - t), which may round
/// one ulp short. No output time is skipped this way (issue 12):
///   - a validated grid holds its times, and its start and first time, further apart than
///     the resolution (time_grid.hpp): the next one is never reached from the last;
///   - a step not aimed at the target does not land within the resolution of it: steps that
///     would land within twice the resolution are aimed at it or halved (step_towards()),
///     else {1e16, 1e16 + 100} was solved with 26 of its 100 time units snapped away;
///   - only a parameter switch within the resolution of an output time maps that row to the
///     switch's state: the same time as far as the solver can tell.
inline bool reached(double target, double t) noexcept {
  return target <= t || target - t <= time_resolution * std::fabs(target);
}

/// The step to take from `t` towards `target` when the stepper proposes `dt`: dt if it lands
/// well short of the target; the rest r = target - t if dt passes it; and if dt would leave a
/// sliver within twice the resolution (which reached() would snap away), r / 2: two steps
/// above twice the resolution each, and r / 2 <= dt, so the controller's choice (and
/// max_step) is not exceeded. Only a rest within a few resolutions is taken in one step.
inline double step_towards(double target, double t, double dt) noexcept {
  const double r = target - t;
  const double sliver = 2 * time_resolution * std::fabs(target);
  if (r - dt > sliver) return dt;
  if (r <= dt || r <= 2 * sliver) return r;
  return r / 2;
}

/// DOPRI5's criterion (Hairer): a step below 10 ulp of t no longer moves t meaningfully.
inline bool step_underflowed(double t_old, double t_new, double min_step) noexcept {
  const double h = t_new - t_old;
  return !(h > 10 * eps * std::fabs(t_old)) || h < min_step;
}

/// Marks `out` failed and hands it back (by move: the caller returns it).
ODESYNTH_INLINE loop_outcome failed(loop_outcome& out, solve_status s, std::string message);

/// Where a segment's solve stopped short: "output time t[3] = 1.5", the next output still
/// pending, or "t = <stop>" when every output was written.
ODESYNTH_INLINE std::string next_target(const loop_outcome& out, const segment& g);

ODESYNTH_INLINE loop_outcome max_steps_reached(loop_outcome& out, std::int64_t cap, double t,
                                               const segment& g);

ODESYNTH_INLINE loop_outcome time_limit_reached(loop_outcome& out, const time_budget& budget,
                                                double t, const segment& g);

/// Writes `x` as the outputs at or before `t` that are still pending (x must be finite).
template <class State>
void write_reached(loop_outcome& out, const segment& g, const row_writer& rows, const State& x,
                   double t) {
  for (; out.rows < g.count && reached(g.times[out.rows], t); ++out.rows)
    rows.write(g.first_row + out.rows, x);
}

/// Maps an exception escaping a stepper to an outcome. Exceptions from the model become
/// rhs_threw; odeint's "no step size found" and other stepper failures (e.g. uBLAS' singular
/// matrix check in debug builds) become step_size_not_found; bad_alloc propagates.
ODESYNTH_INLINE loop_outcome classify_exception(loop_outcome& out, const rhs_fault& fault,
                                                double t);

/// After the step size collapsed, tell a model that produces NaN/Inf (blow-up, leaving its
/// domain) from a genuinely hard but finite problem. `rhs_is_finite(x, t)` evaluates the
/// model once.
template <class State, class RhsIsFinite>
loop_outcome diagnose_stall(loop_outcome out, const State& x, double t, RhsIsFinite rhs_is_finite) {
  bool finite = true;
  try {
    finite = rhs_is_finite(x, t);
  } catch (...) {
    finite = true;  // keep the original diagnosis; the model threw only on this probe
  }
  if (finite) return out;
  std::string message = fmt::format(
      "the right-hand side is not finite at t = {} (max |x| = {}): the solution "
      "blows up or leaves the model's domain; {}",
      t, max_abs(x), out.message);
  return failed(out, solve_status::non_finite, std::move(message));
}

/// Dense-output steppers: step, then interpolate at every output time the step passed.
template <class Dense, class System, class State, class RhsIsFinite, class Hook = no_step_hook>
loop_outcome run_dense(Dense& st, System sys, State& x, double dt0, const segment& g,
                       const loop_limits& lim, const row_writer& rows, const rhs_fault& fault,
                       RhsIsFinite rhs_is_finite, Hook hook = {}) {
  loop_outcome out;
  write_reached(out, g, rows, x, g.start);
  out.next_dt = dt0;
  if (!(g.stop > g.start)) return out;
  st.initialize(x, g.start, std::min(dt0, g.stop - g.start));
  // The loop works on locals: `out` lives in the caller's return slot and `g`, `lim`, `rows`
  // are references, so their fields were stored and reloaded around every call into the
  // stepper (callgrind: the loop's own bookkeeping was 1.7x odeint's integrate_times).
  const double* const times = g.times;
  const std::size_t count = g.count, first_row = g.first_row;
  const double stop = g.stop;
  // Whether step_towards(stop, t, dt) may differ from dt, hoisted: t + dt > stop_early.
  const double stop_early = stop - 2 * time_resolution * std::fabs(stop);
  const std::int64_t max_steps = lim.max_steps;
  time_budget* const budget = lim.budget;
  // One comparison per step serves both limits: check_at is max_steps, or the step at which
  // the time budget reads the clock next if that comes first.
  std::int64_t check_at = time_budget::next_check(budget, 0, max_steps);
  const row_writer writer = rows;
  std::size_t row = out.rows;
  std::int64_t steps = 0;
  const auto sync = [&] {
    out.rows = row;
    out.steps = steps;
  };
  try {
    while (!reached(stop, st.current_time())) {
      if (steps >= check_at) {
        sync();
        if (steps >= max_steps) return max_steps_reached(out, max_steps, st.current_time(), g);
        if (budget->expired()) return time_limit_reached(out, *budget, st.current_time(), g);
        check_at = time_budget::next_check(budget, steps, max_steps);
      }
      const double t = st.current_time();
      if (t + st.current_time_step() > stop_early) {
        // Do not integrate past the segment's end, nor leave a sliver before it that
        // reached() would snap away.
        copy_values(st.current_state(), x);
        st.initialize(x, t, step_towards(stop, t, st.current_time_step()));
      }
      st.do_step(sys);
      ++steps;
      const double t_new = st.current_time();
      if (!all_finite(st.current_state())) {
        sync();
        return failed(
            out, solve_status::non_finite,
            fmt::format("the state became non-finite in the step from t = {} to {}", t, t_new));
      }
      if (step_underflowed(t, t_new, lim.min_step)) {
        sync();
        out = failed(out, solve_status::step_underflow,
                     fmt::format("step size underflow at t = {} (accepted step {}, min_step {}, "
                                 "max |x| = {}): the solution may blow up or have a singularity "
                                 "or discontinuity here",
                                 t, t_new - t, lim.min_step, max_abs(st.current_state())));
        return diagnose_stall(std::move(out), st.current_state(), t_new, rhs_is_finite);
      }
      const double t_reached = t_new + time_resolution * std::fabs(t_new);  // reached(), hoisted
      for (; row < count && times[row] <= t_reached; ++row) {
        st.calc_state(times[row], x);
        writer.write(first_row + row, x);
      }
      if constexpr (Hook::active) {
        if (hook.accepted(t, t_new, st.current_time_step()) && !reached(stop, t_new)) {
          copy_values(st.current_state(), x);
          sync();
          out.next_dt = st.current_time_step();
          out.handed_over = true;
          out.stopped_at = t_new;
          return out;
        }
      }
    }
    copy_values(st.current_state(), x);  // the state at stop (within the resolution of it)
    // A row beyond t_reached yet within the resolution of stop (a window narrower than an ulp,
    // open only through rounding) gets that state, as write_reached would: never left unset.
    for (; row < count; ++row) writer.write(first_row + row, x);
    out.next_dt = st.current_time_step();
  } catch (...) {
    sync();
    const double t = st.current_time();
    out = classify_exception(out, fault, t);
    if (out.status == solve_status::step_size_not_found)
      out = diagnose_stall(std::move(out), st.current_state(), t, rhs_is_finite);
    return out;
  }
  sync();
  return out;
}

/// Controlled steppers without dense output. Steps are clipped to land on output times; the
/// step size proposed before clipping is kept for the next interval (as odeint's
/// integrate_times does), so dense grids do not shrink the steps.
template <class Controlled, class System, class State, class RhsIsFinite, class Hook = no_step_hook>
loop_outcome run_controlled(Controlled& st, System sys, State& x, double dt0, const segment& g,
                            const loop_limits& lim, const row_writer& rows, const rhs_fault& fault,
                            RhsIsFinite rhs_is_finite, Hook hook = {}) {
  constexpr int max_consecutive_rejections = 500;  // odeint's failed_step_checker default
  loop_outcome out;
  double t = g.start;
  double dt = dt0;
  int rejections = 0;
  std::int64_t check_at = time_budget::next_check(lim.budget, 0, lim.max_steps);  // as run_dense
  try {
    for (;;) {
      write_reached(out, g, rows, x, t);  // x is finite: checked after every step
      if (reached(g.stop, t)) break;
      const double target = out.rows < g.count ? g.times[out.rows] : g.stop;
      if (out.steps >= check_at) {
        if (out.steps >= lim.max_steps) return max_steps_reached(out, lim.max_steps, t, g);
        if (lim.budget->expired()) return time_limit_reached(out, *lim.budget, t, g);
        check_at = time_budget::next_check(lim.budget, out.steps, lim.max_steps);
      }
      double h = step_towards(target, t, dt);
      const double t_old = t;
      if (st.try_step(sys, x, t, h) == boost::numeric::odeint::success) {
        ++out.steps;
        rejections = 0;
        dt = std::max(dt, h);
        if (!all_finite(x)) {
          return failed(
              out, solve_status::non_finite,
              fmt::format("the state became non-finite in the step from t = {} to {}", t_old, t));
        }
        if (step_underflowed(t_old, t, lim.min_step)) {
          out = failed(out, solve_status::step_underflow,
                       fmt::format("step size underflow at t = {} (accepted step {}, min_step "
                                   "{}, max |x| = {}): the solution may blow up or have a "
                                   "singularity or discontinuity here",
                                   t_old, t - t_old, lim.min_step, max_abs(x)));
          return diagnose_stall(std::move(out), x, t, rhs_is_finite);
        }
        if (reached(target, t)) t = target;
        if constexpr (Hook::active) {
          if (hook.accepted(t_old, t, dt) && !reached(g.stop, t)) {
            write_reached(out, g, rows, x, t);
            out.next_dt = dt;
            out.handed_over = true;
            out.stopped_at = t;
            return out;
          }
        }
      } else {
        dt = h;
        if (++rejections >= max_consecutive_rejections) {
          out = failed(out, solve_status::step_size_not_found,
                       fmt::format("no acceptable step size from t = {} ({} consecutive rejected "
                                   "trial steps, last h = {})",
                                   t, rejections, h));
          return diagnose_stall(std::move(out), x, t, rhs_is_finite);
        }
      }
    }
    // Left on reached(stop, t): a row not reached from t yet within the resolution of stop (a
    // sub-ulp window, open only through rounding) gets the state at stop, never left unset.
    for (; out.rows < g.count; ++out.rows) rows.write(g.first_row + out.rows, x);
    out.next_dt = dt;
  } catch (...) {
    out = classify_exception(out, fault, t);
    if (out.status == solve_status::step_size_not_found)
      out = diagnose_stall(std::move(out), x, t, rhs_is_finite);
    return out;
  }
  return out;
}

/// Fixed-step steppers: the interval to each output time (and to the segment's end) is split
/// into ceil(interval / h) equal steps, so every output time is hit exactly.
template <class Stepper, class System, class State>
loop_outcome run_fixed(Stepper& st, System sys, State& x, double h, const segment& g,
                       const loop_limits& lim, const row_writer& rows, const rhs_fault& fault) {
  loop_outcome out;
  double t = g.start;
  std::int64_t check_at = time_budget::next_check(lim.budget, 0, lim.max_steps);  // as run_dense
  try {
    for (;;) {
      write_reached(out, g, rows, x, t);
      if (!(t < g.stop)) break;
      const double target = out.rows < g.count ? g.times[out.rows] : g.stop;
      // The tiny relative slack keeps 0.3 / 0.1 from becoming 4 steps through rounding.
      const double span = target - t;
      const double n = std::max(1.0, std::ceil(span / h * (1 - 1e-12)));
      // The solver refuses a step count beyond max_steps (solve.hpp); the cap keeps the
      // conversion defined whatever the caller (a double >= 2^63 has no int64 value), and the
      // loop stops at max_steps long before it matters.
      const std::int64_t substeps =
          n < 0x1p62 ? static_cast<std::int64_t>(n) : std::int64_t{1} << 62;
      const double hs = span / n;
      for (std::int64_t k = 0; k < substeps; ++k) {
        if (out.steps >= check_at) {
          if (out.steps >= lim.max_steps) return max_steps_reached(out, lim.max_steps, t, g);
          if (lim.budget->expired()) return time_limit_reached(out, *lim.budget, t, g);
          check_at = time_budget::next_check(lim.budget, out.steps, lim.max_steps);
        }
        const double tk = t + static_cast<double>(k) * hs;
        st.do_step(sys, x, tk, hs);
        ++out.steps;
        if (!all_finite(x))
          return failed(out, solve_status::non_finite,
                        fmt::format("the state became non-finite in the step from t = {} to {}", tk,
                                    tk + hs));
      }
      t = target;
    }
    out.next_dt = h;
  } catch (...) {
    return classify_exception(out, fault, t);
  }
  return out;
}

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/step_loops.ipp"
#endif
