// odesynth/detail/impl/atomic_file.ipp - the non-template code of detail/atomic_file.hpp, compiled
// in every file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "../../error.hpp"
#include "../atomic_file.hpp"

#if ODESYNTH_DETAIL_POSIX_IO
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace odesynth::detail {

#if ODESYNTH_DETAIL_POSIX_IO
ODESYNTH_INLINE bool write_fully(int fd, const char* p, std::size_t size,
                                 const std::uint64_t* offset) noexcept {
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

ODESYNTH_INLINE atomic_file::atomic_file(std::filesystem::path path, bool overwrite, bool durable)
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

ODESYNTH_INLINE void atomic_file::write(std::string_view bytes) {
  if (bytes.size() >= flush_threshold) {
    flush_buffer();
    write_all(bytes.data(), bytes.size());
    return;
  }
  buffer_.append(bytes.data(), bytes.size());
  if (buffer_.size() >= flush_threshold) flush_buffer();
}

ODESYNTH_INLINE void atomic_file::write_at(std::uint64_t offset, std::string_view bytes) {
  if (offset > size() || bytes.size() > size() - offset)
    throw_invalid("atomic_file.write_at.offset", offset,
                  fmt::format("a range of {} bytes inside the {} bytes written to {}", bytes.size(),
                              size(), path_.string()));
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

ODESYNTH_INLINE void atomic_file::flush() {
  flush_buffer();
#if !ODESYNTH_DETAIL_POSIX_IO
  if (std::fflush(file_) != 0) fail_errno("write");
#endif
}

ODESYNTH_INLINE void atomic_file::commit() {
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

ODESYNTH_INLINE void atomic_file::abandon() noexcept {
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

ODESYNTH_INLINE void atomic_file::open_temp() {
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

ODESYNTH_INLINE void atomic_file::flush_buffer() {
  write_all(buffer_.data(), buffer_.size());
  buffer_.clear();
}

ODESYNTH_INLINE void atomic_file::write_all(const char* p, std::size_t left) {
#if ODESYNTH_DETAIL_POSIX_IO
  if (!write_fully(fd_, p, left)) fail_errno("write");
#else
  if (left > 0 && std::fwrite(p, 1, left, file_) != left) fail_errno("write");
#endif
  written_ += left;
}

#if !ODESYNTH_DETAIL_POSIX_IO
ODESYNTH_INLINE bool atomic_file::seek(std::uint64_t offset) noexcept {
#if defined(_WIN32)
  return ::_fseeki64(file_, static_cast<long long>(offset), SEEK_SET) == 0;
#else
  return std::fseek(file_, static_cast<long>(offset), SEEK_SET) == 0;
#endif
}
#endif

ODESYNTH_INLINE void atomic_file::sync_folder() noexcept {
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

ODESYNTH_INLINE void atomic_file::fail_errno(const char* operation) {
  const int code = errno;
  fail_message(
      fmt::format("cannot write {} ({} failed: {})", path_.string(), operation, errno_text(code)));
}

ODESYNTH_INLINE void atomic_file::fail_message(const std::string& message) {
  abandon();
  throw io_error(path_.string(), message);
}

}  // namespace odesynth::detail
