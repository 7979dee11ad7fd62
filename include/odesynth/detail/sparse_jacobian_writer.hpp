// odesynth/detail/sparse_jacobian_writer.hpp - what a model's jacobian(x, J, t, p) writes into
// when the stiff stepper keeps J sparse (sparsity.hpp): J(i, j) = v finds entry (i, j) of the
// pattern and stores v among its values. A model whose jacobian() is a template over the
// matrix type (the zoo's, equation_model) takes it as it takes a dense matrix; any_model
// forwards it (any_model.hpp). Kept apart from rosenbrock4.hpp so that any_model.hpp can name it
// without pulling in Eigen's sparse LU.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <utility>

#include "../sparsity.hpp"

namespace odesynth::detail {

/// J(i, j) refers to the stored entry: values[p] for the pattern's position p of (i, j). A
/// nonzero written outside the pattern is dropped and recorded (the first such entry), so the
/// caller can refuse it; reading outside gives 0. Each access is a binary search in column j.
class sparse_jacobian_writer {
 public:
  class reference {
   public:
    reference(sparse_jacobian_writer* w, double* v, Eigen::Index i, Eigen::Index j) noexcept
        : w_(w), v_(v), i_(i), j_(j) {}
    reference& operator=(double value) noexcept {
      if (v_)
        *v_ = value;
      else if (value != 0)
        w_->outside(i_, j_);
      return *this;
    }
    reference& operator+=(double value) noexcept { return *this = double(*this) + value; }
    reference& operator-=(double value) noexcept { return *this = double(*this) - value; }
    reference& operator*=(double value) noexcept { return *this = double(*this) * value; }
    operator double() const noexcept { return v_ ? *v_ : 0.0; }

   private:
    sparse_jacobian_writer* w_;
    double* v_;
    Eigen::Index i_, j_;
  };

  /// `values` holds pattern.nonzeros() doubles in the pattern's order (row_indices()).
  sparse_jacobian_writer(const jacobian_sparsity& pattern, double* values) noexcept
      : pattern_(&pattern), values_(values) {}

  Eigen::Index rows() const noexcept { return static_cast<Eigen::Index>(pattern_->size()); }
  Eigen::Index cols() const noexcept { return rows(); }
  Eigen::Index size() const noexcept { return rows() * cols(); }
  void setZero() noexcept { std::fill_n(values_, pattern_->nonzeros(), 0.0); }

  reference operator()(Eigen::Index i, Eigen::Index j) noexcept {
    const std::size_t p = position(i, j);
    return reference(this, p < pattern_->nonzeros() ? values_ + p : nullptr, i, j);
  }
  double operator()(Eigen::Index i, Eigen::Index j) const noexcept {
    const std::size_t p = position(i, j);
    return p < pattern_->nonzeros() ? values_[p] : 0.0;
  }

  /// Whether a nonzero was written outside the pattern, and the first such entry.
  bool wrote_outside() const noexcept { return outside_; }
  std::pair<Eigen::Index, Eigen::Index> first_outside() const noexcept { return first_; }

 private:
  std::size_t position(Eigen::Index i, Eigen::Index j) const noexcept {
    if (i < 0 || j < 0) return pattern_->nonzeros();
    return pattern_->position(static_cast<std::size_t>(i), static_cast<std::size_t>(j));
  }
  void outside(Eigen::Index i, Eigen::Index j) noexcept {
    if (!outside_) first_ = {i, j};
    outside_ = true;
  }

  const jacobian_sparsity* pattern_;
  double* values_;
  bool outside_ = false;
  std::pair<Eigen::Index, Eigen::Index> first_{0, 0};
};

}  // namespace odesynth::detail
