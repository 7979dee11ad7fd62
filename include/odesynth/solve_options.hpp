// odesynth/solve_options.hpp - which stepper, which tolerances, which limits.
//
// An aggregate with documented defaults (C++17 has no designated initialisers):
//
//   odesynth::solve_options o;
//   o.stepper = odesynth::stepper_kind::rosenbrock4;  // the solver's set must hold it
//   o.rel_tol = 1e-8;
//
// validate() is called by the solver when it is constructed, so a bad option fails before
// any work is done. Every message names the field and the offending value.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "detail/config.hpp"
#include "detail/text.hpp"
#include "error.hpp"
#include "stepper_set.hpp"

namespace odesynth {

struct solve_options {
  /// The stepper, one of the solver's compile-time set (stepper_set.hpp). Unset: the set's
  /// first, adaptive Dormand–Prince 5(4) with dense output for the default set. A solver's
  /// options() always hold the stepper it runs.
  std::optional<stepper_kind> stepper;

  /// Relative tolerance: finite, 0 or >= 100 machine epsilons (below that the error
  /// estimate is rounding noise and the step size collapses).
  double rel_tol = 1e-6;
  /// Absolute tolerance, for every species: finite, >= 0; not both tolerances 0.
  /// It must be well below the smallest magnitude you care about: a species that lives
  /// at 1e-5 (Robertson's y2) is invisible to abs_tol = 1e-8 at rel_tol = 1e-6.
  double abs_tol = 1e-8;
  /// Optional per-species absolute tolerance (one value per species, in species order),
  /// replacing abs_tol. Supported by every adaptive stepper except bulirsch_stoer, whose
  /// Boost.Odeint controller accepts only one absolute tolerance.
  std::vector<double> abs_tol_per_species;

  /// First trial step for the adaptive steppers; unset = estimated from the initial
  /// derivative (Hairer, Nørsett & Wanner, Solving ODEs I, sec. II.4).
  std::optional<double> initial_step;
  /// Upper bound on any step (adaptive steppers); unset = none.
  std::optional<double> max_step;
  /// Step of the fixed-step rk4 stepper (required for rk4, ignored otherwise). Each output
  /// interval is divided into ceil(interval / fixed_step) equal steps, so output times are
  /// hit exactly. A solve whose interval needs more than max_steps such steps is refused
  /// (invalid_argument) before any work.
  std::optional<double> fixed_step;
  /// Accepted steps allowed per solve; reaching it ends the solve with status max_steps.
  /// Signed so that a negative value can be reported rather than wrapping around.
  std::int64_t max_steps = 100000;
  /// Smallest acceptable step; a smaller accepted step ends the solve with status
  /// step_underflow. Independently of it, a step below 10 ulp of t is always an underflow.
  double min_step = 0.0;
  /// Wall-time limit per solve, in seconds; 0 = none. A solve still running after it ends
  /// with status time_limit (rows not reached are NaN and unobserved). The clock is read every
  /// few steps, adaptively, so the limit may be overshot by about a millisecond plus one step.
  /// A dataset made with a limit depends on the machine's speed: it is reproducible only where
  /// no solve comes near the limit.
  double time_limit_seconds = 0.0;

  /// Throws invalid_argument naming the first offending field. `num_species` is the
  /// model's state size (checked against abs_tol_per_species).
  void validate(std::size_t num_species) const;
};

namespace detail {
/// The text of fmt::formatter<solve_options>.
ODESYNTH_INLINE std::string solve_options_text(const solve_options& o);
}  // namespace detail

}  // namespace odesynth

/// "dopri5 rel_tol=1e-06 abs_tol=1e-08 max_steps=100000" plus any option that is set; an
/// unset stepper (the solver's first) prints as "default".
template <>
struct fmt::formatter<odesynth::solve_options> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::solve_options& o, FormatContext& ctx) const {
    return odesynth::detail::copy_text(odesynth::detail::solve_options_text(o), ctx);
  }
};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/solve_options.ipp"
#endif
