// odesynth/sinks/parameter_table.hpp - what produced each trajectory, as one CSV table:
// `trajectory,status,<parameters...>,x0_<species...>` with the sampled parameter values (those
// in force at the start, for scheduled ones) and initial values, one row per trajectory in
// index order. Written beside every dataset whatever its format, so no sample is ever lost.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "../detail/atomic_folder.hpp"
#include "../detail/config.hpp"
#include "../trajectory.hpp"
#include "dataset_layout.hpp"

namespace odesynth {

class parameter_table_sink {
 public:
  parameter_table_sink(const std::filesystem::path& folder, const dataset_layout& layout,
                       std::string file_name = "parameters.csv");

  void operator()(std::uint64_t index, const trajectory& tr);

  std::vector<std::string> finish();

 private:
  std::string name_;
  detail::folder_file file_;
  std::string buffer_;
};

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/parameter_table.ipp"
#endif
