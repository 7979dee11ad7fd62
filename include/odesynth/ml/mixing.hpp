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

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "../detail/config.hpp"
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
ODESYNTH_INLINE double real_fraction_for_ratio(double synthetic_per_real);

namespace detail::ml {

struct mix_counts {
  std::size_t real = 0;
  std::size_t synthetic = 0;
};

ODESYNTH_INLINE mix_counts split_total(std::size_t total, double real_fraction);

ODESYNTH_INLINE mix_counts mix_counts_for(std::size_t synthetic_available,
                                          std::size_t real_available, double f,
                                          const mix_size& size);

}  // namespace detail::ml

/// Chooses the items of a mix of `synthetic_count` synthetic and `real_count` real
/// trajectories (see the header comment), in shuffled order.
ODESYNTH_INLINE std::vector<mix_item> mix_indices(std::size_t synthetic_count,
                                                  std::size_t real_count, double real_fraction,
                                                  const mix_size& size, std::uint64_t seed);

/// The mix as copies of the chosen trajectories, each with its source and pool position.
ODESYNTH_INLINE std::vector<mixed_trajectory> mix(const std::vector<trajectory>& synthetic,
                                                  const std::vector<trajectory>& real,
                                                  double real_fraction, const mix_size& size,
                                                  std::uint64_t seed);

/// Just the trajectories of a mix, e.g. to cut windows from.
ODESYNTH_INLINE std::vector<trajectory> trajectories_of(const std::vector<mixed_trajectory>& items);

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::data_source>
    : odesynth::detail::enum_formatter<odesynth::data_source> {};
template <>
struct fmt::formatter<odesynth::mix_size::rule>
    : odesynth::detail::enum_formatter<odesynth::mix_size::rule> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/mixing.ipp"
#endif
