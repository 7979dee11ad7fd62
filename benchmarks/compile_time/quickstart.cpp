// Compile-time probe (issue 13 item 1): a copy of README.md's quick start (one model, one stepper,
// <odesynth/solve.hpp> and one solve), the program a new user compiles first. Timed by
// measure.sh beside the other probes; run it to check it works.
#include <cmath>
#include <odesynth/solve.hpp>  // include what you use: this one header solves ODEs

// A model names its species and parameters and computes dx/dt. Fixed-size models use
// static arrays (std::array state, no heap allocation while solving).
struct sir {
  static constexpr std::string_view name = "sir";
  static constexpr std::array<std::string_view, 3> species{"S", "I", "R"};
  static constexpr std::array<std::string_view, 2> parameters{"beta", "gamma"};

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double n = x[0] + x[1] + x[2];
    const double infections = p[0] * x[0] * x[1] / n;
    dxdt[0] = -infections;
    dxdt[1] = infections - p[1] * x[1];
    dxdt[2] = p[1] * x[1];
  }
};

int main() {
  odesynth::solve_options options;  // Dormand–Prince 5(4) with dense output by default
  options.rel_tol = 1e-8;

  const auto tr = odesynth::solve(sir{}, /*beta, gamma=*/{0.3, 0.1}, /*S, I, R=*/{990, 10, 0},
                                  odesynth::time_grid::linspace(0, 160, 161), options);
  if (!tr.ok()) return 1;  // a failed solve is a status, never silent NaNs

  fmt::print("{}\n", tr);  // trajectory(sir: 161 times x 3 species [S, I, R], status ok)
  const double total = tr.values().row(160).sum();
  return std::fabs(total - 1000) < 1e-6 ? 0 : 1;  // S + I + R is conserved
}
