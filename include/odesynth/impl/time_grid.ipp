// odesynth/impl/time_grid.ipp - the non-template code of time_grid.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../time_grid.hpp"

namespace odesynth {

ODESYNTH_INLINE time_grid time_grid::linspace(double first, double last, std::size_t count) {
  check_endpoints("time_grid::linspace", first, last, count, false);
  std::vector<double> t(count);
  numpy_linspace(first, last, t);
  return time_grid(std::move(t), first, "time_grid::linspace");
}

ODESYNTH_INLINE time_grid time_grid::logspace(double first, double last, std::size_t count) {
  check_endpoints("time_grid::logspace", first, last, count, true);
  std::vector<double> t(count);
  numpy_linspace(std::log10(first), std::log10(last), t);
  for (double& v : t) v = std::pow(10.0, v);
  t.front() = first;
  t.back() = last;
  return time_grid(std::move(t), first, "time_grid::logspace");
}

ODESYNTH_INLINE time_grid time_grid::from_times(std::vector<double> times) {
  const double start = times.empty() ? 0.0 : times.front();
  return time_grid(std::move(times), start, "time_grid::from_times");
}

ODESYNTH_INLINE time_grid time_grid::with_start(double t0) const {
  time_grid g = *this;
  g.start_ = t0;
  g.validate("time_grid::with_start");
  return g;
}

ODESYNTH_INLINE time_grid::time_grid(std::vector<double> times, double start, const char* where)
    : times_(std::move(times)), start_(start) {
  validate(where);
}

ODESYNTH_INLINE void time_grid::numpy_linspace(double first, double last, std::vector<double>& t) {
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

ODESYNTH_INLINE void time_grid::check_endpoints(const char* where, double first, double last,
                                                std::size_t count, bool positive) {
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

ODESYNTH_INLINE void time_grid::validate(const char* where) const {
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
          fmt::format("time_grid.times: {} (from {}): expected strictly increasing times{}", value,
                      where, times_[i] == times_[i - 1] ? " without duplicates" : ""));
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

namespace detail {
ODESYNTH_INLINE std::string time_grid_text(const time_grid& g) {
  return fmt::format("time_grid({} times in [{}, {}], start {})", g.size(), g.front(), g.back(),
                     g.start());
}
}  // namespace detail

}  // namespace odesynth
