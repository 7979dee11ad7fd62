// Compile-time probe (issue 13): the umbrella header alone, nothing used: the price of
// `#include <odesynth/odesynth.hpp>` before any code. Timed by measure.sh.
#include <odesynth/odesynth.hpp>

int main() { return 0; }
