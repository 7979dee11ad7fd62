// odesynth/sbml.hpp - models from SBML files (the optional component odesynth::sbml, built
// with -DODESYNTH_SBML=ON; needs libSBML, Debian's libsbml5-dev).
//
//   const odesynth::sbml_model m = odesynth::read_sbml_file("repressilator.xml");
//   auto tr = odesynth::solve(m.model, m.parameter_values, m.initial_state, grid);
//   fmt::print("{}", m.equations);  // what the file was translated into
//
// The document is translated into odesynth's equation text (equations.hpp) and parsed, so the
// result is an ordinary equation_model with a symbolic Jacobian. What a simulator such as
// libRoadRunner (tellurium) does with the same file, with these conventions:
//  - State variables: every species without an assignment rule, in document order, then the
//    compartments and parameters that have rate rules, in the rules' order. A species with
//    hasOnlySubstanceUnits="false" is a concentration (amount / compartment size), otherwise
//    an amount; kinetic laws are substance per time, so a concentration changes by
//    sum(stoichiometry * rate * conversion factor) / size (minus [X] size' / size when the
//    size has a rate rule). Boundary and constant species are not changed by reactions.
//  - Parameters of the model: the compartments and global parameters without rules, then the
//    local parameters of kinetic laws, renamed <reaction id>_<parameter id>; values from
//    the file, after initial assignments. Initial assignments are evaluated once, at t = 0:
//    sampling a parameter does not re-evaluate the initial values computed from it.
//  - Assignment rules are substituted into every expression that uses their variable (the
//    variable is then neither a state nor a parameter); function definitions are inlined;
//    piecewise becomes nested if(...). Units are not converted: numbers are used as written.
//  - Refused, by name and id, never ignored: events, algebraic rules, delay, rateOf, fast
//    reactions, constraints, variable stoichiometry, reactions without a kinetic law,
//    required SBML Level 3 packages, and MathML this translation does not know (factorial,
//    quotient, rem, ...): odesynth::invalid_argument with field() the construct ("event",
//    "algebraicRule", "delay", ...) and value() the id, and the file, line and column in
//    what(). libSBML's read and consistency errors are parse_errors at their line and column.
// Ids that the equation language reserves (t, time, function names such as exp or if) are
// renamed <id>_ and listed in `notes`, as are the other conversions made.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "equations.hpp"

namespace odesynth {

/// A model read from an SBML document.
struct sbml_model {
  equation_model model;                  ///< species() are the state variables, in order
  std::string equations;                 ///< the text `model` was parsed from
  std::vector<double> parameter_values;  ///< per model.parameters(), from the file
  std::vector<double> initial_state;     ///< per model.species(), initial assignments applied
  std::vector<std::string> notes;        ///< conversions made: renames, substituted rules, ...
};

/// Reads an SBML file (any level and version libSBML reads). Throws io_error if the file
/// cannot be read, parse_error for XML and SBML errors, invalid_argument for what is refused.
sbml_model read_sbml_file(const std::filesystem::path& file);

/// The same from a document in memory; `source` names it in messages.
sbml_model read_sbml(std::string_view xml, const std::string& source = "<sbml>");

}  // namespace odesynth
