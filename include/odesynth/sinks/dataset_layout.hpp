// odesynth/sinks/dataset_layout.hpp - what every dataset sink knows before the first
// trajectory arrives: names and an upper bound on rows, so files can be laid out up front.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace odesynth {

struct dataset_layout {
  std::string model_name;
  std::vector<std::string> species;        ///< output columns, after transforms
  std::vector<std::string> model_species;  ///< the model's species (initial values)
  std::vector<std::string> parameters;     ///< the model's parameters (sampled values)
  std::size_t max_times = 0;               ///< rows of the longest trajectory
};

}  // namespace odesynth
