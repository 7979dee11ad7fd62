// odesynth/detail/state_ops.hpp - small loops over the state types odesynth uses
// (std::array, Eigen::VectorXd): both index with [] and have size(), which is all the
// generic helpers assume. The two state types the solver is built on are contiguous doubles,
// so they are also viewed as Eigen arrays: the checks that run on every step (finite state,
// error norm) and every output row are then vectorised instead of element loops with a branch
// per value (the chain benchmark, 100 species, measured 14% of a solve in such loops).
#pragma once

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <type_traits>
#include <utility>

namespace odesynth::detail {

template <class V>
std::size_t size_of(const V& v) noexcept {
  return static_cast<std::size_t>(v.size());
}

/// A read-only Eigen array view of a contiguous state (fixed size for std::array).
template <std::size_t N>
Eigen::Map<const Eigen::Array<double, static_cast<int>(N), 1>> as_array(
    const std::array<double, N>& v) noexcept {
  return Eigen::Map<const Eigen::Array<double, static_cast<int>(N), 1>>(v.data());
}
inline Eigen::Map<const Eigen::ArrayXd> as_array(const Eigen::VectorXd& v) noexcept {
  return Eigen::Map<const Eigen::ArrayXd>(v.data(), v.size());
}

/// True for the state types as_array() views.
template <class V, class = void>
struct has_array_view : std::false_type {};
template <class V>
struct has_array_view<V, std::void_t<decltype(as_array(std::declval<const V&>()))>>
    : std::true_type {};

/// x * 0 is 0 for every finite x and NaN for NaN and +-inf, so the sum is exactly 0 iff all
/// values are finite. Eigen vectorises the sum; its allFinite() (an all() over a boolean
/// expression) is not vectorised and cost more than this element loop.
template <class Derived>
bool all_finite_array(const Eigen::ArrayBase<Derived>& a) noexcept {
  return (a * 0.0).sum() == 0.0;
}

/// Whether n consecutive values are all finite. Short runs (a few species) take a loop
/// without branches: Eigen's vectorised reduction has a set-up cost that dominated there.
inline bool all_finite_values(const double* v, std::size_t n) noexcept {
  if (n >= 16)
    return all_finite_array(Eigen::Map<const Eigen::ArrayXd>(v, static_cast<Eigen::Index>(n)));
  double zero = 0;
  for (std::size_t i = 0; i < n; ++i) zero += v[i] * 0.0;
  return zero == 0.0;
}

template <class V>
bool all_finite(const V& v) noexcept {
  if constexpr (has_array_view<V>::value) {
    return all_finite_array(as_array(v));
  } else {
    const std::size_t n = size_of(v);
    for (std::size_t i = 0; i < n; ++i)
      if (!std::isfinite(v[i])) return false;
    return true;
  }
}

template <class V>
double max_abs(const V& v) noexcept {
  double m = 0.0;
  const std::size_t n = size_of(v);
  for (std::size_t i = 0; i < n; ++i) m = std::fabs(v[i]) > m ? std::fabs(v[i]) : m;
  return m;
}

/// A state of type V with n entries (n is ignored for std::array).
template <class V>
struct make_vector {
  static V of_size(std::size_t n) { return V(static_cast<Eigen::Index>(n)); }
};
template <std::size_t N>
struct make_vector<std::array<double, N>> {
  static std::array<double, N> of_size(std::size_t) { return {}; }
};

template <class Out, class In>
void copy_values(const In& in, Out& out) noexcept {
  const std::size_t n = size_of(in);
  for (std::size_t i = 0; i < n; ++i) out[i] = in[i];
}

/// A copy into an Eigen vector by memcpy: g++ 12 reports a false -Warray-bounds when Eigen's
/// vectorised copy from a Map is inlined against a one-element braced list, and an element
/// loop (what this was) cost 300 instructions per 100-point time grid copied per solve.
/// The byte count is bounded explicitly (Eigen could not have allocated more): g++ 12 -O3
/// otherwise infers a range above PTRDIFF_MAX from a caller's span arithmetic and reports a
/// false -Wstringop-overflow.
inline Eigen::VectorXd to_eigen(const double* data, std::size_t size) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(size));
  const auto bytes = static_cast<std::size_t>(out.size()) * sizeof(double);
  constexpr auto most = static_cast<std::size_t>(std::numeric_limits<std::ptrdiff_t>::max());
  if (bytes > 0 && bytes <= most) std::memcpy(out.data(), data, bytes);
  return out;
}

}  // namespace odesynth::detail
