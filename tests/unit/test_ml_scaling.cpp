// Feature scaling: statistics from the training trajectories only (held-out data with other
// statistics leaves them unchanged), missing values ignored and kept missing, constant
// species shifted without NaN, exact round trips, and typed errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <odesynth/ml/scaling.hpp>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "trajectories.hpp"

using odesynth::array3;
using odesynth::feature_scaler;
using odesynth::scaling_method;
using odesynth::trajectory;
using test_support::caught;
using test_support::from_rows;

namespace {

// a observed 1, 2, 3, 6 (one missing); b constant 4.
std::vector<trajectory> train_set() {
  return {from_rows({"a", "b"}, {{1, 4}, {2, 4}, {3, 4}}),
          from_rows({"a", "b"}, {{6, 4}, {test_support::missing, 4}})};
}

// Held-out data with very different statistics.
trajectory test_series() { return from_rows({"a", "b"}, {{100, 7}, {200, test_support::missing}}); }

}  // namespace

TEST_CASE("standard scaling fits mean and population sd on training data only", "[ml][scaling]") {
  const feature_scaler s(scaling_method::standard, train_set());
  // a: mean (1 + 2 + 3 + 6) / 4 = 3; squared deviations 4 + 1 + 0 + 9 = 14; sd sqrt(14 / 4).
  CHECK(s.species() == std::vector<std::string>{"a", "b"});
  CHECK(s.offset("a") == 3);
  CHECK(s.scale("a") == Approx(std::sqrt(3.5)).epsilon(1e-15));
  // b is constant: sd 0 becomes 1, so b is only shifted.
  CHECK(s.offset("b") == 4);
  CHECK(s.scale("b") == 1);

  auto t = test_series();
  s.transform(t);
  CHECK(t.values()(0, 0) == Approx((100 - 3) / std::sqrt(3.5)));
  CHECK(t.values()(1, 0) == Approx((200 - 3) / std::sqrt(3.5)));
  CHECK(t.values()(0, 1) == 3);  // 7 - 4
  CHECK(std::isnan(t.values()(1, 1)));
  CHECK_FALSE(t.mask()(1, 1));
  // The held-out series did not move the statistics: a scaler fitted with it would differ.
  auto with_test = train_set();
  with_test.push_back(test_series());
  const feature_scaler leaked(scaling_method::standard, with_test);
  CHECK(leaked.offset("a") != s.offset("a"));
  CHECK(s.offset("a") == 3);

  s.inverse_transform(t);
  CHECK(t.values()(0, 0) == Approx(100).epsilon(1e-14));
  CHECK(t.values()(1, 0) == Approx(200).epsilon(1e-14));
  CHECK(t.values()(0, 1) == 7);
  CHECK(std::isnan(t.values()(1, 1)));

  // Training data scaled with its own statistics: mean 0 and sd 1 over observed values.
  auto train = train_set();
  for (auto& tr : train) s.transform(tr);
  const double a[] = {train[0].values()(0, 0), train[0].values()(1, 0), train[0].values()(2, 0),
                      train[1].values()(0, 0)};
  CHECK(a[0] + a[1] + a[2] + a[3] == Approx(0).margin(1e-14));
  CHECK((a[0] * a[0] + a[1] * a[1] + a[2] * a[2] + a[3] * a[3]) / 4 == Approx(1).epsilon(1e-14));
  CHECK(train[0].values()(1, 1) == 0);  // constant b: 4 - 4, no NaN
}

TEST_CASE("min-max scaling maps training values to 0..1 and a constant species to 0",
          "[ml][scaling]") {
  const feature_scaler s(scaling_method::min_max, train_set(), {"b", "a"});
  CHECK(s.species() == std::vector<std::string>{"b", "a"});
  CHECK(s.offsets() == std::vector<double>{4, 1});  // b min 4; a min 1
  CHECK(s.scales() == std::vector<double>{1, 5});   // b range 0 -> 1; a range 6 - 1
  auto train = train_set();
  s.transform(train[0]);
  CHECK(train[0].values()(0, 0) == 0);
  CHECK(train[0].values()(2, 0) == 0.4);  // (3 - 1) / 5
  CHECK(train[0].values()(0, 1) == 0);
  s.transform(train[1]);
  CHECK(train[1].values()(0, 0) == 1);
}

TEST_CASE("scalers transform window arrays by species name and round-trip", "[ml][scaling]") {
  const feature_scaler s(scaling_method::standard, train_set());
  array3 x(2, 2, 2);
  for (std::size_t i = 0; i < x.size(); ++i) x.data()[i] = 0.5 * double(i) - 1;
  const array3 original = x;
  // Last axis holds (b, a): each column by its own name.
  s.transform(x, {"b", "a"});
  CHECK(x(0, 0, 0) == original(0, 0, 0) - 4);
  CHECK(x(1, 1, 1) == Approx((original(1, 1, 1) - 3) / std::sqrt(3.5)));
  s.inverse_transform(x, {"b", "a"});
  for (std::size_t i = 0; i < x.size(); ++i)
    CHECK(x.data()[i] == Approx(original.data()[i]).margin(1e-14));

  odesynth::window_set w;
  w.inputs = array3(1, 1, 2, 5.0);
  w.input_species = {"a", "b"};
  w.targets = array3(1, 1, 1, 5.0);
  w.target_species = {"b"};
  s.transform(w);
  CHECK(w.inputs(0, 0, 0) == Approx(2 / std::sqrt(3.5)));
  CHECK(w.inputs(0, 0, 1) == 1);
  CHECK(w.targets(0, 0, 0) == 1);
  s.inverse_transform(w);
  CHECK(w.targets(0, 0, 0) == 5);
}

TEST_CASE("feature_scaler errors name the field and the value", "[ml][scaling][errors]") {
  const feature_scaler s(scaling_method::standard, train_set());
  array3 x(1, 1, 2);
  auto e = caught([&] { s.transform(x, {"a", "c"}); });
  CHECK(e.field() == "feature_scaler.species");
  CHECK(e.value() == "c");
  CHECK_THAT(e.what(), Catch::Contains("[a, b]"));
  CHECK(caught([&] { s.transform(x, {"a"}); }).field() == "feature_scaler species");
  auto only_a = from_rows({"a"}, {{1}});
  e = caught([&] { s.transform(only_a); });
  CHECK(e.value() == "b");
  e = caught([] { feature_scaler(scaling_method::min_max, {}); });
  CHECK(e.field() == "feature_scaler.train.size()");
  e = caught([] {
    feature_scaler(
        scaling_method::standard,
        {from_rows({"a", "b"}, {{1, test_support::missing}, {2, test_support::missing}})});
  });
  CHECK(e.field() == "feature_scaler.species");
  CHECK(e.value() == "b");
  CHECK_THAT(e.what(), Catch::Contains("observed"));
  CHECK(caught([] { feature_scaler(scaling_method::standard, train_set(), {"z"}); }).value() ==
        "z");
}
