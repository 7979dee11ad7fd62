// A gallery of measurement transforms: one clean Lotka-Volterra trajectory (hares and lynx,
// the zoo's defaults) put through each noise, sparsifier and post-processing transform on its
// own, one plot per transform: the clean solution as lines, what the transform returns as
// dots, and the values it removed as grey crosses on the clean line.
//
//   noise_gallery [output-folder]        (default: the current directory)
//
// Writes noise_gallery_<nn>_<transform>.png (and the .dat/.gp files that draw it) for each
// transform, and noise_gallery.csv: one row per transform with what it kept and the property
// checked. Each transform gets its own seeded stream, so every run draws the same picture;
// the program exits non-zero if a transform does not do what its caption says.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <odesynth/models.hpp>
#include <odesynth/odesynth.hpp>
#include <string>
#include <vector>

#include "gnuplot.hpp"

namespace zoo = odesynth::models;
using odesynth::trajectory;

namespace {

// The observed values of `out`, each with the clean value at the same time (sparsifiers keep
// times exactly, so rows match by time). Missing entries are left out.
struct pair_of_values {
  double time, clean, observed;
  Eigen::Index species;
};
std::vector<pair_of_values> observed_pairs(const trajectory& clean, const trajectory& out) {
  std::map<double, Eigen::Index> row_of;
  for (Eigen::Index r = 0; r < clean.num_times(); ++r) row_of[clean.times()[r]] = r;
  std::vector<pair_of_values> pairs;
  for (Eigen::Index r = 0; r < out.num_times(); ++r)
    for (Eigen::Index j = 0; j < out.num_species(); ++j)
      if (out.mask()(r, j))
        pairs.push_back(
            {out.times()[r], clean.values()(row_of.at(out.times()[r]), j), out.values()(r, j), j});
  return pairs;
}

// A CSV field in quotes, inner quotes doubled (RFC 4180).
std::string quoted(const std::string& text) {
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + '"';
}

double standard_deviation(const std::vector<double>& v) {
  double mean = 0, sum2 = 0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  for (double x : v) sum2 += (x - mean) * (x - mean);
  return std::sqrt(sum2 / static_cast<double>(v.size() - 1));
}

// What each exhibit checks returns this: the number it measured, and whether it is right.
struct verdict {
  bool ok;
  std::string detail;
};

// Bounds below: with a fixed seed the outcome is fixed, but each bound is wide enough for
// almost any seed, three standard errors or more. 162 values (81 times x 2 species) estimate
// a standard deviation to about 1/sqrt(2 * 162) = 6 %, so +-20 % is over three of them.
verdict sd_near(const std::vector<double>& standardized, double expected, const char* what) {
  const double sd = standard_deviation(standardized);
  return {std::fabs(sd / expected - 1) < 0.2,
          fmt::format("{} {:.3f} (expected {})", what, sd, expected)};
}

struct exhibit {
  std::string file;     // noise_gallery_<file>.png
  std::string caption;  // what the transform models, for the plot title
  odesynth::any_transform transform;
  std::function<verdict(const trajectory& clean, const trajectory& out)> check;
  std::string gnuplot_extra = {};  // e.g. a line marking a limit
};

std::vector<exhibit> gallery() {
  std::vector<exhibit> g;

  // --- noise -------------------------------------------------------------------------------
  g.push_back({"01_gaussian", "additive Gaussian noise, one sigma per species",
               odesynth::gaussian_noise({{"prey", 3.0}, {"predator", 1.5}}),
               [](const trajectory& c, const trajectory& o) {
                 std::vector<double> z;
                 for (const auto& p : observed_pairs(c, o))
                   z.push_back((p.observed - p.clean) / (p.species == 0 ? 3.0 : 1.5));
                 return sd_near(z, 1.0, "sd of (y_obs - y) / sigma");
               }});
  g.push_back({"02_proportional", "proportional noise: 10 % of the value",
               odesynth::proportional_noise(0.10), [](const trajectory& c, const trajectory& o) {
                 std::vector<double> z;
                 for (const auto& p : observed_pairs(c, o)) z.push_back(p.observed / p.clean - 1);
                 return sd_near(z, 0.10, "sd of y_obs / y - 1");
               }});
  g.push_back({"03_combined", "combined error model: sigma = a + b |y| (a = 1, b = 0.08)",
               odesynth::combined_noise(1.0, 0.08), [](const trajectory& c, const trajectory& o) {
                 std::vector<double> z;
                 for (const auto& p : observed_pairs(c, o))
                   z.push_back((p.observed - p.clean) / (1.0 + 0.08 * std::fabs(p.clean)));
                 return sd_near(z, 1.0, "sd of (y_obs - y) / (a + b|y|)");
               }});
  g.push_back({"04_lognormal", "log-normal noise: y exp(0.15 N(0, 1)), never negative",
               odesynth::lognormal_noise(0.15), [](const trajectory& c, const trajectory& o) {
                 std::vector<double> z;
                 for (const auto& p : observed_pairs(c, o))
                   z.push_back(p.observed > 0 ? std::log(p.observed / p.clean) : 1e9);
                 return sd_near(z, 0.15, "sd of log(y_obs / y)");
               }});
  g.push_back({"05_poisson", "Poisson counts: one count per thousand pelts",
               odesynth::poisson_counts(1.0), [](const trajectory& c, const trajectory& o) {
                 std::vector<double> z;
                 bool integers = true;
                 for (const auto& p : observed_pairs(c, o)) {
                   integers &= p.observed >= 0 && p.observed == std::round(p.observed);
                   z.push_back((p.observed - p.clean) / std::sqrt(p.clean));
                 }
                 verdict v = sd_near(z, 1.0, "sd of (count - y) / sqrt(y)");
                 return verdict{v.ok && integers,
                                v.detail + (integers ? ", all integers" : ", NOT all integers")};
               }});
  g.push_back({"06_student_t", "heavy tails: Student t with 2 degrees of freedom, scale 1",
               odesynth::student_t_noise(2.0, 1.0), [](const trajectory& c, const trajectory& o) {
                 std::vector<double> a;
                 for (const auto& p : observed_pairs(c, o))
                   a.push_back(std::fabs(p.observed - p.clean));
                 std::sort(a.begin(), a.end());
                 // |t_2| has median sqrt(2/3) = 0.816 and P(|t_2| > 5) = 3.7 %: a Gaussian
                 // with that median would never reach 5 in 162 draws.
                 const double median = a[a.size() / 2];
                 return verdict{median > 0.6 && median < 1.05 && a.back() > 5,
                                fmt::format("median |error| {:.2f} (expected 0.82), largest {:.1f}",
                                            median, a.back())};
               }});
  g.push_back({"07_outliers", "outliers: 5 % of the values get an extra N(0, 20^2) error",
               odesynth::outlier_noise(0.05, 20.0), [](const trajectory& c, const trajectory& o) {
                 int changed = 0, total = 0;
                 for (const auto& p : observed_pairs(c, o)) {
                   ++total;
                   changed += p.observed != p.clean;
                 }
                 // Binomial(162, 0.05): mean 8.1, standard deviation 2.8.
                 return verdict{
                     changed >= 1 && changed <= 18,
                     fmt::format("{} of {} values changed (expected about 8)", changed, total)};
               }});
  g.push_back({"08_baseline_drift", "baseline drift: a Brownian motion, sigma 1.5 per sqrt(year)",
               odesynth::baseline_drift(1.5), [](const trajectory& c, const trajectory& o) {
                 // The drift's increments over dt = 0.25 are N(0, 1.5^2 dt).
                 std::vector<double> z;
                 const auto pairs = observed_pairs(c, o);
                 for (std::size_t k = 2; k < pairs.size(); ++k) {
                   const auto &a = pairs[k - 2], &b = pairs[k];  // same species, next time
                   z.push_back(((b.observed - b.clean) - (a.observed - a.clean)) /
                               std::sqrt(b.time - a.time));
                 }
                 return sd_near(z, 1.5, "sd of drift increments / sqrt(dt)");
               }});
  g.push_back({"09_elastic", "elastic noise: sigma grows linearly from 0.5 to 4 along the series",
               odesynth::elastic_noise(0.5, odesynth::elastic_noise::profile::linear, 7.0),
               [](const trajectory& c, const trajectory& o) {
                 // sigma (1 + 7 tau): root mean square 1.95 over the first quarter of the
                 // series (tau <= 1/4), 7.1 over the last, a ratio of 3.6.
                 std::vector<double> early, late;
                 for (const auto& p : observed_pairs(c, o)) {
                   if (p.time <= 5) early.push_back(p.observed - p.clean);
                   if (p.time >= 15) late.push_back(p.observed - p.clean);
                 }
                 const double ratio = standard_deviation(late) / standard_deviation(early);
                 return verdict{ratio > 2.5, fmt::format("error sd, last quarter / first quarter: "
                                                         "{:.1f} (expected 3.6)",
                                                         ratio)};
               }});

  // --- sparsification and missing values ------------------------------------------------------
  g.push_back({"10_random_subset", "random_subset(0.3): 30 % of the time points, in time order",
               odesynth::random_subset(0.3), [](const trajectory& c, const trajectory& o) {
                 bool exact = true;
                 for (const auto& p : observed_pairs(c, o)) exact &= p.observed == p.clean;
                 return verdict{o.num_times() == 24 && exact,
                                fmt::format("{} of {} rows kept (round(0.3 * 81) = 24), values "
                                            "untouched",
                                            o.num_times(), c.num_times())};
               }});
  g.push_back({"11_missing_entries", "missing_entries(0.2): each value missing with p = 0.2",
               odesynth::missing_entries(0.2), [](const trajectory& c, const trajectory& o) {
                 const double missing = 1 - static_cast<double>(o.mask().count()) /
                                                static_cast<double>(o.mask().size());
                 // Binomial(162, 0.2) / 162: sd 0.031, so 0.2 +- 0.1 is three sd.
                 return verdict{
                     o.num_times() == c.num_times() && std::fabs(missing - 0.2) < 0.1,
                     fmt::format("{:.1f} % of the values missing, all rows kept", 100 * missing)};
               }});
  g.push_back({"12_missing_bursts", "missing_bursts(0.1, 4): outages of 4 time points on average",
               odesynth::missing_bursts(0.1, 4.0), [](const trajectory& c, const trajectory& o) {
                 int missing_rows = 0, bursts = 0;
                 bool whole_rows = true;
                 for (Eigen::Index r = 0; r < o.num_times(); ++r) {
                   const bool gone = !o.mask()(r, 0);
                   whole_rows &= gone == !o.mask()(r, 1);
                   missing_rows += gone;
                   bursts += gone && (r == 0 || o.mask()(r - 1, 0));
                 }
                 const double mean_length =
                     bursts > 0 ? static_cast<double>(missing_rows) / bursts : 0.0;
                 return verdict{o.num_times() == c.num_times() && whole_rows && bursts >= 1 &&
                                    mean_length > 1.5,
                                fmt::format("{} bursts hiding {} rows (mean length {:.1f})", bursts,
                                            missing_rows, mean_length)};
               }});
  g.push_back({"13_keep_extremes",
               "keep_extremes: 10 % of the points, plus each species' 5 % highs and lows",
               odesynth::keep_extremes(0.05, 0.05, odesynth::random_subset(0.1)),
               [](const trajectory& c, const trajectory& o) {
                 bool kept = true;
                 for (Eigen::Index j = 0; j < c.num_species(); ++j) {
                   Eigen::Index lo = 0, hi = 0;
                   c.values().col(j).minCoeff(&lo);
                   c.values().col(j).maxCoeff(&hi);
                   for (const Eigen::Index r : {lo, hi})
                     kept &= (o.times().array() == c.times()[r]).any();
                 }
                 return verdict{kept && o.num_times() < c.num_times() / 2,
                                fmt::format("{} of {} rows kept, every minimum and maximum among "
                                            "them: {}",
                                            o.num_times(), c.num_times(), kept)};
               }});

  // --- post-processing ---------------------------------------------------------------------------
  g.push_back({"14_clip", "clip to [0, 50]: a detector that saturates at 50",
               odesynth::clip(odesynth::bounds{0.0, 50.0}),
               [](const trajectory& c, const trajectory& o) {
                 int saturated = 0;
                 bool right = true;
                 for (const auto& p : observed_pairs(c, o)) {
                   right &= p.observed == std::min(p.clean, 50.0);
                   saturated += p.observed == 50.0;
                 }
                 return verdict{
                     right && saturated > 0,
                     fmt::format("{} values saturated at 50, the rest untouched", saturated)};
               },
               "set arrow from 0, 50 to 20, 50 nohead dt 2 lc rgb '#555555'\n"});
  g.push_back({"15_detection_limit", "detection_limit(8): values below 8 are not reported",
               odesynth::detection_limit(8.0),
               [](const trajectory& c, const trajectory& o) {
                 int hidden = 0;
                 bool right = true;
                 for (Eigen::Index r = 0; r < o.num_times(); ++r)
                   for (Eigen::Index j = 0; j < o.num_species(); ++j) {
                     right &= o.mask()(r, j) == (c.values()(r, j) >= 8.0);
                     hidden += !o.mask()(r, j);
                   }
                 return verdict{right && hidden > 0,
                                fmt::format("{} values below the limit hidden, no others", hidden)};
               },
               "set arrow from 0, 8 to 20, 8 nohead dt 2 lc rgb '#555555'\n"});
  return g;
}

// Data blocks for gnuplot: 0 the clean line (fine grid), 1 the transformed values, 2 the
// clean values of what the transform removed (dropped rows and missing entries).
bool write_plot(const std::filesystem::path& folder, const exhibit& e, const trajectory& fine,
                const trajectory& clean, const trajectory& out) {
  const std::filesystem::path png = folder / ("noise_gallery_" + e.file + ".png");
  const std::filesystem::path dat = folder / ("noise_gallery_" + e.file + ".dat");
  auto value = [](const trajectory& tr, Eigen::Index r, Eigen::Index j) {
    return tr.mask()(r, j) ? fmt::format("{}", tr.values()(r, j)) : std::string("NaN");
  };
  std::map<double, Eigen::Index> out_row;
  for (Eigen::Index r = 0; r < out.num_times(); ++r) out_row[out.times()[r]] = r;
  bool any_removed[2] = {false, false};
  {
    std::ofstream f(dat);
    f << "# clean solution\n";
    for (Eigen::Index r = 0; r < fine.num_times(); ++r)
      f << fine.times()[r] << ' ' << fine.values()(r, 0) << ' ' << fine.values()(r, 1) << '\n';
    f << "\n\n# after " << e.transform.describe() << '\n';
    for (Eigen::Index r = 0; r < out.num_times(); ++r)
      f << out.times()[r] << ' ' << value(out, r, 0) << ' ' << value(out, r, 1) << '\n';
    f << "\n\n# removed (clean values)\n";
    for (Eigen::Index r = 0; r < clean.num_times(); ++r) {
      const auto it = out_row.find(clean.times()[r]);
      std::string cols[2];
      for (Eigen::Index j = 0; j < 2; ++j) {
        const bool removed = it == out_row.end() || !out.mask()(it->second, j);
        cols[j] = removed ? fmt::format("{}", clean.values()(r, j)) : "NaN";
        any_removed[j] |= removed;
      }
      f << clean.times()[r] << ' ' << cols[0] << ' ' << cols[1] << '\n';
    }
  }
  const std::string d = "'" + dat.string() + "'";
  std::string script = fmt::format(
      "{}set title \"{}\\n{}\"\n"
      "set xlabel 'year (from 1900)'\nset ylabel 'thousands of pelts'\n"
      "set key top center horizontal maxrows 2 width 2\nset offsets 0, 0, graph 0.2, 0\nset "
      "grid\nset datafile missing 'NaN'\nset xrange [0:20]\n"
      "plot {} index 0 using 1:2 with lines lw 2 lc rgb '#1b9e77' title 'hares (prey), clean', "
      "{} index 0 using 1:3 with lines lw 2 lc rgb '#d95f02' title 'lynx (predator), clean', "
      "{} index 1 using 1:2 with points pt 7 ps 0.9 lc rgb '#1b9e77' title 'hares, transformed', "
      "{} index 1 using 1:3 with points pt 7 ps 0.9 lc rgb '#d95f02' title 'lynx, transformed'",
      e.gnuplot_extra, e.caption, e.transform.describe(), d, d, d, d);
  // Only species with removed values: gnuplot warns about a column without valid points.
  for (int j = 0; j < 2; ++j)
    if (any_removed[j])
      script += fmt::format(", {} index 2 using 1:{} with points pt 6 ps 1.1 lc rgb '#555555' {}",
                            d, j + 2, j == 0 || !any_removed[0] ? "title 'removed'" : "notitle");
  return examples::plot(png, script + "\n");
}

}  // namespace

int main(int argc, char** argv) try {
  const std::filesystem::path folder = argc > 1 ? argv[1] : ".";
  std::filesystem::create_directories(folder);

  // Hares and lynx, 1900-1920, sampled four times a year: the trajectory every transform gets.
  const zoo::lotka_volterra m;
  odesynth::solve_options options;
  options.rel_tol = 1e-9;
  options.abs_tol = 1e-9;
  const auto p = zoo::default_parameters(m);
  const auto x0 = zoo::default_initial_state(m);
  const auto clean = odesynth::solve(m, p, x0, zoo::default_grid(m, 81), options);
  const auto fine = odesynth::solve(m, p, x0, zoo::default_grid(m, 401), options);  // for lines
  if (!clean.ok() || !fine.ok()) {
    fmt::print(stderr, "solve failed: {}\n", clean.message());
    return 1;
  }

  const std::uint64_t seed = 1900;
  std::ofstream table(folder / "noise_gallery.csv");
  table << "exhibit,transform,rows,observed_values,check_passed,check\n";
  bool all_ok = true;
  const auto exhibits = gallery();
  for (std::size_t i = 0; i < exhibits.size(); ++i) {
    const exhibit& e = exhibits[i];
    // A transform changes its trajectory in place: each exhibit starts from a copy, with a
    // stream of its own (the generator would key it by the trajectory's index instead).
    trajectory out = clean;
    odesynth::random_stream stream(seed, i, odesynth::stream_purpose::measurement);
    e.transform(out, stream);
    verdict v = out.consistent() ? e.check(clean, out)
                                 : verdict{false, "values and mask disagree (NaN without mask)"};
    all_ok &= v.ok;
    fmt::print("{:<20} {:<4} {}\n", e.file, v.ok ? "ok" : "FAIL", v.detail);
    table << e.file << ',' << quoted(e.transform.describe()) << ',' << out.num_times() << ','
          << out.mask().count() << ',' << (v.ok ? "true" : "false") << ',' << quoted(v.detail)
          << '\n';
    all_ok &= write_plot(folder, e, fine, clean, out) || !examples::have_gnuplot();
  }
  table.close();
  if (!table) {
    fmt::print(stderr, "could not write {}\n", (folder / "noise_gallery.csv").string());
    return 1;
  }
  fmt::print("wrote noise_gallery.csv and {} plots to {}\n", exhibits.size(), folder.string());
  return all_ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "noise_gallery: %s\n", e.what());
  return 1;
}
