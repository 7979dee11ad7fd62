#!/usr/bin/env bash
# Builds the benchmarks (Release) and runs them: 15 repetitions each, interleaved, medians and
# spread reported. Usage: scripts/bench.sh [benchmark-filter-regex]
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh libbenchmark-dev
cmake -S . -B build/bench -DCMAKE_BUILD_TYPE=Release -DODESYNTH_BUILD_BENCHMARKS=ON \
      -DODESYNTH_BUILD_TESTS=OFF -DODESYNTH_BUILD_EXAMPLES=OFF
cmake --build build/bench -j "$(nproc)"
for b in build/bench/benchmarks/bench_*; do
  "$b" --benchmark_repetitions=15 --benchmark_enable_random_interleaving=true \
       --benchmark_report_aggregates_only=true --benchmark_filter="${1:-.}"
done
