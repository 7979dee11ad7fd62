// odesynth/impl/steady_state.ipp - the non-template code of steady_state.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>

#include "../steady_state.hpp"

namespace odesynth {

ODESYNTH_INLINE void steady_state_options::validate() const {
  if (!(std::isfinite(abs_tol) && abs_tol >= 0))
    detail::throw_invalid("steady_state_options.abs_tol", abs_tol, "a finite value >= 0");
  if (!(std::isfinite(rel_tol) && rel_tol >= 0))
    detail::throw_invalid("steady_state_options.rel_tol", rel_tol, "a finite value >= 0");
  if (abs_tol == 0 && rel_tol == 0)
    detail::throw_invalid("steady_state_options.abs_tol", abs_tol,
                          "a value > 0 when rel_tol = 0 (nothing would count as steady)");
  if (!(std::isfinite(first_window) && first_window > 0))
    detail::throw_invalid("steady_state_options.first_window", first_window, "a finite length > 0");
  if (!(max_time >= first_window))
    detail::throw_invalid("steady_state_options.max_time", max_time,
                          fmt::format("a time >= first_window ({})", first_window));
}

}  // namespace odesynth
