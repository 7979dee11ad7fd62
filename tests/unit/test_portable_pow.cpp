// detail::portable_pow and the step adjuster built on it: accuracy against std::pow, the
// special values, frozen bits (the point of the function: every machine and compiler must
// compute these exact doubles), and steps next to Boost.Odeint's default adjuster.
#include <boost/numeric/odeint/integrate/integrate_times.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <odesynth/detail/portable_pow.hpp>
#include <odesynth/detail/step_adjuster.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/solve.hpp>
#include <vector>

using odesynth::detail::portable_pow;

namespace {

/// Uniform in [0, 1) from a fixed 64-bit LCG (Knuth's MMIX constants): the inputs must not
/// depend on the standard library.
struct ppow_inputs {
  std::uint64_t state = 2026;
  double next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  }
};

}  // namespace

TEST_CASE("portable_pow is within 2e-13 of std::pow over its domain", "[portable_pow]") {
  // Error budget: the two truncated series contribute below 4.1e-14, about twenty roundings
  // 2.2e-15, and t = y log2(x) carries an absolute rounding of about |t| 1.1e-16, which becomes
  // a relative error of ln 2 |t| 1.1e-16 <= 8.5e-14 for |t| <= 1075; std::pow adds at most one
  // ulp. 2e-13 bounds the sum with room; a wrong coefficient or a dropped term fails it by
  // orders of magnitude (the first term left out of either series is above 1e-12). Measured:
  // 7.8e-14.
  ppow_inputs u;
  const double exponents[] = {-1.0 / 3, -1.0 / 5, -1.0 / 6, -1.0 / 8, 1.0 / 5, 1.0 / 6,
                              1.0 / 9,  0.25,     0.5,      -1.0,     1.0,     -0.7};
  double worst = 0;
  for (const double y : exponents) {
    for (int i = 0; i < 20000; ++i) {
      double x;
      switch (i % 4) {
        case 0: x = std::ldexp(1.0 + u.next(), static_cast<int>(u.next() * 2000) - 1000); break;
        case 1: x = 0x1.0p-24 + u.next() * 0.5; break;    // the increase branch's errors
        case 2: x = 1 + u.next() * 1e6; break;            // the decrease branch's errors
        default: x = 1 + (u.next() - 0.5) * 1e-6; break;  // near 1: s tiny
      }
      const double exact = std::pow(x, y);
      worst = std::max(worst, std::fabs(portable_pow(x, y) - exact) / exact);
    }
  }
  CHECK(worst < 2e-13);
}

TEST_CASE("portable_pow's special values follow std::pow", "[portable_pow]") {
  const double inf = std::numeric_limits<double>::infinity();
  CHECK(portable_pow(0.0, -0.2) == inf);
  CHECK(portable_pow(0.0, 0.2) == 0.0);
  CHECK(portable_pow(inf, -1.0 / 3) == 0.0);
  CHECK(portable_pow(inf, 0.25) == inf);
  CHECK(portable_pow(0.0, 0.0) == 1.0);
  CHECK(portable_pow(inf, 0.0) == 1.0);
  CHECK(portable_pow(3.0, 0.0) == 1.0);
  CHECK(portable_pow(1.0, -0.2) == 1.0);
  CHECK(std::isnan(portable_pow(std::nan(""), 0.5)));
  CHECK(std::isnan(portable_pow(2.0, std::nan(""))));
  // Subnormal arguments and results keep their magnitude.
  CHECK(portable_pow(0x1.0p-1074, 0.5) == 0x1.0p-537);
  CHECK(portable_pow(0x1.0p-1000, 1.0) == Approx(0x1.0p-1000).epsilon(1e-13));
  CHECK(portable_pow(0x1.0p+1000, -1.0) == Approx(0x1.0p-1000).epsilon(1e-13));
}

TEST_CASE("portable_pow gives these bits on every machine and compiler", "[portable_pow]") {
  // Frozen from g++ 12 -O2 and clang++ 14 -O0 on x86-64 (identical): a platform that rounds
  // one operation differently (a fused multiply-add, an x87 intermediate) fails here, before
  // its datasets silently differ from everyone else's.
  struct ppow_case {
    double x, y, bits;
  };
  const ppow_case cases[] = {
      {0x1.4f8b588e368f1p-12, -0x1.999999999999ap-3, 0x1.4p+2},
      {0x1.f9add3739635fp-4, -0x1.5555555555555p-2, 0x1.010fefda48a0ep+1},
      {0x1.fffd60e94ee39p-2, -0x1.5555555555555p-3, 0x1.1f59eb0278549p+0},
      {0x1.000001ad7f29bp+0, -0x1p-3, 0x1.ffffff94a036p-1},
      {0x1.4p+1, 0x1.5555555555555p-3, 0x1.2a3cfc0d0aa51p+0},
      {0x1.e848p+19, 0x1p-2, 0x1.f9f6e4990f227p+4},
      {0x1.61984ca9a0663p+998, -0x1.5555555555555p-2, 0x1.219e9dfd446bbp-333},
      {0x0.0000000000001p-1022, 0x1p-1, 0x1p-537},
      {0x0.012688b70e62bp-1022, 0x1.c71c71c71c71cp-4, 0x1.7e28e9e099b2ep-115},
      {0x1.6666666666666p-1, -0x1p+0, 0x1.6db6db6db6dcp+0},
  };
  for (const ppow_case& c : cases) {
    INFO("x = " << c.x << ", y = " << c.y);
    CHECK(portable_pow(c.x, c.y) == c.bits);
  }
}

TEST_CASE("portable_pow in lanes is the double overload's bit for bit", "[portable_pow][lanes]") {
  // batch_solver's steps equal the scalar solver's only if this holds in every lane,
  // including lanes next to a special value (which send the whole call the scalar way).
  ppow_inputs u;
  const double inf = std::numeric_limits<double>::infinity();
  const auto same_bits = [](double a, double b) {
    std::uint64_t x, y;
    std::memcpy(&x, &a, sizeof x);
    std::memcpy(&y, &b, sizeof y);
    return x == y;
  };
  int mismatches = 0;
  for (int i = 0; i < 20000; ++i) {
    odesynth::lanes<4> x, y;
    for (std::size_t l = 0; l < 4; ++l) {
      x.v[l] = std::ldexp(1.0 + u.next(), static_cast<int>(u.next() * 2100) - 1050);
      y.v[l] = 2 * u.next() - 1;
      if (i % 31 == 0 && l == 1) x.v[l] = 0;
      if (i % 37 == 0 && l == 2) x.v[l] = inf;
      if (i % 41 == 0 && l == 3) y.v[l] = 0;
      if (i % 43 == 0 && l == 0) x.v[l] = 0x1.0p-1060;  // subnormal
      if (i % 47 == 0 && l == 1) x.v[l] = std::numeric_limits<double>::quiet_NaN();
      if (i % 53 == 0 && l == 2) y.v[l] = std::numeric_limits<double>::quiet_NaN();
      if (i % 59 == 0 && l == 3) x.v[l] = -2.5;  // outside the domain: the scalar's answer
    }
    const odesynth::lanes<4> r4 = portable_pow(x, y);
    odesynth::lanes<2> x2, y2;
    x2.v[0] = x.v[2];
    x2.v[1] = x.v[3];
    y2.v[0] = y.v[2];
    y2.v[1] = y.v[3];
    const odesynth::lanes<2> r2 = portable_pow(x2, y2);
    for (std::size_t l = 0; l < 4; ++l)
      if (!same_bits(r4.v[l], portable_pow(x.v[l], y.v[l]))) ++mismatches;
    for (std::size_t l = 0; l < 2; ++l)
      if (!same_bits(r2.v[l], portable_pow(x2.v[l], y2.v[l]))) ++mismatches;
  }
  CHECK(mismatches == 0);
}

TEST_CASE("the portable step adjuster takes Boost.Odeint's default steps to a rounding",
          "[portable_pow][odeint]") {
  // 200 Lotka-Volterra solves with parameters within +-10% (SimbaML's workload), rel_tol 1e-3
  // and 1e-6: odeint's dense-output dopri5 with its default adjuster (std::pow) and with
  // odesynth's. The formulas are the same, so a step count can only differ where a rounding
  // tips an accept/reject decision; measured: none of the 400 differ.
  namespace ode = boost::numeric::odeint;
  using state = std::array<double, 2>;
  using rk = ode::runge_kutta_dopri5<state>;
  using checker = ode::default_error_checker<double, rk::algebra_type, rk::operations_type>;
  using portable = odesynth::detail::portable_step_adjuster<double, double>;
  const auto grid = odesynth::time_grid::linspace(0, 50, 100);
  ppow_inputs u;
  int differing = 0, solves = 0;
  for (const double rel_tol : {1e-3, 1e-6}) {
    for (int i = 0; i < 200; ++i) {
      const std::array<double, 4> p{1.1 * (0.9 + 0.2 * u.next()), 0.4 * (0.9 + 0.2 * u.next()),
                                    0.4 * (0.9 + 0.2 * u.next()), 0.1 * (0.9 + 0.2 * u.next())};
      const auto rhs = [&p](const state& s, state& d, double t) {
        odesynth::models::lotka_volterra{}(s, d, t, p);
      };
      const auto ignore = [](const state&, double) {};
      state x{10, 10};
      auto by_default = ode::make_dense_output(1e-6, rel_tol, rk());
      const std::size_t default_steps = ode::integrate_times(
          by_default, rhs, x, grid.times().begin(), grid.times().end(), 1e-3, ignore);
      x = {10, 10};
      ode::dense_output_runge_kutta<ode::controlled_runge_kutta<rk, checker, portable>> ours(
          ode::controlled_runge_kutta<rk, checker, portable>(checker(1e-6, rel_tol)));
      const std::size_t portable_steps = ode::integrate_times(ours, rhs, x, grid.times().begin(),
                                                              grid.times().end(), 1e-3, ignore);
      ++solves;
      if (portable_steps != default_steps) ++differing;
      CHECK(std::abs(static_cast<long>(portable_steps) - static_cast<long>(default_steps)) <= 2);
    }
  }
  // A rounding tips a decision rarely: allow 2% of the solves.
  CHECK(differing <= solves / 50);
}
