#include <catch2/catch.hpp>
#include <odesynth/odesynth.hpp>
#include "test_models.hpp"
TEST_CASE("smoke") {
  auto tr = odesynth::solve(test_models::decay{}, {1.0}, {1.0}, odesynth::time_grid::linspace(0, 1, 3));
  CHECK(tr.ok());
}
