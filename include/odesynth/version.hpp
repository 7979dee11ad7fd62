// odesynth/version.hpp - the library version, as macros (for #if) and as a value.
//
// CMake reads the three numbers below to set the package version, so this header is the
// single place a release changes them.
#pragma once

#include <string_view>

#define ODESYNTH_VERSION_MAJOR 0
#define ODESYNTH_VERSION_MINOR 3
#define ODESYNTH_VERSION_PATCH 0

#define ODESYNTH_DETAIL_STR2(x) #x
#define ODESYNTH_DETAIL_STR(x) ODESYNTH_DETAIL_STR2(x)
#define ODESYNTH_VERSION_STRING               \
  ODESYNTH_DETAIL_STR(ODESYNTH_VERSION_MAJOR) \
  "." ODESYNTH_DETAIL_STR(ODESYNTH_VERSION_MINOR) "." ODESYNTH_DETAIL_STR(ODESYNTH_VERSION_PATCH)

namespace odesynth {

/// "major.minor.patch", e.g. recorded in dataset provenance.
inline constexpr std::string_view version_string = ODESYNTH_VERSION_STRING;

}  // namespace odesynth
