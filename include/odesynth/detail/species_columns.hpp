// odesynth/detail/species_columns.hpp - what the transforms and constraint checks share about
// species and columns: names checked and found among a trajectory's columns, settings
// checked, and the loop over the observed entries a per-species setting covers.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../per_species.hpp"
#include "../trajectory.hpp"
#include "config.hpp"

namespace odesynth::detail {

/// Values in [0, 1]; NaN is not.
inline bool in_unit_interval(double v) noexcept { return v >= 0 && v <= 1; }

ODESYNTH_INLINE void require_probability_in_01(std::string_view field, double p);

ODESYNTH_INLINE void require_fraction(std::string_view field, double f);

/// The column called `name`, or invalid_argument naming `field` and listing the columns.
ODESYNTH_INLINE Eigen::Index column_of(std::string_view field, const std::string& name,
                                       const std::vector<std::string>& columns);

/// A list of species names: non-empty unless `allow_empty`, each name once.
ODESYNTH_INLINE void require_species_names(std::string_view field,
                                           const std::vector<std::string>& names, bool allow_empty);

/// Calls f(row, column, setting) for every observed entry of the columns `setting` covers,
/// in row-major order. Names are resolved once per trajectory, not once per value.
template <class T, class F>
void for_each_observed(const trajectory& tr, const per_species<T>& setting, F f) {
  const auto columns = setting.resolve(tr.species());
  const auto& mask = tr.mask();
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    for (const auto& [j, v] : columns) {
      const auto c = static_cast<Eigen::Index>(j);
      if (mask(i, c)) f(i, c, v);
    }
}

/// Calls f(value&, setting) for every observed entry of the columns `setting` covers, in
/// row-major order.
template <class T, class F>
void for_each_observed_value(trajectory& tr, const per_species<T>& setting, F f) {
  auto& values = tr.values();
  for_each_observed(tr, setting, [&values, &f](Eigen::Index i, Eigen::Index c, const T& v) {
    f(values(i, c), v);
  });
}

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/species_columns.ipp"
#endif
