// odesynth/ml/impl/array3.ipp - the non-template code of ml/array3.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include "../array3.hpp"

namespace odesynth::detail {

ODESYNTH_INLINE void throw_array3_index(std::size_t i, std::size_t j, std::size_t k,
                                        const std::array<std::size_t, 3>& shape) {
  throw_invalid(
      "array3 index", fmt::format("({}, {}, {})", i, j, k),
      fmt::format("an index within the shape [{}, {}, {}]", shape[0], shape[1], shape[2]));
}

ODESYNTH_INLINE std::string shape_text(const array3::shape_type& s) {
  return fmt::format("[{}, {}, {}]", s[0], s[1], s[2]);
}

}  // namespace odesynth::detail
