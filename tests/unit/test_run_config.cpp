// Runs described as data (run_config.hpp) and what they stand on: any_model (one run-time
// model type), the zoo by name, and a document read into the same dataset, bit for bit, that
// the C++ API writes from the same pieces.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstring>
#include <odesynth/any_model.hpp>
#include <odesynth/dataset.hpp>
#include <odesynth/equations.hpp>
#include <odesynth/lambda_model.hpp>
#include <odesynth/models.hpp>
#include <odesynth/models/by_name.hpp>
#include <odesynth/provenance.hpp>
#include <odesynth/run_config.hpp>
#include <odesynth/solve.hpp>
#include <odesynth/transforms.hpp>
#include <string>
#include <vector>

#include "expect_error.hpp"
#include "files.hpp"
#include "temp_folder.hpp"

namespace {

namespace zoo = odesynth::models;
using odesynth::any_model;
using test_support::expect_error;
using test_support::files_in;
using test_support::read_file;
using test_support::temp_folder;

bool run_config_same_bits(const odesynth::trajectory& a, const odesynth::trajectory& b) {
  return a.values().rows() == b.values().rows() && a.values().cols() == b.values().cols() &&
         std::memcmp(a.values().data(), b.values().data(),
                     sizeof(double) * static_cast<std::size_t>(a.values().size())) == 0;
}

// The model as a dynamic-size lambda model: the same arithmetic on an Eigen::VectorXd state,
// which is what any_model runs, without the indirection.
template <class M>
auto dynamic_copy(const M& m) {
  return odesynth::make_model(
      std::string(m.name), {m.species.begin(), m.species.end()},
      {m.parameters.begin(), m.parameters.end()},
      [m](const auto& x, auto& dxdt, double t, const auto& p) { m(x, dxdt, t, p); });
}

odesynth::solve_options with_stepper(odesynth::stepper_kind k) {
  odesynth::solve_options o;
  o.stepper = k;
  return o;
}

}  // namespace

TEST_CASE("any_model solves like the model it wraps", "[any_model]") {
  using odesynth::all_steppers;
  using odesynth::stepper_kind;
  const zoo::lorenz lorenz;
  const auto grid = zoo::default_grid(lorenz, 201);
  const auto p = zoo::default_parameters(lorenz);
  const auto x0 = zoo::default_initial_state(lorenz);
  const any_model erased = lorenz;
  CHECK(erased.name() == "lorenz");
  CHECK(erased.species() == std::vector<std::string>{"x", "y", "z"});
  CHECK_FALSE(erased.has_analytic_jacobian());
  REQUIRE(erased.target<zoo::lorenz>() != nullptr);
  CHECK(erased.target<zoo::sir>() == nullptr);

  // Explicit steppers apply the same operations to every component, fixed-size or not: the
  // same bits. (Lorenz is chaotic, so a difference in the last bit would grow visibly.)
  for (auto k : {stepper_kind::dopri5, stepper_kind::rkf78, stepper_kind::bulirsch_stoer}) {
    CAPTURE(k);
    CHECK(
        run_config_same_bits(odesynth::solve<all_steppers>(erased, p, x0, grid, with_stepper(k)),
                             odesynth::solve<all_steppers>(lorenz, p, x0, grid, with_stepper(k))));
  }
  // rosenbrock4 with the solver's finite differences (Lorenz has no jacobian()): the same
  // bits as the dynamic-size model, since any_model tells the solver it has no Jacobian.
  const auto rosenbrock = with_stepper(stepper_kind::rosenbrock4);
  CHECK(run_config_same_bits(
      odesynth::solve<all_steppers>(erased, p, x0, grid, rosenbrock),
      odesynth::solve<all_steppers>(dynamic_copy(lorenz), p, x0, grid, rosenbrock)));

  // With an analytic Jacobian: the wrapped one is used (equal bits to the dynamic model that
  // has it), and it differs from finite differences.
  const zoo::robertson rob;
  const any_model erased_rob = rob;
  CHECK(erased_rob.has_analytic_jacobian());
  const auto rob_grid = odesynth::time_grid::logspace(1e-4, 1e4, 30);
  const auto rp = zoo::default_parameters(rob);
  const auto rx = zoo::default_initial_state(rob);
  const auto rob_dynamic = odesynth::make_model(
      "robertson", {"y1", "y2", "y3"}, {"k1", "k2", "k3"},
      [rob](const auto& x, auto& dxdt, double t, const auto& q) { rob(x, dxdt, t, q); },
      [rob](const auto& x, auto& J, double t, const auto& q) { rob.jacobian(x, J, t, q); });
  const auto a = odesynth::solve<all_steppers>(erased_rob, rp, rx, rob_grid, rosenbrock);
  CHECK(a.status() == odesynth::solve_status::ok);
  CHECK(run_config_same_bits(
      a, odesynth::solve<all_steppers>(rob_dynamic, rp, rx, rob_grid, rosenbrock)));
  CHECK_FALSE(run_config_same_bits(
      a, odesynth::solve<all_steppers>(dynamic_copy(rob), rp, rx, rob_grid, rosenbrock)));
  // Against the fixed-size model itself: rounding only (Eigen's LU orders its operations
  // differently for fixed-size matrices). 1e-9 relative is 1000x the solver's rel_tol below
  // the error it controls, and far above rounding.
  const auto fixed = odesynth::solve<all_steppers>(rob, rp, rx, rob_grid, rosenbrock);
  for (Eigen::Index i = 0; i < a.values().rows(); ++i)
    for (Eigen::Index j = 0; j < 3; ++j)
      CHECK(std::fabs(a.values()(i, j) - fixed.values()(i, j)) <=
            1e-9 * std::max(1e-6, std::fabs(fixed.values()(i, j))));
}

TEST_CASE("the zoo by name holds every model with its defaults", "[any_model][zoo]") {
  const auto names = zoo::zoo_names();
  CHECK(names.size() == 22);
  CHECK(std::is_sorted(names.begin(), names.end()));
  for (const auto& name : names) {
    CAPTURE(name);
    const auto e = zoo::by_name(name);
    CHECK(e.model.name() == name);
    CHECK(e.default_parameters.size() == e.model.parameters().size());
    CHECK(e.default_initial_state.size() == e.model.species().size());
    CHECK(e.default_t_end > 0);
    CHECK_FALSE(e.summary.empty());
    // Every zoo model solves from its defaults on its default span.
    const auto tr = odesynth::solve<odesynth::all_steppers>(
        e.model, e.default_parameters, e.default_initial_state, e.default_grid(11),
        with_stepper(e.model.has_analytic_jacobian() ? odesynth::stepper_kind::rosenbrock4
                                                     : odesynth::stepper_kind::dopri5));
    CHECK(tr.status() == odesynth::solve_status::ok);
  }
  CHECK(zoo::by_name("linear_chain", 50).model.species().size() == 50);
  CHECK(zoo::by_name("simbaml_sir").hidden_species ==
        std::vector<std::string>{"Susceptible", "Recovered"});
  expect_error([] { zoo::by_name("sri"); }, {"model.zoo", "\"sri\"", "lotka_volterra"});
  expect_error([] { zoo::by_name("sir", 5); }, {"model.zoo.size", "5", "fixed size"});
}

namespace {

// The demo's SIR dataset, written as a document...
const char* const sir_document = R"({
  "model": {"zoo": "sir"},
  "parameters": {
    "beta": {"type": "log_uniform", "lo": 0.3, "hi": 1.5},
    "gamma": {"type": "uniform", "lo": 0.2, "hi": 0.35, "constraint": "positive"}
  },
  "initial_values": {"S": 980, "I": {"type": "uniform", "lo": 1, "hi": 20}, "R": 0},
  "sampling": {"design": "sobol"},
  "time_grid": {"start": 0, "end": 60, "points": 61},
  "solver": {"rel_tol": 1e-7, "abs_tol_per_species": {"I": 1e-9}},
  "transforms": [
    {"type": "proportional_noise", "rel_sigma": 0.1},
    {"type": "gaussian_noise", "sigma": {"S": 2, "I": 1}},
    {"type": "clip", "lo": 0},
    {"type": "hide_species", "hide": "R"},
    {"type": "random_subset", "fraction": 0.3},
    {"type": "missing_entries", "probability": 0.05}
  ],
  "output": {"count": 40, "formats": ["npy", "simbaml_csv", "tidy_csv"]},
  "generation": {"seed": 20261123, "threads": 2}
})";

// ... and in C++, as the demo writes it (examples/sir_dataset.cpp), on the same any_model.
auto sir_in_cpp(std::size_t threads) {
  namespace dist = odesynth::dist;
  const any_model model = zoo::sir{};
  odesynth::sampler samples(model);
  samples.parameter("beta", dist::log_uniform{0.3, 1.5})
      .parameter("gamma", dist::uniform{0.2, 0.35}, odesynth::value_constraint::positive)
      .initial_value("S", 980.0)
      .initial_value("I", dist::uniform{1, 20})
      .initial_value("R", 0.0)
      .design(odesynth::sampling_design::sobol());
  odesynth::solve_options solver;
  // A document without a stepper gets the C++ API's default, which all_steppers (below, as the
  // document's generator has it) does not hold first.
  solver.stepper = odesynth::default_steppers::first;
  solver.rel_tol = 1e-7;
  solver.abs_tol_per_species = {1e-8, 1e-9, 1e-8};
  odesynth::generator_options options;
  options.seed = 20261123;
  options.threads = threads;
  const odesynth::dynamic_pipeline measure{
      odesynth::proportional_noise(0.1), odesynth::gaussian_noise({{"S", 2.0}, {"I", 1.0}}),
      odesynth::clip_below(0),           odesynth::hide_species({"R"}),
      odesynth::random_subset(0.3),      odesynth::missing_entries(0.05)};
  return odesynth::make_generator<odesynth::all_steppers>(
      model, solver, samples, odesynth::time_grid::linspace(0, 60, 61), measure, options);
}

}  // namespace

TEST_CASE("a run document writes the dataset the C++ API writes from the same pieces",
          "[run_config]") {
  temp_folder tmp;
  const auto config = odesynth::parse_run_config(sir_document, "sir.json");
  CHECK(config.count == 40);
  CHECK(config.model.kind == "zoo");
  odesynth::write_dataset(config.make_generator(), 0, config.count, tmp.path / "document",
                          config.output);
  odesynth::write_dataset(sir_in_cpp(1), 0, 40, tmp.path / "cpp", config.output);
  const auto files = files_in(tmp.path / "document");
  REQUIRE(files == files_in(tmp.path / "cpp"));
  CHECK(files.size() > 40);  // 40 SimbaML CSV files and the arrays
  for (const auto& f : files) {
    CAPTURE(f);
    CHECK(read_file(tmp.path / "document" / f) == read_file(tmp.path / "cpp" / f));
  }
}

TEST_CASE("a run document takes the model's defaults for what it leaves out", "[run_config]") {
  const auto config = odesynth::parse_run_config(R"({
    "model": {"zoo": "lotka_volterra"},
    "parameters": {"alpha": {"type": "percent_around", "nominal": 1.1, "percent": 10}}
  })");
  const auto e = zoo::by_name("lotka_volterra");
  const auto settings = config.samples.parameter_settings();
  REQUIRE(settings.size() == 4);
  CHECK(std::holds_alternative<odesynth::dist::percent_around>(settings[0].dist));
  for (std::size_t i = 1; i < 4; ++i)
    CHECK(std::get<odesynth::dist::constant>(settings[i].dist).value == e.default_parameters[i]);
  // No [time_grid]: 101 points over the default span.
  const auto& grid = std::get<odesynth::time_grid>(config.grid.variant());
  CHECK(grid.size() == 101);
  CHECK(grid.times()[100] == e.default_t_end);
  CHECK(config.transforms.size() == 0);
  CHECK(config.generation.seed == 0);

  // A model from equations has no defaults: a parameter left out is an error naming it.
  const std::string decay = R"({"model": {"equations": "dx = -k*x", "name": "decay"},
                                "initial_values": {"x": 1}, "time_grid": {"end": 5}})";
  expect_error([&] { odesynth::parse_run_config(decay); }, {"\"k\""});
  const auto ok = odesynth::parse_run_config(
      R"({"model": {"equations": "dx = -k*x", "name": "decay"}, "parameters": {"k": 0.5},
          "initial_values": {"x": 1}, "time_grid": {"type": "logspace", "start": 0.01,
          "end": 10, "points": 5, "jitter": 0.1}})");
  CHECK(ok.model.kind == "equations");
  CHECK(ok.model.equations == "dx = -k * x\n");
  CHECK(std::holds_alternative<odesynth::jittered_grid>(ok.grid.variant()));
  const auto tr = ok.make_generator().make(0);
  CHECK(tr.data.status() == odesynth::solve_status::ok);
}

TEST_CASE("every transform type reads from its table", "[run_config]") {
  // One table per type, in config_transform_types() order, each valid on SIR's columns.
  const std::vector<std::string> tables = {
      R"({"type": "additive_noise", "noise": {"type": "normal", "mean": 0, "sd": 1}})",
      R"({"type": "baseline_drift", "sigma": [1, 2, 3]})",
      R"({"type": "batch_scale", "sigma": 0.1, "shared": false})",
      R"({"type": "clip", "range": {"S": [0, "inf"], "I": [0, 500]}})",
      R"({"type": "column_specific", "by_species": {"I": {"type": "poisson_counts"}}})",
      R"({"type": "combined_noise", "a": 1, "b": 0.1})",
      R"({"type": "detection_limit", "lod": 1, "mode": "half_lod"})",
      R"({"type": "drop_constant_suffix", "rel_eps": 1e-6, "abs_eps": 1e-9})",
      R"({"type": "elastic_noise", "sigma": 1, "profile": "exponential", "rate": 0.1})",
      R"({"type": "gaussian_noise", "sigma": 1})",
      R"({"type": "hide_species", "hide": ["R"]})",
      R"({"type": "interval_sparsify", "by": "fraction", "intervals": [
           {"start": 0, "end": 0.5, "transform": {"type": "keep_every", "k": 2}}]})",
      R"({"type": "keep_every", "k": 3, "offset": 1})",
      R"({"type": "keep_extremes", "low_fraction": 0.1, "high_fraction": 0.1,
          "inner": {"type": "random_subset", "fraction": 0.5}})",
      R"({"type": "keep_interval", "first": 1, "last": 5})",
      R"({"type": "log_of", "name": "logI", "species": "I"})",
      R"({"type": "lognormal_noise", "sigma": 0.1})",
      R"({"type": "missing_bursts", "start_probability": 0.1, "mean_length": 2})",
      R"({"type": "missing_entries", "probability": [0.1, 0.2, 0]})",
      R"({"type": "multiplicative_noise", "factor": {"I": {"type": "lognormal", "mu": 0, "sigma": 0.1}}})",
      R"({"type": "outlier_noise", "probability": 0.01, "scale": 10})",
      R"({"type": "poisson_counts", "scale": 2})",
      R"({"type": "proportional_noise", "rel_sigma": 0.05})",
      R"({"type": "pull_to_mean", "weight": {"type": "uniform", "lo": 0, "hi": 0.2}})",
      R"({"type": "quantize", "step": 1})",
      R"({"type": "random_choice", "options": [{"type": "gaussian_noise", "sigma": 1},
          {"type": "quantize", "step": 0.5}], "weights": [1, 3]})",
      R"({"type": "random_subset", "fraction": 0.5})",
      R"({"type": "random_subset_count", "count": 5})",
      R"({"type": "redraw_until_within", "noise": {"type": "gaussian_noise", "sigma": 5},
          "range": [0, "inf"], "max_attempts": 10, "policy": "clip_to_range"})",
      R"({"type": "rescale_to_sum", "group": ["S", "I", "R"]})",
      R"({"type": "select_species", "keep": ["I"]})",
      R"({"type": "student_t_noise", "nu": 3, "scale": 1})",
      R"({"type": "sum_of", "name": "SI", "species": ["S", "I"]})",
  };
  const auto types = odesynth::config_transform_types();
  REQUIRE(types.size() == tables.size());
  const auto sir = zoo::by_name("sir");
  for (std::size_t i = 0; i < tables.size(); ++i) {
    CAPTURE(tables[i]);
    const auto doc = odesynth::detail::json::parse(tables[i], "t.json");
    CHECK(doc.at("type", "t").as_string("type") == types[i]);
    const auto t = odesynth::transform_from_config(doc, "transforms[0]");
    // It runs on a SIR solution and says what it is.
    auto tr = odesynth::solve(sir.model, sir.default_parameters, sir.default_initial_state,
                              sir.default_grid(21));
    odesynth::random_stream stream(7, 0, odesynth::stream_purpose::measurement);
    CHECK_NOTHROW(t.layout_after(odesynth::trajectory_layout::of(tr)));
    t(tr, stream);
    CHECK_THAT(t.describe(), Catch::StartsWith(types[i]));
  }
}

TEST_CASE("a bad run document is a parse_error at the bad value", "[run_config][errors]") {
  struct bad {
    std::string document;
    std::vector<std::string> fragments;  // in the message, with "<config>:line:column"
  };
  const std::vector<bad> cases = {
      {R"({"model": {"zoo": "sir"}, "paramters": {}})",
       {"<config>:1:40:", "paramters", "an unknown key", "parameters"}},
      {R"({"model": {}})", {"<config>:1:11:", "naming no model", "zoo, equations"}},
      {R"({"model": {"zoo": "sir", "equations": "dx = 1"}})", {"zoo and equations"}},
      {R"({"model": {"zoo": "sri"}})", {"model.zoo", "\"sri\"", "lotka_volterra"}},
      {R"({"model": {"zoo": "sir"},
  "transforms": [{"type": "gaussian_noise", "sigma": 1, "sgima": 2}]})",
       {"<config>:2:66:", "transforms[0].sgima", "sigma, type"}},
      {R"({"model": {"zoo": "sir"}, "transforms": [{"type": "gauss"}]})",
       {"transforms[0].type", "\"gauss\"", "gaussian_noise"}},
      {R"({"model": {"zoo": "sir"}, "transforms": [{"type": "gaussian_noise", "sigma": -1}]})",
       {"transforms[0]", "sigma", "-1"}},
      {R"({"model": {"zoo": "sir"}, "parameters": {"beta": {"type": "uniform", "lo": 1}}})",
       {"parameters.beta", "hi"}},
      {R"({"model": {"zoo": "sir"}, "parameters": {"beta": {"type": "unifrom", "lo": 1}}})",
       {"parameters.beta.type", "\"unifrom\"", "log_uniform"}},
      {R"({"model": {"zoo": "sir"},
  "parameters": {"betta": 1}})",
       {"<config>:2:27:", "parameters.betta", "\"betta\""}},
      {R"({"model": {"zoo": "sir"}, "solver": {"stepper": "rk45"}})",
       {"solver.stepper", "\"rk45\"", "dopri5"}},
      {R"({"model": {"zoo": "sir"}, "generation": {"seed": -1}})", {"generation.seed", "-1"}},
      {R"({"model": {"zoo": "sir"}, "output": {"formats": ["parquet"]}})",
       {"output.formats[0]", "\"parquet\"", "npy"}},
      {R"({"model": {"zoo": "sir"}, "time_grid": {"start": 0, "points": 3, "step": 1}})",
       {"time_grid.step", "an unknown key"}},
      {R"({"model": {"equations": "dx = -k*x\ndy = x +* 2"}})", {"model.equations", "2:"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.document);
    std::string message;
    try {
      odesynth::parse_run_config(c.document);
    } catch (const odesynth::error& e) {
      message = e.what();
    }
    CAPTURE(message);
    REQUIRE_FALSE(message.empty());
    for (const auto& f : c.fragments) CHECK_THAT(message, Catch::Contains(f));
  }
}

TEST_CASE("a model from text is recorded in the metadata and checked when regenerating",
          "[run_config][provenance]") {
  temp_folder tmp;
  const std::string text = "dx = -k*x + s\n";
  const auto config = odesynth::parse_run_config(
      R"({"model": {"equations": "dx = -k*x + s", "name": "decay"},
          "parameters": {"k": {"type": "uniform", "lo": 0.5, "hi": 1}, "s": 0.1},
          "initial_values": {"x": 1}, "time_grid": {"end": 5, "points": 11},
          "transforms": [{"type": "gaussian_noise", "sigma": 0.01}]})");
  CHECK(config.model.model.equations() == "dx = -k * x + s\n");
  odesynth::write_dataset(config.make_generator(), 0, 5, tmp.path / "text", config.output);
  const std::string metadata = read_file(tmp.path / "text" / "metadata.json");
  CHECK_THAT(metadata, Catch::Contains(R"("equations": "dx = -k * x + s\n")"));

  // The same text regenerates the files; other text with the same names is refused.
  const auto same = odesynth::parse_equations(text, "decay");
  const auto again = odesynth::generator_from_metadata(same, metadata, config.transforms);
  odesynth::write_dataset(again, 0, 5, tmp.path / "again", config.output);
  for (const auto& f : files_in(tmp.path / "text")) {
    CAPTURE(f);
    CHECK(read_file(tmp.path / "text" / f) == read_file(tmp.path / "again" / f));
  }
  const auto other = odesynth::parse_equations("dx = -k*x - s", "decay");
  expect_error([&] { odesynth::generator_from_metadata(other, metadata, config.transforms); },
               {"model.equations", "other equations", "dx = -k * x + s"});
  // C++ models record no text, as before.
  odesynth::write_dataset(sir_in_cpp(1), 0, 2, tmp.path / "cpp", config.output);
  CHECK_THAT(read_file(tmp.path / "cpp" / "metadata.json"), !Catch::Contains("equations"));
}
