// Compile-time probe: the floor under umbrella.cpp. Only the headers from outside odesynth
// that <odesynth/odesynth.hpp> opens directly (found with g++ -H in the odesynth::compiled
// mode; with these, every header of theirs that umbrella.cpp opens is opened): Boost.Odeint's
// steppers, Eigen, fmt and the standard library. Whatever umbrella.cpp costs above this is
// odesynth's own code. The order is umbrella.cpp's: Boost.Odeint's Eigen support must come
// after its steppers.
// clang-format off
#include <fmt/format.h>
#include <utility>
#include <vector>
#include <Eigen/Core>
#include <optional>
#include <cmath>
#include <variant>
#include <numeric>
#include <cstring>
#include <chrono>
#include <boost/numeric/odeint/stepper/bulirsch_stoer.hpp>
#include <boost/numeric/odeint/stepper/dense_output_runge_kutta.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta4_classic.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_dopri5.hpp>
#include <boost/numeric/odeint/stepper/runge_kutta_fehlberg78.hpp>
#include <boost/numeric/odeint/external/eigen/eigen.hpp>
#include <Eigen/LU>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <cstdio>
// clang-format on
