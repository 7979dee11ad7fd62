// odesynth/ml/split.hpp - dividing trajectories into training, validation and test data
// without leakage: whole trajectories per part (split_by_trajectory, horizontal_split), or
// each trajectory cut in time (vertical_split, SimbaML's default).
//
// Reproducible everywhere: a seed drives a Fisher-Yates shuffle whose draws are
// random_stream::below (exact integer arithmetic), so a (count, seed) gives the same parts with
// every compiler and standard library. std::shuffle is not used: its algorithm is left to
// the library, and libstdc++ and libc++ shuffle differently.
//
// Counts: split_by_trajectory turns fractions into counts by the largest-remainder rule
// (Hamilton's method): each part gets floor(n * fraction), and the rows still unassigned go,
// one each, to the parts with the largest fractional remainders, ties to the earlier part
// (train, then validation, then test). The counts always add up to n, and each differs from
// n * fraction by less than 1.
//
// SimbaML (simba_ml/prediction/time_series/data_loader/splits.py) splits in two, train and
// test; its rules are kept in horizontal_split and vertical_split (see each), with its
// rounding (Python's round: halves to even) and without two of its slips, noted there.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/species_columns.hpp"
#include "../error.hpp"
#include "../random.hpp"
#include "../trajectory.hpp"

namespace odesynth {

/// Stream purposes of the ML helpers (see random.hpp: dataset_split and dataset_mix).
inline constexpr auto split_stream_purpose = stream_purpose::dataset_split;
inline constexpr auto mix_stream_purpose = stream_purpose::dataset_mix;

struct split_fractions {
  double train = 0.8;
  double validation = 0.1;
  double test = 0.1;

  /// Each fraction in [0, 1] and their sum 1 within 1e-9; throws invalid_argument naming
  /// the fraction (or all three, `where` itself, for the sum).
  void validate(std::string_view where = "split_fractions") const;
};

/// Indices of trajectories per part, each list ascending.
struct index_split {
  std::vector<std::size_t> train;
  std::vector<std::size_t> validation;
  std::vector<std::size_t> test;
};

/// Rows [begin, begin + count) of trajectory `trajectory`.
struct row_range {
  std::size_t trajectory = 0;
  std::size_t begin = 0;
  std::size_t count = 0;

  friend bool operator==(const row_range& a, const row_range& b) {
    return a.trajectory == b.trajectory && a.begin == b.begin && a.count == b.count;
  }
};

/// One row range per trajectory for each part of a vertical split.
struct vertical_parts {
  std::vector<row_range> train;
  std::vector<row_range> test;
};

namespace detail::ml {

/// Python 3's round() for x >= 0: to the nearest integer, halves to the even neighbour.
/// Written out (not std::nearbyint) so it does not depend on the floating-point rounding mode.
inline std::size_t round_half_even(double x) {
  const double lower = std::floor(x);
  const double rest = x - lower;
  auto n = static_cast<std::size_t>(lower);
  if (rest > 0.5 || (rest == 0.5 && n % 2 == 1)) ++n;
  return n;
}

/// Largest-remainder counts for `n` items and fractions summing to 1 (see the header
/// comment); ties go to the earlier part. A quota within 1e-9 of an integer counts as that
/// integer, so 100 * 0.29 = 28.999999999999996 is 29 and not 28 plus a remainder.
inline std::vector<std::size_t> largest_remainder(std::size_t n,
                                                  const std::vector<double>& fractions) {
  const std::size_t parts = fractions.size();
  std::vector<std::size_t> counts(parts);
  std::vector<double> remainder(parts);
  std::size_t assigned = 0;
  for (std::size_t i = 0; i < parts; ++i) {
    double quota = static_cast<double>(n) * fractions[i];
    if (std::fabs(quota - std::round(quota)) < 1e-9) quota = std::round(quota);
    const double whole = std::floor(quota);
    counts[i] = static_cast<std::size_t>(whole);
    remainder[i] = quota - whole;
    assigned += counts[i];
  }
  std::vector<std::size_t> order(parts);
  std::iota(order.begin(), order.end(), std::size_t{0});
  // stable_sort keeps earlier parts first among equal remainders: the tie rule.
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return remainder[a] > remainder[b]; });
  for (std::size_t k = 0; assigned < n; k = (k + 1) % parts, ++assigned) ++counts[order[k]];
  // Fractions summing to slightly more than 1 can over-assign by one for huge n: take it back
  // from the smallest remainders.
  while (assigned > n) {
    for (auto it = order.rbegin(); it != order.rend(); ++it)
      if (counts[*it] > 0) {
        --counts[*it];
        --assigned;
        break;
      }
  }
  return counts;
}

/// A uniformly random permutation of 0..n-1: Fisher-Yates (Knuth, TAOCP vol. 2, 3.4.2,
/// Algorithm P), position i from n-1 down to 1 swapped with position s.below(i + 1).
inline std::vector<std::size_t> permutation(std::size_t n, random_stream& s) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  for (std::size_t i = n; i > 1; --i) {
    const auto j = static_cast<std::size_t>(s.below(static_cast<std::uint64_t>(i)));
    std::swap(p[i - 1], p[j]);
  }
  return p;
}

/// p[begin, begin + count), sorted.
inline std::vector<std::size_t> sorted_slice(const std::vector<std::size_t>& p, std::size_t begin,
                                             std::size_t count) {
  std::vector<std::size_t> part(p.begin() + static_cast<std::ptrdiff_t>(begin),
                                p.begin() + static_cast<std::ptrdiff_t>(begin + count));
  std::sort(part.begin(), part.end());
  return part;
}

}  // namespace detail::ml

inline void split_fractions::validate(std::string_view where) const {
  detail::require_fraction(fmt::format("{}.train", where), train);
  detail::require_fraction(fmt::format("{}.validation", where), validation);
  detail::require_fraction(fmt::format("{}.test", where), test);
  const double sum = train + validation + test;
  if (!(std::fabs(sum - 1.0) <= 1e-9))
    detail::throw_invalid(
        where, fmt::format("(train={}, validation={}, test={})", train, validation, test),
        fmt::format("fractions summing to 1 within 1e-9, not {}", sum));
}

/// How many of `n` trajectories each part gets: {train, validation, test}, by the
/// largest-remainder rule.
inline std::array<std::size_t, 3> split_counts(std::size_t n, const split_fractions& f) {
  f.validate();
  const auto c = detail::ml::largest_remainder(n, {f.train, f.validation, f.test});
  return {c[0], c[1], c[2]};
}

/// Assigns `n` trajectories to train, validation and test: split_counts() of each, chosen
/// uniformly at random by a seeded permutation (first the train part, then validation, then
/// test). Every index is in exactly one part; the same (n, fractions, seed) gives the same
/// parts everywhere.
inline index_split split_by_trajectory(std::size_t n, const split_fractions& f,
                                       std::uint64_t seed) {
  const auto counts = split_counts(n, f);
  random_stream s(seed, 0, split_stream_purpose);
  const auto p = detail::ml::permutation(n, s);
  index_split out;
  out.train = detail::ml::sorted_slice(p, 0, counts[0]);
  out.validation = detail::ml::sorted_slice(p, counts[0], counts[1]);
  out.test = detail::ml::sorted_slice(p, counts[0] + counts[1], counts[2]);
  return out;
}

/// SimbaML's "horizontal" split: whole trajectories, round(n * test_fraction) of them (Python
/// round, halves to even) for testing, the rest for training, chosen by a seeded permutation;
/// `validation` stays empty. SimbaML computes the test part as data[round(-n * f):], which for
/// round(n * f) = 0 is the whole list, leaving training empty; here 0 means no test data.
/// (SimbaML also shuffles the caller's list in place with Python's global random state.)
inline index_split horizontal_split(std::size_t n, double test_fraction, std::uint64_t seed) {
  detail::require_fraction("horizontal_split.test_fraction", test_fraction);
  const std::size_t test =
      std::min(n, detail::ml::round_half_even(static_cast<double>(n) * test_fraction));
  random_stream s(seed, 0, split_stream_purpose);
  const auto p = detail::ml::permutation(n, s);
  index_split out;
  out.train = detail::ml::sorted_slice(p, 0, n - test);
  out.test = detail::ml::sorted_slice(p, n - test, test);
  return out;
}

/// SimbaML's "vertical" split: each trajectory of T rows is cut at
/// c = round(T * (1 - test_fraction)) (Python round, halves to even); rows [0, c) train, and
/// the test part starts `input_length` rows earlier, at c - input_length, so its first window
/// has its input and forecasts row c first. Test windows thus read training rows as input,
/// never as targets. When c < input_length the test part starts at row 0 (SimbaML's negative
/// slice start would wrap around to the end of the series instead).
inline vertical_parts vertical_split(const std::vector<trajectory>& trajectories,
                                     double test_fraction, std::size_t input_length) {
  detail::require_fraction("vertical_split.test_fraction", test_fraction);
  vertical_parts out;
  out.train.reserve(trajectories.size());
  out.test.reserve(trajectories.size());
  for (std::size_t k = 0; k < trajectories.size(); ++k) {
    const auto rows = static_cast<std::size_t>(trajectories[k].num_times());
    const std::size_t cut = std::min(
        rows, detail::ml::round_half_even(static_cast<double>(rows) * (1.0 - test_fraction)));
    const std::size_t test_begin = cut >= input_length ? cut - input_length : 0;
    out.train.push_back({k, 0, cut});
    out.test.push_back({k, test_begin, rows - test_begin});
  }
  return out;
}

/// Copies of the trajectories at `indices`, in that order; an index out of range throws.
inline std::vector<trajectory> take(const std::vector<trajectory>& trajectories,
                                    const std::vector<std::size_t>& indices) {
  std::vector<trajectory> out;
  out.reserve(indices.size());
  for (const std::size_t i : indices) {
    if (i >= trajectories.size())
      detail::throw_invalid(
          "take.indices", i,
          fmt::format("an index below {}, the number of trajectories", trajectories.size()));
    out.push_back(trajectories[i]);
  }
  return out;
}

/// The rows of each range as a trajectory of its own (times, values, mask, names, model,
/// parameters, initial state and status carried over), in the order of `ranges`.
inline std::vector<trajectory> take_rows(const std::vector<trajectory>& trajectories,
                                         const std::vector<row_range>& ranges) {
  std::vector<trajectory> out;
  out.reserve(ranges.size());
  for (const auto& r : ranges) {
    if (r.trajectory >= trajectories.size())
      detail::throw_invalid(
          "take_rows.ranges.trajectory", r.trajectory,
          fmt::format("an index below {}, the number of trajectories", trajectories.size()));
    const trajectory& tr = trajectories[r.trajectory];
    if (r.begin + r.count > static_cast<std::size_t>(tr.num_times()))
      detail::throw_invalid(
          "take_rows.ranges", fmt::format("[{}, {})", r.begin, r.begin + r.count),
          fmt::format("rows within the {} rows of trajectory {}", tr.num_times(), r.trajectory));
    const auto b = static_cast<Eigen::Index>(r.begin), c = static_cast<Eigen::Index>(r.count);
    trajectory part(tr.times().segment(b, c), tr.species_ptr(), tr.model_ptr());
    part.values() = tr.values().middleRows(b, c);
    part.mask() = tr.mask().middleRows(b, c);
    part.set_parameters(tr.parameters());
    part.set_initial_state(tr.initial_state());
    part.set_status(tr.status(), tr.message());
    part.set_steps(tr.steps());
    out.push_back(std::move(part));
  }
  return out;
}

}  // namespace odesynth
