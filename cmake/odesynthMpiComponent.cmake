# odesynth::mpi for find_package(odesynth COMPONENTS mpi): included by odesynthConfig.cmake
# when the package was built with ODESYNTH_MPI=ON. Looks for MPI (Debian: libopenmpi-dev)
# only then, so the core package never needs it.
# FindMPI's C component needs the C language, which a C++-only project has not enabled.
if(NOT CMAKE_C_COMPILER_LOADED)
  enable_language(C)
endif()
include(CMakeFindDependencyMacro)
find_dependency(MPI COMPONENTS C)
if(NOT TARGET odesynth::mpi)
  include("${CMAKE_CURRENT_LIST_DIR}/odesynthMpiTargets.cmake")
endif()
set(odesynth_mpi_FOUND TRUE)
