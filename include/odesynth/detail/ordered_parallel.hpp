// odesynth/detail/ordered_parallel.hpp - run make(i) for i in [begin, end) on worker threads
// and hand the results to consume(i, result) on the calling thread, in index order, with at
// most `window` results alive at any time.
//
// Workers take indices from an atomic counter (dynamic load balancing: solves vary in cost)
// and never run more than `window` indices ahead of the next index to be consumed, so memory
// stays flat however many results there are. The first exception thrown by make() or
// consume() stops the run: workers finish their current item, the pool shuts down, and that
// exception is rethrown to the caller (later ones are counted, not lost silently).
#pragma once

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

namespace odesynth::detail {

struct ordered_parallel_stats {
  std::size_t peak_alive = 0;  ///< most results produced but not yet consumed at once
  std::size_t errors_after_first = 0;
};

template <class Result, class Make, class Consume>
ordered_parallel_stats ordered_parallel(std::uint64_t begin, std::uint64_t end, std::size_t threads,
                                        std::size_t window, Make make, Consume consume) {
  ordered_parallel_stats stats;
  if (begin >= end) return stats;
  threads = std::max<std::size_t>(1, std::min<std::uint64_t>(threads, end - begin));
  window = std::max(window, threads);

  std::mutex mutex;
  std::condition_variable ready;     // a result arrived, or a worker failed
  std::condition_variable advanced;  // the consumer moved on: workers may run ahead again
  std::map<std::uint64_t, Result> done;
  std::uint64_t next_to_consume = begin;
  std::atomic<std::uint64_t> next_to_make{begin};
  std::exception_ptr first_error;
  std::size_t later_errors = 0;
  bool stop = false;
  std::size_t alive = 0;  // claimed or produced, not yet consumed

  auto fail = [&](std::exception_ptr e) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!first_error) {
      first_error = e;
    } else {
      ++later_errors;
    }
    stop = true;
    ready.notify_all();
    advanced.notify_all();
  };

  auto worker = [&] {
    for (;;) {
      std::uint64_t i;
      {
        std::unique_lock<std::mutex> lock(mutex);
        advanced.wait(lock, [&] {
          return stop || next_to_make.load() >= end ||
                 next_to_make.load() < next_to_consume + window;
        });
        if (stop) return;
        i = next_to_make.fetch_add(1);
        if (i >= end) return;
        ++alive;
        stats.peak_alive = std::max(stats.peak_alive, alive);
      }
      try {
        Result r = make(i);
        std::lock_guard<std::mutex> lock(mutex);
        done.emplace(i, std::move(r));
        ready.notify_all();
      } catch (...) {
        fail(std::current_exception());
        return;
      }
    }
  };

  std::vector<std::thread> pool;
  pool.reserve(threads);
  try {
    for (std::size_t k = 0; k < threads; ++k) pool.emplace_back(worker);
  } catch (...) {
    fail(std::current_exception());
  }

  // Consume in order on this thread.
  while (true) {
    std::optional<Result> r;
    std::uint64_t i = 0;
    {
      std::unique_lock<std::mutex> lock(mutex);
      ready.wait(lock,
                 [&] { return stop || done.count(next_to_consume) > 0 || next_to_consume >= end; });
      if (stop || next_to_consume >= end) break;
      auto it = done.find(next_to_consume);
      i = it->first;
      r.emplace(std::move(it->second));
      done.erase(it);
    }
    try {
      consume(i, std::move(*r));
    } catch (...) {
      fail(std::current_exception());
      break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex);
      ++next_to_consume;
      --alive;
      advanced.notify_all();
    }
  }
  for (auto& t : pool) t.join();
  stats.errors_after_first = later_errors;
  if (first_error) std::rethrow_exception(first_error);
  return stats;
}

}  // namespace odesynth::detail
