"""Model accuracy: cross-validated RMSE and 95 % coverage of matdoe's GP against two baselines.

Data (SIMULATED, from :class:`matdoe.simulate.DigitalTwin`): recipes drawn uniformly at random on
the grid of :func:`matdoe.simulate.default_space` (silica, vol% SiO2, milling time), each measured
once at a temperature drawn uniformly from 30-60 °C, with the twin's measurement noise (0.05)
and batch-to-batch scatter (0.06) in log10 sigma. Sizes 20, 50 and 200, several seeds.

Models, all scored on the same 5 folds (those :func:`matdoe.surrogate.cross_validate` draws;
replicates of a recipe stay together):

* matdoe GP: ``make_surrogate(space, random_state=seed)`` (the model every command fits),
  fitted with the twin's stated measurement std (0.05) as ``y_std``, as ``matdoe model fit``
  passes the stored std; interval = mean ± 1.96·std of a new measurement (what
  ``cross_validate`` reports).
* scikit-learn default GP: ``GaussianProcessRegressor(normalize_y=True)``, everything else
  default, i.e. kernel ``1.0 * RBF(1.0)`` with *fixed* hyperparameters (scikit-learn's default
  kernel has fixed bounds, so nothing is optimised) and ``alpha=1e-10``; interval = mean ±
  1.96·std from ``predict(return_std=True)``.
* random forest: ``RandomForestRegressor(n_estimators=300, random_state=seed)``; interval =
  mean ± 1.96·(std of the 300 trees' predictions).
* extra, not part of the target: a tuned scikit-learn GP, ``ConstantKernel * Matern(nu=2.5,
  ARD) + WhiteKernel`` with its hyperparameters optimised (``normalize_y=True``, no restarts), to
  show what the default leaves on the table.

scikit-learn models see the silica one-hot encoded, vol% and milling time scaled to [0, 1] over
the space's bounds and temperature as 1000/T scaled to [0, 1] over the condition's range (the
same scaling matdoe uses, without the silica descriptors).
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks import QUICK_NOTE, fmt_pct_bound, fmt_vs, output_dir, yes

SIZES_FULL = (20, 50, 200)
SEEDS_FULL = 6
SIZES_QUICK = (20,)
SEEDS_QUICK = 1
TEMPERATURE_RANGE_C = (30.0, 60.0)
COVERAGE_TARGET = (0.90, 0.98)

MATDOE = "matdoe GP"
SK_DEFAULT = "sklearn GP (default)"
FOREST = "random forest"
SK_TUNED = "sklearn GP (tuned, extra)"
MODELS = (MATDOE, SK_DEFAULT, FOREST, SK_TUNED)
TARGET_MODELS = (MATDOE, SK_DEFAULT, FOREST)


def twin_dataset(n: int, seed: int) -> pd.DataFrame:
    """``n`` random recipes of the default space, each measured once at 30-60 °C (SIMULATED)."""
    from matdoe.simulate import DigitalTwin, default_space

    space = default_space()
    rng = np.random.default_rng(seed)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(n, rng, method="random")))
    temperatures = rng.uniform(*TEMPERATURE_RANGE_C, size=n)
    twin = DigitalTwin()
    rows = [twin.measure(recipes.iloc[[i]], [temperatures[i]], random_state=rng) for i in range(n)]
    return pd.concat(rows).reset_index(drop=True)


def _sklearn_features(space: Any, data: pd.DataFrame) -> np.ndarray:
    """One-hot silica plus matdoe's [0, 1] scaling of the numeric inputs (no descriptors)."""
    z = space.encode(data, one_hot=True)
    names = space.feature_names(one_hot=True)
    keep = [i for i, name in enumerate(names) if not name.startswith("silica.")]
    return z[:, keep]


@dataclass(frozen=True)
class Score:
    model: str
    n: int
    seed: int
    rmse: float
    coverage95: float
    seconds: float


def _score(model: str, n: int, seed: int, y: np.ndarray, mean: np.ndarray, std: np.ndarray,
           seconds: float) -> Score:  # fmt: skip
    resid = y - mean
    return Score(
        model=model,
        n=n,
        seed=seed,
        rmse=float(np.sqrt((resid**2).mean())),
        coverage95=float((np.abs(resid) <= 1.96 * std).mean()),
        seconds=seconds,
    )


def evaluate(n: int, seed: int, *, n_trees: int = 300) -> tuple[list[Score], int]:
    """Scores of every model on one data set; also the count of scikit-learn fit warnings."""
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    from matdoe.simulate import default_space
    from matdoe.surrogate import cross_validate, make_surrogate

    space = default_space()
    data = twin_dataset(n, seed)
    X = data[[*space.parameter_names, *space.condition_names]]
    y = data["log10_sigma"].to_numpy(float)
    scores = []
    t0 = time.perf_counter()
    cv = cross_validate(
        make_surrogate(space, random_state=seed),
        X,
        y,
        y_std=data["log10_sigma_std"].to_numpy(float),
        random_state=seed,
    )
    preds = cv.predictions
    scores.append(
        _score(
            MATDOE,
            n,
            seed,
            y,
            preds["mean"].to_numpy(),
            preds["std"].to_numpy(),
            time.perf_counter() - t0,
        )
    )
    folds = preds["fold"].to_numpy()
    z = _sklearn_features(space, X)
    d = z.shape[1]

    def default_gp() -> Any:
        return GaussianProcessRegressor(normalize_y=True)

    def forest() -> Any:
        return RandomForestRegressor(n_estimators=n_trees, random_state=seed, n_jobs=1)

    def tuned_gp() -> Any:
        kernel = ConstantKernel(1.0) * Matern(np.ones(d), nu=2.5) + WhiteKernel(1e-2)
        return GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed)

    n_warnings = 0
    for name, make in ((SK_DEFAULT, default_gp), (FOREST, forest), (SK_TUNED, tuned_gp)):
        mean = np.empty(len(y))
        std = np.empty(len(y))
        t0 = time.perf_counter()
        for f in np.unique(folds):
            test = folds == f
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                model = make().fit(z[~test], y[~test])
            n_warnings += sum(issubclass(w.category, ConvergenceWarning) for w in caught)
            if name == FOREST:
                per_tree = np.stack([t.predict(z[test]) for t in model.estimators_])
                mean[test] = per_tree.mean(0)
                std[test] = per_tree.std(0)
            else:
                mean[test], std[test] = model.predict(z[test], return_std=True)
        scores.append(_score(name, n, seed, y, mean, std, time.perf_counter() - t0))
    return scores, n_warnings


def _summary(scores: list[Score]) -> pd.DataFrame:
    frame = pd.DataFrame([s.__dict__ for s in scores])
    return (
        frame.groupby(["n", "model"], sort=False)
        .agg(
            rmse=("rmse", "mean"),
            rmse_sd=("rmse", "std"),
            coverage95=("coverage95", "mean"),
            coverage_min=("coverage95", "min"),
            coverage_max=("coverage95", "max"),
            seconds=("seconds", "mean"),
            seeds=("seed", "count"),
        )
        .reset_index()
    )


def _plot(summary: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_rmse, ax_cov = fig.subplots(1, 2)
    markers = dict(zip(MODELS, "osD^", strict=True))
    for model in MODELS:
        rows = summary[summary["model"] == model]
        style = {"marker": markers[model], "label": model, "ls": ":" if model == SK_TUNED else "-"}
        ax_rmse.errorbar(
            rows["n"], rows["rmse"], yerr=rows["rmse_sd"].fillna(0), capsize=3, **style
        )
        ax_cov.plot(rows["n"], 100 * rows["coverage95"], **style)
    ax_cov.axhspan(100 * COVERAGE_TARGET[0], 100 * COVERAGE_TARGET[1], color="g", alpha=0.12,
                   label="target 90-98 %")  # fmt: skip
    sizes = sorted(summary["n"].unique())
    for ax in (ax_rmse, ax_cov):
        ax.set_xscale("log")
        ax.set_xticks(sizes, [str(v) for v in sizes])
        ax.set_xticks([], minor=True)
        ax.set_xlabel("training-set size n (SIMULATED twin data)")
    ax_rmse.set_ylabel("5-fold CV RMSE, log10(S/cm)")
    ax_rmse.set_yscale("log")
    ax_rmse.yaxis.set_major_formatter(ScalarFormatter())
    ax_rmse.yaxis.set_minor_formatter(NullFormatter())
    ax_rmse.set_yticks([0.05, 0.1, 0.2, 0.5, 1.0])
    ax_cov.set_ylabel("coverage of the 95 % interval, %")
    ax_cov.legend(fontsize=8, loc="lower right")
    ax_rmse.set_title("Cross-validated error (mean ± sd over seeds)")
    ax_cov.set_title("Interval calibration")
    fig.savefig(path, dpi=110)


def run(quick: bool = False, out_dir: Path | None = None) -> str:
    """Run the accuracy benchmark; return its markdown section (plots saved to ``out_dir``).

    ``out_dir`` defaults to ``benchmarks/`` for the full run and a temporary folder for quick.
    """
    sizes = SIZES_QUICK if quick else SIZES_FULL
    n_seeds = SEEDS_QUICK if quick else SEEDS_FULL
    n_trees = 50 if quick else 300
    started = time.perf_counter()
    scores: list[Score] = []
    n_warnings = 0
    for n in sizes:
        for seed in range(n_seeds):
            s, w = evaluate(n, seed, n_trees=n_trees)
            scores += s
            n_warnings += w
    summary = _summary(scores)
    out_dir = output_dir(out_dir, quick)
    plot = out_dir / "accuracy_rmse_coverage.png"
    _plot(summary, plot)
    elapsed = time.perf_counter() - started

    lines = ["## Model accuracy (cross-validated, SIMULATED digital-twin data)", ""]
    if quick:
        lines += [QUICK_NOTE, ""]
    lines += [
        f"Data: {', '.join(map(str, sizes))} random recipes of the default space, each measured "
        f"once at a temperature drawn uniformly from {TEMPERATURE_RANGE_C[0]:g}-"
        f"{TEMPERATURE_RANGE_C[1]:g} °C by `DigitalTwin().measure` (measurement noise 0.05 and batch scatter 0.06 log10); "
        f"{n_seeds} seed(s) per size; 5-fold CV with the folds `matdoe.surrogate.cross_validate` "
        "draws, shared by every model.",
        "",
        "Models: **matdoe GP** = `make_surrogate(space, random_state=seed)` (the model every command fits), given the "
        "measurement std 0.05 as `y_std` (as `matdoe model fit` passes stored stds), interval "
        "mean ± 1.96·predictive std of a new measurement. **sklearn GP (default)** = "
        "`GaussianProcessRegressor(normalize_y=True)`, all else default: kernel "
        "`1.0 * RBF(1.0)` with fixed hyperparameters (nothing optimised), `alpha=1e-10`; "
        "interval mean ± 1.96·`std` of `predict(return_std=True)`. **random forest** = "
        f"`RandomForestRegressor(n_estimators={n_trees})`, interval mean ± 1.96·(std of the "
        "trees' predictions). **sklearn GP (tuned, extra)** = `ConstantKernel * Matern(nu=2.5, "
        "ARD) + WhiteKernel`, optimised from its initial values (no restarts), `normalize_y=True`; shown for context, not "
        "part of the target. scikit-learn models get one-hot silica and the numeric inputs "
        "scaled to [0, 1] as matdoe scales them (temperature as 1000/T).",
        "",
        "RMSE is the mean over seeds of each data set's CV RMSE (± sd over seeds); coverage is "
        "the mean over seeds of the fraction of held-out values inside the 95 % interval "
        "(min-max over seeds in brackets).",
        "",
        "| n | model | RMSE (log10 S/cm) | ± sd | coverage95 | [min, max] | s per CV |",
        "|---:|---|---:|---:|---:|---|---:|",
    ]
    for _, r in summary.iterrows():
        lines.append(
            f"| {r.n} | {r.model} | {r.rmse:.4f} | {r.rmse_sd:.4f} | "
            f"{100 * r.coverage95:.1f} % | [{100 * r.coverage_min:.1f}, "
            f"{100 * r.coverage_max:.1f}] | {r.seconds:.2f} |"
            if r.seeds > 1
            else f"| {r.n} | {r.model} | {r.rmse:.4f} | – | {100 * r.coverage95:.1f} % | – | "
            f"{r.seconds:.2f} |"
        )
    lines += ["", "### Targets", ""]
    lines += ["| target | n | measured | met |", "|---|---:|---|---|"]
    all_met = True

    def verdict(met: bool) -> str:
        return "not judged (quick run)" if quick else yes(met)

    for n in sizes:
        rows = summary[(summary["n"] == n) & summary["model"].isin(TARGET_MODELS)]
        rmse = dict(zip(rows["model"], rows["rmse"], strict=True))
        others = {m: v for m, v in rmse.items() if m != MATDOE}
        best_other = min(others, key=lambda m: others[m])
        met = rmse[MATDOE] < others[best_other]
        all_met &= met
        lines.append(
            f"| matdoe GP has the lowest RMSE of the three | {n} | matdoe "
            f"{fmt_vs(rmse[MATDOE], others[best_other])} vs {best_other} "
            f"{fmt_vs(others[best_other], rmse[MATDOE])} | {verdict(met)} |"
        )
        cov = float(rows.loc[rows["model"] == MATDOE, "coverage95"].iloc[0])
        lo, hi = COVERAGE_TARGET
        met = lo <= cov <= hi
        all_met &= met
        shown = fmt_pct_bound(cov, lo if cov < (lo + hi) / 2 else hi)
        lines.append(f"| matdoe GP coverage95 in [90 %, 98 %] | {n} | {shown} | {verdict(met)} |")
    lines += [
        "",
        ("" if quick else f"All accuracy targets met: **{yes(all_met)}**. ")
        + f"scikit-learn ConvergenceWarnings during the fits (tuned GP at its kernel bounds): "
        f"{n_warnings}. Wall time of this section: {elapsed:.0f} s.",
        "",
        f"![RMSE and coverage vs n]({plot.name})",
        "",
    ]
    return "\n".join(lines)
