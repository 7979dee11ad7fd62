// benchmarks/support/harness.hpp - what every Google Benchmark program of the suite shares:
// quick mode, 15 (quick: 3) randomly interleaved repetitions, real time with min and max
// beside mean, median and CV, the medians kept for ratios computed in the same run, and the
// "RESULT | ..." rows benchmarks/run_all.sh and scripts/bench.sh collect.
#pragma once

#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "quick.hpp"

namespace harness {

/// Quick mode (CI smoke runs, seconds): `--quick` or ODESYNTH_BENCH_QUICK set and not "0".
/// Removes `--quick` from argv.
inline bool take_quick_flag(int& argc, char** argv) {
  bool quick = quick_from_environment();
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

/// Registers `fn` (its result kept from the optimiser) as a benchmark in milliseconds, with
/// `items` items (trajectories, solves) per call for the items/s counter.
template <class F>
void add(const std::string& name, std::size_t items, F fn) {
  configure(benchmark::RegisterBenchmark(name.c_str(), [items, fn](benchmark::State& state) {
    for (auto _ : state) benchmark::DoNotOptimize(fn());
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(items));
  }))->Unit(benchmark::kMillisecond);
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

/// What a measure's label adds for a build with AVX2 (the x86-64-v3 programs of
/// benchmarks/CMakeLists.txt, or -march=native), so that its rows stand apart from the default
/// build's.
#if defined(__AVX2__)
inline constexpr std::string_view build_label = " (AVX2 build)";
#else
inline constexpr std::string_view build_label = "";
#endif

/// One row of the suite's summary table (run_all.sh collects the lines starting "RESULT |").
inline void result(std::string_view section, std::string_view measure, std::string_view value,
                   std::string_view spread_text, std::string_view target,
                   std::string_view verdict) {
  fmt::print("RESULT | {} | {}{} | {} | {} | {} | {}\n", section, measure, build_label, value,
             spread_text, target, verdict);
}

}  // namespace harness
