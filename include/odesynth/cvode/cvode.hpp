// odesynth/cvode/cvode.hpp - the CVODE component (odesynth::cvode): SUNDIALS' CVODE (BDF) as a
// solver and as the generator's integrator, for large stiff models. Not part of
// odesynth/odesynth.hpp: it needs libsundials-dev and the odesynth::cvode CMake target
// (find_package(odesynth COMPONENTS cvode)). See docs/cvode.md.
#pragma once

#include "cvode_integrator.hpp"
#include "cvode_options.hpp"
#include "cvode_solver.hpp"
