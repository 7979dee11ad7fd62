// What auto_switch costs where it is not needed (issue 15, B.1: "make it the default if it
// costs <= 5% on non-stiff benchmarks").
//
// auto_switch on a non-stiff problem takes dopri5's steps exactly (the values are bit-equal,
// tests/unit/test_auto_switch.cpp); the difference is its stiffness test: pointer stores per
// right-hand side, a counter per step, and an O(n) norm every 20 steps. Each pair below solves
// the same 200 parameter sets (+-10% around the nominal values) with the same options, once
// with dopri5 and once with auto_switch, at SimbaML's tolerance (rel_tol 1e-3) and odesynth's
// default (1e-6):
//   lv     SimbaML's Lotka-Volterra workload: 100 points on [0, 50], start (10, 10)
//   sir    SIR, 161 points on [0, 160]
//   chain  linear_chain(100), dynamic size (Eigen::VectorXd state), 101 points on [0, 100]
#include <odesynth/models/linear_chain.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/models/sir.hpp>
#include <odesynth/solve.hpp>
#include <string>
#include <vector>

#include "support/harness.hpp"

namespace {

constexpr std::size_t solves = 200;

std::vector<std::vector<double>> spread(const std::vector<double>& nominal) {
  std::vector<std::vector<double>> sets;
  for (std::size_t i = 0; i < solves; ++i) {
    std::vector<double> p = nominal;
    for (std::size_t k = 0; k < p.size(); ++k)
      p[k] *= 0.9 + 0.2 * static_cast<double>((i * (k + 3)) % solves) / solves;
    sets.push_back(p);
  }
  return sets;
}

template <class Model>
double solve_all(const Model& model, const std::vector<std::vector<double>>& sets,
                 const std::vector<double>& x0, const odesynth::time_grid& grid,
                 odesynth::stepper_kind kind, double rel_tol) {
  odesynth::solve_options o;
  o.stepper = kind;
  o.rel_tol = rel_tol;
  o.abs_tol = rel_tol * 1e-2;
  const odesynth::solver<Model, odesynth::default_steppers> s(model, o);
  double sum = 0;
  for (const auto& p : sets) {
    const auto tr = s.solve(p, x0, grid);
    sum += tr.values()(tr.num_times() - 1, 0);
  }
  return sum;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = harness::take_quick_flag(argc, argv);
  using odesynth::stepper_kind;

  const auto lv_sets = spread({1.1, 0.4, 0.4, 0.1});
  const auto lv_grid = odesynth::time_grid::linspace(0, 50, 100);
  const std::vector<double> lv_x0{10, 10};
  const auto sir_sets = spread({0.3, 0.1});
  const auto sir_grid = odesynth::time_grid::linspace(0, 160, 161);
  const std::vector<double> sir_x0{0.99, 0.01, 0};
  const odesynth::models::linear_chain chain(100);
  const auto chain_sets = spread({1.0});
  const auto chain_grid = odesynth::time_grid::linspace(0, 100, 101);
  std::vector<double> chain_x0(100, 0.0);
  chain_x0[0] = 1;

  const std::vector<std::string> models{"lv", "sir", "chain"};
  for (double rtol : {1e-3, 1e-6})
    for (stepper_kind kind : {stepper_kind::dopri5, stepper_kind::auto_switch}) {
      const std::string suffix = fmt::format("_{}_{:g}", odesynth::to_string(kind), rtol);
      harness::add("lv" + suffix, solves, [&, kind, rtol] {
        return solve_all(odesynth::models::lotka_volterra{}, lv_sets, lv_x0, lv_grid, kind, rtol);
      });
      harness::add("sir" + suffix, solves, [&, kind, rtol] {
        return solve_all(odesynth::models::sir{}, sir_sets, sir_x0, sir_grid, kind, rtol);
      });
      harness::add("chain" + suffix, solves, [&, kind, rtol] {
        return solve_all(chain, chain_sets, chain_x0, chain_grid, kind, rtol);
      });
    }

  auto r = harness::run(argc, argv, quick);
  const auto per = static_cast<double>(solves);
  for (double rtol : {1e-3, 1e-6})
    for (const auto& m : models) {
      const std::string d = fmt::format("{}_dopri5_{:g}", m, rtol),
                        a = fmt::format("{}_auto_switch_{:g}", m, rtol);
      if (!r.count(d) || !r.count(a)) continue;
      const double ratio = r[a].median / r[d].median;
      harness::result("9 auto_switch", fmt::format("{} rel_tol {:g}: dopri5 per solve", m, rtol),
                      harness::duration(r[d].median / per), harness::spread(r[d]), "", "");
      harness::result("9 auto_switch",
                      fmt::format("{} rel_tol {:g}: auto_switch per solve", m, rtol),
                      harness::duration(r[a].median / per), harness::spread(r[a]), "", "");
      harness::result(
          "9 auto_switch",
          fmt::format("{} rel_tol {:g}: auto_switch / dopri5 (medians, this run)", m, rtol),
          fmt::format("{:.3f}", ratio), "", "<= 1.05", ratio <= 1.05 ? "met" : "MISSED");
    }
  return 0;
}
