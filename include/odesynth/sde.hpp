// odesynth/sde.hpp - stochastic differential equations: real process noise, not piecewise
// constant forcing.
//
//   dX_i = f_i(X, t; p) dt + g_i(X_i) dW_i,   independent Brownian motions W_i,
//   g_i = sigma_i (additive), sigma_i X_i (multiplicative), sigma_i sqrt(X_i+) (square root,
//   as in chemical Langevin equations), per species.
//
// Schemes (fixed step h = (t_end - t0) / 2^k <= sde_options::dt):
//   euler_maruyama  strong order 1/2 (order 1 when the noise is additive);
//   milstein        strong order 1 for this diagonal noise (adds 1/2 g g' (dW^2 - h)).
// A unit test fits both orders on geometric Brownian motion against its exact solution.
//
// The Brownian paths come from a virtual Brownian tree (Gaines & Lyons, SIAM J. Appl. Math.
// 1997): W at every dyadic time is a fixed function of a key drawn from the trajectory's
// stream, built by Brownian bridges from W(t_end). So the path does not depend on the step
// size: halving dt refines the same path (what the convergence test relies on, and what lets
// users check a dataset against a finer solve).
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "detail/state_ops.hpp"
#include "distributions.hpp"
#include "error.hpp"
#include "model.hpp"
#include "random.hpp"
#include "solve_status.hpp"
#include "time_grid.hpp"
#include "trajectory.hpp"
#include "transforms/per_species.hpp"
#include "value_span.hpp"

namespace odesynth {

/// Brownian motions on [t0, t1] with W(t0) = 0, one per component, defined at every dyadic
/// time t0 + (t1 - t0) k / 2^depth by a key; other times by a bridge inside the finest interval.
/// Sequential queries cost O(1) amortised (one cached node per level).
class brownian_tree {
 public:
  brownian_tree(std::uint64_t key, std::size_t components, double t0, double t1, int depth)
      : key_{static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)},
        t0_(t0),
        t1_(t1),
        depth_(depth),
        h_((t1 - t0) / std::ldexp(1.0, depth)),
        cache_(components, std::vector<node>(static_cast<std::size_t>(depth) + 1)) {
    if (!(t1 > t0) || !std::isfinite(t0) || !std::isfinite(t1))
      detail::throw_invalid("brownian_tree.t1", t1, fmt::format("a finite time > t0 = {}", t0));
    if (depth < 0 || depth > 52)
      detail::throw_invalid("brownian_tree.depth", depth, "a depth in [0, 52]");
    end_.resize(components);
    for (std::size_t c = 0; c < components; ++c)
      end_[c] = std::sqrt(t1 - t0) * normal(0, 0, static_cast<std::uint32_t>(c));
  }

  int depth() const noexcept { return depth_; }
  std::uint64_t intervals() const noexcept { return std::uint64_t{1} << depth_; }
  /// The finest spacing (t1 - t0) / 2^depth.
  double spacing() const noexcept { return h_; }
  double time_of(std::uint64_t k) const noexcept {
    return k == intervals() ? t1_ : t0_ + static_cast<double>(k) * h_;
  }

  /// W_c at the dyadic time of index k in [0, 2^depth].
  double at_index(std::size_t c, std::uint64_t k) {
    if (k == 0) return 0.0;
    const std::uint64_t n = intervals();
    if (k >= n) return end_[c];
    int zeros = 0;
    while (((k >> zeros) & 1u) == 0) ++zeros;
    const int level = depth_ - zeros;  // the level at which k is a midpoint
    const std::uint64_t half = std::uint64_t{1} << zeros;
    const std::uint64_t i = k >> (zeros + 1);  // interval index at that level
    node& cached = cache_[c][static_cast<std::size_t>(level)];
    if (cached.valid && cached.index == i) return cached.value;
    const double wa = at_index(c, k - half), wb = at_index(c, k + half);
    const double span = 2.0 * static_cast<double>(half) * h_;
    const double w =
        0.5 * (wa + wb) + 0.5 * std::sqrt(span) * normal(level, i, static_cast<std::uint32_t>(c));
    cached = {true, i, w};
    return w;
  }

  /// W_c(t) for any t in [t0, t1]: exact on the dyadic grid, a Brownian bridge in between.
  double at(std::size_t c, double t) {
    if (!(t >= t0_ && t <= t1_))
      detail::throw_invalid("brownian_tree.t", t, fmt::format("a time in [{}, {}]", t0_, t1_));
    const double position = (t - t0_) / h_;
    auto k = static_cast<std::uint64_t>(std::floor(position));
    if (k >= intervals()) return end_[c];
    const double ta = time_of(k), tb = time_of(k + 1);
    const double wa = at_index(c, k);
    if (t == ta) return wa;
    const double wb = at_index(c, k + 1);
    const double s = (t - ta) / (tb - ta);
    return wa + s * (wb - wa) +
           std::sqrt((t - ta) * (tb - t) / (tb - ta)) *
               normal(depth_ + 1, k, static_cast<std::uint32_t>(c));
  }

 private:
  struct node {
    bool valid = false;
    std::uint64_t index = 0;
    double value = 0;
  };

  // N(0, 1) for tree node (level, index) of component c: one Philox block, counter-addressed.
  double normal(int level, std::uint64_t index, std::uint32_t c) const noexcept {
    const auto block = philox4x32::generate(
        {static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(index >> 32),
         static_cast<std::uint32_t>(level), c},
        key_);
    const std::uint64_t bits = (std::uint64_t{block[0]} << 32) | block[1];
    return standard_normal_quantile((static_cast<double>(bits >> 12) + 0.5) * 0x1.0p-52);
  }

  philox4x32::key_type key_;
  double t0_, t1_;
  int depth_;
  double h_;
  std::vector<double> end_;
  std::vector<std::vector<node>> cache_;
};

/// The noise g_i(X_i) of one species.
struct diffusion {
  enum class kind {
    none,            ///< g = 0
    additive,        ///< g = sigma
    multiplicative,  ///< g = sigma x
    square_root,     ///< g = sigma sqrt(max(x, 0))
  };
  kind type = kind::additive;
  double sigma = 0;

  double g(double x) const noexcept {
    switch (type) {
      case kind::none: return 0;
      case kind::additive: return sigma;
      case kind::multiplicative: return sigma * x;
      case kind::square_root: return sigma * std::sqrt(x > 0 ? x : 0.0);
    }
    return 0;
  }
  /// 1/2 g g' (the Milstein correction's factor).
  double half_g_dg(double x) const noexcept {
    switch (type) {
      case kind::none:
      case kind::additive: return 0;
      case kind::multiplicative: return 0.5 * sigma * sigma * x;
      case kind::square_root: return x > 0 ? 0.25 * sigma * sigma : 0.0;
    }
    return 0;
  }
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::diffusion> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::diffusion& d, FormatContext& ctx) const {
    constexpr const char* names[] = {"none", "additive", "multiplicative", "square_root"};
    return fmt::format_to(ctx.out(), "{} sigma={}", names[static_cast<int>(d.type)], d.sigma);
  }
};

namespace odesynth {

enum class sde_scheme { euler_maruyama, milstein };

struct sde_options {
  sde_scheme scheme = sde_scheme::milstein;
  /// Largest step. The step used is (t_end - t0) / 2^k for the smallest k that meets it, so
  /// steps fall on the Brownian tree's grid.
  double dt = 1e-3;
  /// Steps allowed per solve (2^k above); more is status max_steps, before any work.
  std::int64_t max_steps = std::int64_t{1} << 24;

  void validate() const {
    if (!(std::isfinite(dt) && dt > 0))
      detail::throw_invalid("sde_options.dt", dt, "a finite step > 0");
    if (max_steps <= 0) detail::throw_invalid("sde_options.max_steps", max_steps, "a count >= 1");
  }
};

/// Solves dX = f dt + g dW for a model (the drift) and per-species diffusions.
template <class Model>
class sde_solver {
 public:
  using traits = model_traits<Model>;
  using state_type = typename traits::state_type;
  using param_type = typename traits::param_type;

  sde_solver(Model model, per_species<diffusion> noise, sde_options options = {})
      : description_(describe(model)), model_(std::move(model)), options_(options) {
    options_.validate();
    noise.validate_values("sde_solver.diffusion", [](const std::string& field, const diffusion& d) {
      if (!(std::isfinite(d.sigma) && d.sigma >= 0))
        detail::throw_invalid(field + ".sigma", d.sigma, "a finite value >= 0");
    });
    noise.check("sde_solver.diffusion", description_->species());
    diffusion_.assign(description_->num_species(), diffusion{diffusion::kind::none, 0});
    noise.for_each(description_->species(),
                   [this](std::size_t j, const diffusion& d) { diffusion_[j] = d; });
    noise_text_ = noise.describe();
    species_ = trajectory::names_ptr(description_, &description_->species());
  }

  const model_description& description() const noexcept { return *description_; }
  const sde_options& options() const noexcept { return options_; }
  std::string describe_noise() const {
    return fmt::format("sde({}, dt={}, diffusion={})",
                       options_.scheme == sde_scheme::milstein ? "milstein" : "euler_maruyama",
                       options_.dt, noise_text_);
  }

  /// One path. The Brownian tree's key is the first 64-bit draw of `s` (use a stream with
  /// stream_purpose::process_noise).
  trajectory solve(value_span parameters, value_span initial_state, const time_grid& grid,
                   random_stream& s) const {
    const std::uint64_t key = s.next_u64();
    return solve_with_key(parameters, initial_state, grid, key);
  }

  /// The number of steps 2^k a solve on `grid` takes.
  std::uint64_t steps_for(const time_grid& grid) const noexcept {
    return std::uint64_t{1} << depth_for(grid);
  }

  /// One path driven by the Brownian tree of `key` (solve() uses s.next_u64()).
  trajectory solve_with_key(value_span parameters, value_span initial_state, const time_grid& grid,
                            std::uint64_t key) const {
    const std::size_t n = description_->num_species();
    check(parameters, description_->parameters(), "parameters", "parameter");
    check(initial_state, description_->species(), "initial_state", "species");

    const auto& times = grid.times();
    trajectory tr(detail::to_eigen(times.data(), times.size()), species_, description_);
    tr.set_parameters(detail::to_eigen(parameters.data(), parameters.size()));
    tr.set_initial_state(detail::to_eigen(initial_state.data(), n));

    param_type p = detail::make_vector<param_type>::of_size(parameters.size());
    for (std::size_t i = 0; i < parameters.size(); ++i) p[i] = parameters[i];
    state_type x = detail::make_vector<state_type>::of_size(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = initial_state[i];

    const double t0 = grid.start(), t1 = grid.back();
    std::size_t row = 0;
    auto write = [&](const state_type& state) {
      for (std::size_t j = 0; j < n; ++j)
        tr.values()(static_cast<Eigen::Index>(row), static_cast<Eigen::Index>(j)) = state[j];
      tr.mask().row(static_cast<Eigen::Index>(row)).setConstant(true);
      ++row;
    };
    while (row < times.size() && times[row] <= t0) write(x);
    if (row == times.size()) return tr;

    const int depth = depth_for(grid);
    if ((std::uint64_t{1} << depth) > static_cast<std::uint64_t>(options_.max_steps)) {
      tr.set_status(solve_status::max_steps,
                    fmt::format("dt = {} on [{}, {}] needs 2^{} steps, more than max_steps = {}",
                                options_.dt, t0, t1, depth, options_.max_steps));
      return tr;
    }
    brownian_tree tree(key, n, t0, t1, depth);
    const std::uint64_t steps = tree.intervals();

    state_type drift = detail::make_vector<state_type>::of_size(n);
    state_type scratch = detail::make_vector<state_type>::of_size(n);
    std::vector<double> w_now(n, 0.0), w_next(n);
    try {
      for (std::uint64_t k = 0; k < steps; ++k) {
        const double t = tree.time_of(k), t_next = tree.time_of(k + 1);
        model_(x, drift, t, p);
        // Output times inside (t, t_next): a partial step from the path's state at t.
        while (row < times.size() && times[row] < t_next) {
          for (std::size_t j = 0; j < n; ++j) w_next[j] = tree.at(j, times[row]);
          advance(x, drift, times[row] - t, w_now, w_next, scratch);
          if (!detail::all_finite(scratch)) {
            fail(tr, row, k, times[row]);
            return tr;
          }
          write(scratch);
        }
        for (std::size_t j = 0; j < n; ++j) w_next[j] = tree.at_index(j, k + 1);
        advance(x, drift, t_next - t, w_now, w_next, scratch);
        std::swap(x, scratch);
        w_now.swap(w_next);
        if (!detail::all_finite(x)) {
          fail(tr, row, k + 1, t_next);
          return tr;
        }
        while (row < times.size() && times[row] <= t_next) write(x);
      }
    } catch (const std::bad_alloc&) {
      throw;
    } catch (const std::exception& e) {
      tr.set_status(solve_status::rhs_threw, fmt::format("the model threw: {}", e.what()));
      clear_from(tr, row);
      return tr;
    }
    tr.set_steps(static_cast<std::int64_t>(steps));
    return tr;
  }

 private:
  int depth_for(const time_grid& grid) const noexcept {
    const double span = grid.back() - grid.start();
    int depth = 0;
    while (depth < 52 && span / std::ldexp(1.0, depth) > options_.dt) ++depth;
    return depth;
  }

  // One step of length h from x with drift f and Brownian increments w1 - w0, into out.
  void advance(const state_type& x, const state_type& f, double h, const std::vector<double>& w0,
               const std::vector<double>& w1, state_type& out) const noexcept {
    const bool milstein = options_.scheme == sde_scheme::milstein;
    for (std::size_t i = 0; i < diffusion_.size(); ++i) {
      const double dw = w1[i] - w0[i];
      const diffusion& d = diffusion_[i];
      double v = x[i] + f[i] * h + d.g(x[i]) * dw;
      if (milstein) v += d.half_g_dg(x[i]) * (dw * dw - h);
      out[i] = v;
    }
  }

  void check(value_span v, const std::vector<std::string>& names, const char* what,
             const char* kind) const {
    const std::string field = fmt::format("{}.{}", description_->name(), what);
    if (v.size() != names.size())
      throw invalid_argument(field, std::to_string(v.size()),
                             fmt::format("{}: got {} values, expected {} (one per {}: {})", field,
                                         v.size(), names.size(), kind, fmt::join(names, ", ")));
    for (std::size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(v[i]))
        detail::throw_invalid(fmt::format("{}[{}] ({})", field, i, names[i]), v[i],
                              "a finite value");
  }

  static void clear_from(trajectory& tr, std::size_t row) {
    const auto kept = static_cast<Eigen::Index>(row);
    tr.values()
        .bottomRows(tr.num_times() - kept)
        .setConstant(std::numeric_limits<double>::quiet_NaN());
    tr.mask().bottomRows(tr.num_times() - kept).setConstant(false);
  }

  static void fail(trajectory& tr, std::size_t row, std::uint64_t step, double t) {
    tr.set_status(solve_status::non_finite,
                  fmt::format("the state became non-finite at t = {} (step {})", t, step));
    tr.set_steps(static_cast<std::int64_t>(step));
    clear_from(tr, row);
  }

  std::shared_ptr<const model_description> description_;
  Model model_;
  sde_options options_;
  std::vector<diffusion> diffusion_;
  std::string noise_text_;
  trajectory::names_ptr species_;
};

}  // namespace odesynth
