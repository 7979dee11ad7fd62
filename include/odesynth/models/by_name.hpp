// odesynth/models/by_name.hpp - the model zoo looked up by name at run time, for programs
// whose model comes from a configuration (odesynth-generate, the Python module).
//
//   const auto entry = odesynth::models::by_name("lotka_volterra");
//   auto tr = odesynth::solve(entry.model, entry.default_parameters,
//                             entry.default_initial_state, entry.default_grid(101));
//
// Each entry holds the model as an any_model (any_model.hpp: one run-time type, Eigen::VectorXd
// state) and the defaults that odesynth/models.hpp documents. Code that knows its model at
// compile time should use the model type itself (models.hpp): it is fixed-size and faster.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../any_model.hpp"
#include "../detail/config.hpp"
#include "../time_grid.hpp"

namespace odesynth::models {

struct zoo_entry {
  any_model model;
  std::string summary;  ///< one line, for listings
  std::vector<double> default_parameters;
  std::vector<double> default_initial_state;
  double default_t_end = 0;
  /// Species SimbaML hides from its output (SimbaML's example problems), else empty.
  std::vector<std::string> hidden_species;
  /// `count` equally spaced times over [0, default_t_end].
  time_grid default_grid(std::size_t count) const {
    return time_grid::linspace(0.0, default_t_end, count);
  }
};

/// The zoo's model names, sorted.
ODESYNTH_INLINE std::vector<std::string> zoo_names();

/// The zoo model called `name`. `size` is the species count of a model built at a size
/// (linear_chain; default 10) and must be absent for the others. Throws invalid_argument
/// naming `field` and listing the valid names when there is no such model.
ODESYNTH_INLINE zoo_entry by_name(std::string_view name, std::optional<std::size_t> size = {},
                                  std::string_view field = "model.zoo");

}  // namespace odesynth::models

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/by_name.ipp"
#endif
