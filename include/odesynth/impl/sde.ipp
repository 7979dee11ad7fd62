// odesynth/impl/sde.ipp - the non-template code of sde.hpp, compiled in every file that
// includes it (header-only) or once in odesynth_compiled (detail/config.hpp).
#pragma once

#include <fmt/format.h>

#include <cmath>

#include "../sde.hpp"

namespace odesynth {

ODESYNTH_INLINE brownian_tree::brownian_tree(std::uint64_t key, std::size_t components, double t0,
                                             double t1, int depth)
    : key_{static_cast<std::uint32_t>(key), static_cast<std::uint32_t>(key >> 32)},
      t0_(t0),
      t1_(t1),
      span_(t1 - t0),
      depth_(depth),
      h_((t1 - t0) / std::ldexp(1.0, depth)),
      cache_(components, std::vector<node>(static_cast<std::size_t>(depth) + 1)) {
  if (!(t1 > t0) || !std::isfinite(t0) || !std::isfinite(t1) || !std::isfinite(span_))
    detail::throw_invalid("brownian_tree.t1", t1,
                          fmt::format("a finite time > t0 = {} with t1 - t0 finite", t0));
  if (depth < 0 || depth > 52)
    detail::throw_invalid("brownian_tree.depth", depth, "a depth in [0, 52]");
  end_.resize(components);
  for (std::size_t c = 0; c < components; ++c)
    end_[c] = std::sqrt(t1 - t0) * normal(0, 0, static_cast<std::uint32_t>(c));
}

namespace detail {
ODESYNTH_INLINE std::string diffusion_text(const diffusion& d) {
  return fmt::format("{} sigma={}", to_string(d.type), d.sigma);
}
}  // namespace detail

ODESYNTH_INLINE void sde_options::validate() const {
  if (!(std::isfinite(dt) && dt > 0))
    detail::throw_invalid("sde_options.dt", dt, "a finite step > 0");
  if (max_steps <= 0) detail::throw_invalid("sde_options.max_steps", max_steps, "a count >= 1");
  // A larger budget let a dt needing more than 2^52 steps run 2^52 longer ones.
  if (max_steps > std::int64_t{1} << 52)
    detail::throw_invalid("sde_options.max_steps", max_steps,
                          "a count <= 2^52 (the Brownian tree's finest level)");
  if (!(std::isfinite(time_limit_seconds) && time_limit_seconds >= 0))
    detail::throw_invalid("sde_options.time_limit_seconds", time_limit_seconds,
                          "a finite number of seconds >= 0 (0: no limit)");
}

}  // namespace odesynth
