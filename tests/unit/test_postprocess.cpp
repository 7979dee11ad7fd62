// Post-processing: exact results on hand-computed trajectories, missing values left missing
// (mask and NaN in step), layouts predicted and names checked before any work, re-drawing
// from the clean signal with each exhaustion policy, and typed errors for bad arguments.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <odesynth/distributions.hpp>
#include <odesynth/transforms/postprocess.hpp>
#include <odesynth/transforms/transform.hpp>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "trajectories.hpp"

using Catch::Contains;
using odesynth::any_transform;
using odesynth::bounds;
using odesynth::invalid_argument;
using odesynth::per_species;
using odesynth::random_stream;
using odesynth::stream_purpose;
using odesynth::trajectory;
using odesynth::trajectory_layout;
using test_support::check_error;
using test_support::from_rows;

namespace {

constexpr double pp_na = std::numeric_limits<double>::quiet_NaN();  // a missing value
constexpr double pp_inf = std::numeric_limits<double>::infinity();

// "[1, 2; 3, nan]": fmt prints the shortest text that reads back as the same double, so equal
// text means bit-equal values (NaN standing for missing), and a failure shows both matrices.
std::string dump(const trajectory& tr) {
  std::string out = "[";
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    for (Eigen::Index j = 0; j < tr.num_species(); ++j)
      out += fmt::format("{}{}", j > 0 ? ", " : (i > 0 ? "; " : ""), tr.values()(i, j));
  return out + "]";
}

random_stream postprocess_stream(std::uint64_t index = 0) {
  return random_stream(31, index, stream_purpose::measurement);
}

trajectory_layout postprocess_layout_of(std::vector<std::string> species, std::size_t rows = 5) {
  trajectory_layout l;
  l.species = std::move(species);
  l.num_times = rows;
  l.first_time = 0;
  l.last_time = static_cast<double>(rows - 1);
  return l;
}

// Adds increments[k](i, j) to every observed value on the k-th call for a stream (the last
// table repeats); a NaN increment hides the value instead. It takes one word from the stream
// per call, so the stream's word count is the attempt number: a noise whose draw per attempt
// is known exactly, to tell re-drawing from the clean signal from re-drawing on top of the
// noisy one.
struct scripted_noise {
  std::vector<std::vector<std::vector<double>>> increments;

  void operator()(trajectory& tr, random_stream& s) const {
    const auto k =
        static_cast<std::size_t>(std::min<std::uint64_t>(s.words_drawn(), increments.size() - 1));
    (void)s.next_u32();
    for (Eigen::Index i = 0; i < tr.num_times(); ++i)
      for (Eigen::Index j = 0; j < tr.num_species(); ++j) {
        if (!tr.mask()(i, j)) continue;
        const double d = increments[k][static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
        if (std::isnan(d))
          tr.set_missing(i, j);
        else
          tr.values()(i, j) += d;
      }
  }
  std::string describe() const { return "scripted_noise"; }
};

// y + sigma N(0, 1) on every observed value: elementwise, as redraw_until_within needs.
struct test_gaussian {
  double sigma = 1;
  void operator()(trajectory& tr, random_stream& s) const {
    for (Eigen::Index i = 0; i < tr.num_times(); ++i)
      for (Eigen::Index j = 0; j < tr.num_species(); ++j)
        if (tr.mask()(i, j)) tr.values()(i, j) += sigma * odesynth::standard_normal(s);
  }
  std::string describe() const { return fmt::format("test_gaussian(sigma={})", sigma); }
};

template <class T>
void apply(const T& transform, trajectory& tr) {
  auto s = postprocess_stream();
  transform(tr, s);
}

}  // namespace

TEST_CASE("select_species keeps the named columns in the given order", "[postprocess]") {
  const odesynth::select_species select({"c", "a"});
  auto tr = from_rows({"a", "b", "c"}, {{1, 2, 3}, {pp_na, 5, 6}, {7, 8, pp_na}});
  apply(select, tr);
  CHECK(tr.species() == std::vector<std::string>{"c", "a"});
  CHECK(dump(tr) == "[3, 1; 6, nan; nan, 7]");
  CHECK(tr.consistent());
  CHECK(select.layout_after(postprocess_layout_of({"a", "b", "c"})).species ==
        std::vector<std::string>{"c", "a"});

  // The output names are one immutable list shared by every trajectory.
  auto other = from_rows({"c", "a"}, {{0, 0}});
  apply(select, other);
  CHECK(other.species_ptr() == tr.species_ptr());
  CHECK(select.describe() == "select_species(keep=[c, a])");
}

TEST_CASE("hide_species drops the named columns and keeps the order of the rest", "[postprocess]") {
  auto tr = from_rows({"a", "b", "c"}, {{1, 2, 3}, {pp_na, 5, 6}});
  apply(odesynth::hide_species({"b"}), tr);
  CHECK(tr.species() == std::vector<std::string>{"a", "c"});
  CHECK(dump(tr) == "[1, 3; nan, 6]");
  CHECK(tr.consistent());
  CHECK(
      odesynth::hide_species({"a"}).layout_after(postprocess_layout_of({"a", "b", "c"})).species ==
      std::vector<std::string>{"b", "c"});

  auto unchanged = from_rows({"a", "b"}, {{1, 2}});
  apply(odesynth::hide_species({}), unchanged);
  CHECK(unchanged.species() == std::vector<std::string>{"a", "b"});
  CHECK(dump(unchanged) == "[1, 2]");
}

TEST_CASE("clip clamps observed values into each species' range", "[postprocess]") {
  const auto rows = std::vector<std::vector<double>>{
      {-0.5, -0.5}, {2, 2}, {0.5, 0.5}, {pp_na, pp_na}, {pp_inf, -pp_inf}};
  SECTION("one range for every species") {
    auto tr = from_rows({"a", "b"}, rows);
    apply(odesynth::clip(bounds{0, 1}), tr);
    CHECK(dump(tr) == "[0, 0; 1, 1; 0.5, 0.5; nan, nan; 1, 0]");
    CHECK(tr.consistent());
  }
  SECTION("named species only") {
    auto tr = from_rows({"a", "b"}, rows);
    apply(odesynth::clip({{"b", bounds{-1, 1}}}), tr);
    CHECK(dump(tr) == "[-0.5, -0.5; 2, 1; 0.5, 0.5; nan, nan; inf, -1]");
    CHECK(tr.consistent());
  }
  SECTION("clip_below keeps concentrations non-negative") {
    auto tr = from_rows({"a", "b"}, rows);
    apply(odesynth::clip_below(0), tr);
    CHECK(dump(tr) == "[0, 0; 2, 2; 0.5, 0.5; nan, nan; inf, 0]");
    CHECK(tr.consistent());
  }
  CHECK(odesynth::clip_below(0).describe() == "clip(range=[0, inf])");
  CHECK(odesynth::clip({{"b", bounds{-1, 1}}}).describe() == "clip(range={b: [-1, 1]})");
}

TEST_CASE("rescale_to_sum scales each complete row of the group to the total", "[postprocess]") {
  // x is outside the group and never changes.
  auto tr = from_rows({"S", "I", "R", "x"}, {
                                                {1, 2, 1, 7},       // sum 4: factor 2
                                                {3, 0, 1, 9},       // sum 4: factor 2
                                                {pp_na, 1, 1, 5},   // a missing member: unchanged
                                                {0, 0, 0, 3},       // zero sum: unchanged
                                                {0.5, 0.5, 1, 1},   // sum 2: factor 4
                                                {pp_inf, 1, 1, 2},  // infinite sum: unchanged
                                            });
  apply(odesynth::rescale_to_sum({"S", "I", "R"}, 8), tr);
  CHECK(dump(tr) == "[2, 4, 2, 7; 6, 0, 2, 9; nan, 1, 1, 5; 0, 0, 0, 3; 2, 2, 4, 1; inf, 1, 1, 2]");
  CHECK(tr.consistent());
  CHECK(odesynth::rescale_to_sum({"S", "I", "R"}, 8).describe() ==
        "rescale_to_sum(group=[S, I, R], total=8)");
}

TEST_CASE("rescale_to_sum::to_first_row_sum keeps the first complete row's sum", "[postprocess]") {
  auto tr = from_rows({"S", "I", "R"}, {
                                           {pp_na, 1, 1},  // incomplete: not the reference
                                           {1, 2, 1},      // the reference: sum 4
                                           {2, 2, 4},      // sum 8: factor 0.5
                                           {0, 0, 0},      // zero sum: unchanged
                                           {3, 3, 2},      // sum 8: factor 0.5
                                       });
  const auto conserve = odesynth::rescale_to_sum::to_first_row_sum({"S", "I", "R"});
  apply(conserve, tr);
  CHECK(dump(tr) == "[nan, 1, 1; 1, 2, 1; 1, 1, 2; 0, 0, 0; 1.5, 1.5, 1]");
  CHECK(tr.consistent());
  CHECK(conserve.describe() == "rescale_to_sum(group=[S, I, R], total=first observed row's sum)");
}

TEST_CASE("redraw_until_within re-draws failing values from the clean signal",
          "[postprocess][redraw]") {
  // Clean values 1 (one missing), range [0, 2]. Attempt 0 puts (0, 1), (1, 0) and (2, 0)
  // outside; attempt 1 brings (0, 1) and (2, 0) back; attempt 2 brings (1, 0) back.
  // Re-drawing on top of the noisy value would give (0, 1) = 1 - 3 + 0.75 = -1.25, outside.
  const scripted_noise noise{{
      {{0.5, -3}, {-3, 0.25}, {5, 0}},
      {{0.875, 0.75}, {-4, 0.875}, {-0.5, 0.875}},
      {{0.875, 0.875}, {0.125, 0.875}, {0.875, 0.875}},
  }};
  const auto clean = from_rows({"a", "b"}, {{1, 1}, {1, 1}, {1, pp_na}});

  SECTION("every species") {
    auto tr = clean;
    auto s = postprocess_stream();
    odesynth::redraw_until_within(noise, bounds{0, 2}, 10)(tr, s);
    // Each value is its clean value plus exactly one attempt's increment: never two.
    CHECK(dump(tr) == "[1.5, 1.75; 1.125, 1.25; 0.5, nan]");
    CHECK(tr.consistent());
    CHECK(s.words_drawn() == 3);  // stopped once everything was inside
  }
  SECTION("only the species with a range") {
    auto tr = clean;
    auto s = postprocess_stream();
    odesynth::redraw_until_within(noise, per_species<bounds>{{"a", bounds{0, 2}}}, 10)(tr, s);
    CHECK(dump(tr) == "[1.5, -2; 1.125, 1.25; 0.5, nan]");
    CHECK(tr.consistent());
  }
  SECTION("a value the noise hides in a later attempt is missing") {
    scripted_noise hiding = noise;
    hiding.increments[1][1][0] = pp_na;
    auto tr = clean;
    auto s = postprocess_stream();
    odesynth::redraw_until_within(hiding, bounds{0, 2}, 10)(tr, s);
    CHECK(dump(tr) == "[1.5, 1.75; nan, 1.25; 0.5, nan]");
    CHECK(tr.consistent());
    CHECK(s.words_drawn() == 2);
  }
  SECTION("values inside from the start cost one draw") {
    auto tr = clean;
    auto s = postprocess_stream();
    odesynth::redraw_until_within(noise, bounds{-10, 10}, 10)(tr, s);
    CHECK(dump(tr) == "[1.5, -2; -2, 1.25; 6, nan]");
    CHECK(s.words_drawn() == 1);
  }
}

TEST_CASE("redraw_until_within applies its exhaustion policy after max_attempts",
          "[postprocess][redraw]") {
  const scripted_noise noise{{
      {{0.5, -3}, {-3, 0.25}, {5, 0}},
      {{0.875, 0.75}, {-4, 0.875}, {-0.5, 0.875}},
  }};
  const auto clean = from_rows({"a", "b"}, {{1, 1}, {1, 1}, {1, pp_na}});
  using odesynth::on_exhaustion;

  SECTION("mark_missing is the default") {
    auto tr = clean;
    apply(odesynth::redraw_until_within(noise, bounds{0, 2}, 2), tr);
    CHECK(dump(tr) == "[1.5, 1.75; nan, 1.25; 0.5, nan]");
    CHECK(tr.consistent());
  }
  SECTION("clip_to_range clamps the last attempt's value") {
    auto tr = clean;
    apply(odesynth::redraw_until_within(noise, bounds{0, 2}, 2, on_exhaustion::clip_to_range), tr);
    CHECK(dump(tr) == "[1.5, 1.75; 0, 1.25; 0.5, nan]");
    CHECK(tr.consistent());
  }
  SECTION("throw_error names the species and row and attempts") {
    auto tr = clean;
    try {
      apply(odesynth::redraw_until_within(noise, bounds{0, 2}, 2, on_exhaustion::throw_error), tr);
      FAIL("no exception");
    } catch (const odesynth::redraw_exhausted& e) {
      CHECK(e.species() == "a");
      CHECK(e.row() == 1);
      CHECK(e.time() == 1.0);
      CHECK(e.attempts() == 2);
      CHECK(e.value() == -3.0);
      CHECK(e.range().lo == 0.0);
      CHECK(e.range().hi == 2.0);
      CHECK_THAT(e.what(), Contains("species \"a\" at row 1") && Contains("after 2 attempts") &&
                               Contains("[0, 2]"));
    }
  }
  SECTION("one attempt is the noise alone plus the policy") {
    auto tr = clean;
    auto s = postprocess_stream();
    odesynth::redraw_until_within(noise, bounds{0, 2}, 1)(tr, s);
    CHECK(dump(tr) == "[1.5, nan; nan, 1.25; nan, nan]");
    CHECK(tr.consistent());
    CHECK(s.words_drawn() == 1);
  }
}

TEST_CASE("redraw_until_within turns gaussian noise into the truncated normal",
          "[postprocess][redraw]") {
  // Clean value mu = 0.5, noise N(0, 1), range [0, inf): re-drawing from the clean signal is
  // rejection sampling, so the result is N(0.5, 1) truncated to [0, inf). With
  // alpha = -0.5 and lambda = phi(alpha) / (1 - Phi(alpha)): mean mu + lambda, variance
  // 1 + alpha lambda - lambda^2 (about 0.486).
  constexpr Eigen::Index n = 100000;
  const double mu = 0.5, alpha = -0.5;
  const double pi = std::acos(-1.0);
  const double phi = std::exp(-0.5 * alpha * alpha) / std::sqrt(2 * pi);
  const double tail = 1 - odesynth::standard_normal_cdf(alpha);
  const double lambda = phi / tail;
  const double mean = mu + lambda;
  const double variance = 1 + alpha * lambda - lambda * lambda;
  const double p_below_mu = (0.5 - odesynth::standard_normal_cdf(alpha)) / tail;  // ~0.277

  trajectory tr(Eigen::VectorXd::LinSpaced(n, 0.0, static_cast<double>(n - 1)),
                std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"x"}));
  tr.values().setConstant(mu);
  tr.mask().setConstant(true);
  // A draw fails with probability Phi(-0.5) = 0.31; after 60 attempts 0.31^60 < 1e-30.
  apply(odesynth::redraw_until_within(test_gaussian{1.0}, bounds{0, pp_inf}, 60), tr);
  REQUIRE(tr.consistent());
  REQUIRE(tr.mask().all());

  double sum = 0, below = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double v = tr.values()(i, 0);
    REQUIRE(v >= 0);
    sum += v;
    below += v <= mu ? 1 : 0;
  }
  const double dn = static_cast<double>(n);
  // Five standard errors for n = 1e5: the mean's is sqrt(0.486 / n) = 0.0022, the
  // proportion's sqrt(p (1 - p) / n) = 0.0014. Re-drawing on top of the noisy value instead
  // (SimbaML), with the same 60 attempts, gives a mean near 0.90 (about 48 standard errors
  // off) and leaves about 4% of the values negative (by simulation).
  CHECK(std::fabs(sum / dn - mean) < 5 * std::sqrt(variance / dn));
  CHECK(std::fabs(below / dn - p_below_mu) < 5 * std::sqrt(p_below_mu * (1 - p_below_mu) / dn));
}

TEST_CASE("redraw_until_within rejects noise that changes the shape", "[postprocess][redraw]") {
  const odesynth::redraw_until_within bad(odesynth::hide_species({"b"}), bounds{0, 1});
  check_error(
      [&] {
        (void)bad.layout_after(postprocess_layout_of({"a", "b"}));
      },
      "redraw_until_within.noise", "hide_species(hide=[b])");
  auto tr = from_rows({"a", "b"}, {{0.5, 0.5}});
  check_error([&] { apply(bad, tr); }, "redraw_until_within.noise", "hide_species(hide=[b])");
  CHECK(odesynth::redraw_until_within(test_gaussian{0.5}, bounds{0, pp_inf}, 5).describe() ==
        "redraw_until_within(noise=test_gaussian(sigma=0.5), range=[0, inf], max_attempts=5, "
        "on_exhaustion=mark_missing)");
}

TEST_CASE("quantize rounds to the nearest multiple of the step", "[postprocess]") {
  SECTION("one step for every species; halves away from zero") {
    auto tr = from_rows({"a", "b"}, {{1.26, 0.25}, {-0.25, 7}, {pp_na, -0.1}});
    apply(odesynth::quantize(0.5), tr);
    // -0.1 rounds to 0, written as 0 (not -0) so that files do not show "-0".
    CHECK(dump(tr) == "[1.5, 0.5; -0.5, 7; nan, 0]");
    CHECK(tr.consistent());
  }
  SECTION("named species only") {
    auto tr = from_rows({"a", "b"}, {{0.1, 0.1}, {-0.3, 1.26}});
    apply(odesynth::quantize({{"a", 0.25}}), tr);
    CHECK(dump(tr) == "[0, 0.1; -0.25, 1.26]");
  }
  CHECK(odesynth::quantize({{"a", 0.25}}).describe() == "quantize(step={a: 0.25})");
}

TEST_CASE("detection_limit hides or replaces values below the limit", "[postprocess]") {
  // 0.5 is exactly at the limit: not below it. b has no limit.
  const auto clean = from_rows({"a", "b"}, {{0.125, 0.125}, {0.5, 0.01}, {0.75, 1}, {pp_na, 2}});
  using odesynth::below_lod;
  const per_species<double> lod{{"a", 0.5}};
  SECTION("missing is the default") {
    auto tr = clean;
    apply(odesynth::detection_limit(lod), tr);
    CHECK(dump(tr) == "[nan, 0.125; 0.5, 0.01; 0.75, 1; nan, 2]");
    CHECK(tr.consistent());
  }
  SECTION("the limit itself") {
    auto tr = clean;
    apply(odesynth::detection_limit(lod, below_lod::lod), tr);
    CHECK(dump(tr) == "[0.5, 0.125; 0.5, 0.01; 0.75, 1; nan, 2]");
    CHECK(tr.consistent());
  }
  SECTION("half the limit") {
    auto tr = clean;
    apply(odesynth::detection_limit(lod, below_lod::half_lod), tr);
    CHECK(dump(tr) == "[0.25, 0.125; 0.5, 0.01; 0.75, 1; nan, 2]");
    CHECK(tr.consistent());
  }
  CHECK(odesynth::detection_limit(lod, below_lod::half_lod).describe() ==
        "detection_limit(lod={a: 0.5}, below_lod=half_lod)");
}

TEST_CASE("derive appends a column computed from observed inputs", "[postprocess][derive]") {
  const auto clean = from_rows({"a", "b"}, {{1, 4}, {2, 5}, {pp_na, 6}, {4, 0.5}});
  SECTION("inputs arrive in the order named; a missing input gives a missing value") {
    auto tr = clean;
    const odesynth::derive ratio("b_over_a", {"b", "a"},
                                 [](const double* x) { return x[0] / x[1]; });
    apply(ratio, tr);
    CHECK(tr.species() == std::vector<std::string>{"a", "b", "b_over_a"});
    CHECK(dump(tr) == "[1, 4, 4; 2, 5, 2.5; nan, 6, nan; 4, 0.5, 0.125]");
    CHECK(tr.consistent());
    CHECK(ratio.layout_after(postprocess_layout_of({"a", "b"})).species ==
          std::vector<std::string>{"a", "b", "b_over_a"});
    CHECK(ratio.describe() == "derive(name=b_over_a, inputs=[b, a])");

    // Missing even when f would not propagate the NaN.
    auto ones = clean;
    apply(odesynth::derive("one", {"b", "a"}, [](const double*) { return 1.0; }), ones);
    CHECK(dump(ones) == "[1, 4, 1; 2, 5, 1; nan, 6, nan; 4, 0.5, 1]");
    CHECK(ones.consistent());
  }
  SECTION("a NaN result is a missing value") {
    auto tr = clean;
    apply(odesynth::derive("root", {"a"}, [](const double* x) { return std::sqrt(x[0] - 1.5); }),
          tr);
    CHECK(dump(tr) ==
          "[1, 4, nan; 2, 5, 0.7071067811865476; nan, 6, nan; 4, 0.5, "
          "1.5811388300841898]");
    CHECK(tr.consistent());
  }
  SECTION("sum_of") {
    auto tr = clean;
    apply(odesynth::sum_of("total", {"a", "b"}), tr);
    CHECK(dump(tr) == "[1, 4, 5; 2, 5, 7; nan, 6, nan; 4, 0.5, 4.5]");
    CHECK(tr.consistent());
    CHECK(odesynth::sum_of("total", {"a", "b"}).describe() == "sum_of(name=total, species=[a, b])");
  }
  SECTION("log_of: exact for powers of 2 and 10; non-positive values are missing") {
    auto tr = from_rows({"x"}, {{1000}, {0.5}, {0}, {-1}, {81}, {pp_na}});
    apply(odesynth::log_of("log10_x", "x", 10) | odesynth::log_of("log2_x", "x", 2) |
              odesynth::log_of("log3_x", "x", 3),
          tr);
    CHECK(tr.species() == std::vector<std::string>{"x", "log10_x", "log2_x", "log3_x"});
    CHECK(tr.values()(0, 1) == 3.0);
    CHECK(tr.values()(1, 2) == -1.0);
    CHECK(tr.values()(4, 3) == Approx(4.0).epsilon(1e-15));
    for (Eigen::Index i : {2, 3, 5})
      for (Eigen::Index j : {1, 2, 3}) CHECK_FALSE(tr.mask()(i, j));
    CHECK(tr.consistent());
    CHECK(odesynth::log_of("l", "x", 10).describe() == "log_of(name=l, species=x, base=10)");
  }
}

TEST_CASE("post-processing arguments are validated with typed errors", "[postprocess][input]") {
  const auto f = [](const double* x) { return x[0]; };
  const any_transform noise = test_gaussian{1.0};
  struct bad_case {
    std::function<void()> make;
    const char* field;
    const char* value;
  };
  const std::vector<bad_case> cases{
      {[] { (void)odesynth::select_species({}); }, "select_species.keep", "[]"},
      {[] {
         (void)odesynth::select_species({"a", "b", "a"});
       },
       "select_species.keep[2]", "\"a\""},
      {[] {
         (void)odesynth::hide_species({"a", "a"});
       },
       "hide_species.hide[1]", "\"a\""},
      {[] {
         (void)odesynth::clip(bounds{1, 0});
       },
       "clip.range.hi", "0"},
      {[] {
         (void)odesynth::clip(bounds{pp_na, 1});
       },
       "clip.range.lo", "nan"},
      {[] {
         (void)odesynth::clip({{"a", bounds{0, pp_na}}});
       },
       "clip.range[\"a\"].hi", "nan"},
      {[] { (void)odesynth::clip_below(pp_na); }, "clip_below.lo", "nan"},
      {[] { (void)odesynth::rescale_to_sum({}, 1); }, "rescale_to_sum.group", "[]"},
      {[] {
         (void)odesynth::rescale_to_sum({"S", "S"}, 1);
       },
       "rescale_to_sum.group[1]", "\"S\""},
      {[] { (void)odesynth::rescale_to_sum({"S"}, pp_na); }, "rescale_to_sum.total", "nan"},
      {[] { (void)odesynth::rescale_to_sum({"S"}, pp_inf); }, "rescale_to_sum.total", "inf"},
      {[] { (void)odesynth::rescale_to_sum::to_first_row_sum({}); }, "rescale_to_sum.group", "[]"},
      {[&] {
         (void)odesynth::redraw_until_within(noise, bounds{0, 1}, 0);
       },
       "redraw_until_within.max_attempts", "0"},
      {[&] {
         (void)odesynth::redraw_until_within(noise, bounds{0, 1}, -3);
       },
       "redraw_until_within.max_attempts", "-3"},
      {[&] {
         (void)odesynth::redraw_until_within(noise, bounds{2, 1});
       },
       "redraw_until_within.range.hi", "1"},
      {[&] {
         (void)odesynth::redraw_until_within(noise, bounds{0, 1}, 5,
                                             static_cast<odesynth::on_exhaustion>(7));
       },
       "redraw_until_within.policy", "7"},
      {[] { (void)odesynth::quantize(0.0); }, "quantize.step", "0"},
      {[] { (void)odesynth::quantize(-1.0); }, "quantize.step", "-1"},
      {[] { (void)odesynth::quantize(pp_na); }, "quantize.step", "nan"},
      {[] {
         (void)odesynth::quantize({{"a", pp_inf}});
       },
       "quantize.step[\"a\"]", "inf"},
      {[] { (void)odesynth::detection_limit(-0.1); }, "detection_limit.lod", "-0.1"},
      {[] { (void)odesynth::detection_limit(pp_na); }, "detection_limit.lod", "nan"},
      {[&] { (void)odesynth::derive("", {"a"}, f); }, "derive.name", "\"\""},
      {[&] { (void)odesynth::derive("x", {}, f); }, "derive.inputs", "[]"},
      {[&] {
         (void)odesynth::derive("x", {"a", "a"}, f);
       },
       "derive.inputs[1]", "\"a\""},
      {[] { (void)odesynth::derive("x", {"a"}, nullptr); }, "derive.f", "null"},
      {[] {
         (void)odesynth::sum_of("t", {"a", "a"});
       },
       "sum_of.species[1]", "\"a\""},
      {[] { (void)odesynth::sum_of("t", {}); }, "sum_of.species", "[]"},
      {[] { (void)odesynth::log_of("l", "a", 1); }, "log_of.base", "1"},
      {[] { (void)odesynth::log_of("l", "a", 0); }, "log_of.base", "0"},
      {[] { (void)odesynth::log_of("l", "a", -2); }, "log_of.base", "-2"},
      {[] { (void)odesynth::log_of("l", "a", pp_na); }, "log_of.base", "nan"},
      {[] { (void)odesynth::log_of("", "a", 10); }, "log_of.name", "\"\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.field, c.value);
    check_error(c.make, c.field, c.value);
  }
}

TEST_CASE("unknown species and name clashes are rejected before any work", "[postprocess][input]") {
  const auto f = [](const double* x) { return x[0]; };
  struct bad_case {
    any_transform transform;
    const char* field;
    const char* value;
    bool checked_when_applied;  // per_species settings are checked by layout_after only
  };
  const std::vector<bad_case> cases{
      {odesynth::select_species({"a", "z"}), "select_species.keep", "\"z\"", true},
      {odesynth::hide_species({"z"}), "hide_species.hide", "\"z\"", true},
      {odesynth::hide_species({"a", "b", "c"}), "hide_species.hide", "[a, b, c]", true},
      {odesynth::clip({{"z", bounds{}}}), "clip.range", "\"z\"", false},
      {odesynth::rescale_to_sum({"a", "z"}, 1), "rescale_to_sum.group", "\"z\"", true},
      {odesynth::redraw_until_within(test_gaussian{}, {{"z", bounds{}}}),
       "redraw_until_within.range", "\"z\"", false},
      {odesynth::quantize({{"z", 1.0}}), "quantize.step", "\"z\"", false},
      {odesynth::detection_limit({{"z", 1.0}}), "detection_limit.lod", "\"z\"", false},
      {odesynth::derive("a", {"b"}, f), "derive.name", "\"a\"", true},
      {odesynth::derive("n", {"b", "z"}, f), "derive.inputs", "\"z\"", true},
      {odesynth::sum_of("b", {"a"}), "sum_of.name", "\"b\"", true},
      {odesynth::sum_of("t", {"z"}), "sum_of.species", "\"z\"", true},
      {odesynth::log_of("l", "z", 10), "log_of.species", "\"z\"", true},
  };
  const auto layout = postprocess_layout_of({"a", "b", "c"});
  for (const auto& c : cases) {
    CAPTURE(c.field, c.value);
    check_error([&] { (void)c.transform.layout_after(layout); }, c.field, c.value);
    if (c.checked_when_applied) {
      auto tr = from_rows({"a", "b", "c"}, {{1, 2, 3}});
      check_error([&] { apply(c.transform, tr); }, c.field, c.value);
    }
  }
  // Unknown names come with the list of known ones.
  CHECK_THROWS_WITH(odesynth::select_species({"z"}).layout_after(layout),
                    Contains("one of the species [a, b, c]"));
  CHECK_THROWS_WITH(odesynth::derive("a", {"b"}, f).layout_after(layout),
                    Contains("not already a column (columns: [a, b, c])"));
}

TEST_CASE("post-processing stages compose into pipelines", "[postprocess][pipeline]") {
  const auto pipeline =
      odesynth::select_species({"S", "I", "R"}) | odesynth::rescale_to_sum({"S", "I", "R"}, 8) |
      odesynth::sum_of("N", {"S", "I", "R"}) | odesynth::quantize(0.5) | odesynth::clip_below(0);
  CHECK(pipeline.layout_after(postprocess_layout_of({"S", "hidden", "I", "R"})).species ==
        std::vector<std::string>{"S", "I", "R", "N"});
  auto tr = from_rows({"S", "hidden", "I", "R"}, {{1, 9, 2, 1}, {1.5, 9, 0.25, 0.25}});
  apply(pipeline, tr);
  CHECK(dump(tr) == "[2, 4, 2, 8; 6, 1, 1, 8]");
  CHECK(tr.consistent());
  CHECK(pipeline.describe() ==
        "select_species(keep=[S, I, R]) | rescale_to_sum(group=[S, I, R], total=8) | "
        "sum_of(name=N, species=[S, I, R]) | quantize(step=0.5) | clip(range=[0, inf])");

  // Type-erased, the same stages give the same bits.
  const odesynth::dynamic_pipeline runtime{
      odesynth::select_species({"S", "I", "R"}), odesynth::rescale_to_sum({"S", "I", "R"}, 8),
      odesynth::sum_of("N", {"S", "I", "R"}), odesynth::quantize(0.5), odesynth::clip_below(0)};
  auto again = from_rows({"S", "hidden", "I", "R"}, {{1, 9, 2, 1}, {1.5, 9, 0.25, 0.25}});
  apply(runtime, again);
  CHECK(dump(again) == dump(tr));
  CHECK(again.species() == tr.species());
}
