// odesynth::sbml: SBML documents solve like the same models written in C++, every supported
// construct gives the equations derived by hand, and every refused one is named.
#include <sbml/SBMLTypes.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <odesynth/generator.hpp>
#include <odesynth/models/brusselator.hpp>
#include <odesynth/models/repressilator.hpp>
#include <odesynth/sbml.hpp>
#include <odesynth/solve.hpp>
#include <string>
#include <vector>

namespace {

const std::string models_dir = ODESYNTH_SBML_MODELS;

/// MathML for a formula in libSBML's infix syntax ("k * S", "piecewise(1, time < 2, 0)").
std::string math(const std::string& formula) {
  const std::unique_ptr<ASTNode> ast(SBML_parseL3Formula(formula.c_str()));
  REQUIRE(ast);
  char* text = writeMathMLToString(ast.get());
  std::string out(text);
  std::free(text);
  return out.substr(out.find("<math"));
}

/// An SBML Level 3 Version 2 document around the model's lists.
std::string document(const std::string& lists) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
         "<sbml xmlns=\"http://www.sbml.org/sbml/level3/version2/core\" level=\"3\" "
         "version=\"2\">\n<model id=\"test\">\n" +
         lists + "</model>\n</sbml>\n";
}

std::string compartment(const std::string& id, double size, bool constant = true) {
  return "<compartment id=\"" + id + "\" spatialDimensions=\"3\" size=\"" + std::to_string(size) +
         "\" constant=\"" + (constant ? "true" : "false") + "\"/>\n";
}

/// `initial` is e.g. initialConcentration="2"; amounts: hasOnlySubstanceUnits="true".
std::string species(const std::string& id, const std::string& initial, bool amount = false,
                    bool boundary = false, const std::string& in = "cell") {
  return "<species id=\"" + id + "\" compartment=\"" + in + "\" " + initial +
         " hasOnlySubstanceUnits=\"" + (amount ? "true" : "false") + "\" boundaryCondition=\"" +
         (boundary ? "true" : "false") + "\" constant=\"false\"/>\n";
}

std::string parameter(const std::string& id, double value, bool constant = true) {
  return "<parameter id=\"" + id + "\" value=\"" + std::to_string(value) + "\" constant=\"" +
         (constant ? "true" : "false") + "\"/>\n";
}

/// A reaction; reactants and products as "S" or "2 S" items.
std::string reaction(const std::string& id, const std::vector<std::string>& reactants,
                     const std::vector<std::string>& products, const std::string& law,
                     const std::string& locals = "", const std::string& attributes = "") {
  // "~X" among the reactants: X is a modifier.
  std::vector<std::string> consumed, modifiers;
  for (const auto& item : reactants)
    (item[0] == '~' ? modifiers : consumed).push_back(item[0] == '~' ? item.substr(1) : item);
  std::string modifier_list;
  for (const auto& item : modifiers)
    modifier_list += "<modifierSpeciesReference species=\"" + item + "\"/>\n";
  if (!modifier_list.empty())
    modifier_list = "<listOfModifiers>" + modifier_list + "</listOfModifiers>\n";
  const auto refs = [](const char* list, const std::vector<std::string>& items) {
    if (items.empty()) return std::string();
    std::string out = std::string("<") + list + ">\n";
    for (const auto& item : items) {
      const auto space = item.find(' ');
      const std::string n = space == std::string::npos ? "1" : item.substr(0, space);
      const std::string s = space == std::string::npos ? item : item.substr(space + 1);
      out += "<speciesReference species=\"" + s + "\" stoichiometry=\"" + n +
             "\" constant=\"true\"/>\n";
    }
    return out + "</" + list + ">\n";
  };
  return "<reaction id=\"" + id + "\" reversible=\"false\" " + attributes + ">\n" +
         refs("listOfReactants", consumed) + refs("listOfProducts", products) + modifier_list +
         "<kineticLaw>" + math(law) +
         (locals.empty() ? "" : "<listOfLocalParameters>" + locals + "</listOfLocalParameters>") +
         "</kineticLaw>\n</reaction>\n";
}

/// The right-hand side of an SBML model at (x, t) with the file's parameter values.
std::vector<double> rhs(const odesynth::sbml_model& m, const std::vector<double>& x, double t = 0) {
  Eigen::VectorXd state = Eigen::Map<const Eigen::VectorXd>(x.data(), x.size()), out(x.size());
  const Eigen::VectorXd p =
      Eigen::Map<const Eigen::VectorXd>(m.parameter_values.data(), m.parameter_values.size());
  m.model(state, out, t, p);
  return {out.data(), out.data() + out.size()};
}

// Largest |a - b| / max(1, |b|) over two trajectories' values in the given columns of `a`.
double worst_difference(const odesynth::trajectory& a, const std::vector<int>& columns,
                        const odesynth::trajectory& b) {
  REQUIRE(a.values().rows() == b.values().rows());
  double worst = 0;
  for (Eigen::Index i = 0; i < b.values().rows(); ++i)
    for (Eigen::Index j = 0; j < b.values().cols(); ++j)
      worst = std::max(worst, std::fabs(a.values()(i, columns[j]) - b.values()(i, j)) /
                                  std::max(1.0, std::fabs(b.values()(i, j))));
  return worst;
}

template <class F>
void check_refused(F&& read, const std::string& construct, const std::string& id,
                   const std::string& words) {
  try {
    read();
    FAIL("accepted");
  } catch (const odesynth::invalid_argument& e) {
    CHECK(e.field() == construct);
    CHECK(e.value() == id);
    CHECK_THAT(e.what(), Catch::Contains(construct) && Catch::Contains(id) &&
                             Catch::Contains(words) && Catch::Contains("test.xml:"));
  }
}

}  // namespace

TEST_CASE("the repressilator from SBML solves like models::repressilator", "[sbml]") {
  const auto m = odesynth::read_sbml_file(models_dir + "/repressilator.xml");
  using cpp = odesynth::models::repressilator;
  CHECK(m.model.name() == "repressilator");
  CHECK(m.model.species() ==
        std::vector<std::string>{"lacI_mRNA", "tetR_mRNA", "cI_mRNA", "LacI", "TetR", "CI"});
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "alpha", "alpha0", "beta", "n"});
  CHECK(m.parameter_values == std::vector<double>{1, 216.4, 0.2164, 0.2, 2});
  CHECK(m.initial_state ==
        std::vector<double>(cpp::default_initial_state.begin(), cpp::default_initial_state.end()));
  odesynth::solve_options o;
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-10;
  const auto grid = odesynth::time_grid::linspace(0, 100, 201);
  const auto from_sbml = odesynth::solve(m.model, m.parameter_values, m.initial_state, grid, o);
  const auto from_cpp =
      odesynth::solve(cpp{}, cpp::default_parameters, cpp::default_initial_state, grid, o);
  REQUIRE(from_sbml.ok());
  REQUIRE(from_cpp.ok());
  // The same terms summed in another order (reaction by reaction; multiplying and dividing
  // by the compartment's size 1 is exact), so right-hand sides differ by an ulp or two and
  // the adaptive steps by as little; on the limit cycle such differences grow only as the
  // phase error does. Measured 6e-13 over 100 lifetimes (g++ 12 -O2); 1e-9 leaves room for a
  // compiler that contracts a * b + c into a fused multiply-add in one model and not the
  // other, and is still a billionth of the values.
  CHECK(worst_difference(from_sbml, {0, 1, 2, 3, 4, 5}, from_cpp) < 1e-9);
}

TEST_CASE("the Brusselator from SBML Level 2 solves like models::brusselator", "[sbml]") {
  const auto m = odesynth::read_sbml_file(models_dir + "/brusselator.xml");
  using cpp = odesynth::models::brusselator;
  CHECK(m.model.species() == std::vector<std::string>{"X", "Y", "A", "B"});
  CHECK(m.initial_state == std::vector<double>{1.5, 3, 1, 3});
  odesynth::solve_options o;
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-10;
  const auto grid = odesynth::time_grid::linspace(0, cpp::default_t_end, 201);
  const auto from_sbml = odesynth::solve(m.model, m.parameter_values, m.initial_state, grid, o);
  const auto from_cpp = odesynth::solve(cpp{}, {1.0, 3.0}, {1.5, 3.0}, grid, o);
  REQUIRE(from_sbml.ok());
  // A and B are boundary species: constant.
  CHECK(from_sbml.values().col(2).isConstant(1.0));
  CHECK(from_sbml.values().col(3).isConstant(3.0));
  // As for the repressilator (reordered sums; mass action writes X^2 Y where the C++ model
  // writes X X Y): measured 7e-11 over three cycles, whose fast phase amplifies more.
  CHECK(worst_difference(from_sbml, {0, 1}, from_cpp) < 1e-8);
  // The stiff stepper takes the symbolic Jacobian of the translated equations.
  odesynth::solve_options stiff = o;
  stiff.stepper = odesynth::stepper_kind::rosenbrock4;
  const auto rosenbrock =
      odesynth::solve<odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>>(
          m.model, m.parameter_values, m.initial_state, grid, stiff);
  REQUIRE(rosenbrock.ok());
  // Another method: the two agree to their tolerances' accumulation (measured 4e-9).
  CHECK(worst_difference(rosenbrock, {0, 1}, from_cpp) < 1e-7);
}

namespace {
// Goldbeter (1991), written out as in the paper (see tests/sbml/models/goldbeter1991.xml).
struct goldbeter1991 {
  static constexpr std::array<std::string_view, 3> species{"C", "M", "X"};
  static constexpr std::array<std::string_view, 13> parameters{
      "vi", "kd", "vd", "Kd", "Kc", "VM1", "V2", "VM3", "V4", "K1", "K2", "K3", "K4"};
  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double, const Params& p) const {
    const double C = x[0], M = x[1], X = x[2];
    const double V1 = C * p[5] / (p[4] + C), V3 = M * p[7];
    dxdt[0] = p[0] - p[2] * X * C / (p[3] + C) - p[1] * C;
    dxdt[1] = V1 * (1 - M) / (p[9] + 1 - M) - p[6] * M / (p[10] + M);
    dxdt[2] = V3 * (1 - X) / (p[11] + 1 - X) - p[8] * X / (p[12] + X);
  }
};
}  // namespace

TEST_CASE("Goldbeter 1991 mitotic oscillator from SBML matches the equations in C++", "[sbml]") {
  const auto m = odesynth::read_sbml_file(models_dir + "/goldbeter1991.xml");
  CHECK(m.model.species() == std::vector<std::string>{"C", "M", "X"});
  // V1 and V3 have assignment rules: substituted, so not parameters.
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "vi", "kd", "vd", "Kd", "Kc",
                                                         "VM1", "V2", "VM3", "V4", "K1", "K2", "K3",
                                                         "K4"});
  const std::vector<double> p(m.parameter_values.begin() + 1, m.parameter_values.end());
  CHECK(p == std::vector<double>{0.025, 0.01, 0.25, 0.02, 0.5, 3, 1.5, 1, 0.5, 0.005, 0.005, 0.005,
                                 0.005});
  odesynth::solve_options o;
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-12;
  const auto grid = odesynth::time_grid::linspace(0, 100, 401);
  const auto from_sbml = odesynth::solve(m.model, m.parameter_values, m.initial_state, grid, o);
  const auto from_cpp = odesynth::solve(goldbeter1991{}, p, {0.01, 0.01, 0.01}, grid, o);
  REQUIRE(from_sbml.ok());
  // The same operations in the same order (cell = 1 multiplies and divides exactly):
  // measured equal bit for bit. The bound is the repressilator's, for compilers that fuse
  // multiply-adds in the C++ model.
  CHECK(worst_difference(from_sbml, {0, 1, 2}, from_cpp) < 1e-9);
  // It oscillates: cyclin peaks 25 minutes apart (27.25, 52.25, 77.5 on this grid of 0.25).
  std::vector<double> peaks;
  const auto& C = from_sbml.values().col(0);
  for (Eigen::Index i = 1; i + 1 < C.size(); ++i)
    if (C[i] > C[i - 1] && C[i] >= C[i + 1] && grid.times()[i] > 20)
      peaks.push_back(grid.times()[i]);
  REQUIRE(peaks.size() >= 2);
  CAPTURE(peaks);
  CHECK(peaks[1] - peaks[0] == Approx(25).margin(0.5));
}

TEST_CASE("concentrations in a compartment of volume 2 change by rate over volume", "[sbml]") {
  // S (concentration, 4 mol in 2 L: [S] = 2) -> P (amount); Q an amount given as a
  // concentration (3 per L in 2 L: 6). Kinetic laws are in amount per time, so by hand:
  //   d[S]/dt = -k [S] V / V = -k [S],   dP/dt = k [S] V,   dQ/dt = 0.
  const auto m = odesynth::read_sbml(
      document("<listOfCompartments>" + compartment("cell", 2) + "</listOfCompartments>\n" +
               "<listOfSpecies>" + species("S", "initialAmount=\"4\"") +
               species("P", "initialAmount=\"0\"", true) +
               species("Q", "initialConcentration=\"3\"", true) + "</listOfSpecies>\n" +
               "<listOfParameters>" + parameter("k", 0.5) + "</listOfParameters>\n" +
               "<listOfReactions>" + reaction("R", {"S"}, {"P"}, "k * S * cell") +
               "</listOfReactions>\n"),
      "test.xml");
  CHECK(m.model.species() == std::vector<std::string>{"S", "P", "Q"});
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "k"});
  CHECK(m.parameter_values == std::vector<double>{2, 0.5});
  CHECK(m.initial_state == std::vector<double>{2, 0, 6});
  const auto d = rhs(m, {1.5, 0.7, 6});
  CHECK(d[0] == Approx(-0.5 * 1.5));
  CHECK(d[1] == Approx(0.5 * 1.5 * 2));
  CHECK(d[2] == 0);
  // Solved: [S] = 2 exp(-k t), P = V (2 - [S]) = 4 (1 - exp(-k t)).
  odesynth::solve_options o;
  o.rel_tol = 1e-10;
  const auto tr = odesynth::solve(m.model, m.parameter_values, m.initial_state,
                                  odesynth::time_grid::linspace(0, 4, 5), o);
  REQUIRE(tr.ok());
  CHECK(tr.values()(4, 0) == Approx(2 * std::exp(-2.0)).epsilon(1e-8));
  CHECK(tr.values()(4, 1) == Approx(4 * (1 - std::exp(-2.0))).epsilon(1e-8));
}

TEST_CASE("a compartment with a rate rule dilutes its concentration species", "[sbml]") {
  // V' = g; S made at k (amount per time): d[S]/dt = (k - [S] g) / V.
  const auto m = odesynth::read_sbml(
      document("<listOfCompartments>" + compartment("cell", 1.5, false) +
               "</listOfCompartments>\n<listOfSpecies>" +
               species("S", "initialConcentration=\"1\"") + "</listOfSpecies>\n<listOfParameters>" +
               parameter("k", 0.3) + parameter("g", 0.2) +
               "</listOfParameters>\n<listOfRules><rateRule variable=\"cell\">" + math("g") +
               "</rateRule></listOfRules>\n<listOfReactions>" + reaction("make", {}, {"S"}, "k") +
               "</listOfReactions>\n"),
      "test.xml");
  CHECK(m.model.species() == std::vector<std::string>{"S", "cell"});
  CHECK(m.model.parameters() == std::vector<std::string>{"k", "g"});
  CHECK(m.initial_state == std::vector<double>{1, 1.5});
  const auto d = rhs(m, {0.8, 2.5});
  CHECK(d[0] == Approx((0.3 - 0.8 * 0.2) / 2.5));
  CHECK(d[1] == Approx(0.2));
}

TEST_CASE("local parameters become globals named reaction_parameter", "[sbml]") {
  const std::string local_k = "<localParameter id=\"k\" value=\"2\"/>";
  const auto m = odesynth::read_sbml(
      document(
          "<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
          "<listOfSpecies>" + species("A", "initialConcentration=\"1\"") +
          species("B", "initialConcentration=\"0\"") + "</listOfSpecies>\n" + "<listOfParameters>" +
          parameter("k", 7) + "</listOfParameters>\n" + "<listOfReactions>" +
          reaction("forward", {"A"}, {"B"}, "k * A", local_k) +
          reaction("back", {"B"}, {"A"}, "k * B", "<localParameter id=\"k\" value=\"0.25\"/>") +
          reaction("leak", {"B"}, {}, "k * B") + "</listOfReactions>\n"),
      "test.xml");
  // The local k shadows the global one inside its own kinetic law only.
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "k", "forward_k", "back_k"});
  CHECK(m.parameter_values == std::vector<double>{1, 7, 2, 0.25});
  CHECK_THAT(m.notes.at(0), Catch::Contains("local parameter \"k\" of reaction \"forward\"") &&
                                Catch::Contains("\"forward_k\""));
  const auto d = rhs(m, {1.0, 2.0});
  CHECK(d[0] == Approx(-2 * 1.0 + 0.25 * 2.0));
  CHECK(d[1] == Approx(2 * 1.0 - 0.25 * 2.0 - 7 * 2.0));
}

TEST_CASE("assignment rules are substituted in dependency order", "[sbml]") {
  // y uses z, which is defined after it; S's rate uses y.
  const auto m = odesynth::read_sbml(
      document("<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
               "<listOfSpecies>" + species("S", "initialConcentration=\"3\"") +
               species("T", "initialConcentration=\"1\"") + "</listOfSpecies>\n" +
               "<listOfParameters>" + parameter("a", 0.5) + parameter("y", 0, false) +
               parameter("z", 0, false) + "</listOfParameters>\n" +
               "<listOfRules><assignmentRule variable=\"y\">" + math("2 * z") +
               "</assignmentRule><assignmentRule variable=\"z\">" + math("a * S + 1") +
               "</assignmentRule><assignmentRule variable=\"T\">" + math("S / 2") +
               "</assignmentRule></listOfRules>\n<listOfReactions>" +
               reaction("use", {"S", "~T"}, {}, "y * T") + "</listOfReactions>\n"),
      "test.xml");
  // T has an assignment rule: not a state, substituted; y and z not parameters.
  CHECK(m.model.species() == std::vector<std::string>{"S"});
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "a"});
  CAPTURE(m.equations);
  // Each substituted rule stays one operand, as the tree it was in the file.
  CHECK(m.equations.find("dS = -((2 * (a * S + 1)) * (S / 2)) / cell\n") != std::string::npos);
  const auto d = rhs(m, {3.0});
  CHECK(d[0] == Approx(-(2 * (0.5 * 3 + 1)) * (3.0 / 2)));
}

TEST_CASE("a rate rule on a parameter makes it a state variable", "[sbml]") {
  const auto m = odesynth::read_sbml(
      document("<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
               "<listOfSpecies>" + species("S", "initialConcentration=\"1\"") +
               "</listOfSpecies>\n<listOfParameters>" + parameter("k", 2, false) +
               parameter("decay", 0.5) + "</listOfParameters>\n" +
               "<listOfRules><rateRule variable=\"k\">" + math("-decay * k") +
               "</rateRule></listOfRules>\n<listOfReactions>" + reaction("R", {"S"}, {}, "k * S") +
               "</listOfReactions>\n"),
      "test.xml");
  CHECK(m.model.species() == std::vector<std::string>{"S", "k"});
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "decay"});
  CHECK(m.initial_state == std::vector<double>{1, 2});
  // k = 2 exp(-t/2), S = exp(-4 (1 - exp(-t/2))).
  odesynth::solve_options o;
  o.rel_tol = 1e-10;
  o.abs_tol = 1e-12;
  const auto tr = odesynth::solve(m.model, m.parameter_values, m.initial_state,
                                  odesynth::time_grid::linspace(0, 3, 4), o);
  REQUIRE(tr.ok());
  CHECK(tr.values()(3, 1) == Approx(2 * std::exp(-1.5)).epsilon(1e-8));
  CHECK(tr.values()(3, 0) == Approx(std::exp(-4 * (1 - std::exp(-1.5)))).epsilon(1e-8));
}

TEST_CASE("initial assignments set the initial state and parameter values", "[sbml]") {
  const auto m = odesynth::read_sbml(
      document("<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
               "<listOfSpecies>" + species("S", "initialConcentration=\"1\"") +
               species("A", "initialAmount=\"1\"", true) + "</listOfSpecies>\n" +
               "<listOfParameters>" + parameter("total", 10) + parameter("k", 1) +
               parameter("half", 0, false) + "</listOfParameters>\n" +
               "<listOfInitialAssignments>"
               "<initialAssignment symbol=\"S\">" +
               math("total / 4") + "</initialAssignment><initialAssignment symbol=\"cell\">" +
               math("total / 5") + "</initialAssignment><initialAssignment symbol=\"k\">" +
               math("S * 2 + time") + "</initialAssignment></listOfInitialAssignments>\n" +
               "<listOfRules><assignmentRule variable=\"half\">" + math("total / 2") +
               "</assignmentRule></listOfRules>\n" + "<listOfReactions>" +
               reaction("R", {"S"}, {"A"}, "k * half * S") + "</listOfReactions>\n"),
      "test.xml");
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "total", "k"});
  // cell = 10 / 5, S = 10 / 4 (a concentration), k = 2 S at t = 0; A keeps its amount.
  CHECK(m.parameter_values == std::vector<double>{2, 10, 5});
  CHECK(m.initial_state == std::vector<double>{2.5, 1});
  const auto d = rhs(m, {2.5, 1});
  CHECK(d[0] == Approx(-5 * 5 * 2.5 / 2));
  CHECK(d[1] == Approx(5 * 5 * 2.5));
}

TEST_CASE("function definitions are inlined with their arguments", "[sbml]") {
  const auto m = odesynth::read_sbml(
      document(
          "<listOfFunctionDefinitions><functionDefinition id=\"mm\">" +
          math("lambda(s, v, K, v * s / (K + s))") +
          "</functionDefinition><functionDefinition id=\"twice_mm\">" +
          math("lambda(x, 2 * mm(x, 1, x))") +
          "</functionDefinition></listOfFunctionDefinitions>\n" + "<listOfCompartments>" +
          compartment("cell", 1) + "</listOfCompartments>\n" + "<listOfSpecies>" +
          species("S", "initialConcentration=\"4\"") + "</listOfSpecies>\n<listOfParameters>" +
          parameter("Vmax", 3) + parameter("Km", 0.5) + "</listOfParameters>\n<listOfReactions>" +
          reaction("R", {"S"}, {}, "mm(S + 0, Vmax, Km) + twice_mm(Km)") + "</listOfReactions>\n"),
      "test.xml");
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "Vmax", "Km"});
  const auto d = rhs(m, {4.0});
  CHECK(d[0] == Approx(-(3 * 4.0 / (0.5 + 4.0) + 2 * (1 * 0.5 / (0.5 + 0.5)))));
}

TEST_CASE("piecewise and comparisons and logic become if and its conditions", "[sbml]") {
  // A pulse for 2 time units, then S decays only while it is above 1 and the switch is on.
  const auto m = odesynth::read_sbml(
      document("<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
               "<listOfSpecies>" + species("S", "initialConcentration=\"0\"") +
               "</listOfSpecies>\n<listOfParameters>" + parameter("on", 1) +
               "</listOfParameters>\n<listOfReactions>" +
               reaction("pulse", {}, {"S"}, "piecewise(1.5, time < 2, 0)") +
               reaction("decay", {"S"}, {}, "piecewise(S - 1, S > 1 && on == 1, 0)") +
               "</listOfReactions>\n"),
      "test.xml");
  CHECK(rhs(m, {0.5}, 1.0)[0] == 1.5);
  CHECK(rhs(m, {2.0}, 1.0)[0] == 1.5 - 1.0);
  CHECK(rhs(m, {2.0}, 3.0)[0] == -1.0);
  CHECK(rhs(m, {0.5}, 3.0)[0] == 0.0);
  // The Jacobian holds on each piece.
  Eigen::MatrixXd J = Eigen::MatrixXd::Zero(1, 1);
  m.model.jacobian(Eigen::VectorXd::Constant(1, 2.0).eval(), J, 3.0,
                   Eigen::Map<const Eigen::VectorXd>(m.parameter_values.data(), 2).eval());
  CHECK(J(0, 0) == -1.0);
  odesynth::solve_options o;
  o.rel_tol = 1e-9;
  o.abs_tol = 1e-12;
  const auto tr = odesynth::solve(m.model, m.parameter_values, m.initial_state,
                                  odesynth::time_grid::linspace(0, 6, 7), o);
  REQUIRE(tr.ok());
  // For t < 2: S' = 1.5 below 1, then S' = 1.5 - (S - 1), S = 2.5 - 1.5 exp(-(t - 2/3));
  // after t = 2: S' = -(S - 1), S = 1 + (S(2) - 1) exp(-(t - 2)).
  const double s2 = 2.5 - 1.5 * std::exp(-(2 - 2.0 / 3));
  CHECK(tr.values()(2, 0) == Approx(s2).epsilon(1e-6));
  CHECK(tr.values()(6, 0) == Approx(1 + (s2 - 1) * std::exp(-4.0)).epsilon(1e-6));
}

TEST_CASE("ids the equation language reserves are renamed and noted", "[sbml]") {
  const auto m = odesynth::read_sbml(
      document("<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
               "<listOfSpecies>" + species("t", "initialConcentration=\"1\"") +
               species("time", "initialConcentration=\"2\"") + "</listOfSpecies>\n" +
               "<listOfParameters>" + parameter("exp", 0.5) + parameter("if", 2) +
               "</listOfParameters>\n<listOfReactions>" +
               reaction("R", {"t"}, {"time"}, "exp * t * if") + "</listOfReactions>\n"),
      "test.xml");
  CHECK(m.model.species() == std::vector<std::string>{"t_", "time_"});
  CHECK(m.model.parameters() == std::vector<std::string>{"cell", "exp_", "if_"});
  CHECK_THAT(m.notes.at(0), Catch::Contains("\"t\" is called \"t_\""));
  const auto d = rhs(m, {1.0, 2.0}, 5.0);
  CHECK(d[0] == Approx(-1.0));
  CHECK(d[1] == Approx(1.0));
}

TEST_CASE("refused: events by name and id", "[sbml][errors]") {
  check_refused(
      [] {
        odesynth::read_sbml(
            document("<listOfCompartments>" + compartment("cell", 1) +
                     "</listOfCompartments>\n<listOfSpecies>" +
                     species("S", "initialConcentration=\"1\"") +
                     "</listOfSpecies>\n<listOfEvents><event id=\"reset\" "
                     "useValuesFromTriggerTime=\"true\"><trigger initialValue=\"false\" "
                     "persistent=\"true\">" +
                     math("time > 1") +
                     "</trigger><listOfEventAssignments><eventAssignment variable=\"S\">" +
                     math("0") +
                     "</eventAssignment></listOfEventAssignments></event>"
                     "</listOfEvents>\n"),
            "test.xml");
      },
      "event", "reset", "events are not supported");
}

TEST_CASE("refused: delay in a kinetic law", "[sbml][errors]") {
  check_refused(
      [] {
        odesynth::read_sbml(
            document("<listOfCompartments>" + compartment("cell", 1) +
                     "</listOfCompartments>\n<listOfSpecies>" +
                     species("S", "initialConcentration=\"1\"") +
                     "</listOfSpecies>\n<listOfReactions>" +
                     reaction("lagged", {"S"}, {}, "delay(S, 2)") + "</listOfReactions>\n"),
            "test.xml");
      },
      "delay", "lagged", "kinetic law of reaction \"lagged\"");
}

TEST_CASE("refused: algebraic rules", "[sbml][errors]") {
  check_refused(
      [] {
        odesynth::read_sbml(
            document("<listOfCompartments>" + compartment("cell", 1) +
                     "</listOfCompartments>\n<listOfSpecies>" +
                     species("S", "initialConcentration=\"1\"") +
                     "</listOfSpecies>\n<listOfParameters>" + parameter("x", 1, false) +
                     "</listOfParameters>\n<listOfRules><algebraicRule>" + math("x - S") +
                     "</algebraicRule></listOfRules>\n"),
            "test.xml");
      },
      "algebraicRule", "#1", "algebraic rules (DAEs) are not supported");
}

TEST_CASE("refused: fast reactions", "[sbml][errors]") {
  // fast= exists in Level 3 Version 1 only.
  std::string xml = document(
      "<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n<listOfSpecies>" +
      species("S", "initialConcentration=\"1\"") + "</listOfSpecies>\n<listOfReactions>" +
      reaction("quick", {"S"}, {}, "S", "", "fast=\"true\"") + "</listOfReactions>\n");
  xml.replace(xml.find("level3/version2"), 15, "level3/version1");
  xml.replace(xml.find("version=\"2\""), 11, "version=\"1\"");
  check_refused([&] { odesynth::read_sbml(xml, "test.xml"); }, "fast", "quick", "fast reactions");
}

TEST_CASE("refused: MathML that is not translated names its element", "[sbml][errors]") {
  check_refused(
      [] {
        odesynth::read_sbml(
            document("<listOfCompartments>" + compartment("cell", 1) +
                     "</listOfCompartments>\n<listOfSpecies>" +
                     species("S", "initialConcentration=\"3\"") +
                     "</listOfSpecies>\n<listOfReactions>" +
                     reaction("count", {"S"}, {}, "factorial(S)") + "</listOfReactions>\n"),
            "test.xml");
      },
      "factorial", "count", "MathML <factorial> is not supported");
}

TEST_CASE("refused: rateOf and constraints and a missing kinetic law", "[sbml][errors]") {
  const std::string head = "<listOfCompartments>" + compartment("cell", 1) +
                           "</listOfCompartments>\n<listOfSpecies>" +
                           species("S", "initialConcentration=\"3\"") + "</listOfSpecies>\n";
  check_refused(
      [&] {
        odesynth::read_sbml(document(head + "<listOfParameters>" + parameter("x", 0, false) +
                                     "</listOfParameters><listOfRules><rateRule variable=\"x\">" +
                                     math("rateOf(S)") + "</rateRule></listOfRules>\n"),
                            "test.xml");
      },
      "rateOf", "x", "rate rule for \"x\"");
  check_refused(
      [&] {
        odesynth::read_sbml(document(head + "<listOfConstraints><constraint metaid=\"bound\">" +
                                     math("S < 10") + "</constraint></listOfConstraints>\n"),
                            "test.xml");
      },
      "constraint", "bound", "constraints are not supported");
  check_refused(
      [&] {
        odesynth::read_sbml(
            document(head + "<listOfReactions><reaction id=\"lawless\" reversible=\"false\">"
                            "<listOfReactants><speciesReference species=\"S\" stoichiometry=\"1\" "
                            "constant=\"true\"/></listOfReactants></reaction></listOfReactions>\n"),
            "test.xml");
      },
      "kineticLaw", "lawless", "has no kineticLaw");
}

TEST_CASE("refused: assignment rules whose substitution doubles per level", "[sbml][errors]") {
  // r1 = S * S, r(k) = r(k-1) * r(k-1): r30's text would hold 2^30 copies of S; r22's
  // 2^22, about 23 MB, is the first over the limit.
  std::string parameters, rules;
  for (int k = 1; k <= 30; ++k) {
    const std::string r = "r" + std::to_string(k);
    const std::string previous = k == 1 ? "S" : "r" + std::to_string(k - 1);
    parameters += parameter(r, 0, false);
    rules += "<assignmentRule variable=\"" + r + "\">" + math(previous + " * " + previous) +
             "</assignmentRule>";
  }
  check_refused(
      [&] {
        odesynth::read_sbml(
            document("<listOfCompartments>" + compartment("cell", 1) +
                     "</listOfCompartments>\n<listOfSpecies>" +
                     species("S", "initialConcentration=\"1\"") + "</listOfSpecies>\n" +
                     "<listOfParameters>" + parameters + "</listOfParameters>\n<listOfRules>" +
                     rules + "</listOfRules>\n<listOfReactions>" + reaction("R", {"S"}, {}, "r30") +
                     "</listOfReactions>\n"),
            "test.xml");
      },
      "assignmentRule", "r22", "MB of equation text");
}

TEST_CASE("malformed XML and invalid SBML are parse_errors at their line", "[sbml][errors]") {
  try {
    odesynth::read_sbml("<?xml version=\"1.0\"?>\n<sbml xmlns=\"x\">\n<model>\n</sbml>\n",
                        "bad.xml");
    FAIL("accepted");
  } catch (const odesynth::parse_error& e) {
    CHECK(e.path() == "bad.xml");
    CHECK(e.line() == 4);
    CHECK_THAT(e.what(), Catch::Contains("bad.xml:4:"));
  }
  // Well-formed XML, but a reaction names a species that does not exist.
  const std::string xml = document(
      "<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
      "<listOfSpecies>" + species("S", "initialConcentration=\"1\"") + "</listOfSpecies>\n" +
      "<listOfReactions>" + reaction("R", {"Nope"}, {}, "1") + "</listOfReactions>\n");
  try {
    odesynth::read_sbml(xml, "test.xml");
    FAIL("accepted");
  } catch (const odesynth::parse_error& e) {
    CHECK(e.line() > 0);
    CHECK_THAT(e.what(), Catch::Contains("Nope"));
  }
  // An assignment-rule cycle.
  const std::string cycle = document(
      "<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
      "<listOfSpecies>" + species("S", "initialConcentration=\"1\"") + "</listOfSpecies>\n" +
      "<listOfParameters>" + parameter("a", 0, false) + parameter("b", 0, false) +
      "</listOfParameters>\n<listOfRules><assignmentRule variable=\"a\">" + math("b + 1") +
      "</assignmentRule><assignmentRule variable=\"b\">" + math("a * S") +
      "</assignmentRule></listOfRules>\n");
  CHECK_THROWS_AS(odesynth::read_sbml(cycle, "test.xml"), odesynth::parse_error);
  CHECK_THROWS_AS(odesynth::read_sbml_file(models_dir + "/no_such_file.xml"), odesynth::io_error);
}

TEST_CASE("conversion factors scale the changes of their species", "[sbml]") {
  // The model's factor (2) for S; P has its own (0.5): dS = -2 k S, dP = 0.5 k S.
  std::string xml =
      document("<listOfCompartments>" + compartment("cell", 1) + "</listOfCompartments>\n" +
               "<listOfSpecies>" + species("S", "initialConcentration=\"1\"") +
               species("P", "initialConcentration=\"0\"") + "</listOfSpecies>\n" +
               "<listOfParameters>" + parameter("k", 3) + parameter("model_factor", 2) +
               parameter("p_factor", 0.5) + "</listOfParameters>\n<listOfReactions>" +
               reaction("R", {"S"}, {"P"}, "k * S") + "</listOfReactions>\n");
  const auto put = [&xml](const std::string& what, const std::string& by) {
    xml.replace(xml.find(what), what.size(), by);
  };
  put("<model id=\"test\"", "<model id=\"test\" conversionFactor=\"model_factor\"");
  put("<species id=\"P\"", "<species id=\"P\" conversionFactor=\"p_factor\"");
  const auto m = odesynth::read_sbml(xml, "test.xml");
  const auto d = rhs(m, {1.5, 0});
  CHECK(d[0] == Approx(-2 * 3 * 1.5));
  CHECK(d[1] == Approx(0.5 * 3 * 1.5));
}

namespace docs_models_md {
// The example of docs/models.md, "Models from SBML", verbatim.
int main() {
  const odesynth::sbml_model m = odesynth::read_sbml_file("repressilator.xml");
  fmt::print("{}", m.equations);  // species: lacI_mRNA, ... dLacI = (cell * beta * ...
  for (const auto& note : m.notes) fmt::print("note: {}\n", note);

  // One solve with the file's values...
  const auto grid = odesynth::time_grid::linspace(0, 300, 301);
  const auto tr = odesynth::solve(m.model, m.parameter_values, m.initial_state, grid);

  // ...or a dataset: the file's values, with the promoter strength alpha varied by +-20%.
  odesynth::sampler samples(m.model);
  for (std::size_t k = 0; k < m.parameter_values.size(); ++k)
    samples.parameter(m.model.parameters()[k], m.parameter_values[k]);
  for (std::size_t k = 0; k < m.initial_state.size(); ++k)
    samples.initial_value(m.model.species()[k], m.initial_state[k]);
  samples.parameter("alpha", odesynth::dist::uniform{0.8 * 216.4, 1.2 * 216.4});
  const auto runs =
      odesynth::make_generator(m.model, odesynth::solve_options{}, samples, grid).collect(0, 10);
  return tr.ok() && runs.size() == 10 && runs[9].ok() ? 0 : 1;
}
}  // namespace docs_models_md

TEST_CASE("the example of docs/models.md is the code above", "[sbml][docs]") {
  const auto read = [](const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  const std::string page = read(models_dir + "/../../../docs/models.md");
  const auto section = page.find("## Models from SBML");
  REQUIRE(section != std::string::npos);
  const auto begin = page.find("```cpp\n", section), end = page.find("\n```\n", begin);
  REQUIRE(end != std::string::npos);
  std::string code = page.substr(begin + 7, end - begin - 7);
  // Without its #include lines, the page's program is the one this file runs.
  code = code.substr(code.find("\nint main()") + 1);
  CHECK_THAT(read(__FILE__), Catch::Contains(code));
}

TEST_CASE("the example of docs/models.md runs", "[sbml][docs]") {
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(models_dir);
  const int status = docs_models_md::main();
  std::filesystem::current_path(previous);
  CHECK(status == 0);
}
