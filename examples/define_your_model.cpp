// Define your own model, twice: as a class with an analytic Jacobian, and as a lambda; solve
// both, check that they agree, write them as CSV, and see what odesynth says about bad names.
//
//   define_your_model [output-folder]        (default: the current directory)
//
// Writes define_your_model_class.csv and define_your_model_lambda.csv. The model is the
// genetic toggle switch of Gardner, Cantor and Collins (2000), "Construction of a genetic
// toggle switch in Escherichia coli", Nature 403:339-342: two repressors that repress each
// other's promoter, in the paper's dimensionless form
//   u' = alpha1 / (1 + v^beta) - u,      v' = alpha2 / (1 + u^gamma) - v.
// With strong promoters and cooperative repression the switch is bistable: whichever
// repressor starts ahead wins, which is what makes it a memory.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <odesynth/odesynth.hpp>
#include <string>
#include <vector>

// --- 1. a model as a class --------------------------------------------------------------------
// Names as static arrays (fixed size: the state is a std::array, no heap while solving),
// parameters as an argument (one model object serves every sample and thread), and an
// analytic Jacobian for the stiff stepper. Both functions are templates because odesynth calls
// them with std::array and with Eigen types.
struct toggle_switch {
  static constexpr std::string_view name = "toggle_switch";
  static constexpr std::array<std::string_view, 2> species{"repressor_u", "repressor_v"};
  static constexpr std::array<std::string_view, 4> parameters{"alpha1", "alpha2", "beta", "gamma"};

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    // A level can dip a rounding error below zero; pow of a negative base with a non-integer
    // exponent would be NaN.
    const double u = std::max(0.0, static_cast<double>(x[0]));
    const double v = std::max(0.0, static_cast<double>(x[1]));
    dxdt[0] = p[0] / (1 + std::pow(v, p[2])) - x[0];
    dxdt[1] = p[1] / (1 + std::pow(u, p[3])) - x[1];
  }

  // J arrives zero-filled: set the non-zero entries J(i, j) = d(dx_i/dt) / dx_j.
  template <class State, class Matrix, class Params>
  void jacobian(const State& x, Matrix& J, double /*t*/, const Params& p) const {
    const double u = std::max(0.0, static_cast<double>(x[0]));
    const double v = std::max(0.0, static_cast<double>(x[1]));
    const double vb = std::pow(v, p[2]), ug = std::pow(u, p[3]);
    J(0, 0) = -1;
    J(0, 1) = v > 0 ? -p[0] * p[2] * vb / v / ((1 + vb) * (1 + vb)) : 0.0;
    J(1, 0) = u > 0 ? -p[1] * p[3] * ug / u / ((1 + ug) * (1 + ug)) : 0.0;
    J(1, 1) = -1;
  }
};

// A hand-written Jacobian is the easiest thing to get wrong, and a wrong one does not fail
// loudly: the stiff stepper just takes more, smaller steps. Compare it with central
// differences at a few states before trusting it.
double worst_jacobian_error(const toggle_switch& m, const std::array<double, 4>& p) {
  double worst = 0;
  for (const std::array<double, 2> x : {std::array<double, 2>{0.5, 2.0}, {3.0, 0.2}, {1.0, 1.0}}) {
    Eigen::Matrix2d analytic = Eigen::Matrix2d::Zero();
    m.jacobian(x, analytic, 0.0, p);
    for (int j = 0; j < 2; ++j) {
      const double h = 1e-6 * std::max(1.0, x[j]);
      std::array<double, 2> up = x, down = x, f_up{}, f_down{};
      up[j] += h;
      down[j] -= h;
      m(up, f_up, 0.0, p);
      m(down, f_down, 0.0, p);
      for (int i = 0; i < 2; ++i) {
        const double numeric = (f_up[i] - f_down[i]) / (2 * h);
        worst = std::max(worst, std::fabs(numeric - analytic(i, j)) / (1 + std::fabs(numeric)));
      }
    }
  }
  return worst;
}

double max_difference(const odesynth::trajectory& a, const odesynth::trajectory& b) {
  return (a.values() - b.values()).cwiseAbs().maxCoeff();
}

// Builds something that must be rejected; returns true if it threw odesynth::invalid_argument
// (printing the message, which names the field and the value), false if it was accepted.
bool rejected(const char* what, const std::function<void()>& build) {
  try {
    build();
  } catch (const odesynth::invalid_argument& e) {
    fmt::print("  {:<34} -> {}\n", what, e.what());
    return true;
  }
  fmt::print(stderr, "  {:<34} -> accepted, but it should have been rejected\n", what);
  return false;
}

// Fixed-size class models are validated when first used (here: when a solver is made).
struct badly_named {
  static constexpr std::array<std::string_view, 2> species{"mRNA", "mRNA"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double, const Params& p) const {
    dxdt[0] = -p[0] * x[0];
    dxdt[1] = p[0] * x[0];
  }
};

int main(int argc, char** argv) try {
  const std::filesystem::path folder = argc > 1 ? argv[1] : ".";
  std::filesystem::create_directories(folder);
  bool ok = true;

  // Strong, cooperative repression (Gardner et al., Fig. 1: bistability needs beta, gamma > 1
  // and promoter strengths well above 1; these values are illustrative). v starts ahead.
  const std::array<double, 4> p{10.0, 10.0, 2.0, 2.0};
  const std::array<double, 2> x0{0.5, 2.0};
  const auto grid = odesynth::time_grid::linspace(0.0, 20.0, 201);

  const double jac_error = worst_jacobian_error(toggle_switch{}, p);
  fmt::print("analytic Jacobian vs central differences: worst relative error {:.1e}\n", jac_error);
  ok &= jac_error < 1e-6;

  // --- solve the class twice: Rosenbrock 4 uses the Jacobian, Dormand-Prince does not ------
  // The switch is not stiff, so the default dopri5 (fifth order) takes fewer steps than the
  // fourth-order Rosenbrock method; stiff_robertson.cpp shows the opposite case.
  // Steppers are compiled in only on request: this program names the two it compares.
  using compared =
      odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4, odesynth::stepper_kind::dopri5>;
  odesynth::solve_options stiff;
  stiff.stepper = odesynth::stepper_kind::rosenbrock4;
  stiff.rel_tol = 1e-8;
  stiff.abs_tol = 1e-10;
  odesynth::solve_options explicit_rk = stiff;
  explicit_rk.stepper = odesynth::stepper_kind::dopri5;

  const auto by_class = odesynth::solve<compared>(toggle_switch{}, p, x0, grid, stiff);
  const auto by_class_dopri5 = odesynth::solve<compared>(toggle_switch{}, p, x0, grid, explicit_rk);

  // --- 2. the same model as a lambda ---------------------------------------------------------
  // make_model<S, P> fixes the sizes (std::array state, as for the class); without them the
  // model is dynamic-size (Eigen::VectorXd). No Jacobian is passed, so Rosenbrock 4 computes
  // one by central differences; make_model(name, species, parameters, rhs, jacobian) takes one.
  const auto toggle_lambda = odesynth::make_model<2, 4>(
      "toggle_switch", {"repressor_u", "repressor_v"}, {"alpha1", "alpha2", "beta", "gamma"},
      [](const auto& x, auto& dxdt, double /*t*/, const auto& q) {
        const double u = std::max(0.0, static_cast<double>(x[0]));
        const double v = std::max(0.0, static_cast<double>(x[1]));
        dxdt[0] = q[0] / (1 + std::pow(v, q[2])) - x[0];
        dxdt[1] = q[1] / (1 + std::pow(u, q[3])) - x[1];
      });
  const auto by_lambda = odesynth::solve<compared>(toggle_lambda, p, x0, grid, stiff);

  for (const auto* tr : {&by_class, &by_class_dopri5, &by_lambda})
    if (!tr->ok()) {
      fmt::print(stderr, "solve failed: {} ({})\n", *tr, tr->message());
      return 1;
    }
  const double class_vs_dopri5 = max_difference(by_class, by_class_dopri5);
  const double class_vs_lambda = max_difference(by_class, by_lambda);
  fmt::print("class,  rosenbrock4 (analytic Jacobian):   {:4} steps\n", by_class.steps());
  fmt::print("class,  dopri5      (no Jacobian needed):  {:4} steps, max |difference| {:.1e}\n",
             by_class_dopri5.steps(), class_vs_dopri5);
  fmt::print("lambda, rosenbrock4 (finite differences):  {:4} steps, max |difference| {:.1e}\n",
             by_lambda.steps(), class_vs_lambda);
  // rel_tol 1e-8 on values of order 10: the solutions agree to well below 1e-5.
  ok &= class_vs_dopri5 < 1e-5 && class_vs_lambda < 1e-5;

  // Bistability: v started ahead and wins; u is repressed to near alpha1 / (1 + v^2).
  const auto last = by_class.values().row(by_class.num_times() - 1);
  fmt::print("state at t = 20: u = {:.4f}, v = {:.4f} (v won)\n", last(0), last(1));
  ok &= last(1) > 9 && last(0) < 0.2;

  odesynth::csv_options csv;
  csv.overwrite = true;  // re-running the example replaces its own output
  odesynth::write_csv(folder / "define_your_model_class.csv", by_class, csv);
  odesynth::write_csv(folder / "define_your_model_lambda.csv", by_lambda, csv);
  fmt::print("wrote {} and {}\n", (folder / "define_your_model_class.csv").string(),
             (folder / "define_your_model_lambda.csv").string());

  // --- 3. names are checked: they become CSV headers, file names and sampler keys ------------
  auto rhs = [](const auto& x, auto& dxdt, double, const auto& q) { dxdt[0] = -q[0] * x[0]; };
  fmt::print("names odesynth rejects (each an odesynth::invalid_argument):\n");
  ok &= rejected("duplicate species", [&] { odesynth::make_model("m", {"x", "x"}, {"k"}, rhs); });
  ok &= rejected("species called time", [&] { odesynth::make_model("m", {"time"}, {"k"}, rhs); });
  ok &= rejected("comma in a name", [&] { odesynth::make_model("m", {"x,y"}, {"k"}, rhs); });
  ok &= rejected("empty parameter name", [&] { odesynth::make_model("m", {"x"}, {""}, rhs); });
  ok &= rejected("model name with a space",
                 [&] { odesynth::make_model("my model", {"x"}, {"k"}, rhs); });
  ok &= rejected("2 names for make_model<1, 1>", [&] {
    odesynth::make_model<1, 1>("m", {"x", "y"}, {"k"}, rhs);
  });
  ok &= rejected("class with duplicate species", [] { odesynth::solver<badly_named> s{{}}; });

  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "define_your_model: %s\n", e.what());
  return 1;
}
