// odesynth/sparsity.hpp - which entries of a model's Jacobian can be nonzero, so the stiff
// stepper (rosenbrock4) can store, evaluate and factorise only those.
//
//   class chain {
//    public:
//     ...
//     odesynth::jacobian_sparsity sparsity() const {       // opt in: a const member
//       return odesynth::jacobian_sparsity::banded(n_, 1, 0);  // x_i' depends on x_{i-1}, x_i
//     }
//   };
//
// A pattern is built from (row, col) pairs or as a band; it is validated (every index below
// n), stored column-compressed (each column's rows sorted, duplicates merged) and always holds
// the whole diagonal (the stiff stepper's matrix 1/(gamma h) I - J needs it). A model that
// provides sparsity() is solved by rosenbrock4 (and by auto_switch's stiff phases) with sparse
// matrices and Eigen::SparseLU when that pays: solve_options::jacobian = automatic (the
// default) picks sparse from 25 species on if the LU factors stay sparse; `sparse` and `dense`
// force either (docs/solving.md, "Large stiff models: sparse Jacobians"). Its jacobian() is
// then written into the pattern, or, without one, the Jacobian is computed by central
// differences over groups of structurally independent columns (Curtis, Powell & Reid),
// 2 x (number of groups) right-hand sides instead of 2 n. Entries outside the pattern must be
// zero: jacobian() writing a nonzero there is an error, but differences never look there, so a
// pattern that misses a nonzero gives a wrong Jacobian silently (the error control then pays
// for it in steps; see the docs). equation_model and any_model give patterns too.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/config.hpp"

namespace odesynth {

class jacobian_sparsity {
 public:
  /// The pattern of a 0 x 0 Jacobian.
  jacobian_sparsity() = default;

  /// The diagonal plus the listed (row, col) entries of an n x n Jacobian, in any order,
  /// duplicates allowed. Throws invalid_argument naming the first entry with an index >= n.
  jacobian_sparsity(std::size_t n, const std::vector<std::pair<std::size_t, std::size_t>>& entries);

  /// Entries with col - lower <= row <= col + upper: `lower` subdiagonals (row > col, x_i
  /// depending on earlier species) and `upper` superdiagonals. Bands wider than n - 1 are
  /// clipped to the matrix.
  static jacobian_sparsity banded(std::size_t n, std::size_t lower, std::size_t upper);

  std::size_t size() const noexcept { return n_; }
  /// Structurally nonzero entries, the diagonal included.
  std::size_t nonzeros() const noexcept { return rows_.size(); }
  /// Column-compressed: column j's entries are positions column_starts()[j] to
  /// column_starts()[j + 1] - 1 of row_indices(), rows increasing. n + 1 starts.
  const std::vector<std::size_t>& column_starts() const noexcept { return starts_; }
  const std::vector<std::size_t>& row_indices() const noexcept { return rows_; }

  /// Whether (row, col) is in the pattern (binary search in the column).
  bool contains(std::size_t row, std::size_t col) const noexcept;
  /// The position of (row, col) in row_indices(), or nonzeros() if it is not in the pattern.
  std::size_t position(std::size_t row, std::size_t col) const noexcept;

  friend bool operator==(const jacobian_sparsity& a, const jacobian_sparsity& b) noexcept {
    return a.n_ == b.n_ && a.starts_ == b.starts_ && a.rows_ == b.rows_;
  }
  friend bool operator!=(const jacobian_sparsity& a, const jacobian_sparsity& b) noexcept {
    return !(a == b);
  }

 private:
  std::size_t n_ = 0;
  std::vector<std::size_t> starts_{0};
  std::vector<std::size_t> rows_;
};

/// Whether M has `jacobian_sparsity sparsity() const`.
template <class M, class = void>
struct has_sparsity : std::false_type {};
template <class M>
struct has_sparsity<M, std::void_t<decltype(std::declval<const M&>().sparsity())>>
    : std::is_convertible<decltype(std::declval<const M&>().sparsity()), jacobian_sparsity> {};
template <class M>
inline constexpr bool has_sparsity_v = has_sparsity<M>::value;

namespace detail {

/// A model type that has a sparsity() for some of its values only (any_model: whether the
/// model it wraps has one) says so with `bool has_sparsity_pattern() const`.
template <class M, class = void>
struct has_sparsity_pattern_query : std::false_type {};
template <class M>
struct has_sparsity_pattern_query<
    M, std::void_t<decltype(bool(std::declval<const M&>().has_sparsity_pattern()))>>
    : std::true_type {};

/// Whether `m` gives a pattern: has_sparsity_v, and has_sparsity_pattern() if it has that.
template <class M>
bool sparsity_available([[maybe_unused]] const M& m) {
  if constexpr (!has_sparsity_v<M>)
    return false;
  else if constexpr (has_sparsity_pattern_query<M>::value)
    return m.has_sparsity_pattern();
  else
    return true;
}

}  // namespace detail

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/sparsity.ipp"
#endif
