// odesynth/transforms/impl/noise.ipp - the non-template code of transforms/noise.hpp, compiled in
// every file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../noise.hpp"

namespace odesynth {

ODESYNTH_INLINE random_choice::random_choice(std::vector<any_transform> options,
                                             std::vector<double> weights)
    : options_(std::move(options)), weights_(std::move(weights)) {
  if (options_.empty())
    detail::throw_invalid("random_choice.options", "[]", "at least one transform");
  std::vector<double> indices(options_.size());
  for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<double>(i);
  picker_ = dist::choice{std::move(indices), weights_};
  picker_.validate("random_choice");
}

ODESYNTH_INLINE void random_choice::operator()(trajectory& tr, random_stream& s) const {
  options_[static_cast<std::size_t>(picker_.draw(s))](tr, s);
}

ODESYNTH_INLINE trajectory_layout random_choice::layout_after(const trajectory_layout& in) const {
  trajectory_layout out = options_.front().layout_after(in);
  const auto lowest = [](double a, double b) {
    return std::isnan(a) || std::isnan(b) ? std::numeric_limits<double>::quiet_NaN()
                                          : std::min(a, b);
  };
  const auto highest = [](double a, double b) {
    return std::isnan(a) || std::isnan(b) ? std::numeric_limits<double>::quiet_NaN()
                                          : std::max(a, b);
  };
  for (std::size_t i = 1; i < options_.size(); ++i) {
    const trajectory_layout other = options_[i].layout_after(in);
    if (other.species != out.species)
      detail::throw_invalid(fmt::format("random_choice.options[{}]", i), options_[i].describe(),
                            "options that all produce the same columns");
    out.row_count_drawn =
        out.row_count_drawn || other.row_count_drawn || other.num_times != out.num_times;
    out.num_times = std::max(out.num_times, other.num_times);
    out.first_time = lowest(out.first_time, other.first_time);
    out.last_time = highest(out.last_time, other.last_time);
  }
  return out;
}

ODESYNTH_INLINE std::string random_choice::describe() const {
  std::string out = "random_choice(";
  for (std::size_t i = 0; i < options_.size(); ++i) out += (i ? ", " : "") + options_[i].describe();
  if (!weights_.empty()) out += fmt::format("; weights=[{}]", detail::join(weights_, ", "));
  return out + ")";
}

ODESYNTH_INLINE column_specific::column_specific(
    std::vector<std::pair<std::string, any_transform>> by_species)
    : by_species_(std::move(by_species)) {
  for (std::size_t i = 0; i < by_species_.size(); ++i)
    for (std::size_t k = 0; k < i; ++k)
      if (by_species_[k].first == by_species_[i].first)
        detail::throw_invalid(fmt::format("column_specific[{}]", i),
                              fmt::format("\"{}\"", by_species_[i].first),
                              "each species at most once");
}

ODESYNTH_INLINE void column_specific::operator()(trajectory& tr, random_stream& s) const {
  for (const auto& [name, transform] : by_species_) {
    const auto j = tr.species_index(name);
    if (!j)
      throw invalid_argument("column_specific", name,
                             fmt::format("column_specific: no species \"{}\" in this "
                                         "trajectory (columns: {})",
                                         name, detail::join(tr.species(), ", ")));
    trajectory column(tr.times(), std::make_shared<const std::vector<std::string>>(
                                      std::vector<std::string>{name}));
    column.values().col(0) = tr.values().col(*j);
    column.mask().col(0) = tr.mask().col(*j);
    transform(column, s);
    if (column.num_times() != tr.num_times() || column.num_species() != 1)
      throw invalid_argument("column_specific", name,
                             fmt::format("column_specific: the transform for \"{}\" changed "
                                         "the rows or columns; only noise is allowed here",
                                         name));
    tr.values().col(*j) = column.values().col(0);
    tr.mask().col(*j) = column.mask().col(0);
  }
}

ODESYNTH_INLINE trajectory_layout column_specific::layout_after(const trajectory_layout& in) const {
  for (const auto& [name, transform] : by_species_) {
    (void)detail::column_of("column_specific", name, in.species);
    trajectory_layout one = in;
    one.species = {name};
    one.row_count_drawn = false;  // asks whether this transform itself may change the rows
    const auto out = transform.layout_after(one);
    if (out.species != one.species || out.num_times != one.num_times || out.row_count_drawn)
      detail::throw_invalid("column_specific", fmt::format("\"{}\"", name),
                            "a noise transform that keeps rows and columns");
  }
  return in;
}

ODESYNTH_INLINE std::string column_specific::describe() const {
  std::string out = "column_specific(";
  for (std::size_t i = 0; i < by_species_.size(); ++i)
    out += fmt::format("{}{}: {}", i ? ", " : "", by_species_[i].first,
                       by_species_[i].second.describe());
  return out + ")";
}

ODESYNTH_INLINE pull_to_mean::pull_to_mean(per_species<distribution> weight)
    : weight_(std::move(weight)) {
  weight_.validate_values("pull_to_mean.weight", [](const std::string& field,
                                                    const distribution& d) { validate(d, field); });
}

ODESYNTH_INLINE void pull_to_mean::operator()(trajectory& tr, random_stream& s) const {
  const auto columns = weight_.resolve(tr.species());
  auto& values = tr.values();
  const auto& mask = tr.mask();
  for (const auto& [j, weight] : columns) {
    const auto c = static_cast<Eigen::Index>(j);
    double sum = 0;
    Eigen::Index count = 0;
    for (Eigen::Index i = 0; i < values.rows(); ++i)
      if (mask(i, c)) {
        sum += values(i, c);
        ++count;
      }
    const double w = draw(weight, s);
    if (count == 0) continue;
    const double mean = sum / static_cast<double>(count);
    for (Eigen::Index i = 0; i < values.rows(); ++i)
      if (mask(i, c)) values(i, c) += w * (mean - values(i, c));
  }
}

ODESYNTH_INLINE trajectory_layout pull_to_mean::layout_after(const trajectory_layout& in) const {
  return detail::check_species(weight_, "pull_to_mean.weight", in);
}

ODESYNTH_INLINE std::string pull_to_mean::describe() const {
  return fmt::format("pull_to_mean(weight={})", weight_.describe());
}

ODESYNTH_INLINE elastic_noise::elastic_noise(per_species<double> sigma, profile shape, double rate)
    : sigma_(std::move(sigma)), profile_(shape), rate_(rate) {
  sigma_.validate_values("elastic_noise.sigma", detail::require_non_negative);
  if (!std::isfinite(rate_)) detail::throw_invalid("elastic_noise.rate", rate_, "a finite rate");
  if (profile_ == profile::linear && rate_ < -1)
    detail::throw_invalid("elastic_noise.rate", rate_,
                          "a rate >= -1 for a linear profile (the scale 1 + rate tau must stay "
                          ">= 0)");
}

ODESYNTH_INLINE void elastic_noise::operator()(trajectory& tr, random_stream& s) const {
  const auto columns = sigma_.resolve(tr.species());
  auto& values = tr.values();
  const auto& mask = tr.mask();
  const auto& times = tr.times();
  const Eigen::Index n = values.rows();
  const double span = n > 1 ? times[n - 1] - times[0] : 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double tau = span > 0 ? (times[i] - times[0]) / span : 0.0;
    const double g = profile_ == profile::linear ? 1 + rate_ * tau : std::exp(rate_ * tau);
    for (const auto& [j, sigma] : columns) {
      const auto c = static_cast<Eigen::Index>(j);
      if (mask(i, c)) values(i, c) += sigma * g * standard_normal(s);
    }
  }
}

ODESYNTH_INLINE trajectory_layout elastic_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(sigma_, "elastic_noise.sigma", in);
}

ODESYNTH_INLINE std::string elastic_noise::describe() const {
  // The name, not profile_: fmt's formatter for profile is declared after this class, and
  // C++20's compile-time format check needs it here.
  return fmt::format("elastic_noise(sigma={}, profile={}, rate={})", sigma_.describe(),
                     to_string(profile_), rate_);
}

ODESYNTH_INLINE multiplicative_noise::multiplicative_noise(per_species<distribution> factor)
    : factor_(std::move(factor)) {
  factor_.validate_values(
      "multiplicative_noise",
      [](const std::string& field, const distribution& d) { validate(d, field); });
}

ODESYNTH_INLINE void multiplicative_noise::operator()(trajectory& tr, random_stream& s) const {
  detail::for_each_observed_value(tr, factor_,
                                  [&s](double& y, const distribution& d) { y *= draw(d, s); });
}

ODESYNTH_INLINE trajectory_layout
multiplicative_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(factor_, "multiplicative_noise", in);
}

ODESYNTH_INLINE std::string multiplicative_noise::describe() const {
  return fmt::format("multiplicative_noise({})", factor_.describe());
}

ODESYNTH_INLINE additive_noise::additive_noise(per_species<distribution> noise)
    : noise_(std::move(noise)) {
  noise_.validate_values("additive_noise", [](const std::string& field, const distribution& d) {
    validate(d, field);
  });
}

ODESYNTH_INLINE void additive_noise::operator()(trajectory& tr, random_stream& s) const {
  detail::for_each_observed_value(tr, noise_,
                                  [&s](double& y, const distribution& d) { y += draw(d, s); });
}

ODESYNTH_INLINE trajectory_layout additive_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(noise_, "additive_noise", in);
}

ODESYNTH_INLINE std::string additive_noise::describe() const {
  return fmt::format("additive_noise({})", noise_.describe());
}

ODESYNTH_INLINE batch_scale::batch_scale(double sigma, bool shared)
    : sigma_(sigma), shared_(shared) {
  detail::require_non_negative("batch_scale.sigma", sigma_);
}

ODESYNTH_INLINE void batch_scale::operator()(trajectory& tr, random_stream& s) const {
  auto& values = tr.values();
  const auto& mask = tr.mask();
  double factor = shared_ ? std::exp(sigma_ * standard_normal(s)) : 1.0;
  for (Eigen::Index j = 0; j < values.cols(); ++j) {
    if (!shared_) factor = std::exp(sigma_ * standard_normal(s));
    for (Eigen::Index i = 0; i < values.rows(); ++i)
      if (mask(i, j)) values(i, j) *= factor;
  }
}

ODESYNTH_INLINE std::string batch_scale::describe() const {
  return fmt::format("batch_scale(sigma={}, shared={})", sigma_, shared_);
}

ODESYNTH_INLINE baseline_drift::baseline_drift(per_species<double> sigma)
    : sigma_(std::move(sigma)) {
  sigma_.validate_values("baseline_drift.sigma", detail::require_non_negative);
}

ODESYNTH_INLINE void baseline_drift::operator()(trajectory& tr, random_stream& s) const {
  const auto columns = sigma_.resolve(tr.species());
  auto& values = tr.values();
  const auto& mask = tr.mask();
  const auto& times = tr.times();
  for (const auto& [j, sigma] : columns) {
    const auto c = static_cast<Eigen::Index>(j);
    double drift = 0;
    for (Eigen::Index i = 0; i < values.rows(); ++i) {
      if (i > 0) drift += sigma * std::sqrt(times[i] - times[i - 1]) * standard_normal(s);
      if (mask(i, c)) values(i, c) += drift;
    }
  }
}

ODESYNTH_INLINE trajectory_layout baseline_drift::layout_after(const trajectory_layout& in) const {
  return detail::check_species(sigma_, "baseline_drift.sigma", in);
}

ODESYNTH_INLINE std::string baseline_drift::describe() const {
  return fmt::format("baseline_drift(sigma={})", sigma_.describe());
}

ODESYNTH_INLINE outlier_noise::outlier_noise(double probability, per_species<double> scale)
    : probability_(probability), scale_(std::move(scale)) {
  detail::require_probability_in_01("outlier_noise.probability", probability_);
  scale_.validate_values("outlier_noise.scale", detail::require_non_negative);
}

ODESYNTH_INLINE void outlier_noise::operator()(trajectory& tr, random_stream& s) const {
  detail::for_each_observed_value(tr, scale_, [&](double& y, double scale) {
    if (s.uniform01() < probability_) y += scale * standard_normal(s);
  });
}

ODESYNTH_INLINE trajectory_layout outlier_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(scale_, "outlier_noise.scale", in);
}

ODESYNTH_INLINE std::string outlier_noise::describe() const {
  return fmt::format("outlier_noise(probability={}, scale={})", probability_, scale_.describe());
}

ODESYNTH_INLINE student_t_noise::student_t_noise(double nu, per_species<double> scale)
    : nu_(nu), scale_(std::move(scale)) {
  if (!(std::isfinite(nu_) && nu_ > 0))
    detail::throw_invalid("student_t_noise.nu", nu_, "finite degrees of freedom > 0");
  scale_.validate_values("student_t_noise.scale", detail::require_non_negative);
}

ODESYNTH_INLINE void student_t_noise::operator()(trajectory& tr, random_stream& s) const {
  const dist::student_t t{nu_, 0, 1};
  detail::for_each_observed_value(tr, scale_,
                                  [&](double& y, double scale) { y += scale * t.draw(s); });
}

ODESYNTH_INLINE trajectory_layout student_t_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(scale_, "student_t_noise.scale", in);
}

ODESYNTH_INLINE std::string student_t_noise::describe() const {
  return fmt::format("student_t_noise(nu={}, scale={})", nu_, scale_.describe());
}

ODESYNTH_INLINE poisson_counts::poisson_counts(per_species<double> scale)
    : scale_(std::move(scale)) {
  scale_.validate_values("poisson_counts.scale", [](const std::string& field, double v) {
    if (!(std::isfinite(v) && v > 0)) detail::throw_invalid(field, v, "a finite scale > 0");
  });
}

ODESYNTH_INLINE void poisson_counts::operator()(trajectory& tr, random_stream& s) const {
  detail::for_each_observed_value(tr, scale_, [&s](double& y, double scale) {
    y = dist::poisson{std::max(y, 0.0) * scale}.draw(s) / scale;
  });
}

ODESYNTH_INLINE trajectory_layout poisson_counts::layout_after(const trajectory_layout& in) const {
  return detail::check_species(scale_, "poisson_counts.scale", in);
}

ODESYNTH_INLINE std::string poisson_counts::describe() const {
  return fmt::format("poisson_counts(scale={})", scale_.describe());
}

ODESYNTH_INLINE lognormal_noise::lognormal_noise(per_species<double> sigma)
    : sigma_(std::move(sigma)) {
  sigma_.validate_values("lognormal_noise.sigma", detail::require_non_negative);
}

ODESYNTH_INLINE void lognormal_noise::operator()(trajectory& tr, random_stream& s) const {
  detail::for_each_observed_value_with_normal(
      tr, sigma_, s, [](double& y, double sigma, double z) { y *= std::exp(sigma * z); });
}

ODESYNTH_INLINE trajectory_layout lognormal_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(sigma_, "lognormal_noise.sigma", in);
}

ODESYNTH_INLINE std::string lognormal_noise::describe() const {
  return fmt::format("lognormal_noise(sigma={})", sigma_.describe());
}

ODESYNTH_INLINE combined_noise::combined_noise(per_species<error_model> model)
    : model_(std::move(model)) {
  model_.validate_values("combined_noise", [](const std::string& field, const error_model& m) {
    detail::require_non_negative(field + ".a", m.a);
    detail::require_non_negative(field + ".b", m.b);
  });
}

ODESYNTH_INLINE combined_noise::combined_noise(double a, double b)
    : combined_noise(per_species<error_model>(error_model{a, b})) {}

ODESYNTH_INLINE void combined_noise::operator()(trajectory& tr, random_stream& s) const {
  detail::for_each_observed_value_with_normal(
      tr, model_, s,
      [](double& y, const error_model& m, double z) { y += (m.a + m.b * std::fabs(y)) * z; });
}

ODESYNTH_INLINE trajectory_layout combined_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(model_, "combined_noise", in);
}

ODESYNTH_INLINE std::string combined_noise::describe() const {
  return fmt::format("combined_noise({})", model_.describe());
}

ODESYNTH_INLINE proportional_noise::proportional_noise(per_species<double> rel_sigma)
    : rel_sigma_(std::move(rel_sigma)) {
  rel_sigma_.validate_values("proportional_noise.rel_sigma", detail::require_non_negative);
}

ODESYNTH_INLINE void proportional_noise::operator()(trajectory& tr, random_stream& s) const {
  detail::for_each_observed_value_with_normal(
      tr, rel_sigma_, s, [](double& y, double rel, double z) { y *= 1 + rel * z; });
}

ODESYNTH_INLINE trajectory_layout
proportional_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(rel_sigma_, "proportional_noise.rel_sigma", in);
}

ODESYNTH_INLINE std::string proportional_noise::describe() const {
  return fmt::format("proportional_noise(rel_sigma={})", rel_sigma_.describe());
}

ODESYNTH_INLINE gaussian_noise::gaussian_noise(per_species<double> sigma)
    : sigma_(std::move(sigma)) {
  sigma_.validate_values("gaussian_noise.sigma", detail::require_non_negative);
}

ODESYNTH_INLINE void gaussian_noise::operator()(trajectory& tr, random_stream& s) const {
  detail::for_each_observed_value_with_normal(
      tr, sigma_, s, [](double& y, double sigma, double z) { y += sigma * z; });
}

ODESYNTH_INLINE trajectory_layout gaussian_noise::layout_after(const trajectory_layout& in) const {
  return detail::check_species(sigma_, "gaussian_noise.sigma", in);
}

ODESYNTH_INLINE std::string gaussian_noise::describe() const {
  return fmt::format("gaussian_noise(sigma={})", sigma_.describe());
}

}  // namespace odesynth
