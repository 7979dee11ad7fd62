// odesynth/detail/atomic_folder.hpp - a dataset folder that appears complete or not at all.
//
// Files are written into a temporary folder beside the destination (".<name>.odesynth-tmp-
// <pid>-<n>", same file system) with plain writes (folder_file); commit() makes them durable
// at once (Linux syncfs, elsewhere one fsync per file), fsyncs the temporary folder, renames
// it to the final name, then fsyncs the parent. Without
// `overwrite` an existing destination is an io_error before any work; with it, the old
// folder is exchanged atomically with the new one (Linux renameat2 RENAME_EXCHANGE; elsewhere
// it is first renamed aside, leaving a short window with neither) and then deleted.
//
// A process killed mid-write leaves only its temporary folder; the next atomic_folder for the
// same destination removes temporaries whose process no longer exists. The destination rules
// and the clean-up are shared with atomic_file (detail/destination.hpp): an existing
// destination is replaced only if it is a real folder, never through a symbolic link.
#pragma once

#include <fmt/format.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>

#include "../error.hpp"
#include "atomic_file.hpp"
#include "destination.hpp"

#if ODESYNTH_DETAIL_POSIX_IO
#include <fcntl.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/syscall.h>
#endif
#endif

namespace odesynth::detail {

class atomic_folder {
 public:
  /// Checks the destination (parent exists and is a writable folder; destination absent or
  /// `overwrite`), removes stale temporaries of dead processes, creates the temporary folder.
  atomic_folder(std::filesystem::path path, bool overwrite)
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

  atomic_folder(const atomic_folder&) = delete;
  atomic_folder& operator=(const atomic_folder&) = delete;
  ~atomic_folder() { abandon(); }

  static constexpr std::string_view temp_marker = detail::temp_marker;

  const std::filesystem::path& path() const noexcept { return path_; }
  /// Where to write the files until commit().
  const std::filesystem::path& temp_path() const noexcept { return temp_; }

  void commit() {
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

  /// Deletes the temporary folder and everything in it; the destination is untouched.
  void abandon() noexcept {
    if (temp_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(temp_, ec);
    temp_.clear();
  }

  /// Removes ".<name>.odesynth-tmp-<pid>-<n>" folders and files in `parent` whose process has
  /// ended (left by a crash or a kill). Returns how many were removed.
  static std::size_t remove_stale_temporaries(const std::filesystem::path& parent,
                                              const std::string& name) {
    return detail::remove_stale_temporaries(parent, name);
  }

 private:
  static void sync(const std::filesystem::path& dir) noexcept {
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

  void sync_contents() {
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
        fail(fmt::format("cannot write {} (fsync failed: {})", it->path().string(),
                         errno_text(code)));
    }
#endif
  }

  void exchange_and_remove_old() {
    namespace fs = std::filesystem;
#if ODESYNTH_DETAIL_POSIX_IO && defined(__linux__) && defined(SYS_renameat2)
    constexpr unsigned rename_exchange = 2;  // RENAME_EXCHANGE from <linux/fs.h>
    if (::syscall(SYS_renameat2, AT_FDCWD, temp_.c_str(), AT_FDCWD, path_.c_str(),
                  rename_exchange) == 0) {
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

  [[noreturn]] void fail(const std::string& message) {
    abandon();
    throw io_error(path_.string(), message);
  }

  std::filesystem::path path_;
  std::filesystem::path temp_;
  bool overwrite_ = false;
};

/// A file written inside an atomic_folder's temporary folder: buffered, every write and the
/// close checked (an error names the file and the errno text), no fsync of its own (the
/// folder's commit syncs everything). Not committed -> removed.
class folder_file {
 public:
  explicit folder_file(std::filesystem::path path) : path_(std::move(path)) {
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
  folder_file(const folder_file&) = delete;
  folder_file& operator=(const folder_file&) = delete;
  ~folder_file() {
    if (!closed_) {
      close_quietly();
      std::error_code ec;
      std::filesystem::remove(path_, ec);
    }
  }

  const std::filesystem::path& path() const noexcept { return path_; }

  void write(std::string_view bytes) {
    buffer_.append(bytes.data(), bytes.size());
    if (buffer_.size() >= (std::size_t{1} << 20)) flush();
  }

  /// Flushes and closes; the file stays.
  void close() {
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

 private:
  void flush() {
#if ODESYNTH_DETAIL_POSIX_IO
    if (!write_fully(fd_, buffer_.data(), buffer_.size())) fail("write");
#else
    if (!buffer_.empty() && std::fwrite(buffer_.data(), 1, buffer_.size(), file_) != buffer_.size())
      fail("write");
#endif
    buffer_.clear();
  }
  void close_quietly() noexcept {
#if ODESYNTH_DETAIL_POSIX_IO
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
#else
    if (file_) std::fclose(file_);
    file_ = nullptr;
#endif
  }
  [[noreturn]] void fail(const char* operation) {
    const int code = errno;
    close_quietly();
    closed_ = true;
    std::error_code ec;
    std::filesystem::remove(path_, ec);
    throw io_error(path_.string(), fmt::format("cannot write {} ({} failed: {})", path_.string(),
                                               operation, errno_text(code)));
  }

  std::filesystem::path path_;
  std::string buffer_;
  bool closed_ = false;
#if ODESYNTH_DETAIL_POSIX_IO
  int fd_ = -1;
#else
  std::FILE* file_ = nullptr;
#endif
};

}  // namespace odesynth::detail
