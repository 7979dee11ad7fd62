// odesynth/sinks/impl/tidy_csv.ipp - the non-template code of sinks/tidy_csv.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/compile.h>
#include <fmt/format.h>

#include <iterator>
#include <utility>

#include "../tidy_csv.hpp"

namespace odesynth {

ODESYNTH_INLINE tidy_csv_sink::tidy_csv_sink(const std::filesystem::path& folder,
                                             const dataset_layout& layout, std::string file_name)
    : name_(std::move(file_name)), file_(folder / name_), species_(layout.species) {
  file_.write("trajectory,time,species,value\n");
}

ODESYNTH_INLINE void tidy_csv_sink::operator()(std::uint64_t index, const trajectory& tr) {
  buffer_.clear();
  const auto& v = tr.values();
  const auto& m = tr.mask();
  const auto& names = tr.species();
  // "trajectory,time," is formatted once per row and copied for each value; format strings
  // are compiled (FMT_COMPILE), so no format string is parsed per value.
  fmt::memory_buffer prefix;
  for (Eigen::Index i = 0; i < v.rows(); ++i) {
    prefix.clear();
    fmt::format_to(std::back_inserter(prefix), FMT_COMPILE("{},{},"), index, tr.times()[i]);
    for (Eigen::Index j = 0; j < v.cols(); ++j) {
      if (!m(i, j)) continue;
      buffer_.append(prefix.data(), prefix.data() + prefix.size());
      const auto& name = names[static_cast<std::size_t>(j)];
      buffer_.append(name.data(), name.data() + name.size());
      buffer_.push_back(',');
      fmt::format_to(std::back_inserter(buffer_), FMT_COMPILE("{}"), v(i, j));
      buffer_.push_back('\n');
    }
  }
  file_.write(std::string_view(buffer_.data(), buffer_.size()));
}

ODESYNTH_INLINE std::vector<std::string> tidy_csv_sink::finish() {
  file_.close();
  return {name_};
}

}  // namespace odesynth
