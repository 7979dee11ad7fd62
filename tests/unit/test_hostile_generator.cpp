// Issue 12, hostile inputs to the generator: layouts of random choices between sparsifiers,
// collect_rows when nothing is ever delivered, indices at the top of the 64-bit range, sizes
// that cannot be allocated, and cancellation from the progress callback. Calls that used to
// hang run on a thread of their own with a deadline, so a regression fails instead of
// stalling the suite.
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <future>
#include <limits>
#include <memory>
#include <odesynth/dataset.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/ml/windows.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/postprocess.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <thread>
#include <vector>

#include "expect_error.hpp"
#include "test_models.hpp"

namespace fs = std::filesystem;
using odesynth::generator_options;
using odesynth::sampler;
using odesynth::time_grid;
using odesynth::trajectory;
using odesynth::trajectory_layout;
namespace dist = odesynth::dist;
namespace models = test_models;

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

sampler lv_sampler() {
  sampler s(models::lotka_volterra{});
  s.parameter("alpha", dist::uniform{1.0, 2.0})
      .parameter("beta", dist::uniform{0.5, 1.5})
      .parameter("gamma", dist::uniform{2.0, 4.0})
      .parameter("delta", 1.0)
      .initial_value("prey", dist::uniform{5, 15})
      .initial_value("predator", dist::uniform{2, 8});
  return s;
}

template <class Transform = odesynth::pipeline<>>
auto lv_generator(generator_options o, Transform t = {}, std::size_t points = 11) {
  return odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{}, lv_sampler(),
                                  time_grid::linspace(0, 10, points), std::move(t), std::move(o));
}

trajectory_layout lv_layout(std::size_t rows) {
  trajectory_layout l;
  l.species = {"prey", "predator"};
  l.num_times = rows;
  l.first_time = 0;
  l.last_time = 10;
  return l;
}

struct temp_folder {
  fs::path path;
  temp_folder() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           fmt::format("odesynth-test-hostile-{}-{}", static_cast<long>(::getpid()), counter++);
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~temp_folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

}  // namespace

// --- issue 12 item 5: random_choice over options with different row counts ----------------

TEST_CASE("random_choice between sparsifiers reports the most rows and the widest times",
          "[transforms][hostile]") {
  const auto in = lv_layout(31);
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
  const auto g = lv_generator(o,
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
  const auto in = lv_layout(31);
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
      const auto g = std::make_shared<const decltype(lv_generator(o))>(lv_generator(o));
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
  const auto a = lv_generator(one), b = lv_generator(two);
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
  const auto g = lv_generator(o);  // 11 rows per trajectory
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

// --- the error catalogue's cases for these inputs ------------------------------------------

TEST_CASE("catalogue: hostile generator sizes", "[errors]") {
  using test_support::expect_error;
  const auto in = lv_layout(31);
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
}
