// odesynth/impl/derivative_noise.ipp - the non-template code of derivative_noise.hpp, compiled
// in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "../derivative_noise.hpp"

namespace odesynth::detail {

ODESYNTH_INLINE std::vector<distribution> derivative_noise_of_species(
    const derivative_noise& noise, const std::vector<std::string>& species) {
  if (!(std::isfinite(noise.interval) && noise.interval > 0))
    throw_invalid("derivative_noise.interval", noise.interval, "a finite length > 0");
  noise.noise.validate_values(
      "derivative_noise.noise",
      [](const std::string& field, const distribution& d) { validate(d, field); });
  noise.noise.check("derivative_noise.noise", species);
  std::vector<distribution> out(species.size(), distribution(dist::constant{0}));
  noise.noise.for_each(species, [&out](std::size_t j, const distribution& d) { out[j] = d; });
  if (noise.shared)
    for (std::size_t j = 1; j < out.size(); ++j)
      if (odesynth::describe(out[j]) != odesynth::describe(out[0]))
        throw_invalid("derivative_noise.noise", noise.noise.describe(),
                      "one distribution for every species when shared = true");
  return out;
}

ODESYNTH_INLINE parameter_schedule derivative_noise_schedule(
    const derivative_noise& noise, const std::vector<distribution>& noise_of_species,
    const std::string& name, std::size_t model_params, value_span parameters, const time_grid& grid,
    random_stream& s) {
  if (parameters.size() != model_params)
    throw_invalid(fmt::format("{}.parameters.size()", name), parameters.size(),
                  fmt::format("the model's {} parameters", model_params));
  parameter_schedule out;
  const double t0 = grid.start(), t_end = grid.back();
  const double first = std::floor(t0 / noise.interval) + 1;  // first boundary index > t0
  for (double k = first; k * noise.interval < t_end; k += 1)
    out.switch_times.push_back(k * noise.interval);
  out.values.reserve(out.switch_times.size() + 1);
  for (std::size_t k = 0; k <= out.switch_times.size(); ++k) {
    std::vector<double> v(parameters.begin(), parameters.end());
    if (noise.shared) {
      const double e = draw(noise_of_species.front(), s);
      v.insert(v.end(), noise_of_species.size(), e);
    } else {
      for (const auto& d : noise_of_species) v.push_back(draw(d, s));
    }
    out.values.push_back(std::move(v));
  }
  return out;
}

ODESYNTH_INLINE std::string derivative_noise_text(const derivative_noise& noise) {
  return fmt::format("derivative_noise({}, noise={}, interval={}{})", to_string(noise.kind),
                     noise.noise.describe(), noise.interval, noise.shared ? ", shared" : "");
}

}  // namespace odesynth::detail
