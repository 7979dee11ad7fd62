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
};

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
    std::uint64_t high = 0, low = 0;
    multiply(next_u64(), n, high, low);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) multiply(next_u64(), n, high, low);
    }
    return high;
  }

  /// How many 32-bit words have been drawn so far.
  constexpr std::uint64_t words_drawn() const noexcept { return block_number_ * 4 - (4 - used_); }
  constexpr std::uint64_t index() const noexcept { return index_; }

 private:
  static constexpr philox4x32::key_type make_key(std::uint64_t seed,
                                                 std::uint32_t purpose) noexcept {
    const std::uint64_t k = splitmix64(seed ^ splitmix64(0x6F64657379746831ull + purpose));
    return {static_cast<std::uint32_t>(k), static_cast<std::uint32_t>(k >> 32)};
  }

  /// Full 128-bit product in two words (portable: no __int128 under -Wpedantic).
  static constexpr void multiply(std::uint64_t a, std::uint64_t b, std::uint64_t& high,
                                 std::uint64_t& low) noexcept {
    const std::uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const std::uint64_t p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
    const std::uint64_t mid = (p0 >> 32) + (p1 & 0xFFFFFFFFu) + (p2 & 0xFFFFFFFFu);
    low = (mid << 32) | (p0 & 0xFFFFFFFFu);
    high = p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
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

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::stream_purpose>
    : odesynth::detail::enum_formatter<odesynth::stream_purpose> {};
