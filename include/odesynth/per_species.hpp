// odesynth/per_species.hpp - a setting given for all species, by species name, or
// as one value per column.
//
//   per_species<double> a = 0.1;                           // every column
//   per_species<double> b = {{"prey", 0.1}, {"predator", 0.3}};  // named columns only
//   per_species<double> c = per_species<double>::by_position({0.1, 0.3});  // column order
//
// Named settings leave unnamed columns untouched. Names are checked against the columns in
// validate() (called from a transform's layout_after), with an error that lists the known
// columns; a positional list must have one value per column.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "detail/text.hpp"

namespace odesynth {
namespace detail {

/// "one of the species [a, b]": what a name that is not a column was expected to be.
ODESYNTH_INLINE std::string known_species(const std::vector<std::string>& columns);

/// Throws invalid_argument at `where` unless `name` is one of `columns`.
ODESYNTH_INLINE void require_species(std::string_view where, const std::string& name,
                                     const std::vector<std::string>& columns);

/// Throws invalid_argument at `where`.size(): `count` values given for `columns`.
[[noreturn]] ODESYNTH_INLINE void throw_species_count(std::string_view where, std::size_t count,
                                                      const std::vector<std::string>& columns);

}  // namespace detail

/// How a per_species setting was given: one value for every column, values for named
/// columns, or one value per column in order.
enum class per_species_form { all, named, positional };

/// The name metadata stores (provenance.hpp writes a setting as {"<form>": ...}).
constexpr std::string_view to_string(per_species_form f) noexcept {
  switch (f) {
    case per_species_form::all: return "all";
    case per_species_form::named: return "named";
    case per_species_form::positional: return "positional";
  }
  return "unknown";
}

/// Every form, in order (metadata reads to_string(form) back).
inline constexpr std::array<per_species_form, 3> all_per_species_forms{
    per_species_form::all, per_species_form::named, per_species_form::positional};

template <class T>
class per_species {
 public:
  /// The same value for every column.
  per_species(T all) : mode_(mode::all), all_(std::move(all)) {}  // NOLINT: implicit by design
  /// The same value for every column, from anything T is made from (e.g. a dist::normal
  /// for a per_species<distribution>).
  template <class U, class = std::enable_if_t<!std::is_same_v<std::decay_t<U>, T> &&
                                              !std::is_same_v<std::decay_t<U>, per_species> &&
                                              std::is_constructible_v<T, U>>>
  per_species(U&& all)  // NOLINT: implicit by design
      : mode_(mode::all), all_(T(std::forward<U>(all))) {}
  /// Values for the named columns only.
  per_species(std::initializer_list<std::pair<std::string, T>> named)
      : mode_(mode::named), named_(named) {}
  static per_species by_name(std::vector<std::pair<std::string, T>> named) {
    per_species p(T{});
    p.mode_ = mode::named;
    p.named_ = std::move(named);
    return p;
  }
  /// One value per column, in column order.
  static per_species by_position(std::vector<T> values) {
    per_species p(T{});
    p.mode_ = mode::positional;
    p.positional_ = std::move(values);
    return p;
  }

  /// Checks every value with `check_value(field, value)`; names and counts are checked
  /// against columns in validate().
  template <class F>
  void validate_values(std::string_view where, F check_value) const {
    switch (mode_) {
      case mode::all: check_value(std::string(where), all_); break;
      case mode::named:
        for (const auto& [name, v] : named_) check_value(fmt::format("{}[\"{}\"]", where, name), v);
        break;
      case mode::positional:
        for (std::size_t i = 0; i < positional_.size(); ++i)
          check_value(fmt::format("{}[{}]", where, i), positional_[i]);
        break;
    }
  }

  /// Throws invalid_argument for a name that is not one of `columns` or a wrong positional
  /// count; `where` is the setting's field, e.g. "gaussian_noise.sigma".
  void validate(const std::vector<std::string>& columns, std::string_view where) const {
    if (mode_ == mode::named) {
      for (const auto& named : named_) detail::require_species(where, named.first, columns);
    } else if (mode_ == mode::positional && positional_.size() != columns.size()) {
      detail::throw_species_count(where, positional_.size(), columns);
    }
  }

  /// The former spelling of validate(columns, where), kept only until sde.hpp and
  /// derivative_noise.hpp call validate(); do not use in new code.
  void check(std::string_view where, const std::vector<std::string>& columns) const {
    validate(columns, where);
  }

  /// Calls f(column_index, value) for every column that has a value; no allocation.
  template <class F>
  void for_each(const std::vector<std::string>& columns, F f) const {
    switch (mode_) {
      case mode::all:
        for (std::size_t j = 0; j < columns.size(); ++j) f(j, all_);
        break;
      case mode::named:
        for (std::size_t j = 0; j < columns.size(); ++j)
          for (const auto& [name, v] : named_)
            if (name == columns[j]) f(j, v);
        break;
      case mode::positional:
        for (std::size_t j = 0; j < columns.size() && j < positional_.size(); ++j)
          f(j, positional_[j]);
        break;
    }
  }

  /// The (column index, value) pairs for `columns`, in column order: resolve names once per
  /// trajectory rather than once per value.
  std::vector<std::pair<std::size_t, T>> resolve(const std::vector<std::string>& columns) const {
    std::vector<std::pair<std::size_t, T>> out;
    out.reserve(columns.size());
    for_each(columns, [&out](std::size_t j, const T& v) { out.emplace_back(j, v); });
    return out;
  }

  /// How the setting was given; with all_value(), named() and by_position_values() this is
  /// enough to write it down and rebuild it exactly (provenance.hpp does, for metadata.json).
  using form = per_species_form;
  form given_as() const noexcept { return mode_; }
  const T& all_value() const noexcept { return all_; }
  const std::vector<std::pair<std::string, T>>& named() const noexcept { return named_; }
  const std::vector<T>& by_position_values() const noexcept { return positional_; }

  /// "0.1", "{prey: 0.1, predator: 0.3}" or "[0.1, 0.3]".
  std::string describe() const {
    switch (mode_) {
      case mode::all: return fmt::format("{}", all_);
      case mode::named: {
        std::string out = "{";
        for (std::size_t i = 0; i < named_.size(); ++i)
          out += fmt::format("{}{}: {}", i ? ", " : "", named_[i].first, named_[i].second);
        return out + "}";
      }
      case mode::positional: return fmt::format("[{}]", detail::join(positional_, ", "));
    }
    return {};
  }

 private:
  using mode = form;
  mode mode_;
  T all_{};
  std::vector<std::pair<std::string, T>> named_;
  std::vector<T> positional_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::per_species_form>
    : odesynth::detail::enum_formatter<odesynth::per_species_form> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/per_species.ipp"
#endif
