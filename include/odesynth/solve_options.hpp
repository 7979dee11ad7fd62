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
  void validate(std::size_t num_species) const {
    constexpr double eps = std::numeric_limits<double>::epsilon();
    if (!std::isfinite(rel_tol) || rel_tol < 0)
      detail::throw_invalid("solve_options.rel_tol", rel_tol, "a finite value >= 0");
    if (rel_tol > 0 && rel_tol < 100 * eps)
      detail::throw_invalid("solve_options.rel_tol", rel_tol,
                            fmt::format("0 or >= 100 machine epsilons ({:g}); smaller relative "
                                        "tolerances are below double precision rounding",
                                        100 * eps));
    if (!std::isfinite(abs_tol) || abs_tol < 0)
      detail::throw_invalid("solve_options.abs_tol", abs_tol, "a finite value >= 0");
    if (!abs_tol_per_species.empty()) {
      if (abs_tol_per_species.size() != num_species)
        detail::throw_invalid("solve_options.abs_tol_per_species.size()",
                              abs_tol_per_species.size(),
                              fmt::format("one tolerance per species ({})", num_species));
      for (std::size_t i = 0; i < abs_tol_per_species.size(); ++i) {
        const double a = abs_tol_per_species[i];
        if (!std::isfinite(a) || a < 0)
          detail::throw_invalid(fmt::format("solve_options.abs_tol_per_species[{}]", i), a,
                                "a finite value >= 0");
        if (a == 0 && rel_tol == 0)
          detail::throw_invalid(fmt::format("solve_options.abs_tol_per_species[{}]", i), a,
                                "a value > 0 when rel_tol = 0 (both tolerances zero makes "
                                "every step fail)");
      }
      if (stepper == stepper_kind::bulirsch_stoer)
        detail::throw_invalid("solve_options.abs_tol_per_species", "a per-species vector",
                              "an empty vector with stepper bulirsch_stoer (its Boost.Odeint "
                              "controller takes one absolute tolerance; use abs_tol)");
    } else if (abs_tol == 0 && rel_tol == 0) {
      detail::throw_invalid("solve_options.abs_tol", abs_tol,
                            "a value > 0 when rel_tol = 0 (both tolerances zero makes every "
                            "step fail; Boost.Odeint would loop forever)");
    }
    if (initial_step && !(std::isfinite(*initial_step) && *initial_step > 0))
      detail::throw_invalid("solve_options.initial_step", *initial_step, "a finite step > 0");
    if (max_step && !(*max_step > 0))  // +inf is allowed: no limit
      detail::throw_invalid("solve_options.max_step", *max_step, "a step > 0");
    if (fixed_step && !(std::isfinite(*fixed_step) && *fixed_step > 0))
      detail::throw_invalid("solve_options.fixed_step", *fixed_step, "a finite step > 0");
    if (stepper == stepper_kind::rk4 && !fixed_step)
      detail::throw_invalid("solve_options.fixed_step", "unset",
                            "a step > 0 when stepper = rk4 (fixed-step)");
    if (max_steps <= 0)
      detail::throw_invalid("solve_options.max_steps", max_steps, "a step count >= 1");
    if (!(std::isfinite(min_step) && min_step >= 0))
      detail::throw_invalid("solve_options.min_step", min_step, "a finite value >= 0");
    if (!(std::isfinite(time_limit_seconds) && time_limit_seconds >= 0))
      detail::throw_invalid("solve_options.time_limit_seconds", time_limit_seconds,
                            "a finite number of seconds >= 0 (0: no limit)");
  }
};

}  // namespace odesynth

/// "dopri5 rel_tol=1e-06 abs_tol=1e-08 max_steps=100000" plus any option that is set; an
/// unset stepper (the solver's first) prints as "default".
template <>
struct fmt::formatter<odesynth::solve_options> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::solve_options& o, FormatContext& ctx) const {
    // Built with fmt::format and copied: format_to(ctx.out()) would compile fmt's engine in
    // every file that prints options (see detail/text.hpp).
    std::string text = fmt::format(
        "{} rel_tol={} ", o.stepper ? odesynth::to_string(*o.stepper) : "default", o.rel_tol);
    if (o.abs_tol_per_species.empty()) {
      text += fmt::format("abs_tol={}", o.abs_tol);
    } else {
      text += fmt::format("abs_tol_per_species=[{}]",
                          odesynth::detail::join(o.abs_tol_per_species, ", "));
    }
    text += fmt::format(" max_steps={}", o.max_steps);
    if (o.initial_step) text += fmt::format(" initial_step={}", *o.initial_step);
    if (o.max_step) text += fmt::format(" max_step={}", *o.max_step);
    if (o.fixed_step) text += fmt::format(" fixed_step={}", *o.fixed_step);
    if (o.min_step > 0) text += fmt::format(" min_step={}", o.min_step);
    if (o.time_limit_seconds > 0)
      text += fmt::format(" time_limit_seconds={}", o.time_limit_seconds);
    return odesynth::detail::copy_text(text, ctx);
  }
};
