// Steady states of a gene-regulation network: the zoo's repressilator (Elowitz and Leibler
// 2000), three repressors in a ring. steady_state_dataset maps which promoter strengths alpha
// and protein/mRNA lifetime ratios beta settle to a steady state and which oscillate; then
// perturbation_dataset changes alpha (and the protein levels) of settled samples and finds the
// new steady state. Both are checked against the analytic steady state and the paper's
// stability condition.
//
//   steady_state [output-folder]        (default: the current directory)
//
// Writes steady_state.csv (the scan: alpha, beta, status, steady protein level, prediction),
// steady_state_perturbation.csv (before and after each perturbation) and steady_state.png
// (left: the stability diagram; right: the perturbations on the dose-response curve).
//
// The analysis (Elowitz and Leibler, Nature 403:335-338, Box 1): the only steady state is
// symmetric, m_i = p_i = p with p = alpha / (1 + p^n) + alpha0, and it is unstable exactly
// when (beta + 1)^2 / beta < 3 X^2 / (4 + 2 X), X = -alpha n p^(n-1) / (1 + p^n)^2 the
// slope of the repression at p (always unstable once X <= -2). A sample that does not settle
// is a status, max_time_reached, not an error: the scan simply records it.
#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <odesynth/models.hpp>
#include <odesynth/odesynth.hpp>
#include <string>
#include <vector>

#include "gnuplot.hpp"

namespace dist = odesynth::dist;
namespace zoo = odesynth::models;

namespace {

constexpr double alpha0 = 0.2164, hill = 2;  // the zoo's defaults (leaky promoter, n = 2)

// The symmetric steady state p of p = alpha / (1 + p^n) + alpha0: the right-hand side minus p
// falls strictly from alpha + alpha0 > 0 at p = 0 to a negative value at p = alpha + alpha0,
// so bisection finds the one root.
double steady_protein(double alpha) {
  double lo = 0, hi = alpha + alpha0;
  for (int i = 0; i < 200; ++i) {
    const double p = (lo + hi) / 2;
    (alpha / (1 + std::pow(p, hill)) + alpha0 - p > 0 ? lo : hi) = p;
  }
  return (lo + hi) / 2;
}

// 3 X^2 / (4 + 2 X), the right-hand side of Box 1's condition (infinite once X <= -2).
double instability_threshold(double alpha) {
  const double p = steady_protein(alpha);
  const double x = -alpha * hill * std::pow(p, hill - 1) / std::pow(1 + std::pow(p, hill), 2);
  return x <= -2 ? std::numeric_limits<double>::infinity() : 3 * x * x / (4 + 2 * x);
}

bool predicted_oscillating(double alpha, double beta) {
  return (beta + 1) * (beta + 1) / beta < instability_threshold(alpha);
}

// The largest real part of the linearisation's six eigenvalues at the steady state: the
// decay rate (< 0) or growth rate (> 0) of the slowest mode. Each of the three cube roots w of
// 1 contributes the two roots of (s + 1)(s + beta) = beta X / w (the ring's loop gain is 1).
// Within a time T a solve can only tell "settles" from "oscillates" when |rate| T is large.
double slowest_rate(double alpha, double beta) {
  using complex = std::complex<double>;
  const double p = steady_protein(alpha);
  const double x = -alpha * hill * std::pow(p, hill - 1) / std::pow(1 + std::pow(p, hill), 2);
  double rate = -std::numeric_limits<double>::infinity();
  for (int k = 0; k < 3; ++k) {
    const complex w = std::polar(1.0, 2 * std::acos(-1.0) * k / 3);
    const complex c = beta - beta * x / w;  // s^2 + (1 + beta) s + c = 0
    const complex root = std::sqrt((1 + beta) * (1 + beta) - 4.0 * c);
    rate =
        std::max({rate, ((-(1 + beta) + root) / 2.0).real(), ((-(1 + beta) - root) / 2.0).real()});
  }
  return rate;
}

odesynth::sampler repressilator_sampler(const zoo::repressilator& m, odesynth::distribution alpha,
                                        odesynth::distribution beta) {
  odesynth::sampler s(m);
  s.parameter("alpha", alpha)
      .parameter("alpha0", alpha0)
      .parameter("beta", beta)
      .parameter("n", hill);
  for (std::size_t i = 0; i < m.species.size(); ++i)
    s.initial_value(m.species[i], m.default_initial_state[i]);
  return s.design(odesynth::sampling_design::sobol());
}

}  // namespace

int main(int argc, char** argv) try {
  const std::filesystem::path folder = argc > 1 ? argv[1] : ".";
  std::filesystem::create_directories(folder);
  const zoo::repressilator m;
  // Rosenbrock 4, a stiff solver, even though the repressilator is not stiff on its way: at a
  // steady state, an explicit stepper's step grows until it hits its stability limit (set by
  // the fastest decay rate, beta for the proteins) and then chatters there, leaving an error
  // of the order of rel_tol that keeps |dx/dt| above the steady-state tolerance (measured:
  // with dopri5, beta = 9.4 never settles). A stiff stepper has no such limit.
  odesynth::solve_options stiff;
  stiff.stepper = odesynth::stepper_kind::rosenbrock4;  // the set's only one: may stay unset
  const odesynth::solver<zoo::repressilator,
                         odesynth::stepper_set<odesynth::stepper_kind::rosenbrock4>>
      solver(m, stiff);
  bool ok = true;

  // Settled means every |dx_i/dt| <= 1e-8 + 1e-6 |x_i|. Time is in mRNA lifetimes; the
  // limit cycle's period is about 40 of them, so 1000 holds some 25 periods.
  odesynth::steady_state_options settle;
  settle.max_time = 1000;

  // --- 1. the scan: 256 Sobol' points over alpha in [1, 1000], beta in [0.1, 10] ------------
  const std::uint64_t scan_points = 256;
  struct row {
    double alpha, beta, protein;
    bool steady, predicted_oscillating;
    double rate;
  };
  std::vector<row> rows;
  odesynth::steady_state_dataset(
      solver, repressilator_sampler(m, dist::log_uniform{1, 1000}, dist::log_uniform{0.1, 10}),
      /*seed=*/2000, 0, scan_points,
      [&](std::uint64_t, odesynth::steady_state_sample&& s) {
        const double alpha = s.parameters[0], beta = s.parameters[2];
        rows.push_back({alpha, beta, s.result.state[3], s.result.steady(),
                        predicted_oscillating(alpha, beta), slowest_rate(alpha, beta)});
      },
      settle);

  std::ofstream scan(folder / "steady_state.csv");
  scan << "alpha,beta,status,LacI,LacI_exact,predicted\n";
  int agree = 0, disagree_near_boundary = 0, disagree_far = 0, steady = 0;
  double worst_level_error = 0;
  for (const auto& r : rows) {
    const double exact = steady_protein(r.alpha);
    scan << r.alpha << ',' << r.beta << ',' << (r.steady ? "steady" : "max_time_reached") << ','
         << r.protein << ',' << exact << ',' << (r.predicted_oscillating ? "oscillates" : "steady")
         << '\n';
    if (r.steady) {
      ++steady;
      worst_level_error = std::max(worst_level_error, std::fabs(r.protein - exact) / exact);
    }
    // Box 1 and the eigenvalues must agree on stability (a check of this program's algebra).
    ok &= r.predicted_oscillating == (r.rate > 0);
    // Settling from the start to the tolerance takes about ln(1e7) = 16 decay times, so where
    // |rate| max_time < 25 the outcome by max_time is not decided yet.
    if (r.steady != r.predicted_oscillating)
      ++agree;
    else if (std::fabs(r.rate) * settle.max_time < 25)
      ++disagree_near_boundary;
    else
      ++disagree_far;
  }
  scan.close();
  fmt::print("scan: {} samples, {} settled, {} still oscillating at t = {}\n", rows.size(), steady,
             rows.size() - static_cast<std::size_t>(steady), settle.max_time);
  fmt::print(
      "  agrees with the stability condition: {}; disagrees, but too slow to tell by "
      "t = {}: {}; disagrees otherwise: {}\n",
      agree, settle.max_time, disagree_near_boundary, disagree_far);
  fmt::print("  settled LacI level vs the analytic p: largest relative error {:.1e}\n",
             worst_level_error);
  // Far from the boundary the classification must be right; the settled level is within the
  // settling tolerance divided by the slowest decay rate, well below 1e-3 relative.
  ok &= rows.size() == scan_points && disagree_far == 0 && worst_level_error < 1e-3;

  // --- 2. perturbations: from settled samples, alpha times 0.5 .. 2, proteins times 0.5 .. 1.5
  // alpha in [0.5, 2.5] keeps alpha' <= 5, where 3 X^2 / (4 + 2 X) <= 3.2 stays below 4, the
  // smallest value of (beta + 1)^2 / beta: stable for any beta, so every perturbed sample
  // must settle again.
  odesynth::perturbation change;
  change.parameter_factors = {{"alpha", dist::log_uniform{0.5, 2}}};
  change.state_factors = {{"LacI", dist::uniform{0.5, 1.5}},
                          {"TetR", dist::uniform{0.5, 1.5}},
                          {"CI", dist::uniform{0.5, 1.5}}};
  std::ofstream perturbed(folder / "steady_state_perturbation.csv");
  perturbed << "index,alpha,beta,LacI,alpha_after,LacI_after,LacI_after_exact,status_after\n";
  const std::filesystem::path response = folder / "steady_state_response.dat";
  std::ofstream arrows(response);
  int resettled = 0;
  double worst_after = 0;
  const std::uint64_t perturbations = 24;
  odesynth::perturbation_dataset(
      solver, repressilator_sampler(m, dist::log_uniform{0.5, 2.5}, dist::uniform{1, 3}), change,
      /*seed=*/2000, 0, perturbations,
      [&](std::uint64_t i, odesynth::perturbation_sample&& s) {
        const double alpha = s.parameters[0], alpha_after = s.perturbed_parameters[0];
        const double exact_after = steady_protein(alpha_after);
        perturbed << i << ',' << alpha << ',' << s.parameters[2] << ',' << s.before.state[3] << ','
                  << alpha_after << ',' << s.after.state[3] << ',' << exact_after << ','
                  << to_string(s.after.status) << '\n';
        // alpha, LacI at: the steady state before, the perturbed start, the steady state after.
        arrows << alpha << ' ' << s.before.state[3] << ' ' << alpha_after << ' '
               << s.perturbed_start[3] << ' ' << s.after.state[3] << '\n';
        if (s.before.steady() && s.after.steady()) {
          ++resettled;
          worst_after =
              std::max(worst_after, std::fabs(s.after.state[3] - exact_after) / exact_after);
        }
      },
      settle);
  perturbed.close();
  arrows.close();
  fmt::print(
      "perturbations: {} of {} settled before and after; new LacI level vs analytic: "
      "largest relative error {:.1e}\n",
      resettled, perturbations, worst_after);
  ok &= resettled == static_cast<int>(perturbations) && worst_after < 1e-3;

  // --- the plot ---------------------------------------------------------------------------
  const std::filesystem::path dat = folder / "steady_state.dat";
  {
    std::ofstream f(dat);
    for (const bool settled : {true, false}) {  // blocks 0 (steady) and 1 (oscillating)
      for (const auto& r : rows)
        if (r.steady == settled) f << r.beta << ' ' << r.alpha << '\n';
      f << "\n\n";
    }
    // Block 2: the boundary, beta_-(alpha) and beta_+(alpha), the roots of
    // (beta + 1)^2 / beta = C, i.e. beta^2 + (2 - C) beta + 1 = 0 (two roots once C >= 4).
    std::vector<std::pair<double, double>> lower, upper;
    for (int k = 0; k <= 600; ++k) {
      const double alpha = std::pow(10.0, 3.0 * k / 600);
      const double c = instability_threshold(alpha);
      if (c < 4) continue;
      const double root = std::sqrt((c - 2) * (c - 2) - 4);
      lower.emplace_back((c - 2 - root) / 2, alpha);
      upper.emplace_back((c - 2 + root) / 2, alpha);
    }
    for (auto it = lower.rbegin(); it != lower.rend(); ++it)
      f << it->first << ' ' << it->second << '\n';
    for (const auto& [beta, alpha] : upper) f << beta << ' ' << alpha << '\n';
    f << "\n\n";
    for (int k = 0; k <= 200; ++k) {  // block 3: p(alpha), the dose-response curve
      const double alpha = 0.2 * std::pow(10.0, 1.7 * k / 200);
      f << alpha << ' ' << steady_protein(alpha) << '\n';
    }
  }
  const std::string d = "'" + dat.string() + "'", a = "'" + response.string() + "'";
  const std::string script = fmt::format(
      "set terminal pngcairo size 1500,700 noenhanced\n"
      "set multiplot layout 1, 2 title 'Repressilator (n = 2, alpha0 = {}): steady states "
      "with steady_state_dataset and perturbation_dataset' font ',14'\n"
      "set title 'Where it settles: {} Sobol samples, settled or not by t = {}'\n"
      "set logscale xy\nset xrange [0.1:10]\nset yrange [1:1000]\nset grid\n"
      "set xlabel 'beta (mRNA lifetime / protein lifetime)'\nset ylabel 'alpha (promoter "
      "strength)'\nset bmargin 8\nset key at graph 0.5, graph -0.13 center top\n"
      "plot {} index 0 using 1:2 with points pt 7 ps 1 lc rgb '#1f78b4' title 'settled "
      "(steady)', "
      "{} index 1 using 1:2 with points pt 9 ps 1.2 lc rgb '#e31a1c' title 'still oscillating "
      "(max_time_reached)', "
      "{} index 2 using 1:2 with lines lw 2 lc rgb '#000000' title 'stability boundary "
      "(Elowitz & Leibler, Box 1)'\n"
      "unset logscale y\nset xtics (0.2, 0.5, 1, 2, 5)\nset xrange [0.2:6]\nset yrange "
      "[0.2:2.2]\nset key default\nset key top left opaque box\n"
      "set title 'Perturbations of {} settled samples: alpha x 0.5 .. 2, proteins x 0.5 .. "
      "1.5'\n"
      "set xlabel 'alpha (promoter strength)'\nset ylabel 'LacI level'\n"
      "plot {} index 3 using 1:2 with lines lw 2 lc rgb '#000000' title 'analytic steady "
      "state p(alpha)', "
      "{} using 1:2:($3-$1):($4-$2) with vectors head filled size screen 0.006, 20 "
      "lc rgb '#999999' title 'perturbation', "
      "{} using 3:4:(0):($5-$4) with vectors nohead dt 2 lc rgb '#ff7f00' title 'relaxation', "
      "{} using 1:2 with points pt 7 ps 1 lc rgb '#1f78b4' title 'steady before', "
      "{} using 3:4 with points pt 6 ps 1 lc rgb '#555555' title 'perturbed start', "
      "{} using 3:5 with points pt 5 ps 1 lc rgb '#ff7f00' title 'steady after'\n"
      "unset multiplot\n",
      alpha0, scan_points, settle.max_time, d, d, d, perturbations, d, a, a, a, a, a);
  ok &= examples::plot(folder / "steady_state.png", script) || !examples::have_gnuplot();
  fmt::print("wrote steady_state.csv, steady_state_perturbation.csv and steady_state.png to {}\n",
             folder.string());
  return ok ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "steady_state: %s\n", e.what());
  return 1;
}
