// odesynth/impl/equations.ipp - the non-template code of equations.hpp (the parser and the
// tape evaluation), compiled in every file that includes it (header-only) or once in
// odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "../equations.hpp"
#include "../error.hpp"

namespace odesynth {
namespace detail::equations_impl {

/// A piece of text with where it starts.
struct span {
  std::string_view text;
  std::size_t line = 1, column = 1;
};

struct reaction_term {
  double coefficient;
  std::string species;
  span where;
};

/// One statement, split but not yet compiled (names are resolved once every species is
/// known).
struct statement {
  enum class kind { equation, reaction, mass_action } type;
  std::string species;  ///< equation: its species
  span expression;      ///< equation: right-hand side; reaction: rate law or constant
  std::vector<reaction_term> reactants, products;
  span where;
};

class parser {
 public:
  parser(std::string source) : source_(std::move(source)) {}

  [[noreturn]] void fail(const span& at, const std::string& message) const {
    throw parse_error(source_, at.line, at.column,
                      fmt::format("{}:{}:{}: {}", source_, at.line, at.column, message));
  }

  static bool name_start(char c) {
    return std::isalpha(static_cast<unsigned char>(c)) != 0 || c == '_';
  }
  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
  }
  static span trim(span s) {
    while (!s.text.empty() && std::isspace(static_cast<unsigned char>(s.text.front()))) {
      s.text.remove_prefix(1);
      ++s.column;
    }
    while (!s.text.empty() && std::isspace(static_cast<unsigned char>(s.text.back())))
      s.text.remove_suffix(1);
    return s;
  }
  static span sub(const span& s, std::size_t from, std::size_t count = std::string_view::npos) {
    return {s.text.substr(from, count), s.line, s.column + from};
  }
  bool is_name(std::string_view s) const {
    if (s.empty() || !name_start(s[0])) return false;
    return std::all_of(s.begin(), s.end(), name_char);
  }
  std::string name_at(const span& s, const char* what) const {
    const span t = trim(s);
    if (!is_name(t.text))
      fail(t, fmt::format("expected {} (a name: a letter or _, then letters, digits or _), got "
                          "\"{}\"",
                          what, t.text));
    return std::string(t.text);
  }

  /// Comma-separated names after "species:" or "parameters:".
  std::vector<std::string> name_list(const span& s, const char* what) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= s.text.size()) {
      const std::size_t comma = s.text.find(',', start);
      const span item = sub(s, start, comma == std::string_view::npos ? comma : comma - start);
      const std::string name = name_at(item, what);
      if (std::find(out.begin(), out.end(), name) != out.end())
        fail(trim(item), fmt::format("{} \"{}\" declared twice", what, name));
      out.push_back(name);
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    return out;
  }

  /// "2 A + B" (either side of a reaction); empty, or "0", for none.
  std::vector<reaction_term> terms(const span& side) {
    std::vector<reaction_term> out;
    const span all = trim(side);
    if (all.text.empty() || all.text == "0") return out;
    std::size_t start = 0;
    while (true) {
      const std::size_t plus = all.text.find('+', start);
      span term = trim(sub(all, start, plus == std::string_view::npos ? plus : plus - start));
      double coefficient = 1;
      std::size_t digits = 0;
      while (digits < term.text.size() &&
             (std::isdigit(static_cast<unsigned char>(term.text[digits])) != 0 ||
              term.text[digits] == '.'))
        ++digits;
      if (digits > 0) {
        const auto r = std::from_chars(term.text.data(), term.text.data() + digits, coefficient);
        if (r.ec != std::errc() || r.ptr != term.text.data() + digits || !(coefficient > 0))
          fail(term, fmt::format("\"{}\": expected a positive stoichiometric coefficient",
                                 term.text.substr(0, digits)));
        term = trim(sub(term, digits));
      }
      out.push_back({coefficient, name_at(term, "a species"), term});
      if (plus == std::string_view::npos) break;
      start = plus + 1;
    }
    return out;
  }

  std::vector<statement> statements;
  std::optional<std::vector<std::string>> declared_species, declared_parameters;

  void read(std::string_view text) {
    std::size_t line_start = 0, line = 1;
    while (line_start <= text.size()) {
      std::size_t end = text.find('\n', line_start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view content = text.substr(line_start, end - line_start);
      if (const auto hash = content.find('#'); hash != std::string_view::npos)
        content = content.substr(0, hash);
      if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
      statement_line(trim(span{content, line, 1}));
      if (end == text.size()) break;
      line_start = end + 1;
      ++line;
    }
  }

  void statement_line(const span& s) {
    if (s.text.empty()) return;
    const std::size_t colon = s.text.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view keyword = trim(sub(s, 0, colon)).text;
      if (keyword == "species" || keyword == "parameters") {
        auto& declared = keyword == "species" ? declared_species : declared_parameters;
        if (declared) fail(s, fmt::format("\"{}:\" given twice", keyword));
        declared = name_list(sub(s, colon + 1), keyword == "species" ? "a species" : "a parameter");
        return;
      }
    }
    if (const std::size_t arrow = s.text.find("->"); arrow != std::string_view::npos) {
      statement st;
      st.where = s;
      const span rest = sub(s, arrow + 2);
      const std::size_t semi = rest.text.find(';'), at = rest.text.find('@');
      if (semi == std::string_view::npos && at == std::string_view::npos)
        fail(s,
             "a reaction needs \"; <rate law>\" or \"@ <mass-action rate constant>\" after "
             "its products");
      const std::size_t split = std::min(semi, at);
      st.type = split == semi ? statement::kind::reaction : statement::kind::mass_action;
      st.reactants = terms(sub(s, 0, arrow));
      st.products = terms(sub(rest, 0, split));
      st.expression = trim(sub(rest, split + 1));
      if (st.expression.text.empty())
        fail(sub(rest, split), split == semi ? "empty rate law" : "empty rate constant");
      statements.push_back(std::move(st));
      return;
    }
    const std::size_t equals = s.text.find('=');
    if (equals == std::string_view::npos)
      fail(s, fmt::format("\"{}\": expected \"dX = <expression>\", a reaction \"A -> B ; "
                          "<rate>\", or \"species:\" / \"parameters:\"",
                          s.text));
    span lhs = trim(sub(s, 0, equals));
    if (lhs.text.size() > 3 && lhs.text.substr(lhs.text.size() - 3) == "/dt")
      lhs.text.remove_suffix(3);
    lhs = trim(lhs);
    if (lhs.text.size() < 2 || lhs.text[0] != 'd' || !is_name(lhs.text.substr(1)))
      fail(lhs, fmt::format("\"{}\": the left side of an equation is d<species> (or "
                            "d<species>/dt)",
                            lhs.text));
    statement st;
    st.type = statement::kind::equation;
    st.species = std::string(lhs.text.substr(1));
    st.where = lhs;
    st.expression = trim(sub(s, equals + 1));
    if (st.expression.text.empty()) fail(sub(s, equals), "empty right-hand side");
    statements.push_back(std::move(st));
  }

  // --- expressions: recursive descent over one statement's text --------------------------

  struct cursor {
    span text;
    std::size_t pos = 0;
  };

  void skip_space(cursor& c) const {
    while (c.pos < c.text.text.size() &&
           std::isspace(static_cast<unsigned char>(c.text.text[c.pos])) != 0)
      ++c.pos;
  }
  span here(const cursor& c) const { return sub(c.text, c.pos, 1); }
  bool accept(cursor& c, std::string_view token) {
    skip_space(c);
    if (c.text.text.substr(c.pos, token.size()) != token) return false;
    c.pos += token.size();
    return true;
  }

  std::vector<std::string> species, parameters;
  detail::expr_graph graph;

  /// A sum, or two sums compared (comparisons bind loosest and do not chain).
  detail::expr_id expression(cursor& c, int depth) {
    if (depth > 200) fail(here(c), "expression nested deeper than 200 levels");
    const detail::expr_id left = sum(c, depth);
    const auto comparison = [&](detail::expr_op& op) {
      // Two-character symbols first, so "<=" is not read as "<".
      static constexpr std::pair<std::string_view, detail::expr_op> symbols[] = {
          {"<=", detail::expr_op::less_equal}, {">=", detail::expr_op::greater_equal},
          {"==", detail::expr_op::equal},      {"!=", detail::expr_op::not_equal},
          {"<", detail::expr_op::less},        {">", detail::expr_op::greater}};
      for (const auto& [symbol, o] : symbols)
        if (accept(c, symbol)) {
          op = o;
          return true;
        }
      return false;
    };
    detail::expr_op op{};
    if (!comparison(op)) return left;
    const detail::expr_id right = sum(c, depth);
    skip_space(c);
    const span after = here(c);
    detail::expr_op again{};
    if (comparison(again))
      fail(after, "comparisons do not chain: write and(a < b, b < c) for a < b < c");
    return graph.binary(op, left, right);
  }
  detail::expr_id sum(cursor& c, int depth) {
    detail::expr_id left = term(c, depth);
    while (true) {
      if (accept(c, "+"))
        left = graph.binary(detail::expr_op::add, left, term(c, depth));
      else if (accept(c, "-"))
        left = graph.binary(detail::expr_op::sub, left, term(c, depth));
      else
        return left;
    }
  }
  detail::expr_id term(cursor& c, int depth) {
    detail::expr_id left = unary(c, depth);
    while (true) {
      skip_space(c);
      if (c.text.text.substr(c.pos, 2) == "**") return left;  // a power, not a product
      if (accept(c, "*"))
        left = graph.binary(detail::expr_op::mul, left, unary(c, depth));
      else if (accept(c, "/"))
        left = graph.binary(detail::expr_op::div, left, unary(c, depth));
      else
        return left;
    }
  }
  detail::expr_id unary(cursor& c, int depth) {
    if (accept(c, "-")) return graph.unary(detail::expr_op::neg, unary(c, depth + 1));
    if (accept(c, "+")) return unary(c, depth + 1);
    const detail::expr_id base = primary(c, depth);
    if (accept(c, "^") || accept(c, "**"))
      return graph.binary(detail::expr_op::pow, base, unary(c, depth + 1));
    return base;
  }
  detail::expr_id primary(cursor& c, int depth) {
    skip_space(c);
    const std::string_view t = c.text.text;
    if (c.pos >= t.size()) fail(here(c), "expected a number, a name or \"(\" at the end");
    const char first = t[c.pos];
    if (first == '(') {
      ++c.pos;
      const detail::expr_id inside = expression(c, depth + 1);
      if (!accept(c, ")")) fail(here(c), "expected \")\"");
      return inside;
    }
    if (std::isdigit(static_cast<unsigned char>(first)) != 0 || first == '.') {
      double value = 0;
      const auto r = std::from_chars(t.data() + c.pos, t.data() + t.size(), value);
      if (r.ec != std::errc()) fail(here(c), "a number out of range or malformed");
      c.pos = static_cast<std::size_t>(r.ptr - t.data());
      return graph.constant(value);
    }
    if (!name_start(first))
      fail(here(c), fmt::format("unexpected \"{}\": expected a number, a name or \"(\"", first));
    const span name_span = here(c);
    std::size_t end = c.pos;
    while (end < t.size() && name_char(t[end])) ++end;
    const std::string name(t.substr(c.pos, end - c.pos));
    c.pos = end;
    if (accept(c, "(")) {
      detail::expr_op op{};
      const int arity = detail::expr_function_arity(name, op);
      if (arity == 0)
        fail(name_span, fmt::format("unknown function \"{}\" (known: {})", name,
                                    detail::expr_function_list()));
      static constexpr const char* counts[] = {"", "one argument", "two arguments",
                                               "three arguments"};
      detail::expr_id args[3] = {0, 0, 0};
      for (int k = 0; k < arity; ++k) {
        if (k > 0 && !accept(c, ","))
          fail(here(c), fmt::format("{}() takes {}", name, counts[arity]));
        args[k] = expression(c, depth + 1);
      }
      if (!accept(c, ")"))
        fail(here(c),
             fmt::format("expected \")\" closing {}() (it takes {})", name, counts[arity]));
      if (arity == 3) return graph.select(args[0], args[1], args[2]);
      return arity == 1 ? graph.unary(op, args[0]) : graph.binary(op, args[0], args[1]);
    }
    return resolve(name, name_span);
  }

  detail::expr_id resolve(const std::string& name, const span& where) {
    if (name == "t") return graph.time();
    const auto s = std::find(species.begin(), species.end(), name);
    if (s != species.end()) return graph.species(static_cast<std::uint32_t>(s - species.begin()));
    auto p = std::find(parameters.begin(), parameters.end(), name);
    if (p == parameters.end()) {
      detail::expr_op op{};
      if (detail::expr_function_arity(name, op) > 0)
        fail(where, fmt::format("\"{}\" is a function: write {}(...)", name, name));
      if (declared_parameters)
        fail(where, fmt::format("unknown name \"{}\": not a species, not t, and not in "
                                "\"parameters:\"",
                                name));
      parameters.push_back(name);
      p = parameters.end() - 1;
    }
    return graph.parameter(static_cast<std::uint32_t>(p - parameters.begin()));
  }

  detail::expr_id compile(const span& text) {
    cursor c{text};
    const detail::expr_id e = expression(c, 0);
    skip_space(c);
    if (c.pos != text.text.size())
      fail(here(c), fmt::format("unexpected \"{}\" after the expression", text.text.substr(c.pos)));
    return e;
  }

 private:
  std::string source_;
};

}  // namespace detail::equations_impl

ODESYNTH_INLINE equation_model parse_equations(std::string_view text, std::string name,
                                               const std::string& source) {
  using detail::expr_id;
  using detail::expr_op;
  detail::equations_impl::parser in(source);
  in.read(text);
  using kind = detail::equations_impl::statement::kind;

  // Species: declared, else in order of first appearance in equations and reactions.
  std::vector<std::string>& species = in.species;
  if (in.declared_species) species = *in.declared_species;
  const auto add_species = [&](const std::string& s, const detail::equations_impl::span& at) {
    if (std::find(species.begin(), species.end(), s) != species.end()) return;
    if (in.declared_species) in.fail(at, fmt::format("species \"{}\" is not in \"species:\"", s));
    species.push_back(s);
  };
  for (const auto& st : in.statements) {
    if (st.type == kind::equation) {
      add_species(st.species, st.where);
    } else {
      for (const auto& r : st.reactants) add_species(r.species, r.where);
      for (const auto& r : st.products) add_species(r.species, r.where);
    }
  }
  if (species.empty()) in.fail({text.substr(0, 0), 1, 1}, "no equations or reactions");
  if (in.declared_parameters) {
    in.parameters = *in.declared_parameters;
    for (const auto& p : in.parameters)
      if (std::find(species.begin(), species.end(), p) != species.end() || p == "t")
        in.fail({text.substr(0, 0), 1, 1},
                fmt::format("\"{}\" is declared as a parameter but is {}", p,
                            p == "t" ? "the time" : "a species"));
  }

  // Right-hand sides: an equation, or the sum of the reactions' contributions.
  const std::size_t n = species.size();
  std::vector<std::optional<expr_id>> rhs(n);
  std::vector<bool> from_equation(n, false), from_reaction(n, false);
  const auto index_of = [&](const std::string& s) {
    return static_cast<std::size_t>(std::find(species.begin(), species.end(), s) - species.begin());
  };
  for (const auto& st : in.statements) {
    if (st.type == kind::equation) {
      const std::size_t i = index_of(st.species);
      if (from_equation[i]) in.fail(st.where, fmt::format("a second equation for d{}", st.species));
      if (from_reaction[i])
        in.fail(st.where, fmt::format("d{} has an equation and reactions: give one or the other",
                                      st.species));
      from_equation[i] = true;
      rhs[i] = in.compile(st.expression);
      continue;
    }
    expr_id rate = in.compile(st.expression);
    if (st.type == kind::mass_action)
      for (const auto& r : st.reactants)
        rate = in.graph.binary(
            expr_op::mul, rate,
            r.coefficient == 1
                ? in.graph.species(static_cast<std::uint32_t>(index_of(r.species)))
                : in.graph.binary(expr_op::pow,
                                  in.graph.species(static_cast<std::uint32_t>(index_of(r.species))),
                                  in.graph.constant(r.coefficient)));
    // Net stoichiometry per species, so A + B -> 2 A adds +1 rate to A, not -1 then +2.
    std::map<std::size_t, double> net;
    for (const auto& r : st.reactants) net[index_of(r.species)] -= r.coefficient;
    for (const auto& r : st.products) net[index_of(r.species)] += r.coefficient;
    for (const auto& [i, nu] : net) {
      if (from_equation[i])
        in.fail(st.where, fmt::format("d{} has an equation and reactions: give one or the other",
                                      species[i]));
      from_reaction[i] = true;
      if (nu == 0) continue;
      const expr_id term = in.graph.binary(expr_op::mul, in.graph.constant(nu), rate);
      rhs[i] = rhs[i] ? in.graph.binary(expr_op::add, *rhs[i], term) : term;
    }
  }

  auto program = std::make_shared<equation_model::program>();
  program->name = std::move(name);
  program->species = species;
  program->parameters = in.parameters;
  for (std::size_t i = 0; i < n; ++i)
    program->rhs_nodes.push_back(rhs[i] ? *rhs[i] : in.graph.constant(0));
  std::vector<expr_id> jacobian_nodes;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < n; ++j) {
      const expr_id d = in.graph.derivative(program->rhs_nodes[i], static_cast<std::uint32_t>(j));
      if (in.graph.is_constant(d, 0)) continue;
      program->jacobian_entries.emplace_back(static_cast<std::uint32_t>(i),
                                             static_cast<std::uint32_t>(j));
      jacobian_nodes.push_back(d);
    }
  program->rhs = detail::expr_tape(in.graph, program->rhs_nodes);
  program->jacobian = detail::expr_tape(in.graph, jacobian_nodes);
  program->graph = std::move(in.graph);
  return equation_model(std::move(program));
}

ODESYNTH_INLINE jacobian_sparsity equation_model::sparsity() const {
  const auto& entries = program_->jacobian_entries;
  std::vector<std::pair<std::size_t, std::size_t>> pairs(entries.begin(), entries.end());
  return jacobian_sparsity(program_->species.size(), pairs);
}

ODESYNTH_INLINE std::string equation_model::describe() const {
  std::string out;
  for (std::size_t i = 0; i < program_->species.size(); ++i)
    out += fmt::format(
        "d{} = {}\n", program_->species[i],
        program_->graph.text(program_->rhs_nodes[i], program_->species, program_->parameters));
  return out;
}

namespace detail::equations_impl {
/// A per-thread buffer of at least `size` values (a model is shared by every worker thread).
inline double* thread_buffer(std::vector<double>& (*which)(), std::size_t size) {
  std::vector<double>& buffer = which();
  if (buffer.size() < size) buffer.resize(size);
  return buffer.data();
}
inline std::vector<double>& work_buffer() {
  thread_local std::vector<double> values;
  return values;
}
inline std::vector<double>& jacobian_buffer() {
  thread_local std::vector<double> values;
  return values;
}
/// Tapes of up to this many computed values run in a buffer on the caller's stack: no
/// thread_local lookup on the hot path.
inline constexpr std::size_t stack_values = 256;
}  // namespace detail::equations_impl

ODESYNTH_INLINE void equation_model::evaluate_rhs(const double* x, double* dxdt, double t,
                                                  const double* p) const {
  namespace impl = detail::equations_impl;
  const auto& tape = program_->rhs;
  double buffer[impl::stack_values];
  double* const work = tape.work_size() <= impl::stack_values
                           ? buffer
                           : impl::thread_buffer(impl::work_buffer, tape.work_size());
  tape.run(x, p, t, work, dxdt);
}

ODESYNTH_INLINE const double* equation_model::evaluate_jacobian(const double* x, double t,
                                                                const double* p) const {
  // The values outlive this call (jacobian() reads them), so they go to a per-thread buffer;
  // a Jacobian is needed once per Rosenbrock step, not per stage.
  namespace impl = detail::equations_impl;
  const auto& tape = program_->jacobian;
  double buffer[impl::stack_values];
  double* const work = tape.work_size() <= impl::stack_values
                           ? buffer
                           : impl::thread_buffer(impl::work_buffer, tape.work_size());
  double* const values = impl::thread_buffer(impl::jacobian_buffer, tape.num_outputs());
  tape.run(x, p, t, work, values);
  return values;
}

}  // namespace odesynth
