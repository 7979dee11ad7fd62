// odesynth/io/csv.hpp - a trajectory as CSV: `time,<species...>`, one row per output time.
//
// Numbers are written by fmt in their shortest form that reads back to the same double
// (a CSV round trip is exact); a missing value is written `nan`, which pandas, numpy and R
// read as missing. Writing to a path is atomic (detail/atomic_file.hpp): the file appears
// complete or not at all, and an existing file is only replaced with overwrite = true, and
// only if it is a regular file (not a link, FIFO, device, socket or folder).
#pragma once

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <filesystem>
#include <iterator>
#include <ostream>
#include <string>
#include <string_view>

#include "../detail/atomic_file.hpp"
#include "../error.hpp"
#include "../trajectory.hpp"

namespace odesynth {

struct csv_options {
  bool time_column = true;  ///< first column `time`
  bool overwrite = false;   ///< replace an existing file at the destination path
};

namespace detail {

// Numbers are formatted with compiled format strings (FMT_COMPILE), like the tidy CSV sink:
// fast, and a runtime format_to would compile fmt's whole engine into the caller's program
// (see detail/text.hpp).
template <class Sink>
void write_trajectory_csv(const trajectory& tr, const csv_options& options, Sink&& sink) {
  fmt::memory_buffer buf;
  const auto& species = tr.species();
  if (static_cast<std::size_t>(tr.num_species()) != species.size())
    throw invalid_argument("trajectory.species", std::to_string(species.size()),
                           fmt::format("trajectory.species: {} names for {} columns",
                                       species.size(), tr.num_species()));
  bool first = true;
  if (options.time_column) {
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
    if (options.time_column) {
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

/// Writes CSV to a stream; throws io_error if the stream fails.
inline void write_csv(std::ostream& os, const trajectory& tr, const csv_options& options = {}) {
  detail::write_trajectory_csv(tr, options, [&os](std::string_view bytes) {
    os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
  os.flush();
  if (!os) throw io_error("", "write_csv: the output stream failed");
}

/// Writes CSV to `path`, atomically; throws io_error naming the path on any failure, and
/// then leaves no file under `path`.
inline void write_csv(const std::filesystem::path& path, const trajectory& tr,
                      const csv_options& options = {}) {
  detail::atomic_file file(path, options.overwrite);
  detail::write_trajectory_csv(tr, options, [&file](std::string_view bytes) { file.write(bytes); });
  file.commit();
}

/// The CSV text of a trajectory.
inline std::string to_csv(const trajectory& tr, const csv_options& options = {}) {
  std::string out;
  detail::write_trajectory_csv(tr, options, [&out](std::string_view bytes) { out.append(bytes); });
  return out;
}

}  // namespace odesynth
