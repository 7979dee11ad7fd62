// Sparse Jacobians for rosenbrock4: jacobian_sparsity (validation, bands), the Curtis-Powell-Reid
// column colouring, coloured central differences, and the sparse linear algebra path of the
// stiff stepper against the dense one (solve_options::jacobian; automatic picks it for models
// with sparsity() from detail::sparse_jacobian_min_species species on when the LU factors stay
// sparse), text models' patterns and any_model's forwarding.
#include <catch2/catch.hpp>
#include <cmath>
#include <odesynth/any_model.hpp>
#include <odesynth/detail/column_colouring.hpp>
#include <odesynth/detail/finite_difference.hpp>
#include <odesynth/equations.hpp>
#include <odesynth/error.hpp>
#include <odesynth/models/linear_chain.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/provenance.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/sparsity.hpp>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "expect_error.hpp"
#include "test_models.hpp"

using odesynth::jacobian_sparsity;
using odesynth::solve_options;
using odesynth::stepper_kind;
using odesynth::time_grid;

namespace {

// x_i' = k_{i-1} x_{i-1} - k_i x_i with k_i = scale 10^(-2 + 6 i / (n - 1)): rates over six
// orders of magnitude, stiff. Sparse: gives sparsity(); Analytic: gives jacobian(); Wrong: the
// sparsity() leaves out the subdiagonal.
template <bool Sparse, bool Analytic, bool Wrong = false>
class stiff_chain {
 public:
  explicit stiff_chain(std::size_t n) : n_(n), k_(n) {
    for (std::size_t i = 0; i < n; ++i)
      k_[i] = std::pow(10.0, -2.0 + 6.0 * static_cast<double>(i) / static_cast<double>(n - 1));
  }

  static constexpr std::string_view name = "stiff_chain";
  static constexpr std::array<std::string_view, 1> parameters{"scale"};
  std::size_t size() const noexcept { return n_; }
  std::vector<std::string> species() const {
    std::vector<std::string> s;
    for (std::size_t i = 0; i < n_; ++i) s.push_back("x" + std::to_string(i));
    return s;
  }

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double s = p[0];
    dxdt[0] = -s * k_[0] * x[0];
    for (std::size_t i = 1; i < n_; ++i) dxdt[i] = s * (k_[i - 1] * x[i - 1] - k_[i] * x[i]);
  }

  template <class State, class Matrix, class Params, bool A = Analytic,
            std::enable_if_t<A, int> = 0>
  void jacobian(const State& /*x*/, Matrix& J, double /*t*/, const Params& p) const {
    const double s = p[0];
    const auto n = static_cast<Eigen::Index>(n_);
    J(0, 0) = -s * k_[0];
    for (Eigen::Index i = 1; i < n; ++i) {
      J(i, i - 1) = s * k_[static_cast<std::size_t>(i) - 1];
      J(i, i) = -s * k_[static_cast<std::size_t>(i)];
    }
  }

  template <bool S = Sparse, std::enable_if_t<S, int> = 0>
  jacobian_sparsity sparsity() const {
    return Wrong ? jacobian_sparsity(n_, {}) : jacobian_sparsity::banded(n_, 1, 0);
  }

 private:
  std::size_t n_;
  std::vector<double> k_;
};

// A nonlinear tridiagonal right-hand side, for comparing coloured with plain differences.
void nonlinear_rhs(const Eigen::VectorXd& x, Eigen::VectorXd& f, double t) {
  const Eigen::Index n = x.size();
  for (Eigen::Index i = 0; i < n; ++i) {
    const double left = i > 0 ? x[i - 1] : 0.0;
    const double right = i + 1 < n ? x[i + 1] : 0.0;
    f[i] = left * left - std::sin(x[i]) * right + std::exp(-x[i]) * (1 + t) + x[i] * x[i] * x[i];
  }
}

solve_options jacobian_with(stepper_kind k, double rel_tol, double abs_tol) {
  solve_options o;
  o.stepper = k;
  o.rel_tol = rel_tol;
  o.abs_tol = abs_tol;
  return o;
}

double jacobian_scaled_difference(const odesynth::trajectory& a, const odesynth::trajectory& b,
                                  double rtol, double atol) {
  double worst = 0;
  for (Eigen::Index i = 0; i < a.values().rows(); ++i)
    for (Eigen::Index j = 0; j < a.values().cols(); ++j) {
      const double d = std::fabs(a.values()(i, j) - b.values()(i, j));
      worst = std::max(worst, d / (atol + rtol * std::fabs(b.values()(i, j))));
    }
  return worst;
}

}  // namespace

TEST_CASE("jacobian_sparsity sorts and merges entries and always holds the diagonal") {
  const jacobian_sparsity s(3, {{2, 0}, {0, 2}, {2, 0}, {1, 1}});
  CHECK(s.size() == 3);
  CHECK(s.nonzeros() == 5);
  CHECK(s.column_starts() == std::vector<std::size_t>{0, 2, 3, 5});
  CHECK(s.row_indices() == std::vector<std::size_t>{0, 2, 1, 0, 2});
  CHECK(s.contains(2, 0));
  CHECK_FALSE(s.contains(0, 1));
  CHECK(s.position(2, 2) == 4);
  CHECK(s.position(1, 0) == s.nonzeros());
  CHECK(jacobian_sparsity(0, {}).nonzeros() == 0);
}

TEST_CASE("jacobian_sparsity refuses out-of-range entries naming them") {
  try {
    jacobian_sparsity(4, {{0, 1}, {1, 4}});
    FAIL("no exception");
  } catch (const odesynth::invalid_argument& e) {
    CHECK(e.field() == "jacobian_sparsity.entries[1]");
    CHECK(e.value() == "(1, 4)");
    CHECK(std::string(e.what()).find("below n = 4") != std::string::npos);
  }
  CHECK_THROWS_AS(jacobian_sparsity(2, {{7, 0}}), odesynth::invalid_argument);
}

TEST_CASE("banded patterns hold the band and nothing else") {
  const auto s = jacobian_sparsity::banded(6, 2, 1);
  for (std::size_t i = 0; i < 6; ++i)
    for (std::size_t j = 0; j < 6; ++j) CHECK(s.contains(i, j) == (i <= j + 2 && j <= i + 1));
  CHECK(jacobian_sparsity::banded(5, 100, 100).nonzeros() == 25);
  CHECK(jacobian_sparsity::banded(5, 0, 0) == jacobian_sparsity(5, {}));
  std::vector<std::pair<std::size_t, std::size_t>> entries;
  for (std::size_t i = 1; i < 6; ++i) {
    entries.push_back({i, i - 1});
    entries.push_back({i - 1, i});
  }
  CHECK(jacobian_sparsity::banded(6, 1, 1) == jacobian_sparsity(6, entries));
}

TEST_CASE("has_sparsity detects the member") {
  STATIC_REQUIRE(odesynth::has_sparsity_v<odesynth::models::linear_chain>);
  STATIC_REQUIRE(odesynth::has_sparsity_v<stiff_chain<true, true>>);
  STATIC_REQUIRE_FALSE(odesynth::has_sparsity_v<stiff_chain<false, true>>);
  CHECK(odesynth::models::linear_chain(4).sparsity() == jacobian_sparsity::banded(4, 1, 0));
}

TEST_CASE("column colourings are valid and small") {
  using odesynth::detail::colour_columns;
  using odesynth::detail::valid_colouring;
  const auto tri = jacobian_sparsity::banded(100, 1, 1);
  const auto c = colour_columns(tri);
  CHECK(c.colours() == 3);
  CHECK(valid_colouring(tri, c));
  CHECK(colour_columns(jacobian_sparsity::banded(50, 1, 0)).colours() == 2);
  CHECK(colour_columns(jacobian_sparsity::banded(50, 2, 3)).colours() == 6);
  CHECK(colour_columns(jacobian_sparsity(30, {})).colours() == 1);
  // An arrow: a full first row and column needs n colours; random patterns stay valid.
  std::vector<std::pair<std::size_t, std::size_t>> arrow;
  for (std::size_t i = 1; i < 20; ++i) {
    arrow.push_back({0, i});
    arrow.push_back({i, 0});
  }
  const jacobian_sparsity a(20, arrow);
  CHECK(colour_columns(a).colours() == 20);
  CHECK(valid_colouring(a, colour_columns(a)));
  std::vector<std::pair<std::size_t, std::size_t>> scattered;
  for (std::size_t k = 0; k < 300; ++k) scattered.push_back({(k * 37) % 97, (k * 53 + 11) % 97});
  const jacobian_sparsity r(97, scattered);
  const auto rc = colour_columns(r);
  CHECK(valid_colouring(r, rc));
  CHECK(rc.colours() < 30);
  // A wrong colouring is seen as one.
  auto bad = c;
  bad.colour_of[1] = bad.colour_of[0];
  CHECK_FALSE(valid_colouring(tri, bad));
}

TEST_CASE("coloured central differences match column-by-column ones") {
  const Eigen::Index n = 40;
  Eigen::VectorXd x(n);
  for (Eigen::Index i = 0; i < n; ++i) x[i] = 0.3 + 0.05 * static_cast<double>(i % 7) - 0.01 * i;
  const Eigen::VectorXd x_before = x;
  Eigen::VectorXd fp(n), fm(n);
  auto rhs = [](const Eigen::VectorXd& s, Eigen::VectorXd& f, double t) { nonlinear_rhs(s, f, t); };
  auto floor_of = [](std::size_t) { return 1e-2; };
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
  odesynth::detail::central_difference_jacobian(
      rhs, x, 0.5, floor_of, fp, fm, [&](std::size_t i, std::size_t j, double v) {
        dense(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v;
      });
  const auto pattern = jacobian_sparsity::banded(static_cast<std::size_t>(n), 1, 1);
  const auto colouring = odesynth::detail::colour_columns(pattern);
  Eigen::MatrixXd coloured = Eigen::MatrixXd::Zero(n, n);
  std::vector<double> step, saved;
  int calls = 0;
  auto counted = [&](const Eigen::VectorXd& s, Eigen::VectorXd& f, double t) {
    ++calls;
    nonlinear_rhs(s, f, t);
  };
  std::vector<bool> seen(pattern.nonzeros(), false);
  odesynth::detail::coloured_central_difference_jacobian(
      counted, x, 0.5, floor_of, pattern, colouring, fp, fm, step, saved,
      [&](std::size_t p, std::size_t i, std::size_t j, double v) {
        seen[p] = true;
        CHECK(pattern.position(i, j) == p);
        coloured(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v;
      });
  CHECK(calls == 6);
  CHECK((x.array() == x_before.array()).all());  // restored bit for bit
  CHECK(std::all_of(seen.begin(), seen.end(), [](bool b) { return b; }));
  // Off the band, plain differences are exactly zero too.
  const double scale = dense.cwiseAbs().maxCoeff();
  CHECK((dense - coloured).cwiseAbs().maxCoeff() <= 1e-8 * scale);
}

TEST_CASE("sparse rosenbrock4 agrees with dense on a stiff 200-species chain") {
  const std::size_t n = 200;
  REQUIRE(n >= odesynth::detail::sparse_jacobian_min_species);
  const std::vector<double> p{1.0};
  const std::vector<double> x0(n, 1.0);
  const auto grid = time_grid::linspace(0, 20, 11);
  const double rtol = 1e-6, atol = 1e-9;
  const auto o = jacobian_with(stepper_kind::rosenbrock4, rtol, atol);
  using odesynth::all_steppers;
  const auto dense = odesynth::solve<all_steppers>(stiff_chain<false, true>(n), p, x0, grid, o);
  const auto sparse = odesynth::solve<all_steppers>(stiff_chain<true, true>(n), p, x0, grid, o);
  const auto coloured = odesynth::solve<all_steppers>(stiff_chain<true, false>(n), p, x0, grid, o);
  REQUIRE(dense.ok());
  REQUIRE(sparse.ok());
  REQUIRE(coloured.ok());
  CHECK(jacobian_scaled_difference(sparse, dense, rtol, atol) < 5);
  CHECK(jacobian_scaled_difference(coloured, dense, rtol, atol) < 5);
  // The same method with the same Jacobian: the steps hardly differ.
  CHECK(std::abs(sparse.steps() - dense.steps()) <= 2);
}

TEST_CASE("sparse rosenbrock4 solves linear_chain to its exact solution") {
  const std::size_t n = 80;
  const odesynth::models::linear_chain chain(n);
  const auto grid = time_grid::linspace(0, chain.default_t_end(), 9);
  const auto tr = odesynth::solve<odesynth::all_steppers>(
      chain, {1.0}, chain.default_initial_state(), grid,
      jacobian_with(stepper_kind::rosenbrock4, 1e-8, 1e-11));
  REQUIRE(tr.ok());
  double worst = 0;
  for (Eigen::Index r = 0; r < tr.values().rows(); ++r) {
    const auto exact = chain.exact_solution(1.0, tr.times()[r]);
    for (std::size_t i = 0; i < n; ++i)
      worst = std::max(worst, std::fabs(tr.values()(r, static_cast<Eigen::Index>(i)) - exact[i]));
  }
  CHECK(worst < 1e-6);
}

TEST_CASE("a jacobian() that writes outside sparsity() is refused") {
  // Like any exception from the model: the solve fails with rhs_threw, saying where.
  const std::size_t n = 60;
  const std::vector<double> x0(n, 1.0);
  const auto tr = odesynth::solve<odesynth::all_steppers>(
      stiff_chain<true, true, true>(n), {1.0}, x0, time_grid::linspace(0, 1, 3),
      jacobian_with(stepper_kind::rosenbrock4, 1e-6, 1e-9));
  CHECK(tr.status() == odesynth::solve_status::rhs_threw);
  CHECK(tr.message().find("stiff_chain.jacobian() = J(1, 0) != 0") != std::string::npos);
  CHECK(tr.message().find("sparsity()") != std::string::npos);
}

TEST_CASE("a sparsity() of the wrong size is refused") {
  struct wrong_size : stiff_chain<false, true> {
    using stiff_chain<false, true>::stiff_chain;
    jacobian_sparsity sparsity() const { return jacobian_sparsity::banded(3, 1, 0); }
  };
  CHECK_THROWS_AS(
      odesynth::solve<odesynth::all_steppers>(wrong_size(50), {1.0}, std::vector<double>(50, 1.0),
                                              time_grid::linspace(0, 1, 3),
                                              jacobian_with(stepper_kind::rosenbrock4, 1e-6, 1e-9)),
      odesynth::invalid_argument);
}

TEST_CASE("auto_switch runs the sparse rosenbrock4 on a stiff sparse model") {
  const std::size_t n = 200;
  const std::vector<double> p{1.0};
  const std::vector<double> x0(n, 1.0);
  const auto grid = time_grid::linspace(0, 20, 11);
  const double rtol = 1e-6, atol = 1e-9;
  using odesynth::all_steppers;
  const auto reference =
      odesynth::solve<all_steppers>(stiff_chain<false, true>(n), p, x0, grid,
                                    jacobian_with(stepper_kind::rosenbrock4, rtol, atol));
  for (const bool analytic : {true, false}) {
    const auto tr = analytic
                        ? odesynth::solve(stiff_chain<true, true>(n), p, x0, grid,
                                          jacobian_with(stepper_kind::auto_switch, rtol, atol))
                        : odesynth::solve(stiff_chain<true, false>(n), p, x0, grid,
                                          jacobian_with(stepper_kind::auto_switch, rtol, atol));
    REQUIRE(tr.ok());
    bool ran_stiff = false;
    for (const auto& m : tr.methods()) ran_stiff |= m.stepper == stepper_kind::rosenbrock4;
    CHECK(ran_stiff);
    CHECK(jacobian_scaled_difference(tr, reference, rtol, atol) < 10);
  }
  // Sparse matrices cost rosenbrock4 steps by their nonzeros, not n^3.
  const auto dense = odesynth::detail::switch_costs::of(n, true);
  const auto sparse = odesynth::detail::switch_costs::of(n, true, 2 * n - 1);
  CHECK(sparse.rosenbrock4_step < dense.rosenbrock4_step / 10);
  Eigen::SparseMatrix<double> m(2, 2);
  m.insert(0, 0) = -3;
  m.insert(1, 0) = 2;
  m.insert(1, 1) = -0.5;
  CHECK(odesynth::detail::row_sum_norm(m) == 3);
}

namespace {

// Robertson with its pattern: y1' and y2' read every species, y3' only y2.
struct robertson_sparse : odesynth::models::robertson {
  jacobian_sparsity sparsity() const {
    return jacobian_sparsity(3, {{0, 1}, {0, 2}, {1, 0}, {1, 2}, {2, 1}});
  }
};

// A model whose jacobian() takes only Eigen::MatrixXd (not a template), with a pattern.
struct dense_only_jacobian : stiff_chain<true, false> {
  using stiff_chain<true, false>::stiff_chain;
  void jacobian(const Eigen::VectorXd& x, Eigen::MatrixXd& J, double t,
                const Eigen::VectorXd& p) const {
    stiff_chain<true, true>(static_cast<std::size_t>(x.size())).jacobian(x, J, t, p);
  }
};

solve_options storing(odesynth::jacobian_storage s, stepper_kind k = stepper_kind::rosenbrock4) {
  auto o = jacobian_with(k, 1e-6, 1e-9);
  o.jacobian = s;
  return o;
}

// A reaction chain X0 -> X1 -> ... -> X(n-1) as text, with a second-order loss on every
// species so that the Jacobian depends on the state.
std::string chain_text(std::size_t n) {
  std::string text;
  for (std::size_t i = 0; i + 1 < n; ++i)
    text += fmt::format("X{} -> X{} @ k{}\n", i, i + 1, i % 5);
  for (std::size_t i = 0; i < n; ++i) text += fmt::format("2 X{} -> @ d\n", i);
  return text;
}

}  // namespace

TEST_CASE("solve_options.jacobian picks the matrices and shows in text and metadata") {
  using odesynth::all_steppers;
  using odesynth::jacobian_storage;
  using odesynth::solver;
  const std::size_t n = 200;
  // automatic: sparse for a banded pattern from 25 species on, dense below or without one.
  CHECK(solver<stiff_chain<true, true>, all_steppers>(stiff_chain<true, true>(n),
                                                      storing(jacobian_storage::automatic))
            .sparse_jacobian());
  CHECK_FALSE(solver<stiff_chain<true, true>, all_steppers>(stiff_chain<true, true>(20),
                                                            storing(jacobian_storage::automatic))
                  .sparse_jacobian());
  CHECK_FALSE(solver<stiff_chain<false, true>, all_steppers>(stiff_chain<false, true>(n),
                                                             storing(jacobian_storage::automatic))
                  .sparse_jacobian());
  CHECK_FALSE(solver<stiff_chain<true, true>, all_steppers>(stiff_chain<true, true>(n),
                                                            storing(jacobian_storage::dense))
                  .sparse_jacobian());
  CHECK(solver<stiff_chain<true, true>, all_steppers>(stiff_chain<true, true>(20),
                                                      storing(jacobian_storage::sparse))
            .sparse_jacobian());
  // Only the steppers that run rosenbrock4 use it.
  CHECK(
      solver<stiff_chain<true, true>, all_steppers>(
          stiff_chain<true, true>(n), storing(jacobian_storage::sparse, stepper_kind::auto_switch))
          .sparse_jacobian());
  CHECK_FALSE(
      solver<stiff_chain<true, true>, all_steppers>(
          stiff_chain<true, true>(n), storing(jacobian_storage::sparse, stepper_kind::dopri5))
          .sparse_jacobian());

  auto o = storing(jacobian_storage::sparse);
  CHECK(fmt::format("{}", o) ==
        "rosenbrock4 rel_tol=1e-06 abs_tol=1e-09 max_steps=100000 "
        "jacobian=sparse");
  CHECK(fmt::format("{}", storing(jacobian_storage::automatic)).find("jacobian") ==
        std::string::npos);
  for (const auto s : odesynth::all_jacobian_storages) {
    o.jacobian = s;
    const auto j = odesynth::detail::to_json(o);
    CHECK(odesynth::detail::solve_options_from_json(j, "solver").jacobian == s);
  }
  // Metadata written before the option existed reads back as automatic.
  auto old = odesynth::detail::to_json(storing(jacobian_storage::dense));
  auto without = odesynth::detail::json::make_object();
  for (const auto& [key, value] : old.as_object("solver"))
    if (key != "jacobian") without.set(key, value);
  CHECK(odesynth::detail::solve_options_from_json(without, "solver").jacobian ==
        jacobian_storage::automatic);
  auto misspelt = without;
  misspelt.set("jacobian", std::string("sparce"));
  CHECK_THROWS_WITH(odesynth::detail::solve_options_from_json(misspelt, "solver"),
                    Catch::Contains("solver.jacobian") && Catch::Contains("\"sparce\"") &&
                        Catch::Contains("automatic, dense, sparse"));
}

TEST_CASE("solve_options.jacobian is validated naming field and value") {
  using odesynth::jacobian_storage;
  // sparse needs a pattern: refused when the solver is made, whatever the stepper.
  for (const auto k : {stepper_kind::rosenbrock4, stepper_kind::dopri5}) {
    const auto e = test_support::caught([&] {
      odesynth::solver<stiff_chain<false, true>, odesynth::all_steppers>(
          stiff_chain<false, true>(30), storing(jacobian_storage::sparse, k));
    });
    CHECK(e.field() == "solve_options.jacobian");
    CHECK(e.value() == "sparse");
    CHECK_THAT(e.what(), Catch::Contains("stiff_chain") && Catch::Contains("sparsity()"));
  }
  solve_options o;
  o.jacobian = static_cast<jacobian_storage>(7);
  test_support::check_error([&] { o.validate(3); }, "solve_options.jacobian", "7");
}

TEST_CASE("automatic storage follows the fill of the LU factors and not the pattern's density") {
  using odesynth::detail::sparse_rodas_algebra;
  // A band keeps its factors in the band: sparse pays from 25 species.
  CHECK(sparse_rodas_algebra::pays_off(jacobian_sparsity::banded(25, 1, 0)));
  CHECK_FALSE(sparse_rodas_algebra::pays_off(jacobian_sparsity::banded(24, 1, 0)));
  CHECK(sparse_rodas_algebra::pays_off(jacobian_sparsity::banded(200, 10, 10)));
  CHECK_FALSE(sparse_rodas_algebra::pays_off(jacobian_sparsity::banded(60, 30, 30)));
  // Scattered entries, 5% of the matrix: the factors fill in and dense is faster
  // (bench_sparse's fill table: 1.7x at n = 200).
  std::vector<std::pair<std::size_t, std::size_t>> scattered;
  for (std::size_t k = 0; k < 2000; ++k) scattered.push_back({(k * 37) % 200, (k * 53 + 11) % 199});
  const jacobian_sparsity r(200, scattered);
  CHECK(r.nonzeros() < 200 * 200 / 10);
  CHECK(sparse_rodas_algebra::factor_nonzeros(r) > 200 * 200 / 3);
  CHECK_FALSE(sparse_rodas_algebra::pays_off(r));
}

TEST_CASE("sparse and dense rosenbrock4 agree on Robertson") {
  using odesynth::jacobian_storage;
  const auto grid = time_grid::logspace(1e-5, 1e5, 21).with_start(0);
  const double rtol = 1e-8, atol = 1e-14;
  auto o = jacobian_with(stepper_kind::rosenbrock4, rtol, atol);
  o.jacobian = jacobian_storage::sparse;
  const robertson_sparse model;
  const odesynth::solver<robertson_sparse, odesynth::all_steppers> sparse(model, o);
  REQUIRE(sparse.sparse_jacobian());
  o.jacobian = jacobian_storage::automatic;  // 3 species: dense
  const odesynth::solver<robertson_sparse, odesynth::all_steppers> dense(model, o);
  REQUIRE_FALSE(dense.sparse_jacobian());
  const std::vector<double> k{0.04, 3e7, 1e4}, y0{1, 0, 0};
  const auto a = sparse.solve(k, y0, grid);
  const auto b = dense.solve(k, y0, grid);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // Different LUs, same method: the two differ by far less than the solves' own error.
  CHECK(jacobian_scaled_difference(a, b, rtol, atol) < 5);
  CHECK(std::abs(a.steps() - b.steps()) <= 3);
  // And the difference-quotient Jacobian on the same pattern (coloured: 3 colours here).
  struct robertson_sparse_fd : test_models::robertson_fd {
    jacobian_sparsity sparsity() const { return robertson_sparse().sparsity(); }
  };
  o.jacobian = jacobian_storage::sparse;
  const auto c = odesynth::solve<odesynth::all_steppers>(robertson_sparse_fd{}, k, y0, grid, o);
  REQUIRE(c.ok());
  CHECK(jacobian_scaled_difference(c, b, rtol, atol) < 5);
}

TEST_CASE("coloured differences match plain ones on an irregular pattern") {
  // f_i reads x_i and two scattered species; the pattern lists exactly those.
  const std::size_t n = 57;
  std::vector<std::pair<std::size_t, std::size_t>> entries;
  auto a = [](std::size_t i) { return (i * 17 + 3) % 57; };
  auto b = [](std::size_t i) { return (i * 29 + 40) % 57; };
  for (std::size_t i = 0; i < n; ++i) {
    entries.push_back({i, a(i)});
    entries.push_back({i, b(i)});
  }
  const jacobian_sparsity pattern(n, entries);
  const auto colouring = odesynth::detail::colour_columns(pattern);
  REQUIRE(odesynth::detail::valid_colouring(pattern, colouring));
  CHECK(colouring.colours() < 12);  // greedy: at most 1 + (max column degree in the row graph)
  auto rhs = [&](const Eigen::VectorXd& x, Eigen::VectorXd& f, double) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto e = [&](std::size_t j) { return x[static_cast<Eigen::Index>(j)]; };
      f[static_cast<Eigen::Index>(i)] =
          std::exp(-e(i)) + e(a(i)) * e(b(i)) - std::sin(e(a(i))) + e(i) * e(i) * e(b(i));
    }
  };
  Eigen::VectorXd x(static_cast<Eigen::Index>(n));
  for (Eigen::Index i = 0; i < x.size(); ++i) x[i] = 0.5 + 0.1 * std::sin(1.3 * i);
  Eigen::VectorXd fp(x.size()), fm(x.size());
  const auto floor_of = [](std::size_t) { return 1e-3; };
  Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(x.size(), x.size());
  odesynth::detail::central_difference_jacobian(
      rhs, x, 0, floor_of, fp, fm, [&](std::size_t i, std::size_t j, double v) {
        dense(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v;
      });
  Eigen::MatrixXd coloured = Eigen::MatrixXd::Zero(x.size(), x.size());
  std::vector<double> step, saved;
  odesynth::detail::coloured_central_difference_jacobian(
      rhs, x, 0, floor_of, pattern, colouring, fp, fm, step, saved,
      [&](std::size_t, std::size_t i, std::size_t j, double v) {
        coloured(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = v;
      });
  // Same steps per column; only the rounding of f's sums differs (entries are O(1), the
  // step eps^(1/3) ~ 6e-6: rounding of f / step ~ 1e-16 / 6e-6 ~ 2e-11).
  CHECK((dense - coloured).cwiseAbs().maxCoeff() <= 1e-9);
  CHECK(dense.cwiseAbs().maxCoeff() > 0.5);
}

TEST_CASE(
    "a pattern that misses a nonzero: jacobian() is refused but differences go wrong quietly") {
  // The pattern is the model's promise. With jacobian() the promise is checked at every
  // evaluation (see above). Differences cannot check it: they perturb columns together, so
  // the missing subdiagonal's change lands on the diagonal entries of the same rows (here a
  // diagonal-only pattern puts every column in one colour: J(i, i) comes out as
  // -k_i + k_(i-1) h_(i-1) / h_i). The error control rejects the steps that Jacobian makes
  // large, and the solve crawls: measured, 88000 steps instead of 186 at n = 30, and
  // max_steps = 100000 at t = 17.8 of 20 at n = 60. It ends with status max_steps; the rows
  // it reached hold values within the tolerances.
  const std::size_t n = 60;
  const std::vector<double> p{1.0}, x0(n, 1.0);
  const auto grid = time_grid::linspace(0, 20, 11);
  const double rtol = 1e-6, atol = 1e-9;
  auto o = jacobian_with(stepper_kind::rosenbrock4, rtol, atol);
  o.max_steps = 3000;  // 15x what the right pattern needs, to keep the test short
  const auto right =
      odesynth::solve<odesynth::all_steppers>(stiff_chain<true, false>(n), p, x0, grid, o);
  const auto wrong =
      odesynth::solve<odesynth::all_steppers>(stiff_chain<true, false, true>(n), p, x0, grid, o);
  REQUIRE(right.ok());
  CHECK(right.steps() < 300);
  CHECK(wrong.status() == odesynth::solve_status::max_steps);
  const auto reached = wrong.mask().col(0).count();
  CHECK(reached >= 1);
  for (Eigen::Index r = 0; r < reached; ++r)
    for (Eigen::Index i = 0; i < wrong.values().cols(); ++i)
      CHECK(std::fabs(wrong.values()(r, i) - right.values()(r, i)) <=
            10 * (atol + rtol * std::fabs(right.values()(r, i))));
}

TEST_CASE("a text model's pattern is its symbolic Jacobian's nonzeros and it solves sparse") {
  const std::size_t n = 40;
  const auto model = odesynth::parse_equations(chain_text(n), "text_chain");
  const auto pattern = model.sparsity();
  CHECK(pattern == jacobian_sparsity::banded(n, 1, 0));
  CHECK(pattern.nonzeros() == model.jacobian_nonzeros());  // every diagonal entry is nonzero
  STATIC_REQUIRE(odesynth::has_sparsity_v<odesynth::equation_model>);
  // A reaction that reads another species: X0 + X5 -> X7 adds d/dX5 to rows 0, 5 and 7.
  const auto small = odesynth::parse_equations("A -> B @ k\nA + C -> D @ k\n", "small");
  CHECK(small.sparsity() == jacobian_sparsity(4, {{1, 0}, {0, 2}, {2, 0}, {3, 0}, {3, 2}}));

  std::vector<double> params{2.0, 5.0, 20.0, 80.0, 300.0, 0.5};  // k0..k4, d
  std::vector<double> x0(n, 0.0);
  x0[0] = 1;
  const auto grid = time_grid::linspace(0, 5, 11);
  const double rtol = 1e-7, atol = 1e-10;
  auto o = jacobian_with(stepper_kind::rosenbrock4, rtol, atol);
  const odesynth::solver<odesynth::equation_model, odesynth::all_steppers> sparse(model, o);
  CHECK(sparse.sparse_jacobian());
  o.jacobian = odesynth::jacobian_storage::dense;
  const odesynth::solver<odesynth::equation_model, odesynth::all_steppers> dense(model, o);
  const auto a = sparse.solve(params, x0, grid);
  const auto b = dense.solve(params, x0, grid);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(jacobian_scaled_difference(a, b, rtol, atol) < 5);

  SECTION("any_model forwards the pattern and the sparse jacobian()") {
    const odesynth::any_model wrapped = model;
    CHECK(wrapped.has_sparsity_pattern());
    CHECK(wrapped.sparsity() == pattern);
    o.jacobian = odesynth::jacobian_storage::automatic;
    const odesynth::solver<odesynth::any_model, odesynth::all_steppers> s(wrapped, o);
    CHECK(s.sparse_jacobian());
    const auto c = s.solve(params, x0, grid);
    REQUIRE(c.ok());
    CHECK(jacobian_scaled_difference(c, a, rtol, atol) < 1e-3);  // the same arithmetic
  }
}

TEST_CASE("any_model: models without a pattern and jacobian() that takes only dense matrices") {
  using odesynth::any_model;
  const any_model none = stiff_chain<false, true>(30);
  CHECK_FALSE(none.has_sparsity_pattern());
  CHECK(none.sparsity().size() == 0);
  CHECK_FALSE(odesynth::solver<any_model, odesynth::all_steppers>(
                  none, jacobian_with(stepper_kind::rosenbrock4, 1e-6, 1e-9))
                  .sparse_jacobian());
  CHECK_THROWS_AS((odesynth::solver<any_model, odesynth::all_steppers>(
                      none, storing(odesynth::jacobian_storage::sparse))),
                  odesynth::invalid_argument);

  // Through a dense scratch: the same values as the template jacobian() writes directly.
  const std::size_t n = 100;
  const std::vector<double> p{1.0}, x0(n, 1.0);
  const auto grid = time_grid::linspace(0, 20, 11);
  const auto o = jacobian_with(stepper_kind::rosenbrock4, 1e-6, 1e-9);
  const any_model scratch = dense_only_jacobian(n);
  const any_model direct = stiff_chain<true, true>(n);
  REQUIRE(scratch.has_analytic_jacobian());
  const auto a = odesynth::solve<odesynth::all_steppers>(scratch, p, x0, grid, o);
  const auto b = odesynth::solve<odesynth::all_steppers>(direct, p, x0, grid, o);
  REQUIRE(a.ok());
  CHECK(a.steps() == b.steps());
  CHECK(jacobian_scaled_difference(a, b, 1e-6, 1e-9) < 1e-3);
  // A wrapped jacobian() writing outside the pattern is refused as a direct one is.
  const any_model wrong = stiff_chain<true, true, true>(n);
  const auto w = odesynth::solve<odesynth::all_steppers>(wrong, p, x0, grid, o);
  CHECK(w.status() == odesynth::solve_status::rhs_threw);
  CHECK_THAT(w.message(), Catch::Contains("J(1, 0) != 0"));
}
