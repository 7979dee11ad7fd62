#!/usr/bin/env bash
# The main job: build odesynth's examples (Release) and generate the demo dataset, with a
# plot, into ./out.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh gnuplot-nox
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DODESYNTH_BUILD_TESTS=OFF \
      -DODESYNTH_BUILD_EXAMPLES=ON
cmake --build build/demo --target lotka_volterra -j "$(nproc)"
mkdir -p out
build/demo/examples/lotka_volterra out/lotka_volterra.csv

gnuplot <<'GP'
set datafile separator ","
set terminal pngcairo size 900,500 noenhanced
set output "out/lotka_volterra.png"
set title "odesynth: Lotka-Volterra (dopri5, rtol 1e-8)"
set xlabel "time"
set ylabel "population"
set key outside right
plot "out/lotka_volterra.csv" using 1:2 with lines lw 2 title columnheader(2), \
     "" using 1:3 with lines lw 2 title columnheader(3)
GP
echo "wrote out/lotka_volterra.png"
