// odesynth/trajectory.hpp - one time series: what was solved, what was observed, how it went.
//
// A trajectory carries
//   times          the output times (length T)
//   values         T x S, row-major (one row per time, as in a CSV file or a [T, S] tensor)
//   mask           T x S booleans: true where a value was observed
//   species        the S column names (shared between trajectories, not copied)
//   parameters     the parameter values the model was solved with
//   initial_state  the state at the start time, one value per model species
//   status/message how the solve ended (solve_status.hpp)
//   steps          accepted integration steps the solve took (0 for data not solved here)
//   methods        where stepper_kind::auto_switch changed method (empty: it never did, or
//                  another stepper ran)
//
// Invariant: a value is missing exactly when it is NaN, and then its mask entry is false.
// Use set_missing() to keep the two in step; consistent() checks it.
//
// Moving a trajectory moves its buffers; names are shared_ptr'd, so copying one copies
// numbers only.
#pragma once

#include <fmt/format.h>

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/text.hpp"
#include "model.hpp"
#include "solve_status.hpp"
#include "stepper_set.hpp"

namespace odesynth {

namespace detail {
/// Selects trajectory's constructor that leaves values and mask unfilled.
struct unfilled_t {
  explicit unfilled_t() = default;
};
inline constexpr unfilled_t unfilled{};
}  // namespace detail

class trajectory {
 public:
  using matrix_type = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using mask_type = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using names_ptr = std::shared_ptr<const std::vector<std::string>>;

  trajectory() = default;

  /// A trajectory with every value missing (NaN, mask false), status ok.
  /// `model` may be null (e.g. for measured data not produced by a model).
  trajectory(Eigen::VectorXd times, names_ptr species,
             std::shared_ptr<const model_description> model = nullptr)
      : times_(std::move(times)), species_(std::move(species)), model_(std::move(model)) {
    if (!species_) species_ = no_species();
    const auto rows = times_.size();
    const auto cols = static_cast<Eigen::Index>(species_->size());
    values_.setConstant(rows, cols, std::numeric_limits<double>::quiet_NaN());
    mask_.setConstant(rows, cols, false);
  }

  /// Buffers sized but not filled, for a producer that writes every value and mask entry
  /// itself (the solver: filling 10^4 values with NaN first cost 2% of a 100-species solve).
  trajectory(detail::unfilled_t, Eigen::VectorXd times, names_ptr species,
             std::shared_ptr<const model_description> model)
      : times_(std::move(times)), species_(std::move(species)), model_(std::move(model)) {
    values_.resize(times_.size(), static_cast<Eigen::Index>(species_->size()));
    mask_.resize(times_.size(), static_cast<Eigen::Index>(species_->size()));
  }

  /// Makes this what the unfilled constructor makes (times copied, values and mask sized but
  /// not filled, status ok, no message, steps or methods), keeping its memory where the sizes
  /// allow: for a producer that makes trajectory after trajectory into one object (the
  /// solver's solve_into, the generator on one thread). Parameters and initial state are
  /// left as they are, for the producer to assign (assign_parameters, assign_initial_state).
  void reset(detail::unfilled_t, const double* times, std::size_t count, names_ptr species,
             std::shared_ptr<const model_description> model) {
    species_ = species ? std::move(species) : no_species();
    model_ = std::move(model);
    const auto rows = static_cast<Eigen::Index>(count);
    const auto cols = static_cast<Eigen::Index>(species_->size());
    if (rows != times_.size()) take_spare_buffers(rows, cols);
    times_.resize(rows);
    if (count > 0) std::copy(times, times + count, times_.data());
    values_.resize(rows, cols);
    mask_.resize(rows, cols);
    status_ = solve_status::ok;
    message_.clear();
    steps_ = 0;
    methods_.clear();
  }
  /// set_parameters / set_initial_state from n values, keeping the memory when n is the same.
  void assign_parameters(const double* p, std::size_t n) { assign(parameters_, p, n); }
  void assign_initial_state(const double* x, std::size_t n) { assign(initial_state_, x, n); }

  Eigen::Index num_times() const noexcept { return times_.size(); }
  Eigen::Index num_species() const noexcept { return values_.cols(); }

  const Eigen::VectorXd& times() const noexcept { return times_; }
  Eigen::VectorXd& times() noexcept { return times_; }
  const matrix_type& values() const noexcept { return values_; }
  matrix_type& values() noexcept { return values_; }
  const mask_type& mask() const noexcept { return mask_; }
  mask_type& mask() noexcept { return mask_; }

  /// Column names, in column order.
  const std::vector<std::string>& species() const noexcept { return *species_; }
  const names_ptr& species_ptr() const noexcept { return species_; }
  /// Replaces the column names (e.g. after hiding species); their count must equal the
  /// number of columns when the trajectory is next read.
  void set_species(names_ptr species) { species_ = std::move(species); }

  /// The model that produced this trajectory, or null.
  const model_description* model() const noexcept { return model_.get(); }
  const std::shared_ptr<const model_description>& model_ptr() const noexcept { return model_; }

  const Eigen::VectorXd& parameters() const noexcept { return parameters_; }
  void set_parameters(Eigen::VectorXd p) { parameters_ = std::move(p); }
  const Eigen::VectorXd& initial_state() const noexcept { return initial_state_; }
  void set_initial_state(Eigen::VectorXd x0) { initial_state_ = std::move(x0); }

  solve_status status() const noexcept { return status_; }
  const std::string& message() const noexcept { return message_; }
  bool ok() const noexcept { return status_ == solve_status::ok; }
  void set_status(solve_status s, std::string message = {}) {
    status_ = s;
    message_ = std::move(message);
  }

  /// Accepted integration steps taken by the solve.
  std::int64_t steps() const noexcept { return steps_; }
  void set_steps(std::int64_t n) noexcept { steps_ = n; }

  /// The methods stepper_kind::auto_switch ran, in order, each with the time it took over:
  /// {{0, dopri5}, {0.31, rosenbrock4}} for a solve that turned stiff at t = 0.31. Empty when
  /// the solve ran one method throughout (auto_switch that never switched: dopri5).
  const std::vector<method_interval>& methods() const noexcept { return methods_; }
  void set_methods(std::vector<method_interval> m) { methods_ = std::move(m); }

  /// Marks one entry missing: NaN value, false mask.
  void set_missing(Eigen::Index row, Eigen::Index col) noexcept {
    values_(row, col) = std::numeric_limits<double>::quiet_NaN();
    mask_(row, col) = false;
  }

  /// Keeps only the rows at `rows` (strictly increasing indices), in that order: what
  /// sparsifiers use to drop time points. Small trajectories swap their buffers with spare
  /// ones of the new size kept per thread, and reset() swaps them back (see spare_buffers):
  /// a producer that solves, drops rows and solves again into one object then allocates
  /// nothing after the first few rounds.
  void keep_rows(const std::vector<Eigen::Index>& rows) { keep_rows(rows.data(), rows.size()); }
  /// The same for rows[0..count).
  void keep_rows(const Eigen::Index* rows, std::size_t count);

  /// Keeps only the columns at `columns` (any order, no repeats), renamed to `names`.
  void keep_columns(const std::vector<Eigen::Index>& columns, names_ptr names);

  /// Appends a column (missing where `column` is NaN) and renames the columns to `names`,
  /// whose last entry names the new column.
  void append_column(const Eigen::VectorXd& column, names_ptr names);

  /// Index of a column by name.
  std::optional<Eigen::Index> species_index(std::string_view name) const;

  /// True when the shapes agree and every entry is NaN exactly where its mask is false.
  bool consistent() const noexcept;

 private:
  /// Buffers of the rows of a trajectory that dropped rows or was reset to another row
  /// count, for the next trajectory on this thread that needs that size: a few sets per
  /// thread, each at most max_bytes, so that the memory kept is small and bounded.
  struct spare_buffers {
    /// Enough for the generator's lanes (eight with AVX: each lane's trajectory parks its full
    /// buffers here while it holds the sparsified ones) and more; with 4, eight lanes cycled
    /// through the sets and reallocated three buffers per trajectory (bench_throughput).
    static constexpr std::size_t sets = 16;
    static constexpr std::size_t max_bytes = 32 * 1024;
    struct set {
      Eigen::VectorXd times;
      matrix_type values;
      mask_type mask;
      bool has_shape(Eigen::Index rows, Eigen::Index cols) const noexcept;
    };
    std::array<set, sets> held;
    std::size_t next = 0;  ///< the set to reuse when none has the size asked for
  };
  static spare_buffers& spare() {
    static thread_local spare_buffers buffers;
    return buffers;
  }
  static bool small(Eigen::Index rows, Eigen::Index cols) noexcept {
    const auto r = static_cast<std::size_t>(rows), c = static_cast<std::size_t>(cols);
    return r * (sizeof(double) + c * (sizeof(double) + sizeof(bool))) <= spare_buffers::max_bytes;
  }
  /// Times, values and mask have the same rows, values and mask the same columns.
  bool shapes_agree() const noexcept {
    return values_.rows() == times_.size() && mask_.rows() == times_.size() &&
           mask_.cols() == values_.cols();
  }
  /// Swaps the three buffers with a spare set of rows x cols, if one is held and both sizes
  /// are small; true if it did.
  bool take_spare_buffers(Eigen::Index rows, Eigen::Index cols);

  Eigen::VectorXd times_;
  matrix_type values_;
  mask_type mask_;
  static void assign(Eigen::VectorXd& to, const double* from, std::size_t n) {
    to.resize(static_cast<Eigen::Index>(n));
    if (n > 0) std::copy(from, from + n, to.data());
  }

  /// No columns: one shared empty list, so a default-constructed trajectory (the generator
  /// makes one per trajectory before the solver's result is moved in) allocates nothing.
  static const names_ptr& no_species() {
    static const names_ptr none = std::make_shared<const std::vector<std::string>>();
    return none;
  }
  names_ptr species_ = no_species();
  std::shared_ptr<const model_description> model_;
  Eigen::VectorXd parameters_;
  Eigen::VectorXd initial_state_;
  solve_status status_ = solve_status::ok;
  std::string message_;
  std::int64_t steps_ = 0;
  std::vector<method_interval> methods_;
};

/// Throws solver_error (with the status and message) unless the solve succeeded.
ODESYNTH_INLINE const trajectory& require_ok(const trajectory& tr);

namespace detail {
/// The text of fmt::formatter<trajectory>.
ODESYNTH_INLINE std::string trajectory_text(const trajectory& tr);
}  // namespace detail

}  // namespace odesynth

/// "trajectory(lotka_volterra: 100 times x 2 species [prey, predator], status ok)"
template <>
struct fmt::formatter<odesynth::trajectory> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::trajectory& tr, FormatContext& ctx) const {
    // Built by a function compiled once (see detail/text.hpp: format_to(ctx.out()) compiles
    // fmt's engine in every file that prints a trajectory).
    const std::string text = odesynth::detail::trajectory_text(tr);
    return odesynth::detail::copy_text(text, ctx);
  }
};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/trajectory.ipp"
#endif
