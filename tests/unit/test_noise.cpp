// Measurement noise: each noise's statistics (bounds derived from the sample size), missing
// values left alone, per-species settings, composition order, runtime pipelines equal to
// compile-time ones bit for bit, and typed errors for bad arguments.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <odesynth/distributions.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/transform.hpp>
#include <vector>

using odesynth::random_stream;
using odesynth::stream_purpose;
using odesynth::trajectory;
namespace dist = odesynth::dist;

namespace {

// rows x species, every value `value`, observed; times 0, 1, 2, ...
trajectory constant_trajectory(Eigen::Index rows, std::vector<std::string> names, double value) {
  auto ptr = std::make_shared<const std::vector<std::string>>(std::move(names));
  trajectory tr(Eigen::VectorXd::LinSpaced(rows, 0, static_cast<double>(rows - 1)), ptr);
  tr.values().setConstant(value);
  tr.mask().setConstant(true);
  return tr;
}

random_stream stream(std::uint64_t index = 0) {
  return random_stream(77, index, stream_purpose::measurement);
}

struct stats {
  double mean = 0, variance = 0;
  std::size_t n = 0;
};
stats stats_of(const std::vector<double>& x) {
  stats s;
  s.n = x.size();
  for (double v : x) s.mean += v;
  s.mean /= static_cast<double>(s.n);
  for (double v : x) s.variance += (v - s.mean) * (v - s.mean);
  s.variance /= static_cast<double>(s.n - 1);
  return s;
}

// Checks a sample against a mean and variance. The sample mean has sd sqrt(var / n); the
// sample variance has sd var sqrt((kurtosis - 1) / n). Five sd: a correct implementation fails
// with probability < 1e-6 for a fresh seed (and the seed here is fixed).
void check_moments(const std::vector<double>& x, double mean, double var, double kurtosis = 3) {
  const stats s = stats_of(x);
  const auto n = static_cast<double>(s.n);
  CHECK(std::fabs(s.mean - mean) < 5 * std::sqrt(var / n));
  CHECK(std::fabs(s.variance - var) < 5 * var * std::sqrt((kurtosis - 1) / n));
}

std::vector<double> column(const trajectory& tr, Eigen::Index j) {
  std::vector<double> out;
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    if (tr.mask()(i, j)) out.push_back(tr.values()(i, j));
  return out;
}

double ks_normal(std::vector<double> z) {  // against N(0, 1)
  std::sort(z.begin(), z.end());
  const auto n = static_cast<double>(z.size());
  double d = 0;
  for (std::size_t i = 0; i < z.size(); ++i) {
    const double f = odesynth::standard_normal_cdf(z[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

bool noise_identical(const trajectory& a, const trajectory& b) {
  if (a.num_times() != b.num_times() || a.num_species() != b.num_species()) return false;
  if ((a.mask() != b.mask()).any()) return false;
  for (Eigen::Index i = 0; i < a.num_times(); ++i)
    for (Eigen::Index j = 0; j < a.num_species(); ++j) {
      const double x = a.values()(i, j), y = b.values()(i, j);
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
  return true;
}

constexpr Eigen::Index long_rows = 100000;  // one long trajectory gives n = 1e5 independent values

}  // namespace

TEST_CASE("gaussian_noise adds N(0 sigma^2) and passes a KS test", "[noise]") {
  auto tr = constant_trajectory(long_rows, {"x"}, 10.0);
  auto s = stream();
  odesynth::gaussian_noise(0.5)(tr, s);
  std::vector<double> z;
  for (double v : column(tr, 0)) z.push_back((v - 10.0) / 0.5);
  check_moments(z, 0, 1);
  CHECK(ks_normal(z) < 1.949 / std::sqrt(double(long_rows)));  // KS at significance 0.001
}

TEST_CASE("proportional_noise and the combined error model scale with |y|", "[noise]") {
  SECTION("proportional: y (1 + 0.1 N)") {
    auto tr = constant_trajectory(long_rows, {"x"}, 20.0);
    auto s = stream();
    odesynth::proportional_noise(0.1)(tr, s);
    check_moments(column(tr, 0), 20.0, 4.0);  // sd = 0.1 * 20
  }
  SECTION("combined: sd = a + b |y| for positive and negative y") {
    auto tr = constant_trajectory(long_rows, {"up", "down"}, 0.0);
    tr.values().col(0).setConstant(10.0);
    tr.values().col(1).setConstant(-10.0);
    auto s = stream();
    odesynth::combined_noise(0.1, 0.05)(tr, s);
    check_moments(column(tr, 0), 10.0, 0.36);  // (0.1 + 0.5)^2
    check_moments(column(tr, 1), -10.0, 0.36);
  }
}

TEST_CASE("lognormal_noise multiplies by exp(N(0 sigma^2))", "[noise]") {
  auto tr = constant_trajectory(long_rows, {"x"}, 3.0);
  auto s = stream();
  odesynth::lognormal_noise(0.2)(tr, s);
  std::vector<double> z;
  for (double v : column(tr, 0)) {
    REQUIRE(v > 0);
    z.push_back(std::log(v / 3.0) / 0.2);
  }
  check_moments(z, 0, 1);
  CHECK(ks_normal(z) < 1.949 / std::sqrt(double(long_rows)));
}

TEST_CASE("poisson_counts: mean equals variance", "[noise]") {
  SECTION("counts with the value as mean") {
    auto tr = constant_trajectory(long_rows, {"x"}, 7.3);
    auto s = stream();
    odesynth::poisson_counts()(tr, s);
    for (double v : column(tr, 0)) REQUIRE(v == std::floor(v));
    check_moments(column(tr, 0), 7.3, 7.3, 3 + 1 / 7.3);  // Poisson kurtosis 3 + 1/mean
  }
  SECTION("a large mean (rejection sampler)") {
    auto tr = constant_trajectory(long_rows, {"x"}, 480.0);
    auto s = stream();
    odesynth::poisson_counts()(tr, s);
    check_moments(column(tr, 0), 480.0, 480.0, 3 + 1 / 480.0);
  }
  SECTION("scaled: 10 counts per unit, reported in units") {
    auto tr = constant_trajectory(long_rows, {"x"}, 2.0);
    auto s = stream();
    odesynth::poisson_counts(10.0)(tr, s);
    check_moments(column(tr, 0), 2.0, 0.2, 3 + 1 / 20.0);
  }
  SECTION("negative values count as zero") {
    auto tr = constant_trajectory(10, {"x"}, -1.0);
    auto s = stream();
    odesynth::poisson_counts()(tr, s);
    CHECK((tr.values().array() == 0).all());
  }
}

TEST_CASE("student_t_noise has heavy tails with the t variance", "[noise]") {
  auto tr = constant_trajectory(long_rows, {"x"}, 0.0);
  auto s = stream();
  odesynth::student_t_noise(8, 2.0)(tr, s);
  // t_8: variance 8/6, kurtosis 3 + 6/(8-4) = 4.5.
  check_moments(column(tr, 0), 0.0, 4.0 * 8 / 6, 4.5);
  // Heavier tails than a normal of the same variance: P(|x| > 4 sd) is 1.2e-3 for t_8
  // against 6.3e-5 for a normal; over 1e5 draws expect ~120 (binomial sd 11).
  const double sd = std::sqrt(4.0 * 8 / 6);
  const auto far = std::count_if(tr.values().data(), tr.values().data() + long_rows,
                                 [&](double v) { return std::fabs(v) > 4 * sd; });
  CHECK(far > 40);
}

TEST_CASE("outlier_noise hits a fraction p of values", "[noise]") {
  auto tr = constant_trajectory(long_rows, {"x"}, 1.0);
  auto s = stream();
  odesynth::outlier_noise(0.05, 3.0)(tr, s);
  std::vector<double> deltas;
  for (double v : column(tr, 0))
    if (v != 1.0) deltas.push_back(v - 1.0);
  // Count ~ Binomial(1e5, 0.05): sd = sqrt(n p (1 - p)) = 69.
  CHECK(std::fabs(static_cast<double>(deltas.size()) - 5000) < 5 * 69);
  check_moments(deltas, 0, 9.0);
}

TEST_CASE("baseline_drift is a Brownian motion in time", "[noise]") {
  // 4000 trajectories of 11 points on an irregular grid; d(t) ~ N(0, sigma^2 t).
  const int n = 4000;
  std::vector<double> end_values, mid_values;
  for (int k = 0; k < n; ++k) {
    auto tr = constant_trajectory(11, {"x"}, 0.0);
    tr.times() << 0, 0.5, 1, 1.5, 2, 4, 5, 6, 7, 8, 16;
    auto s = stream(static_cast<std::uint64_t>(k));
    odesynth::baseline_drift(0.3)(tr, s);
    CHECK(tr.values()(0, 0) == 0.0);  // starts at zero
    mid_values.push_back(tr.values()(5, 0));
    end_values.push_back(tr.values()(10, 0));
  }
  check_moments(mid_values, 0, 0.09 * 4);
  check_moments(end_values, 0, 0.09 * 16);
}

TEST_CASE("batch_scale multiplies a whole trajectory by one log-normal factor", "[noise]") {
  std::vector<double> log_factors;
  for (int k = 0; k < 20000; ++k) {
    auto tr = constant_trajectory(5, {"a", "b"}, 2.0);
    auto s = stream(static_cast<std::uint64_t>(k));
    odesynth::batch_scale(0.25)(tr, s);
    const double f = tr.values()(0, 0) / 2.0;
    CHECK((tr.values().array() == 2.0 * f).all());  // shared by every value
    log_factors.push_back(std::log(f));
  }
  check_moments(log_factors, 0, 0.0625);
  auto tr = constant_trajectory(5, {"a", "b"}, 2.0);
  auto s = stream();
  odesynth::batch_scale(0.25, false)(tr, s);
  CHECK(tr.values()(0, 0) != tr.values()(0, 1));  // one factor per species
  CHECK(tr.values()(0, 0) == tr.values()(4, 0));
}

TEST_CASE("additive and multiplicative noise from any distribution", "[noise]") {
  SECTION("additive uniform") {
    auto tr = constant_trajectory(long_rows, {"x"}, 5.0);
    auto s = stream();
    odesynth::additive_noise(dist::uniform{-1, 1})(tr, s);
    std::vector<double> d;
    for (double v : column(tr, 0)) {
      REQUIRE(std::fabs(v - 5.0) <= 1.0);
      d.push_back(v - 5.0);
    }
    check_moments(d, 0, 1.0 / 3, 1.8);  // uniform kurtosis 1.8
  }
  SECTION("multiplicative normal factor") {
    auto tr = constant_trajectory(long_rows, {"x"}, 5.0);
    auto s = stream();
    odesynth::multiplicative_noise(dist::normal{1, 0.1})(tr, s);
    check_moments(column(tr, 0), 5.0, 0.25);
  }
}

TEST_CASE("elastic_noise grows or shrinks its scale along the series", "[noise]") {
  // 3 rows at tau = 0, 1/2, 1; 40000 trajectories.
  const int n = 40000;
  std::vector<double> first, last_linear, last_exponential;
  for (int k = 0; k < n; ++k) {
    auto a = constant_trajectory(3, {"x"}, 0.0);
    auto b = a;
    auto s1 = stream(static_cast<std::uint64_t>(k));
    odesynth::elastic_noise(0.5, odesynth::elastic_noise::profile::linear, 2.0)(a, s1);
    auto s2 = stream(static_cast<std::uint64_t>(k));
    odesynth::elastic_noise(0.5, odesynth::elastic_noise::profile::exponential, -1.0)(b, s2);
    first.push_back(a.values()(0, 0));
    last_linear.push_back(a.values()(2, 0));
    last_exponential.push_back(b.values()(2, 0));
  }
  check_moments(first, 0, 0.25);                              // g(0) = 1
  check_moments(last_linear, 0, 0.25 * 9);                    // g(1) = 1 + 2
  check_moments(last_exponential, 0, 0.25 * std::exp(-2.0));  // g(1) = e^-1
}

TEST_CASE("pull_to_mean moves values toward the species mean by the drawn weight", "[noise]") {
  auto tr = constant_trajectory(4, {"x"}, 0.0);
  tr.values().col(0) << 1, 2, 3, 6;  // mean 3
  auto s = stream();
  odesynth::pull_to_mean(dist::constant{0.5})(tr, s);
  CHECK(tr.values()(0, 0) == 2.0);
  CHECK(tr.values()(1, 0) == 2.5);
  CHECK(tr.values()(2, 0) == 3.0);
  CHECK(tr.values()(3, 0) == 4.5);
}

TEST_CASE("missing values stay missing and unnamed species stay clean", "[noise]") {
  auto tr = constant_trajectory(50, {"a", "b", "c"}, 4.0);
  tr.set_missing(3, 0);
  tr.set_missing(7, 1);
  const auto clean = tr;
  auto s = stream();
  const odesynth::per_species<double> sigma = {{"a", 1.0}, {"b", 2.0}};
  (odesynth::gaussian_noise(sigma) | odesynth::lognormal_noise(sigma) |
   odesynth::poisson_counts(odesynth::per_species<double>{{"b", 1.0}}))(tr, s);
  CHECK(tr.consistent());
  CHECK(std::isnan(tr.values()(3, 0)));
  CHECK(std::isnan(tr.values()(7, 1)));
  CHECK(tr.values().col(2) == clean.values().col(2));  // "c" was not named
  CHECK(tr.values().col(0) != clean.values().col(0));
}

TEST_CASE("column_specific applies a different noise to each named species", "[noise]") {
  auto tr = constant_trajectory(long_rows, {"a", "b", "c"}, 1.0);
  auto s = stream();
  const odesynth::column_specific noise{{"a", odesynth::gaussian_noise(0.5)},
                                        {"c", odesynth::proportional_noise(0.1)}};
  noise(tr, s);
  check_moments(column(tr, 0), 1.0, 0.25);
  CHECK((tr.values().col(1).array() == 1.0).all());
  check_moments(column(tr, 2), 1.0, 0.01);
}

TEST_CASE("random_choice picks one transform per trajectory with the given weights", "[noise]") {
  const odesynth::random_choice choose({odesynth::gaussian_noise(0.0),  // leaves 1.0
                                        odesynth::additive_noise(dist::constant{1.0})},
                                       {1, 3});
  const int n = 20000;
  int second = 0;
  for (int k = 0; k < n; ++k) {
    auto tr = constant_trajectory(3, {"x"}, 1.0);
    auto s = stream(static_cast<std::uint64_t>(k));
    choose(tr, s);
    const bool picked_second = tr.values()(0, 0) == 2.0;
    CHECK((tr.values().array() == tr.values()(0, 0)).all());  // one choice per trajectory
    second += picked_second ? 1 : 0;
  }
  // Binomial(20000, 3/4): sd = sqrt(n p (1-p)) = 61.
  CHECK(std::fabs(second - 0.75 * n) < 5 * 61);
  // The choice is seeded: the same stream picks the same transform.
  auto a = constant_trajectory(3, {"x"}, 1.0), b = a;
  auto s1 = stream(5), s2 = stream(5);
  choose(a, s1);
  choose(b, s2);
  CHECK(noise_identical(a, b));
}

TEST_CASE("composition applies left to right and order matters", "[noise][pipeline]") {
  const auto base = constant_trajectory(20, {"x", "y"}, 3.0);
  const odesynth::gaussian_noise add(0.5);
  const odesynth::proportional_noise scale(0.2);

  auto by_hand = base;
  auto s = stream();
  add(by_hand, s);
  scale(by_hand, s);

  auto piped = base;
  auto s2 = stream();
  (add | scale)(piped, s2);
  CHECK(noise_identical(piped, by_hand));

  auto reversed = base;
  auto s3 = stream();
  (scale | add)(reversed, s3);
  CHECK_FALSE(noise_identical(reversed, by_hand));
  CHECK((add | scale).describe() ==
        "gaussian_noise(sigma=0.5) | proportional_noise(rel_sigma=0.2)");
}

TEST_CASE("a runtime pipeline equals the compile-time pipeline bit for bit", "[noise][pipeline]") {
  const auto base = constant_trajectory(200, {"x", "y"}, 3.0);
  const auto compiled = odesynth::pipe(
      odesynth::gaussian_noise(0.3), odesynth::combined_noise(0.1, 0.02),
      odesynth::outlier_noise(0.1, 2.0), odesynth::student_t_noise(4, 0.1),
      odesynth::random_choice({odesynth::lognormal_noise(0.1), odesynth::poisson_counts()}));
  odesynth::dynamic_pipeline runtime;
  runtime.then(odesynth::gaussian_noise(0.3))
      .then(odesynth::combined_noise(0.1, 0.02))
      .then(odesynth::outlier_noise(0.1, 2.0))
      .then(odesynth::student_t_noise(4, 0.1))
      .then(odesynth::random_choice({odesynth::lognormal_noise(0.1), odesynth::poisson_counts()}));
  for (std::uint64_t k = 0; k < 50; ++k) {
    auto a = base, b = base;
    auto s1 = stream(k), s2 = stream(k);
    compiled(a, s1);
    runtime(b, s2);
    CHECK(noise_identical(a, b));
  }
  CHECK(compiled.describe() == runtime.describe());
}

TEST_CASE("noise arguments are validated with typed errors", "[noise][input]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto expect = [](auto make, const std::string& field, const std::string& value) {
    try {
      (void)make();
      FAIL("no exception for " << field);
    } catch (const odesynth::invalid_argument& e) {
      CHECK(e.field() == field);
      CHECK(e.value() == value);
      CHECK_THAT(e.what(), Catch::Contains(field) && Catch::Contains(value));
    }
  };
  expect([] { return odesynth::gaussian_noise(-0.1); }, "gaussian_noise.sigma", "-0.1");
  expect([&] { return odesynth::gaussian_noise(nan); }, "gaussian_noise.sigma", "nan");
  expect(
      [] {
        return odesynth::gaussian_noise(odesynth::per_species<double>{{"x", -2.0}});
      },
      "gaussian_noise.sigma[\"x\"]", "-2");
  expect([] { return odesynth::proportional_noise(-1.0); }, "proportional_noise.rel_sigma", "-1");
  expect([&] { return odesynth::combined_noise(nan, 0.1); }, "combined_noise.a", "nan");
  expect([] { return odesynth::combined_noise(0.1, -0.1); }, "combined_noise.b", "-0.1");
  expect([] { return odesynth::lognormal_noise(-0.5); }, "lognormal_noise.sigma", "-0.5");
  expect([] { return odesynth::poisson_counts(0.0); }, "poisson_counts.scale", "0");
  expect([] { return odesynth::student_t_noise(0, 1.0); }, "student_t_noise.nu", "0");
  expect([] { return odesynth::outlier_noise(1.5, 1.0); }, "outlier_noise.probability", "1.5");
  expect([&] { return odesynth::outlier_noise(nan, 1.0); }, "outlier_noise.probability", "nan");
  expect([] { return odesynth::baseline_drift(-1.0); }, "baseline_drift.sigma", "-1");
  expect([] { return odesynth::batch_scale(-1.0); }, "batch_scale.sigma", "-1");
  expect([] { return odesynth::additive_noise(dist::normal{0, -1}); }, "additive_noise.sd", "-1");
  expect([] { return odesynth::elastic_noise(0.1, odesynth::elastic_noise::profile::linear, -2); },
         "elastic_noise.rate", "-2");
  expect([] { return odesynth::random_choice({}); }, "random_choice.options", "[]");
  expect([] { return odesynth::random_choice({odesynth::gaussian_noise(1.0)}, {-1}); },
         "random_choice.weights[0]", "-1");
  expect(
      [] {
        return odesynth::column_specific{{"x", odesynth::gaussian_noise(1.0)},
                                         {"x", odesynth::gaussian_noise(2.0)}};
      },
      "column_specific[1]", "\"x\"");
}

TEST_CASE("species settings are checked against the columns before any work", "[noise][input]") {
  odesynth::trajectory_layout layout;
  layout.species = {"prey", "predator"};
  layout.num_times = 10;
  const odesynth::per_species<double> wolf = {{"wolf", 0.1}};
  CHECK_THROWS_WITH(odesynth::gaussian_noise(wolf).layout_after(layout),
                    Catch::Contains("gaussian_noise.sigma") && Catch::Contains("\"wolf\"") &&
                        Catch::Contains("prey, predator"));
  const auto three = odesynth::per_species<double>::by_position({0.1, 0.2, 0.3});
  CHECK_THROWS_WITH(odesynth::gaussian_noise(three).layout_after(layout),
                    Catch::Contains("gaussian_noise.sigma.size()") && Catch::Contains("= 3"));
  const odesynth::column_specific bad{{"wolf", odesynth::gaussian_noise(1.0)}};
  CHECK_THROWS_AS(bad.layout_after(layout), odesynth::invalid_argument);
  // Applied without the layout check, the unknown species is still an error, not a no-op.
  auto tr = constant_trajectory(5, {"prey", "predator"}, 1.0);
  auto s = stream();
  CHECK_THROWS_WITH(bad(tr, s), Catch::Contains("\"wolf\"") && Catch::Contains("prey, predator"));
  const auto ok = (odesynth::gaussian_noise(odesynth::per_species<double>{{"prey", 0.1}}) |
                   odesynth::baseline_drift(0.1))
                      .layout_after(layout);
  CHECK(ok.species == layout.species);
}

TEST_CASE("gaussian noise draws one standard_normal per observed entry in row-major order",
          "[noise]") {
  // The noise makes its normals in blocks of 64 (standard_normals); the values must be those
  // of one standard_normal(s) per observed entry, row by row, over the columns the setting
  // names, whatever the block boundaries (130 entries: two full blocks and a partial one) and
  // however many columns (20: more than resolved_columns holds in place), and for the
  // shortcut taken when one sigma covers every column and nothing is missing (4 species).
  for (const std::size_t species : {3u, 20u, 4u}) {
    std::vector<std::string> names;
    for (std::size_t j = 0; j < species; ++j) names.push_back("s" + std::to_string(j));
    trajectory tr = constant_trajectory(50, names, 1.0);
    if (species != 4)
      for (Eigen::Index i = 0; i < 50; i += 7) tr.mask()(i, 1) = false;  // missing: no draw
    odesynth::per_species<double> sigma =
        species == 3 ? odesynth::per_species<double>({{"s0", 0.5}, {"s1", 2.0}})
                     : odesynth::per_species<double>(0.25);
    trajectory expected = tr;
    random_stream one_by_one = stream(3);
    const auto cols = sigma.resolve(tr.species());
    for (Eigen::Index i = 0; i < expected.num_times(); ++i)
      for (const auto& [j, sd] : cols) {
        const auto c = static_cast<Eigen::Index>(j);
        if (expected.mask()(i, c))
          expected.values()(i, c) += sd * odesynth::standard_normal(one_by_one);
      }
    random_stream s = stream(3);
    const odesynth::gaussian_noise noise(sigma);
    noise(tr, s);
    CHECK(tr.values() == expected.values());
    CHECK(s.next_u64() == one_by_one.next_u64());  // and the stream is where it should be
  }
}
