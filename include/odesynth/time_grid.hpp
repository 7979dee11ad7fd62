// odesynth/time_grid.hpp - the times at which a solution is reported.
//
// A grid is a validated, strictly increasing list of finite output times plus the start time
// t0 of the integration (the time the initial state belongs to). t0 defaults to the first
// output time and may be earlier: e.g. a log-spaced grid from 1e-6 to 1e4 with t0 = 0.
//
// The solver returns values exactly at these times (dense output), whatever steps it takes.
// Neighbouring times (and t0 and the first time, unless equal) must be further apart than the
// solver's time resolution, 16 machine epsilons of their magnitude (detail::time_resolution):
// closer times are one time to the step loops, which would report x(t0) at t0 + 2 ulp.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/text.hpp"
#include "error.hpp"

namespace odesynth {

namespace detail {

/// Relative time resolution of the solver. The step loops treat an output time within
/// time_resolution * |t| of the integrator's time as reached (a step aimed at t lands on
/// t0 + (t - t0), which may round an ulp short, and Hairer's step-underflow test already
/// rejects steps below 10 eps |t|), so grids must space their times further apart than this.
inline constexpr double time_resolution = 16 * std::numeric_limits<double>::epsilon();

/// Whether the solver can tell a < b apart: b - a above the resolution of the larger
/// magnitude. Relative, not absolute: {0, 1e-300} is fine, {1e16, 1e16 + 2} is not.
inline bool times_resolved(double a, double b) noexcept {
  return b - a > time_resolution * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace detail

class time_grid {
 public:
  /// The most times a grid may hold: 800 MB of times, and as much again per species in every
  /// trajectory solved on it. A larger count is a typo, not a grid (it used to surface as
  /// bad_alloc or length_error).
  static constexpr std::size_t max_size = 100'000'000;

  /// `count` equally spaced times from `first` to `last` inclusive, as numpy.linspace computes
  /// them: first + i * step with step = (last - first) / (count - 1), and the last time exactly
  /// `last`. Whole-number steps give whole numbers (linspace(0, 60, 61) holds 0, 1, ..., 60).
  /// count == 1 requires first == last.
  static time_grid linspace(double first, double last, std::size_t count);

  /// `count` log-spaced times from `first` to `last` inclusive, both > 0, as numpy.geomspace
  /// computes them (the arguments are times, not exponents): 10^(log10(first) + i * step) with
  /// the end points exactly `first` and `last`, so decades give powers of ten
  /// (logspace(1e-3, 1e3, 7) holds 0.001, 0.01, ..., 1000). Integration starts at `first`
  /// unless with_start() moves it, typically to 0.
  static time_grid logspace(double first, double last, std::size_t count);

  /// Any explicit list of times: finite, strictly increasing and resolvable (see the top of
  /// this file), at least one.
  static time_grid from_times(std::vector<double> times);

  /// The same output times, integrated from `t0` (finite, equal to the first output time or
  /// resolvably before it).
  time_grid with_start(double t0) const;

  double start() const noexcept { return start_; }
  const std::vector<double>& times() const noexcept { return times_; }
  std::size_t size() const noexcept { return times_.size(); }
  double front() const noexcept { return times_.front(); }
  double back() const noexcept { return times_.back(); }
  double operator[](std::size_t i) const noexcept { return times_[i]; }

  friend bool operator==(const time_grid& a, const time_grid& b) {
    return a.start_ == b.start_ && a.times_ == b.times_;
  }
  friend bool operator!=(const time_grid& a, const time_grid& b) { return !(a == b); }

 private:
  time_grid(std::vector<double> times, double start, const char* where);

  // numpy.linspace's arithmetic (numpy/core/function_base.py): y = i * step + first, and
  // (i / div) * delta when step underflows to 0; the last value is `last`.
  static void numpy_linspace(double first, double last, std::vector<double>& t);

  static void check_endpoints(const char* where, double first, double last, std::size_t count,
                              bool positive);

  void validate(const char* where) const;

  static double resolution_at(double a, double b) noexcept {
    return detail::time_resolution * std::max(std::fabs(a), std::fabs(b));
  }

  std::vector<double> times_;
  double start_ = 0.0;
};

namespace detail {
/// The text of fmt::formatter<time_grid>.
ODESYNTH_INLINE std::string time_grid_text(const time_grid& g);
}  // namespace detail

}  // namespace odesynth

/// "time_grid(101 times in [0, 10], start 0)"
template <>
struct fmt::formatter<odesynth::time_grid> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::time_grid& g, FormatContext& ctx) const {
    return odesynth::detail::copy_text(odesynth::detail::time_grid_text(g), ctx);
  }
};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/time_grid.ipp"
#endif
