// odesynth/impl/trajectory.ipp - the non-template code of trajectory.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <limits>

#include "../trajectory.hpp"

namespace odesynth {

ODESYNTH_INLINE void trajectory::keep_rows(const Eigen::Index* rows, std::size_t count) {
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
