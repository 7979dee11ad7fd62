// odesynth/detail/impl/destination.ipp - the non-template code of detail/destination.hpp, compiled
// in every file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <charconv>
#include <system_error>
#include <vector>

#include "../../error.hpp"
#include "../destination.hpp"

#if ODESYNTH_DETAIL_POSIX_IO
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#endif

namespace odesynth::detail {

ODESYNTH_INLINE std::string errno_text(int code) { return std::generic_category().message(code); }

ODESYNTH_INLINE std::string describe_entry(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  switch (fs::symlink_status(path, ec).type()) {
    case fs::file_type::none:
    case fs::file_type::not_found: return "";
    case fs::file_type::regular: return "a regular file";
    case fs::file_type::directory: return "a folder";
    case fs::file_type::symlink: return "a symbolic link";
    case fs::file_type::block: return "a block device";
    case fs::file_type::character: return "a character device";
    case fs::file_type::fifo: return "a FIFO";
    case fs::file_type::socket: return "a socket";
    default: return "a special file";
  }
}

ODESYNTH_INLINE void check_replaceable(const std::filesystem::path& path, destination_kind kind,
                                       bool overwrite) {
  const std::string existing = describe_entry(path);
  if (existing.empty()) return;
  if (!overwrite)
    throw io_error(path.string(), fmt::format("{} already exists (pass overwrite = true to "
                                              "replace it)",
                                              path.string()));
  if (kind == destination_kind::file && existing != "a regular file")
    throw io_error(path.string(),
                   fmt::format("{} exists and is not a regular file (it is {}); not replacing it",
                               path.string(), existing));
  if (kind == destination_kind::folder && existing != "a folder")
    throw io_error(path.string(),
                   fmt::format("{} exists and is not a folder (it is {}); not replacing it with "
                               "a dataset folder",
                               path.string(), existing));
}

ODESYNTH_INLINE std::filesystem::path check_destination(const std::filesystem::path& path,
                                                        destination_kind kind, bool overwrite) {
  namespace fs = std::filesystem;
  const fs::path name = path.filename();
  if (name.empty() || name == "." || name == "..")
    throw io_error(path.string(), fmt::format("{}: not a {} name", path.string(),
                                              kind == destination_kind::file ? "file" : "folder"));
  fs::path parent = path.parent_path();
  if (parent.empty()) parent = ".";
  std::error_code ec;
  const auto parent_status = fs::status(parent, ec);
  if (!fs::exists(parent_status))
    throw io_error(path.string(), fmt::format("cannot write {}: folder {} does not exist",
                                              path.string(), parent.string()));
  if (!fs::is_directory(parent_status))
    throw io_error(path.string(), fmt::format("cannot write {}: {} is not a folder", path.string(),
                                              parent.string()));
#if ODESYNTH_DETAIL_POSIX_IO
  if (::access(parent.c_str(), W_OK | X_OK) != 0) {
    const int code = errno;
    throw io_error(path.string(), fmt::format("cannot write {}: folder {} is not writable ({})",
                                              path.string(), parent.string(), errno_text(code)));
  }
#endif
  check_replaceable(path, kind, overwrite);
  return parent;
}

ODESYNTH_INLINE long process_id() noexcept {
#if ODESYNTH_DETAIL_POSIX_IO
  return static_cast<long>(::getpid());
#else
  return 0;
#endif
}

ODESYNTH_INLINE bool process_alive(long pid) noexcept {
#if ODESYNTH_DETAIL_POSIX_IO
  if (pid <= 0 || pid == process_id()) return true;
  if (static_cast<long>(static_cast<pid_t>(pid)) != pid) return true;  // not a pid here
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH;
#else
  (void)pid;
  return true;
#endif
}

ODESYNTH_INLINE std::filesystem::path temporary_path(const std::filesystem::path& parent,
                                                     const std::string& name) {
  static std::atomic<unsigned long> counter{0};
  return parent / fmt::format(".{}{}{}-{}", name, temp_marker, process_id(), counter.fetch_add(1));
}

ODESYNTH_INLINE long temporary_owner(std::string_view file, std::string_view name) {
  const auto digits = [](std::string_view s) {
    if (s.empty() || s.size() > 18) return false;
    for (char c : s)
      if (c < '0' || c > '9') return false;
    return true;
  };
  if (file.size() < name.size() + temp_marker.size() + 1 || file[0] != '.' ||
      file.substr(1, name.size()) != name ||
      file.substr(1 + name.size(), temp_marker.size()) != temp_marker)
    return -1;
  const std::string_view rest = file.substr(1 + name.size() + temp_marker.size());
  const auto dash = rest.find('-');
  if (dash == std::string_view::npos || !digits(rest.substr(0, dash)) ||
      !digits(rest.substr(dash + 1)))
    return -1;
  long pid = -1;
  const std::string_view text = rest.substr(0, dash);
  const auto r = std::from_chars(text.data(), text.data() + text.size(), pid);
  return r.ec == std::errc() ? pid : -1;
}

ODESYNTH_INLINE std::size_t remove_stale_temporaries(const std::filesystem::path& parent,
                                                     const std::string& name) {
  namespace fs = std::filesystem;
  std::size_t removed = 0;
  const auto remove_if_stale = [&](std::string_view file) {
    const long pid = temporary_owner(file, name);
    if (pid < 0 || process_alive(pid)) return;
    std::error_code ec;
    if (fs::remove_all(parent / std::string(file), ec) > 0 && !ec) ++removed;
  };
#if ODESYNTH_DETAIL_POSIX_IO
  // readdir, not directory_iterator: no path is built for the entries that are not ours, so
  // a writer into a folder of many files pays little for the pass.
  DIR* dir = ::opendir(parent.c_str());
  if (!dir) return 0;
  std::vector<std::string> stale;
  while (const dirent* entry = ::readdir(dir))
    if (entry->d_name[0] == '.' && temporary_owner(entry->d_name, name) >= 0)
      stale.emplace_back(entry->d_name);
  ::closedir(dir);
  for (const auto& file : stale) remove_if_stale(file);
#else
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec))
    remove_if_stale(it->path().filename().string());
#endif
  return removed;
}

}  // namespace odesynth::detail
