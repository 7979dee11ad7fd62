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
  static time_grid linspace(double first, double last, std::size_t count) {
    check_endpoints("time_grid::linspace", first, last, count, false);
    std::vector<double> t(count);
    numpy_linspace(first, last, t);
    return time_grid(std::move(t), first, "time_grid::linspace");
  }

  /// `count` log-spaced times from `first` to `last` inclusive, both > 0, as numpy.geomspace
  /// computes them (the arguments are times, not exponents): 10^(log10(first) + i * step) with
  /// the end points exactly `first` and `last`, so decades give powers of ten
  /// (logspace(1e-3, 1e3, 7) holds 0.001, 0.01, ..., 1000). Integration starts at `first`
  /// unless with_start() moves it, typically to 0.
  static time_grid logspace(double first, double last, std::size_t count) {
    check_endpoints("time_grid::logspace", first, last, count, true);
    std::vector<double> t(count);
    numpy_linspace(std::log10(first), std::log10(last), t);
    for (double& v : t) v = std::pow(10.0, v);
    t.front() = first;
    t.back() = last;
    return time_grid(std::move(t), first, "time_grid::logspace");
  }

  /// Any explicit list of times: finite, strictly increasing and resolvable (see the top of
  /// this file), at least one.
  static time_grid from_times(std::vector<double> times) {
    const double start = times.empty() ? 0.0 : times.front();
    return time_grid(std::move(times), start, "time_grid::from_times");
  }

  /// The same output times, integrated from `t0` (finite, equal to the first output time or
  /// resolvably before it).
  time_grid with_start(double t0) const {
    time_grid g = *this;
    g.start_ = t0;
    g.validate("time_grid::with_start");
    return g;
  }

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
  time_grid(std::vector<double> times, double start, const char* where)
      : times_(std::move(times)), start_(start) {
    validate(where);
  }

  // numpy.linspace's arithmetic (numpy/core/function_base.py): y = i * step + first, and
  // (i / div) * delta when step underflows to 0; the last value is `last`.
  static void numpy_linspace(double first, double last, std::vector<double>& t) {
    const std::size_t count = t.size();
    if (count < 2) {  // check_endpoints allows 1 (first == last), never 0
      if (count == 1) t[0] = first;
      return;
    }
    const double delta = last - first;
    const double div = static_cast<double>(count - 1);
    const double step = delta / div;
    for (std::size_t i = 0; i < count; ++i) {
      const double y = static_cast<double>(i);
      t[i] = step == 0 ? y / div * delta + first : y * step + first;
    }
    t[count - 1] = last;
  }

  static void check_endpoints(const char* where, double first, double last, std::size_t count,
                              bool positive) {
    if (!std::isfinite(first))
      detail::throw_invalid(fmt::format("{}.first", where), first, "a finite time");
    if (!std::isfinite(last))
      detail::throw_invalid(fmt::format("{}.last", where), last, "a finite time");
    if (positive && !(first > 0))
      detail::throw_invalid(fmt::format("{}.first", where), first,
                            "a time > 0 (log spacing; use with_start(0) to integrate from 0)");
    if (count == 0) detail::throw_invalid(fmt::format("{}.count", where), count, "count >= 1");
    if (count > max_size)
      detail::throw_invalid(fmt::format("{}.count", where), count,
                            fmt::format("count <= {} (time_grid::max_size)", max_size));
    if (count == 1 && first != last)
      detail::throw_invalid(fmt::format("{}.count", where), count,
                            fmt::format("count >= 2 to span first={} .. last={}", first, last));
    if (count > 1 && !(last > first))
      detail::throw_invalid(fmt::format("{}.last", where), last,
                            fmt::format("last > first (first={})", first));
    if (!std::isfinite(last - first))
      detail::throw_invalid(fmt::format("{}.last", where), last,
                            fmt::format("a span last - first that is finite (first={})", first));
  }

  void validate(const char* where) const {
    if (times_.empty()) detail::throw_invalid("time_grid.times", "[]", "at least one output time");
    for (std::size_t i = 0; i < times_.size(); ++i) {
      if (!std::isfinite(times_[i]))
        detail::throw_invalid("time_grid.times", fmt::format("t[{}]={}", i, times_[i]),
                              "finite times");
      if (i > 0 && !(times_[i] > times_[i - 1])) {
        const std::string value =
            fmt::format("t[{}]={} <= t[{}]={}", i, times_[i], i - 1, times_[i - 1]);
        throw invalid_argument(
            "time_grid.times", value,
            fmt::format("time_grid.times: {} (from {}): expected strictly increasing times{}",
                        value, where, times_[i] == times_[i - 1] ? " without duplicates" : ""));
      }
      if (i > 0 && !detail::times_resolved(times_[i - 1], times_[i])) {
        const std::string value = fmt::format("t[{}]={} - t[{}]={} = {}", i, times_[i], i - 1,
                                              times_[i - 1], times_[i] - times_[i - 1]);
        throw invalid_argument(
            "time_grid.times", value,
            fmt::format("time_grid.times: {} (from {}): expected times further apart than the "
                        "solver's time resolution, 16 machine epsilons of |t| ({:g} here); "
                        "closer times are one time to it",
                        value, where, resolution_at(times_[i - 1], times_[i])));
      }
    }
    if (!std::isfinite(start_))
      detail::throw_invalid("time_grid.start", start_, "a finite start time");
    if (start_ > times_.front())
      detail::throw_invalid(
          "time_grid.start", start_,
          fmt::format("a start time <= the first output time t[0]={}", times_.front()));
    if (start_ < times_.front() && !detail::times_resolved(start_, times_.front()))
      detail::throw_invalid(
          "time_grid.start", start_,
          fmt::format("a start time equal to the first output time t[0]={} or further before it "
                      "than the solver's time resolution ({:g} here)",
                      times_.front(), resolution_at(start_, times_.front())));
  }

  static double resolution_at(double a, double b) noexcept {
    return detail::time_resolution * std::max(std::fabs(a), std::fabs(b));
  }

  std::vector<double> times_;
  double start_ = 0.0;
};

}  // namespace odesynth

/// "time_grid(101 times in [0, 10], start 0)"
template <>
struct fmt::formatter<odesynth::time_grid> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::time_grid& g, FormatContext& ctx) const {
    return odesynth::detail::copy_text(fmt::format("time_grid({} times in [{}, {}], start {})",
                                                   g.size(), g.front(), g.back(), g.start()),
                                       ctx);
  }
};
