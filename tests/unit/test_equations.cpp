// Runtime models from text (equations.hpp): the same trajectories as the C++ models, an
// analytic Jacobian that matches finite differences, parse errors at their line and column,
// and thread-count independent datasets.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <odesynth/equations.hpp>
#include <odesynth/fixed_size_model.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/models/sir.hpp>
#include <odesynth/solve.hpp>
#include <string>
#include <vector>

#include "expect_error.hpp"

namespace {

using odesynth::parse_equations;

// Largest |a - b| relative to max(1, |b|) over every value of two trajectories.
double worst_difference(const odesynth::trajectory& a, const odesynth::trajectory& b) {
  REQUIRE(a.values().rows() == b.values().rows());
  REQUIRE(a.values().cols() == b.values().cols());
  double worst = 0;
  for (Eigen::Index i = 0; i < a.values().rows(); ++i)
    for (Eigen::Index j = 0; j < a.values().cols(); ++j)
      worst = std::max(worst, std::fabs(a.values()(i, j) - b.values()(i, j)) /
                                  std::max(1.0, std::fabs(b.values()(i, j))));
  return worst;
}

}  // namespace

TEST_CASE("equations from text solve like the same model in C++", "[equations]") {
  const auto sir = parse_equations(R"(
    # Kermack-McKendrick, frequency dependent
    dS = -beta*S*I/(S + I + R)
    dI = beta*S*I/(S + I + R) - gamma*I
    dR/dt = gamma*I
  )",
                                   "sir");
  CHECK(sir.name() == "sir");
  CHECK(sir.species() == std::vector<std::string>{"S", "I", "R"});
  CHECK(sir.parameters() == std::vector<std::string>{"beta", "gamma"});
  CHECK(sir.jacobian_nonzeros() == 7);  // dR depends on I only
  odesynth::solve_options o;
  o.rel_tol = 1e-8;
  const auto grid = odesynth::time_grid::linspace(0, 14, 141);
  const auto text = odesynth::solve(sir, {1.663, 0.44}, {762, 1, 0}, grid, o);
  const auto cpp = odesynth::solve(odesynth::models::sir{}, {1.663, 0.44}, {762, 1, 0}, grid, o);
  REQUIRE(text.ok());
  // The same arithmetic in the same order, so the same steps: equal up to floating-point
  // contraction a compiler may apply to the C++ model and not to the tape.
  CHECK(worst_difference(text, cpp) < 1e-12);

  const auto lv = parse_equations(R"(
    prey -> 2 prey @ alpha
    prey + predator -> predator @ beta
    prey + predator -> prey + 2 predator @ delta
    predator -> @ gamma
  )",
                                  "lotka_volterra");
  CHECK(lv.species() == std::vector<std::string>{"prey", "predator"});
  CHECK(lv.parameters() == std::vector<std::string>{"alpha", "beta", "delta", "gamma"});
  const auto lv_text = odesynth::solve(lv, {1.5, 1.0, 1.0, 3.0}, {10, 5}, grid, o);
  const auto lv_cpp =
      odesynth::solve(odesynth::models::lotka_volterra{}, {1.5, 1.0, 3.0, 1.0}, {10, 5}, grid, o);
  REQUIRE(lv_text.ok());
  // Mass action sums the terms in another order than the C++ model: rounding differences,
  // amplified over the run by the solver's error control (rel_tol 1e-8).
  CHECK(worst_difference(lv_text, lv_cpp) < 1e-6);
}

TEST_CASE("a reaction network with the symbolic Jacobian solves Robertson's stiff problem",
          "[equations]") {
  const auto rob = parse_equations(R"(
    A -> B @ k1
    2 B -> B + C @ k2
    B + C -> A + C @ k3
  )",
                                   "robertson");
  CHECK(rob.describe() ==
        "dA = k3 * B * C - k1 * A\ndB = k1 * A - k2 * B^2 - k3 * B * C\ndC = k2 * B^2\n");
  using stiff = odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>;
  odesynth::solve_options o;
  o.stepper = odesynth::stepper_kind::rosenbrock4;
  o.rel_tol = 1e-8;
  o.abs_tol = 1e-12;
  const auto grid = odesynth::time_grid::linspace(0, 40, 41);
  const auto text = odesynth::solve<stiff>(rob, {0.04, 3e7, 1e4}, {1, 0, 0}, grid, o);
  const auto cpp =
      odesynth::solve<stiff>(odesynth::models::robertson{}, {0.04, 3e7, 1e4}, {1, 0, 0}, grid, o);
  REQUIRE(text.ok());
  CHECK(worst_difference(text, cpp) < 1e-9);

  // The symbolic Jacobian is the hand-written one of models::robertson at any state.
  const Eigen::Vector3d y(0.7, 3e-5, 0.3);
  const Eigen::Vector3d k(0.04, 3e7, 1e4);
  Eigen::MatrixXd from_text = Eigen::MatrixXd::Zero(3, 3), by_hand = Eigen::MatrixXd::Zero(3, 3);
  rob.jacobian(Eigen::VectorXd(y), from_text, 0.0, Eigen::VectorXd(k));
  odesynth::models::robertson{}.jacobian(y, by_hand, 0.0, k);
  CHECK((from_text - by_hand).cwiseAbs().maxCoeff() <= 1e-12 * by_hand.cwiseAbs().maxCoeff());
}

TEST_CASE("the symbolic Jacobian of every function matches central differences", "[equations]") {
  const auto m = parse_equations(R"(
    dx = exp(-a*x) * sin(y) + log(1 + x^2) - sqrt(z) / (1 + y)
    dy = pow(x, y) + cos(x*z) - tan(y/4) + tanh(z - x) + abs(x - 2*y)
    dz = min(x, z) * max(y, 0.5) + log10(2 + y*z) - x**3 / 3 + t*z + 2^z
  )");
  CHECK(m.parameters() == std::vector<std::string>{"a"});
  const Eigen::VectorXd p = Eigen::VectorXd::Constant(1, 0.7);
  const double t = 0.3;
  for (const Eigen::Vector3d& point :
       {Eigen::Vector3d(0.4, 1.3, 0.9), Eigen::Vector3d(1.7, 0.2, 0.6),
        Eigen::Vector3d(0.8, 0.3, 2.5)}) {
    const Eigen::VectorXd x = point;
    CAPTURE(x.transpose());
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(3, 3);
    m.jacobian(x, J, t, p);
    for (int j = 0; j < 3; ++j) {
      // Central differences: truncation error h^2 |f'''| / 6 and rounding eps |f| / h; with
      // h = 1e-5 and |f|, |f'''| of order 10 here both stay below 1e-8, so 1e-6 bounds the
      // difference with margin. The points keep away from the kinks of abs, min and max.
      const double h = 1e-5;
      Eigen::VectorXd up = x, down = x, f_up(3), f_down(3);
      up[j] += h;
      down[j] -= h;
      m(up, f_up, t, p);
      m(down, f_down, t, p);
      const Eigen::VectorXd column = (f_up - f_down) / (2 * h);
      for (int i = 0; i < 3; ++i) {
        CAPTURE(i, j);
        CHECK(J(i, j) == Approx(column[i]).margin(1e-6));
      }
    }
  }
}

TEST_CASE("equation text: declarations and inferred parameters and constant species and printing",
          "[equations]") {
  // Parameters in order of first appearance; names may contain digits and _.
  const auto a = parse_equations("dX = k_2*X - k1 + t\ndY = -k_2*X");
  CHECK(a.species() == std::vector<std::string>{"X", "Y"});
  CHECK(a.parameters() == std::vector<std::string>{"k_2", "k1"});
  // Declarations fix the order; a declared species without equation is constant.
  const auto b =
      parse_equations("species: Y, X, Z\nparameters: k1, k_2\ndX = k_2*X - k1 + t\ndY = -k_2*X");
  CHECK(b.species() == std::vector<std::string>{"Y", "X", "Z"});
  CHECK(b.parameters() == std::vector<std::string>{"k1", "k_2"});
  Eigen::VectorXd dx(3);
  const Eigen::VectorXd state = Eigen::Vector3d(1, 2, 3), params = Eigen::Vector2d(0.25, 4);
  b(state, dx, 0.5, params);
  CHECK(dx[0] == -8.0);            // dY = -k_2 X
  CHECK(dx[1] == 8 - 0.25 + 0.5);  // dX
  CHECK(dx[2] == 0.0);             // Z constant
  // Printing parses back to the same model.
  const std::string printed = a.describe();
  CHECK(parse_equations(printed).describe() == printed);
  CHECK(parse_equations("dX = -(a - (b - X)) / (c * (d / X))^2^0.5").describe() ==
        "dX = -(a - (b - X)) / (c * (d / X))^1.4142135623730951\n");  // 2^0.5 folded
  CHECK(parse_equations("dX = -X^2").describe() == "dX = -X^2\n");    // -(X^2)
}

TEST_CASE("comparisons and logic and if give 1 or 0 and pick a branch", "[equations]") {
  const auto m = parse_equations(R"(
    species: x, y
    dx = if(x < a, 1, 2) + 10*(x <= a) + 100*(x > a) + 1000*(x >= a)
    dy = (x == a) + 10*(x != a) + 100*and(x, y) + 1000*or(x, y) + 10000*not(y)
  )");
  CHECK(m.parameters() == std::vector<std::string>{"a"});
  const auto eval = [&m](double x, double y, double a) {
    Eigen::VectorXd dx(2);
    m(Eigen::VectorXd(Eigen::Vector2d(x, y)), dx, 0.0,
      Eigen::VectorXd(Eigen::VectorXd::Constant(1, a)));
    return std::array<double, 2>{dx[0], dx[1]};
  };
  CHECK(eval(1, 0, 2) == std::array<double, 2>{1 + 10, 10 + 1000 + 10000});
  CHECK(eval(2, 3, 2) == std::array<double, 2>{2 + 10 + 1000, 1 + 100 + 1000});
  CHECK(eval(3, -1, 2) == std::array<double, 2>{2 + 100 + 1000, 10 + 100 + 1000});
  CHECK(eval(0, 0, 2) == std::array<double, 2>{1 + 10, 10 + 10000});
  // The untaken branch may be NaN or infinite without reaching the result.
  const auto guarded = parse_equations("dx = if(x > 0, log(x), 0)");
  Eigen::VectorXd out(1);
  guarded(Eigen::VectorXd(Eigen::VectorXd::Constant(1, -1.0)), out, 0.0, Eigen::VectorXd());
  CHECK(out[0] == 0.0);
  // Comparisons bind looser than arithmetic: x + 1 > 2 * a is (x + 1) > (2 * a).
  CHECK(parse_equations("dx = x + 1 > 2 * a").describe() == "dx = x + 1 > 2 * a\n");
  CHECK(parse_equations("dx = 3 * (x > a)").describe() == "dx = 3 * (x > a)\n");
}

TEST_CASE("new functions and if print back to text that parses to the same model", "[equations]") {
  const char* lines[] = {
      "dx = if(x < a, x, -x)\n",
      "dx = if(and(x >= 0, not(x == a)), floor(x), ceil(x))\n",
      "dx = (x < a) == (a < x)\n",
      "dx = -(x != a)\n",
      "dx = or(x <= a, x > 2 * a) * sinh(x) + cosh(x) - asinh(x) + acosh(1 + x^2)\n",
      "dx = asin(x) + acos(x) - atan(x) + atanh(x / 2)\n",
      "dx = if(x > 0, a, (1 / 0)) + if(x < 0, a, (0 / 0))\n",
  };
  for (const char* line : lines) {
    CAPTURE(line);
    const std::string printed = parse_equations(line).describe();
    CHECK(printed == line);
    CHECK(parse_equations(printed).describe() == printed);
  }
  // ln is log; an if with a constant condition or equal branches is folded away.
  CHECK(parse_equations("dx = ln(x)").describe() == "dx = log(x)\n");
  CHECK(parse_equations("dx = if(2 > 1, a, x) + if(x, a, a)").describe() == "dx = a + a\n");
}

TEST_CASE("the Jacobian of if and floor and comparisons holds on each piece", "[equations]") {
  const auto m = parse_equations(R"(
    dx = if(x < 1, x^2 * y, sinh(y) * x) + floor(x) * y + (y > x)
    dy = if(and(x > 0, y > 0), atan(x * y) + asin(y / 4) - acos(x / 4), cosh(x)) + asinh(y) + acosh(2 + x) + atanh(y / 4)
  )");
  CHECK(m.jacobian_nonzeros() == 4);
  for (const Eigen::Vector2d& point :
       {Eigen::Vector2d(0.4, 1.3), Eigen::Vector2d(1.7, 0.2), Eigen::Vector2d(-0.5, 0.6)}) {
    const Eigen::VectorXd x = point, p;
    CAPTURE(x.transpose());
    Eigen::MatrixXd J = Eigen::MatrixXd::Zero(2, 2);
    m.jacobian(x, J, 0.0, p);
    for (int j = 0; j < 2; ++j) {
      // As for the other functions: h = 1e-5 keeps truncation and rounding below 1e-8; the
      // points keep at least 0.2 away from every switch of if, floor and the comparison.
      const double h = 1e-5;
      Eigen::VectorXd up = x, down = x, f_up(2), f_down(2);
      up[j] += h;
      down[j] -= h;
      m(up, f_up, 0.0, p);
      m(down, f_down, 0.0, p);
      for (int i = 0; i < 2; ++i) {
        CAPTURE(i, j);
        CHECK(J(i, j) == Approx((f_up[i] - f_down[i]) / (2 * h)).margin(1e-6));
      }
    }
  }
}

TEST_CASE("catalogue: malformed equation text is a parse_error at its line and column",
          "[equations][errors]") {
  struct bad_text {
    const char* text;
    std::size_t line, column;
    const char* message;
  };
  const bad_text cases[] = {
      {"dX = k*X +\ndY = 2", 1, 11, "expected a number, a name or \"(\" at the end"},
      {"dX = k*X\ndY = exp X", 2, 6, "\"exp\" is a function: write exp(...)"},
      {"dX = k*X\nX -> Y @ k", 2, 1, "dX has an equation and reactions"},
      {"parameters: k\ndX = kk*X", 2, 6, "unknown name \"kk\""},
      {"dX = k*X\ndX = 2", 2, 1, "a second equation for dX"},
      {"X = 2", 1, 1, "the left side of an equation is d<species>"},
      {"dX = (k*X", 1, 10, "expected \")\""},
      {"dX = k*X)", 1, 9, "unexpected \")\" after the expression"},
      {"dX = foo(X)", 1, 6, "unknown function \"foo\""},
      {"dX = pow(X)", 1, 11, "pow() takes two arguments"},
      {"dX = if(X > 1, 2)", 1, 17, "if() takes three arguments"},
      {"dX = a < X < b", 1, 12, "comparisons do not chain"},
      {"dX = a = X", 1, 8, "unexpected \"= X\" after the expression"},
      {"dX = 2\ndY = if", 2, 6, "\"if\" is a function: write if(...)"},
      {"dX = k $ X", 1, 8, "unexpected \"$ X\" after the expression"},
      {"A + B -> C", 1, 1, "a reaction needs"},
      {"A -> 2x B ; k", 1, 7, "expected a species"},
      {"0.5.1 A -> B ; k", 1, 1, "positive stoichiometric coefficient"},
      {"A -> B ;", 1, 8, "empty rate law"},
      {"species: A\nA -> B @ k", 2, 6, "species \"B\" is not in \"species:\""},
      {"  # nothing\n", 1, 1, "no equations or reactions"},
      {"hello world", 1, 1, "expected \"dX = <expression>\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    try {
      parse_equations(c.text, "m", "model.eq");
      FAIL("accepted");
    } catch (const odesynth::parse_error& e) {
      CHECK_THAT(e.what(), Catch::Contains(c.message));
      CHECK(e.path() == "model.eq");
      CHECK(e.line() == c.line);
      CHECK(e.column() == c.column);
    }
  }
}

TEST_CASE("a generator over an equation model is thread-count independent", "[equations]") {
  const auto sir =
      parse_equations("S + I -> 2 I ; beta*S*I/(S + I + R)\nI -> R @ gamma", "sir_reactions");
  auto run = [&sir](std::size_t threads) {
    odesynth::sampler s(sir);
    s.parameter("beta", odesynth::dist::uniform{1.0, 2.0})
        .parameter("gamma", odesynth::dist::uniform{0.3, 0.5})
        .initial_value("S", 762)
        .initial_value("I", odesynth::dist::uniform{1, 5})
        .initial_value("R", 0);
    odesynth::generator_options g;
    g.seed = 12;
    g.threads = threads;
    return odesynth::make_generator(sir, odesynth::solve_options{}, s,
                                    odesynth::time_grid::linspace(0, 14, 29), {}, g)
        .collect(0, 24);
  };
  const auto one = run(1), two = run(2);
  REQUIRE(one.size() == 24);
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(one[i].ok());
    CHECK(one[i].values() == two[i].values());
  }
}

TEST_CASE("a text model with sizes fixed at compile time solves the same", "[equations]") {
  const auto text = parse_equations(R"(
    A -> B @ k1
    2 B -> B + C @ k2
    B + C -> A + C @ k3
  )",
                                    "robertson");
  const auto fixed = odesynth::fixed_size<3, 3>(text);
  using traits = odesynth::model_traits<decltype(fixed)>;
  STATIC_REQUIRE(traits::fixed_state);
  STATIC_REQUIRE(traits::fixed_params);
  STATIC_REQUIRE(traits::has_jacobian);
  CHECK(odesynth::describe(fixed)->equations() == text.describe());
  const std::vector<double> k{0.04, 3e7, 1e4}, x0{1, 0, 0};

  // dopri5 on a short span: the same operations on each component, std::array or not.
  const auto grid = odesynth::time_grid::linspace(0, 0.01, 11);
  const auto a = odesynth::solve(fixed, k, x0, grid), b = odesynth::solve(text, k, x0, grid);
  REQUIRE(a.status() == odesynth::solve_status::ok);
  CHECK(worst_difference(a, b) == 0);

  // rosenbrock4 with the symbolic Jacobian in a fixed-size matrix: Eigen's LU orders its work
  // differently for fixed and dynamic sizes, so rounding only (1e-9 relative: far above
  // rounding, far below the rel_tol 1e-6 error the solver controls).
  odesynth::solve_options o;
  o.stepper = odesynth::stepper_kind::rosenbrock4;
  o.abs_tol = 1e-10;
  const auto log_grid = odesynth::time_grid::logspace(1e-5, 1e5, 30).with_start(0);
  using stiff = odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>;
  const auto c = odesynth::solve<stiff>(fixed, k, x0, log_grid, o);
  REQUIRE(c.status() == odesynth::solve_status::ok);
  CHECK(worst_difference(c, odesynth::solve<stiff>(text, k, x0, log_grid, o)) < 1e-9);

  test_support::expect_error([&] { odesynth::fixed_size<2, 3>(text); },
                             {"robertson.species", "3", "fixed_size<2, 3>"});
  test_support::expect_error([&] { odesynth::fixed_size<3, 2>(text); },
                             {"robertson.parameters", "3", "fixed_size<3, 2>"});
}
