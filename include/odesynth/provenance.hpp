// odesynth/provenance.hpp - the metadata that makes a dataset reproducible.
//
// Every dataset folder holds `metadata.json`: library version, model (name, species,
// parameters), integrator and solver options, sampler (design, every distribution with its
// parameters, constraints, schedules), time grid, transform pipeline, seed, the generated
// index range and the per-status counts. Numbers are written in shortest round-trip form, so
// reading them back gives the same doubles (and the full 64-bit seed).
//
// Given the metadata and the same model code, `generator_from_metadata` rebuilds the ODE
// generator exactly; generating the same range again gives bit-identical files. Transforms
// are code like the model: pass the same pipeline, and its description is checked against the
// recorded one (a different pipeline is an error, not a silently different dataset).
//
// Schema (format_version 1):
//   { "format": "odesynth-dataset", "format_version": 1, "library_version": "0.1.0",
//     "model": {"name", "species": [...], "parameters": [...]},
//     "integrator": {"kind": "ode" | "sde" | "ode_with_derivative_noise", "description"},
//     "solver": {"stepper", "rel_tol", "abs_tol", "abs_tol_per_species", "initial_step",
//                "max_step", "fixed_step", "max_steps", "min_step",
//                "time_limit_seconds" (optional, 0 = none)}               (kind "ode" only)
//     "sampler": {"design": {"type", "n", "scramble", "grid_levels"}, "max_redraws",
//                 "parameters": [{"name", "distribution", "constraint"}], "initial_values": [...],
//                 "schedules": [{"parameter", "switch_times", "values", "constraint"}],
//                 "description"},
//     "time_grid": {"type": "fixed", "times", "start"} | {"type": "random_times", "count",
//                  "first", "last", "include_endpoints", "start"} | {"type": "jittered_grid",
//                  "base": {"times", "start"}, "fraction"},
//     "transforms": "<pipeline description>", "output_species": [...],
//     "generation": {"seed", "begin", "end", "on_failure", "max_attempts"},
//     "report": {"requested", "delivered", "dropped", "resampled", "failed",
//                "status_counts": {"ok": n, ...}},
//     "files": {...written by the dataset writer...} }
// A distribution is {"type": "<name>", <its parameters by name>}; infinities (a truncated
// normal's open bounds) are the strings "inf" and "-inf".
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "detail/config.hpp"
#include "detail/json.hpp"
#include "detail/text.hpp"
#include "distributions.hpp"
#include "error.hpp"
#include "generator.hpp"
#include "model.hpp"
#include "sampler.hpp"
#include "solve_options.hpp"
#include "solve_status.hpp"
#include "time_grid.hpp"
#include "time_grid_spec.hpp"
#include "version.hpp"

namespace odesynth {
namespace detail {

ODESYNTH_INLINE json number_or_text(double d);

ODESYNTH_INLINE double number_from(const json& j, const std::string& where);

ODESYNTH_INLINE json numbers_json(const std::vector<double>& v);

ODESYNTH_INLINE std::vector<double> numbers_from(const json& j, const std::string& where);

ODESYNTH_INLINE json strings_json(const std::vector<std::string>& v);

ODESYNTH_INLINE std::vector<std::string> strings_from(const json& j, const std::string& where);

// --- distributions ---------------------------------------------------------------------------

ODESYNTH_INLINE json to_json(const distribution& d);

ODESYNTH_INLINE distribution distribution_from_json(const json& j, const std::string& where);

// --- sampler -------------------------------------------------------------------------------

ODESYNTH_INLINE value_constraint constraint_from(const std::string& text, const std::string& where);

ODESYNTH_INLINE json to_json(const sampler& s);

// Integers are read with json::as_integer<destination type>: a value that does not fit is a
// parse_error at its line and column in `source`, never a silently narrowed one.
ODESYNTH_INLINE sampler sampler_from_json(std::shared_ptr<const model_description> model,
                                          const json& j, const std::string& where,
                                          const std::string& source = {});

// --- solver options and grids --------------------------------------------------------------

ODESYNTH_INLINE json to_json(const solve_options& o);

ODESYNTH_INLINE solve_options solve_options_from_json(const json& j, const std::string& where,
                                                      const std::string& source = {});

ODESYNTH_INLINE json to_json(const time_grid& g);

ODESYNTH_INLINE time_grid time_grid_from_json(const json& j, const std::string& where);

ODESYNTH_INLINE json to_json(const time_grid_spec& spec);

ODESYNTH_INLINE time_grid_spec time_grid_spec_from_json(const json& j, const std::string& where,
                                                        const std::string& source = {});

ODESYNTH_INLINE failure_policy policy_from(const std::string& text, const std::string& where);

ODESYNTH_INLINE json to_json(const generation_report& r);

}  // namespace detail

/// The metadata of generating [begin, end) with `g`, as a JSON document (see the schema at
/// the top of this header). `files` is stored under "files" as given (the dataset writer
/// passes the list of files it wrote).
template <class Integrator, class Transform>
std::string dataset_metadata(const generator<Integrator, Transform>& g, std::uint64_t begin,
                             std::uint64_t end, const generation_report& report,
                             const std::vector<std::string>& files = {}) {
  using detail::json;
  const auto& model = g.integrator().description();
  json m = json::make_object();
  m.set("name", model.name())
      .set("species", detail::strings_json(model.species()))
      .set("parameters", detail::strings_json(model.parameters()));
  json integrator = json::make_object();
  integrator.set("kind", Integrator::kind).set("description", g.integrator().describe());
  json generation = json::make_object();
  generation.set("seed", g.options().seed)
      .set("begin", begin)
      .set("end", end)
      .set("on_failure", to_string(g.options().on_failure))
      .set("max_attempts", g.options().max_attempts);
  json doc = json::make_object();
  doc.set("format", "odesynth-dataset")
      .set("format_version", 1)
      .set("library_version", version_string)
      .set("model", std::move(m))
      .set("integrator", std::move(integrator));
  if constexpr (Integrator::kind == std::string_view("ode"))
    doc.set("solver", detail::to_json(g.integrator().options()));
  doc.set("sampler", detail::to_json(g.samples().settings()))
      .set("time_grid", detail::to_json(g.grid()))
      .set("transforms", g.describe_transforms())
      .set("output_species", detail::strings_json(g.output_layout().species))
      .set("generation", std::move(generation))
      .set("report", detail::to_json(report))
      .set("files", detail::strings_json(files));
  return doc.dump();
}

/// What generator_from_metadata needs from a metadata file, parsed and checked.
struct dataset_metadata_info {
  std::uint64_t begin = 0, end = 0;
  std::string transforms;
  std::vector<std::string> output_species;
};

/// Rebuilds the ODE generator recorded in `metadata` (the text of a metadata.json) for
/// `model`, with `transforms` (which must describe themselves exactly as recorded).
/// `options` supplies what the metadata does not fix (threads, window, progress); its seed,
/// failure policy and attempts are replaced by the recorded ones. Errors name the key.
/// The recorded stepper is known only at run time, so every stepper is compiled in; a program
/// that knows which one its datasets use may name a smaller set:
/// generator_from_metadata<odesynth::default_steppers>(model, text).
template <class Steppers = all_steppers, class Model, class Transform = pipeline<>>
auto generator_from_metadata(Model model, std::string_view metadata, Transform transforms = {},
                             generator_options options = {}, dataset_metadata_info* info = nullptr,
                             const std::string& source = "metadata.json") {
  using detail::json;
  const json doc = json::parse(metadata, source);
  const std::string where = source;
  if (doc.at("format", where).as_string(where + ".format") != "odesynth-dataset")
    throw error(fmt::format("{}: not odesynth dataset metadata", source));
  const json& version = doc.at("format_version", where);
  if (version.as_integer<std::int64_t>(where + ".format_version", source) != 1)
    throw parse_error(
        source, version.line(), version.column(),
        fmt::format("{}:{}:{}: {}.format_version = {}: unsupported format_version "
                    "(this library reads version 1)",
                    source, version.line(), version.column(), where, version.as_int64(where)));
  const auto description = odesynth::describe(model);
  const json& m = doc.at("model", where);
  const auto name = m.at("name", where + ".model").as_string(where + ".model.name");
  const auto species =
      detail::strings_from(m.at("species", where + ".model"), where + ".model.species");
  const auto parameters =
      detail::strings_from(m.at("parameters", where + ".model"), where + ".model.parameters");
  if (name != description->name() || species != description->species() ||
      parameters != description->parameters())
    throw invalid_argument(
        "model", description->name(),
        fmt::format("{}: recorded model {} [{}] ({}) differs from the given model {} [{}] ({})",
                    source, name, detail::join(species, ", "), detail::join(parameters, ", "),
                    description->name(), detail::join(description->species(), ", "),
                    detail::join(description->parameters(), ", ")));
  const std::string kind = doc.at("integrator", where)
                               .at("kind", where + ".integrator")
                               .as_string(where + ".integrator.kind");
  if (kind != "ode")
    throw invalid_argument("integrator.kind", kind,
                           fmt::format("{}: generator_from_metadata rebuilds ODE datasets; this "
                                       "one used the {} integrator (rebuild it with the same code "
                                       "and compare describe() with integrator.description)",
                                       source, kind));
  const json& gen = doc.at("generation", where);
  const std::string gw = where + ".generation";
  options.seed = gen.at("seed", gw).as_integer<decltype(options.seed)>(gw + ".seed", source);
  options.on_failure = detail::policy_from(gen.at("on_failure", gw).as_string(gw + ".on_failure"),
                                           gw + ".on_failure");
  options.max_attempts =
      gen.at("max_attempts", gw)
          .as_integer<decltype(options.max_attempts)>(gw + ".max_attempts", source);
  const std::string recorded_transforms =
      doc.at("transforms", where).as_string(where + ".transforms");
  const std::string given_transforms = describe_transform(transforms);
  if (recorded_transforms != given_transforms)
    throw invalid_argument("transforms", given_transforms,
                           fmt::format("{}: the dataset was made with transforms {}, not {}",
                                       source, recorded_transforms, given_transforms));
  if (info) {
    info->begin = gen.at("begin", gw).as_integer<decltype(info->begin)>(gw + ".begin", source);
    info->end = gen.at("end", gw).as_integer<decltype(info->end)>(gw + ".end", source);
    info->transforms = recorded_transforms;
    info->output_species =
        detail::strings_from(doc.at("output_species", where), where + ".output_species");
  }
  return make_generator<Steppers>(
      std::move(model),
      detail::solve_options_from_json(doc.at("solver", where), where + ".solver", source),
      detail::sampler_from_json(description, doc.at("sampler", where), where + ".sampler", source),
      detail::time_grid_spec_from_json(doc.at("time_grid", where), where + ".time_grid", source),
      std::move(transforms), std::move(options));
}

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/provenance.ipp"
#endif
