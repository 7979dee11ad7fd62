// odesynth/detail/csv_writer.hpp - the CSV text of one trajectory, shared by write_csv and the
// SimbaML CSV sink. Included by their .ipp files only, so that programs using odesynth::compiled
// do not parse <fmt/compile.h>.
#pragma once

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>

#include "../error.hpp"
#include "../trajectory.hpp"

namespace odesynth {

namespace detail {

// Numbers are formatted with compiled format strings (FMT_COMPILE), like the tidy CSV sink:
// fast, and a runtime format_to would compile fmt's whole engine into the caller's program
// (see detail/text.hpp).
template <class Sink>
void write_trajectory_csv(const trajectory& tr, bool time_column, Sink&& sink) {
  fmt::memory_buffer buf;
  const auto& species = tr.species();
  if (static_cast<std::size_t>(tr.num_species()) != species.size())
    throw invalid_argument("trajectory.species", std::to_string(species.size()),
                           fmt::format("trajectory.species: {} names for {} columns",
                                       species.size(), tr.num_species()));
  bool first = true;
  if (time_column) {
    buf.append(std::string_view("time"));
    first = false;
  }
  for (const auto& s : species) {
    if (!first) buf.push_back(',');
    buf.append(s.data(), s.data() + s.size());
    first = false;
  }
  buf.push_back('\n');
  const auto& v = tr.values();
  for (Eigen::Index i = 0; i < v.rows(); ++i) {
    first = true;
    if (time_column) {
      fmt::format_to(std::back_inserter(buf), FMT_COMPILE("{}"), tr.times()[i]);
      first = false;
    }
    for (Eigen::Index j = 0; j < v.cols(); ++j) {
      if (!first) buf.push_back(',');
      // Unobserved or not-a-number values print as "nan" whatever their sign bit (fmt
      // would print "-nan" for a negative NaN, which some readers reject).
      if (!tr.mask()(i, j) || std::isnan(v(i, j)))
        buf.append(std::string_view("nan"));
      else
        fmt::format_to(std::back_inserter(buf), FMT_COMPILE("{}"), v(i, j));
      first = false;
    }
    buf.push_back('\n');
    if (buf.size() >= (std::size_t{1} << 16)) {
      sink(std::string_view(buf.data(), buf.size()));
      buf.clear();
    }
  }
  sink(std::string_view(buf.data(), buf.size()));
}

}  // namespace detail

}  // namespace odesynth
