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

// Inlining control for the few hot loops whose speed depends on it. GCC stops inlining once a
// translation unit has grown past its inline-unit-growth limit, so in a large program a
// model's call operator stays a call from batch_solver's trial step (7% of a Lotka-Volterra
// solve, benchmarks/README.md section 10); ODESYNTH_FLATTEN inlines everything a function
// calls, and ODESYNTH_NOINLINE keeps its rare paths out of it.
#if defined(__GNUC__) || defined(__clang__)
#define ODESYNTH_FLATTEN __attribute__((flatten))
#define ODESYNTH_NOINLINE __attribute__((noinline))
#elif defined(_MSC_VER)
#define ODESYNTH_FLATTEN
#define ODESYNTH_NOINLINE __declspec(noinline)
#else
#define ODESYNTH_FLATTEN
#define ODESYNTH_NOINLINE
#endif
