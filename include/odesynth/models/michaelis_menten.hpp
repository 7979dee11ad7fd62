// odesynth/models/michaelis_menten.hpp - enzyme kinetics E + S <-> C -> E + P, full mass
// action.
//
//   E' = -kf E S + (kr + kcat) C      S' = -kf E S + kr C
//   C' =  kf E S - (kr + kcat) C      P' =  kcat C
// All four species, not the Michaelis-Menten rate law: the quasi-steady-state reduction is an
// approximation whose error is worth seeing in data. Two totals are conserved, enzyme E + C
// and substrate S + C + P. When E(0) << S(0) + Km the complex equilibrates on a time scale
// (kf (S + Km))^-1 far shorter than the conversion (S + Km) / (kcat E): the system is stiff,
// hence the analytic Jacobian.
#pragma once

#include <array>
#include <string_view>

namespace odesynth::models {

struct michaelis_menten {
  static constexpr std::string_view name = "michaelis_menten";
  static constexpr std::array<std::string_view, 4> species{"E", "S", "C", "P"};
  static constexpr std::array<std::string_view, 3> parameters{"kf", "kr", "kcat"};

  // Concentrations in uM, t in seconds. Michaelis L. and Menten M.L. (1913), "Die Kinetik der
  // Invertinwirkung", Biochem. Z. 49:333-369, report no mass-action constants, so these are
  // illustrative values of typical magnitude: binding kf = 10 /uM/s (1e7 /M/s), kr = 1 /s,
  // kcat = 10 /s, so Km = (kr + kcat) / kf = 1.1 uM; E(0) = 0.1 uM, S(0) = 10 uM, hence
  // E(0) / (S(0) + Km) = 0.009, well inside the region where Segel L.A. and Slemrod M. (1989),
  // "The quasi-steady-state assumption: a case study in perturbation", SIAM Rev. 31:446-477,
  // show the reduction to hold. Fast/slow time-scale ratio about 1000; the substrate is used up
  // within the 30 s span.
  static constexpr std::array<double, 3> default_parameters{10.0, 1.0, 10.0};
  static constexpr std::array<double, 4> default_initial_state{0.1, 10.0, 0.0, 0.0};
  static constexpr double default_t_end = 30.0;

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double binding = p[0] * x[0] * x[1];
    const double unbinding = p[1] * x[2];
    const double catalysis = p[2] * x[2];
    dxdt[0] = -binding + unbinding + catalysis;
    dxdt[1] = -binding + unbinding;
    dxdt[2] = binding - unbinding - catalysis;
    dxdt[3] = catalysis;
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& x, Matrix& J, double /*t*/, const Params& p) const {
    const double kf = p[0], kr = p[1], kcat = p[2];
    // d(binding)/dE = kf S, d(binding)/dS = kf E; the other rates are linear in C.
    J(0, 0) = -kf * x[1];
    J(0, 1) = -kf * x[0];
    J(0, 2) = kr + kcat;
    J(1, 0) = -kf * x[1];
    J(1, 1) = -kf * x[0];
    J(1, 2) = kr;
    J(2, 0) = kf * x[1];
    J(2, 1) = kf * x[0];
    J(2, 2) = -(kr + kcat);
    J(3, 2) = kcat;
  }
};

}  // namespace odesynth::models
