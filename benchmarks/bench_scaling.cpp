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

#include "support/harness.hpp"
#include "support/workloads.hpp"

namespace {

using odesynth::models::lotka_volterra;
using workload::chain_sampler;
using workload::linear_chain;
using workload::lv_sampler;
using workload::one_thread;
using workload::seed;
using workload::solver_options;

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
