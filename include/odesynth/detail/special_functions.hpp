// odesynth/detail/special_functions.hpp - incomplete gamma and beta functions and their
// inverses, for the gamma, beta, student_t and poisson distributions (issue 13: Boost.Math's
// headers cost about 2 s of compile time in every translation unit that includes them).
//
//   gamma_pq(a, x)              P(a, x) and Q(a, x) = 1 - P, regularised incomplete gamma
//   gamma_quantile(a, p, q)     x with P(a, x) = p, where q = 1 - p is given as well
//   beta_pq(a, b, x, y)         I_x(a, b) and 1 - I_x(a, b), y = 1 - x given as well
//   beta_quantile(a, b, p, q)   {x, y = 1 - x} with I_x(a, b) = p, q = 1 - p given as well
//   log_gamma(x)                log Gamma(x) for x > 0, without std::lgamma's global signgam
//
// Both tails are computed directly (the smaller of P and Q, of I and 1 - I, never as 1 minus a
// number near 1), so the quantiles keep their digits in the upper tail: callers pass q = 1 - u,
// which is exact for u >= 1/2. No global state, no allocation, no exceptions; the loops are
// bounded; for a > 0, b > 0, p in [0, 1] the results are never NaN (0 or inf only where the
// true value underflows or overflows).
//
// Methods (written for odesynth; the references describe the mathematics):
//   P and Q: the power series for P, Legendre's continued fraction for Q (modified Lentz,
//     Numerical Recipes 3rd ed. 6.2 and 5.2), DiDonato & Morris's small-x form of Q for small a
//     (ACM TOMS 12(4), 1986, eq. 13-15), and Temme's uniform asymptotic expansion for large a
//     near x = a (DLMF 8.12.8-8.12.13; the coefficients below were computed for odesynth with
//     mpmath at 60 digits from the recurrences of DLMF 8.12.12-8.12.13 and 5.11.3). The region
//     boundaries follow DiDonato & Morris and Boost.Math's documentation.
//   I_x(a, b): the continued fraction of DLMF 8.17.22 (Numerical Recipes 6.4), on x below
//     (a + 1) / (a + b + 2), on 1 - x by symmetry above; its prefactor x^a y^b / B(a, b) written
//     with log1pmx and Stirling's series for large shapes, so it keeps its digits at a = 1e5.
//   Quantiles: Halley's method on log(tail) as a function of log x (nearly linear in both
//     tails, so one step crosses hundreds of orders of magnitude), safeguarded by a bracket
//     with bisection, at most 100 steps; starting points from Wilson & Hilferty, from the first
//     term of the series (x^a / Gamma(a + 1) = p), and from Numerical Recipes 6.2.1 and 6.4.1.
//     Beta quantiles with one shape 2^20 times the other or more: the gamma limit with its first
//     correction (sf::beta_quantile_dominant); both above 2^108: the mean; both above 1e8 and
//     within 2^20 of each other: the normal limit by Cornish-Fisher (sf::beta_quantile_normal).
//     The continued fraction would need O(sqrt(a + b)) steps in these ranges.
#pragma once

#include <cmath>
#include <limits>

#include "config.hpp"

namespace odesynth::detail {

inline constexpr double sf_pi = 3.14159265358979323846;
inline constexpr double sf_euler_gamma = 0.57721566490153286061;

/// The standard normal quantile by Wichura's algorithm AS 241 (PPND16), Applied Statistics
/// 37(3), 1988, relative accuracy about 1e-16 (odesynth::standard_normal_quantile).
inline double normal_quantile(double p) noexcept {
  const double q = p - 0.5;
  if (std::fabs(q) <= 0.425) {
    const double r = 0.180625 - q * q;
    return q *
           (((((((2.5090809287301226727e+3 * r + 3.3430575583588128105e+4) * r +
                 6.7265770927008700853e+4) *
                    r +
                4.5921953931549871457e+4) *
                   r +
               1.3731693765509461125e+4) *
                  r +
              1.9715909503065514427e+3) *
                 r +
             1.3314166789178437745e+2) *
                r +
            3.3871328727963666080e+0) /
           (((((((5.2264952788528545610e+3 * r + 2.8729085735721942674e+4) * r +
                 3.9307895800092710610e+4) *
                    r +
                2.1213794301586595867e+4) *
                   r +
               5.3941960214247511077e+3) *
                  r +
              6.8718700749205790830e+2) *
                 r +
             4.2313330701600911252e+1) *
                r +
            1.0);
  }
  double r = q < 0 ? p : 1.0 - p;
  if (!(r > 0))
    return q < 0 ? -std::numeric_limits<double>::infinity()
                 : std::numeric_limits<double>::infinity();
  r = std::sqrt(-std::log(r));
  double value;
  if (r <= 5.0) {
    r -= 1.6;
    value = (((((((7.74545014278341407640e-4 * r + 2.27238449892691845833e-2) * r +
                  2.41780725177450611770e-1) *
                     r +
                 1.27045825245236838258e+0) *
                    r +
                3.64784832476320460504e+0) *
                   r +
               5.76949722146069140550e+0) *
                  r +
              4.63033784615654529590e+0) *
                 r +
             1.42343711074968357734e+0) /
            (((((((1.05075007164441684324e-9 * r + 5.47593808499534494600e-4) * r +
                  1.51986665636164571966e-2) *
                     r +
                 1.48103976427480074590e-1) *
                    r +
                6.89767334985100004550e-1) *
                   r +
               1.67638483018380384940e+0) *
                  r +
              2.05319162663775882187e+0) *
                 r +
             1.0);
  } else {
    r -= 5.0;
    value = (((((((2.01033439929228813265e-7 * r + 2.71155556874348757815e-5) * r +
                  1.24266094738807843860e-3) *
                     r +
                 2.65321895265761230930e-2) *
                    r +
                2.96560571828504891230e-1) *
                   r +
               1.78482653991729133580e+0) *
                  r +
              5.46378491116411436990e+0) *
                 r +
             6.65790464350110377720e+0) /
            (((((((2.04426310338993978564e-15 * r + 1.42151175831644588870e-7) * r +
                  1.84631831751005468180e-5) *
                     r +
                 7.86869131145613259100e-4) *
                    r +
                1.48753612908506148525e-2) *
                   r +
               1.36929880922735805310e-1) *
                  r +
              5.99832206555887937690e-1) *
                 r +
             1.0);
  }
  return q < 0 ? -value : value;
}

/// log(1 + t) - t for t > -1, without cancellation near t = 0: with r = t / (2 + t),
/// log(1 + t) = 2 atanh(r) = 2 (r + r^3/3 + ...) and t - 2r = r t.
inline double log1pmx(double t) noexcept {
  if (!(std::fabs(t) < 0.5)) return std::log1p(t) - t;
  const double r = t / (2 + t), r2 = r * r;
  double sum = 0, power = 1;  // sum_{k >= 0} r^(2k) / (2k + 3); |r| <= 1/3, r^2 <= 1/9
  for (int k = 0; k < 40; ++k) {
    const double term = power / (2 * k + 3);
    sum += term;
    if (term < 1e-17 * sum) break;
    power *= r2;
  }
  return 2 * r * r2 * sum - r * t;
}

/// a (log(x / a) - (x / a - 1)) = a log(x / a) - x + a for a, x > 0: log1pmx near x = a, and
/// away from it log(x / a) itself, since x / a - 1 would lose x's digits for x much below a.
inline double scaled_log1pmx(double a, double x) noexcept {
  if (std::fabs(x - a) < 0.5 * a) return a * log1pmx((x - a) / a);
  const double r = x / a;
  const double log_r = r > 1e-300 && r < 1e300 ? std::log(r) : std::log(x) - std::log(a);
  return a * log_r - x + a;
}

/// Stirling's error log Gamma(a) - ((a - 1/2) log a - a + log(2 pi) / 2) for a >= 10, from its
/// asymptotic series sum B_2k / (2k (2k - 1) a^(2k - 1)); eight terms leave < 1e-17 at a = 10.
inline double stirling_error(double a) noexcept {
  const double w = 1 / a, w2 = w * w;
  return w *
         (1.0 / 12 + w2 * (-1.0 / 360 +
                           w2 * (1.0 / 1260 +
                                 w2 * (-1.0 / 1680 +
                                       w2 * (1.0 / 1188 +
                                             w2 * (-691.0 / 360360 +
                                                   w2 * (1.0 / 156 + w2 * (-3617.0 / 122400))))))));
}

/// log Gamma(x) for x > 0. Thread-safe (std::lgamma writes the global signgam on glibc and
/// macOS); absolute error a few ulp of max(1, |result|).
inline double log_gamma(double x) noexcept {
  if (x >= 10) return (x - 0.5) * std::log(x) - x + 0.91893853320467274178 + stirling_error(x);
  if (x < 1e-8) return -std::log(x) - sf_euler_gamma * x;
  return std::log(std::tgamma(x));
}

/// log Gamma(1 + a) for 0 <= a <= 1, with full relative accuracy for small a: the Taylor series
/// -gamma a + sum_k (-1)^k zeta(k) a^k / k below a = 0.2 (24 terms: 0.2^26 / 26 < 1e-19).
inline double log_gamma1p(double a) noexcept {
  if (a >= 0.2) return std::log(std::tgamma(1 + a));
  static constexpr double c[] = {
      8.2246703342411322e-1, -4.0068563438653143e-1, 2.7058080842778455e-1, -2.0738555102867399e-1,
      1.6955717699740819e-1, -1.4404989676884612e-1, 1.2550966952474304e-1, -1.1133426586956469e-1,
      1.0009945751278181e-1, -9.0954017145829042e-2, 8.3353840546109004e-2, -7.6932516411352191e-2,
      7.1432946295361336e-2, -6.6668705882420468e-2, 6.2500955141213041e-2, -5.8823978658684582e-2,
      5.5555767627403611e-2, -5.2631679379616661e-2, 5.0000047698101694e-2, -4.7619070330142228e-2,
      4.5454556293204669e-2, -4.3478266053040259e-2, 4.166666915034121e-2,  -4.0000001192140141e-2};
  double sum = 0;
  for (int k = static_cast<int>(sizeof(c) / sizeof(c[0])) - 1; k >= 0; --k) sum = sum * a + c[k];
  return a * (-sf_euler_gamma + a * sum);
}

/// x^a e^-x / Gamma(a), the factor in front of every expansion of P and Q (x times the
/// density of Gamma(a, 1) at x).
inline double gamma_prefix(double a, double x) noexcept {
  if (a >= 10)  // Stirling: x^a e^-x / Gamma(a) = sqrt(a / 2 pi) e^(a log1pmx(x/a - 1) - mu(a))
    return std::sqrt(a / (2 * sf_pi)) * std::exp(scaled_log1pmx(a, x) - stirling_error(a));
  if (x > 1e-30 && x < 700) return std::pow(x, a) * std::exp(-x) * a / std::tgamma(1 + a);
  return std::exp(a * std::log(x) - x - log_gamma(a));
}

/// A regularised incomplete function value and its complement, each with its own digits.
struct tail_pair {
  double lower, upper;
};

namespace sf {

// Temme's coefficients d_{k,n} (DLMF 8.12.12), rows k = 0..11 truncated where the term is
// below 1e-19 of the sum for a > 20 and |eta| <= 0.5.
inline constexpr int temme_rows = 12;
inline constexpr int temme_length[temme_rows] = {21, 20, 19, 17, 15, 15, 13, 12, 10, 9, 7, 5};
inline constexpr double temme_d[] = {
    // k = 0
    -3.3333333333333333e-1,
    8.3333333333333333e-2,
    -1.4814814814814815e-2,
    1.1574074074074074e-3,
    3.527336860670194e-4,
    -1.7875514403292181e-4,
    3.9192631785224378e-5,
    -2.1854485106799922e-6,
    -1.85406221071516e-6,
    8.296711340953086e-7,
    -1.7665952736826079e-7,
    6.7078535434014986e-9,
    1.0261809784240308e-8,
    -4.3820360184533532e-9,
    9.1476995822367902e-10,
    -2.551419399494625e-11,
    -5.8307721325504251e-11,
    2.4361948020667416e-11,
    -5.0276692801141756e-12,
    1.1004392031956135e-13,
    3.3717632624009854e-13,
    // k = 1
    -1.8518518518518519e-3,
    -3.4722222222222222e-3,
    2.6455026455026455e-3,
    -9.9022633744855967e-4,
    2.0576131687242798e-4,
    -4.0187757201646091e-7,
    -1.8098550334489978e-5,
    7.6491609160811101e-6,
    -1.6120900894563446e-6,
    4.6471278028074343e-9,
    1.378633446915721e-7,
    -5.752545603517705e-8,
    1.1951628599778147e-8,
    -1.7543241719747648e-11,
    -1.0091543710600413e-9,
    4.1627929918425826e-10,
    -8.5639070264929806e-11,
    6.0672151016047586e-14,
    7.1624989648114854e-12,
    -2.9331866437714371e-12,
    // k = 2
    4.1335978835978836e-3,
    -2.6813271604938272e-3,
    7.7160493827160494e-4,
    2.0093878600823045e-6,
    -1.0736653226365161e-4,
    5.2923448829120125e-5,
    -1.2760635188618728e-5,
    3.4235787340961381e-8,
    1.3721957309062933e-6,
    -6.298992138380055e-7,
    1.4280614206064242e-7,
    -2.0477098421990866e-10,
    -1.4092529910867521e-8,
    6.228974084922022e-9,
    -1.3670488396617113e-9,
    9.4283561590146782e-13,
    1.2872252400089318e-10,
    -5.5645956134363321e-11,
    1.1975935546366981e-11,
    // k = 3
    6.4943415637860082e-4,
    2.2947209362139918e-4,
    -4.6918949439525571e-4,
    2.6772063206283885e-4,
    -7.5618016718839764e-5,
    -2.3965051138672967e-7,
    1.1082654115347302e-5,
    -5.6749528269915966e-6,
    1.4230900732435884e-6,
    -2.7861080291528142e-11,
    -1.6958404091930277e-7,
    8.0994649053880824e-8,
    -1.9111168485973654e-8,
    2.3928620439808118e-12,
    2.0620131815488798e-9,
    -9.4604966618551322e-10,
    2.1541049775774908e-10,
    // k = 4
    -8.618882909167117e-4,
    7.8403922172006663e-4,
    -2.9907248030319018e-4,
    -1.4638452578843418e-6,
    6.6414982154651222e-5,
    -3.9683650471794347e-5,
    1.1375726970678419e-5,
    2.5074972262375328e-10,
    -1.6954149536558306e-6,
    8.9075075322053097e-7,
    -2.2929348340008049e-7,
    2.956794137544049e-11,
    2.8865829742708784e-8,
    -1.4189739437803219e-8,
    3.4463580499464897e-9,
    // k = 5
    -3.3679855336635815e-4,
    -6.9728137583658578e-5,
    2.7727532449593921e-4,
    -1.9932570516188848e-4,
    6.7977804779372078e-5,
    1.419062920643967e-7,
    -1.3594048189768693e-5,
    8.0184702563342015e-6,
    -2.2914811765080952e-6,
    -3.252473551298454e-10,
    3.4652846491085265e-7,
    -1.8447187191171343e-7,
    4.8240967037894181e-8,
    -1.7989466721743515e-14,
    -6.3061945000135234e-9,
    // k = 6
    5.3130793646399222e-4,
    -5.9216643735369388e-4,
    2.7087820967180448e-4,
    7.9023532326603279e-7,
    -8.1539693675619688e-5,
    5.6116827531062497e-5,
    -1.8329116582843376e-5,
    -3.0796134506033048e-9,
    3.4651553688036091e-6,
    -2.0291327396058604e-6,
    5.7887928631490037e-7,
    2.338630673826657e-13,
    -8.8286007463304835e-8,
    // k = 7
    3.4436760689237767e-4,
    5.1717909082605922e-5,
    -3.3493161081142236e-4,
    2.812695154763237e-4,
    -1.0976582244684731e-4,
    -1.2741009095484485e-7,
    2.7744451511563644e-5,
    -1.8263488805711333e-5,
    5.7876949497350524e-6,
    4.9387589339362704e-10,
    -1.0595367014026043e-6,
    6.1667143761104075e-7,
    // k = 8
    -6.5262391859530942e-4,
    8.3949872067208728e-4,
    -4.3829709854172101e-4,
    -6.969091458420552e-7,
    1.6644846642067548e-4,
    -1.2783517679769219e-4,
    4.6299532636913043e-5,
    4.5579098679227077e-9,
    -1.0595271125805195e-5,
    6.7833429048651666e-6,
    // k = 9
    -5.9676129019274625e-4,
    -7.2048954160200106e-5,
    6.7823088376673284e-4,
    -6.4014752602627585e-4,
    2.7750107634328704e-4,
    1.8197008380465151e-7,
    -8.4795071170685032e-5,
    6.105192082501531e-5,
    -2.1073920183404862e-5,
    // k = 10
    1.3324454494800656e-3,
    -1.9144384985654775e-3,
    1.1089369134596637e-3,
    9.932404122642299e-7,
    -5.0874501293093199e-4,
    4.2735056665392884e-4,
    -1.6858853767910799e-4,
    // k = 11
    1.579727660730835e-3,
    1.6251626278391582e-4,
    -2.0633421035543276e-3,
    2.1389686185689098e-3,
    -1.0108559391263003e-3,
};

/// Q(a, x) by Temme's expansion: Q = erfc(eta sqrt(a/2)) / 2 + R, R = e^(-a eta^2 / 2) /
/// sqrt(2 pi a) sum_k C_k(eta) a^-k, C_k(eta) = sum_n d_{k,n} eta^n; for a > 20, |x/a - 1| < 0.4.
ODESYNTH_INLINE tail_pair gamma_temme(double a, double x) noexcept;

/// P(a, x) by its power series P = x^a e^-x / Gamma(a + 1) sum_n x^n / ((a+1)...(a+n)); for
/// x below about a (the terms shrink at least like x / (a + 1) < 1).
ODESYNTH_INLINE double gamma_p_series(double a, double x, double prefix) noexcept;

/// Q(a, x) by Legendre's continued fraction (modified Lentz); for x > 1.1 above about a.
ODESYNTH_INLINE double gamma_q_fraction(double a, double x, double prefix) noexcept;

/// P and Q for small a and x <= 1.1 (DiDonato & Morris 1986, eq. 15): with u = x^a / Gamma(1+a)
/// and S = a sum_{n>=1} (-x)^n / (n! (a + n)), P = u (1 + S) and Q = -expm1(log u) - u S.
ODESYNTH_INLINE tail_pair gamma_small_x(double a, double x) noexcept;

/// P and Q, and the prefix x^a e^-x / Gamma(a) (x times the density) for the quantile.
ODESYNTH_INLINE tail_pair gamma_pq(double a, double x, double* prefix_out) noexcept;

/// A rough standard normal quantile (Numerical Recipes 6.2.1 / Abramowitz & Stegun 26.2.22,
/// |error| < 3e-3), for starting points only; p and q = 1 - p both given.
inline double rough_normal_quantile(double p, double q) noexcept {
  const double t = std::sqrt(-2 * std::log(p < q ? p : q));
  const double z = t - (2.30753 + 0.27061 * t) / (1 + t * (0.99229 + t * 0.04481));
  return p < q ? -z : z;
}

/// Shared safeguarded Halley iteration on h(t) = log(tail(e^t)) - log(target), t = log x.
/// `eval(x, h1, h2)` returns h at x and sets h1 = dh/dt and h2 = d2h/dt2 (NaN h: no tail
/// value at x, e.g. underflow to 0); lo < x0 < hi bracket the root, h increasing in x.
template <class Eval>
double halley_log(double x, double lo, double hi, Eval eval) noexcept {
  constexpr double inf = std::numeric_limits<double>::infinity();
  constexpr double denorm_min = std::numeric_limits<double>::denorm_min();
  constexpr double max = std::numeric_limits<double>::max();
  for (int iteration = 0; iteration < 100; ++iteration) {
    double h1 = 0, h2 = 0;
    const double h = eval(x, h1, h2);
    if (h == 0) return x;
    double next = std::numeric_limits<double>::quiet_NaN();
    if (std::isfinite(h) && h1 > 0) {
      (h < 0 ? lo : hi) = x;
      double dt = h / h1;
      const double halley = 1 - 0.5 * dt * h2 / h1;
      // Halley's error after a step dt is O(dt^3), Newton's O(dt^2): below these steps the
      // next one would be lost in the tail's rounding.
      const bool cubic = halley > 0.5 && halley < 2;
      if (cubic) dt /= halley;  // else Newton's step
      if (std::fabs(dt) < (cubic ? 1e-6 : 1e-9)) return x * std::exp(-dt);
      next = x * std::exp(-dt);
    } else if (h < 0) {  // tail 0 (underflow) or flat: the root lies above x
      lo = x;
    } else {
      hi = x;
    }
    // A step past the smallest or largest double: try that double once; if the root lies
    // beyond it too, the quantile underflows to 0 or overflows to inf.
    if (next == 0 && lo == 0) {
      if (x == denorm_min) return 0;
      next = denorm_min;
    } else if (next == inf && hi == inf) {
      if (x == max) return inf;
      next = max;
    }
    if (!(next > lo && next < hi)) {  // bisect, geometrically when the bracket spans octaves
      const double low = lo == 0 ? denorm_min : lo, high = hi == inf ? max : hi;
      next = high > 4 * low ? std::sqrt(low) * std::sqrt(high) : low + 0.5 * (high - low);
      if (!(next > lo && next < hi)) return x;  // lo and hi adjacent doubles
    }
    x = next;
  }
  return x;
}

}  // namespace sf

/// P(a, x) and Q(a, x) for a > 0, x >= 0.
inline tail_pair gamma_pq(double a, double x) noexcept { return sf::gamma_pq(a, x, nullptr); }

/// log Gamma(1 + a) for any a >= 0.
inline double log_gamma1p_any(double a) noexcept {
  return a <= 1 ? log_gamma1p(a) : log_gamma(1 + a);
}

/// The x >= 0 with P(a, x) = p (equivalently Q(a, x) = q); q = 1 - p is passed too, so that
/// upper-tail quantiles are found from q's digits. p = 0 gives 0, q = 0 gives inf.
ODESYNTH_INLINE double gamma_quantile(double a, double p, double q) noexcept;

/// A point of [0, 1] and its distance from 1, each with its own digits.
struct unit_point {
  double x, y;
};

namespace sf {

/// x^a y^b / B(a, b) (x y times the density of Beta(a, b) at x), y = 1 - x.
ODESYNTH_INLINE double beta_prefix(double a, double b, double x, double y) noexcept;

/// The continued fraction of I_x(a, b) = x^a y^b / (a B(a, b)) / (1 + d1 / (1 + d2 / ...))
/// (DLMF 8.17.22, modified Lentz); converges for x < (a + 1) / (a + b + 2), in O(sqrt(max(a,
/// b))) steps near that point.
/// Returns NaN if `max_steps` were not enough.
ODESYNTH_INLINE double beta_fraction(double a, double b, double x,
                                     int max_steps = 1000000) noexcept;

ODESYNTH_INLINE tail_pair beta_pq(double a, double b, double x, double y,
                                  double* prefix_out) noexcept;

/// The x in (0, 1/2] with I_x(a, b) = p, q = 1 - p, for a root known to lie there.
ODESYNTH_INLINE double beta_quantile_below_half(double a, double b, double p, double q) noexcept;

/// Beta(s, l)'s quantile {x, y} for a shape l that dwarfs s, from the gamma limit with its
/// first correction; false (out untouched) where l is not large enough for double precision.
ODESYNTH_INLINE bool beta_quantile_dominant(double s, double l, double p, double q,
                                            unit_point& out) noexcept;

/// Beta(a, b)'s quantile {x, y} for two large shapes, from the normal limit with the
/// Cornish-Fisher corrections; false (out untouched) where they are not accurate enough.
ODESYNTH_INLINE bool beta_quantile_normal(double a, double b, double p, double q,
                                          unit_point& out) noexcept;

}  // namespace sf

/// I_x(a, b) and 1 - I_x(a, b) for a, b > 0, x in [0, 1], y = 1 - x.
inline tail_pair beta_pq(double a, double b, double x, double y) noexcept {
  if (!std::isfinite(a + b)) {  // both above 8e307: a point mass at the mean
    const double mean = 1 / (1 + b / a);
    return x < mean ? tail_pair{0, 1} : tail_pair{1, 0};
  }
  return sf::beta_pq(a, b, x, y, nullptr);
}

/// The x in [0, 1] with I_x(a, b) = p, and y = 1 - x from its own digits; q = 1 - p is passed
/// too. The smaller of x and y is the one iterated on (I_x(a, b) = 1 - I_y(b, a)).
ODESYNTH_INLINE unit_point beta_quantile(double a, double b, double p, double q) noexcept;

}  // namespace odesynth::detail

#if defined(ODESYNTH_HEADER_ONLY)
#include "impl/special_functions.ipp"
#endif
