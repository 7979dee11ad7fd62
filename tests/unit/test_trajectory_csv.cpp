// Trajectories and their CSV form: invariants, exact round trips, atomic file writes.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <odesynth/io/csv.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/trajectory.hpp>
#include <sstream>
#include <string>

#include "temp_folder.hpp"
#include "test_models.hpp"

namespace fs = std::filesystem;
using Catch::Contains;
namespace models = test_models;

namespace {

using test_support::temp_folder;

std::string trajectory_csv_read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

odesynth::trajectory trajectory_csv_small_trajectory() {
  auto names = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"a", "b"});
  Eigen::VectorXd times(3);
  times << 0.0, 0.1, 1.0 / 3.0;
  odesynth::trajectory tr(times, names);
  tr.values() << 1.0, -2.5, 0.1 + 0.2, 1e-300, 6.02214076e23, 0.0;
  tr.mask().setConstant(true);
  tr.set_missing(1, 1);
  return tr;
}

}  // namespace

TEST_CASE("a new trajectory has every value missing", "[trajectory]") {
  auto names = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"x", "y"});
  const odesynth::trajectory tr(Eigen::VectorXd::LinSpaced(4, 0, 3), names);
  CHECK(tr.num_times() == 4);
  CHECK(tr.num_species() == 2);
  CHECK(tr.values().array().isNaN().all());
  CHECK_FALSE(tr.mask().any());
  CHECK(tr.ok());
  CHECK(tr.model() == nullptr);
  CHECK(tr.consistent());
  CHECK(tr.species_index("y") == 1);
  CHECK_FALSE(tr.species_index("z").has_value());
}

TEST_CASE("set_missing keeps values and mask in step and consistent() notices when not",
          "[trajectory]") {
  auto tr = trajectory_csv_small_trajectory();
  CHECK(tr.consistent());
  CHECK(std::isnan(tr.values()(1, 1)));
  CHECK_FALSE(tr.mask()(1, 1));
  tr.mask()(1, 1) = true;  // observed but NaN
  CHECK_FALSE(tr.consistent());
}

TEST_CASE("a solved trajectory records what produced it", "[trajectory]") {
  const auto tr = odesynth::solve(models::lotka_volterra{}, {1.5, 1.0, 3.0, 1.0}, {10.0, 5.0},
                                  odesynth::time_grid::linspace(0, 1, 11));
  REQUIRE(tr.ok());
  CHECK(tr.model()->name() == "lotka_volterra");
  CHECK(tr.species() == std::vector<std::string>{"prey", "predator"});
  CHECK(tr.parameters() == Eigen::Vector4d(1.5, 1.0, 3.0, 1.0));
  CHECK(tr.initial_state() == Eigen::Vector2d(10.0, 5.0));
  CHECK(tr.steps() > 0);
  CHECK(tr.mask().all());
  CHECK(fmt::format("{}", tr) ==
        "trajectory(lotka_volterra: 11 times x 2 species [prey, predator], status ok)");
  CHECK(fmt::format("{}", odesynth::solve_status::step_underflow) == "step_underflow");
  CHECK(fmt::format("{:>12}", odesynth::stepper_kind::rk4) == "         rk4");
}

TEST_CASE("moving a trajectory moves its buffers", "[trajectory]") {
  auto tr = trajectory_csv_small_trajectory();
  const double* data = tr.values().data();
  odesynth::trajectory moved = std::move(tr);
  CHECK(moved.values().data() == data);
}

TEST_CASE("CSV: header and shortest round-trip numbers and nan for missing", "[csv]") {
  const auto tr = trajectory_csv_small_trajectory();
  CHECK(odesynth::to_csv(tr) ==
        "time,a,b\n"
        "0,1,-2.5\n"
        "0.1,0.30000000000000004,nan\n"
        "0.3333333333333333,6.02214076e+23,0\n");
  odesynth::csv_options no_time;
  no_time.time_column = false;
  CHECK(odesynth::to_csv(tr, no_time) ==
        "a,b\n1,-2.5\n0.30000000000000004,nan\n6.02214076e+23,0\n");

  // A negative NaN (as -0.0 * NaN produces) and a value hidden by the mask alone both print
  // as "nan": fmt alone would print "-nan" and the stale number.
  auto odd = trajectory_csv_small_trajectory();
  odd.values()(0, 0) = -std::numeric_limits<double>::quiet_NaN();
  odd.mask()(2, 1) = false;
  CHECK(odesynth::to_csv(odd, no_time) ==
        "a,b\nnan,-2.5\n0.30000000000000004,nan\n6.02214076e+23,nan\n");
}

TEST_CASE("CSV numbers read back to the same doubles", "[csv]") {
  const auto tr = odesynth::solve(models::lotka_volterra{}, {1.5, 1.0, 3.0, 1.0}, {10.0, 5.0},
                                  odesynth::time_grid::linspace(0, 7, 71));
  std::istringstream in(odesynth::to_csv(tr));
  std::string line;
  std::getline(in, line);
  CHECK(line == "time,prey,predator");
  Eigen::Index row = 0;
  while (std::getline(in, line)) {
    std::istringstream cells(line);
    std::string cell;
    std::vector<double> v;
    while (std::getline(cells, cell, ',')) v.push_back(std::strtod(cell.c_str(), nullptr));
    REQUIRE(v.size() == 3);
    CHECK(v[0] == tr.times()[row]);
    CHECK(v[1] == tr.values()(row, 0));
    CHECK(v[2] == tr.values()(row, 1));
    ++row;
  }
  CHECK(row == tr.num_times());
}

TEST_CASE("write_csv to a path is atomic and never overwrites by accident", "[csv][io]") {
  temp_folder dir;
  const auto tr = trajectory_csv_small_trajectory();
  const fs::path file = dir.path / "out.csv";

  odesynth::write_csv(file, tr);
  CHECK(trajectory_csv_read_file(file) == odesynth::to_csv(tr));
  CHECK(dir.entries() == std::vector<std::string>{"out.csv"});  // no temporary left behind

  SECTION("an existing file is kept and named in the error") {
    std::ofstream(file, std::ios::trunc) << "precious";
    try {
      odesynth::write_csv(file, tr);
      FAIL("no exception");
    } catch (const odesynth::io_error& e) {
      CHECK(e.path() == file.string());
      CHECK_THAT(e.what(),
                 Contains(file.string()) && Contains("already exists") && Contains("overwrite"));
    }
    CHECK(trajectory_csv_read_file(file) == "precious");
    CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
  }
  SECTION("overwrite replaces it") {
    odesynth::csv_options o;
    o.overwrite = true;
    o.time_column = false;
    odesynth::write_csv(file, tr, o);
    CHECK(trajectory_csv_read_file(file) == odesynth::to_csv(tr, o));
    CHECK(dir.entries() == std::vector<std::string>{"out.csv"});
  }
  SECTION("a missing folder is an io_error naming the path") {
    const fs::path nowhere = dir.path / "missing" / "out.csv";
    CHECK_THROWS_MATCHES(odesynth::write_csv(nowhere, tr), odesynth::io_error,
                         Catch::Matchers::Predicate<odesynth::io_error>(
                             [&](const odesynth::io_error& e) {
                               return e.path() == nowhere.string() &&
                                      std::string(e.what()).find("does not exist") !=
                                          std::string::npos;
                             },
                             "io_error naming the missing folder"));
    CHECK_FALSE(fs::exists(nowhere));
  }
  SECTION("a file where a folder is expected") {
    CHECK_THROWS_WITH(odesynth::write_csv(file / "inner.csv", tr), Contains("is not a folder"));
  }
  SECTION("an unwritable folder") {
    if (::geteuid() == 0) {
      WARN("running as root, which ignores folder permissions: unwritable-folder case not run");
    } else {
      const fs::path locked = dir.path / "locked";
      fs::create_directory(locked);
      fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
      CHECK_THROWS_WITH(odesynth::write_csv(locked / "out.csv", tr),
                        Contains("cannot create a file") && Contains("Permission denied"));
      fs::permissions(locked, fs::perms::owner_all);
      CHECK(fs::is_empty(locked));
    }
  }
}

TEST_CASE("write_csv to a failing stream is an io_error", "[csv][io]") {
  std::ostringstream os;
  os.setstate(std::ios::badbit);
  CHECK_THROWS_AS(odesynth::write_csv(os, trajectory_csv_small_trajectory()), odesynth::io_error);
}
