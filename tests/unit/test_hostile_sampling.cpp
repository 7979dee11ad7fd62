// Hostile inputs to sampling (issue 12): truncated-normal moments in the far tails and on
// narrow intervals, the Brownian tree between its grid points, and distributions whose draws
// overflow. Each regression test here failed before its fix.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <odesynth/distributions.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/random.hpp>
#include <odesynth/sampler.hpp>
#include <odesynth/sde.hpp>
#include <odesynth/time_grid.hpp>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "test_models.hpp"

namespace dist = odesynth::dist;

namespace {
constexpr double hs_inf = std::numeric_limits<double>::infinity();

// Mean of z^2 and of z_j z_(j+1) (within each path) over normalised increments
// z = dW / sqrt(dt) of every path.
struct increment_stats {
  double mean_square = 0, lag_one = 0;
  std::size_t count = 0, pairs = 0;
};
increment_stats stats_of_increments(const std::vector<std::vector<double>>& paths,
                                    const std::vector<double>& times) {
  increment_stats out;
  for (const auto& w : paths) {
    double previous = 0;
    for (std::size_t j = 0; j + 1 < times.size(); ++j) {
      const double z = (w[j + 1] - w[j]) / std::sqrt(times[j + 1] - times[j]);
      out.mean_square += z * z;
      ++out.count;
      if (j > 0) {
        out.lag_one += z * previous;
        ++out.pairs;
      }
      previous = z;
    }
  }
  out.mean_square /= static_cast<double>(out.count);
  out.lag_one /= static_cast<double>(out.pairs);
  return out;
}

// W at `times` (queried in that order) for `paths` keys of a tree on [0, 1] of depth 3.
std::vector<std::vector<double>> tree_paths(int paths, const std::vector<double>& times) {
  std::vector<std::vector<double>> out;
  for (int key = 0; key < paths; ++key) {
    odesynth::brownian_tree tree(static_cast<std::uint64_t>(key) * 7919u + 1, 1, 0.0, 1.0, 3);
    std::vector<double> w;
    for (double t : times) w.push_back(tree.at(0, t));
    out.push_back(std::move(w));
  }
  return out;
}
}  // namespace

TEST_CASE("truncated normal moments are accurate in both tails and on narrow intervals",
          "[random][distribution][hostile]") {
  // Reference values: mpmath 1.2.1 at 150 digits from the closed forms with the exact double
  // inputs (Z = Q(a) - Q(b) with Q(x) = erfc(x / sqrt 2) / 2; mean = m + sd (phi(a) - phi(b)) /
  // Z; variance = sd^2 (1 + (a phi(a) - b phi(b)) / Z - ((phi(a) - phi(b)) / Z)^2)), checked
  // against mpmath quadrature of the moments (agreeing to 1e-16 or better; the script is
  // /tmp-only, its formulas are these). At 150 digits the cancellation that breaks the double
  // formulas (up to 89 digits on [20, 21]) leaves 60 or more correct digits.
  struct reference {
    double mean, sd, lo, hi, expected_mean, expected_variance;
  };
  const std::vector<reference> cases{
      {0.0, 1.0, -21.0, -20.0, -20.049753067339750954, 0.0024632604300108293914},
      {0.0, 1.0, 20.0, 21.0, 20.049753067339750954, 0.0024632604300108293914},
      {0.0, 1.0, 8.0, hs_inf, 8.1213681122361126807, 0.014324883443340910176},
      {0.0, 1.0, -hs_inf, -8.0, -8.1213681122361126807, 0.014324883443340910176},
      {0.0, 1.0, -1.0, 1.0, 0.0, 0.29112509477279321119},
      {0.0, 1.0, 5.0, 5.000000001, 5.000000000500000041, 8.3333347123395736906e-20},
      {0.0, 1.0, -0.5, 2.0, 0.4457437782725148376, 0.37659383613683589663},
      {0.0, 1.0, 36.0, 36.5, 36.027735068657795943, 0.00076805217212569058339},
      {0.0, 1.0, -1e-09, 2e-09, 5.0000000000000003077e-10, 7.500000000000000932e-19},
      {0.0, 1.0, 0.0, hs_inf, 0.79788456080286535588, 0.36338022763241865692},
      {0.0, 1.0, -3.0, 10.0, 0.0044378390421256637932, 0.98666678845825919379},
      {0.0, 1.0, 2.0, 2.5, 2.2044520781676749003, 0.019434066747448838011},
      {3.0, 0.5, 2.0, hs_inf, 3.0276239313394949796, 0.22161298707785588755},
      {10.0, 2.0, 50.0, 52.0, 50.099506134679501908, 0.0098530417200433175654},
      {0.0, 1.0, -hs_inf, hs_inf, 0.0, 1.0},
      {-7.0, 3.0, -hs_inf, -80.0, -80.122874710257087905, 0.015047956811819622761},
      {1000.0, 0.001, 1000.03, 1000.031, 1000.0300332596674064, 1.1037715118372769084e-9},
  };
  for (const auto& c : cases) {
    const dist::truncated_normal d{c.mean, c.sd, c.lo, c.hi};
    CAPTURE(d.describe());
    REQUIRE_NOTHROW(d.validate("k"));
    const double m = d.mean_value(), v = d.variance();
    CAPTURE(m, v, c.expected_mean, c.expected_variance);
    // Relative 1e-12 (a zero mean, the symmetric cases, must come out exactly 0).
    CHECK(std::fabs(m - c.expected_mean) <= 1e-12 * std::fabs(c.expected_mean));
    CHECK(std::fabs(v - c.expected_variance) <= 1e-12 * c.expected_variance);
  }
  // The upper tail of a range holding the mean is inverted from survival probabilities: the
  // largest uniform gave inf for [0, inf) (Phi^-1(0.5 + 0.5 u) with 0.5 + 0.5 u rounding to 1),
  // and [-3, inf) at 1 - 1e-12 was off by 3.5e-7 relative. References: mpmath at 50 digits,
  // z = sqrt(2) erfinv(1 - 2 q) with q = Q(a) (1 - u) for the exact double u.
  const double largest_below_one = 1 - 0x1.0p-53;
  CHECK(dist::truncated_normal{0, 1, 0, hs_inf}.quantile(largest_below_one) ==
        Approx(8.2923610758135955382).epsilon(1e-13));
  CHECK(dist::truncated_normal{0, 1, 0, hs_inf}.quantile(1 - 1e-10) ==
        Approx(6.4669510747324189844).epsilon(1e-12));
  CHECK(dist::truncated_normal{0, 1, -3, hs_inf}.quantile(1 - 1e-12) ==
        Approx(7.0346752681801373246).epsilon(1e-12));

  // A point mass (sd = 0) sits at the mean clamped into the range.
  CHECK(dist::truncated_normal{5, 0, 0, 2}.mean_value() == 2);
  CHECK(dist::truncated_normal{5, 0, 0, 2}.variance() == 0);
}

TEST_CASE("Brownian tree increments finer than its grid are Brownian", "[sde][hostile]") {
  // The tree's grid spacing is 1/8; every increment here is far finer. Under Brownian motion
  // the normalised increments z = dW / sqrt(dt) of one path are independent N(0, 1), so the
  // mean of M values of z^2 has sd sqrt(2 / M) around 1 and the mean of M products of
  // neighbours sd 1 / sqrt(M) around 0: bounds of 5 sd (fixed keys: deterministic).
  // Before the fix, times inside one grid interval shared a single normal: mean z^2 was 0.076
  // (neighbour mean 0.049) at dt = 1e-3, 8e-9 at dt = 1e-9 and 0 at one ulp.
  auto check = [](const std::vector<double>& times, int paths) {
    const auto st = stats_of_increments(tree_paths(paths, times), times);
    CAPTURE(times.front(), times[1] - times[0], st.mean_square, st.lag_one, st.count);
    CHECK(std::fabs(st.mean_square - 1) < 5 * std::sqrt(2.0 / static_cast<double>(st.count)));
    CHECK(std::fabs(st.lag_one) < 5 / std::sqrt(static_cast<double>(st.pairs)));
  };
  SECTION("dt = 1e-3 across a grid point") {
    std::vector<double> times;  // 0.1 .. 0.15, crossing the grid time 0.125
    for (int j = 0; j <= 50; ++j) times.push_back(0.1 + 0.001 * j);
    check(times, 2000);
  }
  SECTION("dt = 1e-9") {
    std::vector<double> times;
    for (int j = 0; j <= 20; ++j) times.push_back(0.3 + 1e-9 * j);
    check(times, 2000);
  }
  SECTION("one ulp") {
    const double t = 0.3;
    const double next = std::nextafter(t, 1.0);
    const auto paths = tree_paths(4000, {t, next});
    double mean_square = 0;
    for (const auto& w : paths) mean_square += (w[1] - w[0]) * (w[1] - w[0]) / (next - t);
    mean_square /= static_cast<double>(paths.size());
    CAPTURE(mean_square);
    CHECK(std::fabs(mean_square - 1) < 5 * std::sqrt(2.0 / static_cast<double>(paths.size())));
  }
}

TEST_CASE("Brownian tree values do not depend on query order or tree depth", "[sde][hostile]") {
  // A virtual Brownian tree is a fixed function of (key, t): any order of queries, any depth
  // (the solver's step), gives the same bits. Times: random ones, close pairs, grid times.
  std::vector<double> times;
  odesynth::random_stream s(3, 0, odesynth::stream_purpose::user);
  for (int j = 0; j < 150; ++j) times.push_back(1.0 + 2.0 * s.uniform01());
  for (int j = 0; j < 20; ++j) {
    const double t = 1.0 + 2.0 * s.uniform01();
    times.push_back(t);
    times.push_back(std::nextafter(t, 3.0));
    times.push_back(t + 1e-12);
  }
  for (int k = 0; k <= 8; ++k) times.push_back(1.0 + 0.25 * k);
  times.push_back(1.0 + 1e-300);  // deep below the grid next to t0
  auto values = [&](int depth, const std::vector<std::size_t>& order) {
    odesynth::brownian_tree tree(77, 2, 1.0, 3.0, depth);
    std::vector<double> w(2 * times.size());
    for (std::size_t i : order)
      for (std::size_t c = 0; c < 2; ++c) w[2 * i + c] = tree.at(c, times[i]);
    return w;
  };
  std::vector<std::size_t> forward(times.size()), backward, shuffled;
  for (std::size_t i = 0; i < times.size(); ++i) forward[i] = i;
  backward.assign(forward.rbegin(), forward.rend());
  shuffled = forward;
  for (std::size_t i = shuffled.size(); i > 1; --i)
    std::swap(shuffled[i - 1], shuffled[static_cast<std::size_t>(s.below(i))]);
  const auto reference = values(3, forward);
  for (double w : reference) REQUIRE(std::isfinite(w));
  CHECK(values(3, backward) == reference);
  CHECK(values(3, shuffled) == reference);
  CHECK(values(0, shuffled) == reference);
  CHECK(values(9, backward) == reference);
  CHECK(values(30, forward) == reference);

  // A deeper tree's grid values are the shallow tree's points at those times.
  odesynth::brownian_tree coarse(5, 1, 0.0, 2.0, 2), fine(5, 1, 0.0, 2.0, 10);
  for (std::uint64_t k = 0; k <= fine.intervals(); ++k)
    CHECK(coarse.at(0, fine.time_of(k)) == fine.at_index(0, k));
}

TEST_CASE("SDE output times between steps get Brownian increments", "[sde][hostile]") {
  // dX = sigma dW (decay with rate 0): X increments between output times are sigma dW exactly
  // (the solver steps from its state at the last step with W's increment). Output every 1e-4
  // on [0.5, 0.51], steps of 0.51 / 64 = 0.008: about 80 output intervals per step. 400 paths
  // x 100 increments: 5 sd bounds as above. Before the fix: mean z^2 = 0.054.
  odesynth::sde_options o;
  o.dt = 0.01;
  o.scheme = odesynth::sde_scheme::euler_maruyama;
  const double sigma = 0.5;
  const odesynth::sde_solver<test_models::decay> sde(
      test_models::decay{}, odesynth::diffusion{odesynth::diffusion::kind::additive, sigma}, o);
  std::vector<double> times;
  for (int j = 0; j <= 100; ++j) times.push_back(0.5 + 1e-4 * j);
  const auto grid = odesynth::time_grid::from_times(times).with_start(0.0);
  std::vector<std::vector<double>> paths;
  for (std::uint64_t i = 0; i < 400; ++i) {
    odesynth::random_stream s(11, i, odesynth::stream_purpose::process_noise);
    const auto tr = sde.solve({0.0}, {1.0}, grid, s);
    REQUIRE(tr.ok());
    std::vector<double> w;
    for (Eigen::Index r = 0; r < tr.num_times(); ++r) w.push_back(tr.values()(r, 0) / sigma);
    paths.push_back(std::move(w));
  }
  const auto st = stats_of_increments(paths, times);
  CAPTURE(st.mean_square, st.lag_one, sde.steps_for(grid));
  CHECK(std::fabs(st.mean_square - 1) < 5 * std::sqrt(2.0 / static_cast<double>(st.count)));
  CHECK(std::fabs(st.lag_one) < 5 / std::sqrt(static_cast<double>(st.pairs)));
}

TEST_CASE("catalogue: hostile distributions", "[errors]") {
  // Distributions whose draws cannot all be finite are refused when they are set, naming the
  // field and the value (the stream's uniforms reach 2^-53 and 1 - 2^-53).
  using test_support::expect_error;
  auto parameter = [](odesynth::distribution d) {
    odesynth::sampler(test_models::decay{}).parameter("k", std::move(d));
  };
  expect_error(
      [&] {
        parameter(dist::uniform{-1e308, 1e308});
      },
      {"sampler.parameter[\"k\"].hi = 1e+308", "lo=-1e+308"});
  expect_error(
      [&] {
        parameter(dist::percent_around{1e308, 100});
      },
      {"sampler.parameter[\"k\"].percent = 100", "nominal=1e+308"});
  expect_error(
      [&] {
        parameter(dist::normal{0, 1e308});
      },
      {"sampler.parameter[\"k\"].sd = 1e+308", "-inf"});
  expect_error(
      [&] {
        parameter(dist::truncated_normal{1, 1e308});
      },
      {"sampler.parameter[\"k\"].sd = 1e+308"});
  expect_error(
      [&] {
        parameter(dist::lognormal{0, 400});
      },
      {"sampler.parameter[\"k\"].sigma = 400", "lognormal(mu=0, sigma=400)", "inf"});
  expect_error([&] { parameter(dist::lognormal{710, 0}); }, {"sampler.parameter[\"k\"].mu = 710"});
  expect_error([&] { parameter(dist::exponential{1e-310}); },
               {"sampler.parameter[\"k\"].rate = 1e-310"});
  expect_error(
      [&] {
        parameter(dist::gamma{1, 1e307});
      },
      {"sampler.parameter[\"k\"].scale = 1e+307"});
  // gamma's own draw reaches 54.9 scale for shape 1, past its quantile at 1 - 2^-53 (36.7).
  expect_error(
      [&] {
        parameter(dist::gamma{1, 4e306});
      },
      {"sampler.parameter[\"k\"].scale = 4e+306", "54.9"});
  expect_error(
      [&] {
        parameter(dist::beta{1e308, 1e308});
      },
      {"sampler.parameter[\"k\"].a = 1e+308", "b=1e+308"});
  expect_error([&] { parameter(dist::student_t{0.05}); },
               {"sampler.parameter[\"k\"].nu = 0.05", "0.11"});
  expect_error(
      [&] {
        parameter(dist::student_t{3, 0, 1e307});
      },
      {"sampler.parameter[\"k\"].scale = 1e+307"});
  expect_error([&] { parameter(dist::poisson{1e300}); },
               {"sampler.parameter[\"k\"].mean = 1e+300", "2^52"});
  expect_error(
      [&] {
        parameter(dist::choice{{1, 2}, {1e308, 1e308}});
      },
      {"sampler.parameter[\"k\"].weights = [1e+308, 1e+308]", "finite sum"});
  expect_error(
      [] {
        odesynth::sampler(test_models::decay{}).initial_value("x", dist::lognormal{0, 400});
      },
      {"sampler.initial_value[\"x\"].sigma = 400"});

  // Near the limits, what can be drawn is still accepted.
  CHECK_NOTHROW(parameter(dist::uniform{-8e307, 8e307}));
  CHECK_NOTHROW(parameter(dist::lognormal{0, 80}));  // e^(8.21 x 80) = e^657
  CHECK_NOTHROW(parameter(dist::normal{0, 2e307}));
  CHECK_NOTHROW(parameter(dist::student_t{0.11}));
  CHECK_NOTHROW(parameter(dist::poisson{0x1.0p52}));
  CHECK_NOTHROW(parameter(dist::beta{0.001, 0.001}));
  CHECK_NOTHROW(parameter(dist::gamma{0.001, 1e300}));
}

TEST_CASE("beta draws with tiny shapes are never NaN", "[random][distribution][hostile]") {
  // Beta(0.001, 0.001) = X / (X + Y) with gamma draws that underflow to 0 about half the time
  // each: 0 / 0 was NaN in a quarter of the draws. The distribution puts half its mass next to
  // 0 and half next to 1: mean 0.5, variance ab / ((a + b)^2 (a + b + 1)) = 0.2495; 20000
  // draws give the mean an sd of 0.0035; 5 sd.
  const dist::beta d{0.001, 0.001};
  odesynth::random_stream s(4, 0, odesynth::stream_purpose::user);
  const int n = 20000;
  int bad = 0;
  double sum = 0;
  for (int i = 0; i < n; ++i) {
    const double x = d.draw(s);
    if (!(x >= 0 && x <= 1)) ++bad;
    sum += x;
  }
  CHECK(bad == 0);
  CHECK(std::fabs(sum / n - 0.5) < 5 * std::sqrt(d.variance() / n));
}

TEST_CASE("a non-finite draw fails one trajectory under the failure policy",
          "[generator][hostile]") {
  // normal(0, 2.05e307) passes validation (its quantile at 2^-53 is -1.68e308), but the
  // unscrambled Halton design's point 2^62 - 1 is u = 2^-63, where the quantile (-9.0 sd) is
  // -inf. The sampler marks the sample; the generator makes it a failed trajectory instead of
  // letting the solver throw and abort the run.
  using odesynth::solve_status;
  const std::uint64_t bad = (std::uint64_t{1} << 62) - 1;
  odesynth::sampler s(test_models::decay{});
  s.parameter("k", 0.0)
      .initial_value("x", dist::normal{0, 2.05e307})
      .design(odesynth::sampling_design::halton(false));
  const auto bound = s.bind(1);
  const auto x = bound.draw(bad, 0.0);
  CHECK_FALSE(x.finite());
  CHECK(x.non_finite_field == "sampler.initial_value[\"x\"]");
  CHECK(x.non_finite_value == -hs_inf);
  CHECK(bound.draw(bad - 1, 0.0).finite());

  const auto grid = odesynth::time_grid::linspace(0, 1, 5);
  auto make = [&](odesynth::failure_policy policy, std::size_t threads) {
    odesynth::generator_options o;
    o.seed = 1;
    o.on_failure = policy;
    o.threads = threads;
    return odesynth::make_generator(test_models::decay{}, odesynth::solve_options{}, s, grid,
                                    odesynth::pipeline<>{}, o);
  };

  SECTION("keep: status invalid_sample, every row missing, the usual layout") {
    const auto g = make(odesynth::failure_policy::keep, 1);
    const auto failed = g.make(bad);
    const auto good = g.make(bad - 1);
    REQUIRE(good.data.ok());
    const auto& tr = failed.data;
    CHECK(tr.status() == solve_status::invalid_sample);
    CHECK_THAT(tr.message(), Catch::Contains("sampler.initial_value[\"x\"] = -inf"));
    CHECK(failed.attempts == 1);
    CHECK_FALSE(failed.dropped);
    CHECK(tr.times() == good.data.times());
    CHECK(tr.species() == good.data.species());
    CHECK(tr.parameters().size() == good.data.parameters().size());
    CHECK(tr.initial_state().size() == good.data.initial_state().size());
    CHECK(tr.values().array().isNaN().all());
    CHECK_FALSE(tr.mask().any());
    CHECK(tr.consistent());
    REQUIRE(tr.model() != nullptr);
    CHECK(tr.model()->name() == "decay");

    odesynth::generation_report report;
    const auto all = g.collect(bad - 2, bad + 1, &report);
    CHECK(report.delivered == 3);
    CHECK(report.count(solve_status::invalid_sample) == 1);
    CHECK(all[2].status() == solve_status::invalid_sample);
  }
  SECTION("drop") {
    const auto g = make(odesynth::failure_policy::drop, 2);
    CHECK(g.make(bad).dropped);
    odesynth::generation_report report;
    const auto all = g.collect(bad - 2, bad + 1, &report);
    CHECK(report.delivered == 2);
    CHECK(report.dropped == 1);
  }
  SECTION("resample: a fresh draw, solved; the same whatever the thread count") {
    const auto one = make(odesynth::failure_policy::resample, 1);
    const auto redrawn = one.make(bad);
    CHECK(redrawn.attempts == 2);
    CHECK(redrawn.data.ok());
    odesynth::generation_report r1, r2;
    const auto a = one.collect(bad - 3, bad + 1, &r1);
    const auto b = make(odesynth::failure_policy::resample, 2).collect(bad - 3, bad + 1, &r2);
    CHECK(r1.resampled == 1);
    CHECK(r2.resampled == 1);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
      CHECK(a[i].ok());
      CHECK(a[i].values() == b[i].values());
    }
  }
}
