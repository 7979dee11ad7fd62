// odesynth/sinks/numpy.hpp - a dataset as NumPy arrays, streamed trajectory by trajectory.
//
//   values.npy         [n, T, S]  float64 (or float32), NaN where missing or past the end
//   mask.npy           [n, T, S]  bool, true where observed
//   times.npy          [n, T]     float64, NaN past each trajectory's length (irregular grids
//                                 and sparsifiers give trajectories different times)
//   lengths.npy        [n]        int64, rows of each trajectory
//   index.npy          [n]        uint64, each trajectory's index in the dataset
//   status.npy         [n]        int64, solve_status code (names in status_names.npy)
//   parameters.npy     [n, P]     float64, the sampled parameters (values at the start)
//   initial_state.npy  [n, S0]    float64, the initial values of all model species
//   status_names.npy   [K]        '<U' strings, the name of each status code:
//                                 status_names[status[i]] is trajectory i's status
// T is the longest trajectory the generator can make (its output layout), so the leading
// dimension is the only one that grows and nothing is held in memory: each array streams
// to its own file (npy.hpp), whose header is patched with n at the end. With `npz_bundle` the
// arrays are also bundled as dataset.npz (stored, not compressed: numpy.load memory-maps
// nothing from an npz anyway, and compression would cost more than the solve).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "../detail/atomic_folder.hpp"
#include "../detail/config.hpp"
#include "../io/npy.hpp"
#include "../solve_status.hpp"
#include "../trajectory.hpp"
#include "dataset_layout.hpp"

namespace odesynth {

/// status_names.npy: the names of the solve_status codes (to_string), element k naming code k,
/// as a NumPy unicode array ('<U<longest>', UTF-32LE, C order), so that Python decodes
/// status.npy without reading C++: `np.load("status_names.npy")[np.load("status.npy")]`.
/// numpy loads it without allow_pickle. (odesynth's own read_npy reads numeric dtypes only.)
ODESYNTH_INLINE std::string status_names_npy();

struct numpy_options {
  npy_dtype values_dtype = npy_dtype::float64;  ///< float64 or float32
  bool npy_files = true;                        ///< keep the .npy files
  bool npz_bundle = false;                      ///< also write dataset.npz
};

class numpy_sink {
 public:
  numpy_sink(const std::filesystem::path& folder, const dataset_layout& layout,
             numpy_options options = {});

  void operator()(std::uint64_t index, const trajectory& tr);

  /// Completes every array (and the bundle); returns the file names, relative to the folder.
  std::vector<std::string> finish();

 private:
  numpy_options options_;
  std::filesystem::path folder_, bundle_;
  std::size_t rows_, columns_;
  std::uint64_t rows_written_ = 0;
  std::optional<npy_writer> values_, mask_, times_, lengths_, index_, status_, parameters_,
      initial_state_;
  std::vector<double> value_row_, time_row_;
  std::unique_ptr<bool[]> mask_row_;  // not std::vector<bool>: it has no contiguous data()
};

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/numpy.ipp"
#endif
