// Trajectories written out by hand: the rows of a test case as literal values.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>
#include <odesynth/trajectory.hpp>
#include <string>
#include <utility>
#include <vector>

namespace test_support {

/// A missing value in from_rows().
inline constexpr double missing = std::numeric_limits<double>::quiet_NaN();

/// A trajectory of species `names` with times 0, 1, 2, ... and the given rows (one value per
/// species); NaN entries are missing.
inline odesynth::trajectory from_rows(std::vector<std::string> names,
                                      const std::vector<std::vector<double>>& rows) {
  const auto n = static_cast<Eigen::Index>(rows.size());
  odesynth::trajectory tr(Eigen::VectorXd::LinSpaced(n, 0.0, static_cast<double>(n - 1)),
                          std::make_shared<const std::vector<std::string>>(std::move(names)));
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < tr.num_species(); ++j) {
      const double v = rows[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
      if (std::isnan(v)) {
        tr.set_missing(i, j);
      } else {
        tr.values()(i, j) = v;
        tr.mask()(i, j) = true;
      }
    }
  return tr;
}

}  // namespace test_support
