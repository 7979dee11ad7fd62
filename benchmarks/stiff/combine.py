#!/usr/bin/python3
"""One table from the rounds of benchmarks/stiff/run.sh.

    /usr/bin/python3 benchmarks/stiff/combine.py OUT_DIR

Each OUT_DIR/roundK/PROBLEM holds one bench_stiff run on that problem (odesynth_results.csv,
odesynth_times.csv) and one scipy_stiff.py run on it (scipy_results.csv, scipy_times.csv), made
back to back. Times are
compared on the same parameter sets: us/traj = the mean over scipy's sets (the first N) of
each set's time, for both sides. Per round:
  same tol   scipy LSODA at the benchmark's tolerances / odesynth's method;
  matched    scipy LSODA's time interpolated to odesynth's median error, log time linear in
             log error between the two LSODA runs (tolerances / 1, 10, 100, 1000) whose median
             errors bracket it, over odesynth's time ("-" if none bracket it).
The table gives the median over rounds of every figure, and the range of the ratios.
"""
import csv
import glob
import math
import os
import statistics
import sys


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def rows_of(round_dir, name):
    """The rows of `name` in every problem folder of a round, in problem order."""
    out = []
    for d in sorted(glob.glob(os.path.join(round_dir, "*", name))):
        out += rows(d)
    return out


def mean_time(times, problem, method, n):
    ts = [float(r["seconds"]) for r in times
          if r["problem"] == problem and r["method"] == method and int(r["set"]) < n]
    return statistics.fmean(ts) * 1e6 if len(ts) == n else math.nan


def matched_lsoda(sci_times, sci, problem, n, target):
    """LSODA's time (us/traj on the first n sets) at median error `target`, interpolated."""
    pts = []
    for r in sci:
        if r["problem"] == problem and r["method"].split("/")[0] == "LSODA":
            err = float(r["err_median"])
            if math.isfinite(err) and err > 0 and int(r["failures"]) == 0:
                pts.append((err, mean_time(sci_times, problem, r["method"], n)))
    pts.sort(reverse=True)  # loosest first
    for (e1, t1), (e2, t2) in zip(pts, pts[1:]):
        if e1 >= target >= e2:
            w = (math.log(e1) - math.log(target)) / (math.log(e1) - math.log(e2))
            return math.exp(math.log(t1) + w * (math.log(t2) - math.log(t1)))
    return math.nan  # not bracketed: no LSODA run as loose or as tight as this method


def fmt_ratio(values):
    v = [x for x in values if math.isfinite(x)]
    if not v:
        return "-"
    med = statistics.median(v)
    return f"{med:.0f}x ({min(v):.0f}-{max(v):.0f})" if len(v) > 1 else f"{med:.0f}x"


def main():
    out = sys.argv[1]
    rounds = sorted(glob.glob(os.path.join(out, "round*")),
                    key=lambda p: int(p.rsplit("round", 1)[1]))
    # (problem, side, method) -> lists over rounds
    cells = {}
    order = []
    for d in rounds:
        ode = rows_of(d, "odesynth_results.csv")
        ode_t = rows_of(d, "odesynth_times.csv")
        sci = rows_of(d, "scipy_results.csv")
        sci_t = rows_of(d, "scipy_times.csv")
        for r, side in [(r, "odesynth") for r in ode] + [(r, "scipy") for r in sci]:
            key = (r["problem"], side, r["method"])
            if key not in order:
                order.append(key)
            c = cells.setdefault(key, {"all": [], "sub": [], "errm": [], "errx": [], "fail": [],
                                       "n": r["n"], "same": [], "matched": [], "statuses": ""})
            n_sci = int(next(s["n"] for s in sci if s["problem"] == r["problem"]))
            c["errm"].append(float(r["err_median"]))
            c["errx"].append(float(r["err_max"]))
            c["fail"].append(int(r["failures"]))
            if side == "odesynth":
                c["all"].append(float(r["us_per_traj"]))
                c["statuses"] = r["statuses"]
                sub = mean_time(ode_t, r["problem"], r["method"], min(n_sci, int(r["n"])))
                c["sub"].append(sub)
                lsoda = mean_time(sci_t, r["problem"], "LSODA", n_sci)
                if int(r["n"]) >= n_sci and int(r["failures"]) == 0:
                    c["same"].append(lsoda / sub)
                    t = matched_lsoda(sci_t, sci, r["problem"], n_sci, float(r["err_median"]))
                    c["matched"].append(t / sub)
            else:
                c["all"].append(float(r["us_per_traj"]))
                c["sub"].append(float(r["us_per_traj"]))

    med = lambda v: statistics.median(v) if v else math.nan  # noqa: E731
    print(f"{len(rounds)} rounds; medians over rounds. n: sets solved; us/traj: mean over the sets"
          f" scipy solved (first N), one core; 'all': odesynth over all its n sets.")
    print("error = max over outputs and species of |x - ref| / (atol + rtol |ref|), median and"
          " max over the reference sets.")
    print("ratios: scipy LSODA / this, median over rounds (min-max); 'matched' = LSODA"
          " interpolated to this method's median error.")
    hdr = (f"{'problem':<10} {'side':<8} {'method':<22} {'n':>5} {'us/traj':>10} {'all':>9}"
           f" {'err_med':>8} {'err_max':>8} {'fail':>5}  {'LSODA/this, same tol':<22}"
           f" {'LSODA/this, matched':<20}")
    print(hdr)
    print("-" * len(hdr))
    problems = list(dict.fromkeys(k[0] for k in order))
    order.sort(key=lambda k: problems.index(k[0]))  # stable: odesynth's rows, then scipy's
    last = None
    for key in order:
        problem, side, method = key
        c = cells[key]
        if last and last != problem:
            print()
        last = problem
        allcol = f"{med(c['all']):>9.1f}" if side == "odesynth" else f"{'':>9}"
        line = (f"{problem:<10} {side:<8} {method:<22} {c['n']:>5} {med(c['sub']):>10.1f} {allcol}"
                f" {med(c['errm']):>8.3g} {med(c['errx']):>8.3g} {max(c['fail']):>5}")
        if side == "odesynth" and c["same"]:
            line += f"  {fmt_ratio(c['same']):<22} {fmt_ratio(c['matched']):<20}"
        if side == "odesynth" and c["fail"] and max(c["fail"]) > 0:
            line += f"  [{c['statuses']}]"
        print(line)
    print()
    print("target in the issue: >= 100x scipy LSODA per core on the small stiff problems")


if __name__ == "__main__":
    main()
