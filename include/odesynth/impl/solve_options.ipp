// odesynth/impl/solve_options.ipp - the non-template code of solve_options.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../solve_options.hpp"

namespace odesynth {

ODESYNTH_INLINE void solve_options::validate(std::size_t num_species) const {
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
      detail::throw_invalid("solve_options.abs_tol_per_species.size()", abs_tol_per_species.size(),
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
  // A value cast from an integer outside the enum (from a binding, say).
  if (std::find(all_jacobian_storages.begin(), all_jacobian_storages.end(), jacobian) ==
      all_jacobian_storages.end())
    detail::throw_invalid("solve_options.jacobian", static_cast<int>(jacobian),
                          "automatic, dense or sparse");
}

namespace detail {
ODESYNTH_INLINE std::string solve_options_text(const solve_options& o) {
  // Built with fmt::format and copied: format_to(ctx.out()) would compile fmt's engine in
  // every file that prints options (see detail/text.hpp).
  std::string text =
      fmt::format("{} rel_tol={} ", o.stepper ? to_string(*o.stepper) : "default", o.rel_tol);
  if (o.abs_tol_per_species.empty()) {
    text += fmt::format("abs_tol={}", o.abs_tol);
  } else {
    text += fmt::format("abs_tol_per_species=[{}]", join(o.abs_tol_per_species, ", "));
  }
  text += fmt::format(" max_steps={}", o.max_steps);
  if (o.initial_step) text += fmt::format(" initial_step={}", *o.initial_step);
  if (o.max_step) text += fmt::format(" max_step={}", *o.max_step);
  if (o.fixed_step) text += fmt::format(" fixed_step={}", *o.fixed_step);
  if (o.min_step > 0) text += fmt::format(" min_step={}", o.min_step);
  if (o.time_limit_seconds > 0) text += fmt::format(" time_limit_seconds={}", o.time_limit_seconds);
  if (o.jacobian != jacobian_storage::automatic)
    text += fmt::format(" jacobian={}", to_string(o.jacobian));
  return text;
}
}  // namespace detail

}  // namespace odesynth
