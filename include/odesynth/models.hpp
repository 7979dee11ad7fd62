// odesynth/models.hpp - the model zoo: ready-made models with literature defaults, all in
// namespace odesynth::models, one header each under odesynth/models/.
//
//   #include <odesynth/models.hpp>
//   namespace zoo = odesynth::models;
//   const zoo::lorenz m;
//   auto tr = odesynth::solve(m, zoo::default_parameters(m), zoo::default_initial_state(m),
//                             zoo::default_grid(m, 3001));
//
// Every zoo model is an ordinary odesynth model (model.hpp: species, parameters, name, a
// templated right-hand side, and an analytic jacobian() where the model can be stiff) plus
// three defaults, each with its source cited in a comment next to it:
//
//   default_parameters     one value per parameter, in `parameters` order
//   default_initial_state  one value per species, in `species` order
//   default_t_end          end of the default time span; every span starts at t = 0
//
// Fixed-size models hold them as static constexpr members (std::array<double, P>,
// std::array<double, S>, double): free at run time, usable in constant expressions, and
// checked against the name lists by the compiler. A dynamic-size model (linear_chain) provides
// the ones that depend on its size as const member functions of the same names. The free
// functions below read either form, so generic code never needs to know which. Models ported
// from SimbaML also list the species SimbaML hides from its output, as `hidden_species` (for
// odesynth::hide_species).
//
// The defaults are starting points for sampling, not truths: where no literature value exists
// the comment says the value is illustrative.
//
// Models (header = model name):
//   exponential_decay, logistic_growth, lotka_volterra, sir, seir, sird_vaccination, lorenz,
//   van_der_pol*, fitzhugh_nagumo, brusselator*, michaelis_menten*, repressilator, selkov,
//   two_compartment_pk*, robertson*, linear_chain* (dynamic size), mapk_cascade;
//   SimbaML's example problems: simbaml_constant, simbaml_salt_brine_tanks, simbaml_sir,
//   simbaml_sird, simbaml_trigonometry.                     (* analytic Jacobian)
#pragma once

#include <cstddef>
#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include "models/brusselator.hpp"
#include "models/exponential_decay.hpp"
#include "models/fitzhugh_nagumo.hpp"
#include "models/linear_chain.hpp"
#include "models/logistic_growth.hpp"
#include "models/lorenz.hpp"
#include "models/lotka_volterra.hpp"
#include "models/mapk_cascade.hpp"
#include "models/michaelis_menten.hpp"
#include "models/repressilator.hpp"
#include "models/robertson.hpp"
#include "models/seir.hpp"
#include "models/selkov.hpp"
#include "models/simbaml_constant.hpp"
#include "models/simbaml_salt_brine_tanks.hpp"
#include "models/simbaml_sir.hpp"
#include "models/simbaml_sird.hpp"
#include "models/simbaml_trigonometry.hpp"
#include "models/sir.hpp"
#include "models/sird_vaccination.hpp"
#include "models/two_compartment_pk.hpp"
#include "models/van_der_pol.hpp"
#include "time_grid.hpp"

namespace odesynth {
namespace detail {

// For each default, a const member function of the name wins over a static member, as for
// species() in model.hpp. Naming a member function without calling it is ill-formed, which
// SFINAE turns into "no static member".
template <class M, class = void>
struct has_default_parameters_function : std::false_type {};
template <class M>
struct has_default_parameters_function<
    M, std::void_t<decltype(std::declval<const M&>().default_parameters())>> : std::true_type {};
template <class M, class = void>
struct has_static_default_parameters : std::false_type {};
template <class M>
struct has_static_default_parameters<M, std::void_t<decltype(M::default_parameters)>>
    : std::true_type {};

template <class M, class = void>
struct has_default_initial_state_function : std::false_type {};
template <class M>
struct has_default_initial_state_function<
    M, std::void_t<decltype(std::declval<const M&>().default_initial_state())>> : std::true_type {};
template <class M, class = void>
struct has_static_default_initial_state : std::false_type {};
template <class M>
struct has_static_default_initial_state<M, std::void_t<decltype(M::default_initial_state)>>
    : std::true_type {};

template <class M, class = void>
struct has_default_t_end_function : std::false_type {};
template <class M>
struct has_default_t_end_function<M,
                                  std::void_t<decltype(std::declval<const M&>().default_t_end())>>
    : std::true_type {};
template <class M, class = void>
struct has_static_default_t_end : std::false_type {};
template <class M>
struct has_static_default_t_end<M, std::void_t<decltype(M::default_t_end)>> : std::true_type {};

template <class Range>
std::vector<double> to_doubles(const Range& values) {
  return std::vector<double>(std::begin(values), std::end(values));
}

}  // namespace detail

namespace models {

/// True when M provides all three defaults, as members or member functions.
template <class M>
inline constexpr bool has_defaults_v = (detail::has_default_parameters_function<M>::value ||
                                        detail::has_static_default_parameters<M>::value) &&
                                       (detail::has_default_initial_state_function<M>::value ||
                                        detail::has_static_default_initial_state<M>::value) &&
                                       (detail::has_default_t_end_function<M>::value ||
                                        detail::has_static_default_t_end<M>::value);

/// The model's default parameter values, in `parameters` order.
template <class M>
std::vector<double> default_parameters(const M& m) {
  static_assert(has_defaults_v<M>,
                "odesynth::models: the model needs default_parameters, default_initial_state "
                "and default_t_end (see odesynth/models.hpp)");
  if constexpr (detail::has_default_parameters_function<M>::value) {
    return detail::to_doubles(m.default_parameters());
  } else {
    (void)m;
    return detail::to_doubles(M::default_parameters);
  }
}

/// The model's default initial state, in `species` order.
template <class M>
std::vector<double> default_initial_state(const M& m) {
  static_assert(has_defaults_v<M>,
                "odesynth::models: the model needs default_parameters, default_initial_state "
                "and default_t_end (see odesynth/models.hpp)");
  if constexpr (detail::has_default_initial_state_function<M>::value) {
    return detail::to_doubles(m.default_initial_state());
  } else {
    (void)m;
    return detail::to_doubles(M::default_initial_state);
  }
}

/// The end of the model's default time span [0, default_t_end].
template <class M>
double default_t_end(const M& m) {
  static_assert(has_defaults_v<M>,
                "odesynth::models: the model needs default_parameters, default_initial_state "
                "and default_t_end (see odesynth/models.hpp)");
  if constexpr (detail::has_default_t_end_function<M>::value) {
    return m.default_t_end();
  } else {
    (void)m;
    return M::default_t_end;
  }
}

/// `count` equally spaced times over the default span, 0 and default_t_end included.
/// (Robertson's interesting times are spread over decades: prefer a log-spaced grid there.)
template <class M>
time_grid default_grid(const M& m, std::size_t count) {
  return time_grid::linspace(0.0, default_t_end(m), count);
}

}  // namespace models
}  // namespace odesynth
