// A parameter scan: how big does an SIR epidemic get, as a function of the transmission rate
// beta and the recovery rate gamma? 32 Latin hypercube points and 32 Sobol' points over the
// same box, each solved to the end of the epidemic and checked against the exact final-size
// relation; the plot shows where the points fall and how the designs stratify the box.
//
//   parameter_scan [output-folder]        (default: the current directory)
//
// Writes parameter_scan.csv (design, index, beta, gamma, R0, simulated and exact final size)
// and parameter_scan.png (both designs over the exact final size, one panel each).
//
// Final size: with S(0) = S0 in a population N, the epidemic ends with a fraction z of the
// population recovered, where 1 - z = (S0 / N) exp(-R0 z) and R0 = beta / gamma (Kermack and
// McKendrick 1927; the relation follows from dS/dR = -R0 S / N). Below R0 = 1 there is no
// epidemic, above it z rises steeply: the scan should show that edge along beta = gamma.
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <odesynth/models.hpp>
#include <odesynth/odesynth.hpp>
#include <string>
#include <vector>

#include "gnuplot.hpp"

namespace dist = odesynth::dist;
namespace zoo = odesynth::models;

namespace {

constexpr double population = 10000, initial_cases = 10;
constexpr double beta_lo = 0.1, beta_hi = 1.0, gamma_lo = 0.1, gamma_hi = 0.5;
constexpr std::uint64_t points = 32;

// The root of f(z) = 1 - z - s0 exp(-R0 z) in (0, 1): f(0) = 1 - s0 > 0, f(1) < 0 and f is
// concave, so there is exactly one, and bisection finds it to rounding.
double exact_final_size(double r0) {
  const double s0 = (population - initial_cases) / population;
  double lo = 0, hi = 1;
  for (int i = 0; i < 100; ++i) {
    const double z = (lo + hi) / 2;
    (1 - z - s0 * std::exp(-r0 * z) > 0 ? lo : hi) = z;
  }
  return (lo + hi) / 2;
}

struct scan_point {
  double beta, gamma, final_size;
};

// One design: a sampler over (beta, gamma), a generator without measurement noise, and the
// final fraction recovered of each trajectory.
std::vector<scan_point> scan(const odesynth::sampling_design& design) {
  const zoo::sir model;
  odesynth::sampler samples(model);
  samples.parameter("beta", dist::uniform{beta_lo, beta_hi})
      .parameter("gamma", dist::uniform{gamma_lo, gamma_hi})
      .initial_value("S", population - initial_cases)
      .initial_value("I", initial_cases)
      .initial_value("R", 0.0)
      .design(design);
  // Only the end matters: one output time, long after the slowest epidemic is over (near
  // R0 = 1 an outbreak smoulders for years).
  const auto grid = odesynth::time_grid::from_times({5000.0}).with_start(0.0);
  odesynth::solve_options options;
  options.rel_tol = 1e-9;
  odesynth::generator_options generation;
  generation.seed = 1927;
  const auto generator =
      odesynth::make_generator(model, options, samples, grid, odesynth::pipeline<>{}, generation);
  std::vector<scan_point> out;
  generator.run(0, points, [&](std::uint64_t, odesynth::trajectory&& tr) {
    if (!tr.ok()) throw std::runtime_error(fmt::format("solve failed: {}", tr.message()));
    out.push_back({tr.parameters()[0], tr.parameters()[1], tr.values()(0, 2) / population});
  });
  return out;
}

// How many points fall in each of `bx` x `by` equal cells of the box.
std::vector<int> cell_counts(const std::vector<scan_point>& scan_points, int bx, int by) {
  std::vector<int> counts(static_cast<std::size_t>(bx * by), 0);
  for (const auto& p : scan_points) {
    const int i = static_cast<int>((p.beta - beta_lo) / (beta_hi - beta_lo) * bx);
    const int j = static_cast<int>((p.gamma - gamma_lo) / (gamma_hi - gamma_lo) * by);
    ++counts[static_cast<std::size_t>(j * bx + i)];
  }
  return counts;
}

// Grid lines of a bx x by partition of the box, as gnuplot arrows.
std::string grid_lines(int bx, int by) {
  std::string s = "unset arrow\n";
  for (int i = 1; i < bx; ++i) {
    const double b = beta_lo + (beta_hi - beta_lo) * i / bx;
    s += fmt::format("set arrow from {0}, {1} to {0}, {2} nohead front lc rgb '#ffffff' lw 0.6\n",
                     b, gamma_lo, gamma_hi);
  }
  for (int j = 1; j < by; ++j) {
    const double g = gamma_lo + (gamma_hi - gamma_lo) * j / by;
    s += fmt::format("set arrow from {1}, {0} to {2}, {0} nohead front lc rgb '#ffffff' lw 0.6\n",
                     g, beta_lo, beta_hi);
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::filesystem::path folder = argc > 1 ? argv[1] : ".";
  std::filesystem::create_directories(folder);
  bool ok = true;

  const auto lhs = scan(odesynth::sampling_design::latin_hypercube(points));
  const auto sobol = scan(odesynth::sampling_design::sobol());

  // The table, and the check against the final-size relation. z is the fraction recovered
  // at t = 5000; the relation holds for t -> infinity, so allow what is still infectious
  // then (nothing, to 1e-9, at these rates) plus the solver's tolerance.
  std::ofstream table(folder / "parameter_scan.csv");
  table << "design,index,beta,gamma,R0,final_size,final_size_exact\n";
  double worst = 0;
  for (const auto& [name, design] : {std::pair{"latin_hypercube", &lhs}, {"sobol", &sobol}}) {
    for (std::size_t i = 0; i < design->size(); ++i) {
      const auto& p = (*design)[i];
      const double r0 = p.beta / p.gamma, exact = exact_final_size(r0);
      worst = std::max(worst, std::fabs(p.final_size - exact));
      table << name << ',' << i << ',' << p.beta << ',' << p.gamma << ',' << r0 << ','
            << p.final_size << ',' << exact << '\n';
    }
  }
  table.close();
  fmt::print("{} + {} scan points; largest |simulated - exact final size| = {:.1e}\n", lhs.size(),
             sobol.size(), worst);
  ok &= worst < 1e-6 && lhs.size() == points && sobol.size() == points;

  // Stratification. Latin hypercube: each of the 32 strata of beta holds exactly one point,
  // and so does each stratum of gamma. Sobol': the 32 points spread over every partition of
  // the box into 32 equal dyadic cells (32 x 1, 16 x 2, 8 x 4, ...); the first 2^m points of
  // the design are such a net except that the sequence's origin is swapped for point 2^m,
  // so one cell may hold two points and another none (designs.hpp).
  bool lhs_one_per_stratum = true;
  for (int count : cell_counts(lhs, points, 1)) lhs_one_per_stratum &= count == 1;
  for (int count : cell_counts(lhs, 1, points)) lhs_one_per_stratum &= count == 1;
  fmt::print("latin hypercube: one point in each of the {} strata of beta and of gamma: {}\n",
             points, lhs_one_per_stratum);
  ok &= lhs_one_per_stratum;
  int sobol_worst_empty = 0;
  for (int bx = 1; bx <= 32; bx *= 2) {
    int empty = 0, most = 0;
    for (int count : cell_counts(sobol, bx, 32 / bx)) {
      empty += count == 0;
      most = std::max(most, count);
    }
    fmt::print("sobol: {:2} x {:2} cells: {} empty, at most {} point(s) in a cell\n", bx, 32 / bx,
               empty, most);
    sobol_worst_empty = std::max(sobol_worst_empty, empty);
    ok &= most <= 2;
  }
  ok &= sobol_worst_empty <= 1;

  // The plot: the exact final size as the background image, the scan points on top coloured
  // by their simulated final size (same palette: a point that disagreed would stand out),
  // white lines for the strata (Latin hypercube) and the 8 x 4 cells (Sobol').
  const std::filesystem::path surface = folder / "parameter_scan_surface.dat";
  const std::filesystem::path dat = folder / "parameter_scan.dat";
  {
    std::ofstream f(surface);
    for (int j = 0; j <= 100; ++j) {
      for (int i = 0; i <= 100; ++i) {
        const double b = beta_lo + (beta_hi - beta_lo) * i / 100;
        const double g = gamma_lo + (gamma_hi - gamma_lo) * j / 100;
        f << b << ' ' << g << ' ' << exact_final_size(b / g) << '\n';
      }
      f << '\n';
    }
    std::ofstream p(dat);
    for (const auto* design : {&lhs, &sobol}) {
      for (const auto& q : *design) p << q.beta << ' ' << q.gamma << ' ' << q.final_size << '\n';
      p << "\n\n";
    }
  }
  const std::string s = "'" + surface.string() + "'", d = "'" + dat.string() + "'";
  auto panel = [&](const char* title, int index, int bx, int by) {
    return fmt::format(
        "set title '{}'\n{}"
        "plot {} using 1:2:3 with image notitle, "
        "x with lines dt 2 lw 2 lc rgb '#ffffff' notitle, "
        "{} index {} using 1:2 with points pt 7 ps 2.2 lc rgb '#000000' notitle, "
        "{} index {} using 1:2:3 with points pt 7 ps 1.6 lc palette notitle\n",
        title, grid_lines(bx, by), s, d, index, d, index);
  };
  const std::string script =
      "set terminal pngcairo size 1500,650 noenhanced\n"
      "set multiplot layout 1, 2 title \"SIR final epidemic size over (beta, gamma): background "
      "exact, black-rimmed dots simulated (same colour scale)\" font ',14'\n"
      "set label 'R0 = beta / gamma = 1' at 0.31, 0.37 rotate by 65 center tc rgb '#ffffff' "
      "offset -1.2, 0 front\n"
      "set xlabel 'beta (transmission rate, per day)'\nset ylabel 'gamma (recovery rate, per "
      "day)'\nset cblabel 'final size (fraction recovered)'\n"
      "set xrange [0.1:1.0]\nset yrange [0.1:0.5]\nset cbrange [0:1]\n"
      "set palette defined (0 '#440154', 0.25 '#3b528b', 0.5 '#21918c', 0.75 '#5ec962', 1 "
      "'#fde725')\n" +
      panel("latin_hypercube(32): one point per row and per column of the 32 x 32 strata", 0,
            points, points) +
      panel("sobol(): 32 points, about one per cell of the 8 x 4 dyadic cells", 1, 8, 4) +
      "unset multiplot\n";
  ok &= examples::plot(folder / "parameter_scan.png", script) || !examples::have_gnuplot();
  fmt::print("wrote parameter_scan.csv and parameter_scan.png to {}\n", folder.string());
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "parameter_scan: %s\n", e.what());
  return 1;
}
