// Sparsification and missingness: exact row counts where the definition is exact, binomial
// bounds where it is random, kept rows equal to the original rows in time order, seeded
// reproducibility, layouts predicted before any work, and typed errors for bad arguments.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <odesynth/transforms/sparsify.hpp>
#include <odesynth/transforms/transform.hpp>
#include <set>
#include <string>
#include <vector>

using odesynth::any_transform;
using odesynth::interval_sparsify;
using odesynth::keep_every;
using odesynth::keep_extremes;
using odesynth::keep_interval;
using odesynth::missing_bursts;
using odesynth::missing_entries;
using odesynth::random_stream;
using odesynth::random_subset;
using odesynth::random_subset_count;
using odesynth::stream_purpose;
using odesynth::trajectory;
using odesynth::trajectory_layout;
using row_index = Eigen::Index;

namespace {

// rows x species; times 0, 0.5, 1, ...; value (i, j) = 1000 j + i + 0.25, so every row is
// distinct and a kept row can be traced back to its original by its time.
trajectory sparsify_numbered(row_index rows, std::vector<std::string> names = {"a", "b"}) {
  auto ptr = std::make_shared<const std::vector<std::string>>(std::move(names));
  Eigen::VectorXd times(rows);
  for (row_index i = 0; i < rows; ++i) times[i] = 0.5 * static_cast<double>(i);
  trajectory tr(times, ptr);
  for (row_index i = 0; i < rows; ++i)
    for (row_index j = 0; j < tr.num_species(); ++j)
      tr.values()(i, j) = 1000.0 * static_cast<double>(j) + static_cast<double>(i) + 0.25;
  tr.mask().setConstant(true);
  return tr;
}

random_stream sparsify_stream(std::uint64_t k = 0) {
  return random_stream(2024, k, stream_purpose::measurement);
}

bool sparsify_identical(const trajectory& a, const trajectory& b) {
  if (a.num_times() != b.num_times() || a.num_species() != b.num_species()) return false;
  if (a.times() != b.times() || (a.mask() != b.mask()).any()) return false;
  for (row_index i = 0; i < a.num_times(); ++i)
    for (row_index j = 0; j < a.num_species(); ++j) {
      const double x = a.values()(i, j), y = b.values()(i, j);
      if (!(x == y || (std::isnan(x) && std::isnan(y)))) return false;
    }
  return true;
}

// The original row of each row of `out`, after checking that `out` is consistent and holds
// rows of `original` in strictly increasing order (time order, no duplicates), each with
// its time, mask and values unchanged.
std::vector<row_index> source_rows(const trajectory& out, const trajectory& original) {
  REQUIRE(out.consistent());
  REQUIRE(out.species() == original.species());
  std::vector<row_index> rows;
  const double* t0 = original.times().data();
  const double* t1 = t0 + original.num_times();
  for (row_index i = 0; i < out.num_times(); ++i) {
    const double t = out.times()[i];
    const double* at = std::lower_bound(t0, t1, t);
    REQUIRE(at != t1);
    REQUIRE(*at == t);
    const row_index r = at - t0;
    if (!rows.empty()) REQUIRE(r > rows.back());
    for (row_index j = 0; j < out.num_species(); ++j) {
      REQUIRE(out.mask()(i, j) == original.mask()(r, j));
      if (out.mask()(i, j)) REQUIRE(out.values()(i, j) == original.values()(r, j));
    }
    rows.push_back(r);
  }
  return rows;
}

std::vector<row_index> range_rows(row_index first, row_index end) {
  std::vector<row_index> rows;
  for (row_index i = first; i < end; ++i) rows.push_back(i);
  return rows;
}

// Applies `t` to a copy of `tr` with stream `k`.
template <class T>
trajectory applied(const T& t, const trajectory& tr, std::uint64_t k = 0) {
  trajectory out = tr;
  auto s = sparsify_stream(k);
  t(out, s);
  return out;
}

// Statistical bounds. A count of successes in n independent trials with probability p is
// Binomial(n, p): mean n p, sd sqrt(n p (1 - p)). The checks below allow 5 sd; by the normal
// approximation a correct implementation exceeds that with probability 5.7e-7 per check for
// a fresh seed (with n p (1 - p) in the hundreds or more the approximation is good), and the
// seeds are fixed, so the tests are deterministic anyway.
bool within_binomial(double count, double n, double p) {
  return std::fabs(count - n * p) <= 5 * std::sqrt(n * p * (1 - p));
}

trajectory_layout sparsify_layout_of(std::size_t rows, double first, double last) {
  trajectory_layout l;
  l.species = {"a", "b"};
  l.num_times = rows;
  l.first_time = first;
  l.last_time = last;
  return l;
}

// Drops every column but the first: a transform interval_sparsify and keep_extremes refuse.
struct first_column_only {
  void operator()(trajectory& tr, random_stream& /*s*/) const {
    tr.keep_columns({0}, std::make_shared<const std::vector<std::string>>(
                             std::vector<std::string>{tr.species().front()}));
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    trajectory_layout out = in;
    out.species = {in.species.front()};
    return out;
  }
  std::string describe() const { return "first_column_only"; }
};

}  // namespace

TEST_CASE("random_subset keeps exactly round(fraction T) rows in time order", "[sparsify]") {
  std::uint64_t k = 0;
  for (const row_index rows : {0, 1, 2, 3, 7, 10, 64, 101, 1000}) {
    const auto original = sparsify_numbered(rows);
    for (const double f : {0.0, 0.1, 0.25, 0.5, 0.73, 0.999, 1.0}) {
      CAPTURE(rows, f);
      const auto out = applied(random_subset(f), original, k++);
      CHECK(out.num_times() == std::lround(f * static_cast<double>(rows)));
      source_rows(out, original);
      if (f == 1.0) CHECK(sparsify_identical(out, original));
    }
  }
  // std::lround semantics: halves away from zero, no floor of 28.999...
  CHECK(applied(random_subset(0.25), sparsify_numbered(10)).num_times() == 3);  // 2.5 -> 3
  CHECK(applied(random_subset(0.25), sparsify_numbered(2)).num_times() == 1);   // 0.5 -> 1
  CHECK(applied(random_subset(0.29), sparsify_numbered(100)).num_times() ==
        29);                                                                  // 28.999999999999996
  CHECK(applied(random_subset(0.2), sparsify_numbered(2)).num_times() == 0);  // 0.4 -> 0
}

TEST_CASE("random_subset_count keeps exactly count rows in time order", "[sparsify]") {
  const auto original = sparsify_numbered(12);
  for (std::size_t count = 0; count <= 12; ++count) {
    CAPTURE(count);
    const auto out = applied(random_subset_count(count), original, count);
    CHECK(static_cast<std::size_t>(out.num_times()) == count);
    source_rows(out, original);
  }
  CHECK(sparsify_identical(applied(random_subset_count(12), original), original));
}

TEST_CASE("random_subset chooses rows uniformly without replacement", "[sparsify][statistics]") {
  // 20000 trajectories of 20 rows, keeping 6: each row is kept with probability 6/20, so its
  // count is Binomial(20000, 0.3) (sd 65). The 20 rows are 20 checks; by the union bound a
  // correct implementation fails one with probability 20 x 5.7e-7 = 1.1e-5.
  // Sampling without replacement also fixes the pairs: rows 0 and 1 are both kept with
  // probability (6/20)(5/19) = 0.0789, against 0.09 for independent coin flips; the 5 sd bound
  // (190) is narrower than that gap (222), so a with-replacement or coin-flip sampler fails.
  const int n = 20000;
  const auto original = sparsify_numbered(20);
  std::vector<int> kept(20, 0);
  int first_pair = 0, far_pair = 0;
  for (int k = 0; k < n; ++k) {
    const auto out = applied(random_subset(0.3), original, static_cast<std::uint64_t>(k));
    REQUIRE(out.num_times() == 6);
    std::vector<bool> in(20, false);
    for (row_index i = 0; i < out.num_times(); ++i) {
      const auto r = static_cast<std::size_t>(std::lround(out.times()[i] / 0.5));
      in[r] = true;
      ++kept[r];
    }
    first_pair += in[0] && in[1] ? 1 : 0;
    far_pair += in[3] && in[19] ? 1 : 0;
  }
  for (std::size_t r = 0; r < kept.size(); ++r) {
    CAPTURE(r, kept[r]);
    CHECK(within_binomial(kept[r], n, 0.3));
  }
  const double pair = 6.0 / 20 * 5.0 / 19;
  CHECK(within_binomial(first_pair, n, pair));
  CHECK(within_binomial(far_pair, n, pair));
}

TEST_CASE("keep_every keeps rows offset and every k-th after it", "[sparsify]") {
  struct every_case {
    row_index rows;
    std::size_t k, offset;
    std::vector<row_index> expected;
  };
  const std::vector<every_case> cases{
      {10, 3, 0, {0, 3, 6, 9}}, {10, 3, 2, {2, 5, 8}}, {10, 1, 0, range_rows(0, 10)},
      {10, 10, 9, {9}},         {7, 2, 1, {1, 3, 5}},  {0, 2, 1, {}},
      {1, 4, 0, {0}},           {5, 20, 15, {}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.rows, c.k, c.offset);
    const auto original = sparsify_numbered(c.rows);
    const keep_every every(c.k, c.offset);
    CHECK(source_rows(applied(every, original), original) == c.expected);
    if (static_cast<std::size_t>(c.rows) > c.offset)
      CHECK(every.layout_after(sparsify_layout_of(static_cast<std::size_t>(c.rows), 0, 1))
                .num_times == c.expected.size());
  }
}

TEST_CASE("keep_interval keeps the rows between its ends inclusive", "[sparsify]") {
  const double inf = std::numeric_limits<double>::infinity();
  const auto original = sparsify_numbered(20);  // times 0, 0.5, ..., 9.5
  struct interval_case {
    double first, last;
    std::vector<row_index> expected;
  };
  const std::vector<interval_case> cases{
      {1.0, 2.5, {2, 3, 4, 5}}, {0.6, 0.9, {}},   {1.5, 1.5, {3}},
      {-inf, 1.0, {0, 1, 2}},   {9.5, inf, {19}}, {-100, 100, range_rows(0, 20)},
  };
  for (const auto& c : cases) {
    CAPTURE(c.first, c.last);
    CHECK(source_rows(applied(keep_interval(c.first, c.last), original), original) == c.expected);
  }
}

TEST_CASE("interval_sparsify by fraction runs each sparsifier on its part of the rows",
          "[sparsify][interval]") {
  const auto original = sparsify_numbered(20);
  SECTION("two halves with their own step") {
    const auto sparsify =
        interval_sparsify::by_fraction({{0.0, 0.5, keep_every(2)}, {0.5, 1.0, keep_every(5)}});
    CHECK(source_rows(applied(sparsify, original), original) ==
          std::vector<row_index>{0, 2, 4, 6, 8, 10, 15});
  }
  SECTION("rows outside every interval are kept unchanged") {
    const auto sparsify = interval_sparsify::by_fraction({{0.25, 0.5, random_subset(0.0)}});
    auto expected = range_rows(0, 5);
    for (row_index i = 10; i < 20; ++i) expected.push_back(i);
    CHECK(source_rows(applied(sparsify, original), original) == expected);
  }
  SECTION("random sparsifiers keep exact counts inside their part") {
    const auto sparsify = interval_sparsify::by_fraction(
        {{0.0, 0.5, random_subset(0.5)}, {0.5, 1.0, random_subset_count(2)}});
    for (std::uint64_t k = 0; k < 50; ++k) {
      const auto rows = source_rows(applied(sparsify, original, k), original);
      REQUIRE(rows.size() == 7);
      CHECK(std::count_if(rows.begin(), rows.end(), [](row_index r) { return r < 10; }) == 5);
    }
  }
  SECTION("one interval over the whole series is the sparsifier itself bit for bit") {
    const auto whole = interval_sparsify::by_fraction({{0.0, 1.0, random_subset(0.4)}});
    for (std::uint64_t k = 0; k < 20; ++k)
      CHECK(sparsify_identical(applied(whole, original, k),
                               applied(random_subset(0.4), original, k)));
  }
}

TEST_CASE("interval_sparsify by time is half-open except for the last interval",
          "[sparsify][interval]") {
  const auto original = sparsify_numbered(20);  // times 0, 0.5, ..., 9.5
  SECTION("t = 5 belongs to the interval starting at 5") {
    const auto sparsify =
        interval_sparsify::by_time({{0.0, 5.0, random_subset(0.0)}, {5.0, 9.5, keep_every(100)}});
    CHECK(source_rows(applied(sparsify, original), original) == std::vector<row_index>{10});
  }
  SECTION("the last interval includes its end") {
    const auto sparsify = interval_sparsify::by_time({{0.0, 9.5, random_subset(0.0)}});
    CHECK(applied(sparsify, original).num_times() == 0);
  }
  SECTION("gaps between intervals are kept") {
    const auto sparsify = interval_sparsify::by_time(
        {{0.0, 2.0, random_subset(0.0)}, {5.0, 7.0, random_subset(0.0)}});
    auto expected = range_rows(4, 10);
    for (row_index i = 15; i < 20; ++i) expected.push_back(i);
    CHECK(source_rows(applied(sparsify, original), original) == expected);
  }
  SECTION("a transform that keeps rows is put back in place") {
    // The only interval is also the last one, so [2, 4] is closed: rows 4 to 8.
    const auto sparsify = interval_sparsify::by_time({{2.0, 4.0, missing_entries(1.0)}});
    const auto out = applied(sparsify, original);
    REQUIRE(out.num_times() == 20);
    CHECK(out.times() == original.times());
    for (row_index i = 0; i < 20; ++i) {
      CAPTURE(i);
      CHECK(out.mask().row(i).any() == !(i >= 4 && i <= 8));
    }
    CHECK(out.consistent());
  }
}

TEST_CASE("keep_extremes keeps every per-species extreme row exactly once", "[sparsify]") {
  const row_index rows = 200;
  auto original = sparsify_numbered(rows, {"a", "b", "c"});
  for (row_index i = 0; i < rows; ++i) {
    const auto x = static_cast<double>(i);
    original.values()(i, 0) = std::sin(0.1 * x) + 0.001 * x;
    original.values()(i, 1) = std::cos(0.37 * x) * x;
    original.values()(i, 2) = static_cast<double>((i * 7919) % rows);  // a permutation
  }
  original.set_missing(5, 0);
  original.set_missing(17, 2);

  // The expected extremes, by brute force: sort each species' observed values.
  const auto extremes = [&](double low, double high) {
    std::set<row_index> rows_kept;
    for (row_index j = 0; j < original.num_species(); ++j) {
      std::vector<std::pair<double, row_index>> v;
      for (row_index i = 0; i < rows; ++i)
        if (original.mask()(i, j)) v.emplace_back(original.values()(i, j), i);
      std::sort(v.begin(), v.end());
      const auto m = static_cast<double>(v.size());
      const auto n_low = std::max<long>(1, std::lround(low * m));
      const auto n_high = std::max<long>(1, std::lround(high * m));
      for (long r = 0; r < n_low; ++r) rows_kept.insert(v[static_cast<std::size_t>(r)].second);
      for (long r = 0; r < n_high; ++r)
        rows_kept.insert(v[v.size() - 1 - static_cast<std::size_t>(r)].second);
    }
    return rows_kept;
  };

  SECTION("with nothing else kept the result is exactly the extremes") {
    const auto expected = extremes(0.05, 0.1);  // 10 lowest and 20 highest of 199 or 200
    const auto rows_out =
        source_rows(applied(keep_extremes(0.05, 0.1, random_subset(0.0)), original), original);
    CHECK(std::set<row_index>(rows_out.begin(), rows_out.end()) == expected);
  }
  SECTION("tiny fractions still keep each minimum and maximum") {
    const auto expected = extremes(1e-4, 1e-4);
    CHECK(expected.size() == 6);
    const auto rows_out =
        source_rows(applied(keep_extremes(1e-4, 1e-4, random_subset(0.0)), original), original);
    CHECK(std::set<row_index>(rows_out.begin(), rows_out.end()) == expected);
  }
  SECTION("survivors of the inner sparsifier join the extremes in time order") {
    const auto expected = extremes(0.05, 0.05);
    const auto others = static_cast<double>(rows - static_cast<row_index>(expected.size()));
    for (std::uint64_t k = 0; k < 20; ++k) {
      const auto rows_out = source_rows(
          applied(keep_extremes(0.05, 0.05, random_subset(0.5)), original, k), original);
      CHECK(static_cast<long>(rows_out.size()) ==
            static_cast<long>(expected.size()) + std::lround(0.5 * others));
      for (const row_index r : expected)
        CHECK(std::binary_search(rows_out.begin(), rows_out.end(), r));
    }
  }
  SECTION("an inner transform that keeps everything keeps everything") {
    CHECK(sparsify_identical(applied(keep_extremes(0.1, 0.1, keep_every(1)), original), original));
  }
  SECTION("ties: a constant species still gives distinct rows") {
    auto flat = sparsify_numbered(10, {"x"});
    flat.values().setConstant(3.0);
    const auto rows_out =
        source_rows(applied(keep_extremes(0.2, 0.2, random_subset(0.0)), flat), flat);
    CHECK(rows_out == std::vector<row_index>{0, 1, 8, 9});
  }
}

TEST_CASE("missing_entries hides each value with its species' probability",
          "[sparsify][missing][statistics]") {
  const row_index rows = 100000;
  const auto original = sparsify_numbered(rows, {"a", "b", "c"});
  const odesynth::per_species<double> p = {{"a", 0.1}, {"b", 0.3}};
  const auto out = applied(missing_entries(p), original);
  REQUIRE(out.num_times() == rows);
  CHECK(out.times() == original.times());
  CHECK(out.consistent());
  std::vector<double> missing(3, 0.0);
  int changed = 0;
  for (row_index i = 0; i < rows; ++i)
    for (row_index j = 0; j < 3; ++j) {
      if (!out.mask()(i, j))
        missing[static_cast<std::size_t>(j)] += 1;
      else if (out.values()(i, j) != original.values()(i, j))
        ++changed;
    }
  // Binomial(1e5, 0.1): sd 95; Binomial(1e5, 0.3): sd 145.
  CHECK(within_binomial(missing[0], rows, 0.1));
  CHECK(within_binomial(missing[1], rows, 0.3));
  CHECK(missing[2] == 0);  // "c" is not named
  CHECK(changed == 0);     // observed values are untouched

  CHECK(sparsify_identical(applied(missing_entries(0.0), sparsify_numbered(50)),
                           sparsify_numbered(50)));
  CHECK_FALSE(applied(missing_entries(1.0), sparsify_numbered(50)).mask().any());

  // The pattern does not depend on what an earlier stage hid: same stream, same draws.
  auto holey = sparsify_numbered(200);
  for (row_index i = 0; i < 200; i += 7) holey.set_missing(i, 1);
  const auto a = applied(missing_entries(0.25), sparsify_numbered(200), 3);
  const auto b = applied(missing_entries(0.25), holey, 3);
  CHECK(((a.mask() && holey.mask()) == b.mask()).all());
}

TEST_CASE("missing_bursts hides runs of whole rows with geometric lengths",
          "[sparsify][missing][statistics]") {
  const row_index rows = 200000;
  const double start = 0.02, mean_length = 5;
  const auto original = sparsify_numbered(rows);
  const auto out = applied(missing_bursts(start, mean_length), original);
  REQUIRE(out.num_times() == rows);
  CHECK(out.times() == original.times());
  CHECK(out.consistent());

  std::vector<bool> hidden(static_cast<std::size_t>(rows));
  int partial = 0;
  for (row_index i = 0; i < rows; ++i) {
    hidden[static_cast<std::size_t>(i)] = !out.mask()(i, 0);
    partial += out.mask()(i, 0) != out.mask()(i, 1) ? 1 : 0;
  }
  CHECK(partial == 0);  // whole rows

  // Each row's state is one Bernoulli draw given the previous state: after an observed row
  // a burst starts with probability 0.02, inside a burst it goes on with 1 - 1/5 = 0.8. So
  // given how often each state occurs, the transition counts are binomial.
  double after_observed = 0, starts = 0, after_hidden = 0, continues = 0;
  std::vector<double> lengths;
  double run = 0;
  for (std::size_t i = 0; i + 1 < hidden.size(); ++i) {
    if (hidden[i]) {
      after_hidden += 1;
      continues += hidden[i + 1] ? 1 : 0;
      run += 1;
      if (!hidden[i + 1]) {
        lengths.push_back(run);  // a burst still going at the end is cut short: not counted
        run = 0;
      }
    } else {
      after_observed += 1;
      starts += hidden[i + 1] ? 1 : 0;
    }
  }
  CHECK(within_binomial(starts, after_observed, start));
  CHECK(within_binomial(continues, after_hidden, 1 - 1 / mean_length));
  // Burst lengths are geometric with mean L = 5 and variance L (L - 1) = 20; about
  // 200000 x 0.91 x 0.02 = 3600 bursts give a mean with sd sqrt(20 / 3600) = 0.075.
  REQUIRE(lengths.size() > 3000);
  double sum = 0;
  for (double l : lengths) sum += l;
  const double n_bursts = static_cast<double>(lengths.size());
  CHECK(std::fabs(sum / n_bursts - mean_length) < 5 * std::sqrt(20 / n_bursts));

  SECTION("certain starts and length 1 alternate hidden and observed rows") {
    const auto alternating = applied(missing_bursts(1.0, 1.0), sparsify_numbered(9));
    for (row_index i = 0; i < 9; ++i) CHECK(alternating.mask()(i, 0) == (i % 2 == 1));
  }
  SECTION("no starts hide nothing") {
    CHECK(sparsify_identical(applied(missing_bursts(0.0, 4.0), sparsify_numbered(100)),
                             sparsify_numbered(100)));
  }
}

TEST_CASE("drop_constant_suffix trims a constant tail but keeps its first row", "[sparsify]") {
  using odesynth::drop_constant_suffix;
  // Rows 0..9 rise; rows 10..19 sit at (10, 20).
  const auto settled = [] {
    auto tr = sparsify_numbered(20);
    for (row_index i = 0; i < 20; ++i) {
      tr.values()(i, 0) = static_cast<double>(std::min<row_index>(i, 10));
      tr.values()(i, 1) = 2.0 * static_cast<double>(std::min<row_index>(i, 10));
    }
    return tr;
  };
  const auto kept_rows = [](const drop_constant_suffix& d, const trajectory& tr) {
    return source_rows(applied(d, tr), tr);
  };

  CHECK(kept_rows(drop_constant_suffix(0, 0), settled()) == range_rows(0, 11));
  CHECK(kept_rows(drop_constant_suffix(0, 0, 10), settled()) == range_rows(0, 11));
  CHECK(kept_rows(drop_constant_suffix(0, 0, 11), settled()) == range_rows(0, 20));

  SECTION("within the absolute tolerance") {
    auto tr = settled();
    for (row_index i = 10; i < 20; ++i) tr.values()(i, 0) += 1e-9 * static_cast<double>(i % 3);
    CHECK(kept_rows(drop_constant_suffix(0, 1e-8), tr) == range_rows(0, 11));
    CHECK(kept_rows(drop_constant_suffix(0, 0), tr) == range_rows(0, 20));
  }
  SECTION("within the relative tolerance") {
    auto tr = settled();
    for (row_index i = 10; i < 20; ++i) tr.values()(i, 1) = 1e6 + 0.5 * static_cast<double>(i % 2);
    CHECK(kept_rows(drop_constant_suffix(1e-6, 0), tr) == range_rows(0, 11));  // 1e6 x 1e-6 = 1
    CHECK(kept_rows(drop_constant_suffix(1e-7, 0), tr) == range_rows(0, 20));  // 0.1 < 0.5
  }
  SECTION("a missing value ends the plateau") {
    auto tr = settled();
    tr.set_missing(15, 1);
    CHECK(kept_rows(drop_constant_suffix(0, 0), tr) == range_rows(0, 17));
    tr.set_missing(19, 0);
    CHECK(kept_rows(drop_constant_suffix(0, 0), tr) == range_rows(0, 20));
  }
  SECTION("every species must be constant") {
    auto tr = settled();
    tr.values()(18, 1) = 21;
    CHECK(kept_rows(drop_constant_suffix(0, 0), tr) == range_rows(0, 20));
  }
  SECTION("a constant series keeps its first row") {
    auto tr = sparsify_numbered(8);
    tr.values().setConstant(1.0);
    CHECK(kept_rows(drop_constant_suffix(0, 0), tr) == std::vector<row_index>{0});
    CHECK(applied(drop_constant_suffix(0, 0), sparsify_numbered(0)).num_times() == 0);
  }
}

TEST_CASE("the same stream gives the same result and another index a different one",
          "[sparsify][reproducibility]") {
  const auto original = sparsify_numbered(100);
  const std::vector<any_transform> randomized{
      random_subset(0.5),
      random_subset_count(30),
      missing_entries(0.2),
      missing_bursts(0.1, 3),
      keep_extremes(0.05, 0.05, random_subset(0.3)),
      interval_sparsify::by_fraction(
          {{0.0, 0.5, random_subset(0.5)}, {0.5, 1.0, missing_entries(0.3)}}),
  };
  for (const auto& t : randomized) {
    CAPTURE(t.describe());
    const auto a = applied(t, original, 1);
    CHECK(sparsify_identical(a, applied(t, original, 1)));
    CHECK_FALSE(sparsify_identical(a, applied(t, original, 2)));
    CHECK(a.consistent());
  }
  // A compile-time pipeline and its runtime twin draw the same bits.
  const auto compiled = random_subset(0.5) | missing_entries(0.1) | keep_every(2);
  const odesynth::dynamic_pipeline runtime{random_subset(0.5), missing_entries(0.1), keep_every(2)};
  for (std::uint64_t k = 0; k < 20; ++k)
    CHECK(sparsify_identical(applied(compiled, original, k), applied(runtime, original, k)));
}

TEST_CASE("layout_after predicts the rows and checks settings before any work",
          "[sparsify][layout]") {
  const auto in = sparsify_layout_of(11, 0.0, 5.0);
  CHECK(random_subset(0.5).layout_after(in).num_times == 6);  // round(5.5)
  CHECK(random_subset_count(4).layout_after(in).num_times == 4);
  CHECK(keep_every(3, 1).layout_after(in).num_times == 4);  // rows 1, 4, 7, 10

  const auto window = keep_interval(1.0, 2.0).layout_after(in);
  CHECK(window.first_time == 1.0);
  CHECK(window.last_time == 2.0);
  CHECK(window.num_times == 11);  // a bound: the grid's spacing is not in the layout
  const auto open = keep_interval(-std::numeric_limits<double>::infinity(), 2.0).layout_after(in);
  CHECK(open.first_time == 0.0);

  const auto halves = interval_sparsify::by_fraction(
      {{0.0, 0.5, keep_every(2)}, {0.5, 1.0, random_subset_count(2)}});
  CHECK(halves.layout_after(in).num_times == 5);  // rows [0, 6) -> 3, rows [6, 11) -> 2
  CHECK(applied(halves, sparsify_numbered(11)).num_times() == 5);

  // Checks run through pipelines, before any trajectory exists.
  CHECK((keep_every(2) | random_subset_count(6)).layout_after(in).num_times == 6);
  CHECK_THROWS_AS((keep_every(2) | random_subset_count(7)).layout_after(in),
                  odesynth::invalid_argument);
  CHECK(missing_entries(0.1).layout_after(in).species == in.species);
}

TEST_CASE("bad sparsifier arguments are typed errors naming the field and the value",
          "[sparsify][input]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const auto grid = sparsify_layout_of(10, 0.0, 10.0);
  struct bad_case {
    const char* what;
    std::function<void()> run;
    const char* field;
    const char* value;
  };
  const std::vector<bad_case> cases{
      {"negative fraction", [] { (void)random_subset(-0.1); }, "random_subset.fraction", "-0.1"},
      {"fraction above one", [] { (void)random_subset(1.5); }, "random_subset.fraction", "1.5"},
      {"NaN fraction", [&] { (void)random_subset(nan); }, "random_subset.fraction", "nan"},
      {"count above the rows", [&] { (void)random_subset_count(11).layout_after(grid); },
       "random_subset_count.count", "11"},
      {"count above the rows at run time",
       [] {
         auto tr = sparsify_numbered(3);
         auto s = sparsify_stream();
         random_subset_count(5)(tr, s);
       },
       "random_subset_count.count", "5"},
      {"k = 0", [] { (void)keep_every(0); }, "keep_every.k", "0"},
      {"offset not below k", [] { (void)keep_every(3, 3); }, "keep_every.offset", "3"},
      {"offset past the rows", [&] { (void)keep_every(20, 12).layout_after(grid); },
       "keep_every.offset", "12"},
      {"reversed interval", [] { (void)keep_interval(2, 1); }, "keep_interval.t_last", "1"},
      {"NaN interval start", [&] { (void)keep_interval(nan, 1); }, "keep_interval.t_first", "nan"},
      {"NaN interval end", [&] { (void)keep_interval(0, nan); }, "keep_interval.t_last", "nan"},
      {"interval after the grid", [&] { (void)keep_interval(20, 30).layout_after(grid); },
       "keep_interval", "[20, 30]"},
      {"interval before the grid", [&] { (void)keep_interval(-3, -1).layout_after(grid); },
       "keep_interval", "[-3, -1]"},
      {"no intervals", [] { (void)interval_sparsify::by_time({}); }, "interval_sparsify.intervals",
       "[]"},
      {"fraction interval reversed",
       [] {
         (void)interval_sparsify::by_fraction({{0.5, 0.2, keep_every(1)}});
       },
       "interval_sparsify.intervals[0].end", "0.2"},
      {"fraction interval below zero",
       [] {
         (void)interval_sparsify::by_fraction({{-0.1, 0.5, keep_every(1)}});
       },
       "interval_sparsify.intervals[0].start", "-0.1"},
      {"fraction interval above one",
       [] {
         (void)interval_sparsify::by_fraction({{0.0, 1.5, keep_every(1)}});
       },
       "interval_sparsify.intervals[0].end", "1.5"},
      {"overlapping intervals",
       [] {
         (void)interval_sparsify::by_fraction(
             {{0.0, 0.6, keep_every(1)}, {0.5, 1.0, keep_every(1)}});
       },
       "interval_sparsify.intervals[1].start", "0.5"},
      {"unsorted intervals",
       [] {
         (void)interval_sparsify::by_time({{5.0, 9.0, keep_every(1)}, {0.0, 5.0, keep_every(1)}});
       },
       "interval_sparsify.intervals[1].start", "0"},
      {"NaN time interval",
       [&] {
         (void)interval_sparsify::by_time({{nan, 1.0, keep_every(1)}});
       },
       "interval_sparsify.intervals[0].start", "nan"},
      {"time interval outside the grid",
       [&] {
         (void)interval_sparsify::by_time({{0.0, 5.0, keep_every(1)}, {20.0, 30.0, keep_every(2)}})
             .layout_after(grid);
       },
       "interval_sparsify.intervals[1]", "[20, 30]"},
      {"inner transform that drops columns",
       [&] {
         (void)interval_sparsify::by_fraction({{0.0, 1.0, first_column_only{}}}).layout_after(grid);
       },
       "interval_sparsify.intervals[0]", "first_column_only"},
      {"inner transform that drops columns at run time",
       [] {
         auto tr = sparsify_numbered(10);
         auto s = sparsify_stream();
         interval_sparsify::by_fraction({{0.0, 0.5, first_column_only{}}})(tr, s);
       },
       "interval_sparsify.intervals[0]", "first_column_only"},
      {"negative low fraction", [] { (void)keep_extremes(-0.1, 0.1, keep_every(1)); },
       "keep_extremes.low_fraction", "-0.1"},
      {"NaN high fraction", [&] { (void)keep_extremes(0.1, nan, keep_every(1)); },
       "keep_extremes.high_fraction", "nan"},
      {"fractions above one together", [] { (void)keep_extremes(0.6, 0.5, keep_every(1)); },
       "keep_extremes.high_fraction", "0.5"},
      {"extremes around a column-dropping inner",
       [&] { (void)keep_extremes(0.1, 0.1, first_column_only{}).layout_after(grid); },
       "keep_extremes.inner", "first_column_only"},
      {"probability above one", [] { (void)missing_entries(1.2); }, "missing_entries.probability",
       "1.2"},
      {"negative named probability",
       [] {
         (void)missing_entries(odesynth::per_species<double>{{"a", -0.5}});
       },
       "missing_entries.probability[\"a\"]", "-0.5"},
      {"unknown species",
       [&] {
         (void)missing_entries(odesynth::per_species<double>{{"wolf", 0.1}}).layout_after(grid);
       },
       "missing_entries.probability", "\"wolf\""},
      {"burst start above one", [] { (void)missing_bursts(1.5, 2); },
       "missing_bursts.start_probability", "1.5"},
      {"NaN burst start", [&] { (void)missing_bursts(nan, 2); }, "missing_bursts.start_probability",
       "nan"},
      {"burst shorter than a row", [] { (void)missing_bursts(0.1, 0.5); },
       "missing_bursts.mean_length", "0.5"},
      {"endless bursts", [&] { (void)missing_bursts(0.1, inf); }, "missing_bursts.mean_length",
       "inf"},
      {"negative relative tolerance", [] { (void)odesynth::drop_constant_suffix(-1, 0); },
       "drop_constant_suffix.rel_eps", "-1"},
      {"infinite absolute tolerance", [&] { (void)odesynth::drop_constant_suffix(0, inf); },
       "drop_constant_suffix.abs_eps", "inf"},
      {"NaN absolute tolerance", [&] { (void)odesynth::drop_constant_suffix(0, nan); },
       "drop_constant_suffix.abs_eps", "nan"},
      {"empty plateau", [] { (void)odesynth::drop_constant_suffix(0, 0, 0); },
       "drop_constant_suffix.min_rows", "0"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    try {
      c.run();
      FAIL("no exception for " << c.what);
    } catch (const odesynth::invalid_argument& e) {
      CHECK(e.field() == c.field);
      CHECK(e.value() == c.value);
      CHECK_THAT(e.what(), Catch::Contains(std::string(c.field) + " = " + c.value + ": expected"));
    }
  }
  CHECK_THROWS_WITH(keep_interval(20, 30).layout_after(grid),
                    Catch::Contains("overlapping the time range [0, 10]"));
  CHECK_THROWS_WITH(random_subset_count(11).layout_after(grid),
                    Catch::Contains("at most the number of points (10)"));
  // Unknown times: nothing to check the interval against.
  CHECK_NOTHROW(keep_interval(20, 30).layout_after(sparsify_layout_of(10, nan, nan)));
}

TEST_CASE("describe names each sparsifier and its settings", "[sparsify]") {
  CHECK(random_subset(0.3).describe() == "random_subset(fraction=0.3)");
  CHECK(random_subset_count(10).describe() == "random_subset_count(count=10)");
  CHECK(keep_every(3).describe() == "keep_every(k=3, offset=0)");
  CHECK(keep_interval(0, 2.5).describe() == "keep_interval(t_first=0, t_last=2.5)");
  CHECK(
      interval_sparsify::by_time({{0, 5, keep_every(2)}, {5, 10, random_subset(0.5)}}).describe() ==
      "interval_sparsify(t in [0, 5): keep_every(k=2, offset=0); t in [5, 10]: "
      "random_subset(fraction=0.5))");
  CHECK(interval_sparsify::by_fraction({{0, 0.5, keep_every(2)}}).describe() ==
        "interval_sparsify(fraction [0, 0.5): keep_every(k=2, offset=0))");
  CHECK(keep_extremes(0.05, 0.1, random_subset(0.2)).describe() ==
        "keep_extremes(low_fraction=0.05, high_fraction=0.1, inner=random_subset(fraction=0.2))");
  CHECK(missing_entries(odesynth::per_species<double>{{"a", 0.1}}).describe() ==
        "missing_entries(probability={a: 0.1})");
  CHECK(missing_bursts(0.05, 4).describe() ==
        "missing_bursts(start_probability=0.05, mean_length=4)");
  CHECK(odesynth::drop_constant_suffix(1e-6, 0).describe() ==
        "drop_constant_suffix(rel_eps=1e-06, abs_eps=0, min_rows=2)");
  CHECK((keep_every(3) | missing_entries(0.1)).describe() ==
        "keep_every(k=3, offset=0) | missing_entries(probability=0.1)");
}

TEST_CASE("keep_rows and reset through the spare buffers keep every value in place",
          "[sparsify][trajectory]") {
  // Small trajectories drop rows by swapping buffers with per-thread spare sets, and reset()
  // takes them back: rounds of several trajectories of several shapes, each checked against
  // the rows it should hold, so that a buffer handed to the wrong trajectory or shape shows.
  auto names = [](std::size_t cols) {
    std::vector<std::string> n;
    for (std::size_t j = 0; j < cols; ++j) n.push_back("s" + std::to_string(j));
    return std::make_shared<const std::vector<std::string>>(n);
  };
  std::vector<trajectory> pool(5);
  random_stream rng(12, 0, stream_purpose::user);
  for (int round = 0; round < 60; ++round) {
    for (std::size_t k = 0; k < pool.size(); ++k) {
      trajectory& tr = pool[k];
      // Sizes repeat (so spare sets match) and vary (so they are resized and replaced); the
      // last one is past the spare sets' size limit.
      const std::size_t rows = k == 4 ? 5000 : 20 + 10 * ((round + k) % 3);
      const std::size_t cols = 1 + (k + static_cast<std::size_t>(round) / 7) % 3;
      std::vector<double> times(rows);
      for (std::size_t i = 0; i < rows; ++i) times[i] = static_cast<double>(i);
      tr.reset(odesynth::detail::unfilled, times.data(), rows, names(cols), nullptr);
      REQUIRE(tr.num_times() == static_cast<row_index>(rows));
      REQUIRE(tr.num_species() == static_cast<row_index>(cols));
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
          const auto r = static_cast<row_index>(i), c = static_cast<row_index>(j);
          tr.values()(r, c) = 1000.0 * static_cast<double>(i) + static_cast<double>(j);
          tr.mask()(r, c) = (i + j) % 3 != 0;
        }
      std::vector<row_index> keep;
      for (std::size_t i = 0; i < rows; ++i)
        if (rng.uniform01() < 0.5) keep.push_back(static_cast<row_index>(i));
      tr.keep_rows(keep);
      REQUIRE(tr.num_times() == static_cast<row_index>(keep.size()));
      REQUIRE(tr.values().rows() == tr.num_times());
      REQUIRE(tr.mask().rows() == tr.num_times());
      bool right = true;
      for (std::size_t i = 0; i < keep.size(); ++i) {
        const auto r = static_cast<row_index>(i);
        right = right && tr.times()[r] == static_cast<double>(keep[i]);
        for (std::size_t j = 0; j < cols; ++j) {
          const auto c = static_cast<row_index>(j);
          right =
              right &&
              tr.values()(r, c) == 1000.0 * static_cast<double>(keep[i]) + static_cast<double>(j) &&
              tr.mask()(r, c) == ((static_cast<std::size_t>(keep[i]) + j) % 3 != 0);
        }
      }
      INFO("round " << round << ", trajectory " << k);
      CHECK(right);
    }
  }
}
