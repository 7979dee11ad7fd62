// odesynth/run_config.hpp - a whole generation run described as data: the model, its sampled
// parameters and initial values, the time grid, the solver, the transforms and the outputs.
//
// This is what the command-line generator (odesynth-generate, from a TOML file) and the Python
// module (from a dict) read; both hand this reader a JSON-shaped document, so the schema is
// one, documented in docs/cli.md:
//
//   [model]            zoo = "sir" | equations = "dS = ..." (+ name) | sbml = "file.xml"
//   [parameters]       name = number | {type = "uniform", lo = 0.1, hi = 0.5, constraint = ...}
//   [initial_values]   species = number | distribution table (unset ones: model defaults)
//   [[schedules]]      parameter, switch_times, values (numbers or distribution tables)
//   [sampling]         design, n, scramble, grid_levels, max_redraws
//   [time_grid]        start, end, points | times = [...] | type = "random_times", ...
//   [solver]           stepper, rel_tol, abs_tol, ... (solve_options)
//   [[transforms]]     type = "gaussian_noise", sigma = 2, ... applied in order
//   [output]           folder, count, formats, overwrite, time_column, values_dtype, npz
//   [generation]       seed, threads, on_failure, max_attempts
//
// Every table and key is checked: an unknown key, a missing one or a value of the wrong kind is
// a parse_error naming the key's path (e.g. "transforms[1].sigma"), with the line and column
// when the document came from a file. Parameters and initial values left out take the model's
// defaults where it has them (zoo models, SBML files); a model from equations has none.
//
// The generator a run_config makes is odesynth's ordinary one over an any_model and a
// dynamic_pipeline, so a C++ program that builds the same model, sampler, grid, solver options
// and transforms writes the same dataset, bit for bit (tests/unit/test_run_config.cpp).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "any_model.hpp"
#include "dataset.hpp"
#include "detail/config.hpp"
#include "detail/json.hpp"
#include "generator.hpp"
#include "sampler.hpp"
#include "solve_options.hpp"
#include "stepper_set.hpp"
#include "time_grid_spec.hpp"
#include "transforms/transform.hpp"

namespace odesynth {

/// A model chosen at run time, with what the model itself says about sensible values.
struct run_model {
  any_model model;
  std::string kind;  ///< "zoo", "equations", "sbml", ...
  /// Default values, one per parameter / species, or empty when the model has none.
  std::vector<double> default_parameters, default_initial_state;
  std::optional<double> default_t_end;
  /// The text of a model from equations or SBML (recorded for the user), else empty.
  std::string equations;
};

/// Makes the model of a [model] table whose model key is not "zoo" or "equations" (the SBML
/// component registers "sbml"). `key` is the key found, `table` the whole [model] table.
using model_reader = std::function<run_model(std::string_view key, const detail::json& table,
                                             const std::string& where)>;

struct run_config_readers {
  /// Extra model keys, e.g. {"sbml", read_sbml_model}; tried after zoo and equations.
  std::vector<std::pair<std::string, model_reader>> models;
  /// Folder that relative file names in the document (an SBML file, output.folder) are
  /// relative to: the configuration file's folder. Empty: the working directory.
  std::filesystem::path base_folder;
};

/// The stepper set a run compiles in: all of them, since the document chooses.
using run_integrator = ode_integrator<any_model, all_steppers>;
using run_generator = generator<run_integrator, dynamic_pipeline>;

struct run_config {
  run_model model;
  sampler samples;
  time_grid_spec grid;
  solve_options solver;
  dynamic_pipeline transforms;
  generator_options generation;  ///< seed, threads, on_failure, max_attempts
  std::uint64_t count = 0;       ///< trajectories to write (output.count)
  std::filesystem::path folder;  ///< output.folder; empty if the document names none
  dataset_options output;

  /// The generator the document describes (progress reporting is the caller's choice).
  ODESYNTH_INLINE run_generator make_generator(progress_callback on_progress = {}) const;
};

/// Reads a run from a JSON-shaped document (see the top of this header).
ODESYNTH_INLINE run_config read_run_config(const detail::json& document,
                                           const run_config_readers& readers = {});

/// Parses JSON text and reads it; `source` names the text in errors.
ODESYNTH_INLINE run_config parse_run_config(std::string_view json_text,
                                            const std::string& source = "<config>",
                                            const run_config_readers& readers = {});

/// One transform from its table ({"type": "gaussian_noise", "sigma": 2}); `where` names it.
ODESYNTH_INLINE any_transform transform_from_config(const detail::json& table,
                                                    const std::string& where);

/// The transform types transform_from_config knows, sorted.
ODESYNTH_INLINE std::vector<std::string> config_transform_types();

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/run_config.ipp"
#endif
