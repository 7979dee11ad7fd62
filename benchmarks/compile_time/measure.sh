#!/usr/bin/env bash
# Compile time (issue 8, item 7): how long a user's translation unit takes to compile.
#
#   full.cpp        <odesynth/odesynth.hpp> (every header) and a small generated dataset
#   dataset.cpp     the issue-13 dataset program: the headers it uses (generator, transforms,
#                   dataset) with a sampler, a transform pipeline and the NumPy writer
#   quickstart.cpp  README.md's quick start: <odesynth/solve.hpp> and one solve
#   solve_only.cpp  <odesynth/solve.hpp> and one solve
#   umbrella.cpp    <odesynth/odesynth.hpp> alone, nothing used
#   third_party.cpp the headers from outside odesynth that umbrella.cpp opens (Boost.Odeint,
#                   Eigen, fmt, the standard library) and nothing of odesynth: its floor
# each compiled with `$CXX -O2 -std=c++17 -c` (compile only, no link) 3 times (quick: once),
# one compile at a time. Times are CPU seconds of the compiler (user + sys, from bash's
# `times` around the compile), not wall time, so that other jobs on a shared machine inflate
# them less. Each TU is timed twice: header-only (the default) and as a user of
# odesynth::compiled (-DODESYNTH_COMPILED_LIB: the non-template code in impl/*.ipp is then
# compiled once, in the library, whose one-time cost is printed last). The median is
# printed, with the object's text size and the number of headers the TU opens (from -H) and
# how many of them are Boost's. Outside quick mode, every header under
# include/odesynth (detail/ included) is then compiled alone (`#include <odesynth/X>`,
# -fsyntax-only, once each) and listed from the slowest, so a header that drags in much of
# Boost shows up.
#
# Quick mode (a smoke run for CI) compiles solve_only.cpp once and nothing else.
#
# Usage: benchmarks/compile_time/measure.sh [--quick] [--no-headers]
#        CXX=clang++-14 benchmarks/compile_time/measure.sh
# ODESYNTH_BENCH_QUICK=1 = --quick. Prints "RESULT | ..." rows for benchmarks/run_all.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cxx="${CXX:-g++}"
quick=0
headers=1
[[ -n "${ODESYNTH_BENCH_QUICK:-}" && "${ODESYNTH_BENCH_QUICK}" != "0" ]] && quick=1
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    --no-headers) headers=0 ;;
    *) echo "usage: $0 [--quick] [--no-headers]" >&2; exit 2 ;;
  esac
done
runs=3
tus=(full dataset quickstart solve_only umbrella third_party)
# header-only: the default; compiled: the user's file with ODESYNTH_COMPILED_LIB, as when it
# links odesynth::compiled (include/odesynth/detail/config.hpp)
modes=(header-only compiled)
if [[ $quick == 1 ]]; then runs=1; headers=0; tus=(solve_only); modes=(header-only); fi

work="$(mktemp -d "${TMPDIR:-/tmp}/odesynth-compile-time.XXXXXX")"
trap 'rm -rf "$work"' EXIT
includes=(-I "$root/include" -I /usr/include/eigen3)

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
# CPU seconds (user + sys) of the children this shell has waited for so far. bash's `times`
# prints them on its second line as "1m2.345s 0m0.678s"; it must run in this shell, not in a
# $(...) subshell (a fork starts with no children's time), so cpu_mark saves its output and
# cpu_read parses the saved copy.
cpu_mark() { times >"$work/times.txt"; }
cpu_read() {
  awk 'NR == 2 { s = 0; for (i = 1; i <= 2; ++i) { split($i, p, "m"); s += p[1] * 60 + p[2] }
                 printf "%.3f", s }' "$work/times.txt"
}
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Prints "<headers opened> <of them Boost's>" for a source file and extra flags.
count_headers() {
  local list
  list="$("$cxx" -std=c++17 -fsyntax-only -H "${includes[@]}" "$@" 2>&1 >/dev/null |
          grep -E '^\.+ ' | sed -E 's/^\.+ //' | sort -u)"
  printf '%s %s\n' "$(grep -c . <<<"$list" || true)" "$(grep -c '/boost/' <<<"$list" || true)"
}

echo "compiler: $("$cxx" --version | head -n 1); $runs run(s) per TU, compile only (-c)"
printf '%-30s %10s  %-20s %10s  %s\n' "TU [mode]" "median s" "runs s (CPU)" "text B" "headers"
for tu in "${tus[@]}"; do
  for mode in "${modes[@]}"; do
    flags=()
    [[ $mode == compiled ]] && flags=(-DODESYNTH_COMPILED_LIB)
    cpu=()
    for ((i = 0; i < runs; ++i)); do
      cpu_mark
      a="$(cpu_read)"
      "$cxx" -O2 -std=c++17 "${includes[@]}" "${flags[@]}" -c "$here/$tu.cpp" -o "$work/$tu.o"
      cpu_mark
      b="$(cpu_read)"
      cpu+=("$(elapsed "$a" "$b")")
    done
    med="$(printf '%s\n' "${cpu[@]}" | median)"
    text="$(size "$work/$tu.o" | awk 'NR == 2 { print $1 }')"
    total="?" boost="?"
    [[ $quick == 0 ]] && read -r total boost < <(count_headers "${flags[@]}" "$here/$tu.cpp")
    printf '%-30s %10s  %-20s %10s  %s\n' "$tu.cpp [$mode]" "$med" "$(IFS=,; echo "${cpu[*]}")" \
      "$text" "$total ($boost Boost)"
    echo "RESULT | 7 compile time | $tu.cpp [$mode] ($cxx -O2 -std=c++17 -c, CPU user+sys) | $med s | runs ${cpu[*]}; text $text B; $total headers, $boost Boost |  | "
  done
done

# What the compiled mode costs once: odesynth_compiled's sources (one per .ipp), compiled one
# after the other at -O2 as CMake's Release build does (-O3 there), CPU seconds in total.
if [[ " ${modes[*]} " == *" compiled "* ]]; then
  cpu_mark
  a="$(cpu_read)"
  n=0
  while IFS= read -r impl; do
    rel="${impl#"$root/include/"}"
    printf '#include <%s>\n' "$rel" >"$work/impl.cpp"
    "$cxx" -O2 -std=c++17 "${includes[@]}" -DODESYNTH_COMPILED_LIB -c "$work/impl.cpp" \
      -o "$work/impl.o"
    n=$((n + 1))
  done < <(find "$root/include/odesynth" -name '*.ipp' | sort)
  cpu_mark
  b="$(cpu_read)"
  lib="$(elapsed "$a" "$b")"
  printf '%-30s %10s  (%d .ipp files, once per build of the library)\n' "odesynth_compiled" "$lib" "$n"
  echo "RESULT | 7 compile time | odesynth_compiled library, $n sources ($cxx -O2, CPU user+sys, once) | $lib s | one run |  | "
fi

if [[ $headers == 1 ]]; then
  echo
  echo "Each header alone (-fsyntax-only, one run each), slowest first:"
  results="$work/headers.txt"
  : >"$results"
  while IFS= read -r h; do
    rel="${h#"$root/include/"}"
    printf '#include <%s>\n' "$rel" >"$work/one.cpp"
    a="$(now)"
    "$cxx" -std=c++17 -fsyntax-only "${includes[@]}" "$work/one.cpp"
    b="$(now)"
    read -r total boost < <(count_headers "$work/one.cpp")
    printf '%s %s %s %s\n' "$(elapsed "$a" "$b")" "$rel" "$total" "$boost" >>"$results"
  done < <(find "$root/include/odesynth" -name '*.hpp' | sort)
  sort -rn "$results" | awk '{ printf "  %6.2f s  %-40s %5d headers, %4d Boost\n", $1, $2, $3, $4 }'
  sort -rn "$results" | head -n 5 | awk '{ printf "RESULT | 7 compile time | header alone: %s | %.2f s | %d headers, %d Boost |  | \n", $2, $1, $3, $4 }'
fi
