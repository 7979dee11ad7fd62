// odesynth/batch_solver.hpp - many solves of one fixed-size model in SIMD lanes.
//
//   const odesynth::batch_solver<4, odesynth::models::lotka_volterra> batch(lv, options);
//   std::vector<odesynth::trajectory> out(n);
//   batch.solve_into(out.data(), n, parameters.data(), initial_states.data(), grid);
//
// W trajectories are integrated in lockstep, one in each lane of odesynth::lanes<W>
// (lanes.hpp): one call of the model computes a stage for all W. Each lane keeps its own
// time, adaptive step size, rejections and output rows, as heyoka's batch mode and
// DiffEqGPU's ensemble kernels do; a lane whose trajectory is done takes the next problem,
// so the lanes stay busy until the last W.
//
// What it computes: exactly what solver<Model, Steppers> computes for each problem with
// stepper dopri5 or auto_switch, bit for bit (values, status, message, step count, methods). Each
// lane repeats the scalar solve's arithmetic in the same order (Boost.Odeint's runge_kutta_dopri5
// stages, error estimate and dense output, odesynth's tolerance_checker and step adjuster -
// odeint's default formulas with portable powers, computed for all lanes in one vectorised
// call (detail/step_adjuster.hpp, detail/portable_pow.hpp) - the same first step and landing on the
// last time), and a lane meets anything other than a plain successful solve - a non-finite state or
// row, a step underflow, max_steps, hundreds of rejections in one step, the model throwing, and
// under auto_switch a stiffness test that fails (detail/auto_switch.hpp: the scalar solve could
// switch to rosenbrock4 after it) - is handed to the scalar solver, which then produces the
// trajectory with its status, message and methods. A non-stiff auto_switch solve is a dopri5 solve
// bit for bit, so the lanes run it; the stiffness test is made at the same accepted steps, from the
// same numbers. Handing over is always safe: it only costs the lane's work so far. Options the
// lanes do not run (a wall-time limit) send every problem to the scalar solver. Bit-for-bit
// equality needs the model to compute lanes as it computes doubles (lanes.hpp) and the build not to
// fuse multiply-adds in one path only; the unit tests check it on every platform CI builds.
//
// Requirements: a fixed-size model (static species and parameters, or fixed_size<S, P>)
// whose call operator is a template over its number types, time included (lanes.hpp);
// solve_options::stepper dopri5 or auto_switch (unset: the first of Steppers); no parameter
// schedule. The problems handed over are solved by solver<Model, Steppers>, so Steppers must
// hold the stepper the options name (auto_switch needs rosenbrock4's Jacobian: analytic, or
// by differences as solver computes it). Thread safety: const
// member functions, one batch per call; run several calls on several threads for more.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/auto_switch.hpp"
#include "detail/config.hpp"
#include "detail/initial_step.hpp"
#include "detail/solve_input.hpp"
#include "detail/step_adjuster.hpp"
#include "detail/step_loops.hpp"
#include "error.hpp"
#include "lanes.hpp"
#include "model.hpp"
#include "solve.hpp"
#include "solve_options.hpp"
#include "stepper_set.hpp"
#include "time_grid.hpp"
#include "trajectory.hpp"

namespace odesynth {

namespace detail {

/// Whether `model(x, dxdt, t, p)` accepts lanes<W> for every number.
template <class Model, std::size_t W, std::size_t S, std::size_t P, class = void>
struct accepts_lanes : std::false_type {};
template <class Model, std::size_t W, std::size_t S, std::size_t P>
struct accepts_lanes<
    Model, W, S, P,
    std::void_t<decltype(std::declval<const Model&>()(
        std::declval<const std::array<lanes<W>, S>&>(), std::declval<std::array<lanes<W>, S>&>(),
        std::declval<const lanes<W>&>(), std::declval<const std::array<lanes<W>, P>&>()))>>
    : std::true_type {};

}  // namespace detail

template <std::size_t W, class Model, class Steppers = stepper_set<stepper_kind::dopri5>>
class batch_solver {
  using traits = model_traits<Model>;
  static_assert(traits::fixed_state && traits::fixed_params,
                "odesynth::batch_solver<W, Model>: the model needs sizes known at compile time "
                "(static species and parameters arrays, or odesynth::fixed_size<S, P>(model))");
  static constexpr std::size_t S = traits::state_size;
  static constexpr std::size_t P = traits::param_size;
  static_assert(detail::accepts_lanes<Model, W, S, P>::value,
                "odesynth::batch_solver<W, Model>: the model's call operator must take "
                "odesynth::lanes<W> for the state, the time and the parameters: write it as "
                "template <class State, class Time, class Params> void operator()(const State& "
                "x, State& dxdt, const Time& t, const Params& p) const (see lanes.hpp)");

 public:
  using lane = lanes<W>;
  using scalar_solver = solver<Model, Steppers>;
  static constexpr std::size_t width = W;

  /// Validates as solver<Model, Steppers> does; throws invalid_argument naming
  /// solve_options.stepper when it resolves to anything but dopri5 or auto_switch.
  explicit batch_solver(Model model, solve_options options = {})
      : scalar_(std::move(model), std::move(options)) {
    if (!runs_in_lanes(scalar_.options()))
      detail::throw_invalid("solve_options.stepper", scalar_.stepper(),
                            "dopri5 or auto_switch: batch_solver runs Dormand-Prince 5(4) in "
                            "lanes; solve with odesynth::solver for the other steppers");
    auto_switch_ = scalar_.stepper() == stepper_kind::auto_switch;
    const auto& d = scalar_.description_ptr();
    species_ = trajectory::names_ptr(d, &d->species());
    const solve_options& o = scalar_.options();
    for (std::size_t j = 0; j < S; ++j)
      abs_tol_[j] = o.abs_tol_per_species.empty() ? o.abs_tol : o.abs_tol_per_species[j];
    max_dt_ = o.max_step && std::isfinite(*o.max_step) ? *o.max_step : 0.0;
  }

  const Model& model() const noexcept { return scalar_.model(); }
  const solve_options& options() const noexcept { return scalar_.options(); }
  const model_description& description() const noexcept { return scalar_.description(); }
  /// The solver that solves the problems a lane hands over.
  const scalar_solver& scalar() const noexcept { return scalar_; }

  /// Whether a batch_solver takes these options (validated ones: the stepper resolved), so
  /// that a caller can choose between it and the scalar solver without catching.
  static bool runs_in_lanes(const solve_options& validated) noexcept {
    return validated.stepper == stepper_kind::dopri5 ||
           validated.stepper == stepper_kind::auto_switch;
  }

  /// Solves problem k (parameters at parameters[k * P], initial state at
  /// initial_states[k * S]) into out[k] for k < count, reusing each trajectory's memory as
  /// solver::solve_into does. Every problem's values are checked before any solve: a bad one
  /// throws invalid_argument naming "problem <k>" and the field, and nothing is written.
  void solve_into(trajectory* out, std::size_t count, const double* parameters,
                  const double* initial_states, const time_grid& grid) const {
    solve_all(out, nullptr, count, parameters, initial_states, grid);
  }

  /// The same, problem k solved into *out[k]: for trajectories that are not side by side
  /// (the generator's, each in its own slot).
  void solve_into(trajectory* const* out, std::size_t count, const double* parameters,
                  const double* initial_states, const time_grid& grid) const {
    solve_all(nullptr, out, count, parameters, initial_states, grid);
  }

  /// solve_into() into new trajectories: parameters[k] and initial_states[k] (equal counts).
  std::vector<trajectory> solve(const std::vector<std::array<double, P>>& parameters,
                                const std::vector<std::array<double, S>>& initial_states,
                                const time_grid& grid) const {
    if (parameters.size() != initial_states.size())
      detail::throw_invalid(
          "batch_solver.initial_states", initial_states.size(),
          fmt::format("as many initial states as parameter sets ({})", parameters.size()));
    std::vector<trajectory> out(parameters.size());
    solve_into(out.data(), out.size(), parameters.empty() ? nullptr : parameters[0].data(),
               initial_states.empty() ? nullptr : initial_states[0].data(), grid);
    return out;
  }

 private:
  using state = std::array<lane, S>;
  using scalar_state = std::array<double, S>;
  using scalar_params = std::array<double, P>;

  /// Into out[k] (`out` set) or *out_at[k].
  void solve_all(trajectory* out, trajectory* const* out_at, std::size_t count,
                 const double* parameters, const double* initial_states,
                 const time_grid& grid) const {
    const auto target = [&](std::size_t k) -> trajectory& { return out ? out[k] : *out_at[k]; };
    const model_description& d = scalar_.description();
    for (std::size_t k = 0; k < count; ++k) {
      try {
        detail::check_solve_values(d, "parameters", "parameter", d.parameters(),
                                   value_span(parameters + k * P, P));
        detail::check_solve_values(d, "initial_state", "species", d.species(),
                                   value_span(initial_states + k * S, S));
      } catch (const invalid_argument& e) {
        throw invalid_argument(fmt::format("problem {}: {}", k, e.field()), e.value(),
                               fmt::format("batch_solver, problem {}: {}", k,
                                           std::string(e.what()).substr(10)));  // "odesynth: "
      }
    }
    if (scalar_.options().time_limit_seconds > 0) {  // a wall-time limit is per solve
      for (std::size_t k = 0; k < count; ++k)
        scalar_.solve_into(target(k), value_span(parameters + k * P, P),
                           value_span(initial_states + k * S, S), grid);
      return;
    }
    run run_state(*this, out, out_at, count, parameters, initial_states, grid);
    run_state.all();
  }

  /// One lane's trajectory in progress.
  struct lane_job {
    bool active = false;
    bool step_begins = true;  ///< the next trial starts a step: the landing check applies
    std::size_t problem = 0;
    trajectory* out = nullptr;
    double* rows = nullptr;
    std::size_t row = 0;  ///< next output row (the time and step are in the run's t_, dt_)
    std::int64_t steps = 0;
    int trials = 0;  ///< trial steps in the current step
  };

  /// The state of one solve_into() call.
  class run {
   public:
    run(const batch_solver& b, trajectory* out, trajectory* const* out_at, std::size_t count,
        const double* parameters, const double* initial_states, const time_grid& grid)
        : b_(b),
          o_(b.scalar_.options()),
          out_(out),
          out_at_(out_at),
          count_(count),
          parameters_(parameters),
          initial_states_(initial_states),
          grid_(grid),
          times_(grid.times().data()),
          rows_(grid.times().size()),
          start_(grid.start()),
          stop_(grid.back()),
          stop_early_(stop_ - 2 * detail::time_resolution * std::fabs(stop_)) {}

    void all() {
      for (std::size_t l = 0; l < W; ++l) refill(l);
      while (any_active()) {
        try {
          trial_step();
        } catch (...) {
          // The model threw in lanes: every lane in flight goes to the scalar solver, which
          // reports rhs_threw (or whatever it meets) for the problems that throw there too.
          for (std::size_t l = 0; l < W; ++l)
            if (job_[l].active) hand_over(l);
        }
      }
    }

   private:
    // Boost.Odeint's runge_kutta_dopri5 coefficients, written as it writes them.
    static constexpr double a2 = 1.0 / 5, a3 = 3.0 / 10, a4 = 4.0 / 5, a5 = 8.0 / 9;
    static constexpr double b21 = 1.0 / 5;
    static constexpr double b31 = 3.0 / 40, b32 = 9.0 / 40;
    static constexpr double b41 = 44.0 / 45, b42 = -56.0 / 15, b43 = 32.0 / 9;
    static constexpr double b51 = 19372.0 / 6561, b52 = -25360.0 / 2187, b53 = 64448.0 / 6561,
                            b54 = -212.0 / 729;
    static constexpr double b61 = 9017.0 / 3168, b62 = -355.0 / 33, b63 = 46732.0 / 5247,
                            b64 = 49.0 / 176, b65 = -5103.0 / 18656;
    static constexpr double c1 = 35.0 / 384, c3 = 500.0 / 1113, c4 = 125.0 / 192,
                            c5 = -2187.0 / 6784, c6 = 11.0 / 84;
    static constexpr double dc1 = c1 - 5179.0 / 57600, dc3 = c3 - 7571.0 / 16695,
                            dc4 = c4 - 393.0 / 640, dc5 = c5 - -92097.0 / 339200,
                            dc6 = c6 - 187.0 / 2100, dc7 = -1.0 / 40;
    /// A lane leaves for the scalar solver well before odeint's failed_step_checker (500
    /// trials per step) would throw there.
    static constexpr int trial_limit = 400;

    bool any_active() const noexcept {
      for (const lane_job& j : job_)
        if (j.active) return true;
      return false;
    }

    const double* params_of(std::size_t k) const noexcept { return parameters_ + k * P; }
    const double* initial_of(std::size_t k) const noexcept { return initial_states_ + k * S; }
    trajectory& out(std::size_t k) const noexcept { return out_ ? out_[k] : *out_at_[k]; }

    ODESYNTH_NOINLINE void solve_scalar(std::size_t k) const {
      b_.scalar_.solve_into(out(k), value_span(params_of(k), P), value_span(initial_of(k), S),
                            grid_);
    }

    /// Lane l's job is running (or not): in its lane_job, and as 1 or 0 in live_.
    void set_active(std::size_t l, bool active) noexcept {
      job_[l].active = active;
      live_.v[l] = active ? 1.0 : 0.0;
    }

    ODESYNTH_NOINLINE void hand_over(std::size_t l) {
      set_active(l, false);
      solve_scalar(job_[l].problem);
      refill(l);
    }

    /// Loads the next problem into lane l, as solver::solve_schedule and integrate_rest
    /// start a solve; problems that end before their first step are finished here.
    ODESYNTH_NOINLINE void refill(std::size_t l) {
      while (next_ < count_) {
        const std::size_t k = next_++;
        if (load(l, k)) return;
      }
      set_active(l, false);
    }

    /// True when lane l now runs problem k; false when k is already finished.
    ODESYNTH_NOINLINE bool load(std::size_t l, std::size_t k) {
      const double* p = params_of(k);
      const double* x0 = initial_of(k);
      trajectory& tr = out(k);
      tr.reset(detail::unfilled, times_, rows_, b_.species_, b_.scalar_.description_ptr());
      tr.assign_parameters(p, P);
      tr.assign_initial_state(x0, S);
      lane_job& j = job_[l];
      j = lane_job{};
      j.problem = k;
      j.out = &tr;
      j.rows = tr.values().data();
      scalar_state x{}, f0{};
      scalar_params ps{};
      for (std::size_t i = 0; i < S; ++i) x[i] = x0[i];
      for (std::size_t i = 0; i < P; ++i) ps[i] = p[i];
      // Rows at the start are the initial state (solver::integrate).
      while (j.row < rows_ && detail::reached(times_[j.row], start_)) write_row(j, x);
      const Model& model = b_.scalar_.model();
      double dt0 = 0;
      try {
        model(x, f0, start_, ps);
        if (!detail::all_finite(f0)) {  // initial_non_finite, with the scalar message
          solve_scalar(k);
          return false;
        }
        if (!(stop_ > start_) || detail::reached(stop_, start_)) {
          finish(j, x);
          return false;
        }
        if (o_.initial_step) {
          dt0 = *o_.initial_step;
        } else {
          scalar_state x1{}, f1{};
          auto rhs = [&](const scalar_state& xs, scalar_state& fs, double t) {
            model(xs, fs, t, ps);
          };
          dt0 = detail::initial_step(
              rhs, x, f0, start_, [this](std::size_t i) { return b_.abs_tol_[i]; }, o_.rel_tol,
              stepper_traits<stepper_kind::dopri5>::order, x1, f1);
        }
      } catch (...) {
        solve_scalar(k);  // rhs_threw, as the scalar solve reports it
        return false;
      }
      const double floor = detail::time_resolution * std::fabs(start_);
      if (dt0 < floor) dt0 = (start_ + floor) - start_;
      if (o_.max_step) dt0 = std::min(dt0, *o_.max_step);
      t_.v[l] = start_;
      dt_.v[l] = std::min(dt0, stop_ - start_);
      set_active(l, true);
      for (std::size_t i = 0; i < S; ++i) {
        x_[i].v[l] = x[i];
        d_[i].v[l] = f0[i];
      }
      for (std::size_t i = 0; i < P; ++i) p_[i].v[l] = p[i];
      return true;
    }

    template <class Row>
    void write_row(lane_job& j, const Row& x) noexcept {
      double* r = j.rows + j.row * S;
      for (std::size_t i = 0; i < S; ++i) r[i] = x[i];
      ++j.row;
    }

    /// Lane's solve reached the last time: the rows left get the state there (run_dense),
    /// then the checks solver::solve_schedule makes. Returns false when a row is not finite
    /// (the scalar solver then reports it).
    template <class Row>
    ODESYNTH_NOINLINE bool finish(lane_job& j, const Row& x) {
      while (j.row < rows_) write_row(j, x);
      const double* v = j.rows;
      for (std::size_t i = 0; i < rows_ * S; ++i)
        if (!std::isfinite(v[i])) return false;
      j.out->mask().setConstant(true);
      j.out->set_steps(j.steps);
      return true;
    }

    // dopri5's orders for the step adjuster (detail/step_adjuster.hpp): error 4, stepper 5.
    static constexpr int error_order = 4, stepper_order = 5;

    /// portable_step_adjuster::decrease_step, given the lane's power.
    double decrease(double dt, double power) const {
      dt = detail::decreased_step_by(dt, power);
      if (b_.max_dt_ != 0) dt = std::min(dt, b_.max_dt_);
      return dt;
    }

    /// portable_step_adjuster::increase_step, given the lane's power.
    double increase(double dt, double err, double power) const {
      if (err < 0.5) {
        dt = detail::increased_step_by(dt, power);
        if (b_.max_dt_ != 0) dt = std::min(dt, b_.max_dt_);
      }
      return dt;
    }

    /// One trial step in every lane, then each lane's controller decision. The arithmetic and
    /// the decisions are made on whole lanes (selects the compiler turns into SIMD blends);
    /// what is per lane and scalar - counting, the rare checks, handing over, finishing - only
    /// reads lane values, and writes one back only on a rare event (a scalar store read back
    /// as a vector stalls the load).
    ODESYNTH_FLATTEN void trial_step() {
      const Model& model = b_.scalar_.model();
      for (std::size_t l = 0; l < W; ++l) {
        lane_job& j = job_[l];
        if (!j.active) continue;
        if (j.step_begins) {
          if (j.steps >= o_.max_steps) {  // max_steps: the scalar solve says where
            hand_over(l);
            if (!j.active) continue;
          }
          // run_dense: land on the last time, never leave a sliver before it.
          if (t_.v[l] + dt_.v[l] > stop_early_)
            dt_.v[l] = detail::step_towards(stop_, t_.v[l], dt_.v[l]);
          j.step_begins = false;
        }
        // controlled_runge_kutta::try_step refuses a step above max_dt first.
        if (b_.max_dt_ != 0 && !(dt_.v[l] - b_.max_dt_ <= std::numeric_limits<double>::epsilon())) {
          dt_.v[l] = b_.max_dt_;
          ++j.trials;
        }
      }
      if (!any_active()) return;
      const lane T = t_, H = dt_;  // idle lanes keep their last values: finite, never read

      // runge_kutta_dopri5::do_step_impl, stage by stage (odeint's scale_sum: 1 * x + ...).
      const lane one = 1.0;
      const lane h21 = H * b21;
      for (std::size_t i = 0; i < S; ++i) xt_[i] = one * x_[i] + h21 * d_[i];
      model(xt_, k2_, T + H * a2, p_);
      const lane h31 = H * b31, h32 = H * b32;
      for (std::size_t i = 0; i < S; ++i) xt_[i] = one * x_[i] + h31 * d_[i] + h32 * k2_[i];
      model(xt_, k3_, T + H * a3, p_);
      const lane h41 = H * b41, h42 = H * b42, h43 = H * b43;
      for (std::size_t i = 0; i < S; ++i)
        xt_[i] = one * x_[i] + h41 * d_[i] + h42 * k2_[i] + h43 * k3_[i];
      model(xt_, k4_, T + H * a4, p_);
      const lane h51 = H * b51, h52 = H * b52, h53 = H * b53, h54 = H * b54;
      for (std::size_t i = 0; i < S; ++i)
        xt_[i] = one * x_[i] + h51 * d_[i] + h52 * k2_[i] + h53 * k3_[i] + h54 * k4_[i];
      model(xt_, k5_, T + H * a5, p_);
      const lane h61 = H * b61, h62 = H * b62, h63 = H * b63, h64 = H * b64, h65 = H * b65;
      for (std::size_t i = 0; i < S; ++i)
        xt_[i] =
            one * x_[i] + h61 * d_[i] + h62 * k2_[i] + h63 * k3_[i] + h64 * k4_[i] + h65 * k5_[i];
      model(xt_, k6_, T + H, p_);
      const lane hc1 = H * c1, hc3 = H * c3, hc4 = H * c4, hc5 = H * c5, hc6 = H * c6;
      for (std::size_t i = 0; i < S; ++i)
        xn_[i] =
            one * x_[i] + hc1 * d_[i] + hc3 * k3_[i] + hc4 * k4_[i] + hc5 * k5_[i] + hc6 * k6_[i];
      model(xn_, dn_, T + H, p_);
      // The error estimate and odesynth's tolerance_checker (NaN sticks, then counts as inf).
      const lane e1 = H * dc1, e3 = H * dc3, e4 = H * dc4, e5 = H * dc5, e6 = H * dc6, e7 = H * dc7;
      const lane a_dxdt = abs(H);
      const lane rel = o_.rel_tol;
      lane worst = 0.0;
      for (std::size_t i = 0; i < S; ++i) {
        const lane err =
            e1 * d_[i] + e3 * k3_[i] + e4 * k4_[i] + e5 * k5_[i] + e6 * k6_[i] + e7 * dn_[i];
        const lane ratio =
            abs(err) / (lane(b_.abs_tol_[i]) + rel * (abs(x_[i]) + a_dxdt * abs(d_[i])));
        for (std::size_t l = 0; l < W; ++l)
          worst.v[l] =
              (ratio.v[l] > worst.v[l] || ratio.v[l] != ratio.v[l]) ? ratio.v[l] : worst.v[l];
      }

      // The step adjuster (detail/step_adjuster.hpp) in every lane at once: a rejected lane's
      // decreased step, an accepted one's increased step, from one vectorised power (a lane
      // with 0.5 <= err <= 1 keeps its step; an idle lane's result is never read).
      constexpr double inf = std::numeric_limits<double>::infinity();
      constexpr double largest = std::numeric_limits<double>::max();
      lane err, base, exponent;
      for (std::size_t l = 0; l < W; ++l) {
        err.v[l] = worst.v[l] <= largest ? worst.v[l] : inf;  // NaN and inf: inf
        const bool rejected = err.v[l] > 1.0;
        base.v[l] = rejected ? detail::decrease_base(err.v[l])
                             : detail::increase_base(err.v[l], stepper_order);
        exponent.v[l] = rejected ? detail::decrease_exponent(error_order)
                                 : detail::increase_exponent(stepper_order);
      }
      const lane power = detail::portable_pow(base, exponent);
      lane t_new, dt_new, accepted;
      for (std::size_t l = 0; l < W; ++l) {
        const bool rejected = err.v[l] > 1.0;
        const double next =
            rejected ? decrease(H.v[l], power.v[l]) : increase(H.v[l], err.v[l], power.v[l]);
        dt_new.v[l] = live_.v[l] != 0 ? next : H.v[l];
        accepted.v[l] = live_.v[l] != 0 && !rejected ? 1.0 : 0.0;
        t_new.v[l] = T.v[l] + H.v[l];
      }

      // Each lane's bookkeeping, as controlled_runge_kutta::try_step and solve_schedule keep it.
      std::array<bool, W> leaves{};
      bool any_leaves = false;
      for (std::size_t l = 0; l < W; ++l) {
        lane_job& j = job_[l];
        if (!j.active) continue;
        ++j.trials;
        if (accepted.v[l] == 0) {
          if (j.trials >= trial_limit) leaves[l] = any_leaves = true;
          continue;
        }
        ++j.steps;
        bool finite = true;
        for (std::size_t i = 0; i < S; ++i) finite = finite && std::isfinite(xn_[i].v[l]);
        if (!finite || detail::step_underflowed(T.v[l], t_new.v[l], o_.min_step) ||
            (b_.auto_switch_ && stiffness_suspected(l, j.steps, t_new.v[l] - T.v[l]))) {
          // non_finite or step_underflow, with the scalar solve's diagnosis; or possibly
          // stiff, which the scalar solve's auto_switch decides.
          leaves[l] = any_leaves = true;
          accepted.v[l] = 0.0;
          continue;
        }
        j.trials = 0;
        j.step_begins = true;
      }

      // The lanes that stepped move on: their time, state and derivative.
      for (std::size_t l = 0; l < W; ++l) {
        t_.v[l] = accepted.v[l] != 0 ? t_new.v[l] : T.v[l];
        dt_.v[l] = dt_new.v[l];
      }
      dense_output(accepted, T, t_new);
      for (std::size_t i = 0; i < S; ++i)
        for (std::size_t l = 0; l < W; ++l) {
          x_[i].v[l] = accepted.v[l] != 0 ? xn_[i].v[l] : x_[i].v[l];
          d_[i].v[l] = accepted.v[l] != 0 ? dn_[i].v[l] : d_[i].v[l];
        }

      if (any_leaves)
        for (std::size_t l = 0; l < W; ++l)
          if (leaves[l]) hand_over(l);
      for (std::size_t l = 0; l < W; ++l) {
        lane_job& j = job_[l];
        if (accepted.v[l] == 0 || !detail::reached(stop_, t_.v[l])) continue;
        scalar_state x{};
        for (std::size_t i = 0; i < S; ++i) x[i] = x_[i].v[l];
        set_active(l, false);
        if (!finish(j, x)) solve_scalar(j.problem);
        refill(l);
      }
    }

    /// auto_switch's onset test (detail::stiffness_onset::accepted) on lane l's accepted step
    /// number `steps`, with the same arithmetic: true when it finds h |lambda| above the
    /// stability limit, which starts the scalar solve's streak towards a switch. Until then
    /// its streak is 0, so it tests only every test_interval steps, as here.
    bool stiffness_suspected(std::size_t l, std::int64_t steps, double h) const noexcept {
      using rules = detail::auto_switch_rules;
      if (steps % rules::test_interval != 0) return false;
      // y6 = xt_ (stage 6's state), f6 = k6_, y1 = xn_, f7 = dn_, as traced_rhs sees them.
      double num = 0, den = 0;
      for (std::size_t i = 0; i < S; ++i) {
        const double df = dn_[i].v[l] - k6_[i].v[l];
        const double dy = xn_[i].v[l] - xt_[i].v[l];
        num += df * df;
        den += dy * dy;
      }
      const double h_lambda = den > 0 ? h * std::sqrt(num / den) : 0.0;
      return h_lambda > rules::stability_limit;
    }

    /// Rows the accepted steps passed, from runge_kutta_dopri5::calc_state. The rows of all
    /// lanes are gathered W at a time, whichever lanes they come from, so that no lane
    /// computes a row it does not need: the interpolation weights (the costly part: eight
    /// divisions) for W rows at once, then each row's sum from its lane's stages.
    void dense_output(const lane& accepted, const lane& t_old, const lane& t_new) {
      const lane dt = t_new - t_old;
      std::size_t n = 0;
      for (std::size_t l = 0; l < W; ++l) {
        if (accepted.v[l] == 0) continue;
        lane_job& j = job_[l];
        const double reach = t_new.v[l] + detail::time_resolution * std::fabs(t_new.v[l]);
        while (j.row < rows_ && times_[j.row] <= reach) {
          pending_.time.v[n] = times_[j.row];
          pending_.from.v[n] = t_old.v[l];
          pending_.span.v[n] = dt.v[l];
          pending_.lane_of[n] = l;
          pending_.row[n] = j.rows + j.row * S;
          ++j.row;
          if (++n == W) {
            interpolate(n);
            n = 0;
          }
        }
      }
      if (n != 0) interpolate(n);
    }

    /// The first n pending rows (the other entries hold an earlier row's finite times).
    void interpolate(std::size_t n) {
      const lane theta = (pending_.time - pending_.from) / pending_.span;
      const lane X1 = 5.0 * (2558722523.0 - 31403016.0 * theta) / 11282082432.0;
      const lane X3 = 100.0 * (882725551.0 - 15701508.0 * theta) / 32700410799.0;
      const lane X4 = 25.0 * (443332067.0 - 31403016.0 * theta) / 1880347072.0;
      const lane X5 = 32805.0 * (23143187.0 - 3489224.0 * theta) / 199316789632.0;
      const lane X6 = 55.0 * (29972135.0 - 7076736.0 * theta) / 822651844.0;
      const lane X7 = 10.0 * (7414447.0 - 829305.0 * theta) / 29380423.0;
      const lane theta_m_1 = theta - 1.0;
      const lane theta_sq = theta * theta;
      const lane A = theta_sq * (3.0 - 2.0 * theta);
      const lane B = theta_sq * theta_m_1;
      const lane C = theta_sq * theta_m_1 * theta_m_1;
      const lane D = theta * theta_m_1 * theta_m_1;
      const lane& h = pending_.span;
      const lane w1 = h * (A * c1 - C * X1 + D), w3 = h * (A * c3 + C * X3),
                 w4 = h * (A * c4 - C * X4), w5 = h * (A * c5 + C * X5), w6 = h * (A * c6 - C * X6),
                 w7 = h * (B + C * X7);
      for (std::size_t e = 0; e < n; ++e) {
        const std::size_t l = pending_.lane_of[e];
        double* r = pending_.row[e];
        for (std::size_t i = 0; i < S; ++i)
          r[i] = 1.0 * x_[i].v[l] + w1.v[e] * d_[i].v[l] + w3.v[e] * k3_[i].v[l] +
                 w4.v[e] * k4_[i].v[l] + w5.v[e] * k5_[i].v[l] + w6.v[e] * k6_[i].v[l] +
                 w7.v[e] * dn_[i].v[l];
      }
    }

    const batch_solver& b_;
    const solve_options& o_;
    trajectory* out_;
    trajectory* const* out_at_;
    std::size_t count_;
    const double* parameters_;
    const double* initial_states_;
    const time_grid& grid_;
    const double* times_;
    std::size_t rows_;
    double start_, stop_, stop_early_;
    std::size_t next_ = 0;
    std::array<lane_job, W> job_{};
    // The lanes' current state and derivative, stages, trial state and its derivative.
    state x_{}, d_{}, xt_{}, k2_{}, k3_{}, k4_{}, k5_{}, k6_{}, xn_{}, dn_{};
    std::array<lane, P> p_{};
    // Each lane's time and next step size, and 1 where a job runs, 0 where the lane is idle.
    lane t_ = 0.0, dt_ = 0.0, live_ = 0.0;
    /// Rows waiting for dense_output's interpolation: the output time, the step's start and
    /// size, the lane and where the row goes.
    struct pending_rows {
      lane time = 0.0, from = 0.0, span = 1.0;
      std::array<std::size_t, W> lane_of{};
      std::array<double*, W> row{};
    } pending_;
  };

  scalar_solver scalar_;
  bool auto_switch_ = false;
  trajectory::names_ptr species_;
  std::array<double, S> abs_tol_{};
  double max_dt_ = 0;
};

}  // namespace odesynth
