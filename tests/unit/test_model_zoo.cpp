// The model zoo (odesynth/models.hpp): every model names itself validly, carries defaults of
// the right sizes that solve, has a Jacobian that matches its right-hand side where it has one,
// and shows the property its literature promises (a conservation law, a fixed point, a period,
// an exact solution) within a tolerance derived below each check.
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <odesynth/derivative_noise.hpp>
#include <odesynth/models.hpp>
#include <odesynth/random.hpp>
#include <odesynth/sampler.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/transforms/postprocess.hpp>
#include <set>
#include <string>
#include <type_traits>
#include <unsupported/Eigen/MatrixFunctions>
#include <vector>

#include "test_models.hpp"

namespace zoo = odesynth::models;
using odesynth::solve_options;
using odesynth::stepper_kind;
using odesynth::time_grid;
using odesynth::trajectory;

namespace {

/// Calls f(model) for every zoo model (the dynamic-size chain with 7 species).
template <class F>
void for_each_zoo_model(F f) {
  f(zoo::exponential_decay{});
  f(zoo::logistic_growth{});
  f(zoo::lotka_volterra{});
  f(zoo::sir{});
  f(zoo::seir{});
  f(zoo::sird_vaccination{});
  f(zoo::lorenz{});
  f(zoo::van_der_pol{});
  f(zoo::fitzhugh_nagumo{});
  f(zoo::brusselator{});
  f(zoo::michaelis_menten{});
  f(zoo::repressilator{});
  f(zoo::selkov{});
  f(zoo::two_compartment_pk{});
  f(zoo::robertson{});
  f(zoo::linear_chain(7));
  f(zoo::mapk_cascade{});
  f(zoo::simbaml_constant{});
  f(zoo::simbaml_salt_brine_tanks{});
  f(zoo::simbaml_sir{});
  f(zoo::simbaml_sird{});
  f(zoo::simbaml_trigonometry{});
}

// dopri5 for the non-stiff models, rosenbrock4 for the stiff ones: only these two compiled in.
using zoo_steppers = odesynth::stepper_set<stepper_kind::dopri5, stepper_kind::rosenbrock4>;

template <class M>
trajectory solve_defaults(const M& m, std::size_t points, const solve_options& o = {}) {
  return odesynth::solve<zoo_steppers>(m, zoo::default_parameters(m), zoo::default_initial_state(m),
                                       zoo::default_grid(m, points), o);
}

solve_options zoo_tight(double rel_tol = 1e-10, double abs_tol = 1e-12) {
  solve_options o;
  o.rel_tol = rel_tol;
  o.abs_tol = abs_tol;
  return o;
}

/// Times where column `col` crosses `level` upwards, by linear interpolation between rows.
std::vector<double> upward_crossings(const trajectory& tr, Eigen::Index col, double level) {
  std::vector<double> out;
  for (Eigen::Index i = 1; i < tr.num_times(); ++i) {
    const double a = tr.values()(i - 1, col) - level, b = tr.values()(i, col) - level;
    if (a < 0 && b >= 0)
      out.push_back(tr.times()[i - 1] + (tr.times()[i] - tr.times()[i - 1]) * (-a / (b - a)));
  }
  return out;
}

/// Largest |sum of the row - first row's sum| over the trajectory, relative to that sum.
double total_drift(const trajectory& tr) {
  const double total = tr.values().row(0).sum();
  double worst = 0;
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    worst = std::max(worst, std::fabs(tr.values().row(i).sum() - total) / std::fabs(total));
  return worst;
}

/// A state or parameter vector of n values: std::array (fixed size) or Eigen::VectorXd.
template <class Vector>
Vector make_vector(std::size_t n) {
  if constexpr (std::is_same_v<Vector, Eigen::VectorXd>) {
    return Eigen::VectorXd::Zero(static_cast<Eigen::Index>(n));
  } else {
    (void)n;
    return Vector{};
  }
}

/// Central differences of the right-hand side, column by column, against jacobian().
template <class M>
void check_jacobian(const M& m, std::uint64_t stream_index) {
  using traits = odesynth::model_traits<M>;
  using state = typename traits::state_type;
  using params = typename traits::param_type;
  using matrix = typename traits::jacobian_type;
  static_assert(traits::has_jacobian, "check_jacobian needs a model with jacobian()");
  const auto description = odesynth::describe(m);
  const std::size_t n = description->num_species();
  const std::vector<double> x0 = zoo::default_initial_state(m);
  const std::vector<double> p0 = zoo::default_parameters(m);

  // A random point near the defaults: each value times a factor in [0.5, 1.5], species that
  // start at zero put at 0.5-1.5 times max(1, |x0|) so every Jacobian entry is exercised.
  odesynth::random_stream s(20240611, stream_index, odesynth::stream_purpose::user);
  state x = make_vector<state>(n);
  params p = make_vector<params>(p0.size());
  for (std::size_t j = 0; j < n; ++j)
    x[j] = std::max(1.0, std::fabs(x0[j])) * (0.5 + s.uniform01());
  for (std::size_t k = 0; k < p0.size(); ++k) p[k] = p0[k] * (0.5 + s.uniform01());

  matrix analytic = matrix::Zero(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  m.jacobian(x, analytic, 0.0, p);

  state f_plus = make_vector<state>(n);
  state f_minus = make_vector<state>(n);
  for (std::size_t j = 0; j < n; ++j) {
    const double xj = x[j];
    const double h =
        std::cbrt(std::numeric_limits<double>::epsilon()) * std::max(1.0, std::fabs(xj));
    x[j] = xj + h;
    m(x, f_plus, 0.0, p);
    x[j] = xj - h;
    m(x, f_minus, 0.0, p);
    x[j] = xj;
    for (std::size_t i = 0; i < n; ++i) {
      const auto r = static_cast<Eigen::Index>(i), c = static_cast<Eigen::Index>(j);
      const double numeric = (f_plus[i] - f_minus[i]) / (2 * h);
      // Every zoo model with a Jacobian is at most quadratic in each single species, so the
      // central difference has no truncation error, only rounding: about eps / h ~ 4e-11
      // relative to the size of the terms in row i. 1e-7 of the row's largest entry leaves
      // three decades of margin and still catches any missing or wrong term.
      const double scale = 1.0 + analytic.row(r).cwiseAbs().maxCoeff();
      INFO(description->name() << " J(" << i << ", " << j << "): analytic " << analytic(r, c)
                               << ", central difference " << numeric);
      CHECK(std::fabs(numeric - analytic(r, c)) <= 1e-7 * scale);
    }
  }
}

}  // namespace

TEST_CASE("zoo models have valid unique names and defaults of the right sizes", "[zoo]") {
  std::set<std::string> model_names;
  for_each_zoo_model([&](const auto& m) {
    using M = std::decay_t<decltype(m)>;
    static_assert(odesynth::is_model_v<M>, "every zoo model is a model");
    static_assert(zoo::has_defaults_v<M>, "every zoo model has defaults");
    const auto d = odesynth::describe(m);  // validates names: non-empty, unique, CSV-safe
    INFO(d->name());
    CHECK(model_names.insert(d->name()).second);
    const std::set<std::string> unique(d->species().begin(), d->species().end());
    CHECK(unique.size() == d->num_species());

    const auto p = zoo::default_parameters(m);
    const auto x0 = zoo::default_initial_state(m);
    CHECK(p.size() == d->num_parameters());
    CHECK(x0.size() == d->num_species());
    for (double v : p) CHECK(std::isfinite(v));
    for (double v : x0) CHECK(std::isfinite(v));
    const double t_end = zoo::default_t_end(m);
    CHECK(std::isfinite(t_end));
    CHECK(t_end > 0);
  });
  CHECK(model_names.size() == 22);
}

TEST_CASE("zoo defaults solve to status ok over the default span", "[zoo]") {
  for_each_zoo_model([&](const auto& m) {
    solve_options o;
    // Robertson's defaults are the stiff problem: dopri5 would need ~35 000 steps to t = 40.
    if (odesynth::model_name(m) == "robertson") o.stepper = stepper_kind::rosenbrock4;
    const trajectory tr = solve_defaults(m, 101, o);
    INFO(odesynth::model_name(m) << ": " << tr.message());
    CHECK(tr.ok());
    CHECK(tr.values().allFinite());
  });
}

TEST_CASE("zoo analytic Jacobians match central differences at random states", "[zoo]") {
  check_jacobian(zoo::van_der_pol{}, 1);
  check_jacobian(zoo::brusselator{}, 2);
  check_jacobian(zoo::michaelis_menten{}, 3);
  check_jacobian(zoo::two_compartment_pk{}, 4);
  check_jacobian(zoo::robertson{}, 5);
  check_jacobian(zoo::linear_chain(9), 6);
  // The linear chain's Jacobian at another size is the same bidiagonal pattern.
  check_jacobian(zoo::linear_chain(2), 7);
}

TEST_CASE("zoo exponential decay follows its analytic solution", "[zoo]") {
  const zoo::exponential_decay m;
  const trajectory tr = solve_defaults(m, 101);
  REQUIRE(tr.ok());
  const double k = m.default_parameters[0];
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    const double exact = zoo::exponential_decay::exact(1.0, k, tr.times()[i]);
    // dopri5 at rel_tol 1e-6 keeps the global relative error of a decay at a few rel_tol
    // (measured 2.6e-6 over ~30 steps); 1e-5 bounds it.
    CHECK(tr.values()(i, 0) == Approx(exact).epsilon(1e-5).margin(1e-8));
  }
}

TEST_CASE("zoo logistic growth follows its analytic solution and approaches K", "[zoo]") {
  const zoo::logistic_growth m;
  const trajectory tr = solve_defaults(m, 61);
  REQUIRE(tr.ok());
  const auto& p = m.default_parameters;
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    const double exact =
        zoo::logistic_growth::exact(m.default_initial_state[0], p[0], p[1], tr.times()[i]);
    // As for the decay: measured 2.0e-6, bound 1e-5.
    CHECK(tr.values()(i, 0) == Approx(exact).epsilon(1e-5));
  }
  // Analytically K - N(300) = 0.40 % of K; the solution increases monotonically to K.
  const double last = tr.values()(tr.num_times() - 1, 0);
  CHECK(last < p[1]);
  CHECK(last > 0.995 * p[1]);
  for (Eigen::Index i = 1; i < tr.num_times(); ++i)
    CHECK(tr.values()(i, 0) > tr.values()(i - 1, 0));
}

TEST_CASE("zoo Lotka-Volterra conserves its invariant and has the small-orbit period", "[zoo]") {
  const zoo::lotka_volterra m;
  const auto& p = m.default_parameters;
  const std::array<double, 4> params{p[0], p[1], p[2], p[3]};
  SECTION("the invariant along the default orbit") {
    const trajectory tr = solve_defaults(m, 201, zoo_tight());
    REQUIRE(tr.ok());
    const double h0 =
        test_models::lotka_volterra_invariant(params, tr.values()(0, 0), tr.values()(0, 1));
    for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
      const double h =
          test_models::lotka_volterra_invariant(params, tr.values()(i, 0), tr.values()(i, 1));
      // rel_tol 1e-10 on states of size ~10-70 moves the invariant (|h| ~ 2, gradient ~1 per
      // unit of state) by ~1e-8; 1e-7 bounds it.
      CHECK(h == Approx(h0).epsilon(1e-7));
    }
    CHECK(tr.values().minCoeff() > 0);  // populations stay positive
  }
  SECTION("period of a small orbit around the fixed point") {
    const double prey_star = p[2] / p[3], predator_star = p[0] / p[1];
    const auto tr = odesynth::solve<zoo_steppers>(m, params, {prey_star * 1.001, predator_star},
                                                  time_grid::linspace(0, 100, 10001), zoo_tight());
    REQUIRE(tr.ok());
    const auto up = upward_crossings(tr, 0, prey_star);
    REQUIRE(up.size() >= 5);
    const double expected = 2 * std::acos(-1.0) / std::sqrt(p[0] * p[2]);
    // A 0.1 % orbit shifts the period by O(amplitude^2) ~ 1e-6 relative; interpolating the
    // crossing on a 0.01 grid errs by less than 1e-6 of the period (the prey curve is
    // straight at the crossing). Measured 9.47226 vs 9.47225; 1e-4 bounds both effects.
    for (std::size_t i = 1; i < up.size(); ++i)
      CHECK(up[i] - up[i - 1] == Approx(expected).epsilon(1e-4));
  }
}

TEST_CASE("zoo SIR conserves the population and stays non-negative", "[zoo]") {
  const zoo::sir m;
  const trajectory tr = solve_defaults(m, 141);
  REQUIRE(tr.ok());
  // The derivatives sum to zero up to rounding and every Runge-Kutta step preserves linear
  // invariants, so the total drifts only by rounding: ~1e-16 per step over ~40 steps.
  CHECK(total_drift(tr) < 1e-12);
  // States are counts of ~1-763 solved with abs_tol 1e-8: nothing may go below -abs_tol.
  CHECK(tr.values().minCoeff() > -1e-8);
  // The fitted outbreak peaks near 300 of 763 boys, as the data in Murray's Fig. 10.2 do
  // (measured 293 on this grid; 5 % covers the grid missing the exact peak).
  CHECK(tr.values().col(1).maxCoeff() == Approx(300).epsilon(0.05));
}

TEST_CASE("zoo SEIR conserves the population and settles near its endemic equilibrium", "[zoo]") {
  const zoo::seir m;
  const trajectory tr = solve_defaults(m, 601);
  REQUIRE(tr.ok());
  CHECK(total_drift(tr) < 1e-12);  // births = deaths; rounding only (~1400 steps)
  CHECK(tr.values().minCoeff() > -1e-8);
  // Endemic equilibrium S* = (gamma + mu) (sigma + mu) / (beta sigma) = 0.10036 (proportions,
  // N = 1). After 60 years the damped oscillation around it is down to 0.2 % (measured); 1 %
  // bounds it, while the initial S = 0.1 oscillated by +-9 % around S*.
  const auto& p = m.default_parameters;
  const double s_star = (p[2] + p[3]) * (p[1] + p[3]) / (p[0] * p[1]);
  CHECK(tr.values()(tr.num_times() - 1, 0) == Approx(s_star).epsilon(0.01));
}

TEST_CASE("zoo SIRD with vaccination conserves everyone and splits removals by rate", "[zoo]") {
  const zoo::sird_vaccination m;
  const trajectory tr = solve_defaults(m, 366);
  REQUIRE(tr.ok());
  CHECK(total_drift(tr) < 1e-12);
  CHECK(tr.values().minCoeff() > -1e-8);
  // R' = gamma I and D' = delta I from R(0) = D(0) = 0 give D = (delta / gamma) R exactly;
  // the solver integrates both from the same I with the same weights, so they agree to
  // rounding (relative 1e-12; checked once R is large enough to carry relative meaning).
  const auto& p = m.default_parameters;
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    if (tr.values()(i, 2) > 1)
      CHECK(tr.values()(i, 3) == Approx(p[2] / p[1] * tr.values()(i, 2)).epsilon(1e-12));
  // Vaccination moves people from S to V and nowhere else.
  CHECK(tr.values()(tr.num_times() - 1, 4) > 0);
}

TEST_CASE("zoo Lorenz stays in its trapping ball and is sensitive to initial values", "[zoo]") {
  const zoo::lorenz m;
  const auto& p = m.default_parameters;
  const auto grid = time_grid::linspace(0, 50, 5001);
  const auto a = odesynth::solve<zoo_steppers>(m, p, {0.0, 1.0, 0.0}, grid, zoo_tight());
  const auto b = odesynth::solve<zoo_steppers>(m, p, {0.0, 1.0 + 1e-9, 0.0}, grid, zoo_tight());
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // V = x^2 + y^2 + (z - sigma - rho)^2 has dV/dt = -2 sigma x^2 - 2 y^2 - 2 beta (z - c/2)^2
  // + beta c^2 / 2 (c = sigma + rho), negative outside an ellipsoid on which V <= beta c^2 /
  // (4 sigma) + beta c^2 / 4 + c^2 = 2503. The start has V = 1445, so V <= 2503 for all time.
  const double c = p[0] + p[1];
  const double bound = p[2] * c * c / (4 * p[0]) + p[2] * c * c / 4 + c * c;
  for (Eigen::Index i = 0; i < a.num_times(); ++i) {
    const double x = a.values()(i, 0), y = a.values()(i, 1), z = a.values()(i, 2);
    CHECK(x * x + y * y + (z - c) * (z - c) <= bound);
  }
  // Chaos: a 1e-9 difference in y(0) grows to the size of the attractor. Measured: still
  // ~1e-8 at t = 20 (the orbit first lingers near the origin's unstable manifold), 1e-3 at
  // t = 30, 16 at t = 39. At t = 1 it is ~2e-9, solver error at rel_tol 1e-10 included.
  const Eigen::Index at_1 = 100, last = a.num_times() - 1;
  CHECK((a.values().row(at_1) - b.values().row(at_1)).norm() < 1e-6);
  CHECK((a.values().row(last) - b.values().row(last)).norm() > 1.0);
}

TEST_CASE("zoo Van der Pol has period 6.6633 at mu = 1 and solves stiff at mu = 1000", "[zoo]") {
  const zoo::van_der_pol m;
  SECTION("period at mu = 1") {
    const auto tr = odesynth::solve<zoo_steppers>(m, m.default_parameters, m.default_initial_state,
                                                  time_grid::linspace(0, 60, 60001), zoo_tight());
    REQUIRE(tr.ok());
    const auto up = upward_crossings(tr, 0, 0.0);
    REQUIRE(up.size() >= 8);
    // Known period 6.663287 (the start lies next to the cycle, so every period counts).
    // Linear interpolation on a 0.001 grid errs by < 1e-6; 1e-5 relative covers it.
    for (std::size_t i = 1; i < up.size(); ++i)
      CHECK(up[i] - up[i - 1] == Approx(6.663287).epsilon(1e-5));
  }
  SECTION("mu = 1000 with rosenbrock4 and the analytic Jacobian") {
    solve_options o;
    o.stepper = stepper_kind::rosenbrock4;
    const auto tr = odesynth::solve<zoo_steppers>(m, {1000.0}, m.default_initial_state,
                                                  time_grid::linspace(0, 3000, 301), o);
    REQUIRE(tr.ok());
    // A relaxation oscillation between the cycle's turning points near +-2.
    CHECK(tr.values().col(0).maxCoeff() == Approx(2.0).epsilon(0.05));
    CHECK(tr.values().col(0).minCoeff() == Approx(-2.0).epsilon(0.05));
  }
}

TEST_CASE("zoo FitzHugh-Nagumo spikes at the defaults and rests without input", "[zoo]") {
  const zoo::fitzhugh_nagumo m;
  const auto& p = m.default_parameters;
  SECTION("spiking: v swings over the cubic's outer branches") {
    const trajectory tr = solve_defaults(m, 2001);
    REQUIRE(tr.ok());
    const auto last_half = tr.values().col(0).tail(1000);
    CHECK(last_half.maxCoeff() > 1.5);   // measured 1.85
    CHECK(last_half.minCoeff() < -1.5);  // measured -1.97
  }
  SECTION("I_ext = 0: the rest state, the root of v - v^3/3 = (v + a) / b") {
    const auto tr = odesynth::solve<zoo_steppers>(
        m, {p[0], p[1], p[2], 0.0}, m.default_initial_state, time_grid::linspace(0, 400, 3));
    REQUIRE(tr.ok());
    // Newton on g(v) = v - v^3/3 - (v + a)/b.
    double v = -1.2;
    for (int i = 0; i < 50; ++i)
      v -= (v - v * v * v / 3 - (v + p[0]) / p[1]) / (1 - v * v - 1 / p[1]);
    // The rest state is a stable focus with decay rate ~0.05; after 400 time units the
    // distance is ~1e-9, below abs_tol-driven error of ~1e-6.
    CHECK(tr.values()(2, 0) == Approx(v).epsilon(1e-5));
    CHECK(tr.values()(2, 1) == Approx((v + p[0]) / p[1]).epsilon(1e-5));
  }
}

TEST_CASE("zoo Brusselator converges to its fixed point when stable and cycles at the defaults",
          "[zoo]") {
  const zoo::brusselator m;
  SECTION("b < 1 + a^2: the fixed point attracts") {
    const double a = 1.0, b = 1.5;
    const auto tr = odesynth::solve<zoo_steppers>(m, {a, b}, m.default_initial_state,
                                                  time_grid::linspace(0, 100, 3));
    REQUIRE(tr.ok());
    // Eigenvalues have real part (b - 1 - a^2) / 2 = -0.25: after t = 100 the distance is
    // e^-25 ~ 1e-11 times the start's, far below the solver's ~1e-7 error.
    CHECK(tr.values()(2, 0) == Approx(a).epsilon(1e-6));
    CHECK(tr.values()(2, 1) == Approx(b / a).epsilon(1e-6));
  }
  SECTION("defaults, b > 1 + a^2: a limit cycle, x keeps swinging") {
    const trajectory tr = solve_defaults(m, 401);
    REQUIRE(tr.ok());
    const auto last_half = tr.values().col(0).tail(200);
    CHECK(last_half.maxCoeff() - last_half.minCoeff() > 2.0);  // measured 3.4
    CHECK(tr.values().minCoeff() > 0);                         // concentrations
  }
}

TEST_CASE("zoo Michaelis-Menten conserves enzyme and substrate and stays non-negative", "[zoo]") {
  const zoo::michaelis_menten m;
  const auto x0 = m.default_initial_state;
  auto check = [&](const trajectory& tr) {
    REQUIRE(tr.ok());
    for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
      const auto row = tr.values().row(i);
      // Both totals are linear invariants of the right-hand side: rounding-level drift only
      // (values ~0.1 and ~10, ~500 steps: < 1e-13 absolute); 1e-12 bounds it.
      CHECK(row(0) + row(2) == Approx(x0[0] + x0[2]).margin(1e-12));
      CHECK(row(1) + row(2) + row(3) == Approx(x0[1] + x0[2] + x0[3]).margin(1e-12));
    }
    // Concentrations of 0.1-10 uM with abs_tol 1e-8: no value below -abs_tol.
    CHECK(tr.values().minCoeff() > -1e-8);
    // The substrate is used up: product = S(0) within 1e-6 (measured 1.6e-7 short).
    CHECK(tr.values()(tr.num_times() - 1, 3) == Approx(x0[1]).margin(1e-6));
  };
  SECTION("dopri5") { check(solve_defaults(m, 301)); }
  SECTION("rosenbrock4 with the analytic Jacobian") {
    solve_options o;
    o.stepper = stepper_kind::rosenbrock4;
    check(solve_defaults(m, 301, o));
  }
}

TEST_CASE("zoo repressilator oscillates with non-negative levels", "[zoo]") {
  const zoo::repressilator m;
  const trajectory tr = solve_defaults(m, 601);
  REQUIRE(tr.ok());
  CHECK(tr.values().minCoeff() > -1e-8);
  // The symmetric steady state is unstable: after 200 of 300 time units each protein still
  // swings by tens of K_M (measured amplitude ~60); a converging model would not.
  for (Eigen::Index j = 3; j < 6; ++j) {
    const auto tail = tr.values().col(j).tail(200);
    CHECK(tail.maxCoeff() - tail.minCoeff() > 20);
  }
  // Period 43.4508 mRNA lifetimes at rel_tol 1e-10; the last cycle of this default solve
  // (rel_tol 1e-6, crossings of LacI through 30 interpolated on a 0.5 grid) measures 43.4506.
  // 1e-3 relative bounds interpolation and tolerance effects and still rejects any change
  // of a parameter by more than ~0.1 %.
  const auto up = upward_crossings(tr, 3, 30.0);
  REQUIRE(up.size() >= 4);
  CHECK(up.back() - up[up.size() - 2] == Approx(43.4508).epsilon(1e-3));
}

TEST_CASE("zoo Sel'kov glycolysis cycles at the defaults and rests when b is large", "[zoo]") {
  const zoo::selkov m;
  SECTION("defaults: limit cycle around an unstable fixed point") {
    const trajectory tr = solve_defaults(m, 1001);
    REQUIRE(tr.ok());
    const auto tail = tr.values().col(0).tail(500);
    CHECK(tail.maxCoeff() - tail.minCoeff() > 0.5);  // measured 1.27
    CHECK(tr.values().minCoeff() > 0);
  }
  SECTION("a = 0.08, b = 1.2: the fixed point (b, b / (a + b^2)) is stable") {
    const double a = 0.08, b = 1.2;
    const auto tr = odesynth::solve<zoo_steppers>(m, {a, b}, m.default_initial_state,
                                                  time_grid::linspace(0, 100, 3));
    REQUIRE(tr.ok());
    // Trace -(b^4 + (2a - 1) b^2 + a + a^2) / (a + b^2) = -0.625: decay e^-31 by t = 100.
    CHECK(tr.values()(2, 0) == Approx(b).epsilon(1e-6));
    CHECK(tr.values()(2, 1) == Approx(b / (a + b * b)).epsilon(1e-6));
  }
}

TEST_CASE("zoo two-compartment PK matches the matrix exponential and loses mass only by CL",
          "[zoo]") {
  const zoo::two_compartment_pk m;
  const trajectory tr = solve_defaults(m, 97);
  REQUIRE(tr.ok());
  // The model is linear, x' = A x with A its (constant) Jacobian, so x(t) = exp(A t) x(0).
  Eigen::Matrix3d A = Eigen::Matrix3d::Zero();
  m.jacobian(m.default_initial_state, A, 0.0, m.default_parameters);
  const Eigen::Vector3d x0(m.default_initial_state[0], 0, 0);
  double previous_total = x0.sum();
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    const Eigen::Matrix3d At = A * tr.times()[i];
    const Eigen::Vector3d exact = At.exp() * x0;
    // Amounts of ~1-100 mg at rel_tol 1e-6: 1e-5 relative plus abs_tol-level margin.
    for (Eigen::Index j = 0; j < 3; ++j)
      CHECK(tr.values()(i, j) == Approx(exact(j)).epsilon(1e-5).margin(1e-7));
    // Elimination is the only exit: the total never increases.
    const double total = tr.values().row(i).sum();
    CHECK(total <= previous_total + 1e-9);
    previous_total = total;
  }
  CHECK(tr.values().minCoeff() > -1e-7);  // gut decays to ~1e-19: abs_tol-size undershoot
}

TEST_CASE("zoo Robertson matches the IVP Test Set at 1e11 and conserves mass", "[zoo]") {
  const zoo::robertson m;
  solve_options o;
  o.stepper = stepper_kind::rosenbrock4;
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-20;  // y1 ~ 2e-8 and y2 ~ 8e-14 at the end: both under relative control
  const auto grid = time_grid::logspace(1e-6, 1e11, 35).with_start(0.0);
  const auto tr =
      odesynth::solve<zoo_steppers>(m, m.default_parameters, m.default_initial_state, grid, o);
  REQUIRE(tr.ok());
  const Eigen::Index last = tr.num_times() - 1;
  // Same bound as test_solve_accuracy: 100 x rel_tol (measured 1.5e-11 there).
  for (Eigen::Index j = 0; j < 3; ++j) {
    const double ref = test_models::robertson_reference_1e11[static_cast<std::size_t>(j)];
    CHECK(std::fabs(tr.values()(last, j) - ref) <= 1e-8 * ref);
  }
  for (Eigen::Index i = 0; i <= last; ++i) {
    // y1 + y2 + y3 = 1: the right-hand side sums to zero up to rounding.
    CHECK(std::fabs(tr.values().row(i).sum() - 1.0) <= 1e-10);
    // Positivity, down to a rounding error of the smallest component.
    CHECK(tr.values().row(i).minCoeff() >= -1e-18);
  }
}

TEST_CASE("zoo linear chain matches its Poisson solution and conserves the total", "[zoo]") {
  SECTION("200 species with dopri5") {
    const zoo::linear_chain m(200);
    const trajectory tr = solve_defaults(m, 51);
    REQUIRE(tr.ok());
    REQUIRE(tr.num_species() == 200);
    for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
      const auto exact = m.exact_solution(1.0, tr.times()[i]);
      // Values <= 1 at rel_tol 1e-6, abs_tol 1e-8, over ~220 steps: 1e-6 absolute bounds
      // the accumulated error (measured 2.1e-7; 1.1e-7 with rosenbrock4 below).
      for (Eigen::Index j = 0; j < 200; ++j)
        CHECK(tr.values()(i, j) == Approx(exact[static_cast<std::size_t>(j)]).margin(1e-6));
    }
    CHECK(total_drift(tr) < 1e-12);
  }
  SECTION("40 species with rosenbrock4 and the analytic Jacobian") {
    const zoo::linear_chain m(40);
    solve_options o;
    o.stepper = stepper_kind::rosenbrock4;
    const trajectory tr = solve_defaults(m, 21, o);
    REQUIRE(tr.ok());
    for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
      const auto exact = m.exact_solution(1.0, tr.times()[i]);
      for (Eigen::Index j = 0; j < 40; ++j)
        CHECK(tr.values()(i, j) == Approx(exact[static_cast<std::size_t>(j)]).margin(1e-6));
    }
    CHECK(total_drift(tr) < 1e-12);
  }
  SECTION("fewer than two species is an error naming the size") {
    CHECK_THROWS_WITH(zoo::linear_chain(1), Catch::Contains("linear_chain.n = 1"));
  }
}

TEST_CASE("zoo MAPK cascade keeps every tier between zero and its total", "[zoo]") {
  const zoo::mapk_cascade m;
  const trajectory tr = solve_defaults(m, 3601);
  REQUIRE(tr.ok());
  const auto& p = m.default_parameters;
  for (Eigen::Index j = 0; j < 3; ++j) {
    CHECK(tr.values().col(j).minCoeff() > 0);
    CHECK(tr.values().col(j).maxCoeff() < p[14 + static_cast<std::size_t>(j)]);
  }
  // The negative feedback drives a limit cycle: 1489, 972, 955, ... s between successive
  // crossings of MAPK_P through 130 nM, converging to 948.876 s (measured at rel_tol 1e-10).
  // After 20 000 s the transient is gone; at the default tolerance on a 1 s grid the last
  // cycle agrees to 1e-4 (interpolation error ~1e-6 of the period, tolerance effects less).
  const auto long_run = odesynth::solve<zoo_steppers>(m, p, m.default_initial_state,
                                                      time_grid::linspace(0, 20000, 20001));
  REQUIRE(long_run.ok());
  const auto up = upward_crossings(long_run, 2, 130.0);
  REQUIRE(up.size() >= 3);
  CHECK(up.back() - up[up.size() - 2] == Approx(948.876).epsilon(1e-4));
}

TEST_CASE("zoo SimbaML constant function and salt tanks", "[zoo][simbaml]") {
  SECTION("the constant stays exactly at its start") {
    const auto tr = odesynth::solve<zoo_steppers>(zoo::simbaml_constant{}, {}, {3.5},
                                                  zoo::default_grid(zoo::simbaml_constant{}, 200));
    REQUIRE(tr.ok());
    CHECK((tr.values().array() == 3.5).all());
  }
  SECTION("salt tanks: salt is conserved and the difference decays at 2 r / V") {
    const zoo::simbaml_salt_brine_tanks m;
    const trajectory tr = solve_defaults(m, 5000);
    REQUIRE(tr.ok());
    CHECK(total_drift(tr) < 1e-12);
    const double rate = 2 * m.default_parameters[0] / m.default_parameters[1];
    const double d0 = m.default_initial_state[0] - m.default_initial_state[1];
    for (Eigen::Index i = 0; i < tr.num_times(); i += 50) {
      const double d = tr.values()(i, 0) - tr.values()(i, 1);
      // Differences of ~300 down to ~0 at rel_tol 1e-6 of values ~650: 1e-3 absolute
      // (measured 2.4e-4).
      CHECK(d == Approx(d0 * std::exp(-rate * tr.times()[i])).margin(1e-3));
    }
    // SimbaML shows only the first tank.
    trajectory observed = tr;
    odesynth::random_stream s(1, 0, odesynth::stream_purpose::measurement);
    odesynth::hide_species({m.hidden_species.begin(), m.hidden_species.end()})(observed, s);
    CHECK(observed.species() == std::vector<std::string>{"x1"});
  }
}

TEST_CASE("zoo SimbaML SIR follows its contact-rate schedule", "[zoo][simbaml]") {
  const zoo::simbaml_sir m;
  const auto schedule = zoo::simbaml_sir::default_schedule();
  const odesynth::solver<zoo::simbaml_sir> solver(m);
  const auto tr = solver.solve(schedule, m.default_initial_state, zoo::default_grid(m, 100));
  REQUIRE(tr.ok());
  CHECK(total_drift(tr) < 1e-12);
  CHECK(tr.values().minCoeff() > -1e-8);
  // From t = 80 on beta = 0: I' = -gamma I exactly, so I(99) = I(80) exp(-0.1 * 19).
  CHECK(tr.values()(99, 1) == Approx(tr.values()(80, 1) * std::exp(-0.1 * 19)).epsilon(1e-5));
  // While beta = 0.2 > gamma (t in [30, 60)) the infected grow.
  CHECK(tr.values()(59, 1) > tr.values()(31, 1));

  // The sampler setting in simbaml_sir.hpp's comment gives the same schedule.
  namespace dist = odesynth::dist;
  odesynth::sampler s(m);
  s.schedule("beta", {dist::constant{30}, dist::constant{60}, dist::constant{80}},
             {dist::constant{0.1}, dist::constant{0.2}, dist::constant{0.15}, dist::constant{0}})
      .parameter("gamma", 0.1)
      .initial_value("Susceptible", 100000)
      .initial_value("Infected", 1)
      .initial_value("Recovered", dist::lognormal{2, 1});
  const odesynth::sample drawn = s.bind(7).draw(0, 0.0);
  REQUIRE(drawn.has_schedule);
  CHECK(drawn.schedule.switch_times == schedule.switch_times);
  CHECK(drawn.schedule.values == schedule.values);

  trajectory observed = tr;
  odesynth::random_stream stream(1, 0, odesynth::stream_purpose::measurement);
  odesynth::hide_species({m.hidden_species.begin(), m.hidden_species.end()})(observed, stream);
  CHECK(observed.species() == std::vector<std::string>{"Infected"});
}

TEST_CASE("zoo SimbaML SIRD conserves its population", "[zoo][simbaml]") {
  const zoo::simbaml_sird m;
  const trajectory tr = solve_defaults(m, 1500);
  REQUIRE(tr.ok());
  CHECK(total_drift(tr) < 1e-12);
  CHECK(tr.values().minCoeff() > -1e-8);
}

TEST_CASE("zoo SimbaML trigonometry is sine and cosine and takes derivative noise",
          "[zoo][simbaml]") {
  const zoo::simbaml_trigonometry m;
  const trajectory tr = solve_defaults(m, 200, zoo_tight());
  REQUIRE(tr.ok());
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    const double u = tr.times()[i] / 100;
    // Unit-size values at rel_tol 1e-10: 1e-8 absolute.
    CHECK(tr.values()(i, 0) == Approx(std::sin(u)).margin(1e-8));
    CHECK(tr.values()(i, 1) == Approx(std::cos(u)).margin(1e-8));
    CHECK(tr.values()(i, 2) == Approx(-std::sin(u)).margin(1e-8));
    CHECK(tr.values()(i, 3) == Approx(-std::cos(u)).margin(1e-8));
  }
  // The derivative-noise recipe from simbaml_trigonometry.hpp's comment: one value e per unit
  // interval, shared by all species. Then a = sin + (-sin) and b = cos + (-cos) obey
  // a' = b / 100 + 2 e and b' = a / 100 + 2 e from a = b = 0, so a = b throughout: a check
  // that the noise is shared and enters every derivative (per-species noise would break it).
  odesynth::with_derivative_noise noisy(
      m, {odesynth::dist::normal{0, 0.05}, 1.0, odesynth::derivative_noise::mode::additive,
          /*shared=*/true});
  const auto grid = zoo::default_grid(m, 200);
  odesynth::random_stream s(42, 0, odesynth::stream_purpose::process_noise);
  const auto noisy_tr =
      odesynth::solver(noisy).solve(noisy.schedule({}, grid, s), m.default_initial_state, grid);
  REQUIRE(noisy_tr.ok());
  const auto& v = noisy_tr.values();
  CHECK(std::fabs(v(199, 0) - std::sin(1.99)) > 1e-3);  // the noise did something
  for (Eigen::Index i = 0; i < noisy_tr.num_times(); ++i)
    CHECK(v(i, 0) + v(i, 2) == Approx(v(i, 1) + v(i, 3)).margin(1e-6));
}
