// odesynth/detail/lane_chunks.hpp - batch_solver's per-lane decisions in explicit SIMD.
//
// batch_solver's trial step decides per lane: accept or reject, the next step size, whether a
// row or a rare event is due. Written as loops over lanes, g++ 12 turns some of those loops
// into SIMD compares and blends and leaves others scalar with a branch per lane ("control flow
// in loop"), whichever way they are phrased. lane_chunks walks the W lanes in chunks with
// GCC/Clang vector types: four doubles when the build enables AVX and W is a multiple of four,
// else two - SSE2 on x86-64, NEON on AArch64, and the size the x86-64 ABI passes in a register
// without AVX (wider vector types trip -Wpsabi there) - or one lane at a time, as double and
// bool, when W is odd or the compiler has no vector types (ODESYNTH_NO_VECTOR_EXTENSIONS forces
// that, for tests). All compute each lane with the same IEEE operations as the double code they
// replace, so results are bit for bit the same.
//
//   using ops = lane_chunks<W>;
//   for (std::size_t c = 0; c < W; c += ops::width) {
//     const ops::real t = ops::load(t_.v + c), h = ops::load(dt_.v + c);
//     const ops::mask late = t + h > stop;
//     ops::store(dt_.v + c, ops::select(late, stop - t, h));
//   }
#pragma once

#include <cmath>
#include <cstddef>
#include <cstring>
#include <type_traits>

namespace odesynth::detail {

/// One lane per chunk: double and bool.
template <std::size_t W, class = void>
struct lane_chunks {
  static constexpr std::size_t width = 1;
  using real = double;
  using mask = bool;

  static real load(const double* p) noexcept { return *p; }
  static void store(double* p, real r) noexcept { *p = r; }
  static real splat(double s) noexcept { return s; }
  static real select(mask m, real a, real b) noexcept { return m ? a : b; }
  static mask both(mask a, mask b) noexcept { return a & b; }
  static mask either(mask a, mask b) noexcept { return a | b; }
  static mask negate(mask a) noexcept { return !a; }
  static bool any(mask m) noexcept { return m; }
  static real abs(real a) noexcept { return std::fabs(a); }
  /// 1 where m holds, else 0: how batch_solver keeps a mask in a lanes<W>.
  static real ones(mask m) noexcept { return m ? 1.0 : 0.0; }
  /// Lane k of the chunk (k < width).
  static double get(real r, std::size_t /*k*/) noexcept { return r; }
  static bool test(mask m, std::size_t /*k*/) noexcept { return m; }
  /// The chunk whose lane k is f(first + k), built in registers (no store and reload).
  template <class F>
  static real generate(std::size_t first, F f) noexcept {
    return f(first);
  }
};

#if defined(__GNUC__) && !defined(ODESYNTH_NO_VECTOR_EXTENSIONS)  // GCC and Clang
typedef double simd_double_pair __attribute__((vector_size(16)));
// What a comparison of two pairs gives (a 64-bit integer pair: all bits set where true).
using simd_mask_pair = decltype(simd_double_pair{} < simd_double_pair{});

/// N lanes per chunk (N = 2, or 4 where AVX is enabled): Real is a GCC/Clang vector of N
/// doubles, Mask what comparing two gives (all bits set or clear in each lane).
template <std::size_t N, class Real, class Mask>
struct simd_lane_chunks {
  static constexpr std::size_t width = N;
  using real = Real;
  using mask = Mask;

  static real load(const double* p) noexcept {
    real r;
    std::memcpy(&r, p, sizeof r);
    return r;
  }
  static void store(double* p, real r) noexcept { std::memcpy(p, &r, sizeof r); }
  static real splat(double s) noexcept {
    return generate(0, [s](std::size_t) { return s; });
  }
  /// a where m is set, b elsewhere, bit for bit (NaNs and signed zeros kept): the compiler
  /// picks the instructions (SSE2: and, andnot, or; maxpd for a > b ? a : b).
  static real select(mask m, real a, real b) noexcept { return m ? a : b; }
  static mask both(mask a, mask b) noexcept { return a & b; }
  static mask either(mask a, mask b) noexcept { return a | b; }
  static mask negate(mask a) noexcept { return ~a; }
  static bool any(mask m) noexcept {
    if constexpr (N == 2) {
      return (m[0] | m[1]) != 0;
    } else {
      return ((m[0] | m[1]) | (m[2] | m[3])) != 0;
    }
  }
  /// The sign bit cleared, as std::fabs does.
  static real abs(real a) noexcept {
    const mask magnitude = mask{} + 0x7fffffffffffffff;
    return (real)((mask)a & magnitude);
  }
  static real ones(mask m) noexcept { return (real)(m & (mask)splat(1.0)); }
  static double get(real r, std::size_t k) noexcept { return r[k]; }
  static bool test(mask m, std::size_t k) noexcept { return m[k] != 0; }
  template <class F>
  static real generate(std::size_t first, F f) noexcept {
    if constexpr (N == 2) {
      return real{f(first), f(first + 1)};
    } else {
      return real{f(first), f(first + 1), f(first + 2), f(first + 3)};
    }
  }
};

using simd_pair_chunks = simd_lane_chunks<2, simd_double_pair, simd_mask_pair>;

#if defined(__AVX__)
// Four lanes per chunk where the build enables AVX (-mavx, -march=x86-64-v3, ...): then the
// 32-byte vector types pass in registers and -Wpsabi has nothing to say.
typedef double simd_double_quad __attribute__((vector_size(32)));
using simd_mask_quad = decltype(simd_double_quad{} < simd_double_quad{});
template <std::size_t W>
struct lane_chunks<W, std::enable_if_t<W % 4 == 0>>
    : simd_lane_chunks<4, simd_double_quad, simd_mask_quad> {};
template <std::size_t W>
struct lane_chunks<W, std::enable_if_t<W % 2 == 0 && W % 4 != 0>> : simd_pair_chunks {};
#else
template <std::size_t W>
struct lane_chunks<W, std::enable_if_t<W % 2 == 0>> : simd_pair_chunks {};
#endif
#endif

}  // namespace odesynth::detail
