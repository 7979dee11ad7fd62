// odesynth/transforms/sparsify.hpp - which time points a measurement keeps: sparsifiers that
// drop rows (a random subset, every k-th point, a time window, per-interval sparsifiers,
// extremes always kept, a constant tail trimmed) and missingness that hides values but keeps
// rows (independent entries, bursts of whole time points). Kept rows stay in time order and
// bit for bit (SimbaML's random sparsifier shuffles them, which breaks forecasting windows);
// every random choice comes from the trajectory's stream.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "../detail/config.hpp"
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
/// The draws are read ahead in blocks (detail::word_reader) and the rows kept are listed on
/// the stack up to 256 of them: no allocation for the series most datasets hold.
inline void keep_random_rows(trajectory& tr, std::size_t count, random_stream& s) {
  const row_index n = tr.num_times();
  std::array<row_index, 256> in_place;
  std::vector<row_index> spilled;
  row_index* rows = in_place.data();
  if (count > in_place.size()) {
    spilled.resize(count);
    rows = spilled.data();
  }
  std::size_t kept = 0;
  {
    detail::word_reader words(s);
    // No branch on the draw (at fraction 0.5 it goes either way at random, so a branch is
    // mispredicted half the time): a row written past `kept` is overwritten by the next.
    for (row_index i = 0; i < n && kept < count; ++i) {
      const bool keep = words.below(static_cast<std::uint64_t>(n - i)) < count - kept;
      rows[kept] = i;
      kept += keep ? 1 : 0;
    }
  }
  tr.keep_rows(rows, kept);
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
  explicit random_subset(double fraction);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  double fraction_;
};

/// Keeps exactly `count` rows, chosen uniformly without replacement, in time order. A
/// trajectory with fewer rows is an error (layout_after catches it before generation when
/// the grid is known).
class random_subset_count {
 public:
  explicit random_subset_count(std::size_t count) : count_(count) {}
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  [[noreturn]] void reject(std::size_t rows) const;
  std::size_t count_;
};

/// Keeps rows offset, offset + k, offset + 2k, ...
class keep_every {
 public:
  explicit keep_every(std::size_t k, std::size_t offset = 0);
  void operator()(trajectory& tr, random_stream& /*s*/) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  std::size_t kept(std::size_t n) const;
  std::size_t k_;
  std::size_t offset_;
};

/// Keeps the rows with t_first <= t <= t_last (both ends included; infinite ends are fine).
class keep_interval {
 public:
  keep_interval(double t_first, double t_last);
  void operator()(trajectory& tr, random_stream& /*s*/) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

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

  interval_sparsify(unit by, std::vector<interval> intervals);
  static interval_sparsify by_time(std::vector<interval> intervals);
  static interval_sparsify by_fraction(std::vector<interval> intervals);

  void operator()(trajectory& tr, random_stream& s) const;

  trajectory_layout layout_after(const trajectory_layout& in) const;

  std::string describe() const;

 private:
  static std::string field(std::size_t k);
  std::string bounds_text(std::size_t k) const;

  /// The rows [first, last) interval k covers.
  std::pair<Eigen::Index, Eigen::Index> rows_of(const trajectory& tr, std::size_t k) const;

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
  keep_extremes(double low_fraction, double high_fraction, any_transform inner);

  void operator()(trajectory& tr, random_stream& s) const;

  trajectory_layout layout_after(const trajectory_layout& in) const;

  std::string describe() const;

 private:
  static std::size_t count_for(double fraction, std::size_t observed);

  double low_;
  double high_;
  any_transform inner_;
};

/// Each value independently missing (NaN, mask false) with its species' probability; rows
/// are kept. One uniform is drawn per covered entry in row-major order, observed or not, so
/// the pattern does not depend on what earlier stages hid.
class missing_entries {
 public:
  explicit missing_entries(per_species<double> probability);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

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
  missing_bursts(double start_probability, double mean_length);
  void operator()(trajectory& tr, random_stream& s) const;
  std::string describe() const;

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
  drop_constant_suffix(double rel_eps, double abs_eps, std::size_t min_rows = 2);
  void operator()(trajectory& tr, random_stream& /*s*/) const;
  std::string describe() const;

 private:
  double rel_eps_;
  double abs_eps_;
  std::size_t min_rows_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::interval_sparsify::unit>
    : odesynth::detail::enum_formatter<odesynth::interval_sparsify::unit> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/sparsify.ipp"
#endif
