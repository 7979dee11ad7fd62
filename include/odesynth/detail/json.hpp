// odesynth/detail/json.hpp - the small JSON subset odesynth's metadata files need.
//
// A document model (null, bool, number, string, array, object with keys in insertion order),
// a writer and a strict reader (RFC 8259). Numbers keep their text: a 64-bit seed or a double
// written in shortest round-trip form reads back exactly, which is what makes a dataset
// regenerable from its metadata. Not a general JSON library: no comments, no trailing commas,
// no duplicate keys (rejected), nesting limited to 64 levels.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "../error.hpp"

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
  json(std::uint64_t u) : value_(number{fmt::format("{}", u)}) {}
  json(std::int64_t i) : value_(number{fmt::format("{}", i)}) {}
  json(int i) : value_(number{fmt::format("{}", i)}) {}
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
  json& set(std::string key, json value) {
    auto& o = as_object("json");
    for (const auto& kv : o)
      if (kv.first == key) throw error(fmt::format("json: duplicate key \"{}\"", key));
    o.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  json& push_back(json value) {
    as_array("json").push_back(std::move(value));
    return *this;
  }

  // Typed access; `where` names the value in messages ("metadata.sampler.design").
  bool as_bool(std::string_view where) const {
    if (!is_bool()) mismatch(where, "a boolean");
    return std::get<bool>(value_);
  }
  double as_double(std::string_view where) const {
    return number_as<double>(where, "a number representable as a double");
  }
  std::uint64_t as_uint64(std::string_view where) const {
    return number_as<std::uint64_t>(where, "an integer in [0, 2^64)");
  }
  /// The integer this number holds, which must lie in [lo, hi] (by default the whole range of
  /// Int, so nothing is narrowed on its way into an Int). Anything else - a fraction, an
  /// exponent, a value beyond 64 bits, a value out of range, not a number - is a parse_error
  /// naming `source` with the value's line and column, `where` and the value as written.
  template <class Int>
  Int as_integer(std::string_view where, const std::string& source,
                 Int lo = std::numeric_limits<Int>::min(),
                 Int hi = std::numeric_limits<Int>::max()) const {
    static_assert(std::is_integral_v<Int> && !std::is_same_v<Int, bool>);
    const auto refuse = [&](std::string_view shown) {
      refuse_integer(where, source, shown, fmt::format("an integer in [{}, {}]", lo, hi));
    };
    if (!is_number())
      refuse(is_string() ? fmt::format("\"{}\"", std::get<std::string>(value_)) : kind_name());
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
    refuse(t);
    return lo;  // not reached: refuse() throws
  }
  /// 1-based line and column where parse() found this value; 0 for values built in code.
  std::size_t line() const noexcept { return line_; }
  std::size_t column() const noexcept { return column_; }

  std::int64_t as_int64(std::string_view where) const {
    return number_as<std::int64_t>(where, "an integer in [-2^63, 2^63)");
  }
  const std::string& as_string(std::string_view where) const {
    if (!is_string()) mismatch(where, "a string");
    return std::get<std::string>(value_);
  }
  const array& as_array(std::string_view where) const {
    if (!is_array()) mismatch(where, "an array");
    return std::get<array>(value_);
  }
  array& as_array(std::string_view where) {
    if (!is_array()) mismatch(where, "an array");
    return std::get<array>(value_);
  }
  const object& as_object(std::string_view where) const {
    if (!is_object()) mismatch(where, "an object");
    return std::get<object>(value_);
  }
  object& as_object(std::string_view where) {
    if (!is_object()) mismatch(where, "an object");
    return std::get<object>(value_);
  }

  /// The member `key` of an object, or nullptr.
  const json* find(std::string_view key) const {
    if (!is_object()) return nullptr;
    for (const auto& kv : std::get<object>(value_))
      if (kv.first == key) return &kv.second;
    return nullptr;
  }
  /// The member `key`; a missing key is an error naming `where.key`.
  const json& at(std::string_view key, std::string_view where) const {
    as_object(where);
    if (const json* j = find(key)) return *j;
    throw error(fmt::format("{}: missing key \"{}\"", where, key));
  }

  /// Pretty-printed with two-space indentation, keys in insertion order, ending in '\n'.
  std::string dump() const {
    std::string out;
    write(out, 0);
    out.push_back('\n');
    return out;
  }

  /// What parse() did, for tests that pin its cost without timing it.
  struct parse_stats {
    std::uint64_t key_comparisons = 0;  ///< key comparisons made to find duplicate keys
  };

  /// Parses a whole document; malformed text is a parse_error with line and column.
  static json parse(std::string_view text, std::string source = {}, parse_stats* stats = nullptr) {
    parser p{text, std::move(source)};
    p.skip_space();
    json j = p.value(0);
    p.skip_space();
    if (p.pos != text.size()) p.fail("unexpected text after the JSON document");
    if (stats) stats->key_comparisons += p.key_comparisons;
    return j;
  }

  /// Shortest text that reads back to the same double; non-finite values have no JSON
  /// spelling and are written as the strings "nan", "inf", "-inf" by callers that need them.
  static std::string format_double(double d) {
    if (!std::isfinite(d))
      throw invalid_argument("json number", fmt::format("{}", d),
                             fmt::format("json number = {}: expected a finite value", d));
    return fmt::format("{}", d);
  }

 private:
  [[noreturn]] void refuse_integer(std::string_view where, const std::string& source,
                                   std::string_view shown, std::string_view expected) const {
    const std::string message = fmt::format("{} = {}: expected {}", where, shown, expected);
    if (line_ == 0) throw parse_error(source, 0, 0, fmt::format("{}: {}", source, message));
    throw parse_error(source, line_, column_,
                      fmt::format("{}:{}:{}: {}", source, line_, column_, message));
  }
  const char* kind_name() const noexcept {
    if (is_null()) return "null";
    if (is_bool()) return std::get<bool>(value_) ? "true" : "false";
    if (is_number()) return "a number";
    if (is_string()) return "a string";
    return is_array() ? "an array" : "an object";
  }
  /// The number's text read whole as a T (std::from_chars), or mismatch(where, expected).
  template <class T>
  T number_as(std::string_view where, std::string_view expected) const {
    const auto& t = number_text(where);
    T v = 0;
    const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
    if (r.ec != std::errc() || r.ptr != t.data() + t.size()) mismatch(where, expected);
    return v;
  }
  [[noreturn]] static void mismatch(std::string_view where, std::string_view expected) {
    throw error(fmt::format("{}: expected {}", where, expected));
  }
  const std::string& number_text(std::string_view where) const {
    if (!is_number()) mismatch(where, "a number");
    return std::get<number>(value_).text;
  }

  static void write_string(std::string& out, std::string_view s) {
    out.push_back('"');
    for (const char c : s) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        default:
          if (static_cast<unsigned char>(c) < 0x20)
            out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
          else
            out.push_back(c);
      }
    }
    out.push_back('"');
  }

  void write(std::string& out, int depth) const {
    const auto indent = [&](int d) { out.append(static_cast<std::size_t>(2 * d), ' '); };
    if (is_null()) {
      out += "null";
    } else if (is_bool()) {
      out += std::get<bool>(value_) ? "true" : "false";
    } else if (is_number()) {
      out += std::get<number>(value_).text;
    } else if (is_string()) {
      write_string(out, std::get<std::string>(value_));
    } else if (is_array()) {
      const auto& a = std::get<array>(value_);
      // Arrays of scalars stay on one line: time grids and parameter lists read better.
      bool flat = true;
      for (const auto& e : a) flat = flat && !e.is_array() && !e.is_object();
      out.push_back('[');
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (i) out.push_back(',');
        if (flat) {
          if (i) out.push_back(' ');
        } else {
          out.push_back('\n');
          indent(depth + 1);
        }
        a[i].write(out, depth + 1);
      }
      if (!flat && !a.empty()) {
        out.push_back('\n');
        indent(depth);
      }
      out.push_back(']');
    } else {
      const auto& o = std::get<object>(value_);
      out.push_back('{');
      for (std::size_t i = 0; i < o.size(); ++i) {
        out += i ? ",\n" : "\n";
        indent(depth + 1);
        write_string(out, o[i].first);
        out += ": ";
        o[i].second.write(out, depth + 1);
      }
      if (!o.empty()) {
        out.push_back('\n');
        indent(depth);
      }
      out.push_back('}');
    }
  }

  struct parser {
    std::string_view text;
    std::string source;
    std::size_t pos = 0;
    std::size_t pos_line = 1, pos_line_start = 0;  // kept by skip_space: strings hold no newline
    std::uint64_t key_comparisons = 0;

    [[noreturn]] void fail(std::string_view what) const {
      std::size_t line = 1, column = 1;
      for (std::size_t i = 0; i < pos && i < text.size(); ++i) {
        if (text[i] == '\n') {
          ++line;
          column = 1;
        } else {
          ++column;
        }
      }
      throw parse_error(
          source, line, column,
          fmt::format("{}:{}:{}: {}", source.empty() ? "<json>" : source, line, column, what));
    }
    void skip_space() {
      while (pos < text.size()) {
        const char c = text[pos];
        if (c == '\n') {
          ++pos_line;
          pos_line_start = pos + 1;
        } else if (c != ' ' && c != '\t' && c != '\r') {
          break;
        }
        ++pos;
      }
    }
    bool literal(std::string_view word) {
      if (text.substr(pos, word.size()) != word) return false;
      pos += word.size();
      return true;
    }
    json value(int depth) {
      const std::size_t value_line = pos_line, value_column = pos - pos_line_start + 1;
      json j = parse_value(depth);
      j.line_ = value_line;
      j.column_ = value_column;
      return j;
    }
    json parse_value(int depth) {
      if (depth > 64) fail("nesting deeper than 64 levels");
      if (pos >= text.size()) fail("unexpected end of input, expected a value");
      const char c = text[pos];
      if (c == '{') return parse_object(depth);
      if (c == '[') return parse_array(depth);
      if (c == '"') return json(parse_string());
      if (literal("null")) return json();
      if (literal("true")) return json(true);
      if (literal("false")) return json(false);
      if (c == '-' || (c >= '0' && c <= '9')) return parse_number();
      fail(fmt::format("unexpected character '{}'", printable(c)));
    }
    static std::string printable(char c) {
      const auto u = static_cast<unsigned char>(c);
      return u >= 0x20 && u < 0x7f ? std::string(1, c) : fmt::format("\\x{:02x}", u);
    }
    json parse_object(int depth) {
      ++pos;  // '{'
      json out = make_object();
      auto& members = std::get<object>(out.value_);
      const std::size_t start = pos - 1;
      skip_space();
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        return out;
      }
      for (;;) {
        skip_space();
        if (pos >= text.size() || text[pos] != '"') fail("expected a string key");
        std::string key = parse_string();
        skip_space();
        if (pos >= text.size() || text[pos] != ':') fail("expected ':' after a key");
        ++pos;
        skip_space();
        json v = value(depth + 1);
        members.emplace_back(std::move(key), std::move(v));
        skip_space();
        if (pos < text.size() && text[pos] == ',') {
          ++pos;
          continue;
        }
        if (pos < text.size() && text[pos] == '}') {
          ++pos;
          check_unique_keys(members, start, depth);
          return out;
        }
        fail("expected ',' or '}' in an object");
      }
    }
    // Duplicate keys are found once the object is complete, by sorting its members' indices
    // by key: O(n log n) comparisons. Checking each new key against all earlier ones was
    // O(n^2), and metadata is read from files anyone can write (100,000 keys took 7.8 s).
    // The key reported is still the first repetition in the text; only an error later in
    // the same object is now reported before it.
    void check_unique_keys(const object& members, std::size_t start, int depth) {
      const std::size_t n = members.size();
      std::size_t first_repeat = n;
      if (n <= 8) {  // metadata's own objects: compare pairs, allocate nothing
        for (std::size_t i = 1; i < n && first_repeat == n; ++i)
          for (std::size_t k = 0; k < i; ++k) {
            ++key_comparisons;
            if (members[i].first == members[k].first) {
              first_repeat = i;
              break;
            }
          }
      } else {
        std::vector<std::size_t> order(n);
        for (std::size_t i = 0; i < n; ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
          ++key_comparisons;
          const int c = members[a].first.compare(members[b].first);
          return c < 0 || (c == 0 && a < b);  // equal keys in text order
        });
        for (std::size_t i = 1; i < n; ++i) {
          ++key_comparisons;
          if (members[order[i]].first == members[order[i - 1]].first)
            first_repeat = std::min(first_repeat, order[i]);
        }
      }
      if (first_repeat == n) return;
      pos = key_start(start, first_repeat, depth);
      fail(fmt::format("duplicate key \"{}\"", members[first_repeat].first));
    }
    // Where the index-th key of the (well-formed) object at `start` begins. Only for the
    // error: the object is read again rather than every key's position kept.
    std::size_t key_start(std::size_t start, std::size_t index, int depth) {
      pos = start + 1;
      for (std::size_t i = 0;; ++i) {
        skip_space();
        if (i == index) return pos;
        parse_string();
        skip_space();
        ++pos;  // ':'
        skip_space();
        value(depth + 1);
        skip_space();
        ++pos;  // ','
      }
    }
    json parse_array(int depth) {
      ++pos;  // '['
      json out = make_array();
      skip_space();
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        return out;
      }
      for (;;) {
        skip_space();
        std::get<array>(out.value_).push_back(value(depth + 1));
        skip_space();
        if (pos < text.size() && text[pos] == ',') {
          ++pos;
          continue;
        }
        if (pos < text.size() && text[pos] == ']') {
          ++pos;
          return out;
        }
        fail("expected ',' or ']' in an array");
      }
    }
    json parse_number() {
      const std::size_t begin = pos;
      const auto digits = [&] {
        const std::size_t from = pos;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
        return pos - from;
      };
      if (text[pos] == '-') ++pos;
      if (pos < text.size() && text[pos] == '0') {
        ++pos;
      } else if (digits() == 0) {
        fail("a number needs digits");
      }
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        if (digits() == 0) fail("a number needs digits after '.'");
      }
      if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
        ++pos;
        if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
        if (digits() == 0) fail("a number needs digits in its exponent");
      }
      json j;
      j.value_ = number{std::string(text.substr(begin, pos - begin))};
      return j;
    }
    unsigned hex4() {
      if (pos + 4 > text.size()) fail("truncated \\u escape");
      unsigned v = 0;
      for (int i = 0; i < 4; ++i) {
        const char h = text[pos++];
        v <<= 4;
        if (h >= '0' && h <= '9')
          v |= static_cast<unsigned>(h - '0');
        else if (h >= 'a' && h <= 'f')
          v |= static_cast<unsigned>(h - 'a' + 10);
        else if (h >= 'A' && h <= 'F')
          v |= static_cast<unsigned>(h - 'A' + 10);
        else
          fail("bad hex digit in a \\u escape");
      }
      return v;
    }
    static void append_utf8(std::string& out, unsigned cp) {
      if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
      } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
      }
    }
    std::string parse_string() {
      ++pos;  // '"'
      std::string out;
      for (;;) {
        if (pos >= text.size()) fail("unterminated string");
        const char c = text[pos++];
        if (c == '"') return out;
        if (static_cast<unsigned char>(c) < 0x20) {
          --pos;
          fail("control character in a string (escape it)");
        }
        if (c != '\\') {
          out.push_back(c);
          continue;
        }
        if (pos >= text.size()) fail("unterminated escape");
        const char e = text[pos++];
        switch (e) {
          case '"': out.push_back('"'); break;
          case '\\': out.push_back('\\'); break;
          case '/': out.push_back('/'); break;
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'u': {
            unsigned cp = hex4();
            if (cp >= 0xD800 && cp < 0xDC00) {
              if (!literal("\\u")) fail("unpaired surrogate in a \\u escape");
              const unsigned low = hex4();
              if (low < 0xDC00 || low >= 0xE000) fail("bad low surrogate in a \\u escape");
              cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
              fail("unpaired surrogate in a \\u escape");
            }
            append_utf8(out, cp);
            break;
          }
          default: --pos; fail(fmt::format("unknown escape '\\{}'", printable(e)));
        }
      }
    }
  };

  std::variant<std::monostate, bool, number, std::string, array, object> value_;
  std::size_t line_ = 0, column_ = 0;  ///< where parse() found the value; 0 if built in code
};

}  // namespace odesynth::detail
