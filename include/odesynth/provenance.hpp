// odesynth/provenance.hpp - the metadata that makes a dataset reproducible.
//
// Every dataset folder holds `metadata.json`: library version, model (name, species,
// parameters), integrator and solver options, sampler (design, every distribution with its
// parameters, constraints, schedules), time grid, transform pipeline, seed, the generated
// index range and the per-status counts. Numbers are written in shortest round-trip form, so
// reading them back gives the same doubles (and the full 64-bit seed).
//
// Given the metadata and the same model code, `generator_from_metadata` rebuilds the ODE
// generator exactly (`sde_generator_from_metadata` and
// `derivative_noise_generator_from_metadata` the two with process noise); generating the same
// range again gives bit-identical files. Transforms are code like the model: pass the same
// pipeline, and its description is checked against the recorded one (a different pipeline is
// an error, not a silently different dataset).
//
// Schema (format_version 1):
//   { "format": "odesynth-dataset", "format_version": 1, "library_version": "0.3.0",
//     "model": {"name", "species": [...], "parameters": [...], "equations" (text models)},
//     "integrator": {"kind": "ode" | "sde" | "ode_with_derivative_noise", "description",
//                    "noise" (sde: a per-species diffusion {"type", "sigma"};
//                             ode_with_derivative_noise: {"distributions" (per-species),
//                             "interval", "mode", "shared"})},
//     "solver": {"stepper", "rel_tol", "abs_tol", "abs_tol_per_species", "initial_step",
//                "max_step", "fixed_step", "max_steps", "min_step",
//                "time_limit_seconds" (optional, 0 = none), "jacobian" (optional:
//                "automatic" | "dense" | "sparse", absent = automatic)}
//                                                          (ode, ode_with_derivative_noise)
//             | {"scheme", "dt", "max_steps", "time_limit_seconds"}               (sde)
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
// normal's open bounds) are the strings "inf" and "-inf". A per-species setting is
// {"all": v} | {"named": [{"species", "value"}, ...]} | {"positional": [v, ...]}.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "derivative_noise.hpp"
#include "detail/config.hpp"
#include "detail/json.hpp"
#include "detail/text.hpp"
#include "distributions.hpp"
#include "error.hpp"
#include "generator.hpp"
#include "model.hpp"
#include "per_species.hpp"
#include "sampler.hpp"
#include "sde.hpp"
#include "solve_options.hpp"
#include "solve_status.hpp"
#include "time_grid.hpp"
#include "time_grid_spec.hpp"
#include "version.hpp"

namespace odesynth {

struct dataset_metadata_info;

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

ODESYNTH_INLINE value_constraint constraint_from(const json& j, const std::string& where);

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

ODESYNTH_INLINE failure_policy policy_from(const json& j, const std::string& where);

// --- per-species settings and process noise ------------------------------------------------

/// {"all": v} | {"named": [{"species": name, "value": v}, ...]} | {"positional": [v, ...]}.
/// The form the setting was given in is kept: its description (part of the integrator's,
/// which metadata records and checks) shows it.
template <class T, class ValueJson>
json per_species_json(const per_species<T>& p, ValueJson value_json) {
  json list = json::make_array();
  json j = json::make_object();
  const std::string key(to_string(p.given_as()));
  switch (p.given_as()) {
    case per_species_form::all: return j.set(key, value_json(p.all_value()));
    case per_species_form::named:
      for (const auto& [name, v] : p.named()) {
        json entry = json::make_object();
        entry.set("species", name).set("value", value_json(v));
        list.push_back(std::move(entry));
      }
      return j.set(key, std::move(list));
    case per_species_form::positional:
      for (const auto& v : p.by_position_values()) list.push_back(value_json(v));
      return j.set(key, std::move(list));
  }
  return j;
}

/// per_species_json read back; value_from(json, where) reads one value.
template <class T, class ValueFrom>
per_species<T> per_species_from_json(const json& j, const std::string& where,
                                     const std::string& source, ValueFrom value_from) {
  const auto& fields = j.as_object(where);
  constexpr std::string_view forms = "one key: \"all\", \"named\" or \"positional\"";
  if (fields.size() != 1)
    j.refuse(where, source, fmt::format("an object of {} keys", fields.size()), forms);
  const auto& [key, value] = fields.front();
  const per_species_form* form = nullptr;
  for (const auto& f : all_per_species_forms)
    if (to_string(f) == key) form = &f;
  if (!form) j.refuse(where, source, fmt::format("{{\"{}\": ...}}", key), forms);
  const std::string at = fmt::format("{}.{}", where, key);
  if (*form == per_species_form::all) return per_species<T>(value_from(value, at));
  const auto& list = value.as_array(at);
  if (*form == per_species_form::named) {
    std::vector<std::pair<std::string, T>> named;
    for (std::size_t i = 0; i < list.size(); ++i) {
      const std::string item = fmt::format("{}[{}]", at, i);
      named.emplace_back(list[i].at("species", item).as_string(item + ".species"),
                         value_from(list[i].at("value", item), item + ".value"));
    }
    return per_species<T>::by_name(std::move(named));
  }
  std::vector<T> values;
  for (std::size_t i = 0; i < list.size(); ++i)
    values.push_back(value_from(list[i], fmt::format("{}[{}]", at, i)));
  return per_species<T>::by_position(std::move(values));
}

ODESYNTH_INLINE json to_json(const diffusion& d);

ODESYNTH_INLINE diffusion diffusion_from_json(const json& j, const std::string& where);

ODESYNTH_INLINE json to_json(const sde_options& o);

ODESYNTH_INLINE sde_options sde_options_from_json(const json& j, const std::string& where,
                                                  const std::string& source = {});

ODESYNTH_INLINE json to_json(const derivative_noise& n);

ODESYNTH_INLINE derivative_noise derivative_noise_from_json(const json& j, const std::string& where,
                                                            const std::string& source = {});

// --- what each integrator records -----------------------------------------------------------
// "solver": the options of its solver; "integrator.noise": its process noise, if any. The
// unconstrained templates are for integrators of other kinds: they record kind and
// description only, and cannot be rebuilt from metadata.

template <class Integrator>
json integrator_solver_json(const Integrator&) {
  return {};
}
template <class Model, class Steppers>
json integrator_solver_json(const ode_integrator<Model, Steppers>& i) {
  return to_json(i.options());
}
template <class Model>
json integrator_solver_json(const sde_integrator<Model>& i) {
  return to_json(i.options());
}
template <class Model, class Steppers>
json integrator_solver_json(const derivative_noise_integrator<Model, Steppers>& i) {
  return to_json(i.options());
}

template <class Integrator>
json integrator_noise_json(const Integrator&) {
  return {};
}
template <class Model>
json integrator_noise_json(const sde_integrator<Model>& i) {
  return per_species_json(i.noise(), [](const diffusion& d) { return to_json(d); });
}
template <class Model, class Steppers>
json integrator_noise_json(const derivative_noise_integrator<Model, Steppers>& i) {
  return to_json(i.noise());
}

/// The metadata text parsed, with its format, version and integrator kind checked.
ODESYNTH_INLINE json parse_metadata(std::string_view metadata, const std::string& source,
                                    std::string_view expected_kind, std::string_view rebuilt_by);

/// The generator `doc` records, with `integrator` rebuilt from it by the caller: checks the
/// model, the integrator's description and the transforms against the recorded ones, then
/// reads the generation settings, the sampler (for `sampled_model`) and the time grid.
template <class Integrator, class Transform>
generator<Integrator, Transform> generator_from_document(
    const json& doc, Integrator integrator,
    const std::shared_ptr<const model_description>& sampled_model, Transform transforms,
    generator_options options, dataset_metadata_info* info, const std::string& source);

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
  // A model from text or SBML is data, not code: the metadata keeps it whole.
  if (!model.equations().empty()) m.set("equations", model.equations());
  json integrator = json::make_object();
  integrator.set("kind", Integrator::kind).set("description", g.integrator().describe());
  if (json noise = detail::integrator_noise_json(g.integrator()); !noise.is_null())
    integrator.set("noise", std::move(noise));
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
  if (json solver = detail::integrator_solver_json(g.integrator()); !solver.is_null())
    doc.set("solver", std::move(solver));
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

// Rebuilding a generator from metadata.json. Model and transforms are code: pass the same
// ones (they are checked against the recorded names and descriptions). `options` supplies what
// the metadata does not fix (threads, window, progress); its seed, failure policy and attempts
// are replaced by the recorded ones. Errors name the key. There is one function per
// integrator kind, since the kind decides the generator's type; using the wrong one is an
// error that names the right one.

/// Rebuilds the ODE generator recorded in `metadata` (the text of a metadata.json) for
/// `model`, with `transforms` (which must describe themselves exactly as recorded).
/// The recorded stepper is known only at run time, so every stepper is compiled in; a program
/// that knows which one its datasets use may name a smaller set:
/// generator_from_metadata<odesynth::default_steppers>(model, text).
template <class Steppers = all_steppers, class Model, class Transform = pipeline<>>
auto generator_from_metadata(Model model, std::string_view metadata, Transform transforms = {},
                             generator_options options = {}, dataset_metadata_info* info = nullptr,
                             const std::string& source = "metadata.json") {
  using integrator = ode_integrator<Model, Steppers>;
  const detail::json doc =
      detail::parse_metadata(metadata, source, integrator::kind, "generator_from_metadata");
  const auto sampled_model = odesynth::describe(model);
  integrator rebuilt(std::move(model), detail::solve_options_from_json(doc.at("solver", source),
                                                                       source + ".solver", source));
  return detail::generator_from_document(doc, std::move(rebuilt), sampled_model,
                                         std::move(transforms), std::move(options), info, source);
}

/// Rebuilds the SDE generator (make_generator with a diffusion) recorded in `metadata`; as
/// generator_from_metadata. The diffusion and sde_options come from the metadata.
template <class Model, class Transform = pipeline<>>
auto sde_generator_from_metadata(Model model, std::string_view metadata, Transform transforms = {},
                                 generator_options options = {},
                                 dataset_metadata_info* info = nullptr,
                                 const std::string& source = "metadata.json") {
  using integrator = sde_integrator<Model>;
  const detail::json doc =
      detail::parse_metadata(metadata, source, integrator::kind, "sde_generator_from_metadata");
  const auto sampled_model = odesynth::describe(model);
  const std::string at = source + ".integrator";
  integrator rebuilt(
      std::move(model),
      detail::per_species_from_json<diffusion>(doc.at("integrator", source).at("noise", at),
                                               at + ".noise", source,
                                               [](const detail::json& j, const std::string& where) {
                                                 return detail::diffusion_from_json(j, where);
                                               }),
      detail::sde_options_from_json(doc.at("solver", source), source + ".solver", source));
  return detail::generator_from_document(doc, std::move(rebuilt), sampled_model,
                                         std::move(transforms), std::move(options), info, source);
}

/// Rebuilds the derivative-noise generator (make_generator with a derivative_noise) recorded
/// in `metadata`; as generator_from_metadata, every stepper compiled in unless told otherwise.
template <class Steppers = all_steppers, class Model, class Transform = pipeline<>>
auto derivative_noise_generator_from_metadata(Model model, std::string_view metadata,
                                              Transform transforms = {},
                                              generator_options options = {},
                                              dataset_metadata_info* info = nullptr,
                                              const std::string& source = "metadata.json") {
  using integrator = derivative_noise_integrator<Model, Steppers>;
  const detail::json doc = detail::parse_metadata(metadata, source, integrator::kind,
                                                  "derivative_noise_generator_from_metadata");
  const auto sampled_model = odesynth::describe(model);
  const std::string at = source + ".integrator";
  integrator rebuilt(
      std::move(model),
      detail::derivative_noise_from_json(doc.at("integrator", source).at("noise", at),
                                         at + ".noise", source),
      detail::solve_options_from_json(doc.at("solver", source), source + ".solver", source));
  return detail::generator_from_document(doc, std::move(rebuilt), sampled_model,
                                         std::move(transforms), std::move(options), info, source);
}

namespace detail {

template <class Integrator, class Transform>
generator<Integrator, Transform> generator_from_document(
    const json& doc, Integrator integrator,
    const std::shared_ptr<const model_description>& sampled_model, Transform transforms,
    generator_options options, dataset_metadata_info* info, const std::string& source) {
  const std::string& where = source;
  const model_description& model = integrator.description();
  const json& m = doc.at("model", where);
  const auto name = m.at("name", where + ".model").as_string(where + ".model.name");
  const auto species = strings_from(m.at("species", where + ".model"), where + ".model.species");
  const auto parameters =
      strings_from(m.at("parameters", where + ".model"), where + ".model.parameters");
  if (name != model.name() || species != model.species() || parameters != model.parameters())
    throw invalid_argument(
        "model", model.name(),
        fmt::format("{}: recorded model {} [{}] ({}) differs from the given model {} [{}] ({})",
                    source, name, join(species, ", "), join(parameters, ", "), model.name(),
                    join(model.species(), ", "), join(model.parameters(), ", ")));
  const json* equations = m.find("equations");
  const std::string recorded_equations =
      equations ? equations->as_string(where + ".model.equations") : std::string();
  if (recorded_equations != model.equations())
    throw invalid_argument(
        "model.equations", model.equations().empty() ? "(a model without text)" : model.equations(),
        fmt::format("{}: model.equations: the given model {} is\n{}but the dataset was made "
                    "from other equations:\n{}",
                    source, model.name(),
                    model.equations().empty() ? "(a model without text)\n" : model.equations(),
                    recorded_equations.empty() ? "(a model without text)\n" : recorded_equations));
  // The settings were read back from the same file, so a difference here is a setting that
  // metadata does not capture: refuse rather than make a different dataset.
  const std::string recorded_integrator = doc.at("integrator", where)
                                              .at("description", where + ".integrator")
                                              .as_string(where + ".integrator.description");
  if (recorded_integrator != integrator.describe())
    throw invalid_argument("integrator.description", integrator.describe(),
                           fmt::format("{}: the dataset was made with integrator {}, the "
                                       "metadata rebuilds {}",
                                       source, recorded_integrator, integrator.describe()));
  const json& gen = doc.at("generation", where);
  const std::string gw = where + ".generation";
  options.seed = gen.at("seed", gw).as_integer<decltype(options.seed)>(gw + ".seed", source);
  options.on_failure = policy_from(gen.at("on_failure", gw), gw + ".on_failure");
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
    info->output_species = strings_from(doc.at("output_species", where), where + ".output_species");
  }
  return generator<Integrator, Transform>(
      std::move(integrator),
      sampler_from_json(sampled_model, doc.at("sampler", where), where + ".sampler", source),
      time_grid_spec_from_json(doc.at("time_grid", where), where + ".time_grid", source),
      std::move(transforms), std::move(options));
}

}  // namespace detail
}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/provenance.ipp"
#endif
