// odesynth/impl/per_species.ipp - the non-template code of per_species.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/text.hpp"
#include "../error.hpp"
#include "../per_species.hpp"

namespace odesynth::detail {

ODESYNTH_INLINE std::string known_species(const std::vector<std::string>& columns) {
  return fmt::format("one of the species [{}]", detail::join(columns, ", "));
}

ODESYNTH_INLINE void require_species(std::string_view where, const std::string& name,
                                     const std::vector<std::string>& columns) {
  for (const auto& c : columns)
    if (c == name) return;
  detail::throw_invalid(where, fmt::format("\"{}\"", name), detail::known_species(columns));
}

ODESYNTH_INLINE void throw_species_count(std::string_view where, std::size_t count,
                                         const std::vector<std::string>& columns) {
  detail::throw_invalid(
      fmt::format("{}.size()", where), count,
      fmt::format("one value per species ({}: {})", columns.size(), detail::join(columns, ", ")));
}

}  // namespace odesynth::detail
