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

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "../detail/atomic_file.hpp"
#include "../detail/config.hpp"
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
ODESYNTH_INLINE std::string npy_header(npy_dtype dtype, const std::vector<std::uint64_t>& shape,
                                       std::size_t min_size = 0);

/// Elements per row for a writer's inner shape, validated: every extent >= 1 (a row of zero
/// elements would make the row count unknowable), at most npy_max_dims - 1 extents, and a
/// row size in bytes that fits in std::size_t.
ODESYNTH_INLINE std::size_t npy_row_size(const std::vector<std::size_t>& inner_shape,
                                         npy_dtype dtype, std::string_view field);

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

  [[noreturn]] void fail(std::uint64_t at, std::string_view what) const;

  /// Reads up to n bytes; returns how many it got.
  std::size_t read_some(char* dst, std::size_t n);

  void read_exact(char* dst, std::size_t n, std::string_view what);

  /// True if nothing follows what was read.
  bool at_end();

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

  npy_header_info parse();

 private:
  [[noreturn]] void fail_at(std::size_t pos, std::string_view what) const;
  [[noreturn]] void fail(std::string_view what) const { fail_at(pos_, what); }

  char peek() const noexcept { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  void skip_space();
  void expect(char c, std::string_view what);

  std::string_view parse_string(std::string_view what);

  npy_dtype parse_descr();

  bool parse_bool();

  std::vector<std::size_t> parse_shape();

  std::size_t parse_extent();

  const npy_input& input_;
  std::string_view text_;
  std::uint64_t base_;
  std::size_t pos_ = 0;
  std::size_t shape_pos_ = 0;
};

ODESYNTH_INLINE npy_header_info read_npy_header(npy_input& input);

/// Appends `n` elements decoded from `bytes` to the vector of `out` that fits the dtype.
ODESYNTH_INLINE void npy_decode(npy_array& out, const char* bytes, std::size_t n,
                                const npy_input& input, std::uint64_t offset);

ODESYNTH_INLINE npy_array read_npy_from(npy_input& input);

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
             bool overwrite = false, bool durable = true);

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
  void commit();

 private:
  friend class npz_writer;

  std::string header(std::uint64_t rows) const;

  void require_open(std::string_view operation) const;

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
ODESYNTH_INLINE void write_npy(const std::filesystem::path& path, npy_dtype dtype,
                               const std::vector<std::size_t>& shape, const double* data,
                               bool overwrite = false);

/// Writes a whole C-order boolean array ('|b1').
ODESYNTH_INLINE void write_npy(const std::filesystem::path& path,
                               const std::vector<std::size_t>& shape, const bool* data,
                               bool overwrite = false);

/// Reads a .npy from a stream; `source` names it in errors. The stream's remaining length is
/// used (when it can seek) to reject a shape bigger than the data before reading it.
ODESYNTH_INLINE npy_array read_npy(std::istream& in, std::string_view source);

/// Reads a .npy held in memory.
ODESYNTH_INLINE npy_array read_npy_bytes(std::string_view bytes, std::string_view source = {});

/// Reads a .npy file; io_error if it cannot be opened, parse_error if it is malformed.
ODESYNTH_INLINE npy_array read_npy(const std::filesystem::path& path);

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::npy_dtype> : odesynth::detail::enum_formatter<odesynth::npy_dtype> {
};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/npy.ipp"
#endif
