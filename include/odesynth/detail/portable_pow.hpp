// odesynth/detail/portable_pow.hpp - x^y with the same bits on every machine, for the step
// size controllers.
//
// A step controller scales its step by err^(-1/k); the initial step takes a root too. With
// std::pow the steps depend on the machine's math library: glibc 2.36 picks an FMA or an SSE2
// pow at run time, and the two round differently in 6 of 10,000 calls on the controllers'
// arguments (measured). A solve makes about a hundred calls, so about one trajectory in a
// hundred differed in its last bits between the two code paths (measured on the demo dataset),
// and a dataset generated on several machines was not the dataset one machine makes.
//
// portable_pow uses only +, -, *, / and bit operations on IEEE doubles, in a fixed order, so
// it gives the same bits on every IEEE-754 machine and compiler (as long as the build does not
// fuse multiply-adds, which would change every other step of a solve too). It is accurate to
// about 1e-13 relative: log2 from the atanh series, exp2 from the Taylor series, both
// truncated where the next term is below 4e-14. A controller's factor is a heuristic, so this
// changes no step count noticeably (tests/unit/test_portable_pow.cpp compares step counts
// with Boost.Odeint's default controller).
//
// Domain: x >= 0 or +inf, y finite with |y| <= 1 (roots and their inverses: |y log2 x| stays
// below 1075). portable_pow(0, y < 0) = inf, portable_pow(inf, y < 0) = 0, portable_pow(x, 0)
// = 1; NaN gives NaN.
//
// The overload for lanes<W> (lanes.hpp) computes W powers at once, each bit for bit the
// double overload's: the same arithmetic, written once as a template, with the exponent
// handled by integer operations on the bits that compilers vectorise as well (SSE2 has them
// all). A lane with a special value or a subnormal x sends the whole call through the double
// overload, lane by lane. Outside the domain the result is unspecified (never undefined
// behaviour).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "../lanes.hpp"
#include "config.hpp"

namespace odesynth::detail {

inline std::uint64_t pow_bits_of(double x) noexcept {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

inline double pow_double_of(std::uint64_t b) noexcept {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// The steps that need the bits, for double and for lanes. Each is exact.
// 1.5 * 2^52: adding it rounds a double below 2^51 in magnitude to an integer (to nearest
// even), and leaves that integer in the low bits of the sum.
inline constexpr double pow_round_shift = 6755399441055744.0;

/// x = m 2^e for a normal x > 0, m in [sqrt(1/2), sqrt(2)), e an integer: the bits of m and
/// of 2^52 + 1023 + e. Integer operations only, no branch, so that g++ vectorises it for lanes.
inline void pow_split_bits(std::uint64_t x_bits, std::uint64_t& m_bits,
                           std::uint64_t& e_bits) noexcept {
  constexpr std::uint64_t fraction_mask = 0x000FFFFFFFFFFFFFull;
  // sqrt(2) = 0x1.6A09E667F3BCDp+0: adding this carries into bit 52 exactly when x's fraction
  // is above sqrt(2)'s, i.e. when its significand is; then m is the significand halved.
  constexpr std::uint64_t above_sqrt2 = (fraction_mask + 1) - 1 - 0x6A09E667F3BCDull;
  const std::uint64_t fraction = x_bits & fraction_mask;
  const std::uint64_t upper = (fraction + above_sqrt2) >> 52;  // 0 or 1
  m_bits = fraction | ((0x3FFull - upper) << 52);
  e_bits = ((x_bits >> 52) + upper) | 0x4330000000000000ull;  // the double 2^52 + field + upper
}
/// e from pow_split_bits' e_bits (exact: integers below 2^53).
inline double pow_exponent_of(double e_field) noexcept { return e_field - 4503599627371519.0; }

/// 2^k for an integer-valued k in [-1022, 1023].
inline double pow_power_of_two(double k) noexcept {
  // bits(k + shift) - bits(shift) = k; 2^k's bits are (k + 1023) << 52.
  return pow_double_of((pow_bits_of(k + pow_round_shift) - pow_bits_of(pow_round_shift) + 1023)
                       << 52);
}

template <std::size_t W>
lanes<W> pow_power_of_two(const lanes<W>& k) noexcept {
  // Whole arrays through memcpy: g++ then vectorises the integer steps (lane by lane through
  // the double overload, it keeps the whole power scalar).
  double shifted[W];
  for (std::size_t i = 0; i < W; ++i) shifted[i] = k.v[i] + pow_round_shift;
  std::uint64_t bits[W];
  std::memcpy(bits, shifted, sizeof bits);
  const std::uint64_t shift_bits = pow_bits_of(pow_round_shift);
  for (std::size_t i = 0; i < W; ++i) bits[i] = (bits[i] - shift_bits + 1023) << 52;
  lanes<W> r;
  std::memcpy(r.v, bits, sizeof bits);
  return r;
}
/// m^y 2^(e y) for m in [sqrt(1/2), sqrt(2)) and an integer-valued e (Number: double or
/// lanes<W>): the part of portable_pow that rounds, shared by both overloads.
template <class Number>
Number pow_from_parts(const Number& m, const Number& e, const Number& y) noexcept {
  // ln m = 2 atanh(s) = 2 s (1 + z/3 + z^2/5 + ... + z^7/15), s = (m - 1) / (m + 1), z = s^2
  // <= 0.0295: the first term left out, z^8/17, is below 3.4e-14 of the sum.
  const Number s = (m - 1.0) / (m + 1.0);
  const Number z = s * s;
  const Number z2 = z * z;
  const Number z4 = z2 * z2;
  const Number series = ((1.0 + z * (1.0 / 3)) + z2 * (1.0 / 5 + z * (1.0 / 7))) +
                        z4 * ((1.0 / 9 + z * (1.0 / 11)) + z2 * (1.0 / 13 + z * (1.0 / 15)));
  constexpr double two_over_ln2 = 2.8853900817779268;        // 2 / ln 2
  const Number t = y * e + y * (two_over_ln2 * s * series);  // |t| < 1075 in the domain
  // 2^t = 2^k 2^f, k = t rounded to an integer, |f| <= 1/2; 2^f = exp(w), w = f ln 2,
  // |w| <= 0.347, by Taylor's series to w^11/11!: the next term is below 7e-15.
  const Number k = (t + pow_round_shift) - pow_round_shift;
  const Number w = (t - k) * 0.69314718055994531;  // ln 2
  const Number w2 = w * w;
  const Number w4 = w2 * w2;
  const Number w8 = w4 * w4;
  const Number exp_w =
      ((1.0 + w) + w2 * (1.0 / 2 + w * (1.0 / 6))) +
      w4 * ((1.0 / 24 + w * (1.0 / 120)) + w2 * (1.0 / 720 + w * (1.0 / 5040))) +
      w8 * ((1.0 / 40320 + w * (1.0 / 362880)) + w2 * (1.0 / 3628800 + w * (1.0 / 39916800)));
  // 2^k in two normal factors (|k| <= 1075), so that a subnormal result is rounded once, by
  // the last product.
  const Number k1 = (k * 0.5 + pow_round_shift) - pow_round_shift;
  return exp_w * pow_power_of_two(k1) * pow_power_of_two(k - k1);
}

/// Whether portable_pow(x, y) is a special value rather than pow_from_parts'.
inline bool portable_pow_special(double x, double y) noexcept {
  return !(x > 0) || !(x <= 1.7976931348623157e308) || !(y == y) || y == 0;
}

/// x^y for x in [0, inf], |y| <= 1; the same bits on every IEEE-754 machine.
inline double portable_pow(double x, double y) noexcept {
  if (portable_pow_special(x, y)) {
    if (x != x || y != y) return x + y;        // NaN
    if (y == 0) return 1.0;                    // as std::pow, even for 0 and inf
    if (x == 0) return y < 0 ? 1.0 / x : 0.0;  // 1 / +0 = inf
    return y < 0 ? 0.0 : x;                    // +inf (x < 0 is outside the domain)
  }
  // x = m 2^e, m in [sqrt(1/2), sqrt(2)): exact (a subnormal x is scaled by 2^54 first).
  double scale = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984.0;
    scale = 54;
  }
  std::uint64_t m_bits, e_bits;
  pow_split_bits(pow_bits_of(x), m_bits, e_bits);
  const double m = pow_double_of(m_bits);
  const double e = pow_exponent_of(pow_double_of(e_bits)) - scale;
  return pow_from_parts(m, e, y);
}

/// The lanes overload's rare path, kept out of line: a caller flattened for speed
/// (ODESYNTH_FLATTEN, batch_solver's trial step) would otherwise inline W copies of the double
/// overload.
template <std::size_t W>
ODESYNTH_NOINLINE lanes<W> portable_pow_lane_by_lane(const lanes<W>& x,
                                                     const lanes<W>& y) noexcept {
  lanes<W> r;
  for (std::size_t i = 0; i < W; ++i) r.v[i] = portable_pow(x.v[i], y.v[i]);
  return r;
}

/// W powers at once: lane i is portable_pow(x[i], y[i]), bit for bit.
template <std::size_t W>
lanes<W> portable_pow(const lanes<W>& x, const lanes<W>& y) noexcept {
  // A special value or a subnormal x in any lane: every lane through the double overload
  // (rare: a step controller meets them only after a non-finite error estimate).
  // The test is portable_pow_special's, or a subnormal x, written with | on each lane's
  // comparisons and summed: g++ makes that SIMD compares, where || made a branch per lane.
  lanes<W> special;
  for (std::size_t i = 0; i < W; ++i)
    special.v[i] = ((x.v[i] < 2.2250738585072014e-308) | (x.v[i] > 1.7976931348623157e308) |
                    (x.v[i] != x.v[i]) | (y.v[i] != y.v[i]) | (y.v[i] == 0))
                       ? 1.0
                       : 0.0;
  double specials = 0;
  for (std::size_t i = 0; i < W; ++i) specials += special.v[i];
  if (specials != 0) return portable_pow_lane_by_lane(x, y);
  // The double overload's split, on whole arrays through memcpy so that g++ vectorises it.
  std::uint64_t x_bits[W], m_bits[W], e_bits[W];
  std::memcpy(x_bits, x.v, sizeof x_bits);
  for (std::size_t i = 0; i < W; ++i) pow_split_bits(x_bits[i], m_bits[i], e_bits[i]);
  lanes<W> m, e;
  std::memcpy(m.v, m_bits, sizeof m_bits);
  std::memcpy(e.v, e_bits, sizeof e_bits);
  for (std::size_t i = 0; i < W; ++i) e.v[i] = pow_exponent_of(e.v[i]);
  return pow_from_parts(m, e, y);
}

}  // namespace odesynth::detail
