// odesynth/detail/impl/solve_input.ipp - the non-template code of detail/solve_input.hpp,
// compiled in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>

#include "../solve_input.hpp"
#include "../text.hpp"

namespace odesynth::detail {

ODESYNTH_INLINE void check_solve_values(const model_description& model, const char* what,
                                        const char* kind, const std::vector<std::string>& names,
                                        value_span v) {
  const auto field_name = [&] { return fmt::format("{}.{}", model.name(), what); };
  if (v.size() != names.size()) {
    const std::string field = field_name();
    throw invalid_argument(field, std::to_string(v.size()),
                           fmt::format("{}: got {} values, expected {} (one per {}: {})", field,
                                       v.size(), names.size(), kind, detail::join(names, ", ")));
  }
  for (std::size_t i = 0; i < v.size(); ++i)
    if (!std::isfinite(v[i]))
      throw_invalid(fmt::format("{}[{}] ({})", field_name(), i, names[i]), v[i], "a finite value");
}

}  // namespace odesynth::detail
