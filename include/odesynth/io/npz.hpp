// odesynth/io/npz.hpp - NumPy's .npz: a ZIP archive of .npy members, written and read by our
// own code (no zlib, no Python).
//
// Why it is written the way it is:
// - Members are "stored" (method 0), as numpy.savez does: compressing noisy floating-point
//   values gains little and costs much CPU, and a stored member is its .npy bytes as they are.
// - CRC-32 (the ZIP/zlib polynomial 0xEDB88320) comes from our slicing-by-8 tables, built at
//   compile time, computed while the bytes are copied.
// - ZIP64 records are written for a member whose size or header offset, or a central
//   directory whose size, offset or entry count, reaches the 32-bit (16-bit for counts)
//   limit, so datasets beyond 4 GiB are valid archives; smaller archives are plain ZIP 2.0,
//   which every reader knows. detail::zip_layout lowers the limit so tests reach that code.
// - Every timestamp is 1980-01-01 00:00 (the first DOS date): the same arrays always make
//   the same archive bytes, which keeps datasets reproducible byte for byte.
// - add_file() copies a file in 1 MiB chunks (constant memory). add_npy() takes a streaming
//   npy_writer's temporary file as it is - header patched, no fsync, no rename - so a tensor
//   streamed to disk is written once and copied once. A member's local header is written
//   before its CRC is known and patched afterwards (atomic_file::write_at), so there is no
//   data descriptor and both headers carry the sizes and the CRC.
// - The archive itself is written like any odesynth file (detail/atomic_file.hpp): complete
//   under its final name at commit(), or absent.
// - npz_reader is a small strict reader of stored members (for tests and tools): member
//   names, bytes (CRC checked) and arrays; malformed input is a parse_error whose column is
//   the 1-based byte offset (line 1).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../detail/atomic_file.hpp"
#include "../detail/config.hpp"
#include "npy.hpp"

namespace odesynth {

namespace detail {

// ---- CRC-32 ----

struct crc32_tables {
  std::uint32_t table[8][256];
};

/// table[0] is the classic byte-at-a-time table; table[k] advances a byte through k more
/// zero bytes, which lets crc32_update consume 8 bytes per step.
constexpr crc32_tables make_crc32_tables() {
  crc32_tables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t.table[0][i] = c;
  }
  for (std::uint32_t i = 0; i < 256; ++i)
    for (int k = 1; k < 8; ++k)
      t.table[k][i] = (t.table[k - 1][i] >> 8) ^ t.table[0][t.table[k - 1][i] & 0xFF];
  return t;
}

inline constexpr crc32_tables crc32_table = make_crc32_tables();

/// Continues a CRC-32 over more bytes: crc32_update(crc32_update(0, a), b) == crc32(a + b).
ODESYNTH_INLINE std::uint32_t crc32_update(std::uint32_t crc, const void* data,
                                           std::size_t size) noexcept;

inline std::uint32_t crc32(std::string_view bytes) noexcept {
  return crc32_update(0, bytes.data(), bytes.size());
}

// ---- ZIP records ----

/// When ZIP64 records are used. The defaults are the format's limits; tests lower them to
/// exercise ZIP64 without writing 4 GiB.
struct zip_layout {
  std::uint64_t zip64_threshold = 0xFFFFFFFFu;    ///< sizes and offsets >= this go to ZIP64
  std::uint64_t zip64_count_threshold = 0xFFFFu;  ///< entry counts >= this go to ZIP64
};

namespace zip {

inline constexpr std::uint32_t local_signature = 0x04034b50;
inline constexpr std::uint32_t central_signature = 0x02014b50;
inline constexpr std::uint32_t end_signature = 0x06054b50;
inline constexpr std::uint32_t end64_signature = 0x06064b50;
inline constexpr std::uint32_t locator64_signature = 0x07064b50;
inline constexpr std::uint16_t zip64_extra_id = 0x0001;
inline constexpr std::uint16_t version_plain = 20;  // 2.0: stored members, folders
inline constexpr std::uint16_t version_zip64 = 45;  // 4.5: ZIP64
inline constexpr std::uint16_t made_by_unix = 3 << 8;
inline constexpr std::uint16_t flag_utf8 = 1 << 11;
inline constexpr std::uint16_t dos_date_1980_01_01 = (0 << 9) | (1 << 5) | 1;
inline constexpr std::uint16_t dos_time_midnight = 0;
inline constexpr std::uint32_t unix_file_rw_r_r = 0100644u << 16;  // regular file, 0644
inline constexpr std::size_t local_header_size = 30;
inline constexpr std::size_t central_header_size = 46;
inline constexpr std::size_t end_size = 22;
inline constexpr std::size_t end64_size = 56;
inline constexpr std::size_t locator64_size = 20;
inline constexpr std::uint32_t max32 = 0xFFFFFFFFu;
inline constexpr std::uint16_t max16 = 0xFFFFu;

inline void put16(std::string& out, std::uint16_t v) {
  for (int i = 0; i < 2; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline void put32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}
inline void put64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
}

inline std::uint64_t get_le(std::string_view bytes, std::size_t at, std::size_t width) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < width; ++i)
    v |= std::uint64_t{static_cast<unsigned char>(bytes[at + i])} << (8 * i);
  return v;
}

struct entry {
  std::string name;
  std::uint32_t crc = 0;
  std::uint64_t size = 0;
  std::uint64_t offset = 0;  ///< of the local header
  bool zip64_sizes = false;
  bool zip64_offset = false;
  bool utf8 = false;
  std::uint16_t version() const noexcept {
    return zip64_sizes || zip64_offset ? version_zip64 : version_plain;
  }
  std::uint16_t flags() const noexcept { return utf8 ? flag_utf8 : 0; }
};

/// The fields the local and the central header share, from "version needed to extract" to
/// "file name length".
ODESYNTH_INLINE void put_shared_fields(std::string& out, const entry& e);

/// The local header; its CRC (bytes 14-17) may be a placeholder patched later.
ODESYNTH_INLINE std::string local_header(const entry& e);

ODESYNTH_INLINE void append_central_header(std::string& out, const entry& e);

/// Checks a member name: what numpy.load and unzip would store and extract safely.
ODESYNTH_INLINE void validate_member_name(std::string_view name, const std::vector<entry>& entries);

}  // namespace zip
}  // namespace detail

/// Writes a .npz archive member by member; it appears under `path` at commit(), complete.
/// Member names are stored as given: numpy.load lists a member "values.npy" as "values", so
/// give .npy members that suffix. Throws io_error at construction if the folder is missing
/// or `path` exists and `overwrite` is false.
///
/// Typical dataset use: stream each tensor with an npy_writer made beside the archive
/// (any path, overwrite = true - it is never committed), then add_npy() each writer.
class npz_writer {
 public:
  explicit npz_writer(std::filesystem::path path, bool overwrite = false,
                      detail::zip_layout layout = {})
      : layout_(layout), file_(std::make_unique<detail::atomic_file>(std::move(path), overwrite)) {}

  npz_writer(npz_writer&&) noexcept = default;
  npz_writer& operator=(npz_writer&&) noexcept = default;
  ~npz_writer() = default;  // an uncommitted archive removes its temporary file

  /// Stores the bytes of an existing file (e.g. a .npy) as member `member_name`, copying in
  /// 1 MiB chunks. io_error names `file` if it cannot be read or changes size meanwhile.
  void add_file(std::string member_name, const std::filesystem::path& file);

  /// Stores a streamed array: patches `writer`'s header with its row count and copies its
  /// temporary file, which is then removed. The writer's own path is never created, and the
  /// writer accepts nothing more.
  void add_npy(std::string member_name, npy_writer& writer);

  /// Stores bytes held in memory (e.g. a small JSON description).
  void add_bytes(std::string member_name, std::string_view bytes);

  /// Stores a small array held in memory as a .npy member (conversions as npy_writer).
  void add_array(std::string member_name, npy_dtype dtype, const std::vector<std::size_t>& shape,
                 const double* data) {
    add_bytes(std::move(member_name),
              detail::npy_bytes(dtype, shape, data, "npz_writer.add_array"));
  }
  void add_array(std::string member_name, const std::vector<std::size_t>& shape, const bool* data) {
    add_bytes(std::move(member_name),
              detail::npy_bytes(npy_dtype::boolean, shape, data, "npz_writer.add_array"));
  }
  void add_array(std::string member_name, npy_dtype dtype, const std::vector<std::size_t>& shape,
                 const std::int64_t* data) {
    add_bytes(std::move(member_name),
              detail::npy_bytes(dtype, shape, data, "npz_writer.add_array"));
  }

  std::size_t size() const noexcept { return entries_.size(); }
  std::filesystem::path path() const { return file_ ? file_->path() : std::filesystem::path(); }

  /// Writes the central directory and moves the archive into place (fsync, rename).
  void commit();

 private:
  void require_open() const;

  detail::zip::entry new_entry(std::string name, std::uint64_t size) const;

  /// Copies `size` bytes of `source` as a new member, CRC computed on the way and patched
  /// into the local header afterwards.
  void copy_member(std::string name, const std::filesystem::path& source, std::uint64_t size);

  static constexpr std::size_t chunk_bytes = std::size_t{1} << 20;

  detail::zip_layout layout_;
  std::unique_ptr<detail::atomic_file> file_;
  std::vector<detail::zip::entry> entries_;
  std::vector<char> chunk_;  ///< copy buffer, allocated at the first copy
  bool committed_ = false;
};

/// Reads the members of a ZIP archive of stored members (a .npz written by npz_writer or
/// numpy.savez): names, bytes with their CRC checked, and .npy members as arrays. Compressed,
/// encrypted or multi-disk archives are a parse_error.
class npz_reader {
 public:
  struct member {
    std::string name;
    std::uint64_t size = 0;
    std::uint32_t crc32 = 0;
    std::uint64_t header_offset = 0;
  };

  explicit npz_reader(std::filesystem::path path);

  const std::vector<member>& members() const noexcept { return members_; }

  std::vector<std::string> names() const;

  /// The bytes of a member; parse_error if its CRC-32 does not match.
  std::string read_bytes(std::string_view name);

  /// A .npy member as an array; errors inside it name "<archive>/<member>" and its offset.
  npy_array read_array(std::string_view name);

 private:
  [[noreturn]] void fail(std::uint64_t at, std::string_view what) const;

  std::string read_at(std::uint64_t offset, std::uint64_t size, std::string_view what);

  const member& find(std::string_view name) const;

  [[noreturn]] void throw_missing(std::string_view name) const;

  void read_central_directory();

  std::filesystem::path path_;
  std::ifstream in_;
  std::uint64_t size_ = 0;
  std::uint64_t cd_offset_ = 0;
  std::vector<member> members_;
};

/// The member names of a .npz (ZIP) archive, in archive order.
ODESYNTH_INLINE std::vector<std::string> read_npz_member_names(const std::filesystem::path& path);

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/npz.ipp"
#endif
