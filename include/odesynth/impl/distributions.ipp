// odesynth/impl/distributions.ipp - the non-template code of distributions.hpp, compiled in
// every file that includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include "../distributions.hpp"

namespace odesynth {

ODESYNTH_INLINE void detail::require_probability(std::string_view where, double u) {
  if (!(u > 0 && u < 1)) throw_invalid(fmt::format("{}.u", where), u, "a probability in (0, 1)");
}

ODESYNTH_INLINE void dist::percent_around::validate(std::string_view where) const {
  detail::require_finite(fmt::format("{}.nominal", where), nominal);
  if (!(std::isfinite(percent) && percent >= 0))
    detail::throw_invalid(fmt::format("{}.percent", where), percent, "a finite percentage >= 0");
  const uniform u = as_uniform();
  if (!(std::isfinite(u.lo) && std::isfinite(u.hi) && std::isfinite(u.hi - u.lo)))
    detail::throw_invalid(fmt::format("{}.percent", where), percent,
                          fmt::format("a percentage for which nominal (1 -/+ percent/100) and "
                                      "their difference are finite (nominal={})",
                                      nominal));
}

ODESYNTH_INLINE std::string dist::percent_around::describe() const {
  return fmt::format("percent_around(nominal={}, percent={})", nominal, percent);
}

ODESYNTH_INLINE void dist::choice::validate(std::string_view where) const {
  if (values.empty())
    detail::throw_invalid(fmt::format("{}.values", where), "[]", "at least one value");
  for (std::size_t i = 0; i < values.size(); ++i)
    detail::require_finite(fmt::format("{}.values[{}]", where, i), values[i]);
  if (weights.empty()) return;
  if (weights.size() != values.size())
    detail::throw_invalid(fmt::format("{}.weights.size()", where), weights.size(),
                          fmt::format("one weight per value ({})", values.size()));
  double total = 0;
  for (std::size_t i = 0; i < weights.size(); ++i) {
    if (!(std::isfinite(weights[i]) && weights[i] >= 0))
      detail::throw_invalid(fmt::format("{}.weights[{}]", where, i), weights[i],
                            "a finite weight >= 0");
    total += weights[i];
  }
  if (!(total > 0 && std::isfinite(total)))  // quantile() compares u * total with sums
    detail::throw_invalid(fmt::format("{}.weights", where),
                          fmt::format("[{}]", detail::join(weights, ", ")),
                          "weights with a positive, finite sum");
}

ODESYNTH_INLINE std::string dist::choice::describe() const {
  if (weights.empty()) return fmt::format("choice(values=[{}])", detail::join(values, ", "));
  return fmt::format("choice(values=[{}], weights=[{}])", detail::join(values, ", "),
                     detail::join(weights, ", "));
}

ODESYNTH_INLINE void dist::bernoulli::validate(std::string_view where) const {
  if (!(p >= 0 && p <= 1))
    detail::throw_invalid(fmt::format("{}.p", where), p, "a probability in [0, 1]");
}

ODESYNTH_INLINE void dist::poisson::validate(std::string_view where) const {
  if (!(std::isfinite(mean) && mean >= 0))
    detail::throw_invalid(fmt::format("{}.mean", where), mean, "a finite mean >= 0");
  // quantile() steps k by 1 from its normal approximation: above 2^53, k - 1 == k and the
  // search never ends (poisson{1e300}.quantile(0.5) hung). 2^52 leaves room for the tail.
  if (!(mean <= 0x1.0p52))
    detail::throw_invalid(fmt::format("{}.mean", where), mean,
                          "a mean <= 2^52 = 4503599627370496 (counts are whole numbers in a "
                          "double below 2^53)");
}

ODESYNTH_INLINE void dist::student_t::validate(std::string_view where) const {
  if (!(std::isfinite(nu) && nu > 0))
    detail::throw_invalid(fmt::format("{}.nu", where), nu, "finite degrees of freedom > 0");
  detail::require_finite(fmt::format("{}.location", where), location);
  if (!(std::isfinite(scale) && scale >= 0))
    detail::throw_invalid(fmt::format("{}.scale", where), scale, "a finite scale >= 0");
  // draw() divides by sqrt(V / nu), V ~ Gamma(nu/2, 2) = Gamma(nu/2 + 1, 2) u^(2/nu): with
  // u >= 2^-53 the power is >= 2^(-106/nu) >= 2^-964 for nu >= 0.11, leaving 2^-110 for the
  // Gamma(nu/2 + 1) factor, whose accepted values stay above 1e-25 = 2^-83 (Marsaglia-Tsang
  // accepts v only if log u < x^2/2 + d (1 - v + log v), and log u >= log 2^-53). Below, V
  // can underflow to 0 and the draw be infinite (the quantile overflows below nu = 0.052).
  if (!(nu >= 0.11))
    detail::throw_invalid(fmt::format("{}.nu", where), nu,
                          "degrees of freedom >= 0.11 (below, draws can be infinite)");
  detail::require_finite_quantiles(*this, fmt::format("{}.scale", where), scale);
}

ODESYNTH_INLINE std::string dist::student_t::describe() const {
  return fmt::format("student_t(nu={}, location={}, scale={})", nu, location, scale);
}

ODESYNTH_INLINE void dist::beta::validate(std::string_view where) const {
  if (!(std::isfinite(a) && a > 0))
    detail::throw_invalid(fmt::format("{}.a", where), a, "a finite shape > 0");
  if (!(std::isfinite(b) && b > 0))
    detail::throw_invalid(fmt::format("{}.b", where), b, "a finite shape > 0");
  if (!std::isfinite(detail::gamma_draw_bound(a) + detail::gamma_draw_bound(b)))
    detail::throw_invalid(fmt::format("{}.a", where), a,
                          fmt::format("shapes whose gamma draws add up to a finite number "
                                      "(b={}); draws reach about a + b",
                                      b));
}

ODESYNTH_INLINE void dist::gamma::validate(std::string_view where) const {
  if (!(std::isfinite(shape) && shape > 0))
    detail::throw_invalid(fmt::format("{}.shape", where), shape, "a finite shape > 0");
  if (!(std::isfinite(scale) && scale > 0))
    detail::throw_invalid(fmt::format("{}.scale", where), scale, "a finite scale > 0");
  detail::require_finite_quantiles(*this, fmt::format("{}.scale", where), scale);
  if (!std::isfinite(scale * detail::gamma_draw_bound(shape)))
    detail::throw_invalid(fmt::format("{}.scale", where), scale,
                          fmt::format("a scale for which every draw of {} is finite (draws reach "
                                      "{} x scale)",
                                      describe(), detail::gamma_draw_bound(shape)));
}

ODESYNTH_INLINE void dist::exponential::validate(std::string_view where) const {
  if (!(std::isfinite(rate) && rate > 0))
    detail::throw_invalid(fmt::format("{}.rate", where), rate, "a finite rate > 0");
  detail::require_finite_quantiles(*this, fmt::format("{}.rate", where), rate);
}

ODESYNTH_INLINE void dist::log_uniform::validate(std::string_view where) const {
  if (!(std::isfinite(lo) && lo > 0))
    detail::throw_invalid(fmt::format("{}.lo", where), lo, "a finite bound > 0 (log scale)");
  if (!(std::isfinite(hi) && hi > 0))
    detail::throw_invalid(fmt::format("{}.hi", where), hi, "a finite bound > 0 (log scale)");
  if (lo > hi)
    detail::throw_invalid(fmt::format("{}.lo", where), lo, fmt::format("lo <= hi (hi={})", hi));
}

ODESYNTH_INLINE void dist::lognormal::validate(std::string_view where) const {
  detail::require_finite(fmt::format("{}.mu", where), mu);
  if (!(std::isfinite(sigma) && sigma >= 0))
    detail::throw_invalid(fmt::format("{}.sigma", where), sigma, "a finite value >= 0");
  if (sigma > 0)
    detail::require_finite_quantiles(*this, fmt::format("{}.sigma", where), sigma);
  else
    detail::require_finite_quantiles(*this, fmt::format("{}.mu", where), mu);
}

ODESYNTH_INLINE void dist::truncated_normal::validate(std::string_view where) const {
  detail::require_finite(fmt::format("{}.mean", where), mean);
  if (!(std::isfinite(sd) && sd >= 0))
    detail::throw_invalid(fmt::format("{}.sd", where), sd, "a finite standard deviation >= 0");
  if (std::isnan(lo) || std::isnan(hi) || !(lo < hi))
    detail::throw_invalid(fmt::format("{}.lo", where), lo, fmt::format("lo < hi (hi={})", hi));
  const double a = (lo - mean) / sd, b = (hi - mean) / sd;
  if (sd > 0 && (a > 37 || b < -37))  // the interval holds less than 1e-300 of the mass
    detail::throw_invalid(
        fmt::format("{}.lo", where), lo,
        fmt::format("a range [lo, hi] = [{}, {}] within 37 sd of the mean {}", lo, hi, mean));
  detail::require_finite_quantiles(*this, fmt::format("{}.sd", where), sd);
}

ODESYNTH_INLINE std::string dist::truncated_normal::describe() const {
  return fmt::format("truncated_normal(mean={}, sd={}, lo={}, hi={})", mean, sd, lo, hi);
}

ODESYNTH_INLINE void dist::normal::validate(std::string_view where) const {
  detail::require_finite(fmt::format("{}.mean", where), mean);
  if (!(std::isfinite(sd) && sd >= 0))
    detail::throw_invalid(fmt::format("{}.sd", where), sd, "a finite standard deviation >= 0");
  detail::require_finite_quantiles(*this, fmt::format("{}.sd", where), sd);
}

ODESYNTH_INLINE void dist::uniform::validate(std::string_view where) const {
  detail::require_finite(fmt::format("{}.lo", where), lo);
  detail::require_finite(fmt::format("{}.hi", where), hi);
  if (lo > hi)
    detail::throw_invalid(fmt::format("{}.lo", where), lo, fmt::format("lo <= hi (hi={})", hi));
  if (!std::isfinite(hi - lo))  // draws are lo + (hi - lo) u
    detail::throw_invalid(fmt::format("{}.hi", where), hi,
                          fmt::format("a width hi - lo that is finite (lo={})", lo));
}

ODESYNTH_INLINE void dist::constant::validate(std::string_view where) const {
  detail::require_finite(fmt::format("{}.value", where), value);
}

ODESYNTH_INLINE double draw(const distribution& d, random_stream& s) {
  return std::visit([&s](const auto& x) { return x.draw(s); }, d);
}
ODESYNTH_INLINE double quantile(const distribution& d, double u) {
  return std::visit([u](const auto& x) { return x.quantile(u); }, d);
}
ODESYNTH_INLINE void validate(const distribution& d, std::string_view where) {
  std::visit([where](const auto& x) { x.validate(where); }, d);
}
ODESYNTH_INLINE std::string describe(const distribution& d) {
  return std::visit([](const auto& x) { return x.describe(); }, d);
}
ODESYNTH_INLINE double mean_value(const distribution& d) {
  return std::visit([](const auto& x) { return x.mean_value(); }, d);
}
ODESYNTH_INLINE double variance(const distribution& d) {
  return std::visit([](const auto& x) { return x.variance(); }, d);
}

ODESYNTH_INLINE std::string dist::bernoulli::describe() const {
  return fmt::format("bernoulli(p={})", p);
}

ODESYNTH_INLINE std::string dist::poisson::describe() const {
  return fmt::format("poisson(mean={})", mean);
}

ODESYNTH_INLINE std::string dist::beta::describe() const {
  return fmt::format("beta(a={}, b={})", a, b);
}

ODESYNTH_INLINE std::string dist::gamma::describe() const {
  return fmt::format("gamma(shape={}, scale={})", shape, scale);
}

ODESYNTH_INLINE std::string dist::exponential::describe() const {
  return fmt::format("exponential(rate={})", rate);
}

ODESYNTH_INLINE std::string dist::log_uniform::describe() const {
  return fmt::format("log_uniform(lo={}, hi={})", lo, hi);
}

ODESYNTH_INLINE std::string dist::lognormal::describe() const {
  return fmt::format("lognormal(mu={}, sigma={})", mu, sigma);
}

ODESYNTH_INLINE std::string dist::normal::describe() const {
  return fmt::format("normal(mean={}, sd={})", mean, sd);
}

ODESYNTH_INLINE std::string dist::uniform::describe() const {
  return fmt::format("uniform(lo={}, hi={})", lo, hi);
}

ODESYNTH_INLINE std::string dist::constant::describe() const {
  return fmt::format("constant(value={})", value);
}

}  // namespace odesynth
