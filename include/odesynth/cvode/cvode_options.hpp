// odesynth/cvode/cvode_options.hpp - the settings of SUNDIALS' CVODE (BDF) as odesynth's
// stiff stepper for large systems (odesynth::cvode, built with -DODESYNTH_CVODE=ON).
//
// An aggregate with documented defaults, like solve_options; the fields that mean the same
// have the same names and defaults:
//
//   odesynth::cvode_options o;
//   o.rel_tol = 1e-8;
//   o.linear_solver = odesynth::cvode_linear_solver::band;   // a banded Jacobian:
//   o.lower_bandwidth = 1;                                   //   J(i, j) = 0 unless
//   o.upper_bandwidth = 0;                                   //   -lower <= j - i <= upper
//
// validate() is called by cvode_solver's constructor; every message names the field and the
// offending value. This header includes no SUNDIALS header: options can be built, printed and
// checked without the library.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/enum_names.hpp"
#include "../detail/text.hpp"
#include "../error.hpp"

namespace odesynth {

/// How CVODE solves the linear systems of its Newton iterations.
enum class cvode_linear_solver {
  dense,  ///< dense LU (SUNDIALS' own, O(n^3) per factorisation): any Jacobian
  band,   ///< banded LU, O(n b^2): Jacobians zero outside lower/upper bandwidth
};

/// Where the Jacobian comes from.
enum class cvode_jacobian {
  /// The model's analytic jacobian() when it has one (model_traits<M>::has_jacobian and, for
  /// run-time models, has_analytic_jacobian()); CVODE's difference quotients otherwise.
  automatic,
  /// CVODE's internal difference quotients even when the model has jacobian(): n right-hand
  /// sides per Jacobian for dense, lower + upper + 1 for band.
  difference_quotients,
};

inline constexpr std::array<cvode_linear_solver, 2> all_cvode_linear_solvers{
    cvode_linear_solver::dense, cvode_linear_solver::band};
inline constexpr std::array<cvode_jacobian, 2> all_cvode_jacobians{
    cvode_jacobian::automatic, cvode_jacobian::difference_quotients};

constexpr std::string_view to_string(cvode_linear_solver s) noexcept {
  switch (s) {
    case cvode_linear_solver::dense: return "dense";
    case cvode_linear_solver::band: return "band";
  }
  return "unknown";
}

constexpr std::string_view to_string(cvode_jacobian j) noexcept {
  switch (j) {
    case cvode_jacobian::automatic: return "automatic";
    case cvode_jacobian::difference_quotients: return "difference_quotients";
  }
  return "unknown";
}

struct cvode_options {
  /// Relative tolerance: finite, 0 or >= 100 machine epsilons (as solve_options).
  double rel_tol = 1e-6;
  /// Absolute tolerance for every species: finite and > 0. CVODE weighs errors by
  /// 1 / (rel_tol |x_i| + abs_tol_i), so a zero absolute tolerance fails as soon as a species
  /// reaches 0 (it is refused here instead). Keep it well below the smallest magnitude that
  /// matters (Robertson's y2 lives near 1e-5).
  double abs_tol = 1e-8;
  /// Optional per-species absolute tolerances (species order), replacing abs_tol; each > 0.
  std::vector<double> abs_tol_per_species;

  /// First trial step; unset = CVODE's estimate. Used for the first segment only: after a
  /// parameter switch the BDF restarts at order 1 and CVODE estimates the step again.
  std::optional<double> initial_step;
  /// Upper bound on any step; unset (or +inf) = none.
  std::optional<double> max_step;
  /// Lower bound on any step (CVODE's hmin); 0 = none. A solve that fails with the step
  /// size at this bound (or below 10 ulp of t) ends with status step_underflow.
  double min_step = 0.0;
  /// Steps allowed per solve, over all its segments (CVODE's own mxstep counts per output,
  /// so it is set to what is left before every output); reaching it ends the solve with
  /// status max_steps.
  std::int64_t max_steps = 100000;
  /// Highest BDF order, 1..5. Lower orders are more stable for problems with eigenvalues
  /// near the imaginary axis (BDF 3-5 are not A-stable).
  int max_order = 5;
  /// Wall-time limit per solve in seconds; 0 = none. Read in the right-hand side (every few
  /// calls, adaptively, as solve.hpp's loops do) and between outputs; a solve past it ends
  /// with status time_limit.
  double time_limit_seconds = 0.0;

  cvode_linear_solver linear_solver = cvode_linear_solver::dense;
  /// Band only: J(i, j) may be non-zero for i - lower_bandwidth <= j <= i + upper_bandwidth.
  /// Each < the number of species. An analytic Jacobian with a non-zero entry outside the
  /// band makes solve() throw invalid_argument naming the bandwidth and the entry, rather
  /// than being silently truncated. (Difference quotients cannot see outside the band: with
  /// them, a too narrow band only slows Newton's convergence.)
  std::size_t lower_bandwidth = 0;
  std::size_t upper_bandwidth = 0;
  cvode_jacobian jacobian = cvode_jacobian::automatic;

  /// Throws invalid_argument naming the first offending field ("cvode_options.rel_tol").
  /// `num_species` is the model's state size (checked against abs_tol_per_species and the
  /// bandwidths).
  void validate(std::size_t num_species, std::string_view where = "cvode_options") const {
    constexpr double eps = std::numeric_limits<double>::epsilon();
    const auto field = [&](std::string_view name) { return fmt::format("{}.{}", where, name); };
    if (!std::isfinite(rel_tol) || rel_tol < 0)
      detail::throw_invalid(field("rel_tol"), rel_tol, "a finite value >= 0");
    if (rel_tol > 0 && rel_tol < 100 * eps)
      detail::throw_invalid(field("rel_tol"), rel_tol,
                            fmt::format("0 or >= 100 machine epsilons ({:g}); smaller relative "
                                        "tolerances are below double precision rounding",
                                        100 * eps));
    if (abs_tol_per_species.empty()) {
      if (!(std::isfinite(abs_tol) && abs_tol > 0))
        detail::throw_invalid(field("abs_tol"), abs_tol,
                              "a finite value > 0 (CVODE divides by rel_tol |x| + abs_tol, "
                              "which is 0 wherever a species is 0 if abs_tol = 0)");
    } else {
      if (abs_tol_per_species.size() != num_species)
        detail::throw_invalid(field("abs_tol_per_species.size()"), abs_tol_per_species.size(),
                              fmt::format("one tolerance per species ({})", num_species));
      for (std::size_t i = 0; i < abs_tol_per_species.size(); ++i) {
        const double a = abs_tol_per_species[i];
        if (!(std::isfinite(a) && a > 0))
          detail::throw_invalid(fmt::format("{}.abs_tol_per_species[{}]", where, i), a,
                                "a finite value > 0");
      }
    }
    if (initial_step && !(std::isfinite(*initial_step) && *initial_step > 0))
      detail::throw_invalid(field("initial_step"), *initial_step, "a finite step > 0");
    if (max_step && !(*max_step > 0))  // +inf is allowed: no limit
      detail::throw_invalid(field("max_step"), *max_step, "a step > 0");
    if (!(std::isfinite(min_step) && min_step >= 0))
      detail::throw_invalid(field("min_step"), min_step, "a finite value >= 0");
    if (max_step && min_step > *max_step)
      detail::throw_invalid(field("min_step"), min_step,
                            fmt::format("a value <= max_step ({})", *max_step));
    if (max_steps <= 0) detail::throw_invalid(field("max_steps"), max_steps, "a step count >= 1");
    // CVODE takes its step cap as a long int.
    if (max_steps > std::numeric_limits<long>::max())
      detail::throw_invalid(field("max_steps"), max_steps,
                            fmt::format("at most {}", std::numeric_limits<long>::max()));
    if (max_order < 1 || max_order > 5)
      detail::throw_invalid(field("max_order"), max_order, "a BDF order from 1 to 5");
    if (!(std::isfinite(time_limit_seconds) && time_limit_seconds >= 0))
      detail::throw_invalid(field("time_limit_seconds"), time_limit_seconds,
                            "a finite number of seconds >= 0 (0: no limit)");
    if (linear_solver == cvode_linear_solver::band) {
      if (lower_bandwidth >= num_species)
        detail::throw_invalid(field("lower_bandwidth"), lower_bandwidth,
                              fmt::format("a bandwidth < the number of species ({})", num_species));
      if (upper_bandwidth >= num_species)
        detail::throw_invalid(field("upper_bandwidth"), upper_bandwidth,
                              fmt::format("a bandwidth < the number of species ({})", num_species));
    } else if (lower_bandwidth != 0 || upper_bandwidth != 0) {
      detail::throw_invalid(field("linear_solver"), to_string(linear_solver),
                            fmt::format("band when lower_bandwidth ({}) or upper_bandwidth ({}) "
                                        "is set: the dense solver ignores bandwidths",
                                        lower_bandwidth, upper_bandwidth));
    }
  }
};

namespace detail {
/// The text of fmt::formatter<cvode_options>: "bdf rel_tol=1e-06 abs_tol=1e-08 max_steps=100000
/// max_order=5 linear_solver=dense jacobian=automatic" plus every option that is set. Numbers
/// print in shortest round-trip form, so metadata that records the text pins the settings.
inline std::string cvode_options_text(const cvode_options& o) {
  std::string text = fmt::format("bdf rel_tol={} ", o.rel_tol);
  if (o.abs_tol_per_species.empty()) {
    text += fmt::format("abs_tol={}", o.abs_tol);
  } else {
    text += fmt::format("abs_tol_per_species=[{}]", join(o.abs_tol_per_species, ", "));
  }
  text += fmt::format(" max_steps={} max_order={} linear_solver={}", o.max_steps, o.max_order,
                      to_string(o.linear_solver));
  if (o.linear_solver == cvode_linear_solver::band)
    text +=
        fmt::format(" lower_bandwidth={} upper_bandwidth={}", o.lower_bandwidth, o.upper_bandwidth);
  text += fmt::format(" jacobian={}", to_string(o.jacobian));
  if (o.initial_step) text += fmt::format(" initial_step={}", *o.initial_step);
  if (o.max_step) text += fmt::format(" max_step={}", *o.max_step);
  if (o.min_step > 0) text += fmt::format(" min_step={}", o.min_step);
  if (o.time_limit_seconds > 0) text += fmt::format(" time_limit_seconds={}", o.time_limit_seconds);
  return text;
}
}  // namespace detail

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::cvode_options> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::cvode_options& o, FormatContext& ctx) const {
    return odesynth::detail::copy_text(odesynth::detail::cvode_options_text(o), ctx);
  }
};

template <>
struct fmt::formatter<odesynth::cvode_linear_solver>
    : odesynth::detail::enum_formatter<odesynth::cvode_linear_solver> {};

template <>
struct fmt::formatter<odesynth::cvode_jacobian>
    : odesynth::detail::enum_formatter<odesynth::cvode_jacobian> {};
