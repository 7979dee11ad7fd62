// odesynth/time_grid_spec.hpp - which times each trajectory of a dataset is reported at.
//
// Real measurements are rarely on one regular grid. A time_grid_spec says how trajectory i
// gets its grid, from its own time-grid stream (so grids do not shift when other random
// choices change):
//   fixed        the same grid for every trajectory;
//   random_times `count` times uniform on [first, last], sorted (strictly increasing and
//                resolvable by the solver, see time_grid.hpp), with the end points included
//                if asked; integration starts at `start`;
//   jittered     a base grid whose interior times move by up to `fraction` of the spacing to
//                their neighbours (order is preserved: fraction < 1/2).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "detail/config.hpp"
#include "error.hpp"
#include "random.hpp"
#include "time_grid.hpp"

namespace odesynth {

struct random_times {
  /// At most time_grid::max_size, and at most a quarter of the times the solver can tell
  /// apart in [first, last] (only a problem for ranges a few thousand ulp wide).
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
  time_grid_spec(random_times r);
  time_grid_spec(jittered_grid j);

  /// The grid of one trajectory; `s` is its time-grid stream (unused for fixed grids).
  /// Which kind of grid, for provenance: holds a time_grid, random_times or jittered_grid.
  const std::variant<time_grid, random_times, jittered_grid>& variant() const noexcept {
    return spec_;
  }

  time_grid make(random_stream& s) const;

  /// The most rows a trajectory can have, and the time range (for validating transforms).
  std::size_t max_times() const;
  std::pair<double, double> time_range() const;
  bool is_fixed() const noexcept { return std::holds_alternative<time_grid>(spec_); }
  /// The grid every trajectory shares, or null if each draws its own.
  const time_grid* fixed_grid() const noexcept { return std::get_if<time_grid>(&spec_); }

  std::string describe() const;

 private:
  // How many times in [first, last] the solver can tell apart, at most: the span over the
  // resolution at the larger end (an underestimate where |t| is smaller), and no more than
  // the doubles in the range (subnormal ranges, where the resolution underflows).
  static double resolvable_slots(double first, double last);

  // The doubles in [a, b] (a < b): for non-negative doubles the bit patterns count up.
  static double doubles_between(double a, double b);

  // Draws in stream order, first + (last - first) * u. A draw the solver cannot tell from a
  // time already taken (an exact duplicate: a 2^-53 event per pair; closer than the resolution:
  // hardly likelier, unless the range is crowded) is dropped and replaced by further draws, as
  // many as are missing; so for ordinary input the grid holds exactly the first draws, as it
  // always has. Sorting each batch and merging it into the sorted times taken keeps this
  // O(n log n) (a linear search per draw was 1.8 s for 100,000 times).
  static time_grid make_random(const random_times& r, random_stream& s);

  static time_grid make_jittered(const jittered_grid& j, random_stream& s);

  std::variant<time_grid, random_times, jittered_grid> spec_;
};

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/time_grid_spec.ipp"
#endif
