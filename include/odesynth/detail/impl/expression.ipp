// odesynth/detail/impl/expression.ipp - the non-template code of detail/expression.hpp,
// compiled in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "../expression.hpp"

namespace odesynth::detail {

namespace expression_functions {
struct entry {
  std::string_view name;
  expr_op op;
  int arity;
};
// The functions expressions may call (the first name of an operation is the one printed).
inline constexpr entry table[] = {
    {"exp", expr_op::exp, 1},         {"log", expr_op::log, 1},
    {"ln", expr_op::log, 1},          {"log10", expr_op::log10, 1},
    {"sqrt", expr_op::sqrt, 1},       {"sin", expr_op::sin, 1},
    {"cos", expr_op::cos, 1},         {"tan", expr_op::tan, 1},
    {"sinh", expr_op::sinh, 1},       {"cosh", expr_op::cosh, 1},
    {"tanh", expr_op::tanh, 1},       {"asin", expr_op::asin, 1},
    {"acos", expr_op::acos, 1},       {"atan", expr_op::atan, 1},
    {"asinh", expr_op::asinh, 1},     {"acosh", expr_op::acosh, 1},
    {"atanh", expr_op::atanh, 1},     {"abs", expr_op::abs, 1},
    {"sign", expr_op::sign, 1},       {"floor", expr_op::floor, 1},
    {"ceil", expr_op::ceil, 1},       {"pow", expr_op::pow, 2},
    {"min", expr_op::min, 2},         {"max", expr_op::max, 2},
    {"and", expr_op::logical_and, 2}, {"or", expr_op::logical_or, 2},
    {"not", expr_op::logical_not, 1}, {"if", expr_op::select, 3},
};
inline constexpr std::pair<expr_op, std::string_view> comparisons[] = {
    {expr_op::less, "<"},           {expr_op::less_equal, "<="}, {expr_op::greater, ">"},
    {expr_op::greater_equal, ">="}, {expr_op::equal, "=="},      {expr_op::not_equal, "!="},
};
}  // namespace expression_functions

ODESYNTH_INLINE std::string_view expr_function_name(expr_op op) {
  for (const auto& e : expression_functions::table)
    if (e.op == op) return e.name;
  return {};
}

ODESYNTH_INLINE int expr_function_arity(std::string_view name, expr_op& op) {
  for (const auto& e : expression_functions::table)
    if (e.name == name) {
      op = e.op;
      return e.arity;
    }
  return 0;
}

ODESYNTH_INLINE std::string expr_function_list() {
  std::string out;
  for (const auto& e : expression_functions::table) {
    if (!out.empty()) out += ", ";
    out += e.name;
  }
  return out;
}

ODESYNTH_INLINE std::string_view expr_comparison_symbol(expr_op op) {
  for (const auto& [o, symbol] : expression_functions::comparisons)
    if (o == op) return symbol;
  return {};
}

ODESYNTH_INLINE std::size_t expr_graph::key_hash::operator()(const node& n) const noexcept {
  std::uint64_t bits = 0;
  std::memcpy(&bits, &n.value, sizeof bits);
  std::uint64_t h = static_cast<std::uint64_t>(n.op);
  for (std::uint64_t v :
       {std::uint64_t{n.a}, std::uint64_t{n.b}, std::uint64_t{n.c}, std::uint64_t{n.index}, bits})
    h = (h ^ v) * 0x100000001b3ull + (h >> 29);
  return static_cast<std::size_t>(h);
}

ODESYNTH_INLINE bool expr_graph::key_equal::operator()(const node& x,
                                                       const node& y) const noexcept {
  // Constants compare by bits, so 0.0 and -0.0 stay apart and a NaN equals itself.
  return x.op == y.op && x.a == y.a && x.b == y.b && x.c == y.c && x.index == y.index &&
         std::memcmp(&x.value, &y.value, sizeof x.value) == 0;
}

ODESYNTH_INLINE expr_id expr_graph::make(node n) {
  const auto found = index_.find(n);
  if (found != index_.end()) return found->second;
  const auto id = static_cast<expr_id>(nodes_.size());
  nodes_.push_back(n);
  index_.emplace(n, id);
  return id;
}

namespace expression_impl {
inline double apply(expr_op op, double a, double b) {
  switch (op) {
    case expr_op::neg: return -a;
    case expr_op::add: return a + b;
    case expr_op::sub: return a - b;
    case expr_op::mul: return a * b;
    case expr_op::div: return a / b;
    case expr_op::pow: return std::pow(a, b);
    case expr_op::exp: return std::exp(a);
    case expr_op::log: return std::log(a);
    case expr_op::log10: return std::log10(a);
    case expr_op::sqrt: return std::sqrt(a);
    case expr_op::sin: return std::sin(a);
    case expr_op::cos: return std::cos(a);
    case expr_op::tan: return std::tan(a);
    case expr_op::tanh: return std::tanh(a);
    case expr_op::abs: return std::fabs(a);
    case expr_op::sign: return a > 0 ? 1.0 : a < 0 ? -1.0 : 0.0;
    case expr_op::less: return a < b ? 1.0 : 0.0;
    case expr_op::min: return std::fmin(a, b);
    case expr_op::max: return std::fmax(a, b);
    case expr_op::less_equal: return a <= b ? 1.0 : 0.0;
    case expr_op::greater: return a > b ? 1.0 : 0.0;
    case expr_op::greater_equal: return a >= b ? 1.0 : 0.0;
    case expr_op::equal: return a == b ? 1.0 : 0.0;
    case expr_op::not_equal: return a != b ? 1.0 : 0.0;
    case expr_op::logical_and: return a != 0 && b != 0 ? 1.0 : 0.0;
    case expr_op::logical_or: return a != 0 || b != 0 ? 1.0 : 0.0;
    case expr_op::logical_not: return a == 0 ? 1.0 : 0.0;
    case expr_op::floor: return std::floor(a);
    case expr_op::ceil: return std::ceil(a);
    case expr_op::sinh: return std::sinh(a);
    case expr_op::cosh: return std::cosh(a);
    case expr_op::asin: return std::asin(a);
    case expr_op::acos: return std::acos(a);
    case expr_op::atan: return std::atan(a);
    case expr_op::asinh: return std::asinh(a);
    case expr_op::acosh: return std::acosh(a);
    case expr_op::atanh: return std::atanh(a);
    default: return 0;  // leaves and select are not applied here
  }
}
}  // namespace expression_impl

ODESYNTH_INLINE expr_id expr_graph::unary(expr_op op, expr_id a) {
  const node& x = nodes_[a];
  if (x.op == expr_op::constant) return constant(expression_impl::apply(op, x.value, 0));
  if (op == expr_op::neg && x.op == expr_op::neg) return x.a;  // -(-u) = u
  node n{op};
  n.a = a;
  return make(n);
}

ODESYNTH_INLINE expr_id expr_graph::binary(expr_op op, expr_id a, expr_id b) {
  const node &x = nodes_[a], &y = nodes_[b];
  if (x.op == expr_op::constant && y.op == expr_op::constant)
    return constant(expression_impl::apply(op, x.value, y.value));
  switch (op) {
    // a + (-b) = a - b, (-a) + b = b - a and a - (-b) = a + b hold exactly in floating
    // point; they keep reaction networks' sums readable (dA = k3 * B * C - k1 * A).
    case expr_op::add:
      if (is_constant(a, 0)) return b;
      if (is_constant(b, 0)) return a;
      if (y.op == expr_op::neg) return binary(expr_op::sub, a, y.a);
      if (x.op == expr_op::neg) return binary(expr_op::sub, b, x.a);
      break;
    case expr_op::sub:
      if (is_constant(b, 0)) return a;
      if (is_constant(a, 0)) return unary(expr_op::neg, b);
      if (y.op == expr_op::neg) return binary(expr_op::add, a, y.a);
      break;
    case expr_op::mul:
      // x * 0 = 0 even for an infinite or NaN x: a simplification of exact arithmetic, as in
      // any symbolic system; it only arises in derivatives or in text that multiplies by 0.
      if (is_constant(a, 0) || is_constant(b, 0)) return constant(0);
      if (is_constant(a, 1)) return b;
      if (is_constant(b, 1)) return a;
      if (is_constant(a, -1)) return unary(expr_op::neg, b);
      if (is_constant(b, -1)) return unary(expr_op::neg, a);
      break;
    case expr_op::div:
      if (is_constant(b, 1)) return a;
      if (is_constant(a, 0)) return constant(0);
      break;
    case expr_op::pow:
      if (is_constant(b, 1)) return a;
      if (is_constant(b, 0)) return constant(1);
      break;
    default: break;
  }
  node n{op};
  n.a = a;
  n.b = b;
  return make(n);
}

ODESYNTH_INLINE expr_id expr_graph::select(expr_id condition, expr_id then, expr_id otherwise) {
  if (nodes_[condition].op == expr_op::constant)
    return nodes_[condition].value != 0 ? then : otherwise;
  if (then == otherwise) return then;
  node n{expr_op::select};
  n.a = condition;
  n.b = then;
  n.c = otherwise;
  return make(n);
}

ODESYNTH_INLINE expr_id expr_graph::derivative(expr_id id, std::uint32_t species_index) {
  std::unordered_map<expr_id, expr_id> memo;
  return derivative_of(id, species_index, memo);
}

ODESYNTH_INLINE expr_id expr_graph::derivative_of(expr_id id, std::uint32_t s,
                                                  std::unordered_map<expr_id, expr_id>& memo) {
  if (const auto found = memo.find(id); found != memo.end()) return found->second;
  const node n = nodes_[id];  // a copy: making nodes may reallocate nodes_
  const auto d = [&](expr_id child) { return derivative_of(child, s, memo); };
  const auto mul = [&](expr_id a, expr_id b) { return binary(expr_op::mul, a, b); };
  const auto add = [&](expr_id a, expr_id b) { return binary(expr_op::add, a, b); };
  const auto sub = [&](expr_id a, expr_id b) { return binary(expr_op::sub, a, b); };
  const auto div = [&](expr_id a, expr_id b) { return binary(expr_op::div, a, b); };
  expr_id out = constant(0);
  switch (n.op) {
    case expr_op::constant:
    case expr_op::parameter:
    case expr_op::time:
    case expr_op::sign:
    case expr_op::less:
    case expr_op::less_equal:
    case expr_op::greater:
    case expr_op::greater_equal:
    case expr_op::equal:
    case expr_op::not_equal:
    case expr_op::logical_and:
    case expr_op::logical_or:
    case expr_op::logical_not:
    case expr_op::floor:
    case expr_op::ceil: break;  // piecewise constant: derivative 0 where it exists
    case expr_op::select: out = select(n.a, d(n.b), d(n.c)); break;
    case expr_op::mul_add:
    case expr_op::mul_sub:
    case expr_op::sub_mul:
    case expr_op::mul_mul: break;  // tape-only: never in a graph
    case expr_op::species: out = constant(n.index == s ? 1.0 : 0.0); break;
    case expr_op::neg: out = unary(expr_op::neg, d(n.a)); break;
    case expr_op::add: out = add(d(n.a), d(n.b)); break;
    case expr_op::sub: out = sub(d(n.a), d(n.b)); break;
    case expr_op::mul: out = add(mul(d(n.a), n.b), mul(n.a, d(n.b))); break;
    case expr_op::div:  // (a'b - ab') / b^2
      out = div(sub(mul(d(n.a), n.b), mul(n.a, d(n.b))), mul(n.b, n.b));
      break;
    case expr_op::pow: {
      const expr_id da = d(n.a), db = d(n.b);
      if (nodes_[n.b].op == expr_op::constant || is_constant(db, 0)) {
        // c a^(c-1) a', exact at a = 0 for c >= 1 (no log(a) term)
        const expr_id c_minus_1 = sub(n.b, constant(1));
        out = mul(mul(n.b, binary(expr_op::pow, n.a, c_minus_1)), da);
      } else {  // a^b (b' log a + b a'/a)
        out = mul(id, add(mul(db, unary(expr_op::log, n.a)), div(mul(n.b, da), n.a)));
      }
      break;
    }
    case expr_op::exp: out = mul(id, d(n.a)); break;
    case expr_op::log: out = div(d(n.a), n.a); break;
    case expr_op::log10: out = div(d(n.a), mul(n.a, constant(std::log(10.0)))); break;
    case expr_op::sqrt: out = div(d(n.a), mul(constant(2), id)); break;
    case expr_op::sin: out = mul(unary(expr_op::cos, n.a), d(n.a)); break;
    case expr_op::cos: out = unary(expr_op::neg, mul(unary(expr_op::sin, n.a), d(n.a))); break;
    case expr_op::tan: out = mul(add(constant(1), mul(id, id)), d(n.a)); break;
    case expr_op::tanh: out = mul(sub(constant(1), mul(id, id)), d(n.a)); break;
    case expr_op::sinh: out = mul(unary(expr_op::cosh, n.a), d(n.a)); break;
    case expr_op::cosh: out = mul(unary(expr_op::sinh, n.a), d(n.a)); break;
    case expr_op::asin:  // a' / sqrt(1 - a^2)
      out = div(d(n.a), unary(expr_op::sqrt, sub(constant(1), mul(n.a, n.a))));
      break;
    case expr_op::acos:
      out = unary(expr_op::neg, div(d(n.a), unary(expr_op::sqrt, sub(constant(1), mul(n.a, n.a)))));
      break;
    case expr_op::atan: out = div(d(n.a), add(constant(1), mul(n.a, n.a))); break;
    case expr_op::asinh:
      out = div(d(n.a), unary(expr_op::sqrt, add(mul(n.a, n.a), constant(1))));
      break;
    case expr_op::acosh:
      out = div(d(n.a), unary(expr_op::sqrt, sub(mul(n.a, n.a), constant(1))));
      break;
    case expr_op::atanh: out = div(d(n.a), sub(constant(1), mul(n.a, n.a))); break;
    case expr_op::abs: out = mul(unary(expr_op::sign, n.a), d(n.a)); break;
    case expr_op::min: {  // a' where a < b, else b'
      const expr_id a_less = binary(expr_op::less, n.a, n.b);
      out = add(mul(a_less, d(n.a)), mul(sub(constant(1), a_less), d(n.b)));
      break;
    }
    case expr_op::max: {  // b' where a < b, else a'
      const expr_id a_less = binary(expr_op::less, n.a, n.b);
      out = add(mul(a_less, d(n.b)), mul(sub(constant(1), a_less), d(n.a)));
      break;
    }
  }
  memo.emplace(id, out);
  return out;
}

namespace expression_impl {
inline int precedence(expr_op op) {
  if (!expr_comparison_symbol(op).empty()) return 0;
  switch (op) {
    case expr_op::add:
    case expr_op::sub: return 1;
    case expr_op::mul:
    case expr_op::div: return 2;
    case expr_op::neg: return 3;
    case expr_op::pow: return 4;
    default: return 5;  // leaves and calls
  }
}
}  // namespace expression_impl

ODESYNTH_INLINE std::string expr_graph::text(expr_id id, const std::vector<std::string>& species,
                                             const std::vector<std::string>& parameters) const {
  const node& n = nodes_[id];
  const auto sub_text = [&](expr_id child, bool parenthesise) {
    std::string s = text(child, species, parameters);
    return parenthesise ? "(" + s + ")" : s;
  };
  const int own = expression_impl::precedence(n.op);
  if (const std::string_view symbol = expr_comparison_symbol(n.op); !symbol.empty()) {
    // Comparisons do not chain, so a comparison operand of one keeps its parentheses.
    return sub_text(n.a, expression_impl::precedence(nodes_[n.a].op) <= own) + " " +
           std::string(symbol) + " " +
           sub_text(n.b, expression_impl::precedence(nodes_[n.b].op) <= own);
  }
  switch (n.op) {
    case expr_op::constant:
      // Infinities and NaN print as the divisions that make them, so the text parses back.
      if (std::isnan(n.value)) return "(0 / 0)";
      if (std::isinf(n.value)) return n.value > 0 ? "(1 / 0)" : "(-1 / 0)";
      return fmt::format("{}", n.value);
    case expr_op::species: return species[n.index];
    case expr_op::parameter: return parameters[n.index];
    case expr_op::time: return "t";
    case expr_op::neg:
      return "-" + sub_text(n.a, expression_impl::precedence(nodes_[n.a].op) < own);
    case expr_op::add:
    case expr_op::sub:
    case expr_op::mul:
    case expr_op::div: {
      static constexpr const char* symbols[] = {" + ", " - ", " * ", " / "};
      const auto k = static_cast<int>(n.op) - static_cast<int>(expr_op::add);
      // Left-associative: a right operand of equal precedence keeps its parentheses, even
      // for + and *: a + (b + c) and (a + b) + c round differently, and the printed text
      // must parse back to the same computation.
      return sub_text(n.a, expression_impl::precedence(nodes_[n.a].op) < own) + symbols[k] +
             sub_text(n.b, expression_impl::precedence(nodes_[n.b].op) <= own);
    }
    case expr_op::pow:  // right-associative: a^(b^c) needs none, (a^b)^c does
      return sub_text(n.a, expression_impl::precedence(nodes_[n.a].op) <= own) + "^" +
             sub_text(n.b, expression_impl::precedence(nodes_[n.b].op) < own);
    default: {
      std::string out(expr_function_name(n.op));
      out += "(" + text(n.a, species, parameters);
      expr_op op{};
      const int arity = expr_function_arity(expr_function_name(n.op), op);
      if (arity >= 2) out += ", " + text(n.b, species, parameters);
      if (arity == 3) out += ", " + text(n.c, species, parameters);
      return out + ")";
    }
  }
}

ODESYNTH_INLINE double expr_tape::apply_function(expr_op op, double a, double b) {
  return expression_impl::apply(op, a, b);
}

ODESYNTH_INLINE expr_tape::expr_tape(const expr_graph& graph, const std::vector<expr_id>& outputs) {
  // Nodes the outputs need. Ids grow with creation and a node is made after its operands, so
  // ascending id order puts operands first.
  const auto& nodes = graph.nodes();
  std::vector<char> needed(nodes.size(), 0);
  std::vector<expr_id> stack(outputs.begin(), outputs.end());
  const auto is_binary = [](expr_op op) {
    return (op >= expr_op::add && op <= expr_op::pow) || op == expr_op::less ||
           op == expr_op::min || op == expr_op::max || op == expr_op::select ||
           (op >= expr_op::less_equal && op <= expr_op::logical_or);
  };
  while (!stack.empty()) {
    const expr_id id = stack.back();
    stack.pop_back();
    if (needed[id]) continue;
    needed[id] = 1;
    const auto& n = nodes[id];
    if (n.op <= expr_op::time) continue;  // a leaf
    stack.push_back(n.a);
    if (is_binary(n.op)) stack.push_back(n.b);
    if (n.op == expr_op::select) stack.push_back(n.c);
  }
  // A product used once, by an addition, subtraction or product, is fused into its user: one
  // dispatch instead of two, the same two roundings.
  std::vector<std::uint32_t> uses(nodes.size(), 0);
  for (expr_id id = 0; id < nodes.size(); ++id) {
    if (!needed[id] || nodes[id].op <= expr_op::time) continue;
    ++uses[nodes[id].a];
    if (is_binary(nodes[id].op)) ++uses[nodes[id].b];
    if (nodes[id].op == expr_op::select) ++uses[nodes[id].c];
  }
  for (expr_id id : outputs) uses[id] += 2;  // an output's value must exist on its own
  // fused[id]: computed inside its user; absorbs[id]: computes a fused operand itself (then
  // it is not fused in turn: an instruction holds one product).
  std::vector<char> fused(nodes.size(), 0), absorbs(nodes.size(), 0);
  const auto fusable = [&](expr_id id) {
    return nodes[id].op == expr_op::mul && uses[id] == 1 && !absorbs[id];
  };
  for (expr_id id = 0; id < nodes.size(); ++id) {
    if (!needed[id]) continue;
    const auto& n = nodes[id];
    const bool sum = n.op == expr_op::add || n.op == expr_op::sub || n.op == expr_op::mul;
    if (sum && fusable(n.a)) {
      fused[n.a] = absorbs[id] = 1;
    } else if ((n.op == expr_op::add || n.op == expr_op::sub) && fusable(n.b)) {
      fused[n.b] = absorbs[id] = 1;
    }
  }
  constexpr std::uint32_t work = 0u << 30, species = 1u << 30, parameter = 2u << 30,
                          constant = 3u << 30;
  std::vector<std::uint32_t> operand(nodes.size(), 0);
  std::uint32_t next = 1;  // work[0] is t
  for (expr_id id = 0; id < nodes.size(); ++id) {
    if (!needed[id] || fused[id]) continue;
    const auto& n = nodes[id];
    switch (n.op) {
      case expr_op::species: operand[id] = species | n.index; break;
      case expr_op::parameter: operand[id] = parameter | n.index; break;
      case expr_op::time: operand[id] = work | 0u; break;
      case expr_op::constant:
        operand[id] = constant | static_cast<std::uint32_t>(constants_.size());
        constants_.push_back(n.value);
        break;
      default: {
        instruction in{n.op, operand[n.a], is_binary(n.op) ? operand[n.b] : operand[n.a],
                       n.op == expr_op::select ? operand[n.c] : 0};
        if (fused[n.a]) {  // (x * y) op b
          const auto& m = nodes[n.a];
          in = {n.op == expr_op::add   ? expr_op::mul_add
                : n.op == expr_op::sub ? expr_op::mul_sub
                                       : expr_op::mul_mul,
                operand[m.a], operand[m.b], operand[n.b]};
        } else if (is_binary(n.op) && fused[n.b]) {  // a + x * y = x * y + a, a - x * y
          const auto& m = nodes[n.b];
          in = {n.op == expr_op::add ? expr_op::mul_add : expr_op::sub_mul, operand[m.a],
                operand[m.b], operand[n.a]};
        }
        code_.push_back(in);
        operand[id] = work | next++;
      }
    }
  }
  for (expr_id id : outputs) outputs_.push_back(operand[id]);
}

}  // namespace odesynth::detail
