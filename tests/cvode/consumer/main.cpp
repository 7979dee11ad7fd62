// The installed odesynth::cvode solves Robertson's stiff problem: 0 on success.
#include <cmath>
#include <cstdio>
#include <odesynth/cvode/cvode_solver.hpp>
#include <odesynth/models/robertson.hpp>

int main() {
  const odesynth::models::robertson m;
  odesynth::cvode_options o;
  o.abs_tol_per_species = {1e-8, 1e-12, 1e-8};
  const odesynth::cvode_solver<odesynth::models::robertson> s(m, o);
  const auto tr = s.solve(m.default_parameters, m.default_initial_state,
                          odesynth::time_grid::linspace(0, 40, 5));
  const double mass = tr.values().row(tr.num_times() - 1).sum();
  std::printf("robertson with CVODE: %s, %lld steps, y(40) sums to %.12f\n",
              std::string(odesynth::to_string(tr.status())).c_str(),
              static_cast<long long>(tr.steps()), mass);
  return tr.ok() && std::fabs(mass - 1) < 1e-6 ? 0 : 1;
}
