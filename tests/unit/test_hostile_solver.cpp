// Hostile input for grids and the solver (issue 12): times closer than the solver can tell
// apart, fixed steps whose count overflows, grid sizes no machine holds, random grids asking
// for more times than their range has, and solves that run too long. Each either fails
// early with a typed error naming the field and the value, or ends with a status; none may
// pass a wrong value off as data.
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <odesynth/provenance.hpp>
#include <odesynth/sde.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/time_grid.hpp>
#include <odesynth/time_grid_spec.hpp>
#include <thread>
#include <vector>

#include "expect_error.hpp"
#include "test_models.hpp"

using odesynth::invalid_argument;
using odesynth::jittered_grid;
using odesynth::random_stream;
using odesynth::random_times;
using odesynth::solve_options;
using odesynth::solve_status;
using odesynth::stepper_kind;
using odesynth::stream_purpose;
using odesynth::time_grid;
using odesynth::time_grid_spec;
using test_support::expect_error;
namespace models = test_models;

namespace {

constexpr double eps = std::numeric_limits<double>::epsilon();

// The solver's time resolution as documented in time_grid.hpp: neighbouring times must be more
// than 16 machine epsilons of the larger magnitude apart.
bool resolvable(double a, double b) {
  return b - a > 16 * eps * std::max(std::fabs(a), std::fabs(b));
}

void check_resolvable(const time_grid& g) {
  if (g.start() < g.front()) CHECK(resolvable(g.start(), g.front()));
  for (std::size_t i = 1; i < g.size(); ++i) {
    CAPTURE(i, g[i - 1], g[i]);
    CHECK(resolvable(g[i - 1], g[i]));
  }
}

solve_options hostile_solver_with(stepper_kind kind, double fixed_step) {
  solve_options o;
  o.stepper = kind;
  if (kind == stepper_kind::rk4) o.fixed_step = fixed_step;
  return o;
}

double solver_seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// A harmonic oscillator whose right-hand side takes a millisecond: a solve over many periods
// takes seconds to minutes, so only a time limit ends it quickly.
struct slow_oscillator {
  static constexpr std::string_view name = "slow_oscillator";
  static constexpr std::array<std::string_view, 2> species{"x", "v"};
  static constexpr std::array<std::string_view, 0> parameters{};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& /*p*/) const {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    dxdt[0] = x[1];
    dxdt[1] = -x[0];
  }
};

}  // namespace

// --- item 1: times closer than the solver's time resolution ----------------------------------

TEST_CASE(
    "output times closer than the time resolution are rejected naming the index and both times",
    "[time_grid][hostile]") {
  // 1e16 and 1e16 + 2 are neighbouring doubles; the solver used to treat the second as reached
  // at the first: status ok, 0 steps, x(t1) = x(t0).
  expect_error(
      [] {
        (void)time_grid::from_times({1e16, 1e16 + 2});
      },
      {"time_grid.times", "t[1]=1.0000000000000002e+16", "t[0]=1e+16"});
  expect_error(
      [] {
        (void)time_grid::from_times({0, 1, 1 + eps});
      },
      {"time_grid.times", "t[2]=1.0000000000000002", "t[1]=1"});
  expect_error(
      [] {
        (void)time_grid::from_times({-1e16 - 4, -1e16});
      },
      {"time_grid.times", "t[1]=-1e+16", "t[0]=-1.0000000000000004e+16"});
  // The integration start counts like an output time (it may equal t[0], not crowd it).
  expect_error([] { (void)time_grid::from_times({1e16}).with_start(1e16 - 2); },
               {"time_grid.start", "1e+16", "9999999999999998"});
  CHECK_NOTHROW(time_grid::from_times({1e16}).with_start(1e16));
  // Builders produce such grids from innocent-looking arguments.
  expect_error([] { (void)time_grid::linspace(1.0, 1.0 + 1e-13, 100); }, {"time_grid.times"});
  expect_error([] { (void)time_grid::logspace(1e16, 1e16 + 64, 20); }, {"time_grid.times"});
}

TEST_CASE("times just above the time resolution are solved with real steps by every stepper",
          "[solve][hostile]") {
  const stepper_kind kind = GENERATE(from_range(odesynth::all_stepper_kinds));
  CAPTURE(kind);
  SECTION("at 1e16 the spacing is measured relative to the times") {
    // 16 eps * 1e16 = 35.5: 36 apart is the closest pair a grid there may hold. The steps'
    // first estimate (0.15) was below what t can move by (step_underflow), and a step landing
    // 26 short of 1e16 + 100 was snapped onto it (x off by 2.6%).
    const auto grid = time_grid::from_times({1e16, 1e16 + 36, 1e16 + 100});
    const auto tr = odesynth::solve<odesynth::all_steppers>(models::decay{}, {1e-3}, {1.0}, grid,
                                                            hostile_solver_with(kind, 4.0));
    CAPTURE(tr.message());
    REQUIRE(tr.ok());
    CHECK(tr.steps() >= 1);
    // rel_tol 1e-6 (measured: 7e-9 at worst, rosenbrock4).
    CHECK(tr.values()(1, 0) == Approx(std::exp(-0.036)).epsilon(1e-6));
    CHECK(tr.values()(2, 0) == Approx(std::exp(-0.1)).epsilon(1e-6));
  }
  SECTION("near 0 a tiny absolute spacing is fine") {
    // Relative spacing is what the solver needs: x' = -1e300 x on [0, 1e-300] is x = e^-t'.
    const auto grid = time_grid::from_times({0, 0.5e-300, 1e-300});
    const auto tr = odesynth::solve<odesynth::all_steppers>(models::decay{}, {1e300}, {1.0}, grid,
                                                            hostile_solver_with(kind, 1e-303));
    CAPTURE(tr.message());
    REQUIRE(tr.ok());
    CHECK(tr.steps() >= 2);
    // rel_tol 1e-6 (rk4 with 500 steps per half: error ~ 1e-13).
    CHECK(tr.values()(1, 0) == Approx(std::exp(-0.5)).epsilon(1e-5));
    CHECK(tr.values()(2, 0) == Approx(std::exp(-1.0)).epsilon(1e-5));
  }
}

// --- item 2: fixed-step counts ------------------------------------------------------------

TEST_CASE("a fixed step whose count overflows is a typed error naming the step and the interval",
          "[solve][hostile]") {
  // 1e20 steps: the count used to be converted to an integer out of range (undefined
  // behaviour; in practice 0 steps and status ok with x(1) = x(0)).
  solve_options o = hostile_solver_with(stepper_kind::rk4, 1e-20);
  expect_error(
      [&] {
        (void)odesynth::solve<odesynth::all_steppers>(models::decay{}, {1.0}, {1.0},
                                                      time_grid::linspace(0, 1, 2), o);
      },
      {"solve_options.fixed_step", "1e-20", "[0, 1]", "max_steps = 100000"});
  // The interval is the whole solve, from the start time.
  expect_error(
      [&] {
        (void)odesynth::solve<odesynth::all_steppers>(
            models::decay{}, {1.0}, {1.0}, time_grid::linspace(1, 2, 3).with_start(-1), o);
      },
      {"solve_options.fixed_step", "1e-20", "[-1, 2]"});
  // With a parameter schedule too.
  const odesynth::solver<models::decay, odesynth::all_steppers> s(models::decay{}, o);
  odesynth::parameter_schedule schedule;
  schedule.switch_times = {0.5};
  schedule.values = {{1.0}, {2.0}};
  expect_error([&] { (void)s.solve(schedule, {1.0}, time_grid::linspace(0, 1, 3)); },
               {"solve_options.fixed_step", "1e-20", "[0, 1]"});
  // More steps than max_steps allows, without overflow: the solve could never finish.
  o.fixed_step = 1e-3;
  o.max_steps = 999;
  expect_error(
      [&] {
        (void)odesynth::solve<odesynth::all_steppers>(models::decay{}, {1.0}, {1.0},
                                                      time_grid::linspace(0, 1, 2), o);
      },
      {"solve_options.fixed_step", "0.001", "[0, 1]", "max_steps = 999"});
}

TEST_CASE("a fixed step that needs exactly max_steps steps still solves", "[solve][hostile]") {
  solve_options o = hostile_solver_with(stepper_kind::rk4, 1e-3);
  o.max_steps = 1000;  // 1 / 1e-3 is 1000 steps (the division rounds to 1000.0000000000001)
  const auto tr = odesynth::solve<odesynth::all_steppers>(models::decay{}, {1.0}, {1.0},
                                                          time_grid::linspace(0, 1, 11), o);
  CAPTURE(tr.message());
  REQUIRE(tr.ok());
  CHECK(tr.steps() == 1000);
  CHECK(tr.values()(10, 0) == Approx(std::exp(-1.0)).epsilon(1e-12));  // rk4, h = 1e-3: ~1e-14
}

TEST_CASE("sde max_steps above the Brownian tree's depth is a typed error", "[sde][hostile]") {
  // The tree has at most 2^52 intervals; a larger step budget silently took steps longer than
  // sde_options.dt.
  odesynth::sde_options o;
  o.dt = 1e-20;
  o.max_steps = std::int64_t{1} << 53;
  expect_error([&] { o.validate(); }, {"sde_options.max_steps", "9007199254740992"});
  o.max_steps = std::int64_t{1} << 52;
  CHECK_NOTHROW(o.validate());
  // dt needs more than 2^52 steps on [0, 1]: max_steps status before any work.
  const odesynth::sde_solver<models::decay> s(models::decay{}, odesynth::diffusion{}, o);
  const auto tr = s.solve_with_key({1.0}, {1.0}, time_grid::linspace(0, 1, 3), 1);
  CHECK(tr.status() == solve_status::max_steps);
  CHECK(tr.mask().row(0).all());
  CHECK_FALSE(tr.mask().row(1).any());
}

// --- items 8 and 11: random grids and sizes ------------------------------------------------

TEST_CASE("random_times asking for more times than its range resolves is a typed error",
          "[time_grid][hostile]") {
  // [1e16, 1e16 + 1000] holds 501 doubles and 28 times the solver can tell apart; make() used
  // to loop forever looking for 1000 distinct ones.
  expect_error(
      [] {
        (void)time_grid_spec(random_times{1000, 1e16, 1e16 + 1000});
      },
      {"random_times.count", "1000", "1e+16"});
  // Subnormal range: 2025 doubles in [0, 1e-320].
  expect_error(
      [] {
        (void)time_grid_spec(random_times{2000, 0, 1e-320});
      },
      {"random_times.count", "2000"});
  // 1e12 times: bad_alloc or length_error used to come out of make().
  expect_error(
      [] {
        (void)time_grid_spec(random_times{1000000000000, 0, 1});
      },
      {"random_times.count", "1000000000000"});
}

TEST_CASE("random_times on a crowded range keeps every time resolvable and is deterministic",
          "[time_grid][hostile]") {
  // 4096 / 35.5 = 115 resolvable slots: 28 draws collide often, so the top-up path runs.
  for (bool endpoints : {true, false}) {
    CAPTURE(endpoints);
    const time_grid_spec spec(random_times{28, 1e16, 1e16 + 4096, endpoints, 1e16});
    for (std::uint64_t i = 0; i < 20; ++i) {
      random_stream a(11, i, stream_purpose::time_grid), b(11, i, stream_purpose::time_grid);
      const time_grid g = spec.make(a);
      CHECK(g == spec.make(b));
      CHECK(a.words_drawn() == b.words_drawn());
      REQUIRE(g.size() == 28);
      check_resolvable(g);
      CHECK(g.front() >= 1e16);
      CHECK(g.back() <= 1e16 + 4096);
      if (endpoints) CHECK((g.front() == 1e16 && g.back() == 1e16 + 4096));
    }
  }
}

TEST_CASE("random_times keeps its draws for ordinary inputs", "[time_grid]") {
  // Pinned from the implementation before issue 12 (metadata regeneration relies on them).
  random_stream s(2026, 0, stream_purpose::time_grid);
  const auto g = time_grid_spec(random_times{6, 0.0, 10.0, true, 0.0}).make(s);
  CHECK(g.times() == std::vector<double>{0x0p+0, 0x1.0b58031f652f2p+2, 0x1.9952fdcbd1028p+2,
                                         0x1.00a4370d035b6p+3, 0x1.2864571d99779p+3, 0x1.4p+3});
  random_stream s2(7, 3, stream_purpose::time_grid);
  const auto g2 = time_grid_spec(random_times{4, -2.0, 3.0, false, -5.0}).make(s2);
  CHECK(g2.times() == std::vector<double>{-0x1.7379a2bd57feap+0, -0x1.2b40fc7023b98p+0,
                                          -0x1.1d6173678949ap+0, 0x1.ed5c382c14a5ap+0});
  CHECK(g2.start() == -5.0);
}

TEST_CASE("random_times with 300000 times is built in well under a second",
          "[time_grid][hostile]") {
  const time_grid_spec spec(random_times{300000, 0, 1});
  random_stream s(1, 0, stream_purpose::time_grid);
  const auto t0 = std::chrono::steady_clock::now();
  const auto g = spec.make(s);
  const double elapsed = solver_seconds_since(t0);
  CHECK(g.size() == 300000);
  // Sorting 300k doubles takes ~30 ms (Release) to ~0.3 s (ASan, Debug); the quadratic
  // de-duplication it replaces took 18 s in Release. 3 s leaves room for a loaded machine.
  CHECK(elapsed < 3.0);
}

TEST_CASE("grid sizes no machine holds are typed errors before any allocation",
          "[time_grid][hostile]") {
  expect_error([] { (void)time_grid::linspace(0, 1, 1000000000000); },
               {"time_grid::linspace.count", "1000000000000"});
  expect_error([] { (void)time_grid::logspace(1, 2, 1000000000000); },
               {"time_grid::logspace.count", "1000000000000"});
}

TEST_CASE("a jittered grid that could move times closer than the resolution is a typed error",
          "[time_grid][hostile]") {
  // Neighbours 64 apart at 1e16 may end up 6.4 apart with fraction 0.45, below the 35.5 the
  // solver resolves: make() would throw in the middle of a dataset.
  expect_error(
      [] {
        (void)time_grid_spec(
            jittered_grid{time_grid::from_times({1e16, 1e16 + 64, 1e16 + 128}), 0.45});
      },
      {"jittered_grid.fraction", "0.45", "1e+16"});
  CHECK_NOTHROW(time_grid_spec(jittered_grid{time_grid::linspace(0, 10, 11), 0.49}));
}

// --- item 12: wall-time limit -------------------------------------------------------------

TEST_CASE("a solve that runs past time_limit_seconds ends with status time_limit",
          "[solve][hostile]") {
  const stepper_kind kind = GENERATE(from_range(odesynth::all_stepper_kinds));
  CAPTURE(kind);
  solve_options o = hostile_solver_with(kind, 0.1);
  o.time_limit_seconds = 0.05;
  const auto grid = time_grid::linspace(0, 1000, 101);  // thousands of steps: seconds to minutes
  const auto t0 = std::chrono::steady_clock::now();
  const auto tr =
      odesynth::solve<odesynth::all_steppers>(slow_oscillator{}, {}, {1.0, 0.0}, grid, o);
  const double elapsed = solver_seconds_since(t0);
  CAPTURE(tr.message());
  CHECK(tr.status() == solve_status::time_limit);
  CHECK_THAT(tr.message(), Catch::Contains("time_limit_seconds = 0.05"));
  CHECK(tr.steps() > 0);
  CHECK(tr.consistent());
  CHECK(tr.mask().row(0).all());  // the start is known
  CHECK_FALSE(tr.mask().row(100).any());
  CHECK(std::isnan(tr.values()(100, 0)));
  // The limit plus at most one step's right-hand sides (Bulirsch-Stoer's longest try: ~100
  // calls of 1 ms) and a clock read; 2 s allows for a loaded machine and sanitizers.
  CHECK(elapsed < 2.0);
}

TEST_CASE("time_limit_seconds defaults to no limit and spans every segment of a schedule",
          "[solve][hostile]") {
  const solve_options defaults;
  CHECK(defaults.time_limit_seconds == 0);
  // About 40 steps x 6 calls of 1 ms: longer than 0.05 s, and ok without a limit.
  const auto t0 = std::chrono::steady_clock::now();
  const auto tr = odesynth::solve<odesynth::all_steppers>(slow_oscillator{}, {}, {1.0, 0.0},
                                                          time_grid::linspace(0, 2, 3));
  CHECK(solver_seconds_since(t0) > 0.05);
  CHECK(tr.ok());

  // A limit that ends the solve in a later segment: rows of the earlier segments stay.
  solve_options o;
  o.time_limit_seconds = 0.05;
  const odesynth::solver<slow_oscillator, odesynth::all_steppers> s(slow_oscillator{}, o);
  odesynth::parameter_schedule schedule;
  schedule.switch_times = {0.1};
  schedule.values = {{}, {}};
  const auto limited = s.solve(schedule, {1.0, 0.0}, time_grid::from_times({0, 0.1, 1000}));
  CHECK(limited.status() == solve_status::time_limit);
  CHECK(limited.mask().row(1).all());
  CHECK(limited.values()(1, 0) == Approx(std::cos(0.1)).epsilon(1e-5));  // rel_tol 1e-6
  CHECK_FALSE(limited.mask().row(2).any());
}

TEST_CASE("a huge time limit is no limit and no overflow", "[solve][hostile]") {
  solve_options o;
  o.time_limit_seconds = 1e300;  // converted to clock ticks this would overflow (UBSan)
  const auto tr = odesynth::solve<odesynth::all_steppers>(models::decay{}, {1.0}, {1.0},
                                                          time_grid::linspace(0, 1, 3), o);
  CHECK(tr.ok());
}

TEST_CASE("time_limit_seconds is printed and written to provenance metadata", "[solve][hostile]") {
  solve_options o;
  CHECK(fmt::format("{}", o) == "default rel_tol=1e-06 abs_tol=1e-08 max_steps=100000");
  o.time_limit_seconds = 2.5;
  CHECK(fmt::format("{}", o) ==
        "default rel_tol=1e-06 abs_tol=1e-08 max_steps=100000 "
        "time_limit_seconds=2.5");
  const auto j = odesynth::detail::to_json(o);
  CHECK(odesynth::detail::solve_options_from_json(j, "solver").time_limit_seconds == 2.5);
  // Metadata written before the field existed reads as no limit.
  const auto old = odesynth::detail::json::parse(
      R"({"stepper": "dopri5", "rel_tol": 1e-6, "abs_tol": 1e-8, "abs_tol_per_species": [],
          "initial_step": null, "max_step": null, "fixed_step": null, "max_steps": 100000,
          "min_step": 0})");
  CHECK(odesynth::detail::solve_options_from_json(old, "solver").time_limit_seconds == 0);
  CHECK(odesynth::detail::solve_options_from_json(old, "solver").stepper == stepper_kind::dopri5);
}

TEST_CASE("an SDE solve that runs past its time limit ends with status time_limit",
          "[sde][hostile]") {
  odesynth::sde_options o;
  o.dt = 1e-3;
  o.time_limit_seconds = 0.05;
  const odesynth::sde_solver<slow_oscillator> s(slow_oscillator{}, odesynth::diffusion{}, o);
  // 2^14 steps of 1 ms each without the limit.
  const auto t0 = std::chrono::steady_clock::now();
  const auto tr = s.solve_with_key({}, {1.0, 0.0}, time_grid::linspace(0, 10, 11), 7);
  const double elapsed = solver_seconds_since(t0);
  CAPTURE(tr.message());
  CHECK(tr.status() == solve_status::time_limit);
  CHECK(tr.steps() > 0);
  CHECK(tr.consistent());
  CHECK(tr.mask().row(0).all());
  CHECK_FALSE(tr.mask().row(10).any());
  CHECK(elapsed < 2.0);  // the limit plus a clock read every few steps; slack for sanitizers
  CHECK_THAT(s.describe_noise(), Catch::Contains("time_limit_seconds=0.05"));
}

// --- the error catalogue's cases for this area ------------------------------------------------

TEST_CASE("catalogue: hostile grids and solver options", "[errors]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double infinity = std::numeric_limits<double>::infinity();
  SECTION("output times closer than the time resolution") {
    expect_error(
        [] {
          (void)time_grid::from_times({1e16, 1e16 + 2});
        },
        {"time_grid.times", "t[1]=1.0000000000000002e+16", "t[0]=1e+16", "resolution"});
  }
  SECTION("start crowding the first output time") {
    expect_error([] { (void)time_grid::from_times({1.0}).with_start(1 - eps); },
                 {"time_grid.start", "0.9999999999999998"});
  }
  SECTION("linspace whose span overflows") {
    expect_error([] { (void)time_grid::linspace(-1e308, 1e308, 3); },
                 {"time_grid::linspace.last", "1e+308"});
  }
  SECTION("linspace count beyond any memory") {
    expect_error([] { (void)time_grid::linspace(0, 1, 1000000000000); },
                 {"time_grid::linspace.count", "1000000000000"});
  }
  SECTION("logspace count beyond any memory") {
    expect_error([] { (void)time_grid::logspace(1, 10, 1000000000000); },
                 {"time_grid::logspace.count", "1000000000000"});
  }
  SECTION("random_times count beyond any memory") {
    expect_error(
        [] {
          (void)time_grid_spec(random_times{1000000000000, 0, 1});
        },
        {"random_times.count", "1000000000000"});
  }
  SECTION("random_times count beyond the resolvable times of its range") {
    expect_error(
        [] {
          (void)time_grid_spec(random_times{1000, 1e16, 1e16 + 1000});
        },
        {"random_times.count", "1000"});
  }
  SECTION("random_times span that overflows") {
    expect_error(
        [] {
          (void)time_grid_spec(random_times{10, -1e308, 1e308});
        },
        {"random_times.last", "1e+308"});
  }
  SECTION("random_times start crowding first") {
    expect_error(
        [] {
          (void)time_grid_spec(random_times{10, 1.0, 2.0, true, 1 - eps});
        },
        {"random_times.start", "0.9999999999999998"});
  }
  SECTION("jittered grid that can crowd its times") {
    expect_error(
        [] {
          (void)time_grid_spec(
              jittered_grid{time_grid::from_times({1e16, 1e16 + 64, 1e16 + 128}), 0.45});
        },
        {"jittered_grid.fraction", "0.45"});
  }
  SECTION("rk4 step count beyond max_steps") {
    solve_options o = hostile_solver_with(stepper_kind::rk4, 1e-20);
    expect_error(
        [&] {
          (void)odesynth::solve<odesynth::all_steppers>(models::decay{}, {1.0}, {1.0},
                                                        time_grid::linspace(0, 1, 2), o);
        },
        {"solve_options.fixed_step", "1e-20", "[0, 1]"});
  }
  SECTION("time limit not finite or negative") {
    for (double bad : {nan, infinity, -1.0}) {
      solve_options o;
      o.time_limit_seconds = bad;
      expect_error(
          [&] {
            (void)odesynth::solver<models::decay, odesynth::all_steppers>(models::decay{}, o);
          },
          {"solve_options.time_limit_seconds", fmt::format("{}", bad)});
    }
  }
  SECTION("sde time limit not finite or negative") {
    for (double bad : {nan, infinity, -1.0}) {
      odesynth::sde_options o;
      o.time_limit_seconds = bad;
      expect_error([&] { o.validate(); },
                   {"sde_options.time_limit_seconds", fmt::format("{}", bad)});
    }
  }
  SECTION("sde max_steps beyond the Brownian tree") {
    odesynth::sde_options o;
    o.max_steps = std::numeric_limits<std::int64_t>::max();
    expect_error([&] { o.validate(); }, {"sde_options.max_steps", "9223372036854775807"});
  }
}
