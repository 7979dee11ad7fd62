// odesynth/fixed_size_model.hpp - a run-time-sized model solved with sizes fixed at compile
// time, for a program that knows them (a model from text that it ships, say):
//
//   const auto sir = odesynth::fixed_size<3, 2>(odesynth::parse_equations(text, "sir"));
//   auto tr = odesynth::solve(sir, {0.3, 0.1}, {990, 10, 0}, grid);   // std::array state
//
// The solver then keeps the state in std::array<double, S> and the Jacobian in an
// Eigen::Matrix<double, S, S>, as for a model class with static names: no heap in the step
// loop and loops the compiler unrolls. For small models this is most of the difference between
// a dynamic-size model and the same model written as a C++ type (benchmarks/README.md,
// section 8). The sizes are checked against the model's names when the wrapper is made.
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "error.hpp"
#include "model.hpp"

namespace odesynth {

template <std::size_t S, std::size_t P, class Model>
class fixed_size_model {
 public:
  static constexpr std::size_t state_size = S;
  static constexpr std::size_t param_size = P;

  /// Throws invalid_argument naming "<model>.species" or "<model>.parameters" when the
  /// model's names are not S and P long.
  explicit fixed_size_model(Model model)
      : model_(std::move(model)),
        name_(model_name(model_)),
        species_(species_names(model_)),
        parameters_(parameter_names(model_)) {
    if (species_.size() != S)
      detail::throw_invalid(fmt::format("{}.species", name_), species_.size(),
                            fmt::format("{} species (fixed_size<{}, {}>)", S, S, P));
    if (parameters_.size() != P)
      detail::throw_invalid(fmt::format("{}.parameters", name_), parameters_.size(),
                            fmt::format("{} parameters (fixed_size<{}, {}>)", P, S, P));
  }

  const std::string& name() const noexcept { return name_; }
  const std::vector<std::string>& species() const noexcept { return species_; }
  const std::vector<std::string>& parameters() const noexcept { return parameters_; }
  const Model& model() const noexcept { return model_; }

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double t, const Params& p) const {
    model_(x, dxdt, t, p);
  }

  /// Present exactly when the wrapped model has a jacobian() (SFINAE on the return type).
  template <class State, class Matrix, class Params>
  auto jacobian(const State& x, Matrix& J, double t, const Params& p) const
      -> decltype(std::declval<const Model&>().jacobian(x, J, t, p)) {
    return model_.jacobian(x, J, t, p);
  }

  /// The wrapped model's text, when it has one (models from text and SBML).
  template <class M = Model>
  auto equations() const -> decltype(std::string(std::declval<const M&>().equations())) {
    return model_.equations();
  }

 private:
  Model model_;
  std::string name_;
  std::vector<std::string> species_, parameters_;
};

/// `model` solved with S species and P parameters fixed at compile time.
template <std::size_t S, std::size_t P, class Model>
fixed_size_model<S, P, Model> fixed_size(Model model) {
  return fixed_size_model<S, P, Model>(std::move(model));
}

}  // namespace odesynth
