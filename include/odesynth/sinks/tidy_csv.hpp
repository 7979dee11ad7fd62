// odesynth/sinks/tidy_csv.hpp - the whole dataset as one long ("tidy") CSV table:
// `trajectory,time,species,value`, one row per observed value, trajectories in index order,
// rows in time order, species in column order. Unobserved values have no row (a reader gets
// them back as missing: see read_long_csv). Numbers are shortest round-trip text.
#pragma once

#include <fmt/compile.h>
#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

#include "../detail/atomic_folder.hpp"
#include "../trajectory.hpp"
#include "dataset_layout.hpp"

namespace odesynth {

class tidy_csv_sink {
 public:
  tidy_csv_sink(const std::filesystem::path& folder, const dataset_layout& layout,
                std::string file_name = "data.csv")
      : name_(std::move(file_name)), file_(folder / name_), species_(layout.species) {
    file_.write("trajectory,time,species,value\n");
  }

  void operator()(std::uint64_t index, const trajectory& tr) {
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

  std::vector<std::string> finish() {
    file_.close();
    return {name_};
  }

 private:
  std::string name_;
  detail::folder_file file_;
  std::vector<std::string> species_;
  fmt::memory_buffer buffer_;
};

}  // namespace odesynth
