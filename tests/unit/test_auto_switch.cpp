// stepper_kind::auto_switch: dopri5 until stiff, rosenbrock4 until no longer stiff. It must
// (1) leave non-stiff solves exactly as dopri5 solves them, (2) finish stiff solves that
// dopri5 cannot, with rosenbrock4's accuracy, (3) say where it switched, and (4) switch back
// when the stiffness ends.
#include <catch2/catch.hpp>
#include <cmath>
#include <odesynth/detail/auto_switch.hpp>
#include <odesynth/distributions.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/lambda_model.hpp>
#include <odesynth/models/linear_chain.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/models/van_der_pol.hpp>
#include <odesynth/provenance.hpp>
#include <odesynth/solve.hpp>
#include <string>
#include <vector>

using odesynth::all_steppers;
using odesynth::method_interval;
using odesynth::solve_options;
using odesynth::solve_status;
using odesynth::stepper_kind;
using odesynth::time_grid;

namespace {

solve_options switch_with(stepper_kind k, double rel_tol = 1e-6, double abs_tol = 1e-8) {
  solve_options o;
  o.stepper = k;
  o.rel_tol = rel_tol;
  o.abs_tol = abs_tol;
  return o;
}

// Largest |a - b| / (atol + rtol |b|) over every value: 1 means "at the tolerance".
double switch_scaled_difference(const odesynth::trajectory& a, const odesynth::trajectory& b,
                                double rtol, double atol) {
  double worst = 0;
  for (Eigen::Index i = 0; i < a.values().rows(); ++i)
    for (Eigen::Index j = 0; j < a.values().cols(); ++j) {
      const double d = std::fabs(a.values()(i, j) - b.values()(i, j));
      worst = std::max(worst, d / (atol + rtol * std::fabs(b.values()(i, j))));
    }
  return worst;
}

bool ran(const odesynth::trajectory& tr, stepper_kind k) {
  for (const auto& m : tr.methods())
    if (m.stepper == k) return true;
  return false;
}

}  // namespace

TEST_CASE("auto_switch leaves a non-stiff solve exactly as dopri5 solves it") {
  // Lotka-Volterra over 50 time units takes hundreds of steps: the stiffness test runs (every
  // 20 steps) and must never fire. Same steps, same values, bit for bit.
  const odesynth::models::lotka_volterra lv;
  const auto grid = time_grid::linspace(0, 50, 101);
  const std::vector<double> p{1.1, 0.4, 0.4, 0.1}, x0{10, 10};
  for (double rtol : {1e-3, 1e-6, 1e-9}) {
    const auto a =
        odesynth::solve<all_steppers>(lv, p, x0, grid, switch_with(stepper_kind::dopri5, rtol));
    const auto b = odesynth::solve<all_steppers>(lv, p, x0, grid,
                                                 switch_with(stepper_kind::auto_switch, rtol));
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    CHECK(b.steps() == a.steps());
    CHECK(b.steps() > 2 * odesynth::detail::auto_switch_rules::test_interval);
    CHECK(b.methods().empty());
    CHECK((b.values().array() == a.values().array()).all());
  }
}

TEST_CASE("auto_switch finishes Robertson where dopri5 runs out of steps") {
  // Robertson to t = 1e5: dopri5's steps are held near 3.3 / |lambda| (|lambda| ~ 1e4 once y3
  // grows), so 1e5 time units need far more than 20 000 steps; rosenbrock4 needs a few hundred.
  const odesynth::models::robertson rob;
  const auto grid = time_grid::logspace(1e-5, 1e5, 41).with_start(0);
  const std::vector<double> k{0.04, 3e7, 1e4}, x0{1, 0, 0};
  auto capped = [](stepper_kind kind) {
    auto o = switch_with(kind, 1e-6, 1e-10);
    o.max_steps = 20000;
    return o;
  };
  const auto dopri = odesynth::solve<all_steppers>(rob, k, x0, grid, capped(stepper_kind::dopri5));
  CHECK(dopri.status() == solve_status::max_steps);

  const auto automatic =
      odesynth::solve<all_steppers>(rob, k, x0, grid, capped(stepper_kind::auto_switch));
  REQUIRE(automatic.ok());
  CHECK(automatic.steps() < 2000);
  REQUIRE(automatic.methods().size() >= 2);
  CHECK(automatic.methods().front() == method_interval{0.0, stepper_kind::dopri5});
  CHECK(automatic.methods()[1].stepper == stepper_kind::rosenbrock4);
  // The initial transient (about 1e-3 time units) is not stiff yet for dopri5's steps there;
  // the switch comes once steps are held by stability, well before t = 1.
  CHECK(automatic.methods()[1].from > 0);
  CHECK(automatic.methods()[1].from < 1.0);

  // Against rosenbrock4 alone at a tolerance 1000x tighter: within a few tolerances.
  const auto reference = odesynth::solve<all_steppers>(
      rob, k, x0, grid, switch_with(stepper_kind::rosenbrock4, 1e-9, 1e-13));
  REQUIRE(reference.ok());
  CHECK(switch_scaled_difference(automatic, reference, 1e-6, 1e-10) < 20);
  // Mass is conserved by both methods' arithmetic (derivatives sum to zero).
  for (Eigen::Index i = 0; i < automatic.values().rows(); ++i)
    CHECK(automatic.values().row(i).sum() == Approx(1.0).margin(1e-9));
}

TEST_CASE("auto_switch goes back to dopri5 when the stiffness ends") {
  // Van der Pol with mu = 1000 alternates slow stiff stretches with fast jumps (period about
  // 1614 for mu = 1000: (3 - 2 ln 2) mu). Over two periods the solve must switch to rosenbrock4
  // on the slow branch and back to dopri5 for a jump at least once.
  const odesynth::models::van_der_pol vdp;
  const auto grid = time_grid::linspace(0, 3000, 301);
  const std::vector<double> mu{1000}, x0{2, 0};
  const auto automatic = odesynth::solve<all_steppers>(
      vdp, mu, x0, grid, switch_with(stepper_kind::auto_switch, 1e-6, 1e-8));
  REQUIRE(automatic.ok());
  const auto& m = automatic.methods();
  REQUIRE(m.size() >= 3);
  for (std::size_t i = 1; i < m.size(); ++i) {
    CHECK(m[i].from > m[i - 1].from);
    CHECK(m[i].stepper != m[i - 1].stepper);
  }
  CHECK(ran(automatic, stepper_kind::rosenbrock4));

  const auto reference = odesynth::solve<all_steppers>(
      vdp, mu, x0, grid, switch_with(stepper_kind::rosenbrock4, 1e-10, 1e-12));
  REQUIRE(reference.ok());
  // The jumps make the solution's timing sensitive: compare x1, which is O(1), with a loose
  // absolute bound (a jump shifted by dt moves x1 by up to its full swing near the jump).
  double worst = 0;
  for (Eigen::Index i = 0; i < automatic.values().rows(); ++i)
    worst = std::max(worst, std::fabs(automatic.values()(i, 0) - reference.values()(i, 0)));
  CHECK(worst < 1e-2);
}

TEST_CASE("auto_switch stays with dopri5 when a large system is stiff too briefly to pay") {
  // A 300-species chain at k = 2 over [0, 600] ends up held at dopri5's stability limit
  // (h ~ 3.3 / k) once its transients have decayed: stiff by Hairer's test. But the rest of the
  // interval is a few hundred dopri5 steps, less than ten rosenbrock4 steps with a 300 x 300 LU:
  // it must not switch (before the cost check it did, and was 40x slower at 500 species).
  const odesynth::models::linear_chain chain(300);
  std::vector<double> x0(300, 0.0);
  x0[0] = 1;
  const auto grid = time_grid::linspace(0, 600, 121);
  const std::vector<double> k{2.0};
  const auto dopri = odesynth::solve<all_steppers>(chain, k, x0, grid,
                                                   switch_with(stepper_kind::dopri5, 1e-8, 1e-12));
  const auto automatic = odesynth::solve<all_steppers>(
      chain, k, x0, grid, switch_with(stepper_kind::auto_switch, 1e-8, 1e-12));
  REQUIRE(automatic.ok());
  CHECK(automatic.methods().empty());
  CHECK(automatic.steps() == dopri.steps());
  CHECK((automatic.values().array() == dopri.values().array()).all());
  // The cost model behind it: flop estimates, the same on every machine.
  const auto small = odesynth::detail::switch_costs::of(3, true);
  const auto large = odesynth::detail::switch_costs::of(300, true);
  CHECK(small.rosenbrock4_step / small.dopri5_step < 3);
  CHECK(large.rosenbrock4_step / large.dopri5_step > 500);
}

TEST_CASE("the stiffness test fires on a stiff linear decay and not on a mild one") {
  // x' = -lambda (x - cos t): dopri5's steps settle at about 3.3 / lambda for lambda = 1e4
  // (stiff) but follow the accuracy for lambda = 1.
  auto decay = odesynth::make_model("decay", {"x"}, {"lambda"},
                                    [](const auto& x, auto& dxdt, double t, const auto& p) {
                                      dxdt[0] = -p[0] * (x[0] - std::cos(t));
                                    });
  const auto grid = time_grid::linspace(0, 10, 11);
  const std::vector<double> x0{0};
  const auto stiff = odesynth::solve<all_steppers>(decay, std::vector<double>{1e4}, x0, grid,
                                                   switch_with(stepper_kind::auto_switch));
  REQUIRE(stiff.ok());
  REQUIRE(stiff.methods().size() >= 2);
  CHECK(stiff.methods()[1].stepper == stepper_kind::rosenbrock4);
  // Detected within the first test interval plus the 15-step streak, at steps ~3.3e-4 long.
  CHECK(stiff.methods()[1].from < 100 * 3.3e-4);

  const auto mild =
      odesynth::solve<all_steppers>(decay, std::vector<double>{1.0}, x0, grid,
                                    switch_with(stepper_kind::auto_switch, 1e-10, 1e-12));
  REQUIRE(mild.ok());
  CHECK(mild.methods().empty());
}

TEST_CASE("auto_switch records its methods across a parameter schedule") {
  // Stiff in the first stretch (lambda = 1e4), mild in the second (lambda = 1): every segment
  // starts with dopri5, so the record shows rosenbrock4 then dopri5 from the switch on.
  auto decay = odesynth::make_model("decay", {"x"}, {"lambda"},
                                    [](const auto& x, auto& dxdt, double t, const auto& p) {
                                      dxdt[0] = -p[0] * (x[0] - std::cos(t));
                                    });
  odesynth::parameter_schedule schedule;
  schedule.switch_times = {5.0};
  schedule.values = {{1e4}, {1.0}};
  const odesynth::solver<decltype(decay), all_steppers> s(decay,
                                                          switch_with(stepper_kind::auto_switch));
  const auto tr = s.solve(schedule, std::vector<double>{0}, time_grid::linspace(0, 10, 21));
  REQUIRE(tr.ok());
  const auto& m = tr.methods();
  REQUIRE(m.size() >= 3);
  CHECK(m.front().from == 0.0);
  CHECK(m.back().stepper == stepper_kind::dopri5);
  CHECK(m.back().from <= 5.0);
}

TEST_CASE("a failure after the switch says which method was running") {
  // Stiff decay that turns NaN at t = 2: the failure happens under rosenbrock4.
  auto broken = odesynth::make_model("broken", {"x"}, {"lambda"},
                                     [](const auto& x, auto& dxdt, double t, const auto& p) {
                                       dxdt[0] = t > 2 ? std::nan("") : -p[0] * (x[0] - 1);
                                     });
  const auto tr = odesynth::solve<all_steppers>(
      broken, std::vector<double>{1e4}, std::vector<double>{0}, time_grid::linspace(0, 4, 5),
      switch_with(stepper_kind::auto_switch));
  CHECK_FALSE(tr.ok());
  CHECK(tr.message().find("auto_switch: running rosenbrock4 since t = ") != std::string::npos);
  CHECK(tr.mask().row(4).any() == false);
}

TEST_CASE("auto_switch is a stepper name in options text and metadata") {
  CHECK(odesynth::parse_stepper_kind("auto_switch") == stepper_kind::auto_switch);
  CHECK(odesynth::to_string(stepper_kind::auto_switch) == "auto_switch");
  CHECK(all_steppers::contains(stepper_kind::auto_switch));
  // The default: first in the default set, so an unset stepper runs it.
  CHECK(odesynth::default_steppers::first == stepper_kind::auto_switch);
  CHECK(odesynth::solver<odesynth::models::robertson>(odesynth::models::robertson{}, {})
            .options()
            .stepper == stepper_kind::auto_switch);

  // A dataset of stiff trajectories records auto_switch, and its metadata rebuilds a generator
  // that gives the same values (the switches happen at the same steps).
  odesynth::sampler samples(odesynth::models::robertson{});
  samples.parameter("k1", odesynth::dist::uniform{0.036, 0.044})
      .parameter("k2", 3e7)
      .parameter("k3", 1e4)
      .initial_value("y1", 1.0)
      .initial_value("y2", 0.0)
      .initial_value("y3", 0.0);
  odesynth::solve_options o;
  o.abs_tol = 1e-10;
  const auto g = odesynth::make_generator(odesynth::models::robertson{}, o, samples,
                                          time_grid::logspace(1e-3, 1e3, 13).with_start(0));
  const auto first = g.collect(0, 3);
  for (const auto& tr : first) {
    REQUIRE(tr.ok());
    CHECK(ran(tr, stepper_kind::rosenbrock4));
  }
  const std::string text = odesynth::dataset_metadata(g, 0, 3, g.run(0, 3, [](auto, auto&&) {}));
  using odesynth::detail::json;
  CHECK(json::parse(text).at("solver", "").at("stepper", "").as_string("") == "auto_switch");
  const auto again = odesynth::generator_from_metadata(odesynth::models::robertson{}, text);
  const auto second = again.collect(0, 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(second[i].values() == first[i].values());
    CHECK(second[i].methods() == first[i].methods());
  }
}
