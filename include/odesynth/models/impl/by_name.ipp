// odesynth/models/impl/by_name.ipp - the non-template code of models/by_name.hpp, compiled in
// every file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "../../models.hpp"
#include "../by_name.hpp"

namespace odesynth::models {
namespace detail_by_name {

template <class M, class = void>
struct has_hidden_species : std::false_type {};
template <class M>
struct has_hidden_species<M, std::void_t<decltype(M::hidden_species)>> : std::true_type {};

template <class M>
zoo_entry entry(const M& m, std::string summary) {
  zoo_entry e{any_model(m),          std::move(summary),
              default_parameters(m), default_initial_state(m),
              default_t_end(m),      {}};
  if constexpr (has_hidden_species<M>::value)
    for (auto s : M::hidden_species) e.hidden_species.emplace_back(s);
  return e;
}

struct zoo_row {
  std::string_view name;
  zoo_entry (*make)(std::size_t size);
  bool sized;
};

// One row per model of models.hpp, sorted by name; test_any_model.cpp checks that every
// entry's model has the row's name.
inline const std::vector<zoo_row>& zoo_table() {
  static const std::vector<zoo_row> rows = {
      {"brusselator",
       [](std::size_t) {
         return entry(brusselator{}, "Prigogine-Lefever autocatalytic oscillator");
       },
       false},
      {"exponential_decay",
       [](std::size_t) { return entry(exponential_decay{}, "first-order decay x' = -k x"); },
       false},
      {"fitzhugh_nagumo",
       [](std::size_t) { return entry(fitzhugh_nagumo{}, "FitzHugh-Nagumo excitable neuron"); },
       false},
      {"linear_chain",
       [](std::size_t n) {
         return entry(linear_chain(n), "chain x0 -> x1 -> ... of first-order steps (size = n)");
       },
       true},
      {"logistic_growth",
       [](std::size_t) { return entry(logistic_growth{}, "Verhulst logistic growth"); }, false},
      {"lorenz", [](std::size_t) { return entry(lorenz{}, "Lorenz chaotic convection"); }, false},
      {"lotka_volterra",
       [](std::size_t) { return entry(lotka_volterra{}, "Lotka-Volterra predator-prey"); }, false},
      {"mapk_cascade",
       [](std::size_t) {
         return entry(mapk_cascade{}, "three-tier MAPK cascade with negative feedback");
       },
       false},
      {"michaelis_menten",
       [](std::size_t) {
         return entry(michaelis_menten{}, "enzyme kinetics E + S <-> C -> E + P (stiff)");
       },
       false},
      {"repressilator",
       [](std::size_t) { return entry(repressilator{}, "Elowitz-Leibler repressilator"); }, false},
      {"robertson",
       [](std::size_t) { return entry(robertson{}, "Robertson's chemical kinetics (stiff)"); },
       false},
      {"seir", [](std::size_t) { return entry(seir{}, "SEIR epidemic with latent period"); },
       false},
      {"selkov", [](std::size_t) { return entry(selkov{}, "Sel'kov glycolytic oscillations"); },
       false},
      {"simbaml_constant",
       [](std::size_t) { return entry(simbaml_constant{}, "SimbaML example: constant function"); },
       false},
      {"simbaml_salt_brine_tanks",
       [](std::size_t) {
         return entry(simbaml_salt_brine_tanks{}, "SimbaML example: salt and brine tanks");
       },
       false},
      {"simbaml_sir", [](std::size_t) { return entry(simbaml_sir{}, "SimbaML example: SIR"); },
       false},
      {"simbaml_sird",
       [](std::size_t) { return entry(simbaml_sird{}, "SimbaML example: SIRD, waning immunity"); },
       false},
      {"simbaml_trigonometry",
       [](std::size_t) { return entry(simbaml_trigonometry{}, "SimbaML example: trigonometry"); },
       false},
      {"sir", [](std::size_t) { return entry(sir{}, "Kermack-McKendrick SIR epidemic"); }, false},
      {"sird_vaccination",
       [](std::size_t) {
         return entry(sird_vaccination{}, "SIRD epidemic with deaths and vaccination");
       },
       false},
      {"two_compartment_pk",
       [](std::size_t) {
         return entry(two_compartment_pk{}, "two-compartment pharmacokinetics, oral dose");
       },
       false},
      {"van_der_pol",
       [](std::size_t) {
         return entry(van_der_pol{}, "Van der Pol relaxation oscillator (stiff)");
       },
       false},
  };
  return rows;
}

}  // namespace detail_by_name

ODESYNTH_INLINE std::vector<std::string> zoo_names() {
  std::vector<std::string> names;
  for (const auto& row : detail_by_name::zoo_table()) names.emplace_back(row.name);
  return names;
}

ODESYNTH_INLINE zoo_entry by_name(std::string_view name, std::optional<std::size_t> size,
                                  std::string_view field) {
  for (const auto& row : detail_by_name::zoo_table()) {
    if (row.name != name) continue;
    if (!row.sized && size)
      odesynth::detail::throw_invalid(fmt::format("{}.size", field), *size,
                                      fmt::format("no size: {} has a fixed size", name));
    return row.make(size.value_or(10));
  }
  odesynth::detail::throw_invalid(std::string(field), fmt::format("\"{}\"", name),
                                  fmt::format("a zoo model: {}", fmt::join(zoo_names(), ", ")));
}

}  // namespace odesynth::models
