// Every public enum prints through fmt exactly as its to_string() names it, and the names
// metadata reads back parse to the same value (issue 13 item 4: one spelling per concept).
#include <catch2/catch.hpp>
#include <odesynth/constraints.hpp>
#include <odesynth/dataset.hpp>
#include <odesynth/derivative_noise.hpp>
#include <odesynth/designs.hpp>
#include <odesynth/detail/enum_names.hpp>
#include <odesynth/distributions.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/io/npy.hpp>
#include <odesynth/ml/mixing.hpp>
#include <odesynth/ml/scaling.hpp>
#include <odesynth/progress.hpp>
#include <odesynth/random.hpp>
#include <odesynth/sampler.hpp>
#include <odesynth/sde.hpp>
#include <odesynth/solve_status.hpp>
#include <odesynth/steady_state.hpp>
#include <odesynth/transforms/noise.hpp>
#include <odesynth/transforms/postprocess.hpp>
#include <odesynth/transforms/sparsify.hpp>
#include <set>
#include <string>

#include "expect_error.hpp"

namespace {

// For every value of `all`: fmt prints to_string(), padding works like a string's, the names
// are distinct and not "unknown", and parse_enum() gives the value back.
template <class Enum, std::size_t N>
void check_names(const std::array<Enum, N>& all, const char* field) {
  std::set<std::string> seen;
  for (Enum e : all) {
    const std::string name(to_string(e));
    CHECK(fmt::format("{}", e) == name);
    CHECK(fmt::format("[{:>20}]", e) == fmt::format("[{:>20}]", name));
    CHECK(name != "unknown");
    CHECK(seen.insert(name).second);
    CHECK(odesynth::detail::parse_enum(name, all, field) == e);
  }
}

}  // namespace

TEST_CASE("enum names: fmt prints to_string and parse_enum reads it back", "[enums]") {
  check_names(odesynth::all_solve_statuses, "status");
  check_names(odesynth::all_value_constraints, "constraint");
  check_names(odesynth::all_dataset_formats, "dataset_options.formats");
  check_names(odesynth::all_data_sources, "source");
  check_names(odesynth::all_scaling_methods, "method");
  check_names(std::array<odesynth::generation_control, 2>{odesynth::generation_control::proceed,
                                                          odesynth::generation_control::stop},
              "control");
  check_names(std::array<odesynth::mix_size::rule, 3>{odesynth::mix_size::rule::exactly,
                                                      odesynth::mix_size::rule::all_real,
                                                      odesynth::mix_size::rule::largest},
              "mix_size");
  using odesynth::stream_purpose;
  check_names(
      std::array<stream_purpose, 8>{stream_purpose::parameters, stream_purpose::time_grid,
                                    stream_purpose::measurement, stream_purpose::process_noise,
                                    stream_purpose::perturbation, stream_purpose::dataset_split,
                                    stream_purpose::dataset_mix, stream_purpose::user},
      "purpose");
  CHECK(fmt::format("{}", static_cast<stream_purpose>(1003)) == "user+3");
}

TEST_CASE("enum names: constraints transforms npy and designs", "[enums]") {
  using odesynth::sampling_design;
  check_names(odesynth::all_sampling_design_kinds, "sampler.design.type");
  check_names(std::array<odesynth::constraint_unit, 2>{odesynth::constraint_unit::values,
                                                       odesynth::constraint_unit::rows},
              "unit");
  check_names(std::array<odesynth::on_exhaustion, 3>{odesynth::on_exhaustion::mark_missing,
                                                     odesynth::on_exhaustion::clip_to_range,
                                                     odesynth::on_exhaustion::throw_error},
              "policy");
  check_names(
      std::array<odesynth::below_lod, 3>{odesynth::below_lod::missing, odesynth::below_lod::lod,
                                         odesynth::below_lod::half_lod},
      "mode");
  using profile = odesynth::elastic_noise::profile;
  check_names(std::array<profile, 2>{profile::linear, profile::exponential}, "profile");
  using unit = odesynth::interval_sparsify::unit;
  check_names(std::array<unit, 2>{unit::time, unit::fraction}, "unit");
  using odesynth::npy_dtype;
  check_names(std::array<npy_dtype, 5>{npy_dtype::float64, npy_dtype::float32, npy_dtype::boolean,
                                       npy_dtype::int64, npy_dtype::uint64},
              "dtype");
  // fmt prints the enumerator, as for every enum; numpy's name stays npy_descr().
  CHECK(fmt::format("{}", npy_dtype::float32) == "float32");
  CHECK(odesynth::npy_descr(npy_dtype::float32) == "<f4");
  CHECK(sampling_design::sobol(false).describe() == "sobol(scramble=false)");
  CHECK(sampling_design::latin_hypercube(100).describe() == "latin_hypercube(n=100)");
}

TEST_CASE("enum names: generator steady states SDEs and derivative noise", "[enums]") {
  check_names(odesynth::all_failure_policies, "on_failure");
  using odesynth::steady_state_status;
  check_names(std::array<steady_state_status, 3>{steady_state_status::steady,
                                                 steady_state_status::max_time_reached,
                                                 steady_state_status::solve_failed},
              "status");
  using odesynth::sde_scheme;
  check_names(std::array<sde_scheme, 2>{sde_scheme::euler_maruyama, sde_scheme::milstein},
              "scheme");
  using kind = odesynth::diffusion::kind;
  check_names(
      std::array<kind, 4>{kind::none, kind::additive, kind::multiplicative, kind::square_root},
      "diffusion");
  // The arrays metadata reads back hold every value.
  CHECK(odesynth::diffusion::all_kinds ==
        std::array<kind, 4>{kind::none, kind::additive, kind::multiplicative, kind::square_root});
  check_names(odesynth::all_sde_schemes, "scheme");
  using mode = odesynth::derivative_noise::mode;
  check_names(std::array<mode, 2>{mode::additive, mode::multiplicative}, "mode");
  CHECK(odesynth::derivative_noise::all_modes ==
        std::array<mode, 2>{mode::additive, mode::multiplicative});
  using odesynth::per_species_form;
  check_names(std::array<per_species_form, 3>{per_species_form::all, per_species_form::named,
                                              per_species_form::positional},
              "form");
  CHECK(odesynth::all_per_species_forms.size() == 3);
  // The types printed through formatters that copy fmt::format's text (detail/text.hpp).
  CHECK(fmt::format("{}", odesynth::diffusion{kind::square_root, 0.25}) ==
        "square_root sigma=0.25");
  const odesynth::distribution d = odesynth::dist::uniform{0, 1};
  CHECK(fmt::format("[{:>30}]", d) == fmt::format("[{:>30}]", odesynth::describe(d)));
  CHECK(fmt::format("{}", d) == odesynth::describe(d));
}

TEST_CASE("enum names: an unknown name is an invalid_argument listing the valid ones",
          "[enums][errors]") {
  test_support::expect_error<odesynth::invalid_argument>(
      [] {
        odesynth::detail::parse_enum("parquet", odesynth::all_dataset_formats,
                                     "dataset_options.formats[0]");
      },
      {"dataset_options.formats[0] = \"parquet\"", "one of simbaml_csv, tidy_csv, npy, npz"});
}

TEST_CASE("enum names: solver_error lives in error.hpp and carries the status", "[enums]") {
  const odesynth::solver_error e(odesynth::solve_status::max_steps, "stopped");
  CHECK(e.status() == odesynth::solve_status::max_steps);
  CHECK(std::string(e.what()) == "odesynth: stopped");
}
