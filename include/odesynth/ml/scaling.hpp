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

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/enum_names.hpp"
#include "../detail/text.hpp"
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
                 std::vector<std::string> species = {})
      : method_(method) {
    if (train.empty())
      detail::throw_invalid("feature_scaler.train.size()", 0, "at least one trajectory to fit on");
    species_ = species.empty() ? train.front().species() : std::move(species);
    detail::ml::require_distinct(species_, "feature_scaler.species");
    offsets_.resize(species_.size());
    scales_.resize(species_.size());
    std::vector<std::vector<Eigen::Index>> columns;
    columns.reserve(train.size());
    for (std::size_t k = 0; k < train.size(); ++k)
      columns.push_back(detail::ml::columns_of(train[k], species_, "feature_scaler.species",
                                               fmt::format("training trajectory {}", k)));
    for (std::size_t c = 0; c < species_.size(); ++c) fit_one(train, columns, c);
  }

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
               const std::vector<std::vector<Eigen::Index>>& columns, std::size_t c) {
    std::size_t count = 0;
    double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
    const auto each_observed = [&](auto&& f) {
      for (std::size_t k = 0; k < train.size(); ++k) {
        const Eigen::Index col = columns[k][c];
        for (Eigen::Index r = 0; r < train[k].num_times(); ++r)
          if (!detail::ml::is_missing(train[k], r, col)) f(train[k].values()(r, col));
      }
    };
    each_observed([&](double x) {
      ++count;
      sum += x;
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    });
    if (count == 0)
      detail::throw_invalid("feature_scaler.species", species_[c],
                            "a species with at least one observed value in the training data");
    double offset = 0, spread = 0;
    if (method_ == scaling_method::standard) {
      offset = sum / static_cast<double>(count);
      double squares = 0;  // second pass: sum of squared deviations, no cancellation
      each_observed([&](double x) { squares += (x - offset) * (x - offset); });
      spread = std::sqrt(squares / static_cast<double>(count));
    } else {
      offset = lo;
      spread = hi - lo;
    }
    offsets_[c] = offset;
    scales_[c] = spread > 0 ? spread : 1.0;
  }

  std::size_t position(std::string_view name, const char* what) const {
    for (std::size_t c = 0; c < species_.size(); ++c)
      if (species_[c] == name) return c;
    detail::throw_invalid(
        fmt::format("feature_scaler.{}", what), name,
        fmt::format("a fitted species, one of [{}]", detail::join(species_, ", ")));
  }

  double forward(double x, std::size_t c) const { return (x - offsets_[c]) / scales_[c]; }
  double backward(double x, std::size_t c) const { return x * scales_[c] + offsets_[c]; }

  void apply(trajectory& tr, bool inverse) const {
    const auto columns =
        detail::ml::columns_of(tr, species_, "feature_scaler.species", "the trajectory scaled");
    for (std::size_t c = 0; c < columns.size(); ++c)
      for (Eigen::Index r = 0; r < tr.num_times(); ++r) {
        double& x = tr.values()(r, columns[c]);
        if (detail::ml::is_missing(tr, r, columns[c])) continue;
        x = inverse ? backward(x, c) : forward(x, c);
      }
  }

  void apply(array3& a, const std::vector<std::string>& species, bool inverse) const {
    if (species.size() != a.extent(2))
      detail::throw_invalid("feature_scaler species", species.size(),
                            fmt::format("one name per entry of the last axis of an array of "
                                        "shape {}",
                                        detail::shape_text(a.shape())));
    std::vector<std::size_t> where;
    where.reserve(species.size());
    for (const auto& name : species) where.push_back(position(name, "species"));
    const std::size_t s = a.extent(2);
    double* p = a.data();
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::size_t c = where[i % s];
      p[i] = inverse ? backward(p[i], c) : forward(p[i], c);
    }
  }

  scaling_method method_;
  std::vector<std::string> species_;
  std::vector<double> offsets_;
  std::vector<double> scales_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::scaling_method>
    : odesynth::detail::enum_formatter<odesynth::scaling_method> {};
