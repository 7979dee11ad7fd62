// odesynth/detail/expression.hpp - arithmetic over species, parameters and time, compiled to
// a flat tape: what runtime models (equations.hpp) evaluate at every right-hand-side call.
//
// Expressions are built into one graph per model in which equal subexpressions are one node
// (hash-consing), so `beta*S*I/N` written in two equations is computed once per call, and
// derivatives (for the analytic Jacobian) are built in the same graph by the usual rules,
// with constant folding and the identities x+0, x*1, x*0, x^1, x^0 applied as nodes are
// made. A tape lists, in dependency order, the nodes that some outputs need; evaluating it is
// one pass over an array of slots with no recursion, allocation or virtual call.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config.hpp"

namespace odesynth::detail {

enum class expr_op : std::uint8_t {
  // leaves first (expr_tape relies on it)
  constant,   // value
  species,    // x[index]
  parameter,  // p[index]
  time,       // t
  neg,
  add,
  sub,
  mul,
  div,
  pow,
  exp,
  log,
  log10,
  sqrt,
  sin,
  cos,
  tan,
  tanh,
  abs,
  sign,  // -1, 0 or 1 (abs')
  less,  // 1 if a < b else 0 (also min' and max')
  min,
  max,
  // Comparisons and logic give 1 (true) or 0 (false); any nonzero operand is true.
  less_equal,
  greater,
  greater_equal,
  equal,
  not_equal,
  logical_and,
  logical_or,
  logical_not,
  select,  // if(a, b, c): b where a is nonzero, else c (the only three-operand node)
  floor,
  ceil,
  sinh,
  cosh,
  asin,
  acos,
  atan,
  asinh,
  acosh,
  atanh,
  // Tape-only fusions of a product used once (two roundings, as the separate instructions):
  mul_add,  // a * b + c
  mul_sub,  // a * b - c
  sub_mul,  // c - a * b
  mul_mul,  // a * b * c
};

/// The name a function call is written with ("exp"), or "" for operators and leaves.
ODESYNTH_INLINE std::string_view expr_function_name(expr_op op);
/// Arguments a function named `name` takes (1 to 3), 0 if no such function; `op` receives it.
ODESYNTH_INLINE int expr_function_arity(std::string_view name, expr_op& op);
/// The functions expressions may call, for messages: "exp, log, ...".
ODESYNTH_INLINE std::string expr_function_list();
/// The infix symbol of a comparison ("<="), or "" for other operations.
ODESYNTH_INLINE std::string_view expr_comparison_symbol(expr_op op);

using expr_id = std::uint32_t;

/// The graph of one model's expressions. Nodes are made through the functions below, which
/// simplify and share; ids index nodes() and stay valid as the graph grows.
class expr_graph {
 public:
  struct node {
    expr_op op;
    expr_id a = 0, b = 0;     ///< operands (unused ones 0)
    expr_id c = 0;            ///< select's third operand
    std::uint32_t index = 0;  ///< species or parameter index
    double value = 0;         ///< constant's value
  };

  expr_id constant(double value);
  expr_id species(std::uint32_t index);
  expr_id parameter(std::uint32_t index);
  expr_id time();
  /// op applied to `a` (unary) or to `a` and `b`, simplified.
  ODESYNTH_INLINE expr_id unary(expr_op op, expr_id a);
  ODESYNTH_INLINE expr_id binary(expr_op op, expr_id a, expr_id b);
  /// if(condition, then, otherwise), simplified.
  ODESYNTH_INLINE expr_id select(expr_id condition, expr_id then, expr_id otherwise);

  /// d(node)/d(species[index]), built into this graph.
  ODESYNTH_INLINE expr_id derivative(expr_id node, std::uint32_t species_index);

  const std::vector<node>& nodes() const noexcept { return nodes_; }
  bool is_constant(expr_id id, double value) const {
    return nodes_[id].op == expr_op::constant && nodes_[id].value == value;
  }

  /// The expression as text with the given names ("beta * S * I / N").
  ODESYNTH_INLINE std::string text(expr_id id, const std::vector<std::string>& species,
                                   const std::vector<std::string>& parameters) const;

 private:
  struct key_hash {
    std::size_t operator()(const node& n) const noexcept;
  };
  struct key_equal {
    bool operator()(const node& x, const node& y) const noexcept;
  };
  ODESYNTH_INLINE expr_id make(node n);
  ODESYNTH_INLINE expr_id derivative_of(expr_id id, std::uint32_t species_index,
                                        std::unordered_map<expr_id, expr_id>& memo);

  std::vector<node> nodes_;
  std::unordered_map<node, expr_id, key_hash, key_equal> index_;
};

inline expr_id expr_graph::constant(double value) {
  node n{expr_op::constant};
  n.value = value;
  return make(n);
}
inline expr_id expr_graph::species(std::uint32_t index) {
  node n{expr_op::species};
  n.index = index;
  return make(n);
}
inline expr_id expr_graph::parameter(std::uint32_t index) {
  node n{expr_op::parameter};
  n.index = index;
  return make(n);
}
inline expr_id expr_graph::time() { return make(node{expr_op::time}); }

/// The nodes some outputs need, as instructions in an order where operands come first. An
/// operand names a value in one of four arrays - computed values (the first is t), species,
/// parameters, constants - by its top two bits, so nothing is copied before a run and a call
/// dispatches only on arithmetic.
class expr_tape {
 public:
  struct instruction {
    expr_op op;
    std::uint32_t a, b, c;  ///< operands: array << 30 | index (c: select and fused ones only)
  };

  expr_tape() = default;
  ODESYNTH_INLINE expr_tape(const expr_graph& graph, const std::vector<expr_id>& outputs);

  /// Computed values a run writes (its `work` array).
  std::size_t work_size() const noexcept { return code_.size() + 1; }
  std::size_t num_outputs() const noexcept { return outputs_.size(); }

  /// Evaluates every instruction into `work` (work_size() values) and output k into out[k].
  void run(const double* x, const double* p, double t, double* work, double* out) const {
    const double* const base[4] = {work, x, p, constants_.data()};
    const auto value = [&base](std::uint32_t operand) {
      return base[operand >> 30][operand & index_mask];
    };
    work[0] = t;
    double* next = work + 1;
    for (const instruction& in : code_) {
      const double a = value(in.a), b = value(in.b);
      double v;
      if (in.op == expr_op::mul)
        v = a * b;
      else if (in.op == expr_op::mul_sub)
        v = a * b - value(in.c);
      else if (in.op == expr_op::mul_add)
        v = a * b + value(in.c);
      else if (in.op == expr_op::mul_mul)
        v = a * b * value(in.c);
      else if (in.op == expr_op::sub_mul)
        v = value(in.c) - a * b;
      else if (in.op == expr_op::add)
        v = a + b;
      else if (in.op == expr_op::sub)
        v = a - b;
      else if (in.op == expr_op::div)
        v = a / b;
      else if (in.op == expr_op::neg)
        v = -a;
      else if (in.op == expr_op::select)
        v = a != 0 ? b : value(in.c);
      else
        v = apply_function(in.op, a, b);
      *next++ = v;
    }
    for (std::size_t k = 0; k < outputs_.size(); ++k) out[k] = value(outputs_[k]);
  }

 private:
  static constexpr std::uint32_t index_mask = (std::uint32_t{1} << 30) - 1;
  /// The functions and comparisons (the rarer instructions), out of the loop above.
  ODESYNTH_INLINE static double apply_function(expr_op op, double a, double b);

  std::vector<double> constants_;
  std::vector<instruction> code_;
  std::vector<std::uint32_t> outputs_;
};

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/expression.ipp"
#endif
