// odesynth/models/lorenz.hpp - Lorenz's convection model, the classic chaotic attractor.
//
//   x' = sigma (y - x),  y' = x (rho - z) - y,  z' = x y - beta z.
// Chaotic at the defaults: nearby trajectories separate at the largest Lyapunov exponent,
// about 0.9 per unit time, yet every solution stays on a bounded attractor. A test model for
// long-time sensitivity, where a trajectory is only meaningful up to the solver tolerance.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct lorenz {
  static constexpr std::string_view name = "lorenz";
  static constexpr std::array<std::string_view, 3> species{"x", "y", "z"};
  static constexpr std::array<std::string_view, 3> parameters{"sigma", "rho", "beta"};

  // Lorenz E.N. (1963), "Deterministic nonperiodic flow", J. Atmos. Sci. 20:130-141:
  // sigma = 10, rho = 28 (his r), beta = 8/3 (his b), started from (0, 1, 0).
  static constexpr std::array<double, 3> default_parameters{10.0, 28.0, 8.0 / 3.0};
  static constexpr std::array<double, 3> default_initial_state{0.0, 1.0, 0.0};
  static constexpr double default_t_end = 30.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    dxdt[0] = p[0] * (x[1] - x[0]);
    dxdt[1] = x[0] * (p[1] - x[2]) - x[1];
    dxdt[2] = x[0] * x[1] - p[2] * x[2];
  }
};

}  // namespace odesynth::models
