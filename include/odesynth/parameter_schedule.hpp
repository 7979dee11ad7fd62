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

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "detail/config.hpp"
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
                std::string_view where = "parameter_schedule") const;
};

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/parameter_schedule.ipp"
#endif
