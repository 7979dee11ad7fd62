// odesynth/detail/json.hpp - the small JSON subset odesynth's metadata files need.
//
// A document model (null, bool, number, string, array, object with keys in insertion order),
// a writer and a strict reader (RFC 8259). Numbers keep their text: a 64-bit seed or a double
// written in shortest round-trip form reads back exactly, which is what makes a dataset
// regenerable from its metadata. Not a general JSON library: no comments, no trailing commas,
// no duplicate keys (rejected), nesting limited to 64 levels.
#pragma once

#include <fmt/format.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../error.hpp"
#include "config.hpp"

namespace odesynth::detail {

class json {
 public:
  struct number {
    std::string text;  ///< as written; valid JSON number syntax
  };
  using array = std::vector<json>;
  using object = std::vector<std::pair<std::string, json>>;

  json() = default;  // null
  json(std::nullptr_t) {}
  json(bool b) : value_(b) {}
  json(double d) : value_(number{format_double(d)}) {}
  json(std::uint64_t u);
  json(std::int64_t i);
  json(int i);
  json(std::string s) : value_(std::move(s)) {}
  json(std::string_view s) : value_(std::string(s)) {}
  json(const char* s) : value_(std::string(s)) {}
  json(array a) : value_(std::move(a)) {}
  json(object o) : value_(std::move(o)) {}

  static json make_array() { return json(array{}); }
  static json make_object() { return json(object{}); }

  bool is_null() const noexcept { return std::holds_alternative<std::monostate>(value_); }
  bool is_bool() const noexcept { return std::holds_alternative<bool>(value_); }
  bool is_number() const noexcept { return std::holds_alternative<number>(value_); }
  bool is_string() const noexcept { return std::holds_alternative<std::string>(value_); }
  bool is_array() const noexcept { return std::holds_alternative<array>(value_); }
  bool is_object() const noexcept { return std::holds_alternative<object>(value_); }

  /// Appends to an object (keys must be new) and returns *this, for chaining.
  json& set(std::string key, json value);
  json& push_back(json value);

  // Typed access; `where` names the value in messages ("metadata.sampler.design").
  bool as_bool(std::string_view where) const;
  double as_double(std::string_view where) const;
  std::uint64_t as_uint64(std::string_view where) const;
  /// The integer this number holds, which must lie in [lo, hi] (by default the whole range of
  /// Int, so nothing is narrowed on its way into an Int). Anything else - a fraction, an
  /// exponent, a value beyond 64 bits, a value out of range, not a number - is a parse_error
  /// naming `source` with the value's line and column, `where` and the value as written.
  template <class Int>
  Int as_integer(std::string_view where, const std::string& source,
                 Int lo = std::numeric_limits<Int>::min(),
                 Int hi = std::numeric_limits<Int>::max()) const {
    static_assert(std::is_integral_v<Int> && !std::is_same_v<Int, bool>);
    const auto reject = [&](std::string_view shown) {
      this->refuse(where, source, shown, fmt::format("an integer in [{}, {}]", lo, hi));
    };
    if (!is_number())
      reject(is_string() ? fmt::format("\"{}\"", std::get<std::string>(value_)) : kind_name());
    const std::string& t = std::get<number>(value_).text;
    const char* const end = t.data() + t.size();
    if (!t.empty() && t[0] == '-') {
      std::int64_t v = 0;
      const auto r = std::from_chars(t.data(), end, v);
      if constexpr (std::is_signed_v<Int>) {
        if (r.ec == std::errc() && r.ptr == end && v >= lo && v <= hi) return static_cast<Int>(v);
      }
    } else {
      std::uint64_t v = 0;
      const auto r = std::from_chars(t.data(), end, v);
      bool in_range = r.ec == std::errc() && r.ptr == end;
      if constexpr (std::is_signed_v<Int>) {
        in_range = in_range && hi >= 0 && v <= static_cast<std::uint64_t>(hi) &&
                   (lo <= 0 || v >= static_cast<std::uint64_t>(lo));
      } else {
        in_range = in_range && v >= lo && v <= hi;
      }
      if (in_range) return static_cast<Int>(v);
    }
    reject(t);
    return lo;  // not reached: reject() throws
  }
  /// 1-based line and column where parse() found this value; 0 for values built in code.
  std::size_t line() const noexcept { return line_; }
  /// Marks the value as written at `line`:`column` of the text named `*source`, for values
  /// converted from another format (a TOML file), so that errors about it point there.
  json& locate(std::shared_ptr<const std::string> source, std::size_t line, std::size_t column) {
    source_ = std::move(source);
    line_ = line;
    column_ = column;
    return *this;
  }
  std::size_t column() const noexcept { return column_; }

  std::int64_t as_int64(std::string_view where) const;
  const std::string& as_string(std::string_view where) const;
  const array& as_array(std::string_view where) const;
  array& as_array(std::string_view where);
  const object& as_object(std::string_view where) const;
  object& as_object(std::string_view where);

  /// The member `key` of an object, or nullptr.
  const json* find(std::string_view key) const;
  /// The member `key`; a missing key is an error naming `where.key`.
  const json& at(std::string_view key, std::string_view where) const;

  /// Pretty-printed with two-space indentation, keys in insertion order, ending in '\n'.
  std::string dump() const;

  /// What parse() did, for tests that pin its cost without timing it.
  struct parse_stats {
    std::uint64_t key_comparisons = 0;  ///< key comparisons made to find duplicate keys
  };

  /// Parses a whole document; malformed text is a parse_error with line and column.
  static json parse(std::string_view text, std::string source = {}, parse_stats* stats = nullptr);

  /// Shortest text that reads back to the same double; non-finite values have no JSON
  /// spelling and are written as the strings "nan", "inf", "-inf" by callers that need them.
  static std::string format_double(double d);

  /// Throws the parse_error of a malformed value, "<where> = <shown>: expected <expected>",
  /// naming the text it was parsed from (`source` for a value built in code) with its line
  /// and column.
  [[noreturn]] void refuse(std::string_view where, const std::string& source,
                           std::string_view shown, std::string_view expected) const;
  [[noreturn]] void refuse(std::string_view where, std::string_view shown,
                           std::string_view expected) const {
    refuse(where, std::string(), shown, expected);
  }
  /// The name parse() was given for the text this value came from ("" if built in code).
  const std::string& source() const noexcept;

 private:
  const char* kind_name() const noexcept;
  /// The number's text read whole as a T (std::from_chars), or mismatch(where, expected).
  template <class T>
  T number_as(std::string_view where, std::string_view expected) const {
    const auto& t = number_text(where);
    T v = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size()) mismatch(where, expected);
    return v;
  }
  /// parse_error "<source>:<line>:<column>: <message>" at this value (`source` names a value
  /// built in code).
  [[noreturn]] void fail(const std::string& source, const std::string& message) const;
  /// A value of the wrong kind: refuse() for parsed values, odesynth::error for built ones.
  [[noreturn]] void mismatch(std::string_view where, std::string_view expected) const;
  const std::string& number_text(std::string_view where) const;

  static void write_string(std::string& out, std::string_view s);

  void write(std::string& out, int depth) const;

  struct parser;  // in impl/json.ipp

  std::variant<std::monostate, bool, number, std::string, array, object> value_;
  std::size_t line_ = 0, column_ = 0;  ///< where parse() found the value; 0 if built in code
  /// parse()'s source name, shared by every value of the document; null if built in code.
  std::shared_ptr<const std::string> source_;
};

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/json.ipp"
#endif
