#!/usr/bin/env bash
# Checks the formatting, then builds and passes every test, in these configurations:
#   format         every tracked C++ file as clang-format-14 formats it (scripts/format.sh --check)
#   gcc-cxx17      g++, C++17, -Werror, tests and examples at -O1, the benchmark programs checked
#                  to compile (-fsyntax-only: scripts/bench.sh builds and runs them), header-only,
#                  header self-containment (header-only mode, -fsyntax-only),
#                  packaging tests, examples built and run, and the optional components with
#                  their tests: odesynth::sbml, odesynth-generate, the Python module, odesynth::cvode,
#                  odesynth::mpi (its tests on 1, 2 and 3 ranks), and the batch_solver tests
#                  again built for x86-64-v3 (AVX2: four-lane SIMD chunks) where the CPU has it
#   clang-cxx20    clang++-14, C++20, -Werror, AddressSanitizer + UndefinedBehaviorSanitizer
#                  (-O1 -gline-tables-only), the tests linked to odesynth::compiled (detail/config.hpp): the
#                  second standard, the sanitizers and the compiled mode in one build, to keep
#                  CI short; with odesynth::sbml (a reader of users' files); odesynth-generate and
#                  the Python module only in gcc-cxx17 (time; python3 would need the sanitizer
#                  runtime preloaded)
#   clang-tsan     clang++-14, ThreadSanitizer, the parallel generator and sampler tests
#   fuzz           clang++-14 libFuzzer + ASan + UBSan on the CSV reader, 30 s from the seeds
#   gcc-sanitize   g++, C++17, ASan + UBSan (-O1 -g); not in the default set (clang-cxx20 has
#                  the sanitizers), kept for checking gcc's sanitizers by hand
# Usage: scripts/test.sh [configuration...]   (default: format gcc-cxx17 clang-cxx20 clang-tsan fuzz)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh catch2 clang-14 clang-format-14 git libclang-rt-14-dev gnuplot-nox libbenchmark-dev python3 python3-numpy \
    libsbml5-dev libcli11-dev libtomlplusplus-dev pybind11-dev python3-dev python3-sklearn \
    libsundials-dev libopenmpi-dev openmpi-bin
jobs="$(nproc)"
configs=("$@")
if ((${#configs[@]} == 0)); then
  configs=(format gcc-cxx17 clang-cxx20 clang-tsan fuzz)
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
    format)
      echo "=== format ==="
      scripts/format.sh --check ;;
    gcc-cxx17)
      # The checks at -O1 and the benchmarks only checked to compile: most of this
      # configuration's time is compiling; Release's -O3 is for scripts/bench.sh.
      run gcc-cxx17 -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_STANDARD=17 \
          -DCMAKE_BUILD_TYPE=Release -DODESYNTH_WERROR=ON -DODESYNTH_BUILD_BENCHMARKS=ON \
          -DODESYNTH_CHECK_FLAGS=-O1 -DODESYNTH_BENCHMARKS_SYNTAX_ONLY=ON -DODESYNTH_TEST_X86_64_V3=ON \
          -DODESYNTH_SBML=ON -DODESYNTH_CLI=ON -DODESYNTH_PYTHON=ON -DODESYNTH_CVODE=ON -DODESYNTH_MPI=ON ;;
    clang-cxx20)
      # Line tables only: sanitizer reports keep file:line, the build skips full debug info.
      run clang-cxx20 -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_STANDARD=20 \
          -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" -DODESYNTH_WERROR=ON \
          -DODESYNTH_SANITIZERS=address,undefined -DODESYNTH_HEADER_CHECK=OFF \
          -DODESYNTH_PACKAGE_TESTS=OFF -DODESYNTH_BUILD_EXAMPLES=OFF -DODESYNTH_TEST_COMPILED=ON \
          -DODESYNTH_SBML=ON ;;
    gcc-sanitize)
      run gcc-sanitize -DCMAKE_CXX_COMPILER=g++ -DCMAKE_CXX_STANDARD=17 \
          -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
          -DODESYNTH_SANITIZERS=address,undefined -DODESYNTH_HEADER_CHECK=OFF \
          -DODESYNTH_PACKAGE_TESTS=OFF -DODESYNTH_BUILD_EXAMPLES=OFF ;;
    clang-tsan)
      run clang-tsan -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_CXX_STANDARD=17 \
          -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g" \
          -DODESYNTH_SANITIZERS=thread -DODESYNTH_HEADER_CHECK=OFF -DODESYNTH_PACKAGE_TESTS=OFF \
          -DODESYNTH_BUILD_EXAMPLES=OFF -DODESYNTH_SNIPPETS=OFF \
          "-DODESYNTH_UNIT_TESTS=test_generator.cpp;test_sampler.cpp" ;;
    fuzz)
      echo "=== fuzz ==="
      start=$SECONDS
      cmake -S . -B build/fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug \
          -DODESYNTH_FUZZ=ON -DODESYNTH_BUILD_TESTS=ON "-DODESYNTH_UNIT_TESTS=test_csv_reader.cpp" \
          -DODESYNTH_HEADER_CHECK=OFF -DODESYNTH_PACKAGE_TESTS=OFF -DODESYNTH_BUILD_EXAMPLES=OFF \
          -DODESYNTH_SNIPPETS=OFF
      cmake --build build/fuzz --target fuzz_csv_reader -j "${jobs}"
      rm -rf build/fuzz/corpus && cp -r tests/fuzz/corpus/csv_reader build/fuzz/corpus
      # Fails on any crash, sanitizer report, timeout (1 s per input) or out-of-memory.
      ASAN_OPTIONS=quarantine_size_mb=64 build/fuzz/tests/fuzz_csv_reader -max_total_time=30 \
          -timeout=1 -rss_limit_mb=512 -print_final_stats=1 build/fuzz/corpus
      echo "=== fuzz: passed in $((SECONDS - start)) s ===" ;;
    *)
      echo "unknown configuration: $c (format, gcc-cxx17, clang-cxx20, gcc-sanitize, clang-tsan, fuzz)" >&2
      exit 2 ;;
  esac
done
echo "all configurations passed: ${configs[*]}"
