// odesynth/cvode/cvode_solver.hpp - SUNDIALS CVODE (variable-order BDF with Newton iterations)
// as a solver for odesynth models: the stiff stepper for large systems (component
// odesynth::cvode, CMake -DODESYNTH_CVODE=ON, Debian libsundials-dev).
//
//   odesynth::cvode_options o;
//   o.linear_solver = odesynth::cvode_linear_solver::band;
//   o.lower_bandwidth = 1;
//   const odesynth::cvode_solver<chain> s(chain{2000}, o);        // validates once
//   odesynth::trajectory tr = s.solve(p, x0, grid);                // const, thread-safe
//
// Same shape and contract as odesynth::solver (solve.hpp): bad input throws invalid_argument
// before any work; a numerical failure does not throw but sets the trajectory's status, its
// message says where (and which CVODE flag), the rows before the failure hold the values
// computed up to there and the rest are NaN and unobserved. Parameter schedules integrate each
// constant stretch on its own: CVODE's stop time is the switch (it never evaluates the model
// past it) and it restarts there (CVodeReInit, order 1).
//
// How the solve is driven, and why: CVODE runs in CV_ONE_STEP mode with the segment's end as
// its stop time, and the output rows are interpolated with CVodeGetDky (what CV_NORMAL does
// inside). Owning the step loop lets every accepted step be checked as solve.hpp's loops
// check theirs: the state is finite, the step moved t (CVODE itself only warns "t + h = t"
// and keeps going until its step cap), the solve's max_steps (CVODE's mxstep counts per
// output call, not per solve) and its wall-time limit.
//
// The model is called from C callbacks; every exception is caught inside them (recorded, the
// callback returns -1) and never crosses the C library. CVODE's own error printing is
// replaced by a handler that keeps the last message for the trajectory's message.
//
// Thread safety: each solve builds its own SUNContext, vectors, matrix, linear solver and
// CVODE memory (measured 3.4 us for a 3-species model, 0.55 ms at 2000 species dense: small
// against the solves, so no per-thread reuse; see docs/cvode.md), so solve() is const and may
// run on many threads at once.
#pragma once

#include <cvode/cvode.h>
#include <fmt/format.h>
#include <nvector/nvector_serial.h>
#include <sundials/sundials_context.h>
#include <sundials/sundials_types.h>
#include <sunlinsol/sunlinsol_band.h>
#include <sunlinsol/sunlinsol_dense.h>
#include <sunmatrix/sunmatrix_band.h>
#include <sunmatrix/sunmatrix_dense.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/solve_input.hpp"
#include "../detail/state_ops.hpp"
#include "../detail/text.hpp"
#include "../detail/time_budget.hpp"
#include "../error.hpp"
#include "../model.hpp"
#include "../parameter_schedule.hpp"
#include "../solve_status.hpp"
#include "../time_grid.hpp"
#include "../trajectory.hpp"
#include "../value_span.hpp"
#include "cvode_options.hpp"

namespace odesynth {

namespace detail::cvode {

static_assert(std::is_same_v<sunrealtype, double>,
              "odesynth::cvode needs SUNDIALS built with double precision (sunrealtype = double, "
              "Debian's libsundials-dev)");

/// CVODE's name for a return flag ("CV_CONV_FAILURE"); CVodeGetReturnFlagName hands back
/// memory from malloc, freed here.
inline std::string flag_name(int flag) {
  char* name = CVodeGetReturnFlagName(flag);
  if (!name) return fmt::format("CVODE flag {}", flag);
  std::string text(name);
  std::free(name);
  return text;
}

/// Owns one solve's SUNDIALS objects, freed in reverse order of creation. Not copyable.
struct resources {
  SUNContext context = nullptr;
  N_Vector y = nullptr;
  N_Vector abs_tol = nullptr;
  N_Vector row = nullptr;  ///< no data of its own: pointed at trajectory rows for CVodeGetDky
  SUNMatrix matrix = nullptr;
  SUNLinearSolver linear_solver = nullptr;
  void* memory = nullptr;

  resources() = default;
  resources(const resources&) = delete;
  resources& operator=(const resources&) = delete;
  ~resources() {
    if (memory) CVodeFree(&memory);
    if (linear_solver) SUNLinSolFree(linear_solver);
    if (matrix) SUNMatDestroy(matrix);
    if (row) N_VDestroy(row);
    if (abs_tol) N_VDestroy(abs_tol);
    if (y) N_VDestroy(y);
    if (context) SUNContext_Free(&context);
  }
};

/// Set-up calls (CVodeInit, CVodeSetLinearSolver, ...) fail only on bad input, which
/// validate() excludes, or on memory: bad_alloc for CV_MEM_FAIL and null objects, an error
/// naming the call otherwise (an internal inconsistency, not a property of the sample).
inline void check_setup(int flag, const char* call, const std::string& last_message) {
  if (flag >= 0) return;
  if (flag == CV_MEM_FAIL) throw std::bad_alloc();
  throw error(
      fmt::format("cvode_solver: {} failed with {}: {}", call, flag_name(flag), last_message));
}

template <class T>
T* not_null(T* p) {
  if (!p) throw std::bad_alloc();
  return p;
}

/// A banded SUNMatrix seen as a matrix the model's template jacobian() can fill through
/// J(i, j): entries inside the band go straight to SUNDIALS' storage (O(n b) per Jacobian,
/// no dense n x n work matrix), entries outside land in a scratch value that must stay 0.
/// A non-zero there is remembered (the first one) and refused after the call.
class band_jacobian_view {
 public:
  band_jacobian_view(SUNMatrix m, Eigen::Index n, Eigen::Index lower, Eigen::Index upper) noexcept
      : m_(m), n_(n), lower_(lower), upper_(upper) {}

  double& operator()(Eigen::Index i, Eigen::Index j) noexcept {
    settle();
    if (j - i > upper_ || i - j > lower_) {
      outside_ = true;
      outside_i_ = i;
      outside_j_ = j;
      scratch_ = 0;
      return scratch_;
    }
    return SM_ELEMENT_B(m_, static_cast<sunindextype>(i), static_cast<sunindextype>(j));
  }
  double& coeffRef(Eigen::Index i, Eigen::Index j) noexcept { return (*this)(i, j); }
  Eigen::Index rows() const noexcept { return n_; }
  Eigen::Index cols() const noexcept { return n_; }
  void setZero() noexcept {
    SUNMatZero(m_);
    settle();
    outside_ = false;
  }

  /// After the model's call: true if it wrote a non-zero outside the band (see bad_*()).
  bool wrote_outside() noexcept {
    settle();
    return bad_;
  }
  Eigen::Index bad_row() const noexcept { return bad_i_; }
  Eigen::Index bad_col() const noexcept { return bad_j_; }
  double bad_value() const noexcept { return bad_value_; }

 private:
  // The value written through the last out-of-band reference is known only at the next
  // access (or at the end): check it then.
  void settle() noexcept {
    if (outside_ && scratch_ != 0 && !bad_) {
      bad_ = true;
      bad_i_ = outside_i_;
      bad_j_ = outside_j_;
      bad_value_ = scratch_;
    }
    outside_ = false;
  }

  SUNMatrix m_;
  Eigen::Index n_, lower_, upper_;
  double scratch_ = 0;
  bool outside_ = false;
  Eigen::Index outside_i_ = 0, outside_j_ = 0;
  bool bad_ = false;
  Eigen::Index bad_i_ = 0, bad_j_ = 0;
  double bad_value_ = 0;
};

/// A Jacobian entry outside the declared band: a configuration error (the bandwidths are
/// wrong for this model), thrown by solve() once CVODE's memory is released.
struct band_violation {
  bool found = false;
  Eigen::Index i = 0, j = 0;
  double value = 0;
  double t = 0;
};

}  // namespace detail::cvode

/// Solves one model with CVODE (BDF). Construct once (validates names and options), then call
/// the const solve() from any number of threads.
template <class Model>
class cvode_solver {
 public:
  using traits = model_traits<Model>;
  using state_type = typename traits::state_type;
  using param_type = typename traits::param_type;
  using jacobian_type = typename traits::jacobian_type;

  /// Validates the model's names and the options (throws invalid_argument).
  explicit cvode_solver(Model model, cvode_options options = {})
      : description_(odesynth::describe(model)),
        model_(std::move(model)),
        options_(std::move(options)) {
    options_.validate(description_->num_species());
    species_ = trajectory::names_ptr(description_, &description_->species());
    if constexpr (traits::has_jacobian)
      analytic_ = options_.jacobian == cvode_jacobian::automatic &&
                  detail::analytic_jacobian_available(model_);
  }

  const Model& model() const noexcept { return model_; }
  const model_description& description() const noexcept { return *description_; }
  const std::shared_ptr<const model_description>& description_ptr() const noexcept {
    return description_;
  }
  const cvode_options& options() const noexcept { return options_; }
  /// True when solves use the model's jacobian(); false: CVODE's difference quotients.
  bool analytic_jacobian() const noexcept { return analytic_; }

  /// "cvode(bdf rel_tol=... jacobian=automatic) jacobian: analytic": the options and which
  /// Jacobian the solves actually use (metadata records it).
  std::string describe() const {
    return fmt::format("cvode({}) jacobian: {}", options_,
                       analytic_ ? "analytic" : "difference quotients");
  }

  /// Solves from `initial_state` at grid.start() and reports the state at every grid time.
  trajectory solve(value_span parameters, value_span initial_state, const time_grid& grid) const {
    detail::check_solve_values(*description_, "parameters", "parameter", description_->parameters(),
                               parameters);
    return solve_schedule(segments{parameters, nullptr}, initial_state, grid);
  }

  /// Solves with parameters that switch at schedule.switch_times: each constant stretch is
  /// integrated on its own, CVODE stops exactly at every switch and restarts there. Switches
  /// after the last output time are ignored. trajectory::parameters() holds the first values.
  trajectory solve(const parameter_schedule& schedule, value_span initial_state,
                   const time_grid& grid) const {
    schedule.validate(description_->parameters(), grid.start(),
                      fmt::format("{}.parameter_schedule", description_->name()));
    return solve_schedule(segments{schedule.values.front(), &schedule}, initial_state, grid);
  }

 private:
  struct segments {  // as in solve.hpp: a schedule, or one stretch of plain parameters
    value_span first;
    const parameter_schedule* schedule;
    std::size_t count() const noexcept { return schedule ? schedule->num_segments() : 1; }
    value_span values(std::size_t k) const noexcept {
      return schedule ? value_span(schedule->values[k]) : first;
    }
    double switch_time(std::size_t k) const noexcept { return schedule->switch_times[k]; }
  };

  /// Everything the C callbacks reach through CVODE's user data: the model, the parameters
  /// in force, work vectors in the model's types, and what went wrong.
  struct session {
    const cvode_solver* self;
    const param_type* params;
    state_type x;
    state_type dxdt;
    jacobian_type jacobian;  ///< dense work matrix for analytic Jacobians (unused otherwise)
    std::size_t n;
    // The first exception that escaped the model (rhs or jacobian), and where.
    std::exception_ptr exception;
    double exception_t = 0;
    const char* exception_in = "";
    // The right-hand side was NaN or infinite (returned to CVODE as a recoverable error, so
    // it retries with a smaller step): the last time and the step count then.
    bool non_finite_seen = false;
    double non_finite_t = 0;
    std::int64_t non_finite_step = 0;
    std::int64_t steps = 0;  ///< accepted steps of the whole solve
    detail::cvode::band_violation band;
    std::string cvode_message;  ///< CVODE's last error message (its error handler)
  };

  static void load(N_Vector v, state_type& x) noexcept {
    const double* data = N_VGetArrayPointer(v);
    if constexpr (std::is_same_v<state_type, Eigen::VectorXd>) {
      x = Eigen::Map<const Eigen::VectorXd>(data, x.size());
    } else {
      for (std::size_t i = 0; i < x.size(); ++i) x[i] = data[i];
    }
  }
  static void store(const state_type& x, N_Vector v) noexcept {
    double* data = N_VGetArrayPointer(v);
    if constexpr (std::is_same_v<state_type, Eigen::VectorXd>) {
      Eigen::Map<Eigen::VectorXd>(data, x.size()) = x;
    } else {
      for (std::size_t i = 0; i < x.size(); ++i) data[i] = x[i];
    }
  }

  static void note_exception(session& s, double t, const char* where) noexcept {
    if (s.exception) return;  // the first one is the cause
    s.exception = std::current_exception();
    s.exception_t = t;
    s.exception_in = where;
  }

  // f(t, y) for CVODE. 0: fine; 1: recoverable (non-finite values: CVODE retries with a
  // smaller step, as it would for a step that left the model's domain); -1: the model threw.
  static int rhs(sunrealtype t, N_Vector y, N_Vector ydot, void* user) noexcept {
    session& s = *static_cast<session*>(user);
    try {
      load(y, s.x);
      s.self->model_(s.x, s.dxdt, t, *s.params);
    } catch (...) {
      note_exception(s, t, "right-hand side");
      return -1;
    }
    if (!detail::all_finite(s.dxdt)) {
      s.non_finite_seen = true;
      s.non_finite_t = t;
      s.non_finite_step = s.steps;
      return 1;
    }
    store(s.dxdt, ydot);
    return 0;
  }

  // The analytic Jacobian into CVODE's matrix (which CVODE has zeroed).
  static int jacobian(sunrealtype t, N_Vector y, N_Vector /*fy*/, SUNMatrix m, void* user, N_Vector,
                      N_Vector, N_Vector) noexcept {
    session& s = *static_cast<session*>(user);
    if constexpr (traits::has_jacobian) {
      try {
        load(y, s.x);
        const auto n = static_cast<Eigen::Index>(s.n);
        const cvode_options& o = s.self->options_;
        if (o.linear_solver == cvode_linear_solver::dense) {
          s.jacobian.setZero();
          s.self->model_.jacobian(s.x, s.jacobian, t, *s.params);
          if (!detail::all_finite_array(s.jacobian.array())) return 1;
          Eigen::Map<Eigen::MatrixXd>(SM_DATA_D(m), n, n) = s.jacobian;
          return 0;
        }
        const auto lower = static_cast<Eigen::Index>(o.lower_bandwidth);
        const auto upper = static_cast<Eigen::Index>(o.upper_bandwidth);
        if constexpr (detail::has_jacobian<Model, state_type, detail::cvode::band_jacobian_view,
                                           param_type>::value) {
          detail::cvode::band_jacobian_view view(m, n, lower, upper);
          s.self->model_.jacobian(s.x, view, t, *s.params);
          if (view.wrote_outside()) {
            s.band = {true, view.bad_row(), view.bad_col(), view.bad_value(), t};
            return -1;
          }
        } else {
          // A model whose jacobian() takes its own matrix type only (a run-time model): fill
          // the dense work matrix and copy the band, checking that nothing lies outside it.
          s.jacobian.setZero();
          s.self->model_.jacobian(s.x, s.jacobian, t, *s.params);
          for (Eigen::Index j = 0; j < n; ++j)
            for (Eigen::Index i = 0; i < n; ++i) {
              const double v = s.jacobian(i, j);
              if (j - i <= upper && i - j <= lower) {
                SM_ELEMENT_B(m, static_cast<sunindextype>(i), static_cast<sunindextype>(j)) = v;
              } else if (v != 0 && !s.band.found) {
                s.band = {true, i, j, v, t};
              }
            }
          if (s.band.found) return -1;
        }
        for (Eigen::Index j = 0; j < n; ++j) {
          const double* column = SM_COLUMN_B(m, static_cast<sunindextype>(j));
          for (Eigen::Index i = std::max<Eigen::Index>(0, j - upper);
               i <= std::min<Eigen::Index>(n - 1, j + lower); ++i)
            if (!std::isfinite(column[i - j])) return 1;
        }
        return 0;
      } catch (...) {
        note_exception(s, t, "jacobian");
        return -1;
      }
    } else {
      (void)t, (void)y, (void)m, (void)s;
      return -1;  // never installed: CVODE differences the right-hand side
    }
  }

  // CVODE's error and warning messages, kept (the last one) instead of printed to stderr.
  static void error_handler(int /*code*/, const char* module, const char* function, char* msg,
                            void* user) noexcept {
    session& s = *static_cast<session*>(user);
    try {
      s.cvode_message = fmt::format("{}/{}: {}", module ? module : "CVODE",
                                    function ? function : "?", msg ? msg : "");
    } catch (...) {
      // Out of memory for a message: the flag still says what happened.
    }
  }

  double abs_tol_of(std::size_t i) const noexcept {
    return options_.abs_tol_per_species.empty() ? options_.abs_tol
                                                : options_.abs_tol_per_species[i];
  }

  /// Creates and configures CVODE for a solve from (t0, x0).
  void set_up(detail::cvode::resources& r, session& s, double t0, value_span x0) const {
    namespace cv = detail::cvode;
    const auto n = static_cast<sunindextype>(s.n);
    if (SUNContext_Create(nullptr, &r.context) != 0) throw std::bad_alloc();
    r.y = cv::not_null(N_VNew_Serial(n, r.context));
    std::copy(x0.begin(), x0.end(), N_VGetArrayPointer(r.y));  // CVodeInit copies it
    r.row = cv::not_null(N_VNewEmpty_Serial(n, r.context));
    r.memory = cv::not_null(CVodeCreate(CV_BDF, r.context));
    const std::string& msg = s.cvode_message;
    cv::check_setup(CVodeSetErrHandlerFn(r.memory, &error_handler, &s), "CVodeSetErrHandlerFn",
                    msg);
    cv::check_setup(CVodeSetUserData(r.memory, &s), "CVodeSetUserData", msg);
    cv::check_setup(CVodeInit(r.memory, &rhs, t0, r.y), "CVodeInit", msg);
    if (options_.abs_tol_per_species.empty()) {
      cv::check_setup(CVodeSStolerances(r.memory, options_.rel_tol, options_.abs_tol),
                      "CVodeSStolerances", msg);
    } else {
      r.abs_tol = cv::not_null(N_VNew_Serial(n, r.context));
      double* a = N_VGetArrayPointer(r.abs_tol);
      for (std::size_t i = 0; i < s.n; ++i) a[i] = abs_tol_of(i);
      cv::check_setup(CVodeSVtolerances(r.memory, options_.rel_tol, r.abs_tol), "CVodeSVtolerances",
                      msg);
    }
    if (options_.linear_solver == cvode_linear_solver::dense) {
      r.matrix = cv::not_null(SUNDenseMatrix(n, n, r.context));
      r.linear_solver = cv::not_null(SUNLinSol_Dense(r.y, r.matrix, r.context));
    } else {
      const auto upper = static_cast<sunindextype>(options_.upper_bandwidth);
      const auto lower = static_cast<sunindextype>(options_.lower_bandwidth);
      r.matrix = cv::not_null(SUNBandMatrix(n, upper, lower, r.context));
      r.linear_solver = cv::not_null(SUNLinSol_Band(r.y, r.matrix, r.context));
    }
    cv::check_setup(CVodeSetLinearSolver(r.memory, r.linear_solver, r.matrix),
                    "CVodeSetLinearSolver", msg);
    if (analytic_) cv::check_setup(CVodeSetJacFn(r.memory, &jacobian), "CVodeSetJacFn", msg);
    cv::check_setup(CVodeSetMaxOrd(r.memory, options_.max_order), "CVodeSetMaxOrd", msg);
    // One step per CVode call (CV_ONE_STEP): its per-call cap never binds; max_steps is
    // counted here, over the whole solve.
    cv::check_setup(CVodeSetMaxNumSteps(r.memory, -1), "CVodeSetMaxNumSteps", msg);
    if (options_.max_step && std::isfinite(*options_.max_step))
      cv::check_setup(CVodeSetMaxStep(r.memory, *options_.max_step), "CVodeSetMaxStep", msg);
    if (options_.min_step > 0)
      cv::check_setup(CVodeSetMinStep(r.memory, options_.min_step), "CVodeSetMinStep", msg);
    if (options_.initial_step)
      cv::check_setup(CVodeSetInitStep(r.memory, *options_.initial_step), "CVodeSetInitStep", msg);
  }

  struct outcome {
    solve_status status = solve_status::ok;
    std::string message;
    std::size_t rows = 0;  ///< rows of the trajectory written, from the first
  };

  static bool reached(double target, double t) noexcept {  // as detail/step_loops.hpp
    return target <= t || target - t <= detail::time_resolution * std::fabs(target);
  }

  static std::string next_target(const outcome& out, const Eigen::VectorXd& times,
                                 std::size_t end_row, double stop) {
    return out.rows < end_row ? fmt::format("output time t[{}] = {}", out.rows, times[out.rows])
                              : fmt::format("t = {}", stop);
  }

  trajectory solve_schedule(const segments& schedule, value_span initial_state,
                            const time_grid& grid) const {
    const std::size_t n = description_->num_species();
    detail::check_solve_values(*description_, "initial_state", "species", description_->species(),
                               initial_state);
    const value_span first = schedule.first;
    const auto& times = grid.times();
    trajectory tr(detail::unfilled, to_eigen(times), species_, description_);
    tr.set_parameters(to_eigen(first));
    tr.set_initial_state(to_eigen(initial_state));

    param_type p = detail::make_vector<param_type>::of_size(first.size());
    session s{this,
              &p,
              detail::make_vector<state_type>::of_size(n),
              detail::make_vector<state_type>::of_size(n),
              jacobian_type{},
              n,
              {},
              0,
              "",
              false,
              0,
              0,
              0,
              {},
              {}};
    if constexpr (traits::has_jacobian) {
      // The dense work matrix: for dense analytic Jacobians, and for band ones from models
      // that cannot fill the band directly.
      const bool dense_work =
          analytic_ && (options_.linear_solver == cvode_linear_solver::dense ||
                        !detail::has_jacobian<Model, state_type, detail::cvode::band_jacobian_view,
                                              param_type>::value);
      if (dense_work) s.jacobian.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
    }

    detail::cvode::resources r;
    set_up(r, s, grid.start(), initial_state);

    std::optional<detail::time_budget> budget;
    if (options_.time_limit_seconds > 0) budget.emplace(options_.time_limit_seconds);

    outcome out;
    double start = grid.start();
    for (std::size_t k = 0; k < schedule.count() && out.status == solve_status::ok; ++k) {
      const bool last = k + 1 == schedule.count() || schedule.switch_time(k) >= grid.back();
      const double stop = last ? grid.back() : schedule.switch_time(k);
      std::size_t end_row = last ? times.size() : out.rows;
      while (end_row < times.size() && times[end_row] <= stop) ++end_row;
      const value_span values = schedule.values(k);
      for (std::size_t i = 0; i < values.size(); ++i) p[i] = values[i];
      integrate(r, s, tr, k, start, stop, end_row, budget ? &*budget : nullptr, out);
      start = stop;
      if (last) break;
    }
    // A model whose Jacobian is non-zero outside the declared band is a configuration error,
    // not a property of this sample: thrown, once CVODE's memory is freed (by `r`).
    if (s.band.found) {
      const bool below = s.band.i > s.band.j;
      detail::throw_invalid(
          below ? "cvode_options.lower_bandwidth" : "cvode_options.upper_bandwidth",
          below ? options_.lower_bandwidth : options_.upper_bandwidth,
          fmt::format("a bandwidth covering the model's Jacobian: {} sets J({}, {}) = {} at t = "
                      "{}, {} the band",
                      description_->name(), s.band.i, s.band.j, s.band.value, s.band.t,
                      below ? "below" : "above"));
    }

    // Rows are written as CVODE interpolates them; one pass finds a non-finite one.
    const auto written = static_cast<Eigen::Index>(out.rows);
    for (Eigen::Index i = 0; i < written; ++i) {
      if (!tr.values().row(i).array().isFinite().all()) {
        out.rows = static_cast<std::size_t>(i);
        out.status = solve_status::non_finite;
        out.message = fmt::format("the interpolated state at t = {} is not finite", times[i]);
        break;
      }
    }
    const auto kept = static_cast<Eigen::Index>(out.rows);
    tr.mask().topRows(kept).setConstant(true);
    tr.mask().bottomRows(tr.num_times() - kept).setConstant(false);
    tr.values()
        .bottomRows(tr.num_times() - kept)
        .setConstant(std::numeric_limits<double>::quiet_NaN());
    tr.set_status(out.status, std::move(out.message));
    tr.set_steps(s.steps);
    return tr;
  }

  /// One constant-parameter segment [start, stop]: rows up to end_row. `y` (r.y) holds the
  /// state at start on entry and at stop on success.
  void integrate(detail::cvode::resources& r, session& s, trajectory& tr, std::size_t k,
                 double start, double stop, std::size_t end_row, detail::time_budget* budget,
                 outcome& out) const {
    const Eigen::VectorXd& times = tr.times();
    const std::size_t n = s.n;
    double* values = tr.values().data();
    auto write_state = [&](std::size_t row, const double* from) {
      std::copy(from, from + n, values + row * n);
    };
    const double* y = N_VGetArrayPointer(r.y);
    // Rows at the segment's start are the state given: exact, and they stand if a step fails.
    for (; out.rows < end_row && reached(times[out.rows], start); ++out.rows)
      write_state(out.rows, y);
    if (!(stop > start)) return;

    // The derivative at the start: a model that is NaN or throws there fails before any step.
    load(r.y, s.x);
    try {
      model_(s.x, s.dxdt, start, *s.params);
    } catch (...) {
      note_exception(s, start, "right-hand side");
      fail_from_exception(s, out);
      return;
    }
    if (!detail::all_finite(s.dxdt)) {
      out.status = k == 0 ? solve_status::initial_non_finite : solve_status::non_finite;
      out.message = fmt::format("the right-hand side is not finite at {} (t = {}): dxdt = [{}]",
                                k == 0 ? "the initial state" : "a parameter switch", start,
                                detail::join(s.dxdt, ", "));
      return;
    }

    const std::string& msg = s.cvode_message;
    if (k > 0) {
      // A restart at the switch: CVODE forgets the old right-hand side's history, starts again
      // at order 1 and estimates its first step anew (0 = estimate).
      detail::cvode::check_setup(CVodeReInit(r.memory, start, r.y), "CVodeReInit", msg);
      detail::cvode::check_setup(CVodeSetInitStep(r.memory, 0.0), "CVodeSetInitStep", msg);
    }
    detail::cvode::check_setup(CVodeSetStopTime(r.memory, stop), "CVodeSetStopTime", msg);

    constexpr double eps = std::numeric_limits<double>::epsilon();
    const std::int64_t max_steps = options_.max_steps;
    std::int64_t check_at = detail::time_budget::next_check(budget, s.steps, max_steps);
    double t = start;
    while (!reached(stop, t)) {
      if (s.steps >= check_at) {
        if (s.steps >= max_steps) {
          out.status = solve_status::max_steps;
          out.message = fmt::format("max_steps = {} reached at t = {} before {} (CVODE)", max_steps,
                                    t, next_target(out, times, end_row, stop));
          return;
        }
        if (budget->expired()) {
          out.status = solve_status::time_limit;
          out.message = fmt::format(
              "time_limit_seconds = {} exceeded ({:.3g} s) at t = {} before {}", budget->seconds(),
              budget->elapsed(), t, next_target(out, times, end_row, stop));
          return;
        }
        check_at = detail::time_budget::next_check(budget, s.steps, max_steps);
      }
      const double t_old = t;
      const int flag = CVode(r.memory, stop, r.y, &t, CV_ONE_STEP);
      if (flag < 0) {
        fail_from_flag(r, s, flag, t_old, out);
        return;
      }
      ++s.steps;
      if (!detail::all_finite_values(y, n)) {
        out.status = solve_status::non_finite;
        out.message =
            fmt::format("the state became non-finite in the step from t = {} to {}", t_old, t);
        return;
      }
      // CVODE only warns when t + h = t, and keeps stepping until its step cap: a step that
      // does not move t by 10 ulp is an underflow here, as in solve.hpp's loops.
      if (flag != CV_TSTOP_RETURN && !(t - t_old > 10 * eps * std::fabs(t_old))) {
        fail_underflow(s, t_old, t - t_old,
                       s.cvode_message.empty() ? "accepted the step" : s.cvode_message, out);
        return;
      }
      // Rows the step passed: interpolated by CVODE straight into the trajectory's row.
      const double t_reached = t + detail::time_resolution * std::fabs(t);
      for (; out.rows < end_row && times[out.rows] <= t_reached; ++out.rows) {
        N_VSetArrayPointer(values + out.rows * n, r.row);
        const int dky = CVodeGetDky(r.memory, std::min(times[out.rows], t), 0, r.row);
        if (dky < 0) {
          N_VSetArrayPointer(nullptr, r.row);
          detail::cvode::check_setup(dky, "CVodeGetDky", msg);
        }
      }
      N_VSetArrayPointer(nullptr, r.row);
    }
    // Rows within the time resolution of stop that no step passed get the state at stop.
    for (; out.rows < end_row; ++out.rows) write_state(out.rows, y);
  }

  std::string flag_text(int flag, const session& s) const {
    std::string text = detail::cvode::flag_name(flag);
    if (!s.cvode_message.empty()) text += fmt::format(" ({})", s.cvode_message);
    return text;
  }

  void fail_from_exception(session& s, outcome& out) const {
    std::string what;
    try {
      std::rethrow_exception(s.exception);
    } catch (const std::bad_alloc&) {
      throw;  // as solve.hpp: memory exhaustion is not a property of the sample
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
      what = "an exception not derived from std::exception";
    }
    out.status = solve_status::rhs_threw;
    out.message = fmt::format("the model threw at t = {} (in its {}): {}", s.exception_t,
                              s.exception_in, what);
  }

  void fail_underflow(const session& s, double t, double h, const std::string& cvode,
                      outcome& out) const {
    if (recent_non_finite(s))
      return fail_non_finite(s, fmt::format("its steps stopped moving t at t = {}", t), out);
    out.status = solve_status::step_underflow;
    out.message = fmt::format(
        "step size underflow at t = {} (step {}, min_step {}): the solution "
        "may blow up or have a singularity or discontinuity here; CVODE: {}",
        t, h, options_.min_step, cvode);
  }

  // CVODE retries a non-finite right-hand side with smaller steps (a recoverable error), so a
  // model that turns NaN at t* shows up as steps shrinking towards t* and then a failure.
  // Within ten steps of such a value, the failure is the model's non-finite value.
  static bool recent_non_finite(const session& s) noexcept {
    return s.non_finite_seen && s.steps - s.non_finite_step <= 10;
  }

  static void fail_non_finite(const session& s, const std::string& then, outcome& out) {
    out.status = solve_status::non_finite;
    out.message = fmt::format(
        "the right-hand side is not finite at t = {}: the solution blows up "
        "or leaves the model's domain (CVODE retried with smaller steps, "
        "then {})",
        s.non_finite_t, then);
  }

  void fail_from_flag(detail::cvode::resources& r, session& s, int flag, double t,
                      outcome& out) const {
    if (flag == CV_MEM_FAIL) throw std::bad_alloc();
    if (s.exception) return fail_from_exception(s, out);
    if (s.band.found) {  // thrown by solve_schedule as a configuration error; stop here
      out.status = solve_status::step_size_not_found;
      return;
    }
    const std::string cvode = flag_text(flag, s);
    if (flag == CV_FIRST_RHSFUNC_ERR || flag == CV_REPTD_RHSFUNC_ERR ||
        flag == CV_UNREC_RHSFUNC_ERR || recent_non_finite(s))
      return fail_non_finite(s, fmt::format("gave up at t = {}: {}", t, cvode), out);
    double h = 0;
    CVodeGetCurrentStep(r.memory, &h);
    constexpr double eps = std::numeric_limits<double>::epsilon();
    const bool at_min_step =
        options_.min_step > 0 && std::fabs(h) <= options_.min_step * (1 + 4 * eps);
    if (flag == CV_TOO_CLOSE || at_min_step || !(std::fabs(h) > 10 * eps * std::fabs(t)))
      return fail_underflow(s, t, h, cvode, out);
    out.status = solve_status::step_size_not_found;
    if (flag == CV_TOO_MUCH_ACC) {
      out.message = fmt::format(
          "no acceptable step at t = {}: CVODE: {}; the tolerances (rel_tol "
          "{}) ask for more accuracy than double precision allows",
          t, cvode, options_.rel_tol);
      return;
    }
    const char* what = flag == CV_ERR_FAILURE    ? "repeated error test failures"
                       : flag == CV_CONV_FAILURE ? "repeated Newton convergence failures"
                       : flag == CV_LSETUP_FAIL
                           ? "the linear solver's setup (Jacobian or LU) failed"
                       : flag == CV_LSOLVE_FAIL ? "the linear solve failed"
                                                : "CVODE failed";
    out.message = fmt::format("no acceptable step size from t = {} ({}, last h = {}); CVODE: {}", t,
                              what, h, cvode);
  }

  static Eigen::VectorXd to_eigen(value_span v) { return detail::to_eigen(v.data(), v.size()); }
  static Eigen::VectorXd to_eigen(const std::vector<double>& v) {
    return detail::to_eigen(v.data(), v.size());
  }

  std::shared_ptr<const model_description> description_;  // first: built from the argument
  Model model_;
  cvode_options options_;
  trajectory::names_ptr species_;
  bool analytic_ = false;
};

}  // namespace odesynth
