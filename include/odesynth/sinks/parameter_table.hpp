// odesynth/sinks/parameter_table.hpp - what produced each trajectory, as one CSV table:
// `trajectory,status,<parameters...>,x0_<species...>` with the sampled parameter values (those
// in force at the start, for scheduled ones) and initial values, one row per trajectory in
// index order. Written beside every dataset whatever its format, so no sample is ever lost.
#pragma once

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

class parameter_table_sink {
 public:
  parameter_table_sink(const std::filesystem::path& folder, const dataset_layout& layout,
                       std::string file_name = "parameters.csv")
      : name_(std::move(file_name)), file_(folder / name_) {
    fmt::memory_buffer header;
    fmt::format_to(std::back_inserter(header), "trajectory,status");
    for (const auto& p : layout.parameters) fmt::format_to(std::back_inserter(header), ",{}", p);
    for (const auto& s : layout.model_species)
      fmt::format_to(std::back_inserter(header), ",x0_{}", s);
    header.push_back('\n');
    file_.write(std::string_view(header.data(), header.size()));
  }

  void operator()(std::uint64_t index, const trajectory& tr) {
    buffer_.clear();
    fmt::format_to(std::back_inserter(buffer_), "{},{}", index, to_string(tr.status()));
    for (double p : tr.parameters()) fmt::format_to(std::back_inserter(buffer_), ",{}", p);
    for (double x : tr.initial_state()) fmt::format_to(std::back_inserter(buffer_), ",{}", x);
    buffer_.push_back('\n');
    file_.write(std::string_view(buffer_.data(), buffer_.size()));
  }

  std::vector<std::string> finish() {
    file_.close();
    return {name_};
  }

 private:
  std::string name_;
  detail::folder_file file_;
  fmt::memory_buffer buffer_;
};

}  // namespace odesynth
