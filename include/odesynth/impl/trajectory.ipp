// odesynth/impl/trajectory.ipp - the non-template code of trajectory.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "../trajectory.hpp"

namespace odesynth {

ODESYNTH_INLINE bool trajectory::spare_buffers::set::has_shape(Eigen::Index rows,
                                                               Eigen::Index cols) const noexcept {
  return times.size() == rows && values.rows() == rows && values.cols() == cols &&
         mask.rows() == rows && mask.cols() == cols;
}

ODESYNTH_INLINE bool trajectory::take_spare_buffers(Eigen::Index rows, Eigen::Index cols) {
  if (!small(rows, cols) || !small(times_.size(), values_.cols()) || !shapes_agree()) return false;
  spare_buffers& s = spare();
  for (auto& held : s.held)
    if (held.has_shape(rows, cols)) {
      // Eigen swaps the pointers of dynamic-size objects: no copy, no allocation.
      times_.swap(held.times);
      values_.swap(held.values);
      mask_.swap(held.mask);
      return true;
    }
  return false;
}

ODESYNTH_INLINE void trajectory::keep_rows(const Eigen::Index* rows, std::size_t count) {
  const auto kept = static_cast<Eigen::Index>(count);
  if (kept < times_.size() && small(times_.size(), values_.cols()) && shapes_agree()) {
    // Copied into a spare set of the new size (one that has it, else the next in turn,
    // resized), which then holds these buffers for a reset() to the old size.
    spare_buffers& s = spare();
    spare_buffers::set* to = nullptr;
    for (auto& held : s.held)
      if (held.has_shape(kept, values_.cols())) to = &held;
    if (!to) {
      to = &s.held[s.next];
      s.next = (s.next + 1) % spare_buffers::sets;
      to->times.resize(kept);
      to->values.resize(kept, values_.cols());
      to->mask.resize(kept, values_.cols());
    }
    // Element loops rather than std::copy: for the few columns of most models a memmove call
    // per row cost more than the copy (random_subset on 100 rows of 2 columns).
    const auto c = static_cast<std::size_t>(values_.cols());
    const double* const t_from = times_.data();
    const double* const v_from = values_.data();
    const bool* const m_from = mask_.data();
    double* const t_to = to->times.data();
    double* const v_to = to->values.data();
    bool* const m_to = to->mask.data();
    for (std::size_t i = 0; i < count; ++i) {
      const auto r = static_cast<std::size_t>(rows[i]);
      t_to[i] = t_from[r];
      for (std::size_t j = 0; j < c; ++j) {
        v_to[i * c + j] = v_from[r * c + j];
        m_to[i * c + j] = m_from[r * c + j];
      }
    }
    times_.swap(to->times);
    values_.swap(to->values);
    mask_.swap(to->mask);
    return;
  }
  // Rows are contiguous (row-major): moved down with plain copies, which cost a fraction of
  // Eigen's row-block assignments for the few columns most models have.
  const auto cols = static_cast<std::size_t>(values_.cols());
  double* const t = times_.data();
  double* const v = values_.data();
  bool* const m = mask_.data();
  Eigen::Index k = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Eigen::Index r = rows[i];
    if (r != k) {
      t[k] = t[r];
      const auto from = static_cast<std::size_t>(r) * cols, to = static_cast<std::size_t>(k) * cols;
      for (std::size_t j = 0; j < cols; ++j) {
        v[to + j] = v[from + j];
        m[to + j] = m[from + j];
      }
    }
    ++k;
  }
  times_.conservativeResize(k);
  values_.conservativeResize(k, values_.cols());
  mask_.conservativeResize(k, mask_.cols());
}

ODESYNTH_INLINE void trajectory::keep_columns(const std::vector<Eigen::Index>& columns,
                                              names_ptr names) {
  matrix_type v(values_.rows(), static_cast<Eigen::Index>(columns.size()));
  mask_type m(mask_.rows(), static_cast<Eigen::Index>(columns.size()));
  for (std::size_t j = 0; j < columns.size(); ++j) {
    v.col(static_cast<Eigen::Index>(j)) = values_.col(columns[j]);
    m.col(static_cast<Eigen::Index>(j)) = mask_.col(columns[j]);
  }
  values_ = std::move(v);
  mask_ = std::move(m);
  species_ = std::move(names);
}

ODESYNTH_INLINE void trajectory::append_column(const Eigen::VectorXd& column, names_ptr names) {
  const Eigen::Index j = values_.cols();
  values_.conservativeResize(values_.rows(), j + 1);
  mask_.conservativeResize(mask_.rows(), j + 1);
  values_.col(j) = column;
  for (Eigen::Index i = 0; i < values_.rows(); ++i) mask_(i, j) = !std::isnan(column[i]);
  species_ = std::move(names);
}

ODESYNTH_INLINE std::optional<Eigen::Index> trajectory::species_index(std::string_view name) const {
  const auto& s = *species_;
  for (std::size_t i = 0; i < s.size(); ++i)
    if (s[i] == name) return static_cast<Eigen::Index>(i);
  return std::nullopt;
}

ODESYNTH_INLINE bool trajectory::consistent() const noexcept {
  if (values_.rows() != times_.size() || mask_.rows() != values_.rows() ||
      mask_.cols() != values_.cols() ||
      static_cast<std::size_t>(values_.cols()) != species_->size())
    return false;
  for (Eigen::Index i = 0; i < values_.rows(); ++i)
    for (Eigen::Index j = 0; j < values_.cols(); ++j)
      if (mask_(i, j) == std::isnan(values_(i, j))) return false;
  return true;
}

ODESYNTH_INLINE const trajectory& require_ok(const trajectory& tr) {
  if (!tr.ok())
    throw solver_error(tr.status(),
                       fmt::format("solve of model {} failed with status {}: {}",
                                   tr.model() ? tr.model()->name() : std::string("(none)"),
                                   tr.status(), tr.message()));
  return tr;
}

namespace detail {
ODESYNTH_INLINE std::string trajectory_text(const trajectory& tr) {
  std::string text =
      fmt::format("trajectory({}: {} times x {} species [{}], status {}",
                  tr.model() ? tr.model()->name() : std::string("data"), tr.num_times(),
                  tr.num_species(), join(tr.species(), ", "), tr.status());
  if (!tr.ok()) text += fmt::format(": {}", tr.message());
  text += ')';
  return text;
}
}  // namespace detail

}  // namespace odesynth
