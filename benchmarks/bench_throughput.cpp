// Named throughput workloads with a per-stage breakdown (issue 16, item 1).
//
// Three workloads, 1,000 trajectories each, one thread:
//
//   simbaml_lv             SimbaML's Lotka-Volterra workload: 100 times on [0, 50], prey and
//                          predator from 10, alpha = 1.1, beta = 0.4, gamma = 0.4, delta = 0.1
//                          each uniform within +-10%, gaussian_noise(0.1) | random_subset(0.5).
//                          Four variants: rel_tol 1e-3 (abs 1e-6, SimbaML's solve_ivp
//                          defaults) and 1e-6 (abs 1e-8), each with the default stepper
//                          (auto_switch) and with dopri5.
//   sir_poisson            SIR (models::sir) from 762 / 1 / 0, 100 times on [0, 14], beta and
//                          gamma within +-10%, poisson_counts(1) | random_subset(0.5); default
//                          stepper, rel_tol 1e-6, abs_tol 1e-8.
//   robertson_rosenbrock4  Robertson, k1 k2 k3 within +-10%, from (1, 0, 0), 100 log-spaced
//                          times on [1e-5, 1e5] (the solve starts at 1e-5), rosenbrock4,
//                          rel_tol 1e-6, abs_tol 1e-10, lognormal_noise(0.05).
//
// Per workload, per trajectory:
//   total        make_generator(...).run(0, n, sink) with a sink that sums one value (the
//                steady state: the generator reuses the trajectory the sink leaves);
//   total_keep   the same with a sink that moves every trajectory into a reserved
//                std::vector<trajectory> (what collect() does; the vector freed each time);
//   total_one_by_one  total with generator_options::batch = false, for the workloads whose
//                model supports lanes (LV, SIR): the generator solving one at a time;
//   sample       bound_sampler::draw_into(one reused sample, i) for each index;
//   solve        the solves as the generator makes them, on samples drawn beforehand: in lanes
//                (the integrator's integrate_batch, batch_width() at a time, into reused
//                trajectories) when it batches, else solver::solve_into(one reused trajectory);
//   solve_one_by_one  solver::solve_into one at a time, for the workloads that batch;
//   transforms   the whole pipeline, and each stage alone, on copies of solved trajectories
//                (copy-assigned into one reused trajectory, as the generator's is), with the
//                copy measured alone and subtracted; each trajectory gets its own
//                measurement stream, as in the generator;
//   sink         moving already-made trajectories into a reserved vector; writing them with
//                the dataset sinks numpy_sink and simbaml_csv_sink into a folder on /dev/shm
//                (constructor and finish() included, the folder's clean-up not timed).
// "rest" is total - sample - solve - transforms: the generator's own work (random streams,
// status counts, the ordered hand-off, the sink call).
//
// Heap calls per trajectory are counted for each of these loops after a warm-up pass:
// `new` counts calls of the global operator new (replaced in this program), `malloc` counts
// malloc, calloc and realloc (interposed on glibc; Eigen's matrices allocate through
// malloc, not operator new, so `new` alone misses them; `malloc` includes `new`).
//
// The simbaml_lv variants share sample, transforms and sink stages (those do not depend on
// the tolerance or the stepper): they are measured once, on the rel_tol 1e-3 auto_switch
// variant. benchmarks/throughput/simbaml_lv.py times SimbaML's pipeline (scipy solve_ivp
// LSODA, pandas) on the same workload, for the ratio.
//
// Usage: bench_throughput [--quick] [Google Benchmark flags]; ODESYNTH_BENCH_QUICK=1 = --quick.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <odesynth/dataset.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/models/sir.hpp>
#include <odesynth/sampler.hpp>
#include <odesynth/sinks/numpy.hpp>
#include <odesynth/sinks/simbaml_csv.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/harness.hpp"

// --- heap calls, counted ---------------------------------------------------------------------

namespace heap {
std::atomic<bool> counting{false};
std::atomic<std::uint64_t> news{0};
std::atomic<std::uint64_t> mallocs{0};
inline void count_new() {
  if (counting.load(std::memory_order_relaxed)) news.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace heap

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define THROUGHPUT_COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define THROUGHPUT_COUNT_MALLOC 0
#endif
#endif
#if !defined(THROUGHPUT_COUNT_MALLOC)
#if defined(__GLIBC__)
#define THROUGHPUT_COUNT_MALLOC 1
#else
#define THROUGHPUT_COUNT_MALLOC 0
#endif
#endif

#if THROUGHPUT_COUNT_MALLOC
// glibc: the program's malloc comes before libc's, and libc's stays reachable by these names.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
}
namespace heap {
inline void count_malloc() {
  if (counting.load(std::memory_order_relaxed)) mallocs.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace heap
extern "C" {
void* malloc(std::size_t n) noexcept {
  heap::count_malloc();
  return __libc_malloc(n);
}
void* realloc(void* p, std::size_t n) noexcept {
  heap::count_malloc();
  return __libc_realloc(p, n);
}
void* calloc(std::size_t n, std::size_t size) noexcept {
  heap::count_malloc();
  return __libc_calloc(n, size);
}
}
#endif

// Out of line, so that GCC does not see malloc paired with operator delete (or new with free)
// and warn (-Wmismatched-new-delete) where these operators are inlined.
namespace heap {
[[gnu::noinline]] void release(void* p) noexcept { std::free(p); }
[[gnu::noinline]] void* allocate(std::size_t n) noexcept {
  count_new();
  return std::malloc(n > 0 ? n : 1);
}
[[gnu::noinline]] void* allocate(std::size_t n, std::align_val_t a) noexcept {
  count_new();
  void* p = nullptr;
  const auto align = std::max(static_cast<std::size_t>(a), sizeof(void*));
  return posix_memalign(&p, align, n > 0 ? n : 1) == 0 ? p : nullptr;
}
}  // namespace heap

void* operator new(std::size_t n) {
  if (void* p = heap::allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  if (void* p = heap::allocate(n)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return heap::allocate(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return heap::allocate(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  if (void* p = heap::allocate(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) {
  if (void* p = heap::allocate(n, a)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return heap::allocate(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return heap::allocate(n, a);
}
void operator delete(void* p) noexcept { heap::release(p); }
void operator delete[](void* p) noexcept { heap::release(p); }
void operator delete(void* p, std::size_t) noexcept { heap::release(p); }
void operator delete[](void* p, std::size_t) noexcept { heap::release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { heap::release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { heap::release(p); }
void operator delete(void* p, std::align_val_t) noexcept { heap::release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { heap::release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { heap::release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { heap::release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  heap::release(p);
}
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept {
  heap::release(p);
}

namespace {

namespace dist = odesynth::dist;
namespace models = odesynth::models;
using odesynth::trajectory;

constexpr std::uint64_t seed = 2026;
constexpr std::string_view section = "11 throughput";

/// Heap calls per item of one call of `fn` over `items` items.
struct heap_calls {
  double news = -1, mallocs = -1;  ///< -1: not counted
  std::string text() const {
    if (news < 0) return "heap not counted";
    return THROUGHPUT_COUNT_MALLOC ? fmt::format("heap {:.2f} new, {:.2f} malloc", news, mallocs)
                                   : fmt::format("heap {:.2f} new", news);
  }
};

template <class F>
heap_calls count_heap_calls(std::size_t items, F&& fn) {
  benchmark::DoNotOptimize(fn());  // warm-up: buffers and caches of the first pass
  heap::news = 0;
  heap::mallocs = 0;
  heap::counting = true;
  benchmark::DoNotOptimize(fn());
  heap::counting = false;
  heap_calls c;
  c.news = static_cast<double>(heap::news.load()) / static_cast<double>(items);
  c.mallocs = THROUGHPUT_COUNT_MALLOC
                  ? static_cast<double>(heap::mallocs.load()) / static_cast<double>(items)
                  : -1;
  return c;
}

/// The heap calls of every loop, by benchmark name.
std::map<std::string, heap_calls>& heap_table() {
  static std::map<std::string, heap_calls> t;
  return t;
}

/// Registers `fn` (15 interleaved repetitions, harness conventions) and counts its heap calls.
template <class F>
void add(const std::string& name, std::size_t items, F fn) {
  heap_table()[name] = count_heap_calls(items, fn);
  harness::add(name, items, fn);
}

/// The last value of the first column, or 0 for an empty trajectory: what the loops keep.
double last_value(const trajectory& t) {
  return t.num_times() > 0 ? t.values()(t.num_times() - 1, 0) : 0.0;
}

odesynth::generator_options one_thread() {
  odesynth::generator_options o;
  o.seed = seed;
  o.threads = 1;
  return o;
}

odesynth::solve_options tolerances(double rel, double abs,
                                   std::optional<odesynth::stepper_kind> stepper = {}) {
  odesynth::solve_options o;
  o.rel_tol = rel;
  o.abs_tol = abs;
  o.stepper = stepper;
  return o;
}

/// Every parameter uniform within +-10% of `values`.
template <class Model, std::size_t N>
void within_ten_percent(odesynth::sampler& s, const std::array<double, N>& values) {
  for (std::size_t i = 0; i < N; ++i)
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

using stage_fn = std::function<void(trajectory&, odesynth::random_stream&)>;

/// A dataset folder on tmpfs (else the temporary directory), emptied before each write.
std::filesystem::path scratch_folder(const std::string& name) {
  const std::filesystem::path base = std::filesystem::exists("/dev/shm")
                                         ? std::filesystem::path("/dev/shm")
                                         : std::filesystem::temp_directory_path();
  return base / fmt::format("odesynth_bench_throughput_{}_{}", name, ::getpid());
}

void empty_folder(const std::filesystem::path& folder) {
  std::filesystem::remove_all(folder);
  std::filesystem::create_directories(folder);
}

/// Registers a sink benchmark: `write(folder)` timed, the folder emptied before each
/// iteration outside the timing.
template <class Write>
void add_sink(const std::string& name, std::size_t items, const std::filesystem::path& folder,
              Write write) {
  // Counted as count_heap_calls does, the emptying of the folder left out.
  for (int pass = 0; pass < 2; ++pass) {
    empty_folder(folder);
    heap::news = 0;
    heap::mallocs = 0;
    heap::counting = pass == 1;
    benchmark::DoNotOptimize(write(folder));
    heap::counting = false;
  }
  heap_calls c;
  c.news = static_cast<double>(heap::news.load()) / static_cast<double>(items);
  c.mallocs = THROUGHPUT_COUNT_MALLOC
                  ? static_cast<double>(heap::mallocs.load()) / static_cast<double>(items)
                  : -1;
  heap_table()[name] = c;
  harness::configure(benchmark::RegisterBenchmark(name.c_str(), [items, folder,
                                                                 write](benchmark::State& state) {
    for (auto _ : state) {
      state.PauseTiming();
      empty_folder(folder);
      state.ResumeTiming();
      benchmark::DoNotOptimize(write(folder));
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(items));
  }))->Unit(benchmark::kMillisecond);
}

/// One workload: its generator and the loops that measure its stages, registered as
/// benchmarks "<name>/<stage>".
template <class Steppers, class Model, class Transform>
struct workload {
  std::string name;
  Model model;
  odesynth::solve_options options;
  odesynth::sampler samples;
  odesynth::time_grid grid;
  Transform pipeline;
  std::vector<std::pair<std::string, stage_fn>> stages;  ///< each stage alone, labelled
  std::string stages_from;  ///< empty: measure sample/transforms/sink here; else whose to use

  auto make(bool batch = true) const {
    auto o = one_thread();
    o.batch = batch;
    return odesynth::make_generator<Steppers>(model, options, samples, grid, pipeline, o);
  }

  void register_all(std::size_t n) const {
    using generator_type = decltype(make());
    const auto g = std::make_shared<const generator_type>(make());
    const auto solver = std::make_shared<const odesynth::solver<Model, Steppers>>(model, options);
    const auto bound = std::make_shared<const odesynth::bound_sampler>(samples.bind(seed));
    const double t0 = grid.start();
    const auto drawn = std::make_shared<std::vector<odesynth::sample>>(n);
    for (std::size_t i = 0; i < n; ++i) bound->draw_into((*drawn)[i], i, t0, 0);
    const auto grid_ptr = std::make_shared<const odesynth::time_grid>(grid);

    add(name + "/total", n, [g, n] {
      double sum = 0;
      g->run(0, n, [&sum](std::uint64_t, trajectory&& t) { sum += last_value(t); });
      return sum;
    });
    add(name + "/total_keep", n, [g, n] {
      std::vector<trajectory> kept;
      kept.reserve(n);
      g->run(0, n, [&kept](std::uint64_t, trajectory&& t) { kept.push_back(std::move(t)); });
      return last_value(kept.back());
    });
    const auto one_by_one = [solver, drawn, grid_ptr] {
      static thread_local trajectory tr;
      double sum = 0;
      for (const auto& x : *drawn) {
        solver->solve_into(tr, x.parameters, x.initial_state, *grid_ptr);
        sum += last_value(tr);
      }
      return sum;
    };
    const std::size_t width = g->batch_width();
    if (width > 1) {
      const auto g1 = std::make_shared<const generator_type>(make(false));
      add(name + "/total_one_by_one", n, [g1, n] {
        double sum = 0;
        g1->run(0, n, [&sum](std::uint64_t, trajectory&& t) { sum += last_value(t); });
        return sum;
      });
      add(name + "/solve_one_by_one", n, one_by_one);
      // The samples packed as integrate_batch() takes them, outside the timing (the generator
      // packs each as it draws it; sample measures the draws).
      const std::size_t P = drawn->front().parameters.size();
      const std::size_t S = drawn->front().initial_state.size();
      const auto packed = std::make_shared<std::pair<std::vector<double>, std::vector<double>>>();
      for (const auto& x : *drawn) {
        packed->first.insert(packed->first.end(), x.parameters.begin(), x.parameters.end());
        packed->second.insert(packed->second.end(), x.initial_state.begin(), x.initial_state.end());
      }
      add(name + "/solve", n, [g, packed, grid_ptr, width, n, P, S] {
        static thread_local std::vector<trajectory> out(width);
        static thread_local std::vector<trajectory*> into;
        into.clear();
        for (auto& t : out) into.push_back(&t);
        double sum = 0;
        for (std::size_t k = 0; k < n; k += width) {
          const std::size_t m = std::min(width, n - k);
          g->integrator().integrate_batch(into.data(), m, packed->first.data() + k * P,
                                          packed->second.data() + k * S, *grid_ptr);
          sum += last_value(out[0]);
        }
        return sum;
      });
    } else {
      add(name + "/solve", n, one_by_one);
    }
    if (!stages_from.empty()) return;

    add(name + "/sample", n, [bound, t0, n] {
      static thread_local odesynth::sample x;
      double sum = 0;
      for (std::size_t i = 0; i < n; ++i) {
        bound->draw_into(x, i, t0, 0);
        sum += x.parameters[0];
      }
      return sum;
    });

    // Solved as the generator solves them (a failed solve would change what is measured).
    const auto solved = std::make_shared<std::vector<trajectory>>();
    for (const auto& x : *drawn) {
      solved->push_back(solver->solve(x.parameters, x.initial_state, grid));
      if (!solved->back().ok())
        throw std::runtime_error(fmt::format("{}: a solve failed: {}", name,
                                             odesynth::to_string(solved->back().status())));
    }
    // What the sinks receive: the pipeline applied, each with its measurement stream.
    const auto made = std::make_shared<std::vector<trajectory>>(*solved);
    for (std::size_t i = 0; i < n; ++i) {
      odesynth::random_stream s(seed, i, odesynth::stream_purpose::measurement);
      pipeline((*made)[i], s);
    }

    const auto on_copies = [solved](auto stage) {
      return [solved, stage] {
        static thread_local trajectory scratch;
        double sum = 0;
        for (std::size_t i = 0; i < solved->size(); ++i) {
          scratch = (*solved)[i];
          odesynth::random_stream s(seed, i, odesynth::stream_purpose::measurement);
          stage(scratch, s);
          sum += last_value(scratch);
        }
        return sum;
      };
    };
    add(name + "/copy", n, on_copies([](trajectory&, odesynth::random_stream&) {}));
    add(name + "/transforms", n, on_copies(pipeline));
    for (const auto& [label, stage] : stages)
      add(name + "/transform:" + label, n, on_copies(stage));

    harness::configure(benchmark::RegisterBenchmark((name + "/sink_vector").c_str(),
                                                    [made, n](benchmark::State& state) {
                                                      std::vector<trajectory> kept;
                                                      for (auto _ : state) {
                                                        state.PauseTiming();
                                                        std::vector<trajectory> copies(*made);
                                                        kept.clear();
                                                        kept.reserve(n);
                                                        state.ResumeTiming();
                                                        for (auto& t : copies)
                                                          kept.push_back(std::move(t));
                                                        benchmark::DoNotOptimize(kept.data());
                                                        state.PauseTiming();
                                                        copies.clear();
                                                        kept.clear();
                                                        state.ResumeTiming();
                                                      }
                                                      state.SetItemsProcessed(
                                                          state.iterations() *
                                                          static_cast<std::int64_t>(n));
                                                    }))
        ->Unit(benchmark::kMillisecond);
    const auto layout = std::make_shared<const odesynth::dataset_layout>(odesynth::layout_of(*g));
    add_sink(name + "/sink_npy", n, scratch_folder(name + "_npy"),
             [made, layout](const std::filesystem::path& folder) {
               odesynth::numpy_sink sink(folder, *layout);
               for (std::size_t i = 0; i < made->size(); ++i) sink(i, (*made)[i]);
               return sink.finish().size();
             });
    add_sink(name + "/sink_simbaml_csv", n, scratch_folder(name + "_csv"),
             [made, layout](const std::filesystem::path& folder) {
               odesynth::simbaml_csv_sink sink(folder, *layout);
               for (std::size_t i = 0; i < made->size(); ++i) sink(i, (*made)[i]);
               return sink.finish().size();
             });
  }

  /// The RESULT rows of this workload.
  void report(std::map<std::string, harness::stats>& r, std::size_t n,
              std::string_view total_target = "", double target_seconds = 0) const {
    const std::string from = stages_from.empty() ? name : stages_from;
    const auto per = [&](const std::string& key) {
      const auto it = r.find(key);
      return it == r.end() ? 0.0 : it->second.median / static_cast<double>(n);
    };
    const auto heap_of = [](const std::string& key) {
      const auto it = heap_table().find(key);
      return it == heap_table().end() ? heap_calls{} : it->second;
    };
    const double total = per(name + "/total");
    if (total <= 0) return;
    const auto& ts = r[name + "/total"];
    const std::string verdict =
        target_seconds > 0 ? (total <= target_seconds ? "met" : "MISSED") : "";
    harness::result(section, fmt::format("{} total (generator.run, checksum sink) / traj", name),
                    harness::duration(total),
                    fmt::format("{}; {}", harness::spread(ts), heap_of(name + "/total").text()),
                    total_target, verdict);
    const auto row = [&](const std::string& stage, double seconds, const std::string& extra) {
      harness::result(section, fmt::format("{} {} / traj", name, stage), harness::duration(seconds),
                      fmt::format("{:.1f}% of total; {}", 100 * seconds / total, extra), "", "");
    };
    const auto stage_row = [&](const std::string& stage, const std::string& key,
                               double subtract = 0) {
      const auto it = r.find(key);
      const std::string cv =
          it == r.end() ? std::string("not run") : fmt::format("CV {:.1f}%", 100 * it->second.cv);
      row(stage, per(key) - subtract, fmt::format("{}; {}", cv, heap_of(key).text()));
    };
    stage_row("total_keep (sink moves into a vector)", name + "/total_keep");
    const double sample = per(from + "/sample");
    const double solve = per(name + "/solve");
    const double copy = per(from + "/copy");
    const double transforms = per(from + "/transforms") - copy;
    const std::string shared = stages_from.empty() ? "" : fmt::format(" [{}'s]", from);
    const bool batched = r.count(name + "/solve_one_by_one") > 0;
    stage_row("sample" + shared, from + "/sample");
    stage_row(batched ? "solve (in lanes, as the generator solves)" : "solve", name + "/solve");
    if (batched) {
      stage_row("  solve one by one (scalar solver)", name + "/solve_one_by_one");
      stage_row("  total one by one (generator_options::batch = false)",
                name + "/total_one_by_one");
      const double one = per(name + "/solve_one_by_one"), all = per(name + "/total_one_by_one");
      if (solve > 0 && total > 0)
        harness::result(section, fmt::format("{} lanes: one by one / batched", name),
                        fmt::format("solve {:.2f}x, total {:.2f}x", one / solve, all / total),
                        "same run, medians", "", "");
    }
    stage_row("transforms, copy subtracted" + shared, from + "/transforms", copy);
    if (stages_from.empty()) {
      for (const auto& st : stages)
        stage_row("  transform " + st.first + ", copy subtracted", from + "/transform:" + st.first,
                  copy);
      stage_row("  (the copy itself)", from + "/copy");
    }
    stage_row("sink: move into std::vector" + shared, from + "/sink_vector");
    stage_row("sink: numpy_sink, tmpfs" + shared, from + "/sink_npy");
    stage_row("sink: simbaml_csv_sink, tmpfs" + shared, from + "/sink_simbaml_csv");
    row("rest (total - sample - solve - transforms)", total - sample - solve - transforms,
        "the generator's own work");
  }
};

template <class Steppers, class Model, class Transform>
workload<Steppers, Model, Transform> make_workload(
    std::string name, Model model, odesynth::solve_options options, odesynth::sampler samples,
    odesynth::time_grid grid, Transform pipeline,
    std::vector<std::pair<std::string, stage_fn>> stages, std::string stages_from = "") {
  return {std::move(name), std::move(model),    std::move(options), std::move(samples),
          std::move(grid), std::move(pipeline), std::move(stages),  std::move(stages_from)};
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = harness::take_quick_flag(argc, argv);
  const std::size_t n = quick ? 100 : 1000;
  using odesynth::stepper_kind;
  using defaults = odesynth::default_steppers;  // auto_switch (the default), dopri5
  using stiff = odesynth::stepper_set<stepper_kind::rosenbrock4>;

  const auto lv_grid = odesynth::time_grid::linspace(0, 50, 100);
  const auto lv_pipeline = odesynth::gaussian_noise(0.1) | odesynth::random_subset(0.5);
  const std::vector<std::pair<std::string, stage_fn>> lv_stages{
      {"gaussian_noise(0.1)", odesynth::gaussian_noise(0.1)},
      {"random_subset(0.5)", odesynth::random_subset(0.5)}};
  const std::string lv_first = "simbaml_lv_rtol1e-3_auto_switch";
  const auto lv3 =
      make_workload<defaults>(lv_first, models::lotka_volterra{}, tolerances(1e-3, 1e-6),
                              lv_sampler(), lv_grid, lv_pipeline, lv_stages);
  const auto lv3_dopri5 =
      make_workload<defaults>("simbaml_lv_rtol1e-3_dopri5", models::lotka_volterra{},
                              tolerances(1e-3, 1e-6, stepper_kind::dopri5), lv_sampler(), lv_grid,
                              lv_pipeline, {}, lv_first);
  const auto lv6 = make_workload<defaults>("simbaml_lv_rtol1e-6_auto_switch",
                                           models::lotka_volterra{}, tolerances(1e-6, 1e-8),
                                           lv_sampler(), lv_grid, lv_pipeline, {}, lv_first);
  const auto lv6_dopri5 =
      make_workload<defaults>("simbaml_lv_rtol1e-6_dopri5", models::lotka_volterra{},
                              tolerances(1e-6, 1e-8, stepper_kind::dopri5), lv_sampler(), lv_grid,
                              lv_pipeline, {}, lv_first);
  const auto sir =
      make_workload<defaults>("sir_poisson", models::sir{}, tolerances(1e-6, 1e-8), sir_sampler(),
                              odesynth::time_grid::linspace(0, 14, 100),
                              odesynth::poisson_counts(1.0) | odesynth::random_subset(0.5),
                              {{"poisson_counts(1)", odesynth::poisson_counts(1.0)},
                               {"random_subset(0.5)", odesynth::random_subset(0.5)}});
  const auto rob =
      make_workload<stiff>("robertson_rosenbrock4", models::robertson{},
                           tolerances(1e-6, 1e-10, stepper_kind::rosenbrock4), robertson_sampler(),
                           odesynth::time_grid::logspace(1e-5, 1e5, 100),
                           odesynth::pipe(odesynth::lognormal_noise(0.05)),
                           {{"lognormal_noise(0.05)", odesynth::lognormal_noise(0.05)}});

  lv3.register_all(n);
  lv3_dopri5.register_all(n);
  lv6.register_all(n);
  lv6_dopri5.register_all(n);
  sir.register_all(n);
  rob.register_all(n);

  auto r = harness::run(argc, argv, quick);

  fmt::print("\nPer trajectory (median of the repetitions, real time):\n");
  for (const auto& [name, s] : r)
    fmt::print("  {:<62} {:>10}   {}; {}\n", name,
               harness::duration(s.median / static_cast<double>(n)), harness::spread(s),
               heap_table()[name].text());
  fmt::print("\n");

  // SimbaML's 3,813 us per trajectory (issue 16, its machine) / 500 = 7.6 us.
  constexpr double simbaml_us = 3813;
  lv3.report(r, n, "<= 7.6 us (500x SimbaML's 3,813 us)", simbaml_us / 500 * 1e-6);
  lv3_dopri5.report(r, n);
  lv6.report(r, n);
  lv6_dopri5.report(r, n);
  sir.report(r, n);
  rob.report(r, n);
  for (const auto* w : {&lv3.name, &lv3_dopri5.name, &lv6.name, &lv6_dopri5.name}) {
    const auto it = r.find(*w + "/total");
    if (it == r.end() || it->second.median <= 0) continue;
    const double us = it->second.median / static_cast<double>(n) * 1e6;
    harness::result(section, fmt::format("{}: SimbaML's 3,813 us (issue 16) / odesynth", *w),
                    fmt::format("{:.0f}x", simbaml_us / us), "",
                    ">= 500x; benchmarks/throughput/simbaml_lv.py measures SimbaML here", "");
  }
  for (const auto& name : {lv3.name, sir.name, rob.name}) {
    std::error_code ec;
    std::filesystem::remove_all(scratch_folder(name + "_npy"), ec);
    std::filesystem::remove_all(scratch_folder(name + "_csv"), ec);
  }
  return 0;
}
