#!/usr/bin/env bash
# The whole benchmark suite (issue 8): builds the benchmarks in Release, runs every program
# one after the other, keeps each one's full output, and prints one table of results
# (medians with their spread, targets, met/MISSED) followed by the machine's state.
#
#   bench_generator   odesynth's generator against hand-written Boost.Odeint (LV, chain)
#   bench_solve       one solve against hand-written Boost.Odeint
#   bench_scaling     cost against n, output times, species
#   bench_transforms  the realism pipeline against the solve
#   bench_threads     2 threads against 1, bit-identical datasets
#   bench_memory      peak RSS of 10^4 against 10^6 streamed trajectories (fresh processes)
#   bench_writers     NumPy / CSV writers against a raw write + fsync of the same bytes
#   bench_equations   models from text (equations.hpp) against the same models in C++
#   bench_throughput  named workloads (SimbaML's LV, SIR, Robertson) stage by stage
#   bench_solve_x86_64_v3, bench_throughput_x86_64_v3
#                     the same two built for x86-64-v3 (AVX2: batch_solver on four lanes per
#                     instruction), where the CPU has AVX2 and FMA; rows marked "(AVX2 build)"
#   compile_time      compile time of a user's TU (benchmarks/compile_time/measure.sh)
#
# Every ratio comes from one run of one program (both sides interleaved in that run). Run it
# on an idle machine: the table ends with the load average before and after, and a busy
# machine shows up as large CVs.
#
# Usage: benchmarks/run_all.sh [--quick] [--only REGEX] [--filter REGEX] [--build-dir DIR]
#                              [--jobs N] [--no-build]
#   --quick       every program in quick mode (seconds each; also ODESYNTH_BENCH_QUICK=1)
#   --only        run only the programs whose name matches REGEX (e.g. 'generator|threads')
#   --filter      passed as --benchmark_filter to the Google Benchmark programs; the others
#                 (bench_memory, compile_time) are then skipped unless --only names them
#   --build-dir   default build/bench (ODESYNTH_BENCH_BUILD_DIR)
#   --jobs        parallel compile jobs, default 2
#   --no-build    use the binaries already in the build folder
# Results: <build-dir>/results/<date-time>/<program>.txt and summary.txt.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${ODESYNTH_BENCH_BUILD_DIR:-$root/build/bench}"
jobs=2
quick=0
only=""
filter=""
do_build=1
[[ -n "${ODESYNTH_BENCH_QUICK:-}" && "${ODESYNTH_BENCH_QUICK}" != "0" ]] && quick=1
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --only) only="$2"; shift ;;
    --filter) filter="$2"; shift ;;
    --build-dir) build="$2"; shift ;;
    --jobs) jobs="$2"; shift ;;
    --no-build) do_build=0 ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "run_all.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$build" = /* ]] || build="$PWD/$build"

if [[ $do_build == 1 ]]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DODESYNTH_BUILD_BENCHMARKS=ON \
        -DODESYNTH_BUILD_TESTS=OFF -DODESYNTH_BUILD_EXAMPLES=OFF -DODESYNTH_HEADER_CHECK=OFF \
        -DODESYNTH_PACKAGE_TESTS=OFF >/dev/null
  cmake --build "$build" -j "$jobs"
fi
bin="$build/benchmarks"
out="$build/results/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
load_before="$(cut -d' ' -f1-3 /proc/loadavg)"

programs=(bench_generator bench_solve bench_scaling bench_transforms bench_threads bench_memory
          bench_writers bench_equations bench_throughput bench_solve_x86_64_v3
          bench_throughput_x86_64_v3 compile_time)
google_benchmark=" bench_generator bench_solve bench_scaling bench_transforms bench_threads bench_writers bench_equations bench_throughput bench_solve_x86_64_v3 bench_throughput_x86_64_v3 "
# The x86-64-v3 builds (benchmarks/CMakeLists.txt) run where the CPU has AVX2 and FMA.
has_x86_64_v3=0
if grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo; then has_x86_64_v3=1; fi
failed=()
for p in "${programs[@]}"; do
  if [[ -n "$only" ]]; then
    [[ "$p" =~ $only ]] || continue
  elif [[ -n "$filter" && "$google_benchmark" != *" $p "* ]]; then
    continue
  fi
  if [[ "$p" == *_x86_64_v3 && ( $has_x86_64_v3 == 0 || ! -x "$bin/$p" ) ]]; then
    echo "=== $p: skipped (no AVX2/FMA here, or not built) ==="
    continue
  fi
  args=()
  case "$p" in
    compile_time)
      cmd=("$root/benchmarks/compile_time/measure.sh")
      [[ $quick == 1 ]] && args+=(--quick) ;;
    bench_solve | bench_solve_x86_64_v3)  # plain BENCHMARK_MAIN: no --quick of its own
      cmd=("$bin/$p" --benchmark_enable_random_interleaving=true
           --benchmark_display_aggregates_only=true
           "--benchmark_out=$out/$p.json" --benchmark_out_format=json)
      if [[ $quick == 1 ]]; then
        args+=(--benchmark_repetitions=3 --benchmark_min_time=0.01)
      else
        args+=(--benchmark_repetitions=15)
      fi ;;
    *)
      cmd=("$bin/$p")
      [[ $quick == 1 ]] && args+=(--quick) ;;
  esac
  [[ -n "$filter" && "$google_benchmark" == *" $p "* ]] && args+=("--benchmark_filter=$filter")
  echo "=== $p ${args[*]} ==="
  start=$SECONDS
  if ! "${cmd[@]}" "${args[@]}" >"$out/$p.txt" 2>&1; then
    failed+=("$p")
    echo "    FAILED (see $out/$p.txt)"
  fi
  echo "    $((SECONDS - start)) s"
done

# bench_solve prints no RESULT rows of its own: its ratio of medians, from its JSON output.
for solve in bench_solve bench_solve_x86_64_v3; do
  if [[ -s "$out/$solve.json" ]] && command -v python3 >/dev/null; then
  python3 - "$out/$solve.json" "$solve" >>"$out/$solve.txt" <<'EOF'
import json, sys
runs = json.load(open(sys.argv[1]))["benchmarks"]
build = " (AVX2 build)" if sys.argv[2].endswith("x86_64_v3") else ""  # as harness::result
agg = {(r["run_name"], r["aggregate_name"]): r for r in runs if r.get("run_type") == "aggregate"}
def get(name, what):
    r = agg.get((name, what))
    return None if r is None else r["real_time"]
h, o = get("handwritten_odeint", "median"), get("odesynth_solver", "median")
if h and o:
    hc, oc = get("handwritten_odeint", "cv"), get("odesynth_solver", "cv")
    unit = next(r["time_unit"] for r in runs if r["run_name"] == "handwritten_odeint")
    print(f"RESULT | 1 solve | hand-written odeint vs solver::solve{build}, per 1,000 solves | "
          f"{h:.2f} vs {o:.2f} {unit} | CV {100 * hc:.1f}% / {100 * oc:.1f}% |  | ")
    r = o / h
    print(f"RESULT | 1 solve | ratio solver::solve / hand-written{build} | {r:.3f} | "
          f"CV {100 * oc:.1f}% / {100 * hc:.1f}% | <= 1.10 | {'met' if r <= 1.10 else 'MISSED'}")
# batch_solver (issue 16 item 4): speed-up over the hand-written loop, per workload and width.
for workload in ("lv_simbaml", "sir"):
    h = get(f"batch_handwritten/{workload}", "median")
    if not h:
        continue
    for name, label in (("batch_scalar_solver", "scalar solver"), ("batch_lanes_2", "W = 2"),
                        ("batch_lanes_4", "W = 4"), ("batch_lanes_8", "W = 8")):
        t = get(f"{name}/{workload}", "median")
        if not t:
            continue
        cv = get(f"{name}/{workload}", "cv")
        target, verdict = ("", "")
        if name.startswith("batch_lanes"):
            target, verdict = (">= 2x", "met" if h / t >= 2 else "MISSED")
        print(f"RESULT | 10 batch | {workload}: hand-written / {label} (speed-up){build}, 1,000 solves | "
              f"{h / t:.2f}x ({t:.2f} vs {h:.2f} ms) | CV {100 * cv:.1f}% | {target} | {verdict}")
EOF
  fi
done
load_after="$(cut -d' ' -f1-3 /proc/loadavg)"

{
  echo "odesynth benchmark suite, $(date '+%Y-%m-%d %H:%M'), $([[ $quick == 1 ]] && echo quick || echo full) mode"
  echo
  for p in "${programs[@]}"; do
    # Programs not run (--only, --filter) have no file; a program may print no rows: neither
    # may end the script under pipefail.
    if [[ -f "$out/$p.txt" ]]; then
      grep -h 'RESULT |' "$out/$p.txt" | sed 's/^.*RESULT | //' || true
    fi
  done |
    awk -F' [|] ' 'BEGIN { OFS = " | " }
      { for (i = 1; i <= 6; ++i) { gsub(/^ +| +$/, "", $i); if ($i == "") $i = "-" } }
      { rows[NR] = $1 OFS $2 OFS $3 OFS $4 OFS $5 OFS $6 }
      END { print "section | measure | value (median) | spread | target | verdict";
            print "---|---|---|---|---|---";
            for (i = 1; i <= NR; ++i) print rows[i] }'
  echo
  cpu="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n 1)"
  echo "machine: $(nproc) hardware threads, ${cpu:-unknown CPU}; $(g++ --version | head -n 1)"
  echo "load average (1, 5, 15 min): before $load_before, after $load_after"
  ((${#failed[@]})) && echo "FAILED: ${failed[*]}"
  echo "full outputs: $out"
} | tee "$out/summary.txt"
((${#failed[@]} == 0))
