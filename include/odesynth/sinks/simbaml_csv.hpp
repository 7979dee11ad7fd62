// odesynth/sinks/simbaml_csv.hpp - SimbaML's dataset layout: one `<model>_<i>.csv` per
// trajectory in a folder, header of the observed species, so SimbaML's loaders (which read
// every CSV file of a folder) take our output.
//
// Differences from SimbaML's own files, on purpose:
//   - a `time` column comes first (on by default; `time_column = false` gives SimbaML's exact
//     layout, which loses the time of sparsified or irregular rows);
//   - `i` is the trajectory's index in the dataset, so files of a slice [a, b) are numbered
//     a..b-1 and dropped trajectories leave gaps;
//   - missing values are written `nan` (SimbaML's frames hold NaN too; pandas reads both);
//   - parameters and initial values are not lost: the dataset writer puts them in
//     parameters.csv beside these files (SimbaML does not record them).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "../detail/atomic_folder.hpp"
#include "../detail/config.hpp"
#include "../io/csv.hpp"
#include "../trajectory.hpp"
#include "dataset_layout.hpp"

namespace odesynth {

struct simbaml_csv_options {
  bool time_column = true;  ///< false: SimbaML's exact layout (species columns only)
  /// "" = the dataset folder itself, else one plain folder name inside it ("csv"): no path
  /// separator, not "." or "..", so the files stay inside the folder that is renamed into
  /// place (a path could lead anywhere, outside the atomic write).
  std::string subfolder;

  /// `where` names the options in errors ("dataset_options.simbaml").
  void validate(std::string_view where = "simbaml_csv_options") const;
};

class simbaml_csv_sink {
 public:
  simbaml_csv_sink(const std::filesystem::path& folder, const dataset_layout& layout,
                   simbaml_csv_options options = {});

  void operator()(std::uint64_t index, const trajectory& tr);

  /// The files written, as a pattern (one per trajectory can be millions of names).
  std::vector<std::string> finish() const;

 private:
  std::filesystem::path folder_;
  std::string prefix_;
  std::string subfolder_;
  csv_options csv_;
  std::uint64_t files_ = 0;
};

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/simbaml_csv.ipp"
#endif
