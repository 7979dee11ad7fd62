// odesynth/impl/designs.ipp - the non-template code of designs.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>

#include "../designs.hpp"

namespace odesynth {

namespace detail::designs {
ODESYNTH_INLINE void any_design::point(std::uint64_t index, random_stream& s, double* u) const {
  std::visit([&](const auto& d) { d.point(index, s, u); }, design_);
}

ODESYNTH_INLINE std::string any_design::describe() const {
  return std::visit([](const auto& d) { return d.describe(); }, design_);
}

ODESYNTH_INLINE grid_design::grid_design(std::vector<std::size_t> levels)
    : levels_(std::move(levels)) {
  if (levels_.empty()) detail::throw_invalid("grid_design.levels", "[]", "at least one dimension");
  count_ = 1;
  for (std::size_t d = 0; d < levels_.size(); ++d) {
    const std::uint64_t l = levels_[d];
    if (l == 0 || l > max_levels)
      detail::throw_invalid(fmt::format("grid_design.levels[{}]", d), l, "1 to 2^52 levels");
    if (count_ > std::numeric_limits<std::uint64_t>::max() / l)
      detail::throw_invalid("grid_design.levels", fmt::format("[{}]", detail::join(levels_, ", ")),
                            "a product of levels below 2^64 (the number of grid points)");
    count_ *= l;
  }
}

ODESYNTH_INLINE std::string grid_design::describe() const {
  return fmt::format("grid(levels=[{}])", detail::join(levels_, ", "));
}

ODESYNTH_INLINE halton_design::halton_design(std::size_t dims, std::uint64_t seed, bool scramble)
    : seed_(seed), scramble_(scramble) {
  if (dims == 0) detail::throw_invalid("halton_design.dimensions", dims, "at least 1");
  bases_ = detail::designs::first_primes(dims);
  if (scramble) {
    digit_permutations_.reserve(dims);
    for (std::size_t d = 0; d < dims; ++d)
      digit_permutations_.emplace_back(
          bases_[d] - 1, detail::designs::dimension_key(seed, detail::designs::halton_tag, d));
  }
}

ODESYNTH_INLINE std::string halton_design::describe() const {
  if (!scramble_) return fmt::format("halton(dimensions={}, scramble=false)", dimensions());
  return fmt::format("halton(dimensions={}, scramble=true, seed={})", dimensions(), seed_);
}

ODESYNTH_INLINE sobol_design::sobol_design(std::size_t dims, std::uint64_t seed, bool scramble)
    : seed_(seed), scramble_(scramble) {
  if (dims == 0) detail::throw_invalid("sobol_design.dimensions", dims, "at least 1");
  if (dims > max_dimensions)
    detail::throw_invalid("sobol_design.dimensions", dims,
                          "at most 32 (the direction numbers included); use "
                          "sampling_design::halton() or sampling_design::latin_hypercube(n) "
                          "for more dimensions");
  directions_.reserve(dims);
  shifts_.reserve(dims);
  for (std::size_t d = 0; d < dims; ++d) {
    directions_.push_back(detail::designs::sobol_directions(d));
    shifts_.push_back(
        scramble ? static_cast<std::uint32_t>(
                       detail::designs::dimension_key(seed, detail::designs::sobol_tag, d) >> 32)
                 : 0u);
  }
}

ODESYNTH_INLINE std::string sobol_design::describe() const {
  if (!scramble_) return fmt::format("sobol(dimensions={}, scramble=false)", dimensions());
  return fmt::format("sobol(dimensions={}, scramble=true, seed={})", dimensions(), seed_);
}

ODESYNTH_INLINE latin_hypercube::latin_hypercube(std::size_t dims, std::uint64_t n,
                                                 std::uint64_t seed)
    : n_(n), seed_(seed) {
  if (dims == 0) detail::throw_invalid("latin_hypercube.dimensions", dims, "at least 1");
  if (n == 0) detail::throw_invalid("latin_hypercube.n", n, "at least 1 point");
  if (n > max_n)
    detail::throw_invalid("latin_hypercube.n", n,
                          "at most 2^48 points (strata narrower than "
                          "the spacing of doubles are not representable)");
  permutations_.reserve(dims);
  for (std::size_t d = 0; d < dims; ++d)
    permutations_.emplace_back(n,
                               detail::designs::dimension_key(seed, detail::designs::lhs_tag, d));
}

ODESYNTH_INLINE std::string latin_hypercube::describe() const {
  return fmt::format("latin_hypercube(dimensions={}, n={}, seed={})", dimensions(), n_, seed_);
}

ODESYNTH_INLINE void latin_hypercube::check_index(std::uint64_t index) const {
  if (index >= n_)
    detail::throw_invalid("latin_hypercube.index", index,
                          fmt::format("an index < n = {} (the design holds n points)", n_));
}

ODESYNTH_INLINE independent_design::independent_design(std::size_t dims) : dims_(dims) {
  if (dims == 0) detail::throw_invalid("independent_design.dimensions", dims, "at least 1");
}

ODESYNTH_INLINE std::array<std::uint32_t, 32> sobol_directions(std::size_t dimension) {
  std::array<std::uint32_t, 32> v{};
  if (dimension == 0) {
    for (unsigned k = 0; k < 32; ++k) v[k] = std::uint32_t{1} << (31 - k);
    return v;
  }
  const sobol_polynomial& p = joe_kuo[dimension - 1];
  for (unsigned k = 0; k < 32; ++k) {
    if (k < p.s) {
      v[k] = p.m[k] << (31 - k);
      continue;
    }
    v[k] = v[k - p.s] ^ (v[k - p.s] >> p.s);
    for (unsigned l = 1; l < p.s; ++l)
      if ((p.a >> (p.s - 1 - l)) & 1u) v[k] ^= v[k - l];
  }
  return v;
}

ODESYNTH_INLINE std::vector<std::uint64_t> first_primes(std::size_t count) {
  std::vector<std::uint64_t> primes;
  primes.reserve(count);
  for (std::uint64_t c = 2; primes.size() < count; ++c) {
    bool prime = true;
    for (const std::uint64_t p : primes) {
      if (p * p > c) break;
      if (c % p == 0) {
        prime = false;
        break;
      }
    }
    if (prime) primes.push_back(c);
  }
  return primes;
}

}  // namespace detail::designs

ODESYNTH_INLINE sampling_design sampling_design::latin_hypercube(std::uint64_t n) {
  return {kind::latin_hypercube, n, true, 5};
}

ODESYNTH_INLINE void sampling_design::validate(std::string_view where) const {
  if (type == kind::latin_hypercube && n == 0)
    detail::throw_invalid(fmt::format("{}.n", where), n,
                          "the number of trajectories (>= 1) for a Latin hypercube");
  if (type == kind::grid && grid_levels == 0)
    detail::throw_invalid(fmt::format("{}.grid_levels", where), grid_levels, "levels >= 1");
}

ODESYNTH_INLINE std::string sampling_design::describe() const {
  switch (type) {
    case kind::independent: return "independent";
    case kind::latin_hypercube: return fmt::format("latin_hypercube(n={})", n);
    case kind::sobol: return fmt::format("sobol(scramble={})", scramble);
    case kind::halton: return fmt::format("halton(scramble={})", scramble);
    case kind::grid: return fmt::format("grid(levels={})", grid_levels);
  }
  return "unknown";
}

}  // namespace odesynth
