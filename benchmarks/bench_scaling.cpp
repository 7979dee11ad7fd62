// How the generator's cost grows (issue 8, item 2): time per trajectory against the number of
// trajectories n, the number of output times T and the number of species S.
//
//   n: Lotka–Volterra, 100 times, n = 10^2, 10^3, 10^4 (and 10^5 outside quick mode).
//      Linear means time per trajectory flat in n (memory stays bounded by the window).
//   T: Lotka–Volterra, T = 10, 100, 1,000, 10,000 output times on the same interval. With
//      dense output the steps do not depend on T, so the cost is a + b T: a fixed part
//      (steps) and a part per output time (interpolation, storage). Linear means the marginal
//      cost per point, (t(T2) - t(T1)) / (T2 - T1), flat in T.
//   S: the linear chain x0' = -k x0, xi' = k x(i-1) - k xi with S = 2, 10, 50, 100, 500
//      species, 100 times. Linear means time per species and step flat in S.
// All on one worker thread (generator_options::threads = 1), the sink sums one value. A row
// is flagged as a knee when its per-unit cost is more than 1.3 times the previous row's.
//
// Usage: bench_scaling [--quick] [Google Benchmark flags]; ODESYNTH_BENCH_QUICK=1 = --quick.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
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

using odesynth::models::lotka_volterra;
constexpr std::uint64_t seed = 2026;

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
    const auto n = static_cast<std::size_t>(x.size());
    const double k = p[0];
    dxdt[0] = -k * x[0];
    for (std::size_t i = 1; i < n; ++i) dxdt[i] = k * x[i - 1] - k * x[i];
  }

 private:
  std::size_t n_;
};

odesynth::solve_options solver_options() {
  odesynth::solve_options o;  // dopri5, dense output
  o.abs_tol = 1e-8;
  o.rel_tol = 1e-6;
  return o;
}

odesynth::generator_options one_thread() {
  odesynth::generator_options o;
  o.seed = seed;
  o.threads = 1;
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

/// One configuration: a generator, how many trajectories per iteration, and the size that
/// varies (n, T or S).
struct config {
  std::string group;
  std::size_t size;
  std::size_t n;
};

/// Registers the generator `g` making n trajectories per iteration; counts steps per
/// trajectory (the stepper's work) beside the time.
template <class Generator>
void add(const config& c, std::shared_ptr<const Generator> g) {
  const std::string name = fmt::format("{}/{}", c.group, c.size);
  const std::size_t n = c.n;
  harness::configure(benchmark::RegisterBenchmark(name.c_str(), [g, n](benchmark::State& state) {
    double sum = 0;
    std::int64_t steps = 0;
    for (auto _ : state) {
      steps = 0;
      g->run(0, n, [&](std::uint64_t, odesynth::trajectory&& tr) {
        sum += tr.values()(tr.num_times() - 1, 0);
        steps += tr.steps();
      });
      benchmark::DoNotOptimize(sum);
    }
    state.counters["steps_per_trajectory"] = static_cast<double>(steps) / static_cast<double>(n);
    state.counters["n"] = static_cast<double>(n);
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(n));
  }))->Unit(benchmark::kMillisecond);
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
  return out;
}

/// Prints one group's table and its summary row; `unit_cost(size, per_trajectory, steps,
/// previous)` is the per-unit cost whose flatness means linear growth.
template <class UnitCost>
void report(std::map<std::string, harness::stats>& r, const std::string& group,
            const std::vector<config>& configs, const char* unit_name, UnitCost unit_cost,
            const std::string& section, const std::string& measure) {
  fmt::print("\n{}: {:>8} {:>14} {:>16} {:>12} {:>8} {:>8}\n", group, "size", "per trajectory",
             unit_name, "steps/traj", "CV", "");
  std::vector<std::string> values, knees;
  double first = 0, previous = 0, worst = 0;
  std::size_t previous_size = 0;
  double previous_per_trajectory = 0;
  for (const auto& c : configs) {
    if (c.group != group) continue;
    const auto key = fmt::format("{}/{}", c.group, c.size);
    if (!r.count(key) || r[key].median <= 0) continue;
    const auto& s = r[key];
    const double per_trajectory = s.median / static_cast<double>(c.n);
    const double steps =
        s.counters.count("steps_per_trajectory") ? s.counters.at("steps_per_trajectory") : 0;
    const double unit =
        unit_cost(c.size, per_trajectory, steps, previous_size, previous_per_trajectory);
    const bool defined = !std::isnan(unit);
    const bool knee = defined && previous > 0 && unit > 1.3 * previous;
    if (defined && first == 0) first = unit;
    if (defined) worst = std::max(worst, unit / first);
    if (knee) knees.push_back(std::to_string(c.size));
    fmt::print("{:>{}} {:>8} {:>14} {:>16} {:>12.1f} {:>7.1f}% {}\n", "", group.size() + 1, c.size,
               harness::duration(per_trajectory),
               defined ? harness::duration(unit) : std::string("-"), steps, 100 * s.cv,
               knee ? "knee" : "");
    values.push_back(fmt::format(
        "{}: {}", c.size,
        defined ? harness::duration(unit) : harness::duration(per_trajectory) + "/traj"));
    if (defined) previous = unit;
    previous_size = c.size;
    previous_per_trajectory = per_trajectory;
  }
  if (values.empty()) return;  // the group was filtered out
  harness::result(section, measure, join(values), fmt::format("max/first {:.2f}", worst),
                  "flat (linear growth)", knees.empty() ? "no knee" : "knee at " + join(knees));
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = harness::take_quick_flag(argc, argv);

  std::vector<config> configs;
  for (std::size_t n : {100, 1000, 10000}) configs.push_back({"n", n, n});
  if (!quick) configs.push_back({"n", 100000, 100000});
  for (std::size_t t : {10, 100, 1000, 10000})
    configs.push_back({"times", t, std::size_t{quick ? 50u : (t >= 10000 ? 200u : 1000u)}});
  for (std::size_t s : {2, 10, 50, 100, 500})
    configs.push_back({"species", s, std::size_t{quick ? 10u : (s >= 500 ? 50u : 200u)}});

  for (const auto& c : configs) {
    if (c.group == "species") {
      const linear_chain model(c.size);
      const auto grid = odesynth::time_grid::linspace(0, 50, 100);
      using gen = decltype(odesynth::make_generator(model, solver_options(), chain_sampler(model),
                                                    grid, odesynth::pipeline<>{}, one_thread()));
      add(c, std::make_shared<const gen>(
                 odesynth::make_generator(model, solver_options(), chain_sampler(model), grid,
                                          odesynth::pipeline<>{}, one_thread())));
    } else {
      const auto grid = odesynth::time_grid::linspace(0, 20, c.group == "times" ? c.size : 100);
      using gen =
          decltype(odesynth::make_generator(lotka_volterra{}, solver_options(), lv_sampler(), grid,
                                            odesynth::pipeline<>{}, one_thread()));
      add(c, std::make_shared<const gen>(
                 odesynth::make_generator(lotka_volterra{}, solver_options(), lv_sampler(), grid,
                                          odesynth::pipeline<>{}, one_thread())));
    }
  }

  auto r = harness::run(argc, argv, quick);

  report(
      r, "n", configs, "per trajectory",
      [](std::size_t, double per_trajectory, double, std::size_t, double) {
        return per_trajectory;
      },
      "2 cost growth", "LV per trajectory vs n");
  // Marginal cost per output time between consecutive T (none for the first row).
  report(
      r, "times", configs, "marginal/point",
      [](std::size_t t, double per_trajectory, double, std::size_t t0, double p0) {
        return t0 == 0 ? std::nan("") : (per_trajectory - p0) / static_cast<double>(t - t0);
      },
      "2 cost growth", "LV marginal cost per output time vs T");
  report(
      r, "species", configs, "per species-step",
      [](std::size_t s, double per_trajectory, double steps, std::size_t, double) {
        return per_trajectory / (static_cast<double>(s) * std::max(steps, 1.0));
      },
      "2 cost growth", "chain per species and step vs S");
  return 0;
}
