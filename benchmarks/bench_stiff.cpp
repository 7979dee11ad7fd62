// Stiff ensembles against scipy (issue: "Robertson, HIRES, OREGO, VdP mu=1000 ensembles (1000
// trajectories, sampled parameters) against scipy's LSODA/BDF through SimbaML-like Python
// loops ... target >= 100x scipy LSODA per core on the small stiff problems").
//
// Problems (equations, constants and sources in support/stiff_problems.hpp and in
// odesynth/models/{robertson,van_der_pol}.hpp):
//   robertson  models::robertson, k = (0.04, 3e7, 1e4), y0 = (1, 0, 0), t in [0, 1e5],
//              41 log-spaced outputs 1e-5..1e5 plus t = 0, abs_tol 1e-10
//   hires      stiff_problems::hires, t in [0, 321.8122], 101 outputs, abs_tol 1e-10
//   orego      stiff_problems::orego, t in [0, 360], 101 outputs, abs_tol 1e-8
//   vdp1000    models::van_der_pol with mu = 1000, y0 = (2, 0), t in [0, 3000] (about two
//              relaxation periods of 1614), 101 outputs, abs_tol 1e-8
// all at rel_tol 1e-6. Each ensemble has 1000 parameter sets: every parameter uniform on
// [0.9, 1.1] x nominal, drawn by odesynth's own sampler (fixed seed per problem), initial
// state fixed. The sets go to <out>/<problem>_params.csv for benchmarks/stiff/scipy_stiff.py.
//
// Methods, one function each (add a column by adding a function to methods_for()):
//   rosenbrock4            odesynth::solver, one solve after another on this thread
//   rosenbrock4/generator  make_generator(...).run() on one thread: the same solves plus the
//                          generator's sampling, checks and hand-off (same sets: same sampler)
//   auto_switch            odesynth::solver, stepper_kind::auto_switch
//   cvode                  odesynth::cvode_solver (dense, analytic Jacobian), only when built
//                          with -DODESYNTH_BENCH_STIFF_CVODE and linked to SUNDIALS
//   dopri5                 odesynth::solver, max_steps 100000, first 50 sets, one pass: what the
//                          default explicit method does on a stiff model
// Time: every method solves the ensemble `passes` times (5; methods interleaved, the order
// rotated every pass); a set's time is the median over passes of the time between two
// consecutive trajectories handed over; us/traj is the mean of those over the sets. The per-set
// times go to <out>/odesynth_times.csv, so run.sh can compare with scipy on the same sets.
// Error: the first 20 sets are solved again with rosenbrock4 at rel_tol 1e-11 and abs_tol
// 1e-4 x the problem's (written to <out>/<problem>_reference.csv); a set's error is the max over
// outputs and species of |x - ref| / (abs_tol + rel_tol |ref|) with the benchmark's tolerances
// (1: exactly at tolerance); the median and max over the 20 sets are reported. Before any of
// it, each problem at its nominal parameters is checked against the Test Set's published end
// values (mixed significant digits, as the Test Set's reports do).
//
//   bench_stiff [--quick] [--check] [--out DIR] [--only PROBLEM] [--passes N] [--sets N]
// --quick: 100 sets, 1 pass, dopri5 on 10, 10 reference sets (seconds, for CI).
// --check: only the Test Set check. DIR (default "."): the CSV files, plus odesynth_results.csv
// (one row per problem and method) for benchmarks/stiff/run.sh.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <odesynth/generator.hpp>
#include <odesynth/models/robertson.hpp>
#include <odesynth/models/van_der_pol.hpp>
#include <odesynth/solve.hpp>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "support/quick.hpp"
#include "support/stiff_problems.hpp"

#ifdef ODESYNTH_BENCH_STIFF_CVODE
#include <odesynth/cvode/cvode_solver.hpp>
#endif

namespace {

using odesynth::stepper_kind;
using odesynth::trajectory;
using clock_type = std::chrono::steady_clock;
// rosenbrock4 and dopri5 are in auto_switch anyway; all_steppers would add three more.
using steppers = odesynth::stepper_set<stepper_kind::rosenbrock4, stepper_kind::auto_switch,
                                       stepper_kind::dopri5>;

constexpr double rel_tol = 1e-6;
constexpr double ref_rel_tol = 1e-11;
constexpr double ref_abs_scale = 1e-4;

struct config {
  std::size_t sets = 1000;
  int passes = 5;
  std::size_t explicit_sets = 50;  // dopri5: each of these ends at max_steps, 10-20 ms each
  std::size_t ref_sets = 20;
  std::string out = ".";
  std::string only;
  bool check_only = false;
};

// One problem's ensemble: what every method solves.
struct ensemble {
  std::string name;
  std::vector<double> nominal, x0;
  odesynth::time_grid grid;
  double abs_tol;
  std::uint64_t seed;
  std::vector<std::vector<double>> sets;  // drawn by sampler_for(model, *this)
};

// A method: solves sets [0, n) of the ensemble in order and hands each trajectory over.
using sink_fn = std::function<void(std::size_t, trajectory&&)>;
struct method {
  std::string name;
  std::size_t max_sets = std::numeric_limits<std::size_t>::max();
  bool timed_once = false;  // one pass only (explicit methods: slow, and not what is compared)
  std::function<void(std::size_t n, const sink_fn&)> run;
};

template <class Model>
odesynth::sampler sampler_for(const Model& model, const ensemble& e) {
  odesynth::sampler s(model);
  for (std::size_t k = 0; k < e.nominal.size(); ++k)
    s.parameter(Model::parameters[k],
                odesynth::dist::uniform{0.9 * e.nominal[k], 1.1 * e.nominal[k]});
  for (std::size_t j = 0; j < e.x0.size(); ++j) s.initial_value(Model::species[j], e.x0[j]);
  return s;
}

odesynth::solve_options options_for(const ensemble& e, stepper_kind kind) {
  odesynth::solve_options o;
  o.stepper = kind;
  o.rel_tol = rel_tol;
  o.abs_tol = e.abs_tol;
  o.max_steps = 100000;
  return o;
}

// --- the methods: one function each -------------------------------------------------------

template <class Model>
method solver_loop(const Model& model, const ensemble& e, stepper_kind kind) {
  auto s = std::make_shared<const odesynth::solver<Model, steppers>>(model, options_for(e, kind));
  method m;
  m.name = std::string(odesynth::to_string(kind));
  m.run = [s, &e](std::size_t n, const sink_fn& sink) {
    for (std::size_t i = 0; i < n; ++i) sink(i, s->solve(e.sets[i], e.x0, e.grid));
  };
  return m;
}

template <class Model>
method generator_run(const Model& model, const ensemble& e, stepper_kind kind) {
  odesynth::generator_options g;
  g.seed = e.seed;
  g.threads = 1;
  auto gen = std::make_shared<const decltype(odesynth::make_generator<steppers>(
      model, options_for(e, kind), sampler_for(model, e), e.grid, odesynth::pipeline<>{}, g))>(
      odesynth::make_generator<steppers>(model, options_for(e, kind), sampler_for(model, e), e.grid,
                                         odesynth::pipeline<>{}, g));
  method m;
  m.name = fmt::format("{}/generator", kind);
  m.run = [gen, &e](std::size_t n, const sink_fn& sink) {
    gen->run(0, n, [&](std::uint64_t i, trajectory&& tr) {
      const auto& p = tr.parameters();  // the same sets as the other methods, or no comparison
      for (Eigen::Index k = 0; k < p.size(); ++k)
        if (p[k] != e.sets[i][static_cast<std::size_t>(k)])
          throw std::logic_error(fmt::format("{}: generator drew other parameters", e.name));
      sink(static_cast<std::size_t>(i), std::move(tr));
    });
  };
  return m;
}

#ifdef ODESYNTH_BENCH_STIFF_CVODE
template <class Model>
method cvode_loop(const Model& model, const ensemble& e) {
  odesynth::cvode_options o;  // dense LU, the model's analytic Jacobian
  o.rel_tol = rel_tol;
  o.abs_tol = e.abs_tol;
  o.max_steps = 100000;
  auto s = std::make_shared<const odesynth::cvode_solver<Model>>(model, o);
  method m;
  m.name = "cvode";
  m.run = [s, &e](std::size_t n, const sink_fn& sink) {
    for (std::size_t i = 0; i < n; ++i) sink(i, s->solve(e.sets[i], e.x0, e.grid));
  };
  return m;
}
#endif

template <class Model>
std::vector<method> methods_for(const Model& model, const ensemble& e, const config& c) {
  std::vector<method> ms;
  ms.push_back(solver_loop(model, e, stepper_kind::rosenbrock4));
  ms.push_back(generator_run(model, e, stepper_kind::rosenbrock4));
  ms.push_back(solver_loop(model, e, stepper_kind::auto_switch));
#ifdef ODESYNTH_BENCH_STIFF_CVODE
  ms.push_back(cvode_loop(model, e));
#endif
  method dopri5 = solver_loop(model, e, stepper_kind::dopri5);
  dopri5.max_sets = c.explicit_sets;
  dopri5.timed_once = true;
  ms.push_back(std::move(dopri5));
  return ms;
}

// --- measuring ----------------------------------------------------------------------------

std::FILE* open_or_throw(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error("cannot write " + path);
  return f;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

// max over outputs and species of |x - ref| / (abs_tol + rel_tol |ref|); a missing or NaN
// value counts as infinite.
double error_against(const trajectory& tr, const trajectory& ref, double abs_tol) {
  double worst = 0;
  const auto& x = tr.values();
  const auto& r = ref.values();
  for (Eigen::Index i = 0; i < x.rows(); ++i)
    for (Eigen::Index j = 0; j < x.cols(); ++j) {
      const double e = std::fabs(x(i, j) - r(i, j)) / (abs_tol + rel_tol * std::fabs(r(i, j)));
      worst = std::isnan(e) ? std::numeric_limits<double>::infinity() : std::max(worst, e);
    }
  return worst;
}

struct method_result {
  std::string method;
  std::size_t n = 0;
  int passes = 0;
  std::vector<double> set_seconds;  // median over passes, per set
  std::vector<std::string> set_status;
  std::vector<std::int64_t> set_steps;
  double us_per_traj = 0;
  double mean_steps = 0;
  std::size_t failures = 0;
  double err_median = std::numeric_limits<double>::quiet_NaN();
  double err_max = std::numeric_limits<double>::quiet_NaN();
  std::string statuses;
};

std::vector<method_result> measure(const std::vector<method>& ms, const ensemble& e,
                                   const std::vector<trajectory>& refs, const config& c) {
  std::vector<method_result> rs(ms.size());
  std::vector<std::vector<std::vector<double>>> seconds(ms.size());  // [method][set][pass]
  std::vector<std::vector<trajectory>> kept(ms.size());
  for (std::size_t k = 0; k < ms.size(); ++k) {
    rs[k].method = ms[k].name;
    rs[k].n = std::min(ms[k].max_sets, e.sets.size());
    seconds[k].resize(rs[k].n);
    rs[k].set_status.resize(rs[k].n);
    rs[k].set_steps.resize(rs[k].n);
  }
  for (int pass = 0; pass < c.passes; ++pass) {
    for (std::size_t r = 0; r < ms.size(); ++r) {
      const std::size_t k = (r + static_cast<std::size_t>(pass)) % ms.size();  // rotate
      if (ms[k].timed_once && pass > 0) continue;
      auto& res = rs[k];
      ++res.passes;
      auto last = clock_type::now();
      ms[k].run(res.n, [&](std::size_t i, trajectory&& tr) {
        const auto now = clock_type::now();
        seconds[k][i].push_back(std::chrono::duration<double>(now - last).count());
        if (pass == 0) {
          res.set_status[i] = std::string(odesynth::to_string(tr.status()));
          res.set_steps[i] = tr.steps();
          if (i < refs.size()) kept[k].push_back(std::move(tr));
        }
        last = clock_type::now();  // the bookkeeping above is not the method's time
      });
    }
  }
  for (std::size_t k = 0; k < ms.size(); ++k) {
    auto& res = rs[k];
    std::map<std::string, std::size_t> counts;
    double sum = 0, steps = 0;
    for (std::size_t i = 0; i < res.n; ++i) {
      res.set_seconds.push_back(median(seconds[k][i]));
      sum += res.set_seconds.back();
      steps += static_cast<double>(res.set_steps[i]);
      ++counts[res.set_status[i]];
      if (res.set_status[i] != "ok") ++res.failures;
    }
    res.us_per_traj = sum / static_cast<double>(res.n) * 1e6;
    res.mean_steps = steps / static_cast<double>(res.n);
    for (const auto& [name, count] : counts)
      res.statuses += fmt::format("{}{}:{}", res.statuses.empty() ? "" : " ", name, count);
    // Errors of the solves that succeeded (a failed one is a failure, not an error).
    std::vector<double> errors;
    for (std::size_t i = 0; i < kept[k].size(); ++i)
      if (kept[k][i].ok()) errors.push_back(error_against(kept[k][i], refs[i], e.abs_tol));
    if (!errors.empty()) {
      res.err_median = median(errors);
      res.err_max = *std::max_element(errors.begin(), errors.end());
    }
  }
  return rs;
}

// --- files --------------------------------------------------------------------------------

template <class Names>
std::string joined(const Names& names) {
  std::string s;
  for (const auto& n : names) s += fmt::format(",{}", n);
  return s;
}

template <class Model>
void write_inputs(const ensemble& e, const config& c) {
  std::FILE* f = open_or_throw(fmt::format("{}/{}_params.csv", c.out, e.name));
  fmt::print(f, "set{}\n", joined(Model::parameters));
  for (std::size_t i = 0; i < e.sets.size(); ++i) {
    fmt::print(f, "{}", i);
    for (double v : e.sets[i]) fmt::print(f, ",{:.17g}", v);
    fmt::print(f, "\n");
  }
  std::fclose(f);
  f = open_or_throw(fmt::format("{}/{}_grid.csv", c.out, e.name));
  fmt::print(f, "t\n");
  for (double t : e.grid.times()) fmt::print(f, "{:.17g}\n", t);
  std::fclose(f);
}

template <class Model>
std::vector<trajectory> references(const Model& model, const ensemble& e, const config& c) {
  odesynth::solve_options o = options_for(e, stepper_kind::rosenbrock4);
  o.rel_tol = ref_rel_tol;
  o.abs_tol = e.abs_tol * ref_abs_scale;
  o.max_steps = 100'000'000;
  const odesynth::solver<Model, steppers> s(model, o);
  std::vector<trajectory> refs;
  std::FILE* f = open_or_throw(fmt::format("{}/{}_reference.csv", c.out, e.name));
  fmt::print(f, "set,t{}\n", joined(Model::species));
  for (std::size_t i = 0; i < std::min(c.ref_sets, e.sets.size()); ++i) {
    refs.push_back(s.solve(e.sets[i], e.x0, e.grid));
    const auto& tr = refs.back();
    if (!tr.ok())
      throw std::runtime_error(fmt::format("{}: reference {} failed: {}", e.name, i, tr.message()));
    for (Eigen::Index r = 0; r < tr.num_times(); ++r) {
      fmt::print(f, "{},{:.17g}", i, tr.times()[r]);
      for (Eigen::Index j = 0; j < tr.num_species(); ++j)
        fmt::print(f, ",{:.17g}", tr.values()(r, j));
      fmt::print(f, "\n");
    }
  }
  std::fclose(f);
  return refs;
}

// --- the Test Set check -------------------------------------------------------------------

// The problem at its nominal parameters, solved with rosenbrock4 at rel_tol 1e-12 to the Test
// Set's end time, against the Test Set's reference (subroutine solut of each problem; ROBER at
// t = 1e11, VDPOL unscaled: mu = 1000, t = 2000, y2 = the scaled y2 / mu). Returns the mixed
// significant correct digits, min over species of -log10(|x - ref| / (atol / rtol + |ref|)).
template <class Model>
double check_against_test_set(const Model& model, const ensemble& e, double t_end,
                              const std::vector<double>& expected) {
  odesynth::solve_options o = options_for(e, stepper_kind::rosenbrock4);
  o.rel_tol = 1e-12;
  o.abs_tol = e.abs_tol * 1e-4;
  o.max_steps = 100'000'000;
  const odesynth::solver<Model, steppers> s(model, o);
  const auto tr =
      s.solve(e.nominal, e.x0, odesynth::time_grid::from_times({e.grid.start(), t_end}));
  if (!tr.ok()) throw std::runtime_error(fmt::format("{}: check failed: {}", e.name, tr.message()));
  double digits = std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < expected.size(); ++j) {
    const double x = tr.values()(1, static_cast<Eigen::Index>(j));
    const double err =
        std::fabs(x - expected[j]) / (o.abs_tol / o.rel_tol + std::fabs(expected[j]));
    digits = std::min(digits, err > 0 ? -std::log10(err) : 17.0);
  }
  fmt::print(
      "check {:<10} nominal parameters, rosenbrock4 rel_tol 1e-12 to t = {:g}: {:.1f} "
      "significant digits against the Test Set's reference\n",
      e.name, t_end, digits);
  return digits;
}

// --- one problem --------------------------------------------------------------------------

template <class Model>
std::vector<method_result> run_problem(const Model& model, ensemble& e, const config& c,
                                       double check_t_end, const std::vector<double>& expected) {
  if (check_against_test_set(model, e, check_t_end, expected) < 7)
    throw std::runtime_error(fmt::format("{}: the model disagrees with the Test Set", e.name));
  if (c.check_only) return {};
  const auto bound = sampler_for(model, e).bind(e.seed);
  e.sets.clear();
  for (std::size_t i = 0; i < c.sets; ++i)
    e.sets.push_back(bound.draw(i, e.grid.start()).parameters);
  write_inputs<Model>(e, c);
  const auto refs = references(model, e, c);
  return measure(methods_for(model, e, c), e, refs, c);
}

}  // namespace

int main(int argc, char** argv) {
  config c;
  bool quick = harness::quick_from_environment();
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--check") {
      c.check_only = true;
    } else if (a == "--out" && i + 1 < argc) {
      c.out = argv[++i];
    } else if (a == "--only" && i + 1 < argc) {
      c.only = argv[++i];
    } else if (a == "--passes" && i + 1 < argc) {
      c.passes = std::max(1, std::stoi(argv[++i]));
    } else if (a == "--sets" && i + 1 < argc) {
      c.sets = static_cast<std::size_t>(std::max(1, std::stoi(argv[++i])));
    } else {
      fmt::print(stderr,
                 "usage: bench_stiff [--quick] [--check] [--out DIR] [--only PROBLEM] "
                 "[--passes N] [--sets N]\n");
      return 2;
    }
  }
  if (quick) {
    c.sets = std::min<std::size_t>(c.sets, 100);
    c.passes = 1;
    c.explicit_sets = 10;
    c.ref_sets = 10;
  }

  using odesynth::models::robertson;
  using odesynth::models::van_der_pol;
  using stiff_problems::hires;
  using stiff_problems::orego;
  auto vec = [](const auto& a) { return std::vector<double>(std::begin(a), std::end(a)); };
  std::vector<ensemble> ensembles{
      {"robertson",
       vec(robertson::default_parameters),
       vec(robertson::default_initial_state),
       odesynth::time_grid::logspace(1e-5, 1e5, 41).with_start(0),
       1e-10,
       1,
       {}},
      {"hires",
       vec(hires::default_parameters),
       vec(hires::default_initial_state),
       odesynth::time_grid::linspace(0, hires::default_t_end, 101),
       1e-10,
       2,
       {}},
      {"orego",
       vec(orego::default_parameters),
       vec(orego::default_initial_state),
       odesynth::time_grid::linspace(0, orego::default_t_end, 101),
       1e-8,
       3,
       {}},
      {"vdp1000", {1000.0}, {2.0, 0.0}, odesynth::time_grid::linspace(0, 3000, 101), 1e-8, 4, {}},
  };

  std::FILE* problems = nullptr;
  std::FILE* results = nullptr;
  std::FILE* times = nullptr;
  if (!c.check_only) {
    problems = open_or_throw(c.out + "/problems.csv");
    fmt::print(problems, "problem,t0,rel_tol,abs_tol,ref_rel_tol,ref_abs_tol,sets,y0\n");
    results = open_or_throw(c.out + "/odesynth_results.csv");
    fmt::print(results,
               "problem,method,n,passes,us_per_traj,mean_steps,failures,err_median,err_max,"
               "statuses\n");
    times = open_or_throw(c.out + "/odesynth_times.csv");
    fmt::print(times, "problem,method,set,seconds,status,steps\n");
    fmt::print("{} sets per problem, {} passes, errors over the first {} sets\n", c.sets, c.passes,
               c.ref_sets);
  }
  bool header = false;
  for (auto& e : ensembles) {
    if (!c.only.empty() && c.only != e.name) continue;
    std::vector<method_result> rs;
    if (e.name == "robertson")
      rs = run_problem(robertson{}, e, c, 1e11,
                       {0.2083340149701255e-7, 0.8333360770334713e-13, 0.9999999791665050});
    else if (e.name == "hires")
      rs = run_problem(hires{}, e, c, hires::default_t_end, vec(hires::test_set_solution));
    else if (e.name == "orego")
      rs = run_problem(orego{}, e, c, orego::default_t_end, vec(orego::test_set_solution));
    else
      rs = run_problem(van_der_pol{}, e, c, 2000, {1.706167732170469, -0.8928097010248125e-3});
    if (c.check_only) continue;

    std::string y0;
    for (double v : e.x0) y0 += fmt::format("{}{:.17g}", y0.empty() ? "" : " ", v);
    fmt::print(problems, "{},{:.17g},{:g},{:g},{:g},{:g},{},{}\n", e.name, e.grid.start(), rel_tol,
               e.abs_tol, ref_rel_tol, e.abs_tol * ref_abs_scale, c.sets, y0);
    std::fflush(problems);
    if (!header) {
      fmt::print("{:<10} {:<22} {:>5} {:>6} {:>10} {:>9} {:>8} {:>9} {:>9}  {}\n", "problem",
                 "method", "n", "passes", "us/traj", "steps", "failures", "err_med", "err_max",
                 "statuses");
      header = true;
    }
    for (const auto& r : rs) {
      fmt::print("{:<10} {:<22} {:>5} {:>6} {:>10.1f} {:>9.1f} {:>8} {:>9.3g} {:>9.3g}  {}\n",
                 e.name, r.method, r.n, r.passes, r.us_per_traj, r.mean_steps, r.failures,
                 r.err_median, r.err_max, r.statuses);
      fmt::print(results, "{},{},{},{},{:.6g},{:.6g},{},{:.6g},{:.6g},{}\n", e.name, r.method, r.n,
                 r.passes, r.us_per_traj, r.mean_steps, r.failures, r.err_median, r.err_max,
                 r.statuses);
      for (std::size_t i = 0; i < r.n; ++i)
        fmt::print(times, "{},{},{},{:.6g},{},{}\n", e.name, r.method, i, r.set_seconds[i],
                   r.set_status[i], r.set_steps[i]);
    }
    std::fflush(results);
    std::fflush(times);
    std::fflush(stdout);
  }
  for (std::FILE* f : {problems, results, times})
    if (f) std::fclose(f);
  return 0;
}
