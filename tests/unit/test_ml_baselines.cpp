// Baseline forecasts on a hand case: last value, window mean (missing inputs skipped),
// training mean per species; target-to-input mapping and its errors; end to end from
// trajectories through windows to metrics.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <odesynth/ml.hpp>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "expect_error.hpp"
#include "trajectories.hpp"

using odesynth::array3;
using odesynth::target_columns;
using odesynth::trajectory;
using test_support::array3_of;
using test_support::caught;
using test_support::flat;
using test_support::from_rows;

TEST_CASE("baselines on a hand case", "[ml][baselines]") {
  // X: 2 windows x 3 steps x inputs (a, b)
  //   window 0: a 1, 2, 3    b 10, 20, 60
  //   window 1: a 4, 5, 6    b 7, missing, 1
  const array3 x =
      array3_of(2, 3, 2, {1, 10, 2, 20, 3, 60, /**/ 4, 7, 5, test_support::missing, 6, 1});
  const target_columns map({"a", "b"}, {"b", "a"});
  CHECK(map.columns() == std::vector<std::size_t>{1, 0});

  // Last value, horizon 2, targets (b, a): window 0 (60, 3), window 1 (1, 6) at each step.
  const auto last = odesynth::predict_last_value(x, map, 2);
  CHECK(last.shape() == array3::shape_type{2, 2, 2});
  CHECK(flat(last) == std::vector<double>{60, 3, 60, 3, /**/ 1, 6, 1, 6});
  // Window mean: window 0 b (10 + 20 + 60) / 3 = 30, a 2; window 1 b (7 + 1) / 2 = 4
  // (missing skipped), a 5.
  const auto mean = odesynth::predict_window_mean(x, map, 2);
  CHECK(flat(mean) == std::vector<double>{30, 2, 30, 2, /**/ 4, 5, 4, 5});

  // A species with no observed input predicts NaN.
  const array3 gap = array3_of(1, 2, 2, {1, test_support::missing, 2, test_support::missing});
  CHECK(std::isnan(odesynth::predict_last_value(gap, map, 1)(0, 0, 0)));
  CHECK(std::isnan(odesynth::predict_window_mean(gap, map, 1)(0, 0, 0)));
  CHECK(odesynth::predict_window_mean(gap, map, 1)(0, 0, 1) == 1.5);
}

TEST_CASE("training_mean_predictor keeps one mean per species", "[ml][baselines]") {
  // a observed 1, 2, 6 -> 3;  b observed 10, 30 -> 20
  const std::vector<trajectory> train{from_rows({"a", "b"}, {{1, 10}, {2, test_support::missing}}),
                                      from_rows({"a", "b"}, {{6, 30}})};
  const odesynth::training_mean_predictor m(train, {"b", "a"});
  CHECK(m.means() == std::vector<double>{20, 3});
  CHECK(flat(m.predict(2, 1)) == std::vector<double>{20, 3, 20, 3});
  CHECK(caught([&] { odesynth::training_mean_predictor(train, {"c"}); }).value() == "c");
}

TEST_CASE("baseline errors name the target and the shape", "[ml][baselines][errors]") {
  auto e = caught([] { target_columns({"a", "b"}, {"c"}); });
  CHECK(e.field() == "target_species");
  CHECK(e.value() == "c");
  CHECK_THAT(e.what(), Catch::Contains("[a, b]"));
  const target_columns map({"a", "b"}, {"b"});
  e = caught([&] { odesynth::predict_last_value(array3(1, 2, 3), map, 1); });
  CHECK(e.field() == "inputs.shape");
  CHECK(e.value() == "[1, 2, 3]");
  CHECK(caught([&] { odesynth::predict_window_mean(array3(1, 2, 2), map, 0); }).field() ==
        "horizon");
}

TEST_CASE("trajectories to windows to baselines to metrics", "[ml][baselines][metrics]") {
  // a rises by 1 per row, b stays at 5. Windows of 2 inputs, horizon 1, stride 1.
  const std::vector<trajectory> data{from_rows({"a", "b"}, {{0, 5}, {1, 5}, {2, 5}, {3, 5}})};
  odesynth::window_options o;
  o.input_length = 2;
  o.horizon = 1;
  o.target_species = {"a"};
  const auto w = odesynth::make_windows(data, o);
  REQUIRE(w.size() == 2);  // targets a = 2, 3
  // Last value predicts 1, 2: always 1 short.  Window mean predicts 0.5, 1.5: 1.5 short.
  const auto last = odesynth::predict_last_value(w);
  const auto mean = odesynth::predict_window_mean(w);
  CHECK(flat(last) == std::vector<double>{1, 2});
  CHECK(flat(mean) == std::vector<double>{0.5, 1.5});
  CHECK(odesynth::mean_absolute_error(w.targets, last) == 1);
  CHECK(odesynth::mean_absolute_error(w.targets, mean) == 1.5);
}
