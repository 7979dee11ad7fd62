// Forecasting windows: counts and contents on a hand-computed case, no window across a
// missing value or a trajectory boundary (unless allow_missing), and typed errors naming the
// field and the value.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <memory>
#include <odesynth/ml/windows.hpp>
#include <string>
#include <vector>

#include "arrays.hpp"
#include "expect_error.hpp"
#include "trajectories.hpp"

using odesynth::array3;
using odesynth::make_windows;
using odesynth::trajectory;
using odesynth::window_options;
using odesynth::window_origin;
using test_support::caught;
using test_support::flat;
using test_support::from_rows;

namespace {

// A: 6 rows, a = 1..6, b = 10 a.  B: 4 rows, a = 100.., b = 200..  C: 2 rows.
std::vector<trajectory> three_series() {
  return {from_rows({"a", "b"}, {{1, 10}, {2, 20}, {3, 30}, {4, 40}, {5, 50}, {6, 60}}),
          from_rows({"a", "b"}, {{100, 200}, {101, 201}, {102, 202}, {103, 203}}),
          from_rows({"a", "b"}, {{900, 900}, {901, 901}})};
}

}  // namespace

TEST_CASE("make_windows: counts and contents of a hand-computed case", "[ml][windows]") {
  window_options o;
  o.input_length = 2;
  o.horizon = 1;
  o.input_species = {"a", "b"};
  o.target_species = {"b"};

  SECTION("stride 2") {
    o.stride = 2;
    // A (6 rows, span 3): starts 0 and 2 (4 + 3 > 6).  B (4 rows): start 0 (2 + 3 > 4).
    // C (2 rows) is shorter than the span: no window.
    const auto w = make_windows(three_series(), o);
    REQUIRE(w.size() == 3);
    CHECK(w.inputs.shape() == array3::shape_type{3, 2, 2});
    CHECK(w.targets.shape() == array3::shape_type{3, 1, 1});
    CHECK(flat(w.inputs) == std::vector<double>{1, 10, 2, 20,        // A rows 0-1
                                                3, 30, 4, 40,        // A rows 2-3
                                                100, 200, 101, 201}  // B rows 0-1
    );
    CHECK(flat(w.targets) == std::vector<double>{30, 50, 202});  // b at A row 2, 4; B row 2
    CHECK(w.origins == std::vector<window_origin>{{0, 0}, {0, 2}, {1, 0}});
    CHECK(w.input_species == std::vector<std::string>{"a", "b"});
    CHECK(w.target_species == std::vector<std::string>{"b"});
    CHECK(w.skipped_missing == 0);
  }
  SECTION("stride 1 gives T - input_length - horizon + 1 per series, as SimbaML") {
    o.stride = 1;
    const auto w = make_windows(three_series(), o);
    CHECK(w.size() == (6 - 3 + 1) + (4 - 3 + 1));  // 4 + 2 + 0
    CHECK(w.origins.back() == window_origin{1, 1});
    CHECK(w.targets(5, 0, 0) == 203);
  }
  SECTION("horizon 2 and species in the order asked, not the column order") {
    o.horizon = 2;
    o.stride = 1;
    o.input_species = {"b", "a"};
    o.target_species = {"a", "b"};
    const auto w = make_windows(three_series(), o);
    REQUIRE(w.size() == 3 + 1);  // A: 6 - 4 + 1; B: 4 - 4 + 1
    CHECK(w.inputs(0, 0, 0) == 10);
    CHECK(w.inputs(0, 0, 1) == 1);
    // window 1 of A: inputs rows 1-2, targets rows 3-4
    CHECK(flat(w.targets).size() == 4 * 2 * 2);
    CHECK(w.targets(1, 0, 0) == 4);
    CHECK(w.targets(1, 0, 1) == 40);
    CHECK(w.targets(1, 1, 0) == 5);
    CHECK(w.targets(1, 1, 1) == 50);
  }
  SECTION("empty species lists take every column") {
    o.input_species.clear();
    o.target_species.clear();
    const auto w = make_windows(three_series(), o);
    CHECK(w.input_species == std::vector<std::string>{"a", "b"});
    CHECK(w.targets.extent(2) == 2);
  }
}

TEST_CASE("make_windows: no window spans a missing value or a trajectory boundary",
          "[ml][windows]") {
  // b missing at row 3 of A.
  std::vector<trajectory> data{
      from_rows({"a", "b"},
                {{1, 10}, {2, 20}, {3, 30}, {4, test_support::missing}, {5, 50}, {6, 60}}),
      from_rows({"a", "b"}, {{100, 200}, {101, 201}, {102, 202}, {103, 203}})};
  window_options o;
  o.input_length = 2;
  o.horizon = 1;
  o.input_species = {"a", "b"};
  o.target_species = {"b"};

  SECTION("windows touching the missing b are skipped, the stride grid stays") {
    // Starts in A: 0 (rows 0-1 -> 2) ok; 1 (target row 3) skipped; 2 (input row 3) skipped;
    // 3 (input row 3) skipped.  B: 0 and 1.
    const auto w = make_windows(data, o);
    CHECK(w.origins == std::vector<window_origin>{{0, 0}, {1, 0}, {1, 1}});
    CHECK(w.skipped_missing == 3);
    for (std::size_t i = 0; i < w.inputs.size(); ++i) CHECK_FALSE(std::isnan(w.inputs.data()[i]));
    // no window mixes A (values < 100) and B (values >= 100)
    for (std::size_t n = 0; n < w.size(); ++n) {
      const bool from_b = w.inputs(n, 0, 0) >= 100;
      CHECK((w.inputs(n, 1, 0) >= 100) == from_b);
      CHECK((w.targets(n, 0, 0) >= 100) == from_b);
    }
  }
  SECTION("a missing value outside the selected columns does not matter") {
    o.input_species = {"a"};
    o.target_species = {"a"};
    CHECK(make_windows(data, o).size() == 4 + 2);
  }
  SECTION("a missing input-only species does not block a target row, and vice versa") {
    // b missing at row 3 is an input column only: windows whose *inputs* avoid row 3 stay,
    // even if row 3 is a target row (only a is a target).
    o.input_species = {"a", "b"};
    o.target_species = {"a"};
    const auto w = make_windows(data, o);
    CHECK(w.origins == std::vector<window_origin>{{0, 0}, {0, 1}, {1, 0}, {1, 1}});
  }
  SECTION("allow_missing keeps every window and copies the NaN") {
    o.allow_missing = true;
    const auto w = make_windows(data, o);
    CHECK(w.size() == 4 + 2);
    CHECK(w.skipped_missing == 0);
    CHECK(std::isnan(w.targets(1, 0, 0)));  // start 1: target row 3
    CHECK(std::isnan(w.inputs(2, 1, 1)));   // start 2: input rows 2-3, b at row 3
    CHECK(w.inputs(2, 1, 0) == 4);
  }
  SECTION("a stale value under a false mask counts as missing") {
    data[0].values()(3, 1) = 40;  // mask still false
    CHECK(make_windows(data, o).size() == 3);
    o.allow_missing = true;
    CHECK(std::isnan(make_windows(data, o).targets(1, 0, 0)));
  }
}

TEST_CASE("make_windows: bad options are typed errors naming field and value",
          "[ml][windows][errors]") {
  const auto data = three_series();  // longest series: 6 rows
  window_options o;
  o.input_length = 2;
  o.horizon = 1;

  SECTION("input_length 0") {
    o.input_length = 0;
    const auto e = caught([&] { make_windows(data, o); });
    CHECK(e.field() == "window_options.input_length");
    CHECK(e.value() == "0");
  }
  SECTION("horizon 0") {
    o.horizon = 0;
    CHECK(caught([&] { make_windows(data, o); }).field() == "window_options.horizon");
  }
  SECTION("stride 0") {
    o.stride = 0;
    CHECK(caught([&] { make_windows(data, o); }).field() == "window_options.stride");
  }
  SECTION("a window longer than every series names the longest") {
    o.input_length = 6;
    auto e = caught([&] { make_windows(data, o); });
    CHECK(e.field() == "window_options.input_length");
    CHECK(e.value() == "6");
    CHECK_THAT(e.what(), Catch::Contains("less than 6"));
    o.input_length = 2;
    o.horizon = 5;
    e = caught([&] { make_windows(data, o); });
    CHECK(e.field() == "window_options.horizon");
    CHECK(e.value() == "5");
    CHECK_THAT(e.what(), Catch::Contains("at most 4") && Catch::Contains("6 rows"));
    o.horizon = 4;  // exactly the longest series: one window from A
    CHECK(make_windows(data, o).size() == 1);
  }
  SECTION("an unknown species lists the known ones") {
    o.target_species = {"b", "c"};
    const auto e = caught([&] { make_windows(data, o); });
    CHECK(e.field() == "window_options.target_species");
    CHECK(e.value() == "c");
    CHECK_THAT(e.what(), Catch::Contains("[a, b]") && Catch::Contains("trajectory 0"));
  }
  SECTION("a species missing from one trajectory names that trajectory") {
    auto mixed = data;
    mixed.push_back(from_rows({"a"}, {{1}, {2}, {3}}));
    o.input_species = {"b"};
    const auto e = caught([&] { make_windows(mixed, o); });
    CHECK_THAT(e.what(), Catch::Contains("trajectory 3") && Catch::Contains("[a]"));
  }
  SECTION("repeated species names") {
    o.input_species = {"a", "a"};
    CHECK(caught([&] { make_windows(data, o); }).field() == "window_options.input_species");
  }
  SECTION("no trajectories") {
    CHECK(caught([&] { make_windows({}, o); }).field() == "trajectories.size()");
  }
}

TEST_CASE("array3 is row-major and checks indices in at()", "[ml][array3]") {
  array3 a(2, 3, 4);
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = double(i);
  CHECK(a(1, 2, 3) == (1 * 3 + 2) * 4 + 3);
  CHECK(a(0, 1, 0) == 4);
  CHECK(a.at(1, 0, 2) == 14);
  const auto e = caught([&] { (void)a.at(2, 0, 0); });
  CHECK(e.value() == "(2, 0, 0)");
  CHECK_THAT(e.what(), Catch::Contains("[2, 3, 4]"));
}
