// odesynth/impl/run_config.ipp - the non-template code of run_config.hpp, compiled in every file
// that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../equations.hpp"
#include "../models/by_name.hpp"
#include "../provenance.hpp"
#include "../run_config.hpp"
#include "../transforms.hpp"

namespace odesynth::detail::run {

inline std::string path(const std::string& where, std::string_view key) {
  return where.empty() ? std::string(key) : fmt::format("{}.{}", where, key);
}

/// `j` must be a table whose keys are all in `allowed`; an unknown key (a typo) is refused at
/// the key's value, listing the valid ones.
inline const json::object& table(const json& j, const std::string& where,
                                 std::initializer_list<std::string_view> allowed) {
  const auto& obj = j.as_object(where.empty() ? "document" : where);
  for (const auto& [key, value] : obj) {
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    value.refuse(path(where, key), "(an unknown key)",
                 fmt::format("one of the keys {}", fmt::join(allowed, ", ")));
  }
  return obj;
}

inline const json* find(const json& t, std::string_view key) { return t.find(key); }

inline double number(const json& t, std::string_view key, const std::string& where,
                     std::optional<double> fallback = {}) {
  const json* v = t.find(key);
  if (!v) {
    if (fallback) return *fallback;
    t.at(key, where);  // throws: the key is missing
  }
  return number_from(*v, path(where, key));
}

template <class Int>
Int integer(const json& t, std::string_view key, const std::string& where,
            std::optional<Int> fallback = {}, Int lo = std::numeric_limits<Int>::min()) {
  const json* v = t.find(key);
  if (!v) {
    if (fallback) return *fallback;
    t.at(key, where);
  }
  return v->as_integer<Int>(path(where, key), v->source(), lo);
}

inline bool boolean(const json& t, std::string_view key, const std::string& where, bool fallback) {
  const json* v = t.find(key);
  return v ? v->as_bool(path(where, key)) : fallback;
}

inline std::string text(const json& t, std::string_view key, const std::string& where,
                        std::optional<std::string> fallback = {}) {
  const json* v = t.find(key);
  if (!v) {
    if (fallback) return *fallback;
    t.at(key, where);
  }
  return v->as_string(path(where, key));
}

/// A list of names, or one name.
inline std::vector<std::string> names(const json& t, std::string_view key,
                                      const std::string& where) {
  const json& v = t.at(key, where);
  if (v.is_string()) return {v.as_string(path(where, key))};
  return strings_from(v, path(where, key));
}

/// The value of `all` whose to_string() is the text `v` holds; else refused, listing them.
template <class Enum, std::size_t N>
Enum enum_value(const json& v, const std::string& where, const std::array<Enum, N>& all) {
  const std::string& name = v.as_string(where);
  for (Enum e : all)
    if (to_string(e) == name) return e;
  std::vector<std::string_view> valid;
  for (Enum e : all) valid.push_back(to_string(e));
  v.refuse(where, fmt::format("\"{}\"", name), fmt::format("one of {}", fmt::join(valid, ", ")));
}

// ---- distributions -------------------------------------------------------------------------

/// The keys of each distribution type besides "type", as provenance writes them.
inline const std::map<std::string, std::vector<std::string_view>, std::less<>>&
distribution_keys() {
  static const std::map<std::string, std::vector<std::string_view>, std::less<>> keys = {
      {"constant", {"value"}},
      {"uniform", {"lo", "hi"}},
      {"normal", {"mean", "sd"}},
      {"truncated_normal", {"mean", "sd", "lo", "hi"}},
      {"lognormal", {"mu", "sigma"}},
      {"log_uniform", {"lo", "hi"}},
      {"exponential", {"rate"}},
      {"gamma", {"shape", "scale"}},
      {"beta", {"a", "b"}},
      {"student_t", {"nu", "location", "scale"}},
      {"poisson", {"mean"}},
      {"bernoulli", {"p"}},
      {"choice", {"values", "weights"}},
      {"percent_around", {"nominal", "percent"}},
  };
  return keys;
}

/// A distribution written as a number (a constant) or a table {type = ..., <its keys>};
/// `extra` names further keys the caller reads from the same table (e.g. "constraint").
inline distribution distribution_of(const json& v, const std::string& where,
                                    std::initializer_list<std::string_view> extra = {}) {
  if (v.is_number() || v.is_string()) return dist::constant{number_from(v, where)};
  const std::string type = text(v, "type", where);
  const auto& all = distribution_keys();
  const auto it = all.find(type);
  if (it != all.end()) {
    std::vector<std::string_view> allowed = it->second;
    allowed.push_back("type");
    allowed.insert(allowed.end(), extra.begin(), extra.end());
    for (const auto& [key, value] : v.as_object(where))
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        value.refuse(
            path(where, key), "(an unknown key)",
            fmt::format("one of the keys {} (a {} distribution)", fmt::join(allowed, ", "), type));
  }
  // An unknown type is refused here, listing the valid ones.
  return distribution_from_json(v, where);
}

/// A setting of a parameter or initial value: number, or distribution table with an optional
/// "constraint".
inline std::pair<distribution, value_constraint> setting_of(const json& v,
                                                            const std::string& where) {
  distribution d = distribution_of(v, where, {"constraint"});
  value_constraint c = value_constraint::none;
  if (v.is_object())
    if (const json* k = v.find("constraint"))
      c = enum_value(*k, path(where, "constraint"), all_value_constraints);
  return {std::move(d), c};
}

// ---- per-species settings --------------------------------------------------------------------

/// A per-species value: `one` for all species, an array (one per column, in order) or a
/// table species = value. `is_single` tells a whole value from a table of species.
template <class T, class One, class IsSingle>
per_species<T> per_species_of(const json& v, const std::string& where, One one,
                              IsSingle is_single) {
  if (is_single(v)) return per_species<T>(one(v, where));
  if (v.is_array()) {
    std::vector<T> values;
    const auto& a = v.as_array(where);
    for (std::size_t i = 0; i < a.size(); ++i)
      values.push_back(one(a[i], fmt::format("{}[{}]", where, i)));
    return per_species<T>::by_position(std::move(values));
  }
  std::vector<std::pair<std::string, T>> named;
  for (const auto& [species, value] : v.as_object(where))
    named.emplace_back(species, one(value, fmt::format("{}.{}", where, species)));
  return per_species<T>::by_name(std::move(named));
}

inline per_species<double> per_species_numbers(const json& t, std::string_view key,
                                               const std::string& where,
                                               std::optional<double> fallback = {}) {
  const json* v = t.find(key);
  if (!v) {
    if (fallback) return per_species<double>(*fallback);
    t.at(key, where);
  }
  return per_species_of<double>(
      *v, path(where, key), [](const json& x, const std::string& w) { return number_from(x, w); },
      [](const json& x) { return x.is_number() || x.is_string(); });
}

inline per_species<distribution> per_species_distributions(const json& t, std::string_view key,
                                                           const std::string& where) {
  return per_species_of<distribution>(
      t.at(key, where), path(where, key),
      [](const json& x, const std::string& w) { return distribution_of(x, w); },
      [](const json& x) { return !x.is_array() && (!x.is_object() || x.find("type")); });
}

/// [lo, hi], either end a number or "inf"/"-inf".
inline bounds bounds_of(const json& v, const std::string& where) {
  const auto ends = numbers_from(v, where);
  if (ends.size() != 2)
    v.refuse(where, fmt::format("{} values", ends.size()), "[lo, hi]: two values");
  return bounds{ends[0], ends[1]};
}

inline per_species<bounds> per_species_bounds(const json& v, const std::string& where) {
  return per_species_of<bounds>(v, where, bounds_of, [](const json& x) {
    // [lo, hi] of numbers is one range; an array of ranges is one per species.
    if (!x.is_array()) return false;
    const auto& a = x.as_array("range");
    return a.empty() || !a[0].is_array();
  });
}

// ---- transforms --------------------------------------------------------------------------------

struct transform_row {
  std::string_view type;
  std::vector<std::string_view> keys;  ///< besides "type"
  any_transform (*make)(const json& t, const std::string& where);
};

inline any_transform inner_transform(const json& t, std::string_view key, const std::string& where);

inline std::vector<any_transform> transform_list(const json& t, std::string_view key,
                                                 const std::string& where) {
  std::vector<any_transform> out;
  const auto& a = t.at(key, where).as_array(path(where, key));
  for (std::size_t i = 0; i < a.size(); ++i)
    out.push_back(transform_from_config(a[i], fmt::format("{}[{}]", path(where, key), i)));
  return out;
}

template <class Enum, std::size_t N>
Enum enum_of(const json& t, std::string_view key, const std::string& where,
             const std::array<Enum, N>& all, Enum fallback) {
  const json* v = t.find(key);
  return v ? enum_value(*v, path(where, key), all) : fallback;
}

inline const std::vector<transform_row>& transform_table() {
  using J = const json&;
  using W = const std::string&;
  static const std::vector<transform_row> rows = {
      // noise
      {"additive_noise",
       {"noise"},
       [](J t, W w) -> any_transform {
         return additive_noise(per_species_distributions(t, "noise", w));
       }},
      {"baseline_drift",
       {"sigma"},
       [](J t, W w) -> any_transform {
         return baseline_drift(per_species_numbers(t, "sigma", w));
       }},
      {"batch_scale",
       {"sigma", "shared"},
       [](J t, W w) -> any_transform {
         return batch_scale(number(t, "sigma", w), boolean(t, "shared", w, true));
       }},
      {"clip",
       {"range", "lo", "hi"},
       [](J t, W w) -> any_transform {
         if (const json* r = t.find("range")) {
           if (t.find("lo") || t.find("hi"))
             r->refuse(path(w, "range"), "range with lo or hi", "either range or lo and hi");
           return clip(per_species_bounds(*r, path(w, "range")));
         }
         return clip(bounds{number(t, "lo", w, -std::numeric_limits<double>::infinity()),
                            number(t, "hi", w, std::numeric_limits<double>::infinity())});
       }},
      {"column_specific",
       {"by_species"},
       [](J t, W w) -> any_transform {
         std::vector<std::pair<std::string, any_transform>> by;
         const std::string bw = path(w, "by_species");
         for (const auto& [species, inner] : t.at("by_species", w).as_object(bw))
           by.emplace_back(species, transform_from_config(inner, path(bw, species)));
         return column_specific(std::move(by));
       }},
      {"combined_noise",
       {"a", "b"},
       [](J t, W w) -> any_transform {
         return combined_noise(number(t, "a", w), number(t, "b", w));
       }},
      {"detection_limit",
       {"lod", "mode"},
       [](J t, W w) -> any_transform {
         return detection_limit(per_species_numbers(t, "lod", w),
                                enum_of(t, "mode", w,
                                        std::array<below_lod, 3>{below_lod::missing, below_lod::lod,
                                                                 below_lod::half_lod},
                                        below_lod::missing));
       }},
      {"drop_constant_suffix",
       {"rel_eps", "abs_eps", "min_rows"},
       [](J t, W w) -> any_transform {
         return drop_constant_suffix(number(t, "rel_eps", w), number(t, "abs_eps", w),
                                     integer<std::size_t>(t, "min_rows", w, 2));
       }},
      {"elastic_noise",
       {"sigma", "profile", "rate"},
       [](J t, W w) -> any_transform {
         return elastic_noise(
             per_species_numbers(t, "sigma", w),
             enum_of(t, "profile", w,
                     std::array<elastic_noise::profile, 2>{elastic_noise::profile::linear,
                                                           elastic_noise::profile::exponential},
                     elastic_noise::profile::linear),
             number(t, "rate", w));
       }},
      {"gaussian_noise",
       {"sigma"},
       [](J t, W w) -> any_transform {
         return gaussian_noise(per_species_numbers(t, "sigma", w));
       }},
      {"hide_species",
       {"hide"},
       [](J t, W w) -> any_transform { return hide_species(names(t, "hide", w)); }},
      {"interval_sparsify",
       {"by", "intervals"},
       [](J t, W w) -> any_transform {
         const auto by =
             enum_of(t, "by", w,
                     std::array<interval_sparsify::unit, 2>{interval_sparsify::unit::time,
                                                            interval_sparsify::unit::fraction},
                     interval_sparsify::unit::time);
         std::vector<interval_sparsify::interval> intervals;
         const std::string iw = path(w, "intervals");
         const auto& a = t.at("intervals", w).as_array(iw);
         for (std::size_t i = 0; i < a.size(); ++i) {
           const std::string ew = fmt::format("{}[{}]", iw, i);
           table(a[i], ew, {"start", "end", "transform"});
           intervals.push_back({number(a[i], "start", ew), number(a[i], "end", ew),
                                inner_transform(a[i], "transform", ew)});
         }
         return interval_sparsify(by, std::move(intervals));
       }},
      {"keep_every",
       {"k", "offset"},
       [](J t, W w) -> any_transform {
         return keep_every(integer<std::size_t>(t, "k", w),
                           integer<std::size_t>(t, "offset", w, 0));
       }},
      {"keep_extremes",
       {"low_fraction", "high_fraction", "inner"},
       [](J t, W w) -> any_transform {
         return keep_extremes(number(t, "low_fraction", w), number(t, "high_fraction", w),
                              inner_transform(t, "inner", w));
       }},
      {"keep_interval",
       {"first", "last"},
       [](J t, W w) -> any_transform {
         return keep_interval(number(t, "first", w), number(t, "last", w));
       }},
      {"log_of",
       {"name", "species", "base"},
       [](J t, W w) -> any_transform {
         return log_of(text(t, "name", w), text(t, "species", w), number(t, "base", w, 10.0));
       }},
      {"lognormal_noise",
       {"sigma"},
       [](J t, W w) -> any_transform {
         return lognormal_noise(per_species_numbers(t, "sigma", w));
       }},
      {"missing_bursts",
       {"start_probability", "mean_length"},
       [](J t, W w) -> any_transform {
         return missing_bursts(number(t, "start_probability", w), number(t, "mean_length", w));
       }},
      {"missing_entries",
       {"probability"},
       [](J t, W w) -> any_transform {
         return missing_entries(per_species_numbers(t, "probability", w));
       }},
      {"multiplicative_noise",
       {"factor"},
       [](J t, W w) -> any_transform {
         return multiplicative_noise(per_species_distributions(t, "factor", w));
       }},
      {"outlier_noise",
       {"probability", "scale"},
       [](J t, W w) -> any_transform {
         return outlier_noise(number(t, "probability", w), per_species_numbers(t, "scale", w));
       }},
      {"poisson_counts",
       {"scale"},
       [](J t, W w) -> any_transform {
         return poisson_counts(per_species_numbers(t, "scale", w, 1.0));
       }},
      {"proportional_noise",
       {"rel_sigma"},
       [](J t, W w) -> any_transform {
         return proportional_noise(per_species_numbers(t, "rel_sigma", w));
       }},
      {"pull_to_mean",
       {"weight"},
       [](J t, W w) -> any_transform {
         return pull_to_mean(per_species_distributions(t, "weight", w));
       }},
      {"quantize",
       {"step"},
       [](J t, W w) -> any_transform { return quantize(per_species_numbers(t, "step", w)); }},
      {"random_choice",
       {"options", "weights"},
       [](J t, W w) -> any_transform {
         std::vector<double> weights;
         if (const json* v = t.find("weights")) weights = numbers_from(*v, path(w, "weights"));
         return random_choice(transform_list(t, "options", w), std::move(weights));
       }},
      {"random_subset",
       {"fraction"},
       [](J t, W w) -> any_transform { return random_subset(number(t, "fraction", w)); }},
      {"random_subset_count",
       {"count"},
       [](J t, W w) -> any_transform {
         return random_subset_count(integer<std::size_t>(t, "count", w));
       }},
      {"redraw_until_within",
       {"noise", "range", "max_attempts", "policy"},
       [](J t, W w) -> any_transform {
         return redraw_until_within(
             inner_transform(t, "noise", w), per_species_bounds(t.at("range", w), path(w, "range")),
             integer<int>(t, "max_attempts", w, 100),
             enum_of(t, "policy", w,
                     std::array<on_exhaustion, 3>{on_exhaustion::mark_missing,
                                                  on_exhaustion::clip_to_range,
                                                  on_exhaustion::throw_error},
                     on_exhaustion::mark_missing));
       }},
      {"rescale_to_sum",
       {"group", "total"},
       [](J t, W w) -> any_transform {
         if (t.find("total")) return rescale_to_sum(names(t, "group", w), number(t, "total", w));
         return rescale_to_sum::to_first_row_sum(names(t, "group", w));
       }},
      {"select_species",
       {"keep"},
       [](J t, W w) -> any_transform { return select_species(names(t, "keep", w)); }},
      {"student_t_noise",
       {"nu", "scale"},
       [](J t, W w) -> any_transform {
         return student_t_noise(number(t, "nu", w), per_species_numbers(t, "scale", w));
       }},
      {"sum_of",
       {"name", "species"},
       [](J t, W w) -> any_transform {
         return sum_of(text(t, "name", w), names(t, "species", w));
       }},
  };
  return rows;
}

inline any_transform inner_transform(const json& t, std::string_view key,
                                     const std::string& where) {
  return transform_from_config(t.at(key, where), path(where, key));
}

// ---- model -------------------------------------------------------------------------------------

inline std::filesystem::path resolve(const std::filesystem::path& base, const std::string& file) {
  const std::filesystem::path p(file);
  return p.is_absolute() || base.empty() ? p : base / p;
}

inline run_model model_of(const json& doc, const run_config_readers& readers) {
  const std::string where = "model";
  const json& m = doc.at("model", "document");
  // Which kind of model: exactly one of the kind keys.
  std::vector<std::string_view> kinds_known = {"zoo", "equations"};
  for (const auto& r : readers.models) kinds_known.push_back(r.first);
  std::vector<std::string> kinds;
  for (const auto& [key, value] : m.as_object(where)) {
    (void)value;
    if (std::find(kinds_known.begin(), kinds_known.end(), key) != kinds_known.end())
      kinds.push_back(key);
  }
  if (kinds.size() != 1)
    m.refuse(where,
             kinds.empty() ? std::string("a table naming no model")
                           : fmt::format("a table naming {}", fmt::join(kinds, " and ")),
             fmt::format("exactly one of the keys {}{}", fmt::join(kinds_known, ", "),
                         readers.models.empty() ? " (an SBML file needs a program built with "
                                                  "odesynth's sbml component)"
                                                : ""));
  const std::string& kind = kinds[0];
  if (kind == "zoo") {
    table(m, where, {"zoo", "size"});
    std::optional<std::size_t> size;
    if (m.find("size")) size = integer<std::size_t>(m, "size", where);
    auto e = models::by_name(text(m, "zoo", where), size, path(where, "zoo"));
    return run_model{std::move(e.model),
                     "zoo",
                     std::move(e.default_parameters),
                     std::move(e.default_initial_state),
                     e.default_t_end,
                     ""};
  }
  if (kind == "equations") {
    table(m, where, {"equations", "name"});
    const json& eq = m.at("equations", where);
    const std::string& equations_text = eq.as_string(path(where, "equations"));
    // Errors in the text name the document and the line the text starts on.
    const std::string source = eq.line()
                                   ? fmt::format("{}:{}: model.equations", eq.source(), eq.line())
                                   : std::string("model.equations");
    auto model =
        parse_equations(equations_text, text(m, "name", where, std::string("equations")), source);
    std::string shown = model.describe();
    return run_model{
        any_model(std::move(model)), "equations", {}, {}, std::nullopt, std::move(shown)};
  }
  for (const auto& reader : readers.models)  // the reader checks its own keys
    if (reader.first == kind) return reader.second(kind, m, where);
  m.refuse(where, kind, "a known model kind");  // not reached: kinds_known lists the readers
}

// ---- the rest of the document
// --------------------------------------------------------------------

inline time_grid_spec grid_of(const json* g, const run_model& model) {
  const std::string where = "time_grid";
  if (!g) {
    if (!model.default_t_end)
      detail::throw_invalid("time_grid", "(absent)",
                            "a [time_grid] table: this model has no default time span");
    return time_grid::linspace(0.0, *model.default_t_end, 101);
  }
  const std::string type = text(*g, "type", where, std::string("linspace"));
  if (type == "random_times") {
    table(*g, where, {"type", "count", "first", "last", "include_endpoints", "start"});
    random_times r;
    r.count = integer<std::size_t>(*g, "count", where);
    r.first = number(*g, "first", where);
    r.last = number(*g, "last", where);
    r.include_endpoints = boolean(*g, "include_endpoints", where, true);
    r.start = number(*g, "start", where, r.first);
    return r;
  }
  if (type != "linspace" && type != "logspace" && type != "times")
    g->at("type", where)
        .refuse(path(where, "type"), fmt::format("\"{}\"", type),
                "a grid type: linspace (the default), logspace, times or random_times");
  time_grid base = time_grid::linspace(0, 1, 2);
  if (type == "times" || (g->find("times") && !g->find("type"))) {
    table(*g, where, {"type", "times", "start", "jitter"});
    base = time_grid::from_times(numbers_from(g->at("times", where), path(where, "times")));
    if (g->find("start")) base = base.with_start(number(*g, "start", where));
  } else {
    table(*g, where, {"type", "start", "end", "points", "jitter"});
    const double start =
        number(*g, "start", where, type == "linspace" ? std::optional<double>(0.0) : std::nullopt);
    std::optional<double> end_default = model.default_t_end;
    const double end = number(*g, "end", where, end_default);
    const auto points = integer<std::size_t>(*g, "points", where, std::size_t{101});
    base = type == "logspace" ? time_grid::logspace(start, end, points)
                              : time_grid::linspace(start, end, points);
  }
  if (g->find("jitter")) return jittered_grid{std::move(base), number(*g, "jitter", where)};
  return base;
}

inline sampler sampler_of(const json& doc, const run_model& m) {
  sampler s(m.model);
  const auto& names_p = m.model.parameters();
  const auto& names_x = m.model.species();
  // Defaults first, so that a setting in the document replaces them.
  for (std::size_t i = 0; i < m.default_parameters.size() && i < names_p.size(); ++i)
    s.parameter(names_p[i], m.default_parameters[i]);
  for (std::size_t i = 0; i < m.default_initial_state.size() && i < names_x.size(); ++i)
    s.initial_value(names_x[i], m.default_initial_state[i]);
  const auto settings = [&doc](std::string_view key, auto set) {
    const json* t = doc.find(key);
    if (!t) return;
    for (const auto& [name, value] : t->as_object(std::string(key))) {
      const std::string w = path(std::string(key), name);
      auto [d, c] = setting_of(value, w);
      try {
        set(name, std::move(d), c);
      } catch (const invalid_argument& e) {
        value.refuse(w, fmt::format("\"{}\"", name), e.what());
      }
    }
  };
  settings("parameters", [&s](const std::string& n, distribution d, value_constraint c) {
    s.parameter(n, std::move(d), c);
  });
  settings("initial_values", [&s](const std::string& n, distribution d, value_constraint c) {
    s.initial_value(n, std::move(d), c);
  });
  if (const json* schedules = doc.find("schedules")) {
    const auto& a = schedules->as_array("schedules");
    for (std::size_t i = 0; i < a.size(); ++i) {
      const std::string w = fmt::format("schedules[{}]", i);
      table(a[i], w, {"parameter", "switch_times", "values", "constraint"});
      const auto dists = [&](std::string_view key) {
        std::vector<distribution> out;
        const auto& v = a[i].at(key, w).as_array(path(w, key));
        for (std::size_t k = 0; k < v.size(); ++k)
          out.push_back(distribution_of(v[k], fmt::format("{}.{}[{}]", w, key, k)));
        return out;
      };
      value_constraint c = value_constraint::none;
      if (const json* k = a[i].find("constraint"))
        c = enum_value(*k, path(w, "constraint"), all_value_constraints);
      s.schedule(text(a[i], "parameter", w), dists("switch_times"), dists("values"), c);
    }
  }
  if (const json* t = doc.find("sampling")) {
    const std::string w = "sampling";
    table(*t, w, {"design", "n", "scramble", "grid_levels", "max_redraws"});
    sampling_design d;
    d.type =
        enum_of(*t, "design", w, all_sampling_design_kinds, sampling_design::kind::independent);
    d.n = integer<decltype(d.n)>(*t, "n", w, decltype(d.n){0});
    d.scramble = boolean(*t, "scramble", w, true);
    d.grid_levels = integer<decltype(d.grid_levels)>(*t, "grid_levels", w, d.grid_levels);
    s.design(d);
    s.max_redraws(integer<int>(*t, "max_redraws", w, s.max_redraw_count()));
  }
  return s;
}

inline solve_options solver_of(const json* t, const run_model& m) {
  solve_options o;
  // Unset, the stepper is the C++ API's default (auto_switch), not all_steppers' first.
  o.stepper = default_steppers::first;
  if (!t) return o;
  const std::string w = "solver";
  table(*t, w,
        {"stepper", "rel_tol", "abs_tol", "abs_tol_per_species", "initial_step", "max_step",
         "fixed_step", "max_steps", "min_step", "time_limit_seconds"});
  if (t->find("stepper"))
    o.stepper = enum_of(*t, "stepper", w, all_stepper_kinds, default_steppers::first);
  o.rel_tol = number(*t, "rel_tol", w, o.rel_tol);
  o.abs_tol = number(*t, "abs_tol", w, o.abs_tol);
  if (const json* v = t->find("abs_tol_per_species")) {
    const std::string vw = path(w, "abs_tol_per_species");
    if (v->is_array()) {
      o.abs_tol_per_species = numbers_from(*v, vw);
    } else {  // {species = tolerance}: the others keep abs_tol
      o.abs_tol_per_species.assign(m.model.species().size(), o.abs_tol);
      for (const auto& [name, value] : v->as_object(vw)) {
        const auto& sp = m.model.species();
        const auto it = std::find(sp.begin(), sp.end(), name);
        if (it == sp.end())
          value.refuse(path(vw, name), fmt::format("\"{}\"", name),
                       fmt::format("a species of the model: {}", fmt::join(sp, ", ")));
        o.abs_tol_per_species[static_cast<std::size_t>(it - sp.begin())] =
            number_from(value, path(vw, name));
      }
    }
  }
  for (auto [key, field] :
       {std::pair{"initial_step", &o.initial_step}, std::pair{"max_step", &o.max_step},
        std::pair{"fixed_step", &o.fixed_step}})
    if (t->find(key)) *field = number(*t, key, w);
  o.max_steps = integer<decltype(o.max_steps)>(*t, "max_steps", w, o.max_steps);
  o.min_step = number(*t, "min_step", w, o.min_step);
  o.time_limit_seconds = number(*t, "time_limit_seconds", w, o.time_limit_seconds);
  return o;
}

}  // namespace odesynth::detail::run

namespace odesynth {

ODESYNTH_INLINE std::vector<std::string> config_transform_types() {
  std::vector<std::string> types;
  for (const auto& row : detail::run::transform_table()) types.emplace_back(row.type);
  return types;
}

ODESYNTH_INLINE any_transform transform_from_config(const detail::json& t,
                                                    const std::string& where) {
  namespace run = detail::run;
  const std::string type = run::text(t, "type", where);
  for (const auto& row : run::transform_table()) {
    if (row.type != type) continue;
    std::vector<std::string_view> allowed(row.keys);
    allowed.push_back("type");
    for (const auto& [key, value] : t.as_object(where))
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        value.refuse(
            run::path(where, key), "(an unknown key)",
            fmt::format("one of the keys {} (a {} transform)", fmt::join(allowed, ", "), type));
    try {
      return row.make(t, where);
    } catch (const parse_error&) {
      throw;
    } catch (const invalid_argument& e) {
      // The transform's own check (a negative sigma, ...): point at its table.
      t.refuse(where, fmt::format("{} transform", type), e.what());
    }
  }
  t.at("type", where)
      .refuse(run::path(where, "type"), fmt::format("\"{}\"", type),
              fmt::format("a transform: {}", fmt::join(config_transform_types(), ", ")));
}

ODESYNTH_INLINE run_config read_run_config(const detail::json& doc,
                                           const run_config_readers& readers) {
  namespace run = detail::run;
  run::table(doc, "",
             {"model", "parameters", "initial_values", "schedules", "sampling", "time_grid",
              "solver", "transforms", "output", "generation"});
  run_model model = run::model_of(doc, readers);
  sampler samples = run::sampler_of(doc, model);
  time_grid_spec grid = run::grid_of(doc.find("time_grid"), model);
  solve_options solver = run::solver_of(doc.find("solver"), model);
  std::vector<any_transform> stages;
  if (const detail::json* t = doc.find("transforms")) {
    const auto& a = t->as_array("transforms");
    for (std::size_t i = 0; i < a.size(); ++i)
      stages.push_back(transform_from_config(a[i], fmt::format("transforms[{}]", i)));
  }
  run_config c{std::move(model),
               std::move(samples),
               std::move(grid),
               std::move(solver),
               dynamic_pipeline(std::move(stages)),
               {},
               0,
               {},
               {}};
  if (const detail::json* g = doc.find("generation")) {
    const std::string w = "generation";
    run::table(*g, w, {"seed", "threads", "on_failure", "max_attempts"});
    c.generation.seed = run::integer<std::uint64_t>(*g, "seed", w, std::uint64_t{0});
    c.generation.threads = run::integer<std::size_t>(*g, "threads", w, std::size_t{0});
    c.generation.on_failure =
        run::enum_of(*g, "on_failure", w, all_failure_policies, failure_policy::keep);
    c.generation.max_attempts = run::integer<int>(*g, "max_attempts", w, 5);
  }
  if (const detail::json* o = doc.find("output")) {
    const std::string w = "output";
    run::table(*o, w,
               {"folder", "count", "formats", "overwrite", "time_column", "values_dtype", "npz"});
    if (o->find("folder")) c.folder = run::resolve(readers.base_folder, run::text(*o, "folder", w));
    c.count = run::integer<std::uint64_t>(*o, "count", w, std::uint64_t{0});
    if (const detail::json* f = o->find("formats")) {
      c.output.formats.clear();
      const auto& a = f->as_array("output.formats");
      for (std::size_t i = 0; i < a.size(); ++i)
        c.output.formats.push_back(run::enum_value(
            a[i], fmt::format("output.formats[{}]", i),
            std::array<dataset_format, 4>{dataset_format::npy, dataset_format::npz,
                                          dataset_format::simbaml_csv, dataset_format::tidy_csv}));
    }
    c.output.overwrite = run::boolean(*o, "overwrite", w, false);
    c.output.simbaml.time_column = run::boolean(*o, "time_column", w, true);
    c.output.numpy.values_dtype = run::enum_of(
        *o, "values_dtype", w, std::array<npy_dtype, 2>{npy_dtype::float64, npy_dtype::float32},
        npy_dtype::float64);
    c.output.numpy.npz_bundle = run::boolean(*o, "npz", w, false);
  }
  // Problems that need the whole run (a species name in a transform, a missing parameter
  // value) are found here, before any work, with the field that holds them.
  c.samples.validate("sampler");
  return c;
}

ODESYNTH_INLINE run_config parse_run_config(std::string_view json_text, const std::string& source,
                                            const run_config_readers& readers) {
  return read_run_config(detail::json::parse(json_text, source), readers);
}

ODESYNTH_INLINE run_generator run_config::make_generator(progress_callback on_progress) const {
  generator_options options = generation;
  options.on_progress = std::move(on_progress);
  return odesynth::make_generator<all_steppers>(model.model, solver, samples, grid, transforms,
                                                std::move(options));
}

}  // namespace odesynth
