// odesynth/transforms/impl/sparsify.ipp - the non-template code of transforms/sparsify.hpp,
// compiled in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../sparsify.hpp"

namespace odesynth {

ODESYNTH_INLINE drop_constant_suffix::drop_constant_suffix(double rel_eps, double abs_eps,
                                                           std::size_t min_rows)
    : rel_eps_(rel_eps), abs_eps_(abs_eps), min_rows_(min_rows) {
  detail::sparse::require_tolerance("drop_constant_suffix.rel_eps", rel_eps_);
  detail::sparse::require_tolerance("drop_constant_suffix.abs_eps", abs_eps_);
  if (min_rows_ == 0)
    detail::throw_invalid("drop_constant_suffix.min_rows", min_rows_, "a plateau length >= 1");
}

ODESYNTH_INLINE void drop_constant_suffix::operator()(trajectory& tr, random_stream& /*s*/) const {
  const Eigen::Index n = tr.num_times();
  if (n == 0) return;
  const Eigen::Index last = n - 1;
  const auto& values = tr.values();
  const auto& mask = tr.mask();
  const auto near_last = [&](Eigen::Index i) {
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      const double y = values(last, j);
      if (!mask(i, j) || !(std::fabs(values(i, j) - y) <= abs_eps_ + rel_eps_ * std::fabs(y)))
        return false;
    }
    return true;
  };
  if (!near_last(last)) return;
  Eigen::Index first = last;
  while (first > 0 && near_last(first - 1)) --first;
  if (static_cast<std::size_t>(last - first + 1) < min_rows_) return;
  std::vector<Eigen::Index> rows(static_cast<std::size_t>(first + 1));
  for (Eigen::Index i = 0; i <= first; ++i) rows[static_cast<std::size_t>(i)] = i;
  tr.keep_rows(rows);
}

ODESYNTH_INLINE std::string drop_constant_suffix::describe() const {
  return fmt::format("drop_constant_suffix(rel_eps={}, abs_eps={}, min_rows={})", rel_eps_,
                     abs_eps_, min_rows_);
}

ODESYNTH_INLINE missing_bursts::missing_bursts(double start_probability, double mean_length)
    : start_(start_probability), mean_length_(mean_length) {
  detail::require_probability_in_01("missing_bursts.start_probability", start_);
  if (!(std::isfinite(mean_length_) && mean_length_ >= 1))
    detail::throw_invalid("missing_bursts.mean_length", mean_length_,
                          "a finite mean burst length >= 1 (in rows)");
  continue_ = 1 - 1 / mean_length_;
}

ODESYNTH_INLINE void missing_bursts::operator()(trajectory& tr, random_stream& s) const {
  bool in_burst = false;
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    const double u = s.uniform01();
    in_burst = u < (in_burst ? continue_ : start_);
    if (in_burst)
      for (Eigen::Index j = 0; j < tr.num_species(); ++j) tr.set_missing(i, j);
  }
}

ODESYNTH_INLINE std::string missing_bursts::describe() const {
  return fmt::format("missing_bursts(start_probability={}, mean_length={})", start_, mean_length_);
}

ODESYNTH_INLINE missing_entries::missing_entries(per_species<double> probability)
    : probability_(std::move(probability)) {
  probability_.validate_values("missing_entries.probability", detail::require_probability_in_01);
}

ODESYNTH_INLINE void missing_entries::operator()(trajectory& tr, random_stream& s) const {
  const auto columns = probability_.resolve(tr.species());
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    for (const auto& [j, p] : columns)
      if (s.uniform01() < p) tr.set_missing(i, static_cast<Eigen::Index>(j));
}

ODESYNTH_INLINE trajectory_layout missing_entries::layout_after(const trajectory_layout& in) const {
  return detail::check_species(probability_, "missing_entries.probability", in);
}

ODESYNTH_INLINE std::string missing_entries::describe() const {
  return fmt::format("missing_entries(probability={})", probability_.describe());
}

ODESYNTH_INLINE keep_extremes::keep_extremes(double low_fraction, double high_fraction,
                                             any_transform inner)
    : low_(low_fraction), high_(high_fraction), inner_(std::move(inner)) {
  detail::require_fraction("keep_extremes.low_fraction", low_);
  detail::require_fraction("keep_extremes.high_fraction", high_);
  if (!(low_ + high_ <= 1))
    detail::throw_invalid(
        "keep_extremes.high_fraction", high_,
        fmt::format("low_fraction + high_fraction <= 1 (low_fraction = {})", low_));
}

ODESYNTH_INLINE void keep_extremes::operator()(trajectory& tr, random_stream& s) const {
  using detail::sparse::row_index;
  const row_index n = tr.num_times();
  const auto& values = tr.values();
  const auto& mask = tr.mask();

  std::vector<char> extreme(static_cast<std::size_t>(n), 0);
  std::vector<row_index> observed;
  observed.reserve(static_cast<std::size_t>(n));
  for (row_index j = 0; j < tr.num_species(); ++j) {
    observed.clear();
    for (row_index i = 0; i < n; ++i)
      if (mask(i, j)) observed.push_back(i);
    // (value, row) is a strict total order, so the k smallest form a unique set and
    // nth_element finds it in linear time.
    const auto less = [&values, j](row_index a, row_index b) {
      const double x = values(a, j), y = values(b, j);
      return x < y || (x == y && a < b);
    };
    const std::size_t m = observed.size();
    const std::size_t low = count_for(low_, m), high = count_for(high_, m);
    if (low > 0) {
      std::nth_element(observed.begin(), observed.begin() + static_cast<std::ptrdiff_t>(low - 1),
                       observed.end(), less);
      for (std::size_t r = 0; r < low; ++r) extreme[static_cast<std::size_t>(observed[r])] = 1;
    }
    if (high > 0) {
      std::nth_element(observed.begin(), observed.begin() + static_cast<std::ptrdiff_t>(m - high),
                       observed.end(), less);
      for (std::size_t r = m - high; r < m; ++r) extreme[static_cast<std::size_t>(observed[r])] = 1;
    }
  }

  std::vector<row_index> others;
  others.reserve(static_cast<std::size_t>(n));
  for (row_index i = 0; i < n; ++i)
    if (!extreme[static_cast<std::size_t>(i)]) others.push_back(i);
  trajectory rest = tr;
  rest.keep_rows(others);
  inner_(rest, s);
  detail::sparse::require_same_columns(rest, tr, "keep_extremes.inner", inner_.describe());

  // Merge by time: both sequences are in time order and hold different rows.
  const row_index kept = n - static_cast<row_index>(others.size());
  detail::sparse::row_collector out(kept + rest.num_times(), tr.num_species());
  row_index r = 0;
  for (row_index i = 0; i < n; ++i) {
    if (!extreme[static_cast<std::size_t>(i)]) continue;
    while (r < rest.num_times() && rest.times()[r] < tr.times()[i]) out.append(rest, r++, 1);
    out.append(tr, i, 1);
  }
  out.append(rest, r, rest.num_times() - r);
  out.replace_rows_of(tr);
}

ODESYNTH_INLINE trajectory_layout keep_extremes::layout_after(const trajectory_layout& in) const {
  const trajectory_layout after = inner_.layout_after(in);
  detail::sparse::require_same_columns(after, in, "keep_extremes.inner", inner_.describe());
  trajectory_layout out = in;
  if (after.num_times > in.num_times) out.num_times = after.num_times;
  return out;
}

ODESYNTH_INLINE std::string keep_extremes::describe() const {
  return fmt::format("keep_extremes(low_fraction={}, high_fraction={}, inner={})", low_, high_,
                     inner_.describe());
}

ODESYNTH_INLINE std::size_t keep_extremes::count_for(double fraction, std::size_t observed) {
  if (fraction <= 0 || observed == 0) return 0;
  return std::min(observed, std::max<std::size_t>(1, detail::sparse::rows_for(fraction, observed)));
}

ODESYNTH_INLINE interval_sparsify::interval_sparsify(unit by, std::vector<interval> intervals)
    : by_(by), intervals_(std::move(intervals)) {
  if (intervals_.empty())
    detail::throw_invalid("interval_sparsify.intervals", "[]", "at least one interval");
  const bool fraction = by_ == unit::fraction;
  const char* range = fraction ? "a fraction in [0, 1]" : "a time";
  for (std::size_t k = 0; k < intervals_.size(); ++k) {
    const auto field = [k](const char* member) {
      return fmt::format("interval_sparsify.intervals[{}].{}", k, member);
    };
    const double a = intervals_[k].start, b = intervals_[k].end;
    if (std::isnan(a) || (fraction && !detail::in_unit_interval(a)))
      detail::throw_invalid(field("start"), a, range);
    if (std::isnan(b) || (fraction && !detail::in_unit_interval(b)))
      detail::throw_invalid(field("end"), b, range);
    if (!(b > a))
      detail::throw_invalid(field("end"), b, fmt::format("an end after the start {}", a));
    if (k > 0 && a < intervals_[k - 1].end)
      detail::throw_invalid(field("start"), a,
                            fmt::format("a start at or after the previous end {} (intervals "
                                        "sorted and not overlapping)",
                                        intervals_[k - 1].end));
  }
}

ODESYNTH_INLINE interval_sparsify interval_sparsify::by_time(std::vector<interval> intervals) {
  return interval_sparsify(unit::time, std::move(intervals));
}

ODESYNTH_INLINE interval_sparsify interval_sparsify::by_fraction(std::vector<interval> intervals) {
  return interval_sparsify(unit::fraction, std::move(intervals));
}

ODESYNTH_INLINE void interval_sparsify::operator()(trajectory& tr, random_stream& s) const {
  using detail::sparse::row_index;
  const row_index n = tr.num_times();
  std::vector<std::pair<row_index, row_index>> ranges;
  std::vector<trajectory> parts;
  ranges.reserve(intervals_.size());
  parts.reserve(intervals_.size());
  row_index rows_out = 0, next = 0;
  for (std::size_t k = 0; k < intervals_.size(); ++k) {
    // max() guards against overlap if times do not increase; they do for odesynth's data.
    const auto [first, last] = rows_of(tr, k);
    const row_index begin = std::max(first, next), end = std::max(last, begin);
    trajectory part = detail::sparse::row_range(tr, begin, end - begin);
    if (end > begin) {
      intervals_[k].transform(part, s);
      detail::sparse::require_same_columns(part, tr, field(k), intervals_[k].transform.describe());
    }
    rows_out += (begin - next) + part.num_times();
    ranges.emplace_back(begin, end);
    parts.push_back(std::move(part));
    next = end;
  }
  rows_out += n - next;

  detail::sparse::row_collector out(rows_out, tr.num_species());
  next = 0;
  for (std::size_t k = 0; k < parts.size(); ++k) {
    out.append(tr, next, ranges[k].first - next);
    out.append(parts[k], 0, parts[k].num_times());
    next = ranges[k].second;
  }
  out.append(tr, next, n - next);
  out.replace_rows_of(tr);
}

ODESYNTH_INLINE trajectory_layout
interval_sparsify::layout_after(const trajectory_layout& in) const {
  using namespace detail::sparse;
  trajectory_layout out = in;
  for (std::size_t k = 0; k < intervals_.size(); ++k) {
    const interval& iv = intervals_[k];
    trajectory_layout part = in;
    if (by_ == unit::fraction) {
      part.num_times = rows_for(iv.end, in.num_times) - rows_for(iv.start, in.num_times);
    } else {
      const bool closed = k + 1 == intervals_.size();
      if (known(in.first_time) && known(in.last_time) &&
          (iv.start > in.last_time || (closed ? iv.end < in.first_time : iv.end <= in.first_time)))
        detail::throw_invalid(field(k), bounds_text(k),
                              fmt::format("an interval overlapping the time range [{}, {}]",
                                          in.first_time, in.last_time));
      part.first_time = clip_first(in.first_time, iv.start);
      part.last_time = clip_last(in.last_time, iv.end);
    }
    const trajectory_layout after = iv.transform.layout_after(part);
    require_same_columns(after, in, field(k), iv.transform.describe());
    // Exact for fractions; for times `part` holds a bound, so only growth is added.
    if (by_ == unit::fraction)
      out.num_times = out.num_times - part.num_times + after.num_times;
    else if (after.num_times > part.num_times)
      out.num_times += after.num_times - part.num_times;
  }
  return out;
}

ODESYNTH_INLINE std::string interval_sparsify::describe() const {
  std::string out = "interval_sparsify(";
  for (std::size_t k = 0; k < intervals_.size(); ++k)
    out += fmt::format("{}{} {}: {}", k ? "; " : "", by_ == unit::time ? "t in" : "fraction",
                       bounds_text(k), intervals_[k].transform.describe());
  return out + ")";
}

ODESYNTH_INLINE std::string interval_sparsify::field(std::size_t k) {
  return fmt::format("interval_sparsify.intervals[{}]", k);
}

ODESYNTH_INLINE std::string interval_sparsify::bounds_text(std::size_t k) const {
  const bool closed = by_ == unit::time && k + 1 == intervals_.size();
  return fmt::format("[{}, {}{}", intervals_[k].start, intervals_[k].end, closed ? "]" : ")");
}

ODESYNTH_INLINE std::pair<Eigen::Index, Eigen::Index> interval_sparsify::rows_of(
    const trajectory& tr, std::size_t k) const {
  const interval& iv = intervals_[k];
  const Eigen::Index n = tr.num_times();
  if (by_ == unit::fraction) {
    const auto rows = static_cast<std::size_t>(n);
    return {static_cast<Eigen::Index>(detail::sparse::rows_for(iv.start, rows)),
            static_cast<Eigen::Index>(detail::sparse::rows_for(iv.end, rows))};
  }
  const double* t0 = tr.times().data();
  const double* t1 = t0 + n;
  const double* first = std::lower_bound(t0, t1, iv.start);
  const double* last = k + 1 == intervals_.size() ? std::upper_bound(t0, t1, iv.end)
                                                  : std::lower_bound(t0, t1, iv.end);
  return {first - t0, last - t0};
}

ODESYNTH_INLINE keep_interval::keep_interval(double t_first, double t_last)
    : t_first_(t_first), t_last_(t_last) {
  if (std::isnan(t_first_)) detail::throw_invalid("keep_interval.t_first", t_first_, "a time");
  if (std::isnan(t_last_)) detail::throw_invalid("keep_interval.t_last", t_last_, "a time");
  if (t_last_ < t_first_)
    detail::throw_invalid("keep_interval.t_last", t_last_,
                          fmt::format("a time >= t_first = {}", t_first_));
}

ODESYNTH_INLINE void keep_interval::operator()(trajectory& tr, random_stream& /*s*/) const {
  const auto& t = tr.times();
  std::vector<Eigen::Index> rows;
  for (Eigen::Index i = 0; i < t.size(); ++i)
    if (t[i] >= t_first_ && t[i] <= t_last_) rows.push_back(i);
  tr.keep_rows(rows);
}

ODESYNTH_INLINE trajectory_layout keep_interval::layout_after(const trajectory_layout& in) const {
  using namespace detail::sparse;
  if (known(in.first_time) && known(in.last_time) &&
      (t_last_ < in.first_time || t_first_ > in.last_time))
    detail::throw_invalid("keep_interval", fmt::format("[{}, {}]", t_first_, t_last_),
                          fmt::format("an interval overlapping the time range [{}, {}]",
                                      in.first_time, in.last_time));
  trajectory_layout out = in;
  out.first_time = clip_first(in.first_time, t_first_);
  out.last_time = clip_last(in.last_time, t_last_);
  return out;
}

ODESYNTH_INLINE std::string keep_interval::describe() const {
  return fmt::format("keep_interval(t_first={}, t_last={})", t_first_, t_last_);
}

ODESYNTH_INLINE keep_every::keep_every(std::size_t k, std::size_t offset) : k_(k), offset_(offset) {
  if (k_ == 0) detail::throw_invalid("keep_every.k", k_, "a step k >= 1");
  if (offset_ >= k_)
    detail::throw_invalid("keep_every.offset", offset_, fmt::format("an offset below k = {}", k_));
}

ODESYNTH_INLINE void keep_every::operator()(trajectory& tr, random_stream& /*s*/) const {
  const auto n = static_cast<std::size_t>(tr.num_times());
  std::vector<Eigen::Index> rows;
  rows.reserve(kept(n));
  for (std::size_t i = offset_; i < n; i += k_) rows.push_back(static_cast<Eigen::Index>(i));
  tr.keep_rows(rows);
}

ODESYNTH_INLINE trajectory_layout keep_every::layout_after(const trajectory_layout& in) const {
  if (in.num_times > 0 && offset_ >= in.num_times)
    detail::throw_invalid("keep_every.offset", offset_,
                          fmt::format("an offset below the number of points ({}); "
                                      "otherwise no row is kept",
                                      in.num_times));
  trajectory_layout out = in;
  out.num_times = kept(in.num_times);
  return out;
}

ODESYNTH_INLINE std::string keep_every::describe() const {
  return fmt::format("keep_every(k={}, offset={})", k_, offset_);
}

ODESYNTH_INLINE std::size_t keep_every::kept(std::size_t n) const {
  return n > offset_ ? (n - offset_ - 1) / k_ + 1 : 0;
}

ODESYNTH_INLINE void random_subset_count::operator()(trajectory& tr, random_stream& s) const {
  const auto n = static_cast<std::size_t>(tr.num_times());
  if (count_ > n) reject(n);
  detail::sparse::keep_random_rows(tr, count_, s);
}

ODESYNTH_INLINE trajectory_layout
random_subset_count::layout_after(const trajectory_layout& in) const {
  if (count_ > in.num_times) reject(in.num_times);
  trajectory_layout out = in;
  out.num_times = count_;
  return out;
}

ODESYNTH_INLINE std::string random_subset_count::describe() const {
  return fmt::format("random_subset_count(count={})", count_);
}

ODESYNTH_INLINE void random_subset_count::reject(std::size_t rows) const {
  detail::throw_invalid("random_subset_count.count", count_,
                        fmt::format("a keep-count at most the number of points ({})", rows));
}

ODESYNTH_INLINE random_subset::random_subset(double fraction) : fraction_(fraction) {
  detail::require_fraction("random_subset.fraction", fraction_);
}

ODESYNTH_INLINE void random_subset::operator()(trajectory& tr, random_stream& s) const {
  const auto n = static_cast<std::size_t>(tr.num_times());
  detail::sparse::keep_random_rows(tr, detail::sparse::rows_for(fraction_, n), s);
}

ODESYNTH_INLINE trajectory_layout random_subset::layout_after(const trajectory_layout& in) const {
  trajectory_layout out = in;
  out.num_times = detail::sparse::rows_for(fraction_, in.num_times);
  return out;
}

ODESYNTH_INLINE std::string random_subset::describe() const {
  return fmt::format("random_subset(fraction={})", fraction_);
}

}  // namespace odesynth
