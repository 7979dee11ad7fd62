// odesynth/detail/destination.hpp - what every atomic writer checks and cleans before it
// writes: the destination, its folder, and temporaries that killed writers left beside it.
//
// One set of rules for files (atomic_file) and dataset folders (atomic_folder):
// - the destination names an entry ("x.csv", "out/d"), whose folder exists, is a folder and
//   is writable;
// - an existing destination is replaced only with `overwrite`, and only by its own kind: a
//   regular file by a file, a real folder by a dataset folder. A symbolic link is never
//   followed or replaced (the write would land in, or take the place of, whatever it points
//   to), nor a FIFO, device or socket (a rename would swap a regular file in for it);
// - temporaries are named ".<name>.odesynth-tmp-<pid>-<n>" beside the destination. One whose
//   process no longer exists was left by a crash or a kill and is removed by the next writer
//   of the same destination; one of a live process (another writer, or another thread of
//   this one) is left alone. Only names of exactly that form are touched.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "config.hpp"

// The POSIX headers themselves are included by the .ipp files that call the system.
#if defined(__unix__) || defined(__APPLE__)
#define ODESYNTH_DETAIL_POSIX_IO 1
#else
#define ODESYNTH_DETAIL_POSIX_IO 0
#endif

namespace odesynth::detail {

ODESYNTH_INLINE std::string errno_text(int code);

/// The marker in temporary names: ".<name>" + temp_marker + "<pid>-<n>".
inline constexpr std::string_view temp_marker = ".odesynth-tmp-";

enum class destination_kind { file, folder };

/// What the entry at `path` is, as words for a message ("a FIFO"); "" if there is none.
/// Symbolic links are not followed.
ODESYNTH_INLINE std::string describe_entry(const std::filesystem::path& path);

/// Throws io_error naming `path` unless an existing entry there may be replaced by a new
/// one of `kind`: nothing there, or `overwrite` and an entry of the same kind (not a link).
ODESYNTH_INLINE void check_replaceable(const std::filesystem::path& path, destination_kind kind,
                                       bool overwrite);

/// Checks a destination before anything is written (see the rules at the top) and returns
/// the folder it is in ("." for a bare name).
ODESYNTH_INLINE std::filesystem::path check_destination(const std::filesystem::path& path,
                                                        destination_kind kind, bool overwrite);

ODESYNTH_INLINE long process_id() noexcept;

/// True unless `pid` certainly names no process (kill(pid, 0) fails with ESRCH). A process
/// of another user (EPERM), this process and anything unknown count as alive.
ODESYNTH_INLINE bool process_alive(long pid) noexcept;

/// A fresh temporary name for `name` in `parent`: ".<name>.odesynth-tmp-<pid>-<n>", n
/// counted per process, so concurrent writers never share one.
ODESYNTH_INLINE std::filesystem::path temporary_path(const std::filesystem::path& parent,
                                                     const std::string& name);

/// The pid in `file` if it is exactly ".<name>.odesynth-tmp-<pid>-<n>" (decimal digits),
/// else -1: a longer name ("...-<n>-old": a replaced dataset moved aside) is not a temporary.
ODESYNTH_INLINE long temporary_owner(std::string_view file, std::string_view name);

/// Removes the temporaries of `name` in `parent` whose process has ended (files, or
/// folders with everything in them). Returns how many were removed. Costs one pass over
/// `parent`'s entries.
ODESYNTH_INLINE std::size_t remove_stale_temporaries(const std::filesystem::path& parent,
                                                     const std::string& name);

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/destination.ipp"
#endif
