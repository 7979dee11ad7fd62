// odesynth/odesynth.hpp - everything odesynth offers, in one include.
//
// Each header below is usable on its own; include single ones to keep compile times down.
// The order follows the data flow: model -> sampler -> solver -> transforms -> sink.
#pragma once

#include "error.hpp"
#include "version.hpp"

// model
#include "equations.hpp"
#include "lambda_model.hpp"
#include "lanes.hpp"
#include "model.hpp"

// sampler
#include "designs.hpp"
#include "distributions.hpp"
#include "parameter_schedule.hpp"
#include "random.hpp"
#include "sampler.hpp"
#include "time_grid.hpp"
#include "time_grid_spec.hpp"

// solver
#include "batch_solver.hpp"
#include "constraints.hpp"
#include "derivative_noise.hpp"
#include "sde.hpp"
#include "solve.hpp"
#include "solve_options.hpp"
#include "solve_status.hpp"
#include "steady_state.hpp"
#include "trajectory.hpp"
#include "value_span.hpp"

// transforms
#include "transforms.hpp"

// generation and sinks
#include "dataset.hpp"
#include "generator.hpp"
#include "io/csv.hpp"
#include "progress.hpp"
#include "progress_bar.hpp"
#include "provenance.hpp"

// real data and machine learning
#include "io/csv_reader.hpp"
#include "ml.hpp"
