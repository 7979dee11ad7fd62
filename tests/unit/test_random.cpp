// Random streams and distributions: known answers for the engine, pinned first values for
// every distribution (so streams never change silently across compilers, standard libraries
// or Boost versions), and statistical checks whose bounds follow from the sample size.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <odesynth/distributions.hpp>
#include <odesynth/random.hpp>
#include <odesynth/standard_normal.hpp>
#include <set>
#include <vector>

using odesynth::philox4x32;
using odesynth::random_stream;
using odesynth::stream_purpose;
namespace dist = odesynth::dist;

namespace {

struct moments {
  double mean = 0, variance = 0;
};

template <class D>
std::vector<double> sample(const D& d, std::size_t n, std::uint64_t seed) {
  random_stream s(seed, 0, stream_purpose::parameters);
  std::vector<double> x(n);
  for (auto& v : x) v = d.draw(s);
  return x;
}

moments moments_of(const std::vector<double>& x) {
  moments m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (double v : x) m.variance += (v - m.mean) * (v - m.mean);
  m.variance /= static_cast<double>(x.size() - 1);
  return m;
}

// Kolmogorov-Smirnov statistic of a sample against a CDF.
template <class Cdf>
double ks_statistic(std::vector<double> x, Cdf cdf) {
  std::sort(x.begin(), x.end());
  const auto n = static_cast<double>(x.size());
  double d = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double f = cdf(x[i]);
    d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
  }
  return d;
}

}  // namespace

TEST_CASE("Philox4x32-10 reproduces the Random123 known-answer vectors", "[random]") {
  using odesynth::philox4x32;
  CHECK(philox4x32::generate({0, 0, 0, 0}, {0, 0}) ==
        philox4x32::counter_type{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
  CHECK(philox4x32::generate({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff},
                             {0xffffffff, 0xffffffff}) ==
        philox4x32::counter_type{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
  CHECK(philox4x32::generate({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                             {0xa4093822, 0x299f31d0}) ==
        philox4x32::counter_type{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
}

TEST_CASE("a stream's values are pinned for (seed 42 and index 7)", "[random][golden]") {
  random_stream s(42, 7, stream_purpose::parameters);
  CHECK(s.next_u64() == 0x0497eba769548a50ull);
  CHECK(s.next_u64() == 0x1fd31b768d10d411ull);
  CHECK(s.next_u64() == 0x02ef015297dc5331ull);
  CHECK(s.next_u64() == 0x73f672ad67342a5cull);
  CHECK(s.words_drawn() == 8);
}

TEST_CASE("streams depend only on (seed and index and purpose)", "[random]") {
  auto first = [](std::uint64_t seed, std::uint64_t index, stream_purpose p) {
    random_stream s(seed, index, p);
    return s.next_u64();
  };
  CHECK(first(1, 5, stream_purpose::measurement) == first(1, 5, stream_purpose::measurement));
  std::set<std::uint64_t> distinct{
      first(1, 5, stream_purpose::measurement), first(2, 5, stream_purpose::measurement),
      first(1, 6, stream_purpose::measurement), first(1, 5, stream_purpose::parameters),
      first(1, std::uint64_t{1} << 40, stream_purpose::measurement)};
  CHECK(distinct.size() == 5);
  // Drawing from one stream never disturbs another.
  random_stream a(9, 0, stream_purpose::measurement), b(9, 1, stream_purpose::measurement);
  const auto b0 = random_stream(9, 1, stream_purpose::measurement).next_u64();
  for (int i = 0; i < 1000; ++i) (void)a.next_u64();
  CHECK(b.next_u64() == b0);
}

TEST_CASE("uniform conversions stay in their intervals", "[random]") {
  random_stream s(3, 0, stream_purpose::measurement);
  double lo = 1, hi = 0;
  for (int i = 0; i < 100000; ++i) {
    const double u = s.uniform01(), v = s.uniform_open01();
    REQUIRE(u >= 0);
    REQUIRE(u < 1);
    REQUIRE(v > 0);
    REQUIRE(v < 1);
    lo = std::min(lo, u);
    hi = std::max(hi, u);
  }
  CHECK(lo < 1e-4);  // 1e5 draws: the minimum of n uniforms is about 1/n
  CHECK(hi > 1 - 1e-4);
}

TEST_CASE("below(n) is unbiased and in range", "[random]") {
  random_stream s(11, 0, stream_purpose::measurement);
  // n = 3 does not divide 2^64: a modulo reduction would favour 0. 300000 draws, each count
  // ~ Binomial(n, 1/3) with sd sqrt(n p (1-p)) = 258; 5 sd bounds.
  std::array<int, 3> counts{};
  const int n = 300000;
  for (int i = 0; i < n; ++i) {
    const auto k = s.below(3);
    REQUIRE(k < 3);
    ++counts[k];
  }
  const double sd = std::sqrt(n * (1.0 / 3) * (2.0 / 3));
  for (int c : counts) CHECK(std::fabs(c - n / 3.0) < 5 * sd);
  CHECK(s.below(1) == 0);
  // Large n: still in range.
  for (int i = 0; i < 1000; ++i)
    REQUIRE(s.below((std::uint64_t{1} << 63) + 12345) < (std::uint64_t{1} << 63) + 12345);
}

TEST_CASE("the normal quantile matches reference values", "[random][distribution]") {
  // Reference quantiles of N(0, 1) (Abramowitz & Stegun 26.2; qnorm in R).
  CHECK(odesynth::standard_normal_quantile(0.5) == 0.0);
  CHECK(odesynth::standard_normal_quantile(0.975) == Approx(1.959963984540054).epsilon(1e-15));
  CHECK(odesynth::standard_normal_quantile(0.025) == Approx(-1.959963984540054).epsilon(1e-15));
  CHECK(odesynth::standard_normal_quantile(0.8413447460685429) == Approx(1.0).epsilon(1e-14));
  CHECK(odesynth::standard_normal_quantile(1e-10) == Approx(-6.361340902404056).epsilon(1e-14));
  // Inverse of the CDF: over the body, and deep into the lower tail where the CDF itself is
  // accurate to full relative precision (upper-tail values of the CDF round to 1 - k ulp, so
  // the round trip there measures the CDF's rounding, not the quantile).
  for (double x = -37; x <= 3; x += 0.25)
    CHECK(odesynth::standard_normal_quantile(odesynth::standard_normal_cdf(x)) ==
          Approx(x).epsilon(1e-12).margin(1e-14));
  for (double p : {1e-10, 1e-100, 1e-300})
    CHECK(odesynth::standard_normal_cdf(odesynth::standard_normal_quantile(p)) ==
          Approx(p).epsilon(1e-12));
}

TEST_CASE("first draws of every distribution are pinned", "[random][distribution][golden]") {
  // Stream (42, 7, parameters). These values may only change together with a documented
  // change of the stream format: datasets are promised to be reproducible.
  struct golden {
    const char* name;
    odesynth::distribution d;
    std::array<double, 4> values;
  };
  const std::vector<golden> cases{
      {"uniform",
       dist::uniform{-1, 3},
       {-0.92822750712610214, -0.50274003432035652, -0.95416228231675415, 0.81191698964977599}},
      {"normal",
       dist::normal{1, 2},
       {-3.1964279774789368, -1.307366844614088, -3.5495690554153443, 0.763724454883282}},
      {"truncated_normal",
       dist::truncated_normal{0, 1, 0.5, 2},
       {0.5146190647767368, 0.60373512202054935, 0.50932397404362117, 0.91887004707965325}},
      {"lognormal",
       dist::lognormal{0.5, 0.3},
       {0.87856604348543721, 1.1663683805325464, 0.8332385041306668, 1.5913117374696868}},
      {"log_uniform",
       dist::log_uniform{1e-3, 1e3},
       {0.0012813233464395452, 0.0055704457433590612, 0.0011715385303147231, 0.52224643551420502}},
      {"exponential",
       dist::exponential{2},
       {0.0090530264877375123, 0.066374415978169149, 0.0057627973224799109, 0.30163426918144848}},
      {"gamma",
       dist::gamma{2.5, 1.5},
       {0.46987706029347803, 0.3704587071681732, 3.5699247938716208, 3.9763696348978415}},
      {"gamma with shape below 1",
       dist::gamma{0.4, 1},
       {5.043759063951893e-07, 0.00061191949674411486, 0.037760878269107977, 0.48213775464647612}},
      {"beta",
       dist::beta{2, 5},
       {0.11168104797446496, 0.25698360822960564, 0.30116890933835522, 0.093135335099221436}},
      {"student_t",
       dist::student_t{4, 1, 2},
       {-6.8136359938486413, 0.75463422525479062, 1.5136241213674979, -0.122235127498594}},
      {"poisson (inversion)", dist::poisson{3.5}, {0, 1, 0, 3}},
      {"poisson (PTRS)", dist::poisson{250}, {252, 255, 237, 219}},
      {"bernoulli", dist::bernoulli{0.3}, {1, 1, 1, 0}},
      {"choice", dist::choice{{1, 2, 5}, {1, 1, 2}}, {1, 1, 1, 2}},
      {"percent_around",
       dist::percent_around{10, 20},
       {8.0717724928738974, 8.4972599656796426, 8.045837717683245, 9.8119169896497755}},
      {"constant", dist::constant{7}, {7, 7, 7, 7}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    random_stream s(42, 7, stream_purpose::parameters);
    for (double expected : c.values) CHECK(odesynth::draw(c.d, s) == expected);
  }
}

TEST_CASE("draws have the distribution's mean and variance", "[random][distribution]") {
  // n = 200000 draws. The sample mean's sd is sqrt(var / n); 5 of those bound it (a fixed
  // seed makes the test deterministic; 5 sd would fail a correct generator with probability
  // < 1e-6 for a fresh seed). The sample variance's sd is sqrt((m4 - var^2) / n) =
  // var sqrt((kurtosis - 1) / n); the largest kurtosis here is gamma(0.6)'s, 3 + 6 / 0.6 = 13,
  // so 5 x var x sqrt(14 / n) bounds every case.
  const std::size_t n = 200000;
  const std::vector<std::pair<const char*, odesynth::distribution>> cases{
      {"uniform", dist::uniform{-1, 3}},
      {"normal", dist::normal{1, 2}},
      {"truncated_normal", dist::truncated_normal{0, 1, -0.5, 2}},
      {"lognormal", dist::lognormal{0.5, 0.3}},
      {"log_uniform", dist::log_uniform{0.1, 10}},
      {"exponential", dist::exponential{2}},
      {"gamma", dist::gamma{2.5, 1.5}},
      {"gamma with shape below 1", dist::gamma{0.6, 2}},
      {"beta", dist::beta{2, 5}},
      {"student_t", dist::student_t{10, 1, 2}},
      {"poisson (inversion)", dist::poisson{3.5}},
      {"poisson (PTRS)", dist::poisson{250}},
      {"bernoulli", dist::bernoulli{0.3}},
      {"choice", dist::choice{{1, 2, 5}, {1, 1, 2}}},
      {"percent_around", dist::percent_around{10, 20}},
  };
  for (const auto& [name, d] : cases) {
    CAPTURE(name);
    random_stream s(2024, 1, stream_purpose::parameters);
    std::vector<double> x(n);
    for (auto& v : x) v = odesynth::draw(d, s);
    const auto m = moments_of(x);
    const double mean = odesynth::mean_value(d), var = odesynth::variance(d);
    CHECK(std::fabs(m.mean - mean) < 5 * std::sqrt(var / static_cast<double>(n)));
    CHECK(std::fabs(m.variance - var) < 5 * var * std::sqrt(14.0 / static_cast<double>(n)));
  }
}

TEST_CASE("normal and log-normal draws pass a Kolmogorov-Smirnov test", "[random][distribution]") {
  // KS critical value at significance 0.001 is 1.949 / sqrt(n) (asymptotic, n large).
  const std::size_t n = 100000;
  const double critical = 1.949 / std::sqrt(static_cast<double>(n));
  const dist::normal normal{1.5, 0.7};
  const double d_normal = ks_statistic(sample(normal, n, 5), [](double x) {
    return odesynth::standard_normal_cdf((x - 1.5) / 0.7);
  });
  CHECK(d_normal < critical);
  const dist::lognormal lognormal{0.2, 0.5};
  const double d_lognormal = ks_statistic(sample(lognormal, n, 6), [](double x) {
    return odesynth::standard_normal_cdf((std::log(x) - 0.2) / 0.5);
  });
  CHECK(d_lognormal < critical);
  // And the test has teeth: the same normal sample against a slightly wrong sd fails it.
  const double d_wrong = ks_statistic(sample(normal, n, 5), [](double x) {
    return odesynth::standard_normal_cdf((x - 1.5) / 0.72);
  });
  CHECK(d_wrong > critical);
}

TEST_CASE("quantile and draw describe the same distribution", "[random][distribution]") {
  // For the distributions whose draw() is not quantile(u): compare the sample median with
  // quantile(0.5). The sample median's sd is 1 / (2 f(m) sqrt(n)); the bound uses the
  // distribution's own quartile spread as a generous stand-in for 1/f(m).
  const std::size_t n = 100001;
  auto check_median = [&](const odesynth::distribution& d, std::uint64_t seed) {
    random_stream s(seed, 0, stream_purpose::parameters);
    std::vector<double> x(n);
    for (auto& v : x) v = odesynth::draw(d, s);
    std::nth_element(x.begin(), x.begin() + n / 2, x.end());
    const double spread = odesynth::quantile(d, 0.75) - odesynth::quantile(d, 0.25);
    CHECK(std::fabs(x[n / 2] - odesynth::quantile(d, 0.5)) < 5 * spread / std::sqrt(double(n)));
  };
  check_median(dist::gamma{2.5, 1.5}, 1);
  check_median(dist::beta{2, 5}, 2);
  check_median(dist::student_t{4, 1, 2}, 3);
  check_median(dist::poisson{250}, 4);
  // Discrete quantile: smallest k with P(X <= k) >= u.
  CHECK(dist::poisson{3.5}.quantile(0.5) == 3);
  CHECK(dist::poisson{3.5}.quantile(1e-9) == 0);
  CHECK(dist::choice{{1, 2, 5}, {1, 1, 2}}.quantile(0.3) == 2);
}

TEST_CASE("invalid distribution arguments name the argument and the value",
          "[random][distribution][input]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  struct bad_case {
    odesynth::distribution d;
    const char* field;
    const char* value;
  };
  const std::vector<bad_case> cases{
      {dist::uniform{2, 1}, "k.lo", "2"},
      {dist::uniform{nan, 1}, "k.lo", "nan"},
      {dist::normal{0, -1}, "k.sd", "-1"},
      {dist::normal{0, nan}, "k.sd", "nan"},
      {dist::truncated_normal{0, 1, 3, 2}, "k.lo", "3"},
      {dist::truncated_normal{0, 1, 50, 60}, "k.lo", "50"},
      {dist::lognormal{0, -0.1}, "k.sigma", "-0.1"},
      {dist::log_uniform{0, 10}, "k.lo", "0"},
      {dist::log_uniform{-1, 10}, "k.lo", "-1"},
      {dist::log_uniform{1, -10}, "k.hi", "-10"},
      {dist::exponential{0}, "k.rate", "0"},
      {dist::gamma{-1, 1}, "k.shape", "-1"},
      {dist::beta{1, 0}, "k.b", "0"},
      {dist::student_t{0}, "k.nu", "0"},
      {dist::poisson{-2}, "k.mean", "-2"},
      {dist::bernoulli{1.5}, "k.p", "1.5"},
      {dist::choice{{}, {}}, "k.values", "[]"},
      {dist::choice{{1, 2}, {1}}, "k.weights.size()", "1"},
      {dist::choice{{1, 2}, {1, -1}}, "k.weights[1]", "-1"},
      {dist::choice{{1, 2}, {0, 0}}, "k.weights", "[0, 0]"},
      {dist::percent_around{1, -5}, "k.percent", "-5"},
      {dist::constant{nan}, "k.value", "nan"},
  };
  for (const auto& c : cases) {
    CAPTURE(odesynth::describe(c.d));
    try {
      odesynth::validate(c.d, "k");
      FAIL("no exception");
    } catch (const odesynth::invalid_argument& e) {
      CHECK(e.field() == c.field);
      CHECK(e.value() == c.value);
    }
  }
  CHECK_NOTHROW(odesynth::validate(dist::normal{0, 0}, "k"));  // a point mass is allowed
}

TEST_CASE("distributions describe themselves for provenance", "[random][distribution]") {
  CHECK(fmt::format("{}", odesynth::distribution(dist::normal{0, 1})) == "normal(mean=0, sd=1)");
  CHECK(odesynth::describe(dist::choice{{1, 2}, {}}) == "choice(values=[1, 2])");
  CHECK(odesynth::describe(dist::log_uniform{0.01, 100}) == "log_uniform(lo=0.01, hi=100)");
}

// --- blocks of words and the ziggurat normal (issue 16) ------------------------------------

TEST_CASE("generate4 gives the bits of four scalar Philox blocks", "[random]") {
  for (const std::uint32_t block : {0u, 1u, 12345u, 0xFFFFFFF8u, 0xFFFFFFFCu}) {
    const philox4x32::key_type key{0xa4093822u, 0x299f31d0u};
    std::uint64_t words[8];
    philox4x32::generate4(block, 0x85a308d3u, 0x13198a2eu, 0x03707344u, key, words);
    for (std::uint32_t j = 0; j < 4; ++j) {
      const auto c = philox4x32::generate({block + j, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, key);
      CHECK(words[2 * j] == ((std::uint64_t{c[0]} << 32) | c[1]));
      CHECK(words[2 * j + 1] == ((std::uint64_t{c[2]} << 32) | c[3]));
    }
  }
}

TEST_CASE("generate8 and generate16 give the bits of scalar Philox blocks", "[random]") {
  // On this machine's AVX2 path when it has one (has_avx2), else generate4's.
  for (const std::uint32_t block : {0u, 77u, 0xFFFFFFEFu}) {
    const philox4x32::key_type key{0x12345678u, 0x9abcdef0u};
    std::uint64_t eight[16], sixteen[32];
    philox4x32::generate8(block, 3u, 5u, 7u, key, eight);
    philox4x32::generate16(block, 3u, 5u, 7u, key, sixteen);
    for (std::uint32_t j = 0; j < 16; ++j) {
      const auto c = philox4x32::generate({block + j, 3u, 5u, 7u}, key);
      CHECK(sixteen[2 * j] == ((std::uint64_t{c[0]} << 32) | c[1]));
      CHECK(sixteen[2 * j + 1] == ((std::uint64_t{c[2]} << 32) | c[3]));
      if (j < 8) {
        CHECK(eight[2 * j] == sixteen[2 * j]);
        CHECK(eight[2 * j + 1] == sixteen[2 * j + 1]);
      }
    }
  }
}

TEST_CASE("fill_u64 gives the words of next_u64 from any position", "[random]") {
  // Every phase within a block (0-8 single words drawn before: odd counts make 64-bit values
  // straddle blocks), lengths around the four-block batches, and the stream after it.
  for (int before = 0; before <= 8; ++before) {
    for (const std::size_t n : {0u, 1u, 2u, 7u, 8u, 9u, 16u, 17u, 31u, 32u, 33u, 100u}) {
      random_stream one(11, 3, stream_purpose::measurement);
      random_stream many(11, 3, stream_purpose::measurement);
      for (int i = 0; i < before; ++i) {
        one.next_u32();
        many.next_u32();
      }
      std::vector<std::uint64_t> expected(n), got(n);
      for (auto& w : expected) w = one.next_u64();
      many.fill_u64(got.data(), n);
      CHECK(got == expected);
      CHECK(many.words_drawn() == one.words_drawn());
      CHECK(many.next_u32() == one.next_u32());
    }
  }
}

TEST_CASE("substreams are fixed by their parent and tag and differ from both", "[random]") {
  const random_stream parent(5, 9, stream_purpose::measurement);
  auto a = parent.substream(40), b = parent.substream(40), c = parent.substream(42);
  auto d = random_stream(5, 10, stream_purpose::measurement).substream(40);
  auto p = parent;
  const std::uint64_t first = a.next_u64();
  CHECK(b.next_u64() == first);
  CHECK(c.next_u64() != first);
  CHECK(d.next_u64() != first);
  CHECK(p.next_u64() != first);
}

TEST_CASE("standard normals are pinned: fast path wedge and tail", "[random][golden]") {
  // Seed 42, index 7, measurement: draws 0-5 (draw 3 is a wedge test: its word falls outside
  // its layer's sure part), and draw 9145, the stream's first tail value (beyond r = 3.654).
  random_stream s(42, 7, stream_purpose::measurement);
  CHECK(odesynth::standard_normal(s) == 0x1.39dd9b4176c75p+0);
  CHECK(odesynth::standard_normal(s) == 0x1.a40c7f4607928p-1);
  CHECK(odesynth::standard_normal(s) == -0x1.731aec9e8d917p-2);
  CHECK(odesynth::standard_normal(s) == -0x1.3f95d0003fd5cp-4);
  CHECK(odesynth::standard_normal(s) == 0x1.f0d7ca15bb4ebp-1);
  CHECK(odesynth::standard_normal(s) == 0x1.e2370996aebccp-1);
  std::vector<double> block(9146);
  random_stream t(42, 7, stream_purpose::measurement);
  odesynth::standard_normals(t, block.data(), block.size());
  CHECK(block[3] == -0x1.3f95d0003fd5cp-4);
  CHECK(block[9145] == -0x1.eeef2fd95190ep+1);
}

TEST_CASE("standard_normals gives the values of standard_normal one by one", "[random]") {
  for (int before = 0; before <= 3; ++before) {
    for (const std::size_t n : {0u, 1u, 5u, 63u, 64u, 65u, 200u, 5000u}) {
      random_stream one(3, 1, stream_purpose::measurement);
      random_stream many(3, 1, stream_purpose::measurement);
      for (int i = 0; i < before; ++i) {
        one.next_u32();
        many.next_u32();
      }
      std::vector<double> expected(n), got(n);
      for (auto& x : expected) x = odesynth::standard_normal(one);
      odesynth::standard_normals(many, got.data(), n);
      CHECK(got == expected);
      CHECK(many.next_u64() == one.next_u64());  // each normal took one word, extras elsewhere
    }
  }
}

TEST_CASE("ziggurat normals pass Kolmogorov-Smirnov tests overall and in the tail",
          "[random][distribution]") {
  // KS at significance 0.001: critical value 1.949 / sqrt(n) (asymptotic; n >= 2,000 here).
  const auto critical = [](std::size_t n) { return 1.949 / std::sqrt(static_cast<double>(n)); };
  const std::size_t n = 1000000;
  std::vector<double> x(n);
  random_stream s(2026, 0, stream_purpose::measurement);
  odesynth::standard_normals(s, x.data(), n);
  CHECK(ks_statistic(x, odesynth::standard_normal_cdf) < critical(n));
  const auto m = moments_of(x);
  CHECK(std::fabs(m.mean) < 5 / std::sqrt(static_cast<double>(n)));              // sd of the mean
  CHECK(std::fabs(m.variance - 1) < 5 * std::sqrt(2 / static_cast<double>(n)));  // of s^2

  // The slow paths are 1.2% of draws, too few to move the test above much, so they get one
  // of their own: a chi-square test of |x| over the ziggurat's layers [x_(i+1), x_i), where
  // a wrong wedge test shows. 4 million draws; 255 degrees of freedom (256 bins), so the
  // statistic has mean 255 and sd sqrt(510) = 22.6; the bound is 5 sd above the mean. The same
  // words decoded without the wedge test (every point of a layer accepted) must fail it.
  namespace z = odesynth::detail::ziggurat;
  std::vector<double> edges;  // x_255 < ... < x_1 = r, then the tail [r, inf)
  for (std::size_t i = 255; i >= 1; --i) edges.push_back(z::width[i] * 0x1p52);
  const auto chi_square = [&](const std::vector<double>& values) {
    std::vector<double> count(edges.size() + 1);
    for (double v : values)
      count[static_cast<std::size_t>(std::upper_bound(edges.begin(), edges.end(), std::fabs(v)) -
                                     edges.begin())] += 1;
    double chi2 = 0, low = 0;
    for (std::size_t b = 0; b < count.size(); ++b) {
      const double upper_tail = b < edges.size() ? std::erfc(edges[b] / std::sqrt(2.0)) : 0.0;
      const double expected =
          (std::erfc(low / std::sqrt(2.0)) - upper_tail) * static_cast<double>(values.size());
      chi2 += (count[b] - expected) * (count[b] - expected) / expected;
      if (b < edges.size()) low = edges[b];
    }
    return chi2;
  };
  const std::size_t n_layers = 4000000;
  const double chi2_bound = 255 + 5 * std::sqrt(2.0 * 255);
  std::vector<double> layered(n_layers), no_wedge_test(n_layers);
  random_stream for_layers(2027, 0, stream_purpose::measurement);
  odesynth::standard_normals(for_layers, layered.data(), n_layers);
  CHECK(chi_square(layered) < chi2_bound);
  random_stream again(2027, 0, stream_purpose::measurement);
  for (auto& v : no_wedge_test) {
    const std::uint64_t w = again.next_u64();
    v = static_cast<double>(w >> 12) * z::width[w & 0xFF];
  }
  CHECK(chi_square(no_wedge_test) > chi2_bound);

  // The tail beyond r = 3.654 (probability 2.58e-4 on both sides): 8 million draws give about
  // 2,060 tail values; their count is binomial (5 sd bound) and their shape, given |x| > r,
  // must be the normal's tail: P(|X| <= y | |X| > r) = 1 - erfc(y / sqrt 2) / erfc(r / sqrt 2).
  const double r = z::r;
  const double p_tail = std::erfc(r / std::sqrt(2.0));
  const std::size_t draws = 8000000;
  std::vector<double> tail;
  std::vector<double> chunk(100000);
  random_stream t(7, 0, stream_purpose::measurement);
  for (std::size_t done = 0; done < draws; done += chunk.size()) {
    odesynth::standard_normals(t, chunk.data(), chunk.size());
    for (double v : chunk)
      if (std::fabs(v) > r) tail.push_back(std::fabs(v));
  }
  const double expected = p_tail * static_cast<double>(draws);
  CHECK(std::fabs(static_cast<double>(tail.size()) - expected) < 5 * std::sqrt(expected));
  CHECK(ks_statistic(tail, [&](double y) {
          return 1 - std::erfc(y / std::sqrt(2.0)) / std::erfc(r / std::sqrt(2.0));
        }) < critical(tail.size()));
}

TEST_CASE("skip_u64 and word_reader leave the stream where the draws would", "[random]") {
  for (int before = 0; before <= 4; ++before) {
    for (const std::uint64_t n : {0u, 1u, 2u, 3u, 31u, 32u, 33u, 100u}) {
      random_stream drawn(8, 2, stream_purpose::measurement);
      random_stream skipped(8, 2, stream_purpose::measurement);
      random_stream read(8, 2, stream_purpose::measurement);
      for (int i = 0; i < before; ++i) {
        drawn.next_u32();
        skipped.next_u32();
        read.next_u32();
      }
      std::vector<std::uint64_t> expected, got;
      for (std::uint64_t i = 0; i < n; ++i) expected.push_back(drawn.below(i + 3));
      skipped.skip_u64(n);
      {
        odesynth::detail::word_reader reader(read);
        for (std::uint64_t i = 0; i < n; ++i) got.push_back(reader.below(i + 3));
      }
      CHECK(got == expected);
      CHECK(skipped.words_drawn() == drawn.words_drawn());
      CHECK(read.words_drawn() == drawn.words_drawn());
      const std::uint32_t next = drawn.next_u32();
      CHECK(skipped.next_u32() == next);
      CHECK(read.next_u32() == next);
    }
  }
}
