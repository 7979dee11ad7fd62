// odesynth/ml/impl/scaling.ipp - the non-template code of ml/scaling.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "../../detail/text.hpp"
#include "../scaling.hpp"

namespace odesynth {

ODESYNTH_INLINE feature_scaler::feature_scaler(scaling_method method,
                                               const std::vector<trajectory>& train,
                                               std::vector<std::string> species)
    : method_(method) {
  if (train.empty())
    detail::throw_invalid("feature_scaler.train.size()", 0, "at least one trajectory to fit on");
  species_ = species.empty() ? train.front().species() : std::move(species);
  detail::ml::require_distinct(species_, "feature_scaler.species");
  offsets_.resize(species_.size());
  scales_.resize(species_.size());
  std::vector<std::vector<Eigen::Index>> columns;
  columns.reserve(train.size());
  for (std::size_t k = 0; k < train.size(); ++k)
    columns.push_back(detail::ml::columns_of(train[k], species_, "feature_scaler.species",
                                             fmt::format("training trajectory {}", k)));
  for (std::size_t c = 0; c < species_.size(); ++c) fit_one(train, columns, c);
}

ODESYNTH_INLINE void feature_scaler::fit_one(const std::vector<trajectory>& train,
                                             const std::vector<std::vector<Eigen::Index>>& columns,
                                             std::size_t c) {
  std::size_t count = 0;
  double sum = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
  const auto each_observed = [&](auto&& f) {
    for (std::size_t k = 0; k < train.size(); ++k) {
      const Eigen::Index col = columns[k][c];
      for (Eigen::Index r = 0; r < train[k].num_times(); ++r)
        if (!detail::ml::is_missing(train[k], r, col)) f(train[k].values()(r, col));
    }
  };
  each_observed([&](double x) {
    ++count;
    sum += x;
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  });
  if (count == 0)
    detail::throw_invalid("feature_scaler.species", species_[c],
                          "a species with at least one observed value in the training data");
  double offset = 0, spread = 0;
  if (method_ == scaling_method::standard) {
    offset = sum / static_cast<double>(count);
    double squares = 0;  // second pass: sum of squared deviations, no cancellation
    each_observed([&](double x) { squares += (x - offset) * (x - offset); });
    spread = std::sqrt(squares / static_cast<double>(count));
  } else {
    offset = lo;
    spread = hi - lo;
  }
  offsets_[c] = offset;
  scales_[c] = spread > 0 ? spread : 1.0;
}

ODESYNTH_INLINE std::size_t feature_scaler::position(std::string_view name,
                                                     const char* what) const {
  for (std::size_t c = 0; c < species_.size(); ++c)
    if (species_[c] == name) return c;
  detail::throw_invalid(fmt::format("feature_scaler.{}", what), name,
                        fmt::format("a fitted species, one of [{}]", detail::join(species_, ", ")));
}

ODESYNTH_INLINE void feature_scaler::apply(trajectory& tr, bool inverse) const {
  const auto columns =
      detail::ml::columns_of(tr, species_, "feature_scaler.species", "the trajectory scaled");
  for (std::size_t c = 0; c < columns.size(); ++c)
    for (Eigen::Index r = 0; r < tr.num_times(); ++r) {
      double& x = tr.values()(r, columns[c]);
      if (detail::ml::is_missing(tr, r, columns[c])) continue;
      x = inverse ? backward(x, c) : forward(x, c);
    }
}

ODESYNTH_INLINE void feature_scaler::apply(array3& a, const std::vector<std::string>& species,
                                           bool inverse) const {
  if (species.size() != a.extent(2))
    detail::throw_invalid("feature_scaler species", species.size(),
                          fmt::format("one name per entry of the last axis of an array of "
                                      "shape {}",
                                      detail::shape_text(a.shape())));
  std::vector<std::size_t> where;
  where.reserve(species.size());
  for (const auto& name : species) where.push_back(position(name, "species"));
  const std::size_t s = a.extent(2);
  double* p = a.data();
  for (std::size_t i = 0; i < a.size(); ++i) {
    const std::size_t c = where[i % s];
    p[i] = inverse ? backward(p[i], c) : forward(p[i], c);
  }
}

}  // namespace odesynth
