// benchmarks/support/quick.hpp - quick mode (CI smoke runs, seconds) asked for by the
// environment; every benchmark program also takes `--quick`.
#pragma once

#include <cstdlib>
#include <string_view>

namespace harness {

/// ODESYNTH_BENCH_QUICK set and not "0".
inline bool quick_from_environment() {
  const char* env = std::getenv("ODESYNTH_BENCH_QUICK");
  return env && *env && std::string_view(env) != "0";
}

}  // namespace harness
