// How much training data does a forecaster need? SimbaML's headline question, answered with
// synthetic data: two forecasters (ridge regression and k nearest neighbours, from
// support/forecasters.hpp) are trained on 10, 30, 100, 300 and 1,000 simulated predator-prey
// time series and scored on the same 200 held-out series. Small sizes are repeated on disjoint
// subsets (up to 5 times) to show how much a result depends on which few series were seen.
//
//   data_requirements [output-prefix]        (default: data_requirements)
//
// Writes <output-prefix>.csv (the table, also printed) and <output-prefix>.png (held-out error
// against the number of training series, log x; needs gnuplot). The data: Lotka–Volterra
// hare-lynx cycles with parameters and initial populations drawn around the classic fit,
// "measured" twice a year with 5% proportional plus a little additive noise. The task: from
// 3 years of both populations (6 half-yearly points), forecast the next 2 years (4 points).
// The numbers are whatever was measured; nothing is assumed about who wins.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <odesynth/generator.hpp>
#include <odesynth/ml.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/transforms.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "forecasters.hpp"
#include "gnuplot.hpp"

namespace dist = odesynth::dist;
using odesynth::trajectory;
using odesynth::models::lotka_volterra;

namespace {

/// Held-out RMSE and MASE of one forecaster trained on one training set.
struct score {
  double rmse = 0;
  double mase = 0;
};

struct run_result {
  score ridge;
  score knn;
  std::size_t train_windows = 0;
};

score score_of(const odesynth::array3& truth, const odesynth::array3& forecast) {
  // Both throw on non-finite forecasts, so a broken model cannot produce a table.
  return {odesynth::root_mean_squared_error(truth, forecast),
          odesynth::mean_absolute_scaled_error(truth, forecast)};
}

/// Scales with statistics of `train` only, fits both forecasters on its windows, and scores
/// their forecasts of `test` (unscaled windows) in the original units.
run_result train_and_score(const std::vector<trajectory>& train, const odesynth::window_set& test,
                           const odesynth::window_options& windows) {
  const odesynth::feature_scaler scaler(odesynth::scaling_method::standard, train);
  auto w = odesynth::make_windows(train, windows);
  if (w.size() == 0) throw std::runtime_error("a training set gave no complete window");
  scaler.transform(w);
  auto x_test = test.inputs;
  scaler.transform(x_test, test.input_species);

  run_result r;
  r.train_windows = w.size();
  examples::ridge_forecaster ridge(1.0);
  ridge.fit(w.inputs, w.targets);
  auto p = ridge.predict(x_test);
  scaler.inverse_transform(p, test.target_species);
  r.ridge = score_of(test.targets, p);

  examples::knn_forecaster knn(5);
  knn.fit(w.inputs, w.targets);
  p = knn.predict(x_test);
  scaler.inverse_transform(p, test.target_species);
  r.knn = score_of(test.targets, p);
  return r;
}

struct summary {
  double mean = 0, sd = 0;
};

summary summarise(const std::vector<double>& v) {
  summary s;
  for (const double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  for (const double x : v) s.sd += (x - s.mean) * (x - s.mean);
  // Sample standard deviation across replicates; 0 for a single run.
  s.sd = v.size() > 1 ? std::sqrt(s.sd / static_cast<double>(v.size() - 1)) : 0.0;
  return s;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string prefix = argc > 1 ? argv[1] : "data_requirements";
  const std::filesystem::path csv = prefix + ".csv", png = prefix + ".png";

  // Populations in thousands of pelts, t in years. Every series has its own rates, within
  // about +-20% of the fitted hare-lynx values, and its own starting populations.
  odesynth::sampler samples(lotka_volterra{});
  samples.parameter("alpha", dist::uniform{0.45, 0.65})
      .parameter("beta", dist::uniform{0.022, 0.034})
      .parameter("gamma", dist::uniform{0.65, 0.95})
      .parameter("delta", dist::uniform{0.019, 0.029})
      .initial_value("prey", dist::uniform{20, 50})
      .initial_value("predator", dist::uniform{3, 10});

  // Solved monthly for 20 years; a field survey counts twice a year (every 6th point, 41
  // points), with 5% proportional error and 0.5 thousand additive error, never negative.
  const auto measure = odesynth::keep_every(6) | odesynth::proportional_noise(0.05) |
                       odesynth::gaussian_noise(0.5) | odesynth::clip_below(0);
  odesynth::generator_options options;
  options.seed = 5;
  const auto generator =
      odesynth::make_generator(lotka_volterra{}, odesynth::solve_options{}, samples,
                               odesynth::time_grid::linspace(0, 20, 241), measure, options);

  // Series 0-999 are the training pool, 1000-1199 the held-out test set, never trained on.
  constexpr std::size_t pool_size = 1000, test_size = 200;
  odesynth::generation_report pool_report, test_report;
  const auto pool = generator.collect(0, pool_size, &pool_report);
  const auto test_series = generator.collect(pool_size, pool_size + test_size, &test_report);
  if (pool.size() != pool_size || test_series.size() != test_size ||
      pool_report.failed() + test_report.failed() != 0)
    throw std::runtime_error(fmt::format("expected {} + {} solved series, got {} + {} ({} failed)",
                                         pool_size, test_size, pool.size(), test_series.size(),
                                         pool_report.failed() + test_report.failed()));

  odesynth::window_options windows;
  windows.input_length = 6;  // 3 years
  windows.horizon = 4;       // the next 2 years
  windows.stride = 2;        // a new window every year
  const auto test = odesynth::make_windows(test_series, windows);
  if (test.size() == 0) throw std::runtime_error("the test set gave no window");
  // The baseline every forecaster must beat: the last observed value, held for 2 years.
  const score last_value = score_of(test.targets, odesynth::predict_last_value(test));
  // And the floor no forecaster can beat: the test targets are noisy measurements, so even
  // the exact future (the same series without measurement noise; no window is skipped in
  // either, so they line up) misses them by the noise.
  const auto exact_generator =
      odesynth::make_generator(lotka_volterra{}, odesynth::solve_options{}, samples,
                               odesynth::time_grid::linspace(0, 20, 241),
                               odesynth::pipeline(odesynth::keep_every(6)), options);
  const auto exact =
      odesynth::make_windows(exact_generator.collect(pool_size, pool_size + test_size), windows);
  if (!(exact.origins == test.origins))
    throw std::runtime_error("clean and noisy test windows do not line up");
  const score noise_floor = score_of(test.targets, exact.targets);

  std::ofstream out(csv);
  out << "trajectories,replicates,train_windows,ridge_rmse,ridge_rmse_sd,knn_rmse,knn_rmse_sd,"
         "last_value_rmse,noise_floor_rmse,ridge_mase,knn_mase,last_value_mase,noise_floor_mase\n";
  fmt::print(
      "held-out: {} series, {} windows; error in thousands of pelts (RMSE) and relative "
      "to the naive one-step change (MASE)\n",
      test_size, test.size());
  fmt::print(
      "last: the last-value baseline; floor: the noise-free future scored against the "
      "noisy targets\n");
  fmt::print("{:>12} {:>4} {:>8} | {:>15} {:>15} {:>6} {:>6} | {:>5} {:>5} {:>5} {:>5}\n",
             "trajectories", "reps", "windows", "ridge RMSE", "kNN RMSE", "last", "floor", "ridge",
             "kNN", "last", "floor");

  for (const std::size_t n : {10, 30, 100, 300, 1000}) {
    // Disjoint subsets of the pool: [r n, (r + 1) n) for replicate r.
    const std::size_t replicates = std::min<std::size_t>(5, pool_size / n);
    std::vector<double> ridge_rmse, knn_rmse, ridge_mase, knn_mase;
    std::size_t train_windows = 0;
    for (std::size_t r = 0; r < replicates; ++r) {
      const std::vector<trajectory> train(pool.begin() + static_cast<std::ptrdiff_t>(r * n),
                                          pool.begin() + static_cast<std::ptrdiff_t>((r + 1) * n));
      const auto result = train_and_score(train, test, windows);
      ridge_rmse.push_back(result.ridge.rmse);
      knn_rmse.push_back(result.knn.rmse);
      ridge_mase.push_back(result.ridge.mase);
      knn_mase.push_back(result.knn.mase);
      train_windows = result.train_windows;
    }
    const auto rr = summarise(ridge_rmse), kr = summarise(knn_rmse);
    const auto rm = summarise(ridge_mase), km = summarise(knn_mase);
    for (const double v : {rr.mean, rr.sd, kr.mean, kr.sd, rm.mean, km.mean})
      if (!std::isfinite(v))
        throw std::runtime_error(fmt::format("non-finite metric at n = {}", n));
    out << fmt::format(
        "{},{},{},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f}\n", n,
        replicates, train_windows, rr.mean, rr.sd, kr.mean, kr.sd, last_value.rmse,
        noise_floor.rmse, rm.mean, km.mean, last_value.mase, noise_floor.mase);
    fmt::print(
        "{:>12} {:>4} {:>8} | {:>7.2f} +- {:<5.2f} {:>7.2f} +- {:<5.2f} {:>6.2f} {:>6.2f} | "
        "{:>5.2f} {:>5.2f} {:>5.2f} {:>5.2f}\n",
        n, replicates, train_windows, rr.mean, rr.sd, kr.mean, kr.sd, last_value.rmse,
        noise_floor.rmse, rm.mean, km.mean, last_value.mase, noise_floor.mase);
  }
  out.close();
  if (!out) throw odesynth::io_error(csv.string(), "could not write " + csv.string());
  fmt::print("wrote {}  (+- is the standard deviation over replicates)\n", csv.string());

  const std::string d = "'" + csv.string() + "'";
  const std::string script = fmt::format(
      "set datafile separator ','\n"
      "set multiplot layout 1,2 title 'Lotka-Volterra, 2-year forecast of 200 held-out noisy "
      "series: error vs. training set size'\n"
      "set logscale x\nset xrange [7:1400]\nset grid\nset key center right box opaque\n"
      "set xlabel 'training trajectories (log scale)'\n"
      "set ylabel 'RMSE (thousand pelts)'\nset yrange [0:*]\n"
      "plot {0} using 1:4:5 skip 1 with yerrorlines lw 2 pt 7 lc rgb '#1b9e77' title 'ridge', \\\n"
      "     {0} using 1:6:7 skip 1 with yerrorlines lw 2 pt 5 lc rgb '#d95f02' title 'kNN (k=5)', "
      "\\\n"
      "     {0} using 1:8 skip 1 with lines dt 2 lw 2 lc rgb '#555555' title 'last value', \\\n"
      "     {0} using 1:9 skip 1 with lines dt 3 lw 2 lc rgb '#7570b3' title 'noise floor'\n"
      "set ylabel 'MASE'\n"
      "plot {0} using 1:10 skip 1 with linespoints lw 2 pt 7 lc rgb '#1b9e77' title 'ridge', \\\n"
      "     {0} using 1:11 skip 1 with linespoints lw 2 pt 5 lc rgb '#d95f02' title 'kNN (k=5)', "
      "\\\n"
      "     {0} using 1:12 skip 1 with lines dt 2 lw 2 lc rgb '#555555' title 'last value', \\\n"
      "     {0} using 1:13 skip 1 with lines dt 3 lw 2 lc rgb '#7570b3' title 'noise floor'\n"
      "unset multiplot\n",
      d);
  if (examples::plot(png, script)) fmt::print("wrote {}\n", png.string());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "data_requirements: %s\n", e.what());
  return 1;
}
