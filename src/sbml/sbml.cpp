// odesynth::sbml - SBML documents translated into odesynth's equation text (equations.hpp)
// and parsed with parse_equations. The conventions are listed in include/odesynth/sbml.hpp.
#include "odesynth/sbml.hpp"

#include <fmt/format.h>
#include <sbml/SBMLTypes.h>
#include <sbml/extension/SBasePlugin.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "odesynth/error.hpp"

namespace odesynth {
namespace detail::sbml_impl {

/// Expression text with the precedence of its top operation, as expr_graph::text uses them:
/// 0 comparison, 1 + -, 2 * /, 3 unary minus, 4 ^, 5 atoms and calls.
struct text {
  std::string s;
  int precedence = 5;
};

inline std::string wrap(const text& t, bool parenthesise) {
  return parenthesise ? "(" + t.s + ")" : t.s;
}

inline text number(double v) {
  if (std::isnan(v)) return {"(0 / 0)", 5};
  if (std::isinf(v)) return {v > 0 ? "(1 / 0)" : "(-1 / 0)", 5};
  // Shortest text that reads back to the same double.
  return {fmt::format("{}", v), v < 0 || (v == 0 && std::signbit(v)) ? 3 : 5};
}

inline text call(std::string_view function, const std::vector<text>& args) {
  std::string s(function);
  s += "(";
  for (std::size_t k = 0; k < args.size(); ++k) s += (k ? ", " : "") + args[k].s;
  return {s + ")", 5};
}

inline text infix(const text& a, std::string_view op, const text& b, int precedence) {
  // Left-associative: a right operand of equal precedence keeps its parentheses.
  return {wrap(a, a.precedence < precedence) + " " + std::string(op) + " " +
              wrap(b, b.precedence <= precedence),
          precedence};
}

/// What an SBML id stands for.
struct symbol {
  enum class kind { species, compartment, parameter, species_reference, reaction };
  kind type = kind::parameter;
  const SBase* element = nullptr;
  std::string name;  ///< in the equation text (renamed when the language reserves the id)
  const Rule* assignment = nullptr;
  const Rule* rate = nullptr;
  const InitialAssignment* initial = nullptr;
};

/// Where an expression is being translated, for name lookup and messages.
struct scope {
  const SBase* element = nullptr;  ///< the reaction, rule, ... the math belongs to
  std::string what;                ///< "kinetic law of reaction \"R1\"", for messages
  const KineticLaw* law = nullptr;
  const Reaction* reaction = nullptr;
  const std::map<std::string, text>* arguments = nullptr;  ///< a function's bound variables
  bool initial = false;  ///< values at t = 0 (every name replaced by its initial value)
  int depth = 0;
};

class translator {
 public:
  translator(SBMLDocument& doc, std::string source)
      : doc_(doc), model_(*doc.getModel()), source_(std::move(source)) {}

  sbml_model run();

 private:
  [[noreturn]] void refuse(const SBase* at, const std::string& construct, const std::string& id,
                           const std::string& message) const {
    throw invalid_argument(construct, id, fmt::format("{}: {}", where(at), message));
  }
  std::string where(const SBase* at) const {
    if (at == nullptr || at->getLine() == 0) return source_;
    return fmt::format("{}:{}:{}", source_, at->getLine(), at->getColumn());
  }

  void check_supported();
  void collect_symbols();
  std::string unique_name(const std::string& wanted);

  text translate(const ASTNode* node, const scope& s);
  text translate_operator(const ASTNode* node, const scope& s);
  text resolve(const std::string& id, const scope& s);
  text initial_value(const std::string& id, const scope& s);
  text assigned(const std::string& id, const scope& s);
  text kinetic_law(const Reaction& r, bool initial);
  std::string math_text(const ASTNode* math, const scope& s) { return translate(math, s).s; }

  SBMLDocument& doc_;  // getPackageRequired is not const
  const Model& model_;
  std::string source_;
  std::map<std::string, symbol> symbols_;
  std::set<std::string> used_names_;
  std::map<std::pair<std::string, std::string>, std::string> local_names_;  ///< (reaction, id)
  std::vector<std::string> states_, parameters_;                            ///< SBML ids
  std::vector<std::pair<std::string, double>> locals_;                      ///< (new name, value)
  std::map<std::string, text> dynamic_memo_, initial_memo_;
  std::vector<std::string> in_progress_;  ///< assignment rules and initial values being expanded
  std::vector<std::string> notes_;
};

inline bool reserved(const std::string& id) {
  detail::expr_op op{};
  return id == "t" || id == "time" || detail::expr_function_arity(id, op) > 0;
}

std::string translator::unique_name(const std::string& wanted) {
  std::string name = wanted;
  for (int k = 2; used_names_.count(name) || reserved(name); ++k)
    name = reserved(wanted) && k == 2 ? wanted + "_" : fmt::format("{}_{}", wanted, k);
  used_names_.insert(name);
  return name;
}

void translator::check_supported() {
  for (unsigned i = 0; i < doc_.getNumPlugins(); ++i) {
    // libSBML represents Level 3 Version 2 math as a package of its own, l3v2extendedmath,
    // under the core namespace: not one the author declared.
    // Level 2 documents get the layout and render plugins for their annotations.
    const SBasePlugin* plugin = doc_.getPlugin(i);
    const std::string package = plugin->getPackageName();
    const XMLNamespaces* declared = doc_.getNamespaces();
    if (package == "l3v2extendedmath" || doc_.getLevel() < 3 || declared == nullptr ||
        !declared->hasURI(plugin->getURI()))
      continue;
    if (doc_.getPackageRequired(package))
      refuse(&doc_, "package", package,
             fmt::format("the SBML Level 3 package \"{}\" is required by the document and "
                         "odesynth::read_sbml does not support it",
                         package));
    notes_.push_back(
        fmt::format("package \"{}\" (not required for simulation) is not read: its elements change "
                    "nothing in the equations",
                    package));
  }
  if (model_.getNumEvents() > 0) {
    const Event* e = model_.getEvent(0);
    const std::string name = e->isSetId() ? e->getId() : "#1";
    refuse(e, "event", name,
           fmt::format("event \"{}\": events are not supported (the model has {}); odesynth "
                       "solves continuous ODEs only",
                       name, model_.getNumEvents()));
  }
  if (model_.getNumConstraints() > 0) {
    const Constraint* c = model_.getConstraint(0);
    const std::string name = c->isSetMetaId() ? c->getMetaId() : "#1";
    refuse(c, "constraint", name,
           fmt::format("constraint \"{}\": constraints are not supported (odesynth would not "
                       "check them during a solve)",
                       name));
  }
  for (unsigned i = 0; i < model_.getNumRules(); ++i) {
    const Rule* r = model_.getRule(i);
    if (r->isAlgebraic())
      refuse(r, "algebraicRule", fmt::format("#{}", i + 1),
             fmt::format("algebraicRule #{} of listOfRules: algebraic rules (DAEs) are not "
                         "supported",
                         i + 1));
  }
  for (unsigned i = 0; i < model_.getNumReactions(); ++i) {
    const Reaction* r = model_.getReaction(i);
    if (r->isSetFast() && r->getFast())
      refuse(r, "fast", r->getId(),
             fmt::format("reaction \"{}\" is fast=\"true\": fast reactions (quasi-steady state) "
                         "are not supported",
                         r->getId()));
    if (!r->isSetKineticLaw() || !r->getKineticLaw()->isSetMath())
      refuse(r, "kineticLaw", r->getId(),
             fmt::format("reaction \"{}\" has no kineticLaw (its rate is unknown)", r->getId()));
    const auto check_reference = [&](const SpeciesReference* sr) {
      if (sr->isSetStoichiometryMath())
        refuse(sr, "stoichiometryMath", r->getId(),
               fmt::format("reaction \"{}\": stoichiometryMath for species \"{}\" (variable "
                           "stoichiometry) is not supported",
                           r->getId(), sr->getSpecies()));
      if (sr->isSetId() && (model_.getRule(sr->getId()) != nullptr ||
                            model_.getInitialAssignment(sr->getId()) != nullptr))
        refuse(sr, "stoichiometry", sr->getId(),
               fmt::format("reaction \"{}\": the stoichiometry \"{}\" of species \"{}\" is set "
                           "by a rule or initial assignment (variable stoichiometry is not "
                           "supported)",
                           r->getId(), sr->getId(), sr->getSpecies()));
    };
    for (unsigned k = 0; k < r->getNumReactants(); ++k) check_reference(r->getReactant(k));
    for (unsigned k = 0; k < r->getNumProducts(); ++k) check_reference(r->getProduct(k));
  }
}

void translator::collect_symbols() {
  // Names in the text: every SBML id keeps its own unless the language reserves it.
  const auto add = [&](const SBase* e, symbol::kind type) {
    symbol s;
    s.type = type;
    s.element = e;
    if (type != symbol::kind::species_reference && type != symbol::kind::reaction) {
      s.name = unique_name(e->getId());
      if (s.name != e->getId())
        notes_.push_back(
            fmt::format("\"{}\" is called \"{}\" in the equations (\"{}\" is "
                        "reserved there)",
                        e->getId(), s.name, e->getId()));
    }
    symbols_.emplace(e->getId(), s);
  };
  for (unsigned i = 0; i < model_.getNumCompartments(); ++i)
    add(model_.getCompartment(i), symbol::kind::compartment);
  for (unsigned i = 0; i < model_.getNumSpecies(); ++i)
    add(model_.getSpecies(i), symbol::kind::species);
  for (unsigned i = 0; i < model_.getNumParameters(); ++i)
    add(model_.getParameter(i), symbol::kind::parameter);
  for (unsigned i = 0; i < model_.getNumReactions(); ++i) {
    const Reaction* r = model_.getReaction(i);
    add(r, symbol::kind::reaction);
    for (unsigned k = 0; k < r->getNumReactants(); ++k)
      if (r->getReactant(k)->isSetId()) add(r->getReactant(k), symbol::kind::species_reference);
    for (unsigned k = 0; k < r->getNumProducts(); ++k)
      if (r->getProduct(k)->isSetId()) add(r->getProduct(k), symbol::kind::species_reference);
  }
  for (unsigned i = 0; i < model_.getNumRules(); ++i) {
    const Rule* r = model_.getRule(i);
    const auto found = symbols_.find(r->getVariable());
    if (found == symbols_.end()) continue;  // libSBML's consistency check reports it
    (r->isAssignment() ? found->second.assignment : found->second.rate) = r;
  }
  for (unsigned i = 0; i < model_.getNumInitialAssignments(); ++i) {
    const InitialAssignment* a = model_.getInitialAssignment(i);
    const auto found = symbols_.find(a->getSymbol());
    if (found != symbols_.end()) found->second.initial = a;
  }

  // State variables: species without assignment rules, then rate-rule variables; model
  // parameters: constant compartments and parameters, then local parameters.
  for (unsigned i = 0; i < model_.getNumSpecies(); ++i) {
    const Species* sp = model_.getSpecies(i);
    if (symbols_.at(sp->getId()).assignment == nullptr)
      states_.push_back(sp->getId());
    else
      notes_.push_back(
          fmt::format("species \"{}\" has an assignment rule: substituted where it "
                      "is used, not a state variable",
                      sp->getId()));
  }
  for (unsigned i = 0; i < model_.getNumRules(); ++i) {
    const Rule* r = model_.getRule(i);
    if (!r->isRate()) continue;
    const auto& s = symbols_.at(r->getVariable());
    if (s.type == symbol::kind::compartment || s.type == symbol::kind::parameter)
      states_.push_back(r->getVariable());
  }
  const auto add_parameter = [&](const SBase* e) {
    const symbol& s = symbols_.at(e->getId());
    if (s.rate != nullptr) return;
    if (s.assignment != nullptr) {
      notes_.push_back(
          fmt::format("\"{}\" has an assignment rule: substituted where it is used, "
                      "not a parameter",
                      e->getId()));
      return;
    }
    parameters_.push_back(e->getId());
  };
  for (unsigned i = 0; i < model_.getNumCompartments(); ++i)
    add_parameter(model_.getCompartment(i));
  for (unsigned i = 0; i < model_.getNumParameters(); ++i) add_parameter(model_.getParameter(i));
  for (unsigned i = 0; i < model_.getNumReactions(); ++i) {
    const Reaction* r = model_.getReaction(i);
    const KineticLaw* law = r->getKineticLaw();
    const bool level3 = doc_.getLevel() >= 3;
    const unsigned n = level3 ? law->getNumLocalParameters() : law->getNumParameters();
    for (unsigned k = 0; k < n; ++k) {
      const Parameter* p =
          level3 ? static_cast<const Parameter*>(law->getLocalParameter(k)) : law->getParameter(k);
      if (!p->isSetValue())
        refuse(p, "localParameter", p->getId(),
               fmt::format("local parameter \"{}\" of reaction \"{}\" has no value", p->getId(),
                           r->getId()));
      const std::string name = unique_name(r->getId() + "_" + p->getId());
      local_names_[{r->getId(), p->getId()}] = name;
      locals_.emplace_back(name, p->getValue());
      notes_.push_back(
          fmt::format("local parameter \"{}\" of reaction \"{}\" is the parameter "
                      "\"{}\"",
                      p->getId(), r->getId(), name));
    }
  }
}

text translator::kinetic_law(const Reaction& r, bool initial) {
  scope s;
  s.element = &r;
  s.what = fmt::format("the kinetic law of reaction \"{}\"", r.getId());
  s.law = r.getKineticLaw();
  s.reaction = &r;
  s.initial = initial;
  return translate(r.getKineticLaw()->getMath(), s);
}

/// The text of an assignment rule's variable, expanded (dynamic mode).
text translator::assigned(const std::string& id, const scope& s) {
  if (const auto found = dynamic_memo_.find(id); found != dynamic_memo_.end()) return found->second;
  const Rule* rule = symbols_.at(id).assignment;
  if (std::find(in_progress_.begin(), in_progress_.end(), id) != in_progress_.end()) {
    std::string cycle;
    for (auto it = std::find(in_progress_.begin(), in_progress_.end(), id);
         it != in_progress_.end(); ++it)
      cycle += *it + " -> ";
    refuse(rule, "assignmentRule", id,
           fmt::format("the assignmentRules form a cycle: {}{}", cycle, id));
  }
  in_progress_.push_back(id);
  scope inner;
  inner.element = rule;
  inner.what = fmt::format("the assignment rule for \"{}\"", id);
  inner.depth = s.depth + 1;
  text out = translate(rule->getMath(), inner);
  in_progress_.pop_back();
  // Substitution copies a rule's text into every use: rules that each use the one before
  // twice double it per level. Stop long before memory does.
  if (out.s.size() > (std::size_t{1} << 24))
    refuse(rule, "assignmentRule", id,
           fmt::format("the assignmentRule for \"{}\" expands to {} MB of equation text when "
                       "the rules it uses are substituted",
                       id, out.s.size() >> 20));
  out = {wrap(out, out.precedence < 5), 5};
  dynamic_memo_.emplace(id, out);
  return out;
}

/// The value of `id` at t = 0, as text with no names but t.
text translator::initial_value(const std::string& id, const scope& s) {
  if (const auto found = initial_memo_.find(id); found != initial_memo_.end()) return found->second;
  const symbol& sym = symbols_.at(id);
  if (std::find(in_progress_.begin(), in_progress_.end(), "initial " + id) != in_progress_.end())
    refuse(sym.element, "initialAssignment", id,
           fmt::format("the initial value of \"{}\" depends on itself", id));
  in_progress_.push_back("initial " + id);
  scope inner;
  inner.initial = true;
  inner.depth = s.depth + 1;
  text out;
  if (sym.initial != nullptr || sym.assignment != nullptr) {
    const SBase* from = sym.initial != nullptr ? static_cast<const SBase*>(sym.initial)
                                               : static_cast<const SBase*>(sym.assignment);
    inner.element = from;
    inner.what = fmt::format("the {} for \"{}\"",
                             sym.initial != nullptr ? "initial assignment" : "assignment rule", id);
    out = translate(sym.initial != nullptr ? sym.initial->getMath() : sym.assignment->getMath(),
                    inner);
  } else if (sym.type == symbol::kind::species) {
    const auto* sp = static_cast<const Species*>(sym.element);
    const bool amount_given = !sp->isSetInitialConcentration() && sp->isSetInitialAmount();
    if (!sp->isSetInitialConcentration() && !sp->isSetInitialAmount())
      refuse(sp, "initialAmount", id,
             fmt::format("species \"{}\" has no initialAmount, initialConcentration or initial "
                         "assignment",
                         id));
    const text given =
        number(amount_given ? sp->getInitialAmount() : sp->getInitialConcentration());
    if (amount_given == sp->getHasOnlySubstanceUnits()) {
      out = given;
    } else {  // concentration = amount / size, amount = concentration * size
      const text size = initial_value(sp->getCompartment(), inner);
      out = infix(given, amount_given ? "/" : "*", size, 2);
    }
  } else if (sym.type == symbol::kind::compartment) {
    const auto* c = static_cast<const Compartment*>(sym.element);
    if (c->isSetSize()) {
      out = number(c->getSize());
    } else {
      notes_.push_back(fmt::format("compartment \"{}\" has no size: 1 assumed", id));
      out = number(1);
    }
  } else if (sym.type == symbol::kind::parameter) {
    const auto* p = static_cast<const Parameter*>(sym.element);
    if (!p->isSetValue())
      refuse(p, "parameter", id,
             fmt::format("parameter \"{}\" has no value and no initial assignment", id));
    out = number(p->getValue());
  } else if (sym.type == symbol::kind::species_reference) {
    const auto* sr = static_cast<const SpeciesReference*>(sym.element);
    out = number(sr->isSetStoichiometry() ? sr->getStoichiometry() : 1.0);
  } else {
    out = kinetic_law(*static_cast<const Reaction*>(sym.element), true);
  }
  in_progress_.pop_back();
  out = {wrap(out, out.precedence < 5), 5};
  initial_memo_.emplace(id, out);
  return out;
}

text translator::resolve(const std::string& id, const scope& s) {
  if (s.arguments != nullptr)
    if (const auto found = s.arguments->find(id); found != s.arguments->end()) return found->second;
  if (s.law != nullptr) {
    const bool level3 = doc_.getLevel() >= 3;
    const Parameter* local = level3 ? static_cast<const Parameter*>(s.law->getLocalParameter(id))
                                    : s.law->getParameter(id);
    if (local != nullptr) {
      if (s.initial) return number(local->getValue());
      return {local_names_.at({s.reaction->getId(), id}), 5};
    }
  }
  const auto found = symbols_.find(id);
  if (found == symbols_.end())
    refuse(s.element, "ci", id, fmt::format("{}: unknown name \"{}\"", s.what, id));
  const symbol& sym = found->second;
  if (s.initial) return initial_value(id, s);
  if (sym.assignment != nullptr) return assigned(id, s);
  switch (sym.type) {
    case symbol::kind::species_reference: {
      const auto* sr = static_cast<const SpeciesReference*>(sym.element);
      return number(sr->isSetStoichiometry() ? sr->getStoichiometry() : 1.0);
    }
    case symbol::kind::reaction: {
      const text rate = kinetic_law(*static_cast<const Reaction*>(sym.element), false);
      return {wrap(rate, rate.precedence < 5), 5};
    }
    default: return {sym.name, 5};
  }
}

text translator::translate(const ASTNode* node, const scope& s) {
  if (s.depth > 100)
    refuse(s.element, "functionDefinition", "",
           fmt::format("{}: functions or rules nested deeper than 100 levels", s.what));
  switch (node->getType()) {
    case AST_INTEGER: return number(static_cast<double>(node->getInteger()));
    case AST_REAL:
    case AST_REAL_E:
    case AST_RATIONAL:
    case AST_NAME_AVOGADRO: return number(node->getReal());
    case AST_CONSTANT_E: return number(std::exp(1.0));
    case AST_CONSTANT_PI: return number(std::acos(-1.0));
    case AST_CONSTANT_TRUE: return number(1);
    case AST_CONSTANT_FALSE: return number(0);
    case AST_NAME_TIME: return {"t", 5};
    case AST_NAME: return resolve(node->getName(), s);
    default: return translate_operator(node, s);
  }
}

text translator::translate_operator(const ASTNode* node, const scope& s) {
  const unsigned n = node->getNumChildren();
  std::vector<text> args;
  const auto arg = [&](unsigned k) { return translate(node->getChild(k), s); };
  const auto all_args = [&] {
    for (unsigned k = 0; k < n; ++k) args.push_back(arg(k));
  };
  const std::string element = node->getName() != nullptr ? node->getName() : "";
  const auto need = [&](unsigned count) {
    if (n != count)
      refuse(s.element, element, "",
             fmt::format("{}: <{}> with {} arguments (expected {})", s.what, element, n, count));
  };
  // Folds n-ary operators and relations left to right.
  const auto fold = [&](const std::string& op, int precedence, const text& empty) {
    all_args();
    if (args.empty()) return empty;
    text out = args[0];
    for (std::size_t k = 1; k < args.size(); ++k) out = infix(out, op, args[k], precedence);
    return out;
  };
  const auto fold_call = [&](std::string_view function, const text& empty) {
    all_args();
    if (args.empty()) return empty;
    text out = args[0];
    for (std::size_t k = 1; k < args.size(); ++k) out = call(function, {out, args[k]});
    return out;
  };
  const auto relation = [&](std::string_view op) {
    all_args();
    if (args.size() < 2)
      refuse(s.element, element, "",
             fmt::format("{}: <{}> needs at least two arguments", s.what, element));
    text out = infix(args[0], op, args[1], 0);
    for (std::size_t k = 2; k < args.size(); ++k)
      out = call("and", {out, infix(args[k - 1], op, args[k], 0)});
    return out;
  };
  const auto unary_call = [&](std::string_view function) {
    need(1);
    return call(function, {arg(0)});
  };
  const auto reciprocal_of = [&](std::string_view function) {  // sec(x) = 1 / cos(x), ...
    need(1);
    return infix(number(1), "/", call(function, {arg(0)}), 2);
  };
  const auto of_reciprocal = [&](std::string_view function) {  // arcsec(x) = acos(1 / x), ...
    need(1);
    return call(function, {infix(number(1), "/", arg(0), 2)});
  };
  switch (node->getType()) {
    case AST_PLUS: return fold("+", 1, number(0));
    case AST_TIMES: return fold("*", 2, number(1));
    case AST_MINUS:
      if (n == 1) {
        const text a = arg(0);
        return {"-" + wrap(a, a.precedence < 3), 3};
      }
      need(2);
      return infix(arg(0), "-", arg(1), 1);
    case AST_DIVIDE: need(2); return infix(arg(0), "/", arg(1), 2);
    case AST_POWER:
    case AST_FUNCTION_POWER: {
      need(2);
      const text a = arg(0), b = arg(1);  // right-associative
      return {wrap(a, a.precedence <= 4) + "^" + wrap(b, b.precedence < 4), 4};
    }
    case AST_FUNCTION_ROOT: {  // children: degree (2 when not written), radicand
      need(2);
      const ASTNode* degree = node->getChild(0);
      if (degree->getType() == AST_INTEGER && degree->getInteger() == 2)
        return call("sqrt", {arg(1)});
      const text x = arg(1);
      return {wrap(x, x.precedence <= 4) + "^" + wrap(infix(number(1), "/", arg(0), 2), true), 4};
    }
    case AST_FUNCTION_LOG: {  // children: base (10 when not written), argument
      need(2);
      const ASTNode* base = node->getChild(0);
      if (base->getType() == AST_INTEGER && base->getInteger() == 10)
        return call("log10", {arg(1)});
      return infix(call("log", {arg(1)}), "/", call("log", {arg(0)}), 2);
    }
    case AST_FUNCTION_LN: return unary_call("log");
    case AST_FUNCTION_EXP: return unary_call("exp");
    case AST_FUNCTION_ABS: return unary_call("abs");
    case AST_FUNCTION_FLOOR: return unary_call("floor");
    case AST_FUNCTION_CEILING: return unary_call("ceil");
    case AST_FUNCTION_SIN: return unary_call("sin");
    case AST_FUNCTION_COS: return unary_call("cos");
    case AST_FUNCTION_TAN: return unary_call("tan");
    case AST_FUNCTION_SINH: return unary_call("sinh");
    case AST_FUNCTION_COSH: return unary_call("cosh");
    case AST_FUNCTION_TANH: return unary_call("tanh");
    case AST_FUNCTION_ARCSIN: return unary_call("asin");
    case AST_FUNCTION_ARCCOS: return unary_call("acos");
    case AST_FUNCTION_ARCTAN: return unary_call("atan");
    case AST_FUNCTION_ARCSINH: return unary_call("asinh");
    case AST_FUNCTION_ARCCOSH: return unary_call("acosh");
    case AST_FUNCTION_ARCTANH: return unary_call("atanh");
    case AST_FUNCTION_SEC: return reciprocal_of("cos");
    case AST_FUNCTION_CSC: return reciprocal_of("sin");
    case AST_FUNCTION_COT: return reciprocal_of("tan");
    case AST_FUNCTION_SECH: return reciprocal_of("cosh");
    case AST_FUNCTION_CSCH: return reciprocal_of("sinh");
    case AST_FUNCTION_COTH: return reciprocal_of("tanh");
    case AST_FUNCTION_ARCSEC: return of_reciprocal("acos");
    case AST_FUNCTION_ARCCSC: return of_reciprocal("asin");
    case AST_FUNCTION_ARCCOT: return of_reciprocal("atan");
    case AST_FUNCTION_ARCSECH: return of_reciprocal("acosh");
    case AST_FUNCTION_ARCCSCH: return of_reciprocal("asinh");
    case AST_FUNCTION_ARCCOTH: return of_reciprocal("atanh");
    case AST_FUNCTION_MIN: return fold_call("min", number(-HUGE_VAL));
    case AST_FUNCTION_MAX: return fold_call("max", number(HUGE_VAL));
    case AST_LOGICAL_AND: return fold_call("and", number(1));
    case AST_LOGICAL_OR: return fold_call("or", number(0));
    case AST_LOGICAL_XOR: {  // true when an odd number of arguments is
      all_args();
      if (args.empty()) return number(0);
      text out = call("not", {call("not", {args[0]})});
      for (std::size_t k = 1; k < args.size(); ++k)
        out = infix(out, "!=", call("not", {call("not", {args[k]})}), 0);
      return out;
    }
    case AST_LOGICAL_NOT: return unary_call("not");
    case AST_LOGICAL_IMPLIES: need(2); return call("or", {call("not", {arg(0)}), arg(1)});
    case AST_RELATIONAL_EQ: return relation("==");
    case AST_RELATIONAL_NEQ: need(2); return infix(arg(0), "!=", arg(1), 0);
    case AST_RELATIONAL_LT: return relation("<");
    case AST_RELATIONAL_LEQ: return relation("<=");
    case AST_RELATIONAL_GT: return relation(">");
    case AST_RELATIONAL_GEQ: return relation(">=");
    case AST_FUNCTION_PIECEWISE: {
      // value1, condition1, value2, condition2, ..., [otherwise]; with no otherwise and no
      // condition true the value is undefined in SBML: NaN, so a solve reports it.
      all_args();
      text out = args.size() % 2 == 1 ? args.back() : number(std::nan(""));
      for (std::size_t k = args.size() / 2; k-- > 0;)
        out = call("if", {args[2 * k + 1], args[2 * k], out});
      return out;
    }
    case AST_FUNCTION: {  // a function definition, inlined
      const FunctionDefinition* f = model_.getFunctionDefinition(element);
      if (f == nullptr || !f->isSetMath())
        refuse(s.element, "functionDefinition", element,
               fmt::format("{}: unknown function \"{}\"", s.what, element));
      if (f->getNumArguments() != n)
        refuse(s.element, "functionDefinition", element,
               fmt::format("{}: function \"{}\" takes {} arguments, called with {}", s.what,
                           element, f->getNumArguments(), n));
      std::map<std::string, text> bound;
      for (unsigned k = 0; k < n; ++k) {
        const text a = arg(k);
        bound[f->getArgument(k)->getName()] = {wrap(a, a.precedence < 5), 5};
      }
      scope inner = s;
      inner.arguments = &bound;
      inner.law = nullptr;  // a function body sees its arguments and global ids only
      inner.depth = s.depth + 1;
      const text body = translate(f->getBody(), inner);
      return {wrap(body, body.precedence < 5), 5};
    }
    default: break;
  }
  std::string refused = element, why;
  switch (node->getType()) {
    case AST_FUNCTION_DELAY:
      refused = "delay";
      why = ": delay differential equations are not supported";
      break;
    case AST_FUNCTION_RATE_OF: refused = "rateOf"; break;
    case AST_LAMBDA: why = " outside a function definition"; break;
    default:
      if (refused.empty())
        refused = fmt::format("(libSBML AST type {})", static_cast<int>(node->getType()));
  }
  refuse(s.element, refused, s.element != nullptr && s.element->isSetId() ? s.element->getId() : "",
         fmt::format("{}: MathML <{}> is not supported{}", s.what, refused, why));
}

sbml_model translator::run() {
  check_supported();
  collect_symbols();

  // Right-hand sides, one per state variable.
  struct term {
    double stoichiometry;
    text rate;
  };
  std::map<std::string, std::vector<term>> terms;  // species id -> its reactions' terms
  for (unsigned i = 0; i < model_.getNumReactions(); ++i) {
    const Reaction* r = model_.getReaction(i);
    const text rate = kinetic_law(*r, false);
    std::map<std::string, double> net;  // A + B -> 2 A changes A by +1 rate
    std::vector<std::string> order;
    const auto add = [&](const SpeciesReference* sr, double sign) {
      if (!sr->isSetStoichiometry() && doc_.getLevel() >= 3)
        notes_.push_back(
            fmt::format("reaction \"{}\": species \"{}\" has no stoichiometry: 1 "
                        "assumed",
                        r->getId(), sr->getSpecies()));
      if (!net.count(sr->getSpecies())) order.push_back(sr->getSpecies());
      net[sr->getSpecies()] += sign * (sr->isSetStoichiometry() ? sr->getStoichiometry() : 1.0);
    };
    for (unsigned k = 0; k < r->getNumReactants(); ++k) add(r->getReactant(k), -1);
    for (unsigned k = 0; k < r->getNumProducts(); ++k) add(r->getProduct(k), +1);
    for (const std::string& species : order) {
      const double nu = net[species];
      const Species* sp = model_.getSpecies(species);
      if (nu == 0 || sp->getBoundaryCondition() || sp->getConstant()) continue;
      terms[species].push_back({nu, rate});
    }
  }

  std::string equations;
  equations += fmt::format("# {}: translated from {} by odesynth::read_sbml\n",
                           model_.isSetId() ? model_.getId() : "model", source_);
  const auto name_of = [&](const std::string& id) { return symbols_.at(id).name; };
  std::vector<std::string> state_names, parameter_names;
  for (const auto& id : states_) state_names.push_back(name_of(id));
  for (const auto& id : parameters_) parameter_names.push_back(name_of(id));
  for (const auto& [name, value] : locals_) parameter_names.push_back(name);
  const auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
  };
  if (state_names.empty())
    refuse(&model_, "model", model_.getId(),
           "the model has no state variables (no species, no rate rules)");
  equations += "species: " + join(state_names) + "\n";
  if (!parameter_names.empty()) equations += "parameters: " + join(parameter_names) + "\n";

  for (const auto& id : states_) {
    const symbol& sym = symbols_.at(id);
    std::string rhs;
    if (sym.rate != nullptr) {
      scope s;
      s.element = sym.rate;
      s.what = fmt::format("the rate rule for \"{}\"", id);
      rhs = math_text(sym.rate->getMath(), s);
    } else if (sym.type == symbol::kind::species && terms.count(id)) {
      const auto* sp = static_cast<const Species*>(sym.element);
      // sum(stoichiometry * rate), written as a reaction network reads: k1 * A - 2 * (k2 * B)
      text sum;
      for (const auto& [nu, rate] : terms[id]) {
        const double size = std::fabs(nu);
        const text magnitude = size == 1 ? rate : infix(number(size), "*", rate, 2);
        if (sum.s.empty())
          sum = nu > 0 ? magnitude : text{"-" + wrap(magnitude, magnitude.precedence < 3), 3};
        else
          sum = infix(sum, nu > 0 ? "+" : "-", magnitude, 1);
      }
      // Kinetic laws are extent per time; the species changes by extent times the
      // conversion factor (SBML Level 3), in amount.
      const std::string factor = sp->isSetConversionFactor()      ? sp->getConversionFactor()
                                 : model_.isSetConversionFactor() ? model_.getConversionFactor()
                                                                  : "";
      if (!factor.empty()) {
        scope s;
        s.element = sp;
        s.what = fmt::format("the conversion factor of species \"{}\"", id);
        sum = infix(resolve(factor, s), "*", sum, 2);
      }
      if (!sp->getHasOnlySubstanceUnits()) {
        const std::string& c = sp->getCompartment();
        const symbol& compartment = symbols_.at(c);
        if (compartment.assignment != nullptr)
          refuse(compartment.assignment, "assignmentRule", c,
                 fmt::format("compartment \"{}\" has an assignment rule and holds species \"{}\" "
                             "in concentration changed by reactions: d[{}]/dt would need the "
                             "size's derivative, which an assignment rule does not give",
                             c, id, id));
        const text size{compartment.name, 5};
        if (compartment.rate != nullptr) {  // d[X]/dt = (dn/dt - [X] dV/dt) / V
          scope s;
          s.element = compartment.rate;
          s.what = fmt::format("the rate rule for \"{}\"", c);
          const text dv = translate(compartment.rate->getMath(), s);
          sum = infix(sum, "-", infix(text{sym.name, 5}, "*", dv, 2), 1);
        }
        sum = infix(sum, "/", size, 2);
      }
      rhs = sum.s;
    } else {
      rhs = "0";  // constant, boundary or untouched
    }
    equations += fmt::format("d{} = {}\n", sym.name, rhs);
  }

  sbml_model out{parse_equations(equations,
                                 model_.isSetId()     ? model_.getId()
                                 : model_.isSetName() ? model_.getName()
                                                      : "sbml",
                                 "<equations translated from " + source_ + ">"),
                 {},
                 {},
                 {},
                 {}};
  out.equations = std::move(equations);

  // Values at t = 0: every initial value expanded down to numbers, compiled as one model of
  // constant equations, and evaluated once.
  std::string values_text;
  std::size_t count = 0;
  const auto add_value = [&](const text& t) {
    values_text += fmt::format("dv{} = {}\n", count++, t.s);
  };
  scope at_start;
  at_start.initial = true;
  for (const auto& id : states_) add_value(initial_value(id, at_start));
  for (const auto& id : parameters_) add_value(initial_value(id, at_start));
  for (const auto& [name, value] : locals_) add_value(number(value));
  const equation_model values = parse_equations(values_text, "initial_values",
                                                "<initial values translated from " + source_ + ">");
  if (!values.parameters().empty())
    throw error(fmt::format("read_sbml: {}: initial values still refer to \"{}\" (a bug)", source_,
                            values.parameters()[0]));
  Eigen::VectorXd zero = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(count)),
                  result(static_cast<Eigen::Index>(count));
  values(zero, result, 0.0, Eigen::VectorXd());
  // values.species() are v0, v1, ... in order of first appearance, which is line order.
  for (std::size_t k = 0; k < states_.size(); ++k)
    out.initial_state.push_back(result[static_cast<Eigen::Index>(k)]);
  for (std::size_t k = states_.size(); k < count; ++k)
    out.parameter_values.push_back(result[static_cast<Eigen::Index>(k)]);
  out.notes = std::move(notes_);
  return out;
}

/// libSBML's errors of severity error or fatal, the first one as a parse_error.
inline void throw_first_error(const SBMLDocument& doc, const std::string& source) {
  for (unsigned i = 0; i < doc.getNumErrors(); ++i) {
    const SBMLError* e = doc.getError(i);
    if (e->getSeverity() < LIBSBML_SEV_ERROR) continue;
    std::string message = e->getMessage();
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    std::replace(message.begin(), message.end(), '\n', ' ');
    throw parse_error(source, e->getLine(), e->getColumn(),
                      fmt::format("{}:{}:{}: SBML {} {}: {}", source, e->getLine(), e->getColumn(),
                                  e->getSeverity() >= LIBSBML_SEV_FATAL ? "fatal error" : "error",
                                  e->getErrorId(), message));
  }
}

}  // namespace detail::sbml_impl

sbml_model read_sbml(std::string_view xml, const std::string& source) {
  namespace impl = detail::sbml_impl;
  const std::unique_ptr<SBMLDocument> doc(readSBMLFromString(std::string(xml).c_str()));
  if (!doc) throw io_error(source, fmt::format("read_sbml: {}: libSBML read nothing", source));
  impl::throw_first_error(*doc, source);
  // Units and modelling practice are advice (and many published models fail them); the
  // other checks catch undefined ids, cycles and malformed math before translation.
  doc->setConsistencyChecks(LIBSBML_CAT_UNITS_CONSISTENCY, false);
  doc->setConsistencyChecks(LIBSBML_CAT_MODELING_PRACTICE, false);
  doc->checkConsistency();
  impl::throw_first_error(*doc, source);
  if (doc->getModel() == nullptr)
    throw parse_error(source, 0, 0, fmt::format("{}: the SBML document has no model", source));
  return impl::translator(*doc, source).run();
}

sbml_model read_sbml_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in)
    throw io_error(file.string(), fmt::format("read_sbml_file: cannot open \"{}\"", file.string()));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad())
    throw io_error(file.string(), fmt::format("read_sbml_file: cannot read \"{}\"", file.string()));
  return read_sbml(text.str(), file.string());
}

}  // namespace odesynth
