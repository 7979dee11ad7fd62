// odesynth/io/impl/csv.ipp - the non-template code of io/csv.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fstream>
#include <ostream>

#include "../../detail/csv_writer.hpp"
#include "../csv.hpp"

namespace odesynth {

ODESYNTH_INLINE void write_csv(std::ostream& os, const trajectory& tr, const csv_options& options) {
  detail::write_trajectory_csv(tr, options.time_column, [&os](std::string_view bytes) {
    os.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  });
  os.flush();
  if (!os) throw io_error("", "write_csv: the output stream failed");
}

ODESYNTH_INLINE void write_csv(const std::filesystem::path& path, const trajectory& tr,
                               const csv_options& options) {
  detail::atomic_file file(path, options.overwrite);
  detail::write_trajectory_csv(tr, options.time_column,
                               [&file](std::string_view bytes) { file.write(bytes); });
  file.commit();
}

ODESYNTH_INLINE std::string to_csv(const trajectory& tr, const csv_options& options) {
  std::string out;
  detail::write_trajectory_csv(tr, options.time_column,
                               [&out](std::string_view bytes) { out.append(bytes); });
  return out;
}

}  // namespace odesynth
