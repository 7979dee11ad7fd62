// odesynth/sinks/impl/numpy.ipp - the non-template code of sinks/numpy.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "../../io/npz.hpp"
#include "../numpy.hpp"

namespace odesynth {

ODESYNTH_INLINE numpy_sink::numpy_sink(const std::filesystem::path& folder,
                                       const dataset_layout& layout, numpy_options options)
    : options_(options),
      folder_(folder),
      bundle_(folder / "dataset.npz"),
      rows_(layout.max_times),
      columns_(layout.species.size()) {
  if (options_.values_dtype != npy_dtype::float64 && options_.values_dtype != npy_dtype::float32)
    detail::throw_invalid("numpy_options.values_dtype", fmt::format("{}", options_.values_dtype),
                          "float64 or float32");
  if (!options_.npy_files && !options_.npz_bundle)
    detail::throw_invalid("numpy_options", "npy_files = false, npz_bundle = false",
                          "at least one of npy_files and npz_bundle");
  // Writers are (path, dtype, inner shape, overwrite = false, durable = false): the dataset
  // folder's commit syncs every file at once, so each array skips its own fsyncs.
  values_.emplace(folder_ / "values.npy", options_.values_dtype,
                  std::vector<std::size_t>{rows_, columns_}, false, false);
  mask_.emplace(folder_ / "mask.npy", npy_dtype::boolean, std::vector<std::size_t>{rows_, columns_},
                false, false);
  times_.emplace(folder_ / "times.npy", npy_dtype::float64, std::vector<std::size_t>{rows_}, false,
                 false);
  lengths_.emplace(folder_ / "lengths.npy", npy_dtype::int64, std::vector<std::size_t>{}, false,
                   false);
  index_.emplace(folder_ / "index.npy", npy_dtype::uint64, std::vector<std::size_t>{}, false,
                 false);
  status_.emplace(folder_ / "status.npy", npy_dtype::int64, std::vector<std::size_t>{}, false,
                  false);
  // A model without parameters gets an [n, 0] array, which a streaming writer cannot make
  // (its rows are counted from the bytes): it is written whole in finish().
  if (!layout.parameters.empty())
    parameters_.emplace(folder_ / "parameters.npy", npy_dtype::float64,
                        std::vector<std::size_t>{layout.parameters.size()}, false, false);
  initial_state_.emplace(folder_ / "initial_state.npy", npy_dtype::float64,
                         std::vector<std::size_t>{layout.model_species.size()}, false, false);
  value_row_.resize(rows_ * columns_);
  mask_row_.reset(new bool[rows_ * columns_]);
  time_row_.resize(rows_);
}

ODESYNTH_INLINE void numpy_sink::operator()(std::uint64_t index, const trajectory& tr) {
  const auto t = static_cast<std::size_t>(tr.num_times());
  if (t > rows_ || static_cast<std::size_t>(tr.num_species()) != columns_)
    throw invalid_argument(
        "trajectory", fmt::format("[{} x {}]", t, tr.num_species()),
        fmt::format("numpy_sink: trajectory {} has {} rows and {} columns; the dataset layout "
                    "allows at most {} rows and exactly {} columns",
                    index, t, tr.num_species(), rows_, columns_));
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  const auto& v = tr.values();  // row-major T x S: the same order as the tensor slice
  const auto& m = tr.mask();
  for (std::size_t i = 0; i < rows_; ++i) {
    time_row_[i] = i < t ? tr.times()[static_cast<Eigen::Index>(i)] : nan;
    for (std::size_t j = 0; j < columns_; ++j) {
      const bool observed = i < t && m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
      value_row_[i * columns_ + j] =
          observed ? v(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) : nan;
      mask_row_[i * columns_ + j] = observed;
    }
  }
  values_->append(value_row_.data(), value_row_.size());
  mask_->append(mask_row_.get(), rows_ * columns_);
  times_->append(time_row_.data(), time_row_.size());
  const std::int64_t length = static_cast<std::int64_t>(t);
  const std::int64_t status = static_cast<std::int64_t>(tr.status());
  lengths_->append(&length, 1);
  index_->append(&index, 1);
  status_->append(&status, 1);
  if (parameters_)
    parameters_->append(tr.parameters().data(), static_cast<std::size_t>(tr.parameters().size()));
  ++rows_written_;
  initial_state_->append(tr.initial_state().data(),
                         static_cast<std::size_t>(tr.initial_state().size()));
}

ODESYNTH_INLINE std::vector<std::string> numpy_sink::finish() {
  std::vector<std::optional<npy_writer>*> all{&values_, &mask_,   &times_,      &lengths_,
                                              &index_,  &status_, &parameters_, &initial_state_};
  // The [n, 0] parameter table of a model without parameters: a header and no data.
  const std::string empty_parameters =
      parameters_ ? std::string() : detail::npy_header(npy_dtype::float64, {rows_written_, 0});
  const std::string status_names = status_names_npy();
  std::vector<std::string> files;
  if (options_.npy_files) {
    for (auto* w : all) {
      if (!*w) {
        detail::folder_file f(folder_ / "parameters.npy");
        f.write(empty_parameters);
        f.close();
        files.push_back("parameters.npy");
        continue;
      }
      files.push_back((*w)->path().filename().string());
      (*w)->commit();
    }
    detail::folder_file names(folder_ / "status_names.npy");
    names.write(status_names);
    names.close();
    files.push_back("status_names.npy");
  }
  if (options_.npz_bundle) {
    npz_writer bundle(bundle_);
    for (auto* w : all) {
      const std::string name = *w ? (*w)->path().filename().string() : "parameters.npy";
      if (options_.npy_files)
        bundle.add_file(name, folder_ / name);
      else if (*w)
        bundle.add_npy(name, **w);  // straight from the writer's temporary file
      else
        bundle.add_bytes(name, empty_parameters);
    }
    bundle.add_bytes("status_names.npy", status_names);
    bundle.commit();
    files.push_back(bundle_.filename().string());
  }
  return files;
}

ODESYNTH_INLINE std::string status_names_npy() {
  std::size_t width = 1;
  for (auto s : all_solve_statuses) width = std::max(width, to_string(s).size());
  const std::string dict =
      fmt::format("{{'descr': '<U{}', 'fortran_order': False, 'shape': ({},), }}", width,
                  all_solve_statuses.size());
  const std::size_t total = (10 + dict.size() + 1 + 63) / 64 * 64;  // version 1.0 header
  const std::size_t length = total - 10;
  std::string out(detail::npy_magic);
  out += {'\x01', '\x00', static_cast<char>(length & 0xFF), static_cast<char>(length >> 8)};
  out += dict;
  out.append(total - out.size() - 1, ' ');
  out.push_back('\n');
  std::string data(all_solve_statuses.size() * width * 4, '\0');
  for (auto s : all_solve_statuses) {
    const auto name = to_string(s);  // ASCII: each character is one UTF-32LE code unit
    const std::size_t at = static_cast<std::size_t>(s) * width * 4;
    for (std::size_t c = 0; c < name.size(); ++c) data[at + 4 * c] = name[c];
  }
  return out + data;
}

}  // namespace odesynth
