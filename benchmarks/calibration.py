"""Honest intervals: leave-recipe-out coverage of new measurements on the twin (issue 12).

Data (SIMULATED, :class:`matdoe.simulate.DigitalTwin`): 16, 32 and 64 random recipes of the
default space, each made once (one batch, its own batch-to-batch offset) and measured at 30, 40,
50 and 60 °C (measurement noise per run). The model is the one every command fits
(:func:`matdoe.surrogate.make_surrogate` over the space widened to the data), given each
measurement's std and its batch (``sample``). Validation: :func:`matdoe.surrogate.cross_validate`,
5 folds, every measurement of a recipe held out together. A held-out measurement is covered when
it lies inside mean ± 1.96·std of a new measurement of a new batch.

Target: coverage in [90 %, 98 %] at every size, overall and in each third of the vol% range
(5-23.3, 23.3-41.7, 41.7-60 vol%). A third of one data set of 16 recipes holds about five
recipes, so one data set says little: coverage is pooled over ``N_SEEDS`` data sets, and each cell
shows a bootstrap interval over the data sets (95 %, ``N_BOOTSTRAP`` resamples) beside it. With 8
data sets the 42-60 vol% third at 16 recipes read 88.1 %; with 32 it reads 91.2 % (the same
model), so the earlier miss was the spread of 8 data sets.

Run: ``python -m benchmarks.calibration [--quick]``.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks import QUICK_NOTE, fmt_pct_bound, yes

SIZES = (16, 32, 64)
TEMPERATURES_C = (30.0, 40.0, 50.0, 60.0)
N_SEEDS = 32
N_BOOTSTRAP = 1000
TARGET = (0.90, 0.98)
THIRDS = ((5.0, 23.34), (23.34, 41.67), (41.67, 60.01))


def dataset(n: int, seed: int) -> pd.DataFrame:
    """``n`` random recipes, one batch each, measured at four temperatures (SIMULATED)."""
    from matdoe.simulate import DigitalTwin, default_space

    space = default_space()
    rng = np.random.default_rng(seed)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(n, rng, method="random")))
    measured = DigitalTwin().measure(recipes, TEMPERATURES_C, random_state=rng)
    measured["sample"] = np.tile([f"sim-{i}" for i in range(n)], len(TEMPERATURES_C))
    return measured.reset_index(drop=True)


def evaluate(n: int, seed: int) -> dict[str, float]:
    """Coverage overall and per third of the vol% range, RMSE and the fitted noise terms."""
    from matdoe.simulate import default_space
    from matdoe.surrogate import cross_validate, make_surrogate

    data = dataset(n, seed)
    columns = ["sample", "silica", "vol_pct", "milling_h", "temperature_c"]
    space = default_space().covering(data)
    t0 = time.perf_counter()
    cv = cross_validate(
        make_surrogate(space),
        data[columns],
        data["log10_sigma"],
        y_std=data["log10_sigma_std"],
        random_state=seed,
    )
    p = cv.predictions
    inside = (np.abs(p["y"] - p["mean"]) <= 1.96 * p["std"]).to_numpy()
    vol = data["vol_pct"].to_numpy()
    out = {
        "n": n,
        "seed": seed,
        "coverage": float(inside.mean()),
        "rmse": cv.rmse,
        "mlpd": cv.mean_log_predictive_density,
        "seconds": time.perf_counter() - t0,
    }
    for k, (lo, hi) in enumerate(THIRDS):
        mask = (vol >= lo) & (vol < hi)
        out[f"third{k}"] = float(inside[mask].mean()) if mask.any() else np.nan
        out[f"count{k}"] = int(mask.sum())
    return out


def pooled_cells(r: pd.DataFrame) -> list[float]:
    """Coverage overall and in each third, pooled over the data sets of ``r`` by counts.

    Example:
        >>> r = pd.DataFrame({"coverage": [1.0, 0.5], "third0": [1.0, 0.5], "count0": [2, 2],
        ...                   "third1": [1.0, 0.0], "count1": [1, 3], "third2": [1.0, 1.0],
        ...                   "count2": [1, 1]})
        >>> pooled_cells(r)
        [0.75, 0.75, 0.25, 1.0]
    """
    # A third can hold few points in one data set: pool by counts.
    thirds = [
        float((r[f"third{k}"] * r[f"count{k}"]).sum() / r[f"count{k}"].sum()) for k in range(3)
    ]
    return [float(r["coverage"].mean()), *thirds]


def bootstrap_cells(
    r: pd.DataFrame, rng: np.random.Generator, n: int = N_BOOTSTRAP
) -> tuple[np.ndarray, np.ndarray]:
    """2.5 % and 97.5 % points of :func:`pooled_cells` over data sets drawn with replacement."""
    draws = np.array(
        [pooled_cells(r.iloc[rng.integers(0, len(r), len(r))]) for _ in range(n)], dtype=float
    )
    return np.nanpercentile(draws, 2.5, axis=0), np.nanpercentile(draws, 97.5, axis=0)


def run(quick: bool = False, out_dir: Path | None = None) -> str:
    """Run the calibration benchmark; return its markdown section."""
    start = time.perf_counter()
    sizes, seeds = ((16,), 1) if quick else (SIZES, N_SEEDS)
    rows = pd.DataFrame([evaluate(n, s) for n in sizes for s in range(seeds)])
    lines = [
        "## Honest intervals: leave-recipe-out coverage on the twin (`benchmarks/calibration.py`)",
        "",
        f"{seeds} data set(s) per size; each recipe one batch measured at "
        f"{', '.join(f'{t:g}' for t in TEMPERATURES_C)} °C (SIMULATED: measurement noise 0.05, "
        "batch-to-batch scatter 0.06 log10); 5 folds holding out every measurement of a recipe; "
        "interval = where a new batch's measurement falls (95 %). Coverage pooled over the data "
        "sets (min-max over data sets in brackets).",
        "",
        "| recipes | coverage | [min, max] | 5-23 vol% | 23-42 vol% | 42-60 vol% | RMSE | "
        "mean log density | s per CV | met |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    all_met = True
    for n in sizes:
        r = rows[rows["n"] == n]
        cells = pooled_cells(r)
        lows, highs = bootstrap_cells(r, np.random.default_rng(n))
        met = all(TARGET[0] <= c <= TARGET[1] for c in cells)
        all_met &= met
        shown = [
            f"{fmt_pct_bound(c, TARGET[0])} ({100 * lo:.0f}-{100 * hi:.0f})"
            for c, lo, hi in zip(cells, lows, highs, strict=True)
        ]
        lines.append(
            f"| {n} × {len(TEMPERATURES_C)} | {shown[0]} | "
            f"[{100 * r['coverage'].min():.0f}, {100 * r['coverage'].max():.0f}] | "
            + " | ".join(shown[1:])
            + f" | {r['rmse'].mean():.3f} | {r['mlpd'].mean():.2f} | {r['seconds'].mean():.1f} | "
            f"{yes(met)} |"
        )
    lines += [
        "",
        "In brackets after each coverage: its 95 % bootstrap interval over the data sets "
        f"({N_BOOTSTRAP} resamples).",
        "",
        f"Target (coverage in [90 %, 98 %] at every size and in each third): {yes(all_met)}. "
        f"Wall time: {time.perf_counter() - start:.0f} s.",
    ]
    text = "\n".join(lines) + "\n"
    if quick:
        head, rest = text.split("\n", 1)
        text = f"{head}\n\n{QUICK_NOTE}\n{rest}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    print(run(quick=args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
