// Solving: every failure is a status and a message, never an exception escaping the solve
// and never NaN or garbage passed off as data; every bad input is a typed exception naming
// the field and the value.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <odesynth/lambda_model.hpp>
#include <odesynth/solve.hpp>
#include <thread>
#include <vector>

#include "expect_error.hpp"
#include "test_models.hpp"

using Catch::Contains;
using odesynth::invalid_argument;
using odesynth::solve_options;
using odesynth::solve_status;
using odesynth::stepper_kind;
using odesynth::time_grid;
namespace models = test_models;

namespace {

solve_options failures_with(stepper_kind kind) {
  solve_options o;
  o.stepper = kind;
  o.fixed_step = 1e-3;
  return o;
}

// Rows before `t_ok` must be observed, finite data close to `exact`; rows from `t_missing`
// on must be missing; in between, rows that are observed must be close to `exact` when
// `check_between` is set; the mask and the NaNs must agree everywhere.
template <class Exact>
void check_rows(const odesynth::trajectory& tr, double t_ok, double t_missing, Exact exact,
                double rel, bool check_between) {
  REQUIRE(tr.consistent());
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    const double t = tr.times()[i];
    CAPTURE(t);
    if (t < t_ok) {
      CHECK(tr.mask()(i, 0));
      CHECK(tr.values()(i, 0) == Approx(exact(t)).epsilon(rel));
    } else if (t >= t_missing) {
      CHECK_FALSE(tr.mask()(i, 0));
      CHECK(std::isnan(tr.values()(i, 0)));
    } else if (check_between && tr.mask()(i, 0)) {
      CHECK(tr.values()(i, 0) == Approx(exact(t)).epsilon(rel));
    }
  }
}

// Bulirsch-Stoer takes long steps (here 0.66 -> 1.42 in one), and a failed step reports
// none of the output times it would have covered.
double last_sure_time(stepper_kind kind) {
  return kind == stepper_kind::bulirsch_stoer ? 0.6 : 0.95;
}

}  // namespace

TEST_CASE("a blow-up (x' = x^2 from x0 = 1 past t = 1) is a failed status with a message",
          "[solve][failure]") {
  const stepper_kind kind = GENERATE(from_range(odesynth::all_stepper_kinds));
  CAPTURE(kind);
  const auto tr = odesynth::solve<odesynth::all_steppers>(
      models::blow_up{}, {}, {1.0}, time_grid::linspace(0, 2, 41), failures_with(kind));
  CAPTURE(tr.message());
  CHECK_FALSE(tr.ok());
  CHECK_FALSE(tr.message().empty());
  // Up to t = 0.9 the data are the solution 1/(1-t); from 1.05 on nothing is reported. In
  // between, x(1) = infinity is reported by some steppers as a large finite value: the
  // numerical pole lies slightly after t = 1 (the status flags the trajectory).
  check_rows(
      tr, std::min(0.91, last_sure_time(kind)), 1.05, [](double t) { return 1 / (1 - t); }, 1e-3,
      false);
}

TEST_CASE("NaN from the right-hand side ends the solve and earlier rows stay valid",
          "[solve][failure]") {
  const stepper_kind kind = GENERATE(from_range(odesynth::all_stepper_kinds));
  CAPTURE(kind);
  const auto tr = odesynth::solve<odesynth::all_steppers>(
      models::nan_after{}, {1.0}, {1.0}, time_grid::linspace(0, 2, 21), failures_with(kind));
  CAPTURE(tr.message());
  // The adaptive steppers reject NaN trial steps and close in on t = 1 until the step size
  // underflows or no step is accepted; bulirsch_stoer (odeint's own error norm) and the
  // fixed-step rk4 see the NaN arrive in the state.
  const std::vector<solve_status> expected{solve_status::non_finite, solve_status::step_underflow,
                                           solve_status::step_size_not_found};
  CHECK(std::find(expected.begin(), expected.end(), tr.status()) != expected.end());
  if (kind == stepper_kind::rk4 || kind == stepper_kind::bulirsch_stoer)
    CHECK(tr.status() == solve_status::non_finite);
  check_rows(
      tr, last_sure_time(kind), 1.05, [](double t) { return std::exp(-t); }, 1e-5, true);
}

TEST_CASE("an exception from the model becomes rhs_threw with its message", "[solve][failure]") {
  const stepper_kind kind = GENERATE(from_range(odesynth::all_stepper_kinds));
  CAPTURE(kind);
  odesynth::trajectory tr;
  REQUIRE_NOTHROW(tr = odesynth::solve<odesynth::all_steppers>(models::throws_after{}, {1.0}, {1.0},
                                                               time_grid::linspace(0, 2, 21),
                                                               failures_with(kind)));
  CHECK(tr.status() == solve_status::rhs_threw);
  CHECK_THAT(tr.message(), Contains("model gave up"));
  check_rows(
      tr, last_sure_time(kind), 1.05, [](double t) { return std::exp(-t); }, 1e-5, true);
}

TEST_CASE("an exception from an analytic Jacobian becomes rhs_threw", "[solve][failure]") {
  auto model = odesynth::make_model<1, 0>(
      "bad_jacobian", {"x"}, {},
      [](const auto& x, auto& dxdt, double, const auto&) { dxdt[0] = -x[0]; },
      [](const auto&, auto&, double, const auto&) {
        throw std::runtime_error("no Jacobian today");
      });
  const auto tr = odesynth::solve<odesynth::all_steppers>(
      model, {}, {1.0}, time_grid::linspace(0, 1, 3), failures_with(stepper_kind::rosenbrock4));
  CHECK(tr.status() == solve_status::rhs_threw);
  CHECK_THAT(tr.message(), Contains("no Jacobian today"));
}

TEST_CASE("a right-hand side that is not finite at the start is initial_non_finite",
          "[solve][failure]") {
  const stepper_kind kind = GENERATE(from_range(odesynth::all_stepper_kinds));
  CAPTURE(kind);
  const auto tr = odesynth::solve<odesynth::all_steppers>(
      models::log_rate{}, {}, {0.0}, time_grid::linspace(0, 1, 5), failures_with(kind));
  CHECK(tr.status() == solve_status::initial_non_finite);
  CHECK_THAT(tr.message(), Contains("-inf"));
  // The initial state itself is exact data; nothing after it is.
  CHECK(tr.mask()(0, 0));
  CHECK(tr.values()(0, 0) == 0.0);
  CHECK_FALSE(tr.mask().bottomRows(4).any());
  CHECK(tr.consistent());
}

TEST_CASE("step_size_not_found after 500 consecutive rejected steps", "[solve][failure]") {
  // The right-hand side is finite at t = 0 and NaN at every later time, so every trial step
  // is rejected. Starting from a huge step, 500 rejections (each shrinking the step by 5x)
  // come before the step size could underflow.
  const stepper_kind kind =
      GENERATE(stepper_kind::dopri5, stepper_kind::rkf78, stepper_kind::rosenbrock4);
  CAPTURE(kind);
  auto model = odesynth::make_model<1, 0>(
      "stuck", {"x"}, {}, [](const auto& x, auto& dxdt, double t, const auto&) {
        dxdt[0] = t > 0 ? std::numeric_limits<double>::quiet_NaN() : -x[0];
      });
  solve_options o = failures_with(kind);
  o.initial_step = 1e300;
  const auto tr = odesynth::solve<odesynth::all_steppers>(model, {}, {1.0},
                                                          time_grid::from_times({0.0, 1e300}), o);
  CHECK(tr.status() == solve_status::step_size_not_found);
  CHECK_THAT(tr.message(), Contains("no acceptable step size"));
  CHECK(tr.steps() == 0);
}

TEST_CASE("a step below min_step ends the solve with step_underflow", "[solve][failure]") {
  const stepper_kind kind = GENERATE(stepper_kind::dopri5, stepper_kind::rkf78,
                                     stepper_kind::bulirsch_stoer, stepper_kind::rosenbrock4);
  CAPTURE(kind);
  // Fast decay needs steps far below 0.5 at this tolerance.
  solve_options o = failures_with(kind);
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-12;
  o.min_step = 0.5;
  const auto tr = odesynth::solve<odesynth::all_steppers>(models::decay{}, {50.0}, {1.0},
                                                          time_grid::linspace(0, 10, 11), o);
  CHECK(tr.status() == solve_status::step_underflow);
  CHECK_THAT(tr.message(), Contains("min_step 0.5"));
}

TEST_CASE("require_ok turns a failed status into a solver_error", "[solve][failure]") {
  const auto bad = odesynth::solve<odesynth::all_steppers>(models::log_rate{}, {}, {0.0},
                                                           time_grid::linspace(0, 1, 5));
  try {
    odesynth::require_ok(bad);
    FAIL("require_ok did not throw");
  } catch (const odesynth::solver_error& e) {
    CHECK(e.status() == solve_status::initial_non_finite);
    CHECK_THAT(e.what(), Contains("log_rate") && Contains("initial_non_finite"));
  }
  const auto good = odesynth::solve<odesynth::all_steppers>(models::decay{}, {1.0}, {1.0},
                                                            time_grid::linspace(0, 1, 5));
  CHECK_NOTHROW(odesynth::require_ok(good));
}

TEST_CASE("bad solve input is a typed error naming the field and the value", "[solve][input]") {
  const auto grid = time_grid::linspace(0, 1, 5);
  const odesynth::solver<models::lotka_volterra, odesynth::all_steppers> s(
      models::lotka_volterra{});
  const double nan = std::numeric_limits<double>::quiet_NaN();

  SECTION("initial state of the wrong length names the model and both lengths") {
    CHECK_THROWS_MATCHES(
        s.solve({1, 1, 1, 1}, {1.0, 2.0, 3.0}, grid), invalid_argument,
        Catch::Matchers::Message("odesynth: lotka_volterra.initial_state: got 3 values, expected 2 "
                                 "(one per species: prey, predator)"));
  }
  SECTION("parameters of the wrong length") {
    CHECK_THROWS_WITH(s.solve({1, 1, 1}, {1.0, 2.0}, grid),
                      Contains("lotka_volterra.parameters") && Contains("got 3 values") &&
                          Contains("expected 4") && Contains("alpha, beta, gamma, delta"));
  }
  SECTION("a NaN parameter names its index, its name and the value") {
    try {
      (void)s.solve({1, nan, 1, 1}, {1.0, 2.0}, grid);
      FAIL("no exception");
    } catch (const invalid_argument& e) {
      CHECK(e.field() == "lotka_volterra.parameters[1] (beta)");
      CHECK(e.value() == "nan");
      CHECK_THAT(e.what(), Contains("beta") && Contains("nan") && Contains("finite"));
    }
  }
  SECTION("an infinite initial value") {
    CHECK_THROWS_WITH(s.solve({1, 1, 1, 1}, {1.0, -std::numeric_limits<double>::infinity()}, grid),
                      Contains("lotka_volterra.initial_state[1] (predator)") && Contains("-inf"));
  }
}

TEST_CASE("solve_options are validated when the solver is built", "[solve][input]") {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  auto build = [](const solve_options& o) {
    return odesynth::solver<models::lotka_volterra, odesynth::all_steppers>({}, o);
  };
  struct bad_case {
    const char* what;
    solve_options options;
    const char* field;
    const char* value;
  };
  std::vector<bad_case> cases;
  auto add = [&](const char* what, auto edit, const char* field, const char* value) {
    solve_options o;
    edit(o);
    cases.push_back({what, o, field, value});
  };
  add(
      "NaN rel_tol", [&](solve_options& o) { o.rel_tol = nan; }, "solve_options.rel_tol", "nan");
  add(
      "negative rel_tol", [](solve_options& o) { o.rel_tol = -1e-6; }, "solve_options.rel_tol",
      "-1e-06");
  add(
      "infinite rel_tol", [&](solve_options& o) { o.rel_tol = inf; }, "solve_options.rel_tol",
      "inf");
  add(
      "rel_tol below 100 eps", [](solve_options& o) { o.rel_tol = 1e-15; }, "solve_options.rel_tol",
      "1e-15");
  add(
      "NaN abs_tol", [&](solve_options& o) { o.abs_tol = nan; }, "solve_options.abs_tol", "nan");
  add(
      "negative abs_tol", [](solve_options& o) { o.abs_tol = -1; }, "solve_options.abs_tol", "-1");
  add(
      "both tolerances zero",
      [](solve_options& o) {
        o.abs_tol = 0;
        o.rel_tol = 0;
      },
      "solve_options.abs_tol", "0");
  add(
      "abs_tol vector of the wrong length",
      [](solve_options& o) { o.abs_tol_per_species = {1e-8}; },
      "solve_options.abs_tol_per_species.size()", "1");
  add(
      "NaN in the abs_tol vector",
      [&](solve_options& o) {
        o.abs_tol_per_species = {1e-8, nan};
      },
      "solve_options.abs_tol_per_species[1]", "nan");
  add(
      "abs_tol vector with bulirsch_stoer",
      [](solve_options& o) {
        o.abs_tol_per_species = {1e-8, 1e-8};
        o.stepper = stepper_kind::bulirsch_stoer;
      },
      "solve_options.abs_tol_per_species", "a per-species vector");
  add(
      "max_steps zero", [](solve_options& o) { o.max_steps = 0; }, "solve_options.max_steps", "0");
  add(
      "max_steps negative", [](solve_options& o) { o.max_steps = -5; }, "solve_options.max_steps",
      "-5");
  add(
      "initial_step zero", [](solve_options& o) { o.initial_step = 0.0; },
      "solve_options.initial_step", "0");
  add(
      "initial_step negative", [](solve_options& o) { o.initial_step = -0.1; },
      "solve_options.initial_step", "-0.1");
  add(
      "initial_step NaN", [&](solve_options& o) { o.initial_step = nan; },
      "solve_options.initial_step", "nan");
  add(
      "max_step zero", [](solve_options& o) { o.max_step = 0.0; }, "solve_options.max_step", "0");
  add(
      "max_step NaN", [&](solve_options& o) { o.max_step = nan; }, "solve_options.max_step", "nan");
  add(
      "fixed_step negative", [](solve_options& o) { o.fixed_step = -1.0; },
      "solve_options.fixed_step", "-1");
  add(
      "rk4 without fixed_step", [](solve_options& o) { o.stepper = stepper_kind::rk4; },
      "solve_options.fixed_step", "unset");
  add(
      "min_step NaN", [&](solve_options& o) { o.min_step = nan; }, "solve_options.min_step", "nan");

  for (const auto& c : cases) {
    CAPTURE(c.what);
    try {
      (void)build(c.options);
      FAIL("no exception for " << c.what);
    } catch (const invalid_argument& e) {
      CHECK(e.field() == c.field);
      CHECK(e.value() == c.value);
      CHECK_THAT(e.what(), Contains(c.field) && Contains(c.value));
    }
  }
}

TEST_CASE("solve_options print every setting that is in effect", "[solve][options]") {
  solve_options o;  // unset stepper: the solver's first, printed as "default"
  CHECK(fmt::format("{}", o) == "default rel_tol=1e-06 abs_tol=1e-08 max_steps=100000");
  CHECK(fmt::format("{}", odesynth::solver<models::decay>(models::decay{}, o).options()) ==
        "auto_switch rel_tol=1e-06 abs_tol=1e-08 max_steps=100000");
  o.stepper = stepper_kind::rk4;
  o.fixed_step = 0.01;
  o.abs_tol_per_species = {1e-8, 1e-10};
  o.max_step = 1.0;
  CHECK(fmt::format("{}", o) ==
        "rk4 rel_tol=1e-06 abs_tol_per_species=[1e-08, 1e-10] max_steps=100000 max_step=1 "
        "fixed_step=0.01");
}

TEST_CASE("a solver refuses a stepper it was not compiled with", "[solve][input][steppers]") {
  const auto grid = time_grid::linspace(0, 1, 3);
  SECTION("the default set holds auto_switch and dopri5 only") {
    const stepper_kind kind = GENERATE(stepper_kind::rk4, stepper_kind::rkf78,
                                       stepper_kind::bulirsch_stoer, stepper_kind::rosenbrock4);
    CAPTURE(kind);
    const std::string value = fmt::format("solve_options.stepper = {}:", kind);
    test_support::expect_error<invalid_argument>(
        [&] { (void)odesynth::solver<models::decay>(models::decay{}, failures_with(kind)); },
        {value, "odesynth::stepper_set<auto_switch, dopri5>",
         "odesynth::solver<Model, odesynth::all_steppers>",
         "odesynth::solve<odesynth::all_steppers>(...)",
         "odesynth::make_generator<odesynth::all_steppers>(...)"});
    test_support::expect_error<invalid_argument>(
        [&] { (void)odesynth::solve(models::decay{}, {1.0}, {1.0}, grid, failures_with(kind)); },
        {value, "odesynth::stepper_set<auto_switch, dopri5>"});
  }
  SECTION("a set without dopri5 refuses dopri5") {
    using set = odesynth::stepper_set<stepper_kind::rk4, stepper_kind::rosenbrock4>;
    try {
      (void)odesynth::solver<models::decay, set>(models::decay{},
                                                 failures_with(stepper_kind::dopri5));
      FAIL("no exception");
    } catch (const invalid_argument& e) {
      CHECK(e.field() == "solve_options.stepper");
      CHECK(e.value() == "dopri5");
      CHECK_THAT(e.what(), Contains("odesynth::stepper_set<rk4, rosenbrock4>"));
    }
  }
  SECTION("the stepper is checked before the other options") {
    solve_options o = failures_with(stepper_kind::rk4);
    o.fixed_step.reset();  // would be refused too, for rk4
    test_support::expect_error<invalid_argument>(
        [&] { (void)odesynth::solver<models::decay>(models::decay{}, o); },
        {"solve_options.stepper = rk4"});
  }
}

TEST_CASE("an unknown stepper name lists the valid ones", "[solve][input]") {
  CHECK(odesynth::parse_stepper_kind("rosenbrock4") == stepper_kind::rosenbrock4);
  CHECK_THROWS_MATCHES(
      odesynth::parse_stepper_kind("euler"), invalid_argument,
      Catch::Matchers::Message("odesynth: solve_options.stepper = \"euler\": expected one of "
                               "dopri5, rk4, rkf78, bulirsch_stoer, rosenbrock4, auto_switch"));
  for (stepper_kind k : odesynth::all_stepper_kinds)
    CHECK(odesynth::parse_stepper_kind(odesynth::to_string(k)) == k);
}

TEST_CASE("one solver serves several threads with identical results", "[solve][threads]") {
  const odesynth::solver<models::lotka_volterra, odesynth::all_steppers> s(
      models::lotka_volterra{});
  const auto grid = time_grid::linspace(0, 20, 201);
  constexpr int jobs = 16;
  std::vector<odesynth::trajectory> sequential, parallel(jobs);
  for (int j = 0; j < jobs; ++j)
    sequential.push_back(s.solve({1.0 + 0.1 * j, 1.0, 3.0, 1.0}, {10.0, 5.0}, grid));
  std::vector<std::thread> threads;
  for (int w = 0; w < 4; ++w)
    threads.emplace_back([&, w] {
      for (int j = w; j < jobs; j += 4)
        parallel[static_cast<std::size_t>(j)] =
            s.solve({1.0 + 0.1 * j, 1.0, 3.0, 1.0}, {10.0, 5.0}, grid);
    });
  for (auto& t : threads) t.join();
  for (int j = 0; j < jobs; ++j) {
    const auto& a = sequential[static_cast<std::size_t>(j)];
    const auto& b = parallel[static_cast<std::size_t>(j)];
    REQUIRE(a.ok());
    CHECK(a.values() == b.values());  // bit for bit
    CHECK(a.steps() == b.steps());
  }
}

// The checks below run on every step or once per solve (detail/state_ops.hpp,
// detail/step_loops.hpp, detail/error_checker.hpp). They were rewritten for speed
// (vectorised, branch-free), so each is pinned here at every position and on both sides of
// the length where the implementation switches from a loop to Eigen.
TEST_CASE("the finiteness checks find NaN and infinity at every position", "[solve][checks]") {
  const double bad[] = {std::numeric_limits<double>::quiet_NaN(),
                        std::numeric_limits<double>::infinity(),
                        -std::numeric_limits<double>::infinity()};
  for (std::size_t n = 1; n <= 40; ++n) {
    CAPTURE(n);
    // Extremes that are finite: the largest double, a denormal, negative zero.
    std::vector<double> v(n, 1.0);
    v[0] = std::numeric_limits<double>::max();
    v[n - 1] = -0.0;
    if (n > 2) v[1] = std::numeric_limits<double>::denorm_min();
    CHECK(odesynth::detail::all_finite_values(v.data(), n));
    for (std::size_t at = 0; at < n; ++at)
      for (double b : bad) {
        std::vector<double> w = v;
        w[at] = b;
        CAPTURE(at, b);
        CHECK_FALSE(odesynth::detail::all_finite_values(w.data(), n));
        Eigen::VectorXd e = Eigen::Map<Eigen::VectorXd>(w.data(), static_cast<Eigen::Index>(n));
        CHECK_FALSE(odesynth::detail::all_finite(e));
      }
  }
  std::array<double, 3> a{1.0, std::numeric_limits<double>::max(), -2.0};
  CHECK(odesynth::detail::all_finite(a));
  a[2] = -std::numeric_limits<double>::infinity();
  CHECK_FALSE(odesynth::detail::all_finite(a));
}

TEST_CASE("row_writer finds the first row holding a non-finite value", "[solve][checks]") {
  for (std::size_t cols : {1u, 2u, 7u, 30u}) {
    CAPTURE(cols);
    const std::size_t rows = 9;
    std::vector<double> buffer(rows * cols, 0.5);
    const odesynth::detail::row_writer w{buffer.data(), cols};
    CHECK(w.first_non_finite(0, rows) == rows);
    CHECK(w.first_non_finite(2, 5) == 7);
    buffer[6 * cols + cols - 1] = std::numeric_limits<double>::quiet_NaN();  // row 6, last column
    buffer[8 * cols] = std::numeric_limits<double>::infinity();              // row 8
    CHECK(w.first_non_finite(0, rows) == 6);
    CHECK(w.first_non_finite(2, 4) == 6);  // rows 2..5 clean: returns first + count
    CHECK(w.first_non_finite(7, 2) == 8);
    CHECK(w.first_non_finite(0, 6) == 6);
  }
}

TEST_CASE("the step error norm is odeint's formula and rejects any NaN or infinite component",
          "[solve][checks]") {
  namespace ode = boost::numeric::odeint;
  const double atol = 1e-6, rtol = 1e-3, dt = 0.5;
  const std::vector<double> x{1.0, -2.0, 0.0, 4.0, 1e-3};
  const std::vector<double> dxdt{0.5, 1.0, -3.0, 0.0, 2.0};
  const std::vector<double> err{1e-4, -3e-3, 2e-6, 1e-3, 5e-7};
  const std::vector<double> per_species{1e-6, 1e-5, 1e-7, 1e-4, 1e-8};
  auto expected = [&](const double* atols) {
    double worst = 0;
    for (std::size_t i = 0; i < x.size(); ++i)
      worst =
          std::max(worst, std::fabs(err[i]) / ((atols ? atols[i] : atol) +
                                               rtol * (std::fabs(x[i]) + dt * std::fabs(dxdt[i]))));
    return worst;
  };
  using fixed = std::array<double, 5>;
  auto to_fixed = [](const std::vector<double>& v) {
    fixed a{};
    std::copy(v.begin(), v.end(), a.begin());
    return a;
  };
  auto to_dynamic = [](const std::vector<double>& v) {
    return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(v.data(), 5));
  };
  // The two implementations: branch-free loop (std::array) and Eigen (VectorXd).
  auto norm = [&](const std::vector<double>& e, const double* atols) {
    odesynth::detail::tolerance_checker<double, ode::array_algebra, ode::default_operations> f(
        atol, rtol, atols);
    odesynth::detail::tolerance_checker<double, ode::range_algebra, ode::default_operations> d(
        atol, rtol, atols);
    ode::array_algebra fa;
    ode::range_algebra da;
    fixed fe = to_fixed(e);
    Eigen::VectorXd de = to_dynamic(e);
    const double a = f.error(fa, to_fixed(x), to_fixed(dxdt), fe, dt);
    const double b = d.error(da, to_dynamic(x), to_dynamic(dxdt), de, dt);
    CHECK(a == b);
    return a;
  };
  CHECK(norm(err, nullptr) == expected(nullptr));
  CHECK(norm(err, per_species.data()) == expected(per_species.data()));
  for (std::size_t at = 0; at < err.size(); ++at)
    for (double b :
         {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity()}) {
      CAPTURE(at, b);
      std::vector<double> e = err;
      e[at] = b;
      CHECK(norm(e, nullptr) == std::numeric_limits<double>::infinity());
      CHECK(norm(e, per_species.data()) == std::numeric_limits<double>::infinity());
    }
}
