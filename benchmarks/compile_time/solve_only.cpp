// Compile-time probe (issue 8, item 7): only <odesynth/solve.hpp>, one solve. Timed by
// measure.sh beside full.cpp; run it to check it works.
#include <odesynth/solve.hpp>

struct lotka_volterra {
  static constexpr std::array<std::string_view, 2> species{"prey", "predator"};
  static constexpr std::array<std::string_view, 4> parameters{"alpha", "beta", "gamma", "delta"};
  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    dxdt[0] = p[0] * x[0] - p[1] * x[0] * x[1];
    dxdt[1] = p[3] * x[0] * x[1] - p[2] * x[1];
  }
};

int main() {
  const auto tr = odesynth::solve(lotka_volterra{}, {1.5, 1.0, 3.0, 1.0}, {10.0, 5.0},
                                  odesynth::time_grid::linspace(0, 15, 151));
  return tr.ok() ? 0 : 1;
}
