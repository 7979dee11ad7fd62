// odesynth/models/sir.hpp - the Kermack-McKendrick SIR epidemic.
//
//   S' = -beta S I / N,  I' = beta S I / N - gamma I,  R' = gamma I,  N = S + I + R.
// The force of infection is frequency dependent (divided by N, computed from the state), so the
// same parameters serve counts and proportions; S + I + R is conserved. Equations: Kermack W.O.
// and McKendrick A.G. (1927), "A contribution to the mathematical theory of epidemics",
// Proc. R. Soc. Lond. A 115:700-721.
#pragma once

#include <array>
#include <string_view>
#include <type_traits>

namespace odesynth::models {

struct sir {
  static constexpr std::string_view name = "sir";
  static constexpr std::array<std::string_view, 3> species{"S", "I", "R"};
  static constexpr std::array<std::string_view, 2> parameters{"beta", "gamma"};

  // Influenza in an English boarding school, 1978 (763 boys, one initial case; British Medical
  // Journal 1978, 1:587), t in days, as fitted in Murray J.D. (2002), Mathematical Biology I:
  // An Introduction, 3rd ed., Springer, Sect. 10.2 (Fig. 10.2): mass-action rate
  // r = 2.18e-3 per day, so beta = r N = 2.18e-3 * 763 = 1.663 per day, and gamma = a =
  // 0.44 per day. The outbreak is over in two weeks.
  static constexpr std::array<double, 2> default_parameters{2.18e-3 * 763.0, 0.44};
  static constexpr std::array<double, 3> default_initial_state{762.0, 1.0, 0.0};
  static constexpr double default_t_end = 14.0;
  /// The equations compute odesynth::lanes<W> too: make_generator solves W at a time.
  static constexpr bool supports_lanes = true;

  template <class State, class Time, class Params>
  void operator()(const State& x, State& dxdt, const Time& /*t*/, const Params& p) const {
    using number = std::decay_t<decltype(x[0])>;  // double, or lanes<W> in a batch_solver
    const number population = x[0] + x[1] + x[2];
    const number infection = p[0] * x[0] * x[1] / population;
    const number recovery = p[1] * x[1];
    dxdt[0] = -infection;
    dxdt[1] = infection - recovery;
    dxdt[2] = recovery;
  }
};

}  // namespace odesynth::models
