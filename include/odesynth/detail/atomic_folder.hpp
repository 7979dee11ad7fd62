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

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "atomic_file.hpp"
#include "config.hpp"
#include "destination.hpp"

#if !ODESYNTH_DETAIL_POSIX_IO
#include <cstdio>
#endif

namespace odesynth::detail {

class atomic_folder {
 public:
  /// Checks the destination (parent exists and is a writable folder; destination absent or
  /// `overwrite`), removes stale temporaries of dead processes, creates the temporary folder.
  atomic_folder(std::filesystem::path path, bool overwrite);

  atomic_folder(const atomic_folder&) = delete;
  atomic_folder& operator=(const atomic_folder&) = delete;
  ~atomic_folder() { abandon(); }

  static constexpr std::string_view temp_marker = detail::temp_marker;

  const std::filesystem::path& path() const noexcept { return path_; }
  /// Where to write the files until commit().
  const std::filesystem::path& temp_path() const noexcept { return temp_; }

  void commit();

  /// Deletes the temporary folder and everything in it; the destination is untouched.
  void abandon() noexcept;

  /// Removes ".<name>.odesynth-tmp-<pid>-<n>" folders and files in `parent` whose process has
  /// ended (left by a crash or a kill). Returns how many were removed.
  static std::size_t remove_stale_temporaries(const std::filesystem::path& parent,
                                              const std::string& name) {
    return detail::remove_stale_temporaries(parent, name);
  }

 private:
  static void sync(const std::filesystem::path& dir) noexcept;

  void sync_contents();

  void exchange_and_remove_old();

  [[noreturn]] void fail(const std::string& message);

  std::filesystem::path path_;
  std::filesystem::path temp_;
  bool overwrite_ = false;
};

/// A file written inside an atomic_folder's temporary folder: buffered, every write and the
/// close checked (an error names the file and the errno text), no fsync of its own (the
/// folder's commit syncs everything). Not committed -> removed.
class folder_file {
 public:
  explicit folder_file(std::filesystem::path path);
  folder_file(const folder_file&) = delete;
  folder_file& operator=(const folder_file&) = delete;
  ~folder_file();

  const std::filesystem::path& path() const noexcept { return path_; }

  void write(std::string_view bytes);

  /// Flushes and closes; the file stays.
  void close();

 private:
  void flush();
  void close_quietly() noexcept;
  [[noreturn]] void fail(const char* operation);

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

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/atomic_folder.ipp"
#endif
