// odesynth/ml/impl/baselines.ipp - the non-template code of ml/baselines.hpp, compiled in
// every file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>
#include <utility>

#include "../../detail/text.hpp"
#include "../baselines.hpp"

namespace odesynth {

ODESYNTH_INLINE target_columns::target_columns(const std::vector<std::string>& input_species,
                                               const std::vector<std::string>& target_species)
    : num_inputs_(input_species.size()) {
  columns_.reserve(target_species.size());
  for (const auto& name : target_species) {
    std::size_t c = 0;
    while (c < input_species.size() && input_species[c] != name) ++c;
    if (c == input_species.size())
      detail::throw_invalid("target_species", name,
                            fmt::format("an input species, one of [{}], since a baseline "
                                        "forecasts a species from its own inputs",
                                        detail::join(input_species, ", ")));
    columns_.push_back(c);
  }
}

namespace detail::ml {

ODESYNTH_INLINE void require_inputs(const array3& inputs, const target_columns& map,
                                    std::size_t horizon) {
  if (inputs.extent(2) != map.num_inputs())
    throw_invalid(
        "inputs.shape", shape_text(inputs.shape()),
        fmt::format("[windows, input_length, {}]: one column per input species", map.num_inputs()));
  if (horizon == 0) throw_invalid("horizon", 0, "at least 1");
}

}  // namespace detail::ml

ODESYNTH_INLINE array3 predict_last_value(const array3& inputs, const target_columns& map,
                                          std::size_t horizon) {
  return detail::ml::repeat_summary(inputs, map, horizon, [&](std::size_t w, std::size_t c) {
    for (std::size_t j = inputs.extent(1); j-- > 0;)
      if (!std::isnan(inputs(w, j, c))) return inputs(w, j, c);
    return detail::ml::nan;
  });
}

ODESYNTH_INLINE array3 predict_window_mean(const array3& inputs, const target_columns& map,
                                           std::size_t horizon) {
  return detail::ml::repeat_summary(inputs, map, horizon, [&](std::size_t w, std::size_t c) {
    double sum = 0;
    std::size_t count = 0;
    for (std::size_t j = 0; j < inputs.extent(1); ++j)
      if (!std::isnan(inputs(w, j, c))) {
        sum += inputs(w, j, c);
        ++count;
      }
    return count ? sum / static_cast<double>(count) : detail::ml::nan;
  });
}

ODESYNTH_INLINE array3 predict_last_value(const window_set& w) {
  return predict_last_value(w.inputs, target_columns(w.input_species, w.target_species),
                            w.targets.extent(1));
}

ODESYNTH_INLINE array3 predict_window_mean(const window_set& w) {
  return predict_window_mean(w.inputs, target_columns(w.input_species, w.target_species),
                             w.targets.extent(1));
}

ODESYNTH_INLINE training_mean_predictor::training_mean_predictor(
    const std::vector<trajectory>& train, std::vector<std::string> target_species)
    : species_(std::move(target_species)) {
  if (train.empty())
    detail::throw_invalid("training_mean_predictor.train.size()", 0,
                          "at least one trajectory to fit on");
  means_.assign(species_.size(), 0.0);
  std::vector<std::size_t> counts(species_.size(), 0);
  for (std::size_t t = 0; t < train.size(); ++t) {
    const auto cols =
        detail::ml::columns_of(train[t], species_, "training_mean_predictor.target_species",
                               fmt::format("training trajectory {}", t));
    for (std::size_t k = 0; k < cols.size(); ++k)
      for (Eigen::Index r = 0; r < train[t].num_times(); ++r)
        if (!detail::ml::is_missing(train[t], r, cols[k])) {
          means_[k] += train[t].values()(r, cols[k]);
          ++counts[k];
        }
  }
  for (std::size_t k = 0; k < species_.size(); ++k) {
    if (counts[k] == 0)
      detail::throw_invalid("training_mean_predictor.target_species", species_[k],
                            "a species with at least one observed training value");
    means_[k] /= static_cast<double>(counts[k]);
  }
}

ODESYNTH_INLINE array3 training_mean_predictor::predict(std::size_t windows,
                                                        std::size_t horizon) const {
  array3 out(windows, horizon, species_.size());
  for (std::size_t w = 0; w < windows; ++w)
    for (std::size_t j = 0; j < horizon; ++j)
      for (std::size_t k = 0; k < species_.size(); ++k) out(w, j, k) = means_[k];
  return out;
}

}  // namespace odesynth
