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

// --- harness: the same block in every bench_*.cpp that uses Google Benchmark ----------------
namespace harness {

/// Quick mode (CI smoke runs, seconds): `--quick` or ODESYNTH_BENCH_QUICK set and not "0".
/// Removes `--quick` from argv.
bool take_quick_flag(int& argc, char** argv) {
  const char* env = std::getenv("ODESYNTH_BENCH_QUICK");
  bool quick = env && *env && std::string_view(env) != "0";
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--quick")
      quick = true;
    else
      argv[kept++] = argv[i];
  }
  argc = kept;
  return quick;
}

/// Real time per iteration over the repetitions of one benchmark, in seconds.
struct stats {
  double median = 0, cv = 0, min = 0, max = 0;
  std::map<std::string, double> counters;  ///< of the median aggregate
};

inline double seconds(const benchmark::BenchmarkReporter::Run& r) {
  constexpr double per_unit[] = {1e-9, 1e-6, 1e-3, 1.0};
  return r.GetAdjustedRealTime() * per_unit[r.time_unit];
}

/// Prints as usual and keeps the aggregates, so the program can print ratios of medians
/// measured in this one run.
class collector : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, stats> results;

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs) {
      if (r.run_type != Run::RT_Aggregate || r.error_occurred) continue;
      auto& s = results[r.run_name.function_name];
      if (r.aggregate_name == "median") {
        s.median = seconds(r);
        for (const auto& [name, c] : r.counters) s.counters[name] = c.value;
      } else if (r.aggregate_name == "cv") {
        s.cv = r.real_accumulated_time;  // a fraction: percentage statistics are not scaled
      } else if (r.aggregate_name == "min") {
        s.min = seconds(r);
      } else if (r.aggregate_name == "max") {
        s.max = seconds(r);
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

/// Real time (the generator works on other threads), min and max beside mean/median/CV.
inline benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b) {
  return b->UseRealTime()
      ->ComputeStatistics(
          "min", [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); })
      ->ComputeStatistics("max", [](const std::vector<double>& v) {
        return *std::max_element(v.begin(), v.end());
      });
}

/// Runs the registered benchmarks: 15 repetitions (3 in quick mode), randomly interleaved,
/// aggregates only, no colours (the RESULT rows must start their lines). Flags given on the
/// command line come last and win.
inline std::map<std::string, stats> run(int argc, char** argv, bool quick) {
  std::vector<std::string> flags{
      argv[0], quick ? "--benchmark_repetitions=3" : "--benchmark_repetitions=15",
      "--benchmark_enable_random_interleaving=true", "--benchmark_display_aggregates_only=true",
      "--benchmark_color=false"};
  if (quick) flags.emplace_back("--benchmark_min_time=0.01");
  for (int i = 1; i < argc; ++i) flags.emplace_back(argv[i]);
  std::vector<char*> args;
  for (auto& f : flags) args.push_back(f.data());
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) std::exit(2);
  collector c;
  benchmark::RunSpecifiedBenchmarks(&c);
  benchmark::Shutdown();
  return c.results;
}

inline std::string duration(double s) {
  if (s < 1e-6) return fmt::format("{:.1f} ns", s * 1e9);
  if (s < 1e-3) return fmt::format("{:.2f} us", s * 1e6);
  if (s < 1) return fmt::format("{:.2f} ms", s * 1e3);
  return fmt::format("{:.2f} s", s);
}

inline std::string spread(const stats& s) {
  return fmt::format("CV {:.1f}%, {}..{}", 100 * s.cv, duration(s.min), duration(s.max));
}

/// One row of the suite's summary table (run_all.sh collects the lines starting "RESULT |").
inline void result(std::string_view section, std::string_view measure, std::string_view value,
                   std::string_view spread_text, std::string_view target,
                   std::string_view verdict) {
  fmt::print("RESULT | {} | {} | {} | {} | {} | {}\n", section, measure, value, spread_text, target,
             verdict);
}

}  // namespace harness
// --- end of harness --------------------------------------------------------------------------

namespace {

namespace ode = boost::numeric::odeint;
using odesynth::models::lotka_volterra;

constexpr double abs_tol = 1e-8, rel_tol = 1e-6, first_step = 1e-3;
constexpr std::uint64_t seed = 2026;
constexpr std::size_t output_times = 100;

/// x0' = -k x0, xi' = k x(i-1) - k xi: a dynamic-size model (names at run time).
class linear_chain {
 public:
  explicit linear_chain(std::size_t n) : n_(n) {}
  std::string name() const { return "linear_chain"; }
  std::vector<std::string> species() const {
    std::vector<std::string> s;
    for (std::size_t i = 0; i < n_; ++i) s.push_back("x" + std::to_string(i));
    return s;
  }
  std::vector<std::string> parameters() const { return {"k"}; }
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    rhs(x, dxdt, p[0]);
  }
  /// The same loop for every state type, so both sides evaluate identical arithmetic.
  template <class S>
  static void rhs(const S& x, S& dxdt, double k) {
    const auto n = static_cast<std::size_t>(x.size());
    dxdt[0] = -k * x[0];
    for (std::size_t i = 1; i < n; ++i) dxdt[i] = k * x[i - 1] - k * x[i];
  }

 private:
  std::size_t n_;
};

odesynth::solve_options solver_options() {
  odesynth::solve_options o;  // dopri5 with dense output
  o.abs_tol = abs_tol;
  o.rel_tol = rel_tol;
  o.initial_step = first_step;  // the hand-written side's first step: identical steps
  return o;
}

odesynth::sampler lv_sampler() {
  namespace dist = odesynth::dist;
  const auto& p = lotka_volterra::default_parameters;
  const auto& x0 = lotka_volterra::default_initial_state;
  odesynth::sampler s(lotka_volterra{});
  for (std::size_t i = 0; i < p.size(); ++i)
    s.parameter(lotka_volterra::parameters[i], dist::uniform{0.8 * p[i], 1.2 * p[i]});
  for (std::size_t i = 0; i < x0.size(); ++i)
    s.initial_value(lotka_volterra::species[i], dist::uniform{0.8 * x0[i], 1.2 * x0[i]});
  return s;
}

odesynth::sampler chain_sampler(const linear_chain& model) {
  namespace dist = odesynth::dist;
  odesynth::sampler s(model);
  s.parameter("k", dist::uniform{0.5, 1.5});
  const auto names = model.species();
  s.initial_value(names[0], dist::uniform{0.5, 1.5});
  for (std::size_t i = 1; i < names.size(); ++i) s.initial_value(names[i], 0.0);
  return s;
}

/// The samples the generator will draw, drawn beforehand for the hand-written side.
std::vector<odesynth::sample> draw_all(const odesynth::sampler& s, std::size_t n, double start) {
  const auto bound = s.bind(seed);
  std::vector<odesynth::sample> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(bound.draw(i, start));
  return out;
}

odesynth::generator_options one_thread() {
  odesynth::generator_options o;
  o.seed = seed;
  o.threads = 1;
  return o;
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

template <class Generator>
double generate(const Generator& g, std::size_t n) {
  double sum = 0;
  g.run(0, n, [&sum](std::uint64_t, odesynth::trajectory&& tr) {
    sum += tr.values()(tr.num_times() - 1, 0);
  });
  return sum;
}

template <class Generator>
double make_serially(const Generator& g, std::size_t n) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto t = g.make(i);
    sum += t.data.values()(t.data.num_times() - 1, 0);
  }
  return sum;
}

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

/// Registers fn as a benchmark processing n trajectories per iteration; the checksum
/// guards against the work being optimised away.
template <class F>
void add(const std::string& name, std::size_t n, F fn) {
  harness::configure(benchmark::RegisterBenchmark(name.c_str(), [n, fn](benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(fn());
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  }))->Unit(benchmark::kMillisecond);
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
