// odesynth/detail/state_ops.hpp - small loops over the state types odesynth uses
// (std::array, Eigen::VectorXd): both index with [] and have
// size(), which is all these helpers assume.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstddef>

namespace odesynth::detail {

template <class V>
std::size_t size_of(const V& v) noexcept {
  return static_cast<std::size_t>(v.size());
}

template <class V>
bool all_finite(const V& v) noexcept {
  const std::size_t n = size_of(v);
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(v[i])) return false;
  return true;
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

/// A copy into an Eigen vector, by an element loop: g++ 12 reports a false -Warray-bounds
/// when Eigen's vectorised copy from a Map is inlined against a one-element braced list.
inline Eigen::VectorXd to_eigen(const double* data, std::size_t size) {
  Eigen::VectorXd out(static_cast<Eigen::Index>(size));
  for (std::size_t i = 0; i < size; ++i) out[static_cast<Eigen::Index>(i)] = data[i];
  return out;
}

}  // namespace odesynth::detail
