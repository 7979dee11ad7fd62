// array3 values written out by hand, and read back flat, for the ML tests.
#pragma once

#include <catch2/catch.hpp>
#include <cstddef>
#include <odesynth/ml/array3.hpp>
#include <vector>

namespace test_support {

/// An n x h x f array holding `values` in row-major order (exactly n h f of them).
inline odesynth::array3 array3_of(std::size_t n, std::size_t h, std::size_t f,
                                  const std::vector<double>& values) {
  odesynth::array3 a(n, h, f);
  REQUIRE(values.size() == a.size());
  for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = values[i];
  return a;
}

/// Every element of `a` as a flat list, row-major.
inline std::vector<double> flat(const odesynth::array3& a) {
  return {a.data(), a.data() + a.size()};
}

}  // namespace test_support
