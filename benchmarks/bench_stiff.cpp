// Stiff ensembles against scipy (issue: "Robertson, HIRES, OREGO, VdP mu=1000 ensembles (1000
// trajectories, sampled parameters) against scipy's LSODA/BDF through SimbaML-like Python
// loops ... target >= 100x scipy LSODA per core on the small stiff problems").
//
// For each problem, 1000 parameter sets (every parameter uniform in +-10% of its nominal
// value, from the LCG below, so Python can read the same sets from <out>/<problem>_params.csv)
// are solved one after another on one thread by one odesynth::solver<Model, all_steppers>:
//   robertson    k = (0.04, 3e7, 1e4), y0 = (1, 0, 0), 41 log-spaced times 1e-5..1e5 from 0
//   hires        support/stiff_problems.hpp, 101 times on [0, 321.8122]
//   orego        support/stiff_problems.hpp, 101 times on [0, 360]
//   vdp1000      van_der_pol, mu = 1000, y0 = (2, 0), 101 times on [0, 3000]
// with rosenbrock4 and auto_switch (rel_tol 1e-6, abs_tol per problem, printed) and dopri5
// (max_steps 100000, on the first 50 sets only, one pass: it shows what an explicit method
// does on a stiff model; 1000 solves ending at max_steps would take 15 s a problem).
// Time: median over 3 passes of the whole ensemble, divided by the ensemble size.
// Error: the first 20 sets are solved again with rosenbrock4 at rel_tol 1e-11 and abs_tol =
// the problem's abs_tol * 1e-4 (1e-14 for abs_tol 1e-10); the error of a method is the max over
// those sets, outputs and species of |x - ref| / (abs_tol + rel_tol |ref|) with the
// benchmark's tolerances (1 = exactly at tolerance). The references go to
// <out>/<problem>_reference.csv for scipy_stiff.py, which measures scipy the same way.
//
//   bench_stiff [--quick] [--out DIR] [--only NAME]
// --quick: 100 sets, 1 pass, dopri5 on 10. DIR (default "."): the CSV files, plus
// odesynth_results.csv (one row per problem and method) for benchmarks/stiff/run.sh.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <map>
#include <odesynth/models/robertson.hpp>
#include <odesynth/models/van_der_pol.hpp>
#include <odesynth/solve.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/stiff_problems.hpp"

namespace {

constexpr double rel_tol = 1e-6;
constexpr double ref_rel_tol = 1e-11;
constexpr std::size_t ref_sets = 20;

// A portable generator: Knuth's MMIX LCG, top 53 bits as a double in [0, 1).
class lcg {
 public:
  explicit lcg(std::uint64_t seed) : state_(seed) {}
  double uniform() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) * 0x1.0p-53;
  }

 private:
  std::uint64_t state_;
};

struct config {
  std::size_t sets = 1000;
  int repeats = 3;
  std::size_t dopri5_sets = 50;
  std::string out = ".";
  std::string only;
};

struct setup {
  std::string name;
  std::vector<double> nominal;
  std::vector<double> x0;
  odesynth::time_grid grid;
  double abs_tol;
  std::uint64_t seed;
};

struct method_result {
  std::string method;
  std::size_t n = 0;
  double us_per_traj = 0;
  double mean_steps = 0;
  std::size_t failures = 0;
  double max_error = std::numeric_limits<double>::quiet_NaN();
  std::string statuses;
};

std::FILE* open_or_throw(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + path);
  return f;
}

template <class Names>
std::string joined(const Names& names) {
  std::string s;
  for (const auto& n : names) s += fmt::format(",{}", n);
  return s;
}

std::vector<std::vector<double>> sample(const setup& s, std::size_t count) {
  lcg g(s.seed);
  std::vector<std::vector<double>> sets(count, s.nominal);
  for (auto& p : sets)
    for (double& v : p) v *= 0.9 + 0.2 * g.uniform();
  return sets;
}

double error_against(const odesynth::trajectory& tr, const odesynth::trajectory& ref, double atol) {
  double worst = 0;
  const auto& x = tr.values();
  const auto& r = ref.values();
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const double e = std::fabs(x(i, j) - r(i, j)) / (atol + rel_tol * std::fabs(r(i, j)));
      if (!(e <= worst)) worst = std::isnan(e) ? std::numeric_limits<double>::infinity() : e;
    }
  return worst;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

template <class Model>
std::vector<method_result> run_problem(const Model& model, const setup& s, const config& c) {
  const auto sets = sample(s, c.sets);
  {
    std::FILE* f = open_or_throw(fmt::format("{}/{}_params.csv", c.out, s.name));
    fmt::print(f, "set{}\n", joined(Model::parameters));
    for (std::size_t i = 0; i < sets.size(); ++i) {
      fmt::print(f, "{}", i);
      for (double v : sets[i]) fmt::print(f, ",{:.17g}", v);
      fmt::print(f, "\n");
    }
    std::fclose(f);
    f = open_or_throw(fmt::format("{}/{}_grid.csv", c.out, s.name));
    fmt::print(f, "t\n");
    for (double t : s.grid.times()) fmt::print(f, "{:.17g}\n", t);
    std::fclose(f);
  }

  // Reference solutions of the first sets.
  odesynth::solve_options ro;
  ro.stepper = odesynth::stepper_kind::rosenbrock4;
  ro.rel_tol = ref_rel_tol;
  ro.abs_tol = s.abs_tol * 1e-4;
  ro.max_steps = 100'000'000;
  const odesynth::solver<Model, odesynth::all_steppers> ref_solver(model, ro);
  const std::size_t nref = std::min(ref_sets, sets.size());
  std::vector<odesynth::trajectory> refs;
  {
    std::FILE* f = open_or_throw(fmt::format("{}/{}_reference.csv", c.out, s.name));
    fmt::print(f, "set,t{}\n", joined(Model::species));
    for (std::size_t i = 0; i < nref; ++i) {
      refs.push_back(ref_solver.solve(sets[i], s.x0, s.grid));
      const auto& tr = refs.back();
      if (!tr.ok())
        throw std::runtime_error(
            fmt::format("{}: reference {} failed: {}", s.name, i, tr.message()));
      for (Eigen::Index r = 0; r < tr.num_times(); ++r) {
        fmt::print(f, "{},{:.17g}", i, tr.times()[r]);
        for (Eigen::Index j = 0; j < tr.num_species(); ++j)
          fmt::print(f, ",{:.17g}", tr.values()(r, j));
        fmt::print(f, "\n");
      }
    }
    std::fclose(f);
  }

  std::vector<method_result> results;
  using odesynth::stepper_kind;
  for (stepper_kind kind :
       {stepper_kind::rosenbrock4, stepper_kind::auto_switch, stepper_kind::dopri5}) {
    odesynth::solve_options o;
    o.stepper = kind;
    o.rel_tol = rel_tol;
    o.abs_tol = s.abs_tol;
    o.max_steps = 100000;
    const odesynth::solver<Model, odesynth::all_steppers> solver(model, o);
    const bool explicit_method = kind == stepper_kind::dopri5;
    const std::size_t n = explicit_method ? std::min(c.dopri5_sets, sets.size()) : sets.size();
    const int repeats = explicit_method ? 1 : c.repeats;

    method_result r;
    r.method = std::string(odesynth::to_string(kind));
    r.n = n;
    std::vector<double> pass_seconds;
    std::map<std::string, std::size_t> statuses;
    std::int64_t steps = 0;
    double checksum = 0;
    for (int rep = 0; rep < repeats; ++rep) {
      const auto start = std::chrono::steady_clock::now();
      for (std::size_t i = 0; i < n; ++i) {
        const auto tr = solver.solve(sets[i], s.x0, s.grid);
        checksum += tr.values()(tr.num_times() - 1, 0);
        if (rep == 0) {
          steps += tr.steps();
          ++statuses[std::string(odesynth::to_string(tr.status()))];
          if (!tr.ok()) ++r.failures;
        }
      }
      pass_seconds.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    r.us_per_traj = median(pass_seconds) / static_cast<double>(n) * 1e6;
    r.mean_steps = static_cast<double>(steps) / static_cast<double>(n);
    for (const auto& [name, count] : statuses)
      r.statuses += fmt::format("{}{}:{}", r.statuses.empty() ? "" : " ", name, count);

    // Error over the reference sets that this method solved (all of them for rosenbrock4 and
    // auto_switch; failed dopri5 solves are counted as failures, not errors).
    double worst = -1;
    for (std::size_t i = 0; i < std::min(nref, n); ++i) {
      const auto tr = solver.solve(sets[i], s.x0, s.grid);
      if (tr.ok()) worst = std::max(worst, error_against(tr, refs[i], s.abs_tol));
    }
    if (worst >= 0) r.max_error = worst;
    if (!std::isfinite(checksum) && r.failures == 0) r.statuses += " (non-finite values)";
    results.push_back(r);
  }
  return results;
}

}  // namespace

int main(int argc, char** argv) {
  config c;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quick") {
      c.sets = 100;
      c.repeats = 1;
      c.dopri5_sets = 10;
    } else if (a == "--out" && i + 1 < argc) {
      c.out = argv[++i];
    } else if (a == "--only" && i + 1 < argc) {
      c.only = argv[++i];
    } else {
      fmt::print(stderr, "usage: bench_stiff [--quick] [--out DIR] [--only PROBLEM]\n");
      return 2;
    }
  }

  const std::vector<double> vdp_x0{2.0, 0.0};
  const std::vector<setup> setups{
      {"robertson",
       {0.04, 3e7, 1e4},
       {1.0, 0.0, 0.0},
       odesynth::time_grid::logspace(1e-5, 1e5, 41).with_start(0),
       1e-10,
       1},
      {"hires",
       {std::begin(stiff_problems::hires::default_parameters),
        std::end(stiff_problems::hires::default_parameters)},
       {std::begin(stiff_problems::hires::default_initial_state),
        std::end(stiff_problems::hires::default_initial_state)},
       odesynth::time_grid::linspace(0, 321.8122, 101),
       1e-10,
       2},
      {"orego",
       {77.27, 0.161, 8.375e-6},
       {1.0, 2.0, 3.0},
       odesynth::time_grid::linspace(0, 360, 101),
       1e-8,
       3},
      {"vdp1000", {1000.0}, vdp_x0, odesynth::time_grid::linspace(0, 3000, 101), 1e-8, 4},
  };

  std::FILE* problems = open_or_throw(c.out + "/problems.csv");
  fmt::print(problems, "problem,t0,rel_tol,abs_tol,ref_rel_tol,ref_abs_tol,sets,y0\n");
  std::FILE* out = open_or_throw(c.out + "/odesynth_results.csv");
  fmt::print(out, "problem,method,n,us_per_traj,mean_steps,failures,max_error,statuses\n");
  fmt::print("{:<10} {:<12} {:>5} {:>12} {:>10} {:>8} {:>10}  {}\n", "problem", "method", "n",
             "us/traj", "steps", "failures", "max_err", "statuses");
  for (const auto& s : setups) {
    if (!c.only.empty() && c.only != s.name) continue;
    std::string y0;
    for (double v : s.x0) y0 += fmt::format("{}{:.17g}", y0.empty() ? "" : " ", v);
    fmt::print(problems, "{},{:.17g},{:g},{:g},{:g},{:g},{},{}\n", s.name, s.grid.start(), rel_tol,
               s.abs_tol, ref_rel_tol, s.abs_tol * 1e-4, c.sets, y0);
    std::fflush(problems);
    std::vector<method_result> rs;
    if (s.name == "robertson")
      rs = run_problem(odesynth::models::robertson{}, s, c);
    else if (s.name == "hires")
      rs = run_problem(stiff_problems::hires{}, s, c);
    else if (s.name == "orego")
      rs = run_problem(stiff_problems::orego{}, s, c);
    else
      rs = run_problem(odesynth::models::van_der_pol{}, s, c);
    for (const auto& r : rs) {
      fmt::print("{:<10} {:<12} {:>5} {:>12.1f} {:>10.1f} {:>8} {:>10.3g}  {}\n", s.name, r.method,
                 r.n, r.us_per_traj, r.mean_steps, r.failures, r.max_error, r.statuses);
      fmt::print(out, "{},{},{},{:.6g},{:.6g},{},{:.6g},{}\n", s.name, r.method, r.n, r.us_per_traj,
                 r.mean_steps, r.failures, r.max_error, r.statuses);
      std::fflush(out);
    }
    std::fflush(stdout);
  }
  std::fclose(problems);
  std::fclose(out);
  return 0;
}
