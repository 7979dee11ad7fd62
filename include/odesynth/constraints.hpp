// odesynth/constraints.hpp - how many generated values break the rules of their domain:
// negative concentrations, values outside a physical range, a conserved total that drifted,
// infinities. Published work on synthetic clinical data found constraint violations in up to
// 61% of generated records without post-processing; a synthetic dataset is only as usable as
// that number is low, so users must be able to see it for their own data. A constraint_set
// counts violations per trajectory; a dataset_constraint_report adds the counts up (and merges
// partial reports from parallel workers) into the fraction of trajectories that violate any.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "detail/species_columns.hpp"
#include "detail/text.hpp"
#include "error.hpp"
#include "trajectory.hpp"

namespace odesynth {

/// What a rule counts: single observed values, or rows (for rules on a sum over species).
enum class constraint_unit { values, rows };

constexpr std::string_view to_string(constraint_unit u) noexcept {
  switch (u) {
    case constraint_unit::values: return "values";
    case constraint_unit::rows: return "rows";
  }
  return "unknown";
}

/// One rule's counts on one trajectory.
struct constraint_result {
  std::string rule;  ///< the rule's description, e.g. "non_negative(all)"
  constraint_unit unit = constraint_unit::values;
  std::uint64_t checked = 0;     ///< observed values (or complete rows) the rule looked at
  std::uint64_t violations = 0;  ///< of those, how many break it
};

/// Every rule's counts on one trajectory, in the order the rules were declared.
struct trajectory_constraint_report {
  std::vector<constraint_result> rules;

  bool any_violation() const noexcept;
  std::uint64_t violations() const noexcept;
};

/// One rule's counts summed over trajectories.
struct constraint_total {
  std::string rule;
  constraint_unit unit = constraint_unit::values;
  std::uint64_t checked = 0;
  std::uint64_t violations = 0;
  std::uint64_t trajectories_violating = 0;  ///< trajectories with at least one violation
};

/// Counts over a dataset. Add trajectory reports, or merge reports built from disjoint parts
/// of the dataset (one per worker): counts only add, so the order does not matter. All
/// reports combined must come from the same constraint_set (same rules, same order).
class dataset_constraint_report {
 public:
  void add(const trajectory_constraint_report& r);

  dataset_constraint_report& merge(const dataset_constraint_report& other);

  std::uint64_t trajectories_checked() const noexcept;
  /// Trajectories with at least one violation of any rule.
  std::uint64_t trajectories_violating() const noexcept;
  /// trajectories_violating() / trajectories_checked(); 0 when nothing was checked.
  double violating_fraction() const noexcept;
  const std::vector<constraint_total>& rules() const noexcept;

 private:
  template <class Same>
  bool adopt(std::size_t count, Same same) const {
    if (rules_.empty() && trajectories_ == 0) return true;  // nothing yet: take the other's rules
    if (count != rules_.size()) return false;
    for (std::size_t k = 0; k < count; ++k)
      if (!same(k)) return false;
    return true;
  }
  template <class Rule>
  static bool same_rule(const constraint_total& a, const Rule& b) {
    return a.rule == b.rule && a.unit == b.unit;
  }
  [[noreturn]] void mismatch(std::string_view field, std::size_t count) const;

  std::vector<constraint_total> rules_;
  std::uint64_t trajectories_ = 0;
  std::uint64_t violating_ = 0;
};

/// The rules a dataset must satisfy, declared fluently:
///
///   const auto rules = odesynth::constraint_set()
///                          .non_negative()                       // every species
///                          .within({"fraction_bound"}, 0, 1)
///                          .conserved_sum({"S", "I", "R"}, 1e-6)  // at the first row's sum
///                          .finite();
///
/// Only observed values are checked: a missing value breaks no rule.
class constraint_set {
 public:
  /// Observed values >= 0, for every species or the named ones.
  constraint_set& non_negative();
  constraint_set& non_negative(std::vector<std::string> species);

  /// Observed values in [lo, hi] (lo <= hi, neither NaN; infinite ends are open-ended).
  constraint_set& within(double lo, double hi);
  constraint_set& within(std::vector<std::string> species, double lo, double hi);

  /// In every row where all of `group` is observed, its sum is within rel_tol * |target| of
  /// `target`; by default the target is the sum in the first such row. Counted in rows. A
  /// non-finite sum is a violation; with a target of 0 any non-zero sum is.
  constraint_set& conserved_sum(std::vector<std::string> group, double rel_tol,
                                std::optional<double> target = std::nullopt);

  /// Observed values are finite (not +-inf; NaN is a missing value, which is no violation).
  constraint_set& finite();
  constraint_set& finite(std::vector<std::string> species);

  /// Throws invalid_argument for a species name that is not one of `columns` (listing them),
  /// naming the rule's field, e.g. `where` + ".within.species".
  void validate(const std::vector<std::string>& columns,
                std::string_view where = "constraint_set") const;

  /// Counts, for every rule, the values (or rows) checked and those that break it.
  trajectory_constraint_report check(const trajectory& tr) const;

  std::size_t size() const noexcept;
  bool empty() const noexcept;

  /// "non_negative(all); conserved_sum(S + I + R = first row's sum, rel_tol=1e-06)"
  std::string describe() const;

 private:
  enum class kind { non_negative, within, conserved_sum, finite };
  struct rule {
    kind k = kind::non_negative;
    std::vector<std::string> species;  ///< empty: every column
    double lo = 0, hi = 0;
    double rel_tol = 0;
    std::optional<double> target;
    std::string description;
  };

  friend constexpr std::string_view to_string(kind k) noexcept {
    switch (k) {
      case kind::non_negative: return "non_negative";
      case kind::within: return "within";
      case kind::conserved_sum: return "conserved_sum";
      case kind::finite: return "finite";
    }
    return "unknown";
  }
  static std::string field_of(const rule& r, std::string_view where);
  static std::string species_text(const std::vector<std::string>& species);

  // An empty list from the user is refused rather than read as "all": the overload without
  // a list says "all" explicitly.
  static void require_names(const std::string& field, const std::vector<std::string>& names);

  /// `species`: the named columns, or nullopt for every column.
  constraint_set& add_values(kind k, std::optional<std::vector<std::string>> species);

  constraint_set& add_within(std::optional<std::vector<std::string>> species, double lo, double hi);

  static Eigen::Index column_of(const rule& r, const std::string& name,
                                const std::vector<std::string>& columns,
                                std::string_view where = "constraint_set");

  static void resolve(const rule& r, const std::vector<std::string>& columns,
                      std::vector<Eigen::Index>& out);

  static bool satisfies(const rule& r, double v) noexcept;

  static void count_values(const rule& r, const trajectory& tr,
                           const std::vector<Eigen::Index>& columns, constraint_result& out);

  static void count_sums(const rule& r, const trajectory& tr,
                         const std::vector<Eigen::Index>& columns, constraint_result& out);

  std::vector<rule> rules_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::constraint_unit>
    : odesynth::detail::enum_formatter<odesynth::constraint_unit> {};

/// "constraint check: 1 of 2 rules violated\n  non_negative(all): 3 of 40 values violate\n..."
template <>
struct fmt::formatter<odesynth::trajectory_constraint_report> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::trajectory_constraint_report& r, FormatContext& ctx) const {
    std::size_t violated = 0;
    for (const auto& rule : r.rules) violated += rule.violations > 0 ? 1 : 0;
    std::string text = r.rules.empty() ? std::string("constraint check: no rules")
                                       : fmt::format("constraint check: {} of {} rules violated",
                                                     violated, r.rules.size());
    for (const auto& rule : r.rules)
      text += fmt::format("\n  {}: {} of {} {} violate", rule.rule, rule.violations, rule.checked,
                          rule.unit);
    return odesynth::detail::copy_text(text, ctx);
  }
};

/// "constraint check of 100 trajectories: 61 (61%) violate at least one rule\n
///    non_negative(all): 120 of 4000 values (3%) violate, in 40 trajectories\n..."
template <>
struct fmt::formatter<odesynth::dataset_constraint_report> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::dataset_constraint_report& r, FormatContext& ctx) const {
    std::string text = fmt::format("constraint check of {} trajectories", r.trajectories_checked());
    if (r.trajectories_checked() > 0)
      text += fmt::format(": {} ({:.3g}%) violate at least one rule", r.trajectories_violating(),
                          100 * r.violating_fraction());
    for (const auto& rule : r.rules()) {
      const double share = rule.checked == 0 ? 0.0
                                             : 100 * static_cast<double>(rule.violations) /
                                                   static_cast<double>(rule.checked);
      text +=
          fmt::format("\n  {}: {} of {} {} ({:.3g}%) violate, in {} trajectories", rule.rule,
                      rule.violations, rule.checked, rule.unit, share, rule.trajectories_violating);
    }
    return odesynth::detail::copy_text(text, ctx);
  }
};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/constraints.ipp"
#endif
