// One solve, odesynth against the same work written by hand on Boost.Odeint.
//
// Both sides solve Lotka–Volterra for the same 1,000 parameter sets onto 100 output times
// with Dormand–Prince 5(4) dense output, the same tolerances and the same first step, and
// store every output row; odesynth takes exactly the steps of the hand-written loop (a unit
// test checks this bit for bit), so the ratio is the cost of odesynth's checks, status
// handling and trajectory object.
#include <benchmark/benchmark.h>

#include <array>
#include <boost/numeric/odeint/integrate/integrate_times.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <odesynth/solve.hpp>
#include <vector>

namespace {

struct lotka_volterra {
  static constexpr std::string_view name = "lotka_volterra";
  static constexpr std::array<std::string_view, 2> species{"prey", "predator"};
  static constexpr std::array<std::string_view, 4> parameters{"alpha", "beta", "gamma", "delta"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    dxdt[0] = p[0] * x[0] - p[1] * x[0] * x[1];
    dxdt[1] = p[3] * x[0] * x[1] - p[2] * x[1];
  }
};

constexpr int trajectories = 1000;
constexpr double abs_tol = 1e-8, rel_tol = 1e-6, first_step = 1e-3;

std::vector<std::array<double, 4>> parameter_sets() {
  std::vector<std::array<double, 4>> sets;
  for (int i = 0; i < trajectories; ++i) {
    const double u = static_cast<double>(i) / trajectories;  // deterministic spread
    sets.push_back({1.0 + 0.5 * u, 0.8 + 0.4 * u, 2.5 + u, 0.9 + 0.2 * u});
  }
  return sets;
}

const odesynth::time_grid& grid() {
  static const auto g = odesynth::time_grid::linspace(0, 15, 100);
  return g;
}

void handwritten_odeint(benchmark::State& state) {
  using vec = std::array<double, 2>;
  const auto sets = parameter_sets();
  const auto& times = grid().times();
  std::vector<double> rows(times.size() * 2);
  for (auto _ : state) {
    for (const auto& p : sets) {
      auto stepper = boost::numeric::odeint::make_dense_output(
          abs_tol, rel_tol, boost::numeric::odeint::runge_kutta_dopri5<vec>());
      vec x{10.0, 5.0};
      std::size_t row = 0;
      boost::numeric::odeint::integrate_times(
          stepper, [&p](const vec& s, vec& d, double t) { lotka_volterra{}(s, d, t, p); }, x,
          times.begin(), times.end(), first_step,
          [&](const vec& s, double) {
            rows[2 * row] = s[0];
            rows[2 * row + 1] = s[1];
            ++row;
          });
      benchmark::DoNotOptimize(rows.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * trajectories);
}

void odesynth_solver(benchmark::State& state) {
  const auto sets = parameter_sets();
  odesynth::solve_options options;
  options.abs_tol = abs_tol;
  options.rel_tol = rel_tol;
  options.initial_step = first_step;
  const odesynth::solver<lotka_volterra> solver(lotka_volterra{}, options);
  for (auto _ : state) {
    for (const auto& p : sets) {
      auto tr = solver.solve(p, {10.0, 5.0}, grid());
      benchmark::DoNotOptimize(tr.values().data());
    }
  }
  state.SetItemsProcessed(state.iterations() * trajectories);
}

}  // namespace

BENCHMARK(handwritten_odeint)->Unit(benchmark::kMillisecond);
BENCHMARK(odesynth_solver)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
