// Dataset folders: every format holds what the generator made, metadata regenerates the
// dataset bit for bit, and the destination is never half-written or silently replaced.
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <odesynth/dataset.hpp>
#include <odesynth/detail/json.hpp>
#include <odesynth/io/csv_reader.hpp>
#include <odesynth/provenance.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/postprocess.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "files.hpp"
#include "python.hpp"
#include "temp_folder.hpp"
#include "test_models.hpp"

namespace fs = std::filesystem;
using odesynth::dataset_format;
using odesynth::dataset_options;
using odesynth::generator_options;
using odesynth::sampler;
using odesynth::time_grid;
using odesynth::trajectory;
using odesynth::detail::json;
namespace dist = odesynth::dist;
namespace models = test_models;

namespace {

using test_support::files_in;
using test_support::read_file;
using test_support::temp_folder;

sampler dataset_lv_sampler() {
  sampler s(models::lotka_volterra{});
  s.parameter("alpha", dist::uniform{1.0, 2.0})
      .parameter("beta", dist::lognormal{-0.1, 0.2}, odesynth::value_constraint::positive)
      .parameter("gamma",
                 dist::truncated_normal{3.0, 0.5, 2.0, std::numeric_limits<double>::infinity()})
      .parameter("delta", 1.0)
      .initial_value("prey", dist::uniform{5, 15})
      .initial_value("predator", dist::choice{{2, 4, 8}, {}})
      .design(odesynth::sampling_design::sobol());
  return s;
}

auto lv_pipeline() {
  return odesynth::proportional_noise(0.05) | odesynth::clip_below(0) |
         odesynth::random_subset(0.7) | odesynth::missing_entries(0.1);
}

auto dataset_lv_generator(std::uint64_t seed = 5, std::size_t threads = 2) {
  generator_options o;
  o.seed = seed;
  o.threads = threads;
  return odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                  dataset_lv_sampler(), time_grid::linspace(0, 10, 41),
                                  lv_pipeline(), o);
}

}  // namespace

TEST_CASE("a dataset folder holds every format with the generator's trajectories", "[dataset]") {
  temp_folder tmp;
  const auto g = dataset_lv_generator();
  dataset_options out;
  out.formats = {dataset_format::simbaml_csv, dataset_format::tidy_csv, dataset_format::npy,
                 dataset_format::npz};
  const auto result = odesynth::write_dataset(g, 3, 15, tmp.path / "lv", out);
  CHECK(result.report.delivered == 12);
  const fs::path dir = tmp.path / "lv";
  for (const char* f :
       {"metadata.json", "parameters.csv", "data.csv", "values.npy", "mask.npy", "times.npy",
        "lengths.npy", "index.npy", "status.npy", "parameters.npy", "initial_state.npy",
        "status_names.npy", "dataset.npz", "lotka_volterra_3.csv", "lotka_volterra_14.csv"})
    CHECK(fs::exists(dir / f));
  CHECK_FALSE(fs::exists(dir / "lotka_volterra_2.csv"));
  CHECK_FALSE(fs::exists(dir / "lotka_volterra_15.csv"));
  // Nothing else beside the dataset: the temporary folder was renamed, not copied.
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path)) {
    ++entries;
    CHECK(e.path().filename() == "lv");
  }
  CHECK(entries == 1);

  // The bundle alone: no .npy files beside it, no scratch left.
  dataset_options npz_only;
  npz_only.formats = {dataset_format::npz};
  odesynth::write_dataset(g, 3, 15, tmp.path / "bundle", npz_only);
  CHECK(files_in(tmp.path / "bundle") ==
        std::vector<fs::path>{"dataset.npz", "metadata.json", "parameters.csv"});
  CHECK(read_file(tmp.path / "bundle" / "dataset.npz") == read_file(dir / "dataset.npz"));
  fs::remove_all(tmp.path / "bundle");

  // SimbaML files are exactly the CSV of each trajectory.
  for (std::uint64_t i = 3; i < 15; ++i)
    CHECK(read_file(dir / fmt::format("lotka_volterra_{}.csv", i)) ==
          odesynth::to_csv(g.make(i).data));
  // The parameter table has one row per trajectory, with status and x0.
  std::istringstream params(read_file(dir / "parameters.csv"));
  std::string line;
  std::getline(params, line);
  CHECK(line == "trajectory,status,alpha,beta,gamma,delta,x0_prey,x0_predator");
  std::getline(params, line);
  const trajectory t3 = g.make(3).data;
  CHECK(line == fmt::format("3,ok,{},{},{},{},{},{}", t3.parameters()[0], t3.parameters()[1],
                            t3.parameters()[2], t3.parameters()[3], t3.initial_state()[0],
                            t3.initial_state()[1]));
  // The tidy table has one row per observed value.
  std::size_t observed = 0;
  for (std::uint64_t i = 3; i < 15; ++i)
    observed += static_cast<std::size_t>(g.make(i).data.mask().count());
  std::istringstream tidy(read_file(dir / "data.csv"));
  std::size_t rows = 0;
  std::getline(tidy, line);
  CHECK(line == "trajectory,time,species,value");
  while (std::getline(tidy, line)) ++rows;
  CHECK(rows == observed);

  // numpy reads the arrays with the right shapes, NaN exactly where the mask is false, and the
  // same values as the trajectories.
  const fs::path script = tmp.path / "check.py";
  std::ofstream(script) << fmt::format(R"(
import numpy as np, sys
d = "{}"
v = np.load(d + "/values.npy"); m = np.load(d + "/mask.npy"); t = np.load(d + "/times.npy")
n = np.load(d + "/lengths.npy"); i = np.load(d + "/index.npy"); s = np.load(d + "/status.npy")
p = np.load(d + "/parameters.npy"); x0 = np.load(d + "/initial_state.npy")
assert v.shape == (12, 29, 2) and v.dtype == np.float64, v.shape  # random_subset(0.7) of 41 rows
assert m.shape == (12, 29, 2) and m.dtype == np.bool_
assert t.shape == (12, 29) and p.shape == (12, 4) and x0.shape == (12, 2)
assert list(i) == list(range(3, 15)) and (s == 0).all()
assert (np.isnan(v) == ~m).all()
for k in range(12):
    assert not np.isnan(t[k, :n[k]]).any() and np.isnan(t[k, n[k]:]).all()
z = np.load(d + "/dataset.npz")
assert sorted(z.files) == sorted(["values", "mask", "times", "lengths", "index", "status", "parameters", "initial_state", "status_names"]), z.files
assert list(np.load(d + "/status_names.npy")[s]) == ["ok"] * 12
assert np.array_equal(z["status_names"], np.load(d + "/status_names.npy"))
assert np.array_equal(z["values"], v, equal_nan=True) and np.array_equal(z["mask"], m)
print(repr(float(np.nansum(v))), int(m.sum()))
)",
                                       dir.string());
  const fs::path answer = tmp.path / "answer.txt";
  REQUIRE(std::system(
              fmt::format("{} {} > {}", test_support::python3(), script.string(), answer.string())
                  .c_str()) == 0);
  double sum = 0;
  std::size_t count = 0;
  for (std::uint64_t i = 3; i < 15; ++i) {
    const auto tr = g.make(i).data;
    for (Eigen::Index r = 0; r < tr.num_times(); ++r)
      for (Eigen::Index c = 0; c < tr.num_species(); ++c)
        if (tr.mask()(r, c)) {
          sum += tr.values()(r, c);
          ++count;
        }
  }
  std::istringstream python(read_file(answer));
  double python_sum = 0;
  std::size_t python_count = 0;
  python >> python_sum >> python_count;
  CHECK(python_count == count);
  // numpy's pairwise summation and ours differ by rounding only: |error| <= n eps sum|v|.
  CHECK(python_sum == Approx(sum).epsilon(1e-12));
}

TEST_CASE("metadata regenerates the dataset bit for bit", "[dataset][provenance]") {
  temp_folder tmp;
  dataset_options out;
  out.formats = {dataset_format::simbaml_csv, dataset_format::npy};
  const auto g = dataset_lv_generator(77, 2);
  odesynth::write_dataset(g, 0, 20, tmp.path / "first", out);

  const std::string metadata = read_file(tmp.path / "first" / "metadata.json");
  const json doc = json::parse(metadata);
  CHECK(doc.at("library_version", "m").as_string("v") == odesynth::version_string);
  CHECK(doc.at("generation", "m").at("seed", "g").as_uint64("seed") == 77);
  CHECK(doc.at("report", "m").at("status_counts", "r").at("ok", "s").as_uint64("ok") == 20);
  CHECK(doc.at("transforms", "m").as_string("t") == g.describe_transforms());
  CHECK_THAT(doc.at("sampler", "m").at("description", "s").as_string("d"),
             Catch::Contains("truncated_normal"));

  // Same model code + metadata (+ the same pipeline) -> the same files, with 1 thread.
  generator_options one_thread;
  one_thread.threads = 1;
  odesynth::dataset_metadata_info info;
  const auto again = odesynth::generator_from_metadata(models::lotka_volterra{}, metadata,
                                                       lv_pipeline(), one_thread, &info);
  CHECK(info.begin == 0);
  CHECK(info.end == 20);
  odesynth::write_dataset(again, info.begin, info.end, tmp.path / "second", out);
  const auto files = files_in(tmp.path / "first");
  REQUIRE(files == files_in(tmp.path / "second"));
  for (const auto& f : files) {
    CAPTURE(f);
    CHECK(read_file(tmp.path / "first" / f) == read_file(tmp.path / "second" / f));
  }

  // A different pipeline or model is refused, not silently used.
  CHECK_THROWS_WITH(odesynth::generator_from_metadata(models::lotka_volterra{}, metadata,
                                                      odesynth::gaussian_noise(1.0)),
                    Catch::Contains("transforms") && Catch::Contains("gaussian_noise"));
  CHECK_THROWS_AS(odesynth::generator_from_metadata(models::decay{}, metadata),
                  odesynth::invalid_argument);

  // So is metadata from before 0.3.0, whose solvers took steps with std::pow's roundings
  // (and before 0.2.0 drew other normals): the same metadata would give different bits.
  std::string old_metadata = metadata;
  const std::string current = fmt::format("\"library_version\": \"{}\"", odesynth::version_string);
  REQUIRE(old_metadata.find(current) != std::string::npos);
  old_metadata.replace(old_metadata.find(current), current.size(),
                       "\"library_version\": \"0.1.0\"");
  CHECK_THROWS_WITH(
      odesynth::generator_from_metadata(models::lotka_volterra{}, old_metadata, lv_pipeline()),
      Catch::Contains("library_version = \"0.1.0\"") && Catch::Contains("before odesynth 0.3.0") &&
          Catch::Contains("normals"));
  std::string metadata_0_2 = metadata;
  metadata_0_2.replace(metadata_0_2.find(current), current.size(),
                       "\"library_version\": \"0.2.0\"");
  CHECK_THROWS_WITH(
      odesynth::generator_from_metadata(models::lotka_volterra{}, metadata_0_2, lv_pipeline()),
      Catch::Contains("library_version = \"0.2.0\"") && Catch::Contains("portable_pow") &&
          !Catch::Contains("normals"));
}

TEST_CASE("SDE and derivative-noise datasets regenerate from metadata bit for bit",
          "[dataset][provenance]") {
  temp_folder tmp;
  dataset_options out;
  out.formats = {dataset_format::npy, dataset_format::tidy_csv};
  generator_options options;
  options.seed = 91;
  options.threads = 2;
  generator_options one_thread;
  one_thread.threads = 1;
  const auto same_folders = [](const fs::path& a, const fs::path& b) {
    const auto files = files_in(a);
    REQUIRE(files == files_in(b));
    for (const auto& f : files) {
      CAPTURE(f);
      CHECK(read_file(a / f) == read_file(b / f));
    }
  };
  const auto grid = time_grid::linspace(0, 4, 21);

  SECTION("an SDE with named diffusions and Euler-Maruyama") {
    odesynth::sde_options so;
    so.scheme = odesynth::sde_scheme::euler_maruyama;
    so.dt = 0.01;
    const odesynth::per_species<odesynth::diffusion> noise = {
        {"prey", {odesynth::diffusion::kind::multiplicative, 0.1}},
        {"predator", {odesynth::diffusion::kind::square_root, 0.25}}};
    const auto g = odesynth::make_generator(models::lotka_volterra{}, noise, so,
                                            dataset_lv_sampler(), grid, lv_pipeline(), options);
    odesynth::write_dataset(g, 3, 15, tmp.path / "sde", out);
    const std::string metadata = read_file(tmp.path / "sde" / "metadata.json");
    odesynth::dataset_metadata_info info;
    const auto again = odesynth::sde_generator_from_metadata(models::lotka_volterra{}, metadata,
                                                             lv_pipeline(), one_thread, &info);
    CHECK(info.begin == 3);
    CHECK(info.end == 15);
    CHECK(again.integrator().describe() == g.integrator().describe());
    odesynth::write_dataset(again, info.begin, info.end, tmp.path / "sde2", out);
    same_folders(tmp.path / "sde", tmp.path / "sde2");

    // The ODE reader refuses it and names the one that reads it.
    CHECK_THROWS_WITH(
        odesynth::generator_from_metadata(models::lotka_volterra{}, metadata, lv_pipeline()),
        Catch::Contains("integrator.kind") && Catch::Contains("sde_generator_from_metadata"));
    // A noise setting that cannot be read is an error naming its key, never a default.
    std::string broken = metadata;
    const auto at = broken.find("\"square_root\"");
    REQUIRE(at != std::string::npos);
    broken.replace(at, 13, "\"quadratic\"");
    CHECK_THROWS_WITH(
        odesynth::sde_generator_from_metadata(models::lotka_volterra{}, broken, lv_pipeline()),
        Catch::Contains("metadata.json.integrator.noise.named[1].value.type") &&
            Catch::Contains("quadratic") && Catch::Contains("square_root"));
  }

  SECTION("derivative noise, per position and for all species") {
    odesynth::derivative_noise positional;
    positional.noise = odesynth::per_species<odesynth::distribution>::by_position(
        {dist::normal{0, 0.3}, dist::uniform{-0.2, 0.2}});
    positional.interval = 0.5;
    positional.kind = odesynth::derivative_noise::mode::multiplicative;
    odesynth::derivative_noise all;
    all.noise = dist::student_t{3, 0, 0.4};
    all.shared = true;
    int run = 0;
    for (const auto& noise : {positional, all}) {
      CAPTURE(run);
      odesynth::solve_options so;
      so.rel_tol = 1e-7;
      const auto g = odesynth::make_generator(models::lotka_volterra{}, noise, so,
                                              dataset_lv_sampler(), grid, lv_pipeline(), options);
      // The noise values are process noise, not parameters: the trajectory (and so
      // parameters.npy) holds the four sampled ones, the values the sampler drew.
      const auto made = g.make(2);
      REQUIRE(made.data.parameters().size() == 4);
      const auto drawn = g.samples().draw(2, 0.0).parameters;
      CHECK(std::equal(drawn.begin(), drawn.end(), made.data.parameters().data()));
      const fs::path first = tmp.path / fmt::format("dn{}", run);
      const fs::path second = tmp.path / fmt::format("dn{}-again", run);
      odesynth::write_dataset(g, 0, 12, first, out);
      const std::string metadata = read_file(first / "metadata.json");
      const auto again =
          odesynth::derivative_noise_generator_from_metadata<odesynth::default_steppers>(
              models::lotka_volterra{}, metadata, lv_pipeline(), one_thread);
      odesynth::write_dataset(again, 0, 12, second, out);
      same_folders(first, second);
      CHECK_THROWS_WITH(
          odesynth::sde_generator_from_metadata(models::lotka_volterra{}, metadata, lv_pipeline()),
          Catch::Contains("derivative_noise_generator_from_metadata"));
      ++run;
    }
  }

  SECTION("a per-species setting must be one of its three forms") {
    const auto g = odesynth::make_generator(
        models::lotka_volterra{}, odesynth::diffusion{odesynth::diffusion::kind::additive, 0.1},
        odesynth::sde_options{}, dataset_lv_sampler(), grid, {}, options);
    odesynth::write_dataset(g, 0, 2, tmp.path / "form", out);
    std::string metadata = read_file(tmp.path / "form" / "metadata.json");
    const auto at = metadata.find("\"all\"");
    REQUIRE(at != std::string::npos);
    metadata.replace(at, 5, "\"every\"");
    CHECK_THROWS_AS(odesynth::sde_generator_from_metadata(models::lotka_volterra{}, metadata),
                    odesynth::parse_error);
    CHECK_THROWS_WITH(odesynth::sde_generator_from_metadata(models::lotka_volterra{}, metadata),
                      Catch::Contains("metadata.json.integrator.noise = {\"every\": ...}") &&
                          Catch::Contains("\"all\", \"named\" or \"positional\""));
  }
}

TEST_CASE("malformed metadata is a parse_error at the file line and column of the bad value",
          "[dataset][provenance][errors]") {
  temp_folder tmp;
  dataset_options out;
  const auto g = dataset_lv_generator(8, 1);
  odesynth::write_dataset(g, 0, 2, tmp.path / "d", out);
  const std::string metadata = read_file(tmp.path / "d" / "metadata.json");
  struct tampering {
    std::string find, replace, message;
  };
  const std::vector<tampering> cases = {
      {"\"on_failure\": \"keep\"", "\"on_failure\": \"sometimes\"",
       "meta.json.generation.on_failure = \"sometimes\": expected one of keep, drop, resample"},
      {"\"type\": \"uniform\"", "\"type\": \"flat\"",
       ".type = \"flat\": expected a distribution: constant, uniform"},
      {"\"stepper\": \"auto_switch\"", "\"stepper\": \"euler\"",
       "meta.json.solver.stepper = \"euler\": expected one of"},
      {"\"max_attempts\": 5", "\"most_attempts\": 5",
       "meta.json.generation: missing key \"max_attempts\""},
      {"\"rel_tol\": 1e-06", "\"rel_tol\": \"tight\"",
       "meta.json.solver.rel_tol = \"tight\": expected a number, \"inf\""},
      {"\"format\": \"odesynth-dataset\"", "\"format\": \"other\"",
       "meta.json.format = \"other\": expected \"odesynth-dataset\""},
      {"\"constraint\": \"positive\"", "\"constraint\": \"sometimes\"",
       "expected one of none, positive, non_negative, non_zero"},
      {"\"scramble\": true", "\"scramble\": 1", "design.scramble = 1: expected a boolean"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.find);
    std::string text = metadata;
    const auto at = text.find(c.find);
    REQUIRE(at != std::string::npos);
    text.replace(at, c.find.size(), c.replace);
    // The bad value sits on the tampered line; its column is where the key's value starts
    // (or, for a missing key, where the enclosing object starts).
    const auto line =
        static_cast<std::size_t>(std::count(text.begin(), text.begin() + at, '\n')) + 1;
    try {
      odesynth::generator_from_metadata(models::lotka_volterra{}, text, lv_pipeline(), {}, nullptr,
                                        "meta.json");
      FAIL("accepted");
    } catch (const odesynth::parse_error& e) {
      CHECK_THAT(e.what(), Catch::Contains(c.message));
      CHECK(e.path() == "meta.json");
      CHECK(e.line() > 0);
      CHECK(e.column() > 0);
      if (c.find.rfind("\"max_attempts\"", 0) != 0) CHECK(e.line() == line);
      CHECK_THAT(e.what(), Catch::StartsWith(
                               fmt::format("odesynth: meta.json:{}:{}: ", e.line(), e.column())));
    }
  }
}

TEST_CASE("the format table names every file write_dataset writes", "[dataset]") {
  // dataset_options::validate keeps simbaml.subfolder off the names in the table, so a sink
  // whose files are missing from its row would let a subfolder overwrite one of them.
  temp_folder tmp;
  dataset_options out;
  out.formats = {dataset_format::simbaml_csv, dataset_format::tidy_csv, dataset_format::npy,
                 dataset_format::npz};
  out.simbaml.subfolder = "csv";
  const auto written = odesynth::write_dataset(dataset_lv_generator(), 0, 3, tmp.path / "d", out);
  std::vector<std::string> listed{"metadata.json", "csv"};
  for (const auto& row : odesynth::detail::dataset_format_table())
    for (const auto name : row.files)
      if (!name.empty()) listed.emplace_back(name);
  std::size_t top_level = 0;
  for (const auto& e : fs::directory_iterator(tmp.path / "d")) {
    CAPTURE(e.path());
    CHECK(std::find(listed.begin(), listed.end(), e.path().filename().string()) != listed.end());
    ++top_level;
  }
  CHECK(top_level == 14);  // metadata, parameters.csv, data.csv, dataset.npz, 9 .npy, csv/
  // The SimbaML files are listed as one pattern entry, "csv/lotka_volterra_<index>.csv (3 files)".
  CAPTURE(written.files);
  CHECK(written.files.size() == 1 + 1 + 1 + 9 + 1 + 1);
  for (const auto name : {"parameters.csv", "data.csv", "values.npy", "dataset.npz"}) {
    out.simbaml.subfolder = name;
    CHECK_THROWS_WITH(out.validate(), Catch::Contains("dataset_options.simbaml.subfolder"));
  }
}

TEST_CASE("existing datasets are kept unless overwrite is asked and then replaced whole",
          "[dataset][safety]") {
  temp_folder tmp;
  const auto g = dataset_lv_generator();
  dataset_options out;
  out.formats = {dataset_format::tidy_csv};
  odesynth::write_dataset(g, 0, 5, tmp.path / "d", out);
  const std::string before = read_file(tmp.path / "d" / "data.csv");

  CHECK_THROWS_WITH(odesynth::write_dataset(g, 0, 8, tmp.path / "d", out),
                    Catch::Contains("already exists") && Catch::Contains("overwrite"));
  CHECK(read_file(tmp.path / "d" / "data.csv") == before);

  out.overwrite = true;
  out.formats = {dataset_format::npy};
  odesynth::write_dataset(g, 0, 8, tmp.path / "d", out);
  CHECK_FALSE(fs::exists(tmp.path / "d" / "data.csv"));  // the old dataset is gone, not mixed in
  CHECK(fs::exists(tmp.path / "d" / "values.npy"));
  std::size_t entries = 0;
  for (const auto& e : fs::directory_iterator(tmp.path))
    entries += e.path().filename() == "d" ? 0 : 1;
  CHECK(entries == 0);  // no temporary or old folder left behind
}

TEST_CASE("bad destinations are io_errors before any solve", "[dataset][safety]") {
  temp_folder tmp;
  std::size_t progress_calls = 0;
  generator_options o;
  o.seed = 1;
  o.on_progress = [&](const odesynth::progress&) { ++progress_calls; };
  const auto g = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                          dataset_lv_sampler(), time_grid::linspace(0, 1, 5),
                                          odesynth::pipeline<>{}, o);
  const auto io_error_naming = [&](const fs::path& where, std::string_view what) {
    CAPTURE(where);
    try {
      odesynth::write_dataset(g, 0, 3, where);
      FAIL("no io_error");
    } catch (const odesynth::io_error& e) {
      CHECK(e.path() == where.string());
      CHECK_THAT(e.what(), Catch::Contains(std::string(what)));
    }
  };
  io_error_naming(tmp.path / "missing" / "d", "does not exist");
  std::ofstream(tmp.path / "file") << "x";
  io_error_naming(tmp.path / "file" / "d", "is not a folder");
  fs::create_directories(tmp.path / "ro");
  fs::permissions(tmp.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
  if (::geteuid() != 0)
    io_error_naming(tmp.path / "ro" / "d", "not writable");  // root writes anyway
  fs::permissions(tmp.path / "ro", fs::perms::owner_all);
  dataset_options out;
  out.overwrite = true;
  try {
    odesynth::write_dataset(g, 0, 3, tmp.path / "file", out);
    FAIL("a file was replaced by a dataset folder");
  } catch (const odesynth::io_error& e) {
    CHECK_THAT(e.what(), Catch::Contains("is not a folder"));
  }
  CHECK(read_file(tmp.path / "file") == "x");
  CHECK(progress_calls == 0);

  // Option errors name the field.
  out.formats = {};
  CHECK_THROWS_WITH(odesynth::write_dataset(g, 0, 3, tmp.path / "d", out),
                    Catch::Contains("dataset_options.formats"));
  out.formats = {dataset_format::npy, dataset_format::npy};
  CHECK_THROWS_WITH(odesynth::write_dataset(g, 0, 3, tmp.path / "d", out),
                    Catch::Contains("dataset_options.formats[1]"));
  out.formats = {dataset_format::npy};
  CHECK_THROWS_WITH(odesynth::write_dataset(g, 3, 3, tmp.path / "d", out),
                    Catch::Contains("write_dataset.end"));
  out.numpy.values_dtype = odesynth::npy_dtype::int64;
  CHECK_THROWS_WITH(odesynth::write_dataset(g, 0, 3, tmp.path / "d", out),
                    Catch::Contains("numpy_options.values_dtype"));
  CHECK_FALSE(fs::exists(tmp.path / "d"));
}

TEST_CASE("an error during generation leaves neither a dataset nor temporaries",
          "[dataset][safety]") {
  temp_folder tmp;
  // A transform that fails on its seventh call, in a worker thread.
  struct fails_eventually {
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
    void operator()(trajectory&, odesynth::random_stream&) const {
      if (++*calls == 7) throw std::runtime_error("transform failed on purpose");
    }
    std::string describe() const { return "fails_eventually"; }
  };
  generator_options o;
  o.threads = 2;
  const auto g = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                          dataset_lv_sampler(), time_grid::linspace(0, 1, 5),
                                          fails_eventually{}, o);
  dataset_options out;
  out.formats = {dataset_format::simbaml_csv, dataset_format::npz};
  CHECK_THROWS_WITH(odesynth::write_dataset(g, 0, 50, tmp.path / "d", out),
                    Catch::Contains("failed on purpose"));
  CHECK(files_in(tmp.path).empty());
  CHECK(fs::is_empty(tmp.path));

  // A crashed writer's temporary folder (its process is gone) is removed by the next run;
  // one of a live process (this one) is left alone.
  const fs::path stale = tmp.path / ".d.odesynth-tmp-999999999-0";
  const fs::path live =
      tmp.path / fmt::format(".d.odesynth-tmp-{}-999", static_cast<long>(::getpid()));
  fs::create_directories(stale / "sub");
  std::ofstream(stale / "sub" / "values.npy") << "partial";
  fs::create_directories(live);
  CHECK(odesynth::detail::atomic_folder::remove_stale_temporaries(tmp.path, "d") == 1);
  CHECK_FALSE(fs::exists(stale));
  CHECK(fs::exists(live));
}

TEST_CASE("an interrupted sharded run resumes without regenerating finished shards",
          "[dataset][shards]") {
  temp_folder tmp;
  // Counts the trajectories it transforms; when armed, fails on trajectory index 25's data.
  struct counting {
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
    std::shared_ptr<std::atomic<bool>> armed = std::make_shared<std::atomic<bool>>(false);
    void operator()(trajectory& tr, odesynth::random_stream&) const {
      ++*calls;
      if (*armed && tr.initial_state()[0] == marked_prey) throw std::runtime_error("interrupted");
    }
    std::string describe() const { return "counting"; }
    double marked_prey = 0;
  };
  const auto make = [](const counting& c) {
    generator_options o;
    o.seed = 3;
    o.threads = 2;
    return odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                    dataset_lv_sampler(), time_grid::linspace(0, 5, 11), c, o);
  };
  counting probe;
  const double prey_25 = make(probe).make(25).data.initial_state()[0];

  dataset_options out;
  out.formats = {dataset_format::npy, dataset_format::simbaml_csv};
  // The reference: one uninterrupted run.
  odesynth::write_dataset_shards(make(counting{}), 0, 50, tmp.path / "reference", 10, out);

  counting first;
  first.marked_prey = prey_25;
  *first.armed = true;
  CHECK_THROWS_WITH(odesynth::write_dataset_shards(make(first), 0, 50, tmp.path / "d", 10, out),
                    Catch::Contains("interrupted"));
  CHECK(fs::exists(tmp.path / "d" / "shard-000000000010-000000000020" / "metadata.json"));
  CHECK_FALSE(fs::exists(tmp.path / "d" / "shard-000000000020-000000000030"));
  CHECK_FALSE(fs::exists(tmp.path / "d" / "metadata.json"));

  counting second;
  const auto resumed = odesynth::write_dataset_shards(make(second), 0, 50, tmp.path / "d", 10, out);
  CHECK(resumed.shards == 5);
  CHECK(resumed.shards_reused == 2);
  CHECK(*second.calls == 30);  // only shards [20, 50) were generated
  const auto files = files_in(tmp.path / "reference");
  REQUIRE(files == files_in(tmp.path / "d"));
  for (const auto& f : files) {
    CAPTURE(f);
    CHECK(read_file(tmp.path / "reference" / f) == read_file(tmp.path / "d" / f));
  }
  const json meta = json::parse(read_file(tmp.path / "d" / "metadata.json"));
  CHECK(meta.at("report", "m").at("delivered", "r").as_uint64("d") == 50);

  // A shard made with other settings is not silently mixed in.
  generator_options other;
  other.seed = 4;
  const auto g4 = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                           dataset_lv_sampler(), time_grid::linspace(0, 5, 11),
                                           counting{}, other);
  CHECK_THROWS_WITH(odesynth::write_dataset_shards(g4, 0, 50, tmp.path / "d", 10, out),
                    Catch::Contains("other settings"));
}

TEST_CASE("a writer killed at any moment leaves nothing or a complete dataset",
          "[dataset][safety][kill]") {
  temp_folder tmp;
  dataset_options out;
  out.formats = {dataset_format::npy, dataset_format::simbaml_csv};
  generator_options o;
  o.seed = 9;
  o.threads = 1;
  const auto g = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                          dataset_lv_sampler(), time_grid::linspace(0, 10, 41),
                                          lv_pipeline(), o);
  const fs::path target = tmp.path / "k";
  const auto write_in_child = [&] {
    const pid_t child = ::fork();
    if (child == 0) {
      try {
        odesynth::write_dataset(g, 0, 40, target, out);
      } catch (...) {
        ::_exit(3);
      }
      ::_exit(0);
    }
    return child;
  };
  const auto check_complete = [&](const std::string& reference) {
    const json meta = json::parse(read_file(target / "metadata.json"));
    CHECK(meta.at("report", "m").at("delivered", "r").as_uint64("d") == 40);
    CHECK(read_file(target / "values.npy") == reference);
    CHECK(fs::exists(target / "lotka_volterra_39.csv"));
  };

  // How long a complete write takes in a child, fork and fsync included, measured under the
  // same load as the kills below (the first CI run of this test timed the write in the parent
  // and every kill then landed before the commit). Three uninterrupted children; the median.
  std::string reference_values;
  std::vector<long long> child_us;
  for (int run = 0; run < 3; ++run) {
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t child = write_in_child();
    REQUIRE(child > 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    child_us.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    REQUIRE((WIFEXITED(status) && WEXITSTATUS(status) == 0));
    if (reference_values.empty()) reference_values = read_file(target / "values.npy");
    check_complete(reference_values);
    fs::remove_all(target);
  }
  std::sort(child_us.begin(), child_us.end());
  const double full = static_cast<double>(child_us[1]);

  // Kill delays log-uniform in [full / 16, 4 x full]: most kills land while the temporary
  // folder is being filled or synced, some after the rename; a write that is several times
  // slower than the measured one on a loaded machine still sees kills in every phase.
  odesynth::random_stream delays(2024, 0, odesynth::stream_purpose::user);
  int complete = 0, absent = 0, killed_mid_write = 0;
  for (int round = 0; round < 200; ++round) {
    const pid_t child = write_in_child();
    REQUIRE(child > 0);
    const double delay = full * std::exp2(delays.uniform01() * 6.0 - 4.0);
    ::usleep(static_cast<useconds_t>(delay));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE_FALSE((WIFEXITED(status) && WEXITSTATUS(status) != 0));
    if (fs::exists(target)) {
      // Complete: metadata parses, counts all 40, and the data is the reference data.
      check_complete(reference_values);
      ++complete;
      fs::remove_all(target);
    } else {
      ++absent;
    }
    // Whatever the child left is a recognisable temporary, removed by the next run.
    if (odesynth::detail::atomic_folder::remove_stale_temporaries(tmp.path, "k") > 0)
      ++killed_mid_write;
    for (const auto& e : fs::directory_iterator(tmp.path)) {
      CAPTURE(e.path());
      FAIL_CHECK("left behind after clean-up");
    }
  }
  INFO("median child write " << full << " us; complete " << complete << ", absent " << absent
                             << ", killed mid-write " << killed_mid_write);
  CHECK(complete + absent == 200);
  // The point of the test: kills did land while the dataset was half-written, and none of
  // them left anything under the final name. Whether a kill also lands after the rename
  // depends on the machine's timing, so `complete` is reported, not required.
  CHECK(killed_mid_write > 0);
  CHECK(absent >= killed_mid_write);
}

TEST_CASE("a full disk is an io_error naming the path and no dataset appears",
          "[dataset][safety][enospc]") {
  // /dev/full: every write fails with ENOSPC.
  std::ofstream full("/dev/full");
  if (full) {
    const auto tr = odesynth::solve(models::decay{}, {1.0}, {1.0}, time_grid::linspace(0, 1, 2000));
    CHECK_THROWS_AS(odesynth::write_csv(full, tr), odesynth::io_error);
  }
  // A 64 KiB tmpfs in a private mount namespace, where the system allows one (unshare -rm):
  // the dataset is larger than the file system.
  temp_folder tmp;
  const fs::path mount_point = tmp.path / "small";
  fs::create_directories(mount_point);
  const fs::path report = tmp.path / "report.txt";
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    const uid_t uid = ::geteuid();
    const gid_t gid = ::getegid();
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) ::_exit(77);
    std::ofstream("/proc/self/setgroups") << "deny";
    std::ofstream("/proc/self/uid_map") << "0 " << uid << " 1";
    std::ofstream("/proc/self/gid_map") << "0 " << gid << " 1";
    if (::mount("none", "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) ::_exit(77);
    if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=64k") != 0) ::_exit(77);
    generator_options o;
    o.threads = 1;
    const auto g = odesynth::make_generator(models::lotka_volterra{}, odesynth::solve_options{},
                                            dataset_lv_sampler(), time_grid::linspace(0, 10, 401),
                                            odesynth::pipeline<>{}, o);
    dataset_options out;
    out.formats = {dataset_format::npy, dataset_format::tidy_csv};
    std::ofstream log(report);
    try {
      odesynth::write_dataset(g, 0, 200, mount_point / "d", out);
      log << "no error";
      ::_exit(1);
    } catch (const odesynth::io_error& e) {
      log << e.what() << "\n" << e.path();
      const bool named = std::string(e.what()).find("No space left on device") != std::string::npos;
      std::size_t left = 0;
      for (const auto& entry : fs::directory_iterator(mount_point))
        left += entry.path().empty() ? 0 : 1;
      ::_exit(named && left == 0 ? 0 : 2);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("skipped the tmpfs part: this system does not allow unshare -rm with a tmpfs mount");
    return;
  }
  INFO(read_file(report));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("the tidy table reads back to the observed values and failed solves are marked",
          "[dataset][roundtrip]") {
  temp_folder tmp;
  const auto g = dataset_lv_generator();
  dataset_options out;
  out.formats = {dataset_format::tidy_csv};
  odesynth::write_dataset(g, 0, 6, tmp.path / "tidy", out);
  const auto back = odesynth::read_long_csv(tmp.path / "tidy" / "data.csv");
  REQUIRE(back.size() == 6);
  for (std::uint64_t i = 0; i < 6; ++i) {
    const auto original = g.make(i).data;
    const auto& read = back[i];
    REQUIRE(read.species() == original.species());
    // Rows with no observed value have no line in a tidy table; every other row, value and
    // mask entry comes back exactly (shortest round-trip numbers).
    Eigen::Index r = 0;
    for (Eigen::Index k = 0; k < original.num_times(); ++k) {
      if (!original.mask().row(k).any()) continue;
      REQUIRE(r < read.num_times());
      CHECK(read.times()[r] == original.times()[k]);
      for (Eigen::Index j = 0; j < original.num_species(); ++j) {
        CHECK(read.mask()(r, j) == original.mask()(k, j));
        if (original.mask()(k, j)) CHECK(read.values()(r, j) == original.values()(k, j));
      }
      ++r;
    }
    CHECK(r == read.num_times());
  }

  // x' = x^2 from x0 in [0.5, 2] on [0, 1] blows up for x0 > 1: kept failures carry their
  // status into parameters.csv and status.npy; none is passed off as data.
  odesynth::sampler s(models::blow_up{});
  s.initial_value("x", dist::uniform{0.5, 2.0});
  generator_options keep;
  keep.seed = 2;
  const auto exploding =
      odesynth::make_generator(models::blow_up{}, odesynth::solve_options{}, s,
                               time_grid::linspace(0, 1, 11), odesynth::pipeline<>{}, keep);
  out.formats = {dataset_format::npy};
  const auto written = odesynth::write_dataset(exploding, 0, 40, tmp.path / "failures", out);
  CHECK(written.report.failed() > 0);
  CHECK(written.report.count(odesynth::solve_status::ok) > 0);
  const auto status = odesynth::read_npy(tmp.path / "failures" / "status.npy");
  const auto values = odesynth::read_npy(tmp.path / "failures" / "values.npy");
  // blow_up has no parameters: its table is [n, 0], not missing.
  CHECK(odesynth::read_npy(tmp.path / "failures" / "parameters.npy").shape ==
        std::vector<std::size_t>{40, 0});
  std::istringstream table(read_file(tmp.path / "failures" / "parameters.csv"));
  std::string line;
  std::getline(table, line);
  std::uint64_t failed = 0;
  for (std::size_t i = 0; i < 40; ++i) {
    std::getline(table, line);
    const auto st = static_cast<odesynth::solve_status>(status.int64s[i]);
    CHECK(line.find(fmt::format(",{},", odesynth::to_string(st))) != std::string::npos);
    if (st == odesynth::solve_status::ok) continue;
    ++failed;
    CHECK(std::isnan(values.values[i * 11 + 10]));  // the last row was never reached
  }
  CHECK(failed == written.report.failed());
}

TEST_CASE("status_names.npy names every solve_status code as to_string does", "[dataset][status]") {
  // Every status with its code: status_names[code] == to_string(status), nothing else listed.
  const std::string bytes = odesynth::status_names_npy();
  std::size_t width = 0;
  for (auto st : odesynth::all_solve_statuses)
    width = std::max(width, odesynth::to_string(st).size());
  const std::string dict =
      fmt::format("{{'descr': '<U{}', 'fortran_order': False, 'shape': ({},), }}", width,
                  odesynth::all_solve_statuses.size());
  REQUIRE(bytes.size() > 10);
  CHECK(bytes.substr(0, 8) == std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header = 10 + static_cast<unsigned char>(bytes[8]) +
                             256 * static_cast<std::size_t>(static_cast<unsigned char>(bytes[9]));
  CHECK(header % 64 == 0);
  CHECK(bytes.substr(10, dict.size()) == dict);
  CHECK(bytes[header - 1] == '\n');
  REQUIRE(bytes.size() == header + odesynth::all_solve_statuses.size() * width * 4);
  std::vector<bool> seen(odesynth::all_solve_statuses.size(), false);
  for (auto st : odesynth::all_solve_statuses) {
    const auto code = static_cast<std::size_t>(st);
    CAPTURE(code, odesynth::to_string(st));
    REQUIRE(code < seen.size());
    CHECK_FALSE(seen[code]);
    seen[code] = true;
    std::string name;  // UTF-32LE, NUL-padded to the width
    for (std::size_t c = 0; c < width; ++c) {
      const std::size_t at = header + (code * width + c) * 4;
      CHECK(bytes.substr(at + 1, 3) == std::string(3, '\0'));
      if (bytes[at] != '\0') name.push_back(bytes[at]);
    }
    CHECK(name == odesynth::to_string(st));
  }

  // A dataset with failures: status.npy decodes through status_names.npy (in the folder and in
  // the bundle) to the names parameters.csv holds, with numpy alone.
  temp_folder tmp;
  odesynth::sampler s(models::blow_up{});
  s.initial_value("x", dist::uniform{0.5, 2.0});
  generator_options keep;
  keep.seed = 2;
  const auto exploding =
      odesynth::make_generator(models::blow_up{}, odesynth::solve_options{}, s,
                               time_grid::linspace(0, 1, 11), odesynth::pipeline<>{}, keep);
  dataset_options out;
  out.formats = {dataset_format::npy, dataset_format::npz};
  const auto written = odesynth::write_dataset(exploding, 0, 40, tmp.path / "d", out);
  CHECK(written.report.failed() > 0);
  CHECK(std::count(written.files.begin(), written.files.end(), "status_names.npy") == 1);
  CHECK(read_file(tmp.path / "d" / "status_names.npy") == bytes);
  std::vector<std::string> names;
  for (auto st : odesynth::all_solve_statuses)
    names.push_back(fmt::format("\"{}\"", odesynth::to_string(st)));
  const fs::path script = tmp.path / "decode.py";
  std::ofstream(script) << fmt::format(R"(
import csv, numpy as np
d = "{}"
names = np.load(d + "/status_names.npy")
assert names.dtype.kind == "U" and list(names) == [{}], names
decoded = names[np.load(d + "/status.npy")]
z = np.load(d + "/dataset.npz")
assert np.array_equal(z["status_names"][z["status"]], decoded)
table = [row["status"] for row in csv.DictReader(open(d + "/parameters.csv"))]
assert list(decoded) == table, (list(decoded), table)
assert "ok" in table and len(set(table)) > 1
)",
                                       (tmp.path / "d").string(), fmt::join(names, ", "));
  CHECK(std::system(fmt::format("{} {}", test_support::python3(), script.string()).c_str()) == 0);
}
