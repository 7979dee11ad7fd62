// Splits and mixes: largest-remainder counts, no overlap and full coverage, determinism by
// seed (pinned values: the permutation is portable by construction), uniform assignment,
// SimbaML's horizontal and vertical rules with Python's rounding, and typed errors.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <memory>
#include <odesynth/ml/mixing.hpp>
#include <odesynth/ml/split.hpp>
#include <odesynth/ml/windows.hpp>
#include <set>
#include <string>
#include <vector>

#include "expect_error.hpp"

using odesynth::data_source;
using odesynth::index_split;
using odesynth::mix_size;
using odesynth::row_range;
using odesynth::split_fractions;
using odesynth::trajectory;
using counts3 = std::array<std::size_t, 3>;
using indices = std::vector<std::size_t>;
using test_support::caught;

namespace {

// One species "x" with value 1000 k + row, so every row tells where it came from.
trajectory split_numbered(std::size_t k, std::size_t rows) {
  auto names = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"x"});
  Eigen::VectorXd times(static_cast<Eigen::Index>(rows));
  for (std::size_t i = 0; i < rows; ++i) times[static_cast<Eigen::Index>(i)] = double(i);
  trajectory tr(times, names);
  for (std::size_t i = 0; i < rows; ++i) {
    tr.values()(static_cast<Eigen::Index>(i), 0) = 1000.0 * double(k) + double(i);
    tr.mask()(static_cast<Eigen::Index>(i), 0) = true;
  }
  return tr;
}

void check_partition(const index_split& s, std::size_t n) {
  std::vector<std::size_t> all;
  for (const auto* part : {&s.train, &s.validation, &s.test}) {
    CHECK(std::is_sorted(part->begin(), part->end()));
    all.insert(all.end(), part->begin(), part->end());
  }
  std::sort(all.begin(), all.end());
  std::vector<std::size_t> expected(n);
  for (std::size_t i = 0; i < n; ++i) expected[i] = i;
  CHECK(all == expected);  // every index exactly once: no overlap, full coverage
}

}  // namespace

TEST_CASE("split_counts follows the largest-remainder rule", "[ml][split]") {
  // 10 x (0.7, 0.2, 0.1) = 7, 2, 1 exactly.
  CHECK(odesynth::split_counts(10, {0.7, 0.2, 0.1}) == counts3{7, 2, 1});
  // 7 x (0.5, 0.25, 0.25) = 3.5, 1.75, 1.75: floors 3 1 1, two left, to the remainders .75.
  CHECK(odesynth::split_counts(7, {0.5, 0.25, 0.25}) == counts3{3, 2, 2});
  // 5 x 1/3 each = 1.67: floors 1 1 1, two left, equal remainders: earlier parts first.
  CHECK(odesynth::split_counts(5, {1.0 / 3, 1.0 / 3, 1.0 / 3}) == counts3{2, 2, 1});
  // 3 x (0.5, 0.5, 0) = 1.5, 1.5, 0: one left, tie to train.
  CHECK(odesynth::split_counts(3, {0.5, 0.5, 0.0}) == counts3{2, 1, 0});
  // 100 x 0.29 = 28.999999999999996 in doubles: counts as 29, not 28 plus a remainder.
  CHECK(odesynth::split_counts(100, {0.29, 0.71, 0.0}) == counts3{29, 71, 0});
  CHECK(odesynth::split_counts(0, {0.8, 0.1, 0.1}) == counts3{0, 0, 0});
  for (std::size_t n = 0; n < 60; ++n) {
    const auto c = odesynth::split_counts(n, {0.63, 0.21, 0.16});
    CHECK(c[0] + c[1] + c[2] == n);
    CHECK(std::fabs(double(c[0]) - 0.63 * double(n)) < 1);
    CHECK(std::fabs(double(c[2]) - 0.16 * double(n)) < 1);
  }
}

TEST_CASE("split_by_trajectory partitions reproducibly by seed", "[ml][split]") {
  const split_fractions f{0.6, 0.2, 0.2};
  const auto s = odesynth::split_by_trajectory(10, f, 42);
  check_partition(s, 10);
  CHECK(s.train.size() == 6);
  CHECK(s.validation.size() == 2);
  // Pinned: Fisher-Yates over random_stream::below is integer arithmetic, the same on every
  // platform; a change here changes every user's split.
  CHECK(s.train == indices{1, 2, 3, 4, 7, 9});
  CHECK(s.validation == indices{6, 8});
  CHECK(s.test == indices{0, 5});

  const auto again = odesynth::split_by_trajectory(10, f, 42);
  CHECK(again.train == s.train);
  CHECK(again.test == s.test);
  // Another seed gives another split of 50 (identical by chance with probability
  // 1 / multinomial(50; 30, 10, 10), below 1e-20).
  const auto a = odesynth::split_by_trajectory(50, f, 1),
             b = odesynth::split_by_trajectory(50, f, 2);
  check_partition(a, 50);
  CHECK(a.train != b.train);
}

TEST_CASE("split_by_trajectory puts each trajectory in test with its fraction", "[ml][split]") {
  // 4000 seeds, n = 10, test fraction 0.3 exactly (3 of 10): each index's test count is
  // Binomial(4000, 0.3), mean 1200, sd sqrt(4000 * 0.3 * 0.7) = 29; 5 sd = 145.
  std::vector<int> in_test(10, 0);
  for (std::uint64_t seed = 0; seed < 4000; ++seed)
    for (std::size_t i : odesynth::split_by_trajectory(10, {0.5, 0.2, 0.3}, seed).test)
      ++in_test[i];
  for (int c : in_test) CHECK(std::abs(c - 1200) < 145);
}

TEST_CASE("split_fractions are validated with the fraction named", "[ml][split][errors]") {
  auto e = caught([] { odesynth::split_counts(10, {0.7, 0.2, 0.2}); });
  CHECK(e.field() == "split_fractions");
  CHECK(e.value() == "(train=0.7, validation=0.2, test=0.2)");
  CHECK_THAT(e.what(), Catch::Contains("summing to 1"));
  e = caught([] { odesynth::split_counts(10, {1.2, -0.1, -0.1}); });
  CHECK(e.field() == "split_fractions.train");
  CHECK(e.value() == "1.2");
  e = caught([] { odesynth::split_by_trajectory(10, {0.5, std::nan(""), 0.5}, 1); });
  CHECK(e.field() == "split_fractions.validation");
  // within 1e-9 is accepted
  CHECK(odesynth::split_counts(10, {0.7 + 1e-12, 0.2, 0.1}) == counts3{7, 2, 1});
}

TEST_CASE("horizontal_split keeps SimbaML's count rule without its empty-train slip",
          "[ml][split]") {
  // Python round: 10 x 0.25 = 2.5 -> 2 (halves to even); 10 x 0.35 = 3.5 -> 4.
  auto h = odesynth::horizontal_split(10, 0.25, 7);
  CHECK(h.test.size() == 2);
  CHECK(h.validation.empty());
  check_partition(h, 10);
  CHECK(h.test == indices{5, 7});  // pinned, as above
  CHECK(odesynth::horizontal_split(10, 0.35, 7).test.size() == 4);
  // 3 x 0.1 rounds to 0: no test data (SimbaML's data[-0:] would make everything test data).
  h = odesynth::horizontal_split(3, 0.1, 7);
  CHECK(h.train.size() == 3);
  CHECK(h.test.empty());
  CHECK(caught([] { odesynth::horizontal_split(3, 1.5, 7); }).field() ==
        "horizontal_split.test_fraction");
}

TEST_CASE("vertical_split cuts each series and starts the test part input_length earlier",
          "[ml][split]") {
  const std::vector<trajectory> data{split_numbered(0, 10), split_numbered(1, 26),
                                     split_numbered(2, 22), split_numbered(3, 2)};
  const auto parts = odesynth::vertical_split(data, 0.25, 3);
  // cut = round(T * 0.75): 7.5 -> 8, 19.5 -> 20, 16.5 -> 16 (halves to even), 1.5 -> 2.
  CHECK(parts.train == std::vector<row_range>{{0, 0, 8}, {1, 0, 20}, {2, 0, 16}, {3, 0, 2}});
  // test from cut - 3; for the 2-row series cut - 3 < 0 and the test part starts at row 0.
  CHECK(parts.test == std::vector<row_range>{{0, 5, 5}, {1, 17, 9}, {2, 13, 9}, {3, 0, 2}});

  // The first test window forecasts the first row after the cut.
  const auto test = odesynth::take_rows(data, parts.test);
  REQUIRE(test[0].num_times() == 5);
  CHECK(test[0].times()[0] == 5);
  odesynth::window_options o;
  o.input_length = 3;
  o.horizon = 1;
  const auto w = odesynth::make_windows({test[0]}, o);
  REQUIRE(w.size() == 2);
  CHECK(w.targets(0, 0, 0) == 8);  // row 8 of series 0, the first test row
  CHECK(w.inputs(0, 0, 0) == 5);   // its input: rows 5-7, the end of the training part

  // Training windows never reach a test row.
  const auto train = odesynth::take_rows(data, parts.train);
  const auto tw = odesynth::make_windows({train[0]}, o);
  CHECK(tw.targets(tw.size() - 1, 0, 0) == 7);

  CHECK(caught([&] { odesynth::take_rows(data, {{0, 8, 3}}); }).field() == "take_rows.ranges");
}

TEST_CASE("mix: counts by the chosen size with provenance per item and determinism by seed",
          "[ml][mixing]") {
  std::vector<trajectory> synthetic, real;
  for (std::size_t k = 0; k < 50; ++k) synthetic.push_back(split_numbered(k, 3));
  for (std::size_t k = 0; k < 20; ++k) real.push_back(split_numbered(500 + k, 3));
  const auto count = [](const auto& items, data_source s) {
    return std::count_if(items.begin(), items.end(), [s](const auto& i) { return i.source == s; });
  };

  SECTION("exactly: 40 at a quarter real is 10 real and 30 synthetic, all distinct") {
    const auto m = odesynth::mix(synthetic, real, 0.25, mix_size::exactly(40), 11);
    REQUIRE(m.size() == 40);
    CHECK(count(m, data_source::real) == 10);
    std::set<std::pair<int, std::size_t>> seen;
    for (const auto& item : m) {
      seen.insert({int(item.source), item.index});
      const auto& pool = item.source == data_source::real ? real : synthetic;
      CHECK(item.data.values()(0, 0) == pool[item.index].values()(0, 0));
    }
    CHECK(seen.size() == 40);
    CHECK(odesynth::mix_indices(50, 20, 0.25, mix_size::exactly(40), 11) ==
          odesynth::mix_indices(50, 20, 0.25, mix_size::exactly(40), 11));
    CHECK(odesynth::mix_indices(50, 20, 0.25, mix_size::exactly(40), 11) !=
          odesynth::mix_indices(50, 20, 0.25, mix_size::exactly(40), 12));
    CHECK(odesynth::trajectories_of(m).size() == 40);
  }
  SECTION("pinned order for a small mix") {
    // 5 x 0.4 = 2 real, 3 synthetic.
    const auto m = odesynth::mix_indices(5, 3, 0.4, mix_size::exactly(5), 3);
    CHECK(m == std::vector<odesynth::mix_item>{{data_source::synthetic, 3},
                                               {data_source::real, 0},
                                               {data_source::synthetic, 0},
                                               {data_source::synthetic, 1},
                                               {data_source::real, 2}});
  }
  SECTION("all_real: every real trajectory plus ratio times as many synthetic (SimbaML)") {
    // ratio 1.5 synthetic per real -> real_fraction 0.4 -> 20 real + 30 synthetic.
    const double f = odesynth::real_fraction_for_ratio(1.5);
    CHECK(f == Approx(0.4).margin(1e-15));
    const auto m = odesynth::mix_indices(50, 20, f, mix_size::all_real(), 5);
    CHECK(m.size() == 50);
    CHECK(count(m, data_source::real) == 20);
    // 0.25 real would need 60 synthetic: more than the 50 there are.
    const auto e = caught([] { odesynth::mix_indices(50, 20, 0.25, mix_size::all_real(), 5); });
    CHECK(e.field() == "mix.real_fraction");
    CHECK(e.value() == "0.25");
    CHECK_THAT(e.what(), Catch::Contains("need 60 synthetic") && Catch::Contains("there are 50"));
    CHECK(caught([] { odesynth::mix_indices(50, 20, 0.0, mix_size::all_real(), 5); }).field() ==
          "mix.real_fraction");
  }
  SECTION("largest: the most items the pools allow") {
    // 68 x 0.25 = 17 real + 51 synthetic > 50; 67 x 0.25 = 16.75 -> 17 real + 50 synthetic.
    const auto m = odesynth::mix_indices(50, 20, 0.25, mix_size::largest(), 5);
    CHECK(m.size() == 67);
    CHECK(count(m, data_source::real) == 17);
    CHECK(odesynth::mix_indices(50, 20, 1.0, mix_size::largest(), 5).size() == 20);
    CHECK(odesynth::mix_indices(50, 20, 0.0, mix_size::largest(), 5).size() == 50);
  }
  SECTION("impossible requests are typed errors") {
    auto e = caught([] { odesynth::mix_indices(50, 20, 0.5, mix_size::exactly(60), 5); });
    CHECK(e.field() == "mix_size::exactly");
    CHECK(e.value() == "60");
    CHECK_THAT(e.what(), Catch::Contains("needs 30 real"));
    e = caught([] { odesynth::mix_indices(50, 20, 1.5, mix_size::exactly(10), 5); });
    CHECK(e.field() == "mix.real_fraction");
    CHECK(caught([] { odesynth::real_fraction_for_ratio(-1); }).field() == "synthetic_per_real");
  }
}
