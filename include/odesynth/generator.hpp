// odesynth/generator.hpp - datasets: many trajectories, in parallel, reproducible, streaming.
//
// Trajectory i of a dataset with seed s is made from four streams of its own:
//   (s, i, time_grid)    its time grid (time_grid_spec),
//   (s, i, parameters)   its parameters and initial values (sampler),
//   (s, i, process_noise) noise inside the dynamics (sde / derivative-noise integrators),
//   (s, i, measurement)  the transform pipeline.
// Nothing else is random, so the dataset is bit-identical for 1, 2 or 16 threads, in any
// scheduling order, and generating a slice [begin, end) alone gives exactly the rows of the
// same slice of a full run: distributed runs split index ranges.
//
// Trajectories go to a sink in index order as soon as they are ready, with at most `window`
// alive at once, so memory does not grow with n. A failed solve is kept with its status,
// dropped, or re-sampled (bounded attempts) according to `on_failure`; the report counts
// each. Everything is validated when the generator is built, before any work.
#pragma once

#include <fmt/format.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "derivative_noise.hpp"
#include "detail/ordered_parallel.hpp"
#include "error.hpp"
#include "parameter_schedule.hpp"
#include "random.hpp"
#include "sampler.hpp"
#include "sde.hpp"
#include "solve.hpp"
#include "solve_status.hpp"
#include "time_grid_spec.hpp"
#include "trajectory.hpp"
#include "transforms/transform.hpp"

namespace odesynth {

/// What to do with a trajectory whose solve failed.
enum class failure_policy {
  keep,      ///< deliver it, with its status (rows after the failure missing)
  drop,      ///< leave it out of the dataset
  resample,  ///< draw new parameters (independent draws) up to max_attempts times, then keep
};

struct progress {
  std::uint64_t done = 0;  ///< trajectories delivered or dropped so far
  std::uint64_t total = 0;
  std::uint64_t failed = 0;  ///< of those, solves that did not end ok
  double elapsed_seconds = 0;
};

struct generator_options {
  std::uint64_t seed = 0;
  /// Worker threads; 0 = every hardware thread.
  std::size_t threads = 0;
  failure_policy on_failure = failure_policy::keep;
  /// Solves per trajectory under failure_policy::resample (the first one included).
  int max_attempts = 5;
  /// Trajectories alive at once (solved, not yet handed to the sink); 0 = 16 per thread.
  std::size_t window = 0;
  /// Called on the calling thread at most every progress_interval seconds, and at the end.
  std::function<void(const progress&)> on_progress;
  double progress_interval = 0.2;

  void validate() const {
    if (max_attempts < 1)
      detail::throw_invalid("generator_options.max_attempts", max_attempts, "a count >= 1");
    if (!(progress_interval >= 0))
      detail::throw_invalid("generator_options.progress_interval", progress_interval,
                            "a duration >= 0 seconds");
    if (threads > 4096)
      detail::throw_invalid("generator_options.threads", threads, "at most 4096 threads");
  }
  std::size_t effective_threads() const {
    if (threads > 0) return threads;
    const unsigned hw = std::thread::hardware_concurrency();
    return hw > 0 ? hw : 1;
  }
};

/// Counts for a generated range.
struct generation_report {
  std::uint64_t requested = 0;
  std::uint64_t delivered = 0;  ///< handed to the sink
  std::uint64_t dropped = 0;    ///< failed and left out (failure_policy::drop)
  std::uint64_t resampled = 0;  ///< extra solves made by failure_policy::resample
  std::array<std::uint64_t, all_solve_statuses.size()> status_counts{};  ///< of delivered
  std::size_t peak_alive = 0;  ///< most trajectories held at once (bounded by the window)
  double elapsed_seconds = 0;

  std::uint64_t count(solve_status s) const { return status_counts[static_cast<std::size_t>(s)]; }
  std::uint64_t failed() const { return delivered - count(solve_status::ok); }
};

/// A generated trajectory with its index in the dataset and how many solves it took.
struct generated_trajectory {
  std::uint64_t index = 0;
  int attempts = 1;
  bool dropped = false;
  trajectory data;
};

// --- integrators: how one sample becomes a solved trajectory --------------------------------

/// Ordinary differential equations (solver.hpp).
template <class Model>
class ode_integrator {
 public:
  static constexpr std::string_view kind = "ode";
  ode_integrator(Model model, solve_options options)
      : solver_(std::move(model), std::move(options)) {}
  const model_description& description() const { return solver_.description(); }
  const std::vector<std::string>& sampled_parameters() const { return description().parameters(); }
  trajectory integrate(const sample& x, const time_grid& grid, random_stream& /*process*/) const {
    return x.has_schedule ? solver_.solve(x.schedule, x.initial_state, grid)
                          : solver_.solve(x.parameters, x.initial_state, grid);
  }
  std::string describe() const { return fmt::format("ode({})", solver_.options()); }
  const solve_options& options() const noexcept { return solver_.options(); }

 private:
  solver<Model> solver_;
};

/// Stochastic differential equations (sde.hpp); parameter schedules are not supported here.
template <class Model>
class sde_integrator {
 public:
  static constexpr std::string_view kind = "sde";
  sde_integrator(Model model, per_species<diffusion> noise, sde_options options)
      : solver_(std::move(model), std::move(noise), options) {}
  const model_description& description() const { return solver_.description(); }
  const std::vector<std::string>& sampled_parameters() const { return description().parameters(); }
  trajectory integrate(const sample& x, const time_grid& grid, random_stream& process) const {
    if (x.has_schedule)
      throw invalid_argument("sde_integrator", "a parameter schedule",
                             "sde_integrator: parameter schedules are not supported with SDEs");
    return solver_.solve(x.parameters, x.initial_state, grid, process);
  }
  std::string describe() const { return solver_.describe_noise(); }

 private:
  sde_solver<Model> solver_;
};

/// ODEs with SimbaML-style derivative noise (derivative_noise.hpp), combined with any
/// parameter schedule of the sample.
template <class Model>
class derivative_noise_integrator {
 public:
  static constexpr std::string_view kind = "ode_with_derivative_noise";
  derivative_noise_integrator(Model model, derivative_noise noise, solve_options options)
      : noisy_(std::move(model), std::move(noise)),
        solver_(noisy_, std::move(options)),
        model_parameters_(odesynth::describe(noisy_.model())->parameters()) {}
  const model_description& description() const { return solver_.description(); }
  /// The wrapped model's own parameters (the noise values are not sampled).
  const std::vector<std::string>& sampled_parameters() const { return model_parameters_; }
  trajectory integrate(const sample& x, const time_grid& grid, random_stream& process) const {
    const parameter_schedule noise = noisy_.schedule(x.parameters, grid, process);
    if (!x.has_schedule) return solver_.solve(noise, x.initial_state, grid);
    // Merge: segments at every switch of either schedule; model parameters from the
    // sample's schedule, noise values from the noise schedule.
    parameter_schedule merged;
    merged.switch_times = x.schedule.switch_times;
    merged.switch_times.insert(merged.switch_times.end(), noise.switch_times.begin(),
                               noise.switch_times.end());
    std::sort(merged.switch_times.begin(), merged.switch_times.end());
    merged.switch_times.erase(std::unique(merged.switch_times.begin(), merged.switch_times.end()),
                              merged.switch_times.end());
    std::vector<double> starts{grid.start()};
    starts.insert(starts.end(), merged.switch_times.begin(), merged.switch_times.end());
    for (double t : starts) {
      std::vector<double> v = noise.at(t);
      const auto& model_values = x.schedule.at(t);
      std::copy(model_values.begin(), model_values.end(), v.begin());
      merged.values.push_back(std::move(v));
    }
    return solver_.solve(merged, x.initial_state, grid);
  }
  std::string describe() const {
    return fmt::format("ode({}) with {}", solver_.options(), noisy_.describe_noise());
  }

 private:
  with_derivative_noise<Model> noisy_;
  solver<with_derivative_noise<Model>> solver_;
  std::vector<std::string> model_parameters_;
};

// --- the generator ------------------------------------------------------------------------

template <class Integrator, class Transform = pipeline<>>
class generator {
 public:
  /// Validates the sampler against the model, the transforms against the grid's columns and
  /// times, and the options: every configuration error surfaces here, before any solve.
  generator(Integrator integrator, sampler samples, time_grid_spec grid, Transform transforms = {},
            generator_options options = {})
      : integrator_(std::move(integrator)),
        samples_(samples.bind(options.seed)),
        grid_(std::move(grid)),
        transforms_(std::move(transforms)),
        options_(std::move(options)) {
    options_.validate();
    if (samples.model().name() != integrator_.description().name() ||
        samples.model().species() != integrator_.description().species() ||
        samples.model().parameters() != integrator_.sampled_parameters())
      detail::throw_invalid("generator.sampler", samples.model().name(),
                            fmt::format("a sampler built for the generator's model {}",
                                        integrator_.description().name()));
    trajectory_layout layout;
    layout.species = integrator_.description().species();
    layout.num_times = grid_.max_times();
    std::tie(layout.first_time, layout.last_time) = grid_.time_range();
    output_layout_ = odesynth::layout_after(transforms_, layout);
  }

  /// Trajectory `index`: pure, any thread, any order.
  generated_trajectory make(std::uint64_t index) const {
    generated_trajectory out;
    out.index = index;
    // A fixed grid is used in place (a copy per trajectory cost an allocation and a pass).
    std::optional<time_grid> drawn_grid;
    const time_grid* fixed = grid_.fixed_grid();
    if (!fixed) {
      random_stream grid_stream(options_.seed, index, stream_purpose::time_grid);
      drawn_grid.emplace(grid_.make(grid_stream));
    }
    const time_grid& grid = fixed ? *fixed : *drawn_grid;
    for (int attempt = 0;; ++attempt) {
      const sample x = attempt == 0 ? samples_.draw(index, grid.start())
                                    : samples_.redraw(index, grid.start(), attempt);
      random_stream process(options_.seed, index, process_stream_purpose(attempt));
      out.data = integrator_.integrate(x, grid, process);
      out.attempts = attempt + 1;
      if (out.data.ok()) break;
      if (options_.on_failure == failure_policy::drop) {
        out.dropped = true;
        return out;
      }
      if (options_.on_failure == failure_policy::keep || attempt + 1 >= options_.max_attempts)
        break;
    }
    random_stream measurement(options_.seed, index, stream_purpose::measurement);
    transforms_(out.data, measurement);
    return out;
  }

  /// Generates [begin, end) and hands each trajectory, in index order, to
  /// sink(std::uint64_t index, trajectory&&).
  template <class Sink>
  generation_report run(std::uint64_t begin, std::uint64_t end, Sink&& sink) const {
    if (begin > end)
      detail::throw_invalid("generator.run.begin", begin, fmt::format("begin <= end ({})", end));
    if (const auto n = samples_.required_count(); n && end > *n)
      detail::throw_invalid("generator.run.end", end,
                            fmt::format("end <= {} (the sampling design holds {} points)", *n, *n));
    generation_report report;
    report.requested = end - begin;
    const auto t0 = std::chrono::steady_clock::now();
    auto last_progress = t0;
    auto elapsed = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    };
    auto tell = [&](bool final) {
      if (!options_.on_progress) return;
      const auto now = std::chrono::steady_clock::now();
      if (!final &&
          std::chrono::duration<double>(now - last_progress).count() < options_.progress_interval)
        return;
      last_progress = now;
      options_.on_progress(progress{report.delivered + report.dropped, report.requested,
                                    report.failed() + report.dropped, elapsed()});
    };
    const std::size_t threads = options_.effective_threads();
    const std::size_t window = options_.window > 0 ? options_.window : 16 * threads;
    const auto stats = detail::ordered_parallel<generated_trajectory>(
        begin, end, threads, window, [this](std::uint64_t i) { return make(i); },
        [&](std::uint64_t i, generated_trajectory&& g) {
          report.resampled += static_cast<std::uint64_t>(g.attempts - 1);
          if (g.dropped) {
            ++report.dropped;
          } else {
            ++report.delivered;
            ++report.status_counts[static_cast<std::size_t>(g.data.status())];
            sink(i, std::move(g.data));
          }
          tell(false);
        });
    report.peak_alive = stats.peak_alive;
    report.elapsed_seconds = elapsed();
    tell(true);
    return report;
  }

  /// All of [begin, end) in memory, in index order (dropped ones left out).
  std::vector<trajectory> collect(std::uint64_t begin, std::uint64_t end,
                                  generation_report* report = nullptr) const {
    std::vector<trajectory> out;
    out.reserve(static_cast<std::size_t>(end > begin ? end - begin : 0));
    const auto r =
        run(begin, end, [&out](std::uint64_t, trajectory&& t) { out.push_back(std::move(t)); });
    if (report) *report = r;
    return out;
  }

  /// Trajectories from index `begin` on until they hold at least `rows` rows in total; the
  /// last is cut to make exactly `rows` (SimbaML's time-points generator). Deterministic:
  /// rows are counted in index order.
  std::vector<trajectory> collect_rows(std::uint64_t rows, std::uint64_t begin = 0,
                                       generation_report* report = nullptr) const {
    if (rows == 0) detail::throw_invalid("generator.collect_rows.rows", rows, "rows >= 1");
    std::vector<trajectory> out;
    std::uint64_t have = 0;
    generation_report total;
    const std::uint64_t batch = 4 * options_.effective_threads();
    while (have < rows) {
      // Clamped: begin + batch would wrap past the last index, 2^64 - 1.
      const std::uint64_t end =
          begin + std::min(batch, std::numeric_limits<std::uint64_t>::max() - begin);
      const auto r = run(begin, end, [&](std::uint64_t, trajectory&& t) {
        if (have >= rows) return;
        const auto n = static_cast<std::uint64_t>(t.num_times());
        if (have + n > rows) {
          std::vector<Eigen::Index> keep;
          for (std::uint64_t k = 0; k < rows - have; ++k)
            keep.push_back(static_cast<Eigen::Index>(k));
          t.keep_rows(keep);
        }
        have += static_cast<std::uint64_t>(t.num_times());
        out.push_back(std::move(t));
      });
      total.requested += r.requested;
      total.delivered += r.delivered;
      total.dropped += r.dropped;
      total.resampled += r.resampled;
      for (std::size_t k = 0; k < total.status_counts.size(); ++k)
        total.status_counts[k] += r.status_counts[k];
      begin = end;
      if (r.delivered == 0 && r.dropped == 0) break;
    }
    if (report) *report = total;
    return out;
  }

  const trajectory_layout& output_layout() const noexcept { return output_layout_; }
  const bound_sampler& samples() const noexcept { return samples_; }
  const generator_options& options() const noexcept { return options_; }
  const Integrator& integrator() const noexcept { return integrator_; }
  const time_grid_spec& grid() const noexcept { return grid_; }
  std::string describe_transforms() const { return describe_transform(transforms_); }

 private:
  static std::uint32_t process_stream_purpose(int attempt) {
    return static_cast<std::uint32_t>(stream_purpose::process_noise) +
           0x10000u * static_cast<std::uint32_t>(attempt);
  }

  Integrator integrator_;
  bound_sampler samples_;
  time_grid_spec grid_;
  Transform transforms_;
  generator_options options_;
  trajectory_layout output_layout_;
};

/// A generator for an ODE model: the common case.
template <class Model, class Transform = pipeline<>>
auto make_generator(Model model, solve_options solver_options, sampler samples, time_grid_spec grid,
                    Transform transforms = {}, generator_options options = {}) {
  return generator<ode_integrator<Model>, Transform>(
      ode_integrator<Model>(std::move(model), std::move(solver_options)), std::move(samples),
      std::move(grid), std::move(transforms), std::move(options));
}

}  // namespace odesynth
