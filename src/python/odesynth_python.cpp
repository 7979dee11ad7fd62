// The Python module `odesynth` (pybind11): a run described by a dict with the tables of
// run_config.hpp, generated into NumPy arrays or written as a dataset folder.
//
// The arrays generate() returns are laid out exactly as sinks/numpy.hpp writes the .npy files
// (tests/python/test_odesynth.py compares them bit for bit), so code that loads a dataset
// folder works unchanged on arrays made in memory. Python objects are read into a
// detail::json document while the GIL is held; everything after that (reading the run,
// solving, writing) runs with the GIL released and touches no Python object.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <odesynth/dataset.hpp>
#include <odesynth/detail/memory_limit.hpp>
#include <odesynth/models/by_name.hpp>
#include <odesynth/run_config.hpp>
#include <odesynth/version.hpp>
#ifdef ODESYNTH_WITH_SBML
#include <odesynth/sbml_run_config.hpp>  // the odesynth::sbml component (src/python/CMakeLists.txt)
#endif
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace py = pybind11;

namespace {

using odesynth::detail::json;

// ---- the model kinds beyond zoo and equations ---------------------------------------------

/// The readers of model kinds that live in other components: "sbml" when the module is built
/// with ODESYNTH_SBML on as well.
odesynth::run_config_readers python_readers() {
  odesynth::run_config_readers readers;
#ifdef ODESYNTH_WITH_SBML
  // {"model": {"sbml": "file.xml"}}: relative names from the working directory, as open() has.
  readers.models.push_back(odesynth::sbml_model_reader());
#endif
  return readers;
}

// ---- exceptions ---------------------------------------------------------------------------

// Created in PYBIND11_MODULE and owned by the module for the life of the interpreter.
PyObject* error_type = nullptr;         // odesynth.Error
PyObject* config_error_type = nullptr;  // odesynth.ConfigError (also a ValueError)
PyObject* file_error_type = nullptr;    // odesynth.FileError (also an OSError)

// ---- Python objects -> json ---------------------------------------------------------------

// No run document nests this deep; the limit stops a list that contains itself.
constexpr int max_depth = 64;

std::string key_path(const std::string& where, const std::string& key) {
  return where.empty() ? key : where + "." + key;
}

[[noreturn]] void refuse_object(py::handle h, const std::string& where, const char* why) {
  const std::string type = py::str(py::type::handle_of(h).attr("__name__"));
  throw py::type_error(fmt::format("odesynth: {}: a value of type {}: {}",
                                   where.empty() ? "config" : where, type, why));
}

json integer_to_json(py::handle h, const std::string& where) {
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(h.ptr(), &overflow);
  if (v == -1 && PyErr_Occurred()) throw py::error_already_set();
  if (overflow == 0) return json(static_cast<std::int64_t>(v));
  if (overflow > 0) {
    const unsigned long long u = PyLong_AsUnsignedLongLong(h.ptr());
    if (!PyErr_Occurred()) return json(static_cast<std::uint64_t>(u));
    PyErr_Clear();
  }
  throw py::value_error(fmt::format("odesynth: {} = {}: expected an integer in [-2^63, 2^64)",
                                    where, std::string(py::str(h))));
}

json number_to_json(double d) {
  // run_config reads these strings wherever it reads a number (JSON has no spelling for them).
  if (std::isnan(d)) return json("nan");
  if (std::isinf(d)) return json(d > 0 ? "inf" : "-inf");
  return json(d);
}

struct numpy_scalar_types {
  py::object ndarray, boolean, integer, floating;
};

json to_json(py::handle h, const std::string& where, const numpy_scalar_types& np, int depth);

// Errors about a value name the document they come from; a dict has no lines to point at.
json from_config(py::handle h, const std::string& where, const numpy_scalar_types& np, int depth) {
  static const auto source = std::make_shared<const std::string>("config");
  json j = to_json(h, where, np, depth);
  j.locate(source, 0, 0);
  return j;
}

json to_json(py::handle h, const std::string& where, const numpy_scalar_types& np, int depth) {
  if (depth > max_depth)
    throw py::value_error(
        fmt::format("odesynth: {}: nested more than {} levels (a list that contains itself?)",
                    where, max_depth));
  if (h.is_none()) return json();
  // Before int: a Python bool is an int.
  if (PyBool_Check(h.ptr()) || py::isinstance(h, np.boolean))
    return json(PyObject_IsTrue(h.ptr()) == 1);
  if (PyLong_Check(h.ptr())) return integer_to_json(h, where);
  if (py::isinstance(h, np.integer))
    return integer_to_json(py::int_(py::reinterpret_borrow<py::object>(h)), where);
  if (PyFloat_Check(h.ptr()) || py::isinstance(h, np.floating))
    return number_to_json(py::cast<double>(h));
  if (PyUnicode_Check(h.ptr())) return json(py::cast<std::string>(h));
  if (PyDict_Check(h.ptr())) {
    json::object members;
    for (const auto& [key, value] : py::reinterpret_borrow<py::dict>(h)) {
      if (!PyUnicode_Check(key.ptr())) refuse_object(key, where, "a key must be a str");
      std::string name = py::cast<std::string>(key);
      json v = from_config(value, key_path(where, name), np, depth + 1);
      members.emplace_back(std::move(name), std::move(v));
    }
    return json(std::move(members));
  }
  if (py::isinstance(h, np.ndarray))  // e.g. "times": np.linspace(0, 10, 11)
    return to_json(h.attr("tolist")(), where, np, depth);
  if (PyList_Check(h.ptr()) || PyTuple_Check(h.ptr())) {
    json::array items;
    std::size_t i = 0;
    for (const auto& item : py::reinterpret_borrow<py::sequence>(h))
      items.push_back(from_config(item, fmt::format("{}[{}]", where, i++), np, depth + 1));
    return json(std::move(items));
  }
  refuse_object(h, where,
                "expected a dict, list, tuple, str, int, float, bool or None (or a NumPy array "
                "or scalar)");
}

/// A run's document as given from Python: a dict, or the same as JSON text.
struct document {
  std::optional<json> tree;
  std::string text;

  odesynth::run_config read() const {
    const auto readers = python_readers();
    return tree ? odesynth::read_run_config(*tree, readers)
                : odesynth::parse_run_config(text, "config", readers);
  }
};

document document_of(py::handle config) {
  document d;
  if (PyUnicode_Check(config.ptr())) {
    d.text = py::cast<std::string>(config);
    return d;
  }
  if (!PyDict_Check(config.ptr()))
    refuse_object(config, "config", "expected a dict (or its JSON text)");
  const auto numpy = py::module_::import("numpy");
  const numpy_scalar_types np{numpy.attr("ndarray"), numpy.attr("bool_"), numpy.attr("integer"),
                              numpy.attr("floating")};
  d.tree = from_config(config, "", np, 0);
  return d;
}

// ---- overrides from keyword arguments -----------------------------------------------------

struct overrides {
  std::optional<std::uint64_t> end, seed, threads;

  /// The run's end index: `end`, else output.count. `who` is the Python function.
  std::uint64_t apply(odesynth::run_config& c, const char* who) const {
    if (seed) c.generation.seed = *seed;
    if (threads) c.generation.threads = static_cast<std::size_t>(*threads);
    if (end) return *end;
    if (c.count == 0)
      odesynth::detail::throw_invalid(fmt::format("{}.end", who), "(absent)",
                                      "end=..., or output.count in the config");
    return c.count;
  }
};

/// A progress callback that stops the run when Python has a signal pending (Ctrl-C): the
/// solves run without the GIL, so Python could not see the signal before they all ended.
/// The exception stays set on this thread and is raised once the GIL is back.
struct interrupt_check {
  bool* interrupted;
  odesynth::generation_control operator()(const odesynth::progress&) const {
    py::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      *interrupted = true;
      return odesynth::generation_control::stop;
    }
    return odesynth::generation_control::proceed;
  }
};

// ---- trajectories -> arrays ---------------------------------------------------------------

/// The arrays of sinks/numpy.hpp, in memory: the same values, NaNs and mask, row by row.
struct array_sink {
  array_sink(const odesynth::dataset_layout& layout, bool values_float32)
      : rows(layout.max_times),
        columns(layout.species.size()),
        parameters(layout.parameters.size()),
        model_species(layout.model_species.size()),
        float32(values_float32) {}

  std::size_t rows, columns, parameters, model_species;
  bool float32;
  std::vector<double> values;
  std::vector<float> values32;
  std::vector<std::uint8_t> mask;  // numpy's bool: one byte, 0 or 1
  std::vector<double> times, parameter_values, initial_state;
  std::vector<std::int64_t> lengths, status;
  std::vector<std::uint64_t> index;

  /// Bytes the arrays take per trajectory.
  double bytes_per_trajectory() const {
    const double cells = static_cast<double>(rows * columns);
    return cells * ((float32 ? 4 : 8) + 1) +
           8.0 * static_cast<double>(rows + parameters + model_species + 3);
  }

  /// Room for trajectories [begin, end), refused up front (not hours in) when it exceeds the
  /// memory.
  void reserve(std::uint64_t begin, std::uint64_t end) {
    const std::uint64_t n = end - begin;
    const double bytes = static_cast<double>(n) * bytes_per_trajectory();
    if (const auto limit = odesynth::detail::memory_limit_bytes();
        bytes > static_cast<double>(limit))
      odesynth::detail::throw_invalid(
          "generate.end", end,
          fmt::format("a range whose arrays fit in memory, but {} trajectories take {:.3g} bytes, "
                      "more than the {} bytes there are: write_dataset() streams to files",
                      n, bytes, limit));
    const auto k = static_cast<std::size_t>(n);
    (float32 ? values32.reserve(k * rows * columns) : values.reserve(k * rows * columns));
    mask.reserve(k * rows * columns);
    times.reserve(k * rows);
    parameter_values.reserve(k * parameters);
    initial_state.reserve(k * model_species);
    lengths.reserve(k);
    status.reserve(k);
    index.reserve(k);
  }

  void operator()(std::uint64_t i, const odesynth::trajectory& tr) {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    const auto t = static_cast<std::size_t>(tr.num_times());
    const auto& v = tr.values();
    const auto& m = tr.mask();
    for (std::size_t r = 0; r < rows; ++r) {
      times.push_back(r < t ? tr.times()[static_cast<Eigen::Index>(r)] : nan);
      for (std::size_t c = 0; c < columns; ++c) {
        const auto ri = static_cast<Eigen::Index>(r);
        const auto ci = static_cast<Eigen::Index>(c);
        const bool observed = r < t && m(ri, ci);
        const double x = observed ? v(ri, ci) : nan;
        if (float32)
          values32.push_back(static_cast<float>(x));  // as npy_writer rounds: to nearest
        else
          values.push_back(x);
        mask.push_back(observed ? 1 : 0);
      }
    }
    lengths.push_back(static_cast<std::int64_t>(t));
    index.push_back(i);
    status.push_back(static_cast<std::int64_t>(tr.status()));
    const auto& p = tr.parameters();
    parameter_values.insert(parameter_values.end(), p.data(), p.data() + p.size());
    const auto& x0 = tr.initial_state();
    initial_state.insert(initial_state.end(), x0.data(), x0.data() + x0.size());
  }
};

/// A NumPy array that owns `v` (no copy).
template <class T>
py::array to_numpy(std::vector<T>&& v, std::vector<py::ssize_t> shape, const py::dtype& dtype) {
  auto owned = std::make_unique<std::vector<T>>(std::move(v));
  const void* data = owned->data();
  py::capsule owner(owned.get(), [](void* p) { delete static_cast<std::vector<T>*>(p); });
  owned.release();
  return py::array(dtype, std::move(shape), data, owner);
}

py::list to_list(const std::vector<std::string>& names) {
  py::list out;
  for (const auto& n : names) out.append(n);
  return out;
}

py::dict report_dict(const odesynth::generation_report& r) {
  py::dict counts;
  for (auto s : odesynth::all_solve_statuses)
    counts[py::str(std::string(to_string(s)))] = r.count(s);
  py::dict d;
  d["requested"] = r.requested;
  d["delivered"] = r.delivered;
  d["failed"] = r.failed();
  d["dropped"] = r.dropped;
  d["resampled"] = r.resampled;
  d["status_counts"] = counts;
  d["elapsed_seconds"] = r.elapsed_seconds;
  return d;
}

py::array status_names() {
  py::list names;
  for (auto s : odesynth::all_solve_statuses) names.append(std::string(to_string(s)));
  return py::module_::import("numpy").attr("array")(names);
}

// ---- the module's functions ---------------------------------------------------------------

py::dict generate(py::handle config, std::uint64_t begin, std::optional<std::uint64_t> end,
                  std::optional<std::uint64_t> seed, std::optional<std::uint64_t> threads) {
  const document doc = document_of(config);
  const overrides o{end, seed, threads};
  std::optional<array_sink> sink;
  odesynth::dataset_layout layout;
  odesynth::generation_report report;
  bool interrupted = false;
  {
    py::gil_scoped_release released;
    auto run = doc.read();
    const std::uint64_t stop = o.apply(run, "generate");
    const auto g = run.make_generator(interrupt_check{&interrupted});
    layout = odesynth::layout_of(g);
    sink.emplace(layout, run.output.numpy.values_dtype == odesynth::npy_dtype::float32);
    if (stop > begin) sink->reserve(begin, stop);
    report =
        g.run(begin, stop, [&](std::uint64_t i, odesynth::trajectory&& tr) { (*sink)(i, tr); });
  }
  if (interrupted) throw py::error_already_set();

  auto& s = *sink;
  const auto n = static_cast<py::ssize_t>(s.lengths.size());
  const auto T = static_cast<py::ssize_t>(s.rows);
  const auto S = static_cast<py::ssize_t>(s.columns);
  py::dict out;
  out["values"] = s.float32 ? to_numpy(std::move(s.values32), {n, T, S}, py::dtype::of<float>())
                            : to_numpy(std::move(s.values), {n, T, S}, py::dtype::of<double>());
  out["mask"] = to_numpy(std::move(s.mask), {n, T, S}, py::dtype("bool"));
  out["times"] = to_numpy(std::move(s.times), {n, T}, py::dtype::of<double>());
  out["lengths"] = to_numpy(std::move(s.lengths), {n}, py::dtype::of<std::int64_t>());
  out["index"] = to_numpy(std::move(s.index), {n}, py::dtype::of<std::uint64_t>());
  out["status"] = to_numpy(std::move(s.status), {n}, py::dtype::of<std::int64_t>());
  out["status_names"] = status_names();
  out["parameters"] =
      to_numpy(std::move(s.parameter_values), {n, static_cast<py::ssize_t>(s.parameters)},
               py::dtype::of<double>());
  out["initial_state"] =
      to_numpy(std::move(s.initial_state), {n, static_cast<py::ssize_t>(s.model_species)},
               py::dtype::of<double>());
  out["model"] = layout.model_name;
  out["species"] = to_list(layout.species);
  out["model_species"] = to_list(layout.model_species);
  out["parameter_names"] = to_list(layout.parameters);
  out["report"] = report_dict(report);
  return out;
}

py::dict write_dataset(py::handle config, py::object folder, std::uint64_t begin,
                       std::optional<std::uint64_t> end, std::optional<std::uint64_t> seed,
                       std::optional<std::uint64_t> threads, std::optional<bool> overwrite) {
  const document doc = document_of(config);
  const overrides o{end, seed, threads};
  std::optional<std::string> destination;
  if (!folder.is_none())
    destination = py::cast<std::string>(py::module_::import("os").attr("fspath")(folder));
  odesynth::dataset_result result;
  bool interrupted = false;
  {
    py::gil_scoped_release released;
    auto run = doc.read();
    const std::uint64_t stop = o.apply(run, "write_dataset");
    if (overwrite) run.output.overwrite = *overwrite;
    const std::filesystem::path path =
        destination ? std::filesystem::path(*destination) : run.folder;
    if (path.empty())
      odesynth::detail::throw_invalid("write_dataset.folder", "(absent)",
                                      "folder=..., or output.folder in the config");
    const auto g = run.make_generator(interrupt_check{&interrupted});
    result = odesynth::write_dataset(g, begin, stop, path, run.output);
  }
  if (interrupted) throw py::error_already_set();
  py::dict out = report_dict(result.report);
  out["folder"] = result.folder.string();
  out["files"] = to_list(result.files);
  return out;
}

py::dict zoo_models() {
  py::dict out;
  for (const auto& name : odesynth::models::zoo_names())
    out[py::str(name)] = odesynth::models::by_name(name).summary;
  return out;
}

py::dict zoo_model(const std::string& name, std::optional<std::size_t> size) {
  const auto e = odesynth::models::by_name(name, size, "zoo_model.name");
  const auto& species = e.model.species();
  const auto& parameters = e.model.parameters();
  py::dict p, x0;
  for (std::size_t i = 0; i < parameters.size(); ++i)
    p[py::str(parameters[i])] = e.default_parameters[i];
  for (std::size_t i = 0; i < species.size(); ++i)
    x0[py::str(species[i])] = e.default_initial_state[i];
  py::dict out;
  out["name"] = e.model.name();
  out["summary"] = e.summary;
  out["species"] = to_list(species);
  out["parameters"] = to_list(parameters);
  out["default_parameters"] = p;
  out["default_initial_values"] = x0;
  out["default_t_end"] = e.default_t_end;
  out["hidden_species"] = to_list(e.hidden_species);
  return out;
}

PyObject* new_exception(py::module_& m, const char* name, py::handle bases, const char* doc) {
  const std::string qualified = std::string("odesynth.") + name;
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, bases.ptr(), /*dict=*/nullptr);
  if (!type) throw py::error_already_set();
  m.add_object(name, py::handle(type));  // the module keeps a reference; so does `type`
  return type;
}

}  // namespace

PYBIND11_MODULE(odesynth, m) {
  m.doc() =
      "odesynth: synthetic time-series datasets from ODE models.\n\n"
      "A run is a dict with the tables of odesynth's run configuration (model, parameters,\n"
      "initial_values, schedules, sampling, time_grid, solver, transforms, output,\n"
      "generation), or the same document as JSON text. generate() returns NumPy arrays,\n"
      "write_dataset() writes a dataset folder. See docs/python.md.";
  m.attr("__version__") = std::string(odesynth::version_string);
#ifdef ODESYNTH_WITH_SBML
  m.attr("has_sbml") = true;
#else
  m.attr("has_sbml") = false;
#endif

  error_type =
      new_exception(m, "Error", PyExc_Exception, "Base of the exceptions odesynth raises.");
  config_error_type = new_exception(
      m, "ConfigError", py::make_tuple(py::handle(error_type), py::handle(PyExc_ValueError)),
      "A configuration or argument odesynth cannot use (also a ValueError); the message "
      "names the key path, e.g. transforms[1].sigma.");
  file_error_type = new_exception(
      m, "FileError", py::make_tuple(py::handle(error_type), py::handle(PyExc_OSError)),
      "A file or folder could not be read or written (also an OSError).");

  py::register_exception_translator([](std::exception_ptr p) {
    if (!p) return;
    try {
      std::rethrow_exception(p);
    } catch (const odesynth::parse_error& e) {  // before io_error: it is one, about the input
      PyErr_SetString(config_error_type, e.what());
    } catch (const odesynth::invalid_argument& e) {
      PyErr_SetString(config_error_type, e.what());
    } catch (const odesynth::io_error& e) {
      PyErr_SetString(file_error_type, e.what());
    } catch (const odesynth::error& e) {
      // What remains is about the document too: a value of the wrong kind in a dict (a json
      // value built in code reports it as a plain error, having no line to point at).
      PyErr_SetString(config_error_type, e.what());
    }
  });

  m.def("generate", &generate, py::arg("config"), py::kw_only(), py::arg("begin") = 0,
        py::arg("end") = py::none(), py::arg("seed") = py::none(), py::arg("threads") = py::none(),
        R"(Generate trajectories [begin, end) of a run into NumPy arrays, without files.

config: a dict with the tables of the run configuration, or its JSON text.
end: defaults to output.count of the config. seed, threads: override [generation].

Returns a dict holding the arrays of a dataset folder's .npy files, equal to them bit for bit:
  values [n, T, S] float64 (float32 if output.values_dtype says so), NaN where not observed
  mask [n, T, S] bool, times [n, T] float64 (NaN past each length), lengths [n] int64,
  index [n] uint64, status [n] int64 (names: status_names[status]), parameters [n, P],
  initial_state [n, S0];
and model, species, model_species, parameter_names and report (requested, delivered,
failed, dropped, resampled, status_counts, elapsed_seconds).
The GIL is released while solving; Ctrl-C stops the run and raises KeyboardInterrupt.)");

  m.def("write_dataset", &write_dataset, py::arg("config"), py::arg("folder") = py::none(),
        py::kw_only(), py::arg("begin") = 0, py::arg("end") = py::none(),
        py::arg("seed") = py::none(), py::arg("threads") = py::none(),
        py::arg("overwrite") = py::none(),
        R"(Generate trajectories [begin, end) of a run into a dataset folder.

folder: defaults to output.folder of the config; end: to output.count. seed, threads and
overwrite override the config. The folder appears complete or not at all. Formats are the
config's output.formats (default: npy).

Returns a dict: folder, files, and the report's counts (requested, delivered, failed,
dropped, resampled, status_counts, elapsed_seconds). The GIL is released while solving.)");

  m.def("zoo_models", &zoo_models, "The zoo's models: a dict name -> one-line summary.");
  m.def("zoo_model", &zoo_model, py::arg("name"), py::arg("size") = py::none(),
        "One zoo model: its species, parameters, default values and time span.\n\n"
        "size: the species count of models built at a size (linear_chain).");
  m.def("transform_types", &odesynth::config_transform_types,
        "The transform types a config's transforms list may use, sorted.");
}
