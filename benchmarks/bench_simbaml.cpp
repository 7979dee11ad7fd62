// Throughput per core on three named workloads, stage by stage (issue 16, item 1).
//
//   simbaml_lv            SimbaML's Lotka-Volterra workload: 100 times on [0, 50], prey and
//                         predator from 10, alpha = 1.1, beta = 0.4, gamma = 0.4, delta = 0.1
//                         each uniform within +-10%, gaussian_noise(0.1) | random_subset(0.5);
//                         at SimbaML's rel_tol 1e-3 (abs 1e-6) and at 1e-6 (abs 1e-8)
//   sir_poisson           SIR (models::sir) from 762 / 1 / 0 on [0, 14], 100 times, beta and
//                         gamma within +-10%, poisson_counts (1 count per person) and the same
//                         50% subset; rel_tol 1e-6
//   robertson_rosenbrock4 Robertson, k1 k2 k3 within +-10%, 100 log-spaced times on
//                         [1e-5, 1e5], rosenbrock4, proportional_noise(0.02); rel_tol 1e-6,
//                         abs_tol 1e-10
//
// Each: the whole generator on one thread into a sink that keeps one value (`total`), and
// the stages measured one by one on the same trajectories: `sample` (the bound sampler's draw
// into one reused sample), `solve` (the solver into one reused trajectory, samples drawn
// beforehand), `transforms` (the pipeline on copies of solved trajectories, the copy measured
// alone and subtracted), `sink` (generator::collect, which keeps every trajectory in memory,
// and write_dataset as NumPy files on tmpfs, each minus `total`).
// Also the heap calls per trajectory in the generator's steady state (malloc, realloc,
// calloc, counted by interposing glibc's allocator in this program).
//
// Usage: bench_simbaml [--quick] [Google Benchmark flags]; ODESYNTH_BENCH_QUICK=1 = --quick.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <odesynth/dataset.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/models/sir.hpp>
#include <odesynth/sampler.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <string>
#include <vector>

#include "support/harness.hpp"

// --- heap calls, counted (glibc: the program's malloc comes before libc's) -----------------
#if defined(__GLIBC__)
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
}
namespace {
std::atomic<bool> counting{false};
std::atomic<std::uint64_t> heap_calls{0};
void count() {
  if (counting.load(std::memory_order_relaxed)) heap_calls.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace
extern "C" {
void* malloc(std::size_t n) noexcept {
  count();
  return __libc_malloc(n);
}
void* realloc(void* p, std::size_t n) noexcept {
  count();
  return __libc_realloc(p, n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  count();
  return __libc_calloc(n, size);
}
}
#endif

namespace {

using harness::add;
namespace dist = odesynth::dist;
namespace models = odesynth::models;

constexpr std::uint64_t seed = 2026;
constexpr std::size_t n = 1000;

odesynth::generator_options one_thread() {
  odesynth::generator_options o;
  o.seed = seed;
  o.threads = 1;
  return o;
}

odesynth::solve_options tolerances(double rel, double abs) {
  odesynth::solve_options o;
  o.rel_tol = rel;
  o.abs_tol = abs;
  return o;
}

/// Every entry of `values` uniform within +-10% of it.
template <class Model, class P>
void within_ten_percent(odesynth::sampler& s, const P& values) {
  for (std::size_t i = 0; i < values.size(); ++i)
    s.parameter(Model::parameters[i], dist::uniform{0.9 * values[i], 1.1 * values[i]});
}

odesynth::sampler lv_sampler() {
  odesynth::sampler s(models::lotka_volterra{});
  within_ten_percent<models::lotka_volterra>(s, std::array<double, 4>{1.1, 0.4, 0.4, 0.1});
  s.initial_value("prey", 10.0).initial_value("predator", 10.0);
  return s;
}

odesynth::sampler sir_sampler() {
  odesynth::sampler s(models::sir{});
  within_ten_percent<models::sir>(s, models::sir::default_parameters);
  s.initial_value("S", 762.0).initial_value("I", 1.0).initial_value("R", 0.0);
  return s;
}

odesynth::sampler robertson_sampler() {
  odesynth::sampler s(models::robertson{});
  within_ten_percent<models::robertson>(s, models::robertson::default_parameters);
  s.initial_value("y1", 1.0).initial_value("y2", 0.0).initial_value("y3", 0.0);
  return s;
}

/// Sums one value per trajectory, so nothing is optimised away.
struct checksum {
  double* sum;
  void operator()(std::uint64_t, odesynth::trajectory&& tr) const {
    *sum += tr.num_times() > 0 ? tr.values()(0, 0) : 0.0;
  }
};

/// The stages of one workload, registered as benchmarks named "<name>/<stage>".
template <class Model, class Steppers, class Transform>
struct workload {
  std::string name;
  Model model;
  odesynth::solve_options options;
  odesynth::sampler samples;
  odesynth::time_grid grid;
  Transform transforms;

  auto generator() const {
    return odesynth::make_generator<Steppers>(model, options, samples, grid, transforms,
                                              one_thread());
  }

  void register_all() const {
    using generator_type = decltype(generator());
    const auto g = std::make_shared<const generator_type>(generator());
    const auto bound = std::make_shared<const odesynth::bound_sampler>(samples.bind(seed));
    const auto solver = std::make_shared<const odesynth::solver<Model, Steppers>>(model, options);
    auto drawn = std::make_shared<std::vector<odesynth::sample>>(n);
    for (std::size_t i = 0; i < n; ++i) bound->draw_into((*drawn)[i], i, grid.start(), 0);
    auto solved = std::make_shared<std::vector<odesynth::trajectory>>();
    for (const auto& x : *drawn)
      solved->push_back(solver->solve(x.parameters, x.initial_state, grid));
    const auto t = std::make_shared<const Transform>(transforms);
    const auto grid_copy = grid;
    const double t0 = grid.start();

    add(name + "/total", n, [g] {
      double sum = 0;
      g->run(0, n, checksum{&sum});
      return sum;
    });
    add(name + "/sample", n, [bound, t0] {
      odesynth::sample x;
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) {
        bound->draw_into(x, i, t0, 0);
        sum += x.parameters[0];
      }
      return sum;
    });
    add(name + "/solve", n, [solver, drawn, grid_copy] {
      odesynth::trajectory tr;
      double sum = 0;
      for (const auto& x : *drawn) {
        solver->solve_into(tr, x.parameters, x.initial_state, grid_copy);
        sum += tr.values()(tr.num_times() - 1, 0);
      }
      return sum;
    });
    add(name + "/copy", n, [solved] {
      double sum = 0;
      for (const auto& tr : *solved) {
        odesynth::trajectory c = tr;
        sum += c.values()(0, 0);
      }
      return sum;
    });
    add(name + "/copy_and_transforms", n, [solved, t] {
      double sum = 0;
      for (std::size_t i = 0; i < solved->size(); ++i) {
        odesynth::trajectory c = (*solved)[i];
        odesynth::random_stream s(seed, i, odesynth::stream_purpose::measurement);
        (*t)(c, s);
        sum += c.num_times() > 0 ? c.values()(0, 0) : 0.0;
      }
      return sum;
    });
    add(name + "/total_collect", n, [g] {
      // The memory sink: every trajectory kept (so none of their memory is reused).
      const auto kept = g->collect(0, n);
      return kept.back().num_times() > 0 ? kept.back().values()(0, 0) : 0.0;
    });
    const std::filesystem::path folder =
        std::filesystem::path(std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") /
        ("odesynth_bench_simbaml_" + name);
    add(name + "/total_with_npy", n, [g, folder] {
      odesynth::dataset_options o;
      o.formats = {odesynth::dataset_format::npy};
      o.overwrite = true;
      const auto r = odesynth::write_dataset(*g, 0, n, folder, o);
      return static_cast<double>(r.report.delivered);
    });
  }

  /// Heap calls per trajectory of generator::run in its steady state (after a warm-up run).
  double heap_calls_per_trajectory() const {
#if defined(__GLIBC__)
    const auto g = generator();
    double sum = 0;
    g.run(0, 10, checksum{&sum});
    heap_calls = 0;
    counting = true;
    g.run(10, 10 + n, checksum{&sum});
    counting = false;
    return static_cast<double>(heap_calls.load()) / static_cast<double>(n);
#else
    return -1;
#endif
  }
};

template <class Model, class Steppers, class Transform>
workload<Model, Steppers, Transform> make_workload(std::string name, Model m,
                                                   odesynth::solve_options o, odesynth::sampler s,
                                                   odesynth::time_grid grid, Transform t) {
  return {std::move(name), m, std::move(o), std::move(s), std::move(grid), std::move(t)};
}

template <class W>
void report(const W& w, std::map<std::string, harness::stats>& r) {
  const auto median = [&](const std::string& stage) {
    const auto it = r.find(w.name + "/" + stage);
    return it == r.end() ? 0.0 : it->second.median / static_cast<double>(n);
  };
  const double total = median("total");
  if (total <= 0) return;
  const double copy = median("copy");
  const double transforms = median("copy_and_transforms") - copy;
  const double sink_memory = median("total_collect") - total;
  const double sink_npy = median("total_with_npy") - total;
  const auto row = [&](const std::string& stage, double seconds) {
    harness::result("12 throughput", fmt::format("{} {} per trajectory", w.name, stage),
                    harness::duration(seconds),
                    fmt::format("{:.0f}% of total", 100 * seconds / total), "", "");
  };
  harness::result("12 throughput",
                  fmt::format("{} total per trajectory (generator, 1 thread)", w.name),
                  harness::duration(total), harness::spread(r[w.name + "/total"]), "", "");
  row("sample", median("sample"));
  row("solve", median("solve"));
  row("transforms", transforms);
  row("sink: kept in memory (collect)", sink_memory);
  row("sink: NumPy files on tmpfs", sink_npy);
  harness::result("12 throughput", fmt::format("{} transforms / solve", w.name),
                  fmt::format("{:.1f}%", 100 * transforms / median("solve")), "", "", "");
  harness::result("12 throughput",
                  fmt::format("{} heap calls per trajectory (steady state)", w.name),
                  fmt::format("{:.2f}", w.heap_calls_per_trajectory()), "", "", "");
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = harness::take_quick_flag(argc, argv);
  using dopri5_only = odesynth::stepper_set<odesynth::stepper_kind::dopri5>;
  using default_set = odesynth::default_steppers;
  using stiff_set = odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>;
  const auto lv_grid = odesynth::time_grid::linspace(0, 50, 100);
  const auto lv_pipeline = odesynth::gaussian_noise(0.1) | odesynth::random_subset(0.5);

  const auto lv3 = make_workload<models::lotka_volterra, default_set>(
      "simbaml_lv_rtol1e-3", models::lotka_volterra{}, tolerances(1e-3, 1e-6), lv_sampler(),
      lv_grid, lv_pipeline);
  const auto lv3_dopri5 = make_workload<models::lotka_volterra, dopri5_only>(
      "simbaml_lv_rtol1e-3_dopri5", models::lotka_volterra{}, tolerances(1e-3, 1e-6), lv_sampler(),
      lv_grid, lv_pipeline);
  const auto lv6 = make_workload<models::lotka_volterra, default_set>(
      "simbaml_lv_rtol1e-6", models::lotka_volterra{}, tolerances(1e-6, 1e-8), lv_sampler(),
      lv_grid, lv_pipeline);
  const auto sir = make_workload<models::sir, default_set>(
      "sir_poisson", models::sir{}, tolerances(1e-6, 1e-8), sir_sampler(),
      odesynth::time_grid::linspace(0, 14, 100),
      odesynth::poisson_counts(1.0) | odesynth::random_subset(0.5));
  const auto rob = make_workload<models::robertson, stiff_set>(
      "robertson_rosenbrock4", models::robertson{}, tolerances(1e-6, 1e-10), robertson_sampler(),
      odesynth::time_grid::logspace(1e-5, 1e5, 100),
      odesynth::pipe(odesynth::proportional_noise(0.02)));
  lv3.register_all();
  lv3_dopri5.register_all();
  lv6.register_all();
  sir.register_all();
  rob.register_all();

  auto r = harness::run(argc, argv, quick);
  report(lv3, r);
  report(lv3_dopri5, r);
  report(lv6, r);
  report(sir, r);
  report(rob, r);
  return 0;
}
