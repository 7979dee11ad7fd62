// odesynth/sinks/parameter_table.hpp - what produced each trajectory, as one CSV table:
// `trajectory,status,<parameters...>,x0_<species...>` with the sampled parameter values (those
// in force at the start, for scheduled ones) and initial values, one row per trajectory in
// index order. Written beside every dataset whatever its format, so no sample is ever lost.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <filesystem>
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
    // fmt::format runs in libfmt; format_to(back_inserter) would compile fmt's engine into
    // every program that writes a dataset (see detail/text.hpp). One row per trajectory.
    std::string header = "trajectory,status";
    for (const auto& p : layout.parameters) header += fmt::format(",{}", p);
    for (const auto& s : layout.model_species) header += fmt::format(",x0_{}", s);
    header += '\n';
    file_.write(header);
  }

  void operator()(std::uint64_t index, const trajectory& tr) {
    buffer_ = fmt::format("{},{}", index, to_string(tr.status()));
    for (double p : tr.parameters()) buffer_ += fmt::format(",{}", p);
    for (double x : tr.initial_state()) buffer_ += fmt::format(",{}", x);
    buffer_ += '\n';
    file_.write(buffer_);
  }

  std::vector<std::string> finish() {
    file_.close();
    return {name_};
  }

 private:
  std::string name_;
  detail::folder_file file_;
  std::string buffer_;
};

}  // namespace odesynth
