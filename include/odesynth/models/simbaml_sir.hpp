// odesynth/models/simbaml_sir.hpp - SimbaML's example problem "SIR": an epidemic whose contact
// rate changes in steps, observed through the infected only.
//
//   S' = -beta S I / N,  I' = beta S I / N - gamma I,  R' = gamma I,  N = S + I + R.
// Port of the example problem shipped with SimbaML (DILiS-lab/simba_ml,
// simba_ml/example_problems/); SimbaML spells the first species "Suspectible", here it is
// "Susceptible" (SimbaML hides it, so no output column changes).
//
// The model is only the equations: beta is an ordinary parameter. SimbaML's contact rate
// beta = 0.1 from t = 0, 0.2 from t = 30, 0.15 from t = 60 and 0 from t = 80 is a
// parameter_schedule (default_schedule() below, for solver::solve(schedule, x0, grid)), or the
// same as a sampler setting together with SimbaML's other choices:
//   odesynth::sampler s(odesynth::models::simbaml_sir{});
//   s.schedule("beta", {dist::constant{30}, dist::constant{60}, dist::constant{80}},
//              {dist::constant{0.1}, dist::constant{0.2}, dist::constant{0.15},
//               dist::constant{0}})
//    .parameter("gamma", 0.1)
//    .initial_value("Susceptible", 100000).initial_value("Infected", 1)
//    .initial_value("Recovered", dist::lognormal{2, 1});
// (dist = odesynth::dist). The solver restarts exactly at each switch. SimbaML outputs only
// "Infected": apply odesynth::hide_species({"Susceptible", "Recovered"})
// (transforms/postprocess.hpp), the names in hidden_species.
#pragma once

#include <array>
#include <string_view>

#include "../parameter_schedule.hpp"
#include "sir.hpp"

namespace odesynth::models {

struct simbaml_sir {
  static constexpr std::string_view name = "simbaml_sir";
  static constexpr std::array<std::string_view, 3> species{"Susceptible", "Infected", "Recovered"};
  static constexpr std::array<std::string_view, 2> parameters{"beta", "gamma"};
  /// Species SimbaML leaves out of the output.
  static constexpr std::array<std::string_view, 2> hidden_species{"Susceptible", "Recovered"};

  // SimbaML's values: beta = 0.1 (its value until t = 30), gamma = 0.1; S(0) = 100000,
  // I(0) = 1, R(0) = e^2 = 7.389, the median of its LogNormal(2, 1) (numpy's lognormal: mu and
  // sigma of log R); its 100 time points end at 99.
  static constexpr std::array<double, 2> default_parameters{0.1, 0.1};
  static constexpr std::array<double, 3> default_initial_state{100000.0, 1.0, 7.38905609893065};
  static constexpr double default_t_end = 99.0;
  /// The equations compute odesynth::lanes<W> too: make_generator solves W at a time.
  static constexpr bool supports_lanes = true;

  /// SimbaML's piecewise-constant contact rate, gamma fixed at 0.1.
  static parameter_schedule default_schedule() {
    return {{30.0, 60.0, 80.0}, {{0.1, 0.1}, {0.2, 0.1}, {0.15, 0.1}, {0.0, 0.1}}};
  }

  /// models::sir's equations.
  template <class State, class Time, class Params>
  void operator()(const State& x, State& dxdt, const Time& t, const Params& p) const {
    sir{}(x, dxdt, t, p);
  }
};

}  // namespace odesynth::models
