// odesynth/designs.hpp - experimental designs: where trajectory i sits in the unit cube.
//
// A design maps trajectory index i to a point u in the open cube (0, 1)^d. The sampler maps
// each coordinate through a distribution's quantile function, so the design decides how the
// random quantities are spread over the trajectories and the distributions what they mean.
//
// Users choose a design with one type, sampling_design (at the end of this file):
//
//   sampler.design(odesynth::sampling_design::sobol());
//
// and the sampler builds the design's points when it is bound, once it knows the number of
// random quantities d. The implementations, in detail::designs:
//
//   independent_design  independent uniforms from trajectory i's own stream
//   latin_hypercube     n points, one in each of n strata of every dimension (McKay, Beckman
//                       & Conover, Technometrics 21, 1979), independent permutations
//   sobol_design        Sobol points (Sobol', USSR Comput. Math. Math. Phys. 7, 1967) with
//                       Joe & Kuo's new-joe-kuo-6.21201 direction numbers (S. Joe and F. Y.
//                       Kuo, "Constructing Sobol sequences with better two-dimensional
//                       projections", SIAM J. Sci. Comput. 30, 2008), Gray-code order
//                       (Antonov & Saleev 1979; Bratley & Fox, ACM TOMS 14, 1988), optional
//                       random digital shift
//   halton_design       Halton points (Numer. Math. 2, 1960), optional random digit
//                       permutations (Braaten & Weller, J. Comput. Phys. 33, 1979; Kocis &
//                       Whiten, ACM TOMS 23, 1997)
//   grid_design         full factorial grid for small scans
//   any_design          any of the five, chosen at run time (what a bound sampler holds)
//
// Every design computes point i alone, from i and trajectory i's own stream, in O(1) or
// O(log i) time: points never depend on other points, on the order they are computed in, or
// on threads. The one exception to "point i depends only on i" is the Latin hypercube: it is
// a design over all n points at once, so its point i depends on n as well.
//
// The Latin hypercube's permutations are never stored: each is a keyed pseudo-random
// bijection (a balanced Feistel network, Luby & Rackoff, SIAM J. Comput. 17, 1988) restricted
// to [0, n) by cycle-walking (Black & Rogaway, "Ciphers with arbitrary finite domains",
// CT-RSA 2002), so n = 10^8 costs no memory and any thread can compute any point.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "detail/text.hpp"
#include "error.hpp"
#include "random.hpp"

namespace odesynth {
namespace detail::designs {

/// The largest double below 1 (what uniform_open01 can return at most).
inline constexpr double below_one = 1.0 - 0x1.0p-53;

/// A 64-bit key for dimension `dimension` of a design with `seed`; `tag` keeps the designs'
/// keys apart, so a Latin hypercube and a scrambled Sobol design with the same seed do not
/// share randomness. Bijective in the seed and in the dimension, so distinct inputs never
/// collide.
constexpr std::uint64_t dimension_key(std::uint64_t seed, std::uint64_t tag,
                                      std::uint64_t dimension) noexcept {
  return splitmix64(splitmix64(seed ^ tag) + dimension);
}

/// A keyed pseudo-random bijection of [0, n): a balanced Feistel network on [0, 2^(2h)) with
/// 2^(2h) >= n and SplitMix64 round functions, restricted to [0, n) by cycle-walking
/// (re-applying the network until the value falls below n; because the network is a
/// bijection, the walk from a value below n ends below n). 2^(2h) < 4n, so the walk takes
/// fewer than 4 network evaluations on average. Eight rounds: four already make a
/// pseudo-random permutation for large halves (Luby & Rackoff); the extra rounds are for small
/// domains, where the halves are a few bits wide, and cost nothing next to an ODE solve.
/// Random in the statistical sense, not the cryptographic one.
class keyed_permutation {
 public:
  static constexpr int rounds = 8;

  keyed_permutation(std::uint64_t n, std::uint64_t key) noexcept : n_(n) {
    unsigned bits = 0;  // smallest with 2^bits >= n
    while (bits < 64 && (std::uint64_t{1} << bits) < n) ++bits;
    half_bits_ = bits < 2 ? 1 : (bits + 1) / 2;
    mask_ = (std::uint64_t{1} << half_bits_) - 1;
    for (int r = 0; r < rounds; ++r)
      keys_[static_cast<std::size_t>(r)] =
          splitmix64(key ^ splitmix64(static_cast<std::uint64_t>(r)));
  }

  std::uint64_t size() const noexcept { return n_; }

  /// The image of x, for x < size().
  std::uint64_t operator()(std::uint64_t x) const noexcept {
    if (n_ <= 1) return 0;
    do {
      std::uint64_t left = x >> half_bits_, right = x & mask_;
      for (const std::uint64_t k : keys_) {
        const std::uint64_t next = left ^ (splitmix64(right ^ k) & mask_);
        left = right;
        right = next;
      }
      x = (left << half_bits_) | right;
    } while (x >= n_);
    return x;
  }

 private:
  std::uint64_t n_;
  unsigned half_bits_ = 1;
  std::uint64_t mask_ = 1;
  std::array<std::uint64_t, rounds> keys_{};
};

// Tags for dimension_key: ASCII "lhs", "sobol", "halton".
inline constexpr std::uint64_t lhs_tag = 0x6C6873;
inline constexpr std::uint64_t sobol_tag = 0x736F626F6C;
inline constexpr std::uint64_t halton_tag = 0x68616C746F6E;

/// One line of Joe & Kuo's new-joe-kuo-6.21201: degree s of the primitive polynomial, its
/// inner coefficients a (as bits), and the initial direction numbers m_1..m_s (odd, m_k < 2^k).
struct sobol_polynomial {
  unsigned s;
  unsigned a;
  std::array<std::uint32_t, 7> m;
};

/// Dimensions 2..32 of new-joe-kuo-6.21201 (dimension 1, van der Corput, has all m_k = 1).
inline constexpr std::array<sobol_polynomial, 31> joe_kuo = {{
    {1, 0, {1}},
    {2, 1, {1, 3}},
    {3, 1, {1, 3, 1}},
    {3, 2, {1, 1, 1}},
    {4, 1, {1, 1, 3, 3}},
    {4, 4, {1, 3, 5, 13}},
    {5, 2, {1, 1, 5, 5, 17}},
    {5, 4, {1, 1, 5, 5, 5}},
    {5, 7, {1, 1, 7, 11, 19}},
    {5, 11, {1, 1, 5, 1, 1}},
    {5, 13, {1, 1, 1, 3, 11}},
    {5, 14, {1, 3, 5, 5, 31}},
    {6, 1, {1, 3, 3, 9, 7, 49}},
    {6, 13, {1, 1, 1, 15, 21, 21}},
    {6, 16, {1, 3, 1, 13, 27, 49}},
    {6, 19, {1, 1, 1, 15, 7, 5}},
    {6, 22, {1, 3, 1, 15, 13, 25}},
    {6, 25, {1, 1, 5, 5, 19, 61}},
    {7, 1, {1, 3, 7, 11, 23, 15, 103}},
    {7, 4, {1, 3, 7, 13, 13, 15, 69}},
    {7, 7, {1, 1, 3, 13, 7, 35, 63}},
    {7, 8, {1, 3, 5, 9, 1, 25, 53}},
    {7, 14, {1, 3, 1, 13, 9, 35, 107}},
    {7, 19, {1, 3, 1, 5, 27, 61, 31}},
    {7, 21, {1, 1, 5, 11, 19, 41, 61}},
    {7, 28, {1, 3, 5, 3, 3, 13, 69}},
    {7, 31, {1, 1, 7, 13, 1, 19, 1}},
    {7, 32, {1, 3, 7, 5, 13, 19, 59}},
    {7, 37, {1, 1, 3, 9, 25, 29, 41}},
    {7, 41, {1, 3, 5, 13, 23, 1, 55}},
    {7, 42, {1, 3, 7, 3, 13, 59, 17}},
}};

/// The 32 direction numbers V_1..V_32 of a dimension (0-based), scaled to 32 bits:
/// V_k = m_k 2^(32-k), and beyond the polynomial's degree Bratley & Fox's recurrence
/// V_k = V_{k-s} ^ (V_{k-s} >> s) ^ sum_{l=1}^{s-1} a_l V_{k-l}.
ODESYNTH_INLINE std::array<std::uint32_t, 32> sobol_directions(std::size_t dimension);

/// The first `count` primes, by trial division (count is a number of dimensions: small).
ODESYNTH_INLINE std::vector<std::uint64_t> first_primes(std::size_t count);

/// Independent uniform points: u_d is the d-th uniform_open01() of trajectory i's stream. The
/// plain Monte Carlo design; draws dimensions() values from the stream.
class independent_design {
 public:
  explicit independent_design(std::size_t dims);

  std::size_t dimensions() const noexcept { return dims_; }

  void point(std::uint64_t /*index*/, random_stream& s, double* u) const noexcept {
    for (std::size_t d = 0; d < dims_; ++d) u[d] = s.uniform_open01();
  }

  std::string describe() const { return fmt::format("independent(dimensions={})", dims_); }
  std::optional<std::uint64_t> required_count() const noexcept { return std::nullopt; }

 private:
  std::size_t dims_;
};

/// A Latin hypercube of n points: in every dimension d, the n points fall one into each of
/// the strata [k/n, (k+1)/n). Point i lies in stratum pi_d(i) of dimension d, where pi_d is a
/// pseudo-random permutation of {0..n-1} keyed by (seed, d), at a uniform position inside it
/// drawn from trajectory i's stream (u_d = (pi_d(i) + v) / n, v = uniform_open01(); draws
/// dimensions() values).
///
/// The permutations are independent between dimensions, so no two parameters are correlated
/// by construction (stratified draws that come out sorted in every dimension would make every
/// pair of parameters rise together). They are never materialised: pi_d(i) is computed alone
/// in O(1) expected time (detail::designs::keyed_permutation).
///
/// Unlike the other designs, point i depends on n: the design is over all n points, and only
/// the complete set of n points has the one-per-stratum property. Indices must be < n.
class latin_hypercube {
 public:
  /// Largest n: strata must stay wider than the spacing of doubles near 1 (2^-53) for every
  /// point to lie strictly inside its stratum.
  static constexpr std::uint64_t max_n = std::uint64_t{1} << 48;

  latin_hypercube(std::size_t dims, std::uint64_t n, std::uint64_t seed);

  std::size_t dimensions() const noexcept { return permutations_.size(); }
  std::uint64_t n() const noexcept { return n_; }
  std::uint64_t seed() const noexcept { return seed_; }

  /// The stratum pi_d(index) in {0..n-1} that point `index` occupies in dimension `dimension`.
  std::uint64_t stratum(std::uint64_t index, std::size_t dimension) const {
    check_index(index);
    if (dimension >= permutations_.size())
      detail::throw_invalid("latin_hypercube.dimension", dimension,
                            fmt::format("a dimension < {}", permutations_.size()));
    return permutations_[dimension](index);
  }

  void point(std::uint64_t index, random_stream& s, double* u) const {
    check_index(index);
    const double n = static_cast<double>(n_);
    for (std::size_t d = 0; d < permutations_.size(); ++d) {
      const std::uint64_t k = permutations_[d](index);
      const double v = s.uniform_open01();
      // (k + v) / n rounds; keep it strictly inside the stratum (lo, hi) as doubles, so it
      // also stays strictly inside (0, 1) (hi = 1 for the last stratum).
      const double lo = static_cast<double>(k) / n, hi = static_cast<double>(k + 1) / n;
      double x = (static_cast<double>(k) + v) / n;
      if (!(x < hi)) x = std::nextafter(hi, 0.0);
      if (!(x > lo)) x = std::nextafter(lo, 1.0);
      u[d] = x;
    }
  }

  std::string describe() const;
  std::optional<std::uint64_t> required_count() const noexcept { return n_; }

 private:
  void check_index(std::uint64_t index) const;

  std::uint64_t n_;
  std::uint64_t seed_;
  std::vector<detail::designs::keyed_permutation> permutations_;
};

/// Sobol points in up to 32 dimensions with Joe & Kuo's direction numbers (new-joe-kuo-6.21201).
///
/// The sequence's point j (raw_point) is the XOR of the direction numbers selected by the bits
/// of j's Gray code j ^ (j >> 1), the order of Antonov & Saleev and of Joe & Kuo's reference
/// implementation, computed directly for any j (random access). Design point i is sequence
/// point i + 1, at (x + 1/2) / 2^32: the sequence starts at the origin, which quantile
/// functions map to -infinity. Every aligned block of 2^m sequence points j = q 2^m ..
/// (q + 1) 2^m - 1 is a (t, m, d)-net, so design points 2^m - 1 .. 2^(m+1) - 2 hold exactly
/// one point in each dyadic interval [k/2^m, (k+1)/2^m) of every coordinate; the first 2^m
/// design points are such a net with the origin replaced by sequence point 2^m (at most two
/// points per interval).
///
/// With scramble, each coordinate is XORed with a 32-bit value derived from (seed, dimension):
/// a random digital shift, which maps dyadic intervals onto dyadic intervals and so keeps the
/// net structure while making the points a randomised QMC sample. Ignores the stream.
class sobol_design {
 public:
  static constexpr std::size_t max_dimensions = 32;
  /// Sequence indices are < 2^32 (32-bit direction numbers), design indices < 2^32 - 1.
  static constexpr std::uint64_t max_points = (std::uint64_t{1} << 32) - 1;

  sobol_design(std::size_t dims, std::uint64_t seed, bool scramble = true);

  std::size_t dimensions() const noexcept { return directions_.size(); }
  std::uint64_t seed() const noexcept { return seed_; }
  bool scrambled() const noexcept { return scramble_; }

  /// Sequence point `index` (< 2^32; index 0 is the origin unless scrambled) as 32-bit
  /// integers x_d, the coordinate being x_d / 2^32; the digital shift applied if scrambled.
  void raw_point(std::uint64_t index, std::uint32_t* x) const {
    if (index > max_points)
      detail::throw_invalid("sobol_design.index", index,
                            "a sequence index < 2^32 (32-bit direction numbers)");
    const std::uint64_t gray = index ^ (index >> 1);
    for (std::size_t d = 0; d < directions_.size(); ++d) {
      std::uint32_t v = shifts_[d];
      std::uint64_t bits = gray;
      for (std::size_t k = 0; bits != 0; ++k, bits >>= 1)
        if (bits & 1u) v ^= directions_[d][k];
      x[d] = v;
    }
  }

  void point(std::uint64_t index, random_stream& /*s*/, double* u) const {
    if (index >= max_points)
      detail::throw_invalid("sobol_design.index", index,
                            "an index < 2^32 - 1 (32-bit direction numbers)");
    std::array<std::uint32_t, max_dimensions> x{};
    raw_point(index + 1, x.data());
    // (x + 1/2) / 2^32 is exact (33 bits) and strictly inside (0, 1).
    for (std::size_t d = 0; d < directions_.size(); ++d)
      u[d] = (static_cast<double>(x[d]) + 0.5) * 0x1.0p-32;
  }

  std::string describe() const;
  std::optional<std::uint64_t> required_count() const noexcept { return std::nullopt; }

 private:
  std::uint64_t seed_;
  bool scramble_;
  std::vector<std::array<std::uint32_t, 32>> directions_;
  std::vector<std::uint32_t> shifts_;
};

/// Halton points: coordinate d of design point i is the radical inverse of i + 1 in the d-th
/// prime base b (index i + 1 because the radical inverse of 0 is the origin). Any number of
/// dimensions, though plain Halton points in large prime bases fill the cube slowly and
/// pairs of high dimensions are strongly correlated for the first points.
///
/// With scramble, the digits 1..b-1 of every dimension are permuted by a pseudo-random
/// permutation keyed by (seed, dimension) before the radical inverse; 0 stays 0, so the
/// digit expansion stays finite (Braaten & Weller, Kocis & Whiten use fixed permutations of
/// this kind; here they are random). Because a digit permutation maps the b^k intervals
/// [j/b^k, (j+1)/b^k) onto themselves, the first b^k points still hold exactly one point in
/// each of them. Base 2 has only one such permutation, so dimension 1 is never changed.
/// Ignores the stream.
class halton_design {
 public:
  halton_design(std::size_t dims, std::uint64_t seed, bool scramble = true);

  std::size_t dimensions() const noexcept { return bases_.size(); }
  std::uint64_t seed() const noexcept { return seed_; }
  bool scrambled() const noexcept { return scramble_; }
  /// The prime base of dimension `dimension`.
  std::uint64_t base(std::size_t dimension) const {
    if (dimension >= bases_.size())
      detail::throw_invalid("halton_design.dimension", dimension,
                            fmt::format("a dimension < {}", bases_.size()));
    return bases_[dimension];
  }

  void point(std::uint64_t index, random_stream& /*s*/, double* u) const {
    if (index == std::numeric_limits<std::uint64_t>::max())
      detail::throw_invalid("halton_design.index", index, "an index < 2^64 - 1");
    for (std::size_t d = 0; d < bases_.size(); ++d) u[d] = radical_inverse(index + 1, d);
  }

  std::string describe() const;
  std::optional<std::uint64_t> required_count() const noexcept { return std::nullopt; }

 private:
  double radical_inverse(std::uint64_t j, std::size_t d) const {
    const std::uint64_t b = bases_[d];
    std::array<std::uint64_t, 64> digits{};  // least significant first; 64 suffice for base 2
    std::size_t count = 0;
    for (; j != 0; j /= b) {
      std::uint64_t digit = j % b;
      if (scramble_ && digit != 0) digit = 1 + digit_permutations_[d](digit - 1);
      digits[count++] = digit;
    }
    // sum_k digit_k b^-(k+1) by Horner from the last digit: one rounding per digit, exact in
    // base 2. Past 2^53 points in base 2 the value could round up to 1: keep it below.
    double v = 0;
    const double base = static_cast<double>(b);
    while (count > 0) v = (v + static_cast<double>(digits[--count])) / base;
    return v < 1 ? v : detail::designs::below_one;
  }

  std::uint64_t seed_;
  bool scramble_;
  std::vector<std::uint64_t> bases_;
  std::vector<detail::designs::keyed_permutation> digit_permutations_;  // of digits 1..b-1
};

/// A full factorial grid: dimension d takes levels[d] values u = (j + 1/2) / levels[d],
/// j = 0..levels[d]-1, and index i enumerates all combinations with the last dimension
/// varying fastest (like nested loops, or C array order). Holds exactly required_count() =
/// the product of the levels points. Ignores the stream.
class grid_design {
 public:
  /// Largest number of levels in one dimension: (j + 1/2) / levels stays below 1 as a double.
  static constexpr std::uint64_t max_levels = std::uint64_t{1} << 52;

  explicit grid_design(std::vector<std::size_t> levels);

  std::size_t dimensions() const noexcept { return levels_.size(); }
  const std::vector<std::size_t>& levels() const noexcept { return levels_; }

  void point(std::uint64_t index, random_stream& /*s*/, double* u) const {
    if (index >= count_)
      detail::throw_invalid("grid_design.index", index,
                            fmt::format("an index < {} (the number of grid points)", count_));
    for (std::size_t d = levels_.size(); d-- > 0;) {
      const std::uint64_t l = levels_[d];
      u[d] = (static_cast<double>(index % l) + 0.5) / static_cast<double>(l);
      index /= l;
    }
  }

  std::string describe() const;
  std::optional<std::uint64_t> required_count() const noexcept { return count_; }

 private:
  std::vector<std::size_t> levels_;
  std::uint64_t count_ = 1;
};

/// Any of the designs, chosen at run time: what a bound sampler holds. Same members as the
/// designs.
class any_design {
 public:
  using variant_type =
      std::variant<independent_design, latin_hypercube, sobol_design, halton_design, grid_design>;

  template <class D, std::enable_if_t<std::is_constructible_v<variant_type, D&&> &&
                                          !std::is_same_v<std::decay_t<D>, any_design>,
                                      int> = 0>
  any_design(D&& d) : design_(std::forward<D>(d)) {}  // NOLINT: implicit by design

  std::size_t dimensions() const noexcept {
    return std::visit([](const auto& d) { return d.dimensions(); }, design_);
  }
  void point(std::uint64_t index, random_stream& s, double* u) const;
  std::string describe() const;
  std::optional<std::uint64_t> required_count() const noexcept {
    return std::visit([](const auto& d) { return d.required_count(); }, design_);
  }

  const variant_type& as_variant() const noexcept { return design_; }

 private:
  variant_type design_;
};

}  // namespace detail::designs

/// Which design spreads the random quantities over the trajectories: the one design type
/// users name (the sampler builds the points when it is bound, see detail::designs above).
struct sampling_design {
  enum class kind { independent, latin_hypercube, sobol, halton, grid };

  friend constexpr std::string_view to_string(kind k) noexcept {
    switch (k) {
      case kind::independent: return "independent";
      case kind::latin_hypercube: return "latin_hypercube";
      case kind::sobol: return "sobol";
      case kind::halton: return "halton";
      case kind::grid: return "grid";
    }
    return "unknown";
  }

  kind type = kind::independent;
  std::uint64_t n = 0;          ///< latin_hypercube: the number of trajectories
  bool scramble = true;         ///< sobol, halton: randomised (digital shift, digit permutation)
  std::size_t grid_levels = 5;  ///< grid: levels of each continuous quantity

  static sampling_design independent() { return {}; }
  static sampling_design latin_hypercube(std::uint64_t n);
  static sampling_design sobol(bool scramble = true) { return {kind::sobol, 0, scramble, 5}; }
  static sampling_design halton(bool scramble = true) { return {kind::halton, 0, scramble, 5}; }
  /// Full factorial: choice distributions contribute their values, every other distribution
  /// `levels` quantiles at (j + 1/2) / levels.
  static sampling_design grid(std::size_t levels) { return {kind::grid, 0, true, levels}; }

  /// Throws invalid_argument for a Latin hypercube without n or a grid without levels.
  void validate(std::string_view where = "sampling_design") const;

  /// "independent", "latin_hypercube(n=100)", "sobol(scramble=true)", "halton(...)",
  /// "grid(levels=5)".
  std::string describe() const;
};

/// Every design kind, in order (metadata stores to_string(kind) and reads it back).
inline constexpr std::array<sampling_design::kind, 5> all_sampling_design_kinds{
    sampling_design::kind::independent, sampling_design::kind::latin_hypercube,
    sampling_design::kind::sobol, sampling_design::kind::halton, sampling_design::kind::grid};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::sampling_design::kind>
    : odesynth::detail::enum_formatter<odesynth::sampling_design::kind> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/designs.ipp"
#endif
