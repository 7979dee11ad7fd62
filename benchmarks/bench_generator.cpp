// The generator against the same work written by hand on Boost.Odeint (issue 8, item 1).
//
// Both sides solve identical problems: the parameters and initial values are drawn beforehand
// from the generator's own sampler (bound with the same seed, so sample i is the generator's
// sample i), with Dormand–Prince 5(4) dense output, rel_tol 1e-6, abs_tol 1e-8, first step
// 1e-3, onto the same 100 output times, storing every output row. The hand-written side
// writes rows into a buffer allocated once and reuses one stepper; odesynth's side is
// make_generator + run on one worker thread, with a sink that sums one value, so the ratio is
// everything odesynth adds: sampling, per-trajectory allocation, checks, ordered hand-off.
//
//   (a) Lotka–Volterra, std::array<double, 2> state, 1,000 trajectories x 100 times;
//   (b) a linear chain of 100 species (x0' = -k x0, xi' = k x(i-1) - k xi), Eigen::VectorXd
//       state in odesynth. Two hand-written versions: Eigen::VectorXd with odeint's
//       vector_space_algebra (what odesynth uses) and std::vector<double> with odeint's default
//       range_algebra; the ratio is taken against the faster of the two.
//
// Two diagnostics split the overhead: `odesynth_solver` (solver::solve on the pre-drawn
// samples: the solve alone) and `odesynth_make` (generator::make in a loop on the calling
// thread: sampling and transforms, no thread hand-off).
//
// Usage: bench_generator [--quick] [Google Benchmark flags]; ODESYNTH_BENCH_QUICK=1 = --quick.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/numeric/odeint/integrate/integrate_times.hpp>
#include <boost/numeric/odeint/stepper/generation.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <odesynth/generator.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/sampler.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "support/harness.hpp"
#include "support/workloads.hpp"

namespace {

namespace ode = boost::numeric::odeint;
using odesynth::models::lotka_volterra;

constexpr double abs_tol = 1e-8, rel_tol = 1e-6, first_step = 1e-3;
using harness::add;
using workload::chain_sampler;
using workload::generate;
using workload::linear_chain;
using workload::lv_sampler;
using workload::make_serially;
using workload::one_thread;
using workload::seed;
constexpr std::size_t output_times = 100;

odesynth::solve_options solver_options() {
  odesynth::solve_options o;  // dopri5 with dense output
  o.abs_tol = abs_tol;
  o.rel_tol = rel_tol;
  o.initial_step = first_step;  // the hand-written side's first step: identical steps
  return o;
}

/// The samples the generator will draw, drawn beforehand for the hand-written side.
std::vector<odesynth::sample> draw_all(const odesynth::sampler& s, std::size_t n, double start) {
  const auto bound = s.bind(seed);
  std::vector<odesynth::sample> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(bound.draw(i, start));
  return out;
}

// --- Lotka–Volterra -------------------------------------------------------------------------

struct lv_case {
  std::size_t n;
  odesynth::time_grid grid = odesynth::time_grid::linspace(0, 20, output_times);
  std::vector<odesynth::sample> samples;
  explicit lv_case(std::size_t count) : n(count), samples(draw_all(lv_sampler(), n, 0.0)) {}
};

double handwritten_lv(const lv_case& c, std::vector<double>& rows) {
  using vec = std::array<double, 2>;
  const auto& times = c.grid.times();
  auto stepper = ode::make_dense_output(abs_tol, rel_tol, ode::runge_kutta_dopri5<vec>());
  double sum = 0;
  for (const auto& s : c.samples) {
    const std::array<double, 4> p{s.parameters[0], s.parameters[1], s.parameters[2],
                                  s.parameters[3]};
    vec x{s.initial_state[0], s.initial_state[1]};
    std::size_t row = 0;
    ode::integrate_times(
        stepper, [&p](const vec& y, vec& d, double t) { lotka_volterra{}(y, d, t, p); }, x,
        times.begin(), times.end(), first_step,
        [&](const vec& y, double) {
          rows[2 * row] = y[0];
          rows[2 * row + 1] = y[1];
          ++row;
        });
    sum += rows[2 * (times.size() - 1)];
  }
  return sum;
}

auto make_lv_generator(const odesynth::time_grid& grid) {
  return odesynth::make_generator(lotka_volterra{}, solver_options(), lv_sampler(), grid,
                                  odesynth::pipeline<>{}, one_thread());
}
using lv_generator = decltype(make_lv_generator(odesynth::time_grid::linspace(0, 1, 2)));

template <class Model>
double solve_presampled(const odesynth::solver<Model>& solver,
                        const std::vector<odesynth::sample>& samples,
                        const odesynth::time_grid& grid) {
  double sum = 0;
  for (const auto& s : samples) {
    const auto tr = solver.solve(s.parameters, s.initial_state, grid);
    sum += tr.values()(tr.num_times() - 1, 0);
  }
  return sum;
}

// --- linear chain ---------------------------------------------------------------------------

struct chain_case {
  std::size_t n, species;
  linear_chain model;
  odesynth::time_grid grid = odesynth::time_grid::linspace(0, 50, output_times);
  std::vector<odesynth::sample> samples;
  chain_case(std::size_t count, std::size_t s)
      : n(count), species(s), model(s), samples(draw_all(chain_sampler(model), n, 0.0)) {}
};

auto make_chain_generator(const linear_chain& model, const odesynth::time_grid& grid) {
  return odesynth::make_generator(model, solver_options(), chain_sampler(model), grid,
                                  odesynth::pipeline<>{}, one_thread());
}
using chain_generator =
    decltype(make_chain_generator(linear_chain(2), odesynth::time_grid::linspace(0, 1, 2)));

/// Hand-written chain on state type V (Eigen::VectorXd: vector_space_algebra through odeint's
/// Eigen bindings; std::vector<double>: range_algebra). One stepper, buffers allocated once.
template <class V>
double handwritten_chain(const chain_case& c, std::vector<double>& rows) {
  const auto& times = c.grid.times();
  const std::size_t s = c.species;
  auto stepper = ode::make_dense_output(abs_tol, rel_tol, ode::runge_kutta_dopri5<V>());
  V x(s);
  double sum = 0;
  for (const auto& smp : c.samples) {
    const double k = smp.parameters[0];
    for (std::size_t i = 0; i < s; ++i) x[i] = smp.initial_state[i];
    std::size_t row = 0;
    ode::integrate_times(
        stepper, [k](const V& y, V& d, double) { linear_chain::rhs(y, d, k); }, x, times.begin(),
        times.end(), first_step,
        [&](const V& y, double) {
          double* r = rows.data() + row * s;
          for (std::size_t j = 0; j < s; ++j) r[j] = y[j];
          ++row;
        });
    sum += rows[(times.size() - 1) * s];
  }
  return sum;
}

/// Relative difference of two checksums: both sides must have solved the same problems.
bool same_work(std::string_view what, double a, double b) {
  const double rel = std::fabs(a - b) / std::max(std::fabs(a), 1e-300);
  fmt::print("check {}: checksums {:.12g} vs {:.12g} (relative difference {:.1e}) {}\n", what, a, b,
             rel, rel < 1e-6 ? "ok" : "MISMATCH");
  return rel < 1e-6;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = harness::take_quick_flag(argc, argv);
  const std::size_t lv_n = quick ? 100 : 1000;
  const std::size_t chain_n = quick ? 20 : 200;
  const std::size_t chain_species = 100;

  const auto lv = std::make_shared<lv_case>(lv_n);
  const auto lv_gen = std::make_shared<const lv_generator>(make_lv_generator(lv->grid));
  const auto lv_solver =
      std::make_shared<const odesynth::solver<lotka_volterra>>(lotka_volterra{}, solver_options());
  const auto lv_rows = std::make_shared<std::vector<double>>(2 * output_times);

  const auto chain = std::make_shared<chain_case>(chain_n, chain_species);
  const auto chain_gen =
      std::make_shared<const chain_generator>(make_chain_generator(chain->model, chain->grid));
  const auto chain_solver =
      std::make_shared<const odesynth::solver<linear_chain>>(chain->model, solver_options());
  const auto chain_rows = std::make_shared<std::vector<double>>(chain_species * output_times);

  bool ok = same_work("lv hand-written vs generator", handwritten_lv(*lv, *lv_rows),
                      generate(*lv_gen, lv_n));
  ok &= same_work("chain hand-written (Eigen) vs generator",
                  handwritten_chain<Eigen::VectorXd>(*chain, *chain_rows),
                  generate(*chain_gen, chain_n));
  ok &= same_work("chain hand-written (std::vector) vs generator",
                  handwritten_chain<std::vector<double>>(*chain, *chain_rows),
                  generate(*chain_gen, chain_n));
  if (!ok) return 1;

  add("lv/handwritten_odeint", lv_n, [=] { return handwritten_lv(*lv, *lv_rows); });
  add("lv/odesynth_generator", lv_n, [=] { return generate(*lv_gen, lv_n); });
  add("lv/odesynth_make", lv_n, [=] { return make_serially(*lv_gen, lv_n); });
  add("lv/odesynth_solver", lv_n,
      [=] { return solve_presampled(*lv_solver, lv->samples, lv->grid); });
  add("chain100/handwritten_eigen", chain_n,
      [=] { return handwritten_chain<Eigen::VectorXd>(*chain, *chain_rows); });
  add("chain100/handwritten_std_vector", chain_n,
      [=] { return handwritten_chain<std::vector<double>>(*chain, *chain_rows); });
  add("chain100/odesynth_generator", chain_n, [=] { return generate(*chain_gen, chain_n); });
  add("chain100/odesynth_make", chain_n, [=] { return make_serially(*chain_gen, chain_n); });
  add("chain100/odesynth_solver", chain_n,
      [=] { return solve_presampled(*chain_solver, chain->samples, chain->grid); });

  auto r = harness::run(argc, argv, quick);
  auto has = [&r](const char* k) { return r.count(k) > 0 && r[k].median > 0; };

  fmt::print("\nPer trajectory (median of the repetitions, real time):\n");
  for (const auto& [name, s] : r) {
    const double n = name.rfind("lv/", 0) == 0 ? double(lv_n) : double(chain_n);
    fmt::print("  {:<34} {:>10}   {}\n", name, harness::duration(s.median / n), harness::spread(s));
  }
  fmt::print("\n");
  auto per_traj = [&](const char* k, double n) { return harness::duration(r[k].median / n); };
  if (has("lv/handwritten_odeint") && has("lv/odesynth_generator")) {
    const auto& h = r["lv/handwritten_odeint"];
    const auto& g = r["lv/odesynth_generator"];
    const double ratio = g.median / h.median;
    harness::result("1a baseline LV", "hand-written odeint, per trajectory",
                    per_traj("lv/handwritten_odeint", double(lv_n)), harness::spread(h), "", "");
    harness::result("1a baseline LV", "odesynth generator (1 thread), per trajectory",
                    per_traj("lv/odesynth_generator", double(lv_n)), harness::spread(g), "", "");
    harness::result("1a baseline LV", "ratio odesynth / hand-written", fmt::format("{:.3f}", ratio),
                    fmt::format("CV {:.1f}% / {:.1f}%", 100 * g.cv, 100 * h.cv), "<= 1.10",
                    ratio <= 1.10 ? "met" : "MISSED");
    if (has("lv/odesynth_solver") && has("lv/odesynth_make"))
      harness::result(
          "1a baseline LV", "split: solver/hand, make/solver, generator/make",
          fmt::format("{:.3f}, {:.3f}, {:.3f}", r["lv/odesynth_solver"].median / h.median,
                      r["lv/odesynth_make"].median / r["lv/odesynth_solver"].median,
                      g.median / r["lv/odesynth_make"].median),
          "", "", "");
  }
  if (has("chain100/handwritten_eigen") && has("chain100/handwritten_std_vector") &&
      has("chain100/odesynth_generator")) {
    const auto& e = r["chain100/handwritten_eigen"];
    const auto& v = r["chain100/handwritten_std_vector"];
    const auto& g = r["chain100/odesynth_generator"];
    const bool eigen_faster = e.median <= v.median;
    const auto& best = eigen_faster ? e : v;
    const double ratio = g.median / best.median;
    harness::result("1b baseline chain100", "hand-written odeint Eigen::VectorXd, per trajectory",
                    per_traj("chain100/handwritten_eigen", double(chain_n)), harness::spread(e), "",
                    "");
    harness::result(
        "1b baseline chain100", "hand-written odeint std::vector<double>, per trajectory",
        per_traj("chain100/handwritten_std_vector", double(chain_n)), harness::spread(v), "", "");
    harness::result("1b baseline chain100", "odesynth generator (1 thread), per trajectory",
                    per_traj("chain100/odesynth_generator", double(chain_n)), harness::spread(g),
                    "", "");
    harness::result("1b baseline chain100",
                    fmt::format("ratio odesynth / fastest hand-written ({})",
                                eigen_faster ? "Eigen" : "std::vector"),
                    fmt::format("{:.3f}", ratio),
                    fmt::format("CV {:.1f}% / {:.1f}%", 100 * g.cv, 100 * best.cv), "<= 1.10",
                    ratio <= 1.10 ? "met" : "MISSED");
    if (has("chain100/odesynth_solver") && has("chain100/odesynth_make"))
      harness::result(
          "1b baseline chain100", "split: solver/Eigen hand, make/solver, generator/make",
          fmt::format("{:.3f}, {:.3f}, {:.3f}", r["chain100/odesynth_solver"].median / e.median,
                      r["chain100/odesynth_make"].median / r["chain100/odesynth_solver"].median,
                      g.median / r["chain100/odesynth_make"].median),
          "", "", "");
  }
  return 0;
}
