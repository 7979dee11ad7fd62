// odesynth/models/van_der_pol.hpp - the Van der Pol relaxation oscillator.
//
//   x'' = mu (1 - x^2) x' - x, written as x' = y, y' = mu (1 - x^2) y - x.
// Every solution except the origin tends to one limit cycle: nearly harmonic (period -> 2 pi)
// as mu -> 0, a relaxation oscillation with period ~ (3 - 2 ln 2) mu for large mu, where the
// problem becomes stiff; hence the analytic Jacobian for the Rosenbrock stepper. Equation:
// van der Pol B. (1926), "On relaxation-oscillations", Phil. Mag. (7) 2:978-992.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct van_der_pol {
  static constexpr std::string_view name = "van_der_pol";
  static constexpr std::array<std::string_view, 2> species{"x", "y"};
  static constexpr std::array<std::string_view, 1> parameters{"mu"};

  // mu = 1 from x(0) = (2, 0), next to the cycle's turning point (its amplitude is 2.009):
  // the standard non-stiff case, whose limit cycle has period 6.6633, so the span holds three
  // cycles. For the stiff problem use mu = 1000 and stepper_kind::rosenbrock4 (Hairer E. and
  // Wanner G., 1996, Solving Ordinary Differential Equations II, 2nd ed., Springer, Sect. IV.1,
  // treat the equivalent scaled form with epsilon = 1 / mu^2).
  static constexpr std::array<double, 1> default_parameters{1.0};
  static constexpr std::array<double, 2> default_initial_state{2.0, 0.0};
  static constexpr double default_t_end = 20.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    dxdt[0] = x[1];
    dxdt[1] = p[0] * (1 - x[0] * x[0]) * x[1] - x[0];
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& x, Matrix& J, double /*t*/, const Params& p) const {
    J(0, 1) = 1;
    J(1, 0) = -2 * p[0] * x[0] * x[1] - 1;
    J(1, 1) = p[0] * (1 - x[0] * x[0]);
  }
};

}  // namespace odesynth::models
