// A stiff problem: Robertson's chemical kinetics (the zoo's robertson), solved with the stiff
// Rosenbrock 4 stepper and with the explicit Dormand-Prince 5(4), comparing steps, time and
// status; then over the IVP Test Set's span t = 0 .. 1e11, which only Rosenbrock 4 finishes.
//
//   stiff_robertson [output-folder]        (default: the current directory)
//
// Writes stiff_robertson.csv (the Rosenbrock solution to t = 1e11 on a log-spaced grid),
// stiff_robertson_steppers.csv (one row per solve: stepper, span, status, steps, time,
// error) and stiff_robertson.png (the solution on a log-time axis, with where dopri5 gave up).
//
// Rate constants 0.04, 3e7 and 1e4 make the fast species y2 settle within 1e-3 time units
// while y1 and y3 change over decades of time. An explicit stepper must keep its step below
// its stability limit, set by the fast time scale, for the whole run, however smooth the
// solution: tens of thousands of steps of about 1e-3 to t = 40, and some 1e14 of them to 1e11.
// Rosenbrock 4 solves a linear system with the Jacobian per step instead and takes steps as
// large as the accuracy allows.
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <odesynth/models.hpp>
#include <odesynth/odesynth.hpp>
#include <string>

#include "gnuplot.hpp"

namespace zoo = odesynth::models;

namespace {

// The two steppers compared, both compiled in; o.stepper picks one at run time. (The default,
// odesynth::solve(...), compiles dopri5 alone.)
using compared =
    odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4, odesynth::stepper_kind::dopri5>;

struct timed_solve {
  odesynth::trajectory tr;
  double milliseconds;
};

timed_solve solve_timed(const odesynth::time_grid& grid, const odesynth::solve_options& o) {
  const zoo::robertson m;
  const auto start = std::chrono::steady_clock::now();
  auto tr = odesynth::solve<compared>(m, m.default_parameters, m.default_initial_state, grid, o);
  const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
  return {std::move(tr), took.count()};
}

// Largest relative error of `tr` against `reference` (same grid), over the observed rows;
// species below `floor` count relative to the floor (y2 starts at exactly 0).
double max_relative_error(const odesynth::trajectory& tr, const odesynth::trajectory& reference,
                          double floor) {
  double worst = 0;
  for (Eigen::Index r = 0; r < tr.num_times(); ++r)
    for (Eigen::Index j = 0; j < tr.num_species(); ++j)
      if (tr.mask()(r, j)) {
        const double ref = reference.values()(r, j);
        worst =
            std::max(worst, std::fabs(tr.values()(r, j) - ref) / std::max(std::fabs(ref), floor));
      }
  return worst;
}

// The last output time a (possibly failed) solve reached.
double last_time_reached(const odesynth::trajectory& tr) {
  double t = tr.times()[0];
  for (Eigen::Index r = 0; r < tr.num_times(); ++r)
    if (tr.mask().row(r).all()) t = tr.times()[r];
  return t;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::filesystem::path folder = argc > 1 ? argv[1] : ".";
  std::filesystem::create_directories(folder);
  bool ok = true;

  // Robertson's own span, [0, 40], on 50 log-spaced times. y2 lives near 1e-5 .. 4e-5, so
  // abs_tol must sit well below it (README, "Tolerance trap").
  const auto short_grid = odesynth::time_grid::logspace(1e-5, 40, 50).with_start(0.0);
  odesynth::solve_options stiff;
  stiff.stepper = odesynth::stepper_kind::rosenbrock4;
  stiff.rel_tol = 1e-6;
  stiff.abs_tol = 1e-12;
  odesynth::solve_options explicit_rk = stiff;
  explicit_rk.stepper = odesynth::stepper_kind::dopri5;

  // The reference for both: Rosenbrock 4 with tolerances 1000 times tighter.
  odesynth::solve_options tight = stiff;
  tight.rel_tol = 1e-9;
  tight.abs_tol = 1e-15;
  const auto reference = solve_timed(short_grid, tight).tr;

  // The IVP Test Set span, to t = 1e11 (Mazzia and Magherini 2008, problem ROBER), where
  // y1 ~ 2e-8 and y2 ~ 8e-14: tolerances that keep even those under relative control.
  const auto long_grid = odesynth::time_grid::logspace(1e-6, 1e11, 69).with_start(0.0);
  odesynth::solve_options stiff_long = stiff;
  stiff_long.rel_tol = 1e-10;
  stiff_long.abs_tol = 1e-20;
  odesynth::solve_options explicit_long = stiff_long;
  explicit_long.stepper = odesynth::stepper_kind::dopri5;  // max_steps stays at 100 000
  const std::array<double, 3> ivp_test_set_1e11{0.2083340149701255e-07, 0.8333360770334713e-13,
                                                0.9999999791665050};

  struct run {
    const char* stepper;
    double t_end;
    timed_solve result;
    double error;
  };
  run runs[] = {
      {"rosenbrock4", 40, solve_timed(short_grid, stiff), 0},
      {"dopri5", 40, solve_timed(short_grid, explicit_rk), 0},
      {"rosenbrock4", 1e11, solve_timed(long_grid, stiff_long), 0},
      {"dopri5", 1e11, solve_timed(long_grid, explicit_long), 0},
  };
  for (int i = 0; i < 2; ++i)
    runs[i].error = max_relative_error(runs[i].result.tr, reference, 1e-6);
  for (int i = 2; i < 4; ++i) {
    const auto& tr = runs[i].result.tr;
    runs[i].error = NAN;
    if (!tr.ok()) continue;
    runs[i].error = 0;
    for (Eigen::Index j = 0; j < 3; ++j) {
      const double ref = ivp_test_set_1e11[static_cast<std::size_t>(j)];
      runs[i].error =
          std::max(runs[i].error, std::fabs(tr.values()(tr.num_times() - 1, j) - ref) / ref);
    }
  }

  fmt::print("{:<12} {:>6} {:<10} {:>7} {:>9}  {}\n", "stepper", "t_end", "status", "steps",
             "time (ms)", "max relative error");
  std::ofstream table(folder / "stiff_robertson_steppers.csv");
  table << "stepper,t_end,status,steps,milliseconds,max_relative_error,reference\n";
  for (const auto& r : runs) {
    const char* against = r.t_end == 40 ? "rosenbrock4 at rel_tol 1e-9" : "IVP Test Set at 1e11";
    fmt::print("{:<12} {:>6g} {:<10} {:>7} {:>9.2f}  {:.1e} (vs {})\n", r.stepper, r.t_end,
               to_string(r.result.tr.status()), r.result.tr.steps(), r.result.milliseconds, r.error,
               against);
    table << r.stepper << ',' << fmt::format("{:g}", r.t_end) << ','
          << to_string(r.result.tr.status()) << ',' << r.result.tr.steps() << ','
          << r.result.milliseconds << ',' << r.error << ',' << against << '\n';
  }
  table.close();
  const auto& dopri5_long = runs[3].result.tr;
  const double gave_up_at = last_time_reached(dopri5_long);
  fmt::print("dopri5 to 1e11: {}\n", dopri5_long.message());

  // What must hold: on [0, 40] both steppers meet their tolerance (errors within 100 x
  // rel_tol of the reference) and the stiff one needs far fewer steps; to 1e11 Rosenbrock
  // matches the IVP Test Set to 100 x rel_tol and conserves y1 + y2 + y3 = 1, while dopri5
  // stops with a status instead of running for hours.
  ok &= runs[0].result.tr.ok() && runs[1].result.tr.ok() && runs[2].result.tr.ok();
  ok &= runs[0].error < 1e-4 && runs[1].error < 1e-4;
  ok &= runs[0].result.tr.steps() * 10 < runs[1].result.tr.steps();
  ok &= runs[2].error < 1e-8;
  ok &= dopri5_long.status() == odesynth::solve_status::max_steps;
  const auto& solution = runs[2].result.tr;
  for (Eigen::Index r = 0; r < solution.num_times(); ++r)
    ok &= std::fabs(solution.values().row(r).sum() - 1) < 1e-10;

  odesynth::csv_options csv;
  csv.overwrite = true;
  odesynth::write_csv(folder / "stiff_robertson.csv", solution, csv);

  // The plot: y2 is 1e4 times smaller than the others, so it is drawn scaled (the usual way
  // of showing Robertson's problem). Block 0: rosenbrock4 to 1e11; block 1: dopri5's rows.
  const std::filesystem::path dat = folder / "stiff_robertson.dat";
  {
    std::ofstream f(dat);
    for (const auto* tr : {&solution, &dopri5_long}) {
      for (Eigen::Index r = 0; r < tr->num_times(); ++r) {
        if (!tr->mask().row(r).all()) continue;
        f << tr->times()[r] << ' ' << tr->values()(r, 0) << ' ' << tr->values()(r, 1) * 1e4 << ' '
          << tr->values()(r, 2) << '\n';
      }
      f << "\n\n";
    }
  }
  const std::string d = "'" + dat.string() + "'";
  const std::string script = fmt::format(
      "set title \"Robertson's stiff kinetics: rosenbrock4 reaches t = 1e11 in {} steps;\\n"
      "dopri5 stops with status max_steps (100000 steps) after its output at t = {:.3g}\"\n"
      "set logscale x\nset format x '1e%T'\nset xrange [1e-6:1e11]\nset yrange [0:1.05]\n"
      "set xlabel 'time (log scale)'\nset ylabel 'concentration'\nset grid\n"
      "set key right center\n"
      "set arrow from {:g}, 0 to {:g}, 1.05 nohead dt 2 lc rgb '#555555'\n"
      "set label 'dopri5 gives up' at {:g}, 0.55 right offset -0.5, 0\n"
      "plot {} index 0 using 1:2 with lines lw 2 lc rgb '#1b9e77' title 'y1 (rosenbrock4)', "
      "{} index 0 using 1:3 with lines lw 2 lc rgb '#d95f02' title 'y2 x 10^4 (rosenbrock4)', "
      "{} index 0 using 1:4 with lines lw 2 lc rgb '#7570b3' title 'y3 (rosenbrock4)', "
      "{} index 1 using 1:2 with points pt 6 lc rgb '#1b9e77' title 'y1 (dopri5)', "
      "{} index 1 using 1:3 with points pt 6 lc rgb '#d95f02' title 'y2 x 10^4 (dopri5)', "
      "{} index 1 using 1:4 with points pt 6 lc rgb '#7570b3' title 'y3 (dopri5)'\n",
      solution.steps(), gave_up_at, gave_up_at, gave_up_at, gave_up_at, d, d, d, d, d, d);
  ok &= examples::plot(folder / "stiff_robertson.png", script) || !examples::have_gnuplot();
  fmt::print(
      "wrote stiff_robertson.csv, stiff_robertson_steppers.csv and stiff_robertson.png "
      "to {}\n",
      folder.string());
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "stiff_robertson: %s\n", e.what());
  return 1;
}
