// Dataset generator: bit-identical for any thread count, slices equal to the full run,
// index order and bounded memory when streaming, failure policies counted exactly, errors from
// workers reaching the caller, configuration validated before any work. Also steady states.
#include <catch2/catch.hpp>
#include <cmath>
#include <odesynth/generator.hpp>
#include <odesynth/lambda_model.hpp>
#include <odesynth/steady_state.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <stdexcept>
#include <vector>

#include "test_models.hpp"
#include "test_samplers.hpp"

using odesynth::failure_policy;
using odesynth::generator_options;
using odesynth::sampler;
using odesynth::solve_status;
using odesynth::time_grid;
using odesynth::trajectory;
namespace dist = odesynth::dist;
namespace models = test_models;
using test_models::lv_sampler;

namespace {

auto gen_lv_generator(std::size_t threads, std::uint64_t seed = 11) {
  generator_options o;
  o.seed = seed;
  o.threads = threads;
  return odesynth::make_generator(
      models::lotka_volterra{}, odesynth::solve_options{}, lv_sampler(),
      time_grid::linspace(0, 10, 51),
      odesynth::gaussian_noise(0.1) | odesynth::random_subset(0.8) | odesynth::missing_entries(0.1),
      o);
}

bool gen_identical(const trajectory& a, const trajectory& b) {
  if (a.num_times() != b.num_times() || a.num_species() != b.num_species()) return false;
  if (a.times() != b.times() || (a.mask() != b.mask()).any()) return false;
  for (Eigen::Index i = 0; i < a.num_times(); ++i)
    for (Eigen::Index j = 0; j < a.num_species(); ++j) {
      const double x = a.values()(i, j), y = b.values()(i, j);
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
  return a.parameters() == b.parameters() && a.initial_state() == b.initial_state() &&
         a.status() == b.status();
}

// x' = k x^2 from x = 1 on [0, 2]: blows up at t = 1/k, so every k >= 0.5 fails.
struct sometimes_explodes {
  static constexpr std::string_view name = "sometimes_explodes";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double, const P& p) const {
    dxdt[0] = p[0] * x[0] * x[0];
  }
};

auto gen_exploding_generator(failure_policy policy) {
  sampler s(sometimes_explodes{});
  s.parameter("k", dist::uniform{-1, 1}).initial_value("x", 1.0);
  generator_options o;
  o.seed = 4;
  o.threads = 2;
  o.on_failure = policy;
  o.max_attempts = 4;
  return odesynth::make_generator(sometimes_explodes{}, odesynth::solve_options{}, s,
                                  time_grid::linspace(0, 2, 5), odesynth::pipeline<>{}, o);
}

}  // namespace

TEST_CASE("datasets are bit-identical for 1 2 4 and 16 threads", "[generator][reproducibility]") {
  const auto one = gen_lv_generator(1).collect(0, 60);
  // 16 threads on a 2-core machine: oversubscription shuffles the completion order most.
  for (std::size_t threads : {2, 4, 16}) {
    CAPTURE(threads);
    const auto many = gen_lv_generator(threads).collect(0, 60);
    REQUIRE(many.size() == one.size());
    for (std::size_t i = 0; i < one.size(); ++i) CHECK(gen_identical(one[i], many[i]));
  }
  // And the seed matters.
  const auto other = gen_lv_generator(2, 12).collect(0, 1);
  CHECK_FALSE(gen_identical(other[0], one[0]));
}

TEST_CASE("a slice generated alone equals the same slice of the full run",
          "[generator][reproducibility]") {
  const auto g = gen_lv_generator(2);
  const auto full = g.collect(0, 40);
  const auto slice = g.collect(17, 29);
  REQUIRE(slice.size() == 12);
  for (std::size_t i = 0; i < slice.size(); ++i) CHECK(gen_identical(slice[i], full[17 + i]));
  CHECK(gen_identical(g.make(33).data, full[33]));
}

TEST_CASE("streaming hands trajectories over in index order with bounded memory",
          "[generator][streaming]") {
  generator_options o;
  o.seed = 1;
  o.threads = 4;
  o.window = 6;
  const auto g =
      odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{}, lv_sampler(),
                               time_grid::linspace(0, 5, 11), odesynth::pipeline<>{}, o);
  std::uint64_t expected = 100;
  std::uint64_t rows = 0;
  const auto report = g.run(100, 2100, [&](std::uint64_t i, trajectory&& t) {
    CHECK(i == expected);  // index order, no gaps
    ++expected;
    rows += static_cast<std::uint64_t>(t.num_times());
  });
  CHECK(expected == 2100);
  CHECK(rows == 2000 * 11);
  CHECK(report.delivered == 2000);
  // The generator never holds more than the window (a cap that does not grow with n).
  CHECK(report.peak_alive <= 6);
  CHECK(report.peak_alive >= 1);
}

TEST_CASE("failure policies keep drop or resample failed solves", "[generator][failure]") {
  const std::uint64_t n = 400;
  const auto kept = gen_exploding_generator(failure_policy::keep).collect(0, n);
  REQUIRE(kept.size() == n);
  std::uint64_t failed = 0;
  for (const auto& t : kept) {
    const bool should_fail = t.parameters()[0] >= 0.5;  // blow-up at 1/k <= 2
    CHECK(t.ok() != should_fail);
    failed += t.ok() ? 0 : 1;
  }
  // k ~ U(-1, 1): P(k >= 0.5) = 1/4; Binomial(400, 1/4) sd 8.7, 5 sd.
  CHECK(std::fabs(static_cast<double>(failed) - 100) < 5 * 8.7);

  odesynth::generation_report report;
  const auto dropped = gen_exploding_generator(failure_policy::drop).collect(0, n, &report);
  CHECK(dropped.size() == n - failed);
  CHECK(report.dropped == failed);
  CHECK(report.delivered == n - failed);
  for (const auto& t : dropped) CHECK(t.ok());

  const auto resampled = gen_exploding_generator(failure_policy::resample).collect(0, n, &report);
  CHECK(resampled.size() == n);
  CHECK(report.resampled >= failed);  // every failure was re-drawn at least once
  // Still failing after 4 independent draws: probability 1/4^4 each; expected ~0.4 of 400.
  CHECK(report.failed() <= 5);
  std::uint64_t still_failed = 0;
  for (const auto& t : resampled) still_failed += t.ok() ? 0 : 1;
  CHECK(still_failed == report.failed());
  CHECK(report.count(solve_status::ok) == n - report.failed());
}

TEST_CASE("an error in a worker or the sink reaches the caller and stops the pool",
          "[generator][failure]") {
  const auto g = gen_lv_generator(4);
  int seen = 0;
  CHECK_THROWS_WITH(g.run(0, 1000,
                          [&](std::uint64_t i, trajectory&&) {
                            ++seen;
                            if (i == 5) throw std::runtime_error("disk full");
                          }),
                    "disk full");
  CHECK(seen == 6);  // in order, and nothing after the failure

  // A sampler that cannot meet its constraint for some trajectory: the error names it.
  sampler s(models::decay{});
  s.parameter("k", dist::normal{0, 1}, odesynth::value_constraint::positive)
      .initial_value("x", 1.0)
      .max_redraws(1);
  generator_options o;
  o.threads = 2;
  const auto strict =
      odesynth::make_generator(models::decay{}, odesynth::solve_options{}, s,
                               time_grid::linspace(0, 1, 3), odesynth::pipeline<>{}, o);
  CHECK_THROWS_WITH(strict.collect(0, 1000), Catch::Contains("x0[") || Catch::Contains("k"));
}

TEST_CASE("configuration errors surface when the generator is built", "[generator][input]") {
  // A transform naming a species the model does not have.
  CHECK_THROWS_WITH(odesynth::make_generator(
                        models::lotka_volterra{}, odesynth::solve_options{}, lv_sampler(),
                        time_grid::linspace(0, 1, 5),
                        odesynth::gaussian_noise(odesynth::per_species<double>{{"wolf", 1.0}})),
                    Catch::Contains("\"wolf\""));
  // A keep-count above the number of rows.
  CHECK_THROWS_AS(
      odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{}, lv_sampler(),
                               time_grid::linspace(0, 1, 5), odesynth::random_subset_count(6)),
      odesynth::invalid_argument);
  // A sampler for another model.
  sampler other(models::decay{});
  other.parameter("k", 1.0).initial_value("x", 1.0);
  CHECK_THROWS_WITH(odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                             other, time_grid::linspace(0, 1, 5)),
                    Catch::Contains("generator.sampler"));
  // Bad solver options, before any work.
  odesynth::solve_options bad;
  bad.rel_tol = -1;
  CHECK_THROWS_WITH(odesynth::make_generator(models::lotka_volterra{}, bad, lv_sampler(),
                                             time_grid::linspace(0, 1, 5)),
                    Catch::Contains("solve_options.rel_tol"));
  // A slice past a Latin hypercube's n.
  auto lhs = lv_sampler();
  lhs.design(odesynth::sampling_design::latin_hypercube(10));
  const auto g = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{}, lhs,
                                          time_grid::linspace(0, 1, 5));
  CHECK_THROWS_WITH(g.collect(0, 11), Catch::Contains("generator.run.end"));
  CHECK_THROWS_WITH(g.collect(5, 4), Catch::Contains("generator.run.begin"));
}

TEST_CASE("progress is reported until done equals total", "[generator]") {
  generator_options o;
  o.threads = 2;
  o.progress_interval = 0;
  std::vector<odesynth::progress> seen;
  o.on_progress = [&](const odesynth::progress& p) { seen.push_back(p); };
  const auto g =
      odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{}, lv_sampler(),
                               time_grid::linspace(0, 1, 5), odesynth::pipeline<>{}, o);
  (void)g.collect(0, 25);
  REQUIRE_FALSE(seen.empty());
  CHECK(seen.back().done == 25);
  CHECK(seen.back().total == 25);
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i].done >= seen[i - 1].done);
}

TEST_CASE("a budget of rows cuts the last trajectory", "[generator]") {
  auto g1 = gen_lv_generator(1);
  auto g3 = gen_lv_generator(3);
  // Each trajectory has round(0.8 * 51) = 41 rows after random_subset.
  const auto a = g1.collect_rows(100);
  const auto b = g3.collect_rows(100);
  REQUIRE(a.size() == 3);
  CHECK(a[2].num_times() == 100 - 2 * 41);
  REQUIRE(b.size() == a.size());
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(gen_identical(a[i], b[i]));
}

TEST_CASE("per-trajectory random grids are reproducible", "[generator]") {
  generator_options o;
  o.threads = 2;
  const auto g = odesynth::make_generator(
      models::lotka_volterra{}, odesynth::solve_options{}, lv_sampler(),
      odesynth::random_times{20, 0.0, 10.0, true, 0.0}, odesynth::pipeline<>{}, o);
  const auto a = g.collect(0, 10), b = g.collect(0, 10);
  CHECK(a[0].times() != a[1].times());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CHECK(gen_identical(a[i], b[i]));
    CHECK(a[i].times()[0] == 0.0);
    CHECK(a[i].times()[19] == 10.0);
  }
}

TEST_CASE("SDE and derivative-noise datasets are thread-count independent too",
          "[generator][reproducibility]") {
  auto run = [](std::size_t threads) {
    generator_options o;
    o.seed = 3;
    o.threads = threads;
    odesynth::sde_options so;
    so.dt = 0.01;
    const auto sde = odesynth::make_generator(
        models::lotka_volterra{},
        odesynth::diffusion{odesynth::diffusion::kind::multiplicative, 0.05}, so, lv_sampler(),
        time_grid::linspace(0, 5, 11), {}, o);
    const auto noisy = odesynth::make_generator(
        models::lotka_volterra{}, odesynth::derivative_noise{{dist::normal{0, 0.5}}},
        odesynth::solve_options{}, lv_sampler(), time_grid::linspace(0, 5, 11), {}, o);
    auto a = sde.collect(0, 12);
    auto b = noisy.collect(0, 12);
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  const auto one = run(1), four = run(4);
  REQUIRE(one.size() == 24);
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(gen_identical(one[i], four[i]));
}

TEST_CASE("steady states: logistic growth and a linear system", "[steady_state]") {
  const odesynth::solver<models::logistic> logistic(models::logistic{});
  const auto r = odesynth::find_steady_state(logistic, {0.8, 10.0}, {0.5});
  REQUIRE(r.steady());
  // Near N* = K the logistic derivative is -r (N - K), so the stopping rule
  // |N'| <= abs_tol + rel_tol N leaves |N - K| / K <= (1e-8 / K + 1e-6) / r = 1.25e-6 here,
  // plus the solver's own error at its rtol (1e-6): 1e-5 bounds both with margin.
  CHECK(r.state[0] == Approx(10.0).epsilon(1e-5));  // carrying capacity

  // x' = A x + b with A = [[-2, 1], [1, -3]], b = (1, 2): fixed point -A^{-1} b = (1, 1).
  auto linear = odesynth::make_model<2, 0>("linear", {"u", "v"}, {},
                                           [](const auto& x, auto& dxdt, double, const auto&) {
                                             dxdt[0] = -2 * x[0] + x[1] + 1;
                                             dxdt[1] = x[0] - 3 * x[1] + 2;
                                           });
  const auto l = odesynth::find_steady_state(odesynth::solver(linear), {}, {5.0, -3.0});
  REQUIRE(l.steady());
  // The slowest eigenvalue of A is -1.38, so |x - x*| <= |x'| / 1.38 <= 7.3e-7 at the stopping
  // rule, plus solver error.
  CHECK(l.state[0] == Approx(1.0).epsilon(1e-5));
  CHECK(l.state[1] == Approx(1.0).epsilon(1e-5));

  // An oscillator never settles: a status, not an exception.
  odesynth::steady_state_options o;
  o.max_time = 100;
  const auto osc = odesynth::find_steady_state(odesynth::solver<models::harmonic_oscillator>({}),
                                               {1.0}, {1.0, 0.0}, 0.0, o);
  CHECK(osc.status == odesynth::steady_state_status::max_time_reached);
  CHECK_THAT(osc.message, Catch::Contains("not steady after t = 100"));
}

TEST_CASE("steady-state and perturbation datasets continue past samples without a steady state",
          "[steady_state]") {
  sampler s(models::logistic{});
  s.parameter("r", dist::uniform{0.5, 1.0})
      .parameter("K", dist::uniform{5, 20})
      .initial_value("N", 1.0);
  const odesynth::solver<models::logistic> solver(models::logistic{});
  std::vector<odesynth::steady_state_sample> rows;
  odesynth::steady_state_dataset(
      solver, s, 7, 0, 20,
      [&](std::uint64_t, odesynth::steady_state_sample&& r) { rows.push_back(std::move(r)); });
  REQUIRE(rows.size() == 20);
  for (const auto& r : rows) {
    REQUIRE(r.result.steady());
    // Relative distance to N* = K is at most (abs_tol / K + rel_tol) / r <= 2.1e-6 for
    // r >= 0.5 (see the test above), plus solver error: 1e-5 bounds it.
    CHECK(r.result.state[0] == Approx(r.parameters[1]).epsilon(1e-5));  // N* = K
  }

  // Perturb K by x1.5: the new steady state is 1.5 K.
  odesynth::perturbation change;
  change.parameter_factors = {{"K", dist::constant{1.5}}};
  change.state_factors = {{"N", dist::uniform{0.5, 0.9}}};
  std::vector<odesynth::perturbation_sample> perturbed;
  odesynth::perturbation_dataset(
      solver, s, change, 7, 0, 10,
      [&](std::uint64_t, odesynth::perturbation_sample&& r) { perturbed.push_back(std::move(r)); });
  REQUIRE(perturbed.size() == 10);
  for (const auto& r : perturbed) {
    CHECK(r.perturbed_parameters[1] == 1.5 * r.parameters[1]);
    CHECK(r.perturbed_start[0] < r.before.state[0]);
    REQUIRE(r.after.steady());
    CHECK(r.after.state[0] == Approx(1.5 * r.parameters[1]).epsilon(1e-5));
  }

  // Oscillators in a dataset: every row comes back, marked.
  sampler osc(models::harmonic_oscillator{});
  osc.parameter("omega", dist::uniform{1, 2}).initial_value("x", 1.0).initial_value("v", 0.0);
  odesynth::steady_state_options o;
  o.max_time = 50;
  int unsteady = 0;
  odesynth::steady_state_dataset(
      odesynth::solver<models::harmonic_oscillator>({}), osc, 1, 0, 5,
      [&](std::uint64_t, odesynth::steady_state_sample&& r) {
        unsteady += r.result.steady() ? 0 : 1;
      },
      o);
  CHECK(unsteady == 5);
}

TEST_CASE("one thread reusing what the sink leaves gives the trajectories make gives",
          "[generator][reproducibility]") {
  // On one thread, run() makes each trajectory into the memory of the one before when the
  // sink did not keep it (a sink that only reads). Rows dropped by a subset, failed solves
  // with messages, resamples and drops must not leak from one trajectory into the next.
  auto lv = gen_lv_generator(1);
  std::vector<trajectory> seen;
  lv.run(0, 60, [&](std::uint64_t, trajectory&& tr) { seen.push_back(tr); });  // a copy
  REQUIRE(seen.size() == 60);
  for (std::uint64_t i = 0; i < 60; ++i) CHECK(gen_identical(seen[i], lv.make(i).data));

  for (const auto policy : {failure_policy::keep, failure_policy::drop, failure_policy::resample}) {
    CAPTURE(policy);
    generator_options o;
    o.seed = 4;
    o.threads = 1;
    o.on_failure = policy;
    o.max_attempts = 4;
    sampler s(sometimes_explodes{});
    s.parameter("k", dist::uniform{-1, 1}).initial_value("x", 1.0);
    const auto g =
        odesynth::make_generator(sometimes_explodes{}, odesynth::solve_options{}, s,
                                 time_grid::linspace(0, 2, 5), odesynth::pipeline<>{}, o);
    std::vector<std::pair<std::uint64_t, trajectory>> got;
    g.run(0, 80, [&](std::uint64_t i, trajectory&& tr) { got.emplace_back(i, tr); });
    std::size_t k = 0;
    for (std::uint64_t i = 0; i < 80; ++i) {
      const auto made = g.make(i);
      if (made.dropped) continue;
      REQUIRE(k < got.size());
      CHECK(got[k].first == i);
      CHECK(gen_identical(got[k].second, made.data));
      CHECK(got[k].second.message() == made.data.message());
      ++k;
    }
    CHECK(k == got.size());
  }
}
