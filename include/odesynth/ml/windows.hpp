// odesynth/ml/windows.hpp - sliding windows for forecasting: from trajectories to the
// inputs X [windows, input_length, input species] and targets y [windows, horizon, target
// species] a forecasting model trains on.
//
// A window starting at row s of a trajectory takes the input species at rows
// [s, s + input_length) into X and the target species at rows
// [s + input_length, s + input_length + horizon) into y. Starts are 0, stride, 2 stride, ...
// while the window fits; windows never cross from one trajectory into the next.
//
// Missing values: unless `allow_missing`, a window is skipped when any value it would copy
// (an input species in an input row, a target species in a target row) is missing (mask
// false or NaN). Skipping does not shift the stride grid: the other windows keep their
// starts. With `allow_missing` the NaNs are copied as they are.
//
// Against SimbaML's window generator (simba_ml/prediction/time_series/data_loader/
// window_generator.py): the same windows for stride 1 and complete data (T - input_length -
// horizon + 1 per series, inputs then outputs, series concatenated in order). Differences,
// on purpose: features keep the order the user lists them in (SimbaML takes them in the data's
// column order); an unknown species is an error (SimbaML ignores unknown names as long as one
// name is known); windows holding a missing value are skipped (SimbaML copies NaNs); a
// series shorter than the window contributes no window (SimbaML's np.delete fails on it);
// each window records which trajectory and row it came from.
#pragma once

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/config.hpp"
#include "../error.hpp"
#include "../trajectory.hpp"
#include "array3.hpp"

namespace odesynth {

struct window_options {
  std::size_t input_length = 1;  ///< rows of input per window (>= 1)
  std::size_t horizon = 1;       ///< rows to forecast after the input (>= 1)
  std::size_t stride = 1;        ///< rows between the starts of consecutive windows (>= 1)
  /// Species in X, in this order; empty: every column of the first trajectory, in its order.
  std::vector<std::string> input_species;
  /// Species in y, in this order; empty: every column of the first trajectory, in its order.
  std::vector<std::string> target_species;
  /// Keep windows holding missing values (as NaN) instead of skipping them.
  bool allow_missing = false;

  /// Checks what can be checked without data: lengths and stride >= 1, no repeated names.
  void validate(std::string_view where = "window_options") const;
};

/// Where a window came from: trajectory index in the input vector and its first input row.
struct window_origin {
  std::size_t trajectory = 0;
  std::size_t start_row = 0;

  friend bool operator==(const window_origin& a, const window_origin& b) {
    return a.trajectory == b.trajectory && a.start_row == b.start_row;
  }
};

struct window_set {
  array3 inputs;                            ///< X, [windows, input_length, input_species.size()]
  array3 targets;                           ///< y, [windows, horizon, target_species.size()]
  std::vector<window_origin> origins;       ///< one per window, in the order of the arrays
  std::vector<std::string> input_species;   ///< names along the last axis of `inputs`
  std::vector<std::string> target_species;  ///< names along the last axis of `targets`
  std::size_t skipped_missing = 0;          ///< windows skipped for a missing value

  std::size_t size() const noexcept { return origins.size(); }
};

namespace detail::ml {

inline bool is_missing(const trajectory& tr, Eigen::Index row, Eigen::Index col) {
  return !tr.mask()(row, col) || std::isnan(tr.values()(row, col));
}

ODESYNTH_INLINE void require_distinct(const std::vector<std::string>& names,
                                      const std::string& field);

/// Column of each name in `tr`; an unknown name throws invalid_argument naming `field`, the
/// name, the trajectory (`which`, e.g. "trajectory 3") and the names it has.
ODESYNTH_INLINE std::vector<Eigen::Index> columns_of(const trajectory& tr,
                                                     const std::vector<std::string>& names,
                                                     const std::string& field,
                                                     const std::string& which);

/// For each row, whether any of `columns` is missing there; as prefix counts, so the
/// missing rows in [a, b) are count[b] - count[a].
ODESYNTH_INLINE std::vector<std::size_t> missing_prefix(const trajectory& tr,
                                                        const std::vector<Eigen::Index>& columns);

}  // namespace detail::ml

/// Cuts every trajectory into forecasting windows (see the header comment). Throws
/// invalid_argument for bad options, an unknown species, no trajectories, or a window
/// (input_length + horizon) longer than the longest trajectory; shorter trajectories just
/// give no window.
ODESYNTH_INLINE window_set make_windows(const std::vector<trajectory>& trajectories,
                                        const window_options& options);

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/windows.ipp"
#endif
