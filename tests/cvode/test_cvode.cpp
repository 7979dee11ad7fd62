// odesynth::cvode: accuracy against exact solutions and against rosenbrock4, Jacobian and
// linear-solver variants agreeing, every status mapping the header claims, parameter schedules
// that never step over a switch, typed option errors, and datasets (thread-count independent,
// written and rebuilt from metadata).
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <odesynth/cvode/cvode.hpp>
#include <odesynth/dataset.hpp>
#include <odesynth/models/exponential_decay.hpp>
#include <odesynth/models/linear_chain.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/transforms/noise.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "expect_error.hpp"
#include "stiff_chain.hpp"
#include "temp_folder.hpp"

using odesynth::cvode_jacobian;
using odesynth::cvode_linear_solver;
using odesynth::cvode_options;
using odesynth::cvode_solver;
using odesynth::solve_status;
using odesynth::time_grid;
using odesynth::trajectory;
namespace models = odesynth::models;

namespace {

/// Largest |a - b| over rows and columns (both fully observed).
double max_difference(const trajectory& a, const trajectory& b) {
  REQUIRE(a.values().rows() == b.values().rows());
  REQUIRE(a.values().cols() == b.values().cols());
  return (a.values() - b.values()).cwiseAbs().maxCoeff();
}

/// Rows from `row` on are missing: NaN and unobserved, as solve.hpp leaves them.
void check_missing_from(const trajectory& tr, Eigen::Index row) {
  CHECK(tr.consistent());
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    CAPTURE(i);
    CHECK(tr.mask().row(i).all() == (i < row));
  }
}

// x' = -x until t = 1, then NaN: a model that leaves its domain.
struct nan_after_one {
  static constexpr std::string_view name = "nan_after_one";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double t, const P& p) const {
    dxdt[0] = t > 1 ? std::numeric_limits<double>::quiet_NaN() : -p[0] * x[0];
  }
};

// NaN everywhere.
struct always_nan {
  static constexpr std::string_view name = "always_nan";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S&, S& dxdt, double, const P&) const {
    dxdt[0] = std::numeric_limits<double>::quiet_NaN();
  }
};

// x' = x^2: blows up at t = 1 from x(0) = 1.
struct blow_up {
  static constexpr std::string_view name = "blow_up";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double, const P& p) const {
    dxdt[0] = p[0] * x[0] * x[0];
  }
};

// x' = -x, throwing after t = 0.5 (a model bug), and an analytic Jacobian that can throw.
struct throws_later {
  static constexpr std::string_view name = "throws_later";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"jacobian_throws"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double t, const P&) const {
    if (t > 0.5) throw std::runtime_error("boom after t = 0.5");
    dxdt[0] = -x[0];
  }
  template <class S, class M, class P>
  void jacobian(const S&, M& J, double, const P& p) const {
    if (p[0] > 0) throw std::domain_error("jacobian exploded");
    J(0, 0) = -1;
  }
};

// x' = -x with a right-hand side that takes ~0.2 ms of wall time.
struct slow_decay {
  static constexpr std::string_view name = "slow_decay";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double, const P& p) const {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
    dxdt[0] = -p[0] * x[0];
  }
};

// Robertson with an analytic Jacobian that is NaN: every Newton matrix is unusable, though the
// right-hand side is fine.
struct robertson_bad_jacobian : models::robertson {
  static constexpr std::string_view name = "robertson_bad_jacobian";
  template <class S, class M, class P>
  void jacobian(const S&, M& J, double, const P&) const {
    J(0, 0) = std::numeric_limits<double>::quiet_NaN();
  }
};

// x' = -k x with k switching 1 -> 2 at t = 1. It throws if evaluated with a parameter outside
// its stretch (k = 1 after t = 1, k = 2 before) or past the grid's end, t = 3: a solver that
// steps over the switch or past the end fails with rhs_threw.
struct switch_guard {
  static constexpr std::string_view name = "switch_guard";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double t, const P& p) const {
    if ((p[0] == 1 && t > 1) || (p[0] == 2 && t < 1) || t > 3)
      throw std::logic_error(fmt::format("evaluated at t = {} with k = {}", t, p[0]));
    dxdt[0] = -p[0] * x[0];
  }
};

// A run-time model: jacobian() is compiled in, but this object says it has none.
struct runtime_jacobian {
  bool available = false;
  static constexpr std::string_view name = "runtime_jacobian";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  bool has_analytic_jacobian() const { return available; }
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double, const P& p) const {
    dxdt[0] = -p[0] * x[0];
  }
  template <class S, class M, class P>
  void jacobian(const S&, M& J, double, const P& p) const {
    J(0, 0) = -p[0];
  }
};

// a -> b -> (gone) at rate k, with a jacobian() that takes Eigen's 2 x 2 matrix only (as a
// run-time model's would): band solves fill a dense work matrix and copy the band.
struct pair_decay {
  static constexpr std::string_view name = "pair_decay";
  static constexpr std::array<std::string_view, 2> species{"a", "b"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double, const P& p) const {
    dxdt[0] = -p[0] * x[0];
    dxdt[1] = p[0] * (x[0] - x[1]);
  }
  void jacobian(const std::array<double, 2>&, Eigen::Matrix2d& J, double,
                const std::array<double, 1>& p) const {
    J(0, 0) = -p[0];
    J(1, 0) = p[0];
    J(1, 1) = -p[0];
  }
};

cvode_options tight() {
  cvode_options o;
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-14;
  return o;
}

}  // namespace

// --- accuracy ---------------------------------------------------------------------------------

TEST_CASE("exponential decay matches its exact solution", "[cvode][accuracy]") {
  const models::exponential_decay m;
  const double k = m.default_parameters[0];
  const cvode_solver<models::exponential_decay> s(m, tight());
  CHECK_FALSE(s.analytic_jacobian());  // it has none: difference quotients
  const auto grid = time_grid::linspace(0, 50000, 11);
  const trajectory tr = s.solve(m.default_parameters, m.default_initial_state, grid);
  REQUIRE(tr.ok());
  CHECK(tr.steps() > 0);
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    CHECK(tr.values()(i, 0) ==
          Approx(models::exponential_decay::exact(1.0, k, tr.times()[i])).epsilon(1e-7));
}

TEST_CASE("linear_chain matches its exact solution with dense and band solvers",
          "[cvode][accuracy]") {
  const models::linear_chain chain(40);
  const auto grid = time_grid::linspace(0, 30, 7);
  cvode_options dense = tight();
  cvode_options band = tight();
  band.linear_solver = cvode_linear_solver::band;
  band.lower_bandwidth = 1;
  const cvode_solver<models::linear_chain> sd(chain, dense), sb(chain, band);
  CHECK(sd.analytic_jacobian());
  const std::vector<double> k{1.0};
  const trajectory a = sd.solve(k, chain.default_initial_state(), grid);
  const trajectory b = sb.solve(k, chain.default_initial_state(), grid);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  double worst = 0;
  for (Eigen::Index i = 0; i < a.num_times(); ++i) {
    const auto exact = chain.exact_solution(1.0, a.times()[i]);
    for (Eigen::Index j = 0; j < a.num_species(); ++j)
      worst = std::max(worst, std::fabs(a.values()(i, j) - exact[static_cast<std::size_t>(j)]));
  }
  // rel_tol 1e-10 per step, values <= 1, ~hundreds of steps: global error well below 1e-7.
  CHECK(worst < 1e-7);
  // Dense and band LU factor the same matrices: the same steps up to rounding.
  CHECK(max_difference(a, b) < 1e-9);
}

TEST_CASE("analytic and difference-quotient Jacobians agree", "[cvode][accuracy]") {
  const test_models_cvode::stiff_chain chain(60);
  const auto grid = time_grid::linspace(0, 5, 6);
  std::vector<double> x0(60, 0.0);
  x0[0] = 1;
  const std::vector<double> p{0.5, 0.1};
  for (auto solver_kind : {cvode_linear_solver::dense, cvode_linear_solver::band}) {
    CAPTURE(solver_kind);
    cvode_options analytic = tight();
    analytic.linear_solver = solver_kind;
    if (solver_kind == cvode_linear_solver::band) analytic.lower_bandwidth = 1;
    cvode_options differences = analytic;
    differences.jacobian = cvode_jacobian::difference_quotients;
    const cvode_solver<test_models_cvode::stiff_chain> sa(chain, analytic), sq(chain, differences);
    CHECK(sa.analytic_jacobian());
    CHECK_FALSE(sq.analytic_jacobian());
    const trajectory a = sa.solve(p, x0, grid), q = sq.solve(p, x0, grid);
    REQUIRE(a.ok());
    REQUIRE(q.ok());
    // Different Newton matrices, the same tolerance: the solutions agree to ~rel_tol x steps.
    CHECK(max_difference(a, q) < 1e-7);
  }
}

TEST_CASE("Robertson agrees with rosenbrock4 at tight tolerances", "[cvode][accuracy]") {
  const models::robertson m;
  const auto grid = time_grid::logspace(1e-4, 1e4, 9).with_start(0);
  cvode_options o;
  o.rel_tol = 1e-10;
  o.abs_tol_per_species = {1e-14, 1e-18, 1e-14};  // y2 lives near 1e-5
  const trajectory c = cvode_solver<models::robertson>(m, o).solve(m.default_parameters,
                                                                   m.default_initial_state, grid);
  odesynth::solve_options r;
  r.stepper = odesynth::stepper_kind::rosenbrock4;
  r.rel_tol = 1e-10;
  r.abs_tol_per_species = {1e-14, 1e-18, 1e-14};
  const trajectory ref =
      odesynth::solver<models::robertson,
                       odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>>(m, r)
          .solve(m.default_parameters, m.default_initial_state, grid);
  REQUIRE(c.ok());
  REQUIRE(ref.ok());
  for (Eigen::Index i = 0; i < c.num_times(); ++i)
    for (Eigen::Index j = 0; j < 3; ++j) {
      CAPTURE(i, j);
      // Two methods at rel_tol 1e-10: relative agreement to 1e-6 (y2 ~ 1e-5..1e-9 included).
      CHECK(c.values()(i, j) == Approx(ref.values()(i, j)).epsilon(1e-6).margin(1e-16));
    }
  // Mass is conserved.
  CHECK(c.values().row(c.num_times() - 1).sum() == Approx(1.0).epsilon(1e-9));
}

TEST_CASE("a run-time model without its Jacobian falls back to difference quotients",
          "[cvode][jacobian]") {
  CHECK_FALSE(cvode_solver<runtime_jacobian>(runtime_jacobian{false}).analytic_jacobian());
  CHECK(cvode_solver<runtime_jacobian>(runtime_jacobian{true}).analytic_jacobian());
  const auto grid = time_grid::linspace(0, 2, 3);
  const trajectory tr =
      cvode_solver<runtime_jacobian>(runtime_jacobian{false}, tight()).solve({1.0}, {1.0}, grid);
  REQUIRE(tr.ok());
  CHECK(tr.values()(2, 0) == Approx(std::exp(-2.0)).epsilon(1e-7));
}

// --- statuses ---------------------------------------------------------------------------------

TEST_CASE("the step cap ends the solve with max_steps", "[cvode][status]") {
  const models::robertson m;
  cvode_options o;
  o.max_steps = 5;
  const auto grid = time_grid::linspace(0, 40, 5);
  const trajectory tr = cvode_solver<models::robertson>(m, o).solve(m.default_parameters,
                                                                    m.default_initial_state, grid);
  CHECK(tr.status() == solve_status::max_steps);
  CHECK(tr.steps() == 5);
  CHECK_THAT(tr.message(), Catch::Contains("max_steps = 5"));
  check_missing_from(tr, 1);  // only the initial row
}

TEST_CASE("non-finite right-hand sides map to non_finite and initial_non_finite",
          "[cvode][status]") {
  const auto grid = time_grid::linspace(0, 2, 5);
  SECTION("NaN after t = 1") {
    const trajectory tr = cvode_solver<nan_after_one>(nan_after_one{}).solve({1.0}, {1.0}, grid);
    CHECK(tr.status() == solve_status::non_finite);
    CHECK_THAT(tr.message(), Catch::Contains("not finite"));
    // CVODE's steps do not land on output times: t = 1 itself is reached only by a step that
    // ends there exactly, so its row may be missing; t = 0.5 is solved, t >= 1.5 is not.
    check_missing_from(tr, tr.mask()(2, 0) ? 3 : 2);
    CHECK(tr.mask()(1, 0));
    CHECK(tr.values()(1, 0) == Approx(std::exp(-0.5)).epsilon(1e-4));
  }
  SECTION("NaN at the initial state") {
    const trajectory tr = cvode_solver<always_nan>(always_nan{}).solve({1.0}, {1.0}, grid);
    CHECK(tr.status() == solve_status::initial_non_finite);
    CHECK(tr.steps() == 0);
    check_missing_from(tr, 1);
  }
  SECTION("a blow-up") {
    // x reaches ~1e5 (finite) as the steps shrink towards the pole at t = 1: CVODE's steps
    // stop moving t before anything overflows, a step underflow naming the singularity.
    const trajectory tr = cvode_solver<blow_up>(blow_up{}).solve({1.0}, {1.0}, grid);
    INFO(tr.message());
    CHECK(tr.status() == solve_status::step_underflow);
    CHECK_THAT(tr.message(), Catch::Contains("blow up"));
    check_missing_from(tr, 2);  // t = 0, 0.5 solved; the pole is at t = 1
    CHECK(tr.values()(1, 0) == Approx(2.0).epsilon(1e-4));
  }
}

TEST_CASE("a throwing model maps to rhs_threw with its message", "[cvode][status]") {
  const auto grid = time_grid::linspace(0, 1, 5);
  SECTION("right-hand side") {
    const trajectory tr = cvode_solver<throws_later>(throws_later{}).solve({0.0}, {1.0}, grid);
    CHECK(tr.status() == solve_status::rhs_threw);
    CHECK_THAT(tr.message(),
               Catch::Contains("boom after t = 0.5") && Catch::Contains("right-hand side"));
    // 0 and 0.25 solved; 0.5 only if a step ended there exactly (see above).
    check_missing_from(tr, tr.mask()(2, 0) ? 3 : 2);
    CHECK(tr.mask()(1, 0));
  }
  SECTION("Jacobian") {
    const trajectory tr = cvode_solver<throws_later>(throws_later{}).solve({1.0}, {1.0}, grid);
    CHECK(tr.status() == solve_status::rhs_threw);
    CHECK_THAT(tr.message(), Catch::Contains("jacobian exploded") && Catch::Contains("jacobian"));
  }
}

TEST_CASE("a wall-time limit maps to time_limit", "[cvode][status]") {
  cvode_options o;
  o.time_limit_seconds = 0.02;
  o.rel_tol = 1e-10;  // many steps of 0.2 ms each: far beyond 20 ms
  o.abs_tol = 1e-14;
  const auto grid = time_grid::linspace(0, 100, 11);
  const auto t0 = std::chrono::steady_clock::now();
  const trajectory tr = cvode_solver<slow_decay>(slow_decay{}, o).solve({1.0}, {1.0}, grid);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(tr.status() == solve_status::time_limit);
  CHECK_THAT(tr.message(), Catch::Contains("time_limit_seconds = 0.02"));
  CHECK(seconds < 1.0);  // stopped near the limit, not after the whole solve
  CHECK_FALSE(tr.mask().row(tr.num_times() - 1).any());
}

TEST_CASE("a step size at min_step that fails maps to step_underflow", "[cvode][status]") {
  const models::robertson m;
  cvode_options o;
  o.min_step = 0.5;  // Robertson's initial transient needs steps near 1e-4
  const auto grid = time_grid::linspace(0, 40, 5);
  const trajectory tr = cvode_solver<models::robertson>(m, o).solve(m.default_parameters,
                                                                    m.default_initial_state, grid);
  INFO(tr.message());
  CHECK(tr.status() == solve_status::step_underflow);
  CHECK_THAT(tr.message(), Catch::Contains("CV_"));
  check_missing_from(tr, 1);
}

TEST_CASE("an unusable Newton matrix maps to step_size_not_found naming the CVODE flag",
          "[cvode][status]") {
  const robertson_bad_jacobian m;
  const auto grid = time_grid::linspace(0, 40, 5);
  const trajectory tr = cvode_solver<robertson_bad_jacobian>(m).solve(
      m.default_parameters, m.default_initial_state, grid);
  INFO(tr.message());
  CHECK(tr.status() == solve_status::step_size_not_found);
  CHECK_THAT(tr.message(), Catch::Contains("CV_"));
  check_missing_from(tr, 1);
}

// --- parameter schedules ----------------------------------------------------------------------

TEST_CASE("parameter schedules stop at every switch and never step over it", "[cvode][schedule]") {
  odesynth::parameter_schedule schedule;
  schedule.switch_times = {1.0};
  schedule.values = {{1.0}, {2.0}};
  const auto grid = time_grid::linspace(0, 3, 7);  // t = 1 is an output row too
  for (auto solver_kind : {cvode_linear_solver::dense, cvode_linear_solver::band}) {
    CAPTURE(solver_kind);
    cvode_options o = tight();
    o.linear_solver = solver_kind;
    const trajectory tr =
        cvode_solver<switch_guard>(switch_guard{}, o).solve(schedule, {1.0}, grid);
    INFO(tr.message());
    REQUIRE(tr.ok());
    CHECK(tr.parameters()[0] == 1.0);
    for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
      const double t = tr.times()[i];
      const double exact = t <= 1 ? std::exp(-t) : std::exp(-1.0) * std::exp(-2 * (t - 1));
      CHECK(tr.values()(i, 0) == Approx(exact).epsilon(1e-7));
    }
  }
}

// --- options ----------------------------------------------------------------------------------

TEST_CASE("bad options are refused with the field and value", "[cvode][options]") {
  const models::linear_chain chain(5);
  const auto make = [&](cvode_options o) {
    return [&chain, o] { cvode_solver<models::linear_chain>(chain, o); };
  };
  cvode_options o;
  o.rel_tol = -1;
  test_support::check_error(make(o), "cvode_options.rel_tol", "-1");
  o = {};
  o.abs_tol = 0;
  test_support::check_error(make(o), "cvode_options.abs_tol", "0");
  o = {};
  o.abs_tol_per_species = {1e-8, 1e-8};
  test_support::check_error(make(o), "cvode_options.abs_tol_per_species.size()", "2");
  o.abs_tol_per_species = {1e-8, 1e-8, -1, 1e-8, 1e-8};
  test_support::check_error(make(o), "cvode_options.abs_tol_per_species[2]", "-1");
  o = {};
  o.max_order = 6;
  test_support::check_error(make(o), "cvode_options.max_order", "6");
  o = {};
  o.max_steps = 0;
  test_support::check_error(make(o), "cvode_options.max_steps", "0");
  o = {};
  o.initial_step = -1.0;
  test_support::check_error(make(o), "cvode_options.initial_step", "-1");
  o = {};
  o.min_step = 2;
  o.max_step = 1.0;
  test_support::check_error(make(o), "cvode_options.min_step", "2");
  o = {};
  o.time_limit_seconds = std::numeric_limits<double>::infinity();
  test_support::check_error(make(o), "cvode_options.time_limit_seconds", "inf");
  o = {};
  o.linear_solver = cvode_linear_solver::band;
  o.lower_bandwidth = 5;
  test_support::check_error(make(o), "cvode_options.lower_bandwidth", "5");
  o.lower_bandwidth = 1;
  o.upper_bandwidth = 7;
  test_support::check_error(make(o), "cvode_options.upper_bandwidth", "7");
  o = {};
  o.lower_bandwidth = 1;
  test_support::check_error(make(o), "cvode_options.linear_solver", "dense");
}

TEST_CASE("a Jacobian outside the declared band is refused naming the bandwidth",
          "[cvode][options]") {
  const models::linear_chain chain(6);  // J(i, i - 1) = k: lower bandwidth 1
  cvode_options o;
  o.linear_solver = cvode_linear_solver::band;
  const cvode_solver<models::linear_chain> s(chain, o);
  const auto grid = time_grid::linspace(0, 1, 3);
  test_support::expect_error([&] { (void)s.solve({1.0}, chain.default_initial_state(), grid); },
                             {"cvode_options.lower_bandwidth = 0", "J(1, 0) = 1"});
}

TEST_CASE("a jacobian taking Eigen matrices only is copied into the band and checked",
          "[cvode][jacobian]") {
  cvode_options o = tight();
  o.linear_solver = cvode_linear_solver::band;
  o.lower_bandwidth = 1;
  const cvode_solver<pair_decay> s(pair_decay{}, o);
  REQUIRE(s.analytic_jacobian());
  const trajectory tr = s.solve({2.0}, {1.0, 0.0}, time_grid::linspace(0, 3, 4));
  REQUIRE(tr.ok());
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    const double t = tr.times()[i];
    CHECK(tr.values()(i, 0) == Approx(std::exp(-2 * t)).epsilon(1e-7));
    CHECK(tr.values()(i, 1) == Approx(2 * t * std::exp(-2 * t)).margin(1e-9));
  }
  o.lower_bandwidth = 0;
  o.upper_bandwidth = 1;
  const cvode_solver<pair_decay> wrong(pair_decay{}, o);
  test_support::expect_error(
      [&] {
        (void)wrong.solve({2.0}, {1.0, 0.0}, time_grid::linspace(0, 3, 4));
      },
      {"cvode_options.lower_bandwidth = 0", "J(1, 0) = 2"});
}

TEST_CASE("options print every setting", "[cvode][options]") {
  cvode_options o;
  o.linear_solver = cvode_linear_solver::band;
  o.lower_bandwidth = 2;
  o.upper_bandwidth = 1;
  o.max_step = 0.5;
  CHECK(fmt::format("{}", o) ==
        "bdf rel_tol=1e-06 abs_tol=1e-08 max_steps=100000 max_order=5 linear_solver=band "
        "lower_bandwidth=2 upper_bandwidth=1 jacobian=automatic max_step=0.5");
  const models::linear_chain chain(5);
  CHECK(cvode_solver<models::linear_chain>(chain, o).describe() ==
        fmt::format("cvode({}) jacobian: analytic", o));
}

// --- datasets ---------------------------------------------------------------------------------

namespace {

auto chain_generator(std::size_t threads, std::uint64_t seed = 3) {
  const test_models_cvode::stiff_chain chain(30);
  odesynth::sampler s(chain);
  s.parameter("source", odesynth::dist::uniform{0.1, 1.0})
      .parameter("loss", odesynth::dist::uniform{0.0, 0.5});
  for (std::size_t i = 0; i < chain.size(); ++i)
    s.initial_value(fmt::format("x{}", i), odesynth::dist::uniform{0.0, 1.0});
  cvode_options o;
  o.linear_solver = cvode_linear_solver::band;
  o.lower_bandwidth = 1;
  odesynth::generator_options g;
  g.seed = seed;
  g.threads = threads;
  return odesynth::make_cvode_generator(chain, o, s, time_grid::linspace(0, 2, 11),
                                        odesynth::gaussian_noise(0.01), g);
}

}  // namespace

TEST_CASE("CVODE datasets are bit-identical with 1 and 2 threads", "[cvode][generator]") {
  const auto one = chain_generator(1).collect(0, 24);
  const auto two = chain_generator(2).collect(0, 24);
  REQUIRE(one.size() == 24);
  REQUIRE(two.size() == 24);
  for (std::size_t i = 0; i < one.size(); ++i) {
    CAPTURE(i);
    CHECK(one[i].ok());
    CHECK(one[i].values() == two[i].values());
    CHECK((one[i].mask() == two[i].mask()).all());
    CHECK(one[i].parameters() == two[i].parameters());
  }
}

TEST_CASE("write_dataset writes a CVODE dataset that its metadata rebuilds", "[cvode][generator]") {
  const test_support::temp_folder dir;
  const auto g = chain_generator(2);
  odesynth::dataset_options out;
  out.formats = {odesynth::dataset_format::npy};
  const auto written = odesynth::write_dataset(g, 0, 6, dir.path / "chain", out);
  CHECK(written.report.delivered == 6);
  CHECK(written.report.count(solve_status::ok) == 6);
  std::ifstream in(dir.path / "chain" / "metadata.json");
  std::stringstream text;
  text << in.rdbuf();
  const std::string metadata = text.str();
  CHECK_THAT(metadata, Catch::Contains("\"kind\": \"ode_cvode\"") ||
                           Catch::Contains("\"kind\":\"ode_cvode\""));
  CHECK_THAT(metadata, Catch::Contains(g.integrator().describe()));
  CHECK_THAT(g.integrator().describe(), Catch::Contains("linear_solver=band lower_bandwidth=1"));

  // Rebuilt with the same options: the same trajectories.
  odesynth::dataset_metadata_info info;
  const auto rebuilt = odesynth::cvode_generator_from_metadata(
      test_models_cvode::stiff_chain(30), g.integrator().options(), metadata,
      odesynth::gaussian_noise(0.01), {}, &info);
  CHECK(info.end == 6);
  const auto a = g.collect(0, 6), b = rebuilt.collect(0, 6);
  for (std::size_t i = 0; i < a.size(); ++i) CHECK(a[i].values() == b[i].values());
  // Other options are refused: the dataset would differ.
  cvode_options other = g.integrator().options();
  other.rel_tol = 1e-9;
  const auto e = test_support::caught([&] {
    (void)odesynth::cvode_generator_from_metadata(test_models_cvode::stiff_chain(30), other,
                                                  metadata, odesynth::gaussian_noise(0.01));
  });
  CHECK(e.field() == "integrator.description");
  CHECK_THAT(e.what(), Catch::Contains("rel_tol=1e-09") && Catch::Contains("rel_tol=1e-06"));
  // And the core's ODE rebuild says which integrator made it.
  test_support::expect_error(
      [&] {
        (void)odesynth::generator_from_metadata<odesynth::default_steppers>(
            test_models_cvode::stiff_chain(30), metadata, odesynth::gaussian_noise(0.01));
      },
      {"integrator.kind", "ode_cvode"});
}
