// odesynth/impl/parameter_schedule.ipp - the non-template code of parameter_schedule.hpp,
// compiled in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/text.hpp"
#include "../error.hpp"
#include "../parameter_schedule.hpp"

namespace odesynth {

ODESYNTH_INLINE void parameter_schedule::validate(const std::vector<std::string>& names,
                                                  double start, std::string_view where) const {
  if (values.size() != switch_times.size() + 1)
    detail::throw_invalid(
        fmt::format("{}.values.size()", where), values.size(),
        fmt::format("one parameter vector per segment ({} switch times + 1)", switch_times.size()));
  for (std::size_t k = 0; k < switch_times.size(); ++k) {
    const double t = switch_times[k];
    if (!std::isfinite(t))
      detail::throw_invalid(fmt::format("{}.switch_times[{}]", where, k), t, "a finite time");
    if (k == 0 && !(t > start))
      detail::throw_invalid(fmt::format("{}.switch_times[0]", where), t,
                            fmt::format("a switch after the start time {}", start));
    if (k > 0 && !(t > switch_times[k - 1]))
      detail::throw_invalid(fmt::format("{}.switch_times[{}]", where, k), t,
                            fmt::format("strictly increasing switch times (switch_times[{}] = {})",
                                        k - 1, switch_times[k - 1]));
  }
  for (std::size_t k = 0; k < values.size(); ++k) {
    if (values[k].size() != names.size())
      detail::throw_invalid(
          fmt::format("{}.values[{}].size()", where, k), values[k].size(),
          fmt::format("one value per parameter ({}: {})", names.size(), detail::join(names, ", ")));
    for (std::size_t i = 0; i < values[k].size(); ++i)
      if (!std::isfinite(values[k][i]))
        detail::throw_invalid(fmt::format("{}.values[{}][{}] ({})", where, k, i, names[i]),
                              values[k][i], "a finite value");
  }
}

}  // namespace odesynth
