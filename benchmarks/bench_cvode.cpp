// bench_cvode: SUNDIALS CVODE (odesynth::cvode, BDF) against odesynth's own rosenbrock4 on
// stiff and non-stiff problems, small and large (built from src/cvode/CMakeLists.txt with
// ODESYNTH_CVODE=ON and ODESYNTH_BUILD_BENCHMARKS=ON).
//
//   bench_cvode [--quick] [--reps N] [--sizes 500,2000] [--max-seconds S]
//
// Workloads (same grid, same tolerances for every method of a row):
//   robertson       3 species, t in [0, 40], 41 outputs, rel_tol 1e-6, abs_tol (1e-8, 1e-12, 1e-8)
//   linear_chain n  models::linear_chain (k = 1: NOT stiff), t in [0, 20], 21 outputs
//   stiff_chain n   tests/cvode/stiff_chain.hpp (rates over 6 decades, lower-bidiagonal
//                   Jacobian, nonlinear), t in [0, 10], 21 outputs
// Methods: CVODE dense LU, CVODE band LU (lower bandwidth 1), rosenbrock4 (Eigen dense LU),
// all with the models' analytic Jacobians; CVODE dense also with difference quotients where
// cheap. Each cell is the median wall time of N runs of one solve, interleaved method by
// method so that machine noise hits all alike; "vs rb4" is rosenbrock4's median over the
// cell's. A method whose run exceeds --max-seconds (default 60) is not run again (its "runs"
// column says how often it ran). `err` is the largest difference from a tight CVODE band reference
// (rel_tol 1e-10).
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <odesynth/cvode/cvode_solver.hpp>
#include <odesynth/models/linear_chain.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/solve.hpp>
#include <string>
#include <vector>

#include "../tests/cvode/stiff_chain.hpp"

namespace {

using odesynth::cvode_linear_solver;
using odesynth::cvode_options;
using odesynth::time_grid;
using odesynth::trajectory;
using rosenbrock4_only = odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>;

struct method {
  std::string name;
  std::function<trajectory()> solve;
  std::vector<double> seconds;
  trajectory last;
  bool too_slow = false;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double max_difference(const trajectory& a, const trajectory& b) {
  if (!a.ok() || !b.ok()) return std::numeric_limits<double>::quiet_NaN();
  return (a.values() - b.values()).cwiseAbs().maxCoeff();
}

std::string duration(double s) {
  if (s < 1e-3) return fmt::format("{:.1f} us", s * 1e6);
  if (s < 1) return fmt::format("{:.2f} ms", s * 1e3);
  return fmt::format("{:.2f} s", s);
}

/// Runs every method `reps` times, interleaved, and prints one table.
void compare(const std::string& title, std::vector<method>& methods, const trajectory& reference,
             int reps, double max_seconds) {
  for (int r = 0; r < reps; ++r)
    for (auto& m : methods) {
      if (m.too_slow) continue;
      const auto t0 = std::chrono::steady_clock::now();
      m.last = m.solve();
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      m.seconds.push_back(s);
      if (s > max_seconds) m.too_slow = true;
    }
  const method* rb4 = nullptr;
  for (const auto& m : methods)
    if (m.name.rfind("rosenbrock4", 0) == 0) rb4 = &m;
  fmt::print("\n{}\n", title);
  fmt::print("  {:<28} {:>12} {:>8} {:>9} {:>10} {:>6}  {}\n", "method", "median", "runs", "vs rb4",
             "err", "steps", "status");
  for (const auto& m : methods) {
    const double med = median(m.seconds);
    const std::string ratio = rb4 ? fmt::format("{:.2f}x", median(rb4->seconds) / med) : "";
    fmt::print("  {:<28} {:>12} {:>8} {:>9} {:>10.2e} {:>6}  {}\n", m.name, duration(med),
               m.seconds.size(), ratio, max_difference(m.last, reference), m.last.steps(),
               m.last.status());
  }
}

cvode_options cvode_with(cvode_linear_solver solver, double rel_tol, double abs_tol) {
  cvode_options o;
  o.rel_tol = rel_tol;
  o.abs_tol = abs_tol;
  o.linear_solver = solver;
  if (solver == cvode_linear_solver::band) o.lower_bandwidth = 1;
  return o;
}

odesynth::solve_options rosenbrock4_with(double rel_tol, double abs_tol) {
  odesynth::solve_options o;
  o.stepper = odesynth::stepper_kind::rosenbrock4;
  o.rel_tol = rel_tol;
  o.abs_tol = abs_tol;
  return o;
}

void robertson(int reps, double max_seconds) {
  const odesynth::models::robertson m;
  const auto grid = time_grid::linspace(0, 40, 41);
  const std::vector<double> atol{1e-8, 1e-12, 1e-8};
  cvode_options c;
  c.abs_tol_per_species = atol;
  cvode_options c_dq = c;
  c_dq.jacobian = odesynth::cvode_jacobian::difference_quotients;
  odesynth::solve_options r = rosenbrock4_with(1e-6, 1e-8);
  r.abs_tol_per_species = atol;
  cvode_options c8 = c;  // CVODE's error at rel_tol 1e-6 is ~100x rosenbrock4's: matched
  c8.rel_tol = 1e-8;
  cvode_options tight = c;
  tight.rel_tol = 1e-10;
  tight.abs_tol_per_species = {1e-14, 1e-18, 1e-14};
  const odesynth::cvode_solver<odesynth::models::robertson> sc(m, c), sq(m, c_dq), s8(m, c8),
      st(m, tight);
  const odesynth::solver<odesynth::models::robertson, rosenbrock4_only> sr(m, r);
  const auto p = m.default_parameters;
  const auto x0 = m.default_initial_state;
  std::vector<method> methods{
      {"cvode dense (analytic J)", [&] { return sc.solve(p, x0, grid); }, {}, {}, false},
      {"cvode dense (DQ J)", [&] { return sq.solve(p, x0, grid); }, {}, {}, false},
      {"cvode dense, rel_tol 1e-8", [&] { return s8.solve(p, x0, grid); }, {}, {}, false},
      {"rosenbrock4 (analytic J)", [&] { return sr.solve(p, x0, grid); }, {}, {}, false}};
  compare("robertson: 3 species, t in [0, 40], 41 outputs, rel_tol 1e-6", methods,
          st.solve(p, x0, grid), reps, max_seconds);
}

template <class Model>
void chain(const std::string& title, const Model& model, const std::vector<double>& p,
           const std::vector<double>& x0, const time_grid& grid, int reps, double max_seconds) {
  const double rtol = 1e-6, atol = 1e-10;
  const odesynth::cvode_solver<Model> dense(model,
                                            cvode_with(cvode_linear_solver::dense, rtol, atol));
  const odesynth::cvode_solver<Model> band(model,
                                           cvode_with(cvode_linear_solver::band, rtol, atol));
  // CVODE's error at a given tolerance is ~20x rosenbrock4's here: band at rel_tol 1e-8 too,
  // for a comparison at matched accuracy.
  const odesynth::cvode_solver<Model> band8(model,
                                            cvode_with(cvode_linear_solver::band, 1e-8, atol));
  const odesynth::cvode_solver<Model> reference(
      model, cvode_with(cvode_linear_solver::band, 1e-10, 1e-14));
  const odesynth::solver<Model, rosenbrock4_only> rb4(model, rosenbrock4_with(rtol, atol));
  std::vector<method> methods{
      {"cvode band (analytic J)", [&] { return band.solve(p, x0, grid); }, {}, {}, false},
      {"cvode band, rel_tol 1e-8", [&] { return band8.solve(p, x0, grid); }, {}, {}, false},
      {"cvode dense (analytic J)", [&] { return dense.solve(p, x0, grid); }, {}, {}, false},
      {"rosenbrock4 dense (analytic J)", [&] { return rb4.solve(p, x0, grid); }, {}, {}, false}};
  compare(title, methods, reference.solve(p, x0, grid), reps, max_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int reps = 5;
  double max_seconds = 60;
  std::vector<std::size_t> sizes{500, 2000};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--reps" && i + 1 < argc) {
      reps = std::atoi(argv[++i]);
    } else if (a == "--max-seconds" && i + 1 < argc) {
      max_seconds = std::atof(argv[++i]);
    } else if (a == "--sizes" && i + 1 < argc) {
      sizes.clear();
      std::string list = argv[++i];
      for (std::size_t pos = 0; pos < list.size();) {
        const std::size_t comma = std::min(list.find(',', pos), list.size());
        sizes.push_back(static_cast<std::size_t>(std::stoul(list.substr(pos, comma - pos))));
        pos = comma + 1;
      }
    } else {
      fmt::print(stderr,
                 "usage: bench_cvode [--quick] [--reps N] [--sizes 500,2000] [--max-seconds S]\n");
      return 2;
    }
  }
  if (const char* env = std::getenv("ODESYNTH_BENCH_QUICK"); env && *env && std::strcmp(env, "0"))
    quick = true;
  if (quick) {
    reps = 1;
    sizes = {50};
  }
  robertson(quick ? 1 : 20 * reps, max_seconds);
  for (std::size_t n : sizes) {
    const odesynth::models::linear_chain lc(n);
    chain(fmt::format("linear_chain {} (k = 1, not stiff): t in [0, 20], 21 outputs, rel_tol 1e-6, "
                      "abs_tol 1e-10",
                      n),
          lc, {1.0}, lc.default_initial_state(), time_grid::linspace(0, 20, 21), reps, max_seconds);
    const test_models_cvode::stiff_chain sc(n);
    std::vector<double> x0(n, 0.0);
    x0[0] = 1;
    chain(fmt::format("stiff_chain {} (rates 1..1e6, nonlinear): t in [0, 10], 21 outputs, "
                      "rel_tol 1e-6, abs_tol 1e-10",
                      n),
          sc, {1.0, 0.1}, x0, time_grid::linspace(0, 10, 21), reps, max_seconds);
  }
  return 0;
}
