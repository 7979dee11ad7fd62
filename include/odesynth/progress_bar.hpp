// odesynth/progress_bar.hpp - a terminal progress bar for generator_options::on_progress.
//
//   options.on_progress = odesynth::progress_bar("SIR dataset");
//
// On a terminal it redraws one line ("SIR dataset [#####     ] 512/1000  51%  3 failed  0.4 s,
// ETA 0.4 s"); when output is redirected (a CI log) it prints a plain line at every 10% instead,
// so logs stay readable, and a last line saying "cancelled" when a run was stopped. The
// generator calls it on the calling thread only. It never stops a run itself; to add a stop,
// wrap it: [bar, &quit](const progress& p) { bar(p); return quit ? stop : proceed; }.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "progress.hpp"

#if defined(__unix__) || defined(__APPLE__)
#include <unistd.h>
#endif

namespace odesynth {

class progress_bar {
 public:
  explicit progress_bar(std::string label, std::FILE* out = stderr, int width = 30)
      : state_(std::make_shared<state>()) {
    state_->label = std::move(label);
    state_->out = out;
    state_->width = width < 1 ? 1 : width;
#if defined(__unix__) || defined(__APPLE__)
    state_->interactive = ::isatty(::fileno(out)) == 1;
#endif
  }

  void operator()(const progress& p) const {
    state& s = *state_;
    const double fraction =
        p.total == 0 ? 1.0 : static_cast<double>(p.done) / static_cast<double>(p.total);
    const double eta = fraction > 0 ? p.elapsed_seconds * (1 - fraction) / fraction : 0.0;
    const std::string failed = p.failed ? fmt::format("  {} failed", p.failed) : "";
    if (s.interactive) {
      const int filled = static_cast<int>(fraction * s.width + 0.5);
      fmt::print(s.out, "\r{} [{:#<{}}{: <{}}] {}/{} {:3.0f}%{}  {:.1f} s, ETA {:.1f} s", s.label,
                 "", filled, "", s.width - filled, p.done, p.total, 100 * fraction, failed,
                 p.elapsed_seconds, eta);
      if (p.cancelled) {
        fmt::print(s.out, "  cancelled\n");
      } else if (p.done == p.total) {
        fmt::print(s.out, "\n");
      }
      std::fflush(s.out);
      return;
    }
    if (p.cancelled) {  // the final call of a stopped run: say so, whatever the decile
      fmt::print(s.out, "{}: cancelled at {}/{} ({:.0f}%){}  {:.1f} s\n", s.label, p.done, p.total,
                 100 * fraction, failed, p.elapsed_seconds);
      std::fflush(s.out);
      return;
    }
    const int decile = static_cast<int>(fraction * 10);
    if (decile <= s.last_decile && p.done != p.total) return;
    if (p.done == p.total && s.finished) return;
    s.last_decile = decile;
    s.finished = p.done == p.total;
    fmt::print(s.out, "{}: {}/{} ({:.0f}%){}  {:.1f} s\n", s.label, p.done, p.total, 100 * fraction,
               failed, p.elapsed_seconds);
    std::fflush(s.out);
  }

 private:
  struct state {
    std::string label;
    std::FILE* out = stderr;
    int width = 30;
    bool interactive = false;
    int last_decile = -1;
    bool finished = false;
  };
  std::shared_ptr<state> state_;  // shared: std::function copies the callable
};

}  // namespace odesynth
