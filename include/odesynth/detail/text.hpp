// odesynth/detail/text.hpp - formatting text without compiling fmt's engine in every program.
//
// Debian's fmt 9 is a compiled library: fmt::format(...) type-erases its arguments and calls
// fmt::vformat, which lives in libfmt. But fmt::format_to(ctx.out(), ...), a formatter that
// derives from formatter<string_view> or formatter<double>, and fmt::join all instantiate the
// whole formatting engine (detail::vformat_to, float writing, padding) in the translation unit
// that uses them: about 75 KB of code and 2 s of g++ -O2 in each of a user's files (measured:
// one enum printed through formatter<string_view>, 1.5 s and 15 KB; through fmt::format and a
// copy, 0.7 s and 1 KB). So odesynth's formatters build their text with fmt::format and copy
// it out, and lists are joined here. (The CSV writers keep FMT_COMPILE on purpose: it is their
// speed, paid only where they are used.)
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>

namespace odesynth::detail {

/// Writes `text` to a format context's output; what a formatter's format() returns.
template <class FormatContext>
auto copy_text(std::string_view text, FormatContext& ctx) {
  return std::copy(text.begin(), text.end(), ctx.out());
}

/// `text` formatted with a string format spec such as ">12" (what follows ':' in "{:>12}").
inline std::string format_with_spec(std::string_view text, std::string_view spec) {
  std::string pattern = "{:";
  pattern.append(spec.data(), spec.size());
  pattern += '}';
  return fmt::vformat(pattern, fmt::make_format_args(text));
}

/// The elements of `range`, each as fmt::format("{}") prints it, separated by `separator`:
/// what fmt::join gives, without instantiating fmt's engine.
template <class Range>
std::string join(const Range& range, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& element : range) {
    if (!first) out.append(separator.data(), separator.size());
    first = false;
    out += fmt::format("{}", element);
  }
  return out;
}

/// Base of formatters whose text a format spec pads like a string ("{:>12}"): parse() keeps
/// the spec, format_text() applies it (by fmt::format in libfmt, so a spec may not refer to
/// other arguments, "{:>{}}").
struct padded_text_formatter {
  constexpr auto parse(fmt::format_parse_context& ctx) {
    auto it = ctx.begin();
    while (it != ctx.end() && *it != '}') ++it;
    spec_ = std::string_view(ctx.begin(), static_cast<std::size_t>(it - ctx.begin()));
    return it;
  }
  template <class FormatContext>
  auto format_text(std::string_view text, FormatContext& ctx) const {
    if (spec_.empty()) return copy_text(text, ctx);
    return copy_text(format_with_spec(text, spec_), ctx);
  }

 private:
  std::string_view spec_;  // points into the format string, which outlives format()
};

/// Base of the fmt::formatter of a type with a `to_text(const T&)` found by argument-dependent
/// lookup that returns its text (std::string): "{}" prints it; no format spec is accepted.
template <class T>
struct text_formatter {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const T& value, FormatContext& ctx) const {
    return copy_text(to_text(value), ctx);
  }
};

}  // namespace odesynth::detail
