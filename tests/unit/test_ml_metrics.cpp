// Forecast metrics on a hand-computed case (arithmetic written out), their ideal values for
// a perfect forecast, SimbaML's undefined cases (NaN) and typed errors for misuse.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <odesynth/ml/metrics.hpp>
#include <vector>

#include "arrays.hpp"
#include "expect_error.hpp"

using odesynth::array3;
using test_support::array3_of;
using test_support::caught;

TEST_CASE("forecast metrics on a hand-computed case", "[ml][metrics]") {
  // Two samples, horizon 2, one feature:
  //   y_true  sample 0: 1, 2    sample 1: 3, 5
  //   y_pred  sample 0: 2, 2    sample 1: 3, 1
  //   e = pred - true           sample 0: 1, 0    sample 1: 0, -4
  const array3 t = array3_of(2, 2, 1, {1, 2, 3, 5});
  const array3 p = array3_of(2, 2, 1, {2, 2, 3, 1});
  constexpr double relative_tolerance = 1e-14;

  // MAE = (1 + 0 + 0 + 4) / 4 = 1.25
  CHECK(odesynth::mean_absolute_error(t, p) == 1.25);
  // MSE = (1 + 0 + 0 + 16) / 4 = 4.25;  RMSE = sqrt(4.25)
  CHECK(odesynth::mean_squared_error(t, p) == 4.25);
  CHECK(odesynth::root_mean_squared_error(t, p) ==
        Approx(std::sqrt(4.25)).epsilon(relative_tolerance));
  // NRMSE = sqrt(4.25) / mean(1, 2, 3, 5) = sqrt(4.25) / 2.75
  CHECK(odesynth::normalized_root_mean_squared_error(t, p) ==
        Approx(std::sqrt(4.25) / 2.75).epsilon(relative_tolerance));
  // MAPE = (1/1 + 0/2 + 0/3 + 4/5) / 4 = 1.8 / 4 = 0.45
  CHECK(odesynth::mean_absolute_percentage_error(t, p) == Approx(0.45).epsilon(relative_tolerance));
  // R^2 per step over the samples, then averaged:
  //   step 0: t = 1, 3 (mean 2): SS_tot = 1 + 1 = 2,      SS_res = 1 + 0 = 1   -> 1/2
  //   step 1: t = 2, 5 (mean 3.5): SS_tot = 2.25 + 2.25 = 4.5, SS_res = 0 + 16 -> 1 - 16/4.5
  //   mean = (1/2 + 1 - 32/9) / 2 = -37/36
  CHECK(odesynth::r_squared(t, p) == Approx(-37.0 / 36.0).epsilon(relative_tolerance));
  // Log errors d = log(1 + t) - log(1 + p): sample 0 step 0: log(2/3); sample 1 step 1: log 3.
  //   MSLE = (log(2/3)^2 + log(3)^2) / 4
  const double d0 = std::log(2.0 / 3.0), d1 = std::log(3.0);
  CHECK(odesynth::mean_squared_log_error(t, p) ==
        Approx((d0 * d0 + d1 * d1) / 4).epsilon(relative_tolerance));
  //   RMSLE = mean over steps of sqrt(mean over samples): (|d0| / sqrt 2 + |d1| / sqrt 2) / 2,
  //   which is not sqrt(MSLE)
  const double rmsle = (std::fabs(d0) + std::fabs(d1)) / std::sqrt(2.0) / 2;
  CHECK(odesynth::root_mean_squared_log_error(t, p) == Approx(rmsle).epsilon(relative_tolerance));
  CHECK(rmsle != Approx(std::sqrt((d0 * d0 + d1 * d1) / 4)));
  // MASE: naive scale from y_true's own steps: (|2 - 1| + |5 - 3|) / 2 = 1.5; 1.25 / 1.5
  CHECK(odesynth::naive_scale(t) == 1.5);
  CHECK(odesynth::mean_absolute_scaled_error(t, p) ==
        Approx(1.25 / 1.5).epsilon(relative_tolerance));
  CHECK(odesynth::mean_absolute_scaled_error(t, p, 2.5) == 0.5);
  // MDA, per sample: sample 0: sign(2 - 1) = + vs sign(p1 - t0) = sign(2 - 1) = +: hit;
  //   sample 1: sign(5 - 3) = + vs sign(1 - 3) = -: miss.  (1 + 0) / 2
  CHECK(odesynth::mean_directional_accuracy(t, p) == 0.5);
  // PTA: sample 0: + vs sign(2 - 2) = 0: miss; sample 1: + vs sign(1 - 3) = -: miss.
  CHECK(odesynth::prediction_trend_accuracy(t, p) == 0);

  const auto all = odesynth::score_forecast(t, p);
  CHECK(all.mean_absolute_error == 1.25);
  CHECK(all.r_squared == Approx(-37.0 / 36.0).epsilon(relative_tolerance));
  CHECK(all.root_mean_squared_log_error == Approx(rmsle).epsilon(relative_tolerance));
  CHECK(all.prediction_trend_accuracy == 0);
}

TEST_CASE("directional accuracies compare each step with the one before", "[ml][metrics]") {
  // One sample, horizon 3: t = 1, 2, 1;  p = 1, 3, 2.5
  //   MDA: step 1: sign(2 - 1) = + vs sign(3 - 1) = +: hit; step 2: sign(1 - 2) = - vs
  //        sign(2.5 - 2) = +: miss -> 1/2
  //   PTA: step 1: + vs sign(3 - 1) = +: hit; step 2: - vs sign(2.5 - 3) = -: hit -> 1
  const array3 t = array3_of(1, 3, 1, {1, 2, 1});
  const array3 p = array3_of(1, 3, 1, {1, 3, 2.5});
  CHECK(odesynth::mean_directional_accuracy(t, p) == 0.5);
  CHECK(odesynth::prediction_trend_accuracy(t, p) == 1);
  // Two features, two samples: per-sample fractions, then their mean.
  //   sample 0 (both features hit: flat predicted flat, rise predicted rise) -> 1
  //   sample 1 (feature 0 hit, feature 1 predicted up where it fell)         -> 1/2
  const array3 t2 = array3_of(2, 2, 2, {0, 0, 0, 1, /**/ 5, 5, 6, 4});
  const array3 p2 = array3_of(2, 2, 2, {9, 9, 0, 2, /**/ 9, 9, 7, 6});
  CHECK(odesynth::mean_directional_accuracy(t2, p2) == 0.75);
}

TEST_CASE("a perfect forecast scores the ideal value of every metric", "[ml][metrics]") {
  const array3 t = array3_of(3, 3, 2, {1, 2, 3, 4, 5, 6, 2, 2, 3, 1, 4, 4, 9, 8, 7, 8, 9, 9});
  const auto s = odesynth::score_forecast(t, t);
  CHECK(s.r_squared == 1);
  CHECK(s.mean_absolute_error == 0);
  CHECK(s.mean_squared_error == 0);
  CHECK(s.root_mean_squared_error == 0);
  CHECK(s.normalized_root_mean_squared_error == 0);
  CHECK(s.mean_absolute_percentage_error == 0);
  CHECK(s.mean_squared_log_error == 0);
  CHECK(s.root_mean_squared_log_error == 0);
  CHECK(s.mean_absolute_scaled_error == 0);
  CHECK(s.mean_directional_accuracy == 1);
  CHECK(s.prediction_trend_accuracy == 1);
}

TEST_CASE("undefined metrics are NaN as in SimbaML", "[ml][metrics]") {
  const array3 t = array3_of(2, 2, 1, {0, 1, 2, 3});
  const array3 p = array3_of(2, 2, 1, {1, 1, 2, 3});
  CHECK(std::isnan(odesynth::mean_absolute_percentage_error(t, p)));  // a true value is 0
  const array3 one = array3_of(1, 2, 1, {1, 2});
  CHECK(std::isnan(odesynth::r_squared(one, one)));  // fewer than 2 samples
  const array3 flat = array3_of(2, 1, 1, {1, 2});
  CHECK(std::isnan(odesynth::mean_absolute_scaled_error(flat, flat)));  // horizon 1
  CHECK(std::isnan(odesynth::mean_directional_accuracy(flat, flat)));
  CHECK(std::isnan(odesynth::prediction_trend_accuracy(flat, flat)));
  // A constant true column: R^2 is 1 if predicted exactly, else 0 (scikit-learn's rule).
  const array3 c = array3_of(3, 1, 1, {0.1, 0.1, 0.1});
  CHECK(odesynth::r_squared(c, c) == 1);
  CHECK(odesynth::r_squared(c, array3_of(3, 1, 1, {0.1, 0.2, 0.1})) == 0);
  // Zero mean of y_true: NRMSE divides by zero.
  CHECK(std::isinf(odesynth::normalized_root_mean_squared_error(array3_of(2, 1, 1, {-1, 1}),
                                                                array3_of(2, 1, 1, {0, 1}))));
  // score_forecast leaves the log metrics NaN for negative values instead of throwing.
  const auto s =
      odesynth::score_forecast(array3_of(2, 2, 1, {-1, 1, 2, 3}), array3_of(2, 2, 1, {1, 1, 2, 3}));
  CHECK(std::isnan(s.mean_squared_log_error));
  CHECK(s.mean_absolute_error == 0.5);
}

TEST_CASE("metric misuse is a typed error naming field and value", "[ml][metrics][errors]") {
  const array3 a = array3_of(2, 2, 1, {1, 2, 3, 4});
  const array3 b = array3_of(2, 1, 1, {1, 2});
  auto e = caught([&] { odesynth::mean_absolute_error(a, b); });
  CHECK(e.field() == "y_pred.shape");
  CHECK(e.value() == "[2, 1, 1]");
  CHECK_THAT(e.what(), Catch::Contains("[2, 2, 1]"));
  e = caught([&] { odesynth::mean_squared_log_error(a, array3_of(2, 2, 1, {1, 2, -1, 4})); });
  CHECK(e.field() == "y_pred(1, 0, 0)");
  CHECK(e.value() == "-1");
  e = caught([&] { odesynth::root_mean_squared_log_error(array3_of(2, 2, 1, {1, -2, 3, 4}), a); });
  CHECK(e.field() == "y_true(0, 1, 0)");
  e = caught([&] { odesynth::r_squared(a, array3_of(2, 2, 1, {1, 2, std::nan(""), 4})); });
  CHECK(e.field() == "y_pred(1, 0, 0)");
  CHECK(e.value() == "nan");
  e = caught([&] { odesynth::mean_absolute_error(array3(0, 2, 1), array3(0, 2, 1)); });
  CHECK(e.field() == "y_true.shape");
}
