// odesynth/models/logistic_growth.hpp - Verhulst's logistic growth N' = r N (1 - N / K).
//
// One species that saturates at the carrying capacity K; its closed-form solution makes it a
// check of long-time accuracy, and K is a globally attracting fixed point for N(0) > 0.
// Equation: Verhulst P.-F. (1838), "Notice sur la loi que la population suit dans son
// accroissement", Correspondance mathematique et physique 10:113-121.
#pragma once

#include <array>
#include <cmath>
#include <string_view>

namespace odesynth::models {

/// N' = r N (1 - N / K).
struct logistic_growth {
  static constexpr std::string_view name = "logistic_growth";
  static constexpr std::array<std::string_view, 1> species{"N"};
  static constexpr std::array<std::string_view, 2> parameters{"r", "K"};

  // The population of the United States, N in millions, t in years from 1790: Pearl R. and
  // Reed L.J. (1920), "On the rate of growth of the population of the United States since 1790
  // and its mathematical representation", PNAS 6(6):275-288, fitted r = 0.0313395 per year and
  // an upper asymptote of 197.27 million to the censuses of 1790-1910; N(0) is the 1790 census,
  // 3.929 million. By t = 300 the solution is within 0.5 % of K.
  static constexpr std::array<double, 2> default_parameters{0.0313395, 197.274};
  static constexpr std::array<double, 1> default_initial_state{3.929};
  static constexpr double default_t_end = 300.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    dxdt[0] = p[0] * x[0] * (1 - x[0] / p[1]);
  }

  /// The solution from N(0) = n0 > 0: K / (1 + (K / n0 - 1) exp(-r t)).
  static double exact(double n0, double r, double k, double t) {
    return k / (1 + (k / n0 - 1) * std::exp(-r * t));
  }
};

}  // namespace odesynth::models
