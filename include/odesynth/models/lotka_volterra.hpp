// odesynth/models/lotka_volterra.hpp - the Lotka-Volterra predator-prey model.
//
// Prey grow exponentially and are eaten; predators starve without prey:
//   prey' = alpha prey - beta prey predator,  predator' = delta prey predator - gamma predator.
// Every solution from positive values is a closed orbit around (gamma / delta, alpha / beta);
// small orbits have period 2 pi / sqrt(alpha gamma), and delta x - gamma ln x + beta y -
// alpha ln y is conserved. Equations: Lotka A.J. (1925), Elements of Physical Biology,
// Williams & Wilkins; Volterra V. (1926), "Fluctuations in the abundance of a species
// considered mathematically", Nature 118:558-560.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct lotka_volterra {
  static constexpr std::string_view name = "lotka_volterra";
  static constexpr std::array<std::string_view, 2> species{"prey", "predator"};
  static constexpr std::array<std::string_view, 4> parameters{"alpha", "beta", "gamma", "delta"};

  // Snowshoe hares and Canada lynx, thousands of pelts traded by the Hudson's Bay Company,
  // t in years from 1900: the rounded posterior means of Carpenter B. (2018), "Predator-prey
  // population dynamics: the Lotka-Volterra model in Stan", Stan case study (data 1900-1920,
  // hence the 20-year span). Small-orbit period 2 pi / sqrt(0.55 * 0.80) = 9.5 years, the
  // famous ten-year cycle.
  static constexpr std::array<double, 4> default_parameters{0.55, 0.028, 0.80, 0.024};
  static constexpr std::array<double, 2> default_initial_state{33.9, 5.9};
  static constexpr double default_t_end = 20.0;
  /// The equations compute odesynth::lanes<W> too: make_generator solves W at a time.
  static constexpr bool supports_lanes = true;

  template <class State, class Time, class Params>
  void operator()(const State& x, State& dxdt, const Time& /*t*/, const Params& p) const {
    dxdt[0] = p[0] * x[0] - p[1] * x[0] * x[1];
    dxdt[1] = p[3] * x[0] * x[1] - p[2] * x[1];
  }
};

}  // namespace odesynth::models
