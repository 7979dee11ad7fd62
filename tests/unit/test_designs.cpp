// Experimental designs: published first points of the Sobol and Halton sequences, the
// stratification each design promises (one point per Latin-hypercube stratum, dyadic nets,
// b-adic intervals) with and without scrambling, points that depend only on their index (and
// the trajectory's stream), statistical checks whose bounds follow from the sample size, and
// argument errors that name the field and value.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <odesynth/designs.hpp>
#include <odesynth/random.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

using odesynth::random_stream;
using odesynth::stream_purpose;
using odesynth::detail::designs::grid_design;
using odesynth::detail::designs::halton_design;
using odesynth::detail::designs::independent_design;
using odesynth::detail::designs::latin_hypercube;
using odesynth::detail::designs::sobol_design;

namespace {

/// Point `index` of design `d`, with trajectory `index`'s own parameter stream.
template <class D>
std::vector<double> point_of(const D& d, std::uint64_t index, std::uint64_t stream_seed = 5) {
  random_stream s(stream_seed, index, stream_purpose::parameters);
  std::vector<double> u(d.dimensions());
  d.point(index, s, u.data());
  return u;
}

/// Sequence point `index` of a Sobol design as 32-bit integers.
std::vector<std::uint32_t> raw_of(const sobol_design& d, std::uint64_t index) {
  std::vector<std::uint32_t> x(d.dimensions());
  d.raw_point(index, x.data());
  return x;
}

double designs_correlation(const std::vector<double>& a, const std::vector<double>& b) {
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

template <class F>
void expect_invalid(F make, const std::string& field, const std::string& value,
                    const std::string& contains = "") {
  try {
    make();
    FAIL("no exception for " << field);
  } catch (const odesynth::invalid_argument& e) {
    CHECK(e.field() == field);
    CHECK(e.value() == value);
    if (!contains.empty()) CHECK_THAT(e.what(), Catch::Contains(contains));
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The keyed permutation behind the Latin hypercube and the Halton digit scrambling

TEST_CASE("the keyed permutation is a bijection of 0..n-1", "[design][permutation]") {
  using odesynth::detail::designs::keyed_permutation;
  std::vector<std::uint64_t> sizes;
  for (std::uint64_t n = 1; n <= 300; ++n) sizes.push_back(n);
  for (std::uint64_t n : {1023u, 1024u, 1025u, 65536u, 100003u}) sizes.push_back(n);
  for (const std::uint64_t n : sizes) {
    const keyed_permutation p(n, odesynth::splitmix64(n));
    std::vector<bool> seen(n, false);
    for (std::uint64_t x = 0; x < n; ++x) {
      const std::uint64_t y = p(x);
      REQUIRE(y < n);
      REQUIRE_FALSE(seen[y]);
      seen[y] = true;
    }
  }
}

TEST_CASE("the keyed permutation reaches every permutation of a small set",
          "[design][permutation]") {
  // Halton digit scrambling permutes few digits (base 5: 1..4). 24000 keys over the 24
  // permutations of 4 elements: all must appear, none far from 1000 (a Feistel network is not
  // exactly uniform on tiny domains; a factor of 2 either way would betray a broken one).
  using odesynth::detail::designs::keyed_permutation;
  std::set<std::vector<std::uint64_t>> distinct;
  std::vector<std::pair<std::vector<std::uint64_t>, int>> counts;
  for (std::uint64_t key = 0; key < 24000; ++key) {
    const keyed_permutation p(4, odesynth::splitmix64(key));
    std::vector<std::uint64_t> image{p(0), p(1), p(2), p(3)};
    auto it =
        std::find_if(counts.begin(), counts.end(), [&](const auto& c) { return c.first == image; });
    if (it == counts.end())
      counts.emplace_back(image, 1);
    else
      ++it->second;
  }
  CHECK(counts.size() == 24);
  for (const auto& c : counts) {
    CHECK(c.second > 500);
    CHECK(c.second < 2000);
  }
}

// ---------------------------------------------------------------------------------------------
// Latin hypercube

TEST_CASE("a Latin hypercube holds exactly one point per stratum in every dimension",
          "[design][lhs]") {
  const std::size_t dims = 4;
  for (const std::uint64_t n : {1u, 2u, 7u, 64u, 1000u, 1001u}) {
    CAPTURE(n);
    const latin_hypercube lhs(dims, n, 42);
    REQUIRE(lhs.required_count() == n);
    std::vector<std::vector<double>> points;
    for (std::uint64_t i = 0; i < n; ++i) points.push_back(point_of(lhs, i));
    const auto nd = static_cast<double>(n);
    for (std::size_t d = 0; d < dims; ++d) {
      std::vector<bool> filled(n, false);
      for (std::uint64_t i = 0; i < n; ++i) {
        const double u = points[i][d];
        const std::uint64_t k = lhs.stratum(i, d);
        REQUIRE(k < n);
        // Strictly inside the stratum (k/n, (k+1)/n) as doubles, hence inside (0, 1).
        REQUIRE(u > static_cast<double>(k) / nd);
        REQUIRE(u < static_cast<double>(k + 1) / nd);
        REQUIRE(u > 0);
        REQUIRE(u < 1);
        REQUIRE(static_cast<std::uint64_t>(u * nd) == k);
        REQUIRE_FALSE(filled[k]);
        filled[k] = true;
      }
    }
    // Point i computed alone (fresh stream, any order) equals point i computed among all.
    for (std::uint64_t i = n; i-- > 0;) REQUIRE(point_of(lhs, i) == points[i]);
  }
}

TEST_CASE("Latin hypercube dimensions are not correlated", "[design][lhs]") {
  const std::size_t dims = 4;
  for (const std::uint64_t n : {64u, 1000u, 1001u, 5000u}) {
    CAPTURE(n);
    const latin_hypercube lhs(dims, n, 7);
    std::vector<std::vector<double>> columns(dims);
    for (std::uint64_t i = 0; i < n; ++i) {
      const auto u = point_of(lhs, i);
      for (std::size_t d = 0; d < dims; ++d) columns[d].push_back(u[d]);
    }
    // Independent permutations: the sample correlation of two columns has standard deviation
    // about 1 / sqrt(n - 1), so |r| < 5 / sqrt(n) is a 5-sigma bound. Sorted strata (the same
    // permutation in every dimension) would give r close to 1.
    for (std::size_t a = 0; a < dims; ++a)
      for (std::size_t b = a + 1; b < dims; ++b) {
        CAPTURE(a, b);
        CHECK(std::fabs(designs_correlation(columns[a], columns[b])) <
              5 / std::sqrt(static_cast<double>(n)));
      }
    // Nor is any dimension in index order.
    std::vector<double> index(n);
    for (std::uint64_t i = 0; i < n; ++i) index[i] = static_cast<double>(i);
    for (std::size_t d = 0; d < dims; ++d)
      CHECK(std::fabs(designs_correlation(index, columns[d])) <
            5 / std::sqrt(static_cast<double>(n)));
  }
}

TEST_CASE("Latin hypercube permutations differ between dimensions and seeds", "[design][lhs]") {
  const std::uint64_t n = 1000;
  auto strata = [&](const latin_hypercube& lhs, std::size_t d) {
    std::vector<std::uint64_t> k(n);
    for (std::uint64_t i = 0; i < n; ++i) k[i] = lhs.stratum(i, d);
    return k;
  };
  const latin_hypercube a(3, n, 1), b(3, n, 2);
  std::vector<std::uint64_t> identity(n);
  for (std::uint64_t i = 0; i < n; ++i) identity[i] = i;
  CHECK(strata(a, 0) != identity);
  CHECK(strata(a, 0) != strata(a, 1));
  CHECK(strata(a, 1) != strata(a, 2));
  CHECK(strata(a, 0) != strata(b, 0));
  CHECK(strata(a, 0) == strata(latin_hypercube(3, n, 1), 0));  // a function of (seed, d, n)
  // The design is over all n points: the same index under another n is another point.
  CHECK(point_of(latin_hypercube(3, 1000, 1), 3) != point_of(latin_hypercube(3, 1001, 1), 3));
}

TEST_CASE("Latin hypercube points of a huge design are computed alone", "[design][lhs]") {
  // n = 10^12: materialised permutations would need terabytes; each point costs O(1).
  const std::uint64_t n = 1000000000000ull;
  const latin_hypercube lhs(2, n, 3);
  std::set<std::uint64_t> strata;
  for (const std::uint64_t i : {0ull, 1ull, 2ull, 999999999999ull, 123456789012ull}) {
    const auto u = point_of(lhs, i);
    for (std::size_t d = 0; d < 2; ++d) {
      CHECK(u[d] > 0);
      CHECK(u[d] < 1);
      CHECK(lhs.stratum(i, d) < n);
    }
    strata.insert(lhs.stratum(i, 0));
  }
  CHECK(strata.size() == 5);  // a bijection: distinct indices, distinct strata
}

// ---------------------------------------------------------------------------------------------
// Sobol

TEST_CASE("Sobol raw points match the published first points", "[design][sobol]") {
  // Joe & Kuo (2008) and Bratley & Fox (1988), Gray-code order, 3 dimensions.
  const std::vector<std::vector<double>> published = {
      {0, 0, 0},
      {0.5, 0.5, 0.5},
      {0.75, 0.25, 0.25},
      {0.25, 0.75, 0.75},
      {0.375, 0.375, 0.625},
      {0.875, 0.875, 0.125},
      {0.625, 0.125, 0.875},
      {0.125, 0.625, 0.375},
      {0.1875, 0.3125, 0.9375},
      {0.6875, 0.8125, 0.4375},
  };
  const sobol_design sobol(3, 0, false);
  for (std::uint64_t j = 0; j < published.size(); ++j) {
    CAPTURE(j);
    const auto x = raw_of(sobol, j);
    std::vector<double> u;
    for (const std::uint32_t v : x) u.push_back(static_cast<double>(v) * 0x1.0p-32);  // exact
    CHECK(u == published[j]);
  }
  // Design point i is sequence point i + 1 at (x + 1/2) / 2^32: the origin is skipped.
  CHECK(point_of(sobol, 0) == std::vector<double>(3, 0.5 + 0x1.0p-33));
  CHECK(point_of(sobol, 1) ==
        std::vector<double>{0.75 + 0x1.0p-33, 0.25 + 0x1.0p-33, 0.25 + 0x1.0p-33});
}

TEST_CASE("Sobol points in all 32 dimensions match an independent implementation",
          "[design][sobol]") {
  // Pinned from SciPy 1.10.1, scipy.stats.qmc.Sobol(32, scramble=False, bits=32), which
  // implements the same new-joe-kuo-6.21201 direction numbers in Gray-code order (its first
  // 4096 points agreed with ours in all 32 dimensions when these were taken). Columns:
  // dimensions 4, 10, 20, 32 (1-based) of sequence points 5, 100, 1000, 4095.
  const sobol_design sobol(32, 0, false);
  const std::vector<std::pair<std::uint64_t, std::vector<std::uint32_t>>> scipy = {
      {5, {1610612736u, 536870912u, 2684354560u, 2684354560u}},
      {100, {3120562176u, 2986344448u, 1442840576u, 1778384896u}},
      {1000, {2906652672u, 297795584u, 3116367872u, 624951296u}},
      {4095, {3872391168u, 1058013184u, 2238709760u, 376438784u}},
  };
  for (const auto& [j, expected] : scipy) {
    const auto x = raw_of(sobol, j);
    CHECK(std::vector<std::uint32_t>{x[3], x[9], x[19], x[31]} == expected);
  }
  // Far into the sequence (all 32 direction numbers in use for the second): dimensions
  // 1, 2, 4, 10, 20, 32, from scipy's fast_forward.
  const std::vector<std::pair<std::uint64_t, std::vector<std::uint32_t>>> far = {
      {1234567, {599644160u, 2792044544u, 3710220288u, 2479241216u, 2297792512u, 3575093248u}},
      {3000000000u, {9313751u, 206004777u, 1280606549u, 2449807935u, 1191084345u, 3671122593u}},
  };
  for (const auto& [j, expected] : far) {
    const auto x = raw_of(sobol, j);
    CHECK(std::vector<std::uint32_t>{x[0], x[1], x[3], x[9], x[19], x[31]} == expected);
  }
}

TEST_CASE("Sobol random access equals the sequential Gray-code recurrence", "[design][sobol]") {
  // Joe & Kuo's generator: X_0 = 0, X_j = X_{j-1} ^ V_c with c the position of the lowest
  // zero bit of j - 1. V_k is the point whose Gray code has the single bit k - 1, j = 2^k - 1.
  for (const bool scramble : {false, true}) {
    const sobol_design sobol(32, 11, scramble);
    const sobol_design plain(32, 11, false);
    std::vector<std::vector<std::uint32_t>> v;
    for (unsigned k = 1; k <= 32; ++k) v.push_back(raw_of(plain, (std::uint64_t{1} << k) - 1));
    auto x = raw_of(sobol, 0);  // the digital shift itself when scrambled
    for (std::uint64_t j = 1; j < 65536; ++j) {
      unsigned c = 0;
      while ((j - 1) >> c & 1u) ++c;
      for (std::size_t d = 0; d < x.size(); ++d) x[d] ^= v[c][d];
      REQUIRE(raw_of(sobol, j) == x);
    }
  }
}

TEST_CASE("Sobol points form dyadic nets in every coordinate", "[design][sobol]") {
  for (const bool scramble : {false, true}) {
    CAPTURE(scramble);
    const sobol_design sobol(32, 2024, scramble);
    for (unsigned m = 0; m <= 12; ++m) {
      CAPTURE(m);
      const std::uint64_t count = std::uint64_t{1} << m;
      // Sequence points 0 .. 2^m - 1: one point in each [k/2^m, (k+1)/2^m) per coordinate
      // (the (0, m, 1)-net property of each one-dimensional projection).
      std::vector<std::vector<int>> hits(32, std::vector<int>(count, 0));
      for (std::uint64_t j = 0; j < count; ++j) {
        const auto x = raw_of(sobol, j);
        for (std::size_t d = 0; d < 32; ++d) ++hits[d][m == 0 ? 0 : x[d] >> (32 - m)];
      }
      for (const auto& h : hits)
        CHECK(std::all_of(h.begin(), h.end(), [](int c) { return c == 1; }));
      // Design points 2^m - 1 .. 2^(m+1) - 2 are sequence points 2^m .. 2^(m+1) - 1, an
      // aligned block: the same property, read from the doubles the sampler receives.
      std::vector<std::vector<int>> block(32, std::vector<int>(count, 0));
      std::vector<std::vector<int>> first(32, std::vector<int>(count, 0));
      for (std::uint64_t i = 0; i < count; ++i) {
        const auto u = point_of(sobol, count - 1 + i);
        const auto v = point_of(sobol, i);
        for (std::size_t d = 0; d < 32; ++d) {
          ++block[d][static_cast<std::size_t>(u[d] * static_cast<double>(count))];
          ++first[d][static_cast<std::size_t>(v[d] * static_cast<double>(count))];
        }
      }
      for (const auto& h : block)
        CHECK(std::all_of(h.begin(), h.end(), [](int c) { return c == 1; }));
      // The first 2^m design points are that net with the origin replaced by sequence point
      // 2^m: never more than two points per interval.
      for (const auto& h : first) CHECK(*std::max_element(h.begin(), h.end()) <= 2);
    }
  }
}

TEST_CASE("the first two Sobol dimensions form a (0 m 2)-net", "[design][sobol]") {
  // Every elementary box [a/2^p, (a+1)/2^p) x [b/2^q, (b+1)/2^q) with p + q = m holds exactly
  // one of sequence points 0 .. 2^m - 1 (dimensions 1 and 2 of Sobol's sequence have t = 0);
  // a digital shift keeps it.
  for (const bool scramble : {false, true}) {
    const sobol_design sobol(2, 99, scramble);
    for (unsigned m = 1; m <= 10; ++m)
      for (unsigned p = 0; p <= m; ++p) {
        const unsigned q = m - p;
        std::set<std::pair<std::uint32_t, std::uint32_t>> boxes;
        for (std::uint64_t j = 0; j < (std::uint64_t{1} << m); ++j) {
          const auto x = raw_of(sobol, j);
          boxes.insert({p == 0 ? 0 : x[0] >> (32 - p), q == 0 ? 0 : x[1] >> (32 - q)});
        }
        CHECK(boxes.size() == (std::size_t{1} << m));
      }
  }
}

TEST_CASE("Sobol coordinates lie strictly inside (0 and 1) and scrambling is a digital shift",
          "[design][sobol]") {
  const sobol_design plain(32, 5, false), a(32, 5), b(32, 6);
  REQUIRE(a.scrambled());
  const auto shift_a = raw_of(a, 0), shift_b = raw_of(b, 0);
  CHECK(shift_a != shift_b);
  CHECK(std::set<std::uint32_t>(shift_a.begin(), shift_a.end()).size() == 32);
  std::vector<std::uint64_t> indices;
  for (std::uint64_t i = 0; i < 5000; ++i) indices.push_back(i);
  for (const std::uint64_t i :
       std::vector<std::uint64_t>{1000000, 123456789, sobol_design::max_points - 1})
    indices.push_back(i);
  for (const std::uint64_t i : indices) {
    for (const auto* d : {&plain, &a, &b}) {
      const auto u = point_of(*d, i);
      for (const double x : u) {
        REQUIRE(x > 0);
        REQUIRE(x < 1);
      }
    }
    // The scrambled point is the plain one XORed with a fixed value per dimension.
    const auto x = raw_of(a, i + 1), y = raw_of(plain, i + 1);
    for (std::size_t d = 0; d < 32; ++d) REQUIRE((x[d] ^ y[d]) == shift_a[d]);
  }
  CHECK(point_of(a, 17) != point_of(plain, 17));
  CHECK(point_of(a, 17) == point_of(sobol_design(32, 5), 17));
}

// ---------------------------------------------------------------------------------------------
// Halton

TEST_CASE("Halton points match the published first points", "[design][halton]") {
  const halton_design halton(3, 0, false);
  CHECK(halton.base(0) == 2);
  CHECK(halton.base(1) == 3);
  CHECK(halton.base(2) == 5);
  // Radical inverses of 1, 2, 3, ... in bases 2, 3 and 5.
  const std::vector<std::vector<double>> published = {
      {1.0 / 2, 1.0 / 3, 1.0 / 5},     {1.0 / 4, 2.0 / 3, 2.0 / 5},
      {3.0 / 4, 1.0 / 9, 3.0 / 5},     {1.0 / 8, 4.0 / 9, 4.0 / 5},
      {5.0 / 8, 7.0 / 9, 1.0 / 25},    {3.0 / 8, 2.0 / 9, 6.0 / 25},
      {7.0 / 8, 5.0 / 9, 11.0 / 25},   {1.0 / 16, 8.0 / 9, 16.0 / 25},
      {9.0 / 16, 1.0 / 27, 21.0 / 25}, {5.0 / 16, 10.0 / 27, 2.0 / 25},
  };
  for (std::uint64_t i = 0; i < published.size(); ++i) {
    CAPTURE(i);
    const auto u = point_of(halton, i);
    CHECK(u[0] == published[i][0]);  // base 2: exact
    // Other bases: one rounding per digit.
    CHECK(u[1] == Approx(published[i][1]).epsilon(1e-15));
    CHECK(u[2] == Approx(published[i][2]).epsilon(1e-15));
  }
}

TEST_CASE("Halton designs use the first primes in any number of dimensions", "[design][halton]") {
  const halton_design halton(1000, 3);
  CHECK(halton.dimensions() == 1000);
  CHECK(halton.base(9) == 29);
  CHECK(halton.base(99) == 541);
  CHECK(halton.base(999) == 7919);
  for (const std::uint64_t i :
       std::vector<std::uint64_t>{0, 1, 7918, 1000000, std::uint64_t{1} << 62,
                                  std::numeric_limits<std::uint64_t>::max() - 1}) {
    const auto u = point_of(halton, i);
    for (const double x : u) {
      REQUIRE(x > 0);
      REQUIRE(x < 1);
    }
  }
}

TEST_CASE("scrambled Halton points keep the stratification of the first b^k points",
          "[design][halton]") {
  const std::size_t dims = 8;  // bases 2 .. 19
  const halton_design plain(dims, 77, false), scrambled(dims, 77);
  for (std::size_t d = 0; d < dims; ++d) {
    const std::uint64_t b = plain.base(d);
    CAPTURE(b);
    for (const auto* h : {&plain, &scrambled}) {
      // The first b^k design points (radical inverses of 1 .. b^k) hold one point in each
      // [j/b^k, (j+1)/b^k): the point of b^k itself falls where that of 0 would.
      std::uint64_t count = 1;
      for (unsigned k = 1; count * b <= 5000; ++k) {
        count *= b;
        std::vector<int> hits(count, 0);
        for (std::uint64_t i = 0; i < count; ++i) {
          // Exact values are multiples of b^-(k+1): u b^k is j + r/b with r < b. Adding half
          // of 1/b makes the interval index immune to the rounding of the radical inverse.
          const double x =
              point_of(*h, i)[d] * static_cast<double>(count) + 0.5 / static_cast<double>(b);
          ++hits[static_cast<std::size_t>(x)];
        }
        CHECK(std::all_of(hits.begin(), hits.end(), [](int c) { return c == 1; }));
      }
    }
  }
  // Scrambling changes every dimension except base 2 (whose only digit permutation fixing 0
  // is the identity), deterministically in the seed.
  std::vector<double> first_plain, first_scrambled;
  for (std::uint64_t i = 0; i < 64; ++i) {
    const auto u = point_of(plain, i), v = point_of(scrambled, i);
    CHECK(u[0] == v[0]);
    for (std::size_t d = 1; d < dims; ++d) {
      first_plain.push_back(u[d]);
      first_scrambled.push_back(v[d]);
    }
  }
  CHECK(first_plain != first_scrambled);
  CHECK(point_of(scrambled, 10) == point_of(halton_design(dims, 77), 10));
  CHECK(point_of(scrambled, 10) != point_of(halton_design(dims, 78), 10));
}

TEST_CASE("scrambling removes the correlation of high Halton dimensions", "[design][halton]") {
  // Dimensions 30 and 31 (bases 113 and 127): for the first 100 points both coordinates are
  // (i + 1) / b, perfectly correlated. Random digit permutations make them two independent
  // permutations; 5-sigma bound 5 / sqrt(100).
  const halton_design plain(31, 8, false), scrambled(31, 8);
  std::vector<double> a, b, c, d;
  for (std::uint64_t i = 0; i < 100; ++i) {
    const auto u = point_of(plain, i), v = point_of(scrambled, i);
    a.push_back(u[29]);
    b.push_back(u[30]);
    c.push_back(v[29]);
    d.push_back(v[30]);
  }
  CHECK(designs_correlation(a, b) > 0.999);
  CHECK(std::fabs(designs_correlation(c, d)) < 0.5);
}

// ---------------------------------------------------------------------------------------------
// Grid

TEST_CASE("a grid enumerates its levels with the last dimension fastest", "[design][grid]") {
  const grid_design grid({2, 3, 4});
  CHECK(grid.dimensions() == 3);
  CHECK(grid.required_count() == 24);
  CHECK(point_of(grid, 0) == std::vector<double>{0.25, 0.5 / 3, 0.125});
  CHECK(point_of(grid, 1) == std::vector<double>{0.25, 0.5 / 3, 0.375});
  CHECK(point_of(grid, 4) == std::vector<double>{0.25, 1.5 / 3, 0.125});
  CHECK(point_of(grid, 23) == std::vector<double>{0.75, 2.5 / 3, 0.875});
  const std::vector<std::size_t> levels{2, 3, 4};
  for (std::uint64_t i = 0; i < 24; ++i) {
    const auto u = point_of(grid, i);
    std::uint64_t rebuilt = 0;
    for (std::size_t d = 0; d < 3; ++d) {
      const double j = u[d] * static_cast<double>(levels[d]) - 0.5;
      CHECK(j == std::round(j));  // exactly on a level
      rebuilt = rebuilt * levels[d] + static_cast<std::uint64_t>(j);
    }
    CHECK(rebuilt == i);
  }
  // One level: the midpoint.
  CHECK(point_of(grid_design({1}), 0) == std::vector<double>{0.5});
  // The largest product that fits: 2^32 x 2^31 = 2^63 points.
  CHECK(grid_design({std::size_t{1} << 32, std::size_t{1} << 31}).required_count() ==
        std::uint64_t{1} << 63);
}

TEST_CASE("grid errors: overflow and indices past the grid", "[design][grid][errors]") {
  expect_invalid(
      [] {
        grid_design({std::size_t{1} << 32, std::size_t{1} << 32});
      },
      "grid_design.levels", "[4294967296, 4294967296]", "below 2^64");
  expect_invalid([] { grid_design({}); }, "grid_design.levels", "[]");
  expect_invalid([] { grid_design({3, 0}); }, "grid_design.levels[1]", "0");
  expect_invalid([] { grid_design({(std::size_t{1} << 52) + 1}); }, "grid_design.levels[0]",
                 "4503599627370497");
  expect_invalid(
      [] {
        (void)point_of(grid_design({2, 3, 4}), 24);
      },
      "grid_design.index", "24", "< 24");
}

// ---------------------------------------------------------------------------------------------
// Independent

TEST_CASE("independent points are uniform and reproducible", "[design][independent]") {
  const independent_design ind(3);
  CHECK(point_of(ind, 12, 9) == point_of(ind, 12, 9));
  CHECK(point_of(ind, 12, 9) != point_of(ind, 13, 9));
  CHECK(point_of(ind, 12, 9) != point_of(ind, 12, 10));
  // The coordinates are the stream's uniforms, in dimension order.
  random_stream s(9, 12, stream_purpose::parameters);
  const auto u = point_of(ind, 12, 9);
  for (std::size_t d = 0; d < 3; ++d) CHECK(u[d] == s.uniform_open01());

  const std::size_t n = 100000;
  std::vector<std::vector<double>> columns(3);
  for (std::uint64_t i = 0; i < n; ++i) {
    const auto x = point_of(ind, i, 21);
    for (std::size_t d = 0; d < 3; ++d) {
      REQUIRE(x[d] > 0);
      REQUIRE(x[d] < 1);
      columns[d].push_back(x[d]);
    }
  }
  const auto nd = static_cast<double>(n);
  for (std::size_t d = 0; d < 3; ++d) {
    double mean = 0, var = 0;
    for (const double x : columns[d]) mean += x;
    mean /= nd;
    for (const double x : columns[d]) var += (x - mean) * (x - mean);
    var /= nd - 1;
    // 5-sigma bounds for n = 1e5 uniforms: the mean has sd sqrt(1/12 / n) = 9.1e-4; the
    // sample variance has sd sqrt((mu4 - sigma^4) / n) = sqrt((1/80 - 1/144) / n) = 2.4e-4.
    CHECK(std::fabs(mean - 0.5) < 5 * std::sqrt(1.0 / 12 / nd));
    CHECK(std::fabs(var - 1.0 / 12) < 5 * std::sqrt((1.0 / 80 - 1.0 / 144) / nd));
  }
  CHECK(std::fabs(designs_correlation(columns[0], columns[1])) < 5 / std::sqrt(nd));
  CHECK(std::fabs(designs_correlation(columns[1], columns[2])) < 5 / std::sqrt(nd));
}

// ---------------------------------------------------------------------------------------------
// Every design, through the run-time wrapper

namespace {

std::vector<odesynth::detail::designs::any_design> all_designs() {
  return {independent_design(3),     latin_hypercube(3, 500, 7), sobol_design(3, 7),
          sobol_design(3, 7, false), halton_design(3, 7),        halton_design(3, 7, false),
          grid_design({5, 10, 10})};
}

}  // namespace

TEST_CASE("point i depends only on i and its stream whatever the order", "[design]") {
  for (const auto& d : all_designs()) {
    CAPTURE(d.describe());
    const std::uint64_t n = 500;
    std::vector<std::vector<double>> forward;
    for (std::uint64_t i = 0; i < n; ++i) forward.push_back(point_of(d, i));
    // Reverse order, and a scattered order (7919 is prime to 500), on a copy of the design.
    const odesynth::detail::designs::any_design copy = d;
    for (std::uint64_t i = n; i-- > 0;) REQUIRE(point_of(copy, i) == forward[i]);
    for (std::uint64_t k = 0; k < n; ++k) {
      const std::uint64_t i = (k * 7919) % n;
      REQUIRE(point_of(d, i) == forward[i]);
    }
    for (const auto& u : forward)
      for (const double x : u) {
        REQUIRE(x > 0);
        REQUIRE(x < 1);
      }
  }
}

TEST_CASE("designs draw from the stream only what they document", "[design]") {
  // Independent and Latin hypercube draw one uniform (two 32-bit words) per dimension; the
  // deterministic designs leave the stream untouched, so re-draws for constraints that follow
  // start from the same place whatever the design.
  const std::vector<std::pair<odesynth::detail::designs::any_design, std::uint64_t>> expected = {
      {independent_design(3), 6}, {latin_hypercube(3, 10, 1), 6}, {sobol_design(3, 1), 0},
      {halton_design(3, 1), 0},   {grid_design({2, 2, 3}), 0},
  };
  for (const auto& [d, words] : expected) {
    CAPTURE(d.describe());
    random_stream s(1, 4, stream_purpose::parameters);
    std::vector<double> u(d.dimensions());
    d.point(4, s, u.data());
    CHECK(s.words_drawn() == words);
  }
}

TEST_CASE("designs describe themselves and say how many points they need", "[design]") {
  const auto designs = all_designs();
  const std::vector<std::string> text = {
      "independent(dimensions=3)",
      "latin_hypercube(dimensions=3, n=500, seed=7)",
      "sobol(dimensions=3, scramble=true, seed=7)",
      "sobol(dimensions=3, scramble=false)",
      "halton(dimensions=3, scramble=true, seed=7)",
      "halton(dimensions=3, scramble=false)",
      "grid(levels=[5, 10, 10])",
  };
  const std::vector<std::optional<std::uint64_t>> counts = {
      std::nullopt, 500, std::nullopt, std::nullopt, std::nullopt, std::nullopt, 500};
  for (std::size_t k = 0; k < designs.size(); ++k) {
    CHECK(designs[k].describe() == text[k]);
    CHECK(designs[k].required_count() == counts[k]);
    CHECK(designs[k].dimensions() == 3);
  }
  CHECK(std::holds_alternative<latin_hypercube>(designs[1].as_variant()));
  CHECK(std::get<latin_hypercube>(designs[1].as_variant()).n() == 500);
}

TEST_CASE("bad design arguments name the field and value", "[design][errors]") {
  expect_invalid([] { independent_design(0); }, "independent_design.dimensions", "0");
  expect_invalid([] { latin_hypercube(0, 10, 1); }, "latin_hypercube.dimensions", "0");
  expect_invalid([] { latin_hypercube(2, 0, 1); }, "latin_hypercube.n", "0");
  expect_invalid([] { latin_hypercube(2, (std::uint64_t{1} << 48) + 1, 1); }, "latin_hypercube.n",
                 "281474976710657", "2^48");
  expect_invalid([] { (void)point_of(latin_hypercube(2, 10, 1), 10); }, "latin_hypercube.index",
                 "10", "n = 10");
  expect_invalid([] { (void)latin_hypercube(2, 10, 1).stratum(0, 2); }, "latin_hypercube.dimension",
                 "2");
  expect_invalid([] { sobol_design(0, 1); }, "sobol_design.dimensions", "0");
  expect_invalid([] { sobol_design(33, 1); }, "sobol_design.dimensions", "33", "halton()");
  expect_invalid([] { (void)point_of(sobol_design(2, 1), sobol_design::max_points); },
                 "sobol_design.index", "4294967295");
  expect_invalid([] { (void)raw_of(sobol_design(2, 1), std::uint64_t{1} << 32); },
                 "sobol_design.index", "4294967296");
  expect_invalid([] { halton_design(0, 1); }, "halton_design.dimensions", "0");
  expect_invalid([] { (void)halton_design(2, 1).base(2); }, "halton_design.dimension", "2");
  expect_invalid(
      [] { (void)point_of(halton_design(2, 1), std::numeric_limits<std::uint64_t>::max()); },
      "halton_design.index", "18446744073709551615");
  // Through the wrapper too.
  const odesynth::detail::designs::any_design grid = grid_design({2, 2});
  expect_invalid([&] { (void)point_of(grid, 4); }, "grid_design.index", "4");
}
