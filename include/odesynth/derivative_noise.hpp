// odesynth/derivative_noise.hpp - process noise as piecewise-constant forcing of dx/dt
// (SimbaML's derivative noisers, per species and reproducible).
//
// SimbaML adds (or multiplies by) one random value per unit time interval to the derivative,
// the same value for every species. Here each species draws its own value per interval
// (`shared` restores SimbaML's behaviour), from any distribution, from the trajectory's
// process-noise stream. The values become extra parameters of a wrapped model that change at
// the interval boundaries, so the solver restarts exactly there (parameter_schedule) instead
// of stepping blindly over each jump.
//
//   odesynth::with_derivative_noise noisy(sir{}, {odesynth::dist::normal{0, 2.0}});
//   odesynth::solver solver(noisy, options);
//   odesynth::random_stream s(seed, i, odesynth::stream_purpose::process_noise);
//   auto tr = solver.solve(noisy.schedule(params, grid, s), x0, grid);
//
// For noise that is white in time rather than piecewise constant, see sde.hpp.
#pragma once

#include <fmt/format.h>

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "distributions.hpp"
#include "error.hpp"
#include "model.hpp"
#include "parameter_schedule.hpp"
#include "per_species.hpp"
#include "random.hpp"
#include "time_grid.hpp"
#include "value_span.hpp"

namespace odesynth {

struct derivative_noise {
  enum class mode {
    additive,        ///< dx_i/dt = f_i + e_i
    multiplicative,  ///< dx_i/dt = f_i (1 + e_i)
  };

  friend constexpr std::string_view to_string(mode m) noexcept {
    switch (m) {
      case mode::additive: return "additive";
      case mode::multiplicative: return "multiplicative";
    }
    return "unknown";
  }
  /// Every mode, in order (metadata reads to_string(mode) back).
  static constexpr std::array<mode, 2> all_modes{mode::additive, mode::multiplicative};
  per_species<distribution> noise = distribution(dist::normal{0, 1});  ///< e_i per interval
  double interval = 1.0;  ///< length of the constant stretches; boundaries at k * interval
  mode kind = mode::additive;
  bool shared = false;  ///< one value per interval for all species (SimbaML's behaviour)
};

namespace detail {

/// The distribution of each of `species` (constant 0 for a species `noise` leaves out), after
/// checking the interval and the distributions against the species; throws invalid_argument.
ODESYNTH_INLINE std::vector<distribution> derivative_noise_of_species(
    const derivative_noise& noise, const std::vector<std::string>& species);

/// with_derivative_noise::schedule for a model `name` with `model_params` parameters.
ODESYNTH_INLINE parameter_schedule derivative_noise_schedule(
    const derivative_noise& noise, const std::vector<distribution>& noise_of_species,
    const std::string& name, std::size_t model_params, value_span parameters, const time_grid& grid,
    random_stream& s);

/// with_derivative_noise::describe_noise's text.
ODESYNTH_INLINE std::string derivative_noise_text(const derivative_noise& noise);

}  // namespace detail

template <class Model>
class with_derivative_noise {
  using inner = model_traits<Model>;

 public:
  static constexpr std::size_t state_size = inner::state_size;
  static constexpr std::size_t param_size = inner::fixed_state && inner::fixed_params
                                                ? inner::param_size + inner::state_size
                                                : dynamic_size;

  /// Validates the noise settings against the model's species.
  with_derivative_noise(Model model, derivative_noise noise)
      : model_(std::move(model)), noise_(std::move(noise)) {
    const auto description = describe(model_);
    species_ = description->species();
    parameters_ = description->parameters();
    name_ = description->name();
    model_params_ = parameters_.size();
    for (const auto& s : species_) parameters_.push_back(s + ".dxdt_noise");
    noise_of_species_ = detail::derivative_noise_of_species(noise_, species_);
  }

  const std::string& name() const noexcept { return name_; }
  const std::vector<std::string>& species() const noexcept { return species_; }
  /// The model's parameters, then "<species>.dxdt_noise" for every species.
  const std::vector<std::string>& parameters() const noexcept { return parameters_; }
  const Model& model() const noexcept { return model_; }

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double t, const Params& p) const {
    model_(x, dxdt, t, model_params(p));
    const std::size_t n = static_cast<std::size_t>(x.size());
    if (noise_.kind == derivative_noise::mode::additive) {
      for (std::size_t i = 0; i < n; ++i) dxdt[i] += p[model_params_ + i];
    } else {
      for (std::size_t i = 0; i < n; ++i) dxdt[i] *= 1 + p[model_params_ + i];
    }
  }

  /// The noise's constant stretches for a solve on `grid` with the model's own `parameters`:
  /// switches at every multiple of the interval inside the grid, values drawn from `s` (per
  /// interval, species in order, or one per interval when shared).
  parameter_schedule schedule(value_span parameters, const time_grid& grid,
                              random_stream& s) const {
    return detail::derivative_noise_schedule(noise_, noise_of_species_, name_, model_params_,
                                             parameters, grid, s);
  }

  std::string describe_noise() const { return detail::derivative_noise_text(noise_); }
  /// The settings it was built with (metadata.json records them).
  const derivative_noise& noise() const noexcept { return noise_; }

 private:
  template <class Params>
  auto model_params(const Params& p) const {
    if constexpr (inner::fixed_params) {
      std::array<double, inner::param_size> q{};
      for (std::size_t i = 0; i < inner::param_size; ++i) q[i] = p[i];
      return q;
    } else {
      return Eigen::Map<const Eigen::VectorXd>(p.data(), static_cast<Eigen::Index>(model_params_));
    }
  }

  Model model_;
  derivative_noise noise_;
  std::string name_;
  std::vector<std::string> species_, parameters_;
  std::size_t model_params_ = 0;
  std::vector<distribution> noise_of_species_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::derivative_noise::mode>
    : odesynth::detail::enum_formatter<odesynth::derivative_noise::mode> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/derivative_noise.ipp"
#endif
