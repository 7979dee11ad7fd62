// odesynth/time_grid.hpp - the times at which a solution is reported.
//
// A grid is a validated, strictly increasing list of finite output times plus the start time
// t0 of the integration (the time the initial state belongs to). t0 defaults to the first
// output time and may be earlier: e.g. a log-spaced grid from 1e-6 to 1e4 with t0 = 0.
//
// The solver returns values exactly at these times (dense output), whatever steps it takes.
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"

namespace odesynth {

class time_grid {
 public:
  /// `count` equally spaced times from `first` to `last` inclusive (last is exact).
  /// count == 1 requires first == last.
  static time_grid linspace(double first, double last, std::size_t count) {
    check_endpoints("time_grid::linspace", first, last, count, false);
    std::vector<double> t(count);
    if (count == 1) {
      t[0] = first;
    } else {
      const double span = last - first;
      const double denom = static_cast<double>(count - 1);
      for (std::size_t i = 0; i < count; ++i)
        t[i] = first + span * (static_cast<double>(i) / denom);
      t.back() = last;
    }
    return time_grid(std::move(t), first, "time_grid::linspace");
  }

  /// `count` log-spaced times from `first` to `last` inclusive, both > 0 (numpy.geomspace:
  /// the arguments are times, not exponents). Integration starts at `first` unless
  /// with_start() moves it, typically to 0.
  static time_grid logspace(double first, double last, std::size_t count) {
    check_endpoints("time_grid::logspace", first, last, count, true);
    std::vector<double> t(count);
    if (count == 1) {
      t[0] = first;
    } else {
      const double lf = std::log(first);
      const double span = std::log(last) - lf;
      const double denom = static_cast<double>(count - 1);
      for (std::size_t i = 0; i < count; ++i)
        t[i] = std::exp(lf + span * (static_cast<double>(i) / denom));
      t.front() = first;
      t.back() = last;
    }
    return time_grid(std::move(t), first, "time_grid::logspace");
  }

  /// Any explicit list of times: finite, strictly increasing, at least one.
  static time_grid from_times(std::vector<double> times) {
    const double start = times.empty() ? 0.0 : times.front();
    return time_grid(std::move(times), start, "time_grid::from_times");
  }

  /// The same output times, integrated from `t0` (finite, <= the first output time).
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
    if (count == 1 && first != last)
      detail::throw_invalid(fmt::format("{}.count", where), count,
                            fmt::format("count >= 2 to span first={} .. last={}", first, last));
    if (count > 1 && !(last > first))
      detail::throw_invalid(fmt::format("{}.last", where), last,
                            fmt::format("last > first (first={})", first));
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
    }
    if (!std::isfinite(start_))
      detail::throw_invalid("time_grid.start", start_, "a finite start time");
    if (start_ > times_.front())
      detail::throw_invalid(
          "time_grid.start", start_,
          fmt::format("a start time <= the first output time t[0]={}", times_.front()));
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
    return fmt::format_to(ctx.out(), "time_grid({} times in [{}, {}], start {})", g.size(),
                          g.front(), g.back(), g.start());
  }
};
