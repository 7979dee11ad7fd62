// odesynth/ml/metrics.hpp - forecast metrics over [samples, horizon, features] arrays, with
// SimbaML's definitions (simba_ml/prediction/time_series/metrics/metrics.py).
//
// Notation: y_true and y_pred of shape [n, h, f]; t = y_true(i, j, k), p = y_pred(i, j, k),
// e = p - t. "Mean over all" is over the n h f entries. How SimbaML averages, followed here:
//
//   mean_absolute_error            mean over all |e|
//   mean_squared_error             mean over all e^2
//   root_mean_squared_error        sqrt(mean_squared_error) (root of the overall mean)
//   normalized_root_mean_squared_error   root_mean_squared_error / (mean over all t)
//   mean_absolute_percentage_error mean over all |e| / |t|, a fraction (0.5, not 50 %)
//   mean_squared_log_error         mean over all (log(1 + t) - log(1 + p))^2
//   root_mean_squared_log_error    for each (j, k): sqrt(mean over i of (log(1+t) - log(1+p))^2),
//                                  then the mean of those h f roots (not sqrt of MSLE)
//   r_squared                      for each (j, k): 1 - sum_i e^2 / sum_i (t - mean_i t)^2,
//                                  then the mean of those h f values
//   mean_absolute_scaled_error     mean_absolute_error / naive_scale(y_true), where
//                                  naive_scale is the mean over i, j >= 1, k of
//                                  |t(i, j, k) - t(i, j - 1, k)|: the one-step naive forecast's
//                                  error within the true horizon, as SimbaML takes it (not the
//                                  training series'; pass your own scale to the 3-argument form)
//   mean_directional_accuracy      for each sample i: the fraction of (j >= 1, k) with
//                                  sign(t(j) - t(j-1)) == sign(p(j) - t(j-1)); then the mean
//                                  over samples
//   prediction_trend_accuracy      the same with sign(t(j) - t(j-1)) == sign(p(j) - p(j-1))
//
// SimbaML computes MAE, MSE, MAPE and MSLE per (step, feature) over the samples and then
// averages the h f values; as every column has n entries, that is the overall mean above.
// The directional accuracies are per sample, then averaged. sign(0) = 0, so a flat step
// predicted flat counts as a hit.
//
// Misuse throws invalid_argument: shapes that differ (both are named), an empty array, a NaN
// or infinite value (windows made with allow_missing can hold missing targets: drop them
// first), a negative value in MSLE or RMSLE. A metric that is undefined for valid data is NaN,
// as in SimbaML: MAPE when any t is 0; R^2 with fewer than 2 samples; MASE and the directional
// accuracies with a horizon of 1 (no step to compare). Division by a zero mean (NRMSE) or a
// zero naive scale (MASE) follows IEEE 754 (inf, or NaN for 0/0).
//
// R^2 of a (j, k) whose t are all equal is 1 if predicted exactly and 0 otherwise
// (scikit-learn's rule, which SimbaML inherits); "all equal" is tested exactly, so rounding
// in the mean cannot turn a constant column into a huge negative R^2.
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "../detail/config.hpp"
#include "../error.hpp"
#include "array3.hpp"

namespace odesynth {

namespace detail::ml {

/// Same shape, non-empty, every value finite; throws invalid_argument otherwise.
ODESYNTH_INLINE void require_comparable(const array3& y_true, const array3& y_pred);

ODESYNTH_INLINE void require_log_domain(const array3& a, const char* name, const char* metric);

inline int sign(double x) noexcept { return (x > 0) - (x < 0); }

/// Mean over all entries of g(t, p).
template <class G>
double mean_over_all(const array3& y_true, const array3& y_pred, G g) {
  double sum = 0;
  const double* t = y_true.data();
  const double* p = y_pred.data();
  for (std::size_t m = 0; m < y_true.size(); ++m) sum += g(t[m], p[m]);
  return sum / static_cast<double>(y_true.size());
}

/// Mean over samples of the per-sample fraction of steps j >= 1 where `hit(i, j, k)`.
template <class Hit>
double per_sample_step_fraction(const array3& y_true, Hit hit) {
  const auto [n, h, f] = y_true.shape();
  if (h < 2) return nan;
  double total = 0;
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t hits = 0;
    for (std::size_t j = 1; j < h; ++j)
      for (std::size_t k = 0; k < f; ++k)
        if (hit(i, j, k)) ++hits;
    total += static_cast<double>(hits) / static_cast<double>((h - 1) * f);
  }
  return total / static_cast<double>(n);
}

inline double log_error_squared(double t, double p) {
  const double d = std::log1p(t) - std::log1p(p);
  return d * d;
}

}  // namespace detail::ml

ODESYNTH_INLINE double mean_absolute_error(const array3& y_true, const array3& y_pred);

ODESYNTH_INLINE double mean_squared_error(const array3& y_true, const array3& y_pred);

ODESYNTH_INLINE double root_mean_squared_error(const array3& y_true, const array3& y_pred);

/// RMSE divided by the mean of y_true over all entries.
ODESYNTH_INLINE double normalized_root_mean_squared_error(const array3& y_true,
                                                          const array3& y_pred);

/// As a fraction; NaN when any y_true is 0.
ODESYNTH_INLINE double mean_absolute_percentage_error(const array3& y_true, const array3& y_pred);

/// Throws invalid_argument if any value of either array is negative.
ODESYNTH_INLINE double mean_squared_log_error(const array3& y_true, const array3& y_pred);

/// Mean over (step, feature) of the root of the mean over samples; throws invalid_argument if
/// any value of either array is negative.
ODESYNTH_INLINE double root_mean_squared_log_error(const array3& y_true, const array3& y_pred);

/// Mean over (step, feature) of the coefficient of determination across samples; NaN for
/// fewer than 2 samples.
ODESYNTH_INLINE double r_squared(const array3& y_true, const array3& y_pred);

/// Mean over samples i, steps j >= 1 and features k of |a(i, j, k) - a(i, j - 1, k)|: the
/// error of the one-step naive forecast along axis 1. NaN when the array has fewer than 2
/// steps. naive_scale(y_true) is SimbaML's MASE denominator; naive_scale(inputs) uses the
/// input windows instead (the usual "in-sample" scale).
ODESYNTH_INLINE double naive_scale(const array3& a);

/// mean_absolute_error / scale, for a scale of your choosing (e.g. naive_scale(inputs)).
ODESYNTH_INLINE double mean_absolute_scaled_error(const array3& y_true, const array3& y_pred,
                                                  double scale);

/// SimbaML's MASE: mean_absolute_error / naive_scale(y_true); NaN for a horizon of 1.
ODESYNTH_INLINE double mean_absolute_scaled_error(const array3& y_true, const array3& y_pred);

ODESYNTH_INLINE double mean_directional_accuracy(const array3& y_true, const array3& y_pred);

ODESYNTH_INLINE double prediction_trend_accuracy(const array3& y_true, const array3& y_pred);

/// Every metric above for one forecast.
struct forecast_scores {
  double r_squared = detail::ml::nan;
  double mean_absolute_error = detail::ml::nan;
  double mean_squared_error = detail::ml::nan;
  double root_mean_squared_error = detail::ml::nan;
  double normalized_root_mean_squared_error = detail::ml::nan;
  double mean_absolute_percentage_error = detail::ml::nan;
  double mean_squared_log_error = detail::ml::nan;
  double root_mean_squared_log_error = detail::ml::nan;
  double mean_absolute_scaled_error = detail::ml::nan;
  double mean_directional_accuracy = detail::ml::nan;
  double prediction_trend_accuracy = detail::ml::nan;
};

/// All metrics at once. Throws like each metric, except that a negative value leaves the two
/// log metrics NaN instead of throwing, so one table can hold every forecast.
ODESYNTH_INLINE forecast_scores score_forecast(const array3& y_true, const array3& y_pred);

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/metrics.ipp"
#endif
