// odesynth/odesynth.hpp - everything odesynth offers, in one include.
//
// Each header below is usable on its own; include single ones to keep compile times down.
#pragma once

#include "csv.hpp"
#include "error.hpp"
#include "lambda_model.hpp"
#include "model.hpp"
#include "solve.hpp"
#include "solve_options.hpp"
#include "solve_status.hpp"
#include "time_grid.hpp"
#include "trajectory.hpp"
#include "value_span.hpp"
#include "version.hpp"
