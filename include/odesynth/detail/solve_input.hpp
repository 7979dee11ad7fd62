// odesynth/detail/solve_input.hpp - the check every solver (solve.hpp, sde.hpp) makes of the
// values a solve is given: one finite value per name.
#pragma once

#include <string>
#include <vector>

#include "../error.hpp"
#include "../model.hpp"
#include "../value_span.hpp"
#include "config.hpp"

namespace odesynth::detail {

/// Throws invalid_argument on "<model>.<what>" unless `v` holds one finite value per name
/// (`kind` names one of them in the message: "one per species: S, I, R"). The field's name is
/// formatted only on failure: this runs on every solve.
ODESYNTH_INLINE void check_solve_values(const model_description& model, const char* what,
                                        const char* kind, const std::vector<std::string>& names,
                                        value_span v);

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/solve_input.ipp"
#endif
