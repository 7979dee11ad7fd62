// odesynth/io/impl/npy.ipp - the non-template code of io/npy.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <istream>

#include "../npy.hpp"

namespace odesynth {

namespace detail {
ODESYNTH_INLINE npy_array read_npy_from(npy_input& input) {
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

ODESYNTH_INLINE void npy_decode(npy_array& out, const char* bytes, std::size_t n,
                                const npy_input& input, std::uint64_t offset) {
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

ODESYNTH_INLINE npy_header_info read_npy_header(npy_input& input) {
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

ODESYNTH_INLINE npy_header_info npy_dict_parser::parse() {
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

ODESYNTH_INLINE void npy_dict_parser::fail_at(std::size_t pos, std::string_view what) const {
  input_.fail(base_ + pos, what);
}

ODESYNTH_INLINE void npy_dict_parser::skip_space() {
  while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
}

ODESYNTH_INLINE void npy_dict_parser::expect(char c, std::string_view what) {
  if (peek() != c) fail(fmt::format("expected {}", what));
  ++pos_;
}

ODESYNTH_INLINE std::string_view npy_dict_parser::parse_string(std::string_view what) {
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

ODESYNTH_INLINE npy_dtype npy_dict_parser::parse_descr() {
  const std::size_t at = pos_;
  if (peek() != '\'' && peek() != '"')
    fail("expected a dtype string for 'descr' (structured dtypes are not supported)");
  const std::string_view descr = parse_string("a dtype string");
  for (npy_dtype d : {npy_dtype::float64, npy_dtype::float32, npy_dtype::boolean, npy_dtype::int64,
                      npy_dtype::uint64})
    if (descr == npy_descr(d)) return d;
  if (!descr.empty() && descr[0] == '>')
    fail_at(at, fmt::format("big-endian dtype '{}' is not supported", descr));
  fail_at(at, fmt::format("dtype '{}' is not supported (expected '<f8', '<f4', '|b1', '<i8' "
                          "or '<u8')",
                          descr));
}

ODESYNTH_INLINE bool npy_dict_parser::parse_bool() {
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

ODESYNTH_INLINE std::vector<std::size_t> npy_dict_parser::parse_shape() {
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

ODESYNTH_INLINE std::size_t npy_dict_parser::parse_extent() {
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

ODESYNTH_INLINE void npy_input::fail(std::uint64_t at, std::string_view what) const {
  const std::string name = source_.empty() ? std::string("<npy>") : std::string(source_);
  throw parse_error(std::string(source_), 1, static_cast<std::size_t>(at + 1),
                    fmt::format("{}: byte {}: {}", name, at, what));
}

ODESYNTH_INLINE std::size_t npy_input::read_some(char* dst, std::size_t n) {
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

ODESYNTH_INLINE void npy_input::read_exact(char* dst, std::size_t n, std::string_view what) {
  const std::size_t got = read_some(dst, n);
  if (got < n)
    fail(offset_,
         fmt::format("truncated: the input ends inside {} ({} of {} bytes)", what, got, n));
}

ODESYNTH_INLINE bool npy_input::at_end() {
  if (size_) return offset_ >= *size_;
  if (in_) return in_->peek() == std::istream::traits_type::eof();
  return offset_ >= bytes_.size();
}

ODESYNTH_INLINE std::string npy_header(npy_dtype dtype, const std::vector<std::uint64_t>& shape,
                                       std::size_t min_size) {
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

ODESYNTH_INLINE std::size_t npy_row_size(const std::vector<std::size_t>& inner_shape,
                                         npy_dtype dtype, std::string_view field) {
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

}  // namespace detail

ODESYNTH_INLINE void write_npy(const std::filesystem::path& path, npy_dtype dtype,
                               const std::vector<std::size_t>& shape, const double* data,
                               bool overwrite) {
  detail::write_npy_impl(path, dtype, shape, data, overwrite);
}

ODESYNTH_INLINE void write_npy(const std::filesystem::path& path,
                               const std::vector<std::size_t>& shape, const bool* data,
                               bool overwrite) {
  detail::write_npy_impl(path, npy_dtype::boolean, shape, data, overwrite);
}

ODESYNTH_INLINE npy_array read_npy(std::istream& in, std::string_view source) {
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

ODESYNTH_INLINE npy_array read_npy_bytes(std::string_view bytes, std::string_view source) {
  detail::npy_input input(bytes, source);
  return detail::read_npy_from(input);
}

ODESYNTH_INLINE npy_array read_npy(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int code = errno;
    throw io_error(path.string(),
                   fmt::format("cannot open {}: {}", path.string(), detail::errno_text(code)));
  }
  return read_npy(in, path.string());
}

ODESYNTH_INLINE npy_writer::npy_writer(std::filesystem::path path, npy_dtype dtype,
                                       std::vector<std::size_t> inner_shape, bool overwrite,
                                       bool durable)
    : dtype_(dtype),
      inner_shape_(std::move(inner_shape)),
      row_size_(detail::npy_row_size(inner_shape_, dtype_, "npy_writer.inner_shape")) {
  header_size_ = header(std::numeric_limits<std::uint64_t>::max()).size();
  file_ = std::make_unique<detail::atomic_file>(std::move(path), overwrite, durable);
  file_->write(header(0));
}

ODESYNTH_INLINE void npy_writer::commit() {
  require_open("commit");
  finish_header();
  finished_ = true;
  file_->commit();
}

ODESYNTH_INLINE std::string npy_writer::header(std::uint64_t rows) const {
  std::vector<std::uint64_t> shape;
  shape.reserve(inner_shape_.size() + 1);
  shape.push_back(rows);
  shape.insert(shape.end(), inner_shape_.begin(), inner_shape_.end());
  return detail::npy_header(dtype_, shape, header_size_);
}

ODESYNTH_INLINE void npy_writer::require_open(std::string_view operation) const {
  if (!file_)
    detail::throw_invalid("npy_writer", "moved from", fmt::format("a writer to {}", operation));
  if (finished_)
    detail::throw_invalid(
        "npy_writer", fmt::format("finished ({})", file_->path().string()),
        fmt::format("a writer not yet committed or added to an archive, to {}", operation));
}

}  // namespace odesynth
