// odesynth/models/repressilator.hpp - Elowitz and Leibler's repressilator, mRNA and protein.
//
// Three repressors in a ring, LacI -| tetR, TetR -| cI, CI -| lacI, in the dimensionless form
// of the paper's Box 1 (time in mRNA lifetimes, proteins in units of the repression
// threshold K_M, mRNA in units of K_M scaled by translation):
//   m_i' = -m_i + alpha / (1 + p_j^n) + alpha0,    p_i' = -beta (p_i - m_i),
// with (i, j) = (lacI, cI), (tetR, lacI), (cI, tetR). The symmetric steady state is unstable
// at the defaults and every other start converges to a limit cycle. Source: Elowitz M.B. and
// Leibler S. (2000), "A synthetic oscillatory network of transcriptional regulators", Nature
// 403:335-338.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <string_view>

namespace odesynth::models {

struct repressilator {
  static constexpr std::string_view name = "repressilator";
  static constexpr std::array<std::string_view, 6> species{"lacI_mRNA", "tetR_mRNA", "cI_mRNA",
                                                           "LacI",      "TetR",      "CI"};
  static constexpr std::array<std::string_view, 4> parameters{"alpha", "alpha0", "beta", "n"};

  // The paper's physical values made dimensionless: promoter strengths 0.5 (free) and 5e-4
  // (repressed) transcripts/s, 20 proteins per transcript, K_M = 40 monomers per cell, Hill
  // coefficient n = 2, mRNA half-life 2 min, protein half-life 10 min. With the mRNA lifetime
  // 2 min / ln 2 = 173 s as the time unit, alpha = 0.5 * 173 * 20 / (40 * 0.2) = 216.4 and
  // alpha0 = 5e-4 * 173 * 20 / (40 * 0.2) = 0.2164 (the values usually quoted as 216 and
  // 0.216), beta = 2 min / 10 min = 0.2. Starts with mRNA absent and unequal protein levels.
  // The limit cycle's period is 43.45 lifetimes = 125 min (measured), the "periods of hours"
  // the paper observed; the span, 300 lifetimes (14 h), holds about seven.
  static constexpr std::array<double, 4> default_parameters{216.4, 0.2164, 0.2, 2.0};
  static constexpr std::array<double, 6> default_initial_state{0.0, 0.0, 0.0, 5.0, 0.0, 15.0};
  static constexpr double default_t_end = 300.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double alpha = p[0], alpha0 = p[1], beta = p[2], n = p[3];
    for (std::size_t i = 0; i < 3; ++i) {
      const std::size_t repressor = 3 + (i + 2) % 3;  // lacI <- CI, tetR <- LacI, cI <- TetR
      // A protein level can dip a rounding error below zero; pow of a negative base with a
      // non-integer n would be NaN.
      const double level = std::max(0.0, static_cast<double>(x[repressor]));
      dxdt[i] = -x[i] + alpha / (1 + std::pow(level, n)) + alpha0;
      dxdt[3 + i] = -beta * (x[3 + i] - x[i]);
    }
  }
};

}  // namespace odesynth::models
