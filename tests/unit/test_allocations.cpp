// Fixed-size models solve without heap allocation in the step loop: the number of
// allocations of a solve does not depend on how many steps it takes.
//
// This file replaces the global operator new for the whole test executable with a counting
// pass-through (to malloc); only allocations between start() and stop() on the counting
// thread are reported.
// g++ sees operator new (malloc) and operator delete (free) inlined at call sites and warns
// that free() meets a pointer from `new`: here they are one consistent replacement pair.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <new>
#include <odesynth/generator.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/sparsify.hpp>

#include "test_models.hpp"

namespace {
thread_local bool counting = false;
thread_local long allocations = 0;

void start_counting() {
  allocations = 0;
  counting = true;
}
long stop_counting() {
  counting = false;
  return allocations;
}
}  // namespace

// Every replaceable form that Catch2 or the library may use (except the aligned ones, which
// stay paired with the runtime's own), so new and delete always come from one family.
void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void* operator new[](std::size_t size, const std::nothrow_t& tag) noexcept {
  return ::operator new(size, tag);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }

namespace models = test_models;

TEST_CASE("fixed-size solves allocate a constant amount whatever the number of steps",
          "[solve][allocation]") {
  // Not bulirsch_stoer: Boost.Odeint's bulirsch_stoer::try_step allocates two
  // std::vectors (h_opt, work) on every trial step; that is odeint's code, not ours.
  const odesynth::stepper_kind kind =
      GENERATE(odesynth::stepper_kind::dopri5, odesynth::stepper_kind::rk4,
               odesynth::stepper_kind::rkf78, odesynth::stepper_kind::rosenbrock4);
  CAPTURE(kind);
  odesynth::solve_options o;
  o.stepper = kind;
  o.fixed_step = 1e-3;
  o.max_steps = 10000000;
  const odesynth::solver<models::lotka_volterra, odesynth::all_steppers> s(models::lotka_volterra{},
                                                                           o);
  // Same number of output rows, horizons 1 and 100: about 100x more steps.
  const auto short_grid = odesynth::time_grid::linspace(0, 1, 11);
  const auto long_grid = odesynth::time_grid::linspace(0, 100, 11);

  // A first solve outside the counting: one-time initialisations (a function-local static)
  // are not per solve.
  (void)s.solve({1.5, 1.0, 3.0, 1.0}, {10.0, 5.0}, short_grid);
  start_counting();
  const auto a = s.solve({1.5, 1.0, 3.0, 1.0}, {10.0, 5.0}, short_grid);
  const long short_allocations = stop_counting();
  start_counting();
  const auto b = s.solve({1.5, 1.0, 3.0, 1.0}, {10.0, 5.0}, long_grid);
  const long long_allocations = stop_counting();

  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CAPTURE(a.steps(), b.steps());
  CHECK(b.steps() > 20 * a.steps());
  CHECK(long_allocations == short_allocations);
  CHECK(short_allocations < 40);  // the trajectory's buffers and a few per-solve objects
}

TEST_CASE("a generator allocates nothing per trajectory with operator new in its steady state",
          "[generator][allocation]") {
  // One worker (it runs on this thread, where the counting is): sampling into the worker's
  // reused sample, the solve, noise in blocks on the stack, a random subset listing its rows
  // on the stack. Runs of 10 and of 110 trajectories make the same number of operator-new
  // allocations (the run's own: the report, the window), so none of them is per trajectory.
  // (Eigen's matrices use malloc, not operator new: the trajectory's five buffers, handed to
  // the sink to keep, are per trajectory and not counted here; benchmarks/README.md.)
  using lv = models::lotka_volterra;
  odesynth::sampler s(lv{});
  s.parameter("alpha", odesynth::dist::uniform{1.3, 1.7}).parameter("beta", 1.0);
  s.parameter("gamma", 3.0).parameter("delta", 1.0);
  s.initial_value("prey", odesynth::dist::uniform{8, 12}).initial_value("predator", 5.0);
  odesynth::generator_options one;
  one.threads = 1;
  one.seed = 5;
  odesynth::solve_options o;
  o.rel_tol = 1e-3;
  o.abs_tol = 1e-6;
  const auto g = odesynth::make_generator<odesynth::stepper_set<odesynth::stepper_kind::dopri5>>(
      lv{}, o, s, odesynth::time_grid::linspace(0, 20, 100),
      odesynth::gaussian_noise(0.1) | odesynth::random_subset(0.5), one);
  double sum = 0;
  const auto sink = [&sum](std::uint64_t, odesynth::trajectory&& tr) { sum += tr.values()(0, 0); };
  g.run(0, 5, sink);  // warm-up: the worker's sample gets its vectors
  start_counting();
  g.run(5, 15, sink);
  const long ten = stop_counting();
  start_counting();
  g.run(15, 125, sink);
  const long hundred_ten = stop_counting();
  CHECK(sum != 0);
  CHECK(hundred_ten == ten);
}

TEST_CASE("solve_into reuses a trajectory's memory and gives solve's result",
          "[solve][allocation]") {
  // Into a trajectory that held a solve on a grid of as many times: no allocation at all
  // (operator new here; the Eigen buffers keep their size, so Eigen does not reallocate).
  const odesynth::solver<models::lotka_volterra,
                         odesynth::stepper_set<odesynth::stepper_kind::dopri5>>
      s(models::lotka_volterra{});
  const auto grid = odesynth::time_grid::linspace(0, 10, 50);
  odesynth::trajectory reused = s.solve({1.5, 1.0, 3.0, 1.0}, {10.0, 5.0}, grid);
  const double* values_before = reused.values().data();
  reused.set_status(odesynth::solve_status::max_steps, "left over from before");
  start_counting();
  s.solve_into(reused, {1.4, 1.0, 3.0, 1.0}, {9.0, 5.0}, grid);
  CHECK(stop_counting() == 0);
  CHECK(reused.values().data() == values_before);
  const auto fresh = s.solve({1.4, 1.0, 3.0, 1.0}, {9.0, 5.0}, grid);
  CHECK(reused.values() == fresh.values());
  CHECK((reused.mask() == fresh.mask()).all());
  CHECK(reused.times() == fresh.times());
  CHECK(reused.parameters() == fresh.parameters());
  CHECK(reused.initial_state() == fresh.initial_state());
  CHECK(reused.status() == fresh.status());
  CHECK(reused.message() == fresh.message());
  CHECK(reused.steps() == fresh.steps());
  CHECK(reused.species() == fresh.species());
}
