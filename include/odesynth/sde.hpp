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
// 1997): W at every time is a fixed function of a key drawn from the trajectory's stream,
// built by Brownian bridges from W(t_end). So the path does not depend on the step size:
// halving dt refines the same path (what the convergence test relies on, and what lets users
// check a dataset against a finer solve), and output times between steps get true Brownian
// increments however finely they are spaced.
#pragma once

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "detail/config.hpp"
#include "detail/enum_names.hpp"
#include "detail/solve_input.hpp"
#include "detail/state_ops.hpp"
#include "detail/time_budget.hpp"
#include "distributions.hpp"
#include "error.hpp"
#include "model.hpp"
#include "per_species.hpp"
#include "random.hpp"
#include "solve_status.hpp"
#include "time_grid.hpp"
#include "trajectory.hpp"
#include "value_span.hpp"

namespace odesynth {

/// Brownian motions on [t0, t1] with W(t0) = 0, one per component: a virtual Brownian tree.
/// W(t1) is a normal draw; every other point is reached by bisection, each new point a Brownian
/// bridge sample between the ends of its interval, with a normal keyed by the point:
///  - dyadic levels first: the midpoint of interval i of level L, t0 + (t1 - t0)(2i + 1) /
///    2^(L+1), has the normal keyed (L + 1, i); down to level 62, or until the rounded midpoint
///    is no longer strictly between the rounded ends;
///  - then, inside that last dyadic interval, bisection over the doubles themselves (the middle
///    one in the doubles' order), each normal keyed by the bit pattern of its time, until the
///    query time is a point of the tree: at the latest when the ends are adjacent doubles.
///
/// So W(t) is a fixed function of (key, t) for every double t: the same whatever was queried
/// before and in what order, and the same for every `depth`. Every point is drawn from its
/// exact law given the two points that bracket it in the tree (at their times as doubles), so
/// any set of query times, however close together, is jointly a Brownian motion. (The tree used
/// to stop at the grid and share one normal between all times inside a grid interval: their
/// increments had a small fraction of the right variance, 0 at one ulp.)
///
/// Cost: `depth` sets the solver's grid t0 + k (t1 - t0) / 2^depth, where at_index() costs O(1)
/// amortised for sequential k (one cached node per level). A time off that grid costs one
/// normal per level below its grid interval: about 53 - depth for a time of the order of
/// t1 - t0, at most 62 - depth + 64 (a time within 2^-62 (t1 - t0) of t0, e.g. 1e-300 after
/// t0 = 0). The SDE solver queries off-grid times only for output times between its steps.
class brownian_tree {
 public:
  /// Throws invalid_argument unless t0 < t1 are finite with t1 - t0 finite, and depth is in
  /// [0, 52].
  brownian_tree(std::uint64_t key, std::size_t components, double t0, double t1, int depth);

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
    const double w = bridge(time_of(k - half), wa, time_of(k + half), wb, time_of(k),
                            normal(level, i, static_cast<std::uint32_t>(c)));
    cached = {true, i, w};
    return w;
  }

  /// W_c(t) for any t in [t0, t1]: at_index() on the grid, the tree's point t elsewhere.
  double at(std::size_t c, double t) {
    if (!(t >= t0_ && t <= t1_))
      detail::throw_invalid("brownian_tree.t", t, fmt::format("a time in [{}, {}]", t0_, t1_));
    if (t == t1_) return end_[c];
    // The grid interval [time_of(k), time_of(k + 1)) holding t: the rounded grid times are
    // monotone in k, so the floor's guess is off by at most a step either way.
    const std::uint64_t n = intervals();
    std::uint64_t k = static_cast<std::uint64_t>(
        std::min(std::floor((t - t0_) / h_), static_cast<double>(n - 1)));
    while (k > 0 && t < time_of(k)) --k;
    while (k + 1 < n && t >= time_of(k + 1)) ++k;
    double ta = time_of(k), tb = time_of(k + 1);
    double wa = at_index(c, k);
    if (t == ta) return wa;
    double wb = at_index(c, k + 1);
    if (t == tb) return wb;
    const auto component = static_cast<std::uint32_t>(c);
    // Dyadic levels below the grid: the same times and keys as at_index() of a deeper tree.
    std::uint64_t i = k;  // t lies strictly inside interval i of `level`
    for (int level = depth_; level < max_dyadic_level; ++level) {
      const double tm = dyadic_time(level + 1, 2 * i + 1);
      if (!(tm > ta && tm < tb)) break;
      const double wm = bridge(ta, wa, tb, wb, tm, normal(level + 1, i, component));
      if (t == tm) return wm;
      if (t < tm) {
        tb = tm;
        wb = wm;
        i = 2 * i;
      } else {
        ta = tm;
        wa = wm;
        i = 2 * i + 1;
      }
    }
    // Bisection over the doubles in (ta, tb): the middle one by order, a bridge sample there.
    for (;;) {
      const std::uint64_t oa = ordinal(ta), ob = ordinal(tb);
      if (ob - oa < 2) return t == ta ? wa : wb;  // adjacent doubles (t is strictly inside)
      const double tm = from_ordinal(oa + (ob - oa) / 2);
      const double wm = bridge(ta, wa, tb, wb, tm, normal_at(tm, component));
      if (t == tm) return wm;
      if (t < tm) {
        tb = tm;
        wb = wm;
      } else {
        ta = tm;
        wa = wm;
      }
    }
  }

 private:
  struct node {
    bool valid = false;
    std::uint64_t index = 0;
    double value = 0;
  };

  // Interval indices of level 62 still fit 64 bits with room for 2i + 1.
  static constexpr int max_dyadic_level = 62;
  // The counter's level word for the points of the bisection over doubles (dyadic levels are
  // 0..63), so the two kinds of keys never meet.
  static constexpr std::uint32_t double_level = 0xFFFFFFFFu;

  // W at tm given W(ta) = wa and W(tb) = wb, ta <= tm <= tb: the Brownian bridge's law
  // N(wa + s (wb - wa), s (tb - tm)), s = (tm - ta) / (tb - ta), drawn with the standard normal
  // z. The actual (rounded) times, so the points are Brownian in the doubles they are queried
  // at, down to 1-ulp increments. (s (tb - tm) rather than (tm - ta)(tb - tm) / (tb - ta): the
  // product underflows for intervals near t0 = 0.)
  static double bridge(double ta, double wa, double tb, double wb, double tm, double z) noexcept {
    if (!(tb > ta)) return wa;  // grid times that rounded to one double (huge t0, tiny span)
    const double s = (tm - ta) / (tb - ta);
    return wa + s * (wb - wa) + std::sqrt(s * (tb - tm)) * z;
  }

  // t0 + (t1 - t0) j / 2^level, rounded as time_of() rounds it on the grid level.
  double dyadic_time(int level, std::uint64_t j) const noexcept {
    return t0_ + span_ * std::ldexp(static_cast<double>(j), -level);
  }

  // The doubles' order as unsigned integers (negative ones reversed below the positive ones).
  static std::uint64_t ordinal(double x) noexcept {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof bits);
    return (bits >> 63) != 0 ? ~bits : bits | (std::uint64_t{1} << 63);
  }
  static double from_ordinal(std::uint64_t o) noexcept {
    const std::uint64_t bits = (o >> 63) != 0 ? o & ~(std::uint64_t{1} << 63) : ~o;
    double x = 0;
    std::memcpy(&x, &bits, sizeof x);
    return x;
  }

  // N(0, 1) for tree node (level, index) of component c: one Philox block, counter-addressed.
  double normal(int level, std::uint64_t index, std::uint32_t c) const noexcept {
    return normal_of_counter(index, static_cast<std::uint32_t>(level), c);
  }
  // N(0, 1) for the point at time t found by bisection over doubles, keyed by t's bits.
  double normal_at(double t, std::uint32_t c) const noexcept {
    std::uint64_t bits = 0;
    std::memcpy(&bits, &t, sizeof bits);
    return normal_of_counter(bits, double_level, c);
  }
  double normal_of_counter(std::uint64_t word, std::uint32_t level,
                           std::uint32_t c) const noexcept {
    const auto block = philox4x32::generate(
        {static_cast<std::uint32_t>(word), static_cast<std::uint32_t>(word >> 32), level, c}, key_);
    const std::uint64_t bits = (std::uint64_t{block[0]} << 32) | block[1];
    return standard_normal_quantile((static_cast<double>(bits >> 12) + 0.5) * 0x1.0p-52);
  }

  philox4x32::key_type key_;
  double t0_, t1_, span_;
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

  friend constexpr std::string_view to_string(kind k) noexcept {
    switch (k) {
      case kind::none: return "none";
      case kind::additive: return "additive";
      case kind::multiplicative: return "multiplicative";
      case kind::square_root: return "square_root";
    }
    return "unknown";
  }
  /// Every kind, in order (metadata reads to_string(kind) back).
  static constexpr std::array<kind, 4> all_kinds{kind::none, kind::additive, kind::multiplicative,
                                                 kind::square_root};
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

namespace detail {
/// "additive sigma=0.1": the text of diffusion's formatter.
ODESYNTH_INLINE std::string diffusion_text(const diffusion& d);
}  // namespace detail

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::diffusion::kind>
    : odesynth::detail::enum_formatter<odesynth::diffusion::kind> {};

/// "additive sigma=0.1"
template <>
struct fmt::formatter<odesynth::diffusion> {
  constexpr auto parse(fmt::format_parse_context& ctx) { return ctx.begin(); }
  template <class FormatContext>
  auto format(const odesynth::diffusion& d, FormatContext& ctx) const {
    // A copy of the text: format_to(ctx.out()) compiles fmt's engine (detail/text.hpp).
    return odesynth::detail::copy_text(odesynth::detail::diffusion_text(d), ctx);
  }
};

namespace odesynth {

enum class sde_scheme { euler_maruyama, milstein };

constexpr std::string_view to_string(sde_scheme s) noexcept {
  switch (s) {
    case sde_scheme::euler_maruyama: return "euler_maruyama";
    case sde_scheme::milstein: return "milstein";
  }
  return "unknown";
}

/// Every scheme, in order (metadata reads to_string(scheme) back).
inline constexpr std::array<sde_scheme, 2> all_sde_schemes{sde_scheme::euler_maruyama,
                                                           sde_scheme::milstein};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::sde_scheme>
    : odesynth::detail::enum_formatter<odesynth::sde_scheme> {};

namespace odesynth {

struct sde_options {
  sde_scheme scheme = sde_scheme::milstein;
  /// Largest step. The step used is (t_end - t0) / 2^k for the smallest k that meets it, so
  /// steps fall on the Brownian tree's grid.
  double dt = 1e-3;
  /// Steps allowed per solve (2^k above), at most 2^52 (the Brownian tree's finest level);
  /// more is status max_steps, before any work.
  std::int64_t max_steps = std::int64_t{1} << 24;
  /// Wall-time limit per solve in seconds, 0 = none; as solve_options::time_limit_seconds.
  double time_limit_seconds = 0.0;

  void validate() const;
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
    return fmt::format("sde({}, dt={}, diffusion={}{})", to_string(options_.scheme), options_.dt,
                       noise_text_,
                       options_.time_limit_seconds > 0
                           ? fmt::format(", time_limit_seconds={}", options_.time_limit_seconds)
                           : std::string());
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
    detail::check_solve_values(*description_, "parameters", "parameter", description_->parameters(),
                               parameters);
    detail::check_solve_values(*description_, "initial_state", "species", description_->species(),
                               initial_state);

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
    // The wall-time limit: the clock is read at step check_at (see detail/time_budget.hpp).
    std::optional<detail::time_budget> budget;
    if (options_.time_limit_seconds > 0) budget.emplace(options_.time_limit_seconds);
    std::uint64_t check_at = budget ? 1 : steps;

    state_type drift = detail::make_vector<state_type>::of_size(n);
    state_type scratch = detail::make_vector<state_type>::of_size(n);
    std::vector<double> w_now(n, 0.0), w_next(n);
    try {
      for (std::uint64_t k = 0; k < steps; ++k) {
        const double t = tree.time_of(k), t_next = tree.time_of(k + 1);
        if (k >= check_at) {
          if (budget->expired()) {
            tr.set_status(solve_status::time_limit,
                          fmt::format("time_limit_seconds = {} exceeded ({:.3g} s) at t = {} "
                                      "(step {} of {})",
                                      budget->seconds(), budget->elapsed(), t, k, steps));
            tr.set_steps(static_cast<std::int64_t>(k));
            clear_from(tr, row);
            return tr;
          }
          check_at = k + static_cast<std::uint64_t>(budget->interval());
        }
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
    // Up to 53: a dt that 2^52 steps do not meet is then more than max_steps (<= 2^52), not
    // silently a longer step.
    int depth = 0;
    while (depth < 53 && span / std::ldexp(1.0, depth) > options_.dt) ++depth;
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

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/sde.ipp"
#endif
