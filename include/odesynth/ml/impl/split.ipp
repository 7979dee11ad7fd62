// odesynth/ml/impl/split.ipp - the non-template code of ml/split.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <utility>

#include "../../detail/species_columns.hpp"
#include "../split.hpp"

namespace odesynth {

namespace detail::ml {

ODESYNTH_INLINE std::size_t round_half_even(double x) {
  const double lower = std::floor(x);
  const double rest = x - lower;
  auto n = static_cast<std::size_t>(lower);
  if (rest > 0.5 || (rest == 0.5 && n % 2 == 1)) ++n;
  return n;
}

ODESYNTH_INLINE std::vector<std::size_t> largest_remainder(std::size_t n,
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

ODESYNTH_INLINE std::vector<std::size_t> permutation(std::size_t n, random_stream& s) {
  std::vector<std::size_t> p(n);
  std::iota(p.begin(), p.end(), std::size_t{0});
  for (std::size_t i = n; i > 1; --i) {
    const auto j = static_cast<std::size_t>(s.below(static_cast<std::uint64_t>(i)));
    std::swap(p[i - 1], p[j]);
  }
  return p;
}

ODESYNTH_INLINE std::vector<std::size_t> sorted_slice(const std::vector<std::size_t>& p,
                                                      std::size_t begin, std::size_t count) {
  std::vector<std::size_t> part(p.begin() + static_cast<std::ptrdiff_t>(begin),
                                p.begin() + static_cast<std::ptrdiff_t>(begin + count));
  std::sort(part.begin(), part.end());
  return part;
}

}  // namespace detail::ml

ODESYNTH_INLINE void split_fractions::validate(std::string_view where) const {
  detail::require_fraction(fmt::format("{}.train", where), train);
  detail::require_fraction(fmt::format("{}.validation", where), validation);
  detail::require_fraction(fmt::format("{}.test", where), test);
  const double sum = train + validation + test;
  if (!(std::fabs(sum - 1.0) <= 1e-9))
    detail::throw_invalid(
        where, fmt::format("(train={}, validation={}, test={})", train, validation, test),
        fmt::format("fractions summing to 1 within 1e-9, not {}", sum));
}

ODESYNTH_INLINE std::array<std::size_t, 3> split_counts(std::size_t n, const split_fractions& f) {
  f.validate();
  const auto c = detail::ml::largest_remainder(n, {f.train, f.validation, f.test});
  return {c[0], c[1], c[2]};
}

ODESYNTH_INLINE index_split split_by_trajectory(std::size_t n, const split_fractions& f,
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

ODESYNTH_INLINE index_split horizontal_split(std::size_t n, double test_fraction,
                                             std::uint64_t seed) {
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

ODESYNTH_INLINE vertical_parts vertical_split(const std::vector<trajectory>& trajectories,
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

ODESYNTH_INLINE std::vector<trajectory> take(const std::vector<trajectory>& trajectories,
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

ODESYNTH_INLINE std::vector<trajectory> take_rows(const std::vector<trajectory>& trajectories,
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
