// odesynth/progress.hpp - what a running generator reports, and how a callback answers.
//
// Its own header so that progress displays (progress_bar.hpp) and other watchers need not
// include the generator and every solver behind it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>
#include <type_traits>
#include <utility>

#include "detail/enum_names.hpp"

namespace odesynth {

struct progress {
  std::uint64_t done = 0;  ///< trajectories delivered or dropped so far
  std::uint64_t total = 0;
  std::uint64_t failed = 0;  ///< of those, solves that did not end ok
  double elapsed_seconds = 0;
  bool cancelled = false;  ///< set in the final call of a run a callback stopped
};

/// What a progress callback asks of the run that called it.
enum class generation_control {
  proceed,  ///< go on
  stop,     ///< cancel: deliver nothing more, finish the solves under way, return
};

constexpr std::string_view to_string(generation_control c) noexcept {
  return c == generation_control::stop ? "stop" : "proceed";
}

namespace detail {
template <class T>
struct is_std_function : std::false_type {};
template <class Signature>
struct is_std_function<std::function<Signature>> : std::true_type {};
}  // namespace detail

/// generator_options::on_progress: any copyable callable taking `const progress&` and
/// returning either void (it only watches, as before) or generation_control (it may cancel the
/// run by returning stop). Empty by default; an empty std::function or a null function pointer
/// leaves it empty.
class progress_callback {
 public:
  progress_callback() = default;
  progress_callback(std::nullptr_t) noexcept {}  // NOLINT: `on_progress = nullptr` clears it
  template <class F, class = std::enable_if_t<!std::is_same_v<std::decay_t<F>, progress_callback> &&
                                              std::is_invocable_v<F&, const progress&>>>
  progress_callback(F f) {  // NOLINT: implicit, so `on_progress = [](const progress&) {...}` works
    using result = std::invoke_result_t<F&, const progress&>;
    static_assert(std::is_void_v<result> || std::is_same_v<result, generation_control>,
                  "odesynth::progress_callback: the callback must return void or "
                  "odesynth::generation_control");
    if constexpr (std::is_pointer_v<F> || detail::is_std_function<F>::value) {
      if (!f) return;  // only these can be empty (a lambda's address is never null)
    }
    if constexpr (std::is_void_v<result>) {
      f_ = [g = std::move(f)](const progress& p) mutable {
        g(p);
        return generation_control::proceed;
      };
    } else {
      f_ = std::move(f);
    }
  }

  explicit operator bool() const noexcept { return static_cast<bool>(f_); }
  generation_control operator()(const progress& p) const { return f_(p); }

 private:
  std::function<generation_control(const progress&)> f_;
};

}  // namespace odesynth

template <>
struct fmt::formatter<odesynth::generation_control>
    : odesynth::detail::enum_formatter<odesynth::generation_control> {};
