#!/usr/bin/env bash
# The main job: build odesynth's examples (Release) and generate the demo dataset — 1,000
# noisy, sparsified SIR epidemics with sampled parameters — into out/sir_dataset/, with a plot
# of a few of them in out/sir_dataset.png.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh gnuplot-nox
cmake -S . -B build/demo -DCMAKE_BUILD_TYPE=Release -DODESYNTH_BUILD_TESTS=OFF \
      -DODESYNTH_BUILD_EXAMPLES=ON
cmake --build build/demo --target sir_dataset -j "$(nproc)"
mkdir -p out
build/demo/examples/sir_dataset out/sir_dataset 1000 --overwrite
ls out/sir_dataset | sed -n 1,5p  # sed reads it all: head would end ls with SIGPIPE, fatal under pipefail
# Decoding the per-trajectory statuses in Python: status_names.npy names the codes of status.npy.
if /usr/bin/python3 -c "import numpy" 2>/dev/null; then
  /usr/bin/python3 -c "import collections, numpy as np; d = 'out/sir_dataset/'; \
names = np.load(d + 'status_names.npy')[np.load(d + 'status.npy')]; \
print('statuses:', dict(collections.Counter(names.tolist())))"
fi
echo "dataset: out/sir_dataset/ (metadata.json, values.npy, sir_<i>.csv, ...); plot: out/sir_dataset.png"
