// odesynth/sbml_run_config.hpp - SBML files as the model of a run document (run_config.hpp):
//
//   [model]
//   sbml = "repressilator.xml"      # relative to the configuration file's folder
//
// The model takes its parameter values and initial state from the file (sbml.hpp), so a
// document only lists what it samples. Part of the odesynth::sbml component: a program that
// includes this header links odesynth::sbml.
#pragma once

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "detail/json.hpp"
#include "run_config.hpp"
#include "sbml.hpp"

namespace odesynth {

/// The reader of the model key "sbml", for run_config_readers::models; relative file names
/// are taken from `base_folder`.
inline std::pair<std::string, model_reader> sbml_model_reader(
    std::filesystem::path base_folder = {}) {
  auto read = [base_folder](std::string_view, const detail::json& table, const std::string& where) {
    for (const auto& [key, value] : table.as_object(where))
      if (key != "sbml")
        value.refuse(where + "." + key, "(an unknown key)", "only the key sbml (the file)");
    const detail::json& file = table.at("sbml", where);
    const std::filesystem::path path(file.as_string(where + ".sbml"));
    const auto sbml =
        read_sbml_file(path.is_absolute() || base_folder.empty() ? path : base_folder / path);
    return run_model{any_model(sbml.model), "sbml",       sbml.parameter_values,
                     sbml.initial_state,    std::nullopt, sbml.equations};
  };
  return {"sbml", model_reader(std::move(read))};
}

}  // namespace odesynth
