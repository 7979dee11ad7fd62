// odesynth/models/exponential_decay.hpp - first-order decay x' = -k x.
//
// The simplest model with a closed-form solution, x(t) = x0 exp(-k t): the zoo's reference
// for solver accuracy. Its defaults are radiocarbon, a real first-order process whose rate is
// known to three digits, rather than k = 1 in arbitrary units.
#pragma once

#include <array>
#include <cmath>
#include <string_view>

namespace odesynth::models {

/// x' = -k x.
struct exponential_decay {
  static constexpr std::string_view name = "exponential_decay";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};

  // Radiocarbon, time in years: k = ln 2 / 5730 per year from the Cambridge half-life of 14C,
  // 5730 +- 40 years (Godwin H., 1962, "Half-life of radiocarbon", Nature 195:984); x is the
  // fraction of the initial 14C left. The span, 50 000 years (8.7 half-lives), is about the
  // reach of radiocarbon dating.
  static constexpr std::array<double, 1> default_parameters{0.6931471805599453 / 5730.0};
  static constexpr std::array<double, 1> default_initial_state{1.0};
  static constexpr double default_t_end = 50000.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    dxdt[0] = -p[0] * x[0];
  }

  /// The solution from x(0) = x0: x0 exp(-k t).
  static double exact(double x0, double k, double t) { return x0 * std::exp(-k * t); }
};

}  // namespace odesynth::models
