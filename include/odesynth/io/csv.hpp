// odesynth/io/csv.hpp - a trajectory as CSV: `time,<species...>`, one row per output time.
//
// Numbers are written by fmt in their shortest form that reads back to the same double
// (a CSV round trip is exact); a missing value is written `nan`, which pandas, numpy and R
// read as missing. Writing to a path is atomic (detail/atomic_file.hpp): the file appears
// complete or not at all, and an existing file is only replaced with overwrite = true, and
// only if it is a regular file (not a link, FIFO, device, socket or folder).
#pragma once

#include <cstddef>
#include <filesystem>
#include <iosfwd>
#include <string>
#include <string_view>

#include "../detail/atomic_file.hpp"
#include "../detail/config.hpp"
#include "../error.hpp"
#include "../trajectory.hpp"

namespace odesynth {

struct csv_options {
  bool time_column = true;  ///< first column `time`
  bool overwrite = false;   ///< replace an existing file at the destination path
};

/// Writes CSV to a stream; throws io_error if the stream fails.
ODESYNTH_INLINE void write_csv(std::ostream& os, const trajectory& tr,
                               const csv_options& options = {});

/// Writes CSV to `path`, atomically; throws io_error naming the path on any failure, and
/// then leaves no file under `path`.
ODESYNTH_INLINE void write_csv(const std::filesystem::path& path, const trajectory& tr,
                               const csv_options& options = {});

/// The CSV text of a trajectory.
ODESYNTH_INLINE std::string to_csv(const trajectory& tr, const csv_options& options = {});

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/csv.ipp"
#endif
