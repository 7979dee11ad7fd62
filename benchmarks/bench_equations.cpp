// Runtime models from text (equations.hpp) against the same models written as C++ types
// (issue 14, item 1: within 2x).
//
// Each pair solves the same 200 parameter sets with the same solver options onto the same
// grid: SIR and Lotka-Volterra with dopri5 (a C++ model is fixed-size, std::array state; the
// text model is dynamic-size, Eigen::VectorXd state, and evaluates its tape), Robertson with
// rosenbrock4 and each side's analytic Jacobian (hand-written / symbolic). A third column for
// SIR and LV is the C++ model made dynamic-size (the same right-hand side behind
// species()/parameters() member functions), which separates the cost of the tape from the
// cost of the dynamic state. A fourth and fifth (SIR, LV) run the C++ model and the text
// model behind any_model, as odesynth-generate and the Python module do: the price of one
// indirect call per right-hand side. The last, for all three, is the text model with its sizes
// fixed at compile time (fixed_size_model.hpp): std::array state, as the C++ type has.
#include <array>
#include <odesynth/any_model.hpp>
#include <odesynth/equations.hpp>
#include <odesynth/fixed_size_model.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/models/sir.hpp>
#include <odesynth/solve.hpp>
#include <string>
#include <vector>

#include "support/harness.hpp"

namespace {

constexpr std::size_t solves = 200;

/// A fixed-size model's right-hand side behind run-time names: a dynamic-size model.
template <class Model>
struct dynamic_copy {
  std::vector<std::string> species() const {
    return {Model::species.begin(), Model::species.end()};
  }
  std::vector<std::string> parameters() const {
    return {Model::parameters.begin(), Model::parameters.end()};
  }
  std::string name() const { return std::string(Model::name); }
  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double t, const Params& p) const {
    Model{}(x, dxdt, t, p);
  }
};

/// 200 parameter sets spread over +-10% of `nominal`, the same for every side.
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

template <class Steppers = odesynth::default_steppers, class Model>
double solve_all(const Model& model, const std::vector<std::vector<double>>& sets,
                 const std::vector<double>& x0, const odesynth::time_grid& grid,
                 const odesynth::solve_options& options) {
  const odesynth::solver<Model, Steppers> s(model, options);
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
  using harness::add;

  const auto sir_text = odesynth::parse_equations(R"(
    dS = -beta*S*I/(S + I + R)
    dI = beta*S*I/(S + I + R) - gamma*I
    dR = gamma*I
  )",
                                                  "sir");
  const auto lv_text = odesynth::parse_equations(R"(
    dprey = alpha*prey - beta*prey*predator
    dpredator = delta*prey*predator - gamma*predator
  )",
                                                 "lotka_volterra");
  const auto rob_text = odesynth::parse_equations(R"(
    A -> B @ k1
    2 B -> B + C @ k2
    B + C -> A + C @ k3
  )",
                                                  "robertson");

  odesynth::solve_options o;  // defaults: auto_switch (dopri5 throughout here), rel_tol 1e-6
  const auto sir_sets = spread({1.663, 0.44});
  const auto sir_grid = odesynth::time_grid::linspace(0, 14, 100);
  const std::vector<double> sir_x0{762, 1, 0};
  add("sir_cpp", solves,
      [&] { return solve_all(odesynth::models::sir{}, sir_sets, sir_x0, sir_grid, o); });
  add("sir_cpp_dynamic", solves, [&] {
    return solve_all(dynamic_copy<odesynth::models::sir>{}, sir_sets, sir_x0, sir_grid, o);
  });
  add("sir_text", solves, [&] { return solve_all(sir_text, sir_sets, sir_x0, sir_grid, o); });
  const odesynth::any_model sir_any = odesynth::models::sir{}, sir_text_any = sir_text;
  const auto sir_fixed = odesynth::fixed_size<3, 2>(sir_text);
  add("sir_text_fixed", solves,
      [&] { return solve_all(sir_fixed, sir_sets, sir_x0, sir_grid, o); });
  add("sir_cpp_any", solves, [&] { return solve_all(sir_any, sir_sets, sir_x0, sir_grid, o); });
  add("sir_text_any", solves,
      [&] { return solve_all(sir_text_any, sir_sets, sir_x0, sir_grid, o); });

  // The text model's parameters are in order of first appearance: alpha, beta, delta, gamma.
  const auto lv_sets = spread({1.5, 1.0, 3.0, 1.0});
  std::vector<std::vector<double>> lv_text_sets;
  for (const auto& p : lv_sets) lv_text_sets.push_back({p[0], p[1], p[3], p[2]});
  const auto lv_grid = odesynth::time_grid::linspace(0, 15, 100);
  const std::vector<double> lv_x0{10, 5};
  add("lv_cpp", solves,
      [&] { return solve_all(odesynth::models::lotka_volterra{}, lv_sets, lv_x0, lv_grid, o); });
  add("lv_cpp_dynamic", solves, [&] {
    return solve_all(dynamic_copy<odesynth::models::lotka_volterra>{}, lv_sets, lv_x0, lv_grid, o);
  });
  add("lv_text", solves, [&] { return solve_all(lv_text, lv_text_sets, lv_x0, lv_grid, o); });
  const odesynth::any_model lv_any = odesynth::models::lotka_volterra{}, lv_text_any = lv_text;
  const auto lv_fixed = odesynth::fixed_size<2, 4>(lv_text);
  add("lv_text_fixed", solves,
      [&] { return solve_all(lv_fixed, lv_text_sets, lv_x0, lv_grid, o); });
  add("lv_cpp_any", solves, [&] { return solve_all(lv_any, lv_sets, lv_x0, lv_grid, o); });
  add("lv_text_any", solves,
      [&] { return solve_all(lv_text_any, lv_text_sets, lv_x0, lv_grid, o); });

  using stiff = odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>;
  odesynth::solve_options so;
  so.stepper = odesynth::stepper_kind::rosenbrock4;
  so.abs_tol = 1e-10;
  const auto rob_sets = spread({0.04, 3e7, 1e4});
  const auto rob_grid = odesynth::time_grid::logspace(1e-5, 1e5, 50).with_start(0);
  const std::vector<double> rob_x0{1, 0, 0};
  add("robertson_cpp", solves, [&] {
    return solve_all<stiff>(odesynth::models::robertson{}, rob_sets, rob_x0, rob_grid, so);
  });
  add("robertson_text", solves,
      [&] { return solve_all<stiff>(rob_text, rob_sets, rob_x0, rob_grid, so); });
  const auto rob_fixed = odesynth::fixed_size<3, 3>(rob_text);
  add("robertson_text_fixed", solves,
      [&] { return solve_all<stiff>(rob_fixed, rob_sets, rob_x0, rob_grid, so); });

  auto r = harness::run(argc, argv, quick);
  const auto per = static_cast<double>(solves);
  for (const char* model : {"sir", "lv", "robertson"}) {
    const std::string cpp = std::string(model) + "_cpp", text = std::string(model) + "_text",
                      dynamic = std::string(model) + "_cpp_dynamic";
    if (!r.count(cpp) || !r.count(text)) continue;
    const double ratio = r[text].median / r[cpp].median;
    harness::result("8 equations", fmt::format("{}: C++ model, per solve", model),
                    harness::duration(r[cpp].median / per), harness::spread(r[cpp]), "", "");
    if (r.count(dynamic))
      harness::result("8 equations", fmt::format("{}: C++ model, dynamic-size, per solve", model),
                      harness::duration(r[dynamic].median / per), harness::spread(r[dynamic]), "",
                      "");
    harness::result("8 equations", fmt::format("{}: text model, per solve", model),
                    harness::duration(r[text].median / per), harness::spread(r[text]), "", "");
    for (const std::string& erased : {cpp + "_any", text + "_any"})
      if (r.count(erased))
        harness::result(
            "8 equations",
            fmt::format("{}: any_model over the {} model, per solve (/ C++ {:.2f})", model,
                        erased == cpp + "_any" ? "C++" : "text", r[erased].median / r[cpp].median),
            harness::duration(r[erased].median / per), harness::spread(r[erased]), "", "");
    harness::result("8 equations", fmt::format("{}: text / C++ (medians, this run)", model),
                    fmt::format("{:.2f}", ratio), "", "<= 2", ratio <= 2 ? "met" : "MISSED");
    if (const std::string fixed = text + "_fixed"; r.count(fixed)) {
      const double fixed_ratio = r[fixed].median / r[cpp].median;
      harness::result("8 equations", fmt::format("{}: text, fixed sizes, per solve", model),
                      harness::duration(r[fixed].median / per), harness::spread(r[fixed]), "", "");
      harness::result(
          "8 equations", fmt::format("{}: text with fixed sizes / C++ (medians, this run)", model),
          fmt::format("{:.2f}", fixed_ratio), "", "<= 2", fixed_ratio <= 2 ? "met" : "MISSED");
    }
  }
  return 0;
}
