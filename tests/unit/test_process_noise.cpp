// Noise inside the dynamics: parameter schedules (the solver restarts at every switch),
// SimbaML-style derivative noise built on them, and SDE integration on a Brownian tree with
// its strong convergence orders.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <odesynth/derivative_noise.hpp>
#include <odesynth/lambda_model.hpp>
#include <odesynth/parameter_schedule.hpp>
#include <odesynth/sde.hpp>
#include <odesynth/solve.hpp>
#include <vector>

#include "test_models.hpp"

using odesynth::random_stream;
using odesynth::solve_options;
using odesynth::stepper_kind;
using odesynth::stream_purpose;
using odesynth::time_grid;
namespace dist = odesynth::dist;
namespace models = test_models;

namespace {

double process_noise_log_log_slope(const std::vector<double>& x, const std::vector<double>& y) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  const auto n = static_cast<double>(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double lx = std::log(x[i]), ly = std::log(y[i]);
    sx += lx;
    sy += ly;
    sxx += lx * lx;
    sxy += lx * ly;
  }
  return (n * sxy - sx * sy) / (n * sxx - sx * sx);
}

struct sample_stats {
  double mean = 0, variance = 0;
};
sample_stats process_stats_of(const std::vector<double>& x) {
  sample_stats s;
  for (double v : x) s.mean += v;
  s.mean /= static_cast<double>(x.size());
  for (double v : x) s.variance += (v - s.mean) * (v - s.mean);
  s.variance /= static_cast<double>(x.size() - 1);
  return s;
}

// x' = 0 plus whatever forcing is added: the solution is the integral of the forcing.
struct still {
  static constexpr std::string_view name = "still";
  static constexpr std::array<std::string_view, 2> species{"a", "b"};
  static constexpr std::array<std::string_view, 0> parameters{};
  template <class S, class P>
  void operator()(const S&, S& dxdt, double, const P&) const {
    dxdt[0] = 0;
    dxdt[1] = 0;
  }
};

}  // namespace

TEST_CASE("a parameter schedule switches the rate at the given time", "[schedule]") {
  // x' = -k x with k = 1 on [0, 2) and k = 3 from t = 2: x = e^-t, then e^-2 e^-3(t-2).
  const stepper_kind kind = GENERATE(
      odesynth::stepper_kind::dopri5, odesynth::stepper_kind::rk4, odesynth::stepper_kind::rkf78,
      odesynth::stepper_kind::bulirsch_stoer, odesynth::stepper_kind::rosenbrock4);
  CAPTURE(kind);
  solve_options o;
  o.stepper = kind;
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-13;
  o.fixed_step = 1e-3;
  const odesynth::parameter_schedule schedule{{2.0}, {{1.0}, {3.0}}};
  const auto grid = time_grid::linspace(0, 4, 9);  // includes t = 2 itself
  const auto tr =
      odesynth::solver<models::decay, odesynth::all_steppers>({}, o).solve(schedule, {1.0}, grid);
  REQUIRE(tr.ok());
  for (Eigen::Index i = 0; i < tr.num_times(); ++i) {
    const double t = tr.times()[i];
    const double exact = t <= 2 ? std::exp(-t) : std::exp(-2.0) * std::exp(-3 * (t - 2));
    CHECK(tr.values()(i, 0) == Approx(exact).epsilon(1e-8));
  }
  CHECK(tr.parameters()[0] == 1.0);  // the first segment's values
}

TEST_CASE("restarting at a switch beats stepping over the jump", "[schedule]") {
  // The same discontinuity written into the model (k jumps at t = 2 inside the right-hand
  // side) forces the adaptive stepper into rejected steps around t = 2; the schedule does not.
  auto jumpy = odesynth::make_model<1, 0>("jumpy", {"x"}, {},
                                          [](const auto& x, auto& dxdt, double t, const auto&) {
                                            dxdt[0] = -(t < 2 ? 1.0 : 3.0) * x[0];
                                          });
  solve_options o;
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-13;
  const auto grid = time_grid::linspace(0, 4, 9);
  const auto stepped_over = odesynth::solve(jumpy, {}, {1.0}, grid, o);
  const auto restarted = odesynth::solver<models::decay>({}, o).solve(
      odesynth::parameter_schedule{{2.0}, {{1.0}, {3.0}}}, {1.0}, grid);
  REQUIRE(stepped_over.ok());
  REQUIRE(restarted.ok());
  const double exact = std::exp(-2.0) * std::exp(-6.0);
  CHECK(std::fabs(restarted.values()(8, 0) - exact) <=
        std::fabs(stepped_over.values()(8, 0) - exact));
  CHECK(restarted.steps() < stepped_over.steps());
}

TEST_CASE("switches after the last output time are ignored and schedules are validated",
          "[schedule][input]") {
  const odesynth::solver<models::decay> s(models::decay{});
  const auto grid = time_grid::linspace(0, 1, 3);
  const auto tr = s.solve(odesynth::parameter_schedule{{5.0}, {{1.0}, {100.0}}}, {1.0}, grid);
  REQUIRE(tr.ok());
  CHECK(tr.values()(2, 0) == Approx(std::exp(-1.0)).epsilon(1e-6));

  auto expect = [&](const odesynth::parameter_schedule& bad, const char* field, const char* value) {
    try {
      (void)s.solve(bad, {1.0}, grid);
      FAIL("no exception");
    } catch (const odesynth::invalid_argument& e) {
      CHECK(e.field() == field);
      CHECK(e.value() == value);
    }
  };
  expect({{0.5}, {{1.0}}}, "decay.parameter_schedule.values.size()", "1");
  expect({{0.0}, {{1.0}, {2.0}}}, "decay.parameter_schedule.switch_times[0]", "0");
  expect({{0.5, 0.4}, {{1.0}, {2.0}, {3.0}}}, "decay.parameter_schedule.switch_times[1]", "0.4");
  expect({{0.5}, {{1.0}, {1.0, 2.0}}}, "decay.parameter_schedule.values[1].size()", "2");
  expect({{0.5}, {{1.0}, {std::numeric_limits<double>::quiet_NaN()}}},
         "decay.parameter_schedule.values[1][0] (k)", "nan");
}

TEST_CASE("a right-hand side that is not finite after a switch fails with a status",
          "[schedule][failure]") {
  const odesynth::solver<models::nan_after> s(models::nan_after{});
  // t_nan = 10 first, then 0.5 from t = 1: NaN from the restart at t = 1 on.
  const auto tr = s.solve(odesynth::parameter_schedule{{1.0}, {{10.0}, {0.5}}}, {1.0},
                          time_grid::linspace(0, 2, 5));
  CHECK(tr.status() == odesynth::solve_status::non_finite);
  CHECK_THAT(tr.message(), Catch::Contains("parameter switch") && Catch::Contains("t = 1"));
  CHECK(tr.mask().col(0).head(3).all());  // t = 0, 0.5, 1 are data
  CHECK_FALSE(tr.mask().col(0).tail(2).any());
  CHECK(tr.consistent());
}

TEST_CASE("derivative noise: constant stretches per interval and per species", "[process_noise]") {
  const odesynth::with_derivative_noise<still> noisy(still{},
                                                     {dist::normal{0, 1.0}, 1.0, {}, false});
  STATIC_REQUIRE(odesynth::model_traits<decltype(noisy)>::param_size == 2);
  CHECK(noisy.parameters() == std::vector<std::string>{"a.dxdt_noise", "b.dxdt_noise"});
  const auto grid = time_grid::linspace(0.5, 4.5, 9);
  random_stream s(1, 0, stream_purpose::process_noise);
  const auto schedule = noisy.schedule({}, grid, s);
  CHECK(schedule.switch_times == std::vector<double>{1, 2, 3, 4});
  REQUIRE(schedule.num_segments() == 5);
  const auto tr = odesynth::solver(noisy).solve(schedule, {0.0, 0.0}, grid);
  REQUIRE(tr.ok());
  // x(t) is the integral of the piecewise-constant forcing: check at t = 3.5.
  const double expected = 0.5 * schedule.values[0][0] + schedule.values[1][0] +
                          schedule.values[2][0] + 0.5 * schedule.values[3][0];
  CHECK(tr.values()(6, 0) == Approx(expected).margin(1e-12));
  CHECK(schedule.values[1][0] != schedule.values[1][1]);  // per species

  const odesynth::with_derivative_noise<still> shared(still{},
                                                      {dist::normal{0, 1.0}, 1.0, {}, true});
  random_stream s2(1, 0, stream_purpose::process_noise);
  const auto shared_schedule = shared.schedule({}, grid, s2);
  for (const auto& v : shared_schedule.values) CHECK(v[0] == v[1]);  // SimbaML's behaviour
}

TEST_CASE("derivative noise accumulates like a random walk", "[process_noise]") {
  // x' = e_k on [k, k+1): x(8) = sum of 8 independent N(0, 0.5^2) -> variance 2. 4000
  // trajectories: the sample variance's sd is 2 sqrt(2/4000) = 0.045; 5 sd bound.
  const odesynth::with_derivative_noise<still> noisy(still{}, {dist::normal{0, 0.5}});
  const odesynth::solver<odesynth::with_derivative_noise<still>> solver(noisy);
  const auto grid = time_grid::linspace(0, 8, 9);
  std::vector<double> end;
  for (std::uint64_t i = 0; i < 4000; ++i) {
    random_stream s(3, i, stream_purpose::process_noise);
    const auto tr = solver.solve(noisy.schedule({}, grid, s), {0.0, 0.0}, grid);
    REQUIRE(tr.ok());
    end.push_back(tr.values()(8, 1));
  }
  const auto st = process_stats_of(end);
  CHECK(std::fabs(st.mean) < 5 * std::sqrt(2.0 / 4000));
  CHECK(std::fabs(st.variance - 2.0) < 5 * 2.0 * std::sqrt(2.0 / 4000));
}

TEST_CASE("derivative noise can multiply the derivative and is reproducible", "[process_noise]") {
  // x' = -k x (1 + e): with e = c constant, x = exp(-k (1 + c) t).
  const odesynth::with_derivative_noise<models::decay> noisy(
      models::decay{},
      {dist::constant{0.5}, 1.0, odesynth::derivative_noise::mode::multiplicative});
  const auto grid = time_grid::linspace(0, 3, 4);
  random_stream s(4, 0, stream_purpose::process_noise);
  solve_options tight;
  tight.abs_tol = 1e-14;
  const auto tr = odesynth::solver(noisy, tight).solve(noisy.schedule({2.0}, grid, s), {1.0}, grid);
  REQUIRE(tr.ok());
  CHECK(tr.values()(3, 0) == Approx(std::exp(-2.0 * 1.5 * 3)).epsilon(1e-5));

  const odesynth::with_derivative_noise<models::decay> random(models::decay{},
                                                              {dist::normal{0, 1}});
  auto run = [&](std::uint64_t index) {
    random_stream r(9, index, stream_purpose::process_noise);
    return odesynth::solver(random).solve(random.schedule({1.0}, grid, r), {1.0}, grid);
  };
  CHECK(run(1).values() == run(1).values());
  CHECK(run(1).values() != run(2).values());
}

TEST_CASE("derivative noise settings are validated", "[process_noise][input]") {
  CHECK_THROWS_WITH((odesynth::with_derivative_noise<still>(still{}, {dist::normal{0, 1}, 0.0})),
                    Catch::Contains("derivative_noise.interval") && Catch::Contains("= 0"));
  CHECK_THROWS_WITH(
      (odesynth::with_derivative_noise<still>(
          still{}, {odesynth::per_species<odesynth::distribution>{{"wolf", dist::normal{0, 1}}}})),
      Catch::Contains("derivative_noise.noise") && Catch::Contains("\"wolf\""));
  CHECK_THROWS_WITH((odesynth::with_derivative_noise<still>(still{}, {dist::normal{0, -1}})),
                    Catch::Contains("derivative_noise.noise.sd") && Catch::Contains("-1"));
}

TEST_CASE("the Brownian tree refines one path and has Brownian statistics", "[sde]") {
  SECTION("a deeper tree passes through the same values") {
    odesynth::brownian_tree coarse(42, 1, 0.0, 2.0, 6), fine(42, 1, 0.0, 2.0, 9);
    for (std::uint64_t k = 0; k <= coarse.intervals(); ++k)
      CHECK(coarse.at_index(0, k) == fine.at_index(0, 8 * k));
    // Random access gives the same values as sequential access.
    odesynth::brownian_tree again(42, 1, 0.0, 2.0, 9);
    CHECK(again.at_index(0, 300) == fine.at_index(0, 300));
  }
  SECTION("W(t) ~ N(0, t) and increments are independent") {
    // 20000 keys: sample variance's sd is var sqrt(2 / n) = 1% of var; 5 sd.
    const int n = 20000;
    std::vector<double> w_half, w_end, incr;
    for (int key = 0; key < n; ++key) {
      odesynth::brownian_tree tree(static_cast<std::uint64_t>(key) * 7919u, 1, 1.0, 3.0, 5);
      const double a = tree.at(0, 2.0), b = tree.at(0, 3.0), c = tree.at(0, 2.3);
      w_half.push_back(a);
      w_end.push_back(b);
      incr.push_back(c - a);  // non-dyadic time: the bridge
    }
    CHECK(std::fabs(process_stats_of(w_half).variance - 1.0) < 5 * 1.0 * std::sqrt(2.0 / n));
    CHECK(std::fabs(process_stats_of(w_end).variance - 2.0) < 5 * 2.0 * std::sqrt(2.0 / n));
    CHECK(std::fabs(process_stats_of(incr).variance - 0.3) < 5 * 0.3 * std::sqrt(2.0 / n));
    double cov = 0;  // W(2) - W(1) and W(3) - W(2) are independent: covariance ~ 0
    for (int i = 0; i < n; ++i) cov += w_half[i] * (w_end[i] - w_half[i]);
    CHECK(std::fabs(cov / n) < 5 * std::sqrt(1.0 * 1.0 / n));
  }
}

TEST_CASE("SDE schemes converge with their strong orders on geometric Brownian motion",
          "[sde][order]") {
  // dX = lambda X dt + mu X dW, X(0) = 1: X(T) = exp((lambda - mu^2/2) T + mu W(T)), with W(T)
  // the tree's root value. Strong error E|X_h(T) - X(T)| over 1000 paths for h = 2^-4..2^-9
  // (Kloeden & Platen's classic test: Euler-Maruyama 1/2, Milstein 1). The Monte Carlo error
  // of each mean is < 5% of it, which moves a fitted slope by well under the 0.15 allowed.
  const double lambda = 2.0, mu = 1.0, T = 1.0;
  const int paths = 1000;
  auto strong_errors = [&](odesynth::sde_scheme scheme) {
    std::vector<double> steps, errors;
    for (int depth = 4; depth <= 9; ++depth) {
      odesynth::sde_options o;
      o.scheme = scheme;
      o.dt = T / std::ldexp(1.0, depth);
      const odesynth::sde_solver<models::decay> sde(
          models::decay{}, odesynth::diffusion{odesynth::diffusion::kind::multiplicative, mu}, o);
      const auto grid = time_grid::from_times({T}).with_start(0.0);
      double sum = 0;
      for (int i = 0; i < paths; ++i) {
        const auto key = static_cast<std::uint64_t>(1000003 * i + 17);
        const auto tr = sde.solve_with_key({-lambda}, {1.0}, grid, key);
        REQUIRE(tr.ok());
        odesynth::brownian_tree tree(key, 1, 0.0, T, depth);
        const double exact =
            std::exp((lambda - 0.5 * mu * mu) * T + mu * tree.at_index(0, tree.intervals()));
        sum += std::fabs(tr.values()(0, 0) - exact);
      }
      steps.push_back(o.dt);
      errors.push_back(sum / paths);
    }
    return process_noise_log_log_slope(steps, errors);
  };
  const double euler = strong_errors(odesynth::sde_scheme::euler_maruyama);
  const double milstein = strong_errors(odesynth::sde_scheme::milstein);
  CAPTURE(euler, milstein);
  CHECK(std::fabs(euler - 0.5) < 0.15);
  CHECK(std::fabs(milstein - 1.0) < 0.15);
}

TEST_CASE("an Ornstein-Uhlenbeck process reaches its stationary variance", "[sde]") {
  // dX = -theta X dt + sigma dW: stationary variance sigma^2 / (2 theta) = 0.25. X(10) after
  // starting at 0 has variance 0.25 (1 - e^-20). 4000 paths: sd of the sample variance is
  // 0.25 sqrt(2 / 4000) = 0.0056; 5 sd, plus the discretisation bias of Euler-Maruyama with
  // h = 2^-7 (relative theta h / 2 = 0.4%).
  odesynth::sde_options o;
  o.dt = 0.01;
  o.scheme = odesynth::sde_scheme::euler_maruyama;
  const odesynth::sde_solver<models::decay> ou(
      models::decay{}, odesynth::diffusion{odesynth::diffusion::kind::additive, 1.0}, o);
  const auto grid = time_grid::linspace(0, 10, 11);
  std::vector<double> end;
  for (std::uint64_t i = 0; i < 4000; ++i) {
    random_stream s(5, i, stream_purpose::process_noise);
    end.push_back(ou.solve({2.0}, {0.0}, grid, s).values()(10, 0));
  }
  const auto st = process_stats_of(end);
  CHECK(std::fabs(st.mean) < 5 * std::sqrt(0.25 / 4000));
  CHECK(std::fabs(st.variance - 0.25) < 5 * 0.25 * std::sqrt(2.0 / 4000) + 0.25 * 0.004);
}

TEST_CASE("SDE solves report exactly at the requested times and are reproducible", "[sde]") {
  const odesynth::sde_solver<models::lotka_volterra> sde(
      models::lotka_volterra{}, odesynth::per_species<odesynth::diffusion>{
                                    {"prey", {odesynth::diffusion::kind::square_root, 0.2}}});
  const auto grid = time_grid::from_times({0.0, 0.33, 1.0, 2.71, 5.0});
  auto run = [&](std::uint64_t index) {
    random_stream s(8, index, stream_purpose::process_noise);
    return sde.solve({1.5, 1.0, 3.0, 1.0}, {10.0, 5.0}, grid, s);
  };
  const auto a = run(1), b = run(1), c = run(2);
  REQUIRE(a.ok());
  CHECK(a.times()[3] == 2.71);
  CHECK(a.values() == b.values());
  CHECK(a.values() != c.values());
  CHECK(a.mask().all());
  CHECK(a.values()(0, 0) == 10.0);
  CHECK(sde.steps_for(grid) == 8192);  // 5 / 2^13 <= 1e-3
}

TEST_CASE("SDE settings are validated and failures are statuses", "[sde][input]") {
  using odesynth::diffusion;
  odesynth::sde_options bad;
  bad.dt = 0;
  CHECK_THROWS_WITH((odesynth::sde_solver<models::decay>(models::decay{}, diffusion{}, bad)),
                    Catch::Contains("sde_options.dt") && Catch::Contains("= 0"));
  CHECK_THROWS_WITH((odesynth::sde_solver<models::decay>(
                        models::decay{}, diffusion{diffusion::kind::additive, -1.0})),
                    Catch::Contains("sde_solver.diffusion.sigma") && Catch::Contains("-1"));
  CHECK_THROWS_WITH((odesynth::sde_solver<models::decay>(
                        models::decay{}, odesynth::per_species<diffusion>{{"y", diffusion{}}})),
                    Catch::Contains("sde_solver.diffusion") && Catch::Contains("\"y\""));

  odesynth::sde_options few;
  few.max_steps = 100;
  const odesynth::sde_solver<models::decay> capped(models::decay{}, diffusion{}, few);
  random_stream s(1, 0, stream_purpose::process_noise);
  const auto tr = capped.solve({1.0}, {1.0}, time_grid::linspace(0, 10, 3), s);
  CHECK(tr.status() == odesynth::solve_status::max_steps);
  CHECK(tr.mask().row(0).all());
  CHECK_FALSE(tr.mask().row(1).any());

  // Blow-up: x' = x^2 with noise reaches infinity.
  const odesynth::sde_solver<models::blow_up> explode(models::blow_up{},
                                                      diffusion{diffusion::kind::additive, 0.1});
  const auto boom = explode.solve({}, {1.0}, time_grid::linspace(0, 3, 4), s);
  CHECK(boom.status() == odesynth::solve_status::non_finite);
  CHECK(boom.consistent());
}
