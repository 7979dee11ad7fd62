// benchmarks/support/stiff_problems.hpp - two stiff problems of the IVP test set as odesynth
// models, for bench_stiff (Robertson and Van der Pol come from odesynth::models).
//
// Source of equations, constants, initial values and intervals: Mazzia F. and Magherini C.
// (2008), "Test Set for Initial Value Problem Solvers", release 2.4, University of Bari
// (problems HIRES and OREGO), and Hairer E. and Wanner G. (1996), Solving Ordinary
// Differential Equations II, 2nd ed., Springer, Sect. IV.10 (the same problems, same data).
// Every constant is a parameter so that the benchmark can perturb it; the Jacobians are
// analytic (only the non-zero entries are set: odesynth hands them over zero-filled).
// test_set_solution is the Test Set's reference solution at default_t_end for the default
// parameters (its subroutine solut; bench_stiff checks the models against it).
#pragma once

#include <array>
#include <string_view>

namespace stiff_problems {

// HIRES: "High Irradiance RESponse" of photomorphogenesis (Schaefer E., 1975, J. Math. Biol.
// 2:41-56), 8 species, t in [0, 321.8122], y(0) = (1, 0, 0, 0, 0, 0, 0, 0.0057):
//   y1' = -1.71 y1 + 0.43 y2 + 8.32 y3 + 0.0007
//   y2' =  1.71 y1 - 8.75 y2
//   y3' = -10.03 y3 + 0.43 y4 + 0.035 y5
//   y4' =  8.32 y2 + 1.71 y3 - 1.12 y4
//   y5' = -1.745 y5 + 0.43 y6 + 0.43 y7
//   y6' = -280 y6 y8 + 0.69 y4 + 1.71 y5 - 0.43 y6 + 0.69 y7
//   y7' =  280 y6 y8 - 1.81 y7
//   y8' = -280 y6 y8 + 1.81 y7
// Twelve distinct constants, k1..k12 in order of first appearance; a constant that appears
// several times (1.71, 0.43, 8.32, 0.69) is one parameter.
struct hires {
  static constexpr std::string_view name = "hires";
  static constexpr std::array<std::string_view, 8> species{"y1", "y2", "y3", "y4",
                                                           "y5", "y6", "y7", "y8"};
  static constexpr std::array<std::string_view, 12> parameters{
      "k1", "k2", "k3", "k4", "k5", "k6", "k7", "k8", "k9", "k10", "k11", "k12"};
  static constexpr std::array<double, 12> default_parameters{
      1.71, 0.43, 8.32, 0.0007, 8.75, 10.03, 0.035, 1.12, 1.745, 280.0, 0.69, 1.81};
  static constexpr std::array<double, 8> default_initial_state{1, 0, 0, 0, 0, 0, 0, 0.0057};
  static constexpr double default_t_end = 321.8122;
  // RADAU5 on a Cray C90 (128-bit double precision), rtol = atol = 1.1e-18 (Test Set, hires.f).
  static constexpr std::array<double, 8> test_set_solution{
      0.7371312573325668e-3, 0.1442485726316185e-3, 0.5888729740967575e-4, 0.1175651343283149e-2,
      0.2386356198831331e-2, 0.6238968252742796e-2, 0.2849998395185769e-2, 0.2850001604814231e-2};

  template <class State, class Params>
  void operator()(const State& y, State& f, double /*t*/, const Params& k) const {
    const double r = k[9] * y[5] * y[7];
    f[0] = -k[0] * y[0] + k[1] * y[1] + k[2] * y[2] + k[3];
    f[1] = k[0] * y[0] - k[4] * y[1];
    f[2] = -k[5] * y[2] + k[1] * y[3] + k[6] * y[4];
    f[3] = k[2] * y[1] + k[0] * y[2] - k[7] * y[3];
    f[4] = -k[8] * y[4] + k[1] * y[5] + k[1] * y[6];
    f[5] = -r + k[10] * y[3] + k[0] * y[4] - k[1] * y[5] + k[10] * y[6];
    f[6] = r - k[11] * y[6];
    f[7] = -r + k[11] * y[6];
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& y, Matrix& J, double /*t*/, const Params& k) const {
    J(0, 0) = -k[0];
    J(0, 1) = k[1];
    J(0, 2) = k[2];
    J(1, 0) = k[0];
    J(1, 1) = -k[4];
    J(2, 2) = -k[5];
    J(2, 3) = k[1];
    J(2, 4) = k[6];
    J(3, 1) = k[2];
    J(3, 2) = k[0];
    J(3, 3) = -k[7];
    J(4, 4) = -k[8];
    J(4, 5) = k[1];
    J(4, 6) = k[1];
    J(5, 3) = k[10];
    J(5, 4) = k[0];
    J(5, 5) = -k[9] * y[7] - k[1];
    J(5, 6) = k[10];
    J(5, 7) = -k[9] * y[5];
    J(6, 5) = k[9] * y[7];
    J(6, 6) = -k[11];
    J(6, 7) = k[9] * y[5];
    J(7, 5) = -k[9] * y[7];
    J(7, 6) = k[11];
    J(7, 7) = -k[9] * y[5];
  }
};

// OREGO: the Oregonator, Field R.J. and Noyes R.M. (1974), J. Chem. Phys. 60:1877-1884, a
// model of the Belousov-Zhabotinsky reaction; 3 species, t in [0, 360], y(0) = (1, 2, 3):
//   y1' = s (y2 - y1 y2 + y1 - q y1^2)
//   y2' = (-y2 - y1 y2 + y3) / s
//   y3' = w (y1 - y3)
// with s = 77.27, w = 0.161, q = 8.375e-6. The solution is a relaxation oscillation with
// y1 between ~1 and ~1e5 and y3 between ~1 and ~3e4.
struct orego {
  static constexpr std::string_view name = "orego";
  static constexpr std::array<std::string_view, 3> species{"y1", "y2", "y3"};
  static constexpr std::array<std::string_view, 3> parameters{"s", "w", "q"};
  static constexpr std::array<double, 3> default_parameters{77.27, 0.161, 8.375e-6};
  static constexpr std::array<double, 3> default_initial_state{1, 2, 3};
  static constexpr double default_t_end = 360.0;
  // RADAU at rtol 1.1e-18 (Test Set, orego.f).
  static constexpr std::array<double, 3> test_set_solution{
      0.1000814870318523e1, 0.1228178521549917e4, 0.1320554942846706e3};

  template <class State, class Params>
  void operator()(const State& y, State& f, double /*t*/, const Params& p) const {
    f[0] = p[0] * (y[1] - y[0] * y[1] + y[0] - p[2] * y[0] * y[0]);
    f[1] = (-y[1] - y[0] * y[1] + y[2]) / p[0];
    f[2] = p[1] * (y[0] - y[2]);
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& y, Matrix& J, double /*t*/, const Params& p) const {
    J(0, 0) = p[0] * (-y[1] + 1 - 2 * p[2] * y[0]);
    J(0, 1) = p[0] * (1 - y[0]);
    J(1, 0) = -y[1] / p[0];
    J(1, 1) = (-1 - y[0]) / p[0];
    J(1, 2) = 1 / p[0];
    J(2, 0) = p[1];
    J(2, 2) = -p[1];
  }
};

}  // namespace stiff_problems
