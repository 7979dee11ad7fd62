// Samplers shared by the generator tests.
#pragma once

#include <odesynth/distributions.hpp>
#include <odesynth/sampler.hpp>

#include "test_models.hpp"

namespace test_models {

// Lotka-Volterra with three uniform rates, delta fixed, and uniform initial populations.
inline odesynth::sampler lv_sampler() {
  namespace dist = odesynth::dist;
  odesynth::sampler s(lotka_volterra{});
  s.parameter("alpha", dist::uniform{1.0, 2.0})
      .parameter("beta", dist::uniform{0.5, 1.5})
      .parameter("gamma", dist::uniform{2.0, 4.0})
      .parameter("delta", 1.0)
      .initial_value("prey", dist::uniform{5, 15})
      .initial_value("predator", dist::uniform{2, 8});
  return s;
}

}  // namespace test_models
