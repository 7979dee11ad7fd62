// odesynth/standard_normal.hpp - standard normal draws from a random_stream, one at a time or
// in blocks, the same values either way.
//
// The method is the ziggurat of Marsaglia & Tsang ("The ziggurat method for generating random
// variables", J. Stat. Software 5(8), 2000) with 256 layers, as numpy's Generator uses it: one
// 64-bit word per normal (8 bits pick the layer, 1 the sign, 52 the position), accepted at
// once 98.8% of the time by one multiply and one comparison. It is exact: the rest goes
// through the wedge test against exp(-x^2 / 2) or, beyond r = 3.654, Marsaglia's exact tail
// method (1964), retrying until accepted. Tables: detail/ziggurat_tables.hpp, frozen bits.
//
// Every normal takes exactly one 64-bit word of the stream; the extra words a rejected one
// needs come from stream.substream(position of its word). So normal k of a stream is a
// function of k alone, which is what lets standard_normals() make a block of them with the
// random words drawn four Philox blocks at a time and the accept test on all of them before
// the rare slow ones, and still give the values of k calls of standard_normal().
//
// Portability: the fast path is integer work plus one exact conversion and one multiply, the
// same bits everywhere. The wedge and tail tests call std::exp and std::log: a libm that
// differs from glibc's in the last ulp changes a value only when a uniform lands within that
// ulp of the boundary (about 2^-52 per test, and 1.2% of draws test). The largest magnitude a
// draw can have is r + 36.74 / r = 13.71 (the tail's smallest uniform is 2^-53).
//
// (Before 0.2.0, standard_normal was the inverse CDF of one uniform, standard_normal_quantile
// in distributions.hpp, which the distributions' quantile-based draws still use.)
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include "detail/ziggurat_tables.hpp"
#include "random.hpp"

namespace odesynth {

namespace detail::ziggurat {

/// Layer (8 bits), sign (1 bit) and position (52 bits) of a word.
inline std::size_t layer_of(std::uint64_t w) noexcept { return static_cast<std::size_t>(w & 0xFF); }
inline std::uint64_t position_of(std::uint64_t w) noexcept { return w >> 12; }
inline double signed_value(std::uint64_t w, double magnitude) noexcept {
  // The sign bit set from bit 8 of w without a branch: a branch on a random bit mispredicts
  // half the time, which cost more than the rest of the fast path.
  std::uint64_t bits;
  std::memcpy(&bits, &magnitude, sizeof bits);
  bits ^= (w & 0x100) << 55;
  std::memcpy(&magnitude, &bits, sizeof bits);
  return magnitude;
}

/// The normal of word `w` when its fast test failed: the wedge or tail test, then new words
/// from `extra` until one is accepted.
inline double slow_path(std::uint64_t w, random_stream extra) noexcept {
  for (;;) {
    const std::size_t i = layer_of(w);
    const std::uint64_t u = position_of(w);
    const double x = static_cast<double>(static_cast<std::int64_t>(u)) * width[i];
    if (u < accept[i]) return signed_value(w, x);
    if (i == 0) {
      // Beyond r: x = r + a with density proportional to exp(-(r + a)^2 / 2), by
      // exponential proposals a = -ln(U1) / r accepted when -2 ln(U2) > a^2.
      for (;;) {
        const double a = -std::log(extra.uniform_open01()) * inverse_r;
        const double b = -std::log(extra.uniform_open01());
        if (b + b > a * a) return signed_value(w, r + a);
      }
    }
    // The wedge of layer i between heights f(x_i) and f(x_(i+1)).
    const double y = height[i] + extra.uniform01() * (height[i + 1] - height[i]);
    if (y < std::exp(-0.5 * x * x)) return signed_value(w, x);
    w = extra.next_u64();
  }
}

}  // namespace detail::ziggurat

/// A standard normal draw: one 64-bit word of `s` (see above).
inline double standard_normal(random_stream& s) noexcept {
  namespace z = detail::ziggurat;
  const std::uint64_t where = s.words_drawn();
  const std::uint64_t w = s.next_u64();
  const std::size_t i = z::layer_of(w);
  const std::uint64_t u = z::position_of(w);
  if (u < z::accept[i])
    return z::signed_value(w, static_cast<double>(static_cast<std::int64_t>(u)) * z::width[i]);
  return z::slow_path(w, s.substream(where));
}

/// out[0..n) = n calls of standard_normal(s), the same values, made in blocks: random words
/// four Philox blocks at a time, the fast test on a whole block, then the rare slow ones.
inline void standard_normals(random_stream& s, double* out, std::size_t n) noexcept {
  namespace z = detail::ziggurat;
  constexpr std::size_t block = 64;
  std::uint64_t words[block];
  while (n > 0) {
    const std::size_t m = n < block ? n : block;
    const std::uint64_t first = s.words_drawn();
    s.fill_u64(words, m);
    bool all_fast = true;
    for (std::size_t k = 0; k < m; ++k) {
      const std::uint64_t w = words[k];
      const std::size_t i = z::layer_of(w);
      const std::uint64_t u = z::position_of(w);
      out[k] = z::signed_value(w, static_cast<double>(static_cast<std::int64_t>(u)) * z::width[i]);
      all_fast &= u < z::accept[i];
    }
    if (!all_fast) {
      for (std::size_t k = 0; k < m; ++k) {
        const std::uint64_t w = words[k];
        if (z::position_of(w) >= z::accept[z::layer_of(w)])
          out[k] = z::slow_path(w, s.substream(first + 2 * k));
      }
    }
    out += m;
    n -= m;
  }
}

}  // namespace odesynth
