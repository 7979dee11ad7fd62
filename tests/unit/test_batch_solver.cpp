// batch_solver: W trajectories in SIMD lanes give exactly what the scalar solver gives, bit
// for bit, statuses and messages included, whatever W and whatever fails.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <odesynth/batch_solver.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/models/sir.hpp>
#include <odesynth/random.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "expect_error.hpp"

using odesynth::batch_solver;
using odesynth::lanes;
using odesynth::solve_options;
using odesynth::solve_status;
using odesynth::time_grid;
using odesynth::trajectory;
using zoo_lv = odesynth::models::lotka_volterra;
using zoo_sir = odesynth::models::sir;

namespace {

// Blows up in finite time for a > 0 (x' = a x^2): non_finite or step_underflow, depending
// on where the steps land; throws for a < -1 (rhs_threw), and from lanes only when a lane
// holds such a problem, so that the batch hands its lanes in flight to the scalar solver.
struct quadratic {
  static constexpr std::string_view name = "quadratic";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"a"};
  template <class State, class Time, class Params>
  void operator()(const State& x, State& dxdt, const Time& /*t*/, const Params& p) const {
    using std::sqrt;
    if constexpr (std::is_same_v<std::decay_t<decltype(p[0])>, double>) {
      if (p[0] < -1) throw std::runtime_error("a below -1");
    } else {
      for (double a : p[0].v)
        if (a < -1) throw std::runtime_error("a below -1");
    }
    // sqrt of a negative start is NaN at t = 0: initial_non_finite.
    dxdt[0] = p[0] * x[0] * x[0] + 0.0 * sqrt(x[0] + 1);
  }
};

// x' = sqrt(-b |t|): for b = 0 a constant; for b > 0 every stage after t = 0 is NaN until
// the step is so small that c h rounds to 0. From a first step of 1e100 that takes about 600
// rejections at a factor 1/5 each: the lane leaves for the scalar solver after 400, and the
// scalar solve's step checker gives up after 500.
struct nan_after_start {
  static constexpr std::string_view name = "nan_after_start";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"b"};
  template <class State, class Time, class Params>
  void operator()(const State& x, State& dxdt, const Time& t, const Params& p) const {
    using std::abs;
    using std::sqrt;
    dxdt[0] = 0.0 * x[0] + sqrt(-p[0] * abs(t));
  }
};

bool same_methods(const trajectory& a, const trajectory& b) {
  if (a.methods().size() != b.methods().size()) return false;
  for (std::size_t i = 0; i < a.methods().size(); ++i)
    if (a.methods()[i].stepper != b.methods()[i].stepper ||
        std::memcmp(&a.methods()[i].from, &b.methods()[i].from, sizeof(double)) != 0)
      return false;
  return true;
}

// x0' = -a x0 + x1, x1' = -x1: stiff for large a (eigenvalues -a and -1), where auto_switch
// moves to rosenbrock4 (by its Jacobian from differences) after a few dozen steps.
struct stiff_pair {
  static constexpr std::string_view name = "stiff_pair";
  static constexpr std::array<std::string_view, 2> species{"fast", "slow"};
  static constexpr std::array<std::string_view, 1> parameters{"a"};
  template <class State, class Time, class Params>
  void operator()(const State& x, State& dxdt, const Time& /*t*/, const Params& p) const {
    dxdt[0] = -p[0] * x[0] + x[1];
    dxdt[1] = -x[1];
  }
};

// Whether a and b are the same trajectory to the last bit (values, mask, status, message,
// steps, parameters, initial state).
bool bitwise_equal_trajectories(const trajectory& a, const trajectory& b) {
  const auto same = [](const auto& u, const auto& v) {
    return u.size() == v.size() &&
           std::memcmp(u.data(), v.data(),
                       sizeof(*u.data()) * static_cast<std::size_t>(u.size())) == 0;
  };
  return a.status() == b.status() && a.message() == b.message() && a.steps() == b.steps() &&
         same(a.values(), b.values()) && same(a.mask(), b.mask()) && same(a.times(), b.times()) &&
         same(a.parameters(), b.parameters()) && same(a.initial_state(), b.initial_state()) &&
         a.species() == b.species() && same_methods(a, b);
}

template <std::size_t W, class Model, std::size_t P, std::size_t S,
          class Steppers = odesynth::stepper_set<odesynth::stepper_kind::dopri5>>
std::size_t count_different(const Model& model, const solve_options& options,
                            const std::vector<std::array<double, P>>& parameters,
                            const std::vector<std::array<double, S>>& initial_states,
                            const time_grid& grid, Steppers /*set*/ = {}) {
  const batch_solver<W, Model, Steppers> batch(model, options);
  const std::vector<trajectory> out = batch.solve(parameters, initial_states, grid);
  REQUIRE(out.size() == parameters.size());
  std::size_t different = 0;
  for (std::size_t k = 0; k < out.size(); ++k) {
    const trajectory ref = batch.scalar().solve(parameters[k], initial_states[k], grid);
    if (!bitwise_equal_trajectories(ref, out[k])) {
      UNSCOPED_INFO("problem " << k << ": scalar " << ref.status() << " '" << ref.message()
                               << "' steps " << ref.steps() << "; batch " << out[k].status() << " '"
                               << out[k].message() << "' steps " << out[k].steps());
      ++different;
    }
  }
  return different;
}

// SimbaML's Lotka-Volterra workload: every parameter uniform within +-10% of its value.
std::vector<std::array<double, 4>> lv_parameters(std::size_t n) {
  odesynth::random_stream rng(2026, 16, 0);
  std::vector<std::array<double, 4>> p(n);
  for (auto& set : p) {
    const std::array<double, 4> centre{1.1, 0.4, 0.4, 0.1};
    for (std::size_t i = 0; i < 4; ++i) set[i] = centre[i] * (0.9 + 0.2 * rng.uniform01());
  }
  return p;
}

}  // namespace

TEST_CASE("lanes compute each lane as the scalar operations do", "[batch]") {
  // Aligned as a whole where that is a power of two (a SIMD operand from memory), else as a
  // double.
  STATIC_REQUIRE(alignof(lanes<2>) == 16);
  STATIC_REQUIRE(alignof(lanes<4>) == 32);
  STATIC_REQUIRE(alignof(lanes<8>) == 64);
  STATIC_REQUIRE(alignof(lanes<3>) == alignof(double));
  STATIC_REQUIRE(sizeof(lanes<3>) == 3 * sizeof(double));
  lanes<4> x, y;
  const std::array<double, 4> a{0.3, -1.7, 2.5e300, 1e-310}, b{1.9, 0.2, -3.0, 7.5};
  for (std::size_t i = 0; i < 4; ++i) {
    x[i] = a[i];
    y[i] = b[i];
  }
  using std::exp;
  const lanes<4> r = (x * y - 2.0 * x) / (y + 1) + exp(-abs(y)) + pow(abs(x), 0.37) - x;
  for (std::size_t i = 0; i < 4; ++i) {
    const double s = (a[i] * b[i] - 2.0 * a[i]) / (b[i] + 1) + std::exp(-std::abs(b[i])) +
                     std::pow(std::abs(a[i]), 0.37) - a[i];
    CHECK(std::memcmp(&r[i], &s, sizeof(double)) == 0);
  }
}

TEST_CASE("batch_solver gives the scalar solver's trajectories bit for bit on SimbaML's LV",
          "[batch]") {
  auto p = lv_parameters(203);     // not a multiple of any W: the last lanes idle
  p[17] = {1.1, -0.4, 0.4, -0.1};  // both species grow without bound: a failure mid-batch
  const std::vector<std::array<double, 2>> x0(p.size(), {10.0, 10.0});
  const auto grid = time_grid::linspace(0, 50, 100);
  solve_options o;
  o.rel_tol = 1e-3;
  o.abs_tol = 1e-6;
  CHECK(count_different<4>(zoo_lv{}, o, p, x0, grid) == 0);
  CHECK(count_different<1>(zoo_lv{}, o, p, x0, grid) == 0);
  CHECK(count_different<8>(zoo_lv{}, o, p, x0, grid) == 0);
  o.rel_tol = 1e-8;  // many more steps, more rows per step
  o.abs_tol = 1e-10;
  CHECK(count_different<2>(zoo_lv{}, o, p, x0, grid) == 0);
  // Rows of several lanes are interpolated together, W at a time: a width that is not a power
  // of two (lanes aligned as doubles), and one wider than the rows of most steps.
  CHECK(count_different<3>(zoo_lv{}, o, p, x0, grid) == 0);
  CHECK(count_different<8>(zoo_lv{}, o, p, x0, grid) == 0);
  // The failing problem is a failure in the batch too, and not one made up by it.
  const batch_solver<4, zoo_lv> batch(zoo_lv{}, o);
  const auto out = batch.solve(p, x0, grid);
  CHECK(!out[17].ok());
  CHECK(out[16].ok());
  CHECK(out[18].ok());
}

TEST_CASE("batch_solver runs auto_switch as the scalar solver does and hands stiff problems over",
          "[batch]") {
  // a from 0.5 (not stiff) to 2e4 (stiff from the start): the lanes must leave the stiff ones
  // to the scalar solve, which switches to rosenbrock4 and records it in methods().
  std::vector<std::array<double, 1>> p;
  for (double a = 0.5; a < 3e4; a *= 1.7) p.push_back({a});
  const std::vector<std::array<double, 2>> x0(p.size(), {1.0, 1.0});
  const auto grid = time_grid::linspace(0, 30, 61);
  solve_options o;  // auto_switch: the first of default_steppers
  const odesynth::default_steppers set;
  CHECK(count_different<4>(stiff_pair{}, o, p, x0, grid, set) == 0);
  CHECK(count_different<2>(stiff_pair{}, o, p, x0, grid, set) == 0);
  const batch_solver<4, stiff_pair, odesynth::default_steppers> batch(stiff_pair{}, o);
  const auto out = batch.solve(p, x0, grid);
  std::size_t switched = 0;
  for (const trajectory& tr : out) switched += tr.methods().size() > 1 ? 1 : 0;
  CHECK(switched > 3);  // the test sees both kinds of problem
  CHECK(switched + 3 < out.size());
  CHECK(out.front().methods().empty());  // a = 0.5: dopri5 throughout
  // SimbaML's LV under auto_switch: never stiff, dopri5's steps bit for bit.
  auto lv = lv_parameters(101);
  lv[40] = {1.1, -0.4, 0.4, -0.1};  // a failure, with auto_switch's message
  const std::vector<std::array<double, 2>> lv_x0(lv.size(), {10.0, 10.0});
  o.rel_tol = 1e-3;
  o.abs_tol = 1e-6;
  CHECK(count_different<4>(zoo_lv{}, o, lv, lv_x0, time_grid::linspace(0, 50, 100), set) == 0);
}

TEST_CASE("batch_solver follows the options the scalar solver follows", "[batch]") {
  odesynth::random_stream rng(7, 0, 0);
  std::vector<std::array<double, 2>> p(61);
  std::vector<std::array<double, 3>> x0(p.size());
  for (std::size_t k = 0; k < p.size(); ++k) {
    p[k] = {0.3 * (0.5 + rng.uniform01()), 0.1 * (0.5 + rng.uniform01())};
    x0[k] = {990 * (0.5 + rng.uniform01()), 10 * (0.5 + rng.uniform01()), 0};
  }
  const auto grid = time_grid::linspace(0, 160, 161).with_start(-3.0);
  solve_options o;
  SECTION("abs_tol per species, max_step and a first step") {
    o.abs_tol_per_species = {1e-3, 1e-6, 1e-4};
    o.max_step = 0.7;
    o.initial_step = 0.01;
  }
  SECTION("max_steps ends some solves early") { o.max_steps = 40; }
  SECTION("min_step ends some solves with step_underflow") { o.min_step = 0.9; }
  SECTION("a time limit sends every problem to the scalar solver") { o.time_limit_seconds = 60; }
  CHECK(count_different<4>(zoo_sir{}, o, p, x0, grid) == 0);
  CHECK(count_different<3>(zoo_sir{}, o, p, x0, grid) == 0);
}

TEST_CASE("batch_solver hands failures to the scalar solver with their statuses", "[batch]") {
  // a > 0 blows up before t = 20 from x0 = 1 when a > 0.05; a < -1 throws; x0 < -1 is NaN at
  // the start.
  const std::vector<std::array<double, 1>> p{{0.01}, {0.3},  {-0.5}, {-2.0}, {0.02}, {1.0},
                                             {-0.1}, {0.04}, {0.2},  {-3.0}, {0.0}};
  std::vector<std::array<double, 1>> x0(p.size(), {1.0});
  x0[6] = {-4.0};
  const auto grid = time_grid::linspace(0, 20, 41);
  const batch_solver<4, quadratic> batch(quadratic{}, {});
  const auto out = batch.solve(p, x0, grid);
  CHECK(out[1].status() != solve_status::ok);
  CHECK(out[3].status() == solve_status::rhs_threw);
  CHECK(out[6].status() == solve_status::initial_non_finite);
  CHECK(out[0].ok());
  CHECK(count_different<4>(quadratic{}, {}, p, x0, grid) == 0);
  CHECK(count_different<2>(quadratic{}, {}, p, x0, grid) == 0);

  // Rejected over and over: the lanes with b > 0 leave after hundreds of trials in one step.
  const std::vector<std::array<double, 1>> b{{0.0}, {1.0}, {0.0}, {0.0}, {1.0}, {0.0}, {0.0}};
  const std::vector<std::array<double, 1>> start(b.size(), {1.0});
  const auto long_grid = time_grid::linspace(0, 1e100, 5);
  solve_options giant_first_step;
  giant_first_step.initial_step = 1e100;
  const auto rejected = batch_solver<4, nan_after_start>(nan_after_start{}, giant_first_step)
                            .solve(b, start, long_grid);
  CHECK(rejected[0].ok());
  CHECK(!rejected[1].ok());
  CHECK(count_different<4>(nan_after_start{}, giant_first_step, b, start, long_grid) == 0);
  CHECK(count_different<3>(nan_after_start{}, giant_first_step, b, start, long_grid) == 0);
}

TEST_CASE("batch_solver refuses what it cannot run and writes nothing on bad input", "[batch]") {
  solve_options rk4;
  rk4.stepper = odesynth::stepper_kind::rk4;
  rk4.fixed_step = 0.1;
  test_support::check_error(
      [&] { batch_solver<4, zoo_lv, odesynth::all_steppers> b(zoo_lv{}, rk4); },
      "solve_options.stepper", "rk4");
  CHECK(!batch_solver<4, zoo_lv>::runs_in_lanes(rk4));
  const batch_solver<4, zoo_lv> batch(zoo_lv{}, {});
  std::vector<std::array<double, 4>> p(6, {1.1, 0.4, 0.4, 0.1});
  p[3][2] = std::nan("");
  const std::vector<std::array<double, 2>> x0(p.size(), {10.0, 10.0});
  std::vector<trajectory> out(p.size());
  test_support::expect_error(
      [&] {
        batch.solve_into(out.data(), out.size(), p[0].data(), x0[0].data(),
                         time_grid::linspace(0, 1, 3));
      },
      {"problem 3", "lotka_volterra", "gamma", "nan"});
  for (const trajectory& tr : out) CHECK(tr.num_times() == 0);  // nothing written
  test_support::expect_error(
      [&] {
        batch.solve(p, {{1.0, 1.0}}, time_grid::linspace(0, 1, 3));
      },
      {"batch_solver.initial_states", "1"});
  CHECK(batch.solve({}, {}, time_grid::linspace(0, 1, 3)).empty());
}

namespace {

// Two generators that differ only in generator_options::batch, and whether their datasets
// agree to the last bit, trajectory by trajectory (index, attempts and report included).
template <class Model>
void check_batched_generator(const Model& model, const odesynth::sampler& samples,
                             const time_grid& grid, const solve_options& options,
                             odesynth::failure_policy policy, std::uint64_t begin,
                             std::uint64_t end) {
  const auto pipeline = odesynth::gaussian_noise(0.1) | odesynth::random_subset(0.5);
  auto make = [&](bool batch, std::size_t threads) {
    odesynth::generator_options go;
    go.seed = 16;
    go.threads = threads;
    go.batch = batch;
    go.on_failure = policy;
    return odesynth::make_generator(model, options, samples, grid, pipeline, go);
  };
  const auto one_by_one = make(false, 1);
  REQUIRE(one_by_one.batch_width() == 1);
  odesynth::generation_report expected_report;
  const auto expected = one_by_one.collect(begin, end, &expected_report);
  for (const std::size_t threads : {1, 3}) {
    const auto batched = make(true, threads);
    REQUIRE(batched.batch_width() == odesynth::detail::generator_lanes);
    odesynth::generation_report report;
    const auto got = batched.collect(begin, end, &report);
    INFO("threads " << threads);
    REQUIRE(got.size() == expected.size());
    std::size_t different = 0;
    for (std::size_t k = 0; k < got.size(); ++k)
      different += bitwise_equal_trajectories(got[k], expected[k]) ? 0 : 1;
    CHECK(different == 0);
    CHECK(report.delivered == expected_report.delivered);
    CHECK(report.dropped == expected_report.dropped);
    CHECK(report.resampled == expected_report.resampled);
    CHECK(report.status_counts == expected_report.status_counts);
    // make() one index at a time gives what the runs gave.
    for (std::uint64_t i = begin; i < end; i += 7) {
      const auto alone = batched.make(i);
      const auto reference = one_by_one.make(i);
      CHECK(alone.attempts == reference.attempts);
      CHECK(alone.dropped == reference.dropped);
      if (!alone.dropped) CHECK(bitwise_equal_trajectories(alone.data, reference.data));
    }
  }
}

}  // namespace

TEST_CASE("make_generator solves lane models in batches with the bits of one at a time",
          "[batch][generator]") {
  namespace dist = odesynth::dist;
  const auto grid = time_grid::linspace(0, 50, 100);
  solve_options o;
  o.rel_tol = 1e-3;
  o.abs_tol = 1e-6;
  SECTION("SimbaML's LV, a quarter of the solves failing, every failure policy") {
    odesynth::sampler s(zoo_lv{});
    // beta < 0 and delta < 0 in a quarter of the draws: both species grow without bound.
    s.parameter("alpha", dist::uniform{0.99, 1.21})
        .parameter("beta", dist::uniform{-0.2, 0.6})
        .parameter("gamma", dist::uniform{0.36, 0.44})
        .parameter("delta", dist::uniform{-0.05, 0.15})
        .initial_value("prey", 10.0)
        .initial_value("predator", 10.0);
    for (const auto policy : odesynth::all_failure_policies)
      check_batched_generator(zoo_lv{}, s, grid, o, policy, 5, 98);
    o.stepper = odesynth::stepper_kind::dopri5;
    check_batched_generator(zoo_lv{}, s, grid, o, odesynth::failure_policy::keep, 0, 41);
    // A progress callback stopping the run mid-batch: the sink has exactly a prefix.
    for (const std::size_t threads : {1, 2}) {
      odesynth::generator_options go;
      go.threads = threads;
      go.progress_interval = 0;
      go.on_progress = [](const odesynth::progress& p) {
        return p.done >= 10 ? odesynth::generation_control::stop
                            : odesynth::generation_control::proceed;
      };
      const auto g = odesynth::make_generator(zoo_lv{}, o, s, grid, {}, go);
      REQUIRE(g.batch_width() > 1);
      odesynth::generation_report report;
      const auto got = g.collect(0, 200, &report);
      CHECK(report.cancelled);
      REQUIRE(got.size() == 10);
      for (std::uint64_t i = 0; i < got.size(); ++i)
        CHECK(bitwise_equal_trajectories(got[i], g.make(i).data));
    }
  }
  SECTION("non-finite draws and schedules are solved one by one among the batches") {
    // As in test_hostile_sampling: Halton point 2^62 - 1 draws -inf from this normal.
    const std::uint64_t bad = (std::uint64_t{1} << 62) - 1;
    odesynth::sampler s(zoo_sir{});
    s.parameter("gamma", dist::uniform{0.05, 0.15})
        .schedule("beta", {dist::uniform{5, 40}}, {dist::uniform{0.2, 0.4}, dist::constant{0.1}})
        .initial_value("S", dist::uniform{900, 1000})
        .initial_value("I", dist::normal{10, 2.05e307})
        .initial_value("R", 0.0)
        .design(odesynth::sampling_design::halton(false));
    check_batched_generator(zoo_sir{}, s, time_grid::linspace(0, 60, 61), o,
                            odesynth::failure_policy::keep, bad - 9, bad + 2);
    odesynth::sampler plain(zoo_sir{});
    plain.parameter("beta", dist::uniform{0.2, 0.4})
        .parameter("gamma", dist::uniform{0.05, 0.15})
        .initial_value("S", dist::uniform{900, 1000})
        .initial_value("I", dist::normal{10, 2.05e307})
        .initial_value("R", 0.0)
        .design(odesynth::sampling_design::halton(false));
    check_batched_generator(zoo_sir{}, plain, time_grid::linspace(0, 60, 61), o,
                            odesynth::failure_policy::resample, bad - 9, bad + 2);
  }
}
