// odesynth/transforms.hpp - every measurement transform: the transform concept and
// pipelines, per-species settings, noise, sparsification and post-processing.
//
// Process noise (noise inside the dynamics) is not a transform: see derivative_noise.hpp
// and sde.hpp. Domain constraints on solutions are in constraints.hpp.
#pragma once

#include "per_species.hpp"
#include "transforms/noise.hpp"
#include "transforms/postprocess.hpp"
#include "transforms/sparsify.hpp"
#include "transforms/transform.hpp"
