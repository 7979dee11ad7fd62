// odesynth/models/seir.hpp - the SEIR epidemic with a latent period and births = deaths.
//
//   S' = mu N - beta S I / N - mu S
//   E' = beta S I / N - (sigma + mu) E
//   I' = sigma E - (gamma + mu) I
//   R' = gamma I - mu R,                      N = S + E + I + R.
// Births balance deaths, so N is conserved; with demography the epidemic settles into damped
// oscillations around an endemic equilibrium instead of burning out (the reason this model
// carries mu where sir.hpp does not). With proportions (N = 1) it is exactly Keeling and
// Rohani's Program 2.6.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct seir {
  static constexpr std::string_view name = "seir";
  static constexpr std::array<std::string_view, 4> species{"S", "E", "I", "R"};
  static constexpr std::array<std::string_view, 4> parameters{"beta", "sigma", "gamma", "mu"};

  // Keeling M.J. and Rohani P. (2008), Modeling Infectious Diseases in Humans and Animals,
  // Princeton University Press, Program 2.6 (SEIR model, p. 41), t in days: beta = 520 / 365,
  // latent period 1 / sigma = 14 days, infectious period 1 / gamma = 7 days, life expectancy
  // 1 / mu = 70 years; S(0) = 0.1, E(0) = I(0) = 1e-4 (proportions; R(0) is the rest) over
  // their 60 years.
  static constexpr std::array<double, 4> default_parameters{520.0 / 365.0, 1.0 / 14.0, 1.0 / 7.0,
                                                            1.0 / (70.0 * 365.0)};
  static constexpr std::array<double, 4> default_initial_state{0.1, 1e-4, 1e-4, 0.8998};
  static constexpr double default_t_end = 60.0 * 365.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double population = x[0] + x[1] + x[2] + x[3];
    const double infection = p[0] * x[0] * x[2] / population;
    const double mu = p[3];
    dxdt[0] = mu * population - infection - mu * x[0];
    dxdt[1] = infection - (p[1] + mu) * x[1];
    dxdt[2] = p[1] * x[1] - (p[2] + mu) * x[2];
    dxdt[3] = p[2] * x[2] - mu * x[3];
  }
};

}  // namespace odesynth::models
