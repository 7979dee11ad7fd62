// odesynth/detail/config.hpp - header-only or compiled: where odesynth's non-template code is
// compiled.
//
// By default odesynth is header-only: every translation unit that includes a header also
// compiles the non-template functions it uses (JSON metadata, file writers, the sampler's
// binding, error messages...), and pays for them at every build. Defining
// ODESYNTH_COMPILED_LIB (CMake: link odesynth::compiled instead of odesynth::odesynth) compiles
// that code once, into the odesynth_compiled library; the headers then carry only
// declarations, templates and the small functions on hot paths, and users' files compile
// faster. The two modes give the same results; every translation unit of one program must use
// the same mode.
//
// The code compiled once lives in `impl/*.ipp` files beside the headers (as in Boost.Asio):
// each header includes its .ipp at its end when ODESYNTH_HEADER_ONLY is defined; the library
// compiles every .ipp once with ODESYNTH_COMPILED_LIB defined. Its definitions are marked
// ODESYNTH_INLINE: `inline` when header-only (one definition in every file), nothing when
// compiled once.
#pragma once

#if defined(ODESYNTH_COMPILED_LIB)
#define ODESYNTH_INLINE
#else
#define ODESYNTH_HEADER_ONLY 1
#define ODESYNTH_INLINE inline
#endif
