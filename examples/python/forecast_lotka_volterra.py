"""Train a forecaster on synthetic predator-prey data (notebook-style: one cell per `# %%`).

odesynth generates noisy, gappy Lotka-Volterra trajectories straight into NumPy arrays;
scikit-learn learns to predict each species a few steps ahead from a window of past
observations, and is compared with the naive forecast "the last value stays" on trajectories
it never saw. Run it with the module on the path:

    PYTHONPATH=build/src/python/module /usr/bin/python3 examples/python/forecast_lotka_volterra.py
"""
# %% Generate: parameters 10% around the zoo's defaults, 5% noise, 10% of the points missing
import time

import numpy as np
from sklearn.linear_model import Ridge

import odesynth

config = {
    "model": {"zoo": "lotka_volterra"},
    "parameters": {
        name: {"type": "percent_around", "nominal": value, "percent": 10}
        for name, value in odesynth.zoo_model("lotka_volterra")["default_parameters"].items()
    },
    "initial_values": {
        "prey": {"type": "uniform", "lo": 20, "hi": 50},
        "predator": {"type": "uniform", "lo": 3, "hi": 10},
    },
    "time_grid": {"start": 0, "end": 40, "points": 201},
    "transforms": [
        {"type": "proportional_noise", "rel_sigma": 0.05},
        {"type": "missing_entries", "probability": 0.1},
    ],
    "generation": {"seed": 2026},
}
start = time.perf_counter()
data = odesynth.generate(config, end=600)
print(f"{data['report']['delivered']} trajectories x {data['values'].shape[1]} times "
      f"x {data['species']} in {time.perf_counter() - start:.2f} s, "
      f"{(~data['mask']).mean():.1%} of the values missing")

# %% Fill the gaps as one would in measured data: carry the last observation forward (and the
# first one backward, for a gap at the start)
filled = data["values"].copy()  # [n, T, S], NaN where missing
steps = filled.shape[1]
forward = [(t, t - 1) for t in range(1, steps)]
backward = [(t, t + 1) for t in range(steps - 2, -1, -1)]
for t, previous in forward + backward:
    gap = np.isnan(filled[:, t, :])
    filled[:, t, :][gap] = filled[:, previous, :][gap]
assert not np.isnan(filled).any()

# %% Sliding windows: `lags` past steps of both species -> both species `horizon` steps later
lags, horizon = 8, 5


def windows(rows):
    """Features (log of the lagged, filled values) and targets (log of the measured values),
    only where the target was measured: no model is scored against a filled-in value."""
    x, y = [], []
    past, future = filled[rows], data["values"][rows]
    for t in range(lags, past.shape[1] - horizon + 1):
        measured = ~np.isnan(future[:, t + horizon - 1, :]).any(axis=1)
        x.append(np.log(past[measured, t - lags:t, :]).reshape(measured.sum(), -1))
        y.append(np.log(future[measured, t + horizon - 1, :]))
    return np.concatenate(x), np.concatenate(y)


# Held out: the last 100 trajectories, whose parameters the model never saw.
x_train, y_train = windows(slice(0, 500))
x_test, y_test = windows(slice(500, 600))
print(f"{len(x_train)} training windows, {len(x_test)} test windows")

# %% Fit a ridge regression on the log values, and forecast
model = Ridge(alpha=1e-3).fit(x_train, y_train)
predicted = np.exp(model.predict(x_test))
naive = np.exp(x_test.reshape(len(x_test), lags, -1)[:, -1, :])  # last value stays
truth = np.exp(y_test)


# %% Compare on held-out trajectories
def mae(forecast):
    return np.abs(forecast - truth).mean(axis=0)


for name, forecast in (("ridge", predicted), ("naive", naive)):
    errors = ", ".join(f"{s} {e:.2f}" for s, e in zip(data["species"], mae(forecast)))
    print(f"{name:6s} mean absolute error {horizon} steps ahead: {errors}")
improvement = 1 - mae(predicted).mean() / mae(naive).mean()
print(f"ridge is {improvement:.0%} better than the naive forecast")
assert improvement > 0.2, "the forecaster should clearly beat the naive baseline"
