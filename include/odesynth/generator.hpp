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

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "batch_solver.hpp"
#include "derivative_noise.hpp"
#include "detail/enum_names.hpp"
#include "detail/memory_limit.hpp"
#include "detail/ordered_parallel.hpp"
#include "error.hpp"
#include "lanes.hpp"
#include "parameter_schedule.hpp"
#include "progress.hpp"
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

/// The name metadata stores ("on_failure").
constexpr std::string_view to_string(failure_policy p) noexcept {
  switch (p) {
    case failure_policy::keep: return "keep";
    case failure_policy::drop: return "drop";
    case failure_policy::resample: return "resample";
  }
  return "unknown";
}

/// Every failure policy, in order (metadata reads to_string(policy) back).
inline constexpr std::array<failure_policy, 3> all_failure_policies{
    failure_policy::keep, failure_policy::drop, failure_policy::resample};

struct generator_options {
  std::uint64_t seed = 0;
  /// Worker threads; 0 = every hardware thread.
  std::size_t threads = 0;
  failure_policy on_failure = failure_policy::keep;
  /// Solves per trajectory under failure_policy::resample (the first one included).
  int max_attempts = 5;
  /// Trajectories alive at once (solved, not yet handed to the sink); 0 = 16 per thread.
  std::size_t window = 0;
  /// Solve several trajectories at a time in SIMD lanes when the integrator can: an ODE
  /// model declaring supports_lanes (model.hpp), stepper dopri5 or auto_switch, a fixed time
  /// grid (batch_solver.hpp). The dataset is the same bit for bit either way; false only to
  /// compare or to measure.
  bool batch = true;
  /// Called on the calling thread after a trajectory is delivered or dropped, at most every
  /// progress_interval seconds, and once at the end. Returning generation_control::stop
  /// cancels the run (see generator::run); a void callback only watches.
  progress_callback on_progress;
  double progress_interval = 0.2;
  /// collect_rows gives up (generation_stalled) after this many consecutive trajectories that
  /// give no row: dropped failed solves, or emptied by the transforms.
  std::uint64_t stall_limit = 10000;

  /// Most trajectories a window may hold: far above any speed benefit (16 per thread is the
  /// default, 65536 at 4096 threads) and a bound on the ring the pool allocates up front.
  static constexpr std::size_t max_window = std::size_t{1} << 20;

  void validate() const {
    if (max_attempts < 1)
      detail::throw_invalid("generator_options.max_attempts", max_attempts, "a count >= 1");
    if (!(progress_interval >= 0))
      detail::throw_invalid("generator_options.progress_interval", progress_interval,
                            "a duration >= 0 seconds");
    if (threads > 4096)
      detail::throw_invalid("generator_options.threads", threads, "at most 4096 threads");
    if (window > max_window)
      detail::throw_invalid(
          "generator_options.window", window,
          fmt::format("at most {} trajectories alive at once (0: 16 per thread)", max_window));
    if (stall_limit < 1)
      detail::throw_invalid("generator_options.stall_limit", stall_limit, "a count >= 1");
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
  /// A progress callback stopped the run before its end: only the first delivered + dropped
  /// indices were done (delivered + dropped < requested), and the sink got those, in order.
  bool cancelled = false;

  std::uint64_t count(solve_status s) const { return status_counts[static_cast<std::size_t>(s)]; }
  std::uint64_t failed() const { return delivered - count(solve_status::ok); }

  /// Adds the counts of a run over a further range (peak_alive: the larger; elapsed and
  /// cancelled: left to the caller, who knows whether the runs overlapped in time).
  void add(const generation_report& r) {
    requested += r.requested;
    delivered += r.delivered;
    dropped += r.dropped;
    resampled += r.resampled;
    for (std::size_t k = 0; k < status_counts.size(); ++k) status_counts[k] += r.status_counts[k];
    peak_alive = std::max(peak_alive, r.peak_alive);
  }
};

/// collect_rows gave up: generator_options::stall_limit consecutive trajectories, from index
/// first_index() on, gave no row (every one dropped as a failed solve, or left empty by the
/// transforms), so more of the same would most likely never meet the budget. report() counts
/// everything generated until then.
class generation_stalled : public error {
 public:
  generation_stalled(std::uint64_t rows_wanted, std::uint64_t rows_collected,
                     std::uint64_t first_index, std::uint64_t stall_limit, generation_report report)
      : error(fmt::format(
            "generator.collect_rows: {} of {} rows collected, then trajectories [{}, {}) gave "
            "none (generator_options.stall_limit = {} in a row; {} dropped as failed solves "
            "so far): check the model, the sampler and the transforms, or use "
            "failure_policy::keep to see the solve statuses",
            rows_collected, rows_wanted, first_index, first_index + stall_limit, stall_limit,
            report.dropped)),
        rows_wanted_(rows_wanted),
        rows_collected_(rows_collected),
        first_index_(first_index),
        report_(report) {}

  std::uint64_t rows_wanted() const noexcept { return rows_wanted_; }
  std::uint64_t rows_collected() const noexcept { return rows_collected_; }
  std::uint64_t first_index() const noexcept { return first_index_; }
  const generation_report& report() const noexcept { return report_; }

 private:
  std::uint64_t rows_wanted_;
  std::uint64_t rows_collected_;
  std::uint64_t first_index_;
  generation_report report_;
};

/// A generated trajectory with its index in the dataset and how many solves it took.
struct generated_trajectory {
  std::uint64_t index = 0;
  int attempts = 1;
  bool dropped = false;
  trajectory data;
};

// --- integrators: how one sample becomes a solved trajectory --------------------------------
//
// The generator is generic over its Integrator. An Integrator is a copyable type with
//   static constexpr std::string_view kind;        // "ode", "sde", ...: metadata's integrator.kind
//   const model_description& description() const;  // the model it solves (species, parameters)
//   const std::vector<std::string>& sampled_parameters() const;  // what the sampler must draw
//   trajectory integrate(const sample&, const time_grid&, random_stream& process) const;
//   std::string describe() const;                  // metadata's integrator.description
// integrate() is called from several threads at once and may draw only from `process` (the
// trajectory's process-noise stream), so the dataset does not depend on the thread count.
// The three below also give their settings (options(), noise()); provenance.hpp writes them
// to metadata.json and reads them back, which is what makes their datasets regenerable.

namespace detail {

/// Trajectories a generator solves together in lanes. Without AVX: 4, two SSE2 registers of
/// doubles (two independent chains of arithmetic); measured against 2 and 8 on LV and SIR
/// (benchmarks/README.md, sections 10 and 11), 4 was fastest once the controller worked on whole
/// lanes and the rows were interpolated W at a time, and 8 has more state than the registers
/// hold. With AVX (16 registers of four doubles): 8, two registers' worth, for the same reason.
#if defined(__AVX__)
inline constexpr std::size_t generator_lanes = 8;
#else
inline constexpr std::size_t generator_lanes = 4;
#endif

/// batch_solver<W, Model, Steppers> for a model that declares lanes, else nothing (so that
/// other models never instantiate it).
template <class Model, class Steppers, bool = supports_lanes_v<Model>>
struct lane_solver_for {
  using type = void;
  static constexpr std::size_t width = 1;
};
template <class Model, class Steppers>
struct lane_solver_for<Model, Steppers, true> {
  using type = batch_solver<generator_lanes, Model, Steppers>;
  static constexpr std::size_t width = generator_lanes;
};

}  // namespace detail

/// Ordinary differential equations (solve.hpp), with the steppers of `Steppers` compiled in.
/// A model declaring supports_lanes is solved `lane_width` problems at a time by
/// integrate_batch() when the options allow it (batch_width() > 1).
template <class Model, class Steppers = default_steppers>
class ode_integrator {
  using lane_solver = detail::lane_solver_for<Model, Steppers>;

 public:
  static constexpr std::string_view kind = "ode";
  /// The most problems integrate_batch() takes.
  static constexpr std::size_t lane_width = lane_solver::width;

  ode_integrator(Model model, solve_options options)
      : solver_(std::move(model), std::move(options)) {
    if constexpr (lane_width > 1) {
      if (lane_solver::type::runs_in_lanes(solver_.options()))
        lanes_ =
            std::make_shared<const typename lane_solver::type>(solver_.model(), solver_.options());
    }
  }
  const model_description& description() const { return solver_.description(); }
  const std::vector<std::string>& sampled_parameters() const { return description().parameters(); }
  trajectory integrate(const sample& x, const time_grid& grid, random_stream& process) const {
    trajectory tr;
    integrate_into(tr, x, grid, process);
    return tr;
  }
  /// integrate() into `out`, reusing its memory (optional for an Integrator: the generator
  /// uses it when present).
  void integrate_into(trajectory& out, const sample& x, const time_grid& grid,
                      random_stream& /*process*/) const {
    if (x.has_schedule) {
      solver_.solve_into(out, x.schedule, x.initial_state, grid);
    } else {
      solver_.solve_into(out, x.parameters, x.initial_state, grid);
    }
  }
  /// How many problems integrate_batch() solves together: lane_width when the model supports
  /// lanes and the stepper runs in them (dopri5, auto_switch), else 1.
  std::size_t batch_width() const noexcept { return lanes_ ? lane_width : 1; }
  /// Problems k < count (parameters at parameters[k * P], initial state at
  /// initial_states[k * S], count <= batch_width()) into *out[k], bit for bit what
  /// integrate_into() gives each (no schedules: those go one by one).
  void integrate_batch(trajectory* const* out, std::size_t count, const double* parameters,
                       const double* initial_states, const time_grid& grid) const {
    if constexpr (lane_width > 1) {
      if (lanes_) {
        lanes_->solve_into(out, count, parameters, initial_states, grid);
        return;
      }
    }
    throw std::logic_error("odesynth::ode_integrator::integrate_batch: batch_width() is 1");
  }
  std::string describe() const { return fmt::format("ode({})", solver_.options()); }
  const solve_options& options() const noexcept { return solver_.options(); }

 private:
  solver<Model, Steppers> solver_;
  /// Set when batch_width() > 1; shared by the copies (it is immutable).
  std::shared_ptr<const typename lane_solver::type> lanes_;
};

/// Stochastic differential equations (sde.hpp); parameter schedules are not supported here.
template <class Model>
class sde_integrator {
 public:
  static constexpr std::string_view kind = "sde";
  sde_integrator(Model model, per_species<diffusion> noise, sde_options options)
      : solver_(std::move(model), noise, options), noise_(std::move(noise)) {}
  const model_description& description() const { return solver_.description(); }
  const std::vector<std::string>& sampled_parameters() const { return description().parameters(); }
  trajectory integrate(const sample& x, const time_grid& grid, random_stream& process) const {
    if (x.has_schedule)
      throw invalid_argument("sde_integrator", "a parameter schedule",
                             "sde_integrator: parameter schedules are not supported with SDEs");
    return solver_.solve(x.parameters, x.initial_state, grid, process);
  }
  std::string describe() const { return solver_.describe_noise(); }
  /// The settings it was built with (metadata.json records them).
  const sde_options& options() const noexcept { return solver_.options(); }
  const per_species<diffusion>& noise() const noexcept { return noise_; }

 private:
  sde_solver<Model> solver_;
  per_species<diffusion> noise_;
};

/// ODEs with SimbaML-style derivative noise (derivative_noise.hpp), combined with any
/// parameter schedule of the sample; the steppers of `Steppers` compiled in.
template <class Model, class Steppers = default_steppers>
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
    trajectory tr = solve(x, grid, process);
    // The solve saw the noise as extra parameters; the trajectory carries the sampled ones,
    // as the dataset's parameter columns (sampled_parameters()) expect.
    const auto sampled = static_cast<Eigen::Index>(model_parameters_.size());
    if (tr.parameters().size() > sampled) tr.set_parameters(tr.parameters().head(sampled));
    return tr;
  }
  std::string describe() const {
    return fmt::format("ode({}) with {}", solver_.options(), noisy_.describe_noise());
  }
  /// The settings it was built with (metadata.json records them).
  const solve_options& options() const noexcept { return solver_.options(); }
  const derivative_noise& noise() const noexcept { return noisy_.noise(); }

 private:
  trajectory solve(const sample& x, const time_grid& grid, random_stream& process) const {
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

  with_derivative_noise<Model> noisy_;
  solver<with_derivative_noise<Model>, Steppers> solver_;
  std::vector<std::string> model_parameters_;
};

namespace detail {

template <class I, class = void>
struct has_integrate_batch : std::false_type {};
template <class I>
struct has_integrate_batch<
    I, std::void_t<decltype(std::declval<const I&>().batch_width()), decltype(I::lane_width)>>
    : std::true_type {};

template <class I, class = void>
struct has_integrate_into : std::false_type {};
template <class I>
struct has_integrate_into<I,
                          std::void_t<decltype(std::declval<const I&>().integrate_into(
                              std::declval<trajectory&>(), std::declval<const sample&>(),
                              std::declval<const time_grid&>(), std::declval<random_stream&>()))>>
    : std::true_type {};

}  // namespace detail

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
    if constexpr (detail::has_integrate_batch<Integrator>::value) {
      if (options_.batch && grid_.fixed_grid()) batch_width_ = integrator_.batch_width();
    }
  }

  /// Trajectories solved together (generator_options::batch): 1 when one at a time.
  std::size_t batch_width() const noexcept { return batch_width_; }

  /// Trajectory `index`: pure, any thread, any order.
  generated_trajectory make(std::uint64_t index) const {
    generated_trajectory out;
    make_into(index, out);
    return out;
  }

  /// make(index), written into `out` (whatever it held), reusing the memory of its
  /// trajectory when the integrator can (what run() does on one thread: a sink that does not
  /// keep the trajectory leaves its buffers for the next).
  void make_into(std::uint64_t index, generated_trajectory& out) const {
    out.index = index;
    out.attempts = 1;
    out.dropped = false;
    // A fixed grid is used in place (a copy per trajectory cost an allocation and a pass).
    std::optional<time_grid> drawn_grid;
    const time_grid* fixed = grid_.fixed_grid();
    if (!fixed) {
      random_stream grid_stream(options_.seed, index, stream_purpose::time_grid);
      drawn_grid.emplace(grid_.make(grid_stream));
    }
    make_attempts(index, out, fixed ? *fixed : *drawn_grid, false);
  }

  /// make_into() for indices first .. first + n - 1 into out[0 .. n): what the generator's
  /// workers call on the runs they claim. With batch_width() > 1 the samples are solved
  /// batch_width() at a time in lanes (the same bits as make_into(), which is what solves
  /// samples with a schedule or a non-finite value, and the resampling attempts).
  void make_run(std::uint64_t first, std::size_t n, generated_trajectory* out) const {
    if constexpr (detail::has_integrate_batch<Integrator>::value) {
      if (batch_width_ > 1) {
        make_batched(first, n, out);
        return;
      }
    }
    for (std::size_t k = 0; k < n; ++k) make_into(first + k, out[k]);
  }

 private:
  /// The solve attempts of trajectory `index` and its transforms; with `solved`, the first
  /// attempt's solve is already in out.data (make_batched).
  void make_attempts(std::uint64_t index, generated_trajectory& out, const time_grid& grid,
                     bool solved) const {
    // A sample holding a NaN or infinite value (sample::non_finite_field) is not solved (the
    // solver would throw and abort the whole run): it fails like a solve failing at its start,
    // every row missing, and the failure policy applies.
    auto unsolved = [this](const sample& x, const time_grid& g) {
      const auto& model = samples_.settings().model_ptr();
      trajectory tr(detail::to_eigen(g.times().data(), g.times().size()),
                    trajectory::names_ptr(model, &model->species()), model);
      tr.set_parameters(detail::to_eigen(x.parameters.data(), x.parameters.size()));
      tr.set_initial_state(detail::to_eigen(x.initial_state.data(), x.initial_state.size()));
      tr.set_status(solve_status::invalid_sample,
                    fmt::format("{} = {}: a drawn value that is not finite; not solved",
                                x.non_finite_field, x.non_finite_value));
      return tr;
    };
    // One sample per thread, reused: its vectors keep their memory from one trajectory to
    // the next (draws into it are the draws into a fresh one).
    static thread_local sample x;
    for (int attempt = 0;; ++attempt) {
      if (!(solved && attempt == 0)) {
        samples_.draw_into(x, index, grid.start(), attempt);
        random_stream process(options_.seed, index, process_stream_purpose(attempt));
        if (!x.finite()) {
          out.data = unsolved(x, grid);
        } else if constexpr (detail::has_integrate_into<Integrator>::value) {
          integrator_.integrate_into(out.data, x, grid, process);
        } else {
          out.data = integrator_.integrate(x, grid, process);
        }
      }
      out.attempts = attempt + 1;
      if (out.data.ok()) break;
      if (options_.on_failure == failure_policy::drop) {
        out.dropped = true;
        return;
      }
      if (options_.on_failure == failure_policy::keep || attempt + 1 >= options_.max_attempts)
        break;
    }
    random_stream measurement(options_.seed, index, stream_purpose::measurement);
    transforms_(out.data, measurement);
  }

  /// make_run() in lanes: first attempts of up to lane_width samples per integrate_batch().
  void make_batched(std::uint64_t first, std::size_t n, generated_trajectory* out) const {
    if constexpr (detail::has_integrate_batch<Integrator>::value) {
      constexpr std::size_t W = Integrator::lane_width;
      const time_grid& grid = *grid_.fixed_grid();
      // Per thread, reused: after the first run nothing here allocates.
      static thread_local std::array<sample, W> drawn;
      static thread_local std::vector<double> parameters, initial_states;
      for (std::size_t k = 0; k < n;) {
        std::array<trajectory*, W> into{};
        std::array<std::size_t, W> at{};
        std::size_t m = 0;
        for (; k < n && m < W; ++k) {
          generated_trajectory& g = out[k];
          g.index = first + k;
          g.attempts = 1;
          g.dropped = false;
          sample& x = drawn[m];
          samples_.draw_into(x, first + k, grid.start(), 0);
          if (!x.finite() || x.has_schedule) {
            make_attempts(first + k, g, grid, false);
            continue;
          }
          const std::size_t P = x.parameters.size(), S = x.initial_state.size();
          if (parameters.size() < W * P) parameters.resize(W * P);
          if (initial_states.size() < W * S) initial_states.resize(W * S);
          std::copy(x.parameters.begin(), x.parameters.end(), parameters.begin() + m * P);
          std::copy(x.initial_state.begin(), x.initial_state.end(), initial_states.begin() + m * S);
          into[m] = &g.data;
          at[m] = k;
          ++m;
        }
        if (m == 0) continue;
        integrator_.integrate_batch(into.data(), m, parameters.data(), initial_states.data(), grid);
        for (std::size_t j = 0; j < m; ++j) make_attempts(first + at[j], out[at[j]], grid, true);
      }
    } else {
      (void)first, (void)n, (void)out;
    }
  }

 public:
  /// Generates [begin, end) and hands each trajectory, in index order, to
  /// sink(std::uint64_t index, trajectory&&).
  ///
  /// Cancellation: when options().on_progress returns generation_control::stop, no index is
  /// claimed any more, nothing more reaches the sink (it has exactly a prefix of the range, in
  /// order, without the dropped ones), solves already under way finish and are discarded, the
  /// workers are joined, and the report has `cancelled` set with delivered + dropped the
  /// length of that prefix. The callback runs after each delivered or dropped trajectory,
  /// at most every progress_interval seconds (0: after every one), so a stop takes effect
  /// within that interval plus the solves under way; then one final call (cancelled set).
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
    // False when the callback asks to stop (ignored in the final call: all is done then).
    auto tell = [&](bool final) {
      if (!options_.on_progress) return true;
      const auto now = std::chrono::steady_clock::now();
      if (!final &&
          std::chrono::duration<double>(now - last_progress).count() < options_.progress_interval)
        return true;
      last_progress = now;
      progress p;
      p.done = report.delivered + report.dropped;
      p.total = report.requested;
      p.failed = report.failed() + report.dropped;
      p.elapsed_seconds = elapsed();
      p.cancelled = report.cancelled;
      return options_.on_progress(p) != generation_control::stop || final;
    };
    const std::size_t threads = options_.effective_threads();
    const std::size_t window = options_.window > 0 ? options_.window : 16 * threads;
    // make_run() for claimed runs when trajectories are solved together, make_into() else.
    struct maker {
      const generator* g;
      void operator()(std::uint64_t i, generated_trajectory& into) const { g->make_into(i, into); }
      void operator()(std::uint64_t first, std::size_t n, generated_trajectory* into) const {
        g->make_run(first, n, into);
      }
    };
    const auto stats = detail::ordered_parallel<generated_trajectory>(
        begin, end, threads, window, maker{this},
        [&](std::uint64_t i, generated_trajectory&& g) {
          report.resampled += static_cast<std::uint64_t>(g.attempts - 1);
          if (g.dropped) {
            ++report.dropped;
          } else {
            ++report.delivered;
            ++report.status_counts[static_cast<std::size_t>(g.data.status())];
            sink(i, std::move(g.data));
          }
          return tell(false);
        },
        batch_width_);
    report.peak_alive = stats.peak_alive;
    report.cancelled = stats.stopped;
    report.elapsed_seconds = elapsed();
    tell(true);
    return report;
  }

  /// All of [begin, end) in memory, in index order (dropped ones left out). A range whose
  /// trajectories cannot be held at once (at least its count times the object, times and
  /// values of output_layout(), against the machine's memory) or whose vector cannot be
  /// reserved is refused before any work (invalid_argument on generator.collect.end), rather
  /// than failing hours in: stream large ranges with run(). Cancelled from the progress
  /// callback, it returns the prefix made so far (report->cancelled).
  std::vector<trajectory> collect(std::uint64_t begin, std::uint64_t end,
                                  generation_report* report = nullptr) const {
    std::vector<trajectory> out;
    if (end > begin) {
      const std::uint64_t n = end - begin;
      const auto refuse = [&](const std::string& why) {
        detail::throw_invalid("generator.collect.end", end,
                              fmt::format("a range [begin = {}, end) that fits in memory, but {}; "
                                          "stream it with generator::run() instead",
                                          begin, why));
      };
      const double bytes = static_cast<double>(n) * bytes_per_trajectory();
      const std::uint64_t limit = detail::memory_limit_bytes();
      if (n > out.max_size() || bytes > static_cast<double>(limit))
        refuse(
            fmt::format("{} trajectories of up to {} rows x {} columns need at least {:.3g} "
                        "bytes, more than the {} bytes of memory there are",
                        n, output_layout_.num_times, output_layout_.species.size(), bytes, limit));
      try {
        out.reserve(static_cast<std::size_t>(n));
      } catch (const std::bad_alloc&) {
        refuse(fmt::format("memory for {} trajectories could not be reserved", n));
      } catch (const std::length_error&) {
        refuse(fmt::format("{} trajectories exceed the vector's size limit", n));
      }
    }
    const auto r =
        run(begin, end, [&out](std::uint64_t, trajectory&& t) { out.push_back(std::move(t)); });
    if (report) *report = r;
    return out;
  }

  /// Trajectories from index `begin` on until they hold at least `rows` rows in total; the
  /// last is cut to make exactly `rows` (SimbaML's time-points generator). Deterministic:
  /// rows are counted in index order.
  ///
  /// Fewer rows come back only when the indices run out (at 2^64 - 1) or a progress callback
  /// cancels (report->cancelled). When options().stall_limit consecutive trajectories give
  /// no row (every solve failing under failure_policy::drop, or transforms that keep no row),
  /// it throws generation_stalled instead of looping forever; that point is found in index
  /// order too, so it does not depend on the thread count. A budget whose rows could not be
  /// held in memory is refused up front (invalid_argument on generator.collect_rows.rows).
  std::vector<trajectory> collect_rows(std::uint64_t rows, std::uint64_t begin = 0,
                                       generation_report* report = nullptr) const {
    if (rows == 0) detail::throw_invalid("generator.collect_rows.rows", rows, "rows >= 1");
    const double bytes = static_cast<double>(rows) * static_cast<double>(sizeof(double)) *
                         static_cast<double>(1 + output_layout_.species.size());
    if (const std::uint64_t limit = detail::memory_limit_bytes();
        bytes > static_cast<double>(limit))
      detail::throw_invalid("generator.collect_rows.rows", rows,
                            fmt::format("a budget that fits in memory, but {} rows of time and {} "
                                        "columns need at least {:.3g} bytes, more than the {} "
                                        "bytes of memory there are",
                                        rows, output_layout_.species.size(), bytes, limit));
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<trajectory> out;
    std::uint64_t have = 0;
    generation_report total;
    const std::uint64_t limit = options_.stall_limit;
    const std::uint64_t base_batch = 4 * options_.effective_threads();
    // Indices [empty_from, next index) have given no row so far; `stalled` once they reach
    // the limit. Checked in index order, so the outcome does not depend on the batch size.
    std::uint64_t empty_from = begin;
    bool stalled = false;
    while (have < rows && !stalled) {
      // A long empty stretch takes bigger batches, so a stall costs a few pool start-ups
      // rather than limit / batch of them; none goes past where the stall would be found, so
      // what was solved until then (the report) does not depend on the thread count either.
      const std::uint64_t empty = begin - empty_from;
      const std::uint64_t batch = std::min(std::max(base_batch, empty), limit - empty);
      // Clamped: begin + batch would wrap past the last index, 2^64 - 1.
      const std::uint64_t end =
          begin + std::min(batch, std::numeric_limits<std::uint64_t>::max() - begin);
      const auto r = run(begin, end, [&](std::uint64_t i, trajectory&& t) {
        if (have >= rows || stalled) return;
        if (i - empty_from >= limit) {
          stalled = true;
          return;
        }
        if (t.num_times() == 0) return;
        empty_from = i + 1;
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
      total.add(r);
      begin = end;
      if (r.cancelled) {
        total.cancelled = true;
        break;
      }
      if (have < rows && end - empty_from >= limit) stalled = true;
      if (r.delivered == 0 && r.dropped == 0) break;
    }
    total.elapsed_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (report) *report = total;
    if (stalled) throw generation_stalled(rows, have, empty_from, limit, total);
    return out;
  }

  const trajectory_layout& output_layout() const noexcept { return output_layout_; }
  const bound_sampler& samples() const noexcept { return samples_; }
  const generator_options& options() const noexcept { return options_; }
  const Integrator& integrator() const noexcept { return integrator_; }
  const time_grid_spec& grid() const noexcept { return grid_; }
  std::string describe_transforms() const { return describe_transform(transforms_); }

 private:
  /// A lower bound on the memory of one collected trajectory: the object, its times and
  /// values (masks, parameters and names come on top).
  double bytes_per_trajectory() const {
    return static_cast<double>(sizeof(trajectory)) +
           static_cast<double>(output_layout_.num_times) * static_cast<double>(sizeof(double)) *
               static_cast<double>(1 + output_layout_.species.size());
  }

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
  std::size_t batch_width_ = 1;
};

/// A generator for an ODE model: the common case. The steppers compiled in are `Steppers`
/// (stepper_set.hpp), dopri5 by default; make_generator<odesynth::all_steppers>(...) lets
/// solver_options.stepper be any.
template <class Steppers = default_steppers, class Model, class Transform = pipeline<>>
auto make_generator(Model model, solve_options solver_options, sampler samples, time_grid_spec grid,
                    Transform transforms = {}, generator_options options = {}) {
  using integrator = ode_integrator<Model, Steppers>;
  return generator<integrator, Transform>(integrator(std::move(model), std::move(solver_options)),
                                          std::move(samples), std::move(grid),
                                          std::move(transforms), std::move(options));
}

/// A generator for a stochastic differential equation: `model` is the drift, `noise` the
/// diffusion of each species (sde.hpp).
template <class Model, class Transform = pipeline<>>
auto make_generator(Model model, per_species<diffusion> noise, sde_options sde, sampler samples,
                    time_grid_spec grid, Transform transforms = {},
                    generator_options options = {}) {
  using integrator = sde_integrator<Model>;
  return generator<integrator, Transform>(integrator(std::move(model), std::move(noise), sde),
                                          std::move(samples), std::move(grid),
                                          std::move(transforms), std::move(options));
}

/// A generator for an ODE with SimbaML-style derivative noise (derivative_noise.hpp), the
/// steppers of `Steppers` compiled in as for ODEs.
template <class Steppers = default_steppers, class Model, class Transform = pipeline<>>
auto make_generator(Model model, derivative_noise noise, solve_options solver_options,
                    sampler samples, time_grid_spec grid, Transform transforms = {},
                    generator_options options = {}) {
  using integrator = derivative_noise_integrator<Model, Steppers>;
  return generator<integrator, Transform>(
      integrator(std::move(model), std::move(noise), std::move(solver_options)), std::move(samples),
      std::move(grid), std::move(transforms), std::move(options));
}

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::failure_policy>
    : odesynth::detail::enum_formatter<odesynth::failure_policy> {};
