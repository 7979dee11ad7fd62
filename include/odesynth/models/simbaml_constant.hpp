// odesynth/models/simbaml_constant.hpp - SimbaML's example problem "Constant function".
//
// y' = 0: the trajectory is its initial value, so everything a dataset shows beyond that is
// measurement noise; a baseline for forecasting models. Port of the example problem shipped
// with SimbaML (DILiS-lab/simba_ml, simba_ml/example_problems/), equations and defaults as
// there. SimbaML draws y(0) from Uniform(-10, 10) over 200 time points (t = 0, 1, ..., 199):
//   odesynth::sampler s(odesynth::models::simbaml_constant{});
//   s.initial_value("y", odesynth::dist::uniform{-10, 10});
// Its measurement noise (an elastic noiser) belongs to the transforms (transforms/noise.hpp),
// not to the model.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct simbaml_constant {
  static constexpr std::string_view name = "simbaml_constant";
  static constexpr std::array<std::string_view, 1> species{"y"};
  static constexpr std::array<std::string_view, 0> parameters{};

  // y(0) = 0, the mean of SimbaML's Uniform(-10, 10); SimbaML's 200 time points end at 199.
  static constexpr std::array<double, 0> default_parameters{};
  static constexpr std::array<double, 1> default_initial_state{0.0};
  static constexpr double default_t_end = 199.0;

  template <class State, class Params>
  void operator()(const State& /*x*/, State& dxdt, double /*t*/, const Params& /*p*/) const {
    dxdt[0] = 0;
  }
};

}  // namespace odesynth::models
