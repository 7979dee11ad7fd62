// odesynth/impl/model.ipp - the non-template code of model.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../model.hpp"

namespace odesynth {

ODESYNTH_INLINE model_description::model_description(std::string name,
                                                     std::vector<std::string> species,
                                                     std::vector<std::string> parameters)
    : name_(std::move(name)), species_(std::move(species)), parameters_(std::move(parameters)) {
  detail::validate_model_name(name_);
  if (species_.empty())
    detail::throw_invalid(fmt::format("{}.species", name_), "[]", "at least one species");
  detail::validate_names(name_, "species", species_);
  detail::validate_names(name_, "parameters", parameters_);
  for (std::size_t i = 0; i < species_.size(); ++i)
    if (species_[i] == "time")
      detail::throw_invalid(fmt::format("{}.species[{}]", name_, i), "\"time\"",
                            "a species name other than \"time\" (reserved for the time column)");
}

namespace detail {
ODESYNTH_INLINE void validate_names(std::string_view model, std::string_view kind,
                                    const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string& n = names[i];
    const std::string field = fmt::format("{}.{}[{}]", model, kind, i);
    if (n.empty()) throw_invalid(field, "\"\"", "a non-empty name");
    for (char c : n) {
      const auto u = static_cast<unsigned char>(c);
      if (c == ',' || c == '"' || u < 0x20 || u == 0x7f)
        throw_invalid(field, fmt::format("\"{}\"", n),
                      "a name without commas, quotes or control characters (it becomes a CSV "
                      "column header)");
    }
    if (n.front() == ' ' || n.back() == ' ')
      throw_invalid(field, fmt::format("\"{}\"", n), "a name without leading/trailing spaces");
    for (std::size_t j = 0; j < i; ++j)
      if (names[j] == n)
        throw_invalid(field, fmt::format("\"{}\"", n),
                      fmt::format("unique {} names (\"{}\" is also {}[{}])", kind, n, kind, j));
  }
}

ODESYNTH_INLINE void validate_model_name(const std::string& name) {
  if (name.empty()) throw_invalid("model.name", "\"\"", "a non-empty model name");
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.';
    if (!ok)
      throw_invalid("model.name", fmt::format("\"{}\"", name),
                    "letters, digits, '_', '-' or '.' only (the name becomes part of file names)");
  }
}

}  // namespace detail
}  // namespace odesynth
