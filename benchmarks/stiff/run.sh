#!/usr/bin/env bash
# Stiff ensembles, odesynth against scipy (SimbaML-like solve_ivp loops), one combined table.
# Builds nothing: give it a built bench_stiff.
#
#   benchmarks/stiff/run.sh --bin PATH [--rounds R] [--n N] [--passes P] [--quick] [--out DIR]
#
# --bin     bench_stiff (CMake: <build>/benchmarks/bench_stiff; by hand: see bench_stiff.cpp);
#           default $BENCH_STIFF, else build/benchmarks/bench_stiff if it exists.
# --rounds  rounds (default 3). A round runs, problem by problem, bench_stiff --only PROBLEM
#           (1000 sets, P passes) and scipy_stiff.py --only PROBLEM (first N sets) back to back,
#           alternating which goes first, so both sides of a ratio are measured within about
#           a minute of each other on this shared machine; every ratio is of times measured
#           in one round, and the table gives the medians over rounds (combine.py).
# --n       parameter sets scipy solves per problem (default 100); odesynth's times are
#           compared on the same sets.
# --passes  bench_stiff's passes per round (default 5).
# --quick   smoke run in seconds: bench_stiff --quick (100 sets, 1 pass), scipy on 5 sets,
#           LSODA at two tolerances, one round.
# --out     where everything goes (default: a new folder under /tmp, kept).
# One thread each side (bench_stiff is serial; numpy's BLAS is held to one thread).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
bin="${BENCH_STIFF:-}"
rounds=3
n=100
passes=5
quick=""
out=""
runs="LSODA:1,LSODA:10,LSODA:100,LSODA:1000,BDF:1"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --n) n="$2"; shift 2 ;;
    --passes) passes="$2"; shift 2 ;;
    --quick) quick="--quick"; rounds=1; n=5; runs="LSODA:1,LSODA:100,BDF:1"; shift ;;
    --out) out="$2"; shift 2 ;;
    *) sed -n '2,24p' "$0" >&2; exit 2 ;;
  esac
done
if [[ -z "$bin" && -x "$root/build/benchmarks/bench_stiff" ]]; then
  bin="$root/build/benchmarks/bench_stiff"
fi
if [[ -z "$bin" || ! -x "$bin" ]]; then
  echo "run.sh: no bench_stiff: build it and pass --bin PATH (or set BENCH_STIFF)" >&2
  exit 2
fi
[[ -n "$out" ]] || out="$(mktemp -d /tmp/odesynth_stiff.XXXXXX)"
mkdir -p "$out"
cores="$(getconf _NPROCESSORS_ONLN)"  # before OMP_NUM_THREADS: nproc honours it
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
problems=(robertson hires orego vdp1000)

{
  echo "bench_stiff: $bin"
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "commit: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), $cores cores"
  echo "python: $(/usr/bin/python3 -c 'import sys, numpy, scipy; print(sys.version.split()[0], "numpy", numpy.__version__, "scipy", scipy.__version__)')"
  echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

cxx() {  # problem, folder
  "$bin" $quick --passes "$passes" --only "$1" --out "$2" > "$2/odesynth.txt"
  cat "$2/odesynth.txt"
}
py() {  # problem, folder, folder with the inputs
  /usr/bin/python3 "$here/scipy_stiff.py" "$3" --only "$1" --n "$n" --runs "$runs" \
    --csv "$2/scipy_results.csv" --times "$2/scipy_times.csv" | tee "$2/scipy.txt"
}

for ((r = 1; r <= rounds; ++r)); do
  echo "== round $r of $rounds ($out/round$r)"
  for p in "${problems[@]}"; do
    d="$out/round$r/$p"
    mkdir -p "$d"
    if ((r % 2 == 1)); then
      cxx "$p" "$d"
      py "$p" "$d" "$d"
    else  # scipy first, on round 1's inputs (bench_stiff writes the same files every run)
      py "$p" "$d" "$out/round1/$p"
      cxx "$p" "$d"
      for f in "$d"/problems.csv "$d"/*_params.csv "$d"/*_grid.csv "$d"/*_reference.csv; do
        cmp -s "$f" "$out/round1/$p/$(basename "$f")" ||
          { echo "run.sh: $p: $(basename "$f") differs between rounds" >&2; exit 1; }
      done
    fi
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"
echo
/usr/bin/python3 "$here/combine.py" "$out" | tee "$out/table.txt"
echo "(files: $out)"
