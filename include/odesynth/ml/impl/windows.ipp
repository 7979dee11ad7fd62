// odesynth/ml/impl/windows.ipp - the non-template code of ml/windows.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "../../detail/memory_limit.hpp"
#include "../../detail/text.hpp"
#include "../windows.hpp"

namespace odesynth {

namespace detail::ml {

ODESYNTH_INLINE void require_distinct(const std::vector<std::string>& names,
                                      const std::string& field) {
  for (std::size_t i = 0; i < names.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (names[i] == names[j]) throw_invalid(field, names[i], "no repeated species names");
}

ODESYNTH_INLINE std::vector<Eigen::Index> columns_of(const trajectory& tr,
                                                     const std::vector<std::string>& names,
                                                     const std::string& field,
                                                     const std::string& which) {
  std::vector<Eigen::Index> columns;
  columns.reserve(names.size());
  for (const auto& name : names) {
    const auto column = tr.species_index(name);
    if (!column)
      throw_invalid(
          field, name,
          fmt::format("a species of {}, one of [{}]", which, detail::join(tr.species(), ", ")));
    columns.push_back(*column);
  }
  return columns;
}

ODESYNTH_INLINE std::vector<std::size_t> missing_prefix(const trajectory& tr,
                                                        const std::vector<Eigen::Index>& columns) {
  std::vector<std::size_t> count(static_cast<std::size_t>(tr.num_times()) + 1, 0);
  for (Eigen::Index r = 0; r < tr.num_times(); ++r) {
    bool missing = false;
    for (const Eigen::Index c : columns) missing = missing || is_missing(tr, r, c);
    const auto i = static_cast<std::size_t>(r);
    count[i + 1] = count[i] + (missing ? std::size_t{1} : std::size_t{0});
  }
  return count;
}

}  // namespace detail::ml

ODESYNTH_INLINE void window_options::validate(std::string_view where) const {
  if (input_length == 0)
    detail::throw_invalid(fmt::format("{}.input_length", where), 0, "at least 1");
  if (horizon == 0) detail::throw_invalid(fmt::format("{}.horizon", where), 0, "at least 1");
  if (stride == 0) detail::throw_invalid(fmt::format("{}.stride", where), 0, "at least 1");
  detail::ml::require_distinct(input_species, fmt::format("{}.input_species", where));
  detail::ml::require_distinct(target_species, fmt::format("{}.target_species", where));
}

ODESYNTH_INLINE window_set make_windows(const std::vector<trajectory>& trajectories,
                                        const window_options& options) {
  options.validate();
  if (trajectories.empty())
    detail::throw_invalid("trajectories.size()", 0, "at least one trajectory to cut windows from");

  window_set out;
  out.input_species =
      options.input_species.empty() ? trajectories.front().species() : options.input_species;
  out.target_species =
      options.target_species.empty() ? trajectories.front().species() : options.target_species;

  std::size_t longest = 0;
  for (const auto& tr : trajectories)
    longest = std::max(longest, static_cast<std::size_t>(tr.num_times()));
  const std::size_t in_len = options.input_length, horizon = options.horizon;
  if (in_len >= longest)
    detail::throw_invalid(
        "window_options.input_length", in_len,
        fmt::format("less than {}, the length of the longest trajectory, to leave a row for "
                    "the horizon",
                    longest));
  if (horizon > longest - in_len)
    detail::throw_invalid("window_options.horizon", horizon,
                          fmt::format("at most {}: input_length {} + horizon must fit in {} "
                                      "rows, the length of the longest trajectory",
                                      longest - in_len, in_len, longest));
  const std::size_t span = in_len + horizon;

  // First pass: which windows exist, so the arrays are allocated once.
  std::vector<std::vector<Eigen::Index>> in_cols(trajectories.size()),
      out_cols(trajectories.size());
  for (std::size_t k = 0; k < trajectories.size(); ++k) {
    const trajectory& tr = trajectories[k];
    const std::string which = fmt::format("trajectory {}", k);
    in_cols[k] =
        detail::ml::columns_of(tr, out.input_species, "window_options.input_species", which);
    out_cols[k] =
        detail::ml::columns_of(tr, out.target_species, "window_options.target_species", which);
    const auto rows = static_cast<std::size_t>(tr.num_times());
    if (rows < span) continue;
    std::vector<std::size_t> in_missing, out_missing;
    if (!options.allow_missing) {
      in_missing = detail::ml::missing_prefix(tr, in_cols[k]);
      out_missing = detail::ml::missing_prefix(tr, out_cols[k]);
    }
    // Starts 0, stride, 2 stride, ... up to rows - span. The test is on the distance left, so
    // s + stride is never formed past the last start: with a stride near SIZE_MAX it wrapped
    // back into range and windows were cut from past the end of the rows.
    const std::size_t last_start = rows - span;
    for (std::size_t s = 0;; s += options.stride) {
      if (!options.allow_missing && (in_missing[s + in_len] != in_missing[s] ||
                                     out_missing[s + span] != out_missing[s + in_len])) {
        ++out.skipped_missing;
      } else {
        out.origins.push_back({k, s});
      }
      if (last_start - s < options.stride) break;
    }
  }

  const std::size_t n = out.origins.size();
  // Every window copies its rows, so the arrays can need far more memory than the data: a
  // long input_length with stride 1 grows with the square of the series length. Refused
  // before allocating (in double: the product of three sizes may not fit in size_t).
  const double bytes =
      static_cast<double>(n) * static_cast<double>(sizeof(double)) *
      (static_cast<double>(in_len) * static_cast<double>(out.input_species.size()) +
       static_cast<double>(horizon) * static_cast<double>(out.target_species.size()));
  if (const std::uint64_t limit = detail::memory_limit_bytes(); bytes > static_cast<double>(limit))
    detail::throw_invalid(
        "window_options",
        fmt::format("{{input_length = {}, horizon = {}, stride = {}}}", in_len, horizon,
                    options.stride),
        fmt::format("windows that fit in memory, but {} windows need {:.3g} bytes, more than the "
                    "{} bytes of memory there are: raise the stride or shorten the window",
                    n, bytes, limit));
  out.inputs = array3(n, in_len, out.input_species.size());
  out.targets = array3(n, horizon, out.target_species.size());
  for (std::size_t w = 0; w < n; ++w) {
    const auto [k, s] = out.origins[w];
    const trajectory& tr = trajectories[k];
    // A missing entry is copied as NaN even if a stale number sits under a false mask.
    const auto value = [&tr](std::size_t row, Eigen::Index col) {
      const auto r = static_cast<Eigen::Index>(row);
      return detail::ml::is_missing(tr, r, col) ? std::numeric_limits<double>::quiet_NaN()
                                                : tr.values()(r, col);
    };
    for (std::size_t j = 0; j < in_len; ++j)
      for (std::size_t c = 0; c < in_cols[k].size(); ++c)
        out.inputs(w, j, c) = value(s + j, in_cols[k][c]);
    for (std::size_t j = 0; j < horizon; ++j)
      for (std::size_t c = 0; c < out_cols[k].size(); ++c)
        out.targets(w, j, c) = value(s + in_len + j, out_cols[k][c]);
  }
  return out;
}

}  // namespace odesynth
