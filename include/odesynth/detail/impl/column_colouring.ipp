// odesynth/detail/impl/column_colouring.ipp - the non-template code of
// detail/column_colouring.hpp, compiled in every file that includes it (header-only) or once in
// odesynth_compiled (detail/config.hpp).
#pragma once

#include <algorithm>
#include <vector>

#include "../column_colouring.hpp"

namespace odesynth::detail {

namespace colouring_detail {

/// The pattern by rows: row i's columns are cols[starts[i]] ... cols[starts[i + 1] - 1].
struct row_view {
  std::vector<std::size_t> starts, cols;
};

inline row_view by_rows(const jacobian_sparsity& pattern) {
  const std::size_t n = pattern.size();
  const auto& cs = pattern.column_starts();
  const auto& rs = pattern.row_indices();
  row_view v;
  v.starts.assign(n + 1, 0);
  for (const std::size_t i : rs) ++v.starts[i + 1];
  for (std::size_t i = 0; i < n; ++i) v.starts[i + 1] += v.starts[i];
  v.cols.resize(rs.size());
  std::vector<std::size_t> next(v.starts.begin(), v.starts.end() - 1);
  for (std::size_t j = 0; j < n; ++j)
    for (std::size_t p = cs[j]; p < cs[j + 1]; ++p) v.cols[next[rs[p]]++] = j;
  return v;
}

}  // namespace colouring_detail

ODESYNTH_INLINE column_colouring colour_columns(const jacobian_sparsity& pattern) {
  const std::size_t n = pattern.size();
  const auto& cs = pattern.column_starts();
  const auto& rs = pattern.row_indices();
  const auto by_row = colouring_detail::by_rows(pattern);
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  column_colouring out;
  out.colour_of.assign(n, none);
  std::vector<std::size_t> forbidden_for;  // forbidden_for[c] == j: colour c clashes with j
  std::size_t colours = 0;
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t p = cs[j]; p < cs[j + 1]; ++p) {
      const std::size_t i = rs[p];
      for (std::size_t q = by_row.starts[i]; q < by_row.starts[i + 1]; ++q) {
        const std::size_t c = out.colour_of[by_row.cols[q]];
        if (c != none) forbidden_for[c] = j;
      }
    }
    std::size_t c = 0;
    while (c < colours && forbidden_for[c] == j) ++c;
    if (c == colours) {
      ++colours;
      forbidden_for.push_back(none);
    }
    out.colour_of[j] = c;
  }
  out.starts.assign(colours + 1, 0);
  for (const std::size_t c : out.colour_of) ++out.starts[c + 1];
  for (std::size_t c = 0; c < colours; ++c) out.starts[c + 1] += out.starts[c];
  out.columns.resize(n);
  std::vector<std::size_t> next(out.starts.begin(), out.starts.end() - 1);
  for (std::size_t j = 0; j < n; ++j) out.columns[next[out.colour_of[j]]++] = j;
  return out;
}

ODESYNTH_INLINE bool valid_colouring(const jacobian_sparsity& pattern,
                                     const column_colouring& colouring) {
  const std::size_t n = pattern.size();
  if (colouring.colour_of.size() != n || colouring.columns.size() != n) return false;
  const auto by_row = colouring_detail::by_rows(pattern);
  std::vector<std::size_t> seen;
  for (std::size_t i = 0; i < n; ++i) {
    seen.clear();
    for (std::size_t q = by_row.starts[i]; q < by_row.starts[i + 1]; ++q)
      seen.push_back(colouring.colour_of[by_row.cols[q]]);
    std::sort(seen.begin(), seen.end());
    if (std::adjacent_find(seen.begin(), seen.end()) != seen.end()) return false;
  }
  for (std::size_t c = 0; c < colouring.colours(); ++c)
    for (std::size_t k = colouring.starts[c]; k < colouring.starts[c + 1]; ++k)
      if (colouring.colour_of[colouring.columns[k]] != c) return false;
  return true;
}

}  // namespace odesynth::detail
