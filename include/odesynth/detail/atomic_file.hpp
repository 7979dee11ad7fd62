// odesynth/detail/atomic_file.hpp - write a file so that its final name holds either nothing
// or the complete content, never a half-written file.
//
// The bytes go to a temporary file in the destination folder (same file system, so the final
// step is a rename, not a copy), which is flushed, fsync'ed and closed with every return code
// checked; then it is renamed into place and the folder is fsync'ed so the rename itself
// survives a power cut. Without `overwrite`, the final step is link() + unlink(), which fails
// atomically if the name was taken in the meantime. The destination rules are those of every
// odesynth writer (detail/destination.hpp): with `overwrite` only a regular file is replaced,
// never a symbolic link, FIFO, device, socket or folder. Temporary files are named
// ".<name>.odesynth-tmp-<pid>-<n>"; those of killed writers are removed by the next writer of
// the same path.
//
// Writes are buffered (1 MiB) so that small writes cost no system call; a write at least as
// large as the buffer goes straight to the file, saving a copy. write_at() overwrites bytes
// already written (a header whose final values are known only at the end: .npy, ZIP), and
// flush() + temp_path() let the content be read back before commit().
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "config.hpp"
#include "destination.hpp"

#if !ODESYNTH_DETAIL_POSIX_IO
#include <cstdio>
#endif

namespace odesynth::detail {

#if ODESYNTH_DETAIL_POSIX_IO
/// Writes all `size` bytes, again after a short write or a signal: at the descriptor's
/// position, or at `offset` (pwrite) when it is given. False, with errno set, on an error.
ODESYNTH_INLINE bool write_fully(int fd, const char* p, std::size_t size,
                                 const std::uint64_t* offset = nullptr) noexcept;
#endif

class atomic_file {
 public:
  static constexpr std::string_view temp_marker = detail::temp_marker;

  /// Opens a temporary file beside `path`, after removing stale temporaries of killed
  /// writers of `path`. Throws io_error if the folder is missing or not writable, if `path`
  /// exists and `overwrite` is false, or if `path` is anything but a regular file.
  /// `durable = false` skips the fsyncs (still renamed into place atomically): for files
  /// inside an atomic_folder, whose commit syncs everything at once.
  atomic_file(std::filesystem::path path, bool overwrite, bool durable = true);

  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;

  ~atomic_file() { abandon(); }

  const std::filesystem::path& path() const noexcept { return path_; }
  const std::filesystem::path& temp_path() const noexcept { return temp_; }

  void write(std::string_view bytes);

  /// Bytes written so far (including those still buffered).
  std::uint64_t size() const noexcept { return written_ + buffer_.size(); }

  /// Overwrites bytes already written, `offset` bytes from the start; cannot extend the file.
  /// Patches in the buffer when it can, else flushes and writes at the position.
  void write_at(std::uint64_t offset, std::string_view bytes);

  /// Hands the buffered bytes to the operating system, so that reading temp_path() sees
  /// everything written so far. Not a durability point (commit() is).
  void flush();

  /// Makes the content visible under the final name. After this the object is inert.
  void commit();

  /// Removes the temporary file; the final name is untouched.
  void abandon() noexcept;

 private:
  static constexpr std::size_t flush_threshold = std::size_t{1} << 20;

  void open_temp();

  void flush_buffer();

  void write_all(const char* p, std::size_t left);

#if !ODESYNTH_DETAIL_POSIX_IO
  bool seek(std::uint64_t offset) noexcept;
#endif

  void sync_folder() noexcept;

  [[noreturn]] void fail_errno(const char* operation);

  [[noreturn]] void fail_message(const std::string& message);

  std::filesystem::path path_;
  std::filesystem::path temp_;
  bool overwrite_;
  bool durable_ = true;
  bool committed_ = false;
  std::string buffer_;
  std::uint64_t written_ = 0;  ///< bytes handed to the operating system
#if ODESYNTH_DETAIL_POSIX_IO
  int fd_ = -1;
#else
  std::FILE* file_ = nullptr;
#endif
};

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/atomic_file.ipp"
#endif
