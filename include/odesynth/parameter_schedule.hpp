// odesynth/parameter_schedule.hpp - parameters that switch value at given times.
//
// An epidemic's contact rate that drops when an intervention starts, a dose given at t = 12,
// a forcing that is constant over each unit interval: each is a list of switch times and the
// parameter vector in force from each of them on. The solver integrates every constant
// stretch separately and restarts exactly at each switch (restarting also resets the
// stepper's memory of the old right-hand side), instead of letting an adaptive stepper
// discover the discontinuity by trial and error.
//
//   values[0] applies from the start of the solve, values[k] from switch_times[k - 1] on
//   (the new value applies at the switch time itself).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/text.hpp"
#include "error.hpp"
#include "value_span.hpp"

namespace odesynth {

struct parameter_schedule {
  std::vector<double> switch_times;         ///< strictly increasing, finite
  std::vector<std::vector<double>> values;  ///< switch_times.size() + 1 parameter vectors

  /// The same parameters throughout.
  static parameter_schedule constant(value_span parameters) {
    return {{}, {std::vector<double>(parameters.begin(), parameters.end())}};
  }

  std::size_t num_segments() const noexcept { return values.size(); }

  /// The parameters in force at time t.
  const std::vector<double>& at(double t) const noexcept {
    std::size_t k = 0;
    while (k < switch_times.size() && t >= switch_times[k]) ++k;
    return values[k];
  }

  /// Throws invalid_argument unless the shape is consistent, every switch lies after
  /// `start` and every value is finite. `names` are the model's parameter names.
  void validate(const std::vector<std::string>& names, double start,
                std::string_view where = "parameter_schedule") const {
    if (values.size() != switch_times.size() + 1)
      detail::throw_invalid(fmt::format("{}.values.size()", where), values.size(),
                            fmt::format("one parameter vector per segment ({} switch times + 1)",
                                        switch_times.size()));
    for (std::size_t k = 0; k < switch_times.size(); ++k) {
      const double t = switch_times[k];
      if (!std::isfinite(t))
        detail::throw_invalid(fmt::format("{}.switch_times[{}]", where, k), t, "a finite time");
      if (k == 0 && !(t > start))
        detail::throw_invalid(fmt::format("{}.switch_times[0]", where), t,
                              fmt::format("a switch after the start time {}", start));
      if (k > 0 && !(t > switch_times[k - 1]))
        detail::throw_invalid(
            fmt::format("{}.switch_times[{}]", where, k), t,
            fmt::format("strictly increasing switch times (switch_times[{}] = {})", k - 1,
                        switch_times[k - 1]));
    }
    for (std::size_t k = 0; k < values.size(); ++k) {
      if (values[k].size() != names.size())
        detail::throw_invalid(fmt::format("{}.values[{}].size()", where, k), values[k].size(),
                              fmt::format("one value per parameter ({}: {})", names.size(),
                                          detail::join(names, ", ")));
      for (std::size_t i = 0; i < values[k].size(); ++i)
        if (!std::isfinite(values[k][i]))
          detail::throw_invalid(fmt::format("{}.values[{}][{}] ({})", where, k, i, names[i]),
                                values[k][i], "a finite value");
    }
  }
};

}  // namespace odesynth
