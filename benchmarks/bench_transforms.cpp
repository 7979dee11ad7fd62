// What the default realism pipeline costs next to the solve (issue 8, item 3).
//
// The pipeline is gaussian_noise(1.0) | random_subset(0.5) | clip_below(0) on Lotka–Volterra
// (1,000 trajectories x 100 times, rel_tol 1e-6, abs_tol 1e-8). The fraction is
// (with pipeline - without) / without, the generator on one worker thread both times (and,
// as a cross-check free of thread hand-off noise, generator::make in a loop on the calling
// thread). Per-stage benchmarks apply each stage to copies of solved trajectories, so a slow
// stage shows by itself; the copy alone is measured too and subtracted.
//
// Usage: bench_transforms [--quick] [Google Benchmark flags]; ODESYNTH_BENCH_QUICK=1 = --quick.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <odesynth/generator.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/sampler.hpp>
#include <odesynth/transforms.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "support/harness.hpp"
#include "support/workloads.hpp"

namespace {

using harness::add;
using odesynth::models::lotka_volterra;
using workload::generate;
using workload::lv_sampler;
using workload::make_serially;
using workload::one_thread;
using workload::seed;
using workload::solver_options;

/// The default realism pipeline of issue 8: noise, then sparsify, then non-negative.
auto realism() {
  return odesynth::gaussian_noise(1.0) | odesynth::random_subset(0.5) | odesynth::clip_below(0);
}

/// The same measurement model with the sparsifier first: the same distribution of output,
/// noise drawn only for the rows kept (other bits than realism()).
auto realism_sparsify_first() {
  return odesynth::random_subset(0.5) | odesynth::gaussian_noise(1.0) | odesynth::clip_below(0);
}

const odesynth::time_grid& grid() {
  static const auto g = odesynth::time_grid::linspace(0, 20, 100);
  return g;
}

template <class Transform>
auto make_lv_generator(Transform t) {
  return odesynth::make_generator(lotka_volterra{}, solver_options(), lv_sampler(), grid(),
                                  std::move(t), one_thread());
}

/// Applies `stage` to a copy of each solved trajectory, each with its own measurement stream
/// (as the generator does).
template <class Stage>
double apply_to_copies(const std::vector<odesynth::trajectory>& solved, const Stage& stage) {
  double sum = 0;
  for (std::size_t i = 0; i < solved.size(); ++i) {
    odesynth::trajectory t = solved[i];
    odesynth::random_stream s(seed, i, odesynth::stream_purpose::measurement);
    stage(t, s);
    sum += t.values()(t.num_times() - 1, 0);
  }
  return sum;
}

/// A value the compiler cannot see through (random_stream is constexpr: with a constant seed
/// the whole loop could be folded at compile time).
std::uint64_t opaque(std::uint64_t v) {
  benchmark::DoNotOptimize(v);
  return v;
}

struct no_stage {
  void operator()(odesynth::trajectory&, odesynth::random_stream&) const {}
};

double fraction(const harness::stats& with, const harness::stats& without) {
  return (with.median - without.median) / without.median;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = harness::take_quick_flag(argc, argv);
  const std::size_t n = quick ? 100 : 1000;

  using plain_gen = decltype(make_lv_generator(odesynth::pipeline<>{}));
  using realism_gen = decltype(make_lv_generator(realism()));
  const auto plain = std::make_shared<const plain_gen>(make_lv_generator(odesynth::pipeline<>{}));
  const auto measured = std::make_shared<const realism_gen>(make_lv_generator(realism()));
  const auto solved = std::make_shared<std::vector<odesynth::trajectory>>(plain->collect(0, n));

  add("pipeline/generator_without", n, [=] { return generate(*plain, n); });
  add("pipeline/generator_with", n, [=] { return generate(*measured, n); });
  add("pipeline/make_without", n, [=] { return make_serially(*plain, n); });
  add("pipeline/make_with", n, [=] { return make_serially(*measured, n); });
  add("stage/copy_only", n, [=] { return apply_to_copies(*solved, no_stage{}); });
  add("stage/gaussian_noise", n,
      [=] { return apply_to_copies(*solved, odesynth::gaussian_noise(1.0)); });
  add("stage/random_subset", n,
      [=] { return apply_to_copies(*solved, odesynth::random_subset(0.5)); });
  add("stage/clip_below", n, [=] { return apply_to_copies(*solved, odesynth::clip_below(0)); });
  add("stage/realism_pipeline", n, [=] { return apply_to_copies(*solved, realism()); });
  add("stage/realism_sparsify_first", n,
      [=] { return apply_to_copies(*solved, realism_sparsify_first()); });
  // The random numbers underneath: one Philox4x32-10 block gives two doubles.
  constexpr std::size_t draws = 10240;  // a multiple of the 64-normal blocks
  add("rng/uniform_open01", draws, [] {
    odesynth::random_stream s(opaque(seed), 0, odesynth::stream_purpose::measurement);
    double sum = 0;
    for (std::size_t i = 0; i < draws; ++i) sum += s.uniform_open01();
    return sum;
  });
  add("rng/standard_normal", draws, [] {
    odesynth::random_stream s(opaque(seed), 0, odesynth::stream_purpose::measurement);
    double sum = 0;
    for (std::size_t i = 0; i < draws; ++i) sum += odesynth::standard_normal(s);
    return sum;
  });
  add("rng/standard_normals_block", draws, [] {
    odesynth::random_stream s(opaque(seed), 0, odesynth::stream_purpose::measurement);
    std::array<double, 64> z;
    double sum = 0;
    for (std::size_t i = 0; i < draws; i += z.size()) {
      odesynth::standard_normals(s, z.data(), z.size());
      for (double v : z) sum += v;
    }
    return sum;
  });
  // What standard_normal was before 0.2.0 (and gamma and student_t draws still use).
  add("rng/normal_by_inversion", draws, [] {
    odesynth::random_stream s(opaque(seed), 0, odesynth::stream_purpose::measurement);
    double sum = 0;
    for (std::size_t i = 0; i < draws; ++i) sum += odesynth::standard_normal_by_inversion(s);
    return sum;
  });
  add("rng/below_100", draws, [] {
    odesynth::random_stream s(opaque(seed), 0, odesynth::stream_purpose::measurement);
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < draws; ++i) sum += s.below(100);
    return sum;
  });

  auto r = harness::run(argc, argv, quick);
  auto has = [&r](const char* k) { return r.count(k) > 0 && r[k].median > 0; };
  const double per = static_cast<double>(n);

  if (has("pipeline/generator_without") && has("pipeline/generator_with")) {
    const auto& without = r["pipeline/generator_without"];
    const auto& with = r["pipeline/generator_with"];
    const double f = fraction(with, without);
    harness::result("3 transforms", "generator without pipeline, per trajectory",
                    harness::duration(without.median / per), harness::spread(without), "", "");
    harness::result("3 transforms", "generator with realism pipeline, per trajectory",
                    harness::duration(with.median / per), harness::spread(with), "", "");
    harness::result("3 transforms", "pipeline cost / solve (generator, 1 thread)",
                    fmt::format("{:.1f}%", 100 * f),
                    fmt::format("CV {:.1f}% / {:.1f}%", 100 * with.cv, 100 * without.cv), "<= 10%",
                    f <= 0.10 ? "met" : "MISSED");
  }
  if (has("pipeline/make_without") && has("pipeline/make_with")) {
    const auto& without = r["pipeline/make_without"];
    const auto& with = r["pipeline/make_with"];
    const double f = fraction(with, without);
    harness::result("3 transforms", "pipeline cost / solve (make loop, no threads)",
                    fmt::format("{:.1f}%", 100 * f),
                    fmt::format("CV {:.1f}% / {:.1f}%", 100 * with.cv, 100 * without.cv), "<= 10%",
                    f <= 0.10 ? "met" : "MISSED");
  }
  if (has("stage/copy_only")) {
    const double copy = r["stage/copy_only"].median;
    std::string stages;
    for (const char* k : {"stage/gaussian_noise", "stage/random_subset", "stage/clip_below",
                          "stage/realism_pipeline", "stage/realism_sparsify_first"})
      if (has(k))
        stages += fmt::format("{}{} {}", stages.empty() ? "" : ", ", std::string_view(k).substr(6),
                              harness::duration((r[k].median - copy) / per));
    harness::result("3 transforms", "per stage, per trajectory (copy subtracted)", stages,
                    fmt::format("copy {}", harness::duration(copy / per)), "", "");
  }
  std::string rng;
  for (const char* k : {"rng/uniform_open01", "rng/standard_normal", "rng/standard_normals_block",
                        "rng/normal_by_inversion", "rng/below_100"})
    if (has(k))
      rng += fmt::format("{}{} {}", rng.empty() ? "" : ", ", std::string_view(k).substr(4),
                         harness::duration(r[k].median / static_cast<double>(draws)));
  harness::result("3 transforms", "per random draw", rng, "", "", "");
  return 0;
}
