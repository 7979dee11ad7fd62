// odesynth/lanes.hpp - W doubles computed together: the number type of a batch solve.
//
// batch_solver<W, Model> (batch_solver.hpp) calls a model once for W trajectories, with
// odesynth::lanes<W> where a scalar solve passes double: the state, the time and the
// parameters. Every operation acts lane by lane, as W separate double operations in the same
// order, so lane i of a batch computes exactly what a scalar solve computes for trajectory i
// (bit for bit, as long as the compiler does not fuse multiply-adds in one build and not the
// other: -ffp-contract=fast with FMA instructions enabled).
//
// A model works with lanes when it is written for any number type:
//
//   template <class State, class Time, class Params>
//   void operator()(const State& x, State& dxdt, const Time& /*t*/, const Params& p) const {
//     using number = std::decay_t<decltype(x[0])>;    // double, or lanes<W> in a batch
//     using std::exp;                                 // exp(x[0]) then finds lanes' exp
//     const number total = x[0] + x[1];
//     dxdt[0] = -p[0] * x[0] * exp(-total);
//     ...
//
// Not offered, so that such models fail to compile rather than run wrong: comparisons and
// conversion to double (branches on the state differ per lane), std::-qualified calls.
// The operations are plain loops over W; at -O2 and above compilers turn them into SIMD
// instructions (two or four lanes per instruction, depending on the target).
#pragma once

#include <cmath>
#include <cstddef>
#include <type_traits>

namespace odesynth {

/// Whether a model declares `static constexpr bool supports_lanes = true` (model.hpp): its
/// call operator computes lanes as it computes doubles, so make_generator may batch it.
template <class Model, class = void>
struct supports_lanes : std::false_type {};
template <class Model>
struct supports_lanes<Model, std::enable_if_t<static_cast<bool>(Model::supports_lanes)>>
    : std::true_type {};
template <class Model>
inline constexpr bool supports_lanes_v = supports_lanes<Model>::value;

namespace detail {
/// lanes<W>'s alignment: the whole value when W doubles make a power of two up to 64 bytes
/// (then SIMD instructions can read a lane vector from memory as an operand), else a double's.
constexpr std::size_t lanes_alignment(std::size_t w) noexcept {
  const std::size_t bytes = w * sizeof(double);
  return bytes <= 64 && (bytes & (bytes - 1)) == 0 ? bytes : alignof(double);
}
}  // namespace detail

template <std::size_t W>
struct alignas(detail::lanes_alignment(W)) lanes {
  static_assert(W >= 1 && W <= 64, "odesynth::lanes<W>: W must be between 1 and 64");
  static constexpr std::size_t width = W;

  double v[W];

  lanes() = default;  // uninitialised, as a double is
  /// Every lane `s`: lets 2 * x, x + 1 and dxdt[0] = 0 work as for double.
  constexpr lanes(double s) noexcept : v() {  // NOLINT: implicit by design
    for (std::size_t i = 0; i < W; ++i) v[i] = s;
  }

  constexpr double& operator[](std::size_t i) noexcept { return v[i]; }
  constexpr const double& operator[](std::size_t i) const noexcept { return v[i]; }

  friend constexpr lanes operator+(const lanes& a) noexcept { return a; }
  friend constexpr lanes operator-(const lanes& a) noexcept {
    lanes r{};
    for (std::size_t i = 0; i < W; ++i) r.v[i] = -a.v[i];
    return r;
  }

#define ODESYNTH_LANES_BINARY(op)                                               \
  friend constexpr lanes operator op(const lanes& a, const lanes& b) noexcept { \
    lanes r{};                                                                  \
    for (std::size_t i = 0; i < W; ++i) r.v[i] = a.v[i] op b.v[i];              \
    return r;                                                                   \
  }                                                                             \
  constexpr lanes& operator op##=(const lanes& b) noexcept {                    \
    for (std::size_t i = 0; i < W; ++i) v[i] = v[i] op b.v[i];                  \
    return *this;                                                               \
  }
  ODESYNTH_LANES_BINARY(+)
  ODESYNTH_LANES_BINARY(-)
  ODESYNTH_LANES_BINARY(*)
  ODESYNTH_LANES_BINARY(/)
#undef ODESYNTH_LANES_BINARY

  // The <cmath> functions, lane by lane through the same std:: function a scalar solve calls
  // (found by argument-dependent lookup: write `using std::exp; exp(x)`).
#define ODESYNTH_LANES_UNARY(name)                                  \
  friend lanes name(const lanes& a) noexcept {                      \
    lanes r{};                                                      \
    for (std::size_t i = 0; i < W; ++i) r.v[i] = std::name(a.v[i]); \
    return r;                                                       \
  }
  ODESYNTH_LANES_UNARY(abs)
  ODESYNTH_LANES_UNARY(fabs)
  ODESYNTH_LANES_UNARY(sqrt)
  ODESYNTH_LANES_UNARY(cbrt)
  ODESYNTH_LANES_UNARY(exp)
  ODESYNTH_LANES_UNARY(expm1)
  ODESYNTH_LANES_UNARY(log)
  ODESYNTH_LANES_UNARY(log1p)
  ODESYNTH_LANES_UNARY(log10)
  ODESYNTH_LANES_UNARY(sin)
  ODESYNTH_LANES_UNARY(cos)
  ODESYNTH_LANES_UNARY(tan)
  ODESYNTH_LANES_UNARY(atan)
  ODESYNTH_LANES_UNARY(sinh)
  ODESYNTH_LANES_UNARY(cosh)
  ODESYNTH_LANES_UNARY(tanh)
#undef ODESYNTH_LANES_UNARY

#define ODESYNTH_LANES_BINARY_FUNCTION(name)                                \
  friend lanes name(const lanes& a, const lanes& b) noexcept {              \
    lanes r{};                                                              \
    for (std::size_t i = 0; i < W; ++i) r.v[i] = std::name(a.v[i], b.v[i]); \
    return r;                                                               \
  }
  ODESYNTH_LANES_BINARY_FUNCTION(pow)
  ODESYNTH_LANES_BINARY_FUNCTION(fmin)
  ODESYNTH_LANES_BINARY_FUNCTION(fmax)
  ODESYNTH_LANES_BINARY_FUNCTION(hypot)
  ODESYNTH_LANES_BINARY_FUNCTION(atan2)
#undef ODESYNTH_LANES_BINARY_FUNCTION
};

}  // namespace odesynth
