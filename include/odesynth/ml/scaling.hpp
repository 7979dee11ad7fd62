// odesynth/ml/scaling.hpp - per-species feature scaling fitted on training data only, applied
// to trajectories and to window arrays, and undone on predictions.
//
//   standard  x' = (x - mean) / sd   (sd: population standard deviation, divisor n)
//   min_max   x' = (x - min) / (max - min), so training values land in [0, 1]
//
// Statistics are pooled per species over every observed value of every training trajectory;
// missing values (mask false or NaN) are ignored, and stay missing (NaN) when transformed.
// A constant species (sd 0, or max = min) gets scale 1, so it is shifted, never divided by 0:
// the rule of SimbaML's Normalizer (simba_ml/prediction/time_series/models/normalizer.py,
// train_std[train_std == 0] = 1) and of scikit-learn's scalers.
//
// Fit on the training part only (after split.hpp's split), then transform validation and
// test data with the same scaler: statistics of held-out data must not leak into training.
// SimbaML's Normalizer fits mean and sd the same way (pooled rows of the training series,
// divisor n) but a NaN anywhere makes its statistics NaN.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/config.hpp"
#include "../detail/enum_names.hpp"
#include "../error.hpp"
#include "../trajectory.hpp"
#include "array3.hpp"
#include "windows.hpp"

namespace odesynth {

enum class scaling_method { standard, min_max };

constexpr std::string_view to_string(scaling_method m) noexcept {
  switch (m) {
    case scaling_method::standard: return "standard";
    case scaling_method::min_max: return "min_max";
  }
  return "unknown";
}

inline constexpr std::array<scaling_method, 2> all_scaling_methods{scaling_method::standard,
                                                                   scaling_method::min_max};

class feature_scaler {
 public:
  /// Fits `method` per species on `train`; `species` empty: every column of train[0].
  /// Throws invalid_argument for no trajectories, a species some training trajectory lacks,
  /// or a species without a single observed value.
  feature_scaler(scaling_method method, const std::vector<trajectory>& train,
                 std::vector<std::string> species = {});

  scaling_method method() const noexcept { return method_; }
  /// The fitted species, in the order of offsets() and scales().
  const std::vector<std::string>& species() const noexcept { return species_; }
  /// Mean (standard) or minimum (min_max) per species.
  const std::vector<double>& offsets() const noexcept { return offsets_; }
  /// Standard deviation (standard) or max - min (min_max) per species; 1 where that is 0.
  const std::vector<double>& scales() const noexcept { return scales_; }

  double offset(std::string_view name) const { return offsets_[position(name, "offset")]; }
  double scale(std::string_view name) const { return scales_[position(name, "scale")]; }

  /// Scales the fitted species' columns in place; other columns are left as they are. Throws
  /// invalid_argument if the trajectory lacks a fitted species.
  void transform(trajectory& tr) const { apply(tr, false); }
  void inverse_transform(trajectory& tr) const { apply(tr, true); }

  /// Scales an array whose last axis holds `species` (each must be fitted), e.g. a
  /// window_set's inputs with its input_species.
  void transform(array3& a, const std::vector<std::string>& species) const {
    apply(a, species, false);
  }
  void inverse_transform(array3& a, const std::vector<std::string>& species) const {
    apply(a, species, true);
  }

  /// Both arrays of a window set, by their species names.
  void transform(window_set& w) const {
    apply(w.inputs, w.input_species, false);
    apply(w.targets, w.target_species, false);
  }
  void inverse_transform(window_set& w) const {
    apply(w.inputs, w.input_species, true);
    apply(w.targets, w.target_species, true);
  }

 private:
  void fit_one(const std::vector<trajectory>& train,
               const std::vector<std::vector<Eigen::Index>>& columns, std::size_t c);

  std::size_t position(std::string_view name, const char* what) const;

  double forward(double x, std::size_t c) const { return (x - offsets_[c]) / scales_[c]; }
  double backward(double x, std::size_t c) const { return x * scales_[c] + offsets_[c]; }

  void apply(trajectory& tr, bool inverse) const;

  void apply(array3& a, const std::vector<std::string>& species, bool inverse) const;

  scaling_method method_;
  std::vector<std::string> species_;
  std::vector<double> offsets_;
  std::vector<double> scales_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::scaling_method>
    : odesynth::detail::enum_formatter<odesynth::scaling_method> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/scaling.ipp"
#endif
