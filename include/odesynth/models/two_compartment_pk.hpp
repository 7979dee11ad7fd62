// odesynth/models/two_compartment_pk.hpp - two-compartment pharmacokinetics with first-order
// absorption from the gut.
//
//   gut' = -ka gut
//   central' = ka gut - (CL / Vc) central - (Q / Vc) central + (Q / Vp) peripheral
//   peripheral' = (Q / Vc) central - (Q / Vp) peripheral
// Species are drug amounts (mg), so the mass balance reads directly: the total only decreases,
// by the elimination CL / Vc * central; concentrations are central / Vc and peripheral / Vp.
// Parameterised by clearances and volumes, the physiological quantities population PK models
// estimate, rather than micro-constants. Linear, with a constant analytic Jacobian. Model
// structure: Gabrielsson J. and Weiner D. (2016), Pharmacokinetic and Pharmacodynamic Data
// Analysis: Concepts and Applications, 5th ed., Swedish Pharmaceutical Press, ch. 2.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct two_compartment_pk {
  static constexpr std::string_view name = "two_compartment_pk";
  static constexpr std::array<std::string_view, 3> species{"gut", "central", "peripheral"};
  static constexpr std::array<std::string_view, 5> parameters{"ka", "CL", "Vc", "Q", "Vp"};

  // Illustrative values of an orally dosed small molecule, not fitted to one drug: ka = 1 /h,
  // CL = 5 L/h, Vc = 20 L, Q = 10 L/h, Vp = 50 L (terminal half-life 12.4 h); a 100 mg dose
  // in the gut at t = 0 h, followed for 48 h.
  static constexpr std::array<double, 5> default_parameters{1.0, 5.0, 20.0, 10.0, 50.0};
  static constexpr std::array<double, 3> default_initial_state{100.0, 0.0, 0.0};
  static constexpr double default_t_end = 48.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double absorption = p[0] * x[0];
    const double elimination = p[1] / p[2] * x[1];
    const double distribution = p[3] / p[2] * x[1] - p[3] / p[4] * x[2];
    dxdt[0] = -absorption;
    dxdt[1] = absorption - elimination - distribution;
    dxdt[2] = distribution;
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& /*x*/, Matrix& J, double /*t*/, const Params& p) const {
    const double ka = p[0], ke = p[1] / p[2], k12 = p[3] / p[2], k21 = p[3] / p[4];
    J(0, 0) = -ka;
    J(1, 0) = ka;
    J(1, 1) = -ke - k12;
    J(1, 2) = k21;
    J(2, 1) = k12;
    J(2, 2) = -k21;
  }
};

}  // namespace odesynth::models
