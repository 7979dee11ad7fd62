// Compile-time probe (issue 13): the one-model dataset program of the issue's target, with the
// headers it uses rather than the umbrella: a sampler, a transform pipeline, the generator and
// the NumPy dataset writer. Timed by measure.sh; run it to check it works (it writes a small
// dataset into a temporary folder and removes it).
#include <cstdlib>
#include <filesystem>
#include <odesynth/dataset.hpp>
#include <odesynth/generator.hpp>
#include <odesynth/transforms.hpp>

struct sir {
  static constexpr std::string_view name = "sir";
  static constexpr std::array<std::string_view, 3> species{"S", "I", "R"};
  static constexpr std::array<std::string_view, 2> parameters{"beta", "gamma"};

  template <class State, class Params>
  void operator()(const State& x, State& dxdt, double /*t*/, const Params& p) const {
    const double infections = p[0] * x[0] * x[1] / (x[0] + x[1] + x[2]);
    dxdt[0] = -infections;
    dxdt[1] = infections - p[1] * x[1];
    dxdt[2] = p[1] * x[1];
  }
};

int main() {
  namespace dist = odesynth::dist;
  odesynth::sampler samples(sir{});
  samples.parameter("beta", dist::uniform{0.2, 0.5})
      .parameter("gamma", dist::log_uniform{0.05, 0.2})
      .initial_value("S", 990.0)
      .initial_value("I", dist::uniform{1, 20})
      .initial_value("R", 0.0);
  const auto measure =
      odesynth::gaussian_noise(1.0) | odesynth::random_subset(0.5) | odesynth::clip_below(0);
  odesynth::generator_options options;
  options.seed = 1;
  const auto generator =
      odesynth::make_generator(sir{}, odesynth::solve_options{}, samples,
                               odesynth::time_grid::linspace(0, 100, 101), measure, options);
  const auto folder = std::filesystem::temp_directory_path() /
                      ("odesynth-compile-probe-" + std::to_string(std::rand()));
  odesynth::dataset_options files;  // NumPy arrays (the default format)
  const auto written = odesynth::write_dataset(generator, 0, 10, folder.string(), files);
  std::filesystem::remove_all(folder);
  return written.report.delivered == 10 ? 0 : 1;
}
