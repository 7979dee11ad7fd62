// odesynth/impl/stepper_set.ipp - the non-template code of stepper_set.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include "../stepper_set.hpp"

namespace odesynth {

ODESYNTH_INLINE stepper_kind parse_stepper_kind(std::string_view name) {
  return detail::parse_enum(name, all_stepper_kinds, "solve_options.stepper");
}

}  // namespace odesynth
