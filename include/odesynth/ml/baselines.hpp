// odesynth/ml/baselines.hpp - forecasts any model has to beat: the last input value, the mean
// of the input window, and the training mean, as [windows, horizon, targets] arrays.
//
// A baseline forecasts a target species from the same species in the input window, so each
// target must also be an input: target_columns maps each target name to its column in X
// (and says which target is missing from the inputs if one is).
//
//   predict_last_value   y(w, j, k) = the last observed X(w, ., input of k), for every step j
//   predict_window_mean  y(w, j, k) = the mean of the observed X(w, ., input of k)
//   training_mean_predictor  y(w, j, k) = the mean of species k over the training data
// Missing inputs (NaN, from windows made with allow_missing) are skipped; a window with no
// observed value of a species predicts NaN for it.
//
// SimbaML's baselines (simba_ml/prediction/time_series/models/): its LastValuePredictor is
// predict_last_value with every input feature as a target. Its AveragePredictor predicts a
// single number for every feature: the mean over training series of each series' mean of
// column means. training_mean_predictor keeps one mean per species instead (species have
// different units and scales) and pools every observed value; with equally long, complete
// series the two agree on each species' own data. The window mean has no SimbaML
// counterpart; it is the usual "average" baseline of forecasting benchmarks.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "../detail/config.hpp"
#include "../error.hpp"
#include "../trajectory.hpp"
#include "array3.hpp"
#include "windows.hpp"

namespace odesynth {

/// For each target species, its column among the input species.
class target_columns {
 public:
  /// Throws invalid_argument naming a target that is not among the inputs.
  target_columns(const std::vector<std::string>& input_species,
                 const std::vector<std::string>& target_species);

  /// Input column of target k.
  const std::vector<std::size_t>& columns() const noexcept { return columns_; }
  std::size_t num_targets() const noexcept { return columns_.size(); }
  std::size_t num_inputs() const noexcept { return num_inputs_; }

 private:
  std::vector<std::size_t> columns_;
  std::size_t num_inputs_;
};

namespace detail::ml {

ODESYNTH_INLINE void require_inputs(const array3& inputs, const target_columns& map,
                                    std::size_t horizon);

/// y(w, j, k) = summary(w, input column of k) for every step j.
template <class Summary>
array3 repeat_summary(const array3& inputs, const target_columns& map, std::size_t horizon,
                      Summary summary) {
  require_inputs(inputs, map, horizon);
  const std::size_t n = inputs.extent(0);
  array3 out(n, horizon, map.num_targets());
  for (std::size_t w = 0; w < n; ++w)
    for (std::size_t k = 0; k < map.num_targets(); ++k) {
      const double v = summary(w, map.columns()[k]);
      for (std::size_t j = 0; j < horizon; ++j) out(w, j, k) = v;
    }
  return out;
}

}  // namespace detail::ml

/// Repeats the last observed input value of each target over the horizon.
ODESYNTH_INLINE array3 predict_last_value(const array3& inputs, const target_columns& map,
                                          std::size_t horizon);

/// Repeats the mean of the observed input values of each target over the horizon.
ODESYNTH_INLINE array3 predict_window_mean(const array3& inputs, const target_columns& map,
                                           std::size_t horizon);

/// For a window set: its input and target species and its horizon.
ODESYNTH_INLINE array3 predict_last_value(const window_set& w);
ODESYNTH_INLINE array3 predict_window_mean(const window_set& w);

/// Predicts each target species' mean over the training trajectories (observed values,
/// pooled), whatever the input.
class training_mean_predictor {
 public:
  /// Throws invalid_argument for no trajectories, an unknown species, or a species with no
  /// observed training value.
  training_mean_predictor(const std::vector<trajectory>& train,
                          std::vector<std::string> target_species);

  const std::vector<std::string>& species() const noexcept { return species_; }
  const std::vector<double>& means() const noexcept { return means_; }

  /// [windows, horizon, species().size()], every window the training means.
  array3 predict(std::size_t windows, std::size_t horizon) const;

 private:
  std::vector<std::string> species_;
  std::vector<double> means_;
};

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/baselines.ipp"
#endif
