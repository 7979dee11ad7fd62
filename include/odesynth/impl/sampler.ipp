// odesynth/impl/sampler.ipp - the non-template code of sampler.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>

#include "../sampler.hpp"

namespace odesynth {

ODESYNTH_INLINE void bound_sampler::draw_into(sample& out, std::uint64_t index, double start,
                                              int attempt) const {
  random_stream s(seed_, index,
                  static_cast<std::uint32_t>(stream_purpose::parameters) +
                      0x10000u * static_cast<std::uint32_t>(attempt));
  // The design's point in [0,1)^dims: on the stack for up to 32 dimensions (a heap vector
  // here was one of a draw's five allocations).
  std::array<double, 32> u_small;
  std::vector<double> u_large;
  if (dims_ > u_small.size()) u_large.resize(dims_);
  double* const u = dims_ > u_small.size() ? u_large.data() : u_small.data();
  if (attempt == 0 && dims_ > 0) {
    design_.point(index, s, u);
  } else {
    for (std::size_t k = 0; k < dims_; ++k) u[k] = s.uniform_open01();
  }
  std::size_t next = 0;
  out.has_schedule = false;
  out.non_finite_field.clear();
  out.non_finite_value = 0;
  // `field_name()` builds the name for an error message or a non-finite value: only then
  // (building "x0[prey]" for every draw was a third of a draw's cost).
  auto value_of = [&](auto field_name, const distribution& d, value_constraint c) {
    if (std::holds_alternative<dist::constant>(d)) return std::get<dist::constant>(d).value;
    double v = quantile(d, u[next++]);
    // A non-finite value is not an error of the configuration (validation rejects
    // distributions whose draws overflow at the stream's extreme uniforms) but of this
    // draw: marked, never thrown, so one trajectory fails instead of the whole dataset.
    for (int redraws = 0; std::isfinite(v) && !sampler::satisfies(v, c); ++redraws) {
      if (redraws == spec_.max_redraws_) {
        const std::string field = field_name();
        throw invalid_argument(
            field, odesynth::describe(d),
            fmt::format("{}: {} draws from {} for trajectory {} were all outside the "
                        "declared constraint {}",
                        field, spec_.max_redraws_ + 1, odesynth::describe(d), index, to_string(c)));
      }
      v = quantile(d, s.uniform_open01());
    }
    if (!std::isfinite(v) && out.finite()) {
      out.non_finite_field = field_name();
      out.non_finite_value = v;
    }
    return v;
  };

  out.parameters.resize(spec_.parameters_.size());
  for (std::size_t i = 0; i < spec_.parameters_.size(); ++i) {
    const auto& q = *spec_.parameters_[i];
    // (A scheduled parameter's value comes from its schedule below; 0 until then, as in a
    // fresh sample, so a reused one holds nothing of the previous draw.)
    out.parameters[i] = q.scheduled
                            ? 0.0
                            : value_of([&q] { return "sampler.parameter[\"" + q.name + "\"]"; },
                                       q.dist, q.constraint);
  }
  out.initial_state.resize(spec_.initial_values_.size());
  for (std::size_t i = 0; i < spec_.initial_values_.size(); ++i) {
    const auto& q = *spec_.initial_values_[i];
    out.initial_state[i] = value_of([&q] { return "sampler.initial_value[\"" + q.name + "\"]"; },
                                    q.dist, q.constraint);
  }
  if (!out.finite()) return;  // not solved: no schedule to build
  if (spec_.schedules_.empty()) {
    // parameter_schedule::constant(out.parameters), in place: no allocation when `out`
    // already held one.
    out.schedule.switch_times.clear();
    out.schedule.values.resize(1);
    out.schedule.values.front() = out.parameters;
    return;
  }

  // Each scheduled parameter: sorted switch times and segment values; then the union of
  // all switch times after `start` defines the segments of the combined schedule.
  struct drawn {
    std::size_t parameter;
    std::vector<double> times, values;
  };
  std::vector<drawn> schedules;
  for (const auto& sc : spec_.schedules_) {
    const std::string name = spec_.model_->parameters()[sc.parameter];
    drawn d{sc.parameter, {}, {}};
    for (std::size_t k = 0; k < sc.switch_times.size(); ++k)
      d.times.push_back(value_of(
          [&name, k] { return fmt::format("sampler.schedule[\"{}\"].switch_times[{}]", name, k); },
          sc.switch_times[k], value_constraint::none));
    for (std::size_t k = 0; k < sc.values.size(); ++k)
      d.values.push_back(value_of(
          [&name, k] { return fmt::format("sampler.schedule[\"{}\"].values[{}]", name, k); },
          sc.values[k], sc.constraint));
    if (!out.finite()) return;  // a NaN would break the sort below
    std::sort(d.times.begin(), d.times.end());
    schedules.push_back(std::move(d));
  }
  auto value_at = [](const drawn& d, double t) {
    std::size_t k = 0;
    while (k < d.times.size() && t >= d.times[k]) ++k;
    return d.values[k];
  };
  std::vector<double> switches;
  for (const auto& d : schedules)
    for (double t : d.times)
      if (t > start) switches.push_back(t);
  std::sort(switches.begin(), switches.end());
  switches.erase(std::unique(switches.begin(), switches.end()), switches.end());
  out.schedule.switch_times = switches;
  out.schedule.values.clear();
  std::vector<double> segment_starts{start};
  segment_starts.insert(segment_starts.end(), switches.begin(), switches.end());
  for (double t : segment_starts) {
    std::vector<double> p = out.parameters;
    for (const auto& d : schedules) p[d.parameter] = value_at(d, t);
    out.schedule.values.push_back(std::move(p));
  }
  out.parameters = out.schedule.values.front();
  out.has_schedule = true;
}

ODESYNTH_INLINE std::optional<std::uint64_t> bound_sampler::required_count() const {
  if (dims_ == 0) return std::nullopt;
  return design_.required_count();
}

ODESYNTH_INLINE std::string bound_sampler::describe() const {
  return fmt::format("{} seed={}", spec_.describe(), seed_);
}

ODESYNTH_INLINE sampler::sampler(std::shared_ptr<const model_description> model)
    : model_(std::move(model)) {
  parameters_.resize(model_->num_parameters());
  initial_values_.resize(model_->num_species());
}

ODESYNTH_INLINE sampler& sampler::parameter(std::string_view name, distribution d,
                                            value_constraint c) {
  const std::size_t i = parameter_index(name);
  odesynth::validate(d, fmt::format("sampler.parameter[\"{}\"]", name));
  parameters_[i] = quantity{std::string(name), std::move(d), c};
  schedules_.erase(std::remove_if(schedules_.begin(), schedules_.end(),
                                  [i](const schedule_spec& s) { return s.parameter == i; }),
                   schedules_.end());
  return *this;
}

ODESYNTH_INLINE sampler& sampler::parameter(std::string_view name, double value) {
  detail::require_finite(fmt::format("sampler.parameter[\"{}\"]", name), value);
  return parameter(name, dist::constant{value});
}

ODESYNTH_INLINE sampler& sampler::initial_value(std::string_view species, distribution d,
                                                value_constraint c) {
  const std::size_t i = species_index(species);
  odesynth::validate(d, fmt::format("sampler.initial_value[\"{}\"]", species));
  initial_values_[i] = quantity{std::string(species), std::move(d), c};
  return *this;
}

ODESYNTH_INLINE sampler& sampler::initial_value(std::string_view species, double value) {
  detail::require_finite(fmt::format("sampler.initial_value[\"{}\"]", species), value);
  return initial_value(species, dist::constant{value});
}

ODESYNTH_INLINE sampler& sampler::schedule(std::string_view name,
                                           std::vector<distribution> switch_times,
                                           std::vector<distribution> values, value_constraint c) {
  const std::size_t i = parameter_index(name);
  const std::string where = fmt::format("sampler.schedule[\"{}\"]", name);
  if (switch_times.empty())
    detail::throw_invalid(where + ".switch_times", "[]", "at least one switch time");
  if (values.size() != switch_times.size() + 1)
    detail::throw_invalid(where + ".values.size()", values.size(),
                          fmt::format("one value per segment ({})", switch_times.size() + 1));
  for (std::size_t k = 0; k < switch_times.size(); ++k)
    odesynth::validate(switch_times[k], fmt::format("{}.switch_times[{}]", where, k));
  for (std::size_t k = 0; k < values.size(); ++k)
    odesynth::validate(values[k], fmt::format("{}.values[{}]", where, k));
  schedules_.erase(std::remove_if(schedules_.begin(), schedules_.end(),
                                  [i](const schedule_spec& s) { return s.parameter == i; }),
                   schedules_.end());
  schedules_.push_back({i, std::move(switch_times), std::move(values), c});
  parameters_[i] = quantity{std::string(name), dist::constant{0}, value_constraint::none};
  parameters_[i]->scheduled = true;
  return *this;
}

ODESYNTH_INLINE sampler& sampler::design(sampling_design d) {
  design_ = d;
  return *this;
}

ODESYNTH_INLINE sampler& sampler::max_redraws(int attempts) {
  if (attempts < 1) detail::throw_invalid("sampler.max_redraws", attempts, "a count >= 1");
  max_redraws_ = attempts;
  return *this;
}

ODESYNTH_INLINE std::vector<sampler::setting> sampler::parameter_settings() const {
  std::vector<setting> out;
  for (const auto& q : parameters_)
    if (q && !q->scheduled) out.push_back({q->name, q->dist, q->constraint});
  return out;
}

ODESYNTH_INLINE std::vector<sampler::setting> sampler::initial_value_settings() const {
  std::vector<setting> out;
  for (const auto& q : initial_values_)
    if (q) out.push_back({q->name, q->dist, q->constraint});
  return out;
}

ODESYNTH_INLINE std::vector<sampler::schedule_setting> sampler::schedule_settings() const {
  std::vector<schedule_setting> out;
  for (const auto& s : schedules_)
    out.push_back({model_->parameters()[s.parameter], s.switch_times, s.values, s.constraint});
  return out;
}

ODESYNTH_INLINE std::vector<std::string> sampler::dimension_names() const {
  std::vector<std::string> out;
  for (const auto& q : parameters_)
    if (q && !q->scheduled && !q->fixed()) out.push_back(q->name);
  for (const auto& q : initial_values_)
    if (q && !q->fixed()) out.push_back("x0[" + q->name + "]");
  for (const auto& s : schedules_) {
    for (std::size_t k = 0; k < s.switch_times.size(); ++k)
      if (!fixed(s.switch_times[k]))
        out.push_back(fmt::format("{}.switch_times[{}]", model_->parameters()[s.parameter], k));
    for (std::size_t k = 0; k < s.values.size(); ++k)
      if (!fixed(s.values[k]))
        out.push_back(fmt::format("{}.values[{}]", model_->parameters()[s.parameter], k));
  }
  return out;
}

ODESYNTH_INLINE void sampler::validate(std::string_view where) const {
  for (std::size_t i = 0; i < parameters_.size(); ++i)
    if (!parameters_[i])
      detail::throw_invalid(fmt::format("{}.parameter[\"{}\"]", where, model_->parameters()[i]),
                            "unset", "a distribution, a schedule or a fixed value");
  for (std::size_t i = 0; i < initial_values_.size(); ++i)
    if (!initial_values_[i])
      detail::throw_invalid(fmt::format("{}.initial_value[\"{}\"]", where, model_->species()[i]),
                            "unset", "a distribution or a fixed value");
  for (const auto& q : parameters_)
    if (!q->scheduled) check_feasible(*q, fmt::format("{}.parameter[\"{}\"]", where, q->name));
  for (const auto& q : initial_values_)
    check_feasible(*q, fmt::format("{}.initial_value[\"{}\"]", where, q->name));
  for (const auto& s : schedules_)
    for (std::size_t k = 0; k < s.values.size(); ++k)
      check_feasible(quantity{model_->parameters()[s.parameter], s.values[k], s.constraint},
                     fmt::format("{}.schedule[\"{}\"].values[{}]", where,
                                 model_->parameters()[s.parameter], k));
  design_.validate();
}

ODESYNTH_INLINE std::string sampler::describe() const {
  std::vector<std::string> parts;
  for (const auto& q : parameters_)
    if (q && !q->scheduled)
      parts.push_back(
          fmt::format("{} ~ {}{}", q->name, odesynth::describe(q->dist), suffix(q->constraint)));
  for (const auto& s : schedules_) {
    std::vector<std::string> t, v;
    for (const auto& d : s.switch_times) t.push_back(odesynth::describe(d));
    for (const auto& d : s.values) v.push_back(odesynth::describe(d));
    parts.push_back(fmt::format("{} ~ schedule(switch_times=[{}], values=[{}]){}",
                                model_->parameters()[s.parameter], detail::join(t, ", "),
                                detail::join(v, ", "), suffix(s.constraint)));
  }
  for (const auto& q : initial_values_)
    if (q)
      parts.push_back(fmt::format("x0[{}] ~ {}{}", q->name, odesynth::describe(q->dist),
                                  suffix(q->constraint)));
  return fmt::format("sampler(design={}; {})", design_.describe(), detail::join(parts, "; "));
}

ODESYNTH_INLINE std::string sampler::suffix(value_constraint c) {
  return c == value_constraint::none ? "" : fmt::format(" ({})", to_string(c));
}

ODESYNTH_INLINE bool sampler::satisfies(double v, value_constraint c) noexcept {
  switch (c) {
    case value_constraint::none: return true;
    case value_constraint::positive: return v > 0;
    case value_constraint::non_negative: return v >= 0;
    case value_constraint::non_zero: return v != 0;
  }
  return true;
}

ODESYNTH_INLINE void sampler::check_feasible(const quantity& q, const std::string& field) {
  if (q.constraint == value_constraint::none) return;
  const double hi = quantile(q.dist, 0.95), lo = quantile(q.dist, 0.05);
  bool ok = true;
  switch (q.constraint) {
    case value_constraint::none: break;
    case value_constraint::positive: ok = hi > 0; break;
    case value_constraint::non_negative: ok = hi >= 0; break;
    case value_constraint::non_zero:
      ok = !(lo == 0 && hi == 0 && quantile(q.dist, 0.5) == 0);
      break;
  }
  if (!ok)
    detail::throw_invalid(field, odesynth::describe(q.dist),
                          fmt::format("a distribution with at least 5% of its mass {} (declared "
                                      "{}); its whole support or nearly all of it is not",
                                      q.constraint == value_constraint::non_zero   ? "non-zero"
                                      : q.constraint == value_constraint::positive ? "> 0"
                                                                                   : ">= 0",
                                      to_string(q.constraint)));
}

ODESYNTH_INLINE std::size_t sampler::parameter_index(std::string_view name) const {
  const auto i = model_->parameter_index(name);
  if (!i)
    detail::throw_invalid("sampler.parameter", fmt::format("\"{}\"", name),
                          fmt::format("a parameter of {}: one of [{}]", model_->name(),
                                      detail::join(model_->parameters(), ", ")));
  return *i;
}

ODESYNTH_INLINE std::size_t sampler::species_index(std::string_view name) const {
  const auto i = model_->species_index(name);
  if (!i)
    detail::throw_invalid("sampler.initial_value", fmt::format("\"{}\"", name),
                          fmt::format("a species of {}: one of [{}]", model_->name(),
                                      detail::join(model_->species(), ", ")));
  return *i;
}

ODESYNTH_INLINE bound_sampler sampler::bind(std::uint64_t seed) const {
  validate();
  const std::size_t dims = dimensions();
  // Designs get their own seed stream, distinct from every trajectory's parameter stream.
  const std::uint64_t design_seed = splitmix64(seed ^ 0x64657369676e5f31ull);
  using kind = sampling_design::kind;
  namespace designs = detail::designs;
  designs::any_design d = designs::independent_design(std::max<std::size_t>(dims, 1));
  if (dims > 0) {
    switch (design_.type) {
      case kind::independent: d = designs::independent_design(dims); break;
      case kind::latin_hypercube: d = designs::latin_hypercube(dims, design_.n, design_seed); break;
      case kind::sobol: d = designs::sobol_design(dims, design_seed, design_.scramble); break;
      case kind::halton: d = designs::halton_design(dims, design_seed, design_.scramble); break;
      case kind::grid: {
        std::vector<std::size_t> levels;
        auto add = [&](const distribution& q) {
          if (fixed(q)) return;
          if (const auto* c = std::get_if<dist::choice>(&q); c && c->weights.empty())
            levels.push_back(c->values.size());
          else
            levels.push_back(design_.grid_levels);
        };
        for (const auto& q : parameters_)
          if (!q->scheduled) add(q->dist);
        for (const auto& q : initial_values_) add(q->dist);
        for (const auto& s : schedules_) {
          for (const auto& t : s.switch_times) add(t);
          for (const auto& v : s.values) add(v);
        }
        d = designs::grid_design(std::move(levels));
        break;
      }
    }
  }
  return bound_sampler(*this, seed, std::move(d), dims);
}

}  // namespace odesynth
