// odesynth/detail/finite_difference.hpp - Jacobians by finite differences, for the stiff
// stepper when a model has no analytic jacobian().
//
// Central differences, J(:, j) = (f(x + h_j e_j) - f(x - h_j e_j)) / (2 h_j), error O(h^2):
// the step h_j = eps^(1/3) * max(|x_j|, floor_j) balances truncation and rounding error for
// smooth f, and is exact (up to rounding) for the quadratic mass-action terms most kinetic
// models are made of. floor_j = atol_j / rtol is the magnitude below which the solver does
// not resolve x_j anyway, so tiny species (Robertson's y2 ~ 1e-5) get proportionally tiny
// perturbations instead of a fixed 1e-5 that would swamp them. The time derivative df/dt is a
// forward difference (a backward one would reach before a restart point); for autonomous
// models it is exactly zero (computed in detail/rosenbrock4.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>

#include "state_ops.hpp"

namespace odesynth::detail {

/// Fills J via set(i, j, value). `x` is perturbed in place and restored bit for bit.
/// `floor_of(j)` gives the magnitude floor of component j.
template <class Rhs, class State, class Floor, class Set>
void central_difference_jacobian(Rhs& rhs, State& x, double t, Floor floor_of, State& f_plus,
                                 State& f_minus, Set set) {
  const double cbrt_eps = std::cbrt(std::numeric_limits<double>::epsilon());
  const std::size_t n = size_of(x);
  for (std::size_t j = 0; j < n; ++j) {
    const double xj = x[j];
    double scale = std::max(std::fabs(xj), floor_of(j));
    if (!(scale > 0) || !std::isfinite(scale)) scale = 1.0;
    // Round h so that x + h and x - h are exactly representable distances from x.
    const double up = xj + cbrt_eps * scale;
    const double h = up - xj;
    x[j] = xj + h;
    rhs(x, f_plus, t);
    x[j] = xj - h;
    rhs(x, f_minus, t);
    x[j] = xj;
    for (std::size_t i = 0; i < n; ++i) set(i, j, (f_plus[i] - f_minus[i]) / (2 * h));
  }
}

}  // namespace odesynth::detail
