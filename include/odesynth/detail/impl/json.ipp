// odesynth/detail/impl/json.ipp - the non-template code of detail/json.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "../json.hpp"

namespace odesynth::detail {

struct json::parser {
  std::string_view text;
  std::string source;
  std::shared_ptr<const std::string> source_name = std::make_shared<const std::string>(source);
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
    j.source_ = source_name;
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

ODESYNTH_INLINE json::json(std::uint64_t u) : value_(number{fmt::format("{}", u)}) {}

ODESYNTH_INLINE json::json(std::int64_t i) : value_(number{fmt::format("{}", i)}) {}

ODESYNTH_INLINE json::json(int i) : value_(number{fmt::format("{}", i)}) {}

ODESYNTH_INLINE json& json::set(std::string key, json value) {
  auto& o = as_object("json");
  for (const auto& kv : o)
    if (kv.first == key) throw error(fmt::format("json: duplicate key \"{}\"", key));
  o.emplace_back(std::move(key), std::move(value));
  return *this;
}

ODESYNTH_INLINE json& json::push_back(json value) {
  as_array("json").push_back(std::move(value));
  return *this;
}

ODESYNTH_INLINE bool json::as_bool(std::string_view where) const {
  if (!is_bool()) mismatch(where, "a boolean");
  return std::get<bool>(value_);
}

ODESYNTH_INLINE double json::as_double(std::string_view where) const {
  return number_as<double>(where, "a number representable as a double");
}

ODESYNTH_INLINE std::uint64_t json::as_uint64(std::string_view where) const {
  return number_as<std::uint64_t>(where, "an integer in [0, 2^64)");
}

ODESYNTH_INLINE std::int64_t json::as_int64(std::string_view where) const {
  return number_as<std::int64_t>(where, "an integer in [-2^63, 2^63)");
}

ODESYNTH_INLINE const std::string& json::as_string(std::string_view where) const {
  if (!is_string()) mismatch(where, "a string");
  return std::get<std::string>(value_);
}

ODESYNTH_INLINE const json::array& json::as_array(std::string_view where) const {
  if (!is_array()) mismatch(where, "an array");
  return std::get<array>(value_);
}

ODESYNTH_INLINE json::array& json::as_array(std::string_view where) {
  if (!is_array()) mismatch(where, "an array");
  return std::get<array>(value_);
}

ODESYNTH_INLINE const json::object& json::as_object(std::string_view where) const {
  if (!is_object()) mismatch(where, "an object");
  return std::get<object>(value_);
}

ODESYNTH_INLINE json::object& json::as_object(std::string_view where) {
  if (!is_object()) mismatch(where, "an object");
  return std::get<object>(value_);
}

ODESYNTH_INLINE const json* json::find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& kv : std::get<object>(value_))
    if (kv.first == key) return &kv.second;
  return nullptr;
}

ODESYNTH_INLINE const json& json::at(std::string_view key, std::string_view where) const {
  as_object(where);
  if (const json* j = find(key)) return *j;
  if (line_ == 0) throw error(fmt::format("{}: missing key \"{}\"", where, key));
  fail({}, fmt::format("{}: missing key \"{}\"", where, key));
}

ODESYNTH_INLINE std::string json::dump() const {
  std::string out;
  write(out, 0);
  out.push_back('\n');
  return out;
}

ODESYNTH_INLINE json json::parse(std::string_view text, std::string source, parse_stats* stats) {
  parser p{text, std::move(source)};
  p.skip_space();
  json j = p.value(0);
  p.skip_space();
  if (p.pos != text.size()) p.fail("unexpected text after the JSON document");
  if (stats) stats->key_comparisons += p.key_comparisons;
  return j;
}

ODESYNTH_INLINE std::string json::format_double(double d) {
  if (!std::isfinite(d))
    throw invalid_argument("json number", fmt::format("{}", d),
                           fmt::format("json number = {}: expected a finite value", d));
  return fmt::format("{}", d);
}

ODESYNTH_INLINE void json::refuse(std::string_view where, const std::string& source,
                                  std::string_view shown, std::string_view expected) const {
  fail(source, fmt::format("{} = {}: expected {}", where, shown, expected));
}

ODESYNTH_INLINE void json::fail(const std::string& source, const std::string& message) const {
  const std::string& name = source_ && !source_->empty() ? *source_ : source;
  const std::string shown_name = name.empty() ? "<json>" : name;
  if (line_ == 0) throw parse_error(name, 0, 0, fmt::format("{}: {}", shown_name, message));
  throw parse_error(name, line_, column_,
                    fmt::format("{}:{}:{}: {}", shown_name, line_, column_, message));
}

ODESYNTH_INLINE const std::string& json::source() const noexcept {
  static const std::string none;
  return source_ ? *source_ : none;
}

ODESYNTH_INLINE const char* json::kind_name() const noexcept {
  if (is_null()) return "null";
  if (is_bool()) return std::get<bool>(value_) ? "true" : "false";
  if (is_number()) return "a number";
  if (is_string()) return "a string";
  return is_array() ? "an array" : "an object";
}

ODESYNTH_INLINE void json::mismatch(std::string_view where, std::string_view expected) const {
  if (line_ == 0) throw error(fmt::format("{}: expected {}", where, expected));
  std::string shown = kind_name();
  if (is_string()) shown = fmt::format("\"{}\"", std::get<std::string>(value_));
  if (is_number()) shown = std::get<number>(value_).text;
  refuse(where, shown, expected);
}

ODESYNTH_INLINE const std::string& json::number_text(std::string_view where) const {
  if (!is_number()) mismatch(where, "a number");
  return std::get<number>(value_).text;
}

ODESYNTH_INLINE void json::write_string(std::string& out, std::string_view s) {
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

ODESYNTH_INLINE void json::write(std::string& out, int depth) const {
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

}  // namespace odesynth::detail
