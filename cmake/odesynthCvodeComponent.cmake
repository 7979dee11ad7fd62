# odesynth::cvode for find_package(odesynth COMPONENTS cvode): included by odesynthConfig.cmake
# when the package was built with ODESYNTH_CVODE=ON. Looks for SUNDIALS (Debian:
# libsundials-dev) only then, so the core package never needs it.
include(CMakeFindDependencyMacro)
if(odesynth_FIND_REQUIRED_cvode)
  # Missing SUNDIALS: the package is not found, and the message says which dependency.
  find_dependency(SUNDIALS 6 CONFIG)
else()
  # OPTIONAL_COMPONENTS cvode: find_dependency would fail the whole package; only the
  # component is missing then.
  find_package(SUNDIALS 6 CONFIG QUIET)
endif()
if(SUNDIALS_FOUND)
  if(NOT TARGET odesynth::cvode)
    include("${CMAKE_CURRENT_LIST_DIR}/odesynthCvodeTargets.cmake")
  endif()
  set(odesynth_cvode_FOUND TRUE)
else()
  set(odesynth_cvode_FOUND FALSE)
endif()
