// odesynth/detail/error_checker.hpp - the step error norm for the Runge-Kutta steppers.
//
// Same formula as Boost.Odeint's default_error_checker (with a_x = a_dxdt = 1), so that
// odesynth's dopri5 takes exactly the steps a hand-written make_dense_output() loop takes:
//
//   err = max_i |e_i| / (atol_i + rtol * (|x_i| + |dt| * |dxdt_i|))
//
// Two differences: atol may be given per species, and a non-finite error estimate counts as
// "too large" (odeint's norm_inf silently skips NaN components, accepting the step). Rejecting
// lets the controller retry with a smaller step, which rescues models that only produce NaN
// when a too-long step overshoots (e.g. a square root of a concentration that went negative).
#pragma once

#include <cmath>
#include <cstddef>
#include <limits>

#include "state_ops.hpp"

namespace odesynth::detail {

template <class Value, class Algebra, class Operations>
class tolerance_checker {
 public:
  using value_type = Value;
  using algebra_type = Algebra;
  using operations_type = Operations;

  /// `abs_tol_per_species` may be null (then `abs_tol` applies to all); it must outlive the
  /// checker.
  tolerance_checker(value_type abs_tol = 1e-6, value_type rel_tol = 1e-6,
                    const double* abs_tol_per_species = nullptr) noexcept
      : abs_tol_(abs_tol), rel_tol_(rel_tol), abs_tol_per_species_(abs_tol_per_species) {}

  template <class State, class Deriv, class Err, class Time>
  value_type error(algebra_type& /*algebra*/, const State& x_old, const Deriv& dxdt_old, Err& x_err,
                   Time dt) const {
    using std::abs;
    const value_type a_dxdt = abs(dt);
    const std::size_t n = size_of(x_old);
    value_type worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const value_type atol = abs_tol_per_species_ ? abs_tol_per_species_[i] : abs_tol_;
      const value_type e =
          abs(x_err[i]) / (atol + rel_tol_ * (abs(x_old[i]) + a_dxdt * abs(dxdt_old[i])));
      if (!(e <= worst)) {  // also true for NaN
        if (!std::isfinite(e)) return std::numeric_limits<value_type>::infinity();
        worst = e;
      }
    }
    return worst;
  }

 private:
  value_type abs_tol_;
  value_type rel_tol_;
  const double* abs_tol_per_species_;
};

}  // namespace odesynth::detail
