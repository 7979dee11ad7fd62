// odesynth/ml/impl/mixing.ipp - the non-template code of ml/mixing.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>

#include "../../detail/species_columns.hpp"
#include "../mixing.hpp"

namespace odesynth {

ODESYNTH_INLINE double real_fraction_for_ratio(double synthetic_per_real) {
  if (!(synthetic_per_real >= 0 && std::isfinite(synthetic_per_real)))
    detail::throw_invalid("synthetic_per_real", synthetic_per_real, "a finite ratio >= 0");
  return 1.0 / (1.0 + synthetic_per_real);
}

namespace detail::ml {

ODESYNTH_INLINE mix_counts split_total(std::size_t total, double real_fraction) {
  const auto c = largest_remainder(total, {real_fraction, 1.0 - real_fraction});
  return {c[0], c[1]};
}

ODESYNTH_INLINE mix_counts mix_counts_for(std::size_t synthetic_available,
                                          std::size_t real_available, double f,
                                          const mix_size& size) {
  detail::require_fraction("mix.real_fraction", f);
  switch (size.kind()) {
    case mix_size::rule::exactly: {
      const auto c = split_total(size.total(), f);
      if (c.real > real_available || c.synthetic > synthetic_available)
        throw_invalid(
            "mix_size::exactly", size.total(),
            fmt::format("a total the pools allow: real_fraction {} of {} needs {} real "
                        "and {} synthetic trajectories, and there are {} and {}",
                        f, size.total(), c.real, c.synthetic, real_available, synthetic_available));
      return c;
    }
    case mix_size::rule::all_real: {
      if (!(f > 0))
        throw_invalid("mix.real_fraction", f,
                      "a fraction > 0 with mix_size::all_real(): no number of synthetic "
                      "trajectories makes real ones 0 % of a mix that holds them all");
      const double wanted = static_cast<double>(real_available) * (1.0 - f) / f;
      // Compared before converting, so a tiny fraction cannot overflow the count.
      if (!(std::round(wanted) <= static_cast<double>(synthetic_available)))
        throw_invalid("mix.real_fraction", f,
                      fmt::format("a fraction the pools allow: all {} real trajectories at "
                                  "real_fraction {} need {:.0f} synthetic ones, and there are {}",
                                  real_available, f, std::round(wanted), synthetic_available));
      return {real_available, static_cast<std::size_t>(std::round(wanted))};
    }
    case mix_size::rule::largest: break;
  }
  for (std::size_t total = real_available + synthetic_available; total > 0; --total) {
    const auto c = split_total(total, f);
    if (c.real <= real_available && c.synthetic <= synthetic_available) return c;
  }
  return {};
}

}  // namespace detail::ml

ODESYNTH_INLINE std::vector<mix_item> mix_indices(std::size_t synthetic_count,
                                                  std::size_t real_count, double real_fraction,
                                                  const mix_size& size, std::uint64_t seed) {
  const auto counts = detail::ml::mix_counts_for(synthetic_count, real_count, real_fraction, size);
  random_stream real_stream(seed, 0, mix_stream_purpose);
  random_stream synthetic_stream(seed, 1, mix_stream_purpose);
  random_stream order_stream(seed, 2, mix_stream_purpose);
  const auto real_pick =
      detail::ml::sorted_slice(detail::ml::permutation(real_count, real_stream), 0, counts.real);
  const auto synthetic_pick = detail::ml::sorted_slice(
      detail::ml::permutation(synthetic_count, synthetic_stream), 0, counts.synthetic);
  std::vector<mix_item> chosen;
  chosen.reserve(counts.real + counts.synthetic);
  for (const std::size_t i : real_pick) chosen.push_back({data_source::real, i});
  for (const std::size_t i : synthetic_pick) chosen.push_back({data_source::synthetic, i});
  const auto order = detail::ml::permutation(chosen.size(), order_stream);
  std::vector<mix_item> out;
  out.reserve(chosen.size());
  for (const std::size_t i : order) out.push_back(chosen[i]);
  return out;
}

ODESYNTH_INLINE std::vector<mixed_trajectory> mix(const std::vector<trajectory>& synthetic,
                                                  const std::vector<trajectory>& real,
                                                  double real_fraction, const mix_size& size,
                                                  std::uint64_t seed) {
  const auto items = mix_indices(synthetic.size(), real.size(), real_fraction, size, seed);
  std::vector<mixed_trajectory> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    const auto& pool = item.source == data_source::real ? real : synthetic;
    out.push_back({pool[item.index], item.source, item.index});
  }
  return out;
}

ODESYNTH_INLINE std::vector<trajectory> trajectories_of(
    const std::vector<mixed_trajectory>& items) {
  std::vector<trajectory> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(item.data);
  return out;
}

}  // namespace odesynth
