// odesynth/detail/impl/special_functions.ipp - the non-template code of
// detail/special_functions.hpp (the incomplete gamma and beta functions and their inverses),
// compiled in every file that includes it (header-only) or once in odesynth_compiled
// (detail/config.hpp).
#pragma once

#include <cmath>
#include <limits>

#include "../special_functions.hpp"

namespace odesynth::detail {

namespace sf {

ODESYNTH_INLINE tail_pair gamma_temme(double a, double x) noexcept {
  const double sigma = (x - a) / a;
  const double phi = -log1pmx(sigma);  // eta^2 / 2 >= 0
  const double y = a * phi;
  const double eta = sigma < 0 ? -std::sqrt(2 * phi) : std::sqrt(2 * phi);
  double c[temme_rows];
  int start = 0;
  for (int k = 0; k < temme_rows; ++k) {
    double ck = 0;
    for (int n = temme_length[k] - 1; n >= 0; --n) ck = ck * eta + temme_d[start + n];
    c[k] = ck;
    start += temme_length[k];
  }
  double sum = 0;
  const double w = 1 / a;
  for (int k = temme_rows - 1; k >= 0; --k) sum = sum * w + c[k];
  const double r = std::exp(-y) / std::sqrt(2 * sf_pi * a) * sum;
  const double e = 0.5 * std::erfc(std::sqrt(y));
  if (sigma >= 0) {
    const double q = e + r;
    return {1 - q, q};
  }
  const double p = e - r;
  return {p, 1 - p};
}

ODESYNTH_INLINE double gamma_p_series(double a, double x, double prefix) noexcept {
  double sum = 1, term = 1;
  for (int n = 1; n < 100000; ++n) {
    term *= x / (a + n);
    sum += term;
    if (term < 1e-17 * sum) break;
  }
  return prefix / a * sum;
}

ODESYNTH_INLINE double gamma_q_fraction(double a, double x, double prefix) noexcept {
  constexpr double tiny = 1e-300;
  double b = x + 1 - a, c = 1 / tiny, d = 1 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) break;
  }
  return prefix * h;
}

ODESYNTH_INLINE tail_pair gamma_small_x(double a, double x) noexcept {
  double s = 0, term = 1;
  for (int n = 1; n < 200; ++n) {
    term *= -x / n;
    const double t = term / (a + n);
    s += t;
    if (std::fabs(t) < 1e-17 * std::fabs(s)) break;
  }
  s *= a;
  const double log_u = a * std::log(x) - log_gamma1p(a);
  const double u = std::exp(log_u);
  return {u * (1 + s), -std::expm1(log_u) - u * s};
}

ODESYNTH_INLINE tail_pair gamma_pq(double a, double x, double* prefix_out) noexcept {
  if (!(x > 0)) {
    if (prefix_out) *prefix_out = 0;
    return {0, 1};
  }
  if (!(x < std::numeric_limits<double>::infinity())) {
    if (prefix_out) *prefix_out = 0;
    return {1, 0};
  }
  const double prefix = gamma_prefix(a, x);
  if (prefix_out) *prefix_out = prefix;
  if (a > 20 && std::fabs(x - a) < 0.4 * a) return gamma_temme(a, x);
  bool small_x_form = false;
  if (x < 0.5)
    small_x_form = a <= -0.4 / std::log(x);
  else if (x <= 1.1)
    small_x_form = a <= 0.75 * x;
  if (small_x_form) return gamma_small_x(a, x);
  if (x <= 1.1 || x - 1 / (3 * x) < a) {
    const double p = gamma_p_series(a, x, prefix);
    return {p, 1 - p};
  }
  const double q = gamma_q_fraction(a, x, prefix);
  return {1 - q, q};
}

}  // namespace sf

ODESYNTH_INLINE double gamma_quantile(double a, double p, double q) noexcept {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (!(p > 0)) return 0;
  if (!(q > 0)) return inf;
  const bool lower = p <= q;
  const double log_target = std::log(lower ? p : q);
  // Starting point: the series' first term x^a / Gamma(a + 1) = p for small a or far in the
  // lower tail; Wilson & Hilferty's cube of a normal for a >= 1; e^-x x^(a-1) / Gamma(a) = q
  // far in the upper tail for a < 1.
  const double log_p = p < 0.5 ? std::log(p) : std::log1p(-q);
  const double first_term = std::exp((log_p + log_gamma1p_any(a)) / a);
  double x = first_term;
  if (a >= 1) {
    const double c = 1 / (9 * a), w = 1 - c + sf::rough_normal_quantile(p, q) * std::sqrt(c);
    if (!(lower && (w <= 0 || first_term < 0.1 * a))) x = a * w * w * w;
  } else if (!lower) {
    double upper = -log_target - log_gamma(a);
    if (upper > 1) upper += (a - 1) * std::log(upper);
    if (upper > 1) x = upper;
  }
  if (!(x > 0 && x < inf)) x = a;
  const auto eval = [&](double at, double& h1, double& h2) {
    double prefix = 0;
    const tail_pair t = sf::gamma_pq(a, at, &prefix);
    const double tail = lower ? t.lower : t.upper;
    if (!(tail > 0)) return lower ? -inf : inf;
    const double g = prefix / tail;  // |d log(tail) / d log x|
    h1 = g;
    h2 = g * (a - at) + (lower ? -g * g : g * g);
    const double h = std::log(tail) - log_target;
    return lower ? h : -h;
  };
  return sf::halley_log(x, 0, inf, eval);
}

namespace sf {

ODESYNTH_INLINE double beta_prefix(double a, double b, double x, double y) noexcept {
  const double log_x = x <= 0.5 ? std::log(x) : std::log1p(-y);
  const double log_y = y <= 0.5 ? std::log(y) : std::log1p(-x);
  if (a >= 10 && b >= 10) {
    // Stirling for the three gammas: with c = a + b, x^a y^b / B = sqrt(a b / (2 pi c))
    // (x c / a)^a (y c / b)^b e^(mu(c) - mu(a) - mu(b)), and a (x c / a - 1) + b (y c / b - 1)
    // = 0 turns the powers into log1pmx terms without cancellation.
    const double c = a + b;
    const double e = scaled_log1pmx(a, x * c) + scaled_log1pmx(b, y * c) + stirling_error(c) -
                     stirling_error(a) - stirling_error(b);
    return std::sqrt(a / (2 * sf_pi)) * std::sqrt(b / c) * std::exp(e);
  }
  if (a >= 10 || b >= 10) {
    // One large shape l and one small s: log(Gamma(s + l) / Gamma(l)) = (l - 1/2) log1p(s / l)
    // + s log(s + l) - s + mu(s + l) - mu(l), which Stirling keeps exact for large l.
    const double s = a < b ? a : b, l = a < b ? b : a;
    const double ratio = (l - 0.5) * std::log1p(s / l) + s * std::log(s + l) - s +
                         stirling_error(s + l) - stirling_error(l);
    return std::exp(a * log_x + b * log_y + ratio - log_gamma(s));
  }
  // Gamma(a + b) / (Gamma(a) Gamma(b)) with Gamma(a) = Gamma(a + 1) / a, safe for tiny shapes.
  const double ratio = std::tgamma(a + b) * (a / std::tgamma(1 + a)) * (b / std::tgamma(1 + b));
  const double xa = x <= 0.5 ? std::pow(x, a) : std::exp(a * log_x);
  const double yb = y <= 0.5 ? std::pow(y, b) : std::exp(b * log_y);
  return xa * yb * ratio;
}

ODESYNTH_INLINE double beta_fraction(double a, double b, double x, int max_steps) noexcept {
  constexpr double tiny = 1e-300;
  const double qab = a + b, qap = a + 1, qam = a - 1;
  double c = 1, d = 1 - qab * x / qap;
  if (std::fabs(d) < tiny) d = tiny;
  d = 1 / d;
  double h = d;
  for (int m = 1; m <= max_steps; ++m) {
    const double dm = m, m2 = 2 * dm;
    double aa = dm * (b - dm) * x / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = -(a + dm) * (qab + dm) * x / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (std::fabs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (std::fabs(c) < tiny) c = tiny;
    d = 1 / d;
    const double delta = d * c;
    h *= delta;
    if (std::fabs(delta - 1) < 1e-16) return h;
  }
  return max_steps < 1000000 ? std::numeric_limits<double>::quiet_NaN() : h;
}

ODESYNTH_INLINE tail_pair beta_pq(double a, double b, double x, double y,
                                  double* prefix_out) noexcept {
  if (prefix_out) *prefix_out = 0;
  if (!(x > 0)) return {0, 1};
  if (!(y > 0)) return {1, 0};
  const double prefix = beta_prefix(a, b, x, y);
  if (prefix_out) *prefix_out = prefix;
  // Each fraction converges fastest on its own side of (a + 1) / (a + b + 2); for small
  // shapes the larger tail can be the one computed there, and its complement is then taken
  // from the other fraction rather than as 1 minus a number near 1.
  const bool x_side = x < (a + 1) / (a + b + 2);
  const double first =
      x_side ? prefix * beta_fraction(a, b, x) / a : prefix * beta_fraction(b, a, y) / b;
  // (Not for a large leading shape: the fraction on y = 1 - x near 1 is sensitive to y's
  // rounding in proportion to that shape.)
  if (first > 0.5 && (x_side ? b : a) <= 1000) {  // if it converges in a few hundred steps
    const double other = x_side ? prefix * beta_fraction(b, a, y, 300) / b
                                : prefix * beta_fraction(a, b, x, 300) / a;
    if (other >= 0 && other <= 0.5)
      return x_side ? tail_pair{1 - other, other} : tail_pair{other, 1 - other};
  }
  return x_side ? tail_pair{first, 1 - first} : tail_pair{1 - first, first};
}

ODESYNTH_INLINE double beta_quantile_below_half(double a, double b, double p, double q) noexcept {
  constexpr double inf = std::numeric_limits<double>::infinity();
  const bool lower = p <= q;
  const double log_target = std::log(lower ? p : q);
  double x = 0;
  if (a >= 1 && b >= 1) {  // Numerical Recipes 6.4: a normal deviate through Beta's skew
    const double z = -rough_normal_quantile(p, q);
    const double al = (z * z - 3) / 6, h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1));
    const double w = z * std::sqrt(al + h) / h -
                     (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (al + 5.0 / 6 - 2 / (3 * h));
    x = a / (a + b * std::exp(2 * w));
  } else {  // the two first terms x^a / (a B) and y^b / (b B), B approximated by t + u
    const double t = std::exp(a * std::log(a / (a + b))) / a;
    const double u = std::exp(b * std::log(b / (a + b))) / b;
    const double w = t + u;
    if (p < t / w)
      x = std::exp((std::log(a * w) + std::log(p)) / a);
    else
      x = -std::expm1(std::log(b * w * q) / b);
  }
  if (lower) {  // far in the lower tail I ~ x^a / (a B(a, b))
    const double log_beta = log_gamma(a) + log_gamma(b) - log_gamma(a + b);
    const double first = std::exp((log_target + std::log(a) + log_beta) / a);
    if (first < 1e-3 && std::isfinite(log_beta)) x = first;
  }
  if (!(x > 0 && x < 0.5)) x = 0.25;
  const auto eval = [&](double at, double& h1, double& h2) {
    const double y = 1 - at;
    double prefix = 0;
    const tail_pair t = beta_pq(a, b, at, y, &prefix);
    const double tail = lower ? t.lower : t.upper;
    if (!(tail > 0)) return lower ? -inf : inf;
    const double g = prefix / (y * tail);  // |d log(tail) / d log x|
    h1 = g;
    h2 = g * (a - (b - 1) * at / y) + (lower ? -g * g : g * g);
    const double h = std::log(tail) - log_target;
    return lower ? h : -h;
  };
  return halley_log(x, 0, 0.5, eval);
}

ODESYNTH_INLINE bool beta_quantile_dominant(double s, double l, double p, double q,
                                            unit_point& out) noexcept {
  // Beta(s, l) is G_s / (G_s + G_l) for independent gammas, so x / y = G_s / G_l and, with
  // G_l = l (1 + e) (E e = 0, E e^2 = 1 / l), I_x = E F_s(l (x / y) (1 + e)), F_s the Gamma(s)
  // CDF. Taylor to second order in e: I_x = F_s(t) + t^2 f_s'(t) / (2 l) with t = l x / y, and
  // f_s' / f_s = (s - 1) / t - 1 gives t = g (1 - (s - 1 - g) / (2 l)) for g = F_s^-1(p). What
  // is left out is of second order: against Boost.Math (s = 0.5 to 1e5, l / s = 1e4 to 1e8)
  // the error was 0.1 to 60 times the correction's square, so a correction below 2^-26 keeps
  // it below 1.5e-14; s / l below 2^-20 keeps G_s's own spread small against l. (The
  // general method's fraction needs O(sqrt(l)) steps here: a second per quantile at l = 1e300,
  // and errors up to 1.6e-10 from l = 1e8 on; the unit tests compare with Boost.Math.)
  if (!(s <= 0x1p-20 * l)) return false;
  const double g = gamma_quantile(s, p, q);
  const double correction = (s - 1 - g) / (2 * l);
  if (!(std::fabs(correction) <= 0x1p-26)) return false;
  const double r = g * (1 - correction) / l;  // x / y, at most about 2^-26: 1 + r is exact enough
  out = {r / (1 + r), 1 / (1 + r)};
  return true;
}

ODESYNTH_INLINE bool beta_quantile_normal(double a, double b, double p, double q,
                                          unit_point& out) noexcept {
  // Both shapes large: Beta(a, b) tends to a normal, and the Cornish-Fisher expansion (Cornish
  // & Fisher 1937) to order 1 / n, n = min(a, b), with Beta's skewness and excess kurtosis,
  // leaves an error of order z^4 / n^2 relative to x and to y. Against the general method at
  // n = 1e7 to 1e9, away from where that method loses digits, it was below 0.01 z^4 / n^2, so
  // z^4 <= 1e-12 n^2 keeps it below 1e-14: every |z| up to 10 (u from 1e-23 on) at n = 1e8.
  // The general method's fraction needs O(sqrt(a + b)) steps here and lost digits from n =
  // 1e8 on (Beta(1e8, 1e8)'s median came out 6.6e-12 away from 1/2, Beta(1e15, 1e15)'s 1.5e-7).
  const double n = std::fmin(a, b);
  if (!(n >= 1e8)) return false;
  const double z = p <= q ? normal_quantile(p) : -normal_quantile(q);
  if (!(z * z * z * z <= 1e-12 * n * n)) return false;
  // a, b below 2^108 and within 2^20 of each other here (beta_quantile), so no product
  // overflows.
  const double c = a + b, mean_x = a / c, mean_y = b / c;
  const double sd = std::sqrt(mean_x * mean_y / (c + 1));
  const double skewness = 2 * (b - a) * std::sqrt(c + 1) / ((c + 2) * std::sqrt(a * b));
  const double excess_kurtosis =
      6 * ((a - b) * (a - b) * (c + 1) - a * b * (c + 2)) / (a * b * (c + 2) * (c + 3));
  const double z2 = z * z;
  const double w = z + (z2 - 1) * skewness / 6 + (z2 - 3) * z * excess_kurtosis / 24 -
                   (2 * z2 - 5) * z * skewness * skewness / 36;
  out = {mean_x + sd * w, mean_y - sd * w};
  return true;
}

}  // namespace sf

ODESYNTH_INLINE unit_point beta_quantile(double a, double b, double p, double q) noexcept {
  if (!(p > 0)) return {0, 1};
  if (!(q > 0)) return {1, 0};
  // One shape dwarfs the other: the gamma limit. For a the large one, 1 - X ~ Beta(b, a).
  unit_point limit{};
  if (a <= b && sf::beta_quantile_dominant(a, b, p, q, limit)) return limit;
  if (b < a && sf::beta_quantile_dominant(b, a, q, p, limit)) return {limit.y, limit.x};
  // Both above 2^108: Beta's spread about its mean, below sqrt(1 / min(a, b)) relative to x
  // and to y, is under half an ulp: a point mass at the mean (each side with its own digits).
  if (std::fmin(a, b) >= 0x1p108) return {1 / (1 + b / a), 1 / (1 + a / b)};
  // Both large and within 2^20 of each other: the normal limit with its corrections.
  if (sf::beta_quantile_normal(a, b, p, q, limit)) return limit;
  const tail_pair half = sf::beta_pq(a, b, 0.5, 0.5, nullptr);
  const bool x_small = p <= q ? p <= half.lower : q >= half.upper;
  if (x_small) {
    const double x = sf::beta_quantile_below_half(a, b, p, q);
    return {x, 1 - x};
  }
  const double y = sf::beta_quantile_below_half(b, a, q, p);
  return {1 - y, y};
}

}  // namespace odesynth::detail
