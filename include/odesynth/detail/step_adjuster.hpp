// odesynth/detail/step_adjuster.hpp - Boost.Odeint's default step size adjuster, with the
// same steps on every machine.
//
// The formulas of odeint's default_step_adjuster (controlled_runge_kutta.hpp): after a rejected
// step dt *= max(0.9 err^(-1/(q - 1)), 1/5), q the error order; after an accepted one with
// err < 0.5, dt *= 0.9 max(err, 5^-p)^(-1/p), p the stepper order; both then bounded by max_dt.
// The powers are portable_pow's (portable_pow.hpp): std::pow rounds differently on different
// machines, and each difference changes every later step of a solve. batch_solver.hpp repeats
// these two functions lane by lane, so that its steps stay the scalar solver's.
#pragma once

#include <algorithm>
#include <boost/numeric/odeint/stepper/controlled_runge_kutta.hpp>

#include "portable_pow.hpp"

namespace odesynth::detail {

/// 5^-p, rounded once (5^p is exact for p <= 22).
inline double inverse_power_of_five(int p) noexcept {
  double five_p = 1;
  for (int i = 0; i < p; ++i) five_p *= 5;
  return 1.0 / five_p;
}

// Each adjustment in two halves, the power and what is done with it, so that batch_solver can
// compute the powers of all its lanes at once and still multiply exactly as here.

/// The power a rejected step's adjustment needs: err^(-1/(q - 1)), q the error order.
inline double decrease_base(double err) noexcept { return err; }
inline double decrease_exponent(int error_order) noexcept { return -1.0 / (error_order - 1); }
/// dt after a rejection, from that power.
inline double decreased_step_by(double dt, double power) noexcept {
  return dt * std::max(9.0 / 10.0 * power, 1.0 / 5.0);
}

/// The power an accepted step's adjustment needs when err < 0.5: max(err, 5^-p)^(-1/p), p the
/// stepper order.
inline double increase_base(double err, int stepper_order) noexcept {
  return std::max(inverse_power_of_five(stepper_order), err);
}
inline double increase_exponent(int stepper_order) noexcept { return -1.0 / stepper_order; }
/// dt after an acceptance with err < 0.5, from that power.
inline double increased_step_by(double dt, double power) noexcept {
  return dt * (9.0 / 10.0 * power);
}

/// dt after a rejected step with error `err` > 1 (error order q).
inline double decreased_step(double dt, double err, int error_order) noexcept {
  return decreased_step_by(dt, portable_pow(decrease_base(err), decrease_exponent(error_order)));
}

/// dt after an accepted step with error `err` <= 1 (stepper order p).
inline double increased_step(double dt, double err, int stepper_order) noexcept {
  if (!(err < 0.5)) return dt;
  return increased_step_by(
      dt, portable_pow(increase_base(err, stepper_order), increase_exponent(stepper_order)));
}

/// A StepAdjuster for odeint's controlled_runge_kutta: the default one, with decreased_step
/// and increased_step in place of its std::pow (max_dt handling unchanged).
template <class Value, class Time>
class portable_step_adjuster : public boost::numeric::odeint::default_step_adjuster<Value, Time> {
  using base = boost::numeric::odeint::default_step_adjuster<Value, Time>;

 public:
  using base::base;

  Time decrease_step(Time dt, const Value error, const int error_order) const {
    dt = decreased_step(dt, error, error_order);
    if (this->m_max_dt != Time(0)) dt = boost::numeric::odeint::detail::min_abs(dt, this->m_max_dt);
    return dt;
  }

  Time increase_step(Time dt, Value error, const int stepper_order) const {
    if (error < 0.5) {
      dt = increased_step(dt, error, stepper_order);
      if (this->m_max_dt != Time(0))
        dt = boost::numeric::odeint::detail::min_abs(dt, this->m_max_dt);
    }
    return dt;
  }
};

}  // namespace odesynth::detail
