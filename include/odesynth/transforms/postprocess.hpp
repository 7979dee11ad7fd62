// odesynth/transforms/postprocess.hpp - what turns a noisy measurement into what an assay
// reports: only the observed species, values kept inside their physical range (clipped, or
// noise re-drawn until it lands there), a conserved total re-imposed, rounding to the assay's
// precision, limits of detection, and derived observables as new columns. Like every
// transform these act on observed values only (missing values stay missing, mask and NaN in
// step); only redraw_until_within draws from the stream, through the noise it wraps.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/config.hpp"
#include "../detail/enum_names.hpp"
#include "../detail/species_columns.hpp"
#include "../detail/text.hpp"
#include "../error.hpp"
#include "../per_species.hpp"
#include "../random.hpp"
#include "../trajectory.hpp"
#include "transform.hpp"

namespace odesynth {

/// The closed interval [lo, hi] a value must lie in; an infinite end leaves that side open.
struct bounds {
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();

  constexpr bool contains(double v) const noexcept { return v >= lo && v <= hi; }
  constexpr double clamp(double v) const noexcept { return v < lo ? lo : (v > hi ? hi : v); }
};

/// "[0, inf]": what "{}" prints.
inline std::string to_text(const bounds& b) { return fmt::format("[{}, {}]", b.lo, b.hi); }

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::bounds> : odesynth::detail::text_formatter<odesynth::bounds> {};

namespace odesynth {

namespace detail::post {

inline std::vector<Eigen::Index> columns_of(std::string_view field,
                                            const std::vector<std::string>& names,
                                            const std::vector<std::string>& columns) {
  std::vector<Eigen::Index> out;
  out.reserve(names.size());
  for (const auto& name : names) out.push_back(column_of(field, name, columns));
  return out;
}

inline bool contains(const std::vector<std::string>& names, const std::string& name) {
  for (const auto& n : names)
    if (n == name) return true;
  return false;
}

inline void require_bounds(const std::string& field, const bounds& b) {
  if (std::isnan(b.lo)) throw_invalid(field + ".lo", b.lo, "a lower bound (not NaN)");
  if (std::isnan(b.hi)) throw_invalid(field + ".hi", b.hi, "an upper bound (not NaN)");
  if (!(b.lo <= b.hi)) throw_invalid(field + ".hi", b.hi, fmt::format("hi >= lo = {}", b.lo));
}

/// True when every column in `columns` is observed in row i; their sum goes to `sum`.
inline bool row_sum(const trajectory& tr, Eigen::Index i, const std::vector<Eigen::Index>& columns,
                    double& sum) {
  sum = 0;
  for (const Eigen::Index c : columns) {
    if (!tr.mask()(i, c)) return false;
    sum += tr.values()(i, c);
  }
  return true;
}

}  // namespace detail::post

/// Keeps only the named columns, in the order given (so it can also reorder them): the
/// observed species, as SimbaML's `contained_in_output = False` hides the others.
class select_species {
 public:
  explicit select_species(std::vector<std::string> keep);
  void operator()(trajectory& tr, random_stream& /*s*/) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  trajectory::names_ptr keep_;
};

/// Drops the named columns; the others keep their order. At least one column must remain.
class hide_species {
 public:
  explicit hide_species(std::vector<std::string> hide);
  void operator()(trajectory& tr, random_stream& /*s*/) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  /// The names of the columns that stay (and, if asked, their indices), after checking that
  /// every hidden name is a column and that something is left.
  std::vector<std::string> remaining(const std::vector<std::string>& columns,
                                     std::vector<Eigen::Index>* indices) const;

  std::vector<std::string> hide_;
};

/// Clamps observed values into [lo, hi] per species.
class clip {
 public:
  explicit clip(per_species<bounds> range);
  void operator()(trajectory& tr, random_stream& /*s*/) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<bounds> range_;
};

/// Clamps every species' observed values to >= lo: clip_below(0) keeps concentrations
/// non-negative after additive noise.
inline clip clip_below(double lo) {
  if (std::isnan(lo)) detail::throw_invalid("clip_below.lo", lo, "a lower bound (not NaN)");
  return clip(bounds{lo, std::numeric_limits<double>::infinity()});
}

/// Rescales each row's values of a group of species proportionally so that they sum to a
/// target: a fixed total (SimbaML's fixed-sum constraint), or, with to_first_row_sum(), the
/// group's sum in the first row where all of it is observed (a conserved SIR population kept
/// conserved after noise). Rows with a missing group value, or whose sum is zero or not
/// finite, are left unchanged. Sums hit the target to rounding.
class rescale_to_sum {
 public:
  rescale_to_sum(std::vector<std::string> group, double total);
  static rescale_to_sum to_first_row_sum(std::vector<std::string> group);

  void operator()(trajectory& tr, random_stream& /*s*/) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  rescale_to_sum(std::vector<std::string> group, std::optional<double> total);

  std::vector<std::string> group_;
  std::optional<double> total_;  ///< nullopt: the first complete row's sum
};

/// What redraw_until_within does with a value still outside its range after max_attempts.
enum class on_exhaustion {
  mark_missing,   ///< the value becomes missing (the default: no value is invented)
  clip_to_range,  ///< the last attempt's value, clamped into the range
  throw_error,    ///< throw redraw_exhausted
};

constexpr std::string_view to_string(on_exhaustion p) noexcept {
  switch (p) {
    case on_exhaustion::mark_missing: return "mark_missing";
    case on_exhaustion::clip_to_range: return "clip_to_range";
    case on_exhaustion::throw_error: return "throw_error";
  }
  return "unknown";
}

/// Thrown by redraw_until_within with on_exhaustion::throw_error: names the species, the
/// row and how many noise draws were tried.
class redraw_exhausted : public error {
 public:
  redraw_exhausted(std::string species, Eigen::Index row, double time, double value, bounds range,
                   int attempts);

  const std::string& species() const noexcept;
  Eigen::Index row() const noexcept;
  double time() const noexcept;
  double value() const noexcept;  ///< the last attempt's value
  bounds range() const noexcept;
  int attempts() const noexcept;

 private:
  std::string species_;
  Eigen::Index row_;
  double time_;
  double value_;
  bounds range_;
  int attempts_;
};

/// Applies `noise` and re-draws every value that falls outside its species' range, up to
/// max_attempts draws in all; what then remains outside is handled by `policy`.
///
/// Every attempt applies the noise to a fresh copy of the CLEAN input and takes that
/// attempt's values for the entries still failing; values already inside stay as drawn.
/// (SimbaML re-draws on top of the already noisy value, which adds the noise twice and
/// biases the result.) For elementwise noise, whose draw for one value does not depend on
/// the others (gaussian, proportional, log-normal, Student-t, Poisson, outliers), this is
/// rejection sampling: each value follows the noise distribution restricted to the range,
/// exactly. Noise correlated across values (baseline_drift, batch_scale, pull_to_mean) gets
/// its values from different draws mixed, which breaks the correlation.
///
/// Each attempt runs the whole noise, so the draws taken from the stream depend on the data:
/// still reproducible for a given seed, but later stages see a shifted stream.
class redraw_until_within {
 public:
  redraw_until_within(any_transform noise, per_species<bounds> range, int max_attempts = 100,
                      on_exhaustion policy = on_exhaustion::mark_missing);

  void operator()(trajectory& tr, random_stream& s) const;

  trajectory_layout layout_after(const trajectory_layout& in) const;

  std::string describe() const;

 private:
  [[noreturn]] void reject_noise() const;
  void require_same_shape(const trajectory& noisy, const trajectory& clean) const;

  any_transform noise_;
  per_species<bounds> range_;
  int max_attempts_;
  on_exhaustion policy_;
};

/// Rounds observed values to the nearest multiple of a per-species step (halves away from
/// zero): an assay's reporting precision.
class quantize {
 public:
  explicit quantize(per_species<double> step);
  void operator()(trajectory& tr, random_stream& /*s*/) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<double> step_;
};

/// What detection_limit reports for a value below the limit of detection.
enum class below_lod {
  missing,   ///< not reported (the default)
  lod,       ///< the limit itself
  half_lod,  ///< half the limit, a common substitution in analysis
};

constexpr std::string_view to_string(below_lod m) noexcept {
  switch (m) {
    case below_lod::missing: return "missing";
    case below_lod::lod: return "lod";
    case below_lod::half_lod: return "half_lod";
  }
  return "unknown";
}

/// Values strictly below a per-species limit of detection (a finite concentration >= 0)
/// become missing, or the limit, or half of it.
class detection_limit {
 public:
  explicit detection_limit(per_species<double> lod, below_lod mode = below_lod::missing);
  void operator()(trajectory& tr, random_stream& /*s*/) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<double> lod_;
  below_lod mode_;
};

class derive;
derive sum_of(std::string name, std::vector<std::string> species);
derive log_of(std::string name, std::string species, double base);

/// Appends a derived observable as a new column `name`: f(inputs) per row, where f receives
/// the row's input values in the order the inputs are named. A missing input, or f
/// returning NaN, makes the derived value missing. f is called from every generator thread
/// at once, so it must not modify shared state.
class derive {
 public:
  using function_type = std::function<double(const double* inputs)>;

  derive(std::string name, std::vector<std::string> inputs, function_type f);

  void operator()(trajectory& tr, random_stream& /*s*/) const;

  trajectory_layout layout_after(const trajectory_layout& in) const;

  std::string describe() const;

 private:
  friend derive sum_of(std::string name, std::vector<std::string> species);
  friend derive log_of(std::string name, std::string species, double base);

  // `where` and `inputs_field` name the arguments the way the user wrote them (derive,
  // sum_of, log_of), so errors point at the call that was made.
  derive(std::string where, std::string inputs_field, std::string name,
         std::vector<std::string> inputs, function_type f, std::string description);

  void require_new_name(const std::vector<std::string>& columns) const;

  std::string where_;
  std::string inputs_field_;
  std::string name_;
  std::vector<std::string> inputs_;
  function_type f_;
  std::string description_;
};

/// A column `name` holding the sum of `species` (e.g. a total population or a measured
/// total of complex and free forms).
inline derive sum_of(std::string name, std::vector<std::string> species) {
  std::string description =
      fmt::format("sum_of(name={}, species=[{}])", name, detail::join(species, ", "));
  const std::size_t n = species.size();
  return derive(
      "sum_of", "sum_of.species", std::move(name), std::move(species),
      [n](const double* x) {
        double sum = 0;
        for (std::size_t k = 0; k < n; ++k) sum += x[k];
        return sum;
      },
      std::move(description));
}

/// A column `name` holding log_base(species) (base finite, > 0 and != 1); the log of a
/// value <= 0 is missing. Bases 2, e and 10 use std::log2, std::log and std::log10, so
/// powers of the base give exact integers.
inline derive log_of(std::string name, std::string species, double base) {
  if (!(std::isfinite(base) && base > 0 && base != 1))
    detail::throw_invalid("log_of.base", base, "a finite base > 0 and != 1");
  std::string description =
      fmt::format("log_of(name={}, species={}, base={})", name, species, base);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  derive::function_type f;
  if (base == 10) {
    f = [nan](const double* x) { return x[0] > 0 ? std::log10(x[0]) : nan; };
  } else if (base == 2) {
    f = [nan](const double* x) { return x[0] > 0 ? std::log2(x[0]) : nan; };
  } else if (base == std::exp(1.0)) {
    f = [nan](const double* x) { return x[0] > 0 ? std::log(x[0]) : nan; };
  } else {
    const double log_base = std::log(base);
    f = [nan, log_base](const double* x) { return x[0] > 0 ? std::log(x[0]) / log_base : nan; };
  }
  return derive("log_of", "log_of.species", std::move(name), {std::move(species)}, std::move(f),
                std::move(description));
}

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::on_exhaustion>
    : odesynth::detail::enum_formatter<odesynth::on_exhaustion> {};
template <>
struct fmt::formatter<odesynth::below_lod> : odesynth::detail::enum_formatter<odesynth::below_lod> {
};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/postprocess.ipp"
#endif
