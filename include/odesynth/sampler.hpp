// odesynth/sampler.hpp - kinetic parameters and initial values for every trajectory.
//
//   odesynth::sampler s(sir{});
//   s.parameter("beta", odesynth::dist::log_uniform{0.1, 1.0},
//   odesynth::value_constraint::positive)
//    .parameter("gamma", 0.1)                                   // fixed
//    .initial_value("S", 990).initial_value("I", odesynth::dist::uniform{1, 20})
//    .initial_value("R", 0)
//    .design(odesynth::sampling_design::latin_hypercube(1000));
//   const auto bound = s.bind(seed);             // validates; once per dataset
//   odesynth::sample x = bound.draw(i, t0);      // trajectory i, any thread, any order
//
// Every random quantity (parameter, initial value, schedule switch time or value) is one
// dimension of the design; its value is the distribution's quantile at the design's
// coordinate, so a distribution means the same thing whichever design draws from it.
// Trajectory i's sample depends only on (seed, i), except under a Latin hypercube, which is a
// design over all n trajectories at once (point i depends on n).
//
// Declared constraints (positive, non-negative, non-zero) are enforced by re-drawing from the
// trajectory's own stream, at most max_redraws times; a distribution with less than 5% of its
// mass inside the constraint is rejected when the sampler is bound, before any work.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "designs.hpp"
#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "detail/text.hpp"
#include "distributions.hpp"
#include "error.hpp"
#include "model.hpp"
#include "parameter_schedule.hpp"
#include "random.hpp"

namespace odesynth {

/// What a sampled value must satisfy.
enum class value_constraint { none, positive, non_negative, non_zero };

constexpr std::string_view to_string(value_constraint c) noexcept {
  switch (c) {
    case value_constraint::none: return "none";
    case value_constraint::positive: return "positive";
    case value_constraint::non_negative: return "non_negative";
    case value_constraint::non_zero: return "non_zero";
  }
  return "unknown";
}

inline constexpr std::array<value_constraint, 4> all_value_constraints{
    value_constraint::none, value_constraint::positive, value_constraint::non_negative,
    value_constraint::non_zero};

/// One trajectory's draw, in the model's order.
struct sample {
  std::vector<double> parameters;     ///< the values in force at the start
  std::vector<double> initial_state;  ///< one per species
  parameter_schedule schedule;        ///< constant unless some parameter has a schedule
  bool has_schedule = false;
  /// Empty unless a drawn value was NaN or infinite (a quantile that overflowed at a design
  /// point further into a tail than validation checks, see distributions.hpp): then the first
  /// such quantity, e.g. `sampler.parameter["beta"]`, and its value. Such a sample is not
  /// solved: the generator makes it a trajectory with status invalid_sample.
  std::string non_finite_field;
  double non_finite_value = 0;
  bool finite() const noexcept { return non_finite_field.empty(); }
};

class bound_sampler;

class sampler {
 public:
  explicit sampler(std::shared_ptr<const model_description> model);
  template <class Model, class = std::enable_if_t<is_model_v<Model>>>
  explicit sampler(const Model& model) : sampler(odesynth::describe(model)) {}

  /// A random parameter.
  sampler& parameter(std::string_view name, distribution d,
                     value_constraint c = value_constraint::none);
  /// A fixed parameter.
  sampler& parameter(std::string_view name, double value);
  /// A random initial value of a species.
  sampler& initial_value(std::string_view species, distribution d,
                         value_constraint c = value_constraint::none);
  sampler& initial_value(std::string_view species, double value);
  /// A piecewise-constant parameter: values[0] until the first switch, values[k] from the
  /// k-th switch on. Switch times are random too (a constant for a fixed time) and are sorted
  /// after drawing; switches at or before the solve's start only select the starting value.
  sampler& schedule(std::string_view name, std::vector<distribution> switch_times,
                    std::vector<distribution> values, value_constraint c = value_constraint::none);
  sampler& design(sampling_design d);
  sampler& max_redraws(int attempts);

  const model_description& model() const noexcept { return *model_; }
  const std::shared_ptr<const model_description>& model_ptr() const noexcept { return model_; }
  const sampling_design& design() const noexcept { return design_; }
  int max_redraw_count() const noexcept { return max_redraws_; }

  /// The configuration as set, for provenance (provenance.hpp) and inspection.
  struct setting {
    std::string name;
    distribution dist;
    value_constraint constraint = value_constraint::none;
  };
  struct schedule_setting {
    std::string parameter;
    std::vector<distribution> switch_times, values;
    value_constraint constraint = value_constraint::none;
  };
  /// Parameters with a distribution or value (not scheduled ones), in model order.
  std::vector<setting> parameter_settings() const;
  /// Initial values that are set, in model order.
  std::vector<setting> initial_value_settings() const;
  std::vector<schedule_setting> schedule_settings() const;

  /// The random quantities, in design-dimension order: parameters, initial values, then each
  /// schedule's switch times and values.
  std::vector<std::string> dimension_names() const;
  std::size_t dimensions() const { return dimension_names().size(); }

  /// Throws invalid_argument for a parameter or species with neither a distribution nor a
  /// value, a constraint the distribution can hardly meet, or an incomplete design. Fields
  /// are `where` + ".parameter[\"beta\"]" and so on; the design's are "sampling_design.n"
  /// and "sampling_design.grid_levels" (the type the user set it with).
  void validate(std::string_view where = "sampler") const;

  /// Validates and fixes the seed; the result draws samples. Cheap to copy.
  bound_sampler bind(std::uint64_t seed) const;

  std::string describe() const;

 private:
  friend class bound_sampler;

  struct quantity {
    std::string name;
    distribution dist;
    value_constraint constraint = value_constraint::none;
    bool scheduled = false;
    bool fixed() const { return std::holds_alternative<dist::constant>(dist); }
  };
  struct schedule_spec {
    std::size_t parameter;
    std::vector<distribution> switch_times, values;
    value_constraint constraint;
  };

  static bool fixed(const distribution& d) { return std::holds_alternative<dist::constant>(d); }

  static std::string suffix(value_constraint c);

  static bool satisfies(double v, value_constraint c) noexcept;

  // A constraint met by less than 5% of the distribution would make re-drawing fail often
  // (0.95^1000 ~ 5e-23 per value is the failure rate at 5% and 1000 attempts). Checked with
  // quantiles: positive needs quantile(0.95) > 0, and so on.
  static void check_feasible(const quantity& q, const std::string& field);

  std::size_t parameter_index(std::string_view name) const;
  std::size_t species_index(std::string_view name) const;

  std::shared_ptr<const model_description> model_;
  std::vector<std::optional<quantity>> parameters_;
  std::vector<std::optional<quantity>> initial_values_;
  std::vector<schedule_spec> schedules_;
  sampling_design design_;
  int max_redraws_ = 1000;
};

/// A sampler with its seed and design fixed: draw(i) is pure and thread-safe.
class bound_sampler {
 public:
  /// Trajectory `index`'s sample; `start` is its solve's start time (switch times at or
  /// before it only select the starting values).
  sample draw(std::uint64_t index, double start) const { return redraw(index, start, 0); }

  /// A fresh, independent sample for trajectory `index` (attempt >= 1), for re-sampling after
  /// a failed solve: designs have one point per index, so re-draws are independent draws from
  /// a stream of their own per attempt.
  sample redraw(std::uint64_t index, double start, int attempt) const {
    sample out;
    draw_into(out, index, start, attempt);
    return out;
  }

  /// draw (attempt 0) or redraw (attempt >= 1) into `out`, reusing its vectors: the same
  /// values, and no allocation once `out` has held a sample of this sampler without a
  /// schedule (what the generator's workers do, one sample each).
  void draw_into(sample& out, std::uint64_t index, double start, int attempt) const;

  /// The sampler this was bound from (its configuration, for provenance).
  const sampler& settings() const noexcept { return spec_; }

 public:
  std::uint64_t seed() const noexcept { return seed_; }
  std::size_t dimensions() const noexcept { return dims_; }
  /// The number of trajectories the design is built for (Latin hypercube, grid), if any.
  std::optional<std::uint64_t> required_count() const;
  const sampler& spec() const noexcept { return spec_; }
  std::string describe() const;

 private:
  friend class sampler;
  bound_sampler(sampler spec, std::uint64_t seed, detail::designs::any_design design,
                std::size_t dims)
      : spec_(std::move(spec)), seed_(seed), design_(std::move(design)), dims_(dims) {}

  sampler spec_;
  std::uint64_t seed_;
  detail::designs::any_design design_;
  std::size_t dims_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::value_constraint>
    : odesynth::detail::enum_formatter<odesynth::value_constraint> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/sampler.ipp"
#endif
