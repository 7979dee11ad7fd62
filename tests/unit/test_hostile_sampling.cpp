// Hostile inputs to sampling (issue 12): truncated-normal moments in the far tails and on
// narrow intervals, the Brownian tree between its grid points, and distributions whose draws
// overflow. Each regression test here failed before its fix.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <odesynth/distributions.hpp>
#include <vector>

#include "expect_error.hpp"

namespace dist = odesynth::dist;

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();
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
      {0.0, 1.0, 8.0, inf, 8.1213681122361126807, 0.014324883443340910176},
      {0.0, 1.0, -inf, -8.0, -8.1213681122361126807, 0.014324883443340910176},
      {0.0, 1.0, -1.0, 1.0, 0.0, 0.29112509477279321119},
      {0.0, 1.0, 5.0, 5.000000001, 5.000000000500000041, 8.3333347123395736906e-20},
      {0.0, 1.0, -0.5, 2.0, 0.4457437782725148376, 0.37659383613683589663},
      {0.0, 1.0, 36.0, 36.5, 36.027735068657795943, 0.00076805217212569058339},
      {0.0, 1.0, -1e-09, 2e-09, 5.0000000000000003077e-10, 7.500000000000000932e-19},
      {0.0, 1.0, 0.0, inf, 0.79788456080286535588, 0.36338022763241865692},
      {0.0, 1.0, -3.0, 10.0, 0.0044378390421256637932, 0.98666678845825919379},
      {0.0, 1.0, 2.0, 2.5, 2.2044520781676749003, 0.019434066747448838011},
      {3.0, 0.5, 2.0, inf, 3.0276239313394949796, 0.22161298707785588755},
      {10.0, 2.0, 50.0, 52.0, 50.099506134679501908, 0.0098530417200433175654},
      {0.0, 1.0, -inf, inf, 0.0, 1.0},
      {-7.0, 3.0, -inf, -80.0, -80.122874710257087905, 0.015047956811819622761},
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
  // A point mass (sd = 0) sits at the mean clamped into the range.
  CHECK(dist::truncated_normal{5, 0, 0, 2}.mean_value() == 2);
  CHECK(dist::truncated_normal{5, 0, 0, 2}.variance() == 0);
}
