// odesynth/time_grid_spec.hpp - which times each trajectory of a dataset is reported at.
//
// Real measurements are rarely on one regular grid. A time_grid_spec says how trajectory i
// gets its grid, from its own time-grid stream (so grids do not shift when other random
// choices change):
//   fixed        the same grid for every trajectory;
//   random_times `count` times uniform on [first, last], sorted (strictly increasing), with
//                the end points included if asked; integration starts at `start`;
//   jittered     a base grid whose interior times move by up to `fraction` of the spacing to
//                their neighbours (order is preserved: fraction < 1/2).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "error.hpp"
#include "random.hpp"
#include "time_grid.hpp"

namespace odesynth {

struct random_times {
  std::size_t count = 10;
  double first = 0, last = 1;
  bool include_endpoints = true;  ///< first and last are always among the times
  double start = 0;               ///< integration start, <= first
};

struct jittered_grid {
  time_grid base;
  double fraction = 0.25;  ///< of the distance to each neighbour, in [0, 0.5)
};

class time_grid_spec {
 public:
  time_grid_spec(time_grid fixed) : spec_(std::move(fixed)) {}  // NOLINT: implicit by design
  time_grid_spec(random_times r) : spec_(r) {                   // NOLINT
    if (r.count == 0) detail::throw_invalid("random_times.count", r.count, "count >= 1");
    if (!(std::isfinite(r.first) && std::isfinite(r.last)))
      detail::throw_invalid("random_times.last", r.last, "finite bounds");
    if (!(r.last > r.first))
      detail::throw_invalid("random_times.last", r.last,
                            fmt::format("last > first (first={}): bounds reversed", r.first));
    if (r.include_endpoints && r.count < 2)
      detail::throw_invalid("random_times.count", r.count, "count >= 2 with include_endpoints");
    if (!(std::isfinite(r.start) && r.start <= r.first))
      detail::throw_invalid("random_times.start", r.start,
                            fmt::format("a start time <= first ({})", r.first));
  }
  time_grid_spec(jittered_grid j) : spec_(std::move(j)) {  // NOLINT
    const double f = std::get<jittered_grid>(spec_).fraction;
    if (!(f >= 0 && f < 0.5))
      detail::throw_invalid("jittered_grid.fraction", f,
                            "a fraction in [0, 0.5) (larger would reorder times)");
  }

  /// The grid of one trajectory; `s` is its time-grid stream (unused for fixed grids).
  /// Which kind of grid, for provenance: holds a time_grid, random_times or jittered_grid.
  const std::variant<time_grid, random_times, jittered_grid>& variant() const noexcept {
    return spec_;
  }

  time_grid make(random_stream& s) const {
    if (const auto* fixed = std::get_if<time_grid>(&spec_)) return *fixed;
    if (const auto* r = std::get_if<random_times>(&spec_)) return make_random(*r, s);
    return make_jittered(std::get<jittered_grid>(spec_), s);
  }

  /// The most rows a trajectory can have, and the time range (for validating transforms).
  std::size_t max_times() const {
    if (const auto* fixed = std::get_if<time_grid>(&spec_)) return fixed->size();
    if (const auto* r = std::get_if<random_times>(&spec_)) return r->count;
    return std::get<jittered_grid>(spec_).base.size();
  }
  std::pair<double, double> time_range() const {
    if (const auto* fixed = std::get_if<time_grid>(&spec_)) return {fixed->front(), fixed->back()};
    if (const auto* r = std::get_if<random_times>(&spec_)) return {r->first, r->last};
    const auto& b = std::get<jittered_grid>(spec_).base;
    return {b.front(), b.back()};
  }
  bool is_fixed() const noexcept { return std::holds_alternative<time_grid>(spec_); }
  /// The grid every trajectory shares, or null if each draws its own.
  const time_grid* fixed_grid() const noexcept { return std::get_if<time_grid>(&spec_); }

  std::string describe() const {
    if (const auto* fixed = std::get_if<time_grid>(&spec_)) return fmt::format("{}", *fixed);
    if (const auto* r = std::get_if<random_times>(&spec_))
      return fmt::format("random_times(count={}, first={}, last={}, endpoints={}, start={})",
                         r->count, r->first, r->last, r->include_endpoints, r->start);
    const auto& j = std::get<jittered_grid>(spec_);
    return fmt::format("jittered_grid({}, fraction={})", j.base, j.fraction);
  }

 private:
  static time_grid make_random(const random_times& r, random_stream& s) {
    std::vector<double> t;
    t.reserve(r.count);
    if (r.include_endpoints) {
      t.push_back(r.first);
      t.push_back(r.last);
    }
    while (t.size() < r.count) {
      const double v = r.first + (r.last - r.first) * s.uniform01();
      // Duplicates (a 2^-53 event per pair) would break strict increase: draw again.
      if (std::find(t.begin(), t.end(), v) == t.end()) t.push_back(v);
    }
    std::sort(t.begin(), t.end());
    return time_grid::from_times(std::move(t)).with_start(r.start);
  }

  static time_grid make_jittered(const jittered_grid& j, random_stream& s) {
    std::vector<double> t = j.base.times();
    const std::vector<double>& base = j.base.times();
    for (std::size_t i = 1; i + 1 < t.size(); ++i) {
      const double u = 2 * s.uniform01() - 1;  // [-1, 1)
      const double gap = u < 0 ? base[i] - base[i - 1] : base[i + 1] - base[i];
      t[i] = base[i] + u * j.fraction * gap;
    }
    return time_grid::from_times(std::move(t)).with_start(j.base.start());
  }

  std::variant<time_grid, random_times, jittered_grid> spec_;
};

}  // namespace odesynth
