// odesynth/sinks/tidy_csv.hpp - the whole dataset as one long ("tidy") CSV table:
// `trajectory,time,species,value`, one row per observed value, trajectories in index order,
// rows in time order, species in column order. Unobserved values have no row (a reader gets
// them back as missing: see read_long_csv). Numbers are shortest round-trip text.
#pragma once

#include <fmt/format.h>  // fmt::memory_buffer

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "../detail/atomic_folder.hpp"
#include "../detail/config.hpp"
#include "../trajectory.hpp"
#include "dataset_layout.hpp"

namespace odesynth {

class tidy_csv_sink {
 public:
  tidy_csv_sink(const std::filesystem::path& folder, const dataset_layout& layout,
                std::string file_name = "data.csv");

  void operator()(std::uint64_t index, const trajectory& tr);

  std::vector<std::string> finish();

 private:
  std::string name_;
  detail::folder_file file_;
  std::vector<std::string> species_;
  fmt::memory_buffer buffer_;
};

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/tidy_csv.ipp"
#endif
