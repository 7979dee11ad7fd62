#!/bin/sh
# A compiler launcher (CMake's <LANG>_COMPILER_LAUNCHER) for targets that only check that code
# compiles: runs the compile command it is given with -fsyntax-only (g++ and clang++: parsing,
# every template instantiated, the front end's warnings and errors; no code generated), then
# leaves an empty file where the command would have written its object, so the build tool sees
# the step done and an unchanged source is not checked again. The object is never linked.
set -e
out=
previous=
for argument in "$@"; do
  if [ "$previous" = "-o" ]; then out=$argument; fi
  previous=$argument
done
"$@" -fsyntax-only
if [ -n "$out" ]; then : > "$out"; fi
