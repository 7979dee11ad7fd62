// odesynth/io/impl/csv_reader.ipp - the non-template code of io/csv_reader.hpp, compiled in every
// file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
//
// The whole reader lives here: its classes serve only read_wide and read_long, so the per-cell
// helpers stay in the same translation unit as the loops that call them and are inlined there.
#pragma once

#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <istream>
#include <limits>
#include <system_error>
#include <unordered_map>
#include <utility>

#include "../../detail/destination.hpp"
#include "../csv_reader.hpp"

namespace odesynth {

ODESYNTH_INLINE void csv_read_options::validate(std::string_view where) const {
  const char d = delimiter;
  if (d == '"' || d == '\n' || d == '\r' || d == '\0' || d == ' ' || d == '.' || d == '+' ||
      d == '-' || (d >= '0' && d <= '9'))
    detail::throw_invalid(fmt::format("{}.delimiter", where), fmt::format("'{}'", d),
                          "a character that cannot occur in a number or around a cell "
                          "(not a quote, line break, NUL, space, digit, '.', '+' or '-')");
  if (max_line_length == 0)
    detail::throw_invalid(fmt::format("{}.max_line_length", where), max_line_length, "at least 1");
  const std::pair<const char*, const std::string*> names[] = {
      {"time_column", &time_column},
      {"trajectory_column", &trajectory_column},
      {"species_column", &species_column},
      {"value_column", &value_column}};
  for (std::size_t i = 0; i < 4; ++i) {
    const std::string field = fmt::format("{}.{}", where, names[i].first);
    if (names[i].second->empty()) detail::throw_invalid(field, "\"\"", "a column name");
    for (std::size_t j = 0; j < i; ++j)
      if (*names[i].second == *names[j].second)
        detail::throw_invalid(field, fmt::format("\"{}\"", *names[i].second),
                              fmt::format("a name different from {}.{}", where, names[j].first));
  }
  for (std::size_t i = 0; i < missing_tokens.size(); ++i) {
    const std::string& t = missing_tokens[i];
    const bool padded = !t.empty() && (t.front() == ' ' || t.front() == '\t' || t.back() == ' ' ||
                                       t.back() == '\t');
    if (padded || t.find_first_of(std::string{d, '"', '\n', '\r', '\0'}) != std::string::npos)
      detail::throw_invalid(fmt::format("{}.missing_tokens[{}]", where, i),
                            fmt::format("\"{}\"", t),
                            "a token that a trimmed, unquoted cell can equal (no surrounding "
                            "spaces, delimiter, quote or line break)");
  }
}

namespace detail::csv_in {

inline constexpr std::size_t excerpt_bytes = 40;
inline constexpr std::size_t listed_names = 20;

/// `text` quoted for a message: at most excerpt_bytes bytes, control bytes as \xNN.
ODESYNTH_INLINE std::string quote(std::string_view text) {
  std::string out = "\"";
  const std::size_t n = std::min(text.size(), excerpt_bytes);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f)
      out += fmt::format("\\x{:02x}", c);
    else
      out += static_cast<char>(c);
  }
  out += text.size() > n ? "\"..." : "\"";
  return out;
}

/// "a, b, c", at most listed_names of them: a model may have hundreds of species.
ODESYNTH_INLINE std::string list_names(const std::vector<std::string>& names) {
  std::string out;
  const std::size_t n = std::min(names.size(), listed_names);
  for (std::size_t i = 0; i < n; ++i) out += (i ? ", " : "") + names[i];
  if (names.size() > n) out += fmt::format(", ... ({} more)", names.size() - n);
  return out;
}

/// Spaces and tabs around cells are trimmed, except the delimiter itself.
ODESYNTH_INLINE bool is_padding(char c, char delimiter) noexcept {
  return (c == ' ' || c == '\t') && c != delimiter;
}

ODESYNTH_INLINE std::string_view trim(std::string_view s, char delimiter) noexcept {
  std::size_t b = 0;
  std::size_t e = s.size();
  while (b < e && is_padding(s[b], delimiter)) ++b;
  while (e > b && is_padding(s[e - 1], delimiter)) --e;
  return s.substr(b, e - b);
}

/// Hands out the lines of a stream: without line ending, trailing CR or byte order mark,
/// checked for length, NUL bytes and stray carriage returns; and throws located errors.
class line_source {
 public:
  /// `first_read_size` (at least 1 is used): tests and the fuzzer pass tiny ones, so that line
  /// ends and byte order marks fall at every place relative to the buffer's refills.
  line_source(std::istream& in, std::string name, std::size_t max_line_length,
              std::size_t first_read_size = first_read)
      : in_(in),
        name_(std::move(name)),
        max_line_(max_line_length),
        read_size_(std::max(first_read_size, std::size_t{1})) {
    if (in_.fail())
      throw io_error(
          name_, fmt::format("cannot read {}: the stream is in a failed state", display_name()));
  }

  /// The next line, or false at the end of the input.
  bool next(std::string_view& line) {
    for (;;) {
      const char* base = buffer_.data();
      if (const void* nl = std::memchr(base + scan_, '\n', end_ - scan_)) {
        const std::size_t pos = static_cast<std::size_t>(static_cast<const char*>(nl) - base);
        line = finish(begin_, pos);
        begin_ = scan_ = pos + 1;
        return true;
      }
      scan_ = end_;
      // The pending bytes may end in the CR of a CRLF, hence one byte more (written so that
      // max_line_length = SIZE_MAX does not overflow).
      const std::size_t pending = end_ - begin_;
      if (pending > max_line_ && pending - max_line_ > 1) too_long(line_ + 1);
      if (eof_) {
        if (begin_ == end_) return false;
        line = finish(begin_, end_);
        begin_ = scan_ = end_;
        return true;
      }
      refill();
    }
  }

  /// Number of the line last returned (1-based; 0 before the first).
  std::size_t line_number() const noexcept { return line_; }
  std::string display_name() const { return name_.empty() ? std::string("<stream>") : name_; }

  [[noreturn]] void fail(std::size_t line, std::size_t column, std::string_view message) const {
    throw parse_error(name_, line, column,
                      fmt::format("{}:{}:{}: {}", display_name(), line, column, message));
  }

 private:
  std::string_view finish(std::size_t b, std::size_t e) {
    ++line_;
    if (e > b && buffer_[e - 1] == '\r') --e;
    if (e - b > max_line_) too_long(line_);
    std::string_view line(buffer_.data() + b, e - b);
    if (const void* p = std::memchr(line.data(), '\0', line.size()))
      fail(line_, column_of(line, p) + 1, "NUL byte: this is not a text file");
    if (const void* p = std::memchr(line.data(), '\r', line.size()))
      fail(line_, column_of(line, p) + 1,
           "carriage return inside a line: only LF and CRLF line endings are supported");
    return line;
  }

  static std::size_t column_of(std::string_view line, const void* p) noexcept {
    return static_cast<std::size_t>(static_cast<const char*>(p) - line.data());
  }

  [[noreturn]] void too_long(std::size_t line) const {
    fail(line, max_line_ + 1,
         fmt::format("line longer than {} bytes (raise csv_read_options::max_line_length to "
                     "read it)",
                     max_line_));
  }

  // Moves the pending partial line to the front and reads at least as many bytes as it
  // holds, so a long line costs O(length) copying in total, not O(length^2 / block).
  void refill() {
    const std::size_t pending = end_ - begin_;
    if (begin_ > 0) {
      if (pending > 0) std::memmove(buffer_.data(), buffer_.data() + begin_, pending);
      scan_ -= begin_;
      begin_ = 0;
      end_ = pending;
    }
    const std::size_t want = std::max(read_size_, pending);
    read_size_ = std::min(2 * read_size_, read_block);
    if (buffer_.size() < end_ + want) buffer_.resize(end_ + want);
    in_.read(buffer_.data() + end_, static_cast<std::streamsize>(want));
    const auto got = static_cast<std::size_t>(in_.gcount());
    if (in_.bad())
      throw io_error(name_, fmt::format("cannot read {}: the read failed after line {}",
                                        display_name(), line_));
    end_ += got;
    if (got < want) eof_ = true;
    // Until a line has been handed out, the buffer starts at the start of the input; and no
    // line can end inside a byte order mark.
    if (!bom_checked_ && (end_ >= 3 || eof_)) {
      bom_checked_ = true;
      if (line_ == 0 && std::string_view(buffer_.data(), end_).substr(0, 3) == "\xEF\xBB\xBF") {
        begin_ = 3;
        scan_ = std::max(scan_, begin_);
      }
    }
  }

  std::istream& in_;
  std::string name_;
  std::size_t max_line_;
  std::string buffer_;
  std::size_t begin_ = 0;  // start of the next line
  std::size_t scan_ = 0;   // bytes before this hold no '\n'
  std::size_t end_ = 0;    // end of the bytes read
  std::size_t line_ = 0;
  bool eof_ = false;
  bool bom_checked_ = false;
  std::size_t read_size_;
};

struct cell {
  std::string_view text;  ///< trimmed, unquoted
  std::size_t column;     ///< 1-based byte column of the cell's first byte
};

/// Splits lines into cells; unescaped quoted text lives in a scratch buffer that is reserved
/// to the line's length first, so the views handed out stay valid until the next split.
class splitter {
 public:
  explicit splitter(char delimiter) : delimiter_(delimiter) {}

  void split(std::string_view line, const line_source& src, std::vector<cell>& cells) {
    cells.clear();
    const std::size_t n = line.size();
    const char* const p = line.data();
    if (!std::memchr(p, '"', n)) {  // the common case: no quotes, only delimiters to find
      std::size_t pos = 0;
      for (;;) {
        const void* d = std::memchr(p + pos, delimiter_, n - pos);
        const std::size_t end = d ? static_cast<std::size_t>(static_cast<const char*>(d) - p) : n;
        cells.push_back({trim(line.substr(pos, end - pos), delimiter_), pos + 1});
        if (!d) return;
        pos = end + 1;
      }
    }
    scratch_.clear();
    scratch_.reserve(n);
    std::size_t pos = 0;
    for (;;) {
      const std::size_t start = pos;
      while (pos < n && is_padding(p[pos], delimiter_)) ++pos;
      std::string_view text;
      if (pos < n && p[pos] == '"') {
        const std::size_t first = scratch_.size();
        ++pos;
        for (;;) {
          const void* q = std::memchr(p + pos, '"', n - pos);
          if (!q)
            src.fail(src.line_number(), start + 1,
                     "quoted cell not closed on its line (cells spanning lines are not "
                     "supported)");
          const std::size_t qp = static_cast<std::size_t>(static_cast<const char*>(q) - p);
          scratch_.append(p + pos, qp - pos);
          pos = qp + 1;
          if (pos < n && p[pos] == '"') {  // "" stands for one quote
            scratch_.push_back('"');
            ++pos;
            continue;
          }
          break;
        }
        text = std::string_view(scratch_.data() + first, scratch_.size() - first);
        while (pos < n && is_padding(p[pos], delimiter_)) ++pos;
        if (pos < n && p[pos] != delimiter_)
          src.fail(src.line_number(), pos + 1,
                   "text after the closing quote of a cell (a quote inside a quoted cell is "
                   "written \"\")");
      } else {
        const void* d = std::memchr(p + pos, delimiter_, n - pos);
        const std::size_t end = d ? static_cast<std::size_t>(static_cast<const char*>(d) - p) : n;
        const std::string_view raw = line.substr(start, end - start);
        if (const std::size_t q = raw.find('"'); q != std::string_view::npos)
          src.fail(src.line_number(), start + q + 1,
                   fmt::format("quote inside the unquoted cell {} (quote the whole cell and "
                               "double the inner quote)",
                               csv_in::quote(raw)));
        text = trim(raw, delimiter_);
        pos = end;
      }
      cells.push_back({text, start + 1});
      if (pos >= n) return;
      ++pos;  // the delimiter; a delimiter ending the line is followed by an empty cell
      if (pos == n) {
        cells.push_back({std::string_view(p + n, 0), n + 1});
        return;
      }
    }
  }

 private:
  char delimiter_;
  std::string scratch_;
};

enum class number_kind { value, missing, infinite, out_of_range, not_a_number };

/// Reads one cell as a number or a missing value.
class number_reader {
 public:
  explicit number_reader(const csv_read_options& options) : tokens_(options.missing_tokens) {
    for (const auto& t : tokens_) {
      double v = 0;
      const auto r = std::from_chars(t.data(), t.data() + t.size(), v);
      if (!t.empty() && r.ec == std::errc() && r.ptr == t.data() + t.size() && std::isfinite(v))
        sentinels_ = true;
    }
  }

  number_kind read(std::string_view text, double& out) const {
    if (sentinels_ && is_missing(text)) return missing(out);
    if (!text.empty()) {
      const char* b = text.data();
      const char* const e = b + text.size();
      if (*b == '+' && e - b > 1 && b[1] != '+' && b[1] != '-') ++b;  // from_chars has no '+'
      double v = 0;
      const auto r = std::from_chars(b, e, v);
      if (r.ptr == e) {
        if (r.ec == std::errc() && std::isfinite(v)) {
          out = v;
          return number_kind::value;
        }
        if (r.ec == std::errc() && std::isinf(v) && !is_missing(text)) {
          out = v;
          return number_kind::infinite;
        }
        if (r.ec == std::errc::result_out_of_range) return number_kind::out_of_range;
      }
    }
    if (is_missing(text)) return missing(out);
    return number_kind::not_a_number;
  }

  bool is_missing(std::string_view text) const noexcept {
    for (const auto& t : tokens_)
      if (text == t) return true;
    return false;
  }

  std::string token_list() const {
    std::string out;
    for (std::size_t i = 0; i < tokens_.size(); ++i)
      out += (i ? ", " : "") + csv_in::quote(tokens_[i]);
    return out.empty() ? std::string("(none)") : out;
  }

 private:
  static number_kind missing(double& out) noexcept {
    out = std::numeric_limits<double>::quiet_NaN();
    return number_kind::missing;
  }

  std::vector<std::string> tokens_;
  bool sentinels_ = false;
};

/// Everything a layout reader needs, and the checks both layouts share.
class reader {
 public:
  reader(std::istream& in, std::string name, const csv_read_options& options,
         std::size_t first_read_size)
      : options_((options.validate(), options)),
        src_(in, std::move(name), options.max_line_length, first_read_size),
        split_(options.delimiter),
        numbers_(options) {}

  const line_source& source() const noexcept { return src_; }
  std::size_t header_line() const noexcept { return header_line_; }
  const std::string& header_text() const noexcept { return header_text_; }

  [[noreturn]] void fail(std::size_t line, std::size_t column, std::string_view message) const {
    src_.fail(line, column, message);
  }

  /// Reads the header: the first line that is not a comment. Names must be non-empty and
  /// unique. `columns` receives each name's byte column.
  std::vector<std::string> header(std::string_view layout_example,
                                  std::vector<std::size_t>& columns) {
    std::string_view line;
    while (src_.next(line)) {
      if (is_comment(line)) continue;
      header_line_ = src_.line_number();
      if (is_blank(line))
        fail(header_line_, 1,
             fmt::format("blank line where the header ({}) was expected", layout_example));
      header_text_ = std::string(line);
      split_.split(line, src_, cells_);
      std::vector<std::string> names;
      names.reserve(cells_.size());
      columns.clear();
      std::unordered_map<std::string_view, std::size_t> seen;
      seen.reserve(cells_.size());
      for (std::size_t i = 0; i < cells_.size(); ++i) {
        const cell& c = cells_[i];
        if (c.text.empty())
          fail(header_line_, c.column, fmt::format("column {} of the header has no name", i + 1));
        const auto [it, fresh] = seen.emplace(c.text, i);
        if (!fresh)
          fail(header_line_, c.column,
               fmt::format("column name {} appears twice in the header (columns {} and {})",
                           csv_in::quote(c.text), it->second + 1, i + 1));
        names.emplace_back(c.text);
        columns.push_back(c.column);
      }
      return names;
    }
    fail(src_.line_number() + 1, 1,
         fmt::format("empty file: expected a header line ({})", layout_example));
  }

  /// Calls row(cells) for each data row, which has exactly `width` cells.
  template <class Row>
  void rows(std::size_t width, Row&& row) {
    std::size_t blank_line = 0;
    std::string_view line;
    while (src_.next(line)) {
      if (is_comment(line)) continue;
      if (is_blank(line)) {
        if (blank_line == 0) blank_line = src_.line_number();
        continue;
      }
      if (blank_line != 0)
        fail(blank_line, 1,
             fmt::format("blank line followed by more data on line {} (only blank lines at the "
                         "end of the file are accepted)",
                         src_.line_number()));
      split_.split(line, src_, cells_);
      if (cells_.size() > width)
        fail(src_.line_number(), cells_[width].column,
             fmt::format("row has {} cells but the header has {} columns", cells_.size(), width));
      if (cells_.size() < width)
        fail(src_.line_number(), line.size() + 1,
             fmt::format("row has {} cells but the header has {} columns", cells_.size(), width));
      row(static_cast<const std::vector<cell>&>(cells_));
    }
  }

  /// A value cell: a number, NaN for a missing value. `column` names it in messages.
  double value(const cell& c, std::string_view column) const {
    double v = 0;
    switch (numbers_.read(c.text, v)) {
      case number_kind::value:
      case number_kind::missing: return v;
      case number_kind::infinite:
        if (options_.allow_infinity) return v;
        fail(src_.line_number(), c.column,
             fmt::format("cell {} in {} is infinite (set csv_read_options::allow_infinity "
                         "= true to accept infinities)",
                         csv_in::quote(c.text), column));
      case number_kind::out_of_range:
        fail(src_.line_number(), c.column,
             fmt::format("cell {} in {} is beyond the range of double", csv_in::quote(c.text),
                         column));
      case number_kind::not_a_number: break;
    }
    fail(src_.line_number(), c.column,
         fmt::format("cell {} in {} is not a number (a missing value is written as one "
                     "of {})",
                     csv_in::quote(c.text), column, numbers_.token_list()));
  }

  /// A time cell: a finite number.
  double time(const cell& c) const {
    double t = 0;
    switch (numbers_.read(c.text, t)) {
      case number_kind::value: return t;
      case number_kind::missing:
        fail(src_.line_number(), c.column,
             fmt::format("time is missing (cell {}): every row needs a finite time",
                         csv_in::quote(c.text)));
      case number_kind::infinite:
        fail(src_.line_number(), c.column,
             fmt::format("time {} is not finite", csv_in::quote(c.text)));
      case number_kind::out_of_range:
        fail(src_.line_number(), c.column,
             fmt::format("time {} is beyond the range of double", csv_in::quote(c.text)));
      case number_kind::not_a_number: break;
    }
    fail(src_.line_number(), c.column,
         fmt::format("time {} is not a number", csv_in::quote(c.text)));
  }

  /// For errors about a model: "data.csv:1:7: species column" and the like.
  std::string where(std::size_t line, std::size_t column, std::string_view what) const {
    return fmt::format("{}:{}:{}: {}", src_.display_name(), line, column, what);
  }

 private:
  bool is_comment(std::string_view line) const noexcept {
    const std::string& prefix = options_.comment_prefix;
    return !prefix.empty() && line.substr(0, prefix.size()) == prefix;
  }

  bool is_blank(std::string_view line) const noexcept {
    for (const char c : line)
      if (!is_padding(c, options_.delimiter)) return false;
    return true;
  }

  const csv_read_options& options_;
  line_source src_;
  splitter split_;
  number_reader numbers_;
  std::vector<cell> cells_;
  std::size_t header_line_ = 0;
  std::string header_text_;
};

[[noreturn]] ODESYNTH_INLINE void unknown_species(const reader& r, std::size_t line,
                                                  std::size_t column, std::string_view what,
                                                  std::string_view name,
                                                  const model_description& model) {
  throw_invalid(
      r.where(line, column, what), csv_in::quote(name),
      fmt::format("one of the species of model {}: {}", model.name(), list_names(model.species())));
}

ODESYNTH_INLINE trajectory::names_ptr share_names(std::vector<std::string> names) {
  return std::make_shared<const std::vector<std::string>>(std::move(names));
}

/// A trajectory from row-major values; the mask is true exactly where a value is not NaN.
ODESYNTH_INLINE trajectory make_trajectory(const std::vector<double>& times,
                                           const std::vector<double>& values,
                                           trajectory::names_ptr names,
                                           std::shared_ptr<const model_description> model) {
  const auto rows = static_cast<Eigen::Index>(times.size());
  const auto cols = static_cast<Eigen::Index>(names->size());
  trajectory tr(Eigen::Map<const Eigen::VectorXd>(times.data(), rows), std::move(names),
                std::move(model));
  if (rows > 0 && cols > 0) {
    tr.values() = Eigen::Map<const trajectory::matrix_type>(values.data(), rows, cols);
    tr.mask() = tr.values().array() == tr.values().array();  // false exactly for NaN
  }
  return tr;
}

ODESYNTH_INLINE trajectory read_wide(std::istream& in, std::string name,
                                     std::shared_ptr<const model_description> model,
                                     const csv_read_options& options, std::size_t first_read_size) {
  reader r(in, std::move(name), options, first_read_size);
  std::vector<std::size_t> columns;
  const std::vector<std::string> header =
      r.header(fmt::format("{},<species...>", options.time_column), columns);
  const auto time_it = std::find(header.begin(), header.end(), options.time_column);
  if (time_it == header.end())
    r.fail(r.header_line(), 1,
           fmt::format("no time column {} in the header {} (set csv_read_options::time_column "
                       "if the times are in another column)",
                       csv_in::quote(options.time_column), csv_in::quote(r.header_text())));
  const auto time_col = static_cast<std::size_t>(time_it - header.begin());

  // target[i]: where column i goes in a row of the result (unused for the time column).
  std::vector<std::size_t> target(header.size(), 0);
  std::vector<std::string> species;
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i == time_col) continue;
    if (model) {
      const auto k = model->species_index(header[i]);
      if (!k)
        unknown_species(r, r.header_line(), columns[i], fmt::format("column {}", i + 1), header[i],
                        *model);
      target[i] = *k;
    } else {
      target[i] = species.size();
      species.push_back(header[i]);
    }
  }
  std::vector<std::string> described(header.size());  // for messages: column "a"
  for (std::size_t i = 0; i < header.size(); ++i)
    described[i] = "column " + csv_in::quote(header[i]);
  trajectory::names_ptr names;
  if (model) {
    names = share_names(model->species());
  } else {
    names = share_names(std::move(species));
  }
  const std::size_t width = names->size();

  std::vector<double> times;
  std::vector<double> values;
  std::size_t previous_line = 0;
  r.rows(header.size(), [&](const std::vector<cell>& cells) {
    const double t = r.time(cells[time_col]);
    if (!times.empty() && !(t > times.back()))
      r.fail(r.source().line_number(), cells[time_col].column,
             fmt::format("time {} is not greater than the time {} on line {} (times must be "
                         "strictly increasing)",
                         t, times.back(), previous_line));
    times.push_back(t);
    previous_line = r.source().line_number();
    const std::size_t row = values.size();
    values.resize(row + width, std::numeric_limits<double>::quiet_NaN());
    for (std::size_t i = 0; i < cells.size(); ++i)
      if (i != time_col) values[row + target[i]] = r.value(cells[i], described[i]);
  });
  return make_trajectory(times, values, std::move(names), std::move(model));
}

/// Interns names: the index of each distinct name in order of first appearance. Rows of one
/// id usually come together, so the last lookup is remembered to skip the hashing.
class name_index {
 public:
  std::uint32_t find_or_add(std::string_view name) {
    if (last_ < names_.size() && names_[last_] == name) return last_;
    auto it = index_.find(std::string(name));
    if (it == index_.end()) {
      it = index_.emplace(std::string(name), static_cast<std::uint32_t>(names_.size())).first;
      names_.emplace_back(name);
    }
    last_ = it->second;
    return last_;
  }
  std::vector<std::string>& names() noexcept { return names_; }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::uint32_t> index_;
  std::uint32_t last_ = std::numeric_limits<std::uint32_t>::max();
};

struct long_row {
  double time;
  double value;
  std::uint32_t id;
  std::uint32_t species;
  std::size_t line;
};

ODESYNTH_INLINE std::vector<trajectory> read_long(std::istream& in, std::string name,
                                                  std::shared_ptr<const model_description> model,
                                                  const csv_read_options& options,
                                                  std::size_t first_read_size) {
  reader r(in, std::move(name), options, first_read_size);
  const std::string example =
      fmt::format("{},{},{},{}", options.trajectory_column, options.time_column,
                  options.species_column, options.value_column);
  std::vector<std::size_t> columns;
  const std::vector<std::string> header = r.header(example, columns);
  const std::string* const wanted[4] = {&options.trajectory_column, &options.time_column,
                                        &options.species_column, &options.value_column};
  std::size_t at[4];
  for (std::size_t k = 0; k < 4; ++k) {
    const auto it = std::find(header.begin(), header.end(), *wanted[k]);
    if (it == header.end())
      r.fail(r.header_line(), 1,
             fmt::format("no {} column in the header {} (the long layout has the columns {})",
                         csv_in::quote(*wanted[k]), csv_in::quote(r.header_text()), example));
    at[k] = static_cast<std::size_t>(it - header.begin());
  }
  for (std::size_t i = 0; i < header.size(); ++i)
    if (std::find(std::begin(at), std::end(at), i) == std::end(at))
      r.fail(r.header_line(), columns[i],
             fmt::format("unexpected column {} (the long layout has exactly the columns {})",
                         csv_in::quote(header[i]), example));

  const std::string value_column = "column " + csv_in::quote(options.value_column);
  name_index ids;
  name_index species;
  std::uint32_t last_model_index = std::numeric_limits<std::uint32_t>::max();
  std::string last_model_storage;
  std::vector<long_row> rows;
  r.rows(header.size(), [&](const std::vector<cell>& cells) {
    const std::size_t line = r.source().line_number();
    const cell& id = cells[at[0]];
    const cell& sp = cells[at[2]];
    if (id.text.empty()) r.fail(line, id.column, "empty trajectory id");
    if (sp.text.empty()) r.fail(line, sp.column, "empty species name");
    if (sp.text == options.time_column)
      r.fail(line, sp.column,
             fmt::format("species {} has the name of the time column", csv_in::quote(sp.text)));
    long_row row{};
    row.time = r.time(cells[at[1]]);
    row.value = r.value(cells[at[3]], value_column);
    row.id = ids.find_or_add(id.text);
    row.line = line;
    if (model) {
      if (last_model_index == std::numeric_limits<std::uint32_t>::max() ||
          sp.text != last_model_storage) {
        const auto k = model->species_index(sp.text);
        if (!k) unknown_species(r, line, sp.column, "species", sp.text, *model);
        last_model_storage.assign(sp.text);
        last_model_index = static_cast<std::uint32_t>(*k);
      }
      row.species = last_model_index;
    } else {
      row.species = species.find_or_add(sp.text);
    }
    rows.push_back(row);
  });

  const trajectory::names_ptr names =
      model ? share_names(model->species()) : share_names(std::move(species.names()));
  const std::size_t width = names->size();
  const std::size_t count = ids.names().size();

  // Counting sort by id keeps each id's rows in file order; then each group by time.
  std::vector<std::size_t> start(count + 1, 0);
  for (const long_row& row : rows) ++start[row.id + 1];
  for (std::size_t k = 0; k < count; ++k) start[k + 1] += start[k];
  std::vector<long_row> grouped(rows.size());
  {
    std::vector<std::size_t> next(start.begin(), start.end() - 1);
    for (const long_row& row : rows) grouped[next[row.id]++] = row;
  }
  rows.clear();
  rows.shrink_to_fit();

  std::vector<trajectory> out;
  out.reserve(count);
  std::vector<double> times;
  std::vector<double> values;
  for (std::size_t k = 0; k < count; ++k) {
    const auto first = grouped.begin() + static_cast<std::ptrdiff_t>(start[k]);
    const auto last = grouped.begin() + static_cast<std::ptrdiff_t>(start[k + 1]);
    std::sort(first, last, [](const long_row& a, const long_row& b) {
      if (a.time != b.time) return a.time < b.time;
      if (a.species != b.species) return a.species < b.species;
      return a.line < b.line;
    });
    times.clear();
    values.clear();
    for (auto it = first; it != last; ++it) {
      if (times.empty() || it->time != times.back()) {
        times.push_back(it->time);
        values.resize(values.size() + width, std::numeric_limits<double>::quiet_NaN());
      } else if (it->species == (it - 1)->species) {
        r.fail(it->line, 1,
               fmt::format("duplicate row: trajectory {}, time {}, species {} is also on line {}",
                           csv_in::quote(ids.names()[k]), it->time,
                           csv_in::quote((*names)[it->species]), (it - 1)->line));
      }
      values[values.size() - width + it->species] = it->value;
    }
    out.push_back(make_trajectory(times, values, names, model));
  }
  return out;
}

/// Opens `path` for reading, or throws io_error naming it and the reason.
ODESYNTH_INLINE std::ifstream open_for_reading(const std::filesystem::path& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw io_error(path.string(), fmt::format("cannot read {}: it is a folder", path.string()));
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int code = errno;
    throw io_error(path.string(),
                   fmt::format("cannot open {}: {}", path.string(),
                               code ? errno_text(code) : std::string("open failed")));
  }
  return in;
}

}  // namespace detail::csv_in

ODESYNTH_INLINE trajectory read_wide_csv(std::istream& in, std::string_view source_name,
                                         const csv_read_options& options) {
  return detail::csv_in::read_wide(in, std::string(source_name), nullptr, options);
}

ODESYNTH_INLINE trajectory read_wide_csv(std::istream& in, std::string_view source_name,
                                         std::shared_ptr<const model_description> model,
                                         const csv_read_options& options) {
  if (!model) detail::throw_invalid("read_wide_csv.model", "null", "a model description");
  return detail::csv_in::read_wide(in, std::string(source_name), std::move(model), options);
}

ODESYNTH_INLINE trajectory read_wide_csv(const std::filesystem::path& path,
                                         const csv_read_options& options) {
  auto in = detail::csv_in::open_for_reading(path);
  return read_wide_csv(in, path.string(), options);
}

ODESYNTH_INLINE trajectory read_wide_csv(const std::filesystem::path& path,
                                         std::shared_ptr<const model_description> model,
                                         const csv_read_options& options) {
  auto in = detail::csv_in::open_for_reading(path);
  return read_wide_csv(in, path.string(), std::move(model), options);
}

ODESYNTH_INLINE std::vector<trajectory> read_long_csv(std::istream& in,
                                                      std::string_view source_name,
                                                      const csv_read_options& options) {
  return detail::csv_in::read_long(in, std::string(source_name), nullptr, options);
}

ODESYNTH_INLINE std::vector<trajectory> read_long_csv(
    std::istream& in, std::string_view source_name, std::shared_ptr<const model_description> model,
    const csv_read_options& options) {
  if (!model) detail::throw_invalid("read_long_csv.model", "null", "a model description");
  return detail::csv_in::read_long(in, std::string(source_name), std::move(model), options);
}

ODESYNTH_INLINE std::vector<trajectory> read_long_csv(const std::filesystem::path& path,
                                                      const csv_read_options& options) {
  auto in = detail::csv_in::open_for_reading(path);
  return read_long_csv(in, path.string(), options);
}

ODESYNTH_INLINE std::vector<trajectory> read_long_csv(
    const std::filesystem::path& path, std::shared_ptr<const model_description> model,
    const csv_read_options& options) {
  auto in = detail::csv_in::open_for_reading(path);
  return read_long_csv(in, path.string(), std::move(model), options);
}

}  // namespace odesynth
