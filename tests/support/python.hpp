// The Python interpreter the tests use to check files with numpy. Debian's /usr/bin/python3
// (with python3-numpy, installed by scripts/test.sh) is preferred over whatever `python3` is
// first on PATH, which on developer machines is often a pyenv or venv without numpy. CMake may
// override the choice with -DODESYNTH_TEST_PYTHON=... .
#pragma once

#include <filesystem>
#include <string>

namespace test_support {

inline std::string python3() {
#ifdef ODESYNTH_TEST_PYTHON
  return ODESYNTH_TEST_PYTHON;
#else
  std::error_code ec;
  if (std::filesystem::exists("/usr/bin/python3", ec)) return "/usr/bin/python3";
  return "python3";
#endif
}

}  // namespace test_support
