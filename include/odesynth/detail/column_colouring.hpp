// odesynth/detail/column_colouring.hpp - Jacobians of sparse models by coloured central
// differences (Curtis, Powell & Reid, "On the estimation of sparse Jacobian matrices", 1974).
//
// Columns that have no structurally nonzero row in common can be perturbed together: one pair
// of right-hand sides f(x + d), f(x - d), with d perturbing every column of a group, gives
// each of those columns' entries, because every row's difference comes from exactly one of
// them. The groups are colours of a greedy colouring (columns in order, each taking the
// smallest colour no column sharing a row with it has): a banded matrix with l sub- and u
// superdiagonals gets l + u + 1 colours, so a tridiagonal Jacobian costs 6 right-hand sides
// whatever n is, where column-by-column differences (finite_difference.hpp) cost 2 n. The
// per-column step is finite_difference.hpp's, so the entries are the ones it computes (up to
// rounding in the sums of f, which now see several perturbations at once).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

#include "../sparsity.hpp"
#include "config.hpp"
#include "state_ops.hpp"

namespace odesynth::detail {

/// Columns grouped by colour: colour c holds columns columns[starts[c]] ... columns[starts[c + 1]
/// - 1], increasing.
struct column_colouring {
  std::vector<std::size_t> colour_of;  ///< per column
  std::vector<std::size_t> starts;     ///< colours + 1 offsets into `columns`
  std::vector<std::size_t> columns;

  std::size_t colours() const noexcept { return starts.empty() ? 0 : starts.size() - 1; }
};

/// Greedy Curtis-Powell-Reid colouring of the pattern's columns.
column_colouring colour_columns(const jacobian_sparsity& pattern);

/// Whether no two columns of one colour share a row (for tests).
bool valid_colouring(const jacobian_sparsity& pattern, const column_colouring& colouring);

/// Central differences over the pattern's entries, one colour at a time: calls
/// set(position, row, col, value) for every entry (position: its index in
/// pattern.row_indices()). `x` is perturbed in place and restored bit for bit; `floor_of(j)`
/// gives the magnitude floor of component j (as central_difference_jacobian); `step` and
/// `saved` are scratch (resized to n).
template <class Rhs, class State, class Floor, class Set>
void coloured_central_difference_jacobian(Rhs& rhs, State& x, double t, Floor floor_of,
                                          const jacobian_sparsity& pattern,
                                          const column_colouring& colouring, State& f_plus,
                                          State& f_minus, std::vector<double>& step,
                                          std::vector<double>& saved, Set set) {
  const double cbrt_eps = std::cbrt(std::numeric_limits<double>::epsilon());
  const std::size_t n = size_of(x);
  step.resize(n);
  saved.resize(n);
  const auto& starts = pattern.column_starts();
  const auto& rows = pattern.row_indices();
  for (std::size_t c = 0; c < colouring.colours(); ++c) {
    const std::size_t first = colouring.starts[c], last = colouring.starts[c + 1];
    for (std::size_t k = first; k < last; ++k) {
      const std::size_t j = colouring.columns[k];
      const double xj = x[j];
      double scale = std::max(std::fabs(xj), floor_of(j));
      if (!(scale > 0) || !std::isfinite(scale)) scale = 1.0;
      const double up = xj + cbrt_eps * scale;  // as central_difference_jacobian
      saved[j] = xj;
      step[j] = up - xj;
      x[j] = xj + step[j];
    }
    rhs(x, f_plus, t);
    for (std::size_t k = first; k < last; ++k) {
      const std::size_t j = colouring.columns[k];
      x[j] = saved[j] - step[j];
    }
    rhs(x, f_minus, t);
    for (std::size_t k = first; k < last; ++k) {
      const std::size_t j = colouring.columns[k];
      x[j] = saved[j];
      const double two_h = 2 * step[j];
      for (std::size_t p = starts[j]; p < starts[j + 1]; ++p) {
        const std::size_t i = rows[p];
        set(p, i, j, (f_plus[i] - f_minus[i]) / two_h);
      }
    }
  }
}

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/column_colouring.ipp"
#endif
