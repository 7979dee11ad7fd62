// odesynth/distributions.hpp - portable probability distributions, one parametrisation each.
//
// std::normal_distribution and friends are implementation-defined (libstdc++, libc++ and
// MSVC draw different numbers from the same engine), and Boost.Random changed its normal
// algorithm in 1.56. These are written out here, so a (seed, index) gives the same values
// everywhere. (They use std::log/exp/sqrt/erfc, which IEEE 754 does not pin to the last bit;
// platforms whose libm differs in the last ulp can differ in the last ulp.)
//
// Every distribution offers
//   quantile(u)  the inverse CDF at u in (0, 1): what designs (Latin hypercube, Sobol) use;
//   draw(s)      a draw from a random_stream; for most distributions quantile(s.open01()),
//                for gamma, beta, student_t and poisson a faster exact algorithm (same
//                distribution, different mapping from bits to values);
//   validate(w)  throws invalid_argument naming `w.<argument>` and the value;
//   describe()   text for provenance, e.g. "normal(mean=0, sd=1)";
//   mean_value(), variance()  the distribution's moments (for checks and documentation).
// `distribution` is a std::variant of all of them, for configurations built at run time.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "detail/config.hpp"
#include "detail/special_functions.hpp"
#include "detail/text.hpp"
#include "error.hpp"
#include "random.hpp"
#include "standard_normal.hpp"

namespace odesynth {

namespace detail {

inline constexpr double nan = std::numeric_limits<double>::quiet_NaN();

/// Throws invalid_argument naming `where`.u unless u lies in (0, 1).
ODESYNTH_INLINE void require_probability(std::string_view where, double u);

template <class V>
void require_finite(std::string_view field, V v) {
  if (!std::isfinite(v)) throw_invalid(field, v, "a finite value");
}

/// The extreme uniforms inverse-CDF draws see: random_stream::uniform_open01() returns
/// (k + 1/2) 2^-52, so [2^-53, 1 - 2^-53]; the sampler's grid and Sobol points lie inside that
/// range too. (Latin hypercube and Halton points can go below 2^-53, further into a lower
/// tail: a value that still overflows there is a per-trajectory failure, see sampler.hpp.)
inline constexpr double lowest_uniform = 0x1.0p-53;
inline constexpr double highest_uniform = 1 - 0x1.0p-53;

/// Throws invalid_argument naming `field` = `value` unless quantile(u) is finite at both
/// extreme uniforms, and so (quantiles being monotone) for every u a draw can use: parameters
/// whose draws overflow (lognormal sigma = 400, exponential rate = 1e-310) are rejected when
/// the distribution is set, not when a worker meets an infinite draw.
template <class D, class V>
void require_finite_quantiles(const D& d, std::string_view field, V value) {
  // (The gamma, beta and student_t quantiles return inf where the value overflows.)
  const double low = d.quantile(lowest_uniform);
  const double high = d.quantile(highest_uniform);
  if (!(std::isfinite(low) && std::isfinite(high)))
    throw_invalid(field, value,
                  fmt::format("a value for which every draw of {} is finite; its quantiles at "
                              "2^-53 and 1 - 2^-53 (the extreme uniforms drawn) are {} and {}",
                              d.describe(), low, high));
}

/// The largest value gamma::draw (Marsaglia & Tsang) can return for scale 1: d (1 + c x)^3
/// with x at most the largest normal a stream draws, quantile(1 - 2^-53) = 8.21; a shape below
/// 1 draws with shape + 1 and multiplies by a uniform power <= 1. Above the quantile at
/// 1 - 2^-53 (e.g. 54.9 against 36.7 for shape 1), so checked separately.
inline double gamma_draw_bound(double shape) noexcept {
  const double k = shape < 1 ? shape + 1 : shape;
  const double d = k - 1.0 / 3.0, c = 1 / std::sqrt(9 * d);
  const double v = 1 + c * 8.2095361516013874;
  return d * v * v * v;
}

}  // namespace detail

/// Standard normal quantile: Wichura's algorithm AS 241 (PPND16), Applied Statistics 37(3),
/// 1988, relative accuracy about 1e-16 (detail::normal_quantile, which the beta quantile uses
/// too). Needs only sqrt and log, and a single uniform per normal, so a stream's k-th normal is
/// always its k-th draw.
inline double standard_normal_quantile(double p) noexcept { return detail::normal_quantile(p); }

/// Standard normal CDF.
inline double standard_normal_cdf(double x) noexcept {
  return 0.5 * std::erfc(-x * 0.70710678118654752440);
}

/// A standard normal draw by inversion: one uniform, one quantile. What gamma and student_t
/// draws use (their overflow bounds assume its range); noise uses standard_normal
/// (standard_normal.hpp), the faster ziggurat.
inline double standard_normal_by_inversion(random_stream& s) noexcept {
  return standard_normal_quantile(s.uniform_open01());
}

namespace dist {

/// Always `value`.
struct constant {
  double value = 0;
  double quantile(double /*u*/) const noexcept { return value; }
  double draw(random_stream& /*s*/) const noexcept { return value; }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return value; }
  double variance() const noexcept { return 0; }
};

/// Uniform on [lo, hi].
struct uniform {
  double lo = 0, hi = 1;
  double quantile(double u) const noexcept { return lo + (hi - lo) * u; }
  double draw(random_stream& s) const noexcept { return lo + (hi - lo) * s.uniform01(); }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return 0.5 * (lo + hi); }
  double variance() const noexcept { return (hi - lo) * (hi - lo) / 12; }
};

/// Normal with mean and standard deviation (sd = 0 is a point mass).
struct normal {
  double mean = 0, sd = 1;
  double quantile(double u) const noexcept { return mean + sd * standard_normal_quantile(u); }
  double draw(random_stream& s) const noexcept { return quantile(s.uniform_open01()); }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return mean; }
  double variance() const noexcept { return sd * sd; }
};

/// Normal(mean, sd) restricted to [lo, hi] (either bound may be infinite), by inverting the
/// CDF on the restricted range; tails are handled on the side where the CDF is accurate.
struct truncated_normal {
  double mean = 0, sd = 1, lo = -std::numeric_limits<double>::infinity(),
         hi = std::numeric_limits<double>::infinity();
  double quantile(double u) const noexcept {
    if (sd == 0) return std::clamp(mean, lo, hi);
    const double a = (lo - mean) / sd, b = (hi - mean) / sd;
    double z;
    if (a > 0) {  // both bounds in the upper tail: work with survival probabilities
      const double qa = standard_normal_cdf(-a), qb = standard_normal_cdf(-b);
      z = -standard_normal_quantile(qa - u * (qa - qb));
    } else {
      const double pa = standard_normal_cdf(a), pb = standard_normal_cdf(b);
      const double p = pa + u * (pb - pa);
      if (p > 0.925) {
        // The upper tail from survival probabilities too: p rounds to 1 for the largest
        // uniforms (quantile(1 - 2^-53) of [0, inf) was inf) and leaves q = 1 - p few correct
        // digits below. q = (1 - u) Q(a) + u Q(b): positive terms, and 1 - u is exact for
        // u >= 1/2. 0.925 is where AS 241 itself switches to 1 - p, so central draws keep
        // their bits.
        const double qa = standard_normal_cdf(-a), qb = standard_normal_cdf(-b);
        z = -standard_normal_quantile((1 - u) * qa + u * qb);
      } else {
        z = standard_normal_quantile(p);
      }
    }
    return std::clamp(mean + sd * z, lo, hi);
  }
  double draw(random_stream& s) const noexcept { return quantile(s.uniform_open01()); }
  void validate(std::string_view where) const;
  std::string describe() const;
  /// Mean and variance to about 1e-15 relative in the middle, in both tails (up to the 37 sd
  /// validate() allows) and for intervals of any width, e.g. [5, 5 + 1e-9] sd.
  double mean_value() const noexcept { return moments().mean; }
  double variance() const noexcept { return moments().variance; }

 private:
  struct moments_type {
    double mean, variance;
  };

  // The textbook forms, mean = m + sd (phi(a) - phi(b)) / Z and variance = sd^2 (1 + (a phi(a)
  // - b phi(b)) / Z - ((phi(a) - phi(b)) / Z)^2) with Z = Phi(b) - Phi(a), cancel: Z is 1 - 1
  // = 0 on [20, 21] (inf and NaN), the variance 1/a^2 is the difference of two numbers near
  // a^2 in a far tail, and w^2/12 the difference of two numbers near 1 on a narrow interval.
  // Survival functions fix only the first. So: the interval is mirrored to lie mostly right of
  // 0; the mean is a closed form with no cancellation when the interval holds 0, else an
  // offset from the near bound; the variance is always sum w_i g_i (y_i - m)^2 / sum w_i g_i
  // by Gauss-Legendre over offsets y from an anchor, with g the density relative to the
  // anchor's: positive terms only, so relative accuracy whatever the tail or width.
  moments_type moments() const noexcept {
    if (sd == 0 && lo <= hi) return {std::clamp(mean, lo, hi), 0.0};
    if (!(lo < hi && sd > 0 && std::isfinite(mean))) return {detail::nan, detail::nan};
    if (std::isinf(lo) && std::isinf(hi)) return {mean, sd * sd};
    double a = (lo - mean) / sd, b = (hi - mean) / sd;
    const bool mirrored = -a > b;  // then work with [-b, -a] and mirror the mean back
    if (mirrored) {
      const double t = a;
      a = -b;
      b = -t;
    }
    const double width = (hi - lo) / sd;  // as accurate as the inputs (b - a would round twice)
    if (a < 0) {
      // 0 inside: Z as a sum of two positive erf terms, phi(a) - phi(b) = -phi(a) expm1(-D)
      // with D = (b - a)(b + a)/2 (exactly 0 when symmetric).
      const double z =
          0.5 * (std::erf(b * 0.70710678118654752440) - std::erf(a * 0.70710678118654752440));
      const double d = 0.5 * width * (b + a);
      const double m = -0.39894228040143267794 * std::exp(-0.5 * a * a) * std::expm1(-d) / z;
      // Offsets from 0, over the interval cut at |x| = 10 (density e^-50 of the peak's).
      const moments_type y = gauss_moments(0.0, std::max(a, -10.0), std::min(b, 10.0));
      return {mean + sd * (mirrored ? -m : m), sd * sd * y.variance};
    }
    // Offsets y >= 0 from the near bound, up to where the density has fallen to e^-50 of its
    // value there: y (a + y/2) = 50.
    const double cut = 100 / (a + std::sqrt(a * a + 100));
    const moments_type y = gauss_moments(a, 0.0, std::min(width, cut));
    return {mirrored ? hi - sd * y.mean : lo + sd * y.mean, sd * sd * y.variance};
  }

  // Mean and variance of Y on [from, to] with density proportional to
  // g(y) = exp(-y (anchor + y/2)) (the standard normal density at anchor + y over its value at
  // anchor), by 20-point Gauss-Legendre on panels across which the exponent changes by at most
  // 8 (its slope is |anchor + y|): the rule is then exact to far below double precision.
  static moments_type gauss_moments(double anchor, double from, double to) noexcept {
    static constexpr std::array<double, 10> node{0.0765265211334973337546, 0.227785851141645078080,
                                                 0.373706088715419560673,  0.510867001950827098004,
                                                 0.636053680726515025453,  0.746331906460150792614,
                                                 0.839116971822218823395,  0.912234428251325905868,
                                                 0.963971927277913791268,  0.993128599185094924786};
    static constexpr std::array<double, 10> weight{
        0.152753387130725850698,  0.149172986472603746788,  0.142096109318382051329,
        0.131688638449176626898,  0.118194531961518417312,  0.101930119817240435037,
        0.0832767415767047487248, 0.0626720483341090635695, 0.0406014298003869413310,
        0.0176140071391521183119};
    const double slope = std::max(std::fabs(anchor + from), std::fabs(anchor + to));
    const double panel = std::min(2.0, 8 / slope);
    const double span = to - from;
    const auto panels = static_cast<int>(std::max(1.0, std::ceil(span / panel)));
    const double half = 0.5 * span / panels;
    // Two passes: the mean, then squared deviations from it (no E[Y^2] - E[Y]^2 cancellation).
    auto sum = [&](auto f) {
      double total = 0;
      for (int p = 0; p < panels; ++p) {
        const double centre = from + (2 * p + 1) * half;
        for (std::size_t i = 0; i < node.size(); ++i)
          for (const double y : {centre - half * node[i], centre + half * node[i]})
            total += weight[i] * std::exp(-y * (anchor + 0.5 * y)) * f(y);
      }
      return total;
    };
    const double mass = sum([](double) { return 1.0; });
    const double m = sum([](double y) { return y; }) / mass;
    const double v = sum([m](double y) { return (y - m) * (y - m); }) / mass;
    return {m, v};
  }
};

/// exp(N(mu, sigma)): mu and sigma are the mean and sd of log X (numpy's and SciPy's
/// `lognorm(s=sigma, scale=exp(mu))` convention), so the median is exp(mu).
struct lognormal {
  double mu = 0, sigma = 1;
  double quantile(double u) const noexcept {
    return std::exp(mu + sigma * standard_normal_quantile(u));
  }
  double draw(random_stream& s) const noexcept { return quantile(s.uniform_open01()); }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return std::exp(mu + 0.5 * sigma * sigma); }
  double variance() const noexcept {
    return std::expm1(sigma * sigma) * std::exp(2 * mu + sigma * sigma);
  }
};

/// Log-uniform (reciprocal) on [lo, hi], 0 < lo <= hi: log X uniform on [log lo, log hi].
struct log_uniform {
  double lo = 1, hi = 10;
  double quantile(double u) const noexcept {
    return std::clamp(std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))), lo, hi);
  }
  double draw(random_stream& s) const noexcept { return quantile(s.uniform01()); }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept {
    return lo == hi ? lo : (hi - lo) / (std::log(hi) - std::log(lo));
  }
  double variance() const noexcept {
    if (lo == hi) return 0;
    const double l = std::log(hi) - std::log(lo), m = mean_value();
    return (hi * hi - lo * lo) / (2 * l) - m * m;
  }
};

/// Exponential with rate lambda (mean 1/rate).
struct exponential {
  double rate = 1;
  double quantile(double u) const noexcept { return -std::log1p(-u) / rate; }
  double draw(random_stream& s) const noexcept { return quantile(s.uniform_open01()); }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return 1 / rate; }
  double variance() const noexcept { return 1 / (rate * rate); }
};

/// Gamma with shape k and scale theta (mean k theta).
struct gamma {
  double shape = 1, scale = 1;
  /// 1 - u is exact for u >= 1/2, so the upper tail is inverted from its own digits.
  double quantile(double u) const noexcept {
    return scale * detail::gamma_quantile(shape, u, 1 - u);
  }
  /// Marsaglia & Tsang, ACM TOMS 26(3), 2000; shape < 1 via Gamma(k+1) U^(1/k).
  double draw(random_stream& s) const noexcept { return draw_parts(s).value; }

  /// A draw as value = base u^exponent (u = 1, exponent = 0 for shape >= 1), parts kept: below
  /// shape 0.05 the power can underflow to 0, and beta::draw then compares two draws by their
  /// logarithms (it returned 0 / 0 = NaN for beta(0.001, 0.001) about a quarter of the time).
  struct parts {
    double value, base, u, exponent;
    double log_value() const noexcept { return std::log(base) + std::log(u) * exponent; }
  };
  parts draw_parts(random_stream& s) const noexcept {
    if (shape < 1) {
      const gamma boosted{shape + 1, scale};
      const double base = boosted.draw(s);  // first, then the uniform: one order everywhere
      const double u = s.uniform_open01();
      return {base * std::pow(u, 1 / shape), base, u, 1 / shape};
    }
    const double d = shape - 1.0 / 3.0, c = 1 / std::sqrt(9 * d);
    for (;;) {
      const double x = standard_normal_by_inversion(s);
      double v = 1 + c * x;
      if (v <= 0) continue;
      v = v * v * v;
      const double u = s.uniform_open01();
      if (u < 1 - 0.0331 * x * x * x * x) return whole(scale * d * v);
      if (std::log(u) < 0.5 * x * x + d * (1 - v + std::log(v))) return whole(scale * d * v);
    }
  }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return shape * scale; }
  double variance() const noexcept { return shape * scale * scale; }

 private:
  static parts whole(double value) noexcept { return {value, value, 1.0, 0.0}; }
};

/// Beta(a, b) on [0, 1].
struct beta {
  double a = 1, b = 1;
  double quantile(double u) const noexcept { return detail::beta_quantile(a, b, u, 1 - u).x; }
  /// X / (X + Y) with X ~ Gamma(a), Y ~ Gamma(b).
  double draw(random_stream& s) const noexcept {
    const gamma::parts x = gamma{a, 1}.draw_parts(s);
    const gamma::parts y = gamma{b, 1}.draw_parts(s);
    const double sum = x.value + y.value;
    if (sum > 0) return x.value / sum;
    // Both underflowed to 0 (shapes below about 0.05): X / (X + Y) from log X and log Y.
    return 1 / (1 + std::exp(y.log_value() - x.log_value()));
  }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return a / (a + b); }
  double variance() const noexcept { return a * b / ((a + b) * (a + b) * (a + b + 1)); }
};

/// Student's t with nu degrees of freedom, shifted by `location` and scaled by `scale`.
struct student_t {
  double nu = 3, location = 0, scale = 1;
  double quantile(double u) const noexcept {
    // t = sign(u - 1/2) sqrt(nu y / x), x = I^-1_{2 min(u, 1-u)}(nu/2, 1/2), y = 1 - x from its
    // own digits (near u = 1/2, x is near 1 and 1/x - 1 would keep few of them). 2u - 1 is
    // exact for u >= 1/4.
    const double tail = 2 * std::min(u, 1 - u);
    if (tail >= 1) return location;
    const detail::unit_point x = detail::beta_quantile(0.5 * nu, 0.5, tail, std::fabs(2 * u - 1));
    const double t = std::sqrt(nu * x.y / x.x);
    return location + scale * (u < 0.5 ? -t : t);
  }
  /// Z / sqrt(V / nu), V ~ chi^2(nu) = Gamma(nu/2, 2).
  double draw(random_stream& s) const noexcept {
    const double z = standard_normal_by_inversion(s);
    const double v = gamma{0.5 * nu, 2}.draw(s);
    return location + scale * z / std::sqrt(v / nu);
  }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return nu > 1 ? location : detail::nan; }
  double variance() const noexcept {
    return nu > 2 ? scale * scale * nu / (nu - 2) : std::numeric_limits<double>::infinity();
  }
};

/// Poisson counts with the given mean (>= 0).
struct poisson {
  double mean = 1;
  /// Smallest k with P(X <= k) >= u; P(X <= k) = Q(k + 1, mean) (regularised upper gamma).
  double quantile(double u) const {
    if (mean == 0) return 0;
    double k = std::max(0.0, std::floor(mean + std::sqrt(mean) * standard_normal_quantile(u)));
    while (k > 0 && detail::gamma_pq(k, mean).upper >= u) k -= 1;  // P(X <= k-1) >= u
    while (detail::gamma_pq(k + 1, mean).upper < u) k += 1;        // P(X <= k) < u
    return k;
  }
  /// Inversion by sequential search below mean 10; Hörmann's PTRS above ("The transformed
  /// rejection method for generating Poisson random variables", 1993), as numpy does.
  double draw(random_stream& s) const noexcept {
    if (mean < 10) {
      if (mean == 0) return 0;
      double u = s.uniform01(), p = std::exp(-mean), k = 0;
      while (u > p) {
        u -= p;
        k += 1;
        p *= mean / k;
        if (p == 0) break;  // u left over from rounding: far tail reached
      }
      return k;
    }
    const double slam = std::sqrt(mean), loglam = std::log(mean);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
      const double u = s.uniform01() - 0.5, v = s.uniform01();
      const double us = 0.5 - std::fabs(u);
      const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
      if (us >= 0.07 && v <= vr) return k;
      if (k < 0 || (us < 0.013 && v > us)) continue;
      if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
          -mean + k * loglam - detail::log_gamma(k + 1))
        return k;
    }
  }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return mean; }
  double variance() const noexcept { return mean; }
};

/// 1 with probability p, else 0.
struct bernoulli {
  double p = 0.5;
  double quantile(double u) const noexcept { return u > 1 - p ? 1.0 : 0.0; }
  double draw(random_stream& s) const noexcept { return s.uniform01() < p ? 1.0 : 0.0; }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return p; }
  double variance() const noexcept { return p * (1 - p); }
};

/// One of `values`, with probabilities proportional to `weights` (all equal if empty).
struct choice {
  std::vector<double> values;
  std::vector<double> weights;
  double quantile(double u) const noexcept {
    if (weights.empty()) {
      const auto i = static_cast<std::size_t>(u * static_cast<double>(values.size()));
      return values[std::min(i, values.size() - 1)];
    }
    const double total = std::accumulate(weights.begin(), weights.end(), 0.0);
    double cumulative = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      cumulative += weights[i];
      if (u * total < cumulative) return values[i];
    }
    return values.back();
  }
  double draw(random_stream& s) const noexcept { return quantile(s.uniform01()); }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept {
    double m = 0, total = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double w = weights.empty() ? 1.0 : weights[i];
      m += w * values[i];
      total += w;
    }
    return m / total;
  }
  double variance() const noexcept {
    const double m = mean_value();
    double v = 0, total = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
      const double w = weights.empty() ? 1.0 : weights[i];
      v += w * (values[i] - m) * (values[i] - m);
      total += w;
    }
    return v / total;
  }
};

/// Uniform within `percent` % of `nominal`: [nominal (1 - percent/100), nominal (1 + ...)].
struct percent_around {
  double nominal = 1, percent = 10;
  uniform as_uniform() const noexcept {
    const double half = std::fabs(nominal) * percent / 100;
    return {nominal - half, nominal + half};
  }
  double quantile(double u) const noexcept { return as_uniform().quantile(u); }
  double draw(random_stream& s) const noexcept { return as_uniform().draw(s); }
  void validate(std::string_view where) const;
  std::string describe() const;
  double mean_value() const noexcept { return nominal; }
  double variance() const noexcept { return as_uniform().variance(); }
};

}  // namespace dist

/// Any of the distributions above, for configurations assembled at run time.
using distribution =
    std::variant<dist::constant, dist::uniform, dist::normal, dist::truncated_normal,
                 dist::lognormal, dist::log_uniform, dist::exponential, dist::gamma, dist::beta,
                 dist::student_t, dist::poisson, dist::bernoulli, dist::choice,
                 dist::percent_around>;

ODESYNTH_INLINE double draw(const distribution& d, random_stream& s);
ODESYNTH_INLINE double quantile(const distribution& d, double u);
ODESYNTH_INLINE void validate(const distribution& d, std::string_view where);
ODESYNTH_INLINE std::string describe(const distribution& d);
// One overload per alternative, so that describe(dist::normal{0, 1}) is this describe() and
// not model.hpp's describe(const Model&) template, which is an exact match where the variant
// needs a conversion (a program including both headers got the model's).
#define ODESYNTH_DESCRIBE_ALTERNATIVE(type) \
  inline std::string describe(const dist::type& d) { return describe(distribution(d)); }
ODESYNTH_DESCRIBE_ALTERNATIVE(constant)
ODESYNTH_DESCRIBE_ALTERNATIVE(uniform)
ODESYNTH_DESCRIBE_ALTERNATIVE(normal)
ODESYNTH_DESCRIBE_ALTERNATIVE(truncated_normal)
ODESYNTH_DESCRIBE_ALTERNATIVE(lognormal)
ODESYNTH_DESCRIBE_ALTERNATIVE(log_uniform)
ODESYNTH_DESCRIBE_ALTERNATIVE(exponential)
ODESYNTH_DESCRIBE_ALTERNATIVE(gamma)
ODESYNTH_DESCRIBE_ALTERNATIVE(beta)
ODESYNTH_DESCRIBE_ALTERNATIVE(student_t)
ODESYNTH_DESCRIBE_ALTERNATIVE(poisson)
ODESYNTH_DESCRIBE_ALTERNATIVE(bernoulli)
ODESYNTH_DESCRIBE_ALTERNATIVE(choice)
ODESYNTH_DESCRIBE_ALTERNATIVE(percent_around)
#undef ODESYNTH_DESCRIBE_ALTERNATIVE
ODESYNTH_INLINE double mean_value(const distribution& d);
ODESYNTH_INLINE double variance(const distribution& d);

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::distribution> : odesynth::detail::padded_text_formatter {
  // describe(d), padded like a string by a format spec ("{:>30}"). Not a formatter<string_view>
  // base: that compiles fmt's engine in every file that prints a distribution (detail/text.hpp).
  template <class FormatContext>
  auto format(const odesynth::distribution& d, FormatContext& ctx) const {
    return format_text(odesynth::describe(d), ctx);
  }
};

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/distributions.ipp"
#endif
