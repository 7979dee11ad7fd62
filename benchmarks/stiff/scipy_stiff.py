#!/usr/bin/python3
"""The scipy side of bench_stiff: SimbaML-like Python loops over scipy.integrate.solve_ivp.

SimbaML makes a dataset by calling solve_ivp once per sampled parameter set in a Python loop,
with numpy right-hand sides. This script does the same, on the first N (default 50) of the
parameter sets bench_stiff wrote (<dir>/<problem>_params.csv): the full 1000 would take
scipy's BDF about 3 minutes per problem and run.

    solve_ivp(f, (t0, t1), y0, method=M, t_eval=grid, rtol=rtol / S, atol=atol / S, jac=jac)

with the grid, tolerances and initial state of the C++ side (<dir>/problems.csv,
<dir>/<problem>_grid.csv), for each run M:S of --runs (default LSODA at S = 1, 10, 100, 1000
and BDF at S = 1: scipy at the benchmark's tolerances, and tighter until its error matches
odesynth's). For each parameter set all runs are made one after another (interleaved), each
--repeats times (default 1), the set's time being the median. Reported per run: us/traj = the
mean over the sets of their times (bench_stiff's statistic), the median, mean nfev, failures
(not sol.success) and the error against bench_stiff's references (<dir>/<problem>_reference.csv,
rosenbrock4 at rtol 1e-11) over the reference sets among the first N: per set the max over
outputs and species of |x - ref| / (atol + rtol |ref|) with the benchmark's atol and rtol
(not divided by S), then the median and max over the sets.

    /usr/bin/python3 benchmarks/stiff/scipy_stiff.py DIR [--n N] [--only PROBLEM]
        [--runs LSODA:1,BDF:1] [--repeats R] [--csv FILE] [--times FILE] [--check-reference K]

--check-reference K: instead, solve the first K reference sets with scipy's Radau at
rtol 1e-11 (an implicit Runge-Kutta method, independent of odesynth's rosenbrock4) and print
the error of bench_stiff's references against it in the same measure.
"""
import os

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import argparse  # noqa: E402
import csv  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import scipy  # noqa: E402
from scipy.integrate import solve_ivp  # noqa: E402


# Right-hand sides and Jacobians, written the way a SimbaML user writes them: numpy arrays
# built from the state's entries. Equations: benchmarks/support/stiff_problems.hpp and
# include/odesynth/models/{robertson,van_der_pol}.hpp.
def robertson(p):
    k1, k2, k3 = p

    def f(t, y):
        return np.array([
            -k1 * y[0] + k3 * y[1] * y[2],
            k1 * y[0] - k2 * y[1] ** 2 - k3 * y[1] * y[2],
            k2 * y[1] ** 2,
        ])

    def jac(t, y):
        return np.array([
            [-k1, k3 * y[2], k3 * y[1]],
            [k1, -k3 * y[2] - 2 * k2 * y[1], -k3 * y[1]],
            [0.0, 2 * k2 * y[1], 0.0],
        ])

    return f, jac


def hires(p):
    k1, k2, k3, k4, k5, k6, k7, k8, k9, k10, k11, k12 = p

    def f(t, y):
        r = k10 * y[5] * y[7]
        return np.array([
            -k1 * y[0] + k2 * y[1] + k3 * y[2] + k4,
            k1 * y[0] - k5 * y[1],
            -k6 * y[2] + k2 * y[3] + k7 * y[4],
            k3 * y[1] + k1 * y[2] - k8 * y[3],
            -k9 * y[4] + k2 * y[5] + k2 * y[6],
            -r + k11 * y[3] + k1 * y[4] - k2 * y[5] + k11 * y[6],
            r - k12 * y[6],
            -r + k12 * y[6],
        ])

    def jac(t, y):
        J = np.zeros((8, 8))
        J[0, 0], J[0, 1], J[0, 2] = -k1, k2, k3
        J[1, 0], J[1, 1] = k1, -k5
        J[2, 2], J[2, 3], J[2, 4] = -k6, k2, k7
        J[3, 1], J[3, 2], J[3, 3] = k3, k1, -k8
        J[4, 4], J[4, 5], J[4, 6] = -k9, k2, k2
        J[5, 3], J[5, 4], J[5, 5], J[5, 6], J[5, 7] = k11, k1, -k10 * y[7] - k2, k11, -k10 * y[5]
        J[6, 5], J[6, 6], J[6, 7] = k10 * y[7], -k12, k10 * y[5]
        J[7, 5], J[7, 6], J[7, 7] = -k10 * y[7], k12, -k10 * y[5]
        return J

    return f, jac


def orego(p):
    s, w, q = p

    def f(t, y):
        return np.array([
            s * (y[1] - y[0] * y[1] + y[0] - q * y[0] ** 2),
            (-y[1] - y[0] * y[1] + y[2]) / s,
            w * (y[0] - y[2]),
        ])

    def jac(t, y):
        return np.array([
            [s * (-y[1] + 1 - 2 * q * y[0]), s * (1 - y[0]), 0.0],
            [-y[1] / s, (-1 - y[0]) / s, 1 / s],
            [w, 0.0, -w],
        ])

    return f, jac


def vdp1000(p):
    (mu,) = p

    def f(t, y):
        return np.array([y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]])

    def jac(t, y):
        return np.array([[0.0, 1.0], [-2 * mu * y[0] * y[1] - 1, mu * (1 - y[0] ** 2)]])

    return f, jac


MODELS = {"robertson": robertson, "hires": hires, "orego": orego, "vdp1000": vdp1000}


def read_rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def error(x, ref, atol, rtol):
    """max |x - ref| / (atol + rtol |ref|); inf for a wrong shape or NaN."""
    if x.shape != ref.shape:
        return float("inf")
    e = float(np.max(np.abs(x - ref) / (atol + rtol * np.abs(ref))))
    return float("inf") if np.isnan(e) else e


def load(d, prob, n):
    name = prob["problem"]
    grid = np.array([float(r["t"]) for r in read_rows(os.path.join(d, f"{name}_grid.csv"))])
    params = read_rows(os.path.join(d, f"{name}_params.csv"))
    pnames = [k for k in params[0].keys() if k != "set"]
    sets = [[float(r[k]) for k in pnames] for r in params[:n]]
    refs = {}
    for r in read_rows(os.path.join(d, f"{name}_reference.csv")):
        refs.setdefault(int(r["set"]), []).append(
            [float(v) for k, v in r.items() if k not in ("set", "t")])
    refs = {i: np.array(v) for i, v in refs.items()}
    y0 = np.array([float(v) for v in prob["y0"].split()])
    return name, float(prob["t0"]), y0, grid, sets, refs


def solve(name, p, t0, y0, grid, method, rtol, atol):
    f, jac = MODELS[name](p)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return solve_ivp(f, (t0, grid[-1]), y0, method=method, t_eval=grid, rtol=rtol,
                         atol=atol, jac=jac)


def check_reference(a, problems):
    print("bench_stiff's references against scipy Radau (rtol 1e-11, atol = the reference's),"
          " error in the benchmark's measure")
    for prob in problems:
        if a.only and a.only != prob["problem"]:
            continue
        name, t0, y0, grid, sets, refs = load(a.dir, prob, a.check_reference)
        rtol, atol = float(prob["rel_tol"]), float(prob["abs_tol"])
        errs = []
        for i, p in enumerate(sets):
            if i not in refs:
                continue
            sol = solve(name, p, t0, y0, grid, "Radau", 1e-11, float(prob["ref_abs_tol"]))
            errs.append(error(sol.y.T, refs[i], atol, rtol) if sol.success else float("inf"))
        print(f"{name:<10} {len(errs)} sets: max error {max(errs):.3g}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="the --out folder of bench_stiff")
    ap.add_argument("--n", type=int, default=50, help="parameter sets per problem (default 50)")
    ap.add_argument("--only", default="", help="one problem")
    ap.add_argument("--runs", default="LSODA:1,LSODA:10,LSODA:100,LSODA:1000,BDF:1",
                    help="method:S pairs, S dividing both tolerances")
    ap.add_argument("--repeats", type=int, default=1, help="solves per set and run (median)")
    ap.add_argument("--csv", default="", help="also write the results here")
    ap.add_argument("--times", default="", help="and the per-set times here")
    ap.add_argument("--check-reference", type=int, default=0, metavar="K")
    a = ap.parse_args()

    problems = read_rows(os.path.join(a.dir, "problems.csv"))
    if a.check_reference:
        check_reference(a, problems)
        return
    runs = [(m, float(s)) for m, s in (r.split(":") for r in a.runs.split(","))]
    print(f"scipy {scipy.__version__}, numpy {np.__version__}; first {a.n} parameter sets,"
          f" {a.repeats} solve(s) per set and run")
    print(f"{'problem':<10} {'method':<11} {'n':>4} {'us/traj':>10} {'median':>10} {'nfev':>8}"
          f" {'failures':>8} {'err_med':>9} {'err_max':>9}")
    rows_out, times_out = [], []
    for prob in problems:
        if a.only and a.only != prob["problem"]:
            continue
        name, t0, y0, grid, sets, refs = load(a.dir, prob, a.n)
        rtol, atol = float(prob["rel_tol"]), float(prob["abs_tol"])
        per = {r: {"t": [], "nfev": 0, "fail": 0, "err": []} for r in runs}
        for i, p in enumerate(sets):
            for (method, scale) in runs:  # interleaved: every run on this set, then the next
                acc = per[(method, scale)]
                ts = []
                for _ in range(a.repeats):
                    start = time.perf_counter()
                    sol = solve(name, p, t0, y0, grid, method, rtol / scale, atol / scale)
                    ts.append(time.perf_counter() - start)
                acc["t"].append(statistics.median(ts))
                acc["nfev"] += sol.nfev
                if not sol.success:
                    acc["fail"] += 1
                elif i in refs:
                    acc["err"].append(error(sol.y.T, refs[i], atol, rtol))
        for (method, scale) in runs:
            acc = per[(method, scale)]
            label = method if scale == 1 else f"{method}/{scale:g}"
            mean = statistics.fmean(acc["t"]) * 1e6
            med = statistics.median(acc["t"]) * 1e6
            emed = statistics.median(acc["err"]) if acc["err"] else float("nan")
            emax = max(acc["err"]) if acc["err"] else float("nan")
            n = len(sets)
            print(f"{name:<10} {label:<11} {n:>4} {mean:>10.1f} {med:>10.1f}"
                  f" {acc['nfev'] / n:>8.1f} {acc['fail']:>8} {emed:>9.3g} {emax:>9.3g}",
                  flush=True)
            rows_out.append([name, label, n, f"{mean:.6g}", f"{med:.6g}", f"{acc['nfev'] / n:.6g}",
                             acc["fail"], f"{emed:.6g}", f"{emax:.6g}"])
            times_out += [[name, label, i, f"{t:.6g}"] for i, t in enumerate(acc["t"])]
    if a.csv:
        with open(a.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["problem", "method", "n", "us_per_traj", "us_median", "mean_nfev",
                        "failures", "err_median", "err_max"])
            w.writerows(rows_out)
    if a.times:
        with open(a.times, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["problem", "method", "set", "seconds"])
            w.writerows(times_out)


if __name__ == "__main__":
    main()
