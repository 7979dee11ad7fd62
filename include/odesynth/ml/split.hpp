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

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/config.hpp"
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
ODESYNTH_INLINE std::size_t round_half_even(double x);

/// Largest-remainder counts for `n` items and fractions summing to 1 (see the header
/// comment); ties go to the earlier part. A quota within 1e-9 of an integer counts as that
/// integer, so 100 * 0.29 = 28.999999999999996 is 29 and not 28 plus a remainder.
ODESYNTH_INLINE std::vector<std::size_t> largest_remainder(std::size_t n,
                                                           const std::vector<double>& fractions);

/// A uniformly random permutation of 0..n-1: Fisher-Yates (Knuth, TAOCP vol. 2, 3.4.2,
/// Algorithm P), position i from n-1 down to 1 swapped with position s.below(i + 1).
ODESYNTH_INLINE std::vector<std::size_t> permutation(std::size_t n, random_stream& s);

/// p[begin, begin + count), sorted.
ODESYNTH_INLINE std::vector<std::size_t> sorted_slice(const std::vector<std::size_t>& p,
                                                      std::size_t begin, std::size_t count);

}  // namespace detail::ml

/// How many of `n` trajectories each part gets: {train, validation, test}, by the
/// largest-remainder rule.
ODESYNTH_INLINE std::array<std::size_t, 3> split_counts(std::size_t n, const split_fractions& f);

/// Assigns `n` trajectories to train, validation and test: split_counts() of each, chosen
/// uniformly at random by a seeded permutation (first the train part, then validation, then
/// test). Every index is in exactly one part; the same (n, fractions, seed) gives the same
/// parts everywhere.
ODESYNTH_INLINE index_split split_by_trajectory(std::size_t n, const split_fractions& f,
                                                std::uint64_t seed);

/// SimbaML's "horizontal" split: whole trajectories, round(n * test_fraction) of them (Python
/// round, halves to even) for testing, the rest for training, chosen by a seeded permutation;
/// `validation` stays empty. SimbaML computes the test part as data[round(-n * f):], which for
/// round(n * f) = 0 is the whole list, leaving training empty; here 0 means no test data.
/// (SimbaML also shuffles the caller's list in place with Python's global random state.)
ODESYNTH_INLINE index_split horizontal_split(std::size_t n, double test_fraction,
                                             std::uint64_t seed);

/// SimbaML's "vertical" split: each trajectory of T rows is cut at
/// c = round(T * (1 - test_fraction)) (Python round, halves to even); rows [0, c) train, and
/// the test part starts `input_length` rows earlier, at c - input_length, so its first window
/// has its input and forecasts row c first. Test windows thus read training rows as input,
/// never as targets. When c < input_length the test part starts at row 0 (SimbaML's negative
/// slice start would wrap around to the end of the series instead).
ODESYNTH_INLINE vertical_parts vertical_split(const std::vector<trajectory>& trajectories,
                                              double test_fraction, std::size_t input_length);

/// Copies of the trajectories at `indices`, in that order; an index out of range throws.
ODESYNTH_INLINE std::vector<trajectory> take(const std::vector<trajectory>& trajectories,
                                             const std::vector<std::size_t>& indices);

/// The rows of each range as a trajectory of its own (times, values, mask, names, model,
/// parameters, initial state and status carried over), in the order of `ranges`.
ODESYNTH_INLINE std::vector<trajectory> take_rows(const std::vector<trajectory>& trajectories,
                                                  const std::vector<row_range>& ranges);

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/split.ipp"
#endif
