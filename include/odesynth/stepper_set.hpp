// odesynth/stepper_set.hpp - the Boost.Odeint steppers odesynth drives, and the sets of them
// a solver is compiled with.
//
// Every stepper a solver can run at run time is compiled into the program, and each costs
// seconds of compile time. So a solver is compiled with a set of steppers, fixed at compile
// time, and solve_options::stepper picks one of that set at run time (unset: the set's first):
//
//   odesynth::solver<sir> a(sir{}, o);                          // default: auto_switch, dopri5
//   using stiff = odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>;
//   odesynth::solver<robertson, stiff> b(robertson{}, {});      // rosenbrock4, nothing else
//   odesynth::solver<sir, odesynth::all_steppers> c(sir{}, o);  // any, chosen by o.stepper
//
// A stepper outside the set is an invalid_argument when the solver is constructed, naming
// the set and how to opt in. The free solve() and make_generator() take the set as their
// first template argument: odesynth::solve<odesynth::all_steppers>(model, ...).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <type_traits>

#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "error.hpp"

namespace odesynth {

/// The Boost.Odeint steppers odesynth drives.
enum class stepper_kind {
  dopri5,          ///< Dormand–Prince 5(4), adaptive, dense output (default, non-stiff)
  rk4,             ///< classic Runge–Kutta 4, fixed step `fixed_step`
  rkf78,           ///< Runge–Kutta–Fehlberg 7(8), adaptive; steps end on output times
  bulirsch_stoer,  ///< Bulirsch–Stoer extrapolation, adaptive; steps end on output times
  rosenbrock4,     ///< Rosenbrock 4 (RODAS4), adaptive, stiff systems; steps end on output times
  auto_switch,     ///< dopri5 until the problem turns stiff, then rosenbrock4, and back when it
                   ///< is no longer stiff (as LSODA does); see detail/auto_switch.hpp
};

constexpr std::string_view to_string(stepper_kind k) noexcept {
  switch (k) {
    case stepper_kind::dopri5: return "dopri5";
    case stepper_kind::rk4: return "rk4";
    case stepper_kind::rkf78: return "rkf78";
    case stepper_kind::bulirsch_stoer: return "bulirsch_stoer";
    case stepper_kind::rosenbrock4: return "rosenbrock4";
    case stepper_kind::auto_switch: return "auto_switch";
  }
  return "unknown";
}

inline std::ostream& operator<<(std::ostream& os, stepper_kind k) { return os << to_string(k); }

/// What the solver needs to know of a stepper before running it, one specialisation per
/// kind (Boost.Odeint's habit: traits, not a run-time table).
///   adaptive             the step size is controlled by rel_tol / abs_tol (rk4: fixed_step)
///   order                the order the first-step estimate assumes (Hairer, Nørsett & Wanner,
///                        sec. II.4); Bulirsch-Stoer varies its order, 5 is its start
///   per_species_abs_tol  accepts solve_options::abs_tol_per_species
template <stepper_kind K>
struct stepper_traits;

template <>
struct stepper_traits<stepper_kind::dopri5> {
  static constexpr bool adaptive = true;
  static constexpr int order = 5;
  static constexpr bool per_species_abs_tol = true;
};
template <>
struct stepper_traits<stepper_kind::rk4> {
  static constexpr bool adaptive = false;
  static constexpr int order = 4;
  static constexpr bool per_species_abs_tol = true;  // ignored: no error control
};
template <>
struct stepper_traits<stepper_kind::rkf78> {
  static constexpr bool adaptive = true;
  static constexpr int order = 8;
  static constexpr bool per_species_abs_tol = true;
};
template <>
struct stepper_traits<stepper_kind::bulirsch_stoer> {
  static constexpr bool adaptive = true;
  static constexpr int order = 5;
  static constexpr bool per_species_abs_tol = false;  // odeint's controller: one abs_tol
};
template <>
struct stepper_traits<stepper_kind::rosenbrock4> {
  static constexpr bool adaptive = true;
  static constexpr int order = 4;
  static constexpr bool per_species_abs_tol = true;
};
template <>
struct stepper_traits<stepper_kind::auto_switch> {
  static constexpr bool adaptive = true;
  static constexpr int order = 5;  // it starts with dopri5
  static constexpr bool per_species_abs_tol = true;
};

/// A stepper kind as a type, for the function a stepper_set visits with.
template <stepper_kind K>
using stepper_constant = std::integral_constant<stepper_kind, K>;

/// The steppers a solver is compiled with: only these are instantiated. The first is the
/// one a solver runs when solve_options::stepper is unset.
template <stepper_kind... Kinds>
struct stepper_set {
  static constexpr std::size_t size = sizeof...(Kinds);
  static_assert(size > 0, "odesynth::stepper_set: name at least one stepper_kind");

  static constexpr std::array<stepper_kind, size> kinds{Kinds...};
  static constexpr stepper_kind first = kinds[0];

  static constexpr bool contains(stepper_kind k) noexcept { return ((k == Kinds) || ...); }

  /// "dopri5, rk4": the kinds in order, for messages.
  static std::string names() {
    std::string s;
    for (stepper_kind k : kinds) (s += s.empty() ? "" : ", ") += odesynth::to_string(k);
    return s;
  }
  /// "odesynth::stepper_set<dopri5, rk4>".
  static std::string to_string() { return fmt::format("odesynth::stepper_set<{}>", names()); }

  /// f(stepper_constant<K>{}) for the K == k, so that only the set's kinds are instantiated.
  /// Requires contains(k); otherwise f is not called and a non-void result is value-initialised.
  /// A one-kind set calls f directly, without comparing.
  template <class F>
  static decltype(auto) visit(stepper_kind k, F&& f) {
    if constexpr (size == 1) {
      (void)k;
      return f(stepper_constant<first>{});
    } else {
      using result = std::invoke_result_t<F&, stepper_constant<first>>;
      if constexpr (std::is_void_v<result>) {
        (void)((k == Kinds && (f(stepper_constant<Kinds>{}), true)) || ...);
      } else {
        result r{};
        (void)((k == Kinds && (r = f(stepper_constant<Kinds>{}), true)) || ...);
        return r;
      }
    }
  }

 private:
  static constexpr bool distinct() noexcept {
    for (std::size_t i = 0; i < size; ++i)
      for (std::size_t j = i + 1; j < size; ++j)
        if (kinds[i] == kinds[j]) return false;
    return true;
  }
  static_assert(distinct(), "odesynth::stepper_set: a stepper_kind is named twice");
};

/// The set a solver, solve() and make_generator() are compiled with unless told otherwise:
/// auto_switch first (so it runs when solve_options::stepper is unset), and dopri5, which it
/// contains anyway. auto_switch takes dopri5's steps exactly until a problem turns stiff, at
/// 1-3.5% more time on non-stiff problems (benchmarks/README.md, section 9); compiling it in
/// costs about 2.3 s more per model than dopri5 alone (it holds rosenbrock4). A program that
/// never meets stiffness can keep the old default: stepper_set<stepper_kind::dopri5>.
using default_steppers = stepper_set<stepper_kind::auto_switch, stepper_kind::dopri5>;
/// Every stepper: for programs that choose the stepper at run time (and for rebuilding a
/// dataset from its metadata, whose stepper is known only when the file is read).
using all_steppers =
    stepper_set<stepper_kind::dopri5, stepper_kind::rk4, stepper_kind::rkf78,
                stepper_kind::bulirsch_stoer, stepper_kind::rosenbrock4, stepper_kind::auto_switch>;

inline constexpr std::array<stepper_kind, all_steppers::size> all_stepper_kinds =
    all_steppers::kinds;

template <class T>
struct is_stepper_set : std::false_type {};
template <stepper_kind... Kinds>
struct is_stepper_set<stepper_set<Kinds...>> : std::true_type {};
template <class T>
inline constexpr bool is_stepper_set_v = is_stepper_set<T>::value;

/// A stretch of a solve run by one method: from `from` until the next interval's start (or
/// the end of the solve).
struct method_interval {
  double from = 0;
  stepper_kind stepper = stepper_kind::dopri5;

  friend bool operator==(const method_interval& a, const method_interval& b) noexcept {
    return a.from == b.from && a.stepper == b.stepper;
  }
  friend bool operator!=(const method_interval& a, const method_interval& b) noexcept {
    return !(a == b);
  }
};

/// Parses a stepper name as written by to_string(); an unknown name is an invalid_argument
/// that lists the valid ones.
ODESYNTH_INLINE stepper_kind parse_stepper_kind(std::string_view name);

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::stepper_kind>
    : odesynth::detail::enum_formatter<odesynth::stepper_kind> {};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/stepper_set.ipp"
#endif
