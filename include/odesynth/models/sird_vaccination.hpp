// odesynth/models/sird_vaccination.hpp - SIRD epidemic with deaths and vaccination.
//
//   S' = -beta S I / N - nu S
//   I' = beta S I / N - (gamma + delta) I
//   R' = gamma I,   D' = delta I,   V' = nu S,        N = S + I + R + V (the living).
// Vaccinated people get their own compartment V, so the vaccination effort stays visible in
// the data instead of disappearing into R; S + I + R + D + V is conserved. The dead do not
// mix, hence N excludes D (SimbaML's SIRD counts them, see simbaml_sird.hpp).
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct sird_vaccination {
  static constexpr std::string_view name = "sird_vaccination";
  static constexpr std::array<std::string_view, 5> species{"S", "I", "R", "D", "V"};
  static constexpr std::array<std::string_view, 4> parameters{"beta", "gamma", "delta", "nu"};

  // Early COVID-19, t in days, population one million with ten initial cases:
  // R0 = 2.2 and mean serial interval 7.5 days (Li Q. et al., 2020, "Early transmission
  // dynamics in Wuhan, China, of novel coronavirus-infected pneumonia", N. Engl. J. Med.
  // 382:1199-1207), taken as the mean time 1 / (gamma + delta) spent infectious, so
  // beta = 2.2 / 7.5; infection fatality ratio delta / (gamma + delta) = 0.657 % (Verity R. et
  // al., 2020, "Estimates of the severity of coronavirus disease 2019: a model-based
  // analysis", Lancet Infect. Dis. 20:669-677). The vaccination rate nu = 0.5 % of the
  // susceptibles per day is illustrative, not a fitted value.
  static constexpr std::array<double, 4> default_parameters{2.2 / 7.5, (1 - 0.00657) / 7.5,
                                                            0.00657 / 7.5, 0.005};
  static constexpr std::array<double, 5> default_initial_state{999990.0, 10.0, 0.0, 0.0, 0.0};
  static constexpr double default_t_end = 365.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double living = x[0] + x[1] + x[2] + x[4];
    const double infection = p[0] * x[0] * x[1] / living;
    const double vaccination = p[3] * x[0];
    dxdt[0] = -infection - vaccination;
    dxdt[1] = infection - (p[1] + p[2]) * x[1];
    dxdt[2] = p[1] * x[1];
    dxdt[3] = p[2] * x[1];
    dxdt[4] = vaccination;
  }
};

}  // namespace odesynth::models
