# odesynth::mpi for find_package(odesynth COMPONENTS mpi): included by odesynthConfig.cmake
# when the package was built with ODESYNTH_MPI=ON. Looks for MPI (Debian: libopenmpi-dev) only
# then, so the core package never needs it.
# FindMPI's C component needs the C language, which a C++-only project has not enabled.
if(NOT CMAKE_C_COMPILER_LOADED)
  enable_language(C)
endif()
include(CMakeFindDependencyMacro)
if(odesynth_FIND_REQUIRED_mpi)
  # Missing MPI: the package is not found, and the message says which dependency.
  find_dependency(MPI COMPONENTS C)
else()
  # OPTIONAL_COMPONENTS mpi: find_dependency would fail the whole package; only the component
  # is missing then.
  find_package(MPI QUIET COMPONENTS C)
endif()
if(MPI_C_FOUND)
  if(NOT TARGET odesynth::mpi)
    include("${CMAKE_CURRENT_LIST_DIR}/odesynthMpiTargets.cmake")
  endif()
  set(odesynth_mpi_FOUND TRUE)
else()
  set(odesynth_mpi_FOUND FALSE)
  set(odesynth_NOT_FOUND_MESSAGE
      "odesynth::mpi needs MPI's C library (Debian: libopenmpi-dev openmpi-bin)")
endif()
