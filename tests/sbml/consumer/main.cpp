// A consumer of the odesynth::sbml component: the Brusselator file, solved, against the
// fixed point it leaves and the cycle it settles on (x stays within (0.4, 4) for a = 1, b = 3).
#include <cstdio>
#include <odesynth/sbml.hpp>
#include <odesynth/solve.hpp>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const odesynth::sbml_model m = odesynth::read_sbml_file(argv[1]);
  const auto tr = odesynth::solve(m.model, m.parameter_values, m.initial_state,
                                  odesynth::time_grid::linspace(0, 20, 201));
  const double low = tr.values().col(0).minCoeff(), high = tr.values().col(0).maxCoeff();
  std::printf("%s: %s, x in [%.3f, %.3f]\n", m.model.name().c_str(), tr.ok() ? "ok" : "failed", low,
              high);
  return tr.ok() && low > 0.3 && high < 4.0 && high > 3.0 ? 0 : 1;
}
