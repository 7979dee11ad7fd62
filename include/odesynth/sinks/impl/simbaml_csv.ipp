// odesynth/sinks/impl/simbaml_csv.ipp - the non-template code of sinks/simbaml_csv.hpp, compiled in
// every file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <system_error>

#include "../../detail/csv_writer.hpp"
#include "../../error.hpp"
#include "../simbaml_csv.hpp"

namespace odesynth {

ODESYNTH_INLINE simbaml_csv_sink::simbaml_csv_sink(const std::filesystem::path& folder,
                                                   const dataset_layout& layout,
                                                   simbaml_csv_options options)
    : folder_(folder), prefix_(layout.model_name), subfolder_(options.subfolder) {
  options.validate();
  csv_.time_column = options.time_column;
  if (subfolder_.empty()) return;
  folder_ /= subfolder_;
  std::error_code ec;
  if (!std::filesystem::create_directory(folder_, ec) || ec)
    throw io_error(folder_.string(), fmt::format("cannot create {}: {}", folder_.string(),
                                                 ec ? ec.message() : "it already exists"));
}

ODESYNTH_INLINE void simbaml_csv_sink::operator()(std::uint64_t index, const trajectory& tr) {
  const std::string name = fmt::format("{}_{}.csv", prefix_, index);
  detail::folder_file file(folder_ / name);
  detail::write_trajectory_csv(tr, csv_.time_column,
                               [&file](std::string_view bytes) { file.write(bytes); });
  file.close();
  ++files_;
}

ODESYNTH_INLINE std::vector<std::string> simbaml_csv_sink::finish() const {
  const std::string dir = subfolder_.empty() ? "" : subfolder_ + "/";
  return {fmt::format("{}{}_<index>.csv ({} files)", dir, prefix_, files_)};
}

ODESYNTH_INLINE void simbaml_csv_options::validate(std::string_view where) const {
  if (subfolder.empty()) return;
  const bool plain = subfolder != "." && subfolder != ".." &&
                     subfolder.find_first_of(std::string_view("/\\\0", 3)) == std::string::npos;
  if (!plain)
    detail::throw_invalid(fmt::format("{}.subfolder", where), subfolder,
                          "a plain folder name inside the dataset (no '/', '\\' or NUL; not "
                          "'.' or '..'), or \"\" for the dataset folder itself");
}

}  // namespace odesynth
