// odesynth/sinks/impl/parameter_table.ipp - the non-template code of sinks/parameter_table.hpp,
// compiled in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <utility>

#include "../parameter_table.hpp"

namespace odesynth {

ODESYNTH_INLINE parameter_table_sink::parameter_table_sink(const std::filesystem::path& folder,
                                                           const dataset_layout& layout,
                                                           std::string file_name)
    : name_(std::move(file_name)), file_(folder / name_) {
  // fmt::format runs in libfmt; format_to(back_inserter) would compile fmt's engine into
  // every program that writes a dataset (see detail/text.hpp). One row per trajectory.
  std::string header = "trajectory,status";
  for (const auto& p : layout.parameters) header += fmt::format(",{}", p);
  for (const auto& s : layout.model_species) header += fmt::format(",x0_{}", s);
  header += '\n';
  file_.write(header);
}

ODESYNTH_INLINE void parameter_table_sink::operator()(std::uint64_t index, const trajectory& tr) {
  buffer_ = fmt::format("{},{}", index, to_string(tr.status()));
  for (double p : tr.parameters()) buffer_ += fmt::format(",{}", p);
  for (double x : tr.initial_state()) buffer_ += fmt::format(",{}", x);
  buffer_ += '\n';
  file_.write(buffer_);
}

ODESYNTH_INLINE std::vector<std::string> parameter_table_sink::finish() {
  file_.close();
  return {name_};
}

}  // namespace odesynth
