// odesynth/impl/sparsity.ipp - the non-template code of sparsity.hpp, compiled in every file
// that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>

#include "../error.hpp"
#include "../sparsity.hpp"

namespace odesynth {

ODESYNTH_INLINE jacobian_sparsity::jacobian_sparsity(
    std::size_t n, const std::vector<std::pair<std::size_t, std::size_t>>& entries)
    : n_(n) {
  for (std::size_t k = 0; k < entries.size(); ++k) {
    const auto [row, col] = entries[k];
    if (row >= n || col >= n)
      detail::throw_invalid(fmt::format("jacobian_sparsity.entries[{}]", k),
                            fmt::format("({}, {})", row, col),
                            fmt::format("a row and a column below n = {}", n));
  }
  // Counting sort by column, then sort and merge each column's rows.
  std::vector<std::size_t> count(n + 1, 0);
  for (const auto& e : entries) ++count[e.second + 1];
  for (std::size_t j = 0; j < n; ++j) ++count[j + 1];  // the diagonal
  for (std::size_t j = 0; j < n; ++j) count[j + 1] += count[j];
  std::vector<std::size_t> rows(count[n]);
  std::vector<std::size_t> next(count.begin(), count.end() - 1);
  for (std::size_t j = 0; j < n; ++j) rows[next[j]++] = j;
  for (const auto& e : entries) rows[next[e.second]++] = e.first;
  starts_.assign(1, 0);
  starts_.reserve(n + 1);
  rows_.reserve(rows.size());
  for (std::size_t j = 0; j < n; ++j) {
    const auto first = rows.begin() + static_cast<std::ptrdiff_t>(count[j]);
    const auto last = rows.begin() + static_cast<std::ptrdiff_t>(count[j + 1]);
    std::sort(first, last);
    rows_.insert(rows_.end(), first, std::unique(first, last));
    starts_.push_back(rows_.size());
  }
}

ODESYNTH_INLINE jacobian_sparsity jacobian_sparsity::banded(std::size_t n, std::size_t lower,
                                                            std::size_t upper) {
  jacobian_sparsity s;
  s.n_ = n;
  s.starts_.assign(1, 0);
  s.starts_.reserve(n + 1);
  for (std::size_t j = 0; j < n; ++j) {
    const std::size_t first = j > upper ? j - upper : 0;
    const std::size_t last = std::min(n - 1, j + std::min(lower, n));
    for (std::size_t i = first; i <= last; ++i) s.rows_.push_back(i);
    s.starts_.push_back(s.rows_.size());
  }
  return s;
}

ODESYNTH_INLINE std::size_t jacobian_sparsity::position(std::size_t row,
                                                        std::size_t col) const noexcept {
  if (row >= n_ || col >= n_) return rows_.size();
  const auto first = rows_.begin() + static_cast<std::ptrdiff_t>(starts_[col]);
  const auto last = rows_.begin() + static_cast<std::ptrdiff_t>(starts_[col + 1]);
  const auto it = std::lower_bound(first, last, row);
  return it != last && *it == row ? static_cast<std::size_t>(it - rows_.begin()) : rows_.size();
}

ODESYNTH_INLINE bool jacobian_sparsity::contains(std::size_t row, std::size_t col) const noexcept {
  return position(row, col) < rows_.size();
}

}  // namespace odesynth
