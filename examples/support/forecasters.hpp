// examples/support/forecasters.hpp - two small forecasters for the examples, written with Eigen:
// ridge regression and k nearest neighbours, each mapping an input window
// X [windows, input_length, inputs] to a forecast y [windows, horizon, targets].
//
// They exist so the examples can show what more (or other) training data does to a model that
// learns from data, without pulling in an ML framework. Both see a window as one flat row of
// input_length * inputs numbers (the row-major layout of array3, so no copy is made) and
// predict the flat horizon * targets numbers of its future at once (direct multi-step
// forecasting, no feeding back of predictions).
//
//   ridge_forecaster  a linear map, fitted in closed form: an intercept plus weights W that
//                     minimise sum ||y - x W||^2 + lambda ||W||^2 (intercept not penalised).
//                     Fast and stable; it cannot represent anything nonlinear.
//   knn_forecaster    the mean of the futures of the k training windows closest to the input
//                     (Euclidean distance on the flat rows). Nonlinear and assumption-free, but
//                     only as good as the training windows near the input.
//
// Give both scaled data (odesynth::feature_scaler from ml/scaling.hpp, fitted on the training
// trajectories): then one lambda suits every feature, and species with large numbers do not
// dominate the distances. Inputs and targets must be finite (make windows without
// allow_missing). Misuse throws odesynth::invalid_argument naming the argument.
#pragma once

#include <fmt/format.h>

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <numeric>
#include <odesynth/error.hpp>
#include <odesynth/ml/array3.hpp>
#include <string>
#include <utility>
#include <vector>

namespace examples {

namespace detail {

using row_major = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// An array3 [n, t, s] seen as an n x (t s) matrix, one flat window per row (no copy).
inline Eigen::Map<const row_major> flat(const odesynth::array3& a) {
  return {a.data(), static_cast<Eigen::Index>(a.extent(0)),
          static_cast<Eigen::Index>(a.extent(1) * a.extent(2))};
}

inline void require_finite(const odesynth::array3& a, const std::string& field) {
  const double* p = a.data();
  for (std::size_t m = 0; m < a.size(); ++m)
    if (!std::isfinite(p[m]))
      odesynth::detail::throw_invalid(
          field, p[m],
          fmt::format("finite values in an array of shape {} (make windows without "
                      "allow_missing)",
                      odesynth::detail::shape_text(a.shape())));
}

/// Checks training arrays: matching window counts, at least one window, finite values.
inline void require_training_data(const odesynth::array3& x, const odesynth::array3& y,
                                  const char* who) {
  if (x.extent(0) == 0 || x.extent(1) * x.extent(2) == 0)
    odesynth::detail::throw_invalid(fmt::format("{}.fit X.shape", who),
                                    odesynth::detail::shape_text(x.shape()),
                                    "at least one window with at least one value");
  if (y.extent(0) != x.extent(0) || y.extent(1) * y.extent(2) == 0)
    odesynth::detail::throw_invalid(
        fmt::format("{}.fit y.shape", who), odesynth::detail::shape_text(y.shape()),
        fmt::format("[{}, horizon >= 1, targets >= 1]: one future per window of X", x.extent(0)));
  require_finite(x, fmt::format("{}.fit X", who));
  require_finite(y, fmt::format("{}.fit y", who));
}

/// Checks that X has the window shape the forecaster was fitted on.
inline void require_fitted_shape(const odesynth::array3& x, std::size_t input_length,
                                 std::size_t inputs, const char* who) {
  if (input_length == 0)
    odesynth::detail::throw_invalid(fmt::format("{}.predict", who), "before fit",
                                    "a call to fit() first");
  if (x.extent(1) != input_length || x.extent(2) != inputs)
    odesynth::detail::throw_invalid(
        fmt::format("{}.predict X.shape", who), odesynth::detail::shape_text(x.shape()),
        fmt::format("[windows, {}, {}], the window shape it was fitted on", input_length, inputs));
  require_finite(x, fmt::format("{}.predict X", who));
}

}  // namespace detail

/// Ridge regression from the flat input window to the flat forecast, fitted in closed form.
class ridge_forecaster {
 public:
  /// lambda > 0 is the weight of the penalty lambda ||W||^2 against the sum of squared errors
  /// over all training windows. With standardised inputs X^T X is about n times the feature
  /// covariance for n windows, so lambda = 1 counts like one extra pseudo-window per feature
  /// that pulls the weights towards 0: it keeps the solve well-posed when few windows (or
  /// strongly correlated lags) are available and fades as n grows. It also makes the normal
  /// matrix positive definite, which is why the LDLT (Cholesky) solve is safe.
  explicit ridge_forecaster(double lambda = 1.0) : lambda_(lambda) {
    if (!(lambda_ > 0 && std::isfinite(lambda_)))
      odesynth::detail::throw_invalid("ridge_forecaster.lambda", lambda_, "a finite value > 0");
  }

  double lambda() const noexcept { return lambda_; }

  /// Fits on X [n, input_length, inputs] and y [n, horizon, targets].
  void fit(const odesynth::array3& x, const odesynth::array3& y) {
    detail::require_training_data(x, y, "ridge_forecaster");
    const auto a = detail::flat(x);
    const auto b = detail::flat(y);
    // Centring both sides fits the intercept exactly and leaves it out of the penalty.
    x_mean_ = a.colwise().mean();
    y_mean_ = b.colwise().mean();
    const Eigen::MatrixXd ac = a.rowwise() - x_mean_;
    const Eigen::MatrixXd bc = b.rowwise() - y_mean_;
    Eigen::MatrixXd normal = ac.transpose() * ac;
    normal.diagonal().array() += lambda_;
    const Eigen::LDLT<Eigen::MatrixXd> solver(normal);
    if (solver.info() != Eigen::Success)
      odesynth::detail::throw_invalid("ridge_forecaster.fit X", "a numerically singular system",
                                      "a larger lambda or scaled inputs");
    weights_ = solver.solve(ac.transpose() * bc);
    input_length_ = x.extent(1);
    inputs_ = x.extent(2);
    horizon_ = y.extent(1);
    targets_ = y.extent(2);
  }

  /// Forecasts [n, horizon, targets] for X [n, input_length, inputs].
  odesynth::array3 predict(const odesynth::array3& x) const {
    detail::require_fitted_shape(x, input_length_, inputs_, "ridge_forecaster");
    odesynth::array3 out(x.extent(0), horizon_, targets_);
    Eigen::Map<detail::row_major> result(out.data(), static_cast<Eigen::Index>(x.extent(0)),
                                         static_cast<Eigen::Index>(horizon_ * targets_));
    result = ((detail::flat(x).rowwise() - x_mean_) * weights_).rowwise() + y_mean_;
    return out;
  }

 private:
  double lambda_;
  Eigen::RowVectorXd x_mean_, y_mean_;
  Eigen::MatrixXd weights_;  ///< (input_length inputs) x (horizon targets)
  std::size_t input_length_ = 0, inputs_ = 0, horizon_ = 0, targets_ = 0;
};

/// k nearest neighbours: the mean future of the k training windows closest to the input.
class knn_forecaster {
 public:
  /// k >= 1; with fewer training windows than k, every training window is used.
  explicit knn_forecaster(std::size_t k = 5) : k_(k) {
    if (k_ == 0) odesynth::detail::throw_invalid("knn_forecaster.k", k_, "at least 1");
  }

  std::size_t k() const noexcept { return k_; }

  /// Remembers the training windows X [n, input_length, inputs] and their futures y.
  void fit(const odesynth::array3& x, const odesynth::array3& y) {
    detail::require_training_data(x, y, "knn_forecaster");
    inputs_train_ = detail::flat(x);
    futures_train_ = detail::flat(y);
    squared_norms_ = inputs_train_.rowwise().squaredNorm();
    input_length_ = x.extent(1);
    inputs_ = x.extent(2);
    horizon_ = y.extent(1);
    targets_ = y.extent(2);
  }

  /// Forecasts [n, horizon, targets] for X [n, input_length, inputs].
  odesynth::array3 predict(const odesynth::array3& x) const {
    detail::require_fitted_shape(x, input_length_, inputs_, "knn_forecaster");
    const auto queries = detail::flat(x);
    const Eigen::Index n_train = inputs_train_.rows();
    const auto k = static_cast<Eigen::Index>(std::min<std::size_t>(k_, n_train));
    odesynth::array3 out(x.extent(0), horizon_, targets_);
    Eigen::Map<detail::row_major> result(out.data(), queries.rows(), futures_train_.cols());

    // |q - t|^2 = |q|^2 + |t|^2 - 2 q.t; |q|^2 is the same for every t, so the ranking needs
    // only |t|^2 - 2 q.t: one matrix product per block of queries (blocks bound the memory).
    // Ties are broken by the lower training index, so the result does not depend on the
    // selection algorithm.
    constexpr Eigen::Index block = 256;
    std::vector<Eigen::Index> order(static_cast<std::size_t>(n_train));
    for (Eigen::Index begin = 0; begin < queries.rows(); begin += block) {
      const Eigen::Index rows = std::min(block, queries.rows() - begin);
      const Eigen::MatrixXd scores =
          (-2.0 * queries.middleRows(begin, rows) * inputs_train_.transpose()).rowwise() +
          squared_norms_.transpose();
      for (Eigen::Index q = 0; q < rows; ++q) {
        std::iota(order.begin(), order.end(), Eigen::Index{0});
        const auto closer = [&](Eigen::Index a, Eigen::Index b) {
          const double da = scores(q, a), db = scores(q, b);
          return da < db || (da == db && a < b);
        };
        std::nth_element(order.begin(), order.begin() + (k - 1), order.end(), closer);
        Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(futures_train_.cols());
        for (Eigen::Index j = 0; j < k; ++j)
          sum += futures_train_.row(order[static_cast<std::size_t>(j)]);
        result.row(begin + q) = sum / static_cast<double>(k);
      }
    }
    return out;
  }

 private:
  std::size_t k_;
  detail::row_major inputs_train_, futures_train_;
  Eigen::VectorXd squared_norms_;
  std::size_t input_length_ = 0, inputs_ = 0, horizon_ = 0, targets_ = 0;
};

}  // namespace examples
