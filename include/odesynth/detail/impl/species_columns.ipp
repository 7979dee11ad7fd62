// odesynth/detail/impl/species_columns.ipp - the non-template code of
// detail/species_columns.hpp, compiled in every file that includes it (header-only) or once in
// odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include "../species_columns.hpp"

namespace odesynth::detail {

ODESYNTH_INLINE void require_probability_in_01(std::string_view field, double p) {
  if (!in_unit_interval(p)) throw_invalid(field, p, "a probability in [0, 1]");
}

ODESYNTH_INLINE void require_fraction(std::string_view field, double f) {
  if (!in_unit_interval(f)) throw_invalid(field, f, "a fraction in [0, 1]");
}

ODESYNTH_INLINE Eigen::Index column_of(std::string_view field, const std::string& name,
                                       const std::vector<std::string>& columns) {
  for (std::size_t j = 0; j < columns.size(); ++j)
    if (columns[j] == name) return static_cast<Eigen::Index>(j);
  throw_invalid(field, fmt::format("\"{}\"", name), known_species(columns));
}

ODESYNTH_INLINE void require_species_names(std::string_view field,
                                           const std::vector<std::string>& names,
                                           bool allow_empty) {
  if (!allow_empty && names.empty()) throw_invalid(field, "[]", "at least one species");
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (names[k] == names[i])
        throw_invalid(fmt::format("{}[{}]", field, i), fmt::format("\"{}\"", names[i]),
                      "each species at most once");
}

}  // namespace odesynth::detail
