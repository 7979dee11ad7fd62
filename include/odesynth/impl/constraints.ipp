// odesynth/impl/constraints.ipp - the non-template code of constraints.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>

#include "../constraints.hpp"

namespace odesynth {

ODESYNTH_INLINE constraint_set& constraint_set::non_negative() {
  return add_values(kind::non_negative, std::nullopt);
}

ODESYNTH_INLINE constraint_set& constraint_set::non_negative(std::vector<std::string> species) {
  return add_values(kind::non_negative, std::move(species));
}

ODESYNTH_INLINE constraint_set& constraint_set::within(double lo, double hi) {
  return add_within(std::nullopt, lo, hi);
}

ODESYNTH_INLINE constraint_set& constraint_set::within(std::vector<std::string> species, double lo,
                                                       double hi) {
  return add_within(std::move(species), lo, hi);
}

ODESYNTH_INLINE constraint_set& constraint_set::conserved_sum(std::vector<std::string> group,
                                                              double rel_tol,
                                                              std::optional<double> target) {
  const std::string field = "constraint_set.conserved_sum";
  require_names(field + ".group", group);
  if (!(std::isfinite(rel_tol) && rel_tol >= 0))
    detail::throw_invalid(field + ".rel_tol", rel_tol, "a finite relative tolerance >= 0");
  if (target && !std::isfinite(*target))
    detail::throw_invalid(field + ".target", *target, "a finite target sum");
  rule r;
  r.k = kind::conserved_sum;
  r.rel_tol = rel_tol;
  r.target = target;
  r.description =
      fmt::format("conserved_sum({} = {}, rel_tol={})", detail::join(group, " + "),
                  target ? fmt::format("{}", *target) : std::string("first row's sum"), rel_tol);
  r.species = std::move(group);
  rules_.push_back(std::move(r));
  return *this;
}

ODESYNTH_INLINE constraint_set& constraint_set::finite() {
  return add_values(kind::finite, std::nullopt);
}

ODESYNTH_INLINE constraint_set& constraint_set::finite(std::vector<std::string> species) {
  return add_values(kind::finite, std::move(species));
}

ODESYNTH_INLINE void constraint_set::validate(const std::vector<std::string>& columns,
                                              std::string_view where) const {
  for (const rule& r : rules_)
    for (const auto& name : r.species) (void)column_of(r, name, columns, where);
}

ODESYNTH_INLINE trajectory_constraint_report constraint_set::check(const trajectory& tr) const {
  trajectory_constraint_report report;
  report.rules.reserve(rules_.size());
  std::vector<Eigen::Index> columns;
  for (const rule& r : rules_) {
    resolve(r, tr.species(), columns);
    constraint_result result;
    result.rule = r.description;
    result.unit = r.k == kind::conserved_sum ? constraint_unit::rows : constraint_unit::values;
    if (r.k == kind::conserved_sum)
      count_sums(r, tr, columns, result);
    else
      count_values(r, tr, columns, result);
    report.rules.push_back(std::move(result));
  }
  return report;
}

ODESYNTH_INLINE std::size_t constraint_set::size() const noexcept { return rules_.size(); }

ODESYNTH_INLINE bool constraint_set::empty() const noexcept { return rules_.empty(); }

ODESYNTH_INLINE std::string constraint_set::describe() const {
  std::string out;
  for (const rule& r : rules_) out += (out.empty() ? "" : "; ") + r.description;
  return out.empty() ? "no constraints" : out;
}

ODESYNTH_INLINE std::string constraint_set::field_of(const rule& r, std::string_view where) {
  return fmt::format("{}.{}.{}", where, to_string(r.k),
                     r.k == kind::conserved_sum ? "group" : "species");
}

ODESYNTH_INLINE std::string constraint_set::species_text(const std::vector<std::string>& species) {
  return species.empty() ? std::string("all") : detail::join(species, ", ");
}

ODESYNTH_INLINE void constraint_set::require_names(const std::string& field,
                                                   const std::vector<std::string>& names) {
  detail::require_species_names(field, names, false);
}

ODESYNTH_INLINE constraint_set& constraint_set::add_values(
    kind k, std::optional<std::vector<std::string>> species) {
  if (species) require_names(fmt::format("constraint_set.{}.species", to_string(k)), *species);
  rule r;
  r.k = k;
  if (species) r.species = std::move(*species);
  r.description = fmt::format("{}({})", to_string(k), species_text(r.species));
  rules_.push_back(std::move(r));
  return *this;
}

ODESYNTH_INLINE constraint_set& constraint_set::add_within(
    std::optional<std::vector<std::string>> species, double lo, double hi) {
  if (species) require_names("constraint_set.within.species", *species);
  if (std::isnan(lo)) detail::throw_invalid("constraint_set.within.lo", lo, "a bound (not NaN)");
  if (std::isnan(hi)) detail::throw_invalid("constraint_set.within.hi", hi, "a bound (not NaN)");
  if (!(lo <= hi))
    detail::throw_invalid("constraint_set.within.hi", hi, fmt::format("hi >= lo = {}", lo));
  rule r;
  r.k = kind::within;
  r.lo = lo;
  r.hi = hi;
  if (species) r.species = std::move(*species);
  r.description = fmt::format("within({} in [{}, {}])", species_text(r.species), lo, hi);
  rules_.push_back(std::move(r));
  return *this;
}

ODESYNTH_INLINE Eigen::Index constraint_set::column_of(const rule& r, const std::string& name,
                                                       const std::vector<std::string>& columns,
                                                       std::string_view where) {
  return detail::column_of(field_of(r, where), name, columns);
}

ODESYNTH_INLINE void constraint_set::resolve(const rule& r, const std::vector<std::string>& columns,
                                             std::vector<Eigen::Index>& out) {
  out.clear();
  if (r.species.empty()) {
    for (std::size_t j = 0; j < columns.size(); ++j) out.push_back(static_cast<Eigen::Index>(j));
  } else {
    for (const auto& name : r.species) out.push_back(column_of(r, name, columns));
  }
}

ODESYNTH_INLINE bool constraint_set::satisfies(const rule& r, double v) noexcept {
  switch (r.k) {
    case kind::non_negative: return v >= 0;
    case kind::within: return v >= r.lo && v <= r.hi;
    case kind::finite: return std::isfinite(v);
    case kind::conserved_sum: break;
  }
  return true;
}

ODESYNTH_INLINE void constraint_set::count_values(const rule& r, const trajectory& tr,
                                                  const std::vector<Eigen::Index>& columns,
                                                  constraint_result& out) {
  const auto& values = tr.values();
  const auto& mask = tr.mask();
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    for (const Eigen::Index c : columns) {
      if (!mask(i, c)) continue;
      ++out.checked;
      if (!satisfies(r, values(i, c))) ++out.violations;
    }
}

ODESYNTH_INLINE void constraint_set::count_sums(const rule& r, const trajectory& tr,
                                                const std::vector<Eigen::Index>& columns,
                                                constraint_result& out) {
  std::optional<double> target = r.target;
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    double sum = 0;
    bool complete = true;
    for (const Eigen::Index c : columns) {
      complete = complete && tr.mask()(i, c);
      sum += tr.values()(i, c);
    }
    if (!complete) continue;
    if (!target) target = sum;
    ++out.checked;
    const bool ok = std::isfinite(sum) && std::isfinite(*target) &&
                    std::fabs(sum - *target) <= r.rel_tol * std::fabs(*target);
    if (!ok) ++out.violations;
  }
}

ODESYNTH_INLINE void dataset_constraint_report::add(const trajectory_constraint_report& r) {
  if (!adopt(r.rules.size(), [&](std::size_t k) { return same_rule(rules_[k], r.rules[k]); }))
    mismatch("dataset_constraint_report.add", r.rules.size());
  if (rules_.empty() && trajectories_ == 0)
    for (const auto& rule : r.rules) rules_.push_back({rule.rule, rule.unit, 0, 0, 0});
  for (std::size_t k = 0; k < rules_.size(); ++k) {
    rules_[k].checked += r.rules[k].checked;
    rules_[k].violations += r.rules[k].violations;
    rules_[k].trajectories_violating += r.rules[k].violations > 0 ? 1 : 0;
  }
  ++trajectories_;
  violating_ += r.any_violation() ? 1 : 0;
}

ODESYNTH_INLINE dataset_constraint_report& dataset_constraint_report::merge(
    const dataset_constraint_report& other) {
  if (other.rules_.empty() && other.trajectories_ == 0) return *this;  // e.g. an idle worker's
  if (!adopt(other.rules_.size(),
             [&](std::size_t k) { return same_rule(rules_[k], other.rules_[k]); }))
    mismatch("dataset_constraint_report.merge", other.rules_.size());
  if (rules_.empty() && trajectories_ == 0) {
    rules_ = other.rules_;
  } else {
    for (std::size_t k = 0; k < rules_.size(); ++k) {
      rules_[k].checked += other.rules_[k].checked;
      rules_[k].violations += other.rules_[k].violations;
      rules_[k].trajectories_violating += other.rules_[k].trajectories_violating;
    }
  }
  trajectories_ += other.trajectories_;
  violating_ += other.violating_;
  return *this;
}

ODESYNTH_INLINE std::uint64_t dataset_constraint_report::trajectories_checked() const noexcept {
  return trajectories_;
}

ODESYNTH_INLINE std::uint64_t dataset_constraint_report::trajectories_violating() const noexcept {
  return violating_;
}

ODESYNTH_INLINE double dataset_constraint_report::violating_fraction() const noexcept {
  return trajectories_ == 0 ? 0.0
                            : static_cast<double>(violating_) / static_cast<double>(trajectories_);
}

ODESYNTH_INLINE const std::vector<constraint_total>& dataset_constraint_report::rules()
    const noexcept {
  return rules_;
}

ODESYNTH_INLINE void dataset_constraint_report::mismatch(std::string_view field,
                                                         std::size_t count) const {
  std::vector<std::string_view> names;
  names.reserve(rules_.size());
  for (const auto& r : rules_) names.push_back(r.rule);
  detail::throw_invalid(
      field, fmt::format("a report with {} rules", count),
      fmt::format("a report of the same constraint_set (rules: [{}])", detail::join(names, "; ")));
}

ODESYNTH_INLINE bool trajectory_constraint_report::any_violation() const noexcept {
  for (const auto& r : rules)
    if (r.violations > 0) return true;
  return false;
}

ODESYNTH_INLINE std::uint64_t trajectory_constraint_report::violations() const noexcept {
  std::uint64_t n = 0;
  for (const auto& r : rules) n += r.violations;
  return n;
}

}  // namespace odesynth
