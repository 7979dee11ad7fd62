// odesynth/detail/initial_step.hpp - a first step size from the initial derivative.
//
// The starting-step algorithm of Hairer, Nørsett & Wanner, "Solving Ordinary Differential
// Equations I" (2nd ed., sec. II.4, p. 169), as used by DOPRI5 and SciPy: scale-aware, one
// extra right-hand-side evaluation. A fixed guess such as 1e-3 is too long for fast
// transients (many rejected steps) and too short for slow ones.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>

#include "portable_pow.hpp"
#include "state_ops.hpp"

namespace odesynth::detail {

/// `rhs(x, dxdt, t)`; `f0` = rhs at (x0, t0); `atol_of(i)` the absolute tolerance of
/// component i; `order` the stepper's order; `scratch_x`, `scratch_f` states of x0's size.
template <class Rhs, class State, class AbsTol>
double initial_step(Rhs& rhs, const State& x0, const State& f0, double t0, AbsTol atol_of,
                    double rel_tol, int order, State& scratch_x, State& scratch_f) {
  const std::size_t n = size_of(x0);
  auto scale = [&](std::size_t i, double x) { return atol_of(i) + rel_tol * std::fabs(x); };
  double d0 = 0, d1 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double sc = scale(i, x0[i]);
    d0 += (x0[i] / sc) * (x0[i] / sc);
    d1 += (f0[i] / sc) * (f0[i] / sc);
  }
  d0 = std::sqrt(d0 / static_cast<double>(n));
  d1 = std::sqrt(d1 / static_cast<double>(n));
  double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  if (!std::isfinite(h0) || !(h0 > 0)) h0 = 1e-6;

  for (std::size_t i = 0; i < n; ++i) scratch_x[i] = x0[i] + h0 * f0[i];
  rhs(scratch_x, scratch_f, t0 + h0);
  double d2 = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const double sc = scale(i, x0[i]);
    const double d = (scratch_f[i] - f0[i]) / sc;
    d2 += d * d;
  }
  d2 = std::sqrt(d2 / static_cast<double>(n)) / h0;

  const double dmax = std::max(d1, d2);
  const double h1 = (dmax <= 1e-15 || !std::isfinite(dmax))
                        ? std::max(1e-6, h0 * 1e-3)
                        : portable_pow(0.01 / dmax, 1.0 / static_cast<double>(order + 1));
  const double h = std::min(100 * h0, h1);
  return std::isfinite(h) && h > 0 ? h : 1e-6;
}

}  // namespace odesynth::detail
