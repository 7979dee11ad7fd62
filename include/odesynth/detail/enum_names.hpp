// odesynth/detail/enum_names.hpp - one spelling for printing and parsing odesynth's enums.
//
// Every public enum E has, beside its definition:
//   constexpr std::string_view to_string(E) noexcept;          // the name metadata stores
//   template <> struct fmt::formatter<E> : odesynth::detail::enum_formatter<E> {};
// and, where it is read back from text, an `all_<plural>` array of every value and a parse
// function built on parse_enum().
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include "../error.hpp"
#include "text.hpp"

namespace odesynth::detail {

/// Base of each enum's fmt::formatter: formats to_string(e), found by argument-dependent
/// lookup, padded like a string by a format spec ("{:>12}"; see padded_text_formatter).
template <class Enum>
struct enum_formatter : padded_text_formatter {
  template <class FormatContext>
  auto format(Enum e, FormatContext& ctx) const {
    const auto& name = to_string(e);  // a string_view, or a std::string kept alive here
    return format_text(name, ctx);
  }
};

/// The value of `all` whose to_string() is `name`; otherwise invalid_argument naming `field`,
/// the text, and every valid name.
template <class Enum, std::size_t N>
Enum parse_enum(std::string_view name, const std::array<Enum, N>& all, std::string_view field) {
  for (Enum e : all)
    if (to_string(e) == name) return e;
  std::string expected = "one of ";
  for (std::size_t i = 0; i < N; ++i) {
    if (i > 0) expected += ", ";
    expected += to_string(all[i]);
  }
  throw_invalid(field, fmt::format("\"{}\"", name), expected);
}

}  // namespace odesynth::detail
