// Models: what odesynth derives from a model type, name validation, lambda-built models.
#include <catch2/catch.hpp>
#include <odesynth/lambda_model.hpp>
#include <odesynth/model.hpp>
#include <odesynth/solve.hpp>
#include <type_traits>

#include "test_models.hpp"

using Catch::Contains;
using odesynth::invalid_argument;
using odesynth::model_traits;
namespace models = test_models;

namespace model_test {
struct no_rhs {  // names only, no right-hand side
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 0> parameters{};
};
static_assert(no_rhs::species.size() == 1 && no_rhs::parameters.empty());
}  // namespace model_test
using model_test::no_rhs;

namespace {
struct not_a_model {
  int x;
};
struct explicit_sizes {  // sizes declared, names from functions
  static constexpr std::size_t state_size = 2;
  static constexpr std::size_t param_size = 1;
  std::vector<std::string> species() const { return {"a", "b"}; }
  std::vector<std::string> parameters() const { return {"k"}; }
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double, const P& p) const {
    dxdt[0] = -p[0] * x[0];
    dxdt[1] = p[0] * x[0];
  }
};
struct named_by_function {
  std::string name() const { return "custom-" + std::to_string(version); }
  int version = 3;
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 0> parameters{};
  template <class S, class P>
  void operator()(const S&, S& dxdt, double, const P&) const {
    dxdt[0] = 1;
  }
};
}  // namespace

TEST_CASE("fixed-size models get std::array states and compile-time sizes", "[model]") {
  using traits = model_traits<models::lotka_volterra>;
  STATIC_REQUIRE(traits::state_size == 2);
  STATIC_REQUIRE(traits::param_size == 4);
  STATIC_REQUIRE(traits::fixed_state);
  STATIC_REQUIRE(std::is_same_v<traits::state_type, std::array<double, 2>>);
  STATIC_REQUIRE(std::is_same_v<traits::param_type, std::array<double, 4>>);
  STATIC_REQUIRE(std::is_same_v<traits::jacobian_type, Eigen::Matrix2d>);
  STATIC_REQUIRE_FALSE(traits::has_jacobian);
  STATIC_REQUIRE(model_traits<models::robertson>::has_jacobian);
  STATIC_REQUIRE(odesynth::is_model_v<models::lotka_volterra>);
  STATIC_REQUIRE(model_traits<models::blow_up>::param_size == 0);
}

TEST_CASE("dynamic-size models get Eigen::VectorXd states", "[model]") {
  using traits = model_traits<models::linear_chain>;
  STATIC_REQUIRE(traits::state_size == odesynth::dynamic_size);
  STATIC_REQUIRE(std::is_same_v<traits::state_type, Eigen::VectorXd>);
  STATIC_REQUIRE(std::is_same_v<traits::param_type, Eigen::VectorXd>);
  STATIC_REQUIRE(std::is_same_v<traits::jacobian_type, Eigen::MatrixXd>);
  STATIC_REQUIRE(odesynth::is_model_v<models::linear_chain>);
  const auto d = odesynth::describe(models::linear_chain(3));
  CHECK(d->name() == "linear_chain");
  CHECK(d->species() == std::vector<std::string>{"x0", "x1", "x2"});
  CHECK(d->parameters() == std::vector<std::string>{"k"});
}

TEST_CASE("sizes can be declared while names come from functions", "[model]") {
  STATIC_REQUIRE(model_traits<explicit_sizes>::state_size == 2);
  STATIC_REQUIRE(std::is_same_v<model_traits<explicit_sizes>::state_type, std::array<double, 2>>);
  const auto tr =
      odesynth::solve(explicit_sizes{}, {1.0}, {1.0, 0.0}, odesynth::time_grid::linspace(0, 1, 2));
  REQUIRE(tr.ok());
  CHECK(tr.values()(1, 0) + tr.values()(1, 1) == Approx(1.0));
  CHECK(tr.model()->name() == "model");  // no name given
}

namespace {
struct big {
  static constexpr std::size_t state_size = 40;
  static constexpr std::size_t param_size = 0;
};
struct duplicate_species {
  static constexpr std::array<std::string_view, 2> species{"x", "x"};
  static constexpr std::array<std::string_view, 0> parameters{};
  template <class S, class P>
  void operator()(const S&, S& d, double, const P&) const {
    d[0] = d[1] = 0;
  }
};
}  // namespace

TEST_CASE("large fixed-size models use heap matrices for the Jacobian", "[model]") {
  STATIC_REQUIRE(std::is_same_v<model_traits<big>::jacobian_type, Eigen::MatrixXd>);
  STATIC_REQUIRE(std::is_same_v<model_traits<big>::state_type, std::array<double, 40>>);
}

TEST_CASE("types that are not models are recognised as such", "[model]") {
  STATIC_REQUIRE_FALSE(odesynth::is_model_v<not_a_model>);
  STATIC_REQUIRE_FALSE(odesynth::is_model_v<no_rhs>);
  STATIC_REQUIRE_FALSE(odesynth::is_model_v<int>);
}

TEST_CASE("the model name comes from a static member or a function or a default", "[model]") {
  CHECK(odesynth::model_name(models::lotka_volterra{}) == "lotka_volterra");
  CHECK(odesynth::model_name(named_by_function{}) == "custom-3");
  CHECK(odesynth::describe(named_by_function{})->name() == "custom-3");
  CHECK(odesynth::model_name(explicit_sizes{}) == "model");
}

TEST_CASE("model_description finds names by value", "[model]") {
  const auto d = odesynth::describe(models::lotka_volterra{});
  CHECK(d->num_species() == 2);
  CHECK(d->num_parameters() == 4);
  CHECK(d->species_index("predator") == 1u);
  CHECK(d->parameter_index("delta") == 3u);
  CHECK_FALSE(d->species_index("wolf").has_value());
}

TEST_CASE("bad names are typed errors naming the position and the name", "[model][input]") {
  auto make = [](std::vector<std::string> species, std::vector<std::string> params,
                 std::string name = "m") {
    return odesynth::model_description(std::move(name), std::move(species), std::move(params));
  };
  struct bad_case {
    const char* what;
    std::vector<std::string> species, params;
    std::string name;
    const char* field;
    const char* value;
  };
  const std::vector<bad_case> cases{
      {"empty species name", {"a", ""}, {}, "m", "m.species[1]", "\"\""},
      {"duplicate species", {"x", "y", "x"}, {}, "m", "m.species[2]", "\"x\""},
      {"duplicate parameter", {"x"}, {"k", "k"}, "m", "m.parameters[1]", "\"k\""},
      {"comma breaks a CSV header", {"a,b"}, {}, "m", "m.species[0]", "\"a,b\""},
      {"quote", {"say \"hi\""}, {}, "m", "m.species[0]", "\"say \"hi\"\""},
      {"newline", {"a\nb"}, {}, "m", "m.species[0]", "\"a\nb\""},
      {"leading space", {" a"}, {}, "m", "m.species[0]", "\" a\""},
      {"reserved time column", {"time"}, {}, "m", "m.species[0]", "\"time\""},
      {"no species", {}, {"k"}, "m", "m.species", "[]"},
      {"empty model name", {"x"}, {}, "", "model.name", "\"\""},
      {"model name with a slash", {"x"}, {}, "a/b", "model.name", "\"a/b\""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.what);
    try {
      (void)make(c.species, c.params, c.name);
      FAIL("no exception for " << c.what);
    } catch (const invalid_argument& e) {
      CHECK(e.field() == c.field);
      CHECK(e.value() == c.value);
      CHECK_THAT(e.what(), Contains(c.field) && Contains(c.value));
    }
  }
  CHECK_THROWS_WITH(make({"x", "y", "x"}, {}), Contains("is also species[0]"));
}

TEST_CASE("lambda models: dynamic and fixed size with and without a Jacobian", "[model][lambda]") {
  auto rhs = [](const auto& x, auto& dxdt, double /*t*/, const auto& p) { dxdt[0] = -p[0] * x[0]; };
  const auto grid = odesynth::time_grid::linspace(0, 2, 3);

  SECTION("dynamic size") {
    auto m = odesynth::make_model("decay", {"x"}, {"k"}, rhs);
    STATIC_REQUIRE_FALSE(model_traits<decltype(m)>::fixed_state);
    STATIC_REQUIRE_FALSE(model_traits<decltype(m)>::has_jacobian);
    const auto tr = odesynth::solve(m, {0.5}, {1.0}, grid);
    REQUIRE(tr.ok());
    CHECK(tr.values()(2, 0) == Approx(std::exp(-1.0)).epsilon(1e-6));
    CHECK(tr.species() == std::vector<std::string>{"x"});
  }
  SECTION("fixed size with an analytic Jacobian") {
    auto jac = [](const auto& /*x*/, auto& J, double /*t*/, const auto& p) { J(0, 0) = -p[0]; };
    auto m = odesynth::make_model<1, 1>("decay", {"x"}, {"k"}, rhs, jac);
    STATIC_REQUIRE(model_traits<decltype(m)>::fixed_state);
    STATIC_REQUIRE(std::is_same_v<model_traits<decltype(m)>::state_type, std::array<double, 1>>);
    STATIC_REQUIRE(model_traits<decltype(m)>::has_jacobian);
    // A solver compiled with rosenbrock4 alone: the options' unset stepper resolves to it.
    using stiff = odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>;
    const auto tr = odesynth::solve<stiff>(m, {0.5}, {1.0}, grid);
    REQUIRE(tr.ok());
    CHECK(tr.values()(2, 0) == Approx(std::exp(-1.0)).epsilon(1e-5));
  }
  SECTION("names are validated when the model is made") {
    CHECK_THROWS_AS(odesynth::make_model("decay", {"x", "x"}, {"k"}, rhs), invalid_argument);
    CHECK_THROWS_WITH((odesynth::make_model<2, 1>("decay", {"x"}, {"k"}, rhs)),
                      Contains("decay.species") && Contains("2 species names"));
    CHECK_THROWS_WITH((odesynth::make_model<1, 2>("decay", {"x"}, {"k"}, rhs)),
                      Contains("decay.parameters") && Contains("2 parameter names"));
  }
}

TEST_CASE("a model class is validated when a solver is built", "[model][input]") {
  CHECK_THROWS_WITH(odesynth::solver<duplicate_species>(duplicate_species{}),
                    Contains("model.species[1]") && Contains("\"x\""));
}
