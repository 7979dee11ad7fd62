// odesynth/ml/mixing.hpp - training sets that mix synthetic and real (measured) trajectories
// at a chosen ratio, each item marked with where it came from.
//
//   auto items = odesynth::mix(synthetic, real, 0.25, odesynth::mix_size::exactly(40), seed);
//   // 10 real + 30 synthetic trajectories, shuffled; items[i].source says which is which
//
// real_fraction is the share of real trajectories in the mix. How many items:
//   mix_size::exactly(n)  n items: round(n * real_fraction) real (largest remainder between
//                         the two, ties to real), the rest synthetic;
//   mix_size::all_real()  every real trajectory, plus round(R (1 - f) / f) synthetic ones
//                         (std::round: halves away from zero): SimbaML's mixed-data pipeline, which
//                         keeps all observed data and adds `ratio` times as much synthetic data;
//   mix_size::largest()   the most items the two pools allow at that fraction.
// Asking for more trajectories of a kind than there are throws invalid_argument saying how
// many were needed and how many exist.
//
// Which real and which synthetic trajectories are used is a uniform random choice, and the
// mix is shuffled, both from random streams of `seed` (split.hpp's permutation), so a
// (pool sizes, fraction, size, seed) gives the same mix everywhere.
//
// Against SimbaML's preprocessing.mix_data: it counts time points, not trajectories, and fills
// the synthetic quota by taking series in order and truncating the last one (which can leave
// a series too short for a single window); here whole trajectories are counted and chosen at
// random. For series of equal length (every odesynth dataset on one time grid) the ratio of
// time points is the same. real_fraction_for_ratio() converts SimbaML's `ratio` (synthetic per
// observed).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "../detail/enum_names.hpp"
#include "../error.hpp"
#include "../random.hpp"
#include "../trajectory.hpp"
#include "split.hpp"

namespace odesynth {

enum class data_source { synthetic, real };

constexpr std::string_view to_string(data_source s) noexcept {
  return s == data_source::real ? "real" : "synthetic";
}

inline constexpr std::array<data_source, 2> all_data_sources{data_source::synthetic,
                                                             data_source::real};

/// One item of a mix: which pool and which trajectory in it.
struct mix_item {
  data_source source = data_source::synthetic;
  std::size_t index = 0;

  friend bool operator==(const mix_item& a, const mix_item& b) {
    return a.source == b.source && a.index == b.index;
  }
};

/// A copied trajectory with its origin.
struct mixed_trajectory {
  trajectory data;
  data_source source = data_source::synthetic;
  std::size_t index = 0;  ///< position in its pool
};

/// How many items a mix holds (see the header comment).
class mix_size {
 public:
  enum class rule { exactly, all_real, largest };

  static mix_size exactly(std::size_t total) noexcept { return mix_size(rule::exactly, total); }
  static mix_size all_real() noexcept { return mix_size(rule::all_real, 0); }
  static mix_size largest() noexcept { return mix_size(rule::largest, 0); }

  friend constexpr std::string_view to_string(rule r) noexcept {
    switch (r) {
      case rule::exactly: return "exactly";
      case rule::all_real: return "all_real";
      case rule::largest: return "largest";
    }
    return "unknown";
  }

  rule kind() const noexcept { return rule_; }
  std::size_t total() const noexcept { return total_; }  ///< for rule::exactly

 private:
  mix_size(rule r, std::size_t total) noexcept : rule_(r), total_(total) {}
  rule rule_;
  std::size_t total_;
};

/// SimbaML's ratio (synthetic per observed, >= 0) as a real fraction: 1 / (1 + ratio).
inline double real_fraction_for_ratio(double synthetic_per_real) {
  if (!(synthetic_per_real >= 0 && std::isfinite(synthetic_per_real)))
    detail::throw_invalid("synthetic_per_real", synthetic_per_real, "a finite ratio >= 0");
  return 1.0 / (1.0 + synthetic_per_real);
}

namespace detail::ml {

struct mix_counts {
  std::size_t real = 0;
  std::size_t synthetic = 0;
};

inline mix_counts split_total(std::size_t total, double real_fraction) {
  const auto c = largest_remainder(total, {real_fraction, 1.0 - real_fraction});
  return {c[0], c[1]};
}

inline mix_counts mix_counts_for(std::size_t synthetic_available, std::size_t real_available,
                                 double f, const mix_size& size) {
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

/// Chooses the items of a mix of `synthetic_count` synthetic and `real_count` real
/// trajectories (see the header comment), in shuffled order.
inline std::vector<mix_item> mix_indices(std::size_t synthetic_count, std::size_t real_count,
                                         double real_fraction, const mix_size& size,
                                         std::uint64_t seed) {
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

/// The mix as copies of the chosen trajectories, each with its source and pool position.
inline std::vector<mixed_trajectory> mix(const std::vector<trajectory>& synthetic,
                                         const std::vector<trajectory>& real, double real_fraction,
                                         const mix_size& size, std::uint64_t seed) {
  const auto items = mix_indices(synthetic.size(), real.size(), real_fraction, size, seed);
  std::vector<mixed_trajectory> out;
  out.reserve(items.size());
  for (const auto& item : items) {
    const auto& pool = item.source == data_source::real ? real : synthetic;
    out.push_back({pool[item.index], item.source, item.index});
  }
  return out;
}

/// Just the trajectories of a mix, e.g. to cut windows from.
inline std::vector<trajectory> trajectories_of(const std::vector<mixed_trajectory>& items) {
  std::vector<trajectory> out;
  out.reserve(items.size());
  for (const auto& item : items) out.push_back(item.data);
  return out;
}

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::data_source>
    : odesynth::detail::enum_formatter<odesynth::data_source> {};
template <>
struct fmt::formatter<odesynth::mix_size::rule>
    : odesynth::detail::enum_formatter<odesynth::mix_size::rule> {};
