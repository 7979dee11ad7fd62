// Peak memory of streaming generation does not grow with the number of trajectories
// (issue 8, item 5).
//
// Each configuration runs in a fresh process: this program re-executes itself
// (/proc/self/exe --child N THREADS), the child builds a Lotka–Volterra generator (100 times)
// and streams N trajectories through a sink that drops them, and the parent reads the
// child's peak resident set size from wait4() (ru_maxrss). Configurations: N = 0 (the
// process with its generator, nothing generated: the floor), 10^4 and 10^6 (quick mode: 10^3
// and 10^5), on 2 worker threads; 10 rounds (quick: 2), each round running every
// configuration once, the order rotating from round to round. Linux counts the parent's
// resident pages at fork time into the child's peak, which is the same small amount in every
// configuration (the parent only forks and waits).
//
// Target: the median peak RSS of 10^6 trajectories within 10% of that of 10^4.
//
// Usage: bench_memory [--quick] [--repetitions R] [--threads T]; ODESYNTH_BENCH_QUICK=1 =
// --quick.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <odesynth/generator.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/sampler.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "support/quick.hpp"
#include "support/workloads.hpp"

namespace {

using odesynth::models::lotka_volterra;
using workload::lv_sampler;
using workload::solver_options;

/// The child: generate n trajectories, drop them, print "delivered peak_alive seconds".
int child(std::uint64_t n, std::size_t threads) {
  odesynth::generator_options options;
  options.seed = workload::seed;
  options.threads = threads;
  const auto g = odesynth::make_generator(lotka_volterra{}, solver_options(), lv_sampler(),
                                          odesynth::time_grid::linspace(0, 20, 100),
                                          odesynth::pipeline<>{}, options);
  const auto report = g.run(0, n, [](std::uint64_t, odesynth::trajectory&&) {});
  fmt::print("{} {} {}\n", report.delivered, report.peak_alive, report.elapsed_seconds);
  return report.delivered == n ? 0 : 1;
}

struct measurement {
  long max_rss_kib = 0;
  std::uint64_t delivered = 0;
  std::size_t peak_alive = 0;
  double seconds = 0;
};

[[noreturn]] void die(const std::string& what) {
  fmt::print(stderr, "bench_memory: {}: {}\n", what, std::strerror(errno));
  std::exit(2);
}

/// Runs this program as `--child n threads` in a fresh process; its peak RSS from wait4.
measurement run_child(std::uint64_t n, std::size_t threads) {
  int out[2];
  if (::pipe(out) != 0) die("pipe");
  const std::string n_text = std::to_string(n), threads_text = std::to_string(threads);
  const pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    ::dup2(out[1], STDOUT_FILENO);
    ::close(out[0]);
    ::close(out[1]);
    char self[] = "/proc/self/exe";
    char flag[] = "--child";
    char* args[] = {self, flag, const_cast<char*>(n_text.c_str()),
                    const_cast<char*>(threads_text.c_str()), nullptr};
    ::execv(self, args);
    _exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buffer[256];
  for (;;) {
    const ssize_t got = ::read(out[0], buffer, sizeof buffer);
    if (got > 0) {
      text.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0 || errno != EINTR) {
      break;
    }
  }
  ::close(out[0]);
  int status = 0;
  struct rusage usage {};
  if (::wait4(pid, &status, 0, &usage) != pid) die("wait4");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fmt::print(stderr, "bench_memory: child for n = {} failed (status {}): {}\n", n, status, text);
    std::exit(2);
  }
  measurement m;
  m.max_rss_kib = usage.ru_maxrss;  // KiB on Linux
  unsigned long long delivered = 0;
  unsigned long peak = 0;
  if (std::sscanf(text.c_str(), "%llu %lu %lf", &delivered, &peak, &m.seconds) != 3) {
    fmt::print(stderr, "bench_memory: unexpected child output: {}\n", text);
    std::exit(2);
  }
  m.delivered = delivered;
  m.peak_alive = peak;
  return m;
}

template <class T, class F>
double median_of(const std::vector<T>& v, F f) {
  std::vector<double> x;
  for (const auto& e : v) x.push_back(f(e));
  std::sort(x.begin(), x.end());
  const std::size_t k = x.size() / 2;
  return x.size() % 2 ? x[k] : (x[k - 1] + x[k]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 4 && std::string_view(argv[1]) == "--child")
    return child(std::strtoull(argv[2], nullptr, 10),
                 static_cast<std::size_t>(std::strtoul(argv[3], nullptr, 10)));

  bool quick = harness::quick_from_environment();
  int repetitions = -1;
  std::size_t threads = 2;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--repetitions" && i + 1 < argc) {
      repetitions = std::atoi(argv[++i]);
    } else if (a == "--threads" && i + 1 < argc) {
      threads = static_cast<std::size_t>(std::atoi(argv[++i]));
    } else {
      fmt::print(stderr, "usage: bench_memory [--quick] [--repetitions R] [--threads T]\n");
      return 2;
    }
  }
  if (repetitions < 1) repetitions = quick ? 2 : 10;
  const std::uint64_t small = quick ? 1000 : 10000, large = quick ? 100000 : 1000000;
  const std::vector<std::uint64_t> sizes{0, small, large};

  std::vector<std::vector<measurement>> results(sizes.size());
  for (int round = 0; round < repetitions; ++round)
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      const std::size_t c = (k + static_cast<std::size_t>(round)) % sizes.size();
      results[c].push_back(run_child(sizes[c], threads));
    }

  fmt::print("{:>10} {:>14} {:>20} {:>12} {:>11}\n", "n", "peak RSS", "min..max", "time",
             "peak alive");
  std::vector<double> rss(sizes.size());
  for (std::size_t c = 0; c < sizes.size(); ++c) {
    const auto& r = results[c];
    rss[c] = median_of(r, [](const measurement& m) { return m.max_rss_kib / 1024.0; });
    const auto [lo, hi] = std::minmax_element(
        r.begin(), r.end(),
        [](const measurement& a, const measurement& b) { return a.max_rss_kib < b.max_rss_kib; });
    fmt::print(
        "{:>10} {:>10.1f} MiB {:>8.1f}..{:.1f} MiB {:>10.2f} s {:>11.0f}\n", sizes[c], rss[c],
        lo->max_rss_kib / 1024.0, hi->max_rss_kib / 1024.0,
        median_of(r, [](const measurement& m) { return m.seconds; }),
        median_of(r, [](const measurement& m) { return static_cast<double>(m.peak_alive); }));
  }
  const double growth = (rss[2] - rss[1]) / rss[1];
  fmt::print("RESULT | 5 memory | peak RSS, process floor (n = 0) | {:.1f} MiB | {} runs |  | \n",
             rss[0], repetitions);
  fmt::print(
      "RESULT | 5 memory | peak RSS n = {:.0e} vs {:.0e} ({} threads) | {:.1f} vs {:.1f} MiB "
      "({:+.1f}%) | {} runs each, interleaved | < 10% | {}\n",
      static_cast<double>(small), static_cast<double>(large), threads, rss[1], rss[2], 100 * growth,
      repetitions, std::fabs(growth) < 0.10 ? "met" : "MISSED");
  return 0;
}
