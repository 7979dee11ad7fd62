"""Tests of the Python module odesynth (src/python), run by ctest as python.unittest:

    PYTHONPATH=<build>/src/python/module /usr/bin/python3 -m unittest discover -s tests/python -v
"""
import _thread
import contextlib
import glob
import io
import json
import math
import os
import re
import tempfile
import threading
import time
import tomllib
import unittest

import numpy as np

import odesynth

# The SIR run of docs/python.md: noisy, sparse, one species hidden.
SIR = {
    "model": {"zoo": "sir"},
    "parameters": {
        "beta": {"type": "log_uniform", "lo": 0.3, "hi": 1.5},
        "gamma": {"type": "uniform", "lo": 0.2, "hi": 0.35},
    },
    "initial_values": {"S": 980, "I": {"type": "uniform", "lo": 1, "hi": 20}, "R": 0},
    "time_grid": {"start": 0, "end": 60, "points": 61},
    "transforms": [
        {"type": "proportional_noise", "rel_sigma": 0.1},
        {"type": "clip", "lo": 0},
        {"type": "random_subset", "fraction": 0.5},
        {"type": "missing_entries", "probability": 0.1},
    ],
    "output": {"count": 50},
    "generation": {"seed": 2026},
}

ARRAYS = ["values", "mask", "times", "lengths", "index", "status", "parameters",
          "initial_state", "status_names"]


def same(a, b):
    """Equal shape, dtype and values (NaN equal to NaN)."""
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype.kind == "f":
        return np.array_equal(a, b, equal_nan=True)
    return np.array_equal(a, b)


class GenerateTest(unittest.TestCase):
    def test_zoo_sir_with_noise_and_sparsification(self):
        d = odesynth.generate(SIR)
        n, t, s = d["values"].shape
        self.assertEqual((n, t, s), (50, 31, 3))  # random_subset keeps 31 of the 61 rows
        self.assertEqual(d["species"], ["S", "I", "R"])
        self.assertEqual(d["parameter_names"], ["beta", "gamma"])
        self.assertEqual(d["values"].dtype, np.float64)
        self.assertEqual(d["mask"].dtype, np.bool_)
        self.assertEqual(d["times"].shape, (50, 31))
        self.assertEqual(d["lengths"].dtype, np.int64)
        self.assertEqual(d["index"].dtype, np.uint64)
        self.assertEqual(d["parameters"].shape, (50, 2))
        self.assertEqual(d["initial_state"].shape, (50, 3))
        np.testing.assert_array_equal(d["index"], np.arange(50))
        np.testing.assert_array_equal(d["lengths"], np.full(50, 31))
        self.assertFalse(np.isnan(d["times"]).any())
        self.assertTrue((np.diff(d["times"], axis=1) > 0).all())  # in time order
        # NaN exactly where the mask is false; missing_entries hides about 10%.
        np.testing.assert_array_equal(np.isnan(d["values"]), ~d["mask"])
        observed = d["mask"].mean()
        self.assertGreater(observed, 0.8)
        self.assertLess(observed, 0.97)
        self.assertTrue((d["values"][d["mask"]] >= 0).all())  # clipped
        self.assertTrue(all(d["status_names"][d["status"]] == "ok"))
        r = d["report"]
        self.assertEqual((r["requested"], r["delivered"], r["failed"]), (50, 50, 0))
        self.assertEqual(r["status_counts"]["ok"], 50)
        # Parameters lie in their ranges.
        beta, gamma = d["parameters"].T
        self.assertTrue(((beta >= 0.3) & (beta <= 1.5)).all())
        self.assertTrue(((gamma >= 0.2) & (gamma <= 0.35)).all())

    def test_model_from_equations(self):
        config = {
            "model": {"equations": "dx = -k*x", "name": "decay"},
            "parameters": {"k": {"type": "uniform", "lo": 0.5, "hi": 1.0}},
            "initial_values": {"x": 2.0},
            "time_grid": {"times": np.linspace(0, 4, 9)},  # a NumPy array is a list
            "solver": {"rel_tol": 1e-10, "abs_tol": 1e-12},
        }
        d = odesynth.generate(config, end=5, seed=7)
        self.assertEqual(d["model"], "decay")
        self.assertEqual(d["species"], ["x"])
        k = d["parameters"][:, 0]
        exact = 2.0 * np.exp(-k[:, None] * d["times"])
        np.testing.assert_allclose(d["values"][:, :, 0], exact, rtol=1e-8)

    def test_arrays_equal_the_npy_files_of_write_dataset(self):
        float32 = dict(SIR, output={"count": 20, "values_dtype": "float32"})
        hidden = dict(SIR, transforms=SIR["transforms"] + [{"type": "hide_species", "hide": "R"}])
        for config in (SIR, float32, hidden):
            with self.subTest(output=config["output"]), tempfile.TemporaryDirectory() as tmp:
                folder = os.path.join(tmp, "sir")
                written = odesynth.write_dataset(config, folder, begin=3, end=17, threads=2)
                self.assertEqual(written["folder"], folder)
                d = odesynth.generate(config, begin=3, end=17, threads=2)
                for name in ARRAYS:
                    on_disk = np.load(os.path.join(folder, name + ".npy"))
                    self.assertTrue(same(d[name], on_disk), name)
                self.assertEqual(d["values"].dtype,
                                 np.float32 if config is float32 else np.float64)

    def test_json_text_is_the_same_run(self):
        a = odesynth.generate(SIR, end=10)
        b = odesynth.generate(json.dumps(SIR), end=10)
        for name in ARRAYS:
            self.assertTrue(same(a[name], b[name]), name)

    def test_same_seed_same_arrays_whatever_the_thread_count(self):
        one = odesynth.generate(SIR, seed=11, threads=1)
        two = odesynth.generate(SIR, seed=11, threads=2)
        for name in ARRAYS:
            self.assertTrue(same(one[name], two[name]), name)
        other = odesynth.generate(SIR, seed=12, threads=2)
        self.assertFalse(same(one["values"], other["values"]))
        # A slice is the same rows of the whole.
        part = odesynth.generate(SIR, begin=10, end=20, seed=11)
        self.assertTrue(same(part["values"], one["values"][10:20]))

    def test_python_values_become_document_values(self):
        config = {
            "model": {"zoo": "sir"},
            "parameters": {"beta": np.float32(0.5), "gamma": np.float64(0.1)},
            "initial_values": {"S": np.int64(990), "I": 10, "R": 0.0},
            "time_grid": {"start": 0, "end": 50, "points": np.int32(11)},
            "transforms": [{"type": "clip", "range": (0, math.inf)}],  # inf, tuple
            "sampling": {"scramble": np.bool_(False)},
        }
        d = odesynth.generate(config, end=1)
        self.assertEqual(d["values"].shape, (1, 11, 3))
        np.testing.assert_array_equal(d["parameters"][0], [np.float32(0.5), 0.1])


class TomlConfigsTest(unittest.TestCase):
    def test_every_example_configuration_of_the_cli_runs(self):
        # odesynth-generate's TOML files, read by Python's tomllib: the same schema.
        here = os.path.dirname(__file__)
        files = sorted(glob.glob(os.path.join(here, "..", "..", "examples", "configs", "*.toml")))
        self.assertGreaterEqual(len(files), 22)
        for path in files:
            with self.subTest(os.path.basename(path)):
                with open(path, "rb") as f:
                    config = tomllib.load(f)
                d = odesynth.generate(config, end=2)
                self.assertEqual(d["report"]["failed"], 0)
                self.assertEqual(d["values"].shape[0], 2)


class SbmlTest(unittest.TestCase):
    REPRESSILATOR = os.path.join(os.path.dirname(__file__), "..", "sbml", "models",
                                 "repressilator.xml")

    @unittest.skipUnless(odesynth.has_sbml, "module built without ODESYNTH_SBML")
    def test_model_from_an_sbml_file(self):
        config = {"model": {"sbml": self.REPRESSILATOR},
                  "time_grid": {"start": 0, "end": 100, "points": 51},
                  "transforms": [{"type": "gaussian_noise", "sigma": 1}]}
        d = odesynth.generate(config, end=4)
        self.assertEqual(d["values"].shape[:2], (4, 51))
        self.assertEqual(d["report"]["failed"], 0)
        self.assertEqual(len(d["species"]), d["values"].shape[2])

    def test_sbml_model_without_the_component(self):
        if odesynth.has_sbml:
            self.skipTest("module built with ODESYNTH_SBML")
        with self.assertRaises(ValueError) as caught:
            odesynth.generate({"model": {"sbml": self.REPRESSILATOR}}, end=1)
        self.assertIn("sbml component", str(caught.exception))


class ErrorTest(unittest.TestCase):
    def message(self, exception_type, config, **kwargs):
        with self.assertRaises(exception_type) as caught:
            odesynth.generate(config, **kwargs)
        return str(caught.exception)

    def test_unknown_key_names_its_path(self):
        m = self.message(ValueError, {"model": {"zoo": "sir"}, "paramters": {}}, end=1)
        self.assertIn("paramters", m)
        self.assertIn("an unknown key", m)
        bad = dict(SIR, transforms=[{"type": "gaussian_noise", "sigma": 1, "sgima": 2}])
        m = self.message(odesynth.ConfigError, bad)
        self.assertIn("transforms[0].sgima", m)
        self.assertIn("sigma, type", m)

    def test_unknown_zoo_model_lists_the_valid_names(self):
        m = self.message(ValueError, {"model": {"zoo": "sri"}}, end=1)
        self.assertIn('"sri"', m)
        for name in ("sir", "lotka_volterra", "lorenz"):
            self.assertIn(name, m)
        self.assertIn("lotka_volterra", odesynth.zoo_models())

    def test_exception_classes(self):
        self.assertTrue(issubclass(odesynth.ConfigError, odesynth.Error))
        self.assertTrue(issubclass(odesynth.ConfigError, ValueError))
        self.assertTrue(issubclass(odesynth.FileError, odesynth.Error))
        self.assertTrue(issubclass(odesynth.FileError, OSError))
        # A value of the wrong kind, a bad value, a missing count, an object with no JSON form.
        self.assertIn("model.zoo", self.message(odesynth.ConfigError, {"model": {"zoo": 5}}, end=1))
        self.assertIn("sigma = -1", self.message(
            ValueError, dict(SIR, transforms=[{"type": "gaussian_noise", "sigma": -1}])))
        self.assertIn("output.count", self.message(ValueError, {"model": {"zoo": "sir"}}))
        self.assertIn("write_dataset() streams", self.message(ValueError, SIR, end=10**15))
        self.assertIn("time_grid", self.message(TypeError, dict(SIR, time_grid=object())))
        # A dataset folder that exists is not replaced unless asked.
        with tempfile.TemporaryDirectory() as tmp:
            with self.assertRaises(odesynth.FileError) as caught:
                odesynth.write_dataset(SIR, tmp, end=2)
            self.assertIn("overwrite", str(caught.exception))


class WriteDatasetTest(unittest.TestCase):
    def test_writes_a_dataset_folder(self):
        with tempfile.TemporaryDirectory() as tmp:
            folder = os.path.join(tmp, "sir")
            config = dict(SIR, output={"folder": folder, "count": 12,
                                       "formats": ["npy", "simbaml_csv"]})
            r = odesynth.write_dataset(config)  # folder and count from the config
            self.assertEqual(r["folder"], folder)
            self.assertEqual((r["delivered"], r["failed"]), (12, 0))
            self.assertIn("values.npy", r["files"])
            self.assertIn("metadata.json", r["files"])
            self.assertIn("sir_<index>.csv (12 files)", r["files"])
            self.assertTrue(os.path.exists(os.path.join(folder, "sir_11.csv")))
            for name in (f for f in r["files"] if "<" not in f):
                self.assertTrue(os.path.exists(os.path.join(folder, name)), name)
            with open(os.path.join(folder, "metadata.json")) as f:
                self.assertEqual(json.load(f)["generation"]["seed"], 2026)
            self.assertEqual(np.load(os.path.join(folder, "values.npy")).shape, (12, 31, 3))
            # Again, over it: only with overwrite.
            r = odesynth.write_dataset(config, end=4, overwrite=True)
            self.assertEqual(np.load(os.path.join(folder, "values.npy")).shape[0], 4)


class DocsTest(unittest.TestCase):
    def test_python_md_code_runs_and_prints_what_it_shows(self):
        """Each ```python block of docs/python.md runs, in order, in one namespace (in a
        temporary folder); a ```text block right after one is what it prints."""
        page = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "python.md")
        with open(page) as f:
            text = f.read()
        blocks = re.findall(r"```python\n(.*?)```\n(?:\n```text\n(.*?)```\n)?", text, re.S)
        self.assertGreaterEqual(len(blocks), 5)
        namespace = {}
        here = os.getcwd()
        with tempfile.TemporaryDirectory() as tmp:
            os.chdir(tmp)
            try:
                for i, (code, shown) in enumerate(blocks):
                    out = io.StringIO()
                    with contextlib.redirect_stdout(out):
                        exec(compile(code, f"docs/python.md block {i + 1}", "exec"), namespace)
                    if shown:
                        self.assertEqual(out.getvalue(), shown, f"block {i + 1}")
            finally:
                os.chdir(here)


class InterruptTest(unittest.TestCase):
    def test_ctrl_c_stops_a_run(self):
        # ~10 s of Lorenz solves on one thread; a simulated Ctrl-C 0.3 s in must end it early.
        config = {"model": {"zoo": "lorenz"},
                  "time_grid": {"start": 0, "end": 50, "points": 2001},
                  "solver": {"rel_tol": 1e-10, "abs_tol": 1e-10},
                  "generation": {"seed": 3, "threads": 1}}
        timer = threading.Timer(0.3, _thread.interrupt_main)
        t0 = time.perf_counter()
        timer.start()
        try:
            with self.assertRaises(KeyboardInterrupt):
                odesynth.generate(config, end=6000)
        finally:
            timer.cancel()
        self.assertLess(time.perf_counter() - t0, 5)


class GilTest(unittest.TestCase):
    def test_other_threads_run_while_generate_solves(self):
        # A long run on one thread (Lorenz, tight tolerances, 2001 points: ~0.5 s here). While
        # it runs another Python thread keeps stamping the time; holding the GIL would leave
        # no stamp inside the call but its first few milliseconds (the switch interval).
        config = {"model": {"zoo": "lorenz"},
                  "time_grid": {"start": 0, "end": 50, "points": 2001},
                  "solver": {"rel_tol": 1e-10, "abs_tol": 1e-10},
                  "generation": {"seed": 3, "threads": 1}}
        stamps = []
        done = threading.Event()

        def stamp():
            while not done.is_set():
                stamps.append(time.perf_counter())
                time.sleep(0.001)

        helper = threading.Thread(target=stamp)
        helper.start()
        try:
            t0 = time.perf_counter()
            d = odesynth.generate(config, end=300)
            t1 = time.perf_counter()
        finally:
            done.set()
            helper.join()
        self.assertEqual(d["report"]["delivered"], 300)
        duration = t1 - t0
        self.assertGreater(duration, 0.1, "the workload is too small to tell")
        inside = [s for s in stamps if t0 + duration / 4 < s < t1 - duration / 4]
        self.assertGreater(len(inside), 5)


if __name__ == "__main__":
    unittest.main()
