// A consumer of the odesynth package: exponential decay, checked against exp(-k t).
#include <cmath>
#include <cstdio>
#include <odesynth/odesynth.hpp>

struct decay {
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    dxdt[0] = -p[0] * x[0];
  }
};

int main() {
  const auto tr = odesynth::solve(decay{}, {0.5}, {2.0}, odesynth::time_grid::linspace(0, 4, 5));
  const double expected = 2.0 * std::exp(-0.5 * 4.0);
  const double got = tr.values()(4, 0);
#if defined(ODESYNTH_COMPILED_LIB)
  const char* mode = "compiled";
#else
  const char* mode = "header-only";
#endif
  // Printing a trajectory and require_ok use code that odesynth::compiled compiles once.
  std::printf("%s (%s): %s, x(4) = %.10f, expected %.10f\n",
              std::string(odesynth::version_string).c_str(), mode,
              fmt::format("{}", odesynth::require_ok(tr)).c_str(), got, expected);
  return tr.ok() && std::fabs(got - expected) < 1e-6 ? 0 : 1;
}
