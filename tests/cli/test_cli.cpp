// odesynth-generate from the outside: it runs every example configuration, writes the dataset
// the C++ API writes from the same pieces (bit for bit, whatever the thread count), writes
// slices of a run with --range, and reports bad input with the TOML file's line and column.
#include <sys/wait.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <odesynth/any_model.hpp>
#include <odesynth/dataset.hpp>
#include <odesynth/models/lotka_volterra.hpp>
#include <odesynth/transforms.hpp>
#include <set>
#include <string>
#include <vector>

#if defined(ODESYNTH_WITH_SBML)
#include <odesynth/sbml.hpp>
#endif

#include "files.hpp"
#include "temp_folder.hpp"

namespace {

namespace fs = std::filesystem;
using test_support::files_in;
using test_support::read_file;
using test_support::temp_folder;

struct outcome {
  int exit_code = -1;
  std::string output;  ///< stdout and stderr
};

// Runs odesynth-generate with `arguments` (already quoted as a shell needs).
outcome generate(const std::string& arguments) {
  const std::string command = std::string("'") + ODESYNTH_CLI_PROGRAM + "' " + arguments + " 2>&1";
  outcome r;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    r.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// SimbaML's Lotka-Volterra workload (issue 16): the four rates each within 10% of SimbaML's
// values, both species starting at 10, 100 points on [0, 50], N(0, 0.1) noise, half the
// points kept.
const char* const lv_toml = R"(# SimbaML's Lotka-Volterra workload
[model]
zoo = "lotka_volterra"

[parameters]
alpha = { type = "percent_around", nominal = 1.1, percent = 10 }
beta = { type = "percent_around", nominal = 0.4, percent = 10 }
gamma = { type = "percent_around", nominal = 0.4, percent = 10 }
delta = { type = "percent_around", nominal = 0.1, percent = 10 }

[initial_values]
prey = 10
predator = 10

[time_grid]
end = 50
points = 100

[solver]
rel_tol = 1e-6

[[transforms]]
type = "gaussian_noise"
sigma = 0.1

[[transforms]]
type = "random_subset"
fraction = 0.5

[output]
folder = "lv"
count = 30
formats = ["npy", "simbaml_csv"]

[generation]
seed = 2026
threads = 2
)";

// The same run written with the C++ API, on one thread.
void write_lv_in_cpp(const fs::path& folder) {
  namespace dist = odesynth::dist;
  const odesynth::any_model model = odesynth::models::lotka_volterra{};
  odesynth::sampler samples(model);
  samples.parameter("alpha", dist::percent_around{1.1, 10})
      .parameter("beta", dist::percent_around{0.4, 10})
      .parameter("gamma", dist::percent_around{0.4, 10})
      .parameter("delta", dist::percent_around{0.1, 10})
      .initial_value("prey", 10.0)
      .initial_value("predator", 10.0);
  odesynth::solve_options solver;
  // The file names no stepper: the C++ API's default, which all_steppers does not hold first.
  solver.stepper = odesynth::default_steppers::first;
  solver.rel_tol = 1e-6;
  odesynth::generator_options options;
  options.seed = 2026;
  options.threads = 1;
  const odesynth::dynamic_pipeline measure{odesynth::gaussian_noise(0.1),
                                           odesynth::random_subset(0.5)};
  const auto g = odesynth::make_generator<odesynth::all_steppers>(
      model, solver, samples, odesynth::time_grid::linspace(0, 50, 100), measure, options);
  odesynth::dataset_options out;
  out.formats = {odesynth::dataset_format::npy, odesynth::dataset_format::simbaml_csv};
  odesynth::write_dataset(g, 0, 30, folder, out);
}

}  // namespace

TEST_CASE("help explains the configuration file and every flag", "[cli]") {
  const auto r = generate("--help");
  CHECK(r.exit_code == 0);
  for (const char* text : {"TOML", "--out", "--count", "--range", "--seed", "--threads",
                           "--overwrite", "--check", "--example", "--list-models", "docs/cli.md"})
    CHECK_THAT(r.output, Catch::Contains(text));
  const auto none = generate("");
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.output, Catch::Contains("no configuration file"));
}

TEST_CASE("every zoo model has an example configuration that writes a dataset", "[cli]") {
  const fs::path configs = ODESYNTH_EXAMPLE_CONFIGS;
  const auto list = generate("--list-models");
  REQUIRE(list.exit_code == 0);
  std::set<std::string> models;
  for (std::size_t at = 0; at < list.output.size();) {
    const auto end = list.output.find('\n', at);
    models.insert(list.output.substr(at, list.output.find(' ', at) - at));
    at = end == std::string::npos ? list.output.size() : end + 1;
  }
  CHECK(models.size() == 22);
  temp_folder tmp;
  std::size_t ran = 0;
  for (const auto& entry : fs::directory_iterator(configs)) {
    if (entry.path().extension() != ".toml") continue;
    CAPTURE(entry.path());
    models.erase(entry.path().stem().string());
    const fs::path out = tmp.path / entry.path().stem();
    const auto r = generate(quoted(entry.path()) + " --quiet --count 4 --out " + quoted(out));
    CAPTURE(r.output);
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.output, Catch::Contains("wrote 4 trajectories") && Catch::Contains("(0 failed)"));
    CHECK(fs::exists(out / "metadata.json"));
    ++ran;
  }
  CHECK(ran >= 22);
  CHECK(models.empty());  // no zoo model without its example
}

TEST_CASE("the configuration in docs/cli.md writes what the page says", "[cli]") {
  const std::string page = read_file(fs::path(ODESYNTH_DOCS) / "cli.md");
  const std::string open = "<!-- config: surveillance -->\n```toml\n";
  const auto begin = page.find(open);
  const auto end = page.find("```\n<!-- config end -->");
  REQUIRE(begin != std::string::npos);
  REQUIRE(end != std::string::npos);
  temp_folder tmp;
  const fs::path config =
      tmp.write("surveillance.toml", page.substr(begin + open.size(), end - begin - open.size()));
  const auto r = generate(quoted(config) + " --quiet");
  CAPTURE(r.output);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("wrote 1000 trajectories") && Catch::Contains("(0 failed)"));
  // 30% of 61 days: round(18.3) = 18 rows kept per trajectory, S and I (R hidden).
  const std::string header = read_file(tmp.path / "surveillance" / "values.npy").substr(0, 128);
  CHECK_THAT(header, Catch::Contains("'shape': (1000, 18, 2)"));
  CHECK(fs::exists(tmp.path / "surveillance" / "sir_999.csv"));
}

TEST_CASE("the command line writes the C++ API's dataset bit for bit", "[cli]") {
  temp_folder tmp;
  const fs::path config = tmp.write("lv.toml", lv_toml);
  const auto r = generate(quoted(config) + " --quiet");
  CAPTURE(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.output, Catch::Contains("wrote 30 trajectories"));
  // [output] folder is relative to the configuration file.
  REQUIRE(fs::exists(tmp.path / "lv" / "metadata.json"));
  write_lv_in_cpp(tmp.path / "cpp");
  const auto files = files_in(tmp.path / "lv");
  REQUIRE(files == files_in(tmp.path / "cpp"));
  CHECK(files.size() == 30 + 11);  // 30 CSV files, 9 arrays, parameters.csv, metadata
  for (const auto& f : files) {
    CAPTURE(f);
    CHECK(read_file(tmp.path / "lv" / f) == read_file(tmp.path / "cpp" / f));
  }

  // Flags replace the file's settings: another seed, another dataset; an existing folder is
  // kept unless --overwrite.
  const auto again = generate(quoted(config) + " --quiet --seed 7");
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.output, Catch::Contains("exists"));
  REQUIRE(generate(quoted(config) + " --quiet --seed 7 --overwrite --threads 1").exit_code == 0);
  CHECK(read_file(tmp.path / "lv" / "values.npy") != read_file(tmp.path / "cpp" / "values.npy"));
}

TEST_CASE("a range writes a slice of the same run", "[cli]") {
  temp_folder tmp;
  const fs::path config = tmp.write("lv.toml", lv_toml);
  REQUIRE(
      generate(quoted(config) + " -q --range 0:10 --out " + quoted(tmp.path / "all")).exit_code ==
      0);
  REQUIRE(
      generate(quoted(config) + " -q --range 6:10 --out " + quoted(tmp.path / "part")).exit_code ==
      0);
  for (int i = 6; i < 10; ++i) {
    const std::string name = "lotka_volterra_" + std::to_string(i) + ".csv";
    CAPTURE(name);
    const auto part = read_file(tmp.path / "part" / name);
    CHECK_FALSE(part.empty());
    CHECK(part == read_file(tmp.path / "all" / name));
  }
  CHECK_FALSE(fs::exists(tmp.path / "part" / "lotka_volterra_5.csv"));
  CHECK_THAT(read_file(tmp.path / "part" / "metadata.json"),
             Catch::Contains("\"begin\": 6") && Catch::Contains("\"end\": 10"));
  for (const char* bad : {"10:6", "3", "a:b", "-1:4"}) {
    const auto r = generate(quoted(config) + " --range " + bad);
    CAPTURE(bad, r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::Contains("--range") && Catch::Contains("A:B"));
  }
}

TEST_CASE("errors in the configuration point into the TOML file", "[cli]") {
  temp_folder tmp;
  struct bad {
    std::string toml;
    std::vector<std::string> fragments;
  };
  const std::vector<bad> cases = {
      {"[model]\nzoo = \"sir\"\n\n[[transforms]]\ntype = \"gaussian_noise\"\nsigm = 1\n",
       {"bad.toml:6:8:", "transforms[0].sigm", "an unknown key", "sigma"}},
      {"[model]\nzoo = \"sir\"\n[parameters]\nbeta = { type = \"uniform\", lo = 1 }\n",
       {"bad.toml:4:8:", "parameters.beta", "hi"}},
      {"[model]\nzoo = \"sir\"\n[solver]\nrel_tol = \"tight\"\n",
       {"bad.toml:4:11:", "solver.rel_tol"}},
      {"[model]\nzoo = \"sir\"\n[time_grid]\nend = 10\npoints = 1.5\n",
       {"bad.toml:5:10:", "time_grid.points", "1.5"}},
      {"[model]\nzoo = \"sir\"\n[output]\nfolder = 1979-05-27\n", {"bad.toml:4:10:", "date"}},
      {"[model\nzoo = \"sir\"\n", {"bad.toml:1:"}},
      {"[model]\nequations = \"\"\"\ndx = -k*x\ndy = x +* y\n\"\"\"\n",
       {"bad.toml:2", "model.equations", "2:"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.toml);
    const fs::path config = tmp.write("bad.toml", c.toml);
    const auto r = generate(quoted(config) + " --out " + quoted(tmp.path / "never"));
    CAPTURE(r.output);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.output, Catch::StartsWith("odesynth-generate: odesynth: "));
    for (const auto& f : c.fragments) CHECK_THAT(r.output, Catch::Contains(f));
    CHECK_FALSE(fs::exists(tmp.path / "never"));
  }
  const auto missing = generate(quoted(tmp.path / "nowhere.toml"));
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.output, Catch::Contains("nowhere.toml"));

  // --check reads everything and writes nothing.
  const fs::path config = tmp.write("lv.toml", lv_toml);
  const auto checked = generate(quoted(config) + " --check");
  CAPTURE(checked.output);
  CHECK(checked.exit_code == 0);
  CHECK_THAT(checked.output, Catch::Contains("lotka_volterra") &&
                                 Catch::Contains("gaussian_noise(sigma=0.1)") &&
                                 Catch::Contains("percent_around"));
  CHECK_FALSE(fs::exists(tmp.path / "lv"));
}

#if defined(ODESYNTH_WITH_SBML)
TEST_CASE("an SBML model from the command line writes the C++ API's dataset", "[cli][sbml]") {
  temp_folder tmp;
  const fs::path file = fs::path(ODESYNTH_SBML_MODELS) / "repressilator.xml";
  const fs::path config = tmp.write("sbml.toml", fmt::format(R"([model]
sbml = "{}"

[parameters]
alpha = {{ type = "percent_around", nominal = 216.4, percent = 10 }}

[time_grid]
end = 50
points = 51

[[transforms]]
type = "gaussian_noise"
sigma = 0.5

[output]
folder = "sbml"
count = 8

[generation]
seed = 5
)",
                                                             file.string()));
  const auto r = generate(quoted(config) + " -q");
  CAPTURE(r.output);
  REQUIRE(r.exit_code == 0);
  // The file's values for everything the configuration does not sample.
  const auto sbml = odesynth::read_sbml_file(file);
  const odesynth::any_model model = sbml.model;
  odesynth::sampler samples(model);
  for (std::size_t i = 0; i < model.parameters().size(); ++i)
    samples.parameter(model.parameters()[i], sbml.parameter_values[i]);
  for (std::size_t i = 0; i < model.species().size(); ++i)
    samples.initial_value(model.species()[i], sbml.initial_state[i]);
  samples.parameter("alpha", odesynth::dist::percent_around{216.4, 10});
  odesynth::generator_options options;
  options.seed = 5;
  odesynth::solve_options solver;
  solver.stepper = odesynth::default_steppers::first;  // as the file's (unnamed) stepper
  const auto g = odesynth::make_generator<odesynth::all_steppers>(
      model, solver, samples, odesynth::time_grid::linspace(0, 50, 51),
      odesynth::dynamic_pipeline{odesynth::gaussian_noise(0.5)}, options);
  odesynth::write_dataset(g, 0, 8, tmp.path / "cpp", odesynth::dataset_options{});
  const auto files = files_in(tmp.path / "sbml");
  REQUIRE(files == files_in(tmp.path / "cpp"));
  for (const auto& f : files) {
    CAPTURE(f);
    CHECK(read_file(tmp.path / "sbml" / f) == read_file(tmp.path / "cpp" / f));
  }
  // The metadata holds the model's equations, so the dataset says what made it.
  CHECK_THAT(read_file(tmp.path / "sbml" / "metadata.json"),
             Catch::Contains("\"equations\": \"dlacI_mRNA = "));
}
#endif
