// Few real series, many synthetic ones: does simulated data help a forecaster for the real
// system? SimbaML's transfer-learning question, set up so the answer is measured, not assumed.
//
//   synthetic_to_real [output-prefix]        (default: synthetic_to_real)
//
// Writes <output-prefix>.csv (the table, also printed) and <output-prefix>.png (a bar chart of
// the held-out error per training set; needs gnuplot).
//
// "Real" data stands in for a lab's measurements: Lotka–Volterra cycles whose rates lie
// partly outside what the simulation assumes (prey grow faster, predators die more slowly),
// counted twice a year with more noise (10% proportional, 1 thousand additive) and 1% of the
// values lost. Only 5 real series are available for training (5 different draws of them, to
// show how much that choice matters); 50 more are held out for scoring. The synthetic data come
// from the model with the textbook parameter ranges and cleaner measurements, as many as wanted
// (500 per replicate here). Two forecasters (ridge regression, k nearest neighbours;
// support/forecasters.hpp) are trained on the real series alone, on synthetic series alone, and on
// mixes holding all 5 real series (ml/mixing.hpp), and forecast 2 years from 3 years of both
// populations. The program prints what it measured and fails only if something is broken.
#include <cmath>
#include <cstddef>
#include <cstdint>
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

struct score {
  double rmse = 0;
  double mase = 0;
};

score score_of(const odesynth::array3& truth, const odesynth::array3& forecast) {
  // Both throw on non-finite forecasts, so a broken model cannot produce a table.
  return {odesynth::root_mean_squared_error(truth, forecast),
          odesynth::mean_absolute_scaled_error(truth, forecast)};
}

struct run_result {
  score ridge;
  score knn;
  std::size_t train_windows = 0;
};

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

/// One training set's scores over the replicates.
struct condition {
  std::string name;
  std::size_t real = 0, synthetic = 0;  ///< series of each kind per replicate
  std::size_t windows = 0;              ///< training windows, summed over replicates
  std::vector<double> ridge_rmse, knn_rmse, ridge_mase, knn_mase;

  void add(const run_result& r, std::size_t real_count, std::size_t synthetic_count) {
    real = real_count;
    synthetic = synthetic_count;
    windows += r.train_windows;
    ridge_rmse.push_back(r.ridge.rmse);
    knn_rmse.push_back(r.knn.rmse);
    ridge_mase.push_back(r.ridge.mase);
    knn_mase.push_back(r.knn.mase);
  }
};

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

/// Every series of a generator's range, or an exception saying how many solves failed.
template <class Generator>
std::vector<trajectory> solved(const Generator& g, std::uint64_t begin, std::uint64_t end,
                               const char* what) {
  odesynth::generation_report report;
  auto out = g.collect(begin, end, &report);
  if (out.size() != end - begin || report.failed() != 0)
    throw std::runtime_error(fmt::format("{}: expected {} solved series, got {} ({} failed)", what,
                                         end - begin, out.size(), report.failed()));
  return out;
}

/// The targets of `test`'s windows, taken from the same series of `exact` (a generator of the
/// same samples without noise or gaps), so they line up window for window.
template <class Generator>
odesynth::array3 exact_targets(const odesynth::window_set& test, const Generator& exact,
                               std::uint64_t begin, std::uint64_t end,
                               const odesynth::window_options& windows) {
  const auto all = odesynth::make_windows(solved(exact, begin, end, "exact data"), windows);
  const auto [n, h, f] = test.targets.shape();
  odesynth::array3 out(n, h, f);
  std::size_t c = 0;  // both origin lists ascend, and `all` has every window of `test`
  for (std::size_t w = 0; w < n; ++w) {
    while (c < all.size() && !(all.origins[c] == test.origins[w])) ++c;
    if (c == all.size()) throw std::runtime_error("exact and measured windows do not line up");
    for (std::size_t j = 0; j < h; ++j)
      for (std::size_t k = 0; k < f; ++k) out(w, j, k) = all.targets(c, j, k);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) try {
  const std::string prefix = argc > 1 ? argv[1] : "synthetic_to_real";
  const std::filesystem::path csv = prefix + ".csv", png = prefix + ".png";
  const auto grid = odesynth::time_grid::linspace(0, 20, 241);  // monthly for 20 years

  // What the simulation assumes: rates within about +-20% of the fitted hare-lynx values.
  odesynth::sampler assumed(lotka_volterra{});
  assumed.parameter("alpha", dist::uniform{0.45, 0.65})
      .parameter("beta", dist::uniform{0.022, 0.034})
      .parameter("gamma", dist::uniform{0.65, 0.95})
      .parameter("delta", dist::uniform{0.019, 0.029})
      .initial_value("prey", dist::uniform{20, 50})
      .initial_value("predator", dist::uniform{3, 10});
  // What the real system does: faster prey growth (alpha mostly above the assumed range),
  // slower predator death (gamma at its low end), narrower spread, as one population would.
  odesynth::sampler actual(lotka_volterra{});
  actual.parameter("alpha", dist::uniform{0.62, 0.74})
      .parameter("beta", dist::uniform{0.026, 0.030})
      .parameter("gamma", dist::uniform{0.60, 0.70})
      .parameter("delta", dist::uniform{0.021, 0.025})
      .initial_value("prey", dist::uniform{20, 50})
      .initial_value("predator", dist::uniform{3, 10});

  // Both are counted twice a year (every 6th monthly point); the lab's counts are noisier
  // and have gaps.
  const auto simulated_measurement = odesynth::keep_every(6) | odesynth::proportional_noise(0.05) |
                                     odesynth::gaussian_noise(0.5) | odesynth::clip_below(0);
  const auto lab_measurement = odesynth::keep_every(6) | odesynth::proportional_noise(0.10) |
                               odesynth::gaussian_noise(1.0) | odesynth::clip_below(0) |
                               odesynth::missing_entries(0.01);
  odesynth::generator_options synthetic_options, real_options;
  synthetic_options.seed = 11;
  real_options.seed = 12;
  const auto synthetic_generator =
      odesynth::make_generator(lotka_volterra{}, odesynth::solve_options{}, assumed, grid,
                               simulated_measurement, synthetic_options);
  const auto real_generator = odesynth::make_generator(lotka_volterra{}, odesynth::solve_options{},
                                                       actual, grid, lab_measurement, real_options);

  // Which 5 real series a lab happens to have matters, so the comparison is repeated 5 times:
  // replicate r trains on real series [5 r, 5 r + 5) and synthetic series [500 r, 500 r + 500).
  constexpr std::size_t replicates = 5, synthetic_count = 500, real_train_count = 5,
                        real_test_count = 50;
  const auto synthetic_pool =
      solved(synthetic_generator, 0, replicates * synthetic_count, "synthetic data");
  const auto real_pool =
      solved(real_generator, 0, replicates * real_train_count, "real training data");
  // Held-out real series: other indices of the same generator, never trained on.
  const auto real_test = solved(real_generator, 1000, 1000 + real_test_count, "real held-out data");

  odesynth::window_options windows;
  windows.input_length = 6;  // 3 years
  windows.horizon = 4;       // the next 2 years
  windows.stride = 2;        // a new window every year
  const auto test = odesynth::make_windows(real_test, windows);
  if (test.size() == 0) throw std::runtime_error("the real held-out series gave no window");
  const score last_value = score_of(test.targets, odesynth::predict_last_value(test));
  // The floor no forecaster can beat: the exact future (the same held-out series solved
  // without the lab's measurement) scored against the noisy targets.
  const score noise_floor = score_of(
      test.targets, exact_targets(test,
                                  odesynth::make_generator(
                                      lotka_volterra{}, odesynth::solve_options{}, actual, grid,
                                      odesynth::pipeline(odesynth::keep_every(6)), real_options),
                                  1000, 1000 + real_test_count, windows));

  // The training sets: real only, synthetic only, and two mixes that keep every real series
  // and add synthetic ones (SimbaML's mixed-data pipeline, mix_size::all_real): 45 synthetic
  // (real fraction 0.1) or 495 (0.01).
  const std::vector<double> mix_fractions{0.1, 0.01};
  std::vector<condition> conditions(2 + mix_fractions.size());
  conditions[0].name = "real only";
  conditions[1].name = "synthetic only";
  for (std::size_t r = 0; r < replicates; ++r) {
    const auto slice = [r](const std::vector<trajectory>& pool, std::size_t n) {
      return std::vector<trajectory>(pool.begin() + static_cast<std::ptrdiff_t>(r * n),
                                     pool.begin() + static_cast<std::ptrdiff_t>((r + 1) * n));
    };
    const auto real_train = slice(real_pool, real_train_count);
    const auto synthetic = slice(synthetic_pool, synthetic_count);
    conditions[0].add(train_and_score(real_train, test, windows), real_train_count, 0);
    conditions[1].add(train_and_score(synthetic, test, windows), 0, synthetic_count);
    for (std::size_t m = 0; m < mix_fractions.size(); ++m) {
      const auto items = odesynth::mix(synthetic, real_train, mix_fractions[m],
                                       odesynth::mix_size::all_real(), 2026 + r);
      std::size_t real = 0;
      for (const auto& item : items) real += item.source == odesynth::data_source::real ? 1 : 0;
      condition& c = conditions[2 + m];
      c.name = fmt::format("{} real + {} synthetic", real, items.size() - real);
      c.add(train_and_score(odesynth::trajectories_of(items), test, windows), real,
            items.size() - real);
    }
  }

  std::ofstream out(csv);
  out << "training_set,real_trajectories,synthetic_trajectories,replicates,train_windows,"
         "ridge_rmse,ridge_rmse_sd,knn_rmse,knn_rmse_sd,last_value_rmse,noise_floor_rmse,"
         "ridge_mase,knn_mase,last_value_mase,noise_floor_mase\n";
  fmt::print(
      "held-out: {} real series, {} windows ({} skipped for missing values); RMSE in "
      "thousands of pelts, MASE relative to the naive one-step change\n",
      real_test_count, test.size(), test.skipped_missing);
  fmt::print(
      "mean (+- sd) over {} replicates; last: the last-value baseline; floor: the noise-free "
      "future scored against the noisy targets\n",
      replicates);
  fmt::print("{:<23} {:>7} | {:>13} {:>13} {:>6} {:>6} | {:>5} {:>5} {:>5} {:>5}\n", "training set",
             "windows", "ridge", "kNN", "last", "floor", "ridge", "kNN", "last", "floor");
  fmt::print("{:<23} {:>7} | {:^41} | {:^23}\n", "", "", "RMSE", "MASE");
  for (const auto& c : conditions) {
    const auto rr = summarise(c.ridge_rmse), kr = summarise(c.knn_rmse);
    const auto rm = summarise(c.ridge_mase), km = summarise(c.knn_mase);
    for (const double v : {rr.mean, rr.sd, kr.mean, kr.sd, rm.mean, km.mean})
      if (!std::isfinite(v)) throw std::runtime_error("non-finite metric for " + c.name);
    const std::size_t mean_windows = c.windows / replicates;
    out << fmt::format(
        "{},{},{},{},{},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f},{:.4f}\n",
        c.name, c.real, c.synthetic, replicates, mean_windows, rr.mean, rr.sd, kr.mean, kr.sd,
        last_value.rmse, noise_floor.rmse, rm.mean, km.mean, last_value.mase, noise_floor.mase);
    fmt::print(
        "{:<23} {:>7} | {:>5.2f} +- {:<4.2f} {:>5.2f} +- {:<4.2f} {:>6.2f} {:>6.2f} | {:>5.2f} "
        "{:>5.2f} {:>5.2f} {:>5.2f}\n",
        c.name, mean_windows, rr.mean, rr.sd, kr.mean, kr.sd, last_value.rmse, noise_floor.rmse,
        rm.mean, km.mean, last_value.mase, noise_floor.mase);
  }
  out.close();
  if (!out) throw odesynth::io_error(csv.string(), "could not write " + csv.string());
  fmt::print("wrote {}\n", csv.string());

  const std::string script = fmt::format(
      "set datafile separator ','\n"
      "set title 'Lotka-Volterra, 2-year forecast of 50 held-out real series, by training set "
      "(mean and sd of {3} replicates)'\n"
      "set style data histograms\nset style histogram errorbars gap 1 lw 1\n"
      "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
      "set grid ytics\nset yrange [0:*]\nset xrange [-0.6:{4}]\nset key below horizontal\n"
      "set ylabel 'RMSE on real held-out series (thousand pelts)'\n"
      "plot '{0}' using 6:7:xtic(1) skip 1 lc rgb '#1b9e77' title 'ridge', \\\n"
      "     '' using 8:9 skip 1 lc rgb '#d95f02' title 'kNN (k=5)', \\\n"
      "     {1} with lines dt 2 lw 2 lc rgb '#555555' title 'last value', \\\n"
      "     {2} with lines dt 3 lw 2 lc rgb '#7570b3' title 'noise floor'\n",
      csv.string(), last_value.rmse, noise_floor.rmse, replicates,
      static_cast<double>(conditions.size()) - 0.4);
  if (examples::plot(png, script)) fmt::print("wrote {}\n", png.string());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "synthetic_to_real: %s\n", e.what());
  return 1;
}
