// odesynth/solve_status.hpp - how one solve ended, as a value rather than an exception.
//
// Boost.Odeint reports almost nothing: a blow-up comes back as NaN, a stiff system with an
// explicit stepper just runs forever. odesynth drives the stepper itself and classifies every
// ending into one of these statuses; a trajectory whose status is not `ok` never passes its
// unreached rows off as data (they are NaN and unobserved).
#pragma once

#include <fmt/format.h>

#include <array>
#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "detail/enum_names.hpp"
#include "error.hpp"

namespace odesynth {

enum class solve_status {
  ok,                   ///< every requested time was reached within tolerance
  max_steps,            ///< the step cap (solve_options::max_steps) was hit first
  non_finite,           ///< the state became NaN or infinite (blow-up, NaN from the model)
  initial_non_finite,   ///< the right-hand side is NaN or infinite at the initial state
  step_underflow,       ///< the step size fell below what the time resolution allows
  step_size_not_found,  ///< 500 consecutive step rejections: no acceptable step size
  rhs_threw,            ///< the model's right-hand side (or Jacobian) threw an exception
  time_limit,           ///< the solve ran longer than its wall-time limit (solve_options)
  invalid_sample,       ///< a drawn parameter or initial value was not finite (not solved)
};

// Codes in files (status.npy) are the positions here: new statuses go at the end.
inline constexpr std::array<solve_status, 9> all_solve_statuses{solve_status::ok,
                                                                solve_status::max_steps,
                                                                solve_status::non_finite,
                                                                solve_status::initial_non_finite,
                                                                solve_status::step_underflow,
                                                                solve_status::step_size_not_found,
                                                                solve_status::rhs_threw,
                                                                solve_status::time_limit,
                                                                solve_status::invalid_sample};

/// The status' name, as written in files and reports ("ok", "max_steps", ...).
constexpr std::string_view to_string(solve_status s) noexcept {
  switch (s) {
    case solve_status::ok: return "ok";
    case solve_status::max_steps: return "max_steps";
    case solve_status::non_finite: return "non_finite";
    case solve_status::initial_non_finite: return "initial_non_finite";
    case solve_status::step_underflow: return "step_underflow";
    case solve_status::step_size_not_found: return "step_size_not_found";
    case solve_status::rhs_threw: return "rhs_threw";
    case solve_status::time_limit: return "time_limit";
    case solve_status::invalid_sample: return "invalid_sample";
  }
  return "unknown";
}

inline std::ostream& operator<<(std::ostream& os, solve_status s) { return os << to_string(s); }

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::solve_status>
    : odesynth::detail::enum_formatter<odesynth::solve_status> {};
