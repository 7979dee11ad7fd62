// odesynth/random.hpp - counter-based random streams: the only source of randomness in
// odesynth.
//
// A stream is identified by (seed, index, purpose): trajectory `index` of a dataset with
// `seed`, used for one `purpose` (parameter sampling, measurement noise, process noise, ...).
// Its values are Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel random numbers: as
// easy as 1, 2, 3", SC'11) of the counter (draw number, index) under a key hashed from
// (seed, purpose). Nothing is shared between streams, so trajectory i's randomness does not
// depend on how many trajectories are generated, in what order, or on how many threads.
//
// Everything here is integer arithmetic and exact conversions, so the bits are the same with
// every compiler and standard library (std:: engines are portable but std:: distributions
// are not; see distributions.hpp for the distributions).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>

#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif
// AVX2 where the compiler can target it per function (GCC, Clang on x86-64): chosen at run
// time when the program was not built for AVX2 (-mavx2, -march=native) itself.
#if (defined(__GNUC__) || defined(__clang__)) && defined(__x86_64__)
#define ODESYNTH_DETAIL_PHILOX_AVX2 1
#include <immintrin.h>
#endif

#include "detail/enum_names.hpp"

namespace odesynth {

/// The Philox4x32-10 block function: 128-bit counter and 64-bit key to 128 random bits.
struct philox4x32 {
  using counter_type = std::array<std::uint32_t, 4>;
  using key_type = std::array<std::uint32_t, 2>;

  static constexpr counter_type generate(counter_type c, key_type k) noexcept {
    for (int round = 0; round < 10; ++round) {
      if (round > 0) {
        k[0] += 0x9E3779B9u;  // Weyl sequence: golden ratio and sqrt(3) - 1, times 2^32
        k[1] += 0xBB67AE85u;
      }
      const std::uint64_t p0 = std::uint64_t{0xD2511F53u} * c[0];
      const std::uint64_t p1 = std::uint64_t{0xCD9E8D57u} * c[2];
      c = counter_type{
          static_cast<std::uint32_t>(p1 >> 32) ^ c[1] ^ k[0], static_cast<std::uint32_t>(p1),
          static_cast<std::uint32_t>(p0 >> 32) ^ c[3] ^ k[1], static_cast<std::uint32_t>(p0)};
    }
    return c;
  }

  /// generate() for the four counters {block + j, block_high, c2, c3}, j = 0..3, written as
  /// eight 64-bit words {c[0] << 32 | c[1], c[2] << 32 | c[3]} per block, in block order.
  /// Integer arithmetic only: with SSE2 (every x86-64) the four blocks run in the lanes of
  /// 128-bit registers and give the bits of the scalar loop exactly. `block` must not wrap within
  /// the four (random_stream keeps it a multiple of four below 2^32 wraps; it is the caller's to
  /// check).
  static void generate4(std::uint32_t block, std::uint32_t block_high, std::uint32_t c2,
                        std::uint32_t c3, key_type k, std::uint64_t* out) noexcept;

  /// The same for eight blocks (16 words) and sixteen (32 words): AVX2's eight lanes where the
  /// processor has them (checked once, at run time, unless the build targets AVX2), else
  /// generate4 calls.
  static void generate8(std::uint32_t block, std::uint32_t block_high, std::uint32_t c2,
                        std::uint32_t c3, key_type k, std::uint64_t* out) noexcept;
  static void generate16(std::uint32_t block, std::uint32_t block_high, std::uint32_t c2,
                         std::uint32_t c3, key_type k, std::uint64_t* out) noexcept;
};

#if defined(ODESYNTH_DETAIL_PHILOX_AVX2)
namespace detail {

/// 8 G blocks in G groups of eight 32-bit lanes of 256-bit registers (see generate4 for the
/// scheme), from block `block` on. The groups' rounds are interleaved: one group's chain of
/// multiplies is latency-bound, two keep the multiplier busy.
template <int G>
__attribute__((target("avx2"))) inline void philox_avx2(std::uint32_t block,
                                                        std::uint32_t block_high, std::uint32_t c2,
                                                        std::uint32_t c3, philox4x32::key_type k,
                                                        std::uint64_t* out) noexcept {
  const __m256i lanes_low = _mm256_set1_epi64x(0xFFFFFFFF);
  const __m256i m0 = _mm256_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m256i m1 = _mm256_set1_epi32(static_cast<int>(0xCD9E8D57u));
  __m256i x0[G], x1[G], x2[G], x3[G];
  for (int g = 0; g < G; ++g) {
    x0[g] =
        _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(block + 8u * static_cast<unsigned>(g))),
                         _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    x1[g] = _mm256_set1_epi32(static_cast<int>(block_high));
    x2[g] = _mm256_set1_epi32(static_cast<int>(c2));
    x3[g] = _mm256_set1_epi32(static_cast<int>(c3));
  }
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    const __m256i k0 = _mm256_set1_epi32(static_cast<int>(k[0]));
    const __m256i k1 = _mm256_set1_epi32(static_cast<int>(k[1]));
    for (int g = 0; g < G; ++g) {
      const __m256i e0 = _mm256_mul_epu32(x0[g], m0);
      const __m256i o0 = _mm256_mul_epu32(_mm256_srli_epi64(x0[g], 32), m0);
      const __m256i e1 = _mm256_mul_epu32(x2[g], m1);
      const __m256i o1 = _mm256_mul_epu32(_mm256_srli_epi64(x2[g], 32), m1);
      const __m256i lo0 =
          _mm256_or_si256(_mm256_and_si256(e0, lanes_low), _mm256_slli_epi64(o0, 32));
      const __m256i hi0 =
          _mm256_or_si256(_mm256_srli_epi64(e0, 32), _mm256_andnot_si256(lanes_low, o0));
      const __m256i lo1 =
          _mm256_or_si256(_mm256_and_si256(e1, lanes_low), _mm256_slli_epi64(o1, 32));
      const __m256i hi1 =
          _mm256_or_si256(_mm256_srli_epi64(e1, 32), _mm256_andnot_si256(lanes_low, o1));
      x0[g] = _mm256_xor_si256(_mm256_xor_si256(hi1, x1[g]), k0);
      x1[g] = lo1;
      x2[g] = _mm256_xor_si256(_mm256_xor_si256(hi0, x3[g]), k1);
      x3[g] = lo0;
    }
  }
  // Within each 128-bit half as in generate4: r0 = blocks {0 | 4}, r1 = {1 | 5}, r2 = {2 | 6},
  // r3 = {3 | 7}; then the halves are paired into block order.
  for (int g = 0; g < G; ++g) {
    const __m256i a_lo = _mm256_unpacklo_epi32(x1[g], x0[g]);
    const __m256i a_hi = _mm256_unpackhi_epi32(x1[g], x0[g]);
    const __m256i b_lo = _mm256_unpacklo_epi32(x3[g], x2[g]);
    const __m256i b_hi = _mm256_unpackhi_epi32(x3[g], x2[g]);
    const __m256i r0 = _mm256_unpacklo_epi64(a_lo, b_lo), r1 = _mm256_unpackhi_epi64(a_lo, b_lo);
    const __m256i r2 = _mm256_unpacklo_epi64(a_hi, b_hi), r3 = _mm256_unpackhi_epi64(a_hi, b_hi);
    auto* o = reinterpret_cast<__m256i*>(out + 16 * g);
    _mm256_storeu_si256(o + 0, _mm256_permute2x128_si256(r0, r1, 0x20));  // blocks 0, 1
    _mm256_storeu_si256(o + 1, _mm256_permute2x128_si256(r2, r3, 0x20));  // blocks 2, 3
    _mm256_storeu_si256(o + 2, _mm256_permute2x128_si256(r0, r1, 0x31));  // blocks 4, 5
    _mm256_storeu_si256(o + 3, _mm256_permute2x128_si256(r2, r3, 0x31));  // blocks 6, 7
  }
}

inline bool has_avx2() noexcept {
#if defined(__AVX2__)
  return true;
#else
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
#endif
}

}  // namespace detail
#endif

inline void philox4x32::generate8(std::uint32_t block, std::uint32_t block_high, std::uint32_t c2,
                                  std::uint32_t c3, key_type k, std::uint64_t* out) noexcept {
#if defined(ODESYNTH_DETAIL_PHILOX_AVX2)
  if (detail::has_avx2()) return detail::philox_avx2<1>(block, block_high, c2, c3, k, out);
#endif
  generate4(block, block_high, c2, c3, k, out);
  generate4(block + 4, block_high, c2, c3, k, out + 8);
}

inline void philox4x32::generate16(std::uint32_t block, std::uint32_t block_high, std::uint32_t c2,
                                   std::uint32_t c3, key_type k, std::uint64_t* out) noexcept {
#if defined(ODESYNTH_DETAIL_PHILOX_AVX2)
  if (detail::has_avx2()) return detail::philox_avx2<2>(block, block_high, c2, c3, k, out);
#endif
  for (std::uint32_t j = 0; j < 16; j += 4)
    generate4(block + j, block_high, c2, c3, k, out + 2 * j);
}

inline void philox4x32::generate4(std::uint32_t block, std::uint32_t block_high, std::uint32_t c2,
                                  std::uint32_t c3, key_type k, std::uint64_t* out) noexcept {
#if defined(__SSE2__) || defined(_M_X64)
  // Four blocks in the four 32-bit lanes of each register: x0 holds word 0 of every block,
  // and so on. _mm_mul_epu32 multiplies lanes 0 and 2 into 64-bit products; lanes 1 and 3
  // are shifted down and multiplied separately, and the halves put back in their lanes.
  const __m128i lanes_low = _mm_set_epi32(0, -1, 0, -1);
  const auto mul = [&](__m128i a, __m128i m, __m128i& hi, __m128i& lo) {
    const __m128i even = _mm_mul_epu32(a, m);                     // p0, p2 (64-bit)
    const __m128i odd = _mm_mul_epu32(_mm_srli_epi64(a, 32), m);  // p1, p3
    lo = _mm_or_si128(_mm_and_si128(even, lanes_low), _mm_slli_epi64(odd, 32));
    hi = _mm_or_si128(_mm_srli_epi64(even, 32), _mm_andnot_si128(lanes_low, odd));
  };
  const __m128i m0 = _mm_set1_epi32(static_cast<int>(0xD2511F53u));
  const __m128i m1 = _mm_set1_epi32(static_cast<int>(0xCD9E8D57u));
  __m128i x0 = _mm_add_epi32(_mm_set1_epi32(static_cast<int>(block)), _mm_set_epi32(3, 2, 1, 0));
  __m128i x1 = _mm_set1_epi32(static_cast<int>(block_high));
  __m128i x2 = _mm_set1_epi32(static_cast<int>(c2));
  __m128i x3 = _mm_set1_epi32(static_cast<int>(c3));
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k[0] += 0x9E3779B9u;
      k[1] += 0xBB67AE85u;
    }
    __m128i hi0, lo0, hi1, lo1;
    mul(x0, m0, hi0, lo0);
    mul(x2, m1, hi1, lo1);
    const __m128i k0 = _mm_set1_epi32(static_cast<int>(k[0]));
    const __m128i k1 = _mm_set1_epi32(static_cast<int>(k[1]));
    x0 = _mm_xor_si128(_mm_xor_si128(hi1, x1), k0);
    x1 = lo1;
    x2 = _mm_xor_si128(_mm_xor_si128(hi0, x3), k1);
    x3 = lo0;
  }
  // Transpose to block order, two 64-bit words per block: (x0 << 32 | x1), (x2 << 32 | x3).
  const __m128i a_lo = _mm_unpacklo_epi32(x1, x0);  // blocks 0, 1: x1 low half, x0 high half
  const __m128i a_hi = _mm_unpackhi_epi32(x1, x0);  // blocks 2, 3
  const __m128i b_lo = _mm_unpacklo_epi32(x3, x2);
  const __m128i b_hi = _mm_unpackhi_epi32(x3, x2);
  auto* o = reinterpret_cast<__m128i*>(out);
  _mm_storeu_si128(o + 0, _mm_unpacklo_epi64(a_lo, b_lo));  // block 0: word pair 0, 1
  _mm_storeu_si128(o + 1, _mm_unpackhi_epi64(a_lo, b_lo));  // block 1
  _mm_storeu_si128(o + 2, _mm_unpacklo_epi64(a_hi, b_hi));  // block 2
  _mm_storeu_si128(o + 3, _mm_unpackhi_epi64(a_hi, b_hi));  // block 3
#else
  for (std::uint32_t j = 0; j < 4; ++j) {
    const counter_type c = generate({block + j, block_high, c2, c3}, k);
    out[2 * j] = (std::uint64_t{c[0]} << 32) | c[1];
    out[2 * j + 1] = (std::uint64_t{c[2]} << 32) | c[3];
  }
#endif
}

/// SplitMix64's output function (Steele, Lea & Flood, OOPSLA 2014): a bijective 64-bit
/// mixer, used to turn (seed, purpose) into a Philox key.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// What a stream is used for. Each purpose of each trajectory gets its own stream, so adding
/// measurement noise never shifts the sampled parameters, and vice versa.
enum class stream_purpose : std::uint32_t {
  parameters = 1,     ///< parameter and initial-value sampling
  time_grid = 2,      ///< per-trajectory time grids
  measurement = 3,    ///< transforms: noise, sparsification, post-processing
  process_noise = 4,  ///< noise inside the dynamics (derivative noise, SDE increments)
  perturbation = 5,   ///< perturbations of steady states
  dataset_split = 6,  ///< train/validation/test splits (ml/split.hpp)
  dataset_mix = 7,    ///< mixing synthetic and real trajectories (ml/mixing.hpp)
  user = 1000,        ///< first value free for users' own purposes
};

/// The purpose's name; a user purpose (>= user) prints as "user+<offset>".
inline std::string to_string(stream_purpose p) {
  switch (p) {
    case stream_purpose::parameters: return "parameters";
    case stream_purpose::time_grid: return "time_grid";
    case stream_purpose::measurement: return "measurement";
    case stream_purpose::process_noise: return "process_noise";
    case stream_purpose::perturbation: return "perturbation";
    case stream_purpose::dataset_split: return "dataset_split";
    case stream_purpose::dataset_mix: return "dataset_mix";
    case stream_purpose::user: return "user";
  }
  const auto v = static_cast<std::uint32_t>(p);
  return v > static_cast<std::uint32_t>(stream_purpose::user)
             ? "user+" + std::to_string(v - static_cast<std::uint32_t>(stream_purpose::user))
             : "purpose " + std::to_string(v);
}

class random_stream {
 public:
  /// Stream `index` of `seed`, for `purpose` (any 32-bit tag; see stream_purpose).
  constexpr random_stream(std::uint64_t seed, std::uint64_t index, std::uint32_t purpose) noexcept
      : key_(make_key(seed, purpose)), index_(index) {}
  constexpr random_stream(std::uint64_t seed, std::uint64_t index, stream_purpose purpose) noexcept
      : random_stream(seed, index, static_cast<std::uint32_t>(purpose)) {}

  /// Next 32 random bits.
  constexpr std::uint32_t next_u32() noexcept {
    if (used_ == 4) refill();
    return block_[used_++];
  }

  /// Next 64 random bits (two 32-bit words, high word first).
  constexpr std::uint64_t next_u64() noexcept {
    const std::uint64_t hi = next_u32();
    return (hi << 32) | next_u32();
  }

  /// n calls of next_u64(), written to out[0..n): the same words, with whole blocks made four
  /// at a time by philox4x32::generate4 (SIMD where the target has it).
  void fill_u64(std::uint64_t* out, std::size_t n) noexcept {
    // Up to the next block boundary one word at a time (a 64-bit value may straddle blocks).
    while (n > 0 && used_ != 4 && used_ != 0) {
      *out++ = next_u64();
      --n;
    }
    // Now used_ == 4 (or n == 0, or an odd number of words was drawn before, in which case
    // 64-bit values straddle blocks and the rest goes one at a time too): the next word is
    // block block_number_'s first.
    while (n >= 32 && used_ == 4 && static_cast<std::uint32_t>(block_number_) <= 0xFFFFFFF0u) {
      philox4x32::generate16(static_cast<std::uint32_t>(block_number_),
                             static_cast<std::uint32_t>(block_number_ >> 32),
                             static_cast<std::uint32_t>(index_),
                             static_cast<std::uint32_t>(index_ >> 32), key_, out);
      block_number_ += 16;
      out += 32;
      n -= 32;
    }
    while (n >= 16 && used_ == 4 && static_cast<std::uint32_t>(block_number_) <= 0xFFFFFFF8u) {
      philox4x32::generate8(static_cast<std::uint32_t>(block_number_),
                            static_cast<std::uint32_t>(block_number_ >> 32),
                            static_cast<std::uint32_t>(index_),
                            static_cast<std::uint32_t>(index_ >> 32), key_, out);
      block_number_ += 8;
      out += 16;
      n -= 16;
    }
    while (n >= 8 && used_ == 4 && static_cast<std::uint32_t>(block_number_) <= 0xFFFFFFFCu) {
      philox4x32::generate4(static_cast<std::uint32_t>(block_number_),
                            static_cast<std::uint32_t>(block_number_ >> 32),
                            static_cast<std::uint32_t>(index_),
                            static_cast<std::uint32_t>(index_ >> 32), key_, out);
      block_number_ += 4;
      out += 8;
      n -= 8;
    }
    for (; n > 0; --n) *out++ = next_u64();
  }

  /// A stream of its own, tied to this one (its seed, purpose and index) and to `tag`:
  /// what a draw that needs a variable number of extra words (the ziggurat's rejections,
  /// standard_normal.hpp) takes them from, so that every later draw of this stream keeps its
  /// place whatever those extras were. Streams of different (seed, purpose, index, tag) do not
  /// overlap: the key hashes (key, index), the tag is the counter's high half.
  constexpr random_stream substream(std::uint64_t tag) const noexcept {
    const std::uint64_t key = (std::uint64_t{key_[1]} << 32) | key_[0];
    const std::uint64_t k = splitmix64(key ^ splitmix64(index_ ^ 0x7375627374726561ull));
    return random_stream(
        philox4x32::key_type{static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)},
        tag);
  }

  /// Uniform on [0, 1): 53 random bits, every value a multiple of 2^-53.
  constexpr double uniform01() noexcept {
    return static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
  }

  /// Uniform on the open interval (0, 1): 52 random bits, values (k + 1/2) 2^-52, so never 0
  /// or 1 (what inverse-CDF sampling needs).
  constexpr double uniform_open01() noexcept {
    return (static_cast<double>(next_u64() >> 12) + 0.5) * 0x1.0p-52;
  }

  /// Uniform integer in [0, n), n >= 1, without modulo bias (Lemire, "Fast random integer
  /// generation in an interval", ACM TOMACS 2019).
  constexpr std::uint64_t below(std::uint64_t n) noexcept {
    return below_from(n, [this] { return next_u64(); });
  }

  /// below(n) with the 64-bit values taken from next() (detail::word_reader).
  template <class Next>
  static constexpr std::uint64_t below_from(std::uint64_t n, Next next) noexcept {
    std::uint64_t high = 0, low = 0;
    multiply(next(), n, high, low);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) multiply(next(), n, high, low);
    }
    return high;
  }

  /// Moves on by n 64-bit values (2n words), as n calls of next_u64() would, without making
  /// them (a counter-based stream jumps in constant time).
  constexpr void skip_u64(std::uint64_t n) noexcept {
    const std::uint64_t to = words_drawn() + 2 * n;
    block_number_ = to / 4;
    used_ = 4;
    if (to % 4 != 0) {
      refill();  // block to / 4, and block_number_ one past it
      used_ = static_cast<unsigned>(to % 4);
    }
  }

  /// How many 32-bit words have been drawn so far.
  constexpr std::uint64_t words_drawn() const noexcept { return block_number_ * 4 - (4 - used_); }
  constexpr std::uint64_t index() const noexcept { return index_; }

 private:
  constexpr random_stream(philox4x32::key_type key, std::uint64_t index) noexcept
      : key_(key), index_(index) {}

  static constexpr philox4x32::key_type make_key(std::uint64_t seed,
                                                 std::uint32_t purpose) noexcept {
    const std::uint64_t k = splitmix64(seed ^ splitmix64(0x6F64657379746831ull + purpose));
    return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
  }

  /// Full 128-bit product in two words: the compiler's 128-bit integer where there is one
  /// (one instruction on x86-64; __extension__ keeps -Wpedantic quiet), four 32-bit products
  /// elsewhere. Exact either way, so the same results.
  static constexpr void multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& high,
                                 std::uint64_t& low) noexcept {
#if defined(__SIZEOF_INT128__)
    __extension__ using wide = unsigned __int128;
    const wide p = static_cast<wide>(a) * b;
    high = static_cast<std::uint64_t>(p >> 64);
    low = static_cast<std::uint64_t>(p);
#else
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const std::uint64_t p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
    const std::uint64_t mid = (p0 >> 32) + (p1 & 0xFFFFFFFFu) + (p2 & 0xFFFFFFFFu);
    low = (mid << 32) | (p0 & 0xFFFFFFFFu);
    high = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
#endif
  }

  constexpr void refill() noexcept {
    block_ = philox4x32::generate(
        {static_cast<std::uint32_t>(block_number_), static_cast<std::uint32_t>(block_number_ >> 32),
         static_cast<std::uint32_t>(index_), static_cast<std::uint32_t>(index_ >> 32)},
        key_);
    ++block_number_;
    used_ = 0;
  }

  philox4x32::key_type key_;
  std::uint64_t index_;
  std::uint64_t block_number_ = 0;
  philox4x32::counter_type block_{};
  unsigned used_ = 4;
};

namespace detail {

/// Reads a stream's 64-bit values ahead, 32 at a time (random_stream::fill_u64, four Philox
/// blocks per SIMD pass), for loops that draw one or more per item; the values are the
/// stream's own, in order. When the reader goes, the stream has moved on by exactly the values
/// taken, so what draws from it next is unchanged.
class word_reader {
 public:
  explicit word_reader(random_stream& s) noexcept : stream_(s), ahead_(s) {}
  word_reader(const word_reader&) = delete;
  word_reader& operator=(const word_reader&) = delete;
  ~word_reader() { stream_.skip_u64(taken_); }

  std::uint64_t next_u64() noexcept {
    if (next_ == batch) {
      ahead_.fill_u64(words_, batch);
      next_ = 0;
    }
    ++taken_;
    return words_[next_++];
  }

  /// random_stream::below(n) on these values: the same draws, the same results.
  std::uint64_t below(std::uint64_t n) noexcept {
    return random_stream::below_from(n, [this] { return next_u64(); });
  }

 private:
  static constexpr std::size_t batch = 32;
  random_stream& stream_;
  random_stream ahead_;
  std::uint64_t words_[batch];
  std::size_t next_ = batch;
  std::uint64_t taken_ = 0;
};

}  // namespace detail

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::stream_purpose>
    : odesynth::detail::enum_formatter<odesynth::stream_purpose> {};
