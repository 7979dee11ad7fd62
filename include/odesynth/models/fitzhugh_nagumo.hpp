// odesynth/models/fitzhugh_nagumo.hpp - the FitzHugh-Nagumo excitable neuron.
//
//   v' = v - v^3 / 3 - w + I_ext,  w' = (v + a - b w) / tau.
// A fast voltage v with cubic nullcline and a slow recovery w: excitable at rest, a limit
// cycle (repetitive spiking) for a middle range of the injected current I_ext. Equations:
// FitzHugh R. (1961), "Impulses and physiological states in theoretical models of nerve
// membrane", Biophys. J. 1:445-466; Nagumo J., Arimoto S. and Yoshizawa S. (1962), "An active
// pulse transmission line simulating nerve axon", Proc. IRE 50:2061-2070.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct fitzhugh_nagumo {
  static constexpr std::string_view name = "fitzhugh_nagumo";
  static constexpr std::array<std::string_view, 2> species{"v", "w"};
  static constexpr std::array<std::string_view, 4> parameters{"a", "b", "tau", "I_ext"};

  // FitzHugh's constants a = 0.7, b = 0.8, tau = 12.5 (his 1/phi = 1/0.08), in the form of
  // Izhikevich E.M. and FitzHugh R. (2006), "FitzHugh-Nagumo model", Scholarpedia 1(9):1349;
  // I_ext = 0.5 lies inside the spiking range. The span, 200 time units, holds about five
  // spikes; the start (-1, 1) is an arbitrary point off the cycle.
  static constexpr std::array<double, 4> default_parameters{0.7, 0.8, 12.5, 0.5};
  static constexpr std::array<double, 2> default_initial_state{-1.0, 1.0};
  static constexpr double default_t_end = 200.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    dxdt[0] = x[0] - x[0] * x[0] * x[0] / 3 - x[1] + p[3];
    dxdt[1] = (x[0] + p[0] - p[1] * x[1]) / p[2];
  }
};

}  // namespace odesynth::models
