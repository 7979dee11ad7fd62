// odesynth/detail/species_columns.hpp - what the transforms and constraint checks share about
// species and columns: names checked and found among a trajectory's columns, settings
// checked, and the loop over the observed entries a per-species setting covers.
#pragma once

#include <Eigen/Core>
#include <array>
#include <cstddef>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../per_species.hpp"
#include "../random.hpp"
#include "../standard_normal.hpp"
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

/// The (column, setting) pairs a per_species setting gives a trajectory's columns, in column
/// order, resolved once per trajectory; held in place for up to 16 columns (no allocation per
/// trajectory for the models most datasets use), on the heap beyond.
template <class T>
class resolved_columns {
 public:
  resolved_columns(const per_species<T>& setting, const std::vector<std::string>& species) {
    setting.for_each(species, [this](std::size_t j, const T& v) {
      if (size_ < in_place_.size()) {
        in_place_[size_] = {static_cast<Eigen::Index>(j), &v};
      } else {
        if (size_ == in_place_.size()) spilled_.assign(in_place_.begin(), in_place_.end());
        spilled_.push_back({static_cast<Eigen::Index>(j), &v});
      }
      ++size_;
    });
  }
  struct entry {
    Eigen::Index column;
    const T* setting;
  };
  const entry* begin() const noexcept {
    return size_ <= in_place_.size() ? in_place_.data() : spilled_.data();
  }
  const entry* end() const noexcept { return begin() + size_; }
  std::size_t size() const noexcept { return size_; }

 private:
  std::array<entry, 16> in_place_{};
  std::vector<entry> spilled_;
  std::size_t size_ = 0;
};

/// Calls f(row, column, setting) for every observed entry of the columns `setting` covers,
/// in row-major order. Names are resolved once per trajectory, not once per value.
template <class T, class F>
void for_each_observed(const trajectory& tr, const per_species<T>& setting, F f) {
  const resolved_columns<T> columns(setting, tr.species());
  const auto& mask = tr.mask();
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    for (const auto& [c, v] : columns)
      if (mask(i, c)) f(i, c, *v);
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

/// Calls f(value&, setting, z) for every observed entry of the columns `setting` covers, in
/// row-major order, z the entry's standard normal from `s`: the values of one
/// standard_normal(s) per entry, made in blocks of 64 (standard_normals), with no allocation.
template <class T, class F>
void for_each_observed_value_with_normal(trajectory& tr, const per_species<T>& setting,
                                         random_stream& s, F f) {
  constexpr std::size_t block = 64;
  double* value[block];
  const T* with[block];
  double z[block];
  std::size_t pending = 0;
  const auto flush = [&] {
    standard_normals(s, z, pending);
    for (std::size_t k = 0; k < pending; ++k) f(*value[k], *with[k], z[k]);
    pending = 0;
  };
  auto& values = tr.values();
  const auto& mask = tr.mask();
  const auto entries = static_cast<std::size_t>(values.size());
  // One setting for every column and nothing missing (a fresh solve): the entries in
  // row-major order are the values' memory order, so no gathering.
  if (setting.given_as() == per_species_form::all &&
      std::memchr(mask.data(), false, entries) == nullptr) {
    double* y = values.data();
    const T& all = setting.all_value();
    for (std::size_t done = 0; done < entries; done += block) {
      const std::size_t m = entries - done < block ? entries - done : block;
      standard_normals(s, z, m);
      for (std::size_t k = 0; k < m; ++k) f(y[done + k], all, z[k]);
    }
    return;
  }
  const resolved_columns<T> columns(setting, tr.species());
  for (Eigen::Index i = 0; i < tr.num_times(); ++i)
    for (const auto& [c, v] : columns)
      if (mask(i, c)) {
        value[pending] = &values(i, c);
        with[pending] = v;
        if (++pending == block) flush();
      }
  flush();
}

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/species_columns.ipp"
#endif
