// odesynth/impl/time_grid_spec.ipp - the non-template code of time_grid_spec.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../time_grid_spec.hpp"

namespace odesynth {

ODESYNTH_INLINE time_grid_spec::time_grid_spec(random_times r) : spec_(r) {  // NOLINT
  if (r.count == 0) detail::throw_invalid("random_times.count", r.count, "count >= 1");
  if (!(std::isfinite(r.first) && std::isfinite(r.last)))
    detail::throw_invalid("random_times.last", r.last, "finite bounds");
  if (!(r.last > r.first))
    detail::throw_invalid("random_times.last", r.last,
                          fmt::format("last > first (first={}): bounds reversed", r.first));
  if (!std::isfinite(r.last - r.first))
    detail::throw_invalid("random_times.last", r.last,
                          fmt::format("a span last - first that is finite (first={})", r.first));
  if (r.include_endpoints && r.count < 2)
    detail::throw_invalid("random_times.count", r.count, "count >= 2 with include_endpoints");
  if (r.count > time_grid::max_size)
    detail::throw_invalid("random_times.count", r.count,
                          fmt::format("count <= {} (time_grid::max_size)", time_grid::max_size));
  // make() draws until it has `count` times the solver can tell apart; near the range's
  // capacity that takes forever (beyond it, it never ends). A quarter of the capacity keeps
  // a draw's chance of landing too close to a taken time below 1/2.
  const double slots = resolvable_slots(r.first, r.last);
  if (static_cast<double>(r.count) > slots / 4)
    detail::throw_invalid(
        "random_times.count", r.count,
        fmt::format("at most {} times in [{}, {}] (a quarter of the {} times the solver can "
                    "tell apart there: 16 machine epsilons of |t| and at least one double "
                    "apart)",
                    std::floor(slots / 4), r.first, r.last, std::floor(slots)));
  if (!(std::isfinite(r.start) && r.start <= r.first))
    detail::throw_invalid("random_times.start", r.start,
                          fmt::format("a start time <= first ({})", r.first));
  if (r.start < r.first && !detail::times_resolved(r.start, r.first))
    detail::throw_invalid("random_times.start", r.start,
                          fmt::format("a start time equal to first ({}) or further before it "
                                      "than the solver's time resolution",
                                      r.first));
}

ODESYNTH_INLINE time_grid_spec::time_grid_spec(jittered_grid j) : spec_(std::move(j)) {  // NOLINT
  const double f = std::get<jittered_grid>(spec_).fraction;
  if (!(f >= 0 && f < 0.5))
    detail::throw_invalid("jittered_grid.fraction", f,
                          "a fraction in [0, 0.5) (larger would reorder times)");
  // Neighbours may move towards each other by up to f of their gap each (the end points stay
  // put); what is left must stay resolvable, with two rounding errors of the moved times to
  // spare, or make() would throw in the middle of a dataset.
  const std::vector<double>& b = std::get<jittered_grid>(spec_).base.times();
  const std::size_t n = b.size();
  for (std::size_t i = 1; f > 0 && i < n; ++i) {
    const double gap = b[i] - b[i - 1];
    const double moving = (i - 1 >= 1 ? 1.0 : 0.0) + (i + 1 < n ? 1.0 : 0.0);
    const double left = gap - moving * f * gap;
    const double magnitude = std::max(std::fabs(b[i - 1]), std::fabs(b[i]));
    const double needed =
        (detail::time_resolution + 2 * std::numeric_limits<double>::epsilon()) * magnitude;
    if (!(left > needed))
      detail::throw_invalid(
          "jittered_grid.fraction", f,
          fmt::format("a fraction that keeps neighbouring times resolvable: base t[{}]={} and "
                      "t[{}]={} may move to {:g} apart, within the solver's time resolution "
                      "({:g} there)",
                      i - 1, b[i - 1], i, b[i], left, needed));
  }
}

ODESYNTH_INLINE time_grid time_grid_spec::make(random_stream& s) const {
  if (const auto* fixed = std::get_if<time_grid>(&spec_)) return *fixed;
  if (const auto* r = std::get_if<random_times>(&spec_)) return make_random(*r, s);
  return make_jittered(std::get<jittered_grid>(spec_), s);
}

ODESYNTH_INLINE std::size_t time_grid_spec::max_times() const {
  if (const auto* fixed = std::get_if<time_grid>(&spec_)) return fixed->size();
  if (const auto* r = std::get_if<random_times>(&spec_)) return r->count;
  return std::get<jittered_grid>(spec_).base.size();
}

ODESYNTH_INLINE std::pair<double, double> time_grid_spec::time_range() const {
  if (const auto* fixed = std::get_if<time_grid>(&spec_)) return {fixed->front(), fixed->back()};
  if (const auto* r = std::get_if<random_times>(&spec_)) return {r->first, r->last};
  const auto& b = std::get<jittered_grid>(spec_).base;
  return {b.front(), b.back()};
}

ODESYNTH_INLINE std::string time_grid_spec::describe() const {
  if (const auto* fixed = std::get_if<time_grid>(&spec_)) return fmt::format("{}", *fixed);
  if (const auto* r = std::get_if<random_times>(&spec_))
    return fmt::format("random_times(count={}, first={}, last={}, endpoints={}, start={})",
                       r->count, r->first, r->last, r->include_endpoints, r->start);
  const auto& j = std::get<jittered_grid>(spec_);
  return fmt::format("jittered_grid({}, fraction={})", j.base, j.fraction);
}

ODESYNTH_INLINE double time_grid_spec::resolvable_slots(double first, double last) {
  const double magnitude = std::max(std::fabs(first), std::fabs(last));
  const double by_resolution = (last - first) / (detail::time_resolution * magnitude);
  return std::min(by_resolution, doubles_between(first, last));
}

ODESYNTH_INLINE double time_grid_spec::doubles_between(double a, double b) {
  const auto bits = [](double x) {
    std::uint64_t u = 0;
    std::memcpy(&u, &x, sizeof u);
    return u;
  };
  const double zero = 0.0;
  if (a >= 0) return static_cast<double>(bits(b) - bits(a)) + 1;
  if (b <= 0) return static_cast<double>(bits(-a) - bits(-b)) + 1;
  return static_cast<double>(bits(-a) - bits(zero)) + static_cast<double>(bits(b) - bits(zero)) + 1;
}

ODESYNTH_INLINE time_grid time_grid_spec::make_random(const random_times& r, random_stream& s) {
  std::vector<double> taken;
  taken.reserve(r.count);
  if (r.include_endpoints) taken = {r.first, r.last};
  std::vector<double> drawn, accepted, merged;
  while (taken.size() < r.count) {
    drawn.resize(r.count - taken.size());
    for (double& v : drawn) v = r.first + (r.last - r.first) * s.uniform01();
    std::sort(drawn.begin(), drawn.end());
    accepted.clear();
    std::size_t above = 0;  // taken[above] is the first taken time > v
    for (const double v : drawn) {
      while (above < taken.size() && taken[above] <= v) ++above;
      // The nearest time below v (taken or accepted in this batch); without one, the start,
      // which the first time may equal.
      const bool has_taken = above > 0, has_accepted = !accepted.empty();
      bool fits_below = false;
      if (has_taken || has_accepted) {
        const double below = !has_accepted ? taken[above - 1]
                             : !has_taken  ? accepted.back()
                                           : std::max(taken[above - 1], accepted.back());
        fits_below = detail::times_resolved(below, v);
      } else {
        fits_below = v == r.start || detail::times_resolved(r.start, v);
      }
      if (fits_below && (above == taken.size() || detail::times_resolved(v, taken[above])))
        accepted.push_back(v);
    }
    merged.resize(taken.size() + accepted.size());
    std::merge(taken.begin(), taken.end(), accepted.begin(), accepted.end(), merged.begin());
    taken.swap(merged);
  }
  return time_grid::from_times(std::move(taken)).with_start(r.start);
}

ODESYNTH_INLINE time_grid time_grid_spec::make_jittered(const jittered_grid& j, random_stream& s) {
  std::vector<double> t = j.base.times();
  const std::vector<double>& base = j.base.times();
  for (std::size_t i = 1; i + 1 < t.size(); ++i) {
    const double u = 2 * s.uniform01() - 1;  // [-1, 1)
    const double gap = u < 0 ? base[i] - base[i - 1] : base[i + 1] - base[i];
    t[i] = base[i] + u * j.fraction * gap;
  }
  return time_grid::from_times(std::move(t)).with_start(j.base.start());
}

}  // namespace odesynth
