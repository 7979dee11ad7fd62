// Solve the Lotka–Volterra predator–prey model once and write the trajectory as CSV.
//
//   lotka_volterra [output.csv]        (default: lotka_volterra.csv)
//
// Shows the three things every odesynth program does: define a model, pick a time grid,
// solve; then check the status before using the numbers.
#include <cstdio>
#include <exception>
#include <odesynth/odesynth.hpp>
#include <string>

// Lotka (1925), Volterra (1926): prey grow at rate alpha and are eaten at rate beta per
// predator; predators die at rate gamma and grow at rate delta per prey eaten.
struct lotka_volterra {
  static constexpr std::string_view name = "lotka_volterra";
  static constexpr std::array<std::string_view, 2> species{"prey", "predator"};
  static constexpr std::array<std::string_view, 4> parameters{"alpha", "beta", "gamma", "delta"};

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    dxdt[0] = p[0] * x[0] - p[1] * x[0] * x[1];
    dxdt[1] = p[3] * x[0] * x[1] - p[2] * x[1];
  }
};

int main(int argc, char** argv) try {
  const std::string path = argc > 1 ? argv[1] : "lotka_volterra.csv";

  odesynth::solve_options options;  // Dormand–Prince 5(4), dense output
  options.rel_tol = 1e-8;
  options.abs_tol = 1e-10;

  const auto grid = odesynth::time_grid::linspace(0.0, 30.0, 601);
  const auto tr =
      odesynth::solve(lotka_volterra{}, /*alpha, beta, gamma, delta=*/{1.1, 0.4, 0.4, 0.1},
                      /*prey, predator=*/{10.0, 10.0}, grid, options);
  if (!tr.ok()) {
    std::fprintf(stderr, "solve failed (%s): %s\n", std::string(to_string(tr.status())).c_str(),
                 tr.message().c_str());
    return 1;
  }

  odesynth::csv_options csv;
  csv.overwrite = true;  // re-running the example replaces its own output
  odesynth::write_csv(path, tr, csv);
  fmt::print("wrote {} ({} rows): {}\n", path, tr.num_times(), tr);
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "%s\n", e.what());
  return 1;
}
