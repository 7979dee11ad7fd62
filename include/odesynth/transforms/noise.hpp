// odesynth/transforms/noise.hpp - measurement noise: what turns a clean solution into
// something that looks measured.
//
// Every noise acts on observed values only (missing values stay missing) and draws from the
// trajectory's stream in row-major order over the entries it touches, so the same stream
// gives the same bits. Settings are per_species: one value for all species, by name, or by
// position. Parity with SimbaML's noisers is the floor; the additions are the measurement
// error models parameter-estimation tools use (combined a + b|y|, log-normal, Poisson counts,
// heavy tails, outliers, drift, batch effects). Unlike SimbaML's elastic and multi noisers,
// every transform here is seeded.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../detail/enum_names.hpp"
#include "../detail/species_columns.hpp"
#include "../detail/text.hpp"
#include "../distributions.hpp"
#include "../error.hpp"
#include "../per_species.hpp"
#include "../random.hpp"
#include "../trajectory.hpp"
#include "transform.hpp"

namespace odesynth {

namespace detail {

inline void require_non_negative(const std::string& field, double v) {
  if (!(std::isfinite(v) && v >= 0)) throw_invalid(field, v, "a finite value >= 0");
}

}  // namespace detail

/// y + sigma * N(0, 1): additive Gaussian noise with a per-species standard deviation.
class gaussian_noise {
 public:
  explicit gaussian_noise(per_species<double> sigma) : sigma_(std::move(sigma)) {
    sigma_.validate_values("gaussian_noise.sigma", detail::require_non_negative);
  }
  void operator()(trajectory& tr, random_stream& s) const {
    detail::for_each_observed_value(
        tr, sigma_, [&s](double& y, double sigma) { y += sigma * standard_normal(s); });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(sigma_, "gaussian_noise.sigma", in);
  }
  std::string describe() const {
    return fmt::format("gaussian_noise(sigma={})", sigma_.describe());
  }

 private:
  per_species<double> sigma_;
};

/// y (1 + rel_sigma N(0, 1)): proportional (multiplicative) Gaussian noise.
class proportional_noise {
 public:
  explicit proportional_noise(per_species<double> rel_sigma) : rel_sigma_(std::move(rel_sigma)) {
    rel_sigma_.validate_values("proportional_noise.rel_sigma", detail::require_non_negative);
  }
  void operator()(trajectory& tr, random_stream& s) const {
    detail::for_each_observed_value(
        tr, rel_sigma_, [&s](double& y, double rel) { y *= 1 + rel * standard_normal(s); });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(rel_sigma_, "proportional_noise.rel_sigma", in);
  }
  std::string describe() const {
    return fmt::format("proportional_noise(rel_sigma={})", rel_sigma_.describe());
  }

 private:
  per_species<double> rel_sigma_;
};

/// The standard deviation a + b |y| of combined_noise.
struct combined_error_model {
  double a = 0;  ///< absolute part
  double b = 0;  ///< relative part
};

/// "a=0.1 b=0.05": what "{}" prints.
inline std::string to_text(const combined_error_model& m) {
  return fmt::format("a={} b={}", m.a, m.b);
}

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::combined_error_model>
    : odesynth::detail::text_formatter<odesynth::combined_error_model> {};

namespace odesynth {

/// y + (a + b |y|) N(0, 1): the combined additive-plus-proportional error model of
/// parameter-estimation tools (sigma_i = a + b |y_i|).
class combined_noise {
 public:
  using error_model = combined_error_model;
  explicit combined_noise(per_species<error_model> model) : model_(std::move(model)) {
    model_.validate_values("combined_noise", [](const std::string& field, const error_model& m) {
      detail::require_non_negative(field + ".a", m.a);
      detail::require_non_negative(field + ".b", m.b);
    });
  }
  combined_noise(double a, double b)
      : combined_noise(per_species<error_model>(error_model{a, b})) {}
  void operator()(trajectory& tr, random_stream& s) const {
    detail::for_each_observed_value(tr, model_, [&s](double& y, const error_model& m) {
      y += (m.a + m.b * std::fabs(y)) * standard_normal(s);
    });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(model_, "combined_noise", in);
  }
  std::string describe() const { return fmt::format("combined_noise({})", model_.describe()); }

 private:
  per_species<error_model> model_;
};

/// y exp(sigma N(0, 1)): log-normal multiplicative noise (the median is y; the mean is
/// y exp(sigma^2 / 2)). Keeps the sign of y, so positive data stay positive.
class lognormal_noise {
 public:
  explicit lognormal_noise(per_species<double> sigma) : sigma_(std::move(sigma)) {
    sigma_.validate_values("lognormal_noise.sigma", detail::require_non_negative);
  }
  void operator()(trajectory& tr, random_stream& s) const {
    detail::for_each_observed_value(
        tr, sigma_, [&s](double& y, double sigma) { y *= std::exp(sigma * standard_normal(s)); });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(sigma_, "lognormal_noise.sigma", in);
  }
  std::string describe() const {
    return fmt::format("lognormal_noise(sigma={})", sigma_.describe());
  }

 private:
  per_species<double> sigma_;
};

/// Poisson counts with mean scale * y, reported in y's units (count / scale): scale is the
/// number of counts per unit of y (scale = 1: the values are the counts). Negative y count as 0.
class poisson_counts {
 public:
  explicit poisson_counts(per_species<double> scale = 1.0) : scale_(std::move(scale)) {
    scale_.validate_values("poisson_counts.scale", [](const std::string& field, double v) {
      if (!(std::isfinite(v) && v > 0)) detail::throw_invalid(field, v, "a finite scale > 0");
    });
  }
  void operator()(trajectory& tr, random_stream& s) const {
    detail::for_each_observed_value(tr, scale_, [&s](double& y, double scale) {
      y = dist::poisson{std::max(y, 0.0) * scale}.draw(s) / scale;
    });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(scale_, "poisson_counts.scale", in);
  }
  std::string describe() const {
    return fmt::format("poisson_counts(scale={})", scale_.describe());
  }

 private:
  per_species<double> scale_;
};

/// y + scale t_nu: heavy-tailed (Student-t) additive noise.
class student_t_noise {
 public:
  student_t_noise(double nu, per_species<double> scale) : nu_(nu), scale_(std::move(scale)) {
    if (!(std::isfinite(nu_) && nu_ > 0))
      detail::throw_invalid("student_t_noise.nu", nu_, "finite degrees of freedom > 0");
    scale_.validate_values("student_t_noise.scale", detail::require_non_negative);
  }
  void operator()(trajectory& tr, random_stream& s) const {
    const dist::student_t t{nu_, 0, 1};
    detail::for_each_observed_value(tr, scale_,
                                    [&](double& y, double scale) { y += scale * t.draw(s); });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(scale_, "student_t_noise.scale", in);
  }
  std::string describe() const {
    return fmt::format("student_t_noise(nu={}, scale={})", nu_, scale_.describe());
  }

 private:
  double nu_;
  per_species<double> scale_;
};

/// Sparse outliers: each value, with probability p, gets an extra N(0, scale^2) error.
class outlier_noise {
 public:
  outlier_noise(double probability, per_species<double> scale)
      : probability_(probability), scale_(std::move(scale)) {
    detail::require_probability_in_01("outlier_noise.probability", probability_);
    scale_.validate_values("outlier_noise.scale", detail::require_non_negative);
  }
  void operator()(trajectory& tr, random_stream& s) const {
    detail::for_each_observed_value(tr, scale_, [&](double& y, double scale) {
      if (s.uniform01() < probability_) y += scale * standard_normal(s);
    });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(scale_, "outlier_noise.scale", in);
  }
  std::string describe() const {
    return fmt::format("outlier_noise(probability={}, scale={})", probability_, scale_.describe());
  }

 private:
  double probability_;
  per_species<double> scale_;
};

/// A slow baseline drift: y(t) + d(t), d a Brownian motion started at 0 at the first time,
/// with d(t_k) - d(t_{k-1}) ~ N(0, sigma^2 (t_k - t_{k-1})) (irregular grids are fine).
class baseline_drift {
 public:
  explicit baseline_drift(per_species<double> sigma) : sigma_(std::move(sigma)) {
    sigma_.validate_values("baseline_drift.sigma", detail::require_non_negative);
  }
  void operator()(trajectory& tr, random_stream& s) const {
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
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(sigma_, "baseline_drift.sigma", in);
  }
  std::string describe() const {
    return fmt::format("baseline_drift(sigma={})", sigma_.describe());
  }

 private:
  per_species<double> sigma_;
};

/// A per-trajectory random scale factor exp(N(0, sigma^2)) (a batch effect): one factor for
/// all the species it covers (`shared`), or one per species.
class batch_scale {
 public:
  explicit batch_scale(double sigma, bool shared = true) : sigma_(sigma), shared_(shared) {
    detail::require_non_negative("batch_scale.sigma", sigma_);
  }
  void operator()(trajectory& tr, random_stream& s) const {
    auto& values = tr.values();
    const auto& mask = tr.mask();
    double factor = shared_ ? std::exp(sigma_ * standard_normal(s)) : 1.0;
    for (Eigen::Index j = 0; j < values.cols(); ++j) {
      if (!shared_) factor = std::exp(sigma_ * standard_normal(s));
      for (Eigen::Index i = 0; i < values.rows(); ++i)
        if (mask(i, j)) values(i, j) *= factor;
    }
  }
  std::string describe() const {
    return fmt::format("batch_scale(sigma={}, shared={})", sigma_, shared_);
  }

 private:
  double sigma_;
  bool shared_;
};

/// y + e, e drawn from any distribution (SimbaML's additive noiser with any distribution).
class additive_noise {
 public:
  explicit additive_noise(per_species<distribution> noise) : noise_(std::move(noise)) {
    noise_.validate_values("additive_noise", [](const std::string& field, const distribution& d) {
      validate(d, field);
    });
  }
  void operator()(trajectory& tr, random_stream& s) const {
    detail::for_each_observed_value(tr, noise_,
                                    [&s](double& y, const distribution& d) { y += draw(d, s); });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(noise_, "additive_noise", in);
  }
  std::string describe() const { return fmt::format("additive_noise({})", noise_.describe()); }

 private:
  per_species<distribution> noise_;
};

/// y * f, f drawn from any distribution (SimbaML's multiplicative noiser).
class multiplicative_noise {
 public:
  explicit multiplicative_noise(per_species<distribution> factor) : factor_(std::move(factor)) {
    factor_.validate_values(
        "multiplicative_noise",
        [](const std::string& field, const distribution& d) { validate(d, field); });
  }
  void operator()(trajectory& tr, random_stream& s) const {
    detail::for_each_observed_value(tr, factor_,
                                    [&s](double& y, const distribution& d) { y *= draw(d, s); });
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(factor_, "multiplicative_noise", in);
  }
  std::string describe() const {
    return fmt::format("multiplicative_noise({})", factor_.describe());
  }

 private:
  per_species<distribution> factor_;
};

/// Noise whose scale changes along the series (SimbaML's elastic noiser): y + sigma g(tau) N(0,1)
/// with tau = (t - t_first) / (t_last - t_first) in [0, 1] and g(tau) = 1 + rate tau (linear,
/// rate >= -1 so g stays >= 0) or exp(rate tau) (exponential). rate > 0 grows, < 0 shrinks.
class elastic_noise {
 public:
  enum class profile { linear, exponential };

  friend constexpr std::string_view to_string(profile p) noexcept {
    switch (p) {
      case profile::linear: return "linear";
      case profile::exponential: return "exponential";
    }
    return "unknown";
  }

  elastic_noise(per_species<double> sigma, profile shape, double rate)
      : sigma_(std::move(sigma)), profile_(shape), rate_(rate) {
    sigma_.validate_values("elastic_noise.sigma", detail::require_non_negative);
    if (!std::isfinite(rate_)) detail::throw_invalid("elastic_noise.rate", rate_, "a finite rate");
    if (profile_ == profile::linear && rate_ < -1)
      detail::throw_invalid("elastic_noise.rate", rate_,
                            "a rate >= -1 for a linear profile (the scale 1 + rate tau must stay "
                            ">= 0)");
  }
  void operator()(trajectory& tr, random_stream& s) const {
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
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(sigma_, "elastic_noise.sigma", in);
  }
  std::string describe() const {
    // The name, not profile_: fmt's formatter for profile is declared after this class, and
    // C++20's compile-time format check needs it here.
    return fmt::format("elastic_noise(sigma={}, profile={}, rate={})", sigma_.describe(),
                       to_string(profile_), rate_);
  }

 private:
  per_species<double> sigma_;
  profile profile_;
  double rate_;
};

/// Pulls each value toward its species' mean over the trajectory by a random weight w drawn
/// once per species and trajectory: y + w (mean - y) (SimbaML's adjusting-mean noiser).
/// w = 0 leaves the series as it is, w = 1 flattens it to its mean.
class pull_to_mean {
 public:
  explicit pull_to_mean(per_species<distribution> weight) : weight_(std::move(weight)) {
    weight_.validate_values(
        "pull_to_mean.weight",
        [](const std::string& field, const distribution& d) { validate(d, field); });
  }
  void operator()(trajectory& tr, random_stream& s) const {
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
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return detail::check_species(weight_, "pull_to_mean.weight", in);
  }
  std::string describe() const {
    return fmt::format("pull_to_mean(weight={})", weight_.describe());
  }

 private:
  per_species<distribution> weight_;
};

/// A different transform for each named species (SimbaML's column noiser): each runs on a
/// one-column view of its species, in the order given, from the same stream.
class column_specific {
 public:
  column_specific(std::initializer_list<std::pair<std::string, any_transform>> by_species)
      : by_species_(by_species) {
    for (std::size_t i = 0; i < by_species_.size(); ++i)
      for (std::size_t k = 0; k < i; ++k)
        if (by_species_[k].first == by_species_[i].first)
          detail::throw_invalid(fmt::format("column_specific[{}]", i),
                                fmt::format("\"{}\"", by_species_[i].first),
                                "each species at most once");
  }
  void operator()(trajectory& tr, random_stream& s) const {
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
  trajectory_layout layout_after(const trajectory_layout& in) const {
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
  std::string describe() const {
    std::string out = "column_specific(";
    for (std::size_t i = 0; i < by_species_.size(); ++i)
      out += fmt::format("{}{}: {}", i ? ", " : "", by_species_[i].first,
                         by_species_[i].second.describe());
    return out + ")";
  }

 private:
  std::vector<std::pair<std::string, any_transform>> by_species_;
};

/// One of several transforms, chosen at random per trajectory (SimbaML's multi noiser), with
/// probabilities proportional to `weights` (equal if empty). The choice is one draw from the
/// trajectory's stream, so it is reproducible.
class random_choice {
 public:
  explicit random_choice(std::vector<any_transform> options, std::vector<double> weights = {})
      : options_(std::move(options)), weights_(std::move(weights)) {
    if (options_.empty())
      detail::throw_invalid("random_choice.options", "[]", "at least one transform");
    std::vector<double> indices(options_.size());
    for (std::size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<double>(i);
    picker_ = dist::choice{std::move(indices), weights_};
    picker_.validate("random_choice");
  }
  void operator()(trajectory& tr, random_stream& s) const {
    options_[static_cast<std::size_t>(picker_.draw(s))](tr, s);
  }
  /// Every option is validated against `in`. Options must give the same columns; the rows
  /// may differ (two sparsifiers keeping different counts), so the layout is the union: the
  /// most rows and a time range enclosing every option's, since any option may be drawn and
  /// a dataset writer sizes its arrays from this layout.
  trajectory_layout layout_after(const trajectory_layout& in) const {
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
  std::string describe() const {
    std::string out = "random_choice(";
    for (std::size_t i = 0; i < options_.size(); ++i)
      out += (i ? ", " : "") + options_[i].describe();
    if (!weights_.empty()) out += fmt::format("; weights=[{}]", detail::join(weights_, ", "));
    return out + ")";
  }

 private:
  std::vector<any_transform> options_;
  std::vector<double> weights_;
  dist::choice picker_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::elastic_noise::profile>
    : odesynth::detail::enum_formatter<odesynth::elastic_noise::profile> {};
