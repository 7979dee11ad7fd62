#!/usr/bin/python3
"""SimbaML's pipeline on bench_throughput's simbaml_lv workload, timed per trajectory.

What SimbaML does for a time-series dataset (DILiS-lab/SimbaML, simba_ml/simulation/
system_model/system_model.py and generators/time_series_generator.py), rebuilt here without
SimbaML itself (not packaged for Debian) but with the same calls, in the same order:

  1. sample_start_values_from_hypercube(n): every kinetic parameter and start value drawn
     once for all n runs (a Latin hypercube per quantity);
  2. per run, get_clean_signal: the user's deriv(t, y, params) wrapped by __decorate_deriv,
     which builds a dict {name: kinetic_parameter.get_at_timestamp(run, t)} at every call,
     solved by
         scipy.integrate.solve_ivp(fun, y0=y0, t_span=(t[0], t[-1]), t_eval=t,
                                   method=solver_method, args=(kinetic_parameters,),
                                   atol=atol, rtol=rtol)
     with SystemModel's defaults solver_method="LSODA", atol=1e-6, rtol=1e-3 (not
     scipy.integrate.odeint), then pd.DataFrame(ret.y).set_axis(species, axis=0).transpose();
  3. apply_noisifier: AdditiveNoiser(Normal(0, 0.1)): signal + an array of normal draws of
     the signal's shape;
  4. apply_sparsifier: the species in the output selected (signal[contained], sort_index),
     then RandomSampleSparsifier(0.5): signal.sample(int(rows * 0.5));
  5. (--csv) TimeSeriesGenerator.save_signal: signal.to_csv(dir/<name>_<i>.csv, index=False).

The workload is bench_throughput's simbaml_lv: 100 output times on [0, 50] (SimbaML's own
grid for 100 timestamps would be 0, 1, ..., 99: --simbaml-grid), prey and predator from 10,
alpha = 1.1, beta = 0.4, gamma = 0.4, delta = 0.1 each uniform within +-10%.

Reported: microseconds per trajectory over n (default 1000) trajectories, the median of
--rounds rounds (default 3), for SimbaML's tolerances (rtol 1e-3, atol 1e-6) and for
rtol 1e-6, atol 1e-8; per stage (solve_ivp with the DataFrame, noise, sparsify, CSV) from
time.perf_counter around each call; and the same solves as a lean loop (a plain numpy
right-hand side, no dict per call, no pandas), for how much of SimbaML's time is its own
Python around scipy.

    /usr/bin/python3 benchmarks/throughput/simbaml_lv.py [--n 1000] [--rounds 3]
        [--csv] [--simbaml-grid] [--only 1e-3]
"""
import os

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy  # noqa: E402
from scipy import integrate  # noqa: E402

SPECIES = ["prey", "predator"]
PARAMETERS = {"alpha": 1.1, "beta": 0.4, "gamma": 0.4, "delta": 0.1}
START = {"prey": 10.0, "predator": 10.0}
NOISE_SIGMA = 0.1
KEEP_FRACTION = 0.5


def latin_hypercube(rng, low, high, n):
    """n values of U(low, high), one in each of n equal strata, in random order."""
    u = (rng.permutation(n) + rng.random(n)) / n
    return low + (high - low) * u


class ConstantKineticParameter:
    """SimbaML's constant kinetic parameter: one sample per run, read at every time."""

    def __init__(self, low, high):
        self.low, self.high = low, high
        self.samples = None

    def prepare_samples(self, rng, n):
        self.samples = latin_hypercube(rng, self.low, self.high, n)

    def get_at_timestamp(self, run, t):
        return self.samples[run]


def deriv(t, y, arguments):
    """The Lotka-Volterra derivative as a SimbaML problem file writes it."""
    prey, predator = y
    return (
        arguments["alpha"] * prey - arguments["beta"] * prey * predator,
        arguments["delta"] * prey * predator - arguments["gamma"] * predator,
    )


def decorate_deriv(run, f):
    """SystemModel.__decorate_deriv: a dict of the parameters' values at t on every call."""

    def new_deriv(t, y, kinetic_parameters):
        return f(t, y, {name: kp.get_at_timestamp(run, t)
                        for name, kp in kinetic_parameters.items()})

    return new_deriv


def simbaml_round(n, t, rtol, atol, csv_dir, seed):
    """One dataset of n trajectories the SimbaML way; seconds per stage, summed."""
    rng = np.random.default_rng(seed)
    np.random.seed(seed)  # SimbaML's distributions draw from numpy's global generator
    stages = {"sample": 0.0, "solve": 0.0, "noise": 0.0, "sparsify": 0.0, "csv": 0.0}
    failures = 0
    c0 = time.perf_counter()
    kinetic_parameters = {name: ConstantKineticParameter(0.9 * v, 1.1 * v)
                          for name, v in PARAMETERS.items()}
    for kp in kinetic_parameters.values():
        kp.prepare_samples(rng, n)
    start_values = {"specieses": {s: [START[s]] * n for s in SPECIES},
                    "timestamps": [len(t)] * n}
    stages["sample"] += time.perf_counter() - c0
    checksum = 0.0
    for i in range(n):
        c0 = time.perf_counter()
        y0 = [start_values["specieses"][s][i] for s in SPECIES]
        ret = integrate.solve_ivp(fun=decorate_deriv(i, deriv), y0=y0, t_span=(t[0], t[-1]),
                                  t_eval=t, method="LSODA", args=(kinetic_parameters,),
                                  atol=atol, rtol=rtol)
        failures += not ret.success
        signal = pd.DataFrame(ret.y).set_axis(SPECIES, axis=0).transpose()
        c1 = time.perf_counter()
        noise = np.array(np.random.normal(0, NOISE_SIGMA, size=signal.size)).reshape(
            signal.shape)
        signal = signal + noise
        c2 = time.perf_counter()
        signal = signal[SPECIES]
        signal = signal.sort_index()
        signal = signal.sample(int(signal.shape[0] * KEEP_FRACTION))
        c3 = time.perf_counter()
        if csv_dir is not None:
            signal.to_csv(os.path.join(csv_dir, f"lotka_volterra_{i}.csv"), index=False)
        c4 = time.perf_counter()
        stages["solve"] += c1 - c0
        stages["noise"] += c2 - c1
        stages["sparsify"] += c3 - c2
        stages["csv"] += c4 - c3
        checksum += float(signal.iloc[0, 0])
    return stages, failures, checksum


def lean_round(n, t, rtol, atol, seed):
    """The same solves without SimbaML's wrapping: plain numpy rhs, no dict, no pandas."""
    rng = np.random.default_rng(seed)
    p = np.column_stack([latin_hypercube(rng, 0.9 * v, 1.1 * v, n) for v in PARAMETERS.values()])
    y0 = np.array([START[s] for s in SPECIES])
    c0 = time.perf_counter()
    for i in range(n):
        a, b, g, d = p[i]

        def f(_t, y):
            return [a * y[0] - b * y[0] * y[1], d * y[0] * y[1] - g * y[1]]

        integrate.solve_ivp(f, (t[0], t[-1]), y0, method="LSODA", t_eval=t, rtol=rtol, atol=atol)
    return time.perf_counter() - c0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="trajectories per round")
    ap.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    ap.add_argument("--csv", action="store_true", help="also write each trajectory's CSV file "
                    "(to /dev/shm), as TimeSeriesGenerator.generate_csvs does")
    ap.add_argument("--simbaml-grid", action="store_true",
                    help="SimbaML's own grid for 100 timestamps: 0, 1, ..., 99")
    ap.add_argument("--only", choices=["1e-3", "1e-6"], help="one tolerance setting only")
    args = ap.parse_args()

    t = np.linspace(0, 99, 100) if args.simbaml_grid else np.linspace(0, 50, 100)
    settings = [("1e-3", 1e-3, 1e-6), ("1e-6", 1e-6, 1e-8)]
    if args.only:
        settings = [s for s in settings if s[0] == args.only]
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}"
          f", pandas {pd.__version__}; {platform.machine()}, {os.cpu_count()} CPUs; "
          f"n = {args.n}, {args.rounds} rounds, grid [{t[0]:g}, {t[-1]:g}] x {len(t)}")
    base = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    for label, rtol, atol in settings:
        totals, lean, per_stage = [], [], []
        for r in range(args.rounds):
            csv_dir = tempfile.mkdtemp(prefix="simbaml_lv_", dir=base) if args.csv else None
            try:
                stages, failures, _ = simbaml_round(args.n, t, rtol, atol, csv_dir, seed=r)
            finally:
                if csv_dir:
                    shutil.rmtree(csv_dir, ignore_errors=True)
            totals.append(sum(stages.values()))
            per_stage.append(stages)
            lean.append(lean_round(args.n, t, rtol, atol, seed=r))
            if failures:
                print(f"  rtol {label} round {r}: {failures} solves failed")
        us = 1e6 / args.n
        med = statistics.median(totals)
        k = totals.index(med) if med in totals else 0
        stage_text = ", ".join(f"{name} {v * us:.1f}" for name, v in per_stage[k].items()
                               if name != "csv" or args.csv)
        print(f"RESULT | simbaml_lv.py | SimbaML pipeline, rtol {label} (atol {atol:g}), "
              f"LSODA{' + CSV' if args.csv else ''}, per trajectory | {med * us:.0f} us | "
              f"rounds {', '.join(f'{x * us:.0f}' for x in totals)}; stages (us) {stage_text} |")
        print(f"RESULT | simbaml_lv.py | lean solve_ivp loop (no dict, no pandas), rtol {label}, "
              f"per trajectory | {statistics.median(lean) * us:.0f} us | "
              f"rounds {', '.join(f'{x * us:.0f}' for x in lean)} |")


if __name__ == "__main__":
    main()
