// odesynth/models/robertson.hpp - Robertson's stiff chemical kinetics.
//
//   A -> B (k1),  2B -> B + C (k2),  B + C -> A + C (k3):
//   y1' = -k1 y1 + k3 y2 y3,   y2' = k1 y1 - k2 y2^2 - k3 y2 y3,   y3' = k2 y2^2.
// Rate constants spanning eleven orders of magnitude make it the standard stiff test problem:
// dopri5 needs 35 000 steps to reach t = 40, rosenbrock4 with the analytic Jacobian a few
// hundred (measured). y1 + y2 + y3 is conserved; y2 peaks near 3.6e-5, so absolute
// tolerances must be far below that (README "Tolerance trap").
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct robertson {
  static constexpr std::string_view name = "robertson";
  static constexpr std::array<std::string_view, 3> species{"y1", "y2", "y3"};
  static constexpr std::array<std::string_view, 3> parameters{"k1", "k2", "k3"};

  // Robertson H.H. (1966), "The solution of a set of reaction rate equations", in Walsh J.
  // (ed.), Numerical Analysis: An Introduction, Academic Press, pp. 178-182: k = (0.04, 3e7,
  // 1e4), y(0) = (1, 0, 0), over his interval [0, 40]. The IVP Test Set (Mazzia F. and
  // Magherini C., 2008, "Test set for initial value problem solvers", release 2.4, problem
  // ROBER) integrates to t = 1e11 and gives a reference solution there; use a log-spaced grid.
  static constexpr std::array<double, 3> default_parameters{0.04, 3e7, 1e4};
  static constexpr std::array<double, 3> default_initial_state{1.0, 0.0, 0.0};
  static constexpr double default_t_end = 40.0;

  template <class State, class Params>
  void operator()(const State& y, State& dydt, double /*t*/, const Params& k) const {
    dydt[0] = -k[0] * y[0] + k[2] * y[1] * y[2];
    dydt[2] = k[1] * y[1] * y[1];
    dydt[1] = -dydt[0] - dydt[2];  // the derivatives sum to zero up to rounding
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& y, Matrix& J, double /*t*/, const Params& k) const {
    J(0, 0) = -k[0];
    J(0, 1) = k[2] * y[2];
    J(0, 2) = k[2] * y[1];
    J(1, 0) = k[0];
    J(1, 1) = -k[2] * y[2] - 2 * k[1] * y[1];
    J(1, 2) = -k[2] * y[1];
    J(2, 1) = 2 * k[1] * y[1];
  }
};

}  // namespace odesynth::models
