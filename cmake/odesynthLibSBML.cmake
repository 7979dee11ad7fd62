# odesynth::libsbml - libSBML, for odesynth::sbml; used by the build and by the installed
# package (find_package(odesynth COMPONENTS sbml)).
#
# libSBML's own sbml-config.cmake is not used: Debian puts it straight into lib/<arch>/cmake,
# where find_package does not look, and it runs find modules of its own that call
# check_library_exists and CHECK_C_SOURCE_COMPILES without including them and need the C
# language, so a C++-only project cannot load it. The shared library brings its own
# dependencies (libxml2, zlib, bzip2), so its header and library are all a user needs.
if(NOT TARGET odesynth::libsbml)
  find_path(ODESYNTH_LIBSBML_INCLUDE_DIR sbml/SBMLTypes.h)
  find_library(ODESYNTH_LIBSBML_LIBRARY NAMES sbml)
  if(ODESYNTH_LIBSBML_INCLUDE_DIR AND ODESYNTH_LIBSBML_LIBRARY)
    add_library(odesynth::libsbml UNKNOWN IMPORTED)
    set_target_properties(odesynth::libsbml PROPERTIES
      IMPORTED_LOCATION "${ODESYNTH_LIBSBML_LIBRARY}"
      INTERFACE_INCLUDE_DIRECTORIES "${ODESYNTH_LIBSBML_INCLUDE_DIR}")
  endif()
endif()
