// Time grids: construction, exact endpoints, validation messages.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <odesynth/time_grid.hpp>

using Catch::Contains;
using odesynth::invalid_argument;
using odesynth::time_grid;

TEST_CASE("linspace: count points with exact endpoints and equal spacing", "[time_grid]") {
  const auto g = time_grid::linspace(0.0, 1.0, 11);
  REQUIRE(g.size() == 11);
  CHECK(g.front() == 0.0);
  CHECK(g.back() == 1.0);
  CHECK(g.start() == 0.0);
  for (std::size_t i = 0; i < g.size(); ++i) CHECK(g[i] == Approx(0.1 * static_cast<double>(i)));
  const auto one = time_grid::linspace(2.5, 2.5, 1);
  CHECK(one.times() == std::vector<double>{2.5});
}

TEST_CASE("linspace computes times as numpy does so whole-number grids hold whole numbers",
          "[time_grid]") {
  // Users join trajectories on time: linspace(0, 60, 61)[31] was 31.000000000000004.
  const auto minutes = time_grid::linspace(0, 60, 61);
  for (std::size_t i = 0; i < minutes.size(); ++i) CHECK(minutes[i] == static_cast<double>(i));
  const auto centred = time_grid::linspace(-5, 5, 11);
  for (std::size_t i = 0; i < centred.size(); ++i) CHECK(centred[i] == static_cast<double>(i) - 5);
  const auto hours = time_grid::linspace(0, 1e6, 1000001);
  for (std::size_t i = 0; i < hours.size(); i += 997) CHECK(hours[i] == static_cast<double>(i));
  // numpy.linspace(0, 1, 11), digit for digit (its rounding is i * 0.1, not i / 10).
  CHECK(time_grid::linspace(0, 1, 11).times() ==
        std::vector<double>{0.0, 0.1, 0.2, 0.30000000000000004, 0.4, 0.5, 0.6000000000000001,
                            0.7000000000000001, 0.8, 0.9, 1.0});
  // numpy's algorithm in general: step = (last - first) / (n - 1), y = i * step + first, the
  // last value exactly `last`.
  struct spec {
    double first, last;
    std::size_t count;
  };
  for (const spec& c :
       {spec{0.1, 0.7, 7}, spec{-3.3, 17.9, 53}, spec{1e-3, 2.5, 1000}, spec{100, 100.3, 4}}) {
    CAPTURE(c.first, c.last, c.count);
    const auto g = time_grid::linspace(c.first, c.last, c.count);
    const double step = (c.last - c.first) / static_cast<double>(c.count - 1);
    for (std::size_t i = 0; i + 1 < c.count; ++i)
      CHECK(g[i] == static_cast<double>(i) * step + c.first);
    CHECK(g.back() == c.last);
  }
}

TEST_CASE("logspace computes times as numpy.geomspace does so decades are powers of ten",
          "[time_grid]") {
  CHECK(time_grid::logspace(1, 1000, 4).times() == std::vector<double>{1, 10, 100, 1000});
  CHECK(time_grid::logspace(1e-3, 1e3, 7).times() ==
        std::vector<double>{1e-3, 1e-2, 1e-1, 1, 10, 100, 1000});
  const auto g = time_grid::logspace(1e-6, 1e4, 11);
  for (std::size_t i = 0; i < g.size(); ++i)
    CHECK(g[i] == std::pow(10.0, static_cast<double>(i) - 6));
  // The general formula: 10^(i * step + log10(first)), end points exactly as given.
  const auto h = time_grid::logspace(0.3, 70, 9);
  const double step = (std::log10(70.0) - std::log10(0.3)) / 8;
  for (std::size_t i = 1; i + 1 < h.size(); ++i)
    CHECK(h[i] == std::pow(10.0, static_cast<double>(i) * step + std::log10(0.3)));
  CHECK((h.front() == 0.3 && h.back() == 70));
}

TEST_CASE("logspace: log-spaced times between the given times", "[time_grid]") {
  const auto g = time_grid::logspace(1e-3, 1e3, 7);
  REQUIRE(g.size() == 7);
  CHECK(g.front() == 1e-3);
  CHECK(g.back() == 1e3);
  for (std::size_t i = 1; i < g.size(); ++i) CHECK(g[i] / g[i - 1] == Approx(10.0));
  CHECK(g.with_start(0.0).start() == 0.0);
}

TEST_CASE("explicit times and an earlier integration start", "[time_grid]") {
  const auto g = time_grid::from_times({0.5, 0.75, 3.0}).with_start(-2.0);
  CHECK(g.start() == -2.0);
  CHECK(g.times() == std::vector<double>{0.5, 0.75, 3.0});
  CHECK(g == time_grid::from_times({0.5, 0.75, 3.0}).with_start(-2.0));
  CHECK(g != time_grid::from_times({0.5, 0.75, 3.0}));
}

TEST_CASE("grids print what they hold", "[time_grid]") {
  CHECK(fmt::format("{}", time_grid::linspace(0, 10, 101)) ==
        "time_grid(101 times in [0, 10], start 0)");
  CHECK(fmt::format("{}", time_grid::logspace(1e-6, 1e4, 11).with_start(0)) ==
        "time_grid(11 times in [1e-06, 10000], start 0)");
}

TEST_CASE("bad grids are typed errors naming the field and the value", "[time_grid][input]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct bad_case {
    const char* what;
    std::function<time_grid()> make;
    const char* field;
    const char* value;
  };
  const std::vector<bad_case> cases{
      {"empty", [] { return time_grid::from_times({}); }, "time_grid.times", "[]"},
      {"single point where two are needed", [] { return time_grid::linspace(0, 1, 1); },
       "time_grid::linspace.count", "1"},
      {"zero points", [] { return time_grid::linspace(0, 1, 0); }, "time_grid::linspace.count",
       "0"},
      {"NaN entry",
       [&] {
         return time_grid::from_times({0, nan, 2});
       },
       "time_grid.times", "t[1]=nan"},
      {"infinite entry",
       [&] {
         return time_grid::from_times({0, 1, inf});
       },
       "time_grid.times", "t[2]=inf"},
      {"non-increasing",
       [] {
         return time_grid::from_times({0, 0.5, 0.25});
       },
       "time_grid.times", "t[2]=0.25 <= t[1]=0.5"},
      {"duplicate",
       [] {
         return time_grid::from_times({0, 1, 1, 2});
       },
       "time_grid.times", "t[2]=1 <= t[1]=1"},
      {"end before start", [] { return time_grid::linspace(1, 0, 5); }, "time_grid::linspace.last",
       "0"},
      {"NaN endpoint", [&] { return time_grid::linspace(nan, 1, 5); }, "time_grid::linspace.first",
       "nan"},
      {"log-spaced from 0", [] { return time_grid::logspace(0, 10, 5); },
       "time_grid::logspace.first", "0"},
      {"log-spaced reversed", [] { return time_grid::logspace(10, 1, 5); },
       "time_grid::logspace.last", "1"},
      {"start after the first time", [] { return time_grid::linspace(0, 1, 3).with_start(0.5); },
       "time_grid.start", "0.5"},
      {"NaN start", [&] { return time_grid::linspace(0, 1, 3).with_start(nan); }, "time_grid.start",
       "nan"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    try {
      (void)c.make();
      FAIL("no exception for " << c.what);
    } catch (const invalid_argument& e) {
      CHECK(e.field() == c.field);
      CHECK(e.value() == c.value);
      CHECK_THAT(e.what(), Contains(c.field) && Contains(c.value));
    }
  }
  CHECK_THROWS_WITH(time_grid::from_times({0, 1, 1}), Contains("without duplicates"));
  // Too fine for the solver to resolve (a few ulp apart), which validation catches.
  CHECK_THROWS_AS(time_grid::linspace(1.0, 1.0 + 1e-15, 100), invalid_argument);
}
