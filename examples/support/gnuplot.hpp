// examples/support/gnuplot.hpp - plots for the examples, drawn by gnuplot (Debian package
// gnuplot-nox) when it is installed; without it the example says so and carries on, since the
// data files are the real output.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace examples {

inline bool have_gnuplot() { return std::system("command -v gnuplot > /dev/null 2>&1") == 0; }

/// Runs a gnuplot script (written next to the plot as <png>.gp, so it can be re-run by hand);
/// returns true if the PNG was written.
inline bool plot(const std::filesystem::path& png, const std::string& script) {
  const std::filesystem::path gp = std::filesystem::path(png).replace_extension(".gp");
  {
    std::ofstream out(gp);
    out << "set terminal pngcairo size 1000,600 noenhanced\n"
        << "set output '" << png.string() << "'\n"
        << script << '\n';
  }
  if (!have_gnuplot()) {
    std::fprintf(stderr,
                 "gnuplot not found: skipped %s (install gnuplot-nox, then run gnuplot %s)\n",
                 png.string().c_str(), gp.string().c_str());
    return false;
  }
  const std::string command = "gnuplot '" + gp.string() + "'";
  if (std::system(command.c_str()) != 0) {
    std::fprintf(stderr, "gnuplot failed on %s\n", gp.string().c_str());
    return false;
  }
  return true;
}

}  // namespace examples
