// odesynth/transforms/impl/postprocess.ipp - the non-template code of transforms/postprocess.hpp,
// compiled in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../postprocess.hpp"

namespace odesynth {

ODESYNTH_INLINE derive::derive(std::string name, std::vector<std::string> inputs, function_type f)
    : derive("derive", "derive.inputs", std::move(name), std::move(inputs), std::move(f), {}) {}

ODESYNTH_INLINE void derive::operator()(trajectory& tr, random_stream& /*s*/) const {
  const auto& columns = tr.species();
  require_new_name(columns);
  const auto input_columns = detail::post::columns_of(inputs_field_, inputs_, columns);
  std::vector<double> row(input_columns.size());
  Eigen::VectorXd out(tr.num_times());
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    bool observed = true;
    for (std::size_t k = 0; k < input_columns.size() && observed; ++k) {
      observed = tr.mask()(i, input_columns[k]);
      row[k] = tr.values()(i, input_columns[k]);
    }
    const double y = observed ? f_(row.data()) : std::numeric_limits<double>::quiet_NaN();
    // One NaN for every missing value: sqrt(-1) and friends give a negative NaN, which
    // files would show as "-nan".
    out[i] = std::isnan(y) ? std::numeric_limits<double>::quiet_NaN() : y;
  }
  auto names = std::make_shared<std::vector<std::string>>();
  names->reserve(columns.size() + 1);
  *names = columns;
  names->push_back(name_);
  tr.append_column(out, std::move(names));
}

ODESYNTH_INLINE trajectory_layout derive::layout_after(const trajectory_layout& in) const {
  require_new_name(in.species);
  (void)detail::post::columns_of(inputs_field_, inputs_, in.species);
  trajectory_layout out = in;
  out.species.push_back(name_);
  return out;
}

ODESYNTH_INLINE std::string derive::describe() const {
  if (!description_.empty()) return description_;
  return fmt::format("derive(name={}, inputs=[{}])", name_, detail::join(inputs_, ", "));
}

ODESYNTH_INLINE derive::derive(std::string where, std::string inputs_field, std::string name,
                               std::vector<std::string> inputs, function_type f,
                               std::string description)
    : where_(std::move(where)),
      inputs_field_(std::move(inputs_field)),
      name_(std::move(name)),
      inputs_(std::move(inputs)),
      f_(std::move(f)),
      description_(std::move(description)) {
  if (name_.empty()) detail::throw_invalid(where_ + ".name", "\"\"", "a non-empty column name");
  detail::require_species_names(inputs_field_, inputs_, false);
  if (!f_) detail::throw_invalid(where_ + ".f", "null", "a function");
}

ODESYNTH_INLINE void derive::require_new_name(const std::vector<std::string>& columns) const {
  if (detail::post::contains(columns, name_))
    detail::throw_invalid(where_ + ".name", fmt::format("\"{}\"", name_),
                          fmt::format("a name that is not already a column (columns: [{}])",
                                      detail::join(columns, ", ")));
}

ODESYNTH_INLINE detection_limit::detection_limit(per_species<double> lod, below_lod mode)
    : lod_(std::move(lod)), mode_(mode) {
  lod_.validate_values("detection_limit.lod", [](const std::string& field, double v) {
    if (!(std::isfinite(v) && v >= 0)) detail::throw_invalid(field, v, "a finite limit >= 0");
  });
  if (to_string(mode_) == "unknown")
    detail::throw_invalid("detection_limit.mode", static_cast<int>(mode_),
                          "missing, lod or half_lod");
}

ODESYNTH_INLINE void detection_limit::operator()(trajectory& tr, random_stream& /*s*/) const {
  detail::for_each_observed(tr, lod_, [&](Eigen::Index i, Eigen::Index c, double lod) {
    if (!(tr.values()(i, c) < lod)) return;
    switch (mode_) {
      case below_lod::missing: tr.set_missing(i, c); break;
      case below_lod::lod: tr.values()(i, c) = lod; break;
      case below_lod::half_lod: tr.values()(i, c) = 0.5 * lod; break;
    }
  });
}

ODESYNTH_INLINE trajectory_layout detection_limit::layout_after(const trajectory_layout& in) const {
  return detail::check_species(lod_, "detection_limit.lod", in);
}

ODESYNTH_INLINE std::string detection_limit::describe() const {
  return fmt::format("detection_limit(lod={}, below_lod={})", lod_.describe(), to_string(mode_));
}

ODESYNTH_INLINE quantize::quantize(per_species<double> step) : step_(std::move(step)) {
  step_.validate_values("quantize.step", [](const std::string& field, double v) {
    if (!(std::isfinite(v) && v > 0)) detail::throw_invalid(field, v, "a finite step > 0");
  });
}

ODESYNTH_INLINE void quantize::operator()(trajectory& tr, random_stream& /*s*/) const {
  auto& values = tr.values();
  detail::for_each_observed(tr, step_, [&values](Eigen::Index i, Eigen::Index c, double step) {
    // + 0.0 turns -0 into 0: "-0" in a file looks like
    // a sign that was measured.
    values(i, c) = std::round(values(i, c) / step) * step + 0.0;
  });
}

ODESYNTH_INLINE trajectory_layout quantize::layout_after(const trajectory_layout& in) const {
  return detail::check_species(step_, "quantize.step", in);
}

ODESYNTH_INLINE std::string quantize::describe() const {
  return fmt::format("quantize(step={})", step_.describe());
}

ODESYNTH_INLINE redraw_until_within::redraw_until_within(any_transform noise,
                                                         per_species<bounds> range,
                                                         int max_attempts, on_exhaustion policy)
    : noise_(std::move(noise)),
      range_(std::move(range)),
      max_attempts_(max_attempts),
      policy_(policy) {
  range_.validate_values("redraw_until_within.range", detail::post::require_bounds);
  if (max_attempts_ < 1)
    detail::throw_invalid("redraw_until_within.max_attempts", max_attempts_, "at least 1 attempt");
  if (to_string(policy_) == "unknown")
    detail::throw_invalid("redraw_until_within.policy", static_cast<int>(policy_),
                          "mark_missing, clip_to_range or throw_error");
}

ODESYNTH_INLINE void redraw_until_within::operator()(trajectory& tr, random_stream& s) const {
  const trajectory clean = tr;
  noise_(tr, s);
  require_same_shape(tr, clean);

  struct entry {
    Eigen::Index row, column;
    bounds range;
  };
  std::vector<entry> failing;
  detail::for_each_observed(tr, range_, [&](Eigen::Index i, Eigen::Index c, const bounds& b) {
    if (!b.contains(tr.values()(i, c))) failing.push_back({i, c, b});
  });

  int attempts = 1;
  trajectory trial;  // reused: same-size assignments keep its buffers
  while (!failing.empty() && attempts < max_attempts_) {
    trial = clean;
    noise_(trial, s);
    require_same_shape(trial, clean);
    ++attempts;
    std::size_t still = 0;
    for (std::size_t k = 0; k < failing.size(); ++k) {
      const entry e = failing[k];
      if (!trial.mask()(e.row, e.column)) {  // noise that also hides values hid this one
        tr.set_missing(e.row, e.column);
        continue;
      }
      const double v = trial.values()(e.row, e.column);
      tr.values()(e.row, e.column) = v;
      if (!e.range.contains(v)) failing[still++] = e;
    }
    failing.resize(still);
  }

  for (const entry& e : failing) {
    switch (policy_) {
      case on_exhaustion::mark_missing: tr.set_missing(e.row, e.column); break;
      case on_exhaustion::clip_to_range:
        tr.values()(e.row, e.column) = e.range.clamp(tr.values()(e.row, e.column));
        break;
      case on_exhaustion::throw_error:
        throw redraw_exhausted(tr.species()[static_cast<std::size_t>(e.column)], e.row,
                               tr.times()[e.row], tr.values()(e.row, e.column), e.range, attempts);
    }
  }
}

ODESYNTH_INLINE trajectory_layout
redraw_until_within::layout_after(const trajectory_layout& in) const {
  range_.validate(in.species, "redraw_until_within.range");
  trajectory_layout probe = in;
  probe.row_count_drawn = false;  // asks whether the noise itself may change the rows
  const trajectory_layout after = noise_.layout_after(probe);
  if (after.species != in.species || after.num_times != in.num_times || after.row_count_drawn)
    reject_noise();
  return in;
}

ODESYNTH_INLINE std::string redraw_until_within::describe() const {
  return fmt::format("redraw_until_within(noise={}, range={}, max_attempts={}, on_exhaustion={})",
                     noise_.describe(), range_.describe(), max_attempts_, to_string(policy_));
}

ODESYNTH_INLINE void redraw_until_within::reject_noise() const {
  detail::throw_invalid("redraw_until_within.noise", noise_.describe(),
                        "a noise transform that keeps the rows and columns");
}

ODESYNTH_INLINE void redraw_until_within::require_same_shape(const trajectory& noisy,
                                                             const trajectory& clean) const {
  if (noisy.num_times() != clean.num_times() || noisy.num_species() != clean.num_species() ||
      noisy.species() != clean.species())
    reject_noise();
}

ODESYNTH_INLINE redraw_exhausted::redraw_exhausted(std::string species, Eigen::Index row,
                                                   double time, double value, bounds range,
                                                   int attempts)
    : error(fmt::format("redraw_until_within: species \"{}\" at row {} (t = {}) is still "
                        "outside {} after {} attempts (last value {})",
                        species, row, time, range, attempts, value)),
      species_(std::move(species)),
      row_(row),
      time_(time),
      value_(value),
      range_(range),
      attempts_(attempts) {}

ODESYNTH_INLINE const std::string& redraw_exhausted::species() const noexcept { return species_; }

ODESYNTH_INLINE Eigen::Index redraw_exhausted::row() const noexcept { return row_; }

ODESYNTH_INLINE double redraw_exhausted::time() const noexcept { return time_; }

ODESYNTH_INLINE double redraw_exhausted::value() const noexcept { return value_; }

ODESYNTH_INLINE bounds redraw_exhausted::range() const noexcept { return range_; }

ODESYNTH_INLINE int redraw_exhausted::attempts() const noexcept { return attempts_; }

ODESYNTH_INLINE rescale_to_sum::rescale_to_sum(std::vector<std::string> group, double total)
    : rescale_to_sum(std::move(group), std::optional<double>(total)) {
  if (!std::isfinite(total)) detail::throw_invalid("rescale_to_sum.total", total, "a finite total");
}

ODESYNTH_INLINE rescale_to_sum rescale_to_sum::to_first_row_sum(std::vector<std::string> group) {
  return rescale_to_sum(std::move(group), std::nullopt);
}

ODESYNTH_INLINE void rescale_to_sum::operator()(trajectory& tr, random_stream& /*s*/) const {
  const auto columns = detail::post::columns_of("rescale_to_sum.group", group_, tr.species());
  std::optional<double> target = total_;
  auto& values = tr.values();
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    double sum = 0;
    if (!detail::post::row_sum(tr, i, columns, sum) || !std::isfinite(sum)) continue;
    if (!target) {
      target = sum;  // the reference row already has its own sum
      continue;
    }
    if (sum == 0) continue;
    const double factor = *target / sum;
    for (const Eigen::Index c : columns) values(i, c) *= factor;
  }
}

ODESYNTH_INLINE trajectory_layout rescale_to_sum::layout_after(const trajectory_layout& in) const {
  (void)detail::post::columns_of("rescale_to_sum.group", group_, in.species);
  return in;
}

ODESYNTH_INLINE std::string rescale_to_sum::describe() const {
  if (total_)
    return fmt::format("rescale_to_sum(group=[{}], total={})", detail::join(group_, ", "), *total_);
  return fmt::format("rescale_to_sum(group=[{}], total=first observed row's sum)",
                     detail::join(group_, ", "));
}

ODESYNTH_INLINE rescale_to_sum::rescale_to_sum(std::vector<std::string> group,
                                               std::optional<double> total)
    : group_(std::move(group)), total_(total) {
  detail::require_species_names("rescale_to_sum.group", group_, false);
}

ODESYNTH_INLINE clip::clip(per_species<bounds> range) : range_(std::move(range)) {
  range_.validate_values("clip.range", detail::post::require_bounds);
}

ODESYNTH_INLINE void clip::operator()(trajectory& tr, random_stream& /*s*/) const {
  auto& values = tr.values();
  detail::for_each_observed(tr, range_, [&values](Eigen::Index i, Eigen::Index c, const bounds& b) {
    values(i, c) = b.clamp(values(i, c));
  });
}

ODESYNTH_INLINE trajectory_layout clip::layout_after(const trajectory_layout& in) const {
  return detail::check_species(range_, "clip.range", in);
}

ODESYNTH_INLINE std::string clip::describe() const {
  return fmt::format("clip(range={})", range_.describe());
}

ODESYNTH_INLINE hide_species::hide_species(std::vector<std::string> hide) : hide_(std::move(hide)) {
  detail::require_species_names("hide_species.hide", hide_, true);
}

ODESYNTH_INLINE void hide_species::operator()(trajectory& tr, random_stream& /*s*/) const {
  std::vector<Eigen::Index> kept;
  auto names = std::make_shared<const std::vector<std::string>>(remaining(tr.species(), &kept));
  tr.keep_columns(kept, std::move(names));
}

ODESYNTH_INLINE trajectory_layout hide_species::layout_after(const trajectory_layout& in) const {
  trajectory_layout out = in;
  out.species = remaining(in.species, nullptr);
  return out;
}

ODESYNTH_INLINE std::string hide_species::describe() const {
  return fmt::format("hide_species(hide=[{}])", detail::join(hide_, ", "));
}

ODESYNTH_INLINE std::vector<std::string> hide_species::remaining(
    const std::vector<std::string>& columns, std::vector<Eigen::Index>* indices) const {
  for (const auto& name : hide_) (void)detail::column_of("hide_species.hide", name, columns);
  std::vector<std::string> names;
  names.reserve(columns.size());
  if (indices) indices->reserve(columns.size());
  for (std::size_t j = 0; j < columns.size(); ++j) {
    if (detail::post::contains(hide_, columns[j])) continue;
    names.push_back(columns[j]);
    if (indices) indices->push_back(static_cast<Eigen::Index>(j));
  }
  if (names.empty())
    detail::throw_invalid("hide_species.hide", fmt::format("[{}]", detail::join(hide_, ", ")),
                          "to leave at least one of the species");
  return names;
}

ODESYNTH_INLINE select_species::select_species(std::vector<std::string> keep)
    : keep_(std::make_shared<const std::vector<std::string>>(std::move(keep))) {
  detail::require_species_names("select_species.keep", *keep_, false);
}

ODESYNTH_INLINE void select_species::operator()(trajectory& tr, random_stream& /*s*/) const {
  // The names are immutable and shared by every trajectory (and thread) this produces.
  tr.keep_columns(detail::post::columns_of("select_species.keep", *keep_, tr.species()), keep_);
}

ODESYNTH_INLINE trajectory_layout select_species::layout_after(const trajectory_layout& in) const {
  (void)detail::post::columns_of("select_species.keep", *keep_, in.species);
  trajectory_layout out = in;
  out.species = *keep_;
  return out;
}

ODESYNTH_INLINE std::string select_species::describe() const {
  return fmt::format("select_species(keep=[{}])", detail::join(*keep_, ", "));
}

}  // namespace odesynth
