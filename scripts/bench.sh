#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them (benchmarks/run_all.sh): 15 repetitions each,
# interleaved, medians and spread reported, one table of results at the end.
# Usage: scripts/bench.sh [benchmark-filter-regex]   (a filter runs only the Google Benchmark
#        programs' matching benchmarks; benchmarks/run_all.sh --help for more options)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh libbenchmark-dev
if (($# > 0)); then
  exec benchmarks/run_all.sh --jobs "$(nproc)" --filter "$1"
fi
exec benchmarks/run_all.sh --jobs "$(nproc)"
