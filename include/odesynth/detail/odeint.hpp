// odesynth/detail/odeint.hpp - the parts of Boost.Odeint odesynth uses, and nothing more.
//
// Including <boost/numeric/odeint.hpp> would pull in every stepper, integrator and iterator
// (and uBLAS, and their compile time); these are the four odeint steppers odesynth drives plus
// odeint's Eigen bindings for dynamic-size states. (The stiff stepper is odesynth's own, on
// Eigen: detail/rosenbrock4.hpp says why.) g++ 12 reports -Wmaybe-uninitialized inside odeint's
// steppers when they are copied with std::array states (members that odeint fills before
// use); the pragma keeps that noise out of users' -Werror builds without hiding warnings in
// their own code.
#pragma once

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <boost/numeric/odeint/stepper/bulirsch_stoer.hpp>
#include <boost/numeric/odeint/stepper/controlled_runge_kutta.hpp>
#include <boost/numeric/odeint/stepper/dense_output_runge_kutta.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4_classic.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_fehlberg78.hpp>
#include <boost/numeric/odeint/util/odeint_error.hpp>
// Last: odeint's Eigen bindings are not self-contained (they need the dispatchers above).
#include <boost/numeric/odeint/external/eigen/eigen.hpp>

#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
