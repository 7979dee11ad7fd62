// Issue 12, hostile inputs to the generator: layouts of random choices between sparsifiers,
// collect_rows when nothing is ever delivered, indices at the top of the 64-bit range, sizes
// that cannot be allocated, and cancellation from the progress callback. Calls that used to
// hang run on a thread of their own with a deadline, so a regression fails instead of
// stalling the suite.
#include <unistd.h>

#include <array>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <memory>
#include <odesynth/dataset.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/ml/windows.hpp>
#include <odesynth/progress_bar.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/postprocess.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "expect_error.hpp"
#include "temp_folder.hpp"
#include "test_models.hpp"
#include "test_samplers.hpp"

namespace fs = std::filesystem;
using odesynth::generator_options;
using odesynth::sampler;
using odesynth::time_grid;
using odesynth::trajectory;
using odesynth::trajectory_layout;
namespace dist = odesynth::dist;
namespace models = test_models;
using test_models::lv_sampler;

namespace {

constexpr std::uint64_t top = std::numeric_limits<std::uint64_t>::max();

// Runs f() on a detached thread and waits at most `seconds` for it. True if it finished (its
// exception, if any, is rethrown here); false if it is still running, in which case the
// thread is left behind, blocked: state it uses must be owned by f (shared_ptr captures).
template <class F>
bool finishes_within(double seconds, F f) {
  auto done = std::make_shared<std::promise<void>>();
  auto result = done->get_future();
  std::thread([done, f = std::move(f)]() mutable {
    try {
      f();
      done->set_value();
    } catch (...) {
      done->set_exception(std::current_exception());
    }
  }).detach();
  if (result.wait_for(std::chrono::duration<double>(seconds)) != std::future_status::ready)
    return false;
  result.get();
  return true;
}

template <class Transform = odesynth::pipeline<>>
auto hostile_gen_lv_generator(generator_options o, Transform t = {}, std::size_t points = 11) {
  return odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{}, lv_sampler(),
                                  time_grid::linspace(0, 10, points), std::move(t), std::move(o));
}

trajectory_layout hostile_gen_lv_layout(std::size_t rows) {
  trajectory_layout l;
  l.species = {"prey", "predator"};
  l.num_times = rows;
  l.first_time = 0;
  l.last_time = 10;
  return l;
}

// x' = k x^2 from x = 1 blows up at t = 1/k: on [0, 2] every k >= 0.5 fails.
struct explodes {
  static constexpr std::string_view name = "explodes";
  static constexpr std::array<std::string_view, 1> species{"x"};
  static constexpr std::array<std::string_view, 1> parameters{"k"};
  template <class S, class P>
  void operator()(const S& x, S& dxdt, double, const P& p) const {
    dxdt[0] = p[0] * x[0] * x[0];
  }
};

// k ~ U(k_low, 1): every solve fails for k_low >= 0.5, one in four for k_low = -1.
auto hostile_gen_exploding_generator(double k_low, std::size_t threads,
                                     std::uint64_t stall_limit = 10000) {
  sampler s(explodes{});
  s.parameter("k", dist::uniform{k_low, 1.0}).initial_value("x", 1.0);
  generator_options o;
  o.seed = 3;
  o.threads = threads;
  o.on_failure = odesynth::failure_policy::drop;
  o.stall_limit = stall_limit;
  return odesynth::make_generator(explodes{}, odesynth::solve_options{}, s,
                                  time_grid::linspace(0, 2, 5), odesynth::pipeline<>{}, o);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

using test_support::temp_folder;

}  // namespace

// --- issue 12 item 5: random_choice over options with different row counts ----------------

TEST_CASE("random_choice between sparsifiers reports the most rows and the widest times",
          "[transforms][hostile]") {
  const auto in = hostile_gen_lv_layout(31);
  for (const bool reversed : {false, true}) {
    CAPTURE(reversed);
    std::vector<odesynth::any_transform> options{odesynth::random_subset_count(10),
                                                 odesynth::random_subset_count(20)};
    if (reversed) std::swap(options[0], options[1]);
    const auto out = odesynth::random_choice(options).layout_after(in);
    CHECK(out.num_times == 20);
    CHECK(out.species == in.species);
    CHECK(out.row_count_drawn);
  }
  // Times: the range encloses every option's.
  const auto early_late =
      odesynth::random_choice({odesynth::keep_interval(0, 2), odesynth::keep_interval(5, 10)})
          .layout_after(in);
  CHECK(early_late.first_time == 0);
  CHECK(early_late.last_time == 10);
  // Options keeping the same rows keep the exact layout.
  const auto same =
      odesynth::random_choice({odesynth::gaussian_noise(0.1), odesynth::proportional_noise(0.1)})
          .layout_after(in);
  CHECK(same.num_times == 31);
  CHECK_FALSE(same.row_count_drawn);
}

TEST_CASE("a generator with random_choice between sparsifiers writes a NumPy dataset",
          "[generator][transforms][hostile]") {
  generator_options o;
  o.seed = 5;
  o.threads = 2;
  const auto g =
      hostile_gen_lv_generator(o,
                               odesynth::random_choice({odesynth::random_subset_count(10),
                                                        odesynth::random_subset_count(20)}),
                               31);
  REQUIRE(g.output_layout().num_times == 20);
  bool saw_10 = false, saw_20 = false;
  for (const auto& t : g.collect(0, 40)) {
    CHECK(static_cast<std::size_t>(t.num_times()) <= g.output_layout().num_times);
    saw_10 = saw_10 || t.num_times() == 10;
    saw_20 = saw_20 || t.num_times() == 20;
  }
  CHECK(saw_10);
  CHECK(saw_20);
  // The NumPy writer sizes its arrays from the layout: it used to fail mid-run at the first
  // trajectory of the longer option.
  temp_folder tmp;
  odesynth::dataset_options out;
  out.formats = {odesynth::dataset_format::npy};
  const auto result = odesynth::write_dataset(g, 0, 40, tmp.path / "choice", out);
  CHECK(result.report.delivered == 40);
}

TEST_CASE("wrappers that must keep every row refuse a random_choice that may drop rows",
          "[transforms][hostile]") {
  const auto in = hostile_gen_lv_layout(31);
  const odesynth::any_transform noise = odesynth::gaussian_noise(0.1);
  const odesynth::any_transform sparse = odesynth::random_subset(0.5);
  // Either order: the first option used to decide the layout, so noise first passed.
  for (const bool noise_first : {true, false}) {
    CAPTURE(noise_first);
    const auto choice = noise_first ? odesynth::random_choice({noise, sparse})
                                    : odesynth::random_choice({sparse, noise});
    const odesynth::column_specific per_column{{"prey", choice}};
    CHECK_THROWS_WITH(per_column.layout_after(in),
                      Catch::Contains("column_specific") && Catch::Contains("\"prey\""));
    CHECK_THROWS_WITH(
        odesynth::redraw_until_within(choice, odesynth::bounds{0, 100}).layout_after(in),
        Catch::Contains("redraw_until_within.noise"));
  }
  // A random choice between noises stays allowed.
  const odesynth::column_specific fine{
      {"prey", odesynth::random_choice({noise, odesynth::proportional_noise(0.1)})}};
  CHECK(fine.layout_after(in).num_times == 31);
}

// --- issue 12 item 9: indices at the top of the 64-bit range --------------------------------

TEST_CASE("run near 2^64 delivers every index with 1 and 2 threads and any window",
          "[generator][hostile]") {
  for (const std::size_t threads : {1, 2}) {
    for (const std::size_t window : {0, 1, 2, 3, 5, 64, 1000}) {
      CAPTURE(threads, window);
      generator_options o;
      o.seed = 9;
      o.threads = threads;
      o.window = window;
      const auto g = std::make_shared<const decltype(hostile_gen_lv_generator(o))>(
          hostile_gen_lv_generator(o));
      auto seen = std::make_shared<std::vector<std::uint64_t>>();
      auto report = std::make_shared<odesynth::generation_report>();
      // The window's end used to wrap past 2^64: no index could be claimed, and every thread
      // waited for another.
      const bool finished = finishes_within(30, [g, seen, report] {
        *report =
            g->run(top - 5, top - 1, [seen](std::uint64_t i, trajectory&&) { seen->push_back(i); });
      });
      REQUIRE(finished);
      CHECK(*seen == std::vector<std::uint64_t>{top - 5, top - 4, top - 3, top - 2});
      CHECK(report->delivered == 4);
      CHECK(report->requested == 4);
      // The last index there is, alone, and an empty range at the top.
      REQUIRE(finishes_within(30, [g, seen] {
        seen->clear();
        (void)g->run(top - 1, top, [seen](std::uint64_t i, trajectory&&) { seen->push_back(i); });
        (void)g->run(top, top, [seen](std::uint64_t i, trajectory&&) { seen->push_back(i); });
      }));
      CHECK(*seen == std::vector<std::uint64_t>{top - 1});
    }
  }
  // Same data whatever the thread count, up there too.
  generator_options one, two;
  one.threads = 1;
  two.threads = 2;
  const auto a = hostile_gen_lv_generator(one), b = hostile_gen_lv_generator(two);
  const auto x = a.collect(top - 3, top), y = b.collect(top - 3, top);
  REQUIRE(x.size() == 3);
  REQUIRE(y.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(x[i].values() == y[i].values());
    CHECK(x[i].parameters() == y[i].parameters());
  }
}

TEST_CASE("collect_rows near 2^64 stops at the last index instead of wrapping",
          "[generator][hostile]") {
  generator_options o;
  o.threads = 2;
  const auto g = hostile_gen_lv_generator(o);  // 11 rows per trajectory
  odesynth::generation_report report;
  // Four indices are left above top - 4 (the last is top - 1): 44 rows, not 1000.
  const auto got = g.collect_rows(1000, top - 4, &report);
  CHECK(got.size() == 4);
  CHECK(report.delivered == 4);
  // A budget that fits is met exactly.
  const auto fits = g.collect_rows(30, top - 4);
  REQUIRE(fits.size() == 3);
  CHECK(fits[2].num_times() == 8);
}

// --- issue 12 item 7: collect_rows when no trajectory gives a row ----------------------------

TEST_CASE("collect_rows ends with generation_stalled when every solve is dropped",
          "[generator][hostile][failure]") {
  for (const std::size_t threads : {1, 2}) {
    CAPTURE(threads);
    const auto g = std::make_shared<const decltype(hostile_gen_exploding_generator(0.5, 1))>(
        hostile_gen_exploding_generator(0.5, threads));
    auto caught = std::make_shared<std::optional<odesynth::generation_stalled>>();
    auto report = std::make_shared<odesynth::generation_report>();
    const auto t0 = std::chrono::steady_clock::now();
    // It used to loop forever: every batch had drops, so it never counted as empty.
    REQUIRE(finishes_within(60, [g, caught, report] {
      try {
        (void)g->collect_rows(10, 0, report.get());
      } catch (const odesynth::generation_stalled& e) {
        caught->emplace(e);
      }
    }));
    const double took = seconds_since(t0);
    INFO("gave up after " << took << " s");
    REQUIRE(caught->has_value());
    const auto& e = **caught;
    CHECK(e.first_index() == 0);
    CHECK(e.rows_wanted() == 10);
    CHECK(e.rows_collected() == 0);
    CHECK(e.report().delivered == 0);
    CHECK(e.report().dropped == 10000);
    CHECK(report->dropped == e.report().dropped);  // the caller's report is filled too
    CHECK_THAT(std::string(e.what()),
               Catch::Contains("generator.collect_rows") && Catch::Contains("0 of 10 rows") &&
                   Catch::Contains("[0, 10000)") && Catch::Contains("stall_limit = 10000"));
    CHECK(took < 30);
  }
}

TEST_CASE("collect_rows ends with generation_stalled when the transforms keep no row",
          "[generator][hostile]") {
  generator_options o;
  o.threads = 2;
  o.stall_limit = 300;
  const auto g =
      std::make_shared<const decltype(hostile_gen_lv_generator(o, odesynth::random_subset(0.0)))>(
          hostile_gen_lv_generator(o, odesynth::random_subset(0.0)));
  auto first = std::make_shared<std::optional<std::uint64_t>>();
  // Every trajectory delivered with no row: it used to loop forever too. (Catch's checks are
  // not made on the other thread: they are not thread-safe.)
  REQUIRE(finishes_within(60, [g, first] {
    try {
      (void)g->collect_rows(5, 7);
    } catch (const odesynth::generation_stalled& e) {
      *first = e.first_index();
    }
  }));
  REQUIRE(first->has_value());
  CHECK(**first == 7);
}

TEST_CASE("where collect_rows stalls does not depend on the thread count",
          "[generator][hostile][reproducibility]") {
  // One solve in four fails and is dropped: runs of 4 failures in a row come within a few
  // hundred indices, and the stall is found at the first of them whatever the batches are.
  std::optional<std::uint64_t> first;
  std::uint64_t rows = 0;
  for (const std::size_t threads : {1, 2, 3, 5}) {
    CAPTURE(threads);
    try {
      (void)hostile_gen_exploding_generator(-1, threads, 4).collect_rows(100000);
      FAIL("no stall");
    } catch (const odesynth::generation_stalled& e) {
      if (!first) {
        first = e.first_index();
        rows = e.rows_collected();
      }
      CHECK(e.first_index() == *first);
      CHECK(e.rows_collected() == rows);
      // Nothing is solved past the stall point, so the counts agree too.
      CHECK(e.report().delivered + e.report().dropped == e.first_index() + 4);
    }
  }
  CHECK(rows > 0);
  // A run that long is only reached past the stall point, so a budget below it is met.
  REQUIRE(rows >= 2);
  const auto one = hostile_gen_exploding_generator(-1, 1, 4).collect_rows(rows - 1);
  const auto two = hostile_gen_exploding_generator(-1, 2, 4).collect_rows(rows - 1);
  REQUIRE(one.size() == two.size());
  for (std::size_t i = 0; i < one.size(); ++i) CHECK(one[i].values() == two[i].values());
}

// --- issue 12 item 11: sizes that cannot be allocated --------------------------------------

TEST_CASE("absurd windows ranges and row budgets are refused before any allocation",
          "[generator][hostile][input]") {
  generator_options o;
  o.threads = 2;
  o.window = std::numeric_limits<std::size_t>::max() / 2;
  // Used to reach the pool and throw std::bad_alloc (or std::length_error) from the ring.
  CHECK_THROWS_AS(hostile_gen_lv_generator(o), odesynth::invalid_argument);
  // The largest window allowed works: the ring is never larger than the range.
  o.window = generator_options::max_window;
  const auto wide = hostile_gen_lv_generator(o);
  CHECK(wide.collect(0, 5).size() == 5);

  o.window = 0;
  const auto g = hostile_gen_lv_generator(o);
  // Used to throw std::length_error from the reservation.
  CHECK_THROWS_AS(g.collect(0, std::uint64_t{1} << 63), odesynth::invalid_argument);
  // Used to throw std::bad_alloc (2^40 trajectories of 11 rows: hundreds of TiB).
  CHECK_THROWS_AS(g.collect(5, (std::uint64_t{1} << 40) + 5), odesynth::invalid_argument);
  CHECK_THROWS_AS(g.collect_rows(std::uint64_t{1} << 62), odesynth::invalid_argument);
  // Ordinary sizes are untouched.
  CHECK(g.collect(0, 3).size() == 3);
}

TEST_CASE("forecasting windows with a stride near SIZE_MAX stay inside the series",
          "[ml][hostile]") {
  trajectory tr(Eigen::VectorXd::LinSpaced(10, 0, 9),
                std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"x"}));
  for (Eigen::Index i = 0; i < 10; ++i) tr.values()(i, 0) = static_cast<double>(i);
  tr.mask().setConstant(true);
  const std::size_t huge = std::numeric_limits<std::size_t>::max();
  for (const bool allow_missing : {false, true}) {
    for (const std::size_t stride : {huge, huge - 1, huge / 2 + 1, std::size_t{8}}) {
      CAPTURE(allow_missing, stride);
      odesynth::window_options w;
      w.input_length = 2;
      w.horizon = 1;
      w.stride = stride;
      w.allow_missing = allow_missing;
      // s += stride wrapped back below the last start: windows from past the rows (a read out
      // of bounds, or an endless loop with allow_missing).
      const auto set = odesynth::make_windows({tr}, w);
      REQUIRE(set.size() == 1);
      CHECK(set.origins[0].start_row == 0);
      CHECK(set.targets(0, 0, 0) == 2);
    }
  }
  // The stride grid's edges: a stride equal to the last start reaches it, one more does not.
  odesynth::window_options w;
  w.input_length = 2;
  w.horizon = 1;
  w.stride = 7;
  CHECK(odesynth::make_windows({tr}, w).size() == 2);
  w.stride = 8;
  CHECK(odesynth::make_windows({tr}, w).size() == 1);
  w.stride = 1;
  CHECK(odesynth::make_windows({tr}, w).size() == 8);
}

TEST_CASE("forecasting windows that cannot fit in memory are refused before allocating",
          "[ml][hostile]") {
  // Windows of half a series of T rows with stride 1: about T/2 windows of T/2 rows, 2 T^2
  // bytes, from a series of 24 T bytes. T is chosen so that this exceeds the machine's memory.
  const double limit = static_cast<double>(odesynth::detail::memory_limit_bytes());
  const auto rows = static_cast<Eigen::Index>(std::sqrt(limit / 2) * 1.2) + 4;
  if (rows > (Eigen::Index{1} << 23)) {
    WARN("skipped: a series long enough would itself take " << rows * 24 << " bytes");
    return;
  }
  trajectory tr(Eigen::VectorXd::LinSpaced(rows, 0, 1),
                std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"x"}));
  tr.values().setZero();
  tr.mask().setConstant(true);
  odesynth::window_options w;
  w.input_length = static_cast<std::size_t>(rows / 2);
  w.horizon = 1;
  test_support::expect_error(
      [&] { (void)odesynth::make_windows({tr}, w); },
      {"window_options", fmt::format("input_length = {}", rows / 2), "fit in memory"});
}

// --- issue 12 item 12: cancellation from the progress callback -----------------------------

TEST_CASE("a progress callback that returns stop cancels the run leaving a prefix",
          "[generator][hostile][cancel]") {
  generator_options base;
  base.seed = 21;
  base.threads = 1;
  const auto all = hostile_gen_lv_generator(base).collect(0, 60);
  for (const std::size_t threads : {1, 2, 4}) {
    for (const std::uint64_t stop_at : {1, 2, 37}) {
      CAPTURE(threads, stop_at);
      generator_options o = base;
      o.threads = threads;
      o.progress_interval = 0;
      std::vector<odesynth::progress> calls;
      o.on_progress = [&](const odesynth::progress& p) {
        calls.push_back(p);
        return calls.size() >= stop_at ? odesynth::generation_control::stop
                                       : odesynth::generation_control::proceed;
      };
      const auto g = hostile_gen_lv_generator(o);
      std::vector<trajectory> got;
      std::vector<std::uint64_t> seen;
      const auto report = g.run(0, 60, [&](std::uint64_t i, trajectory&& t) {
        seen.push_back(i);
        got.push_back(std::move(t));
      });
      CHECK(report.cancelled);
      CHECK(report.requested == 60);
      CHECK(report.delivered == stop_at);
      REQUIRE(seen.size() == stop_at);
      for (std::uint64_t i = 0; i < stop_at; ++i) {
        CHECK(seen[i] == i);
        CHECK(got[i].values() == all[i].values());  // the same bits as an uncancelled run
      }
      // The calls until the stop, then the final one, which says cancelled.
      REQUIRE(calls.size() == stop_at + 1);
      CHECK_FALSE(calls[stop_at - 1].cancelled);
      CHECK(calls.back().cancelled);
      CHECK(calls.back().done == stop_at);
    }
  }
}

TEST_CASE("a stop on the last trajectory is not a cancellation", "[generator][hostile][cancel]") {
  generator_options o;
  o.threads = 2;
  o.progress_interval = 0;
  o.on_progress = [](const odesynth::progress& p) {
    return p.done == 10 ? odesynth::generation_control::stop
                        : odesynth::generation_control::proceed;
  };
  odesynth::generation_report report;
  CHECK(hostile_gen_lv_generator(o).collect(0, 10, &report).size() == 10);
  CHECK_FALSE(report.cancelled);
  CHECK(report.delivered == 10);
}

TEST_CASE("a cancelled long run returns promptly", "[generator][hostile][cancel]") {
  for (const std::size_t threads : {1, 2}) {
    CAPTURE(threads);
    generator_options o;
    o.threads = threads;
    o.progress_interval = 0;
    auto stopped_at = std::make_shared<std::chrono::steady_clock::time_point>();
    o.on_progress = [stopped_at](const odesynth::progress& p) {
      if (p.elapsed_seconds < 0.05) return odesynth::generation_control::proceed;
      if (*stopped_at == std::chrono::steady_clock::time_point{})
        *stopped_at = std::chrono::steady_clock::now();
      return odesynth::generation_control::stop;
    };
    const auto g =
        std::make_shared<const decltype(hostile_gen_lv_generator(o))>(hostile_gen_lv_generator(o));
    auto report = std::make_shared<odesynth::generation_report>();
    auto returned = std::make_shared<std::chrono::steady_clock::time_point>();
    // 10^12 trajectories: days of work unless the stop is honoured.
    auto in_order = std::make_shared<bool>(true);
    REQUIRE(finishes_within(60, [g, report, returned, in_order] {
      std::uint64_t expected = 0;
      *report = g->run(0, 1000000000000, [&](std::uint64_t i, trajectory&&) {
        *in_order = *in_order && i == expected;
        ++expected;
      });
      *returned = std::chrono::steady_clock::now();
    }));
    CHECK(*in_order);
    CHECK(report->cancelled);
    CHECK(report->delivered > 0);
    const double latency = std::chrono::duration<double>(*returned - *stopped_at).count();
    INFO("returned " << latency << " s after the stop");
    CHECK(latency < 1.0);
  }
}

TEST_CASE("collect and collect_rows return what they have when cancelled",
          "[generator][hostile][cancel]") {
  generator_options o;
  o.threads = 2;
  o.progress_interval = 0;
  int calls = 0;
  o.on_progress = [&calls](const odesynth::progress&) {
    return ++calls >= 5 ? odesynth::generation_control::stop
                        : odesynth::generation_control::proceed;
  };
  const auto g = hostile_gen_lv_generator(o);
  odesynth::generation_report report;
  const auto some = g.collect(0, 100, &report);
  CHECK(report.cancelled);
  CHECK(some.size() == 5);
  CHECK(report.delivered == 5);
  calls = 0;
  const auto rows = g.collect_rows(1000, 0, &report);
  CHECK(report.cancelled);
  CHECK(rows.size() == 5);  // 11 rows each: 55 of the 1000
}

TEST_CASE("on_progress takes void and control callbacks std::function and progress_bar",
          "[generator][hostile][cancel]") {
  generator_options o;
  CHECK_FALSE(o.on_progress);
  int watched = 0;
  o.on_progress = [&watched](const odesynth::progress&) { ++watched; };  // void: only watches
  CHECK(o.on_progress(odesynth::progress{}) == odesynth::generation_control::proceed);
  CHECK(watched == 1);
  o.on_progress = std::function<void(const odesynth::progress&)>{};  // empty stays empty
  CHECK_FALSE(o.on_progress);
  o.on_progress = std::function<odesynth::generation_control(const odesynth::progress&)>(
      [](const odesynth::progress&) { return odesynth::generation_control::stop; });
  CHECK(o.on_progress(odesynth::progress{}) == odesynth::generation_control::stop);
  o.on_progress = nullptr;
  CHECK_FALSE(o.on_progress);
  void (*none)(const odesynth::progress&) = nullptr;
  o.on_progress = none;
  CHECK_FALSE(o.on_progress);

  // The progress bar's last line says the run was cancelled.
  std::FILE* log = std::tmpfile();
  REQUIRE(log);
  const odesynth::progress_bar bar("demo", log);
  o.progress_interval = 0;
  o.threads = 2;
  o.on_progress = [bar](const odesynth::progress& p) {
    bar(p);
    return p.done >= 3 ? odesynth::generation_control::stop : odesynth::generation_control::proceed;
  };
  (void)hostile_gen_lv_generator(o).collect(0, 50);
  std::rewind(log);
  std::string text;
  for (int c; (c = std::fgetc(log)) != EOF;) text += static_cast<char>(c);
  std::fclose(log);
  CHECK_THAT(text, Catch::Contains("demo: cancelled at 3/50 (6%)"));
}

// --- the error catalogue's cases for these inputs ------------------------------------------

TEST_CASE("catalogue: hostile generator sizes", "[errors]") {
  using test_support::expect_error;
  const auto in = hostile_gen_lv_layout(31);
  const auto may_drop_rows =
      odesynth::random_choice({odesynth::gaussian_noise(0.1), odesynth::random_subset(0.5)});
  expect_error(
      [&] {
        (void)odesynth::column_specific{{"prey", may_drop_rows}}.layout_after(in);
      },
      {"column_specific", "\"prey\"", "keeps rows"});
  expect_error(
      [&] {
        (void)odesynth::redraw_until_within(may_drop_rows, odesynth::bounds{0, 1}).layout_after(in);
      },
      {"redraw_until_within.noise", "random_subset(fraction=0.5)"});

  // Sizes that cannot be allocated.
  generator_options o;
  o.threads = 2;
  o.window = std::numeric_limits<std::size_t>::max() / 2;
  expect_error([&] { (void)hostile_gen_lv_generator(o); },
               {"generator_options.window", "9223372036854775807", "at most 1048576"});
  o.window = 0;
  o.stall_limit = 0;
  expect_error([&] { (void)hostile_gen_lv_generator(o); },
               {"generator_options.stall_limit", "= 0"});
  o.stall_limit = 10000;
  const auto g = hostile_gen_lv_generator(o);
  expect_error([&] { (void)g.collect(0, std::uint64_t{1} << 63); },
               {"generator.collect.end", "9223372036854775808", "fits in memory", "run()"});
  expect_error([&] { (void)g.collect(5, (std::uint64_t{1} << 40) + 5); },
               {"generator.collect.end", "1099511627781", "begin = 5"});
  expect_error([&] { (void)g.collect_rows(std::uint64_t{1} << 62); },
               {"generator.collect_rows.rows", "4611686018427387904", "fits in memory"});

  // Nothing ever delivered: a typed error instead of an endless loop.
  expect_error<odesynth::generation_stalled>(
      [] { (void)hostile_gen_exploding_generator(0.5, 2, 50).collect_rows(10, 3); },
      {"generator.collect_rows", "0 of 10 rows", "[3, 53)", "generator_options.stall_limit = 50",
       "50 dropped"});
}
