// odesynth/detail/time_budget.hpp - a wall-time limit for one solve, cheap enough for step
// loops.
//
// Reading the steady clock costs ~20 ns, a step of a small model ~100 ns: the loops read it
// only every `interval()` steps, and the interval adapts so that the clock is read about once
// every 0.1-1 ms of solving: it doubles (up to 2^16 steps) while reads come sooner than that
// and halves when they come later. A slow right-hand side is thus checked every step or two,
// a fast one every few thousand steps, and the limit is overshot by at most about a
// millisecond plus one step. A solve without a limit builds no budget and reads no clock.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>

namespace odesynth::detail {

class time_budget {
 public:
  using clock = std::chrono::steady_clock;

  /// A budget of `seconds` (> 0) from now. Beyond 1e9 s (31 years) it is capped, so that the
  /// conversion to clock ticks cannot overflow.
  explicit time_budget(double seconds)
      : seconds_(seconds),
        start_(clock::now()),
        deadline_(start_ + std::chrono::duration_cast<clock::duration>(
                               std::chrono::duration<double>(std::min(seconds, 1e9)))),
        last_read_(start_) {}

  double seconds() const noexcept { return seconds_; }
  double elapsed() const { return std::chrono::duration<double>(clock::now() - start_).count(); }

  /// Steps to take before the next expired() call.
  std::int64_t interval() const noexcept { return interval_; }

  /// Reads the clock: true once the deadline has passed. Adapts interval().
  bool expired() {
    const clock::time_point now = clock::now();
    if (now >= deadline_) return true;
    const clock::duration since = now - last_read_;
    last_read_ = now;
    if (since < std::chrono::microseconds(100)) {
      interval_ = std::min<std::int64_t>(interval_ * 2, std::int64_t{1} << 16);
    } else if (since > std::chrono::milliseconds(1)) {
      interval_ = std::max<std::int64_t>(interval_ / 2, 1);
    }
    return false;
  }

  /// The step count at which a loop that has taken `steps` of at most `max_steps` looks
  /// next: at the budget's next read or at max_steps, whichever comes first. With no budget,
  /// max_steps, so the loops' one comparison per step covers both limits.
  static std::int64_t next_check(const time_budget* budget, std::int64_t steps,
                                 std::int64_t max_steps) noexcept {
    if (!budget || max_steps - steps <= budget->interval_) return max_steps;
    return steps + budget->interval_;
  }

 private:
  double seconds_;
  clock::time_point start_, deadline_, last_read_;
  std::int64_t interval_ = 1;
};

}  // namespace odesynth::detail
