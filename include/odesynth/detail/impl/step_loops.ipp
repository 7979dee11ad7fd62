// odesynth/detail/impl/step_loops.ipp - the non-template code of detail/step_loops.hpp (the
// failure paths of the step loops), compiled in every file that includes it (header-only) or
// once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <exception>
#include <new>

#include "../step_loops.hpp"

namespace odesynth::detail {

ODESYNTH_INLINE loop_outcome failed(loop_outcome& out, solve_status s, std::string message) {
  out.status = s;
  out.message = std::move(message);
  return std::move(out);
}

ODESYNTH_INLINE std::string next_target(const loop_outcome& out, const segment& g) {
  return out.rows < g.count
             ? fmt::format("output time t[{}] = {}", g.first_row + out.rows, g.times[out.rows])
             : fmt::format("t = {}", g.stop);
}

ODESYNTH_INLINE loop_outcome max_steps_reached(loop_outcome& out, std::int64_t cap, double t,
                                               const segment& g) {
  return failed(out, solve_status::max_steps,
                fmt::format("max_steps = {} reached at t = {} before {} (stiff system with an "
                            "explicit stepper? try rosenbrock4, in the solver's stepper_set)",
                            cap, t, next_target(out, g)));
}

ODESYNTH_INLINE loop_outcome time_limit_reached(loop_outcome& out, const time_budget& budget,
                                                double t, const segment& g) {
  return failed(out, solve_status::time_limit,
                fmt::format("time_limit_seconds = {} exceeded ({:.3g} s) at t = {} before {}",
                            budget.seconds(), budget.elapsed(), t, next_target(out, g)));
}

ODESYNTH_INLINE loop_outcome classify_exception(loop_outcome& out, const rhs_fault& fault,
                                                double t) {
  if (fault.threw)
    return failed(out, solve_status::rhs_threw,
                  fmt::format("the model threw at t = {}: {}", fault.t, fault.what));
  try {
    throw;
  } catch (const boost::numeric::odeint::step_adjustment_error&) {
    return failed(out, solve_status::step_size_not_found,
                  fmt::format("no acceptable step size from t = {} (500 consecutive rejected "
                              "trial steps)",
                              t));
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    return failed(out, solve_status::step_size_not_found,
                  fmt::format("the stepper failed at t = {}: {}", t, e.what()));
  }
}

ODESYNTH_INLINE std::size_t row_writer::first_non_finite(std::size_t first,
                                                         std::size_t count) const noexcept {
  if (all_finite_values(data + first * cols, count * cols)) return first + count;
  std::size_t row = first;
  while (all_finite_values(data + row * cols, cols)) ++row;
  return row;
}

ODESYNTH_INLINE void rhs_fault::record(double at, const char* message) {
  if (threw) return;
  threw = true;
  t = at;
  what = message;
}

}  // namespace odesynth::detail
