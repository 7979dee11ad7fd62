// A large model: the zoo's linear_chain with 500 species (dynamic size: the state is an
// Eigen::VectorXd sized at run time), 300 trajectories with a sampled rate k, written as a
// NumPy dataset, read back and checked against the chain's exact solution.
//
//   large_chain [output-folder]        (default: the current directory)
//
// Writes large_chain/ (values.npy [300, 121, 6], times.npy, parameters.npy, ..., metadata.json),
// large_chain.png (trajectory 0: solver vs exact solution) and prints the solve time per
// trajectory. Mass starts in x0 and moves down the chain x0 -> x1 -> ... -> x499 at rate k;
// species i holds exp(-k t) (k t)^i / i! (a Poisson probability), so the dataset can be
// checked value by value.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <exception>
#include <filesystem>
#include <fstream>
#include <odesynth/dataset.hpp>
#include <odesynth/io/npy.hpp>
#include <odesynth/models.hpp>
#include <odesynth/transforms.hpp>
#include <string>
#include <vector>

#include "gnuplot.hpp"

namespace dist = odesynth::dist;
namespace zoo = odesynth::models;

int main(int argc, char** argv) try {
  const std::filesystem::path folder = argc > 1 ? argv[1] : ".";
  std::filesystem::create_directories(folder);
  constexpr std::size_t species = 500;
  constexpr std::uint64_t trajectories = 300;
  const zoo::linear_chain chain(species);

  // Every parameter and initial value needs a distribution or a value, all 500 of them: the
  // names come from the model, so a loop does it. Everything starts in x0.
  odesynth::sampler samples(chain);
  samples.parameter("k", dist::uniform{0.5, 2.0});
  for (const auto& name : chain.species()) samples.initial_value(name, name == "x0" ? 1.0 : 0.0);

  // Record six species along the chain, not all 500: a dataset of 300 x 121 x 6 values
  // instead of 300 x 121 x 500 (145 MB). The solver still integrates all 500.
  const std::vector<std::string> recorded{"x0", "x100", "x200", "x300", "x400", "x499"};
  const std::vector<std::size_t> recorded_index{0, 100, 200, 300, 400, 499};

  odesynth::solve_options solve;
  solve.rel_tol = 1e-8;
  solve.abs_tol = 1e-12;
  odesynth::generator_options options;
  options.seed = 500;
  const auto grid = odesynth::time_grid::linspace(0, 600, 121);
  const auto generator = odesynth::make_generator(chain, solve, samples, grid,
                                                  odesynth::select_species(recorded), options);

  odesynth::dataset_options out;
  out.formats = {odesynth::dataset_format::npy};
  out.overwrite = true;                         // re-running the example replaces its own output
  const std::clock_t cpu_start = std::clock();  // CPU time of all threads of the process
  const auto written =
      odesynth::write_dataset(generator, 0, trajectories, folder / "large_chain", out);
  const double cpu_seconds = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  const auto& report = written.report;
  const auto delivered = static_cast<double>(report.delivered);
  fmt::print(
      "{} trajectories of {} species ({} failed) in {:.2f} s on {} threads: {:.1f} ms "
      "wall and {:.1f} ms CPU per trajectory, writing included\n",
      report.delivered, species, report.failed(), report.elapsed_seconds,
      options.effective_threads(), 1e3 * report.elapsed_seconds / delivered,
      1e3 * cpu_seconds / delivered);

  // One solve alone, on this thread, for the cost without any parallel overhead.
  const odesynth::solver<zoo::linear_chain> solver(chain, solve);
  std::vector<double> x0(species, 0.0);
  x0[0] = 1.0;
  double best_ms = 1e300;
  std::int64_t steps = 0;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    const auto tr = solver.solve({1.0}, x0, grid);
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    best_ms = std::min(best_ms, took.count());
    steps = tr.steps();
  }
  fmt::print("one solve at k = 1, single thread: {:.1f} ms, {} dopri5 steps\n", best_ms, steps);

  // Read the dataset back as a user would, and compare every value with the exact solution.
  const auto values = odesynth::read_npy(folder / "large_chain" / "values.npy");     // [n, T, S]
  const auto times = odesynth::read_npy(folder / "large_chain" / "times.npy");       // [n, T]
  const auto rates = odesynth::read_npy(folder / "large_chain" / "parameters.npy");  // [n, 1]
  const std::size_t n = values.shape.at(0), T = values.shape.at(1), S = values.shape.at(2);
  double worst = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t r = 0; r < T; ++r) {
      const auto exact = chain.exact_solution(rates.values[i], times.values[i * T + r]);
      for (std::size_t j = 0; j < S; ++j)
        worst = std::max(worst,
                         std::fabs(values.values[(i * T + r) * S + j] - exact[recorded_index[j]]));
    }
  fmt::print("read back {}: shape [{}, {}, {}], largest |solver - exact| = {:.1e}\n",
             (folder / "large_chain" / "values.npy").string(), n, T, S, worst);
  // rel_tol 1e-8 on values of at most 1, accumulated over a few thousand steps: 1e-6 is
  // ample, while any real error (a wrong rate, a shifted index) would be of order 0.01.
  const bool ok =
      report.failed() == 0 && n == trajectories && T == 121 && S == recorded.size() && worst < 1e-6;

  // The plot: trajectory 0, each recorded species' exact curve and the dataset's values.
  const double k0 = rates.values[0];
  const std::filesystem::path dat = folder / "large_chain.dat";
  {
    std::ofstream f(dat);
    for (int r = 0; r <= 600; ++r) {  // exact, every time unit
      const auto exact = chain.exact_solution(k0, r);
      f << r;
      for (std::size_t j : recorded_index) f << ' ' << exact[j];
      f << '\n';
    }
    f << "\n\n";
    for (std::size_t r = 0; r < T; ++r) {  // the dataset's trajectory 0
      f << times.values[r];
      for (std::size_t j = 0; j < S; ++j) f << ' ' << values.values[r * S + j];
      f << '\n';
    }
  }
  const std::string d = "'" + dat.string() + "'";
  std::string script = fmt::format(
      "set title \"Linear chain of {} species, trajectory 0 (k = {:.3f}): mass moving down the "
      "chain\\nlines: exact solution exp(-kt) (kt)^i / i!; dots: the dataset (dopri5)\"\n"
      "set xlabel 'time'\nset ylabel 'amount in x100 .. x400'\n"
      "set y2label 'amount in x0 and x499 (dashed)'\nset ytics nomirror\nset y2tics\n"
      "set grid\nset key top left\nset xrange [0:600]\nset yrange [0:0.05]\n"
      "set y2range [0:1.0]\nplot ",
      species, k0);
  const char* colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"};
  for (std::size_t j = 0; j < S; ++j) {
    // The first species only empties and the last, absorbing one only fills: both on the
    // right-hand axis, from 0 to 1; the ones in between pass a wave of width sqrt(i) / k.
    const bool ends = j == 0 || j + 1 == S;
    script += fmt::format(
        "{0} index 0 using 1:{1} axes x1{5} with lines lw 2 {6} lc rgb '{2}' title '{3}', "
        "{0} index 1 using 1:{1} axes x1{5} with points pt 7 ps 0.8 lc rgb '{2}' notitle{4}",
        d, j + 2, colors[j], recorded[j], j + 1 < S ? ", " : "\n", ends ? "y2" : "y1",
        ends ? "dt 2" : "");
  }
  const bool plotted =
      examples::plot(folder / "large_chain.png", script) || !examples::have_gnuplot();
  fmt::print("wrote {} and large_chain.png\n", (folder / "large_chain").string());
  return ok && plotted ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "large_chain: %s\n", e.what());
  return 1;
}
