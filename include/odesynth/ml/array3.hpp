// odesynth/ml/array3.hpp - an owning, row-major 3-d array of doubles: the [windows, time,
// features] tensors forecasting models take and return.
//
// Element (i, j, k) of an array of shape [n, t, s] sits at data()[(i * t + j) * s + k], the
// layout of a C-contiguous NumPy array of the same shape, so data() can be written to a .npy
// file or handed to a framework without copying or transposing. Eigen's Tensor would do the
// same but lives in Eigen's unsupported modules; this is all that forecasting needs.
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include "../detail/config.hpp"
#include "../error.hpp"

namespace odesynth {

class array3;

namespace detail {
/// Throws the invalid_argument of array3::at for index (i, j, k) outside `shape`.
[[noreturn]] ODESYNTH_INLINE void throw_array3_index(std::size_t i, std::size_t j, std::size_t k,
                                                     const std::array<std::size_t, 3>& shape);
}  // namespace detail

class array3 {
 public:
  using shape_type = std::array<std::size_t, 3>;

  /// An empty array, shape [0, 0, 0].
  array3() = default;

  /// Shape [n, t, s], every element `fill`.
  array3(std::size_t n, std::size_t t, std::size_t s, double fill = 0.0)
      : shape_{n, t, s}, data_(n * t * s, fill) {}
  explicit array3(shape_type shape, double fill = 0.0)
      : array3(shape[0], shape[1], shape[2], fill) {}

  const shape_type& shape() const noexcept { return shape_; }
  /// Extent of axis 0, 1 or 2.
  std::size_t extent(std::size_t axis) const noexcept { return shape_[axis]; }
  std::size_t size() const noexcept { return data_.size(); }
  bool empty() const noexcept { return data_.empty(); }

  double& operator()(std::size_t i, std::size_t j, std::size_t k) noexcept {
    return data_[(i * shape_[1] + j) * shape_[2] + k];
  }
  double operator()(std::size_t i, std::size_t j, std::size_t k) const noexcept {
    return data_[(i * shape_[1] + j) * shape_[2] + k];
  }

  /// Bounds-checked access: throws invalid_argument naming the index and the shape.
  double& at(std::size_t i, std::size_t j, std::size_t k) {
    check(i, j, k);
    return (*this)(i, j, k);
  }
  double at(std::size_t i, std::size_t j, std::size_t k) const {
    check(i, j, k);
    return (*this)(i, j, k);
  }

  double* data() noexcept { return data_.data(); }
  const double* data() const noexcept { return data_.data(); }

  /// Exact comparison of shapes and elements (NaN differs from everything, as in IEEE 754).
  friend bool operator==(const array3& a, const array3& b) {
    return a.shape_ == b.shape_ && a.data_ == b.data_;
  }
  friend bool operator!=(const array3& a, const array3& b) { return !(a == b); }

 private:
  // The test stays inline (at() may run per element); only the message is out of line.
  void check(std::size_t i, std::size_t j, std::size_t k) const {
    if (i >= shape_[0] || j >= shape_[1] || k >= shape_[2])
      detail::throw_array3_index(i, j, k, shape_);
  }

  shape_type shape_{0, 0, 0};
  std::vector<double> data_;
};

namespace detail {

/// "[n, t, s]": how error messages print a shape.
ODESYNTH_INLINE std::string shape_text(const array3::shape_type& s);

namespace ml {

/// What a value is when it is missing or a result is undefined.
inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

}  // namespace ml
}  // namespace detail
}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/array3.ipp"
#endif
