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

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "../error.hpp"
#include "array3.hpp"

namespace odesynth {

namespace detail::ml {

/// Same shape, non-empty, every value finite; throws invalid_argument otherwise.
inline void require_comparable(const array3& y_true, const array3& y_pred) {
  if (y_true.shape() != y_pred.shape())
    throw_invalid("y_pred.shape", shape_text(y_pred.shape()),
                  fmt::format("the shape of y_true, {}", shape_text(y_true.shape())));
  if (y_true.empty())
    throw_invalid("y_true.shape", shape_text(y_true.shape()),
                  "a non-empty [samples, horizon, features] array");
  const auto check = [](const array3& a, const char* name) {
    const auto [n, h, f] = a.shape();
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < h; ++j)
        for (std::size_t k = 0; k < f; ++k)
          if (!std::isfinite(a(i, j, k)))
            throw_invalid(fmt::format("{}({}, {}, {})", name, i, j, k), a(i, j, k),
                          "a finite value (drop windows with missing targets first)");
  };
  check(y_true, "y_true");
  check(y_pred, "y_pred");
}

inline void require_log_domain(const array3& a, const char* name, const char* metric) {
  const auto [n, h, f] = a.shape();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < h; ++j)
      for (std::size_t k = 0; k < f; ++k)
        if (a(i, j, k) < 0)
          throw_invalid(fmt::format("{}({}, {}, {})", name, i, j, k), a(i, j, k),
                        fmt::format("a value >= 0: {} takes log(1 + value)", metric));
}

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

inline double mean_absolute_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  return detail::ml::mean_over_all(y_true, y_pred,
                                   [](double t, double p) { return std::fabs(p - t); });
}

inline double mean_squared_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  return detail::ml::mean_over_all(y_true, y_pred,
                                   [](double t, double p) { return (p - t) * (p - t); });
}

inline double root_mean_squared_error(const array3& y_true, const array3& y_pred) {
  return std::sqrt(mean_squared_error(y_true, y_pred));
}

/// RMSE divided by the mean of y_true over all entries.
inline double normalized_root_mean_squared_error(const array3& y_true, const array3& y_pred) {
  const double rmse = root_mean_squared_error(y_true, y_pred);
  const double mean = detail::ml::mean_over_all(y_true, y_true, [](double t, double) { return t; });
  return rmse / mean;
}

/// As a fraction; NaN when any y_true is 0.
inline double mean_absolute_percentage_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  const double* t = y_true.data();
  if (std::any_of(t, t + y_true.size(), [](double x) { return x == 0; })) return detail::ml::nan;
  return detail::ml::mean_over_all(
      y_true, y_pred, [](double tv, double pv) { return std::fabs(pv - tv) / std::fabs(tv); });
}

/// Throws invalid_argument if any value of either array is negative.
inline double mean_squared_log_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  detail::ml::require_log_domain(y_true, "y_true", "mean_squared_log_error");
  detail::ml::require_log_domain(y_pred, "y_pred", "mean_squared_log_error");
  return detail::ml::mean_over_all(y_true, y_pred, detail::ml::log_error_squared);
}

/// Mean over (step, feature) of the root of the mean over samples; throws invalid_argument if
/// any value of either array is negative.
inline double root_mean_squared_log_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  detail::ml::require_log_domain(y_true, "y_true", "root_mean_squared_log_error");
  detail::ml::require_log_domain(y_pred, "y_pred", "root_mean_squared_log_error");
  const auto [n, h, f] = y_true.shape();
  double total = 0;
  for (std::size_t j = 0; j < h; ++j)
    for (std::size_t k = 0; k < f; ++k) {
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i)
        sum += detail::ml::log_error_squared(y_true(i, j, k), y_pred(i, j, k));
      total += std::sqrt(sum / static_cast<double>(n));
    }
  return total / static_cast<double>(h * f);
}

/// Mean over (step, feature) of the coefficient of determination across samples; NaN for
/// fewer than 2 samples.
inline double r_squared(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  const auto [n, h, f] = y_true.shape();
  if (n < 2) return detail::ml::nan;
  double total = 0;
  for (std::size_t j = 0; j < h; ++j)
    for (std::size_t k = 0; k < f; ++k) {
      double mean = 0, lo = y_true(0, j, k), hi = lo;
      for (std::size_t i = 0; i < n; ++i) {
        mean += y_true(i, j, k);
        lo = std::min(lo, y_true(i, j, k));
        hi = std::max(hi, y_true(i, j, k));
      }
      mean /= static_cast<double>(n);
      double residual = 0, spread = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double e = y_pred(i, j, k) - y_true(i, j, k), d = y_true(i, j, k) - mean;
        residual += e * e;
        spread += d * d;
      }
      if (lo == hi)
        total += residual == 0 ? 1.0 : 0.0;
      else
        total += 1.0 - residual / spread;
    }
  return total / static_cast<double>(h * f);
}

/// Mean over samples i, steps j >= 1 and features k of |a(i, j, k) - a(i, j - 1, k)|: the
/// error of the one-step naive forecast along axis 1. NaN when the array has fewer than 2
/// steps. naive_scale(y_true) is SimbaML's MASE denominator; naive_scale(inputs) uses the
/// input windows instead (the usual "in-sample" scale).
inline double naive_scale(const array3& a) {
  const auto [n, h, f] = a.shape();
  if (h < 2 || n == 0 || f == 0) return detail::ml::nan;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 1; j < h; ++j)
      for (std::size_t k = 0; k < f; ++k) sum += std::fabs(a(i, j, k) - a(i, j - 1, k));
  return sum / static_cast<double>(n * (h - 1) * f);
}

/// mean_absolute_error / scale, for a scale of your choosing (e.g. naive_scale(inputs)).
inline double mean_absolute_scaled_error(const array3& y_true, const array3& y_pred, double scale) {
  return mean_absolute_error(y_true, y_pred) / scale;
}

/// SimbaML's MASE: mean_absolute_error / naive_scale(y_true); NaN for a horizon of 1.
inline double mean_absolute_scaled_error(const array3& y_true, const array3& y_pred) {
  const double mae = mean_absolute_error(y_true, y_pred);
  return mae / naive_scale(y_true);
}

inline double mean_directional_accuracy(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  using detail::ml::sign;
  return detail::ml::per_sample_step_fraction(
      y_true, [&](std::size_t i, std::size_t j, std::size_t k) {
        const double before = y_true(i, j - 1, k);
        return sign(y_true(i, j, k) - before) == sign(y_pred(i, j, k) - before);
      });
}

inline double prediction_trend_accuracy(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  using detail::ml::sign;
  return detail::ml::per_sample_step_fraction(
      y_true, [&](std::size_t i, std::size_t j, std::size_t k) {
        return sign(y_true(i, j, k) - y_true(i, j - 1, k)) ==
               sign(y_pred(i, j, k) - y_pred(i, j - 1, k));
      });
}

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
inline forecast_scores score_forecast(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  forecast_scores s;
  s.r_squared = r_squared(y_true, y_pred);
  s.mean_absolute_error = mean_absolute_error(y_true, y_pred);
  s.mean_squared_error = mean_squared_error(y_true, y_pred);
  s.root_mean_squared_error = root_mean_squared_error(y_true, y_pred);
  s.normalized_root_mean_squared_error = normalized_root_mean_squared_error(y_true, y_pred);
  s.mean_absolute_percentage_error = mean_absolute_percentage_error(y_true, y_pred);
  const auto non_negative = [](const array3& a) {
    return std::all_of(a.data(), a.data() + a.size(), [](double x) { return x >= 0; });
  };
  if (non_negative(y_true) && non_negative(y_pred)) {
    s.mean_squared_log_error = mean_squared_log_error(y_true, y_pred);
    s.root_mean_squared_log_error = root_mean_squared_log_error(y_true, y_pred);
  }
  s.mean_absolute_scaled_error = mean_absolute_scaled_error(y_true, y_pred);
  s.mean_directional_accuracy = mean_directional_accuracy(y_true, y_pred);
  s.prediction_trend_accuracy = prediction_trend_accuracy(y_true, y_pred);
  return s;
}

}  // namespace odesynth
