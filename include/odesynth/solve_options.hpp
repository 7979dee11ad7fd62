// odesynth/solve_options.hpp - which stepper, which tolerances, which limits.
//
// An aggregate with documented defaults (C++17 has no designated initialisers):
//
//   odesynth::solve_options o;
//   o.stepper = odesynth::stepper_kind::rosenbrock4;  // the solver's set must hold it
//   o.rel_tol = 1e-8;
//
// validate() is called by the solver when it is constructed, so a bad option fails before
// any work is done. Every message names the field and the offending value.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "detail/text.hpp"
#include "error.hpp"
#include "stepper_set.hpp"

namespace odesynth {

/// How rosenbrock4 (and auto_switch's stiff phases) store the Jacobian J and the matrix
/// E = 1/(gamma h) I - J it factorises every step (docs/solving.md, "Large stiff models:
/// sparse Jacobians"). Sparse storage needs the model's Jacobian pattern, a const member
/// `jacobian_sparsity sparsity()` (sparsity.hpp; equation_model has one, any_model forwards
/// its model's).
enum class jacobian_storage {
  automatic,  ///< sparse when the model gives a pattern, has 25 species or more and E's LU
              ///< factors stay sparse (measured break-even); dense otherwise
  dense,      ///< Eigen::MatrixXd and PartialPivLU, O(n^3) per step, whatever the model gives
  sparse,     ///< Eigen::SparseMatrix on the pattern and SparseLU; the model must give one
};

constexpr std::string_view to_string(jacobian_storage s) noexcept {
  switch (s) {
    case jacobian_storage::automatic: return "automatic";
    case jacobian_storage::dense: return "dense";
    case jacobian_storage::sparse: return "sparse";
  }
  return "unknown";
}

inline constexpr std::array<jacobian_storage, 3> all_jacobian_storages = {
    jacobian_storage::automatic, jacobian_storage::dense, jacobian_storage::sparse};

struct solve_options {
  /// The stepper, one of the solver's compile-time set (stepper_set.hpp). Unset: the set's
  /// first, adaptive Dormand–Prince 5(4) with dense output for the default set. A solver's
  /// options() always hold the stepper it runs.
  std::optional<stepper_kind> stepper;

  /// Relative tolerance: finite, 0 or >= 100 machine epsilons (below that the error
  /// estimate is rounding noise and the step size collapses).
  double rel_tol = 1e-6;
  /// Absolute tolerance, for every species: finite, >= 0; not both tolerances 0.
  /// It must be well below the smallest magnitude you care about: a species that lives
  /// at 1e-5 (Robertson's y2) is invisible to abs_tol = 1e-8 at rel_tol = 1e-6.
  double abs_tol = 1e-8;
  /// Optional per-species absolute tolerance (one value per species, in species order),
  /// replacing abs_tol. Supported by every adaptive stepper except bulirsch_stoer, whose
  /// Boost.Odeint controller accepts only one absolute tolerance.
  std::vector<double> abs_tol_per_species;

  /// First trial step for the adaptive steppers; unset = estimated from the initial
  /// derivative (Hairer, Nørsett & Wanner, Solving ODEs I, sec. II.4).
  std::optional<double> initial_step;
  /// Upper bound on any step (adaptive steppers); unset = none.
  std::optional<double> max_step;
  /// Step of the fixed-step rk4 stepper (required for rk4, ignored otherwise). Each output
  /// interval is divided into ceil(interval / fixed_step) equal steps, so output times are
  /// hit exactly. A solve whose interval needs more than max_steps such steps is refused
  /// (invalid_argument) before any work.
  std::optional<double> fixed_step;
  /// Accepted steps allowed per solve; reaching it ends the solve with status max_steps.
  /// Signed so that a negative value can be reported rather than wrapping around.
  std::int64_t max_steps = 100000;
  /// Smallest acceptable step; a smaller accepted step ends the solve with status
  /// step_underflow. Independently of it, a step below 10 ulp of t is always an underflow.
  double min_step = 0.0;
  /// Wall-time limit per solve, in seconds; 0 = none. A solve still running after it ends
  /// with status time_limit (rows not reached are NaN and unobserved). The clock is read every
  /// few steps, adaptively, so the limit may be overshot by about a millisecond plus one step.
  /// A dataset made with a limit depends on the machine's speed: it is reproducible only where
  /// no solve comes near the limit.
  double time_limit_seconds = 0.0;
  /// Dense or sparse matrices for rosenbrock4 (auto_switch's stiff phases too); the other
  /// steppers ignore it. `sparse` for a model without sparsity() is refused when the solver is
  /// constructed. Sparse and dense runs agree to the tolerances, not bit for bit.
  jacobian_storage jacobian = jacobian_storage::automatic;

  /// Throws invalid_argument naming the first offending field. `num_species` is the
  /// model's state size (checked against abs_tol_per_species).
  void validate(std::size_t num_species) const;
};

namespace detail {
/// The text of fmt::formatter<solve_options>.
ODESYNTH_INLINE std::string solve_options_text(const solve_options& o);
}  // namespace detail

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::jacobian_storage>
    : odesynth::detail::enum_formatter<odesynth::jacobian_storage> {};

/// "dopri5 rel_tol=1e-06 abs_tol=1e-08 max_steps=100000" plus any option that is set (a
/// jacobian other than automatic as "jacobian=sparse"); an unset stepper (the solver's first)
/// prints as "default".
template <>
struct fmt::formatter<odesynth::solve_options> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::solve_options& o, FormatContext& ctx) const {
    return odesynth::detail::copy_text(odesynth::detail::solve_options_text(o), ctx);
  }
};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/solve_options.ipp"
#endif
