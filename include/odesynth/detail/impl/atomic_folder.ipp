// odesynth/detail/impl/atomic_folder.ipp - the non-template code of detail/atomic_folder.hpp,
// compiled in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <system_error>
#include <utility>

#include "../../error.hpp"
#include "../atomic_folder.hpp"

#if ODESYNTH_DETAIL_POSIX_IO
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#endif

namespace odesynth::detail {

ODESYNTH_INLINE folder_file::folder_file(std::filesystem::path path) : path_(std::move(path)) {
#if ODESYNTH_DETAIL_POSIX_IO
  fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    const int code = errno;
    throw io_error(path_.string(),
                   fmt::format("cannot create {}: {}", path_.string(), errno_text(code)));
  }
#else
  file_ = std::fopen(path_.string().c_str(), "wb");
  if (!file_) throw io_error(path_.string(), fmt::format("cannot create {}", path_.string()));
#endif
}

ODESYNTH_INLINE folder_file::~folder_file() {
  if (!closed_) {
    close_quietly();
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
}

ODESYNTH_INLINE void folder_file::write(std::string_view bytes) {
  buffer_.append(bytes.data(), bytes.size());
  if (buffer_.size() >= (std::size_t{1} << 20)) flush();
}

ODESYNTH_INLINE void folder_file::close() {
  flush();
  closed_ = true;
#if ODESYNTH_DETAIL_POSIX_IO
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) fail("close");
#else
  std::FILE* f = file_;
  file_ = nullptr;
  if (std::fclose(f) != 0) fail("close");
#endif
}

ODESYNTH_INLINE void folder_file::flush() {
#if ODESYNTH_DETAIL_POSIX_IO
  if (!write_fully(fd_, buffer_.data(), buffer_.size())) fail("write");
#else
  if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
    fail("write");
#endif
  buffer_.clear();
}

ODESYNTH_INLINE void folder_file::close_quietly() noexcept {
#if ODESYNTH_DETAIL_POSIX_IO
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
#else
  if (file_) std::fclose(file_);
  file_ = nullptr;
#endif
}

ODESYNTH_INLINE void folder_file::fail(const char* operation) {
  const int code = errno;
  close_quietly();
  closed_ = true;
  std::error_code ec;
  std::filesystem::remove(path_, ec);
  throw io_error(path_.string(), fmt::format("cannot write {} ({} failed: {})", path_.string(),
                                             operation, errno_text(code)));
}

ODESYNTH_INLINE atomic_folder::atomic_folder(std::filesystem::path path, bool overwrite)
    : path_(std::move(path)), overwrite_(overwrite) {
  namespace fs = std::filesystem;
  // "a/b/" -> "a/b"; "/" stays itself (its parent is itself) and is refused as a name.
  while (!path_.empty() && path_.filename().empty() && path_.parent_path() != path_)
    path_ = path_.parent_path();
  const fs::path parent = check_destination(path_, destination_kind::folder, overwrite_);
  const std::string name = path_.filename().string();
  remove_stale_temporaries(parent, name);
  temp_ = temporary_path(parent, name);
  std::error_code ec;
  if (!fs::create_directory(temp_, ec) || ec) {
    const std::string why = ec ? ec.message() : "it already exists";
    temp_.clear();
    throw io_error(path_.string(), fmt::format("cannot create a temporary folder beside {}: {}",
                                               path_.string(), why));
  }
}

ODESYNTH_INLINE void atomic_folder::commit() {
  namespace fs = std::filesystem;
  sync_contents();
  sync(temp_);
  const std::string existing = describe_entry(path_);
  if (existing.empty()) {
    if (::rename(temp_.c_str(), path_.c_str()) != 0) {
      const int code = errno;
      fail(fmt::format("cannot move the finished dataset to {}: {}", path_.string(),
                       errno_text(code)));
    }
  } else {
    if (!overwrite_)
      fail(
          fmt::format("{} appeared while the dataset was written (pass overwrite = true to "
                      "replace it)",
                      path_.string()));
    // Checked again: a link or file put there while the dataset was written is not
    // exchanged with it (renameat2 would swap them without a word).
    if (existing != "a folder")
      fail(
          fmt::format("{} exists and is not a folder (it is {}); not replacing it with a "
                      "dataset folder",
                      path_.string(), existing));
    exchange_and_remove_old();
  }
  temp_.clear();
  fs::path parent = path_.parent_path();
  sync(parent.empty() ? fs::path(".") : parent);
}

ODESYNTH_INLINE void atomic_folder::abandon() noexcept {
  if (temp_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(temp_, ec);
  temp_.clear();
}

ODESYNTH_INLINE void atomic_folder::sync(const std::filesystem::path& dir) noexcept {
#if ODESYNTH_DETAIL_POSIX_IO
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // best effort: some file systems refuse fsync on folders
    ::close(dfd);
  }
#else
  (void)dir;
#endif
}

ODESYNTH_INLINE void atomic_folder::sync_contents() {
#if ODESYNTH_DETAIL_POSIX_IO && defined(__linux__)
  const int dfd = ::open(temp_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    const int rc = ::syncfs(dfd);
    const int code = errno;
    ::close(dfd);
    if (rc != 0)
      fail(fmt::format("cannot write {} (syncfs failed: {})", path_.string(), errno_text(code)));
    return;
  }
#endif
#if ODESYNTH_DETAIL_POSIX_IO
  namespace fs = std::filesystem;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(temp_, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    const int fd = ::open(it->path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    const int rc = ::fsync(fd);
    const int code = errno;
    ::close(fd);
    if (rc != 0)
      fail(
          fmt::format("cannot write {} (fsync failed: {})", it->path().string(), errno_text(code)));
  }
#endif
}

ODESYNTH_INLINE void atomic_folder::exchange_and_remove_old() {
  namespace fs = std::filesystem;
#if ODESYNTH_DETAIL_POSIX_IO && defined(__linux__) && defined(SYS_renameat2)
  constexpr unsigned rename_exchange = 2;  // RENAME_EXCHANGE from <linux/fs.h>
  if (::syscall(SYS_renameat2, AT_FDCWD, temp_.c_str(), AT_FDCWD, path_.c_str(), rename_exchange) ==
      0) {
    std::error_code ec;
    fs::remove_all(temp_, ec);  // now holds the old dataset
    return;
  }
#endif
  // Fallback: move the old folder aside, move the new one in, delete the old one.
  const fs::path aside = fs::path(temp_.string() + "-old");
  if (::rename(path_.c_str(), aside.c_str()) != 0) {
    const int code = errno;
    fail(fmt::format("cannot replace {}: {}", path_.string(), errno_text(code)));
  }
  if (::rename(temp_.c_str(), path_.c_str()) != 0) {
    const int code = errno;
    ::rename(aside.c_str(), path_.c_str());  // put the old dataset back
    fail(fmt::format("cannot move the finished dataset to {}: {}", path_.string(),
                     errno_text(code)));
  }
  std::error_code ec;
  fs::remove_all(aside, ec);
}

ODESYNTH_INLINE void atomic_folder::fail(const std::string& message) {
  abandon();
  throw io_error(path_.string(), message);
}

}  // namespace odesynth::detail
