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

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

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

inline json number_or_text(double d) {
  if (std::isfinite(d)) return json(d);
  if (std::isnan(d)) return json("nan");
  return json(d > 0 ? "inf" : "-inf");
}

inline double number_from(const json& j, const std::string& where) {
  if (j.is_string()) {
    const auto& s = j.as_string(where);
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    throw error(
        fmt::format("{}: expected a number, \"inf\", \"-inf\" or \"nan\", got \"{}\"", where, s));
  }
  return j.as_double(where);
}

inline json numbers_json(const std::vector<double>& v) {
  json a = json::make_array();
  for (double d : v) a.push_back(number_or_text(d));
  return a;
}

inline std::vector<double> numbers_from(const json& j, const std::string& where) {
  std::vector<double> out;
  const auto& a = j.as_array(where);
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back(number_from(a[i], fmt::format("{}[{}]", where, i)));
  return out;
}

inline json strings_json(const std::vector<std::string>& v) {
  json a = json::make_array();
  for (const auto& s : v) a.push_back(json(s));
  return a;
}

inline std::vector<std::string> strings_from(const json& j, const std::string& where) {
  std::vector<std::string> out;
  const auto& a = j.as_array(where);
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back(a[i].as_string(fmt::format("{}[{}]", where, i)));
  return out;
}

// --- distributions ---------------------------------------------------------------------------

inline json to_json(const distribution& d) {
  json j = json::make_object();
  std::visit(
      [&j](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const auto put = [&j](const char* key, double v) { j.set(key, number_or_text(v)); };
        if constexpr (std::is_same_v<T, dist::constant>) {
          j.set("type", "constant");
          put("value", x.value);
        } else if constexpr (std::is_same_v<T, dist::uniform>) {
          j.set("type", "uniform");
          put("lo", x.lo);
          put("hi", x.hi);
        } else if constexpr (std::is_same_v<T, dist::normal>) {
          j.set("type", "normal");
          put("mean", x.mean);
          put("sd", x.sd);
        } else if constexpr (std::is_same_v<T, dist::truncated_normal>) {
          j.set("type", "truncated_normal");
          put("mean", x.mean);
          put("sd", x.sd);
          put("lo", x.lo);
          put("hi", x.hi);
        } else if constexpr (std::is_same_v<T, dist::lognormal>) {
          j.set("type", "lognormal");
          put("mu", x.mu);
          put("sigma", x.sigma);
        } else if constexpr (std::is_same_v<T, dist::log_uniform>) {
          j.set("type", "log_uniform");
          put("lo", x.lo);
          put("hi", x.hi);
        } else if constexpr (std::is_same_v<T, dist::exponential>) {
          j.set("type", "exponential");
          put("rate", x.rate);
        } else if constexpr (std::is_same_v<T, dist::gamma>) {
          j.set("type", "gamma");
          put("shape", x.shape);
          put("scale", x.scale);
        } else if constexpr (std::is_same_v<T, dist::beta>) {
          j.set("type", "beta");
          put("a", x.a);
          put("b", x.b);
        } else if constexpr (std::is_same_v<T, dist::student_t>) {
          j.set("type", "student_t");
          put("nu", x.nu);
          put("location", x.location);
          put("scale", x.scale);
        } else if constexpr (std::is_same_v<T, dist::poisson>) {
          j.set("type", "poisson");
          put("mean", x.mean);
        } else if constexpr (std::is_same_v<T, dist::bernoulli>) {
          j.set("type", "bernoulli");
          put("p", x.p);
        } else if constexpr (std::is_same_v<T, dist::choice>) {
          j.set("type", "choice");
          j.set("values", numbers_json(x.values));
          j.set("weights", numbers_json(x.weights));
        } else if constexpr (std::is_same_v<T, dist::percent_around>) {
          j.set("type", "percent_around");
          put("nominal", x.nominal);
          put("percent", x.percent);
        } else {
          static_assert(sizeof(T) == 0, "provenance: a distribution without a JSON form");
        }
      },
      d);
  return j;
}

inline distribution distribution_from_json(const json& j, const std::string& where) {
  const std::string& type = j.at("type", where).as_string(where + ".type");
  const auto get = [&](const char* key) {
    return number_from(j.at(key, where), fmt::format("{}.{}", where, key));
  };
  distribution d;
  if (type == "constant")
    d = dist::constant{get("value")};
  else if (type == "uniform")
    d = dist::uniform{get("lo"), get("hi")};
  else if (type == "normal")
    d = dist::normal{get("mean"), get("sd")};
  else if (type == "truncated_normal")
    d = dist::truncated_normal{get("mean"), get("sd"), get("lo"), get("hi")};
  else if (type == "lognormal")
    d = dist::lognormal{get("mu"), get("sigma")};
  else if (type == "log_uniform")
    d = dist::log_uniform{get("lo"), get("hi")};
  else if (type == "exponential")
    d = dist::exponential{get("rate")};
  else if (type == "gamma")
    d = dist::gamma{get("shape"), get("scale")};
  else if (type == "beta")
    d = dist::beta{get("a"), get("b")};
  else if (type == "student_t")
    d = dist::student_t{get("nu"), get("location"), get("scale")};
  else if (type == "poisson")
    d = dist::poisson{get("mean")};
  else if (type == "bernoulli")
    d = dist::bernoulli{get("p")};
  else if (type == "choice")
    d = dist::choice{numbers_from(j.at("values", where), where + ".values"),
                     numbers_from(j.at("weights", where), where + ".weights")};
  else if (type == "percent_around")
    d = dist::percent_around{get("nominal"), get("percent")};
  else
    throw error(fmt::format("{}.type: unknown distribution \"{}\"", where, type));
  odesynth::validate(d, where);
  return d;
}

// --- sampler -------------------------------------------------------------------------------

inline value_constraint constraint_from(const std::string& text, const std::string& where) {
  for (auto c : {value_constraint::none, value_constraint::positive, value_constraint::non_negative,
                 value_constraint::non_zero})
    if (to_string(c) == text) return c;
  throw error(fmt::format("{}: unknown constraint \"{}\"", where, text));
}

inline json to_json(const sampler& s) {
  json design = json::make_object();
  design.set("type", to_string(s.design().type))
      .set("n", s.design().n)
      .set("scramble", s.design().scramble)
      .set("grid_levels", static_cast<std::uint64_t>(s.design().grid_levels));
  const auto settings = [](const std::vector<sampler::setting>& v) {
    json a = json::make_array();
    for (const auto& q : v) {
      json e = json::make_object();
      e.set("name", q.name)
          .set("distribution", to_json(q.dist))
          .set("constraint", to_string(q.constraint));
      a.push_back(std::move(e));
    }
    return a;
  };
  json schedules = json::make_array();
  for (const auto& sch : s.schedule_settings()) {
    json times = json::make_array(), values = json::make_array();
    for (const auto& d : sch.switch_times) times.push_back(to_json(d));
    for (const auto& d : sch.values) values.push_back(to_json(d));
    json e = json::make_object();
    e.set("parameter", sch.parameter)
        .set("switch_times", std::move(times))
        .set("values", std::move(values))
        .set("constraint", to_string(sch.constraint));
    schedules.push_back(std::move(e));
  }
  json j = json::make_object();
  j.set("design", std::move(design))
      .set("max_redraws", s.max_redraw_count())
      .set("parameters", settings(s.parameter_settings()))
      .set("initial_values", settings(s.initial_value_settings()))
      .set("schedules", std::move(schedules))
      .set("description", s.describe());
  return j;
}

// Integers are read with json::as_integer<destination type>: a value that does not fit is a
// parse_error at its line and column in `source`, never a silently narrowed one.
inline sampler sampler_from_json(std::shared_ptr<const model_description> model, const json& j,
                                 const std::string& where, const std::string& source = {}) {
  sampler s(std::move(model));
  const json& d = j.at("design", where);
  const std::string dw = where + ".design";
  const std::string& type = d.at("type", dw).as_string(dw + ".type");
  sampling_design design;
  bool known = false;
  for (auto k : all_sampling_design_kinds)
    if (to_string(k) == type) {
      design.type = k;
      known = true;
    }
  if (!known) throw error(fmt::format("{}.type: unknown design \"{}\"", dw, type));
  design.n = d.at("n", dw).as_integer<decltype(design.n)>(dw + ".n", source);
  design.scramble = d.at("scramble", dw).as_bool(dw + ".scramble");
  design.grid_levels =
      d.at("grid_levels", dw).as_integer<decltype(design.grid_levels)>(dw + ".grid_levels", source);
  s.design(design);
  s.max_redraws(j.at("max_redraws", where).as_integer<int>(where + ".max_redraws", source));
  const auto& params = j.at("parameters", where).as_array(where + ".parameters");
  for (std::size_t i = 0; i < params.size(); ++i) {
    const std::string w = fmt::format("{}.parameters[{}]", where, i);
    s.parameter(params[i].at("name", w).as_string(w + ".name"),
                distribution_from_json(params[i].at("distribution", w), w + ".distribution"),
                constraint_from(params[i].at("constraint", w).as_string(w + ".constraint"),
                                w + ".constraint"));
  }
  const auto& x0 = j.at("initial_values", where).as_array(where + ".initial_values");
  for (std::size_t i = 0; i < x0.size(); ++i) {
    const std::string w = fmt::format("{}.initial_values[{}]", where, i);
    s.initial_value(
        x0[i].at("name", w).as_string(w + ".name"),
        distribution_from_json(x0[i].at("distribution", w), w + ".distribution"),
        constraint_from(x0[i].at("constraint", w).as_string(w + ".constraint"), w + ".constraint"));
  }
  const auto& schedules = j.at("schedules", where).as_array(where + ".schedules");
  for (std::size_t i = 0; i < schedules.size(); ++i) {
    const std::string w = fmt::format("{}.schedules[{}]", where, i);
    std::vector<distribution> times, values;
    const auto& t = schedules[i].at("switch_times", w).as_array(w + ".switch_times");
    for (std::size_t k = 0; k < t.size(); ++k)
      times.push_back(distribution_from_json(t[k], fmt::format("{}.switch_times[{}]", w, k)));
    const auto& v = schedules[i].at("values", w).as_array(w + ".values");
    for (std::size_t k = 0; k < v.size(); ++k)
      values.push_back(distribution_from_json(v[k], fmt::format("{}.values[{}]", w, k)));
    s.schedule(schedules[i].at("parameter", w).as_string(w + ".parameter"), std::move(times),
               std::move(values),
               constraint_from(schedules[i].at("constraint", w).as_string(w + ".constraint"),
                               w + ".constraint"));
  }
  return s;
}

// --- solver options and grids --------------------------------------------------------------

inline json to_json(const solve_options& o) {
  const auto optional = [](const std::optional<double>& v) {
    return v ? number_or_text(*v) : json();
  };
  json j = json::make_object();
  // A generator's options are a solver's: the stepper is resolved, never null there.
  j.set("stepper", o.stepper ? json(std::string(to_string(*o.stepper))) : json())
      .set("rel_tol", o.rel_tol)
      .set("abs_tol", o.abs_tol)
      .set("abs_tol_per_species", numbers_json(o.abs_tol_per_species))
      .set("initial_step", optional(o.initial_step))
      .set("max_step", optional(o.max_step))
      .set("fixed_step", optional(o.fixed_step))
      .set("max_steps", o.max_steps)
      .set("min_step", o.min_step)
      .set("time_limit_seconds", o.time_limit_seconds);
  return j;
}

inline solve_options solve_options_from_json(const json& j, const std::string& where,
                                             const std::string& source = {}) {
  const auto optional = [&](const char* key) -> std::optional<double> {
    const json& v = j.at(key, where);
    if (v.is_null()) return std::nullopt;
    return number_from(v, fmt::format("{}.{}", where, key));
  };
  solve_options o;
  if (const json& k = j.at("stepper", where); !k.is_null())  // null: the solver's first
    o.stepper = parse_stepper_kind(k.as_string(where + ".stepper"));
  o.rel_tol = number_from(j.at("rel_tol", where), where + ".rel_tol");
  o.abs_tol = number_from(j.at("abs_tol", where), where + ".abs_tol");
  o.abs_tol_per_species =
      numbers_from(j.at("abs_tol_per_species", where), where + ".abs_tol_per_species");
  o.initial_step = optional("initial_step");
  o.max_step = optional("max_step");
  o.fixed_step = optional("fixed_step");
  o.max_steps =
      j.at("max_steps", where).as_integer<decltype(o.max_steps)>(where + ".max_steps", source);
  o.min_step = number_from(j.at("min_step", where), where + ".min_step");
  if (const json* limit = j.find("time_limit_seconds"))  // absent before issue 12: no limit
    o.time_limit_seconds = number_from(*limit, where + ".time_limit_seconds");
  return o;
}

inline json to_json(const time_grid& g) {
  json j = json::make_object();
  std::vector<double> times(g.times().data(), g.times().data() + g.times().size());
  j.set("times", numbers_json(times)).set("start", number_or_text(g.start()));
  return j;
}

inline time_grid time_grid_from_json(const json& j, const std::string& where) {
  const auto times = numbers_from(j.at("times", where), where + ".times");
  return time_grid::from_times(times).with_start(
      number_from(j.at("start", where), where + ".start"));
}

inline json to_json(const time_grid_spec& spec) {
  return std::visit(
      [](const auto& g) {
        using T = std::decay_t<decltype(g)>;
        json j = json::make_object();
        if constexpr (std::is_same_v<T, time_grid>) {
          j = to_json(g);
          json typed = json::make_object();
          typed.set("type", "fixed");
          for (auto& kv : j.as_object("time_grid")) typed.set(kv.first, kv.second);
          return typed;
        } else if constexpr (std::is_same_v<T, random_times>) {
          j.set("type", "random_times")
              .set("count", static_cast<std::uint64_t>(g.count))
              .set("first", number_or_text(g.first))
              .set("last", number_or_text(g.last))
              .set("include_endpoints", g.include_endpoints)
              .set("start", number_or_text(g.start));
          return j;
        } else {
          j.set("type", "jittered_grid").set("base", to_json(g.base)).set("fraction", g.fraction);
          return j;
        }
      },
      spec.variant());
}

inline time_grid_spec time_grid_spec_from_json(const json& j, const std::string& where,
                                               const std::string& source = {}) {
  const std::string& type = j.at("type", where).as_string(where + ".type");
  if (type == "fixed") return time_grid_from_json(j, where);
  if (type == "random_times") {
    random_times r;
    r.count = j.at("count", where).as_integer<decltype(r.count)>(where + ".count", source);
    r.first = number_from(j.at("first", where), where + ".first");
    r.last = number_from(j.at("last", where), where + ".last");
    r.include_endpoints = j.at("include_endpoints", where).as_bool(where + ".include_endpoints");
    r.start = number_from(j.at("start", where), where + ".start");
    return r;
  }
  if (type == "jittered_grid") {
    jittered_grid g{time_grid_from_json(j.at("base", where), where + ".base"),
                    number_from(j.at("fraction", where), where + ".fraction")};
    return g;
  }
  throw error(fmt::format("{}.type: unknown time grid kind \"{}\"", where, type));
}

inline failure_policy policy_from(const std::string& text, const std::string& where) {
  for (auto p : all_failure_policies)
    if (to_string(p) == text) return p;
  throw error(fmt::format("{}: unknown failure policy \"{}\"", where, text));
}

inline json to_json(const generation_report& r) {
  json counts = json::make_object();
  for (auto s : all_solve_statuses) counts.set(std::string(to_string(s)), r.count(s));
  json j = json::make_object();
  j.set("requested", r.requested)
      .set("delivered", r.delivered)
      .set("dropped", r.dropped)
      .set("resampled", r.resampled)
      .set("failed", r.failed())
      .set("status_counts", std::move(counts));
  return j;
}

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
