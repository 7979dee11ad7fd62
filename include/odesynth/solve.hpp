// odesynth/solve.hpp - solve a model on a time grid: model + parameters + initial state +
// grid + options -> trajectory.
//
//   odesynth::solve_options opts;                       // dopri5, rtol 1e-6, atol 1e-8
//   auto tr = odesynth::solve(lotka_volterra{}, {1.5, 1.0, 3.0, 1.0}, {10.0, 5.0},
//                             odesynth::time_grid::linspace(0, 15, 151), opts);
//   if (!tr.ok()) std::cerr << tr.message();
//
// For many solves of one model, construct a `solver` once (names and options are validated
// there) and call solve() repeatedly; it is const and safe to call from several threads.
//
// Steppers are chosen at compile time (stepper_set.hpp): solver<Model> runs dopri5 only, so a
// program compiles one stepper, not five. To pick another, or to pick at run time, name the set:
//
//   odesynth::solve_options o;
//   o.stepper = odesynth::stepper_kind::rosenbrock4;   // unset: the set's first
//   odesynth::solver<robertson, odesynth::all_steppers> s(robertson{}, o);
//   auto tr = odesynth::solve<odesynth::all_steppers>(robertson{}, p, x0, grid, o);
//
// Bad input (wrong lengths, NaN parameters or initial values, bad options) throws
// invalid_argument before any work. A numerical failure does not throw: the trajectory's
// status says what happened, its message says where, the rows before the failure point hold
// the values computed up to there and the rest are NaN and unobserved. (Values just before a
// blow-up carry the error the singularity amplifies: a solve of x' = x^2 at rtol 1e-6 puts
// the pole near t = 1 + 2e-7, so it reports x(1) = 4e6 instead of infinity. The status marks
// the whole trajectory as failed.)
#pragma once

#include <fmt/format.h>

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/auto_switch.hpp"
#include "detail/column_colouring.hpp"
#include "detail/error_checker.hpp"
#include "detail/finite_difference.hpp"
#include "detail/initial_step.hpp"
#include "detail/odeint.hpp"
#include "detail/rosenbrock4.hpp"
#include "detail/solve_input.hpp"
#include "detail/state_ops.hpp"
#include "detail/step_adjuster.hpp"
#include "detail/step_loops.hpp"
#include "detail/text.hpp"
#include "detail/time_budget.hpp"
#include "error.hpp"
#include "model.hpp"
#include "parameter_schedule.hpp"
#include "solve_options.hpp"
#include "solve_status.hpp"
#include "sparsity.hpp"
#include "time_grid.hpp"
#include "trajectory.hpp"
#include "value_span.hpp"

// g++ reports -Wmaybe-uninitialized where odeint copies a freshly built stepper whose
// std::array work buffers it fills before use (controlled_runge_kutta's constructor). The
// pragma in detail/odeint.hpp silences it only if odesynth is the first to include those
// odeint headers; a user who includes odeint first would still see it inlined here, so the
// solver, where the steppers are built, carries the same narrow suppression.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace odesynth {

namespace detail {

/// The stepper of `options` (unset: the set's first), refused with a message saying how to
/// opt in if the solver was not compiled with it.
template <class Steppers>
stepper_kind resolve_stepper(const solve_options& options) {
  const stepper_kind k = options.stepper.value_or(Steppers::first);
  if (!Steppers::contains(k))
    throw_invalid("solve_options.stepper", k,
                  fmt::format("a stepper this solver was compiled with ({}); steppers are "
                              "chosen at compile time: opt in with a set that holds {}, e.g. "
                              "odesynth::solver<Model, odesynth::all_steppers>, "
                              "odesynth::solve<odesynth::all_steppers>(...) or "
                              "odesynth::make_generator<odesynth::all_steppers>(...)",
                              Steppers::to_string(), k));
  return k;
}

}  // namespace detail

/// Solves one model, with the steppers of `Steppers` (a stepper_set) compiled in.
template <class Model, class Steppers = default_steppers>
class solver {
  static_assert(is_stepper_set_v<Steppers>,
                "odesynth::solver<Model, Steppers>: Steppers must be an odesynth::stepper_set, "
                "e.g. odesynth::all_steppers");

 public:
  using traits = model_traits<Model>;
  using state_type = typename traits::state_type;
  using param_type = typename traits::param_type;
  using steppers = Steppers;

  /// Validates the model's names and the options; throws invalid_argument. An unset
  /// options.stepper becomes the set's first; one outside the set is refused.
  explicit solver(Model model, solve_options options = {})
      : description_(describe(model)), model_(std::move(model)), options_(std::move(options)) {
    options_.stepper = detail::resolve_stepper<Steppers>(options_);
    options_.validate(description_->num_species());
    if (options_.jacobian == jacobian_storage::sparse && !detail::sparsity_available(model_))
      detail::throw_invalid("solve_options.jacobian", options_.jacobian,
                            fmt::format("automatic or dense for model {}, which gives no Jacobian "
                                        "pattern (a const member sparsity() returning "
                                        "odesynth::jacobian_sparsity)",
                                        description_->name()));
    sparse_ = make_sparse_setup();
    species_ = trajectory::names_ptr(description_, &description_->species());
  }

  const Model& model() const noexcept { return model_; }
  const model_description& description() const noexcept { return *description_; }
  const std::shared_ptr<const model_description>& description_ptr() const noexcept {
    return description_;
  }
  /// The options, stepper set (resolved).
  const solve_options& options() const noexcept { return options_; }
  stepper_kind stepper() const noexcept { return *options_.stepper; }
  /// Whether rosenbrock4 (or auto_switch's stiff phases) runs on sparse matrices, as
  /// options().jacobian and the model's sparsity() decide (false for the other steppers).
  bool sparse_jacobian() const noexcept { return sparse_ != nullptr; }

  /// Solves from `initial_state` at grid.start() and reports the state at every grid time.
  trajectory solve(value_span parameters, value_span initial_state, const time_grid& grid) const {
    trajectory tr;
    solve_into(tr, parameters, initial_state, grid);
    return tr;
  }

  /// solve(), written into `out` (whatever it held), reusing its memory where the sizes allow:
  /// no allocation when it last held a solve on a grid of as many times.
  void solve_into(trajectory& out, value_span parameters, value_span initial_state,
                  const time_grid& grid) const {
    detail::check_solve_values(*description_, "parameters", "parameter", description_->parameters(),
                               parameters);
    solve_schedule(out, segments{parameters, nullptr}, initial_state, grid);
  }

  /// Solves with parameters that switch at schedule.switch_times: each constant stretch is
  /// integrated on its own and the stepper restarts exactly at every switch. Switches after
  /// the last output time are ignored. trajectory::parameters() holds the first values.
  trajectory solve(const parameter_schedule& schedule, value_span initial_state,
                   const time_grid& grid) const {
    trajectory tr;
    solve_into(tr, schedule, initial_state, grid);
    return tr;
  }

  /// The scheduled solve(), written into `out` (see solve_into above).
  void solve_into(trajectory& out, const parameter_schedule& schedule, value_span initial_state,
                  const time_grid& grid) const {
    schedule.validate(description_->parameters(), grid.start(),
                      fmt::format("{}.parameter_schedule", description_->name()));
    solve_schedule(out, segments{schedule.values.front(), &schedule}, initial_state, grid);
  }

 private:
  using rhs_type = detail::model_rhs<Model, param_type>;
  // odeint's algebra for the explicit steppers' vector updates. For Eigen::VectorXd odeint
  // picks vector_space_algebra (one Eigen expression per update); range_algebra's plain loops
  // over the same memory were faster in the 100-species chain benchmark (4% less time, on par
  // with a hand-written std::vector<double> loop). std::array keeps array_algebra:
  // range_algebra made Lotka-Volterra 20% slower.
  using algebra = std::conditional_t<
      std::is_same_v<state_type, Eigen::VectorXd>, boost::numeric::odeint::range_algebra,
      typename boost::numeric::odeint::algebra_dispatcher<state_type>::algebra_type>;

  double abs_tol_of(std::size_t i) const noexcept {
    return options_.abs_tol_per_species.empty() ? options_.abs_tol
                                                : options_.abs_tol_per_species[i];
  }

  double max_step_for_odeint() const noexcept {  // odeint: 0 means "no limit"
    return options_.max_step && std::isfinite(*options_.max_step) ? *options_.max_step : 0.0;
  }

  /// rk4 divides [start, end] into at least (end - start) / fixed_step steps. More than
  /// max_steps can never finish, and beyond 2^63 the count has no integer value (it was
  /// converted anyway: undefined behaviour, in practice 0 steps and status ok): both are
  /// errors in the options, refused before any work. O(1): one division per solve.
  void check_fixed_step(const time_grid& grid) const {
    const double h = *options_.fixed_step;
    // The loop's own 1e-12 slack, and 1e-9 for the rounding of the interval sums: only a
    // count certainly above max_steps is refused.
    const double steps = (grid.back() - grid.start()) / h;
    if (steps * (1 - 1e-9) > static_cast<double>(options_.max_steps))
      detail::throw_invalid(
          "solve_options.fixed_step", h,
          fmt::format("a step that covers the solve's interval [{}, {}] in at most max_steps = "
                      "{} steps (it needs {:g})",
                      grid.start(), grid.back(), options_.max_steps, steps));
  }

  /// The constant-parameter stretches of a solve: a parameter_schedule, or one stretch of
  /// plain parameters (no schedule object built: that cost two allocations per solve).
  struct segments {
    value_span first;
    const parameter_schedule* schedule;  ///< null: one segment with `first`
    std::size_t count() const noexcept { return schedule ? schedule->num_segments() : 1; }
    value_span values(std::size_t k) const noexcept {
      return schedule ? value_span(schedule->values[k]) : first;
    }
    double switch_time(std::size_t k) const noexcept { return schedule->switch_times[k]; }
  };

  void solve_schedule(trajectory& tr, const segments& schedule, value_span initial_state,
                      const time_grid& grid) const {
    const std::size_t n = description_->num_species();
    detail::check_solve_values(*description_, "initial_state", "species", description_->species(),
                               initial_state);
    if (Steppers::contains(stepper_kind::rk4) && stepper() == stepper_kind::rk4)
      check_fixed_step(grid);
    const value_span first = schedule.first;

    const auto& times = grid.times();
    // Every row is written below: the solved rows by the loops, the rest as missing.
    tr.reset(detail::unfilled, times.data(), times.size(), species_, description_);
    tr.assign_parameters(first.data(), first.size());
    tr.assign_initial_state(initial_state.data(), initial_state.size());

    state_type x = detail::make_vector<state_type>::of_size(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = initial_state[i];
    param_type p = detail::make_vector<param_type>::of_size(first.size());
    const detail::row_writer rows{tr.values().data(), n};

    // The wall-time limit runs from here, over every segment.
    std::optional<detail::time_budget> budget;
    if (options_.time_limit_seconds > 0) budget.emplace(options_.time_limit_seconds);

    detail::loop_outcome total;
    double start = grid.start();
    double dt = 0;  // 0: estimate at the first segment
    for (std::size_t k = 0; k < schedule.count() && total.status == solve_status::ok; ++k) {
      const bool last = k + 1 == schedule.count() || schedule.switch_time(k) >= grid.back();
      const double stop = last ? grid.back() : schedule.switch_time(k);
      // Output rows of this segment: up to and including `stop`.
      std::size_t end_row = last ? times.size() : total.rows;  // the last one: all the rest
      while (end_row < times.size() && times[end_row] <= stop) ++end_row;
      const detail::segment g{times.data() + total.rows, end_row - total.rows, total.rows, start,
                              stop};
      const value_span values = schedule.values(k);
      for (std::size_t i = 0; i < values.size(); ++i) p[i] = values[i];
      const detail::loop_limits limits{options_.max_steps - total.steps, options_.min_step,
                                       budget ? &*budget : nullptr};
      detail::loop_outcome out = integrate(p, x, g, rows, dt, k, limits);
      total.rows += out.rows;
      total.steps += out.steps;
      total.status = out.status;
      total.message = std::move(out.message);
      if (Steppers::contains(stepper_kind::auto_switch))
        detail::append_methods(total.methods, grid.start(), start, std::move(out.methods));
      dt = out.next_dt;
      start = stop;
      if (last) break;
    }

    // The steps' ends are checked as the loops go; interpolated rows can still overflow
    // between two finite ends. One pass over the rows here instead of a check per row (a tenth
    // of a small model's solve); a bad row is earlier than any failure after it.
    const std::size_t bad = rows.first_non_finite(0, total.rows);
    if (bad < total.rows) {
      total.rows = bad;
      total.status = solve_status::non_finite;
      total.message = fmt::format("the interpolated state at t = {} is not finite", times[bad]);
    }
    // Rows past the failure point are missing, whatever a stepper may have left in them.
    const auto kept = static_cast<Eigen::Index>(total.rows);
    tr.mask().topRows(kept).setConstant(true);
    tr.mask().bottomRows(tr.num_times() - kept).setConstant(false);
    tr.values()
        .bottomRows(tr.num_times() - kept)
        .setConstant(std::numeric_limits<double>::quiet_NaN());
    tr.set_status(total.status, std::move(total.message));
    tr.set_steps(total.steps);
    if (!total.methods.empty()) tr.set_methods(std::move(total.methods));
  }

  /// One constant-parameter segment. `dt` is the step to start with (0: estimate it);
  /// `segment_index` > 0 means the start is a parameter switch.
  detail::loop_outcome integrate(const param_type& p, state_type& x, const detail::segment& g,
                                 const detail::row_writer& rows, double dt,
                                 std::size_t segment_index,
                                 const detail::loop_limits& limits) const {
    // Output rows at the segment's start are the state given: exact, written first, so they
    // stand even if the first step fails.
    detail::loop_outcome head;
    detail::write_reached(head, g, rows, x, g.start);
    const detail::segment rest{g.times + head.rows, g.count - head.rows, g.first_row + head.rows,
                               g.start, g.stop};
    detail::loop_outcome out = integrate_rest(p, x, rest, rows, dt, segment_index, limits);
    out.rows += head.rows;
    return out;
  }

  detail::loop_outcome integrate_rest(const param_type& p, state_type& x, const detail::segment& g,
                                      const detail::row_writer& rows, double dt,
                                      std::size_t segment_index,
                                      const detail::loop_limits& limits) const {
    namespace ode = boost::numeric::odeint;
    const std::size_t n = description_->num_species();
    detail::rhs_fault fault;
    const rhs_type rhs{&model_, &p, &fault};
    detail::loop_outcome out;
    out.next_dt = dt;
    if (!(g.stop > g.start)) return out;

    // The derivative at the start: a model that is NaN there fails before any step.
    state_type f0 = detail::make_vector<state_type>::of_size(n);
    try {
      rhs(x, f0, g.start);
    } catch (...) {
      return detail::classify_exception(out, fault, g.start);
    }
    if (!detail::all_finite(f0))
      return detail::failed(
          out, segment_index == 0 ? solve_status::initial_non_finite : solve_status::non_finite,
          fmt::format("the right-hand side is not finite at {} (t = {}): dxdt = [{}]",
                      segment_index == 0 ? "the initial state" : "a parameter switch", g.start,
                      detail::join(f0, ", ")));

    const stepper_kind kind = stepper();
    const bool adaptive =
        Steppers::visit(kind, [](auto k) { return stepper_traits<decltype(k)::value>::adaptive; });
    double dt0 = 0;
    if (adaptive) {
      if (segment_index == 0 && options_.initial_step) {
        dt0 = *options_.initial_step;
      } else if (segment_index > 0 && dt > 0) {
        dt0 = dt;
      } else {
        state_type x1 = detail::make_vector<state_type>::of_size(n);
        state_type f1 = detail::make_vector<state_type>::of_size(n);
        try {
          dt0 = detail::initial_step(
              rhs, x, f0, g.start, [this](std::size_t i) { return abs_tol_of(i); },
              options_.rel_tol,
              Steppers::visit(kind,
                              [](auto k) { return stepper_traits<decltype(k)::value>::order; }),
              x1, f1);
        } catch (...) {
          return detail::classify_exception(out, fault, g.start);
        }
      }
      // Far from t = 0 the estimate can be below the time resolution (x' = -1e-3 x at t = 1e16
      // gives 0.15 where doubles are 2 apart), a step that cannot move t: the first step would
      // be an underflow. Steps below the resolution cannot be taken anyway, so start there, and
      // with a step that t + dt0 represents exactly (the clock moves by what is integrated).
      const double floor = detail::time_resolution * std::fabs(g.start);
      if (dt0 < floor) dt0 = (g.start + floor) - g.start;
      if (options_.max_step) dt0 = std::min(dt0, *options_.max_step);
    }

    // Used only after a failure, to tell a non-finite model from a hard but finite one.
    auto rhs_is_finite = [&](const state_type& state, double t) {
      state_type f = detail::make_vector<state_type>::of_size(n);
      rhs(state, f, t);
      return detail::all_finite(f);
    };

    return Steppers::visit(kind, [&](auto k) {
      return run_stepper<decltype(k)::value>(p, rhs, x, dt0, g, rows, limits, fault, rhs_is_finite);
    });
  }

  /// Builds the Boost.Odeint stepper K and runs it over the segment: instantiated only for
  /// the kinds of the solver's set.
  template <stepper_kind K, class RhsIsFinite>
  detail::loop_outcome run_stepper(const param_type& p, const rhs_type& rhs, state_type& x,
                                   double dt0, const detail::segment& g,
                                   const detail::row_writer& rows,
                                   const detail::loop_limits& limits,
                                   const detail::rhs_fault& fault,
                                   RhsIsFinite rhs_is_finite) const {
    namespace ode = boost::numeric::odeint;
    const double* per_species =
        options_.abs_tol_per_species.empty() ? nullptr : options_.abs_tol_per_species.data();
    if constexpr (K == stepper_kind::dopri5) {
      return run_dopri5(rhs, x, dt0, g, rows, limits, fault, rhs_is_finite, detail::no_step_hook{});
    } else if constexpr (K == stepper_kind::rkf78) {
      using rk = ode::runge_kutta_fehlberg78<state_type, double, state_type, double>;
      using checker = detail::tolerance_checker<double, typename rk::algebra_type,
                                                typename rk::operations_type>;
      using adjuster = detail::portable_step_adjuster<double, double>;
      ode::controlled_runge_kutta<rk, checker, adjuster> st(
          checker(options_.abs_tol, options_.rel_tol, per_species),
          adjuster(max_step_for_odeint()));
      return detail::run_controlled(st, rhs, x, dt0, g, limits, rows, fault, rhs_is_finite);
    } else if constexpr (K == stepper_kind::bulirsch_stoer) {
      // The controlled stepper, landing on output times: odeint's bulirsch_stoer_dense_out
      // interpolates far less accurately than it steps (Lotka-Volterra's invariant drifts
      // by 70-350 x rel_tol between its steps, 0.2-1.3 x at step ends; measured).
      ode::bulirsch_stoer<state_type, double, state_type, double> st(
          options_.abs_tol, options_.rel_tol, 1.0, 1.0, max_step_for_odeint());
      return detail::run_controlled(st, rhs, x, dt0, g, limits, rows, fault, rhs_is_finite);
    } else if constexpr (K == stepper_kind::rk4) {
      ode::runge_kutta4_classic<state_type, double, state_type, double> st;
      return detail::run_fixed(st, rhs, x, *options_.fixed_step, g, limits, rows, fault);
    } else if constexpr (K == stepper_kind::rosenbrock4) {
      return run_rosenbrock4(p, rhs, x, dt0, g, rows, limits, fault, rhs_is_finite,
                             detail::no_step_hook{}, nullptr);
    } else {
      static_assert(K == stepper_kind::auto_switch, "odesynth: internal: a stepper_kind unhandled");
      return run_auto_switch(p, rhs, x, dt0, g, rows, limits, fault, rhs_is_finite);
    }
  }

  /// dopri5 with dense output over the segment; `hook` may stop it early (auto_switch).
  template <class RhsIsFinite, class Hook, class System = rhs_type>
  detail::loop_outcome run_dopri5(const System& rhs, state_type& x, double dt0,
                                  const detail::segment& g, const detail::row_writer& rows,
                                  const detail::loop_limits& limits, const detail::rhs_fault& fault,
                                  RhsIsFinite rhs_is_finite, Hook hook) const {
    namespace ode = boost::numeric::odeint;
    const double* per_species =
        options_.abs_tol_per_species.empty() ? nullptr : options_.abs_tol_per_species.data();
    using rk = ode::runge_kutta_dopri5<state_type, double, state_type, double, algebra>;
    using checker =
        detail::tolerance_checker<double, typename rk::algebra_type, typename rk::operations_type>;
    using adjuster = detail::portable_step_adjuster<double, double>;
    using controlled = ode::controlled_runge_kutta<rk, checker, adjuster>;
    ode::dense_output_runge_kutta<controlled> st(controlled(
        checker(options_.abs_tol, options_.rel_tol, per_species), adjuster(max_step_for_odeint())));
    return detail::run_dense(st, rhs, x, dt0, g, limits, rows, fault, rhs_is_finite, hook);
  }

  /// Whether rosenbrock4's sparse path is compiled: the model has sparsity() and the set a
  /// stepper that runs rosenbrock4.
  static constexpr bool sparse_capable =
      has_sparsity_v<Model> && (Steppers::contains(stepper_kind::rosenbrock4) ||
                                Steppers::contains(stepper_kind::auto_switch));

  /// What a sparse rosenbrock4 shares between solves: the pattern and, for differences, its
  /// column colouring (both computed once, when the solver is made).
  struct sparse_setup {
    jacobian_sparsity pattern;
    detail::column_colouring colouring;
  };

  /// The sparse setup if this solver's rosenbrock4 runs sparse, else null: options.jacobian
  /// sparse, or automatic and the pattern pays (sparse_rodas_algebra::pays_off: 25 species or
  /// more, LU factors that stay sparse). Only for the steppers that use it.
  std::shared_ptr<const sparse_setup> make_sparse_setup() const {
    if constexpr (sparse_capable) {
      const stepper_kind k = stepper();
      if ((k != stepper_kind::rosenbrock4 && k != stepper_kind::auto_switch) ||
          options_.jacobian == jacobian_storage::dense || !detail::sparsity_available(model_))
        return nullptr;
      jacobian_sparsity pattern = model_sparsity();
      if (options_.jacobian == jacobian_storage::automatic &&
          !detail::sparse_rodas_algebra::pays_off(pattern))
        return nullptr;
      auto setup = std::make_shared<sparse_setup>();
      setup->pattern = std::move(pattern);
      if (!analytic_jacobian()) setup->colouring = detail::colour_columns(setup->pattern);
      return setup;
    } else {
      return nullptr;
    }
  }

  /// The model's sparsity(), checked against its size; throws invalid_argument.
  jacobian_sparsity model_sparsity() const {
    jacobian_sparsity pattern = model_.sparsity();
    const std::size_t n = description_->num_species();
    if (pattern.size() != n)
      detail::throw_invalid(fmt::format("{}.sparsity().size()", description_->name()),
                            pattern.size(), fmt::format("{} (the number of species)", n));
    return pattern;
  }

  /// Whether the model's analytic jacobian() runs (else differences do).
  bool analytic_jacobian() const {
    if constexpr (traits::has_jacobian)
      return detail::analytic_jacobian_available(model_);
    else
      return false;
  }

  /// What the sparse stiff system works with: the pattern, the colouring (differences only)
  /// and this solve's scratch.
  struct sparse_jacobian_context {
    const jacobian_sparsity* pattern;
    const detail::column_colouring* colouring;
    std::vector<double> step, saved;
    typename traits::jacobian_type dense;  ///< for a jacobian() only dense matrices fit
  };

  /// rosenbrock4 over the segment; `hook` may stop it early, and `jacobian_norm`, if not null,
  /// receives |J|_inf at every Jacobian evaluation (auto_switch). Sparse matrices when
  /// sparse_jacobian(), dense otherwise.
  template <class RhsIsFinite, class Hook>
  detail::loop_outcome run_rosenbrock4(const param_type& p, const rhs_type& rhs, state_type& x,
                                       double dt0, const detail::segment& g,
                                       const detail::row_writer& rows,
                                       const detail::loop_limits& limits,
                                       const detail::rhs_fault& fault, RhsIsFinite rhs_is_finite,
                                       Hook hook, double* jacobian_norm) const {
    const double* per_species =
        options_.abs_tol_per_species.empty() ? nullptr : options_.abs_tol_per_species.data();
    const std::size_t n = description_->num_species();
    state_type x_probe = detail::make_vector<state_type>::of_size(n);
    state_type f_plus = detail::make_vector<state_type>::of_size(n);
    state_type f_minus = detail::make_vector<state_type>::of_size(n);
    if constexpr (sparse_capable) {
      if (sparse_) {
        const jacobian_sparsity& pattern = sparse_->pattern;
        sparse_jacobian_context ctx{&pattern, &sparse_->colouring, {}, {}, {}};
        if constexpr (traits::has_jacobian &&
                      !detail::has_jacobian<Model, state_type, detail::sparse_jacobian_writer,
                                            param_type>::value) {
          if (analytic_jacobian()) {
            const auto m = static_cast<Eigen::Index>(n);
            ctx.dense.resize(m, m);
          }
        }
        detail::rosenbrock4_sparse<state_type> st(n, options_.abs_tol, options_.rel_tol,
                                                  per_species, max_step_for_odeint(), pattern);
        stiff_system<Eigen::SparseMatrix<double>> sys{
            this, rhs, &p, &x_probe, &f_plus, &f_minus, jacobian_norm, &ctx};
        return detail::run_controlled(st, sys, x, dt0, g, limits, rows, fault, rhs_is_finite, hook);
      }
    }
    constexpr int size_n =
        traits::fixed_state ? static_cast<int>(traits::state_size) : Eigen::Dynamic;
    detail::rosenbrock4_controlled<state_type, size_n> st(n, options_.abs_tol, options_.rel_tol,
                                                          per_species, max_step_for_odeint());
    stiff_system<typename decltype(st)::matrix_type> sys{this,    rhs,      &p,           &x_probe,
                                                         &f_plus, &f_minus, jacobian_norm};
    return detail::run_controlled(st, sys, x, dt0, g, limits, rows, fault, rhs_is_finite, hook);
  }

  /// dopri5 until the problem turns stiff, rosenbrock4 until it no longer is, and so on to the
  /// segment's end (detail/auto_switch.hpp). The loops' limits (max_steps, time) hold for the
  /// segment as a whole.
  template <class RhsIsFinite>
  detail::loop_outcome run_auto_switch(const param_type& p, const rhs_type& rhs, state_type& x,
                                       double dt0, const detail::segment& g,
                                       const detail::row_writer& rows,
                                       const detail::loop_limits& limits,
                                       const detail::rhs_fault& fault,
                                       RhsIsFinite rhs_is_finite) const {
    detail::rhs_trace<state_type> trace;
    const detail::traced_rhs<rhs_type, state_type> traced{rhs, &trace};
    detail::switch_evidence evidence;
    // rosenbrock4's cost by the matrices it will use: sparse ones cost by their nonzeros.
    const bool analytic = analytic_jacobian();
    std::size_t nonzeros = 0, colours = 0;
    if (sparse_) {
      nonzeros = sparse_->pattern.nonzeros();
      if (!analytic) colours = sparse_->colouring.colours();
    }
    const auto costs =
        detail::switch_costs::of(description_->num_species(), analytic, nonzeros, colours);
    double jacobian_norm = 0;
    detail::loop_outcome total;
    detail::segment rest = g;
    double dt = dt0;
    bool stiff = false;
    for (;;) {
      const detail::loop_limits left{limits.max_steps - total.steps, limits.min_step,
                                     limits.budget};
      detail::loop_outcome out =
          stiff ? run_rosenbrock4(p, rhs, x, dt, rest, rows, left, fault, rhs_is_finite,
                                  detail::stiffness_end(&jacobian_norm, &evidence), &jacobian_norm)
                : run_dopri5(traced, x, dt, rest, rows, left, fault, rhs_is_finite,
                             detail::stiffness_onset<state_type>(
                                 &trace, &evidence, costs, rest.stop, rest.times, rest.count));
      total.rows += out.rows;
      total.steps += out.steps;
      total.status = out.status;
      total.message = std::move(out.message);
      total.next_dt = out.next_dt;
      if (!out.handed_over) break;
      stiff = !stiff;
      if (total.methods.empty()) total.methods.push_back({g.start, stepper_kind::dopri5});
      total.methods.push_back(
          {out.stopped_at, stiff ? stepper_kind::rosenbrock4 : stepper_kind::dopri5});
      rest = detail::segment{rest.times + out.rows, rest.count - out.rows,
                             rest.first_row + out.rows, out.stopped_at, rest.stop};
      dt = out.next_dt;
    }
    if (total.status != solve_status::ok && !total.methods.empty())
      total.message += fmt::format(" (auto_switch: running {} since t = {})",
                                   total.methods.back().stepper, total.methods.back().from);
    return total;
  }

  /// The model as the stiff stepper sees it: right-hand side plus Jacobian, the analytic
  /// one if the model has jacobian(), central differences otherwise. Matrix is the model's
  /// jacobian_type, or Eigen::SparseMatrix<double> on the model's sparsity() (`sparse` set):
  /// then an analytic jacobian() writes into the pattern (directly if it accepts any matrix
  /// type, else through a dense scratch), and differences are coloured (column_colouring.hpp).
  template <class Matrix>
  struct stiff_system {
    static constexpr bool is_sparse = std::is_same_v<Matrix, Eigen::SparseMatrix<double>>;

    const solver* self;
    rhs_type rhs;
    const param_type* params;
    state_type* x_probe;
    state_type* f_plus;
    state_type* f_minus;
    double* jacobian_norm = nullptr;            ///< if set, receives |J|_inf (auto_switch)
    sparse_jacobian_context* sparse = nullptr;  ///< the sparse path's (is_sparse only)

    void jacobian(const state_type& x, Matrix& jac, double t) const {
      evaluate_jacobian(x, jac, t);
      if (jacobian_norm) *jacobian_norm = detail::row_sum_norm(jac);
    }

    void evaluate_jacobian(const state_type& x, Matrix& jac, double t) const {
      if constexpr (traits::has_jacobian) {
        if constexpr (!is_sparse)
          static_assert(std::is_same_v<Matrix, typename traits::jacobian_type>,
                        "odesynth: internal: Jacobian matrix types disagree");
        if (!detail::analytic_jacobian_available(self->model_)) {
          difference_jacobian(x, jac, t);
          return;
        }
        try {
          if constexpr (is_sparse)
            sparse_analytic_jacobian(x, jac, t);
          else {
            jac.setZero();
            self->model_.jacobian(x, jac, t, *params);
          }
        } catch (const std::exception& e) {
          rhs.fault->record(t, e.what());
          throw;
        } catch (...) {
          rhs.fault->record(t, "an exception not derived from std::exception (jacobian)");
          throw;
        }
      } else {
        difference_jacobian(x, jac, t);
      }
    }

    /// The model's jacobian() into the pattern's entries; a nonzero outside it throws.
    void sparse_analytic_jacobian(const state_type& x, Matrix& jac, double t) const {
      const jacobian_sparsity& pattern = *sparse->pattern;
      if constexpr (detail::has_jacobian<Model, state_type, detail::sparse_jacobian_writer,
                                         param_type>::value) {
        detail::sparse_jacobian_writer w(pattern, jac.valuePtr());
        w.setZero();
        self->model_.jacobian(x, w, t, *params);
        if (w.wrote_outside()) outside_pattern(w.first_outside().first, w.first_outside().second);
      } else {
        auto& dense = sparse->dense;
        dense.setZero();
        self->model_.jacobian(x, dense, t, *params);
        const auto& starts = pattern.column_starts();
        const auto& rows = pattern.row_indices();
        double* values = jac.valuePtr();
        const auto m = static_cast<Eigen::Index>(pattern.size());
        for (Eigen::Index j = 0; j < m; ++j) {
          std::size_t p = starts[static_cast<std::size_t>(j)];
          const std::size_t end = starts[static_cast<std::size_t>(j) + 1];
          for (Eigen::Index i = 0; i < m; ++i) {
            if (p < end && rows[p] == static_cast<std::size_t>(i))
              values[p++] = dense(i, j);
            else if (dense(i, j) != 0)
              outside_pattern(i, j);
          }
        }
      }
    }

    [[noreturn]] void outside_pattern(Eigen::Index i, Eigen::Index j) const {
      detail::throw_invalid(fmt::format("{}.jacobian()", self->description_->name()),
                            fmt::format("J({}, {}) != 0", i, j),
                            "nonzeros only where the model's sparsity() has entries");
    }

    void difference_jacobian(const state_type& x, Matrix& jac, double t) const {
      const double rtol = self->options_.rel_tol;
      const solver* s = self;
      const auto floor_of = [s, rtol](std::size_t j) {
        return rtol > 0 ? s->abs_tol_of(j) / rtol : 1.0;
      };
      detail::copy_values(x, *x_probe);
      if constexpr (is_sparse) {
        double* values = jac.valuePtr();
        detail::coloured_central_difference_jacobian(
            rhs, *x_probe, t, floor_of, *sparse->pattern, *sparse->colouring, *f_plus, *f_minus,
            sparse->step, sparse->saved,
            [values](std::size_t p, std::size_t, std::size_t, double v) { values[p] = v; });
      } else {
        detail::central_difference_jacobian(rhs, *x_probe, t, floor_of, *f_plus, *f_minus,
                                            [&jac](std::size_t i, std::size_t j, double v) {
                                              jac(static_cast<Eigen::Index>(i),
                                                  static_cast<Eigen::Index>(j)) = v;
                                            });
      }
    }
  };

  static Eigen::VectorXd to_eigen(value_span v) { return detail::to_eigen(v.data(), v.size()); }
  static Eigen::VectorXd to_eigen(const std::vector<double>& v) {
    return detail::to_eigen(v.data(), v.size());
  }

  std::shared_ptr<const model_description> description_;  // first: built from the argument
  Model model_;
  solve_options options_;
  std::shared_ptr<const sparse_setup> sparse_;  ///< null: dense matrices (or not rosenbrock4)
  trajectory::names_ptr species_;
};

/// One-off solve: builds a solver (validating names and options) and solves once. The
/// steppers compiled in are `Steppers`: solve<odesynth::all_steppers>(model, ...) lets
/// options.stepper be any.
template <class Steppers = default_steppers, class Model>
trajectory solve(const Model& model, value_span parameters, value_span initial_state,
                 const time_grid& grid, const solve_options& options = {}) {
  return solver<Model, Steppers>(model, options).solve(parameters, initial_state, grid);
}

}  // namespace odesynth

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
