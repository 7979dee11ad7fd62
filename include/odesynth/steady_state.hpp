// odesynth/steady_state.hpp - steady states, and how they move when parameters change.
//
// find_steady_state integrates in windows of doubling length (first_window, then 2x, 4x, ...)
// until every |dx_i/dt| <= abs_tol + rel_tol |x_i|, or until max_time, which is a status,
// not an exception: one sample without a steady state never aborts a dataset (it does in
// SimbaML). steady_state_dataset and perturbation_dataset run it for every trajectory of a
// sampler, in parallel, in index order, like the trajectory generator:
//   steady states    parameters and initial values -> the steady state they lead to;
//   perturbations    from each steady state, perturb parameters and/or the state by random
//                    factors and find the new steady state; both sides are returned.
//
// Solver choice: with fast decay rates, an explicit stepper (dopri5) near the fixed point grows
// its step to its stability limit and chatters there, leaving |dx/dt| above the tolerance; it
// may never report "steady". Use stepper_kind::rosenbrock4 (a solver compiled with it:
// odesynth::solver<Model, odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>>), or a
// solver rel_tol far below the steady-state tolerance.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "detail/ordered_parallel.hpp"
#include "detail/state_ops.hpp"
#include "detail/text.hpp"
#include "distributions.hpp"
#include "error.hpp"
#include "per_species.hpp"
#include "random.hpp"
#include "sampler.hpp"
#include "solve.hpp"
#include "time_grid.hpp"
#include "value_span.hpp"

namespace odesynth {

struct steady_state_options {
  double abs_tol = 1e-8;  ///< steady when |dx_i/dt| <= abs_tol + rel_tol |x_i| for all i
  double rel_tol = 1e-6;
  double first_window = 1.0;  ///< length of the first integration window
  double max_time = 1e6;      ///< give up (status max_time_reached) after this long

  /// Throws invalid_argument naming the first setting out of range.
  void validate() const;
};

enum class steady_state_status {
  steady,            ///< the derivative is within tolerance
  max_time_reached,  ///< still moving at max_time (oscillating or very slow)
  solve_failed,      ///< the solve itself failed; see solve_status and message
};

constexpr std::string_view to_string(steady_state_status s) noexcept {
  switch (s) {
    case steady_state_status::steady: return "steady";
    case steady_state_status::max_time_reached: return "max_time_reached";
    case steady_state_status::solve_failed: return "solve_failed";
  }
  return "unknown";
}

struct steady_state_result {
  steady_state_status status = steady_state_status::steady;
  solve_status solver_status = solve_status::ok;
  std::string message;
  std::vector<double> state;   ///< the steady state (or the last state reached)
  double time = 0;             ///< when it was reached
  double max_scaled_rate = 0;  ///< max_i |dx_i/dt| / (abs_tol + rel_tol |x_i|) at the end
  bool steady() const noexcept { return status == steady_state_status::steady; }
};

/// Integrates from (x0, t0) until steady or max_time. Throws only for bad input.
template <class Model, class Steppers>
steady_state_result find_steady_state(const solver<Model, Steppers>& s, value_span parameters,
                                      value_span initial_state, double t0 = 0.0,
                                      const steady_state_options& options = {}) {
  options.validate();
  using traits = model_traits<Model>;
  const std::size_t n = s.description().num_species();
  steady_state_result out;
  out.state.assign(initial_state.begin(), initial_state.end());
  out.time = t0;
  auto p = detail::make_vector<typename traits::param_type>::of_size(parameters.size());
  for (std::size_t i = 0; i < parameters.size(); ++i) p[i] = parameters[i];
  auto x = detail::make_vector<typename traits::state_type>::of_size(n);
  auto f = detail::make_vector<typename traits::state_type>::of_size(n);
  auto scaled_rate = [&]() {
    for (std::size_t i = 0; i < n; ++i) x[i] = out.state[i];
    s.model()(x, f, out.time, p);
    double worst = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double r = std::fabs(f[i]) / (options.abs_tol + options.rel_tol * std::fabs(x[i]));
      if (!(r <= worst)) worst = r;  // NaN propagates as "not steady"
    }
    return worst;
  };
  double window = options.first_window;
  for (;;) {
    out.max_scaled_rate = scaled_rate();
    if (out.max_scaled_rate <= 1) return out;
    if (!std::isfinite(out.max_scaled_rate)) {
      out.status = steady_state_status::solve_failed;
      out.solver_status = solve_status::non_finite;
      out.message = fmt::format("the right-hand side is not finite at t = {}", out.time);
      return out;
    }
    if (out.time - t0 >= options.max_time) {
      out.status = steady_state_status::max_time_reached;
      out.message =
          fmt::format("not steady after t = {}: max |dx_i/dt| / (abs_tol + rel_tol |x_i|) = {}",
                      out.time, out.max_scaled_rate);
      return out;
    }
    const double end = std::min(out.time + window, t0 + options.max_time);
    const auto tr =
        s.solve(parameters, out.state, time_grid::from_times({end}).with_start(out.time));
    if (!tr.ok()) {
      out.status = steady_state_status::solve_failed;
      out.solver_status = tr.status();
      out.message = tr.message();
      return out;
    }
    for (std::size_t i = 0; i < n; ++i) out.state[i] = tr.values()(0, static_cast<Eigen::Index>(i));
    out.time = end;
    window *= 2;
  }
}

/// One row of a steady-state dataset.
struct steady_state_sample {
  std::uint64_t index = 0;
  std::vector<double> parameters;
  std::vector<double> initial_state;
  steady_state_result result;
};

/// Steady states for samples [begin, end) of `samples` (validated and bound here), handed to
/// sink(index, steady_state_sample&&) in index order.
template <class Model, class Steppers, class Sink>
void steady_state_dataset(const solver<Model, Steppers>& s, const sampler& samples,
                          std::uint64_t seed, std::uint64_t begin, std::uint64_t end, Sink&& sink,
                          const steady_state_options& options = {}, std::size_t threads = 0) {
  options.validate();
  const bound_sampler bound = samples.bind(seed);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  detail::ordered_parallel<steady_state_sample>(
      begin, end, threads, 4 * threads,
      [&](std::uint64_t i) {
        const sample x = bound.draw(i, 0.0);
        if (x.has_schedule)
          throw invalid_argument("steady_state_dataset.sampler", "a parameter schedule",
                                 "steady_state_dataset: parameters must be constant");
        return steady_state_sample{
            i, x.parameters, x.initial_state,
            find_steady_state(s, x.parameters, x.initial_state, 0.0, options)};
      },
      [&](std::uint64_t i, steady_state_sample&& r) { sink(i, std::move(r)); });
}

/// How to perturb a steady state: multiplicative factors drawn per parameter (by name) and
/// per species (applied to the steady state to give the new start).
struct perturbation {
  std::vector<std::pair<std::string, distribution>> parameter_factors;
  std::vector<std::pair<std::string, distribution>> state_factors;
};

struct perturbation_sample {
  std::uint64_t index = 0;
  std::vector<double> parameters, initial_state;
  steady_state_result before;  ///< from the sample's start
  std::vector<double> perturbed_parameters;
  std::vector<double> perturbed_start;  ///< the steady state times the state factors
  steady_state_result after;            ///< from the perturbed start, perturbed parameters
};

/// SimbaML's perturbation generator, in parallel and seeded: for each sample, the steady state,
/// a perturbation of it (factors from the trajectory's perturbation stream), and the new
/// steady state. A sample whose first steady state fails still yields a row (with `after`
/// left as solve_failed and the reason in its message).
template <class Model, class Steppers, class Sink>
void perturbation_dataset(const solver<Model, Steppers>& s, const sampler& samples,
                          const perturbation& change, std::uint64_t seed, std::uint64_t begin,
                          std::uint64_t end, Sink&& sink, const steady_state_options& options = {},
                          std::size_t threads = 0) {
  options.validate();
  const auto& d = s.description();
  std::vector<std::pair<std::size_t, distribution>> param_factors, state_factors;
  for (const auto& [name, dist] : change.parameter_factors) {
    const auto i = d.parameter_index(name);
    if (!i)
      detail::throw_invalid("perturbation.parameter_factors", fmt::format("\"{}\"", name),
                            fmt::format("one of [{}]", detail::join(d.parameters(), ", ")));
    validate(dist, fmt::format("perturbation.parameter_factors[\"{}\"]", name));
    param_factors.emplace_back(*i, dist);
  }
  for (const auto& [name, dist] : change.state_factors) {
    const auto i = d.species_index(name);
    if (!i)
      detail::throw_invalid("perturbation.state_factors", fmt::format("\"{}\"", name),
                            fmt::format("one of [{}]", detail::join(d.species(), ", ")));
    validate(dist, fmt::format("perturbation.state_factors[\"{}\"]", name));
    state_factors.emplace_back(*i, dist);
  }
  const bound_sampler bound = samples.bind(seed);
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  detail::ordered_parallel<perturbation_sample>(
      begin, end, threads, 4 * threads,
      [&](std::uint64_t i) {
        const sample x = bound.draw(i, 0.0);
        perturbation_sample r;
        r.index = i;
        r.parameters = x.parameters;
        r.initial_state = x.initial_state;
        r.before = find_steady_state(s, x.parameters, x.initial_state, 0.0, options);
        random_stream stream(seed, i, stream_purpose::perturbation);
        r.perturbed_parameters = x.parameters;
        for (const auto& [k, dist] : param_factors) r.perturbed_parameters[k] *= draw(dist, stream);
        r.perturbed_start = r.before.state;
        for (const auto& [k, dist] : state_factors) r.perturbed_start[k] *= draw(dist, stream);
        if (r.before.status == steady_state_status::solve_failed) {
          r.after.status = steady_state_status::solve_failed;
          r.after.message = "no steady state to perturb: " + r.before.message;
          return r;
        }
        r.after = find_steady_state(s, r.perturbed_parameters, r.perturbed_start, 0.0, options);
        return r;
      },
      [&](std::uint64_t i, perturbation_sample&& r) { sink(i, std::move(r)); });
}

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::steady_state_status>
    : odesynth::detail::enum_formatter<odesynth::steady_state_status> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/steady_state.ipp"
#endif
