// odesynth/transforms/transform.hpp - what a transform is, and how transforms compose.
//
// A transform turns a clean trajectory into a measured-looking one, in place:
//
//   void operator()(trajectory& tr, random_stream& s) const;   // required
//
// Randomness comes only from `s`, the trajectory's own stream (never a member engine, never
// a global), which is what makes results independent of threads and platforms. Transforms
// never see the model or the solver. Two optional members make a transform a good citizen:
//
//   trajectory_layout layout_after(const trajectory_layout& in) const;
//       validates the transform against the columns and times it will receive (unknown
//       species names, a keep-count above the number of rows, an interval outside the grid,
//       ...) and returns what it produces, so a misconfigured pipeline fails before
//       generation starts rather than in a worker thread. Default: unchanged, no checks.
//   std::string describe() const;
//       one line for the dataset's provenance record. Default: "custom".
//
// Composition: `a | b | c` (or `pipe(a, b, c)`) applies left to right through a `pipeline`
// whose stage types are known at compile time (no virtual calls). `operator|` is found by
// argument-dependent lookup when one side is an odesynth type; for two types of your own,
// write odesynth::pipe(a, b). For pipelines assembled at run time (from a configuration),
// `any_transform` erases the type and `dynamic_pipeline` holds a list of them; given the same
// stages and the same stream, both kinds produce identical bits.
#pragma once

#include <fmt/format.h>

#include <cstddef>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "../per_species.hpp"
#include "../random.hpp"
#include "../trajectory.hpp"

namespace odesynth {

/// The shape a transform receives and produces, for validation before any work.
struct trajectory_layout {
  std::vector<std::string> species;  ///< column names, in order
  std::size_t num_times = 0;         ///< rows: an upper bound where grids or sparsifiers vary
  /// A range enclosing every time (after random sparsifiers, the times actually kept lie
  /// inside it); NaN if unknown.
  double first_time = std::numeric_limits<double>::quiet_NaN();
  double last_time = std::numeric_limits<double>::quiet_NaN();
  /// True once a stage draws how many rows it keeps (random_choice over options keeping
  /// different counts; later stages leave it set): num_times is then only the most a
  /// trajectory can have, and a wrapper that needs its transform to keep every row
  /// (column_specific, redraw_until_within) cannot tell that from num_times alone.
  bool row_count_drawn = false;

  /// The layout of an existing trajectory.
  static trajectory_layout of(const trajectory& tr) {
    trajectory_layout l;
    l.species = tr.species();
    l.num_times = static_cast<std::size_t>(tr.num_times());
    if (tr.num_times() > 0) {
      l.first_time = tr.times()[0];
      l.last_time = tr.times()[tr.num_times() - 1];
    }
    return l;
  }
};

namespace detail {

/// A transform's layout check for a per_species setting: the names it uses must be columns;
/// rows and columns stay as they are.
template <class T>
trajectory_layout check_species(const per_species<T>& setting, std::string_view where,
                                const trajectory_layout& in) {
  setting.validate(in.species, where);
  return in;
}

template <class T, class = void>
struct is_transform : std::false_type {};
template <class T>
struct is_transform<T, std::void_t<decltype(std::declval<const T&>()(
                           std::declval<trajectory&>(), std::declval<random_stream&>()))>>
    : std::true_type {};

template <class T, class = void>
struct has_layout_after : std::false_type {};
template <class T>
struct has_layout_after<T, std::void_t<decltype(std::declval<const T&>().layout_after(
                               std::declval<const trajectory_layout&>()))>> : std::true_type {};

template <class T, class = void>
struct has_describe : std::false_type {};
template <class T>
struct has_describe<T, std::void_t<decltype(std::string(std::declval<const T&>().describe()))>>
    : std::true_type {};

}  // namespace detail

/// True for types usable as a transform (callable as t(trajectory&, random_stream&) const).
template <class T>
inline constexpr bool is_transform_v = detail::is_transform<std::decay_t<T>>::value;

/// The layout after `t`, validating `t` against `in` when it knows how.
template <class T>
trajectory_layout layout_after(const T& t, const trajectory_layout& in) {
  if constexpr (detail::has_layout_after<T>::value) {
    return t.layout_after(in);
  } else {
    (void)t;
    return in;
  }
}

/// The provenance text of `t`.
template <class T>
std::string describe_transform(const T& t) {
  if constexpr (detail::has_describe<T>::value) {
    return std::string(t.describe());
  } else {
    (void)t;
    return "custom";
  }
}

/// Stages applied left to right, types known at compile time.
template <class... Stages>
class pipeline {
 public:
  pipeline() = default;
  // Constrained: for an empty stage list it would be a second default constructor.
  template <std::size_t N = sizeof...(Stages), std::enable_if_t<(N > 0), int> = 0>
  explicit pipeline(Stages... stages) : stages_(std::move(stages)...) {}

  void operator()(trajectory& tr, random_stream& s) const {
    std::apply([&](const auto&... stage) { (stage(tr, s), ...); }, stages_);
  }

  trajectory_layout layout_after(const trajectory_layout& in) const {
    trajectory_layout l = in;
    std::apply([&](const auto&... stage) { ((l = odesynth::layout_after(stage, l)), ...); },
               stages_);
    return l;
  }

  std::string describe() const {
    std::string out;
    std::apply(
        [&](const auto&... stage) {
          ((out += (out.empty() ? "" : " | ") + describe_transform(stage)), ...);
        },
        stages_);
    return out.empty() ? "identity" : out;
  }

  const std::tuple<Stages...>& stages() const noexcept { return stages_; }

 private:
  std::tuple<Stages...> stages_;
};

namespace detail {

template <class T>
struct as_pipeline {
  static pipeline<T> make(T t) { return pipeline<T>(std::move(t)); }
};
template <class... Ts>
struct as_pipeline<pipeline<Ts...>> {
  static pipeline<Ts...> make(pipeline<Ts...> p) { return p; }
};

template <class... As, class... Bs>
pipeline<As..., Bs...> concat(const pipeline<As...>& a, const pipeline<Bs...>& b) {
  return std::apply([](const auto&... all) { return pipeline<As..., Bs...>(all...); },
                    std::tuple_cat(a.stages(), b.stages()));
}

}  // namespace detail

/// pipe(a, b, c): a pipeline applying a, then b, then c; nested pipelines are flattened.
template <class... Ts>
auto pipe(Ts... transforms) {
  static_assert((is_transform_v<Ts> && ...),
                "odesynth::pipe: every stage must be callable as "
                "stage(odesynth::trajectory&, odesynth::random_stream&) const");
  if constexpr (sizeof...(Ts) == 0) {
    return pipeline<>();
  } else {
    return (detail::as_pipeline<Ts>::make(std::move(transforms)) | ...);
  }
}

/// a | b: apply a, then b. Only for transforms, so it never captures unrelated `|`.
template <class A, class B, std::enable_if_t<is_transform_v<A> && is_transform_v<B>, int> = 0>
auto operator|(A a, B b) {
  return detail::concat(detail::as_pipeline<A>::make(std::move(a)),
                        detail::as_pipeline<B>::make(std::move(b)));
}

/// Any transform, type-erased (copies share the immutable transform).
class any_transform {
 public:
  template <class T, class = std::enable_if_t<!std::is_same_v<std::decay_t<T>, any_transform> &&
                                              is_transform_v<T>>>
  any_transform(T t)  // NOLINT: implicit, so lists of transforms read naturally
      : impl_(std::make_shared<const model<std::decay_t<T>>>(std::move(t))) {}

  void operator()(trajectory& tr, random_stream& s) const { impl_->apply(tr, s); }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    return impl_->layout_after(in);
  }
  std::string describe() const { return impl_->describe(); }

 private:
  struct concept_t {
    virtual ~concept_t() = default;
    virtual void apply(trajectory& tr, random_stream& s) const = 0;
    virtual trajectory_layout layout_after(const trajectory_layout& in) const = 0;
    virtual std::string describe() const = 0;
  };
  template <class T>
  struct model final : concept_t {
    explicit model(T t) : transform(std::move(t)) {}
    void apply(trajectory& tr, random_stream& s) const override { transform(tr, s); }
    trajectory_layout layout_after(const trajectory_layout& in) const override {
      return odesynth::layout_after(transform, in);
    }
    std::string describe() const override { return describe_transform(transform); }
    T transform;
  };

  std::shared_ptr<const concept_t> impl_;
};

/// A pipeline assembled at run time.
class dynamic_pipeline {
 public:
  dynamic_pipeline() = default;
  dynamic_pipeline(std::initializer_list<any_transform> stages) : stages_(stages) {}
  explicit dynamic_pipeline(std::vector<any_transform> stages) : stages_(std::move(stages)) {}

  dynamic_pipeline& then(any_transform t) {
    stages_.push_back(std::move(t));
    return *this;
  }

  void operator()(trajectory& tr, random_stream& s) const {
    for (const auto& stage : stages_) stage(tr, s);
  }
  trajectory_layout layout_after(const trajectory_layout& in) const {
    trajectory_layout l = in;
    for (const auto& stage : stages_) l = stage.layout_after(l);
    return l;
  }
  std::string describe() const {
    if (stages_.empty()) return "identity";
    std::string out;
    for (const auto& stage : stages_) out += (out.empty() ? "" : " | ") + stage.describe();
    return out;
  }

  std::size_t size() const noexcept { return stages_.size(); }
  bool empty() const noexcept { return stages_.empty(); }

 private:
  std::vector<any_transform> stages_;
};

}  // namespace odesynth
