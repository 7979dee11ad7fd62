// odesynth/lambda_model.hpp - build a model from names and a lambda, without a class.
//
//   auto decay = odesynth::make_model("decay", {"x"}, {"k"},
//       [](const auto& x, auto& dxdt, double /*t*/, const auto& p) { dxdt[0] = -p[0] * x[0]; });
//
// The names are validated when the model is made. Without sizes the model is dynamic-size
// (Eigen::VectorXd state); make_model<S, P>(...) fixes S species and P parameters at compile
// time (std::array state, no heap in the solver loop). An analytic Jacobian can be passed as
// a second callable: jac(x, J, t, p), J zero-filled on entry.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"
#include "model.hpp"

namespace odesynth {

/// Placeholder for "no analytic Jacobian".
struct no_jacobian {};

template <class Rhs, class Jacobian = no_jacobian, std::size_t S = dynamic_size,
          std::size_t P = dynamic_size>
class lambda_model {
 public:
  static constexpr std::size_t state_size = S;
  static constexpr std::size_t param_size = P;

  lambda_model(std::string name, std::vector<std::string> species,
               std::vector<std::string> parameters, Rhs rhs, Jacobian jacobian = {})
      : description_(std::move(name), std::move(species), std::move(parameters)),
        rhs_(std::move(rhs)),
        jacobian_(std::move(jacobian)) {
    if constexpr (S != dynamic_size) {
      if (description_.num_species() != S)
        detail::throw_invalid(fmt::format("{}.species", description_.name()),
                              description_.num_species(),
                              fmt::format("{} species names (make_model<{}, {}>)", S, S, P));
    }
    if constexpr (P != dynamic_size) {
      if (description_.num_parameters() != P)
        detail::throw_invalid(fmt::format("{}.parameters", description_.name()),
                              description_.num_parameters(),
                              fmt::format("{} parameter names (make_model<{}, {}>)", P, S, P));
    }
  }

  const std::string& name() const noexcept { return description_.name(); }
  const std::vector<std::string>& species() const noexcept { return description_.species(); }
  const std::vector<std::string>& parameters() const noexcept { return description_.parameters(); }

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double t, const Params& p) const {
    rhs_(x, dxdt, t, p);
  }

  template <class State, class Matrix, class Params, class J = Jacobian,
            class = std::enable_if_t<!std::is_same_v<J, no_jacobian>>>
  void jacobian(const State& x, Matrix& jac, double t, const Params& p) const {
    jacobian_(x, jac, t, p);
  }

 private:
  model_description description_;
  Rhs rhs_;
  Jacobian jacobian_;
};

/// A dynamic-size model from a right-hand side rhs(x, dxdt, t, p).
template <class Rhs>
auto make_model(std::string name, std::vector<std::string> species,
                std::vector<std::string> parameters, Rhs rhs) {
  return lambda_model<Rhs>(std::move(name), std::move(species), std::move(parameters),
                           std::move(rhs));
}

/// A dynamic-size model with an analytic Jacobian jac(x, J, t, p).
template <class Rhs, class Jacobian>
auto make_model(std::string name, std::vector<std::string> species,
                std::vector<std::string> parameters, Rhs rhs, Jacobian jacobian) {
  return lambda_model<Rhs, Jacobian>(std::move(name), std::move(species), std::move(parameters),
                                     std::move(rhs), std::move(jacobian));
}

/// A fixed-size model: S species, P parameters, checked against the names.
template <std::size_t S, std::size_t P, class Rhs>
auto make_model(std::string name, std::vector<std::string> species,
                std::vector<std::string> parameters, Rhs rhs) {
  return lambda_model<Rhs, no_jacobian, S, P>(std::move(name), std::move(species),
                                              std::move(parameters), std::move(rhs));
}

/// A fixed-size model with an analytic Jacobian.
template <std::size_t S, std::size_t P, class Rhs, class Jacobian>
auto make_model(std::string name, std::vector<std::string> species,
                std::vector<std::string> parameters, Rhs rhs, Jacobian jacobian) {
  return lambda_model<Rhs, Jacobian, S, P>(std::move(name), std::move(species),
                                           std::move(parameters), std::move(rhs),
                                           std::move(jacobian));
}

}  // namespace odesynth
