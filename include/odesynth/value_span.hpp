// odesynth/value_span.hpp - a read-only view of contiguous doubles, for arguments.
//
// Lets every API that takes "some numbers" (parameters, an initial state) accept a braced
// list, std::vector, std::array, Eigen::VectorXd or a pointer and length without overloads
// and without copying. It does not own the numbers: it is meant for function arguments, not
// for storage (a braced list lives only until the end of the full expression).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <type_traits>
#include <utility>

namespace odesynth {

class value_span {
 public:
  constexpr value_span() noexcept = default;
  constexpr value_span(const double* data, std::size_t size) noexcept : data_(data), size_(size) {}
  // By reference: the list lives until the end of the caller's full expression, which is
  // exactly as long as an argument view is used.
  constexpr value_span(const std::initializer_list<double>& values) noexcept
      : value_span(values.begin(), values.size()) {}

  /// Any contiguous container of doubles with data() and size() (std::vector, std::array,
  /// Eigen::VectorXd, Eigen::Map, ...).
  template <
      class Container,
      class = std::enable_if_t<
          !std::is_same_v<std::decay_t<Container>, value_span> &&
          std::is_convertible_v<decltype(std::declval<const Container&>().data()), const double*>>,
      class = decltype(std::declval<const Container&>().size())>
  constexpr value_span(const Container& values) noexcept  // NOLINT: implicit by design
      : data_(values.data()), size_(static_cast<std::size_t>(values.size())) {}

  constexpr const double* data() const noexcept { return data_; }
  constexpr std::size_t size() const noexcept { return size_; }
  constexpr bool empty() const noexcept { return size_ == 0; }
  constexpr const double& operator[](std::size_t i) const noexcept { return data_[i]; }
  constexpr const double* begin() const noexcept { return data_; }
  constexpr const double* end() const noexcept { return data_ + size_; }

 private:
  const double* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace odesynth
