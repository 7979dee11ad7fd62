// odesynth/detail/ordered_parallel.hpp - run make(i) for i in [begin, end) on worker threads
// and hand the results to consume(i, result) on the calling thread, in index order, with at
// most `window` results alive at any time. make may also be make(i, result&), writing into a
// result (on one thread, the one consume() just had: its memory is reused), and may offer
// make(first, n, result*) for runs of consecutive indices (the generator solves them in SIMD
// lanes): given a `run_length` above 1, workers then make what they claim in one call, and
// the one-thread path makes runs of run_length before consuming them.
//
// Workers (threads - 1 pool threads plus the calling thread, which also consumes) claim runs
// of consecutive indices under a mutex (dynamic load balancing: solves vary in cost) and never
// run more than `window` indices ahead of the next index to be consumed, so memory stays flat
// however many results there are. The first exception thrown by make() or
// consume() stops the run: workers finish their current item, the pool shuts down, and that
// exception is rethrown to the caller (later ones are counted, not lost silently).
//
// consume() may return bool: false asks to stop (cooperative cancellation). Nothing after
// that index is consumed, no new item is started, items being made finish, the pool is
// joined, and the stats say `stopped`. A consume() returning void never stops the run.
//
// Indices may reach the top of the 64-bit range (end = 2^64 - 1): positions are compared as
// distances from next_to_consume, never as next_to_consume + window, which would wrap.
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace odesynth::detail {

struct ordered_parallel_stats {
  std::size_t peak_alive = 0;  ///< most results produced but not yet consumed at once
  std::size_t errors_after_first = 0;
  /// consume() returned false before the last index: the indices after it were not consumed.
  bool stopped = false;
};

template <class Result, class Make, class Consume>
ordered_parallel_stats ordered_parallel(std::uint64_t begin, std::uint64_t end, std::size_t threads,
                                        std::size_t window, Make make, Consume consume,
                                        std::size_t run_length = 1) {
  ordered_parallel_stats stats;
  if (begin >= end) return stats;
  const std::uint64_t count = end - begin;
  threads =
      static_cast<std::size_t>(std::max<std::uint64_t>(1, std::min<std::uint64_t>(threads, count)));
  // make(i) returning the result, or make(i, result&) writing into one that may hold an
  // earlier result's memory (the one-thread path below hands back what consume() left).
  auto make_into = [&make](std::uint64_t i, Result& r) {
    if constexpr (std::is_invocable_v<Make&, std::uint64_t, Result&>) {
      make(i, r);
    } else {
      r = make(i);
    }
  };
  // make(first, n, results) when it is offered and runs are asked for (false: stopped by
  // `abandon` between items, which only the item-by-item path checks).
  constexpr bool makes_runs = std::is_invocable_v<Make&, std::uint64_t, std::size_t, Result*>;
  if (!makes_runs) run_length = 1;
  run_length = std::max<std::size_t>(run_length, 1);
  auto make_range = [&](std::uint64_t first, std::size_t n, Result* results,
                        const std::atomic<bool>* abandon) {
    if constexpr (makes_runs) {
      if (run_length > 1) {
        if (abandon && abandon->load(std::memory_order_relaxed)) return false;
        make(first, n, results);
        return true;
      }
    }
    for (std::size_t k = 0; k < n; ++k) {
      if (abandon && abandon->load(std::memory_order_relaxed)) return false;
      make_into(first + k, results[k]);
    }
    return true;
  };
  // True: go on; false: the caller asked to stop.
  auto take = [&consume](std::uint64_t i, Result&& r) -> bool {
    if constexpr (std::is_same_v<decltype(consume(i, std::move(r))), bool>) {
      return consume(i, std::move(r));
    } else {
      consume(i, std::move(r));
      return true;
    }
  };

  // One thread: no pool, no hand-off (a worker plus a waiting consumer would cost two context
  // switches per item, more than a small solve).
  if (threads == 1) {
    // What consume() leaves of each result is the next one's memory.
    std::vector<Result> reused(run_length);
    stats.peak_alive = static_cast<std::size_t>(std::min<std::uint64_t>(run_length, count));
    for (std::uint64_t i = begin; i < end;) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(run_length, end - i));
      make_range(i, n, reused.data(), nullptr);
      for (std::size_t k = 0; k < n; ++k, ++i)
        if (!take(i, std::move(reused[k]))) {
          stats.stopped = i + 1 < end;
          return stats;
        }
    }
    return stats;
  }

  // A ring larger than the range holds nothing more: capping it keeps an absurd window from
  // allocating slots for indices that do not exist.
  window = static_cast<std::size_t>(
      std::min<std::uint64_t>(std::max<std::size_t>(window, threads), count));
  std::mutex mutex;
  std::condition_variable ready;     // the result the consumer waits for arrived, or a failure
  std::condition_variable advanced;  // the consumer moved on: workers may run ahead again
  // Results in flight live in a ring of `window` slots: index i always lies in
  // [next_to_consume, next_to_consume + window), so slot i % window is free when i is claimed.
  std::vector<std::optional<Result>> slots(window);
  std::uint64_t next_to_consume = begin;
  std::uint64_t next_to_make = begin;
  std::exception_ptr first_error;
  std::size_t later_errors = 0;
  bool stop = false;
  // `stop`, readable without the mutex: a worker checks it between the items of a claimed run,
  // so after a failure or a stop request only the items already being made are finished.
  std::atomic<bool> abandon{false};
  bool consumer_waiting = false;
  std::size_t workers_waiting = 0;
  std::size_t alive = 0;  // claimed or produced, not yet consumed

  auto fail = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!first_error) {
      first_error = e;
    } else {
      ++later_errors;
    }
    stop = true;
    abandon.store(true, std::memory_order_relaxed);
    ready.notify_all();
    advanced.notify_all();
  };

  // Indices are claimed in runs, so that cheap items (a few microseconds) do not pay a lock
  // and a wake-up each: guided sizes, a share of what is left, at most 8 and at most what the
  // window allows, down to 1 near the end so that no thread is left with a long tail.
  // Called with the mutex held; returns the number claimed from `first`. Invariant:
  // next_to_consume <= next_to_make <= end and next_to_make - next_to_consume <= window, so
  // every difference below is in range and nothing is added to an index but a claimed count.
  auto claim = [&](std::uint64_t& first) -> std::size_t {
    const std::uint64_t room = window - (next_to_make - next_to_consume);
    const std::uint64_t left = end - next_to_make;
    const std::uint64_t guided = std::max<std::uint64_t>(1, left / threads / 4);
    const std::uint64_t most = std::max<std::uint64_t>(8, run_length);
    const auto n = static_cast<std::size_t>(std::min({room, left, guided, most}));
    first = next_to_make;
    next_to_make += n;
    alive += n;
    stats.peak_alive = std::max(stats.peak_alive, alive);
    return n;
  };
  auto can_claim = [&] { return next_to_make < end && next_to_make - next_to_consume < window; };

  // Makes a claimed run and stores it in the ring (one lock for the run). False on failure.
  std::vector<Result> made_by_caller;
  // An abandoned run is dropped whole: after a failure or a stop nothing more is consumed.
  auto make_run = [&](std::uint64_t first, std::size_t n, std::vector<Result>& made) {
    made.clear();  // moved-from results: fresh ones cost the same
    try {
      made.resize(n);
      if (!make_range(first, n, made.data(), &abandon)) return false;
    } catch (...) {
      fail(std::current_exception());
      return false;
    }
    std::lock_guard<std::mutex> lock(mutex);
    for (std::size_t k = 0; k < n; ++k)
      slots[static_cast<std::size_t>((first + k) % window)] = std::move(made[k]);
    if (consumer_waiting && first <= next_to_consume && next_to_consume - first < n)
      ready.notify_one();
    return true;
  };

  // The pool has threads - 1 workers: the calling thread is the last one (it makes items too
  // when it has nothing to consume), so `threads` threads compute and none is oversubscribed.
  auto worker = [&] {
    std::vector<Result> made;
    for (;;) {
      std::uint64_t first = 0;
      std::size_t n = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        while (!(stop || next_to_make >= end || can_claim())) {
          ++workers_waiting;
          advanced.wait(lock);
          --workers_waiting;
        }
        if (stop || next_to_make >= end) return;
        n = claim(first);
      }
      if (!make_run(first, n, made)) return;
    }
  };

  std::vector<std::thread> pool;
  pool.reserve(threads - 1);
  try {
    for (std::size_t k = 0; k + 1 < threads; ++k) pool.emplace_back(worker);
  } catch (...) {
    fail(std::current_exception());
  }

  // The calling thread: consume every consecutive ready result in order; with nothing ready,
  // make a run itself; with nothing to make either, wait.
  std::vector<Result> batch;
  batch.reserve(std::min<std::size_t>(window, 1024));
  while (true) {
    std::uint64_t first = 0;
    std::uint64_t run_first = 0;
    std::size_t run_count = 0;
    {
      std::unique_lock<std::mutex> lock(mutex);
      auto has_next = [&] {
        return slots[static_cast<std::size_t>(next_to_consume % window)].has_value();
      };
      while (!(stop || next_to_consume >= end || has_next() || can_claim())) {
        consumer_waiting = true;
        ready.wait(lock);
        consumer_waiting = false;
      }
      if (stop || next_to_consume >= end) break;
      if (has_next()) {
        first = next_to_consume;
        for (std::uint64_t i = next_to_consume; i < end; ++i) {
          auto& slot = slots[static_cast<std::size_t>(i % window)];
          if (!slot) break;
          batch.push_back(std::move(*slot));
          slot.reset();
        }
      } else {
        run_count = claim(run_first);
      }
    }
    if (run_count > 0) {
      if (!make_run(run_first, run_count, made_by_caller)) break;
      continue;
    }
    bool failed = false;
    bool go_on = true;
    std::size_t taken = 0;
    try {
      while (go_on && taken < batch.size()) {
        go_on = take(first + taken, std::move(batch[taken]));
        ++taken;
      }
    } catch (...) {
      fail(std::current_exception());
      failed = true;
    }
    if (failed) break;
    if (!go_on) {
      // Not an error: workers stop claiming, drop what they have not finished, and exit.
      std::lock_guard<std::mutex> lock(mutex);
      stats.stopped = end - first > taken;
      stop = true;
      abandon.store(true, std::memory_order_relaxed);
      advanced.notify_all();
      break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      next_to_consume += batch.size();
      alive -= batch.size();
      if (workers_waiting > 0) advanced.notify_all();
    }
    batch.clear();
  }
  for (auto& t : pool) t.join();
  stats.errors_after_first = later_errors;
  if (first_error) std::rethrow_exception(first_error);
  return stats;
}

}  // namespace odesynth::detail
