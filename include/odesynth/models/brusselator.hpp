// odesynth/models/brusselator.hpp - Prigogine and Lefever's autocatalytic Brusselator.
//
//   x' = a + x^2 y - (b + 1) x,  y' = b x - x^2 y.
// One fixed point, (a, b / a): stable for b < 1 + a^2, surrounded by a limit cycle beyond.
// Mildly stiff near the cycle's fast phase, so it carries an analytic Jacobian. Equations:
// Prigogine I. and Lefever R. (1968), "Symmetry breaking instabilities in dissipative systems.
// II", J. Chem. Phys. 48:1695-1700.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct brusselator {
  static constexpr std::string_view name = "brusselator";
  static constexpr std::array<std::string_view, 2> species{"x", "y"};
  static constexpr std::array<std::string_view, 2> parameters{"a", "b"};

  // a = 1, b = 3 (on the limit cycle, b > 1 + a^2 = 2) from (1.5, 3): Hairer E., Norsett S.P.
  // and Wanner G. (1993), Solving Ordinary Differential Equations I, 2nd ed., Springer,
  // pp. 115-116. The span, 20, holds about three cycles.
  static constexpr std::array<double, 2> default_parameters{1.0, 3.0};
  static constexpr std::array<double, 2> default_initial_state{1.5, 3.0};
  static constexpr double default_t_end = 20.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double autocatalysis = x[0] * x[0] * x[1];
    dxdt[0] = p[0] + autocatalysis - (p[1] + 1) * x[0];
    dxdt[1] = p[1] * x[0] - autocatalysis;
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& x, Matrix& J, double /*t*/, const Params& p) const {
    J(0, 0) = 2 * x[0] * x[1] - (p[1] + 1);
    J(0, 1) = x[0] * x[0];
    J(1, 0) = p[1] - 2 * x[0] * x[1];
    J(1, 1) = -x[0] * x[0];
  }
};

}  // namespace odesynth::models
