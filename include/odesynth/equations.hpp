// odesynth/equations.hpp - models written as text (equations or reactions), parsed at run
// time into a compiled program, for users who do not write C++ model classes.
//
//   const auto sir = odesynth::parse_equations(R"(
//     # SIR: S + I + R = N
//     dS = -beta*S*I/N
//     dI = beta*S*I/N - gamma*I
//     dR = gamma*I
//   )", "sir");
//   auto tr = odesynth::solve(sir, {0.3, 0.1, 1000}, {990, 10, 0}, grid);  // beta, gamma, N
//
// The same model as a reaction network: each reaction adds rate * (net stoichiometry) to its
// species' derivatives; `;` gives the rate law, `@` a mass-action rate constant (rate = k
// times each reactant to the power of its coefficient):
//
//   S + I -> 2 I ; beta*S*I/N
//   I -> R @ gamma
//
// One statement per line; `#` starts a comment. Statements:
//   dX = expr   (or dX/dt = expr)   the derivative of species X
//   a A + b B -> c C ; rate         a reaction with a rate law (either side may be empty)
//   a A + b B -> c C @ k            a mass-action reaction
//   species: A, B, ...              optional: the species' order (else first appearance);
//                                   a declared species without equation or reaction is constant
//   parameters: k1, k2, ...         optional: the parameters' order; every other name is then
//                                   an error (else every unknown name is a parameter, in order
//                                   of first appearance)
// A species has either an equation or reactions, not both. Expressions: numbers, names, t,
// + - * / ^ (or **, right-associative; -x^2 is -(x^2)), parentheses, and exp, log (or ln),
// log10, sqrt, sin, cos, tan, sinh, cosh, tanh, asin, acos, atan, asinh, acosh, atanh, abs,
// sign, floor, ceil, pow(a, b), min(a, b), max(a, b). Comparisons < <= > >= == != give 1 or
// 0, bind looser than + and -, and do not chain; and(a, b), or(a, b), not(a) treat any nonzero
// value as true; if(c, a, b) is a where c is nonzero, else b (both are evaluated; only the
// chosen one is used). Comparisons, logic, floor and ceil have derivative 0, and if(c, a, b)
// has if(c, a', b'), so the Jacobian holds on each piece. Write a space between > and a minus
// sign: "X>-1" holds "->" and reads as a reaction.
//
// Errors in the text are parse_errors naming source, line and column. The right-hand sides
// are compiled once into a flat tape shared by the model's copies (detail/expression.hpp);
// equal subexpressions are computed once per call. The analytic Jacobian is derived
// symbolically, so the stiff Rosenbrock stepper uses it instead of finite differences; its
// entries that are not identically zero are the model's sparsity(), so a large network gets
// sparse matrices in rosenbrock4 (solve_options::jacobian, docs/solving.md).
// Models are dynamic-size (Eigen::VectorXd state), as odesynth's other run-time-sized models.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/expression.hpp"
#include "sparsity.hpp"

namespace odesynth {

class equation_model;

/// Parses `text` into a model called `name`; errors are parse_errors naming `source` (the
/// file the text came from, or a label) with line and column.
ODESYNTH_INLINE equation_model parse_equations(std::string_view text,
                                               std::string name = "equations",
                                               const std::string& source = "<equations>");

class equation_model {
 public:
  const std::string& name() const noexcept { return program_->name; }
  const std::vector<std::string>& species() const noexcept { return program_->species; }
  const std::vector<std::string>& parameters() const noexcept { return program_->parameters; }

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double t, const Params& p) const {
    evaluate_rhs(x.data(), dxdt.data(), t, p.data());
  }

  /// J(i, j) = d f_i / d x_j, from the symbolic derivatives; J arrives zero-filled.
  template <class State, class Matrix, class Params>
  void jacobian(const State& x, Matrix& J, double t, const Params& p) const {
    const double* values = evaluate_jacobian(x.data(), t, p.data());
    const auto& entries = program_->jacobian_entries;
    for (std::size_t k = 0; k < entries.size(); ++k)
      J(entries[k].first, entries[k].second) = values[k];
  }

  /// The model as equations, one "dX = ..." line per species (reactions expanded), with the
  /// parsed expressions printed back: what metadata and describe() show.
  ODESYNTH_INLINE std::string describe() const;

  /// describe()'s text: what dataset metadata records as the model's "equations".
  std::string equations() const { return describe(); }

  /// Entries of the Jacobian that are not identically zero.
  std::size_t jacobian_nonzeros() const noexcept { return program_->jacobian_entries.size(); }

  /// Those entries (plus the diagonal) as a pattern: d f_i / d x_j is structurally nonzero
  /// where the symbolic derivative did not simplify to 0. (A derivative that is zero at some
  /// values only, k*x at k = 0, stays in: a pattern may hold zeros, never miss a nonzero.)
  ODESYNTH_INLINE jacobian_sparsity sparsity() const;

 private:
  friend ODESYNTH_INLINE equation_model parse_equations(std::string_view, std::string,
                                                        const std::string&);
  struct program {
    std::string name;
    std::vector<std::string> species, parameters;
    detail::expr_graph graph;
    std::vector<detail::expr_id> rhs_nodes;
    detail::expr_tape rhs, jacobian;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> jacobian_entries;  ///< (i, j)
  };
  explicit equation_model(std::shared_ptr<const program> p) : program_(std::move(p)) {}

  ODESYNTH_INLINE void evaluate_rhs(const double* x, double* dxdt, double t, const double* p) const;
  ODESYNTH_INLINE const double* evaluate_jacobian(const double* x, double t, const double* p) const;

  std::shared_ptr<const program> program_;
};

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/equations.ipp"
#endif
