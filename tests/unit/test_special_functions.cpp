// detail/special_functions.hpp (issue 13): odesynth's incomplete gamma and beta functions and
// their inverses, which replaced Boost.Math in distributions.hpp, checked against Boost.Math
// (the tests may include it; the library no longer does) on a deterministic grid of shapes and
// probabilities from 2^-53 to 1 - 2^-53, both tails, and against closed forms.
//
// The reference is Boost.Math with its default policy, which evaluates double arguments in
// long double (64-bit significand on x86): about 11 bits more than the code under test.
//
// Tolerances are stated relative to each quantile's condition number
//   kappa = min(p, q) / (x f(x)),
// the relative change in x caused by a relative change of 1 in the tail probability (f the
// density). Even with p exact, a double evaluation of the tail carries a relative error of a
// few ulp, which moves x by kappa times that; kappa reaches 1 / a for small shapes (x^a = p:
// 1000 for a = 0.001), so no double algorithm keeps 1e-13 there without it. Measured on this
// grid (g++ 12, x86-64, glibc 2.36):
//   gamma: max |x - ref| / (ref max(1, kappa)) = 6.9e-15 (a = 0.05, p = 2^-47); without the
//          kappa scaling the largest relative error is 6.1e-13 at a = 0.001, p = 0.6
//          (x = 8e-223, kappa = 1.4e2); below a = 0.001 kappa grows as 1/a.
//   beta:  max scaled error 3.1e-13 for shapes <= 1000 (a = 0.5, b = 1000, p = 0.55) and
//          1.9e-12 with a shape of 1e5 against a small one (a = 0.5, b = 1e5, p = 0.96875):
//          there x ~ 1e-5 and the continued fraction runs on y = 1 - x, whose rounding the
//          fraction amplifies in proportion to b (Boost uses an asymptotic expansion, BGRAT).
//          The test bounds are 5e-14 (gamma), 1e-12 and 1e-11 (beta), above those maxima by a
//          factor of 3 to 7 to leave room for other libm implementations of log, exp and pow.
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/gamma.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <odesynth/detail/special_functions.hpp>
#include <odesynth/distributions.hpp>
#include <utility>
#include <vector>

namespace sf = odesynth::detail;

namespace {

// Probabilities 2^-53, 2^-51, ..., 2^-1, a few in the bulk, and 1 - 2^-2 ... 1 - 2^-53.
std::vector<double> probabilities() {
  std::vector<double> ps;
  for (int e = -53; e <= -1; e += 2) ps.push_back(std::ldexp(1.0, e));
  for (double v : {0.1, 0.25, 0.3, 0.4, 0.45, 0.55, 0.6, 0.7, 0.75, 0.9}) ps.push_back(v);
  for (int e = -2; e >= -53; e -= 3) ps.push_back(1 - std::ldexp(1.0, e));
  ps.push_back(1 - std::ldexp(1.0, -53));
  return ps;
}

constexpr double smallest_normal = std::numeric_limits<double>::min();

}  // namespace

TEST_CASE("gamma quantile agrees with Boost.Math over shapes 1e-3 to 1e5", "[special]") {
  const std::vector<double> shapes = {1e-3, 3e-3, 0.01, 0.05, 0.1,  0.25, 0.5,  0.9, 1,
                                      1.5,  2,    3.7,  5,    9.5,  10,   10.5, 19,  21,
                                      30,   50,   100,  250,  1000, 1e4,  1e5};
  double worst = 0;
  for (const double a : shapes)
    for (const double p : probabilities()) {
      const double q = 1 - p;  // exact for p >= 1/2; for p < 1/2 only p is used
      const double x = sf::gamma_quantile(a, p, q);
      REQUIRE(std::isfinite(x));
      const long double ref = p <= q ? boost::math::gamma_p_inv(static_cast<long double>(a), p)
                                     : boost::math::gamma_q_inv(static_cast<long double>(a), q);
      if (ref < smallest_normal) {  // the quantile underflows: both tiny
        CHECK(x < 1e-300);
        continue;
      }
      const long double density_x =
          boost::math::gamma_p_derivative(static_cast<long double>(a), ref) * ref;
      const double kappa = std::max(1.0, static_cast<double>(std::min(p, q) / density_x));
      const double error = static_cast<double>(std::fabs(x - ref) / ref) / kappa;
      worst = std::max(worst, error);
      INFO("a = " << a << ", p = " << p << ", x = " << x << ", kappa = " << kappa);
      CHECK(error < 5e-14);
    }
  CHECK(worst < 5e-14);
}

TEST_CASE("beta quantile agrees with Boost.Math over shapes 1e-3 to 1e5", "[special]") {
  const std::vector<double> shapes = {1e-3, 0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 100, 1000, 1e5};
  for (const double a : shapes)
    for (const double b : shapes)
      for (const double p : probabilities()) {
        const double q = 1 - p;
        const sf::unit_point x = sf::beta_quantile(a, b, p, q);
        REQUIRE(std::isfinite(x.x));
        REQUIRE(std::isfinite(x.y));
        CHECK(std::fabs(x.x + x.y - 1) <= 0x1.0p-52);
        long double ref = 0, density_x = 0;
        try {  // Boost's long double iteration gives up on a few points (a = 0.5, b = 2, p tiny)
          const long double la = a, lb = b;
          ref = p <= q ? boost::math::ibeta_inv(la, lb, static_cast<long double>(p))
                       : boost::math::ibetac_inv(la, lb, static_cast<long double>(q));
          density_x = boost::math::ibeta_derivative(la, lb, ref) * ref * (1 - ref);
        } catch (const std::exception&) {
          continue;
        }
        if (ref < smallest_normal) {
          CHECK(x.x < 1e-300);
          continue;
        }
        const double kappa = std::max(1.0, static_cast<double>(std::min(p, q) / density_x));
        const double error = static_cast<double>(std::fabs(x.x - ref) / ref) / kappa;
        INFO("a = " << a << ", b = " << b << ", p = " << p << ", x = " << x.x
                    << ", kappa = " << kappa);
        CHECK(error < (std::max(a, b) <= 1000 ? 1e-12 : 1e-11));
      }
}

TEST_CASE("incomplete gamma and beta agree with Boost.Math at sample points", "[special]") {
  // Forward values: the smaller tail to a few ulp times its sensitivity to x's rounding.
  for (const double a : {1e-3, 0.3, 1.0, 4.5, 25.0, 300.0, 1e5})
    for (const double r : {1e-3, 0.1, 0.5, 0.9, 1.0, 1.1, 1.5, 3.0, 30.0}) {
      const double x = a * r;
      const sf::tail_pair t = sf::gamma_pq(a, x);
      const long double p = boost::math::gamma_p(static_cast<long double>(a), x);
      const long double q = boost::math::gamma_q(static_cast<long double>(a), x);
      const long double slope = boost::math::gamma_p_derivative(static_cast<long double>(a), x) * x;
      INFO("a = " << a << ", x = " << x);
      // An error of 1 ulp in x moves the tail T by slope / T ulp.
      if (p > 1e-300) CHECK(std::fabs(t.lower - p) / p <= 1e-14 * (8 + slope / p));
      if (q > 1e-300) CHECK(std::fabs(t.upper - q) / q <= 1e-14 * (8 + slope / q));
    }
  for (const double a : {1e-3, 0.5, 2.0, 30.0})
    for (const double b : {1e-2, 1.0, 7.0, 200.0})
      for (const double x : {1e-6, 0.01, 0.3, 0.5, 0.8, 0.999}) {
        const sf::tail_pair t = sf::beta_pq(a, b, x, 1 - x);
        const long double la = a, lb = b;
        const long double i = boost::math::ibeta(la, lb, static_cast<long double>(x));
        const long double j = boost::math::ibetac(la, lb, static_cast<long double>(x));
        const long double slope = boost::math::ibeta_derivative(la, lb, x) * x * (1 - x);
        INFO("a = " << a << ", b = " << b << ", x = " << x);
        if (i > 1e-300) CHECK(std::fabs(t.lower - i) / i <= 1e-14 * (8 + slope / i));
        if (j > 1e-300) CHECK(std::fabs(t.upper - j) / j <= 1e-14 * (8 + slope / j));
      }
}

TEST_CASE("quantiles match closed forms", "[special]") {
  for (const double p : probabilities()) {
    const double q = 1 - p;
    const double exponential = p <= q ? -std::log1p(-p) : -std::log(q);
    CHECK(sf::gamma_quantile(1, p, q) == Approx(exponential).epsilon(1e-14));
    CHECK(sf::beta_quantile(1, 1, p, q).x == Approx(p).epsilon(4e-15));
    // Beta(a, 1): x = p^(1/a), kappa = 1/a (see the top); Beta(1, b): y = q^(1/b), from q's own
    // digits in the upper tail.
    for (const double a : {0.01, 0.5, 3.0, 250.0}) {
      const double tolerance = 2e-14 * std::max(1.0, 1 / a);
      CHECK(sf::beta_quantile(a, 1, p, q).x == Approx(std::pow(p, 1 / a)).epsilon(tolerance));
      CHECK(sf::beta_quantile(1, a, p, q).y == Approx(std::pow(q, 1 / a)).epsilon(tolerance));
    }
    // Student's t with nu = 1 is Cauchy: tan(pi (u - 1/2)) = -1 / tan(pi u), written so that
    // the reference keeps its digits in both tails; with nu = 2, (2u - 1) / sqrt(2 u (1 - u)).
    const double pi = 3.14159265358979323846;
    const double cauchy_reference = p < 0.5 ? -1 / std::tan(pi * p) : 1 / std::tan(pi * q);
    const odesynth::dist::student_t cauchy{1};
    CHECK(cauchy.quantile(p) == Approx(cauchy_reference).epsilon(1e-13).margin(1e-15));
    const odesynth::dist::student_t two{2};
    CHECK(two.quantile(p) == Approx((2 * p - 1) / std::sqrt(2 * p * q)).epsilon(1e-13));
  }
  CHECK(sf::gamma_quantile(2.5, 0, 1) == 0);
  CHECK(sf::gamma_quantile(2.5, 1, 0) == std::numeric_limits<double>::infinity());
  CHECK(sf::beta_quantile(2.5, 0.5, 0, 1).x == 0);
  CHECK(sf::beta_quantile(2.5, 0.5, 1, 0).x == 1);
}

TEST_CASE("beta quantiles with one shape far above the other follow the gamma limit", "[special]") {
  // Against Boost.Math in long double where the limit is taken (l / s >= 2^20); before it, the
  // continued fraction was off by up to 1.6e-10 here (s = 1000, l = 1e10, p = 0.9) and took a
  // second per quantile at l = 1e300.
  for (const double s : {0.5, 2.0, 10.0, 1000.0})
    for (const double l : {1e10, 1e13, 1e16})
      for (const double p : {1e-10, 0.3, 0.5, 0.9, 1 - 1e-10}) {
        const double q = 1 - p;
        INFO("s = " << s << ", l = " << l << ", p = " << p);
        const sf::unit_point x = sf::beta_quantile(s, l, p, q);
        const long double ref = boost::math::ibeta_inv(
            static_cast<long double>(s), static_cast<long double>(l), static_cast<long double>(p));
        CHECK(x.x == Approx(static_cast<double>(ref)).epsilon(1e-13));
        CHECK(std::fabs(x.x + x.y - 1) <= 0x1.0p-52);
        // I_x(s, l) = 1 - I_(1-x)(l, s): the same point from the other side.
        const sf::unit_point mirrored = sf::beta_quantile(l, s, q, p);
        CHECK(mirrored.y == x.x);
        CHECK(mirrored.x == x.y);
      }
  // Shapes of 1e300: the limit is exact, the Gamma(s) quantile over l (these came out as 0.5
  // or 1 before, after a second of iterations each).
  for (const double p : {1e-10, 0.5, 1 - 1e-10}) {
    INFO("p = " << p);
    const double g =
        static_cast<double>(boost::math::gamma_p_inv(3.0L, static_cast<long double>(p)));
    CHECK(sf::beta_quantile(3, 1e300, p, 1 - p).x == Approx(g / 1e300).epsilon(1e-14));
    CHECK(sf::beta_quantile(1e300, 3, 1 - p, p).y == Approx(g / 1e300).epsilon(1e-14));
  }
  // Both shapes huge: the mean, with y from its own digits.
  const sf::unit_point mass = sf::beta_quantile(1e200, 3e200, 0.3, 0.7);
  CHECK(mass.x == Approx(0.25).epsilon(1e-15));
  CHECK(mass.y == Approx(0.75).epsilon(1e-15));
  const sf::unit_point skewed = sf::beta_quantile(1e40, 1e40 * 1e7, 1e-10, 1 - 1e-10);
  CHECK(skewed.x == Approx(1 / (1 + 1e7)).epsilon(1e-15));
  CHECK(skewed.y == Approx(1e7 / (1 + 1e7)).epsilon(1e-15));
}

TEST_CASE("beta quantiles with two large shapes follow the normal limit", "[special]") {
  // Medians against Kerman's closed form (a - 1/3) / (a + b - 2/3) (Electronic Journal of
  // Statistics 5, 2011), which tends to the median as both shapes grow: these agree with it to
  // 7e-16 at the shapes below; the continued fraction put Beta(1e8, 1e8)'s median 6.6e-12 away
  // from 1/2 and Beta(1e15, 1e15)'s 1.5e-7 away. The pairs cover the Cornish-Fisher range
  // (within 2^20) and, for comparison, the gamma limit (1e12 and 1e20).
  const std::pair<double, double> shapes[] = {{1e8, 1e8},   {1e8, 3e8},   {1e9, 1e12},
                                              {1e12, 1e15}, {1e15, 1e15}, {1e15, 1e20},
                                              {1e12, 1e20}, {3e20, 1e21}};
  for (const auto& [a, b] : shapes) {
    INFO("a = " << a << ", b = " << b);
    const long double la = a, lb = b;
    const long double kerman = (la - 1.0L / 3) / (la + lb - 2.0L / 3);
    const sf::unit_point median = sf::beta_quantile(a, b, 0.5, 0.5);
    CHECK(median.x == Approx(static_cast<double>(kerman)).epsilon(1e-14));
    CHECK(median.y == Approx(static_cast<double>(1 - kerman)).epsilon(1e-14));
    // Far tails: the two sides of Beta(a, b) and Beta(b, a) are mirror images.
    for (const double p : {1e-20, 1e-10, 0.3}) {
      const sf::unit_point low = sf::beta_quantile(a, b, p, 1 - p);
      const sf::unit_point high = sf::beta_quantile(b, a, 1 - p, p);
      CHECK(low.x == Approx(high.y).epsilon(1e-15));
      CHECK(low.x < median.x);
    }
  }
  // Boost.Math in long double where its own inverse still keeps its digits (at 1e12 and 1e15 it
  // drifts by 3e-14 and 8e-14).
  for (const double p : {1e-10, 0.1, 0.5, 0.9, 1 - 1e-10}) {
    INFO("p = " << p);
    const long double ref = boost::math::ibeta_inv(1e8L, 3e8L, static_cast<long double>(p));
    CHECK(sf::beta_quantile(1e8, 3e8, p, 1 - p).x ==
          Approx(static_cast<double>(ref)).epsilon(1e-14));
  }
  // No jump where the method changes (min(a, b) = 1e8): the general method just below agrees.
  for (const double p : {1e-10, 0.1, 0.5, 0.9}) {
    INFO("p = " << p);
    const double below = sf::beta_quantile(1e8 * (1 - 1e-15), 3e8, p, 1 - p).x;
    const double at = sf::beta_quantile(1e8, 3e8, p, 1 - p).x;
    CHECK(at == Approx(below).epsilon(1e-12));
  }
}

TEST_CASE("quantiles are never NaN for extreme valid shapes", "[special]") {
  const double shapes[] = {1e-300, 1e-12, 1e-6, 1e6, 1e12, 1e300};
  const double ps[] = {0x1.0p-53, 0.5, 1 - 0x1.0p-53};
  for (const double a : shapes)
    for (const double p : ps) {
      INFO("a = " << a << ", p = " << p);
      const double x = sf::gamma_quantile(a, p, 1 - p);
      CHECK(x >= 0);
      CHECK(x < std::numeric_limits<double>::infinity());
      for (const double b : {1e-300, 0.5, 1e3, 1e300}) {
        INFO("b = " << b);
        const sf::unit_point y = sf::beta_quantile(a, b, p, 1 - p);
        CHECK((y.x >= 0 && y.x <= 1));
        CHECK((y.y >= 0 && y.y <= 1));
      }
    }
}

TEST_CASE("log_gamma matches std lgamma", "[special]") {
  // std::lgamma is fine single-threaded (it writes the global signgam); log_gamma must not.
  for (const double x :
       {1e-300, 1e-10, 0.1, 0.5, 0.999, 1.0, 1.5, 2.0, 3.3, 9.99, 10.0, 17.5, 1e3, 1e8, 1e300}) {
    INFO("x = " << x);
    CHECK(sf::log_gamma(x) == Approx(std::lgamma(x)).epsilon(2e-15).margin(2e-16));
  }
  // log Gamma(1 + a) near a = 0 against its series -gamma a + zeta(2) a^2 / 2 - zeta(3) a^3 / 3
  // (std::lgamma(1 + a) rounds 1 + a first, so it is no reference there).
  for (const double a : {1e-8, 1e-5}) {  // the next term, zeta(4) a^4 / 4, is below 1e-15
    INFO("a = " << a);
    const double series = a * (-0.57721566490153286 + a * (0.82246703342411322 - a * 0.40068563));
    CHECK(sf::log_gamma1p(a) == Approx(series).epsilon(1e-14));
  }
  // mpmath loggamma at 30 digits
  CHECK(sf::log_gamma1p(1e-3) == Approx(-0.00057639359828336954163).epsilon(1e-14));
  CHECK(sf::log_gamma1p(0.05) == Approx(-0.02685307250226016808).epsilon(1e-14));
  for (const double a : {0.1, 0.19, 0.21, 0.7}) {
    INFO("a = " << a);
    CHECK(sf::log_gamma1p(a) == Approx(std::lgamma(1 + a)).epsilon(1e-14));
  }
}
