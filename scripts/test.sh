#!/usr/bin/env bash
# Builds and passes every test, in three configurations:
#   gcc-cxx17      g++, C++17, -Werror, header self-containment, packaging tests, examples,
#                  benchmarks built (not run: speed is measured by scripts/bench.sh)
#   clang-cxx20    clang++-14, C++20, -Werror
#   gcc-sanitize   g++, C++17, AddressSanitizer + UndefinedBehaviorSanitizer (-O1 -g)
# Usage: scripts/test.sh [configuration...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh catch2 clang-14 libclang-rt-14-dev gnuplot-nox libbenchmark-dev python3 python3-numpy
jobs="$(nproc)"
configs=("$@")
if ((${#configs[@]} == 0)); then
  configs=(gcc-cxx17 clang-cxx20 gcc-sanitize)
fi

run() {
  local name="$1"
  shift
  echo "=== ${name} ==="
  local start=$SECONDS
  cmake -S . -B "build/${name}" "$@"
  cmake --build "build/${name}" -j "${jobs}"
  ctest --test-dir "build/${name}" --output-on-failure -j "${jobs}"
  echo "=== ${name}: passed in $((SECONDS - start)) s ==="
}

for c in "${configs[@]}"; do
  case "$c" in
    gcc-cxx17)
      run gcc-cxx17 -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_STANDARD=17 \
          -DCMAKE_BUILD_TYPE=Release -DODESYNTH_WERROR=ON -DODESYNTH_BUILD_BENCHMARKS=ON ;;
    clang-cxx20)
      run clang-cxx20 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_STANDARD=20 \
          -DCMAKE_BUILD_TYPE=Release -DODESYNTH_WERROR=ON -DODESYNTH_HEADER_CHECK=OFF \
          -DODESYNTH_PACKAGE_TESTS=OFF ;;
    gcc-sanitize)
      run gcc-sanitize -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_STANDARD=17 \
          -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
          -DODESYNTH_SANITIZERS=address,undefined -DODESYNTH_HEADER_CHECK=OFF \
          -DODESYNTH_PACKAGE_TESTS=OFF ;;
    *)
      echo "unknown configuration: $c (gcc-cxx17, clang-cxx20, gcc-sanitize)" >&2
      exit 2 ;;
  esac
done
echo "all configurations passed: ${configs[*]}"
