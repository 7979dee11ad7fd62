// odesynth/cvode/cvode_integrator.hpp - CVODE as the generator's integrator: datasets from
// large stiff models.
//
//   odesynth::cvode_options o;
//   o.linear_solver = odesynth::cvode_linear_solver::band;
//   o.lower_bandwidth = 1;
//   auto g = odesynth::make_cvode_generator(chain{500}, o, samples, grid, transforms, gen);
//   odesynth::write_dataset(g, 0, 1000, "out/chain");
//
// cvode_integrator satisfies the generator's Integrator concept (generator.hpp): kind
// "ode_cvode", description() and sampled_parameters() of the model, a const thread-safe
// integrate() that draws nothing from the process-noise stream (so datasets are bit-identical
// for any thread count), and describe(), which metadata.json records as
// integrator.description: every CVODE option (numbers in shortest round-trip form) and which
// Jacobian ran. metadata.json has no "solver" object for it (provenance.hpp writes one for its
// own integrators only); cvode_generator_from_metadata rebuilds the generator from the same
// model and options and refuses options whose description differs from the recorded one.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../generator.hpp"
#include "../provenance.hpp"
#include "cvode_options.hpp"
#include "cvode_solver.hpp"

namespace odesynth {

/// ODEs solved by CVODE (BDF), for generator<cvode_integrator<Model>, Transform>.
template <class Model>
class cvode_integrator {
 public:
  static constexpr std::string_view kind = "ode_cvode";

  /// Validates the model's names and the options (invalid_argument).
  cvode_integrator(Model model, cvode_options options)
      : solver_(std::move(model), std::move(options)) {}

  const model_description& description() const { return solver_.description(); }
  const std::vector<std::string>& sampled_parameters() const { return description().parameters(); }
  trajectory integrate(const sample& x, const time_grid& grid, random_stream& /*process*/) const {
    return x.has_schedule ? solver_.solve(x.schedule, x.initial_state, grid)
                          : solver_.solve(x.parameters, x.initial_state, grid);
  }
  /// "cvode(bdf rel_tol=1e-06 abs_tol=1e-08 ...) jacobian: analytic".
  std::string describe() const { return solver_.describe(); }
  const cvode_options& options() const noexcept { return solver_.options(); }
  const cvode_solver<Model>& solver() const noexcept { return solver_; }

 private:
  cvode_solver<Model> solver_;
};

/// A generator whose trajectories CVODE solves: make_generator's counterpart.
template <class Model, class Transform = pipeline<>>
auto make_cvode_generator(Model model, cvode_options solver_options, sampler samples,
                          time_grid_spec grid, Transform transforms = {},
                          generator_options options = {}) {
  using integrator = cvode_integrator<Model>;
  return generator<integrator, Transform>(integrator(std::move(model), std::move(solver_options)),
                                          std::move(samples), std::move(grid),
                                          std::move(transforms), std::move(options));
}

/// Rebuilds the CVODE generator recorded in `metadata` (the text of a metadata.json) for
/// `model` with `solver_options`, which must describe themselves exactly as recorded
/// (integrator.description), and `transforms`, likewise; seed, failure policy, sampler and
/// time grid come from the metadata, as for generator_from_metadata.
template <class Model, class Transform = pipeline<>>
auto cvode_generator_from_metadata(Model model, cvode_options solver_options,
                                   std::string_view metadata, Transform transforms = {},
                                   generator_options options = {},
                                   dataset_metadata_info* info = nullptr,
                                   const std::string& source = "metadata.json") {
  using integrator = cvode_integrator<Model>;
  const detail::json doc =
      detail::parse_metadata(metadata, source, integrator::kind, "cvode_generator_from_metadata");
  const auto sampled_model = odesynth::describe(model);
  integrator rebuilt(std::move(model), std::move(solver_options));
  return detail::generator_from_document(doc, std::move(rebuilt), sampled_model,
                                         std::move(transforms), std::move(options), info, source);
}

}  // namespace odesynth
