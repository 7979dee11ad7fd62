#!/usr/bin/python3
"""The scipy side of bench_stiff: SimbaML-like Python loops over scipy.integrate.solve_ivp.

SimbaML generates a dataset by calling solve_ivp once per sampled parameter set in a Python
loop, with numpy right-hand sides. This script does the same for the parameter sets that
bench_stiff wrote (<dir>/<problem>_params.csv), on the first N of them (default 50: scipy's
BDF takes ~0.1 s per OREGO or VdP trajectory, so the full 1000 would take ~10 minutes a run;
per-trajectory times vary little between sets, see the median and total/N columns):

    solve_ivp(f, (t0, t1), y0, method=M, t_eval=grid, rtol=1e-6, atol=..., jac=jac)

for M in LSODA and BDF, with the same grid, tolerances and initial state as the C++ side
(<dir>/problems.csv, <dir>/<problem>_grid.csv). It reports per method: the median of the
per-trajectory wall times and total/N, failures (not sol.success) and the error against the
references of bench_stiff (<dir>/<problem>_reference.csv, rosenbrock4 at rtol 1e-11): the max
over the reference sets among the first N, outputs and species of
|x - ref| / (atol + rtol |ref|).

    /usr/bin/python3 benchmarks/stiff/scipy_stiff.py DIR [--n N] [--only PROBLEM]
                                                         [--methods LSODA,BDF] [--csv FILE]
                                                         [--tol-scale S]
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


# Right-hand sides and Jacobians, written the way a SimbaML model is: numpy arrays built
# from the state's entries. Equations: benchmarks/support/stiff_problems.hpp and
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


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("dir", help="the --out folder of bench_stiff")
    ap.add_argument("--n", type=int, default=50, help="parameter sets per problem (default 50)")
    ap.add_argument("--only", default="", help="one problem")
    ap.add_argument("--methods", default="LSODA,BDF")
    ap.add_argument("--csv", default="", help="also write the results here")
    ap.add_argument("--tol-scale", type=float, default=1.0,
                    help="solve with rtol and atol divided by this (errors are still measured "
                         "with the benchmark's tolerances): scipy at odesynth's accuracy")
    a = ap.parse_args()

    problems = read_rows(os.path.join(a.dir, "problems.csv"))
    print(f"scipy {scipy.__version__}, numpy {np.__version__}; first {a.n} parameter sets"
          + (f"; tolerances / {a.tol_scale:g}" if a.tol_scale != 1 else ""))
    header = f"{'problem':<10} {'method':<6} {'n':>4} {'us/traj(med)':>13} {'us/traj(tot/N)':>15}"
    header += f" {'nfev':>8} {'failures':>8} {'max_err':>10}"
    print(header)
    rows_out = []
    for prob in problems:
        name = prob["problem"]
        if a.only and a.only != name:
            continue
        t0 = float(prob["t0"])
        rtol, atol = float(prob["rel_tol"]), float(prob["abs_tol"])
        y0 = np.array([float(v) for v in prob["y0"].split()])
        grid = np.array([float(r["t"]) for r in read_rows(os.path.join(a.dir, f"{name}_grid.csv"))])
        params = read_rows(os.path.join(a.dir, f"{name}_params.csv"))
        pnames = [k for k in params[0].keys() if k != "set"]
        sets = [[float(r[k]) for k in pnames] for r in params[: a.n]]
        refs = {}
        for r in read_rows(os.path.join(a.dir, f"{name}_reference.csv")):
            refs.setdefault(int(r["set"]), []).append(
                [float(v) for k, v in r.items() if k not in ("set", "t")])
        refs = {i: np.array(v) for i, v in refs.items()}

        for method in a.methods.split(","):
            times, failures, nfev, worst = [], 0, 0, None
            start_all = time.perf_counter()
            for i, p in enumerate(sets):
                f, jac = MODELS[name](p)
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    sol = solve_ivp(f, (t0, grid[-1]), y0, method=method, t_eval=grid,
                                    rtol=rtol / a.tol_scale, atol=atol / a.tol_scale, jac=jac)
                times.append(time.perf_counter() - start)
                nfev += sol.nfev
                if not sol.success:
                    failures += 1
                elif i in refs:
                    ref = refs[i]
                    x = sol.y.T
                    if x.shape != ref.shape:
                        e = float("inf")
                    else:
                        e = float(np.max(np.abs(x - ref) / (atol + rtol * np.abs(ref))))
                        if np.isnan(e):
                            e = float("inf")
                    worst = e if worst is None else max(worst, e)
            total = time.perf_counter() - start_all
            med = statistics.median(times) * 1e6
            tot = total / len(sets) * 1e6
            err = float("nan") if worst is None else worst
            label = method if a.tol_scale == 1 else f"{method}/{a.tol_scale:g}"
            print(f"{name:<10} {label:<6} {len(sets):>4} {med:>13.1f} {tot:>15.1f}"
                  f" {nfev / len(sets):>8.1f} {failures:>8} {err:>10.3g}", flush=True)
            rows_out.append([name, label, len(sets), f"{med:.6g}", f"{tot:.6g}",
                             f"{nfev / len(sets):.6g}", failures, f"{err:.6g}"])
    if a.csv:
        with open(a.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["problem", "method", "n", "us_per_traj_median", "us_per_traj_total",
                        "mean_nfev", "failures", "max_error"])
            w.writerows(rows_out)


if __name__ == "__main__":
    main()
