// odesynth/impl/provenance.ipp - the non-template code of provenance.hpp, compiled in every file
// that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "../provenance.hpp"

namespace odesynth::detail {

/// The value of `all` whose to_string() is the text `j` holds; otherwise the parse_error of
/// `j` naming `where`, the text and every valid name.
template <class Enum, std::size_t N>
Enum enum_from(const json& j, const std::string& where, const std::array<Enum, N>& all) {
  const std::string& text = j.as_string(where);
  for (Enum e : all)
    if (to_string(e) == text) return e;
  std::string expected = "one of ";
  for (std::size_t i = 0; i < N; ++i) expected += fmt::format("{}{}", i ? ", " : "", all[i]);
  j.refuse(where, fmt::format("\"{}\"", text), expected);
}

ODESYNTH_INLINE json number_or_text(double d) {
  if (std::isfinite(d)) return json(d);
  if (std::isnan(d)) return json("nan");
  return json(d > 0 ? "inf" : "-inf");
}

ODESYNTH_INLINE double number_from(const json& j, const std::string& where) {
  if (j.is_string()) {
    const auto& s = j.as_string(where);
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    if (s == "nan") return std::numeric_limits<double>::quiet_NaN();
    j.refuse(where, fmt::format("\"{}\"", s), "a number, \"inf\", \"-inf\" or \"nan\"");
  }
  return j.as_double(where);
}

ODESYNTH_INLINE json numbers_json(const std::vector<double>& v) {
  json a = json::make_array();
  for (double d : v) a.push_back(number_or_text(d));
  return a;
}

ODESYNTH_INLINE std::vector<double> numbers_from(const json& j, const std::string& where) {
  std::vector<double> out;
  const auto& a = j.as_array(where);
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back(number_from(a[i], fmt::format("{}[{}]", where, i)));
  return out;
}

ODESYNTH_INLINE json strings_json(const std::vector<std::string>& v) {
  json a = json::make_array();
  for (const auto& s : v) a.push_back(json(s));
  return a;
}

ODESYNTH_INLINE std::vector<std::string> strings_from(const json& j, const std::string& where) {
  std::vector<std::string> out;
  const auto& a = j.as_array(where);
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back(a[i].as_string(fmt::format("{}[{}]", where, i)));
  return out;
}

ODESYNTH_INLINE json to_json(const distribution& d) {
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

ODESYNTH_INLINE distribution distribution_from_json(const json& j, const std::string& where) {
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
    j.at("type", where)
        .refuse(where + ".type", fmt::format("\"{}\"", type),
                "a distribution: constant, uniform, normal, truncated_normal, lognormal, "
                "log_uniform, exponential, gamma, beta, student_t, poisson, bernoulli, choice or "
                "percent_around");
  odesynth::validate(d, where);
  return d;
}

ODESYNTH_INLINE value_constraint constraint_from(const json& j, const std::string& where) {
  return enum_from(j, where, all_value_constraints);
}

ODESYNTH_INLINE json to_json(const sampler& s) {
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

ODESYNTH_INLINE sampler sampler_from_json(std::shared_ptr<const model_description> model,
                                          const json& j, const std::string& where,
                                          const std::string& source) {
  sampler s(std::move(model));
  const json& d = j.at("design", where);
  const std::string dw = where + ".design";
  sampling_design design;
  design.type = enum_from(d.at("type", dw), dw + ".type", all_sampling_design_kinds);
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
                constraint_from(params[i].at("constraint", w), w + ".constraint"));
  }
  const auto& x0 = j.at("initial_values", where).as_array(where + ".initial_values");
  for (std::size_t i = 0; i < x0.size(); ++i) {
    const std::string w = fmt::format("{}.initial_values[{}]", where, i);
    s.initial_value(x0[i].at("name", w).as_string(w + ".name"),
                    distribution_from_json(x0[i].at("distribution", w), w + ".distribution"),
                    constraint_from(x0[i].at("constraint", w), w + ".constraint"));
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
               constraint_from(schedules[i].at("constraint", w), w + ".constraint"));
  }
  return s;
}

ODESYNTH_INLINE json to_json(const solve_options& o) {
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
      .set("time_limit_seconds", o.time_limit_seconds)
      .set("jacobian", std::string(to_string(o.jacobian)));
  return j;
}

ODESYNTH_INLINE solve_options solve_options_from_json(const json& j, const std::string& where,
                                                      const std::string& source) {
  const auto optional = [&](const char* key) -> std::optional<double> {
    const json& v = j.at(key, where);
    if (v.is_null()) return std::nullopt;
    return number_from(v, fmt::format("{}.{}", where, key));
  };
  solve_options o;
  if (const json& k = j.at("stepper", where); !k.is_null())  // null: the solver's first
    o.stepper = enum_from(k, where + ".stepper", all_stepper_kinds);
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
  if (const json* k = j.find("jacobian"))  // absent before sparse Jacobians: automatic
    o.jacobian = enum_from(*k, where + ".jacobian", all_jacobian_storages);
  return o;
}

ODESYNTH_INLINE json to_json(const time_grid& g) {
  json j = json::make_object();
  std::vector<double> times(g.times().data(), g.times().data() + g.times().size());
  j.set("times", numbers_json(times)).set("start", number_or_text(g.start()));
  return j;
}

ODESYNTH_INLINE time_grid time_grid_from_json(const json& j, const std::string& where) {
  const auto times = numbers_from(j.at("times", where), where + ".times");
  return time_grid::from_times(times).with_start(
      number_from(j.at("start", where), where + ".start"));
}

ODESYNTH_INLINE json to_json(const time_grid_spec& spec) {
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

ODESYNTH_INLINE time_grid_spec time_grid_spec_from_json(const json& j, const std::string& where,
                                                        const std::string& source) {
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
  j.at("type", where)
      .refuse(where + ".type", fmt::format("\"{}\"", type),
              "a time grid type: fixed, random_times or jittered_grid");
}

ODESYNTH_INLINE failure_policy policy_from(const json& j, const std::string& where) {
  return enum_from(j, where, all_failure_policies);
}

ODESYNTH_INLINE json to_json(const generation_report& r) {
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

// --- process noise -------------------------------------------------------------------------

ODESYNTH_INLINE json to_json(const diffusion& d) {
  json j = json::make_object();
  j.set("type", std::string(to_string(d.type))).set("sigma", number_or_text(d.sigma));
  return j;
}

ODESYNTH_INLINE diffusion diffusion_from_json(const json& j, const std::string& where) {
  diffusion d;
  d.type = enum_from(j.at("type", where), where + ".type", diffusion::all_kinds);
  d.sigma = number_from(j.at("sigma", where), where + ".sigma");
  return d;
}

ODESYNTH_INLINE json to_json(const sde_options& o) {
  json j = json::make_object();
  j.set("scheme", std::string(to_string(o.scheme)))
      .set("dt", o.dt)
      .set("max_steps", o.max_steps)
      .set("time_limit_seconds", o.time_limit_seconds);
  return j;
}

ODESYNTH_INLINE sde_options sde_options_from_json(const json& j, const std::string& where,
                                                  const std::string& source) {
  sde_options o;
  o.scheme = enum_from(j.at("scheme", where), where + ".scheme", all_sde_schemes);
  o.dt = number_from(j.at("dt", where), where + ".dt");
  o.max_steps =
      j.at("max_steps", where).as_integer<decltype(o.max_steps)>(where + ".max_steps", source);
  o.time_limit_seconds =
      number_from(j.at("time_limit_seconds", where), where + ".time_limit_seconds");
  o.validate();
  return o;
}

ODESYNTH_INLINE json to_json(const derivative_noise& n) {
  json j = json::make_object();
  j.set("distributions",
        per_species_json(n.noise, [](const distribution& d) { return to_json(d); }))
      .set("interval", number_or_text(n.interval))
      .set("mode", std::string(to_string(n.kind)))
      .set("shared", n.shared);
  return j;
}

ODESYNTH_INLINE derivative_noise derivative_noise_from_json(const json& j, const std::string& where,
                                                            const std::string& source) {
  derivative_noise n;
  n.noise = per_species_from_json<distribution>(
      j.at("distributions", where), where + ".distributions", source,
      [](const json& v, const std::string& at) { return distribution_from_json(v, at); });
  n.interval = number_from(j.at("interval", where), where + ".interval");
  n.kind = enum_from(j.at("mode", where), where + ".mode", derivative_noise::all_modes);
  n.shared = j.at("shared", where).as_bool(where + ".shared");
  return n;
}

// --- reading metadata back ------------------------------------------------------------------

ODESYNTH_INLINE json parse_metadata(std::string_view metadata, const std::string& source,
                                    std::string_view expected_kind, std::string_view rebuilt_by) {
  json doc = json::parse(metadata, source);
  const std::string& where = source;
  if (const json& format = doc.at("format", where);
      format.as_string(where + ".format") != "odesynth-dataset")
    format.refuse(where + ".format", fmt::format("\"{}\"", format.as_string(where)),
                  "\"odesynth-dataset\" (this is not odesynth dataset metadata)");
  const json& version = doc.at("format_version", where);
  if (version.as_integer<std::int64_t>(where + ".format_version", source) != 1)
    throw parse_error(
        source, version.line(), version.column(),
        fmt::format("{}:{}:{}: {}.format_version = {}: unsupported format_version "
                    "(this library reads version 1)",
                    source, version.line(), version.column(), where, version.as_int64(where)));
  // 0.2.0 changed how noise draws its normals (the ziggurat of standard_normal.hpp, not an
  // inverse CDF), 0.3.0 the step controllers' powers (detail/portable_pow.hpp, not std::pow):
  // the same metadata would make a different dataset under an earlier version, which "same
  // metadata, same bits" forbids. Versions are "major.minor.patch".
  if (const json* made_by = doc.find("library_version")) {
    const std::string v = made_by->as_string(where + ".library_version");
    unsigned major = 0, minor = 0;
    const bool parsed = std::sscanf(v.c_str(), "%u.%u", &major, &minor) == 2;
    if (!parsed || (major == 0 && minor < 3))
      throw invalid_argument(
          "library_version", v,
          fmt::format("{}: library_version = \"{}\": a dataset made before odesynth 0.3.0, "
                      "whose solvers adjust their steps with other powers (portable_pow, not "
                      "std::pow){}; this is {}, which would make a different dataset: "
                      "regenerate it with the version that made it",
                      source, v,
                      parsed && major == 0 && minor < 2
                          ? " and whose measurement noise draws its normals differently "
                            "(ziggurat, standard_normal.hpp, since 0.2.0)"
                          : "",
                      version_string));
  }
  const std::string kind = doc.at("integrator", where)
                               .at("kind", where + ".integrator")
                               .as_string(where + ".integrator.kind");
  if (kind != expected_kind) {
    const char* right = kind == "ode"   ? "generator_from_metadata"
                        : kind == "sde" ? "sde_generator_from_metadata"
                        : kind == "ode_with_derivative_noise"
                            ? "derivative_noise_generator_from_metadata"
                            : nullptr;
    throw invalid_argument(
        "integrator.kind", kind,
        fmt::format("{}: integrator.kind = \"{}\": {} rebuilds {} datasets; this one used the "
                    "{} integrator ({})",
                    source, kind, rebuilt_by, expected_kind, kind,
                    right ? fmt::format("rebuild it with {}", right)
                          : std::string("rebuild it with the code that made it and compare its "
                                        "describe() with integrator.description")));
  }
  return doc;
}

}  // namespace odesynth::detail
