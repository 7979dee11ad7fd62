// odesynth/models/linear_chain.hpp - a chain of n species x0 -> x1 -> ... -> x(n-1), every
// step first order at rate k, the last species absorbing:
//   x0' = -k x0,   xi' = k x(i-1) - k xi (0 < i < n-1),   x(n-1)' = k x(n-2).
// Its size is chosen at construction, so it exercises the dynamic-size path (Eigen::VectorXd
// state, Eigen::MatrixXd Jacobian) with systems as large as wanted, and it has an exact
// solution to compare against: from x(0) = e0, xi(t) = exp(-k t) (k t)^i / i! (Poisson
// terms; the arrival time in species i is Erlang(i, k)) and the last species holds the rest.
// The total is conserved. No literature defaults are needed: k = 1 makes time the number of
// expected steps. Its Jacobian is lower bidiagonal, and sparsity() says so: from
// detail::sparse_jacobian_min_species species on, rosenbrock4 solves it with sparse matrices.
#pragma once

#include <fmt/format.h>

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../sparsity.hpp"

namespace odesynth::models {

class linear_chain {
 public:
  /// Throws invalid_argument unless n >= 2 (one step needs two species).
  explicit linear_chain(std::size_t n) : n_(n) {
    if (n < 2) detail::throw_invalid("linear_chain.n", n, "at least 2 species");
  }

  static constexpr std::string_view name = "linear_chain";
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  static constexpr std::array<double, 1> default_parameters{1.0};

  std::size_t size() const noexcept { return n_; }

  /// "x0", "x1", ..., "x{n-1}".
  std::vector<std::string> species() const {
    std::vector<std::string> names;
    names.reserve(n_);
    for (std::size_t i = 0; i < n_; ++i) names.push_back(fmt::format("x{}", i));
    return names;
  }

  /// Everything in the first species: x(0) = e0.
  std::vector<double> default_initial_state() const {
    std::vector<double> x0(n_, 0.0);
    x0[0] = 1.0;
    return x0;
  }

  /// The mean arrival time in the last species, (n - 1) / k, plus four standard deviations
  /// sqrt(n - 1) / k of that Erlang(n - 1, k) time, at the default k = 1: by then most of
  /// the total has arrived (99.3 % for n = 2, approaching 99.997 % as n grows).
  double default_t_end() const {
    const double steps = static_cast<double>(n_ - 1);
    return steps + 4 * std::sqrt(steps);
  }

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double k = p[0];
    const auto n = static_cast<std::size_t>(x.size());
    dxdt[0] = -k * x[0];
    for (std::size_t i = 1; i + 1 < n; ++i) dxdt[i] = k * (x[i - 1] - x[i]);
    dxdt[n - 1] = k * x[n - 2];
  }

  template <class State, class Matrix, class Params>
  void jacobian(const State& x, Matrix& J, double /*t*/, const Params& p) const {
    const double k = p[0];
    const auto n = static_cast<Eigen::Index>(x.size());
    J(0, 0) = -k;
    for (Eigen::Index i = 1; i + 1 < n; ++i) {
      J(i, i - 1) = k;
      J(i, i) = -k;
    }
    J(n - 1, n - 2) = k;
  }

  /// Lower bidiagonal: xi' depends on x(i-1) and xi.
  jacobian_sparsity sparsity() const { return jacobian_sparsity::banded(n_, 1, 0); }

  /// The exact solution at time t from x(0) = e0 with rate k: Poisson probabilities
  /// exp(-k t) (k t)^i / i! for i < n - 1 and the remaining mass in the last species.
  std::vector<double> exact_solution(double k, double t) const {
    std::vector<double> x(n_, 0.0);
    const double lambda = k * t;
    if (!(lambda > 0)) {
      x[0] = 1.0;
      return x;
    }
    double arrived = 1.0;
    for (std::size_t i = 0; i + 1 < n_; ++i) {
      // In logs: (k t)^i / i! overflows long before the product does.
      x[i] = std::exp(-lambda + static_cast<double>(i) * std::log(lambda) -
                      std::lgamma(static_cast<double>(i) + 1));
      arrived -= x[i];
    }
    x[n_ - 1] = arrived;
    return x;
  }

 private:
  std::size_t n_;
};

}  // namespace odesynth::models
