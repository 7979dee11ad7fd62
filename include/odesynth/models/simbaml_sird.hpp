// odesynth/models/simbaml_sird.hpp - SimbaML's example problem "SIRD": SIR with deaths and
// waning immunity.
//
//   S' = -beta S I / N + epsilon R,  I' = beta S I / N - (gamma + delta) I,
//   R' = gamma I - epsilon R,        D' = delta I,      N = S + I + R + D.
// Port of the example problem shipped with SimbaML (DILiS-lab/simba_ml,
// simba_ml/example_problems/), kept exactly, including N counting the dead (unlike
// sird_vaccination.hpp, where the dead do not mix); S + I + R + D is conserved. SimbaML spells
// the first species "Suspectible"; here it is "Susceptible". Its random settings:
//   odesynth::sampler s(odesynth::models::simbaml_sird{});
//   s.parameter("beta", odesynth::dist::uniform{0.1, 0.3}).parameter("gamma", 0.04)
//    .parameter("delta", 0.04).parameter("epsilon", 0.04)
//    .initial_value("Susceptible", 999)
//    .initial_value("Infected", odesynth::dist::choice{{10, 500, 1000}})
//    .initial_value("Recovered", odesynth::dist::lognormal{2, 0.1}).initial_value("Dead", 0);
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct simbaml_sird {
  static constexpr std::string_view name = "simbaml_sird";
  static constexpr std::array<std::string_view, 4> species{"Susceptible", "Infected", "Recovered",
                                                           "Dead"};
  static constexpr std::array<std::string_view, 4> parameters{"beta", "gamma", "delta", "epsilon"};

  // SimbaML's values: beta = 0.2, the mean of its Uniform(0.1, 0.3); gamma = delta = epsilon =
  // 0.04; S(0) = 999, I(0) = 10 (the first of its choices 10, 500, 1000), R(0) = e^2 = 7.389
  // (the median of its LogNormal(2, 0.1)), D(0) = 0. SimbaML's default 1500 time points end
  // at 1499.
  static constexpr std::array<double, 4> default_parameters{0.2, 0.04, 0.04, 0.04};
  static constexpr std::array<double, 4> default_initial_state{999.0, 10.0, 7.38905609893065, 0.0};
  static constexpr double default_t_end = 1499.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double population = x[0] + x[1] + x[2] + x[3];
    const double infection = p[0] * x[0] * x[1] / population;
    const double waning = p[3] * x[2];
    dxdt[0] = -infection + waning;
    dxdt[1] = infection - (p[1] + p[2]) * x[1];
    dxdt[2] = p[1] * x[1] - waning;
    dxdt[3] = p[2] * x[1];
  }
};

}  // namespace odesynth::models
