// odesynth/ml.hpp - preparing trajectories for machine learning, as SimbaML's pipelines do:
// forecasting windows, leak-free splits, scaling fitted on training data, synthetic/real
// mixes, forecast metrics and baseline forecasts.
//
// Not part of odesynth.hpp: generating data does not need it, and users who train models
// include it (or single headers of ml/) themselves.
#pragma once

#include "ml/array3.hpp"
#include "ml/baselines.hpp"
#include "ml/metrics.hpp"
#include "ml/mixing.hpp"
#include "ml/scaling.hpp"
#include "ml/split.hpp"
#include "ml/windows.hpp"
