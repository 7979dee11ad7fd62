// benchmarks/support/workloads.hpp - the problems the benchmarks share: Lotka-Volterra with
// parameters and initial values drawn within 20% of the defaults, a linear chain of n species
// (a dynamic-size model), the solver settings (dopri5 with dense output, rel_tol 1e-6,
// abs_tol 1e-8), and sinks that keep one value per trajectory so nothing is optimised away.
#pragma once

#include <cstddef>
#include <cstdint>
#include <odesynth/generator.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/sampler.hpp>
#include <string>
#include <vector>

namespace workload {

inline constexpr std::uint64_t seed = 2026;

/// x0' = -k x0, xi' = k x(i-1) - k xi: a dynamic-size model (names at run time).
class linear_chain {
 public:
  explicit linear_chain(std::size_t n) : n_(n) {}
  std::string name() const { return "linear_chain"; }
  std::vector<std::string> species() const {
    std::vector<std::string> s;
    for (std::size_t i = 0; i < n_; ++i) s.push_back("x" + std::to_string(i));
    return s;
  }
  std::vector<std::string> parameters() const { return {"k"}; }
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double /*t*/, const P& p) const {
    rhs(x, dxdt, p[0]);
  }
  /// The same loop for every state type, so hand-written solves evaluate identical arithmetic.
  template <class S>
  static void rhs(const S& x, S& dxdt, double k) {
    const auto n = static_cast<std::size_t>(x.size());
    dxdt[0] = -k * x[0];
    for (std::size_t i = 1; i < n; ++i) dxdt[i] = k * x[i - 1] - k * x[i];
  }

 private:
  std::size_t n_;
};

inline odesynth::solve_options solver_options() {
  odesynth::solve_options o;  // dopri5, dense output
  o.abs_tol = 1e-8;
  o.rel_tol = 1e-6;
  return o;
}

inline odesynth::generator_options one_thread() {
  odesynth::generator_options o;
  o.seed = seed;
  o.threads = 1;
  return o;
}

/// Lotka-Volterra, every parameter and initial value uniform within 20% of its default.
inline odesynth::sampler lv_sampler() {
  using odesynth::models::lotka_volterra;
  namespace dist = odesynth::dist;
  const auto& p = lotka_volterra::default_parameters;
  const auto& x0 = lotka_volterra::default_initial_state;
  odesynth::sampler s(lotka_volterra{});
  for (std::size_t i = 0; i < p.size(); ++i)
    s.parameter(lotka_volterra::parameters[i], dist::uniform{0.8 * p[i], 1.2 * p[i]});
  for (std::size_t i = 0; i < x0.size(); ++i)
    s.initial_value(lotka_volterra::species[i], dist::uniform{0.8 * x0[i], 1.2 * x0[i]});
  return s;
}

/// The chain with k and x0 drawn in [0.5, 1.5], the other species starting at 0.
inline odesynth::sampler chain_sampler(const linear_chain& model) {
  namespace dist = odesynth::dist;
  odesynth::sampler s(model);
  s.parameter("k", dist::uniform{0.5, 1.5});
  const auto names = model.species();
  s.initial_value(names[0], dist::uniform{0.5, 1.5});
  for (std::size_t i = 1; i < names.size(); ++i) s.initial_value(names[i], 0.0);
  return s;
}

/// Runs trajectories [0, n) through the generator's threads into a sink that keeps one value.
template <class Generator>
double generate(const Generator& g, std::size_t n) {
  double sum = 0;
  g.run(0, n, [&sum](std::uint64_t, odesynth::trajectory&& tr) {
    sum += tr.values()(tr.num_times() - 1, 0);
  });
  return sum;
}

/// generator::make for trajectories [0, n) on the calling thread: no thread hand-off.
template <class Generator>
double make_serially(const Generator& g, std::size_t n) {
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto t = g.make(i);
    sum += t.data.values()(t.data.num_times() - 1, 0);
  }
  return sum;
}

}  // namespace workload
