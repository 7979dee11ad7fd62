// odesynth/detail/memory_limit.hpp - the most memory one in-memory collection (collect(),
// collect_rows(), forecasting windows) may need, so a size that cannot be held is refused up
// front with an error naming the field, instead of std::bad_alloc, or an overcommitted
// allocation the OOM killer ends hours into the run.
#pragma once

#include <cstdint>

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace odesynth::detail {

/// No 64-bit machine maps more than 2^48 bytes (256 TiB) of memory for a process.
inline constexpr std::uint64_t address_space_bytes = std::uint64_t{1} << 48;

/// The machine's physical memory where the system tells it, capped at address_space_bytes;
/// address_space_bytes where it does not. A collection needing more cannot be held at once.
inline std::uint64_t memory_limit_bytes() {
#if defined(_SC_PHYS_PAGES) && defined(_SC_PAGESIZE)
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0) {
    const double bytes = static_cast<double>(pages) * static_cast<double>(page_size);
    if (bytes < static_cast<double>(address_space_bytes)) return static_cast<std::uint64_t>(bytes);
  }
#endif
  return address_space_bytes;
}

}  // namespace odesynth::detail
