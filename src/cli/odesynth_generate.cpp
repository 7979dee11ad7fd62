// odesynth-generate: writes a synthetic dataset described by a TOML file, without C++.
//
//   odesynth-generate sir.toml --threads 8 --out data/sir
//   odesynth-generate --example lotka_volterra > lv.toml      (a starting point per zoo model)
//
// The TOML file is converted into the JSON-shaped document that odesynth::read_run_config
// reads (run_config.hpp), keeping each value's line and column so that errors point into the
// TOML file; the dataset is then written by odesynth::write_dataset, exactly as a C++ program
// would (docs/cli.md).
#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <odesynth/dataset.hpp>
#include <odesynth/models/by_name.hpp>
#include <odesynth/progress_bar.hpp>
#include <odesynth/run_config.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#if defined(ODESYNTH_WITH_SBML)
#include <odesynth/sbml_run_config.hpp>
#endif

namespace {

using odesynth::detail::json;

// ---- TOML to the run document ------------------------------------------------------------

json located(json value, const toml::node& node, const std::shared_ptr<const std::string>& file) {
  const auto& where = node.source().begin;
  return std::move(value.locate(file, where.line, where.column));
}

json to_json(const toml::node& node, const std::shared_ptr<const std::string>& file) {
  if (const auto* t = node.as_table()) {
    json out = json::make_object();
    for (const auto& [key, value] : *t) out.set(std::string(key.str()), to_json(value, file));
    return located(std::move(out), node, file);
  }
  if (const auto* a = node.as_array()) {
    json out = json::make_array();
    for (const auto& value : *a) out.push_back(to_json(value, file));
    return located(std::move(out), node, file);
  }
  if (const auto* s = node.as_string()) return located(json(s->get()), node, file);
  if (const auto* i = node.as_integer()) return located(json(std::int64_t{i->get()}), node, file);
  if (const auto* b = node.as_boolean()) return located(json(b->get()), node, file);
  if (const auto* f = node.as_floating_point()) {
    // TOML's inf and nan have no JSON number; run_config reads them as these strings.
    const double d = f->get();
    if (std::isnan(d)) return located(json("nan"), node, file);
    if (std::isinf(d)) return located(json(d > 0 ? "inf" : "-inf"), node, file);
    return located(json(d), node, file);
  }
  const auto& where = node.source().begin;
  throw odesynth::parse_error(*file, where.line, where.column,
                              fmt::format("{}:{}:{}: a date or time, which no setting takes", *file,
                                          where.line, where.column));
}

json read_toml(const std::filesystem::path& file) {
  toml::table table;
  try {
    table = toml::parse_file(file.string());
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    if (!std::filesystem::exists(file))
      throw odesynth::io_error(file.string(),
                               fmt::format("cannot open the configuration file {}", file.string()));
    throw odesynth::parse_error(
        file.string(), where.line, where.column,
        fmt::format("{}:{}:{}: {}", file.string(), where.line, where.column, e.description()));
  }
  return to_json(table, std::make_shared<const std::string>(file.string()));
}

// ---- the SBML component, when built with it ------------------------------------------------

odesynth::run_config_readers readers_for(const std::filesystem::path& config_file) {
  odesynth::run_config_readers readers;
  readers.base_folder = config_file.parent_path();
#if defined(ODESYNTH_WITH_SBML)
  readers.models.push_back(odesynth::sbml_model_reader(readers.base_folder));
#endif
  return readers;
}

// ---- an example configuration per zoo model ------------------------------------------------

std::string example_config(const std::string& name) {
  const auto e = odesynth::models::by_name(name);
  const bool stiff = e.model.has_analytic_jacobian();
  std::string s = fmt::format(
      "# odesynth-generate configuration: {} ({}).\n"
      "# Run:  odesynth-generate {}.toml        Every key: docs/cli.md\n\n"
      "[model]\nzoo = \"{}\"\n\n"
      "# A number fixes a value; a table draws it per trajectory: uniform (lo, hi), normal\n"
      "# (mean, sd), log_uniform, lognormal (mu, sigma), percent_around (nominal, percent), ...\n"
      "# Left out: the model's default.\n[parameters]\n",
      name, e.summary, name, name);
  const auto& p = e.model.parameters();
  for (std::size_t i = 0; i < p.size(); ++i) {
    const double v = e.default_parameters[i];
    if (v == 0)
      s += fmt::format("{} = {}\n", p[i], v);
    else
      s += fmt::format("{} = {{ type = \"percent_around\", nominal = {}, percent = 10 }}\n", p[i],
                       v);
  }
  s += "\n[initial_values]\n";
  const auto& x = e.model.species();
  for (std::size_t i = 0; i < x.size(); ++i)
    s += fmt::format("{} = {}\n", x[i], e.default_initial_state[i]);
  s += fmt::format(
      "\n[sampling]\ndesign = \"sobol\"          # independent, latin_hypercube (+ n), sobol, "
      "halton, grid\n\n"
      "[time_grid]\nstart = 0\nend = {}\npoints = 101\n\n"
      "[solver]\nstepper = \"{}\"{}\nrel_tol = 1e-6\nabs_tol = 1e-8\n\n",
      e.default_t_end, stiff ? "rosenbrock4" : "dopri5",
      stiff ? "    # stiff: a Rosenbrock method with the model's analytic Jacobian" : "");
  if (!e.hidden_species.empty())
    s += fmt::format(
        "# SimbaML hides these species from its output.\n"
        "[[transforms]]\ntype = \"hide_species\"\nhide = [\"{}\"]\n\n",
        fmt::join(e.hidden_species, "\", \""));
  s += fmt::format(
      "# Measurement: applied in order to every trajectory.\n"
      "[[transforms]]\ntype = \"proportional_noise\"\nrel_sigma = 0.05\n\n"
      "[[transforms]]\ntype = \"random_subset\"      # keep a random half of the time points\n"
      "fraction = 0.5\n\n"
      "[output]\nfolder = \"{}_dataset\"\ncount = 100\n"
      "formats = [\"npy\", \"simbaml_csv\"]   # also: npz, tidy_csv\n\n"
      "[generation]\nseed = 1\n",
      name);
  return s;
}

// ---- the command line ----------------------------------------------------------------------

std::pair<std::uint64_t, std::uint64_t> parse_range(const std::string& text) {
  const auto colon = text.find(':');
  const auto number = [&text](const std::string& part) {
    std::size_t used = 0;
    std::uint64_t v = 0;
    try {
      v = std::stoull(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (part.empty() || used != part.size() || part[0] == '-')
      odesynth::detail::throw_invalid("--range", text, "A:B with whole numbers A < B");
    return v;
  };
  if (colon == std::string::npos)
    odesynth::detail::throw_invalid("--range", text, "A:B with whole numbers A < B");
  const std::uint64_t a = number(text.substr(0, colon)), b = number(text.substr(colon + 1));
  if (a >= b) odesynth::detail::throw_invalid("--range", text, "A:B with whole numbers A < B");
  return {a, b};
}

void print_run(const odesynth::run_config& c, std::uint64_t begin, std::uint64_t end,
               const std::filesystem::path& folder) {
  const auto& m = c.model.model;
  fmt::print("model       {} ({}): species {}; parameters {}\n", m.name(), c.model.kind,
             fmt::join(m.species(), ", "), fmt::join(m.parameters(), ", "));
  if (!c.model.equations.empty()) fmt::print("equations\n{}", c.model.equations);
  fmt::print("sampler     {}\n", c.samples.describe());
  fmt::print("transforms  {}\n", c.transforms.describe());
  fmt::print("solver      {}\n", c.make_generator().integrator().describe());
  fmt::print("output      trajectories {}..{} ({}) to {}, formats {}\n", begin, end, end - begin,
             folder.string(), fmt::join(c.output.formats, ", "));
  fmt::print(
      "generation  seed {}, threads {}, on_failure {}\n", c.generation.seed,
      c.generation.threads == 0 ? std::string("all cores") : std::to_string(c.generation.threads),
      c.generation.on_failure);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "odesynth-generate: synthetic time-series datasets from ODE models, without writing C++.\n\n"
      "A TOML file describes the run: the model (a zoo model, equations or an SBML file), how\n"
      "its parameters and initial values are drawn, the time points, the solver, the\n"
      "measurement noise and sparsification, and the output. The dataset folder holds NumPy\n"
      "arrays and/or SimbaML-style CSV files plus metadata.json, which records everything\n"
      "needed to write the same files again. The same seed gives the same files on any\n"
      "machine and thread count.\n\n"
      "Start from an example:   odesynth-generate --example sir > sir.toml\n"
      "then edit it and run:    odesynth-generate sir.toml\n"
      "Every key is documented in docs/cli.md.",
      "odesynth-generate"};
  app.get_formatter()->column_width(28);
  std::string config_file, out, range;
  std::optional<std::uint64_t> seed, count;
  std::optional<std::size_t> threads;
  bool overwrite = false, quiet = false, check = false, list_models = false,
       list_transforms = false;
  std::string example;
  app.add_option("config", config_file, "the run's TOML file");
  app.add_option("-o,--out", out, "output folder (instead of [output] folder)");
  app.add_option("-n,--count", count, "number of trajectories (instead of [output] count)");
  app.add_option("--range", range,
                 "write trajectories A..B-1 only, e.g. 0:500 and 500:1000 on two machines");
  app.add_option("-s,--seed", seed, "random seed (instead of [generation] seed)");
  app.add_option("-j,--threads", threads,
                 "worker threads, 0 = all cores (instead of [generation])");
  app.add_flag("--overwrite", overwrite, "replace an existing output folder");
  app.add_flag("-q,--quiet", quiet, "no progress bar");
  app.add_flag("--check", check, "read and check the configuration, print the run, write nothing");
  app.add_flag("--list-models", list_models, "list the zoo models");
  app.add_flag("--list-transforms", list_transforms, "list the transform types");
  app.add_option("--example", example, "print an example configuration for a zoo model");
  CLI11_PARSE(app, argc, argv);

  try {
    if (list_models) {
      for (const auto& name : odesynth::models::zoo_names())
        fmt::print("{:<26}{}\n", name, odesynth::models::by_name(name).summary);
      return 0;
    }
    if (list_transforms) {
      for (const auto& t : odesynth::config_transform_types()) fmt::print("{}\n", t);
      return 0;
    }
    if (!example.empty()) {
      fmt::print("{}", example_config(example));
      return 0;
    }
    if (config_file.empty()) {
      std::fprintf(stderr, "odesynth-generate: no configuration file given (--help for usage)\n");
      return 2;
    }
    auto config = odesynth::read_run_config(read_toml(config_file), readers_for(config_file));
    if (seed) config.generation.seed = *seed;
    if (threads) config.generation.threads = *threads;
    if (count) config.count = *count;
    if (overwrite) config.output.overwrite = true;
    std::uint64_t begin = 0, end = config.count;
    if (!range.empty()) std::tie(begin, end) = parse_range(range);
    if (end == 0)
      odesynth::detail::throw_invalid("output.count", 0,
                                      "a number of trajectories >= 1 (or --count)");
    const std::filesystem::path folder = out.empty() ? config.folder : std::filesystem::path(out);
    if (folder.empty())
      odesynth::detail::throw_invalid("output.folder", "(absent)", "a folder (or --out)");
    if (check) {
      print_run(config, begin, end, folder);
      return 0;
    }
    // A command-line user expects `--out data/sir/run1` to make data/sir; the library itself
    // only ever creates the dataset folder.
    if (folder.has_parent_path()) std::filesystem::create_directories(folder.parent_path());
    odesynth::progress_callback progress;
    if (!quiet) progress = odesynth::progress_bar(config.model.model.name());
    const auto written = odesynth::write_dataset(config.make_generator(std::move(progress)), begin,
                                                 end, folder, config.output);
    const auto& r = written.report;
    fmt::print("wrote {} trajectories to {} in {:.2f} s ({} failed{})\n", r.delivered,
               folder.string(), r.elapsed_seconds, r.failed(),
               r.dropped ? fmt::format(", {} dropped", r.dropped) : std::string());
    for (auto s : odesynth::all_solve_statuses)
      if (s != odesynth::solve_status::ok && r.count(s)) fmt::print("  {}: {}\n", s, r.count(s));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "odesynth-generate: %s\n", e.what());
    return 1;
  }
}
