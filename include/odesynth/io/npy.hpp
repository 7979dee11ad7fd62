// odesynth/io/npy.hpp - NumPy's .npy format: a streaming writer whose first dimension grows while
// it writes, a whole-array writer and a strict reader; no Python needed.
//
// The format (numpy.lib.format): the magic "\x93NUMPY", a version (major, minor), the header
// length (2 bytes little-endian in version 1.0, 4 bytes in 2.0 and 3.0), the header - a Python
// literal {'descr': '<f8', 'fortran_order': False, 'shape': (n, T, S), } padded with spaces
// and ended by '\n' so that the data starts at a multiple of 64 bytes - then the values in C
// order. Version 2.0 is written only when the header would not fit in 65535 bytes.
//
// Why it is written the way it is:
// - A dataset is streamed: its number of rows is known only at the end. The header is first
//   written with room for a leading dimension of 20 digits (2^64 - 1) and rewritten in place
//   by commit(), so the patch never moves the data (numpy reserves the same room for a
//   growing axis).
// - A file goes through detail::atomic_file: under its final name there is the complete file
//   or nothing, an existing file is only replaced with overwrite = true and only if it is a
//   regular file (checked when the writer is made, before any data is written, and again at
//   the rename), and an abandoned writer leaves no file.
// - Values reach the file through a 1 MiB buffer, large appends directly; conversions
//   (float64 -> float32 rounds to nearest, -> int64/uint64 only for exact integers) go
//   through one fixed scratch buffer, so memory does not grow with the array. An append is
//   checked whole before any of it is written: a rejected append changes nothing.
// - Five dtypes, the ones odesynth writes: '<f8', '<f4', '|b1', '<i8', '<u8', little-endian,
//   C order. The host must be little-endian (checked at compile time): the bytes in memory
//   are the bytes in the file.
// - The reader accepts these files and numpy's own files of the same dtypes (header versions
//   1.0, 2.0 and 3.0). It is strict: anything else is a parse_error whose line is 1 and whose
//   column is the 1-based byte offset of the problem; it never reads past what it checked and
//   never allocates more than the input can hold.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <istream>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/atomic_file.hpp"
#include "../detail/enum_names.hpp"
#include "../detail/text.hpp"
#include "../error.hpp"

#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__)
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "odesynth/io/npy.hpp writes values as they are in memory and labels them "
              "little-endian ('<f8'): big-endian hosts are not supported");
#endif

namespace odesynth {

/// The element types a .npy file written by odesynth can hold.
enum class npy_dtype { float64, float32, boolean, int64, uint64 };

/// The enumerator's name ("float64", ...), what fmt prints and what error messages about
/// options use; numpy's own name of the type is npy_descr() (files and their errors use it).
constexpr std::string_view to_string(npy_dtype dtype) noexcept {
  switch (dtype) {
    case npy_dtype::float64: return "float64";
    case npy_dtype::float32: return "float32";
    case npy_dtype::boolean: return "boolean";
    case npy_dtype::int64: return "int64";
    case npy_dtype::uint64: return "uint64";
  }
  return "unknown";
}

/// numpy's name of the type (dtype.str): '<f8', '<f4', '|b1', '<i8', '<u8'.
constexpr std::string_view npy_descr(npy_dtype dtype) noexcept {
  switch (dtype) {
    case npy_dtype::float64: return "<f8";
    case npy_dtype::float32: return "<f4";
    case npy_dtype::boolean: return "|b1";
    case npy_dtype::int64: return "<i8";
    case npy_dtype::uint64: return "<u8";
  }
  return "?";
}

/// Bytes per element.
constexpr std::size_t npy_item_size(npy_dtype dtype) noexcept {
  switch (dtype) {
    case npy_dtype::float64: return 8;
    case npy_dtype::float32: return 4;
    case npy_dtype::boolean: return 1;
    case npy_dtype::int64: return 8;
    case npy_dtype::uint64: return 8;
  }
  return 0;
}

/// A whole array read from a .npy file. Exactly one of the value vectors is filled, by dtype:
/// `values` for float64 and float32 (widened to double, which is exact), `booleans` (0 or 1)
/// for boolean, `int64s` and `uint64s` for the integer types. Elements are in C order.
struct npy_array {
  npy_dtype dtype = npy_dtype::float64;
  std::vector<std::size_t> shape;
  std::vector<double> values;
  std::vector<std::uint8_t> booleans;
  std::vector<std::int64_t> int64s;
  std::vector<std::uint64_t> uint64s;

  /// Number of elements: the product of the shape (1 for a 0-dimensional array).
  std::size_t size() const noexcept {
    std::size_t n = 1;
    for (std::size_t extent : shape) n *= extent;
    return n;
  }
};

class npz_writer;

namespace detail {

static_assert(sizeof(bool) == 1, "npy '|b1' stores a bool as one byte");
static_assert(std::numeric_limits<double>::is_iec559 && std::numeric_limits<float>::is_iec559,
              "npy '<f8'/'<f4' are IEEE 754 binary64/binary32");

inline constexpr std::string_view npy_magic{"\x93NUMPY", 6};
/// numpy 1.x refuses arrays of more dimensions (NPY_MAXDIMS), so we do not write them.
inline constexpr std::size_t npy_max_dims = 32;
/// Headers longer than this are refused by the reader: a real one is < 1 KiB even with 32
/// dimensions, and the cap bounds what a corrupt length field can make us allocate.
inline constexpr std::size_t npy_max_header = std::size_t{1} << 20;
/// Conversions and reads go through a scratch buffer of this size.
inline constexpr std::size_t npy_chunk_bytes = std::size_t{256} << 10;

/// Python's repr of a shape tuple: "()", "(5,)", "(5, 3)".
template <class Extent>
std::string npy_shape_text(const std::vector<Extent>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", detail::join(shape, ", "));
}

/// The complete header (magic to final '\n') for an array of `shape`, at least `min_size`
/// bytes long and a multiple of 64. Version 1.0 unless its 2-byte length cannot hold it.
inline std::string npy_header(npy_dtype dtype, const std::vector<std::uint64_t>& shape,
                              std::size_t min_size = 0) {
  const std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                       npy_descr(dtype), npy_shape_text(shape));
  auto padded = [&](std::size_t prefix) {
    const std::size_t natural = prefix + dict.size() + 1;
    return (std::max(natural, min_size) + 63) / 64 * 64;
  };
  const bool version1 = padded(10) - 10 <= 0xFFFF;
  const std::size_t prefix = version1 ? 10 : 12;
  const std::size_t total = padded(prefix);
  const std::size_t length = total - prefix;
  std::string out;
  out.reserve(total);
  out.append(npy_magic);
  out.push_back(version1 ? '\x01' : '\x02');
  out.push_back('\x00');
  for (std::size_t i = 0; i < prefix - 8; ++i) out.push_back(static_cast<char>(length >> (8 * i)));
  out.append(dict);
  out.append(total - out.size() - 1, ' ');
  out.push_back('\n');
  return out;
}

/// Elements per row for a writer's inner shape, validated: every extent >= 1 (a row of zero
/// elements would make the row count unknowable), at most npy_max_dims - 1 extents, and a
/// row size in bytes that fits in std::size_t.
inline std::size_t npy_row_size(const std::vector<std::size_t>& inner_shape, npy_dtype dtype,
                                std::string_view field) {
  if (inner_shape.size() + 1 > npy_max_dims)
    throw_invalid(field, npy_shape_text(inner_shape),
                  fmt::format("at most {} extents (numpy reads at most {} dimensions)",
                              npy_max_dims - 1, npy_max_dims));
  std::size_t n = 1;
  for (std::size_t extent : inner_shape) {
    if (extent == 0)
      throw_invalid(field, npy_shape_text(inner_shape), "extents >= 1 (the leading one grows)");
    if (n > std::numeric_limits<std::size_t>::max() / extent / npy_item_size(dtype))
      throw_invalid(field, npy_shape_text(inner_shape), "a row size that fits in memory");
    n *= extent;
  }
  return n;
}

template <class T>
constexpr std::string_view npy_source_name() noexcept {
  if constexpr (std::is_same_v<T, double>) return "double";
  if constexpr (std::is_same_v<T, bool>) return "bool";
  if constexpr (std::is_same_v<T, std::int64_t>) return "int64";
  if constexpr (std::is_same_v<T, std::uint64_t>) return "uint64";
  return "?";
}

/// Throws invalid_argument naming the first element that `fits` rejects.
template <class From, class Fits>
void npy_check_all(const From* values, std::size_t count, std::string_view field, Fits fits,
                   std::string_view expected) {
  for (std::size_t i = 0; i < count; ++i)
    if (!fits(values[i])) throw_invalid(fmt::format("{}[{}]", field, i), values[i], expected);
}

/// Converts to To chunk by chunk in `scratch` (allocated once) and hands the bytes to `sink`.
template <class To, class From, class Sink>
void npy_convert(const From* values, std::size_t count, std::vector<char>& scratch, Sink& sink) {
  constexpr std::size_t per_chunk = npy_chunk_bytes / sizeof(To);
  if (scratch.size() < npy_chunk_bytes) scratch.resize(npy_chunk_bytes);
  for (std::size_t start = 0; start < count; start += per_chunk) {
    const std::size_t n = std::min(per_chunk, count - start);
    char* out = scratch.data();
    for (std::size_t i = 0; i < n; ++i) {
      const To v = static_cast<To>(values[start + i]);
      std::memcpy(out + i * sizeof(To), &v, sizeof(To));
    }
    sink(std::string_view(scratch.data(), n * sizeof(To)));
  }
}

template <class From, class Sink>
void npy_raw(const From* values, std::size_t count, Sink& sink) {
  sink(std::string_view(reinterpret_cast<const char*>(values), count * sizeof(From)));
}

/// Writes `count` values as `dtype` to `sink` (callable taking std::string_view). Which
/// element types convert to which dtypes:
///   double   -> '<f8' (as is), '<f4' (rounded to nearest), '<i8'/'<u8' (exact integers only)
///   bool     -> '|b1'
///   int64    -> '<i8', '<u8' (values >= 0)
///   uint64   -> '<u8', '<i8' (values <= 2^63 - 1)
/// Every value is checked before the first byte goes out.
template <class From, class Sink>
void npy_encode(npy_dtype dtype, const From* values, std::size_t count, std::string_view field,
                std::vector<char>& scratch, Sink&& sink) {
  if (count == 0) return;
  if (values == nullptr)
    throw_invalid(field, "a null pointer", fmt::format("a pointer to {} values", count));
  constexpr double two63 = 9223372036854775808.0;
  constexpr double two64 = 18446744073709551616.0;
  if constexpr (std::is_same_v<From, double>) {
    switch (dtype) {
      case npy_dtype::float64: npy_raw(values, count, sink); return;
      case npy_dtype::float32: npy_convert<float>(values, count, scratch, sink); return;
      case npy_dtype::int64:
        npy_check_all(
            values, count, field,
            [](double v) { return v >= -two63 && v < two63 && std::trunc(v) == v; },
            "an integer in the int64 range (dtype '<i8')");
        npy_convert<std::int64_t>(values, count, scratch, sink);
        return;
      case npy_dtype::uint64:
        npy_check_all(
            values, count, field,
            [](double v) { return v >= 0 && v < two64 && std::trunc(v) == v; },
            "an integer in the uint64 range (dtype '<u8')");
        npy_convert<std::uint64_t>(values, count, scratch, sink);
        return;
      case npy_dtype::boolean: break;
    }
  } else if constexpr (std::is_same_v<From, bool>) {
    if (dtype == npy_dtype::boolean) {
      npy_raw(values, count, sink);
      return;
    }
  } else if constexpr (std::is_same_v<From, std::int64_t>) {
    if (dtype == npy_dtype::int64) {
      npy_raw(values, count, sink);
      return;
    }
    if (dtype == npy_dtype::uint64) {
      npy_check_all(
          values, count, field, [](std::int64_t v) { return v >= 0; },
          "a value >= 0 (dtype '<u8')");
      npy_convert<std::uint64_t>(values, count, scratch, sink);
      return;
    }
  } else {
    static_assert(std::is_same_v<From, std::uint64_t>, "npy values: double, bool or 64-bit ints");
    if (dtype == npy_dtype::uint64) {
      npy_raw(values, count, sink);
      return;
    }
    if (dtype == npy_dtype::int64) {
      npy_check_all(
          values, count, field,
          [](std::uint64_t v) {
            return v <= std::uint64_t{std::numeric_limits<std::int64_t>::max()};
          },
          "a value <= 2^63 - 1 (dtype '<i8')");
      npy_convert<std::int64_t>(values, count, scratch, sink);
      return;
    }
  }
  throw_invalid(field,
                fmt::format("{} values for dtype '{}'", npy_source_name<From>(), npy_descr(dtype)),
                "double values for '<f8', '<f4', '<i8', '<u8'; bool for '|b1'; int64 or uint64 "
                "for '<i8', '<u8'");
}

/// The .npy bytes of a whole array, in memory (small arrays, e.g. npz members).
template <class From>
std::string npy_bytes(npy_dtype dtype, const std::vector<std::size_t>& shape, const From* data,
                      std::string_view field) {
  if (shape.size() > npy_max_dims)
    throw_invalid(fmt::format("{}.shape", field), npy_shape_text(shape),
                  fmt::format("at most {} dimensions", npy_max_dims));
  std::size_t count = 1;
  for (std::size_t extent : shape) {
    if (extent != 0 && count > std::numeric_limits<std::size_t>::max() / extent)
      throw_invalid(fmt::format("{}.shape", field), npy_shape_text(shape),
                    "an element count that fits in memory");
    count *= extent;
  }
  std::string out = npy_header(dtype, std::vector<std::uint64_t>(shape.begin(), shape.end()));
  std::vector<char> scratch;
  npy_encode(dtype, data, count, fmt::format("{}.data", field), scratch,
             [&out](std::string_view bytes) { out.append(bytes); });
  return out;
}

// ---- reading ----

/// Where the reader takes bytes from: an istream or a block of memory. `size` is how many
/// bytes the .npy occupies when known (a file, a member), which lets the reader reject a
/// shape bigger than the data before allocating anything.
class npy_input {
 public:
  npy_input(std::istream& in, std::string_view source, std::optional<std::uint64_t> size)
      : in_(&in), source_(source), size_(size) {}
  npy_input(std::string_view bytes, std::string_view source)
      : bytes_(bytes), source_(source), size_(bytes.size()) {}

  std::uint64_t offset() const noexcept { return offset_; }
  const std::optional<std::uint64_t>& size() const noexcept { return size_; }

  [[noreturn]] void fail(std::uint64_t at, std::string_view what) const {
    const std::string name = source_.empty() ? std::string("<npy>") : std::string(source_);
    throw parse_error(std::string(source_), 1, static_cast<std::size_t>(at + 1),
                      fmt::format("{}: byte {}: {}", name, at, what));
  }

  /// Reads up to n bytes; returns how many it got.
  std::size_t read_some(char* dst, std::size_t n) {
    std::size_t got = 0;
    if (in_) {
      in_->read(dst, static_cast<std::streamsize>(n));
      got = static_cast<std::size_t>(in_->gcount());
      if (in_->bad())
        throw io_error(std::string(source_),
                       fmt::format("{}: read failed at byte {}", source_, offset_ + got));
    } else {
      got = std::min(n, bytes_.size() - static_cast<std::size_t>(offset_));
      if (got > 0) std::memcpy(dst, bytes_.data() + offset_, got);
    }
    offset_ += got;
    return got;
  }

  void read_exact(char* dst, std::size_t n, std::string_view what) {
    const std::size_t got = read_some(dst, n);
    if (got < n)
      fail(offset_,
           fmt::format("truncated: the input ends inside {} ({} of {} bytes)", what, got, n));
  }

  /// True if nothing follows what was read.
  bool at_end() {
    if (size_) return offset_ >= *size_;
    if (in_) return in_->peek() == std::istream::traits_type::eof();
    return offset_ >= bytes_.size();
  }

 private:
  std::istream* in_ = nullptr;
  std::string_view bytes_;
  std::string_view source_;
  std::optional<std::uint64_t> size_;
  std::uint64_t offset_ = 0;
};

struct npy_header_info {
  npy_dtype dtype = npy_dtype::float64;
  std::vector<std::size_t> shape;
  std::size_t count = 1;         ///< elements
  std::uint64_t data_bytes = 0;  ///< count * item size
};

/// Parses the Python literal dict of a header: exactly the keys 'descr', 'fortran_order' and
/// 'shape', in any order, with the value syntax numpy writes.
class npy_dict_parser {
 public:
  npy_dict_parser(const npy_input& input, std::string_view text, std::uint64_t base)
      : input_(input), text_(text), base_(base) {}

  npy_header_info parse() {
    if (text_.empty() || text_.back() != '\n')
      fail_at(text_.empty() ? 0 : text_.size() - 1, "the header does not end with a newline");
    npy_header_info info;
    bool have_descr = false, have_order = false, have_shape = false;
    skip_space();
    expect('{', "'{' opening the header dict");
    for (;;) {
      skip_space();
      if (peek() == '}') break;
      const std::size_t key_pos = pos_;
      const std::string_view key = parse_string("a key");
      skip_space();
      expect(':', "':' after a key");
      skip_space();
      if (key == "descr") {
        if (have_descr) fail_at(key_pos, "duplicate key 'descr'");
        have_descr = true;
        info.dtype = parse_descr();
      } else if (key == "fortran_order") {
        if (have_order) fail_at(key_pos, "duplicate key 'fortran_order'");
        have_order = true;
        const std::size_t at = pos_;
        if (parse_bool()) fail_at(at, "fortran_order True is not supported (save a C-order array)");
      } else if (key == "shape") {
        if (have_shape) fail_at(key_pos, "duplicate key 'shape'");
        have_shape = true;
        info.shape = parse_shape();
      } else {
        fail_at(key_pos, fmt::format("unknown key '{}' (a .npy header has exactly 'descr', "
                                     "'fortran_order' and 'shape')",
                                     key));
      }
      skip_space();
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (peek() != '}') fail("expected ',' or '}' after a value");
    }
    if (!have_descr) fail("the header has no 'descr'");
    if (!have_order) fail("the header has no 'fortran_order'");
    if (!have_shape) fail("the header has no 'shape'");
    ++pos_;  // '}'
    while (pos_ < text_.size() && text_[pos_] == ' ') ++pos_;
    if (pos_ != text_.size() - 1) fail("only spaces may follow the header dict");
    std::size_t count = 1;
    for (std::size_t extent : info.shape) {
      if (extent != 0 && count > std::numeric_limits<std::size_t>::max() / extent)
        fail_at(shape_pos_, "the shape's element count overflows");
      count *= extent;
    }
    const std::size_t item = npy_item_size(info.dtype);
    if (count > std::numeric_limits<std::uint64_t>::max() / item)
      fail_at(shape_pos_, "the shape's byte count overflows");
    info.count = count;
    info.data_bytes = static_cast<std::uint64_t>(count) * item;
    return info;
  }

 private:
  [[noreturn]] void fail_at(std::size_t pos, std::string_view what) const {
    input_.fail(base_ + pos, what);
  }
  [[noreturn]] void fail(std::string_view what) const { fail_at(pos_, what); }

  char peek() const noexcept { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void expect(char c, std::string_view what) {
    if (peek() != c) fail(fmt::format("expected {}", what));
    ++pos_;
  }

  std::string_view parse_string(std::string_view what) {
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail(fmt::format("expected {} (a quoted string)", what));
    const std::size_t start = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' || text_[pos_] == '\n') fail("unsupported character in a string");
      ++pos_;
    }
    if (pos_ >= text_.size()) fail_at(start - 1, "unterminated string");
    return text_.substr(start, pos_++ - start);
  }

  npy_dtype parse_descr() {
    const std::size_t at = pos_;
    if (peek() != '\'' && peek() != '"')
      fail("expected a dtype string for 'descr' (structured dtypes are not supported)");
    const std::string_view descr = parse_string("a dtype string");
    for (npy_dtype d : {npy_dtype::float64, npy_dtype::float32, npy_dtype::boolean,
                        npy_dtype::int64, npy_dtype::uint64})
      if (descr == npy_descr(d)) return d;
    if (!descr.empty() && descr[0] == '>')
      fail_at(at, fmt::format("big-endian dtype '{}' is not supported", descr));
    fail_at(at, fmt::format("dtype '{}' is not supported (expected '<f8', '<f4', '|b1', '<i8' "
                            "or '<u8')",
                            descr));
  }

  bool parse_bool() {
    if (text_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (text_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }

  std::vector<std::size_t> parse_shape() {
    shape_pos_ = pos_;
    expect('(', "a shape tuple '('");
    std::vector<std::size_t> shape;
    bool trailing_comma = false;
    for (;;) {
      skip_space();
      if (peek() == ')') break;
      shape.push_back(parse_extent());
      skip_space();
      trailing_comma = false;
      if (peek() == ',') {
        ++pos_;
        trailing_comma = true;
      } else if (peek() != ')') {
        fail("expected ',' or ')' in the shape");
      }
    }
    if (shape.size() == 1 && !trailing_comma)
      fail_at(shape_pos_, "a shape of one extent needs a trailing comma: (n,)");
    ++pos_;  // ')'
    return shape;
  }

  std::size_t parse_extent() {
    const std::size_t start = pos_;
    std::size_t value = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      const auto digit = static_cast<std::size_t>(text_[pos_] - '0');
      if (value > (std::numeric_limits<std::size_t>::max() - digit) / 10)
        fail_at(start, "a shape extent overflows");
      value = value * 10 + digit;
      ++pos_;
    }
    if (pos_ == start) fail("expected a non-negative integer in the shape");
    if (text_[start] == '0' && pos_ - start > 1) fail_at(start, "leading zero in a shape extent");
    return value;
  }

  const npy_input& input_;
  std::string_view text_;
  std::uint64_t base_;
  std::size_t pos_ = 0;
  std::size_t shape_pos_ = 0;
};

inline npy_header_info read_npy_header(npy_input& input) {
  char prefix[12] = {};
  const std::size_t got = input.read_some(prefix, 6);
  for (std::size_t i = 0; i < got; ++i)
    if (prefix[i] != npy_magic[i])
      input.fail(i, "not a .npy file (it does not start with \"\\x93NUMPY\")");
  if (got < 6) input.fail(got, "truncated: the input ends inside the magic string");
  input.read_exact(prefix + 6, 2, "the format version");
  const int major = static_cast<unsigned char>(prefix[6]);
  const int minor = static_cast<unsigned char>(prefix[7]);
  if (major < 1 || major > 3 || minor != 0)
    input.fail(6, fmt::format("unsupported .npy format version {}.{} (expected 1.0, 2.0 or 3.0)",
                              major, minor));
  const std::size_t length_bytes = major == 1 ? 2 : 4;
  input.read_exact(prefix + 8, length_bytes, "the header length");
  std::uint64_t length = 0;
  for (std::size_t i = 0; i < length_bytes; ++i)
    length |= std::uint64_t{static_cast<unsigned char>(prefix[8 + i])} << (8 * i);
  const std::uint64_t base = 8 + length_bytes;
  if (length > npy_max_header)
    input.fail(8, fmt::format("header length {} is over the {} bytes this reader accepts", length,
                              npy_max_header));
  if (input.size() && length > *input.size() - base)
    input.fail(*input.size(), fmt::format("truncated: the header length is {} but only {} bytes "
                                          "follow it",
                                          length, *input.size() - base));
  std::string text(static_cast<std::size_t>(length), '\0');
  input.read_exact(text.data(), text.size(), "the header");
  return npy_dict_parser(input, text, base).parse();
}

/// Appends `n` elements decoded from `bytes` to the vector of `out` that fits the dtype.
inline void npy_decode(npy_array& out, const char* bytes, std::size_t n, const npy_input& input,
                       std::uint64_t offset) {
  auto append = [&](auto& vec) {
    using T = typename std::decay_t<decltype(vec)>::value_type;
    const std::size_t old = vec.size();
    vec.resize(old + n);
    std::memcpy(vec.data() + old, bytes, n * sizeof(T));
  };
  switch (out.dtype) {
    case npy_dtype::float64: append(out.values); return;
    case npy_dtype::float32:
      for (std::size_t i = 0; i < n; ++i) {
        float f;
        std::memcpy(&f, bytes + i * sizeof(float), sizeof(float));
        out.values.push_back(static_cast<double>(f));
      }
      return;
    case npy_dtype::boolean:
      for (std::size_t i = 0; i < n; ++i) {
        const auto b = static_cast<unsigned char>(bytes[i]);
        if (b > 1)
          input.fail(offset + i, fmt::format("boolean byte {:#04x} is neither 0 nor 1", b));
      }
      append(out.booleans);
      return;
    case npy_dtype::int64: append(out.int64s); return;
    case npy_dtype::uint64: append(out.uint64s); return;
  }
}

inline npy_array read_npy_from(npy_input& input) {
  const npy_header_info info = read_npy_header(input);
  const std::uint64_t data_start = input.offset();
  if (input.size()) {
    const std::uint64_t available = *input.size() - data_start;
    if (info.data_bytes > available)
      input.fail(*input.size(),
                 fmt::format("truncated: shape {} of '{}' needs {} bytes of data, {} follow the "
                             "header",
                             npy_shape_text(info.shape), npy_descr(info.dtype), info.data_bytes,
                             available));
    if (info.data_bytes < available)
      input.fail(
          data_start + info.data_bytes,
          fmt::format("{} bytes follow the data of shape {} of '{}'", available - info.data_bytes,
                      npy_shape_text(info.shape), npy_descr(info.dtype)));
  }
  npy_array out;
  out.dtype = info.dtype;
  out.shape = info.shape;
  const std::size_t item = npy_item_size(info.dtype);
  if (input.size()) {  // the size was checked: reserving cannot exceed the input
    switch (info.dtype) {
      case npy_dtype::float64:
      case npy_dtype::float32: out.values.reserve(info.count); break;
      case npy_dtype::boolean: out.booleans.reserve(info.count); break;
      case npy_dtype::int64: out.int64s.reserve(info.count); break;
      case npy_dtype::uint64: out.uint64s.reserve(info.count); break;
    }
  }
  std::vector<char> chunk(static_cast<std::size_t>(
      std::min<std::uint64_t>(npy_chunk_bytes, std::max<std::uint64_t>(info.data_bytes, 1))));
  const std::size_t per_chunk = chunk.size() / item;
  for (std::size_t done = 0; done < info.count;) {
    const std::size_t n = std::min(per_chunk, info.count - done);
    const std::uint64_t at = input.offset();
    input.read_exact(
        chunk.data(), n * item,
        fmt::format("the data (shape {} of '{}' needs {} bytes)", npy_shape_text(info.shape),
                    npy_descr(info.dtype), info.data_bytes));
    npy_decode(out, chunk.data(), n, input, at);
    done += n;
  }
  if (!input.at_end()) input.fail(input.offset(), "bytes follow the data");
  return out;
}

}  // namespace detail

/// Streams a C-order array whose first dimension grows as rows are appended: for a dataset
/// of n trajectories of T times and S species, inner_shape = {T, S} and each append adds
/// whole [T, S] blocks. The file appears under `path` at commit(), complete; a writer
/// destroyed without commit() leaves nothing (its temporary file is removed).
///
/// inner_shape may be empty (a 1-D array, one value per row); its extents must be >= 1.
/// Throws io_error at construction if `path`'s folder is missing or not writable, or if
/// `path` exists and `overwrite` is false. `durable = false` skips the fsyncs on commit (the
/// rename stays atomic): for files inside a dataset folder that is synced as a whole.
class npy_writer {
 public:
  npy_writer(std::filesystem::path path, npy_dtype dtype, std::vector<std::size_t> inner_shape,
             bool overwrite = false, bool durable = true)
      : dtype_(dtype),
        inner_shape_(std::move(inner_shape)),
        row_size_(detail::npy_row_size(inner_shape_, dtype_, "npy_writer.inner_shape")) {
    header_size_ = header(std::numeric_limits<std::uint64_t>::max()).size();
    file_ = std::make_unique<detail::atomic_file>(std::move(path), overwrite, durable);
    file_->write(header(0));
  }

  npy_writer(npy_writer&&) noexcept = default;
  npy_writer& operator=(npy_writer&&) noexcept = default;
  ~npy_writer() = default;  // an uncommitted file_ removes its temporary

  /// Appends values, `count` a multiple of row_size(): float64, float32, int64 and uint64
  /// arrays (float32 rounds to nearest; integer dtypes take exact integers only).
  void append(const double* values, std::size_t count) { append_values(values, count); }
  /// Appends to a boolean array.
  void append(const bool* values, std::size_t count) { append_values(values, count); }
  /// Appends to an int64 array, or a uint64 array if every value is >= 0.
  void append(const std::int64_t* values, std::size_t count) { append_values(values, count); }
  /// Appends to a uint64 array, or an int64 array if every value is <= 2^63 - 1.
  void append(const std::uint64_t* values, std::size_t count) { append_values(values, count); }

  /// Rows appended so far: the leading dimension commit() writes.
  std::uint64_t rows() const noexcept { return rows_; }
  /// Elements per row: the product of the inner shape.
  std::size_t row_size() const noexcept { return row_size_; }
  npy_dtype dtype() const noexcept { return dtype_; }
  const std::vector<std::size_t>& inner_shape() const noexcept { return inner_shape_; }
  /// The final path (empty for a moved-from writer).
  std::filesystem::path path() const { return file_ ? file_->path() : std::filesystem::path(); }

  /// Writes the final leading dimension into the header and moves the file into place
  /// (fsync, rename). After this the writer accepts nothing more.
  void commit() {
    require_open("commit");
    finish_header();
    finished_ = true;
    file_->commit();
  }

 private:
  friend class npz_writer;

  std::string header(std::uint64_t rows) const {
    std::vector<std::uint64_t> shape;
    shape.reserve(inner_shape_.size() + 1);
    shape.push_back(rows);
    shape.insert(shape.end(), inner_shape_.begin(), inner_shape_.end());
    return detail::npy_header(dtype_, shape, header_size_);
  }

  void require_open(std::string_view operation) const {
    if (!file_)
      detail::throw_invalid("npy_writer", "moved from", fmt::format("a writer to {}", operation));
    if (finished_)
      detail::throw_invalid(
          "npy_writer", fmt::format("finished ({})", file_->path().string()),
          fmt::format("a writer not yet committed or added to an archive, to {}", operation));
  }

  template <class From>
  void append_values(const From* values, std::size_t count) {
    require_open("append");
    if (count % row_size_ != 0)
      detail::throw_invalid("npy_writer.append.count", count,
                            fmt::format("a multiple of the row size {} (inner shape {})", row_size_,
                                        detail::npy_shape_text(inner_shape_)));
    detail::npy_encode(dtype_, values, count, "npy_writer.append.values", scratch_,
                       [this](std::string_view bytes) { file_->write(bytes); });
    rows_ += count / row_size_;
  }

  /// Rewrites the header with the row count; its length was fixed at construction.
  void finish_header() { file_->write_at(0, header(rows_)); }

  npy_dtype dtype_;
  std::vector<std::size_t> inner_shape_;
  std::size_t row_size_;
  std::size_t header_size_ = 0;
  std::uint64_t rows_ = 0;
  bool finished_ = false;
  std::vector<char> scratch_;  ///< conversion buffer, allocated at the first conversion
  std::unique_ptr<detail::atomic_file> file_;
};

namespace detail {

template <class From>
void write_npy_impl(const std::filesystem::path& path, npy_dtype dtype,
                    const std::vector<std::size_t>& shape, const From* data, bool overwrite) {
  if (shape.empty()) {  // 0-dimensional: one value, no leading dimension to grow
    const std::string bytes = npy_bytes(dtype, shape, data, "write_npy");
    atomic_file file(path, overwrite);
    file.write(bytes);
    file.commit();
    return;
  }
  std::vector<std::size_t> inner(shape.begin() + 1, shape.end());
  const std::size_t row_size = npy_row_size(inner, dtype, "write_npy.shape[1:]");
  if (shape[0] != 0 && row_size > std::numeric_limits<std::size_t>::max() / shape[0])
    throw_invalid("write_npy.shape", npy_shape_text(shape), "an element count that fits in memory");
  npy_writer writer(path, dtype, std::move(inner), overwrite);
  writer.append(data, shape[0] * row_size);
  writer.commit();
}

}  // namespace detail

/// Writes a whole C-order array of `shape` (extents after the first must be >= 1; an empty
/// shape is a 0-dimensional array of one value), converting as npy_writer::append does.
inline void write_npy(const std::filesystem::path& path, npy_dtype dtype,
                      const std::vector<std::size_t>& shape, const double* data,
                      bool overwrite = false) {
  detail::write_npy_impl(path, dtype, shape, data, overwrite);
}

/// Writes a whole C-order boolean array ('|b1').
inline void write_npy(const std::filesystem::path& path, const std::vector<std::size_t>& shape,
                      const bool* data, bool overwrite = false) {
  detail::write_npy_impl(path, npy_dtype::boolean, shape, data, overwrite);
}

/// Reads a .npy from a stream; `source` names it in errors. The stream's remaining length is
/// used (when it can seek) to reject a shape bigger than the data before reading it.
inline npy_array read_npy(std::istream& in, std::string_view source) {
  std::optional<std::uint64_t> size;
  const auto start = in.tellg();
  if (start != std::istream::pos_type(-1)) {
    in.seekg(0, std::ios::end);
    const auto end = in.tellg();
    in.seekg(start);
    if (in && end != std::istream::pos_type(-1) && end >= start)
      size = static_cast<std::uint64_t>(end - start);
  }
  in.clear(in.rdstate() & ~std::ios::failbit);
  detail::npy_input input(in, source, size);
  return detail::read_npy_from(input);
}

/// Reads a .npy held in memory.
inline npy_array read_npy_bytes(std::string_view bytes, std::string_view source = {}) {
  detail::npy_input input(bytes, source);
  return detail::read_npy_from(input);
}

/// Reads a .npy file; io_error if it cannot be opened, parse_error if it is malformed.
inline npy_array read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int code = errno;
    throw io_error(path.string(),
                   fmt::format("cannot open {}: {}", path.string(), detail::errno_text(code)));
  }
  return read_npy(in, path.string());
}

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::npy_dtype> : odesynth::detail::enum_formatter<odesynth::npy_dtype> {
};
