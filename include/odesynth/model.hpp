// odesynth/model.hpp - what an ODE model is, and what odesynth learns from one.
//
// A model is any class (no base class, no registration) that names its species and
// parameters and computes dx/dt. Two forms share one API:
//
// Fixed size: the names are static arrays, so the state is a std::array and the solver loop
// never touches the heap.
//
//   struct lotka_volterra {
//     static constexpr std::string_view name = "lotka_volterra";            // optional
//     static constexpr std::array<std::string_view, 2> species{"prey", "predator"};
//     static constexpr std::array<std::string_view, 4> parameters{"alpha", "beta",
//                                                                 "gamma", "delta"};
//     template <class State, class Params>
//     void operator()(const State& x, State& dxdt, double t, const Params& p) const {
//       dxdt[0] = p[0] * x[0] - p[1] * x[0] * x[1];
//       dxdt[1] = p[3] * x[0] * x[1] - p[2] * x[1];
//     }
//   };
//
// Dynamic size: the names come from member functions, so their count is known at run time
// and the state is an Eigen::VectorXd (models with hundreds of species):
//
//   class chain {
//    public:
//     std::vector<std::string> species() const;     // any range of string-like values
//     std::vector<std::string> parameters() const;
//     std::string name() const;                      // optional
//     template <class State, class Params>
//     void operator()(const State& x, State& dxdt, double t, const Params& p) const;
//   };
//
// The parameter vector is an argument, never a member: one model object serves every sample
// and every thread. A class can also fix the sizes explicitly with `static constexpr
// std::size_t state_size` / `param_size` while naming things through member functions (this
// is what make_model<S, P>() in lambda_model.hpp does).
//
// Optional analytic Jacobian, used by the stiff Rosenbrock stepper (otherwise it is computed
// by finite differences). J arrives zero-filled; set the non-zero entries J(i, j) = df_i/dx_j:
//
//     template <class State, class Matrix, class Params>
//     void jacobian(const State& x, Matrix& J, double t, const Params& p) const;
//
// Inside the right-hand side, State is std::array<double, N> (fixed) or Eigen::VectorXd
// (dynamic), Params is std::array<double, P> or Eigen::VectorXd; write code that indexes with
// [] and it works for both.
//
// Optional, for fixed-size models whose call operator is a template over the time too and
// computes odesynth::lanes<W> as it computes doubles (lanes.hpp):
//
//     static constexpr bool supports_lanes = true;
//
// make_generator then solves W trajectories at a time in SIMD lanes (batch_solver.hpp), with
// the same bits as one at a time. It is a promise the compiler cannot check in full: a model
// that branches on a value or calls std::exp does not compile with lanes, which is why the
// generator does not try lanes on models that do not say so.
#pragma once

#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstddef>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "error.hpp"

namespace odesynth {

/// Marks a size known only at run time (Eigen's `Dynamic`, for std::size_t).
inline constexpr std::size_t dynamic_size = std::numeric_limits<std::size_t>::max();

namespace detail {

template <class T, class = void>
struct tuple_size_or_dynamic : std::integral_constant<std::size_t, dynamic_size> {};
template <class T>
struct tuple_size_or_dynamic<T, std::void_t<decltype(std::tuple_size<T>::value)>>
    : std::integral_constant<std::size_t, std::tuple_size<T>::value> {};

// `M::species` names a static data member (an array); for a member function it is
// ill-formed, which SFINAE turns into "dynamic".
template <class M, class = void>
struct static_species_count : std::integral_constant<std::size_t, dynamic_size> {};
template <class M>
struct static_species_count<M, std::void_t<decltype(M::species)>>
    : tuple_size_or_dynamic<std::remove_cv_t<decltype(M::species)>> {};

template <class M, class = void>
struct static_parameter_count : std::integral_constant<std::size_t, dynamic_size> {};
template <class M>
struct static_parameter_count<M, std::void_t<decltype(M::parameters)>>
    : tuple_size_or_dynamic<std::remove_cv_t<decltype(M::parameters)>> {};

template <class M, class = void>
struct declared_state_size : std::integral_constant<std::size_t, dynamic_size> {};
template <class M>
struct declared_state_size<M, std::void_t<decltype(M::state_size)>>
    : std::integral_constant<std::size_t, M::state_size> {};

template <class M, class = void>
struct declared_param_size : std::integral_constant<std::size_t, dynamic_size> {};
template <class M>
struct declared_param_size<M, std::void_t<decltype(M::param_size)>>
    : std::integral_constant<std::size_t, M::param_size> {};

template <std::size_t Declared, std::size_t FromNames>
struct resolve_size {
  static_assert(Declared == dynamic_size || FromNames == dynamic_size || Declared == FromNames,
                "odesynth: a model's state_size/param_size disagrees with the length of its "
                "species/parameters array");
  static constexpr std::size_t value = Declared != dynamic_size ? Declared : FromNames;
};

template <class M, class = void>
struct has_species_function : std::false_type {};
template <class M>
struct has_species_function<M, std::void_t<decltype(std::declval<const M&>().species())>>
    : std::true_type {};

template <class M, class = void>
struct has_parameters_function : std::false_type {};
template <class M>
struct has_parameters_function<M, std::void_t<decltype(std::declval<const M&>().parameters())>>
    : std::true_type {};

template <class M, class = void>
struct has_static_name : std::false_type {};
template <class M>
struct has_static_name<M, std::void_t<decltype(std::string_view(M::name))>> : std::true_type {};

template <class M, class = void>
struct has_name_function : std::false_type {};
template <class M>
struct has_name_function<M,
                         std::void_t<decltype(std::string_view(std::declval<const M&>().name()))>>
    : std::true_type {};

template <std::size_t N>
struct vector_for {
  using type = std::array<double, N>;
};
template <>
struct vector_for<dynamic_size> {
  using type = Eigen::VectorXd;
};

// Fixed-size matrices only for small models: beyond 16 x 16 Eigen's fixed sizes stop paying
// off and large ones would not fit on the stack (detail/rosenbrock4.hpp uses the same rule).
template <std::size_t N>
struct square_matrix_for {
  static constexpr int size = N <= 16 ? static_cast<int>(N) : Eigen::Dynamic;
  using type = Eigen::Matrix<double, size, size>;
};
template <>
struct square_matrix_for<dynamic_size> {
  using type = Eigen::MatrixXd;
};

template <class Range>
std::vector<std::string> to_strings(const Range& names) {
  std::vector<std::string> out;
  for (const auto& n : names) out.emplace_back(std::string_view(n));
  return out;
}

template <class M, class State, class Params, class = void>
struct has_rhs : std::false_type {};
template <class M, class State, class Params>
struct has_rhs<
    M, State, Params,
    std::void_t<decltype(std::declval<const M&>()(
        std::declval<const State&>(), std::declval<State&>(), 0.0, std::declval<const Params&>()))>>
    : std::true_type {};

template <class M, class State, class Matrix, class Params, class = void>
struct has_jacobian : std::false_type {};
template <class M, class State, class Matrix, class Params>
struct has_jacobian<M, State, Matrix, Params,
                    std::void_t<decltype(std::declval<const M&>().jacobian(
                        std::declval<const State&>(), std::declval<Matrix&>(), 0.0,
                        std::declval<const Params&>()))>> : std::true_type {};

// A model whose jacobian() exists for some objects only (any_model) says at run time whether
// this one has it: `bool has_analytic_jacobian() const`.
template <class M, class = void>
struct has_analytic_jacobian_query : std::false_type {};
template <class M>
struct has_analytic_jacobian_query<
    M, std::void_t<decltype(bool(std::declval<const M&>().has_analytic_jacobian()))>>
    : std::true_type {};

/// True if the solver should call m.jacobian() rather than difference the right-hand side.
template <class M>
bool analytic_jacobian_available([[maybe_unused]] const M& m) {
  if constexpr (has_analytic_jacobian_query<M>::value)
    return m.has_analytic_jacobian();
  else
    return true;
}

}  // namespace detail

/// What odesynth derives from a model type M at compile time.
template <class M>
struct model_traits {
  /// Number of species, or dynamic_size when only known at run time.
  static constexpr std::size_t state_size =
      detail::resolve_size<detail::declared_state_size<M>::value,
                           detail::static_species_count<M>::value>::value;
  /// Number of parameters, or dynamic_size.
  static constexpr std::size_t param_size =
      detail::resolve_size<detail::declared_param_size<M>::value,
                           detail::static_parameter_count<M>::value>::value;
  static constexpr bool fixed_state = state_size != dynamic_size;
  static constexpr bool fixed_params = param_size != dynamic_size;

  /// std::array<double, N> for fixed-size models, Eigen::VectorXd otherwise.
  using state_type = typename detail::vector_for<state_size>::type;
  using param_type = typename detail::vector_for<param_size>::type;
  /// The matrix an analytic jacobian() fills: Eigen::Matrix<double, N, N> up to N = 16,
  /// Eigen::MatrixXd beyond and for dynamic-size models.
  using jacobian_type = typename detail::square_matrix_for<state_size>::type;

  static constexpr bool has_names = (detail::static_species_count<M>::value != dynamic_size ||
                                     detail::has_species_function<M>::value) &&
                                    (detail::static_parameter_count<M>::value != dynamic_size ||
                                     detail::has_parameters_function<M>::value);
  static constexpr bool has_rhs = detail::has_rhs<M, state_type, param_type>::value;
  static constexpr bool has_jacobian =
      detail::has_jacobian<M, state_type, jacobian_type, param_type>::value;
};

/// True when M satisfies the model requirements described at the top of this header.
template <class M>
inline constexpr bool is_model_v = model_traits<M>::has_names&& model_traits<M>::has_rhs;

namespace detail {

template <class M>
constexpr void check_model() {
  static_assert(model_traits<M>::has_names,
                "odesynth: a model must name its species and parameters, either as static "
                "constexpr std::array<std::string_view, N> members `species` and `parameters` "
                "or as const member functions species() and parameters()");
  static_assert(model_traits<M>::has_rhs,
                "odesynth: a model needs `template <class State, class Params> void "
                "operator()(const State& x, State& dxdt, double t, const Params& p) const`");
}

/// Rejects names that are empty, padded, duplicated or would break a CSV header.
ODESYNTH_INLINE void validate_names(std::string_view model, std::string_view kind,
                                    const std::vector<std::string>& names);

ODESYNTH_INLINE void validate_model_name(const std::string& name);

}  // namespace detail

/// The validated names of a model: built once, shared by every trajectory it produces.
class model_description {
 public:
  /// Validates: model name non-empty and file-name safe; at least one species; every
  /// species and parameter name non-empty, unique in its list, CSV-safe; no species
  /// called "time" (the CSV time column).
  model_description(std::string name, std::vector<std::string> species,
                    std::vector<std::string> parameters);

  const std::string& name() const noexcept { return name_; }
  /// The model's equations as text, for a model that has them (a model from text or SBML:
  /// `std::string equations() const`); empty for models written in C++. Metadata records it.
  const std::string& equations() const noexcept { return equations_; }
  model_description& with_equations(std::string text) {
    equations_ = std::move(text);
    return *this;
  }
  const std::vector<std::string>& species() const noexcept { return species_; }
  const std::vector<std::string>& parameters() const noexcept { return parameters_; }
  std::size_t num_species() const noexcept { return species_.size(); }
  std::size_t num_parameters() const noexcept { return parameters_.size(); }

  std::optional<std::size_t> species_index(std::string_view n) const {
    return index_in(species_, n);
  }
  std::optional<std::size_t> parameter_index(std::string_view n) const {
    return index_in(parameters_, n);
  }

 private:
  static std::optional<std::size_t> index_in(const std::vector<std::string>& v,
                                             std::string_view n) {
    auto it = std::find(v.begin(), v.end(), n);
    if (it == v.end()) return std::nullopt;
    return static_cast<std::size_t>(it - v.begin());
  }

  std::string name_;
  std::vector<std::string> species_;
  std::vector<std::string> parameters_;
  std::string equations_;
};

/// The model's name: `M::name`, `m.name()`, or "model" when it has none.
template <class M>
std::string model_name(const M& m) {
  if constexpr (detail::has_name_function<M>::value) {
    return std::string(std::string_view(m.name()));
  } else if constexpr (detail::has_static_name<M>::value) {
    (void)m;
    return std::string(std::string_view(M::name));
  } else {
    (void)m;
    return "model";
  }
}

template <class M>
std::vector<std::string> species_names(const M& m) {
  if constexpr (detail::has_species_function<M>::value) {
    return detail::to_strings(m.species());
  } else {
    (void)m;
    return detail::to_strings(M::species);
  }
}

template <class M>
std::vector<std::string> parameter_names(const M& m) {
  if constexpr (detail::has_parameters_function<M>::value) {
    return detail::to_strings(m.parameters());
  } else {
    (void)m;
    return detail::to_strings(M::parameters);
  }
}

namespace detail {
template <class M, class = void>
struct has_equations_function : std::false_type {};
template <class M>
struct has_equations_function<
    M, std::void_t<decltype(std::string(std::declval<const M&>().equations()))>> : std::true_type {
};
}  // namespace detail

/// Reads and validates the model's names; also checks that fixed sizes match the names.
template <class M>
std::shared_ptr<const model_description> describe(const M& m) {
  detail::check_model<M>();
  model_description names(model_name(m), species_names(m), parameter_names(m));
  if constexpr (detail::has_equations_function<M>::value) names.with_equations(m.equations());
  auto d = std::make_shared<const model_description>(std::move(names));
  using traits = model_traits<M>;
  if constexpr (traits::fixed_state) {
    if (d->num_species() != traits::state_size)
      detail::throw_invalid(fmt::format("{}.species", d->name()), d->num_species(),
                            fmt::format("{} names (state_size)", traits::state_size));
  }
  if constexpr (traits::fixed_params) {
    if (d->num_parameters() != traits::param_size)
      detail::throw_invalid(fmt::format("{}.parameters", d->name()), d->num_parameters(),
                            fmt::format("{} names (param_size)", traits::param_size));
  }
  return d;
}

}  // namespace odesynth

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/model.ipp"
#endif
