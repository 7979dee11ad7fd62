// Constraint checking: exact counts per rule on hand-made trajectories (missing values never
// count), dataset totals and the fraction of violating trajectories, merging of partial
// reports, unknown species, typed errors for bad rules, and the printed summaries.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <odesynth/constraints.hpp>
#include <odesynth/transforms/postprocess.hpp>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "trajectories.hpp"

using Catch::Contains;
using odesynth::constraint_set;
using odesynth::constraint_unit;
using odesynth::dataset_constraint_report;
using odesynth::invalid_argument;
using odesynth::trajectory;
using odesynth::trajectory_constraint_report;
using test_support::check_error;
using test_support::from_rows;

namespace {

constexpr double cons_na = std::numeric_limits<double>::quiet_NaN();  // a missing value
constexpr double cons_inf = std::numeric_limits<double>::infinity();

// An SIR-like trajectory with a bounded fraction x, 19 observed values and one missing:
//   S + I + R is 1000 in rows 0-2, incomplete in row 3, 1001 in row 4;
//   negatives: S = -1 (row 2), x = -0.1 (row 1); x outside [0, 1]: -0.1, 1.5, inf.
trajectory sir_solution() {
  return from_rows({"S", "I", "R", "x"}, {
                                             {990, 10, 0, 1},
                                             {980, 15, 5, -0.1},
                                             {-1, 20, 981, 1.5},
                                             {cons_na, 30, 960, cons_inf},
                                             {900, 50, 51, 0.25},
                                         });
}

// "checked/violations" of rule k: text, so a failed check shows both numbers.
std::string counts(const trajectory_constraint_report& r, std::size_t k) {
  REQUIRE(k < r.rules.size());
  return fmt::format("{}/{}", r.rules[k].checked, r.rules[k].violations);
}

bool same(const dataset_constraint_report& a, const dataset_constraint_report& b) {
  if (a.trajectories_checked() != b.trajectories_checked() ||
      a.trajectories_violating() != b.trajectories_violating() ||
      a.rules().size() != b.rules().size())
    return false;
  for (std::size_t k = 0; k < a.rules().size(); ++k) {
    const auto &x = a.rules()[k], &y = b.rules()[k];
    if (x.rule != y.rule || x.unit != y.unit || x.checked != y.checked ||
        x.violations != y.violations || x.trajectories_violating != y.trajectories_violating)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("non_negative counts negative observed values and skips missing ones", "[constraints]") {
  const auto report =
      constraint_set().non_negative().non_negative({"S", "I", "R"}).check(sir_solution());
  CHECK(counts(report, 0) == "19/2");  // S = -1 and x = -0.1
  CHECK(counts(report, 1) == "14/1");  // S = -1 only
  CHECK(report.rules[0].rule == "non_negative(all)");
  CHECK(report.rules[1].rule == "non_negative(S, I, R)");
  CHECK(report.rules[0].unit == constraint_unit::values);
  CHECK(report.any_violation());
  CHECK(report.violations() == 3);
}

TEST_CASE("within counts values outside the closed interval", "[constraints]") {
  const auto report = constraint_set().within({"x"}, 0, 1).within(0, 1000).check(sir_solution());
  CHECK(counts(report, 0) == "5/3");   // -0.1, 1.5, inf; 1 is on the bound
  CHECK(counts(report, 1) == "19/3");  // -0.1, inf and S = -1
  CHECK(report.rules[0].rule == "within(x in [0, 1])");
  CHECK(report.rules[1].rule == "within(all in [0, 1000])");
}

TEST_CASE("conserved_sum counts complete rows whose sum drifts beyond the tolerance",
          "[constraints]") {
  const auto report = constraint_set()
                          .conserved_sum({"S", "I", "R"}, 1e-4)          // 1001 is off by 1e-3
                          .conserved_sum({"S", "I", "R"}, 2e-3)          // 1001 is within
                          .conserved_sum({"S", "I", "R"}, 1e-4, 1001.0)  // now 1000 is off
                          .check(sir_solution());
  // Row 3 is incomplete: four rows checked; the first row's sum (1000) is the default target.
  CHECK(counts(report, 0) == "4/1");
  CHECK(counts(report, 1) == "4/0");
  CHECK(counts(report, 2) == "4/3");
  CHECK(report.rules[0].unit == constraint_unit::rows);
  CHECK(report.rules[0].rule == "conserved_sum(S + I + R = first row's sum, rel_tol=0.0001)");
  CHECK(report.rules[2].rule == "conserved_sum(S + I + R = 1001, rel_tol=0.0001)");

  SECTION("a non-finite sum is a violation, also as the reference") {
    const auto tr = from_rows({"a", "b"}, {{1, 1}, {cons_inf, 1}, {1, 1}});
    CHECK(counts(constraint_set().conserved_sum({"a", "b"}, 0.1).check(tr), 0) == "3/1");
    const auto first_inf = from_rows({"a", "b"}, {{cons_inf, 1}, {1, 1}});
    CHECK(counts(constraint_set().conserved_sum({"a", "b"}, 0.1).check(first_inf), 0) == "2/2");
  }
  SECTION("with a target of 0 any non-zero sum violates") {
    const auto tr = from_rows({"a", "b"}, {{1, -1}, {1e-300, 0}, {0, 0}});
    CHECK(counts(constraint_set().conserved_sum({"a", "b"}, 0.5, 0.0).check(tr), 0) == "3/1");
  }
}

TEST_CASE("finite counts infinite observed values and never missing ones", "[constraints]") {
  const auto report = constraint_set().finite().finite({"S"}).check(sir_solution());
  CHECK(counts(report, 0) == "19/1");
  CHECK(counts(report, 1) == "4/0");
  CHECK(report.rules[1].rule == "finite(S)");

  const auto all_missing = from_rows({"a"}, {{cons_na}, {cons_na}});
  const auto nothing = constraint_set().finite().non_negative().check(all_missing);
  CHECK(counts(nothing, 0) == "0/0");
  CHECK(counts(nothing, 1) == "0/0");
  CHECK_FALSE(nothing.any_violation());
}

TEST_CASE("a dataset report gives the fraction of trajectories violating any rule",
          "[constraints][dataset]") {
  const auto rules = constraint_set().non_negative().within({"x"}, 0, 1);
  const std::vector<trajectory> data{
      from_rows({"x", "y"}, {{0.5, 1}, {0.5, 2}}),      // clean
      from_rows({"x", "y"}, {{-1, 1}, {0.5, 2}}),       // both rules
      from_rows({"x", "y"}, {{0.5, -2}, {0.5, -3}}),    // non_negative twice
      from_rows({"x", "y"}, {{0.5, 1}, {2, cons_na}}),  // within
      from_rows({"x", "y"}, {{cons_na, 1}, {1, 0}}),    // clean
  };
  dataset_constraint_report total;
  CHECK(total.violating_fraction() == 0.0);  // nothing checked yet
  for (const auto& tr : data) total.add(rules.check(tr));

  CHECK(total.trajectories_checked() == 5);
  CHECK(total.trajectories_violating() == 3);
  CHECK(total.violating_fraction() == 0.6);
  REQUIRE(total.rules().size() == 2);
  CHECK(total.rules()[0].rule == "non_negative(all)");
  CHECK(total.rules()[0].checked == 18);  // 20 values, 2 missing
  CHECK(total.rules()[0].violations == 3);
  CHECK(total.rules()[0].trajectories_violating == 2);
  CHECK(total.rules()[1].rule == "within(x in [0, 1])");
  CHECK(total.rules()[1].checked == 9);
  CHECK(total.rules()[1].violations == 2);
  CHECK(total.rules()[1].trajectories_violating == 2);
}

TEST_CASE("merged partial reports equal one report over all trajectories",
          "[constraints][dataset]") {
  const auto rules = constraint_set().non_negative().conserved_sum({"x", "y"}, 0.01);
  std::vector<trajectory> data;
  for (int k = 0; k < 7; ++k) {
    const double d = static_cast<double>(k);
    data.push_back(from_rows({"x", "y"}, {{1, 1}, {1 + 0.1 * d, 1}, {k % 3 == 0 ? -d : d, 2}}));
  }
  dataset_constraint_report all, first, second, third;
  for (std::size_t i = 0; i < data.size(); ++i) {
    const auto r = rules.check(data[i]);
    all.add(r);
    (i < 2 ? first : i < 5 ? second : third).add(r);
  }
  REQUIRE(all.trajectories_violating() > 0);
  REQUIRE(all.trajectories_violating() < all.trajectories_checked());

  dataset_constraint_report in_order;
  in_order.merge(first).merge(second).merge(third);
  CHECK(same(in_order, all));
  dataset_constraint_report other_order = third;
  other_order.merge(first).merge(dataset_constraint_report()).merge(second);
  CHECK(same(other_order, all));

  SECTION("reports of different rules do not merge") {
    dataset_constraint_report foreign;
    foreign.add(constraint_set().finite().check(data[0]));
    check_error([&] { dataset_constraint_report(all).merge(foreign); },
                "dataset_constraint_report.merge", "a report with 1 rules");
    check_error(
        [&] { dataset_constraint_report(all).add(constraint_set().finite().check(data[0])); },
        "dataset_constraint_report.add", "a report with 1 rules");
    CHECK_THROWS_WITH(dataset_constraint_report(foreign).merge(all),
                      Contains("rules: [finite(all)]"));
  }
}

TEST_CASE("unknown species are rejected with the list of known ones", "[constraints][input]") {
  const std::vector<std::string> columns{"S", "I"};
  check_error(
      [&] {
        constraint_set().non_negative({"S", "wolf"}).validate(columns);
      },
      "constraint_set.non_negative.species", "\"wolf\"");
  check_error([&] { constraint_set().within({"wolf"}, 0, 1).validate(columns); },
              "constraint_set.within.species", "\"wolf\"");
  check_error(
      [&] {
        constraint_set().conserved_sum({"S", "R"}, 0.1).validate(columns);
      },
      "constraint_set.conserved_sum.group", "\"R\"");
  check_error([&] { constraint_set().finite({"wolf"}).validate(columns); },
              "constraint_set.finite.species", "\"wolf\"");
  CHECK_THROWS_WITH(constraint_set().finite({"wolf"}).validate(columns),
                    Contains("one of the species [S, I]"));
  check_error([&] { (void)constraint_set().non_negative({"wolf"}).check(sir_solution()); },
              "constraint_set.non_negative.species", "\"wolf\"");
  CHECK_NOTHROW(constraint_set().non_negative().conserved_sum({"I", "S"}, 0.1).validate(columns));
}

TEST_CASE("bad rules are typed errors naming the field and the value", "[constraints][input]") {
  struct bad_case {
    std::function<void()> make;
    const char* field;
    const char* value;
  };
  const std::vector<bad_case> cases{
      {[] { constraint_set().non_negative({}); }, "constraint_set.non_negative.species", "[]"},
      {[] {
         constraint_set().non_negative({"a", "a"});
       },
       "constraint_set.non_negative.species[1]", "\"a\""},
      {[] { constraint_set().within(cons_na, 1); }, "constraint_set.within.lo", "nan"},
      {[] { constraint_set().within(0, cons_na); }, "constraint_set.within.hi", "nan"},
      {[] { constraint_set().within({"a"}, 1, 0); }, "constraint_set.within.hi", "0"},
      {[] { constraint_set().within({}, 0, 1); }, "constraint_set.within.species", "[]"},
      {[] { constraint_set().conserved_sum({}, 0.1); }, "constraint_set.conserved_sum.group", "[]"},
      {[] {
         constraint_set().conserved_sum({"a", "b", "a"}, 0.1);
       },
       "constraint_set.conserved_sum.group[2]", "\"a\""},
      {[] { constraint_set().conserved_sum({"a"}, -0.1); }, "constraint_set.conserved_sum.rel_tol",
       "-0.1"},
      {[] { constraint_set().conserved_sum({"a"}, cons_na); },
       "constraint_set.conserved_sum.rel_tol", "nan"},
      {[] { constraint_set().conserved_sum({"a"}, 0.1, cons_inf); },
       "constraint_set.conserved_sum.target", "inf"},
      {[] { constraint_set().finite({}); }, "constraint_set.finite.species", "[]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.field, c.value);
    check_error(c.make, c.field, c.value);
  }
}

TEST_CASE("reports print readable summaries", "[constraints]") {
  const auto rules = constraint_set().non_negative().conserved_sum({"S", "I", "R"}, 1e-4);
  CHECK(rules.describe() ==
        "non_negative(all); conserved_sum(S + I + R = first row's sum, rel_tol=0.0001)");
  CHECK(constraint_set().describe() == "no constraints");

  const auto one = rules.check(sir_solution());
  CHECK(fmt::format("{}", one) ==
        "constraint check: 2 of 2 rules violated\n"
        "  non_negative(all): 2 of 19 values violate\n"
        "  conserved_sum(S + I + R = first row's sum, rel_tol=0.0001): 1 of 4 rows violate");
  CHECK(fmt::format("{}", constraint_set().check(sir_solution())) == "constraint check: no rules");

  dataset_constraint_report total;
  CHECK(fmt::format("{}", total) == "constraint check of 0 trajectories");
  total.add(one);
  total.add(rules.check(from_rows({"S", "I", "R", "x"}, {{1, 2, 3, 4}, {3, 2, 1, 0}})));
  total.add(rules.check(from_rows({"S", "I", "R", "x"}, {{1, 2, 3, 4}, {3, 2, 1, 0}})));
  CHECK(fmt::format("{}", total) ==
        "constraint check of 3 trajectories: 1 (33.3%) violate at least one rule\n"
        "  non_negative(all): 2 of 35 values (5.71%) violate, in 1 trajectories\n"
        "  conserved_sum(S + I + R = first row's sum, rel_tol=0.0001): 1 of 8 rows (12.5%) "
        "violate, in 1 trajectories");
}

TEST_CASE("post-processing removes the violations the checker counts", "[constraints]") {
  // Additive noise pushed S negative and broke the conserved total; clipping and then
  // rescaling to the first row's sum repair both, which the checker confirms.
  auto tr =
      from_rows({"S", "I", "R"}, {{990, 10, 0}, {-3, 700, 310}, {5, 400, 590}, {-1, 2, 1000}});
  const auto rules = constraint_set().non_negative().conserved_sum({"S", "I", "R"}, 1e-12);
  const auto before = rules.check(tr);
  CHECK(counts(before, 0) == "12/2");
  CHECK(counts(before, 1) == "4/3");

  odesynth::random_stream s(5, 0, odesynth::stream_purpose::measurement);
  (odesynth::clip_below(0) | odesynth::rescale_to_sum::to_first_row_sum({"S", "I", "R"}))(tr, s);
  const auto after = rules.check(tr);
  CHECK(counts(after, 0) == "12/0");
  CHECK(counts(after, 1) == "4/0");
  CHECK_FALSE(after.any_violation());
}
