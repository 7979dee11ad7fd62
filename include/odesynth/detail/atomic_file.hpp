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

#include <fmt/format.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "../error.hpp"
#include "destination.hpp"

#if ODESYNTH_DETAIL_POSIX_IO
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#else
#include <cstdio>
#endif

namespace odesynth::detail {

#if ODESYNTH_DETAIL_POSIX_IO
/// Writes all `size` bytes, again after a short write or a signal: at the descriptor's
/// position, or at `offset` (pwrite) when it is given. False, with errno set, on an error.
inline bool write_fully(int fd, const char* p, std::size_t size,
                        const std::uint64_t* offset = nullptr) noexcept {
  std::uint64_t at = offset ? *offset : 0;
  while (size > 0) {
    const ssize_t w = offset ? ::pwrite(fd, p, size, static_cast<off_t>(at)) : ::write(fd, p, size);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    at += static_cast<std::uint64_t>(w);
    size -= static_cast<std::size_t>(w);
  }
  return true;
}
#endif

class atomic_file {
 public:
  static constexpr std::string_view temp_marker = detail::temp_marker;

  /// Opens a temporary file beside `path`, after removing stale temporaries of killed
  /// writers of `path`. Throws io_error if the folder is missing or not writable, if `path`
  /// exists and `overwrite` is false, or if `path` is anything but a regular file.
  /// `durable = false` skips the fsyncs (still renamed into place atomically): for files
  /// inside an atomic_folder, whose commit syncs everything at once.
  atomic_file(std::filesystem::path path, bool overwrite, bool durable = true)
      : path_(std::move(path)), overwrite_(overwrite), durable_(durable) {
    const std::filesystem::path dir = check_destination(path_, destination_kind::file, overwrite_);
    const std::string name = path_.filename().string();
    // One pass over the folder's entries (about 0.17 us each: 17 ms for 100,000 files, next to
    // 1-7 ms for the fsyncs of a durable write), the price of never leaving a killed writer's
    // temporary behind.
    remove_stale_temporaries(dir, name);
    temp_ = temporary_path(dir, name);
    open_temp();
  }

  atomic_file(const atomic_file&) = delete;
  atomic_file& operator=(const atomic_file&) = delete;

  ~atomic_file() { abandon(); }

  const std::filesystem::path& path() const noexcept { return path_; }
  const std::filesystem::path& temp_path() const noexcept { return temp_; }

  void write(std::string_view bytes) {
    if (bytes.size() >= flush_threshold) {
      flush_buffer();
      write_all(bytes.data(), bytes.size());
      return;
    }
    buffer_.append(bytes.data(), bytes.size());
    if (buffer_.size() >= flush_threshold) flush_buffer();
  }

  /// Bytes written so far (including those still buffered).
  std::uint64_t size() const noexcept { return written_ + buffer_.size(); }

  /// Overwrites bytes already written, `offset` bytes from the start; cannot extend the file.
  /// Patches in the buffer when it can, else flushes and writes at the position.
  void write_at(std::uint64_t offset, std::string_view bytes) {
    if (offset > size() || bytes.size() > size() - offset)
      throw_invalid("atomic_file.write_at.offset", offset,
                    fmt::format("a range of {} bytes inside the {} bytes written to {}",
                                bytes.size(), size(), path_.string()));
    if (bytes.empty()) return;
    if (offset >= written_) {
      std::memcpy(buffer_.data() + (offset - written_), bytes.data(), bytes.size());
      return;
    }
    flush_buffer();
#if ODESYNTH_DETAIL_POSIX_IO
    if (!write_fully(fd_, bytes.data(), bytes.size(), &offset)) fail_errno("pwrite");
#else
    if (!seek(offset) || std::fwrite(bytes.data(), 1, bytes.size(), file_) != bytes.size() ||
        !seek(written_))
      fail_errno("write");
#endif
  }

  /// Hands the buffered bytes to the operating system, so that reading temp_path() sees
  /// everything written so far. Not a durability point (commit() is).
  void flush() {
    flush_buffer();
#if !ODESYNTH_DETAIL_POSIX_IO
    if (std::fflush(file_) != 0) fail_errno("write");
#endif
  }

  /// Makes the content visible under the final name. After this the object is inert.
  void commit() {
    flush_buffer();
#if ODESYNTH_DETAIL_POSIX_IO
    if (durable_ && ::fsync(fd_) != 0) fail_errno("fsync");
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail_errno("close");
    if (overwrite_) {
      // Checked again just before the rename: a FIFO or link made while the file was written
      // is not replaced either (rename() would take its place without a word).
      try {
        check_replaceable(path_, destination_kind::file, true);
      } catch (...) {
        abandon();
        throw;
      }
      if (::rename(temp_.c_str(), path_.c_str()) != 0) fail_errno("rename");
    } else if (::link(temp_.c_str(), path_.c_str()) == 0) {
      ::unlink(temp_.c_str());
    } else if (errno == EEXIST) {
      fail_message(
          fmt::format("{} already exists (pass overwrite = true to replace it)", path_.string()));
    } else {
      // File systems without hard links: best effort check-then-rename.
      try {
        check_replaceable(path_, destination_kind::file, false);
      } catch (...) {
        abandon();
        throw;
      }
      if (::rename(temp_.c_str(), path_.c_str()) != 0) fail_errno("rename");
    }
    committed_ = true;
    if (durable_) sync_folder();
#else
    if (std::fclose(file_) != 0) {
      file_ = nullptr;
      fail_errno("close");
    }
    file_ = nullptr;
    try {
      check_replaceable(path_, destination_kind::file, overwrite_);
    } catch (...) {
      abandon();
      throw;
    }
    std::error_code ec;
    std::filesystem::rename(temp_, path_, ec);
    if (ec)
      fail_message(
          fmt::format("cannot rename {} to {}: {}", temp_.string(), path_.string(), ec.message()));
    committed_ = true;
#endif
  }

  /// Removes the temporary file; the final name is untouched.
  void abandon() noexcept {
    if (committed_) return;
#if ODESYNTH_DETAIL_POSIX_IO
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!temp_.empty()) ::unlink(temp_.c_str());
#else
    if (file_) std::fclose(file_);
    file_ = nullptr;
    std::error_code ec;
    if (!temp_.empty()) std::filesystem::remove(temp_, ec);
#endif
    committed_ = true;
  }

 private:
  static constexpr std::size_t flush_threshold = std::size_t{1} << 20;

  void open_temp() {
#if ODESYNTH_DETAIL_POSIX_IO
    fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      const int code = errno;
      temp_.clear();  // nothing to clean up
      throw io_error(path_.string(), fmt::format("cannot create a file in the folder of {}: {}",
                                                 path_.string(), errno_text(code)));
    }
#else
    file_ = std::fopen(temp_.string().c_str(), "wb");
    if (!file_) {
      temp_.clear();
      throw io_error(path_.string(),
                     fmt::format("cannot create a file in the folder of {}", path_.string()));
    }
#endif
  }

  void flush_buffer() {
    write_all(buffer_.data(), buffer_.size());
    buffer_.clear();
  }

  void write_all(const char* p, std::size_t left) {
#if ODESYNTH_DETAIL_POSIX_IO
    if (!write_fully(fd_, p, left)) fail_errno("write");
#else
    if (left > 0 && std::fwrite(p, 1, left, file_) != left) fail_errno("write");
#endif
    written_ += left;
  }

#if !ODESYNTH_DETAIL_POSIX_IO
  bool seek(std::uint64_t offset) noexcept {
#if defined(_WIN32)
    return ::_fseeki64(file_, static_cast<long long>(offset), SEEK_SET) == 0;
#else
    return std::fseek(file_, static_cast<long>(offset), SEEK_SET) == 0;
#endif
  }
#endif

  void sync_folder() noexcept {
#if ODESYNTH_DETAIL_POSIX_IO
    std::filesystem::path dir = path_.parent_path();
    if (dir.empty()) dir = ".";
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      ::fsync(dfd);  // best effort: some file systems refuse fsync on folders
      ::close(dfd);
    }
#endif
  }

  [[noreturn]] void fail_errno(const char* operation) {
    const int code = errno;
    fail_message(fmt::format("cannot write {} ({} failed: {})", path_.string(), operation,
                             errno_text(code)));
  }

  [[noreturn]] void fail_message(const std::string& message) {
    abandon();
    throw io_error(path_.string(), message);
  }

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
