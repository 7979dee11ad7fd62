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
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/auto_switch.hpp"
#include "detail/config.hpp"
#include "detail/initial_step.hpp"
#include "detail/lane_chunks.hpp"
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

  /// One lane's trajectory in progress: what only the lane's rare events read. What every
  /// trial step reads or updates is in the run's lane vectors (t_, dt_, steps_, ...).
  struct lane_job {
    bool active = false;
    std::size_t problem = 0;
    trajectory* out = nullptr;
    double* rows = nullptr;
    std::size_t row = 0;  ///< next output row; its time is the run's next_row_time_
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
          stop_early_(stop_ - 2 * detail::time_resolution * std::fabs(stop_)),
          max_steps_(static_cast<double>(o_.max_steps)) {}

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
    static constexpr double trial_limit = 400;

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
          finish(j, x, 0);
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
      begins_.v[l] = 1.0;
      trials_.v[l] = 0.0;
      steps_.v[l] = 0.0;
      next_test_.v[l] = detail::auto_switch_rules::test_interval;
      next_row_time_.v[l] = next_row_time(j);
      for (std::size_t i = 0; i < S; ++i) {
        x_[i].v[l] = x[i];
        d_[i].v[l] = f0[i];
      }
      for (std::size_t i = 0; i < P; ++i) p_[i].v[l] = p[i];
      return true;
    }

    /// The time of lane job j's next output row; infinity when every row is written.
    double next_row_time(const lane_job& j) const noexcept {
      return j.row < rows_ ? times_[j.row] : std::numeric_limits<double>::infinity();
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
    ODESYNTH_NOINLINE bool finish(lane_job& j, const Row& x, std::int64_t steps) {
      while (j.row < rows_) write_row(j, x);
      // Every value finite: no exponent field all ones, tested on the bits (an OR over all
      // values, which compilers vectorise; adding 2^52 to the field carries into the top bit
      // only from all ones).
      std::uint64_t non_finite = 0;
      for (std::size_t i = 0; i < rows_ * S; ++i) {
        std::uint64_t bits;
        std::memcpy(&bits, j.rows + i, sizeof bits);
        non_finite |= (bits & 0x7ff0000000000000u) + 0x0010000000000000u;
      }
      if (non_finite >> 63) return false;
      j.out->mask().setConstant(true);
      j.out->set_steps(steps);
      return true;
    }

    // dopri5's orders for the step adjuster (detail/step_adjuster.hpp): error 4, stepper 5.
    static constexpr int error_order = 4, stepper_order = 5;

    // The per-lane decisions run on chunks of lanes (detail/lane_chunks.hpp: SIMD pairs, or
    // one lane at a time); a mask that outlives its loop is kept in a lane as 1 or 0.
    using ops = detail::lane_chunks<W>;
    using real = typename ops::real;
    using mask = typename ops::mask;
    static constexpr std::size_t chunk = ops::width;

    /// Whether a lane mask (1 or 0 in each lane) holds anywhere.
    static bool any(const lane& ones) noexcept {
      double sum = 0;
      for (std::size_t l = 0; l < W; ++l) sum += ones.v[l];
      return sum != 0;
    }
    static real at(const lane& a, std::size_t c) noexcept { return ops::load(a.v + c); }
    static void put(lane& a, std::size_t c, const real& r) noexcept { ops::store(a.v + c, r); }
    static mask is_set(const lane& ones, std::size_t c) noexcept { return at(ones, c) != 0.0; }

    /// One trial step in every lane, then each lane's controller decision, made on whole lanes
    /// as the scalar solve makes it for one. What is per lane and scalar - the landing on the
    /// last time, handing over, output rows, the stiffness test, finishing - runs only for
    /// the lanes a mask selects, and only when that mask is not empty.
    ODESYNTH_FLATTEN void trial_step() {
      const Model& model = b_.scalar_.model();
      // A step begins (after an accepted one, or a new problem): max_steps and run_dense's
      // landing on the last time, never leaving a sliver before it - rarely more than one
      // lane, in a solve's last step.
      {
        lane check;
        mask due{};
        for (std::size_t c = 0; c < W; c += chunk) {
          const mask m = ops::both(
              ops::both(is_set(live_, c), is_set(begins_, c)),
              ops::either(at(steps_, c) >= max_steps_, at(t_, c) + at(dt_, c) > stop_early_));
          put(check, c, ops::ones(m));
          due = ops::either(due, m);
        }
        if (ops::any(due)) begin_steps(check);
        begins_ = 0.0;
      }
      // controlled_runge_kutta::try_step refuses a step above max_dt first (a trial of its own).
      if (b_.max_dt_ != 0) {
        const double max_dt = b_.max_dt_;
        constexpr double epsilon = std::numeric_limits<double>::epsilon();
        for (std::size_t c = 0; c < W; c += chunk) {
          const real dt = at(dt_, c), trials = at(trials_, c);
          const mask refused = ops::both(is_set(live_, c), ops::negate(dt - max_dt <= epsilon));
          put(dt_, c, ops::select(refused, ops::splat(max_dt), dt));
          put(trials_, c, ops::select(refused, trials + 1.0, trials));
        }
      }
      if (!any(live_)) return;
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

      // The error estimate and odesynth's tolerance_checker: the largest ratio, where a NaN
      // ratio sticks and then counts as infinity. Kept here as the largest number (a NaN ratio
      // leaves it) and a NaN flag, which gives the same error: infinity after a NaN anywhere,
      // else the largest. Then the step adjuster's power for every lane at once
      // (detail/step_adjuster.hpp): a rejected lane's err^(-1/(q-1)), an accepted one's
      // max(err, 5^-p)^(-1/p) (used when err < 0.5; an idle lane's is never read).
      constexpr double inf = std::numeric_limits<double>::infinity();
      constexpr double largest = std::numeric_limits<double>::max();
      const double increase_floor = detail::increase_base(0.0, stepper_order);  // 5^-p
      const double decrease_exponent = detail::decrease_exponent(error_order);
      const double increase_exponent = detail::increase_exponent(stepper_order);
      const double rel_tol = o_.rel_tol;
      lane err, base, exponent;
      for (std::size_t c = 0; c < W; c += chunk) {
        const real h = at(H, c);
        const real e1 = h * dc1, e3 = h * dc3, e4 = h * dc4, e5 = h * dc5, e6 = h * dc6,
                   e7 = h * dc7;
        const real a_dxdt = ops::abs(h);
        real largest_ratio = ops::splat(0.0);
        mask nan_ratio{};
        for (std::size_t i = 0; i < S; ++i) {
          const real estimate = e1 * at(d_[i], c) + e3 * at(k3_[i], c) + e4 * at(k4_[i], c) +
                                e5 * at(k5_[i], c) + e6 * at(k6_[i], c) + e7 * at(dn_[i], c);
          const real ratio = ops::abs(estimate) /
                             (ops::splat(b_.abs_tol_[i]) +
                              rel_tol * (ops::abs(at(x_[i], c)) + a_dxdt * ops::abs(at(d_[i], c))));
          largest_ratio = ops::select(ratio > largest_ratio, ratio, largest_ratio);
          nan_ratio = ops::either(nan_ratio, ratio != ratio);
        }
        const real e = ops::select(ops::either(nan_ratio, ops::negate(largest_ratio <= largest)),
                                   ops::splat(inf), largest_ratio);
        const mask rejected = e > 1.0;
        // decrease_base(err) is err; increase_base(err) is std::max(5^-p, err).
        const real raised = ops::select(increase_floor < e, e, ops::splat(increase_floor));
        put(err, c, e);
        put(base, c, ops::select(rejected, e, raised));
        put(exponent, c,
            ops::select(rejected, ops::splat(decrease_exponent), ops::splat(increase_exponent)));
      }
      const lane power = detail::portable_pow(base, exponent);

      // Each lane's new step size (decreased_step_by: dt std::max(0.9 power, 1/5);
      // increased_step_by: dt (0.9 power) when err < 0.5; then std::min(dt, max_dt) when
      // max_dt is set), its trial count (controlled_runge_kutta::try_step's, and the lane
      // leaves long before odeint's failed_step_checker would throw), and whether it steps: an
      // accepted step that solver::solve_schedule would not continue from - a non-finite state
      // (x - x is 0 only for a finite x) or a step underflow (step_underflowed) - leaves for
      // the scalar solve, which reports it.
      const double max_dt = b_.max_dt_ != 0 ? b_.max_dt_ : inf;
      const double min_step = o_.min_step;
      const mask all = ops::negate(mask{});
      lane t_new, dt_new, accepted, leaves;
      mask any_leaves{};
      for (std::size_t c = 0; c < W; c += chunk) {
        const mask live = is_set(live_, c);
        const real e = at(err, c), h = at(H, c), t = at(T, c);
        const mask rejected = e > 1.0, small = e < 0.5;
        const real scaled = 9.0 / 10.0 * at(power, c);
        const real shrunk = h * ops::select(scaled < 1.0 / 5.0, ops::splat(1.0 / 5.0), scaled);
        const real grown = ops::select(small, h * scaled, h);
        const real changed = ops::select(rejected, shrunk, grown);
        const mask capped = ops::both(ops::either(rejected, small), max_dt < changed);
        put(dt_new, c, ops::select(live, ops::select(capped, ops::splat(max_dt), changed), h));
        const real t_next = t + h;
        put(t_new, c, t_next);
        const real trials = at(trials_, c) + ops::ones(live);
        put(trials_, c, trials);
        mask stepped = ops::both(live, ops::negate(rejected));
        put(steps_, c, at(steps_, c) + ops::ones(stepped));
        mask finite = all;
        for (std::size_t i = 0; i < S; ++i) {
          const real x = at(xn_[i], c);
          finite = ops::both(finite, x - x == 0.0);
        }
        const real step = t_next - t;
        const mask underflow =
            ops::either(ops::negate(step > 10 * detail::eps * ops::abs(t)), step < min_step);
        const mask troubled = ops::both(stepped, ops::either(ops::negate(finite), underflow));
        const mask leave =
            ops::either(ops::both(ops::both(live, rejected), trials >= trial_limit), troubled);
        stepped = ops::both(stepped, ops::negate(troubled));
        put(accepted, c, ops::ones(stepped));
        put(leaves, c, ops::ones(leave));
        any_leaves = ops::either(any_leaves, leave);
      }
      // Under auto_switch, a stiffness test that fails leaves too: the scalar solve may switch.
      if (b_.auto_switch_ && stiffness_tests(accepted, leaves, t_new, T)) any_leaves = all;

      // The lanes that stepped move on: their time, state and derivative, rows passed.
      for (std::size_t c = 0; c < W; c += chunk) {
        const mask stepped = is_set(accepted, c);
        put(t_, c, ops::select(stepped, at(t_new, c), at(T, c)));
        put(dt_, c, at(dt_new, c));
        put(trials_, c, ops::select(stepped, ops::splat(0.0), at(trials_, c)));
        put(begins_, c, ops::ones(stepped));
      }
      dense_output(accepted, T, t_new);
      for (std::size_t c = 0; c < W; c += chunk) {
        const mask stepped = is_set(accepted, c);
        for (std::size_t i = 0; i < S; ++i) {
          put(x_[i], c, ops::select(stepped, at(xn_[i], c), at(x_[i], c)));
          put(d_[i], c, ops::select(stepped, at(dn_[i], c), at(d_[i], c)));
        }
      }

      if (ops::any(any_leaves)) hand_over_all(leaves);
      // reached(stop, t) in the lanes that stepped: their solve is done.
      const double stop_resolution = detail::time_resolution * std::fabs(stop_);
      lane done;
      mask any_done{};
      for (std::size_t c = 0; c < W; c += chunk) {
        const real t = at(t_, c);
        const mask m =
            ops::both(is_set(accepted, c), ops::either(stop_ <= t, stop_ - t <= stop_resolution));
        put(done, c, ops::ones(m));
        any_done = ops::either(any_done, m);
      }
      if (ops::any(any_done)) finish_all(done);
    }

    /// trial_step's rare start of a step in the lanes of `mask`: max_steps reached (the scalar
    /// solve says where; the lane takes its next problem, whose step begins too) and the
    /// landing on the last time (step_towards).
    ODESYNTH_NOINLINE void begin_steps(const lane& selected) {
      for (std::size_t l = 0; l < W; ++l) {
        if (selected.v[l] == 0) continue;
        if (steps_.v[l] >= max_steps_) {
          hand_over(l);
          if (!job_[l].active) continue;
        }
        if (t_.v[l] + dt_.v[l] > stop_early_)
          dt_.v[l] = detail::step_towards(stop_, t_.v[l], dt_.v[l]);
      }
    }

    /// Hands the selected lanes over to the scalar solver (each then takes its next problem).
    ODESYNTH_NOINLINE void hand_over_all(const lane& selected) {
      for (std::size_t l = 0; l < W; ++l)
        if (selected.v[l] != 0) hand_over(l);
    }

    /// Finishes the solves of the selected lanes, which reached the last time.
    ODESYNTH_NOINLINE void finish_all(const lane& selected) {
      for (std::size_t l = 0; l < W; ++l) {
        if (selected.v[l] == 0) continue;
        lane_job& j = job_[l];
        scalar_state x{};
        for (std::size_t i = 0; i < S; ++i) x[i] = x_[i].v[l];
        set_active(l, false);
        if (!finish(j, x, static_cast<std::int64_t>(steps_.v[l]))) solve_scalar(j.problem);
        refill(l);
      }
    }

    /// auto_switch's onset test (detail::stiffness_onset::accepted) in the accepted lanes whose
    /// step count reaches a multiple of test_interval; a lane whose test finds h |lambda| above
    /// the stability limit leaves (that starts the scalar solve's streak towards a switch;
    /// until then the streak is 0, so the scalar solve tests only every test_interval steps
    /// too). Returns whether a lane leaves.
    bool stiffness_tests(lane& accepted, lane& leaves, const lane& t_new, const lane& t_old) {
      lane due;
      mask any_due{};
      for (std::size_t c = 0; c < W; c += chunk) {
        const mask m = ops::both(is_set(accepted, c), at(steps_, c) == at(next_test_, c));
        put(due, c, ops::ones(m));
        any_due = ops::either(any_due, m);
      }
      if (!ops::any(any_due)) return false;
      bool any_leaves = false;
      for (std::size_t l = 0; l < W; ++l) {
        if (due.v[l] == 0) continue;
        next_test_.v[l] += detail::auto_switch_rules::test_interval;
        if (stiffness_suspected(l, t_new.v[l] - t_old.v[l])) {
          leaves.v[l] = 1.0;
          accepted.v[l] = 0.0;
          any_leaves = true;
        }
      }
      return any_leaves;
    }

    /// The onset test's arithmetic on lane l's accepted step of size h: true when it finds
    /// h |lambda| above the stability limit.
    bool stiffness_suspected(std::size_t l, double h) const noexcept {
      using rules = detail::auto_switch_rules;
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

    /// Rows the accepted steps passed, from runge_kutta_dopri5::calc_state: in the lanes whose
    /// next row's time is within reach (reached(), hoisted as solver's run_dense hoists it).
    /// The rows are taken a chunk at a time (two or four lanes of SIMD), whichever lanes they come
    /// from, and computed together: the interpolation weights (eight divisions, the costly
    /// part) and the row sums, each operand built in registers from its lane's values.
    void dense_output(const lane& accepted, const lane& t_old, const lane& t_new) {
      lane reach, has_rows;
      mask any_rows{};
      for (std::size_t c = 0; c < W; c += chunk) {
        const real t = at(t_new, c);
        const real r = t + detail::time_resolution * ops::abs(t);
        const mask m = ops::both(is_set(accepted, c), at(next_row_time_, c) <= r);
        put(reach, c, r);
        put(has_rows, c, ops::ones(m));
        any_rows = ops::either(any_rows, m);
      }
      if (!ops::any(any_rows)) return;
      const lane h = t_new - t_old;
      if constexpr (chunk <= 2) {
        rows_in_pairs(has_rows, reach, t_old, h);
      } else {
        rows_in_chunks(has_rows, reach, t_old, h);
      }
    }

    /// Lane l's rows up to time `reach`, each handed to f(time, destination) in turn.
    template <class F>
    void rows_of(std::size_t l, double reach, F f) {
      lane_job& j = job_[l];
      while (j.row < rows_ && times_[j.row] <= reach) {
        f(times_[j.row], j.rows + j.row * S);
        ++j.row;
      }
      next_row_time_.v[l] = next_row_time(j);
    }

    /// dense_output's rows one or two at a time. A pair's first row is held in variables, not
    /// in an array indexed at run time: a SIMD load of values just stored one by one would wait
    /// for the stores (store forwarding).
    void rows_in_pairs(const lane& has_rows, const lane& reach, const lane& t_old, const lane& h) {
      std::size_t held_lane = 0;
      double held_time = 0;
      double* held_dest = nullptr;
      bool holding = false;
      for (std::size_t l = 0; l < W; ++l) {
        if (has_rows.v[l] == 0) continue;
        rows_of(l, reach.v[l], [&](double time, double* dest) {
          if constexpr (chunk == 1) {
            interpolate({l}, {time}, {dest}, t_old, h);
          } else if (!holding) {
            held_lane = l;
            held_time = time;
            held_dest = dest;
            holding = true;
          } else {
            interpolate({held_lane, l}, {held_time, time}, {held_dest, dest}, t_old, h);
            holding = false;
          }
        });
      }
      if constexpr (chunk == 2) {
        if (holding) {  // the last row alone: its copy goes to a spare row
          std::array<double, S> spare;
          interpolate({held_lane, held_lane}, {held_time, held_time}, {held_dest, spare.data()},
                      t_old, h);
        }
      }
    }

    /// dense_output's rows a whole chunk (four) at a time; the chunk's operands are built from
    /// scalars (interpolate), so holding the rows in arrays costs no store-forwarding stall.
    void rows_in_chunks(const lane& has_rows, const lane& reach, const lane& t_old, const lane& h) {
      std::array<std::size_t, chunk> held_lane{};
      std::array<double, chunk> held_time{};
      std::array<double*, chunk> held_dest{};
      std::size_t held = 0;
      for (std::size_t l = 0; l < W; ++l) {
        if (has_rows.v[l] == 0) continue;
        rows_of(l, reach.v[l], [&](double time, double* dest) {
          held_lane[held] = l;
          held_time[held] = time;
          held_dest[held] = dest;
          if (++held == chunk) {
            interpolate(held_lane, held_time, held_dest, t_old, h);
            held = 0;
          }
        });
      }
      if (held != 0) {  // the chunk's empty places repeat its last row into spare rows
        std::array<double, S * chunk> spare;
        for (std::size_t k = held; k < chunk; ++k) {
          held_lane[k] = held_lane[held - 1];
          held_time[k] = held_time[held - 1];
          held_dest[k] = spare.data() + k * S;
        }
        interpolate(held_lane, held_time, held_dest, t_old, h);
      }
    }

    /// runge_kutta_dopri5::calc_state for a chunk of rows: row k is lane lane_of[k]'s state at
    /// time[k], in the step from t_old over `step`, written to dest[k].
    void interpolate(const std::array<std::size_t, chunk>& lane_of,
                     const std::array<double, chunk>& time, const std::array<double*, chunk>& dest,
                     const lane& t_old, const lane& step) {
      const auto of = [&lane_of](const lane& a) {
        return ops::generate(0, [&](std::size_t k) { return a.v[lane_of[k]]; });
      };
      const real when = ops::generate(0, [&](std::size_t k) { return time[k]; });
      const real h = of(step);
      const real theta = (when - of(t_old)) / h;
      const real X1 = 5.0 * (2558722523.0 - 31403016.0 * theta) / 11282082432.0;
      const real X3 = 100.0 * (882725551.0 - 15701508.0 * theta) / 32700410799.0;
      const real X4 = 25.0 * (443332067.0 - 31403016.0 * theta) / 1880347072.0;
      const real X5 = 32805.0 * (23143187.0 - 3489224.0 * theta) / 199316789632.0;
      const real X6 = 55.0 * (29972135.0 - 7076736.0 * theta) / 822651844.0;
      const real X7 = 10.0 * (7414447.0 - 829305.0 * theta) / 29380423.0;
      const real theta_m_1 = theta - 1.0;
      const real theta_sq = theta * theta;
      const real A = theta_sq * (3.0 - 2.0 * theta);
      const real B = theta_sq * theta_m_1;
      const real C = theta_sq * theta_m_1 * theta_m_1;
      const real D = theta * theta_m_1 * theta_m_1;
      const real w1 = h * (A * c1 - C * X1 + D), w3 = h * (A * c3 + C * X3),
                 w4 = h * (A * c4 - C * X4), w5 = h * (A * c5 + C * X5), w6 = h * (A * c6 - C * X6),
                 w7 = h * (B + C * X7);
      for (std::size_t i = 0; i < S; ++i) {
        const real row = 1.0 * of(x_[i]) + w1 * of(d_[i]) + w3 * of(k3_[i]) + w4 * of(k4_[i]) +
                         w5 * of(k5_[i]) + w6 * of(k6_[i]) + w7 * of(dn_[i]);
        for (std::size_t k = 0; k < chunk; ++k) dest[k][i] = ops::get(row, k);
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
    double max_steps_;  ///< solve_options::max_steps, compared with the lanes' steps_
    std::size_t next_ = 0;
    std::array<lane_job, W> job_{};
    // The lanes' current state and derivative, stages, trial state and its derivative.
    state x_{}, d_{}, xt_{}, k2_{}, k3_{}, k4_{}, k5_{}, k6_{}, xn_{}, dn_{};
    std::array<lane, P> p_{};
    // Each lane's time and next step size, and 1 where a job runs, 0 where the lane is idle.
    lane t_ = 0.0, dt_ = 0.0, live_ = 0.0;
    // Each lane's count of accepted steps and of trials in the current step (whole numbers,
    // exact in a double), 1 where the next trial begins a step, the step count of the next
    // stiffness test (auto_switch) and the next output row's time.
    lane steps_ = 0.0, trials_ = 0.0, begins_ = 0.0, next_test_ = 0.0, next_row_time_ = 0.0;
  };

  scalar_solver scalar_;
  bool auto_switch_ = false;
  trajectory::names_ptr species_;
  std::array<double, S> abs_tol_{};
  double max_dt_ = 0;
};

}  // namespace odesynth
