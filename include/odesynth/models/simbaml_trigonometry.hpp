// odesynth/models/simbaml_trigonometry.hpp - SimbaML's example problem "Trigonometry": four
// species that are sine and cosine and their negatives, each the derivative of the previous.
//
//   sin' = cos / 100,  cos' = -sin / 100,  -sin' = -cos / 100,  -cos' = sin / 100,
// where each right-hand side reads the species of that name (so cos' uses the state "-sin",
// not -1 times "sin"). From (0, 1, 0, -1) the solution is (sin, cos, -sin, -cos)(t / 100);
// the four coupled linear equations are what forecasting models must learn. Port of the
// example problem shipped with SimbaML (DILiS-lab/simba_ml, simba_ml/example_problems/).
//
// SimbaML adds process noise to it: one Normal(0, 0.05) value per unit time interval, the same
// for every species, added to the derivative. In odesynth that is derivative_noise.hpp:
//   odesynth::with_derivative_noise noisy(
//       odesynth::models::simbaml_trigonometry{},
//       {odesynth::dist::normal{0, 0.05}, 1.0, odesynth::derivative_noise::mode::additive,
//        /*shared=*/true});
//   odesynth::random_stream s(seed, i, odesynth::stream_purpose::process_noise);
//   auto tr = odesynth::solver(noisy).solve(noisy.schedule({}, grid, s), x0, grid);
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct simbaml_trigonometry {
  static constexpr std::string_view name = "simbaml_trigonometry";
  static constexpr std::array<std::string_view, 4> species{"sin", "cos", "-sin", "-cos"};
  static constexpr std::array<std::string_view, 0> parameters{};

  // SimbaML's values: (0, 1, 0, -1); 200 time points end at 199.
  static constexpr std::array<double, 0> default_parameters{};
  static constexpr std::array<double, 4> default_initial_state{0.0, 1.0, 0.0, -1.0};
  static constexpr double default_t_end = 199.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& /*p*/) const {
    dxdt[0] = x[1] / 100;
    dxdt[1] = x[2] / 100;
    dxdt[2] = x[3] / 100;
    dxdt[3] = x[0] / 100;
  }
};

}  // namespace odesynth::models
