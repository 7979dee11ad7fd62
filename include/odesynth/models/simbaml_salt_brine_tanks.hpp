// odesynth/models/simbaml_salt_brine_tanks.hpp - SimbaML's example problem "Salt and Brine
// Tanks": two tanks of volume V exchanging brine at flow rate r.
//
//   x1' = r / V (x2 - x1),   x2' = r / V (x1 - x2)      (salt in each tank)
// Salt only moves between the tanks, so x1 + x2 is conserved and both relax to the mean with
// rate 2 r / V. The second tank is hidden in SimbaML's output (contained_in_output = False):
// the dataset shows one tank relaxing towards an unobserved partner. Port of the example
// problem shipped with SimbaML (DILiS-lab/simba_ml, simba_ml/example_problems/), equations as
// there. SimbaML's random settings and the hidden tank, in odesynth:
//   odesynth::sampler s(odesynth::models::simbaml_salt_brine_tanks{});
//   s.parameter("r", odesynth::dist::uniform{0.1, 0.3})
//    .parameter("V", odesynth::dist::choice{{1, 10, 100, 1000}})
//    .initial_value("x1", odesynth::dist::choice{{799, 999}}).initial_value("x2", 499);
//   auto observe = odesynth::hide_species({"x2"});   // transforms/postprocess.hpp
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct simbaml_salt_brine_tanks {
  static constexpr std::string_view name = "simbaml_salt_brine_tanks";
  static constexpr std::array<std::string_view, 2> species{"x1", "x2"};
  static constexpr std::array<std::string_view, 2> parameters{"r", "V"};
  /// Species SimbaML leaves out of the output.
  static constexpr std::array<std::string_view, 1> hidden_species{"x2"};

  // r = 0.2, the mean of SimbaML's Uniform(0.1, 0.3); V = 100 and x1(0) = 799, values from its
  // lists {1, 10, 100, 1000} and {799, 999} (with V = 100 the tanks equilibrate, time constant
  // V / 2r = 250, well inside the span); x2(0) = 499 as in SimbaML; its 5000 time points end at
  // 4999.
  static constexpr std::array<double, 2> default_parameters{0.2, 100.0};
  static constexpr std::array<double, 2> default_initial_state{799.0, 499.0};
  static constexpr double default_t_end = 4999.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double exchange = p[0] / p[1] * (x[1] - x[0]);
    dxdt[0] = exchange;
    dxdt[1] = -exchange;
  }
};

}  // namespace odesynth::models
