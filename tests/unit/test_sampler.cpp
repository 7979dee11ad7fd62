// Parameter sampler: names and arguments validated up front, draws depending only on (seed,
// index), constraints enforced by bounded re-draws, designs without accidental correlation,
// random piecewise-constant schedules.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <odesynth/distributions.hpp>
#include <odesynth/sampler.hpp>
#include <set>
#include <string>
#include <vector>

#include "test_models.hpp"

using odesynth::sampler;
using odesynth::sampling_design;
using odesynth::value_constraint;
namespace dist = odesynth::dist;
namespace models = test_models;

namespace {

sampler lotka_volterra_sampler() {
  sampler s(models::lotka_volterra{});
  s.parameter("alpha", dist::uniform{1.0, 2.0})
      .parameter("beta", dist::log_uniform{0.5, 2.0}, value_constraint::positive)
      .parameter("gamma", 3.0)
      .parameter("delta", dist::normal{1.0, 0.1}, value_constraint::positive)
      .initial_value("prey", dist::uniform{5, 15})
      .initial_value("predator", 5.0);
  return s;
}

/// A chain of n species, every initial value random: a sampler with n dimensions.
sampler chain_sampler(std::size_t n) {
  const models::linear_chain model(n);
  sampler s(model);
  s.parameter("k", 1.0);
  for (const auto& name : model.species()) s.initial_value(name, dist::uniform{1.0, 2.0});
  return s;
}

double sampler_correlation(const std::vector<double>& a, const std::vector<double>& b) {
  const auto n = static_cast<double>(a.size());
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    ma += a[i];
    mb += b[i];
  }
  ma /= n;
  mb /= n;
  double sab = 0, saa = 0, sbb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) * (a[i] - ma);
    sbb += (b[i] - mb) * (b[i] - mb);
  }
  return sab / std::sqrt(saa * sbb);
}

}  // namespace

TEST_CASE("samples depend only on seed and index", "[sampler]") {
  const auto bound = lotka_volterra_sampler().bind(42);
  const auto a = bound.draw(7, 0.0);
  (void)bound.draw(8, 0.0);
  (void)bound.draw(1000000, 0.0);
  const auto b = bound.draw(7, 0.0);
  CHECK(a.parameters == b.parameters);
  CHECK(a.initial_state == b.initial_state);
  CHECK(bound.draw(7, 0.0).parameters != bound.draw(6, 0.0).parameters);
  CHECK(lotka_volterra_sampler().bind(43).draw(7, 0.0).parameters != a.parameters);
  // Fixed values are exact; random ones are in their supports.
  CHECK(a.parameters[2] == 3.0);
  CHECK(a.initial_state[1] == 5.0);
  CHECK(a.parameters[0] >= 1.0);
  CHECK(a.parameters[0] <= 2.0);
  CHECK_FALSE(a.has_schedule);
  CHECK(a.schedule.num_segments() == 1);
  CHECK(bound.dimensions() == 4);  // alpha, beta, delta, prey
}

TEST_CASE("draws with many dimensions match draws with few on the shared ones", "[sampler]") {
  // Up to 32 dimensions the design's point lives on the stack, beyond that on the heap; an
  // independent design draws coordinates in order from one stream, so a 33- and a 100-dim
  // sampler must repeat the 32-dim sampler's values on their first 32 coordinates.
  const auto small = chain_sampler(32).bind(5), just_over = chain_sampler(33).bind(5),
             large = chain_sampler(100).bind(5);
  REQUIRE(large.dimensions() == 100);
  for (std::uint64_t i : {0u, 1u, 977u}) {
    const auto a = small.draw(i, 0.0), b = just_over.draw(i, 0.0), c = large.draw(i, 0.0);
    for (std::size_t k = 0; k < 32; ++k) {
      CHECK(b.initial_state[k] == a.initial_state[k]);
      CHECK(c.initial_state[k] == a.initial_state[k]);
    }
    std::set<double> distinct(c.initial_state.begin(), c.initial_state.end());
    CHECK(distinct.size() == 100);
    CHECK(*std::min_element(c.initial_state.begin(), c.initial_state.end()) >= 1.0);
    CHECK(*std::max_element(c.initial_state.begin(), c.initial_state.end()) <= 2.0);
    CHECK(large.draw(i, 0.0).initial_state == c.initial_state);
  }
}

TEST_CASE("independent draws have the distributions' moments", "[sampler]") {
  // 50000 samples: the mean of U(1, 2) has sd sqrt(1/12/n) = 0.0013; 5 sd bound.
  const auto bound = lotka_volterra_sampler().bind(1);
  const int n = 50000;
  double alpha = 0, delta = 0;
  for (int i = 0; i < n; ++i) {
    const auto x = bound.draw(static_cast<std::uint64_t>(i), 0.0);
    alpha += x.parameters[0];
    delta += x.parameters[3];
  }
  CHECK(std::fabs(alpha / n - 1.5) < 5 * std::sqrt(1.0 / 12 / n));
  CHECK(std::fabs(delta / n - 1.0) < 5 * 0.1 / std::sqrt(double(n)));
}

TEST_CASE("declared constraints are enforced by re-drawing", "[sampler]") {
  sampler s(models::decay{});
  s.parameter("k", dist::normal{0.5, 1.0}, value_constraint::positive).initial_value("x", 1.0);
  const auto bound = s.bind(5);
  int redrawn_region = 0;
  for (std::uint64_t i = 0; i < 20000; ++i) {
    const double k = bound.draw(i, 0.0).parameters[0];
    REQUIRE(k > 0);
    redrawn_region += k < 0.5 ? 1 : 0;
  }
  // Conditioned on k > 0: P(k < 0.5 | k > 0) = (0.5 - P(k<0)) / P(k>0) = 0.1915 / 0.6915.
  const double p = 0.19146 / 0.69146;
  CHECK(std::fabs(redrawn_region - 20000 * p) < 5 * std::sqrt(20000 * p * (1 - p)));
}

TEST_CASE("a Latin hypercube puts exactly one sample in every stratum", "[sampler][design]") {
  const std::uint64_t n = 200;
  sampler s(models::lotka_volterra{});
  s.parameter("alpha", dist::uniform{0, 1})
      .parameter("beta", dist::uniform{0, 1})
      .parameter("gamma", dist::normal{0, 1})
      .parameter("delta", 1.0)
      .initial_value("prey", 1.0)
      .initial_value("predator", 1.0)
      .design(sampling_design::latin_hypercube(n));
  const auto bound = s.bind(9);
  REQUIRE(bound.required_count() == n);
  std::set<std::uint64_t> alpha_strata, beta_strata, gamma_strata;
  std::vector<double> alpha, beta;
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto x = bound.draw(i, 0.0);
    alpha_strata.insert(static_cast<std::uint64_t>(x.parameters[0] * n));
    beta_strata.insert(static_cast<std::uint64_t>(x.parameters[1] * n));
    gamma_strata.insert(
        static_cast<std::uint64_t>(odesynth::standard_normal_cdf(x.parameters[2]) * n));
    alpha.push_back(x.parameters[0]);
    beta.push_back(x.parameters[1]);
  }
  CHECK(alpha_strata.size() == n);
  CHECK(beta_strata.size() == n);
  CHECK(gamma_strata.size() == n);
  // Independent permutations per dimension: no correlation beyond sampling noise
  // (|r| < 5 / sqrt(n) for independent columns).
  CHECK(std::fabs(sampler_correlation(alpha, beta)) < 5 / std::sqrt(double(n)));
}

TEST_CASE("low-discrepancy designs do not depend on the number of trajectories",
          "[sampler][design]") {
  for (auto design : {sampling_design::sobol(), sampling_design::halton()}) {
    auto s = lotka_volterra_sampler();
    s.design(design);
    const auto bound = s.bind(3);
    CHECK_FALSE(bound.required_count().has_value());
    CHECK(bound.draw(17, 0.0).parameters == s.bind(3).draw(17, 0.0).parameters);
    // Low discrepancy: 256 Sobol/Halton points fill U(1, 2)'s 16 equal bins evenly (an
    // independent sample would leave some bins with 8 or 24).
    std::vector<int> bins(16, 0);
    for (std::uint64_t i = 0; i < 256; ++i)
      ++bins[static_cast<std::size_t>((bound.draw(i, 0.0).parameters[0] - 1.0) * 16)];
    for (int b : bins) CHECK(std::abs(b - 16) <= 2);
  }
}

TEST_CASE("a grid design enumerates every combination", "[sampler][design]") {
  sampler s(models::lotka_volterra{});
  s.parameter("alpha", dist::choice{{1.0, 2.0, 3.0}, {}})
      .parameter("beta", dist::uniform{0, 1})
      .parameter("gamma", 3.0)
      .parameter("delta", 1.0)
      .initial_value("prey", 1.0)
      .initial_value("predator", 1.0)
      .design(sampling_design::grid(4));
  const auto bound = s.bind(0);
  REQUIRE(bound.required_count() == 12);
  std::set<std::pair<double, double>> seen;
  for (std::uint64_t i = 0; i < 12; ++i) {
    const auto x = bound.draw(i, 0.0);
    seen.insert({x.parameters[0], x.parameters[1]});
  }
  CHECK(seen.size() == 12);
  CHECK(seen.count({1.0, 0.125}) == 1);  // beta levels at (j + 1/2) / 4
  CHECK(seen.count({3.0, 0.875}) == 1);
}

TEST_CASE("random piecewise-constant schedules", "[sampler][schedule]") {
  sampler s(models::lotka_volterra{});
  s.parameter("alpha", 1.0)
      .schedule("beta", {dist::uniform{2, 4}, dist::constant{1.0}},
                {dist::constant{10}, dist::constant{20}, dist::constant{30}})
      .parameter("gamma", 3.0)
      .schedule("delta", {dist::constant{3.0}}, {dist::constant{0.5}, dist::constant{0.7}})
      .initial_value("prey", 1.0)
      .initial_value("predator", 1.0);
  const auto bound = s.bind(1);
  const auto x = bound.draw(0, 0.0);
  REQUIRE(x.has_schedule);
  // beta switches at 1 (sorted first) and at u in [2, 4]; delta at 3: union of switches.
  REQUIRE(x.schedule.switch_times.size() == 3);
  CHECK(x.schedule.switch_times[0] == 1.0);
  const double u =
      x.schedule.switch_times[1] == 3.0 ? x.schedule.switch_times[2] : x.schedule.switch_times[1];
  CHECK(u >= 2.0);
  CHECK(u <= 4.0);
  CHECK(x.schedule.at(0.5)[1] == 10);
  CHECK(x.schedule.at(1.5)[1] == 20);
  CHECK(x.schedule.at(4.5)[1] == 30);
  CHECK(x.schedule.at(2.9)[3] == 0.5);
  CHECK(x.schedule.at(3.0)[3] == 0.7);
  CHECK(x.parameters == x.schedule.values.front());
  // A start after some switches: they only select the starting values.
  const auto later = bound.draw(0, 1.5);
  CHECK(later.schedule.switch_times.front() > 1.5);
  CHECK(later.parameters[1] == 20);
}

TEST_CASE("sampler configuration errors name the parameter", "[sampler][input]") {
  auto expect = [](auto make, const std::string& field, const std::string& value,
                   const std::string& contains = "") {
    try {
      make();
      FAIL("no exception for " << field);
    } catch (const odesynth::invalid_argument& e) {
      CHECK(e.field() == field);
      CHECK(e.value() == value);
      if (!contains.empty()) CHECK_THAT(e.what(), Catch::Contains(contains));
    }
  };
  expect([] { sampler(models::lotka_volterra{}).parameter("wolf", 1.0); }, "sampler.parameter",
         "\"wolf\"", "alpha, beta, gamma, delta");
  expect([] { sampler(models::lotka_volterra{}).initial_value("wolf", 1.0); },
         "sampler.initial_value", "\"wolf\"", "prey, predator");
  expect([] { sampler(models::lotka_volterra{}).parameter("alpha", 1.0).bind(0); },
         "sampler.parameter[\"beta\"]", "unset");
  expect(
      [] {
        sampler(models::lotka_volterra{})
            .parameter("alpha", 1.0)
            .parameter("beta", 1.0)
            .parameter("gamma", 1.0)
            .parameter("delta", 1.0)
            .initial_value("prey", 1.0)
            .bind(0);
      },
      "sampler.initial_value[\"predator\"]", "unset");
  expect(
      [] {
        sampler(models::lotka_volterra{}).parameter("alpha", dist::uniform{2, 1});
      },
      "sampler.parameter[\"alpha\"].lo", "2");
  expect(
      [] {
        sampler(models::lotka_volterra{}).parameter("alpha", dist::normal{0, -1});
      },
      "sampler.parameter[\"alpha\"].sd", "-1");
  expect(
      [] {
        sampler(models::lotka_volterra{}).parameter("alpha", dist::log_uniform{0, 1});
      },
      "sampler.parameter[\"alpha\"].lo", "0");
  expect(
      [] {
        sampler(models::lotka_volterra{}).parameter("alpha", dist::choice{{}, {}});
      },
      "sampler.parameter[\"alpha\"].values", "[]");
  expect(
      [] {
        sampler(models::lotka_volterra{}).parameter("alpha", dist::choice{{1, 2}, {1, -2}});
      },
      "sampler.parameter[\"alpha\"].weights[1]", "-2");
  expect(
      [] {
        sampler(models::lotka_volterra{})
            .parameter("alpha", std::numeric_limits<double>::quiet_NaN());
      },
      "sampler.parameter[\"alpha\"]", "nan");
  expect(
      [] {
        auto s = lotka_volterra_sampler();
        s.parameter("beta", dist::uniform{-3, -1}, value_constraint::positive).bind(0);
      },
      "sampler.parameter[\"beta\"]", "uniform(lo=-3, hi=-1)", "whole support");
  expect(
      [] {
        auto s = lotka_volterra_sampler();
        s.design(sampling_design::latin_hypercube(0)).bind(0);
      },
      "sampling_design.n", "0");
  expect([] { sampler(models::lotka_volterra{}).schedule("beta", {}, {dist::constant{1}}); },
         "sampler.schedule[\"beta\"].switch_times", "[]");
  expect([] { sampler(models::lotka_volterra{}).max_redraws(0); }, "sampler.max_redraws", "0");
}

TEST_CASE("the sampler describes itself for provenance", "[sampler]") {
  auto s = lotka_volterra_sampler();
  s.design(sampling_design::latin_hypercube(100));
  CHECK(s.describe() ==
        "sampler(design=latin_hypercube(n=100); alpha ~ uniform(lo=1, hi=2); beta ~ "
        "log_uniform(lo=0.5, hi=2) (positive); gamma ~ constant(value=3); delta ~ normal(mean=1, "
        "sd=0.1) (positive); x0[prey] ~ uniform(lo=5, hi=15); x0[predator] ~ constant(value=5))");
  CHECK(s.dimension_names() == std::vector<std::string>{"alpha", "beta", "delta", "x0[prey]"});
}

TEST_CASE("draw_into a reused sample gives the draws of a fresh one", "[sampler]") {
  // The generator's workers reuse one sample each; whatever it held before (a schedule, more
  // segments, a non-finite mark), a draw into it must equal the fresh draw.
  sampler scheduled(models::lotka_volterra{});
  scheduled.parameter("alpha", dist::uniform{1, 2})
      .schedule("beta", {dist::uniform{2, 4}}, {dist::constant{10}, dist::uniform{20, 30}})
      .parameter("gamma", 3.0)
      .parameter("delta", dist::normal{0.5, 0.1})
      .initial_value("prey", dist::uniform{1, 2})
      .initial_value("predator", 1.0);
  sampler plain(models::lotka_volterra{});
  plain.parameter("alpha", dist::uniform{1, 2})
      .parameter("beta", dist::lognormal{0, 1})
      .parameter("gamma", 3.0)
      .parameter("delta", 0.5)
      .initial_value("prey", dist::uniform{1, 2})
      .initial_value("predator", dist::uniform{0, 1});
  const auto a = scheduled.bind(4);
  const auto b = plain.bind(4);
  odesynth::sample reused;
  const auto same = [](const odesynth::sample& x, const odesynth::sample& y) {
    return x.parameters == y.parameters && x.initial_state == y.initial_state &&
           x.schedule.switch_times == y.schedule.switch_times &&
           x.schedule.values == y.schedule.values && x.has_schedule == y.has_schedule &&
           x.non_finite_field == y.non_finite_field;
  };
  for (std::uint64_t i = 0; i < 40; ++i) {
    const auto& which = i % 3 == 0 ? a : b;  // alternate shapes: schedule, none, none, ...
    const int attempt = static_cast<int>(i % 2);
    which.draw_into(reused, i, 0.5, attempt);
    const auto fresh = attempt == 0 ? which.draw(i, 0.5) : which.redraw(i, 0.5, attempt);
    CAPTURE(i);
    CHECK(same(reused, fresh));
  }
}
