// The error catalogue: every bad input is a typed error whose message names the offending
// field and its value. One SECTION per case; each asserts the exception type and that what()
// contains both the field and the value, so a vague "invalid argument" cannot pass.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <odesynth/designs.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/lambda_model.hpp>
#include <odesynth/sampler.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/time_grid_spec.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/postprocess.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "expect_error.hpp"
#include "test_models.hpp"

namespace dist = odesynth::dist;
namespace models = test_models;
using odesynth::solve_options;
using odesynth::stepper_kind;
using odesynth::time_grid;
using test_support::expect_error;

namespace {

constexpr double not_a_number = std::numeric_limits<double>::quiet_NaN();
constexpr double catalogue_infinity = std::numeric_limits<double>::infinity();

// Every stepper compiled in, so that each option is checked whatever the stepper.
void solve_with(const solve_options& o) {
  odesynth::solve<odesynth::all_steppers>(models::decay{}, {1.0}, {1.0},
                                          time_grid::linspace(0, 1, 3), o);
}

odesynth::trajectory five_rows() {
  return odesynth::solve(models::lotka_volterra{}, {1.5, 1.0, 3.0, 1.0}, {10.0, 5.0},
                         time_grid::linspace(0, 4, 5));
}

odesynth::trajectory_layout catalogue_lv_layout() {
  odesynth::trajectory_layout l;
  l.species = {"prey", "predator"};
  l.num_times = 5;
  l.first_time = 0;
  l.last_time = 4;
  return l;
}

}  // namespace

TEST_CASE("catalogue: solver options", "[errors]") {
  solve_options o;
  SECTION("rel_tol NaN") {
    o.rel_tol = not_a_number;
    expect_error([&] { solve_with(o); }, {"solve_options.rel_tol", "nan"});
  }
  SECTION("rel_tol negative") {
    o.rel_tol = -1e-6;
    expect_error([&] { solve_with(o); }, {"solve_options.rel_tol", "-1e-06"});
  }
  SECTION("abs_tol infinite") {
    o.abs_tol = catalogue_infinity;
    expect_error([&] { solve_with(o); }, {"solve_options.abs_tol", "inf"});
  }
  SECTION("abs_tol negative") {
    o.abs_tol = -1;
    expect_error([&] { solve_with(o); }, {"solve_options.abs_tol", "-1"});
  }
  SECTION("both tolerances zero") {
    o.rel_tol = 0;
    o.abs_tol = 0;
    expect_error([&] { solve_with(o); }, {"solve_options.abs_tol", "= 0", "loop forever"});
  }
  SECTION("rel_tol below 100 machine epsilons") {
    o.rel_tol = 1e-16;
    expect_error([&] { solve_with(o); }, {"solve_options.rel_tol", "1e-16", "machine epsilon"});
  }
  SECTION("abs_tol vector of the wrong length") {
    o.abs_tol_per_species = {1e-8, 1e-8};
    expect_error([&] { solve_with(o); }, {"solve_options.abs_tol_per_species.size()", "2",
                                          "one tolerance per species (1)"});
  }
  SECTION("max_steps zero") {
    o.max_steps = 0;
    expect_error([&] { solve_with(o); }, {"solve_options.max_steps", "0"});
  }
  SECTION("max_steps negative") {
    o.max_steps = -5;
    expect_error([&] { solve_with(o); }, {"solve_options.max_steps", "-5"});
  }
  SECTION("initial step zero") {
    o.initial_step = 0.0;
    expect_error([&] { solve_with(o); }, {"solve_options.initial_step", "0"});
  }
  SECTION("initial step NaN") {
    o.initial_step = not_a_number;
    expect_error([&] { solve_with(o); }, {"solve_options.initial_step", "nan"});
  }
  SECTION("maximum step negative") {
    o.max_step = -0.5;
    expect_error([&] { solve_with(o); }, {"solve_options.max_step", "-0.5"});
  }
  SECTION("fixed step missing for rk4") {
    o.stepper = stepper_kind::rk4;
    expect_error([&] { solve_with(o); }, {"solve_options.fixed_step"});
  }
  SECTION("a stepper the solver was not compiled with names the set and how to opt in") {
    o.stepper = stepper_kind::rkf78;
    expect_error(
        [&] { odesynth::solve(models::decay{}, {1.0}, {1.0}, time_grid::linspace(0, 1, 3), o); },
        {"solve_options.stepper = rkf78", "odesynth::stepper_set<auto_switch, dopri5>",
         "odesynth::solve<odesynth::all_steppers>"});
  }
  SECTION("unknown stepper name lists the valid ones") {
    expect_error([] { (void)odesynth::parse_stepper_kind("euler"); },
                 {"solve_options.stepper", "\"euler\"",
                  "dopri5, rk4, rkf78, bulirsch_stoer, "
                  "rosenbrock4"});
  }
}

TEST_CASE("catalogue: time grids", "[errors]") {
  SECTION("empty") {
    expect_error([] { time_grid::from_times({}); }, {"time_grid.times", "[]"});
  }
  SECTION("zero points") {
    expect_error([] { time_grid::linspace(0, 1, 0); }, {"count", "0"});
  }
  SECTION("a single point where two are needed") {
    expect_error([] { time_grid::linspace(0, 1, 1); }, {"count", "1"});
  }
  SECTION("NaN entry") {
    expect_error(
        [] {
          time_grid::from_times({0, not_a_number, 1});
        },
        {"time_grid.times", "t[1]=nan"});
  }
  SECTION("infinite entry") {
    expect_error(
        [] {
          time_grid::from_times({0, 1, catalogue_infinity});
        },
        {"time_grid.times", "t[2]=inf"});
  }
  SECTION("non-increasing names the index") {
    expect_error(
        [] {
          time_grid::from_times({0, 0.5, 0.25});
        },
        {"time_grid.times", "t[2]=0.25 <= t[1]=0.5"});
  }
  SECTION("duplicates") {
    expect_error([] { time_grid::from_times({0, 1, 1}); }, {"time_grid.times", "t[2]=1 <= t[1]=1"});
  }
  SECTION("end before start") {
    expect_error([] { time_grid::linspace(2, 1, 5); }, {"last", "1"});
  }
  SECTION("start after the first output time") {
    expect_error([] { time_grid::linspace(0, 1, 3).with_start(0.5); }, {"time_grid.start", "0.5"});
  }
  SECTION("irregular-grid bounds reversed") {
    expect_error(
        [] {
          (void)odesynth::time_grid_spec(odesynth::random_times{10, 5.0, 1.0});
        },
        {"random_times.last", "1", "reversed"});
  }
  SECTION("jitter fraction out of range") {
    expect_error(
        [] {
          odesynth::time_grid_spec(odesynth::jittered_grid{time_grid::linspace(0, 1, 3), 0.7});
        },
        {"jittered_grid.fraction", "0.7"});
  }
}

TEST_CASE("catalogue: models and values", "[errors]") {
  const odesynth::solver<models::lotka_volterra> lv(models::lotka_volterra{});
  const auto grid = time_grid::linspace(0, 1, 3);
  SECTION("initial state of the wrong length names the model and both lengths") {
    expect_error(
        [&] {
          lv.solve({1.5, 1.0, 3.0, 1.0}, {10.0}, grid);
        },
        {"initial_state", "lotka_volterra", "1", "2"});
  }
  SECTION("parameter vector of the wrong length") {
    expect_error(
        [&] {
          lv.solve({1.5, 1.0}, {10.0, 5.0}, grid);
        },
        {"parameters", "lotka_volterra", "2", "4"});
  }
  SECTION("NaN initial value") {
    expect_error(
        [&] {
          lv.solve({1.5, 1.0, 3.0, 1.0}, {not_a_number, 5.0}, grid);
        },
        {"initial_state[0] (prey)", "nan"});
  }
  SECTION("infinite parameter") {
    expect_error(
        [&] {
          lv.solve({1.5, catalogue_infinity, 3.0, 1.0}, {10.0, 5.0}, grid);
        },
        {"parameters[1] (beta)", "inf"});
  }
  const auto rhs = [](const auto&, auto& dxdt, double, const auto&) {
    dxdt[0] = 0;
    dxdt[1] = 0;
  };
  SECTION("duplicate species names") {
    expect_error(
        [&] {
          (void)odesynth::describe(odesynth::make_model("m", {"x", "x"}, {}, rhs));
        },
        {"species", "\"x\""});
  }
  SECTION("empty species name") {
    expect_error(
        [&] {
          (void)odesynth::describe(odesynth::make_model("m", {"x", ""}, {}, rhs));
        },
        {"species", "\"\""});
  }
  SECTION("a name that breaks a CSV header") {
    expect_error(
        [&] {
          (void)odesynth::describe(odesynth::make_model("m", {"x", "a,b"}, {}, rhs));
        },
        {"species", "\"a,b\""});
  }
  SECTION("a species called time") {
    expect_error(
        [&] {
          (void)odesynth::describe(odesynth::make_model("m", {"x", "time"}, {}, rhs));
        },
        {"species", "\"time\""});
  }
}

TEST_CASE("catalogue: sampler", "[errors]") {
  odesynth::sampler s(models::lotka_volterra{});
  SECTION("unknown parameter lists the known ones") {
    expect_error([&] { s.parameter("epsilon", 1.0); },
                 {"sampler.parameter", "\"epsilon\"", "alpha, beta, gamma, delta"});
  }
  SECTION("unknown species") {
    expect_error([&] { s.initial_value("wolf", 1.0); },
                 {"sampler.initial_value", "\"wolf\"", "prey, predator"});
  }
  SECTION("a parameter with neither a distribution nor a value") {
    s.parameter("alpha", 1.0).parameter("beta", 1.0).parameter("gamma", 1.0);
    s.initial_value("prey", 1.0).initial_value("predator", 1.0);
    expect_error([&] { s.validate(); }, {"sampler.parameter[\"delta\"]", "unset"});
  }
  SECTION("uniform with lo > hi") {
    expect_error(
        [&] {
          s.parameter("alpha", dist::uniform{2, 1});
        },
        {"sampler.parameter[\"alpha\"]", "hi", "1"});
  }
  SECTION("normal with negative sd") {
    expect_error(
        [&] {
          s.parameter("alpha", dist::normal{1, -0.1});
        },
        {"sampler.parameter[\"alpha\"].sd", "-0.1"});
  }
  SECTION("normal with NaN sd") {
    expect_error(
        [&] {
          s.parameter("alpha", dist::normal{1, not_a_number});
        },
        {"sampler.parameter[\"alpha\"].sd", "nan"});
  }
  SECTION("log-uniform with a non-positive bound") {
    expect_error(
        [&] {
          s.parameter("alpha", dist::log_uniform{0, 1});
        },
        {"sampler.parameter[\"alpha\"].lo", "0"});
  }
  SECTION("empty choice list") {
    expect_error(
        [&] {
          s.parameter("alpha", dist::choice{{}, {}});
        },
        {"sampler.parameter[\"alpha\"].values", "[]"});
  }
  SECTION("choice with a negative weight") {
    expect_error(
        [&] {
          s.parameter("alpha", dist::choice{{1, 2}, {1, -1}});
        },
        {"sampler.parameter[\"alpha\"].weights[1]", "-1"});
  }
  SECTION("declared positive with a non-positive support") {
    s.parameter("alpha", dist::uniform{-2, -1}, odesynth::value_constraint::positive)
        .parameter("beta", 1.0)
        .parameter("gamma", 1.0)
        .parameter("delta", 1.0)
        .initial_value("prey", 1.0)
        .initial_value("predator", 1.0);
    expect_error([&] { s.validate(); }, {"sampler.parameter[\"alpha\"]", "uniform", "positive"});
  }
  SECTION("Latin hypercube over n = 0") {
    expect_error([] { odesynth::sampling_design::latin_hypercube(0).validate(); },
                 {"sampling_design.n", "0"});
  }
  SECTION("a schedule with the wrong number of values") {
    expect_error([&] { s.schedule("beta", {dist::constant{1.0}}, {dist::constant{1.0}}); },
                 {"sampler.schedule[\"beta\"].values.size()", "1"});
  }
}

TEST_CASE("catalogue: transforms", "[errors]") {
  const auto layout = catalogue_lv_layout();
  SECTION("additive sigma negative") {
    expect_error([] { (void)odesynth::gaussian_noise(-1.0); }, {"gaussian_noise.sigma", "-1"});
  }
  SECTION("additive sigma NaN") {
    expect_error([] { (void)odesynth::gaussian_noise(not_a_number); },
                 {"gaussian_noise.sigma", "nan"});
  }
  SECTION("proportional sigma negative") {
    expect_error([] { (void)odesynth::proportional_noise(-0.1); }, {"proportional_noise", "-0.1"});
  }
  SECTION("combined error model with a negative b") {
    expect_error(
        [] {
          (void)odesynth::combined_noise(odesynth::combined_error_model{0.1, -0.2});
        },
        {"combined_noise", "-0.2"});
  }
  SECTION("probability above 1") {
    expect_error([] { (void)odesynth::outlier_noise(1.5, 2.0); }, {"outlier_noise", "1.5"});
  }
  SECTION("fraction below 0") {
    expect_error([] { (void)odesynth::random_subset(-0.1); }, {"random_subset.fraction", "-0.1"});
  }
  SECTION("missing-entry probability NaN") {
    expect_error([] { (void)odesynth::missing_entries(not_a_number); }, {"missing_entries", "nan"});
  }
  SECTION("keep every k = 0") {
    expect_error([] { (void)odesynth::keep_every(0); }, {"keep_every", "0"});
  }
  SECTION("keep-count above the number of points") {
    expect_error([&] { odesynth::random_subset_count(9).layout_after(layout); },
                 {"random_subset_count", "9", "5"});
  }
  SECTION("interval reversed") {
    expect_error([] { (void)odesynth::keep_interval(3.0, 1.0); }, {"keep_interval", "1"});
  }
  SECTION("interval outside the grid") {
    expect_error([&] { odesynth::keep_interval(10.0, 20.0).layout_after(layout); },
                 {"keep_interval", "10"});
  }
  SECTION("per-species setting naming an unknown species") {
    expect_error(
        [&] {
          odesynth::gaussian_noise(odesynth::per_species<double>{{"wolf", 0.1}})
              .layout_after(layout);
        },
        {"gaussian_noise.sigma", "\"wolf\"", "prey, predator"});
  }
  SECTION("per-species settings of the wrong count") {
    expect_error(
        [&] {
          odesynth::gaussian_noise(odesynth::per_species<double>::by_position({0.1, 0.2, 0.3}))
              .layout_after(layout);
        },
        {"gaussian_noise.sigma.size()", "3"});
  }
  SECTION("clip with lo > hi") {
    expect_error([] { (void)odesynth::clip(odesynth::bounds{1.0, 0.0}); }, {"clip", "1"});
  }
  SECTION("applying to a trajectory with other columns") {
    auto tr = five_rows();
    odesynth::random_stream s(1, 0, odesynth::stream_purpose::measurement);
    expect_error([&] { odesynth::select_species({"wolf"})(tr, s); },
                 {"select_species", "\"wolf\""});
  }
}

TEST_CASE("catalogue: generator", "[errors]") {
  odesynth::sampler s(models::lotka_volterra{});
  s.parameter("alpha", 1.0).parameter("beta", 1.0).parameter("gamma", 1.0).parameter("delta", 1.0);
  s.initial_value("prey", dist::uniform{1, 2}).initial_value("predator", 1.0);
  odesynth::generator_options o;
  SECTION("more threads than sense") {
    o.threads = 100000;
    expect_error(
        [&] {
          odesynth::make_generator(models::lotka_volterra{}, solve_options{}, s,
                                   time_grid::linspace(0, 1, 3), odesynth::pipeline<>{}, o);
        },
        {"generator_options.threads", "100000"});
  }
  SECTION("max_attempts zero") {
    o.max_attempts = 0;
    expect_error(
        [&] {
          odesynth::make_generator(models::lotka_volterra{}, solve_options{}, s,
                                   time_grid::linspace(0, 1, 3), odesynth::pipeline<>{}, o);
        },
        {"generator_options.max_attempts", "0"});
  }
  SECTION("a slice with begin > end") {
    const auto g = odesynth::make_generator(models::lotka_volterra{}, solve_options{}, s,
                                            time_grid::linspace(0, 1, 3));
    expect_error([&] { g.run(5, 2, [](std::uint64_t, odesynth::trajectory&&) {}); },
                 {"generator.run.begin", "5"});
  }
  SECTION("a slice past the end of a Latin hypercube") {
    s.design(odesynth::sampling_design::latin_hypercube(10));
    const auto g = odesynth::make_generator(models::lotka_volterra{}, solve_options{}, s,
                                            time_grid::linspace(0, 1, 3));
    expect_error([&] { g.run(0, 11, [](std::uint64_t, odesynth::trajectory&&) {}); },
                 {"generator.run.end", "11", "10"});
  }
  SECTION("a transform that does not fit the model's species") {
    expect_error(
        [&] {
          odesynth::make_generator(models::lotka_volterra{}, solve_options{}, s,
                                   time_grid::linspace(0, 1, 3), odesynth::select_species({"S"}));
        },
        {"select_species", "\"S\""});
  }
  SECTION("a sampler built for another model") {
    odesynth::sampler other(models::decay{});
    other.parameter("k", 1.0).initial_value("x", 1.0);
    expect_error(
        [&] {
          odesynth::make_generator(models::lotka_volterra{}, solve_options{}, other,
                                   time_grid::linspace(0, 1, 3));
        },
        {"generator.sampler", "decay"});
  }
}
