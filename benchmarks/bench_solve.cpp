// One solve, odesynth against the same work written by hand on Boost.Odeint.
//
// Both sides solve Lotka–Volterra for the same 1,000 parameter sets onto 100 output times
// with Dormand–Prince 5(4) dense output, the same tolerances and the same first step, and
// store every output row. odesynth's step adjuster is odeint's default with a portable pow
// (detail/step_adjuster.hpp), so it takes the hand-written loop's steps up to a rounding of the
// step factor (unit tests: bit for bit against odeint with that adjuster, and the same step
// counts as odeint's default on 400 LV solves), and the ratio is the cost of odesynth's checks,
// status handling and trajectory object.
//
// batch/...: issue 16's batch mode against the same hand-written loop, on SimbaML's
// Lotka-Volterra workload (1,000 trajectories, 100 times on [0, 50], parameters within +-10%,
// rel_tol 1e-3, abs_tol 1e-6) and on SIR (models::sir within +-10%, 100 times on [0, 14],
// rel_tol 1e-6, abs_tol 1e-8): handwritten_odeint, solver (solver<M, stepper_set<dopri5>>,
// one solve_into per problem) and batch_solver<W> for W = 2, 4, 8. All sides start with the
// same first step (1e-3) and take the same steps; the batch's rows equal the solver's bit for
// bit (tests/unit/test_batch_solver.cpp), so the ratios are the cost of the arithmetic.
//
// controller_pow/...: the step controller's power err^(-1/5), as a chain of dependent calls
// (each step's factor waits for it): std::pow, detail::portable_pow, and portable_pow on
// lanes<2> (two powers per call, as batch_solver<2> makes them).
#include <benchmark/benchmark.h>

#include <array>
#include <boost/numeric/odeint/integrate/integrate_times.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <cmath>
#include <cstdint>
#include <odesynth/batch_solver.hpp>
#include <odesynth/detail/portable_pow.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/models/sir.hpp>
#include <odesynth/random.hpp>
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

// One batch workload: the problems, the grid and the tolerances.
template <class Model>
struct batch_workload {
  static constexpr std::size_t S = Model::species.size(), P = Model::parameters.size();
  std::vector<std::array<double, P>> parameters;
  std::vector<std::array<double, S>> initial_states;
  odesynth::time_grid grid;
  odesynth::solve_options options;
};

// Every parameter uniform within +-10% of `centre`, from a fixed Philox stream.
template <class Model>
batch_workload<Model> make_workload(const std::array<double, Model::parameters.size()>& centre,
                                    const std::array<double, Model::species.size()>& x0,
                                    odesynth::time_grid grid, double rel, double abs) {
  batch_workload<Model> w{{}, {}, std::move(grid), {}};
  odesynth::random_stream rng(16, 4, 0);
  for (int i = 0; i < trajectories; ++i) {
    auto p = centre;
    for (double& v : p) v *= 0.9 + 0.2 * rng.uniform01();
    w.parameters.push_back(p);
    w.initial_states.push_back(x0);
  }
  w.options.rel_tol = rel;
  w.options.abs_tol = abs;
  w.options.initial_step = first_step;
  return w;
}

const batch_workload<odesynth::models::lotka_volterra>& simbaml_lv() {
  static const auto w = make_workload<odesynth::models::lotka_volterra>(
      {1.1, 0.4, 0.4, 0.1}, {10.0, 10.0}, odesynth::time_grid::linspace(0, 50, 100), 1e-3, 1e-6);
  return w;
}

const batch_workload<odesynth::models::sir>& sir_workload() {
  static const auto w = make_workload<odesynth::models::sir>(
      odesynth::models::sir::default_parameters, odesynth::models::sir::default_initial_state,
      odesynth::time_grid::linspace(0, 14, 100), 1e-6, 1e-8);
  return w;
}

template <class Model>
void batch_handwritten(benchmark::State& state, const batch_workload<Model>& w) {
  using vec = std::array<double, Model::species.size()>;
  const auto& times = w.grid.times();
  std::vector<double> rows(static_cast<std::size_t>(times.size()) * vec{}.size());
  for (auto _ : state) {
    for (std::size_t k = 0; k < w.parameters.size(); ++k) {
      const auto& p = w.parameters[k];
      auto stepper = boost::numeric::odeint::make_dense_output(
          w.options.abs_tol, w.options.rel_tol, boost::numeric::odeint::runge_kutta_dopri5<vec>());
      vec x = w.initial_states[k];
      std::size_t row = 0;
      boost::numeric::odeint::integrate_times(
          stepper, [&p](const vec& s, vec& d, double t) { Model{}(s, d, t, p); }, x, times.begin(),
          times.end(), first_step,
          [&](const vec& s, double) {
            for (std::size_t i = 0; i < s.size(); ++i) rows[row * s.size() + i] = s[i];
            ++row;
          });
      benchmark::DoNotOptimize(rows.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * trajectories);
}

template <class Model>
void batch_scalar_solver(benchmark::State& state, const batch_workload<Model>& w) {
  const odesynth::solver<Model, odesynth::stepper_set<odesynth::stepper_kind::dopri5>> solver(
      Model{}, w.options);
  odesynth::trajectory tr;
  for (auto _ : state) {
    for (std::size_t k = 0; k < w.parameters.size(); ++k) {
      solver.solve_into(tr, w.parameters[k], w.initial_states[k], w.grid);
      benchmark::DoNotOptimize(tr.values().data());
    }
  }
  state.SetItemsProcessed(state.iterations() * trajectories);
}

template <std::size_t W, class Model>
void batch_lanes(benchmark::State& state, const batch_workload<Model>& w) {
  const odesynth::batch_solver<W, Model> batch(Model{}, w.options);
  std::vector<odesynth::trajectory> out(w.parameters.size());
  for (auto _ : state) {
    batch.solve_into(out.data(), out.size(), w.parameters[0].data(), w.initial_states[0].data(),
                     w.grid);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * trajectories);
}

// BENCHMARK_CAPTURE makes identifiers from the function's name: one name per width.
template <class Model>
void batch_lanes_2(benchmark::State& state, const batch_workload<Model>& w) {
  batch_lanes<2>(state, w);
}
template <class Model>
void batch_lanes_4(benchmark::State& state, const batch_workload<Model>& w) {
  batch_lanes<4>(state, w);
}
template <class Model>
void batch_lanes_8(benchmark::State& state, const batch_workload<Model>& w) {
  batch_lanes<8>(state, w);
}

/// Each power feeds the next argument, which stays in the increase branch's range
/// [5^-5, 0.5); 1,000 powers per iteration.
template <class Number, class Pow>
void controller_pow_chain(benchmark::State& state, Pow pow) {
  Number err = 0.3;
  for (auto _ : state) {
    for (int i = 0; i < 1000; ++i) err = pow(err, Number(-1.0 / 5)) * 0.07 + 0.001;
    benchmark::DoNotOptimize(err);
  }
  state.SetItemsProcessed(state.iterations() * 1000 *
                          static_cast<std::int64_t>(sizeof(Number) / sizeof(double)));
}

void controller_pow_std(benchmark::State& state) {
  controller_pow_chain<double>(state, [](double x, double y) { return std::pow(x, y); });
}
void controller_pow_portable(benchmark::State& state) {
  controller_pow_chain<double>(
      state, [](double x, double y) { return odesynth::detail::portable_pow(x, y); });
}
void controller_pow_portable_lanes_2(benchmark::State& state) {
  using lane = odesynth::lanes<2>;
  controller_pow_chain<lane>(
      state, [](const lane& x, const lane& y) { return odesynth::detail::portable_pow(x, y); });
}

}  // namespace

BENCHMARK(controller_pow_std);
BENCHMARK(controller_pow_portable);
BENCHMARK(controller_pow_portable_lanes_2);
BENCHMARK(handwritten_odeint)->Unit(benchmark::kMillisecond);
BENCHMARK(odesynth_solver)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_handwritten, lv_simbaml, simbaml_lv())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_scalar_solver, lv_simbaml, simbaml_lv())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_lanes_2, lv_simbaml, simbaml_lv())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_lanes_4, lv_simbaml, simbaml_lv())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_lanes_8, lv_simbaml, simbaml_lv())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_handwritten, sir, sir_workload())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_scalar_solver, sir, sir_workload())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_lanes_2, sir, sir_workload())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_lanes_4, sir, sir_workload())->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(batch_lanes_8, sir, sir_workload())->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
