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

#include "../detail/config.hpp"
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
  explicit gaussian_noise(per_species<double> sigma);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<double> sigma_;
};

/// y (1 + rel_sigma N(0, 1)): proportional (multiplicative) Gaussian noise.
class proportional_noise {
 public:
  explicit proportional_noise(per_species<double> rel_sigma);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

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
  explicit combined_noise(per_species<error_model> model);
  combined_noise(double a, double b);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<error_model> model_;
};

/// y exp(sigma N(0, 1)): log-normal multiplicative noise (the median is y; the mean is
/// y exp(sigma^2 / 2)). Keeps the sign of y, so positive data stay positive.
class lognormal_noise {
 public:
  explicit lognormal_noise(per_species<double> sigma);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<double> sigma_;
};

/// Poisson counts with mean scale * y, reported in y's units (count / scale): scale is the
/// number of counts per unit of y (scale = 1: the values are the counts). Negative y count as 0.
class poisson_counts {
 public:
  explicit poisson_counts(per_species<double> scale = 1.0);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<double> scale_;
};

/// y + scale t_nu: heavy-tailed (Student-t) additive noise.
class student_t_noise {
 public:
  student_t_noise(double nu, per_species<double> scale);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  double nu_;
  per_species<double> scale_;
};

/// Sparse outliers: each value, with probability p, gets an extra N(0, scale^2) error.
class outlier_noise {
 public:
  outlier_noise(double probability, per_species<double> scale);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  double probability_;
  per_species<double> scale_;
};

/// A slow baseline drift: y(t) + d(t), d a Brownian motion started at 0 at the first time,
/// with d(t_k) - d(t_{k-1}) ~ N(0, sigma^2 (t_k - t_{k-1})) (irregular grids are fine).
class baseline_drift {
 public:
  explicit baseline_drift(per_species<double> sigma);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<double> sigma_;
};

/// A per-trajectory random scale factor exp(N(0, sigma^2)) (a batch effect): one factor for
/// all the species it covers (`shared`), or one per species.
class batch_scale {
 public:
  explicit batch_scale(double sigma, bool shared = true);
  void operator()(trajectory& tr, random_stream& s) const;
  std::string describe() const;

 private:
  double sigma_;
  bool shared_;
};

/// y + e, e drawn from any distribution (SimbaML's additive noiser with any distribution).
class additive_noise {
 public:
  explicit additive_noise(per_species<distribution> noise);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<distribution> noise_;
};

/// y * f, f drawn from any distribution (SimbaML's multiplicative noiser).
class multiplicative_noise {
 public:
  explicit multiplicative_noise(per_species<distribution> factor);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

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

  elastic_noise(per_species<double> sigma, profile shape, double rate);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

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
  explicit pull_to_mean(per_species<distribution> weight);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  per_species<distribution> weight_;
};

/// A different transform for each named species (SimbaML's column noiser): each runs on a
/// one-column view of its species, in the order given, from the same stream.
class column_specific {
 public:
  column_specific(std::initializer_list<std::pair<std::string, any_transform>> by_species)
      : column_specific(std::vector<std::pair<std::string, any_transform>>(by_species)) {}
  /// The same from a list built at run time (a configuration).
  explicit column_specific(std::vector<std::pair<std::string, any_transform>> by_species);
  void operator()(trajectory& tr, random_stream& s) const;
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  std::vector<std::pair<std::string, any_transform>> by_species_;
};

/// One of several transforms, chosen at random per trajectory (SimbaML's multi noiser), with
/// probabilities proportional to `weights` (equal if empty). The choice is one draw from the
/// trajectory's stream, so it is reproducible.
class random_choice {
 public:
  explicit random_choice(std::vector<any_transform> options, std::vector<double> weights = {});
  void operator()(trajectory& tr, random_stream& s) const;
  /// Every option is validated against `in`. Options must give the same columns; the rows
  /// may differ (two sparsifiers keeping different counts), so the layout is the union: the
  /// most rows and a time range enclosing every option's, since any option may be drawn and
  /// a dataset writer sizes its arrays from this layout.
  trajectory_layout layout_after(const trajectory_layout& in) const;
  std::string describe() const;

 private:
  std::vector<any_transform> options_;
  std::vector<double> weights_;
  dist::choice picker_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::elastic_noise::profile>
    : odesynth::detail::enum_formatter<odesynth::elastic_noise::profile> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/noise.ipp"
#endif
