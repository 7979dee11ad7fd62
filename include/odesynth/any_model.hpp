// odesynth/any_model.hpp - any model behind one run-time type, for programs that choose their
// model at run time (the command-line generator, the Python module, a zoo looked up by name).
//
//   odesynth::any_model m = odesynth::models::sir{};        // or an equation_model, ...
//   auto tr = odesynth::solve(m, {0.3, 0.1}, {990, 10, 0}, grid);
//
// An any_model is a dynamic-size model (Eigen::VectorXd state): one instantiation of the
// solver, generator and dataset writer serves every model, at the price of one indirect call
// per right-hand side. The wrapped model's operator() and jacobian() must accept
// Eigen::VectorXd states and parameters and an Eigen::MatrixXd Jacobian, as every model with
// templated members (the zoo's, equation_model, lambda models) does.
//
// What the wrapper changes, measured against the same model used directly: the explicit
// steppers (dopri5, rk4, rkf78, bulirsch_stoer) compute the same values bit for bit, since
// they apply the same arithmetic to each component; rosenbrock4 agrees to rounding only when
// the direct model is fixed-size, because Eigen's LU factorisation orders its operations
// differently for fixed-size and dynamic matrices (tests/unit/test_any_model.cpp measures
// both). A model without an analytic Jacobian keeps the solver's finite differences:
// has_analytic_jacobian() tells the solver at run time which one to use. Likewise a model's
// Jacobian pattern (sparsity(), sparsity.hpp) is forwarded, and has_sparsity_pattern() says
// whether there is one, so a wrapped large model gets rosenbrock4's sparse matrices as it
// would directly; its jacobian() then writes straight into them if it is a template over the
// matrix type (the zoo's, equation_model), else through a dense n x n scratch per evaluation.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "detail/sparse_jacobian_writer.hpp"
#include "model.hpp"
#include "sparsity.hpp"

namespace odesynth {

class any_model {
 public:
  /// Wraps a copy of `model` (any odesynth model); its names are validated here.
  template <class Model, class = std::enable_if_t<!std::is_same_v<std::decay_t<Model>, any_model> &&
                                                  is_model_v<std::decay_t<Model>>>>
  any_model(Model model)  // NOLINT: implicit, as std::function from a callable
      : impl_(std::make_shared<const holder<std::decay_t<Model>>>(std::move(model))) {}

  const std::string& name() const noexcept { return impl_->description->name(); }
  const std::vector<std::string>& species() const noexcept { return impl_->description->species(); }
  const std::vector<std::string>& parameters() const noexcept {
    return impl_->description->parameters();
  }

  void operator()(const Eigen::VectorXd& x, Eigen::VectorXd& dxdt, double t,
                  const Eigen::VectorXd& p) const {
    impl_->rhs(x, dxdt, t, p);
  }

  /// J(i, j) = d f_i / d x_j from the wrapped model's jacobian(); only called by the solver
  /// when has_analytic_jacobian() (J arrives zero-filled).
  void jacobian(const Eigen::VectorXd& x, Eigen::MatrixXd& J, double t,
                const Eigen::VectorXd& p) const {
    impl_->jacobian(x, J, t, p);
  }
  bool has_analytic_jacobian() const noexcept { return impl_->analytic_jacobian; }

  /// The same into a sparse Jacobian's pattern (what rosenbrock4's sparse path passes).
  void jacobian(const Eigen::VectorXd& x, detail::sparse_jacobian_writer& J, double t,
                const Eigen::VectorXd& p) const {
    impl_->sparse_jacobian(x, J, t, p);
  }

  /// The wrapped model's sparsity(); an empty (0 x 0) pattern if it has none.
  jacobian_sparsity sparsity() const {
    return impl_->sparse ? impl_->sparsity() : jacobian_sparsity();
  }
  /// Whether the wrapped model gives sparsity().
  bool has_sparsity_pattern() const noexcept { return impl_->sparse; }
  /// The wrapped model's equations as text (a model from text or SBML), else empty.
  const std::string& equations() const noexcept { return impl_->description->equations(); }

  /// The wrapped model, if it is a `Model`; nullptr otherwise.
  template <class Model>
  const Model* target() const noexcept {
    const auto* h = dynamic_cast<const holder<Model>*>(impl_.get());
    return h ? &h->model : nullptr;
  }

 private:
  struct base {
    std::shared_ptr<const model_description> description;
    bool analytic_jacobian = false;
    bool sparse = false;
    virtual ~base() = default;
    virtual void rhs(const Eigen::VectorXd& x, Eigen::VectorXd& dxdt, double t,
                     const Eigen::VectorXd& p) const = 0;
    virtual void jacobian(const Eigen::VectorXd& x, Eigen::MatrixXd& J, double t,
                          const Eigen::VectorXd& p) const = 0;
    virtual void sparse_jacobian(const Eigen::VectorXd& x, detail::sparse_jacobian_writer& J,
                                 double t, const Eigen::VectorXd& p) const = 0;
    virtual jacobian_sparsity sparsity() const = 0;
  };
  template <class Model>
  struct holder final : base {
    static constexpr bool has_jacobian =
        detail::has_jacobian<Model, Eigen::VectorXd, Eigen::MatrixXd, Eigen::VectorXd>::value;
    explicit holder(Model m) : model(std::move(m)) {
      static_assert(detail::has_rhs<Model, Eigen::VectorXd, Eigen::VectorXd>::value,
                    "odesynth::any_model: the model's operator() must accept Eigen::VectorXd "
                    "states and parameters (make it a template over State and Params)");
      description = odesynth::describe(model);
      if constexpr (has_jacobian) {
        // A wrapper of another model (any_model inside any_model) may have none after all.
        if constexpr (detail::has_analytic_jacobian_query<Model>::value)
          analytic_jacobian = model.has_analytic_jacobian();
        else
          analytic_jacobian = true;
      }
      sparse = detail::sparsity_available(model);
    }
    void rhs(const Eigen::VectorXd& x, Eigen::VectorXd& dxdt, double t,
             const Eigen::VectorXd& p) const override {
      model(x, dxdt, t, p);
    }
    void jacobian([[maybe_unused]] const Eigen::VectorXd& x, [[maybe_unused]] Eigen::MatrixXd& J,
                  [[maybe_unused]] double t,
                  [[maybe_unused]] const Eigen::VectorXd& p) const override {
      if constexpr (has_jacobian) model.jacobian(x, J, t, p);
    }
    void sparse_jacobian([[maybe_unused]] const Eigen::VectorXd& x,
                         [[maybe_unused]] detail::sparse_jacobian_writer& J,
                         [[maybe_unused]] double t,
                         [[maybe_unused]] const Eigen::VectorXd& p) const override {
      if constexpr (detail::has_jacobian<Model, Eigen::VectorXd, detail::sparse_jacobian_writer,
                                         Eigen::VectorXd>::value) {
        model.jacobian(x, J, t, p);
      } else if constexpr (has_jacobian) {
        // Only a dense matrix fits this model's jacobian(): copy its nonzeros over (a nonzero
        // outside the pattern is recorded by the writer, as for a direct write).
        const Eigen::Index n = J.rows();
        Eigen::MatrixXd dense = Eigen::MatrixXd::Zero(n, n);
        model.jacobian(x, dense, t, p);
        for (Eigen::Index j = 0; j < n; ++j)
          for (Eigen::Index i = 0; i < n; ++i)
            if (dense(i, j) != 0) J(i, j) = dense(i, j);
      }
    }
    jacobian_sparsity sparsity() const override {
      if constexpr (has_sparsity_v<Model>)
        return model.sparsity();
      else
        return jacobian_sparsity();
    }
    Model model;
  };

  std::shared_ptr<const base> impl_;
};

}  // namespace odesynth
