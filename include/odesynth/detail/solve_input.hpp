// odesynth/detail/solve_input.hpp - the check every solver (solve.hpp, sde.hpp) makes of the
// values a solve is given: one finite value per name.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../model.hpp"
#include "../value_span.hpp"
#include "text.hpp"

namespace odesynth::detail {

/// Throws invalid_argument on "<model>.<what>" unless `v` holds one finite value per name
/// (`kind` names one of them in the message: "one per species: S, I, R"). The field's name is
/// formatted only on failure: this runs on every solve.
inline void check_solve_values(const model_description& model, const char* what, const char* kind,
                               const std::vector<std::string>& names, value_span v) {
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
