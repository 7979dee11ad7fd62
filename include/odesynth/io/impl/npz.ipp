// odesynth/io/impl/npz.ipp - the non-template code of io/npz.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "../../error.hpp"
#include "../npz.hpp"

namespace odesynth {

namespace detail {

ODESYNTH_INLINE std::uint32_t crc32_update(std::uint32_t crc, const void* data,
                                           std::size_t size) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  const auto& t = crc32_table.table;
  crc = ~crc;
  for (; size >= 8; p += 8, size -= 8) {
    const std::uint32_t lo = crc ^ (std::uint32_t{p[0]} | std::uint32_t{p[1]} << 8 |
                                    std::uint32_t{p[2]} << 16 | std::uint32_t{p[3]} << 24);
    const std::uint32_t hi = std::uint32_t{p[4]} | std::uint32_t{p[5]} << 8 |
                             std::uint32_t{p[6]} << 16 | std::uint32_t{p[7]} << 24;
    crc = t[7][lo & 0xFF] ^ t[6][(lo >> 8) & 0xFF] ^ t[5][(lo >> 16) & 0xFF] ^ t[4][lo >> 24] ^
          t[3][hi & 0xFF] ^ t[2][(hi >> 8) & 0xFF] ^ t[1][(hi >> 16) & 0xFF] ^ t[0][hi >> 24];
  }
  for (; size > 0; ++p, --size) crc = t[0][(crc ^ *p) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

namespace zip {

ODESYNTH_INLINE void put_shared_fields(std::string& out, const entry& e) {
  put16(out, e.version());
  put16(out, e.flags());
  put16(out, 0);  // stored
  put16(out, dos_time_midnight);
  put16(out, dos_date_1980_01_01);
  put32(out, e.crc);
  put32(out, e.zip64_sizes ? max32 : static_cast<std::uint32_t>(e.size));  // compressed
  put32(out, e.zip64_sizes ? max32 : static_cast<std::uint32_t>(e.size));  // uncompressed
  put16(out, static_cast<std::uint16_t>(e.name.size()));
}

ODESYNTH_INLINE std::string local_header(const entry& e) {
  std::string h;
  h.reserve(local_header_size + e.name.size() + 20);
  put32(h, local_signature);
  put_shared_fields(h, e);
  put16(h, e.zip64_sizes ? 20 : 0);
  h.append(e.name);
  if (e.zip64_sizes) {  // a local ZIP64 extra holds both sizes, always
    put16(h, zip64_extra_id);
    put16(h, 16);
    put64(h, e.size);  // uncompressed
    put64(h, e.size);  // compressed
  }
  return h;
}

ODESYNTH_INLINE void append_central_header(std::string& out, const entry& e) {
  // The central ZIP64 extra holds only the fields whose header value is 0xFFFFFFFF, in the
  // order uncompressed size, compressed size, local header offset.
  const std::uint16_t extra =
      static_cast<std::uint16_t>((e.zip64_sizes ? 16 : 0) + (e.zip64_offset ? 8 : 0));
  put32(out, central_signature);
  put16(out, made_by_unix | e.version());
  put_shared_fields(out, e);
  put16(out, extra == 0 ? 0 : static_cast<std::uint16_t>(extra + 4));
  put16(out, 0);  // comment length
  put16(out, 0);  // disk number
  put16(out, 0);  // internal attributes
  put32(out, unix_file_rw_r_r);
  put32(out, e.zip64_offset ? max32 : static_cast<std::uint32_t>(e.offset));
  out.append(e.name);
  if (extra != 0) {
    put16(out, zip64_extra_id);
    put16(out, extra);
    if (e.zip64_sizes) {
      put64(out, e.size);
      put64(out, e.size);
    }
    if (e.zip64_offset) put64(out, e.offset);
  }
}

ODESYNTH_INLINE void validate_member_name(std::string_view name,
                                          const std::vector<entry>& entries) {
  constexpr std::string_view field = "npz_writer.member_name";
  if (name.empty()) throw_invalid(field, "\"\"", "a non-empty name");
  if (name.size() > max16) throw_invalid(field, name.substr(0, 32), "at most 65535 bytes");
  if (name.find('\0') != std::string_view::npos || name.find('\\') != std::string_view::npos ||
      name.front() == '/')
    throw_invalid(field, name, "a relative name with '/' separators and no NUL or '\\'");
  for (std::size_t start = 0; start <= name.size();) {
    const std::size_t end = std::min(name.find('/', start), name.size());
    const std::string_view part = name.substr(start, end - start);
    if (part.empty() || part == "." || part == "..")
      throw_invalid(field, name, "no empty, '.' or '..' path components");
    start = end + 1;
  }
  for (const entry& e : entries)
    if (e.name == name) throw_invalid(field, name, "a name not already in the archive");
}

}  // namespace zip
}  // namespace detail

ODESYNTH_INLINE std::vector<std::string> read_npz_member_names(const std::filesystem::path& path) {
  return npz_reader(path).names();
}

ODESYNTH_INLINE npz_reader::npz_reader(std::filesystem::path path) : path_(std::move(path)) {
  in_.open(path_, std::ios::binary);
  if (!in_) {
    const int code = errno;
    throw io_error(path_.string(),
                   fmt::format("cannot open {}: {}", path_.string(), detail::errno_text(code)));
  }
  std::error_code ec;
  size_ = std::filesystem::file_size(path_, ec);
  if (ec)
    throw io_error(path_.string(), fmt::format("cannot read {}: {}", path_.string(), ec.message()));
  read_central_directory();
}

ODESYNTH_INLINE std::vector<std::string> npz_reader::names() const {
  std::vector<std::string> out;
  out.reserve(members_.size());
  for (const auto& m : members_) out.push_back(m.name);
  return out;
}

ODESYNTH_INLINE std::string npz_reader::read_bytes(std::string_view name) {
  const member& m = find(name);
  namespace zip = detail::zip;
  const std::string local = read_at(m.header_offset, zip::local_header_size, "a local header");
  if (zip::get_le(local, 0, 4) != zip::local_signature)
    fail(m.header_offset, fmt::format("no local header for member '{}'", m.name));
  const std::uint64_t name_size = zip::get_le(local, 26, 2);
  const std::uint64_t extra_size = zip::get_le(local, 28, 2);
  const std::uint64_t data = m.header_offset + zip::local_header_size + name_size + extra_size;
  if (read_at(m.header_offset + zip::local_header_size, name_size, "a member name") != m.name)
    fail(m.header_offset + zip::local_header_size,
         fmt::format("local header name differs from the central directory's '{}'", m.name));
  if (data > cd_offset_ || m.size > cd_offset_ - data)
    fail(data,
         fmt::format("member '{}' of {} bytes overlaps the central directory", m.name, m.size));
  std::string bytes = read_at(data, m.size, "member data");
  const std::uint32_t crc = detail::crc32(bytes);
  if (crc != m.crc32)
    fail(data, fmt::format("CRC-32 mismatch in member '{}': stored {:#010x}, computed {:#010x}",
                           m.name, m.crc32, crc));
  return bytes;
}

ODESYNTH_INLINE npy_array npz_reader::read_array(std::string_view name) {
  const std::string bytes = read_bytes(name);
  return read_npy_bytes(bytes, fmt::format("{}/{}", path_.string(), name));
}

ODESYNTH_INLINE void npz_reader::fail(std::uint64_t at, std::string_view what) const {
  throw parse_error(path_.string(), 1, static_cast<std::size_t>(at + 1),
                    fmt::format("{}: byte {}: {}", path_.string(), at, what));
}

ODESYNTH_INLINE std::string npz_reader::read_at(std::uint64_t offset, std::uint64_t size,
                                                std::string_view what) {
  if (offset > size_ || size > size_ - offset)
    fail(std::min(offset, size_), fmt::format("truncated: {} runs past the end of the file", what));
  std::string out(static_cast<std::size_t>(size), '\0');
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(offset));
  in_.read(out.data(), static_cast<std::streamsize>(size));
  if (static_cast<std::uint64_t>(in_.gcount()) != size)
    throw io_error(path_.string(),
                   fmt::format("cannot read {} at byte {}", path_.string(), offset));
  return out;
}

ODESYNTH_INLINE const npz_reader::member& npz_reader::find(std::string_view name) const {
  for (const auto& m : members_)
    if (m.name == name) return m;
  throw_missing(name);
}

ODESYNTH_INLINE void npz_reader::throw_missing(std::string_view name) const {
  detail::throw_invalid("npz_reader.member_name", name,
                        fmt::format("one of the members of {}", path_.string()));
}

ODESYNTH_INLINE void npz_reader::read_central_directory() {
  namespace zip = detail::zip;
  const std::uint64_t tail_size = std::min<std::uint64_t>(size_, zip::end_size + zip::max16);
  const std::uint64_t tail_start = size_ - tail_size;
  const std::string tail = read_at(tail_start, tail_size, "the end record");
  std::uint64_t end_pos = size_;  // not found
  for (std::uint64_t i = tail_size >= zip::end_size ? tail_size - zip::end_size + 1 : 0; i-- > 0;)
    if (zip::get_le(tail, i, 4) == zip::end_signature &&
        zip::get_le(tail, i + 20, 2) == tail_size - i - zip::end_size) {
      end_pos = tail_start + i;
      break;
    }
  if (end_pos == size_) fail(size_, "no ZIP end of central directory record: not a .npz file");
  const std::string_view end(tail.data() + (end_pos - tail_start), zip::end_size);
  if (zip::get_le(end, 4, 2) != 0 || zip::get_le(end, 6, 2) != 0)
    fail(end_pos + 4, "multi-disk archives are not supported");
  std::uint64_t count = zip::get_le(end, 10, 2);
  std::uint64_t cd_size = zip::get_le(end, 12, 4);
  std::uint64_t cd_offset = zip::get_le(end, 16, 4);
  std::uint64_t cd_limit = end_pos;  // the central directory ends before this
  if (end_pos >= zip::locator64_size) {
    const std::uint64_t loc_pos = end_pos - zip::locator64_size;
    const std::string loc = read_at(loc_pos, zip::locator64_size, "the ZIP64 locator");
    if (zip::get_le(loc, 0, 4) == zip::locator64_signature) {
      const std::uint64_t end64_pos = zip::get_le(loc, 8, 8);
      if (zip::get_le(loc, 4, 4) != 0 || zip::get_le(loc, 16, 4) != 1)
        fail(loc_pos, "multi-disk archives are not supported");
      if (end64_pos > loc_pos || loc_pos - end64_pos < zip::end64_size)
        fail(loc_pos + 8, "the ZIP64 end record offset is out of range");
      const std::string end64 = read_at(end64_pos, zip::end64_size, "the ZIP64 end record");
      if (zip::get_le(end64, 0, 4) != zip::end64_signature)
        fail(end64_pos, "no ZIP64 end of central directory record where the locator points");
      count = zip::get_le(end64, 32, 8);
      cd_size = zip::get_le(end64, 40, 8);
      cd_offset = zip::get_le(end64, 48, 8);
      cd_limit = end64_pos;
    } else if (count == zip::max16 || cd_size == zip::max32 || cd_offset == zip::max32) {
      fail(end_pos, "the end record asks for ZIP64 values but there is no ZIP64 locator");
    }
  }
  if (cd_offset > cd_limit || cd_size > cd_limit - cd_offset)
    fail(end_pos, "the central directory lies outside the file");
  if (count > cd_size / zip::central_header_size)
    fail(end_pos,
         fmt::format("{} entries cannot fit in a central directory of {} bytes", count, cd_size));
  cd_offset_ = cd_offset;
  const std::string cd = read_at(cd_offset, cd_size, "the central directory");
  std::size_t pos = 0;
  for (std::uint64_t k = 0; k < count; ++k) {
    const std::uint64_t at = cd_offset + pos;
    if (cd.size() - pos < zip::central_header_size) fail(at, "truncated central directory");
    if (zip::get_le(cd, pos, 4) != zip::central_signature)
      fail(at, "bad central directory entry signature");
    const auto flags = zip::get_le(cd, pos + 8, 2);
    const auto method = zip::get_le(cd, pos + 10, 2);
    member m;
    m.crc32 = static_cast<std::uint32_t>(zip::get_le(cd, pos + 16, 4));
    std::uint64_t compressed = zip::get_le(cd, pos + 20, 4);
    std::uint64_t uncompressed = zip::get_le(cd, pos + 24, 4);
    const std::size_t name_size = zip::get_le(cd, pos + 28, 2);
    const std::size_t extra_size = zip::get_le(cd, pos + 30, 2);
    const std::size_t comment_size = zip::get_le(cd, pos + 32, 2);
    m.header_offset = zip::get_le(cd, pos + 42, 4);
    const std::size_t var = name_size + extra_size + comment_size;
    if (cd.size() - pos - zip::central_header_size < var) fail(at, "truncated central directory");
    m.name = cd.substr(pos + zip::central_header_size, name_size);
    if (flags & 1) fail(at, fmt::format("member '{}' is encrypted", m.name));
    if (method != 0)
      fail(at + 10, fmt::format("member '{}' is compressed (method {}): only stored members "
                                "are supported",
                                m.name, method));
    std::string_view extra(cd.data() + pos + zip::central_header_size + name_size, extra_size);
    for (std::size_t e = 0; e + 4 <= extra.size();) {
      const auto id = zip::get_le(extra, e, 2);
      const std::size_t len = zip::get_le(extra, e + 2, 2);
      if (len > extra.size() - e - 4) fail(at, "truncated extra field");
      if (id == zip::zip64_extra_id) {
        std::size_t f = e + 4;
        auto take = [&](std::uint64_t& field) {
          if (field != zip::max32) return;
          if (f + 8 > e + 4 + len) fail(at, "ZIP64 extra field too short");
          field = zip::get_le(extra, f, 8);
          f += 8;
        };
        take(uncompressed);
        take(compressed);
        take(m.header_offset);
      }
      e += 4 + len;
    }
    if (compressed != uncompressed)
      fail(at + 20, fmt::format("member '{}': stored sizes differ ({} and {})", m.name, compressed,
                                uncompressed));
    m.size = uncompressed;
    if (m.header_offset > cd_offset || cd_offset - m.header_offset < zip::local_header_size)
      fail(at + 42, fmt::format("member '{}': local header offset out of range", m.name));
    for (const auto& other : members_)
      if (other.name == m.name) fail(at, fmt::format("duplicate member '{}'", m.name));
    members_.push_back(std::move(m));
    pos += zip::central_header_size + var;
  }
}

ODESYNTH_INLINE void npz_writer::add_file(std::string member_name,
                                          const std::filesystem::path& file) {
  require_open();
  detail::zip::validate_member_name(member_name, entries_);
  std::error_code ec;
  const std::uint64_t size = std::filesystem::file_size(file, ec);
  if (ec)
    throw io_error(file.string(), fmt::format("cannot add {} to {}: {}", file.string(),
                                              file_->path().string(), ec.message()));
  copy_member(std::move(member_name), file, size);
}

ODESYNTH_INLINE void npz_writer::add_npy(std::string member_name, npy_writer& writer) {
  require_open();
  writer.require_open("add it to an archive");
  detail::zip::validate_member_name(member_name, entries_);
  writer.finish_header();
  writer.file_->flush();
  writer.finished_ = true;
  const std::uint64_t size = writer.file_->size();
  try {
    copy_member(std::move(member_name), writer.file_->temp_path(), size);
  } catch (...) {
    writer.file_->abandon();
    throw;
  }
  writer.file_->abandon();
}

ODESYNTH_INLINE void npz_writer::add_bytes(std::string member_name, std::string_view bytes) {
  require_open();
  detail::zip::validate_member_name(member_name, entries_);
  detail::zip::entry e = new_entry(std::move(member_name), bytes.size());
  e.crc = detail::crc32(bytes);
  file_->write(detail::zip::local_header(e));
  file_->write(bytes);
  entries_.push_back(std::move(e));
}

ODESYNTH_INLINE void npz_writer::commit() {
  require_open();
  namespace zip = detail::zip;
  const std::uint64_t cd_offset = file_->size();
  std::string cd;
  for (const auto& e : entries_) zip::append_central_header(cd, e);
  const std::uint64_t cd_size = cd.size();
  const std::uint64_t count = entries_.size();
  const bool big_count =
      count >= std::min<std::uint64_t>(layout_.zip64_count_threshold, zip::max16);
  const bool big_size = cd_size >= std::min<std::uint64_t>(layout_.zip64_threshold, zip::max32);
  const bool big_offset = cd_offset >= std::min<std::uint64_t>(layout_.zip64_threshold, zip::max32);
  if (big_count || big_size || big_offset) {
    const std::uint64_t end64_offset = cd_offset + cd_size;
    zip::put32(cd, zip::end64_signature);
    zip::put64(cd, zip::end64_size - 12);  // size of the rest of the record
    zip::put16(cd, zip::made_by_unix | zip::version_zip64);
    zip::put16(cd, zip::version_zip64);
    zip::put32(cd, 0);  // this disk
    zip::put32(cd, 0);  // disk with the central directory
    zip::put64(cd, count);
    zip::put64(cd, count);
    zip::put64(cd, cd_size);
    zip::put64(cd, cd_offset);
    zip::put32(cd, zip::locator64_signature);
    zip::put32(cd, 0);  // disk with the ZIP64 end record
    zip::put64(cd, end64_offset);
    zip::put32(cd, 1);  // disks in total
  }
  zip::put32(cd, zip::end_signature);
  zip::put16(cd, 0);
  zip::put16(cd, 0);
  const auto count16 = big_count ? zip::max16 : static_cast<std::uint16_t>(count);
  zip::put16(cd, count16);
  zip::put16(cd, count16);
  zip::put32(cd, big_size ? zip::max32 : static_cast<std::uint32_t>(cd_size));
  zip::put32(cd, big_offset ? zip::max32 : static_cast<std::uint32_t>(cd_offset));
  zip::put16(cd, 0);  // comment length
  file_->write(cd);
  committed_ = true;
  file_->commit();
}

ODESYNTH_INLINE void npz_writer::require_open() const {
  if (!file_) detail::throw_invalid("npz_writer", "moved from", "an archive to add to");
  if (committed_)
    detail::throw_invalid("npz_writer", fmt::format("committed ({})", file_->path().string()),
                          "an archive not yet committed");
}

ODESYNTH_INLINE detail::zip::entry npz_writer::new_entry(std::string name,
                                                         std::uint64_t size) const {
  detail::zip::entry e;
  e.name = std::move(name);
  e.size = size;
  e.offset = file_->size();
  const std::uint64_t limit = std::min<std::uint64_t>(layout_.zip64_threshold, detail::zip::max32);
  e.zip64_sizes = size >= limit;
  e.zip64_offset = e.offset >= limit;
  e.utf8 = std::any_of(e.name.begin(), e.name.end(),
                       [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  return e;
}

ODESYNTH_INLINE void npz_writer::copy_member(std::string name, const std::filesystem::path& source,
                                             std::uint64_t size) {
  struct file_closer {
    void operator()(std::FILE* f) const noexcept { std::fclose(f); }
  };
  std::unique_ptr<std::FILE, file_closer> in(std::fopen(source.string().c_str(), "rb"));
  if (!in) {
    const int code = errno;
    throw io_error(source.string(),
                   fmt::format("cannot read {}: {}", source.string(), detail::errno_text(code)));
  }
  detail::zip::entry e = new_entry(std::move(name), size);
  file_->write(detail::zip::local_header(e));
  if (chunk_.size() < chunk_bytes) chunk_.resize(chunk_bytes);
  std::uint32_t crc = 0;
  std::uint64_t copied = 0;
  for (;;) {
    const std::size_t got = std::fread(chunk_.data(), 1, chunk_.size(), in.get());
    if (got > 0) {
      crc = detail::crc32_update(crc, chunk_.data(), got);
      file_->write(std::string_view(chunk_.data(), got));
      copied += got;
    }
    if (got < chunk_.size()) break;
  }
  if (std::ferror(in.get())) {
    const int code = errno;
    throw io_error(source.string(),
                   fmt::format("cannot read {}: {}", source.string(), detail::errno_text(code)));
  }
  if (copied != size)
    throw io_error(source.string(),
                   fmt::format("{} changed while it was added to {} ({} bytes expected, {} read)",
                               source.string(), file_->path().string(), size, copied));
  e.crc = crc;
  std::string crc_bytes;
  detail::zip::put32(crc_bytes, crc);
  file_->write_at(e.offset + 14, crc_bytes);
  entries_.push_back(std::move(e));
}

}  // namespace odesynth
