// The main demo: 1,000 noisy, sparsified SIR epidemics with sampled parameters, written as a
// dataset (NumPy arrays, SimbaML-style CSV files, metadata) plus a plot of a few of them: the
// clean solution as a line, the noisy observed points as dots.
//
//   sir_dataset [output-folder] [n] [--overwrite]      (defaults: sir_dataset 1000)
//
// Writes <output-folder>/ (the dataset) and <output-folder>.png (the plot, if gnuplot is
// installed). Everything is reproducible: the same seed gives the same files for any thread
// count, and on another machine except where its math library rounds log_uniform's exp/log
// differently (measured: 4 of the files, one trajectory; docs/reproducibility.md).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <odesynth/dataset.hpp>
#include <odesynth/models/sir.hpp>
#include <odesynth/progress_bar.hpp>
#include <odesynth/transforms.hpp>
#include <string>
#include <vector>

#include "gnuplot.hpp"

namespace dist = odesynth::dist;
using odesynth::models::sir;

int main(int argc, char** argv) try {
  std::filesystem::path folder = "sir_dataset";
  std::uint64_t n = 1000;
  bool overwrite = false;
  int positional = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--overwrite")
      overwrite = true;
    else if (positional++ == 0)
      folder = arg;
    else
      n = std::stoull(arg);
  }

  // An influenza-like outbreak in a closed population of 1,000: R0 = beta / gamma between
  // about 1.3 and 5, one to twenty initial cases. Sobol points spread the parameters evenly.
  odesynth::sampler samples(sir{});
  samples.parameter("beta", dist::log_uniform{0.3, 1.5})
      .parameter("gamma", dist::uniform{0.2, 0.35})
      .initial_value("I", dist::uniform{1, 20})
      .initial_value("R", 0.0)
      .initial_value("S", dist::constant{980.0})
      .design(odesynth::sampling_design::sobol());

  // What a surveillance system sees: counts with 10% proportional error plus a little
  // additive noise, never negative, reported on about a third of the days, with 5% of the
  // remaining values missing. Recovered counts are not observed.
  const auto measure = odesynth::proportional_noise(0.10) | odesynth::gaussian_noise(2.0) |
                       odesynth::clip_below(0) | odesynth::hide_species({"R"}) |
                       odesynth::random_subset(0.3) | odesynth::missing_entries(0.05);

  odesynth::generator_options options;
  options.seed = 20261123;
  options.on_progress = odesynth::progress_bar("sir dataset");
  const auto grid = odesynth::time_grid::linspace(0, 60, 61);  // daily, two months
  const auto generator =
      odesynth::make_generator(sir{}, odesynth::solve_options{}, samples, grid, measure, options);

  odesynth::dataset_options out;
  out.formats = {odesynth::dataset_format::npy, odesynth::dataset_format::simbaml_csv};
  out.overwrite = overwrite;
  const auto written = odesynth::write_dataset(generator, 0, n, folder, out);
  fmt::print("wrote {} trajectories ({} failed) to {} in {:.2f} s: {}\n", written.report.delivered,
             written.report.failed(), folder.string(), written.report.elapsed_seconds,
             fmt::join(written.files, ", "));

  // The plot: trajectories 0-3, clean (the same samples without the measurement model)
  // against what was observed. Data files go beside the PNG.
  odesynth::generator_options clean_options;
  clean_options.seed = options.seed;
  const auto clean = odesynth::make_generator(sir{}, odesynth::solve_options{}, samples, grid,
                                              odesynth::pipeline<>{}, clean_options);
  const std::filesystem::path png = folder.string() + ".png";
  const std::filesystem::path data = folder.string() + "_plot.dat";
  {
    std::ofstream f(data);
    for (std::uint64_t i = 0; i < 4; ++i) {
      const auto c = clean.make(i).data;
      const auto o = generator.make(i).data;
      // Gnuplot data blocks: clean S, I for trajectory i, then observed S, I.
      f << "# clean " << i << "\n";
      for (Eigen::Index r = 0; r < c.num_times(); ++r)
        f << c.times()[r] << ' ' << c.values()(r, 0) << ' ' << c.values()(r, 1) << '\n';
      f << "\n\n# observed " << i << "\n";
      for (Eigen::Index r = 0; r < o.num_times(); ++r)
        f << o.times()[r] << ' ' << (o.mask()(r, 0) ? fmt::format("{}", o.values()(r, 0)) : "NaN")
          << ' ' << (o.mask()(r, 1) ? fmt::format("{}", o.values()(r, 1)) : "NaN") << '\n';
      f << "\n\n";
    }
  }
  std::string script =
      "set title 'odesynth: SIR epidemics, 10% proportional noise, 30% of days observed'\n"
      "set xlabel 'day'\nset ylabel 'people'\nset key outside right\nset grid\n"
      "set key title 'solid: I, dashed: S, dots: observed'\n"
      "set datafile missing 'NaN'\n";
  script += "plot ";
  const char* colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a"};
  for (int i = 0; i < 4; ++i) {
    const std::string d = "'" + data.string() + "'";
    script += fmt::format(
        "{0} index {1} using 1:3 with lines lw 2 lc rgb '{2}' title 'I, trajectory {3}', "
        "{0} index {4} using 1:3 with points pt 7 ps 0.7 lc rgb '{2}' notitle, "
        "{0} index {1} using 1:2 with lines dt 2 lc rgb '{2}' notitle, "
        "{0} index {4} using 1:2 with points pt 6 ps 0.7 lc rgb '{2}' notitle{5}",
        d, 2 * i, colors[i], i, 2 * i + 1, i < 3 ? ", \\\n     " : "\n");
  }
  if (examples::plot(png, script)) fmt::print("wrote {}\n", png.string());
  return written.report.failed() == 0 ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "sir_dataset: %s\n", e.what());
  return 1;
}
