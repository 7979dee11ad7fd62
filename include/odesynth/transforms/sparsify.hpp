// odesynth/transforms/sparsify.hpp - which time points a measurement keeps: sparsifiers that
// drop rows (a random subset, every k-th point, a time window, per-interval sparsifiers,
// extremes always kept, a constant tail trimmed) and missingness that hides values but keeps
// rows (independent entries, bursts of whole time points). Kept rows stay in time order and
// bit for bit (SimbaML's random sparsifier shuffles them, which breaks forecasting windows);
// every random choice comes from the trajectory's stream.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../detail/enum_names.hpp"
#include "../detail/species_columns.hpp"
#include "../detail/text.hpp"
#include "../error.hpp"
#include "../per_species.hpp"
#include "../random.hpp"
#include "../trajectory.hpp"
#include "transform.hpp"

namespace odesynth {

namespace detail::sparse {

using row_index = Eigen::Index;

inline void require_tolerance(const std::string& field, double eps) {
  if (!(std::isfinite(eps) && eps >= 0)) throw_invalid(field, eps, "a finite tolerance >= 0");
}

/// round(fraction * n) with halves away from zero (std::lround): the one rule by which every
/// fraction here becomes a row count, so 0.29 * 100 is 29 rows, not floor(28.999...) = 28.
inline std::size_t rows_for(double fraction, std::size_t n) {
  return static_cast<std::size_t>(std::lround(fraction * static_cast<double>(n)));
}

/// Keeps `count` <= num_times() rows chosen uniformly without replacement, in time order:
/// selection sampling (Knuth, TAOCP vol. 2, 3.4.2, Algorithm S) takes row i with probability
/// needed / remaining. The test is an exact integer draw because u * remaining in floating
/// point can round up to `remaining` and skip a row that must be taken, breaking the count.
inline void keep_random_rows(trajectory& tr, std::size_t count, random_stream& s) {
  const row_index n = tr.num_times();
  std::vector<row_index> rows;
  rows.reserve(count);
  std::uint64_t needed = count;
  for (row_index i = 0; i < n && needed > 0; ++i) {
    if (s.below(static_cast<std::uint64_t>(n - i)) < needed) {
      rows.push_back(i);
      --needed;
    }
  }
  tr.keep_rows(rows);
}

/// Rows [begin, begin + count) of `tr` as a trajectory of their own, with the same column
/// names (shared), model and parameters, so a transform sees what it sees on a whole series.
inline trajectory row_range(const trajectory& tr, row_index begin, row_index count) {
  trajectory part(tr.times().segment(begin, count), tr.species_ptr(), tr.model_ptr());
  part.values() = tr.values().middleRows(begin, count);
  part.mask() = tr.mask().middleRows(begin, count);
  part.set_parameters(tr.parameters());
  part.set_initial_state(tr.initial_state());
  return part;
}

/// Collects rows from several trajectories into preallocated buffers, then replaces the
/// rows of the target; everything else about the target (status, parameters) stays.
class row_collector {
 public:
  row_collector(row_index rows, row_index columns)
      : times_(rows), values_(rows, columns), mask_(rows, columns) {}

  void append(const trajectory& from, row_index begin, row_index count) {
    if (count <= 0) return;
    times_.segment(next_, count) = from.times().segment(begin, count);
    values_.middleRows(next_, count) = from.values().middleRows(begin, count);
    mask_.middleRows(next_, count) = from.mask().middleRows(begin, count);
    next_ += count;
  }

  void replace_rows_of(trajectory& tr) {
    tr.times() = std::move(times_);
    tr.values() = std::move(values_);
    tr.mask() = std::move(mask_);
  }

 private:
  Eigen::VectorXd times_;
  trajectory::matrix_type values_;
  trajectory::mask_type mask_;
  row_index next_ = 0;
};

/// A wrapped transform may drop or hide rows but not change the columns: the pieces are
/// reassembled column by column.
inline void require_same_columns(const trajectory& part, const trajectory& whole,
                                 const std::string& field, const std::string& what) {
  if (part.num_species() != whole.num_species() || part.species() != whole.species())
    throw invalid_argument(field, what,
                           fmt::format("{} = {}: expected a transform that keeps the columns "
                                       "[{}], got [{}]",
                                       field, what, detail::join(whole.species(), ", "),
                                       detail::join(part.species(), ", ")));
}

inline void require_same_columns(const trajectory_layout& after, const trajectory_layout& in,
                                 const std::string& field, const std::string& what) {
  if (after.species != in.species)
    throw_invalid(
        field, what,
        fmt::format("a transform that keeps the columns [{}]", detail::join(in.species, ", ")));
}

inline bool known(double t) { return !std::isnan(t); }

/// Bounds of the times in [lo, hi] when the input's range is [first, last] (NaN: unknown).
inline double clip_first(double first, double lo) {
  if (known(first)) return std::max(first, lo);
  return std::isfinite(lo) ? lo : std::numeric_limits<double>::quiet_NaN();
}
inline double clip_last(double last, double hi) {
  if (known(last)) return std::min(last, hi);
  return std::isfinite(hi) ? hi : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace detail::sparse

// layout_after() of a sparsifier returns bounds: num_times is at most the rows a trajectory
// ends up with, and [first_time, last_time] encloses its times, since which endpoints survive
// is not known before the draw. Bounds are all a later stage's checks need (an interval that
// misses an enclosing range misses the actual one too).

/// Keeps round(fraction * T) of the T rows (std::lround: halves away from zero), chosen
/// uniformly without replacement, in time order.
class random_subset {
 public:
  explicit random_subset(double fraction) : fraction_(fraction) {
    detail::require_fraction("random_subset.fraction", fraction_);
  }
  void operator()(trajectory& tr, random_stream& s) const {
    const auto n = static_cast<std::size_t>(tr.num_times());
    detail::sparse::keep_random_rows(tr, detail::sparse::rows_for(fraction_, n), s);
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    trajectory_layout out = in;
    out.num_times = detail::sparse::rows_for(fraction_, in.num_times);
    return out;
  }
  std::string describe() const { return fmt::format("random_subset(fraction={})", fraction_); }

 private:
  double fraction_;
};

/// Keeps exactly `count` rows, chosen uniformly without replacement, in time order. A
/// trajectory with fewer rows is an error (layout_after catches it before generation when
/// the grid is known).
class random_subset_count {
 public:
  explicit random_subset_count(std::size_t count) : count_(count) {}
  void operator()(trajectory& tr, random_stream& s) const {
    const auto n = static_cast<std::size_t>(tr.num_times());
    if (count_ > n) reject(n);
    detail::sparse::keep_random_rows(tr, count_, s);
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    if (count_ > in.num_times) reject(in.num_times);
    trajectory_layout out = in;
    out.num_times = count_;
    return out;
  }
  std::string describe() const { return fmt::format("random_subset_count(count={})", count_); }

 private:
  [[noreturn]] void reject(std::size_t rows) const {
    detail::throw_invalid("random_subset_count.count", count_,
                          fmt::format("a keep-count at most the number of points ({})", rows));
  }
  std::size_t count_;
};

/// Keeps rows offset, offset + k, offset + 2k, ...
class keep_every {
 public:
  explicit keep_every(std::size_t k, std::size_t offset = 0) : k_(k), offset_(offset) {
    if (k_ == 0) detail::throw_invalid("keep_every.k", k_, "a step k >= 1");
    if (offset_ >= k_)
      detail::throw_invalid("keep_every.offset", offset_,
                            fmt::format("an offset below k = {}", k_));
  }
  void operator()(trajectory& tr, random_stream& /*s*/) const {
    const auto n = static_cast<std::size_t>(tr.num_times());
    std::vector<Eigen::Index> rows;
    rows.reserve(kept(n));
    for (std::size_t i = offset_; i < n; i += k_) rows.push_back(static_cast<Eigen::Index>(i));
    tr.keep_rows(rows);
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    if (in.num_times > 0 && offset_ >= in.num_times)
      detail::throw_invalid("keep_every.offset", offset_,
                            fmt::format("an offset below the number of points ({}); "
                                        "otherwise no row is kept",
                                        in.num_times));
    trajectory_layout out = in;
    out.num_times = kept(in.num_times);
    return out;
  }
  std::string describe() const { return fmt::format("keep_every(k={}, offset={})", k_, offset_); }

 private:
  std::size_t kept(std::size_t n) const { return n > offset_ ? (n - offset_ - 1) / k_ + 1 : 0; }
  std::size_t k_;
  std::size_t offset_;
};

/// Keeps the rows with t_first <= t <= t_last (both ends included; infinite ends are fine).
class keep_interval {
 public:
  keep_interval(double t_first, double t_last) : t_first_(t_first), t_last_(t_last) {
    if (std::isnan(t_first_)) detail::throw_invalid("keep_interval.t_first", t_first_, "a time");
    if (std::isnan(t_last_)) detail::throw_invalid("keep_interval.t_last", t_last_, "a time");
    if (t_last_ < t_first_)
      detail::throw_invalid("keep_interval.t_last", t_last_,
                            fmt::format("a time >= t_first = {}", t_first_));
  }
  void operator()(trajectory& tr, random_stream& /*s*/) const {
    const auto& t = tr.times();
    std::vector<Eigen::Index> rows;
    for (Eigen::Index i = 0; i < t.size(); ++i)
      if (t[i] >= t_first_ && t[i] <= t_last_) rows.push_back(i);
    tr.keep_rows(rows);
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
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
  std::string describe() const {
    return fmt::format("keep_interval(t_first={}, t_last={})", t_first_, t_last_);
  }

 private:
  double t_first_;
  double t_last_;
};

/// A different transform (usually a sparsifier) per part of the series, like SimbaML's
/// interval sparsifier. Each transform runs on a trajectory of its part's rows, in the order
/// given, from the same stream; the results are put back in place of their parts. Rows no
/// interval covers are kept unchanged. The transforms must keep the columns and leave times
/// inside their part (sparsifiers and noise do), so the result stays in time order.
///
///   by_time:     {t_start, t_end, transform}: rows with t_start <= t < t_end, the last
///                interval t_start <= t <= t_end. Times must increase (odesynth's always do).
///   by_fraction: {a, b, transform} with 0 <= a < b <= 1: rows round(a T) <= i < round(b T)
///                of the T rows, so {0, 0.5}, {0.5, 1} splits a series into two halves.
class interval_sparsify {
 public:
  struct interval {
    double start;
    double end;
    any_transform transform;
  };
  enum class unit { time, fraction };

  friend constexpr std::string_view to_string(unit u) noexcept {
    switch (u) {
      case unit::time: return "time";
      case unit::fraction: return "fraction";
    }
    return "unknown";
  }

  interval_sparsify(unit by, std::vector<interval> intervals)
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
  static interval_sparsify by_time(std::vector<interval> intervals) {
    return interval_sparsify(unit::time, std::move(intervals));
  }
  static interval_sparsify by_fraction(std::vector<interval> intervals) {
    return interval_sparsify(unit::fraction, std::move(intervals));
  }

  void operator()(trajectory& tr, random_stream& s) const {
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
        detail::sparse::require_same_columns(part, tr, field(k),
                                             intervals_[k].transform.describe());
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

  trajectory_layout layout_after(const trajectory_layout& in) const {
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
            (iv.start > in.last_time ||
             (closed ? iv.end < in.first_time : iv.end <= in.first_time)))
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

  std::string describe() const {
    std::string out = "interval_sparsify(";
    for (std::size_t k = 0; k < intervals_.size(); ++k)
      out += fmt::format("{}{} {}: {}", k ? "; " : "", by_ == unit::time ? "t in" : "fraction",
                         bounds_text(k), intervals_[k].transform.describe());
    return out + ")";
  }

 private:
  static std::string field(std::size_t k) {
    return fmt::format("interval_sparsify.intervals[{}]", k);
  }
  std::string bounds_text(std::size_t k) const {
    const bool closed = by_ == unit::time && k + 1 == intervals_.size();
    return fmt::format("[{}, {}{}", intervals_[k].start, intervals_[k].end, closed ? "]" : ")");
  }

  /// The rows [first, last) interval k covers.
  std::pair<Eigen::Index, Eigen::Index> rows_of(const trajectory& tr, std::size_t k) const {
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

  unit by_;
  std::vector<interval> intervals_;
};

/// Sparsifies while always keeping each species' extremes: for every species, the rows
/// holding its lowest low_fraction and its highest high_fraction of observed values are kept
/// (a positive fraction keeps at least the minimum or maximum itself); all other rows go
/// through `inner`. The result is the kept extremes plus inner's survivors, in time order,
/// each row once. (SimbaML's version duplicates the extremes and drops every other row.)
/// Equal values are ordered by time (the earlier row counts as smaller), so which rows are
/// extremes is deterministic.
class keep_extremes {
 public:
  keep_extremes(double low_fraction, double high_fraction, any_transform inner)
      : low_(low_fraction), high_(high_fraction), inner_(std::move(inner)) {
    detail::require_fraction("keep_extremes.low_fraction", low_);
    detail::require_fraction("keep_extremes.high_fraction", high_);
    if (!(low_ + high_ <= 1))
      detail::throw_invalid(
          "keep_extremes.high_fraction", high_,
          fmt::format("low_fraction + high_fraction <= 1 (low_fraction = {})", low_));
  }

  void operator()(trajectory& tr, random_stream& s) const {
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
        for (std::size_t r = m - high; r < m; ++r)
          extreme[static_cast<std::size_t>(observed[r])] = 1;
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

  trajectory_layout layout_after(const trajectory_layout& in) const {
    const trajectory_layout after = inner_.layout_after(in);
    detail::sparse::require_same_columns(after, in, "keep_extremes.inner", inner_.describe());
    trajectory_layout out = in;
    if (after.num_times > in.num_times) out.num_times = after.num_times;
    return out;
  }

  std::string describe() const {
    return fmt::format("keep_extremes(low_fraction={}, high_fraction={}, inner={})", low_, high_,
                       inner_.describe());
  }

 private:
  static std::size_t count_for(double fraction, std::size_t observed) {
    if (fraction <= 0 || observed == 0) return 0;
    return std::min(observed,
                    std::max<std::size_t>(1, detail::sparse::rows_for(fraction, observed)));
  }

  double low_;
  double high_;
  any_transform inner_;
};

/// Each value independently missing (NaN, mask false) with its species' probability; rows
/// are kept. One uniform is drawn per covered entry in row-major order, observed or not, so
/// the pattern does not depend on what earlier stages hid.
class missing_entries {
 public:
  explicit missing_entries(per_species<double> probability) : probability_(std::move(probability)) {
    probability_.validate_values("missing_entries.probability", detail::require_probability_in_01);
  }
  void operator()(trajectory& tr, random_stream& s) const {
    const auto columns = probability_.resolve(tr.species());
    for (Eigen::Index i = 0; i < tr.num_times(); ++i)
      for (const auto& [j, p] : columns)
        if (s.uniform01() < p) tr.set_missing(i, static_cast<Eigen::Index>(j));
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(probability_, "missing_entries.probability", in);
  }
  std::string describe() const {
    return fmt::format("missing_entries(probability={})", probability_.describe());
  }

 private:
  per_species<double> probability_;
};

/// Bursts of consecutive missing time points (whole rows hidden, rows kept): a Gilbert
/// two-state Markov chain over rows. After an observed row (and before the first row) a burst
/// starts with start_probability; a burst goes on to the next row with probability
/// 1 - 1 / mean_length, so burst lengths are geometric with mean mean_length. In the long run
/// a fraction p L / (1 + p L) of the rows is missing (p = start_probability, L = mean_length).
/// One uniform per row.
class missing_bursts {
 public:
  missing_bursts(double start_probability, double mean_length)
      : start_(start_probability), mean_length_(mean_length) {
    detail::require_probability_in_01("missing_bursts.start_probability", start_);
    if (!(std::isfinite(mean_length_) && mean_length_ >= 1))
      detail::throw_invalid("missing_bursts.mean_length", mean_length_,
                            "a finite mean burst length >= 1 (in rows)");
    continue_ = 1 - 1 / mean_length_;
  }
  void operator()(trajectory& tr, random_stream& s) const {
    bool in_burst = false;
    for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
      const double u = s.uniform01();
      in_burst = u < (in_burst ? continue_ : start_);
      if (in_burst)
        for (Eigen::Index j = 0; j < tr.num_species(); ++j) tr.set_missing(i, j);
    }
  }
  std::string describe() const {
    return fmt::format("missing_bursts(start_probability={}, mean_length={})", start_,
                       mean_length_);
  }

 private:
  double start_;
  double mean_length_;
  double continue_;
};

/// Trims a constant tail, like SimbaML's constant-suffix remover: when the last rows are all
/// within abs_eps + rel_eps |y_last| of the last row (every species observed), for at least
/// min_rows rows, they are dropped except the first row of that plateau, which keeps the
/// time the series settled. A missing value ends the plateau; a missing value in the last
/// row means there is none.
class drop_constant_suffix {
 public:
  drop_constant_suffix(double rel_eps, double abs_eps, std::size_t min_rows = 2)
      : rel_eps_(rel_eps), abs_eps_(abs_eps), min_rows_(min_rows) {
    detail::sparse::require_tolerance("drop_constant_suffix.rel_eps", rel_eps_);
    detail::sparse::require_tolerance("drop_constant_suffix.abs_eps", abs_eps_);
    if (min_rows_ == 0)
      detail::throw_invalid("drop_constant_suffix.min_rows", min_rows_, "a plateau length >= 1");
  }
  void operator()(trajectory& tr, random_stream& /*s*/) const {
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
  std::string describe() const {
    return fmt::format("drop_constant_suffix(rel_eps={}, abs_eps={}, min_rows={})", rel_eps_,
                       abs_eps_, min_rows_);
  }

 private:
  double rel_eps_;
  double abs_eps_;
  std::size_t min_rows_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::interval_sparsify::unit>
    : odesynth::detail::enum_formatter<odesynth::interval_sparsify::unit> {};
