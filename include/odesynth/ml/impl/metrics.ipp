// odesynth/ml/impl/metrics.ipp - the non-template code of ml/metrics.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "../metrics.hpp"

namespace odesynth {

namespace detail::ml {

ODESYNTH_INLINE void require_comparable(const array3& y_true, const array3& y_pred) {
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

ODESYNTH_INLINE void require_log_domain(const array3& a, const char* name, const char* metric) {
  const auto [n, h, f] = a.shape();
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < h; ++j)
      for (std::size_t k = 0; k < f; ++k)
        if (a(i, j, k) < 0)
          throw_invalid(fmt::format("{}({}, {}, {})", name, i, j, k), a(i, j, k),
                        fmt::format("a value >= 0: {} takes log(1 + value)", metric));
}

}  // namespace detail::ml

ODESYNTH_INLINE double mean_absolute_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  return detail::ml::mean_over_all(y_true, y_pred,
                                   [](double t, double p) { return std::fabs(p - t); });
}

ODESYNTH_INLINE double mean_squared_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  return detail::ml::mean_over_all(y_true, y_pred,
                                   [](double t, double p) { return (p - t) * (p - t); });
}

ODESYNTH_INLINE double root_mean_squared_error(const array3& y_true, const array3& y_pred) {
  return std::sqrt(mean_squared_error(y_true, y_pred));
}

ODESYNTH_INLINE double normalized_root_mean_squared_error(const array3& y_true,
                                                          const array3& y_pred) {
  const double rmse = root_mean_squared_error(y_true, y_pred);
  const double mean = detail::ml::mean_over_all(y_true, y_true, [](double t, double) { return t; });
  return rmse / mean;
}

ODESYNTH_INLINE double mean_absolute_percentage_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  const double* t = y_true.data();
  if (std::any_of(t, t + y_true.size(), [](double x) { return x == 0; })) return detail::ml::nan;
  return detail::ml::mean_over_all(
      y_true, y_pred, [](double tv, double pv) { return std::fabs(pv - tv) / std::fabs(tv); });
}

ODESYNTH_INLINE double mean_squared_log_error(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  detail::ml::require_log_domain(y_true, "y_true", "mean_squared_log_error");
  detail::ml::require_log_domain(y_pred, "y_pred", "mean_squared_log_error");
  return detail::ml::mean_over_all(y_true, y_pred, detail::ml::log_error_squared);
}

ODESYNTH_INLINE double root_mean_squared_log_error(const array3& y_true, const array3& y_pred) {
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

ODESYNTH_INLINE double r_squared(const array3& y_true, const array3& y_pred) {
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

ODESYNTH_INLINE double naive_scale(const array3& a) {
  const auto [n, h, f] = a.shape();
  if (h < 2 || n == 0 || f == 0) return detail::ml::nan;
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 1; j < h; ++j)
      for (std::size_t k = 0; k < f; ++k) sum += std::fabs(a(i, j, k) - a(i, j - 1, k));
  return sum / static_cast<double>(n * (h - 1) * f);
}

ODESYNTH_INLINE double mean_absolute_scaled_error(const array3& y_true, const array3& y_pred,
                                                  double scale) {
  return mean_absolute_error(y_true, y_pred) / scale;
}

ODESYNTH_INLINE double mean_absolute_scaled_error(const array3& y_true, const array3& y_pred) {
  const double mae = mean_absolute_error(y_true, y_pred);
  return mae / naive_scale(y_true);
}

ODESYNTH_INLINE double mean_directional_accuracy(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  using detail::ml::sign;
  return detail::ml::per_sample_step_fraction(
      y_true, [&](std::size_t i, std::size_t j, std::size_t k) {
        const double before = y_true(i, j - 1, k);
        return sign(y_true(i, j, k) - before) == sign(y_pred(i, j, k) - before);
      });
}

ODESYNTH_INLINE double prediction_trend_accuracy(const array3& y_true, const array3& y_pred) {
  detail::ml::require_comparable(y_true, y_pred);
  using detail::ml::sign;
  return detail::ml::per_sample_step_fraction(
      y_true, [&](std::size_t i, std::size_t j, std::size_t k) {
        return sign(y_true(i, j, k) - y_true(i, j - 1, k)) ==
               sign(y_pred(i, j, k) - y_pred(i, j - 1, k));
      });
}

ODESYNTH_INLINE forecast_scores score_forecast(const array3& y_true, const array3& y_pred) {
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
