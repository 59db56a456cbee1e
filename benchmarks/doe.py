"""Closed-loop design of experiments: experiments saved against peers (issue 7, point 1).

Every strategy runs simulated campaigns from no data on the same problems and seeds
(``benchmarks/problems.py``: the digital twin and two mixed categorical/continuous synthetic
problems), with a budget of 30 experiments, in batches of 1 and of 4.

Strategies
    ``gp-ei`` (matdoe's default), ``gp-ucb``, ``optuna-tpe``, ``optuna-gp`` and ``random`` through
    :func:`matdoe.suggest.suggest`, each from an empty table (every strategy uses its own initial
    design: matdoe's greedy MaxPro start from a random first point, Optuna's samplers their random
    start-up trials); ``sobol``: a scrambled Sobol design of 30 points on the grid, not adaptive;
    ``ofat``: the paper's one-factor-at-a-time route (:func:`ofat_design`). ``random`` draws the
    grid uniformly without replacement here (the distribution of ``suggest(strategy="random")``),
    which lets it run on to 300 experiments for the acceleration factor.

Measurements
    The problem's noiseless value plus Gaussian noise (std 0.05) that is the same for the same
    recipe and seed under every strategy (common random numbers).

Metric
    After experiment n the lab's incumbent is the recipe with the best MEASURED value among the
    first n (what a lab would pick; it can be a lucky measurement of a worse recipe). Its TRUE
    (noiseless) value is scored: regret = optimum - true value. "Experiments to target" is the
    first n at which the regret is at most 0.05 (log10 units on the twin); a campaign that never
    gets there within the budget is censored (shown as "> 30"). Experiments are counted one by
    one, also inside a batch of 4. The acceleration factor (Liang et al., npj Comput. Mater. 7,
    188 (2021)) is the median experiments random search needs (from 200 seeds of random search
    run to 300 experiments) divided by the strategy's median; for a censored median it is an
    upper bound.

Run: ``python -m benchmarks.doe [--quick]``; ``run(quick=True)`` is the tiny version the test
suite calls (2 seeds, budget 8, the twin only).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import QUICK_NOTE, fmt_bound, output_dir
from benchmarks.problems import PROBLEMS, Problem, get_problem

__all__ = ["STRATEGIES", "Campaign", "ofat_design", "run", "run_campaign"]

STRATEGIES = (
    "gp-ei",
    "gp-ei-kb",
    "gp-ucb",
    "optuna-tpe",
    "optuna-gp",
    "random",
    "sobol",
    "ofat",
)
#: Strategies that go through matdoe.suggest.suggest (the expensive ones; run in worker processes).
#: ``gp-ei-kb`` is gp-ei with the earlier kriging-believer batches instead of q-LogEI.
SUGGEST_STRATEGIES = ("gp-ei", "gp-ei-kb", "gp-ucb", "optuna-tpe", "optuna-gp")
TOLERANCE = 0.05
BUDGET = 30
BATCHES = (1, 4)
N_SEEDS = 10
#: Seeds of the batch-rule comparison (q-LogEI vs kriging believer, twin, batch 4): the difference
#: is small, so it gets more seeds than the rest.
BATCH_RULE_SEEDS = 20
RANDOM_REFERENCE_SEEDS = 200
RANDOM_REFERENCE_BUDGET = 300
HERE = Path(__file__).resolve().parent
#: Closed-loop effect of the inner optimiser, measured once (too slow for every run; see text).
INNER_CLOSED_LOOP = (
    "Closed-loop effect of the inner optimiser: not measured at a meaningful number of seeds. "
    "An inner Optuna study costs 15-30 s per suggestion at 2,048 trials and about 1 s at 256 "
    "(a 30-experiment campaign about a minute on a loaded 2-core machine), and since after the "
    "local refinement both stages end on the same acquisition optimum in the table above, the "
    "campaigns would differ only through the rare cases where they do not. Sobol stays the "
    "default: the same optimum at about 1/100 of the time at equal evaluations."
)


@dataclass(frozen=True)
class Campaign:
    """One simulated campaign.

    Attributes:
        problem, strategy, batch, seed: What was run.
        raw: The recipes made, in order (raw points, ``(budget, n_parameters)``).
        measured: Their measured (noisy) values.
        true: Their noiseless values.
        seconds: Wall time of the campaign.
    """

    problem: str
    strategy: str
    batch: int
    seed: int
    raw: np.ndarray
    measured: np.ndarray
    true: np.ndarray
    seconds: float

    def incumbent_true(self) -> np.ndarray:
        """True value of the best-measured recipe after each experiment."""
        best = np.maximum.accumulate(self.measured)
        # Index of the first experiment reaching each running maximum.
        idx = np.zeros(len(best), dtype=int)
        for n in range(1, len(best)):
            idx[n] = n if self.measured[n] > best[n - 1] else idx[n - 1]
        return self.true[idx]

    def best_made_true(self) -> np.ndarray:
        """Best true value among the recipes made so far (an oracle's pick; for comparison)."""
        return np.maximum.accumulate(self.true)


def experiments_to_target(regret: np.ndarray, tolerance: float = TOLERANCE) -> float:
    """First experiment (1-based) with regret <= tolerance, inf when never.

    Example:
        >>> experiments_to_target(np.array([0.3, 0.06, 0.04, 0.0]))
        3.0
        >>> experiments_to_target(np.array([0.3, 0.2]))
        inf
    """
    hit = np.flatnonzero(regret <= tolerance + 1e-9)
    return float(hit[0] + 1) if len(hit) else math.inf


# ---------------------------------------------------------------------------- strategies
def _measure(problem: Problem, raw: np.ndarray, seed: int, made: list[bytes]) -> np.ndarray:
    keys = problem.space.grid_keys(raw)
    replicate = np.array([made.count(k) for k in keys])
    made.extend(keys)
    return problem.truth(raw) + problem.noise(raw, seed, replicate)


def _run_suggest(problem: Problem, strategy: str, batch: int, seed: int, budget: int) -> Any:
    from matdoe.suggest import strategies

    if strategy != "gp-ei-kb":
        return _run_suggest_plain(problem, strategy, batch, seed, budget)
    saved = strategies.BATCH_ACQUISITION
    strategies.BATCH_ACQUISITION = "kriging-believer"
    try:
        return _run_suggest_plain(problem, "gp-ei", batch, seed, budget)
    finally:
        strategies.BATCH_ACQUISITION = saved


def _run_suggest_plain(problem: Problem, strategy: str, batch: int, seed: int, budget: int) -> Any:
    import pandas as pd

    from matdoe.suggest import suggest

    names = list(problem.space.parameter_names)
    raws: list[np.ndarray] = []
    measured: list[np.ndarray] = []
    made: list[bytes] = []
    obs = None
    round_ = 0
    while sum(len(r) for r in raws) < budget:
        n = min(batch, budget - sum(len(r) for r in raws))
        proposals = suggest(
            obs,
            problem.space,
            objective=problem.objective,
            n=n,
            conditions=dict(problem.conditions) or None,
            strategy=strategy,
            random_state=seed * 1000 + round_,
        )
        raw = problem.space.to_raw(proposals[names])
        y = _measure(problem, raw, seed, made)
        raws.append(raw)
        measured.append(y)
        new = problem.observations(raw, y)
        obs = new if obs is None else pd.concat([obs, new], ignore_index=True)
        round_ += 1
    return np.vstack(raws), np.concatenate(measured)


def _run_random(problem: Problem, seed: int, budget: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng([seed, 11])
    raw = problem.grid[rng.choice(len(problem.grid), size=budget, replace=False)]
    return raw, problem.truth(raw) + problem.noise(raw, seed, np.zeros(budget, dtype=int))


def _run_sobol(problem: Problem, seed: int, budget: int) -> tuple[np.ndarray, np.ndarray]:
    space = problem.space
    rng = np.random.default_rng([seed, 12])
    n = budget
    while True:
        raw = space.snap_raw(space.sample_raw(n, rng, method="sobol"))
        raw = raw[space.feasible_raw(raw)]
        _, first = np.unique(np.array(space.grid_keys(raw)), return_index=True)
        raw = raw[np.sort(first)]
        if len(raw) >= budget:
            break
        n *= 2
    raw = raw[:budget]
    made: list[bytes] = []
    return raw, _measure(problem, raw, seed, made)


def ofat_design(problem: Problem, seed: int, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """The one-factor-at-a-time route of the paper, generalised; returns (raw, measured).

    Start from a default recipe drawn at random per seed (a lab's standard recipe knows nothing
    of the optimum; drawing it keeps the route from being handed the answer). Then, in the order
    of the space's parameters: a series over each numeric parameter (on the twin: vol% SiO2 at
    the default silica and milling time, then milling time at the best measured vol%), evenly
    spaced over its range with a random phase, the other parameters at their best measured values
    so far; finally a series over the other choices of each categorical (the silica series at the
    best vol% and milling time). The categorical series take one experiment per other choice; the
    numeric series share the rest of the budget equally (twin, 30 experiments: 13 vol%, 13
    milling times, 4 silicas). The route does not depend on the batch size: a series' recipes
    never depend on each other (a lab makes a series in rounds of 4, the last round of a series
    may be smaller).
    """
    space = problem.space
    rng = np.random.default_rng([seed, 13])
    params = list(space.parameters)
    cat_idx = [j for j, p in enumerate(params) if not p.numeric]
    num_idx = [j for j, p in enumerate(params) if p.numeric]
    current = problem.grid[rng.integers(len(problem.grid))].copy()
    n_cat = sum(int(params[j].n_grid_points()) - 1 for j in cat_idx)
    n_num = max(0, budget - n_cat)
    per = [n_num // len(num_idx) + (k < n_num % len(num_idx)) for k in range(len(num_idx))]
    made: list[bytes] = []
    raws: list[np.ndarray] = []
    measured: list[np.ndarray] = []
    best_val = -math.inf

    def series(points: np.ndarray) -> None:
        nonlocal current, best_val
        points = space.snap_raw(points)
        keep = [i for i, k in enumerate(space.grid_keys(points)) if k not in made]
        points = points[keep][: budget - sum(len(r) for r in raws)]
        if not len(points):
            return
        y = _measure(problem, points, seed, made)
        raws.append(points)
        measured.append(y)
        i = int(np.argmax(y))
        if y[i] > best_val:
            best_val, current = float(y[i]), points[i].copy()

    for j, k in zip(num_idx, per, strict=True):
        p = params[j]
        phase = rng.random()
        unit = (np.arange(k) + phase) / max(k, 1)
        pts = np.repeat(current[None, :], k, axis=0)
        pts[:, j] = p.from_unit(unit)  # type: ignore[union-attr]
        series(pts)
    for j in cat_idx:
        choices = int(params[j].n_grid_points())
        pts = np.repeat(current[None, :], choices, axis=0)
        pts[:, j] = np.arange(choices)
        series(pts)
    raw = np.vstack(raws)
    y = np.concatenate(measured)
    if len(raw) < budget:  # duplicates removed: fill with random unmade grid points
        extra, _ = _run_random(problem, seed + 10_000, budget - len(raw) + 50)
        keys = set(made)
        extra = np.array(
            [r for r, k in zip(extra, space.grid_keys(extra), strict=True) if k not in keys][
                : budget - len(raw)
            ]
        )
        raw = np.vstack([raw, extra])
        y = np.concatenate([y, _measure(problem, extra, seed, made)])
    return raw, y


def run_campaign(problem_name: str, strategy: str, batch: int, seed: int, budget: int) -> Campaign:
    """Run one campaign of ``strategy`` on a problem from no data."""
    problem = get_problem(problem_name)
    start = time.perf_counter()
    if strategy in SUGGEST_STRATEGIES:
        raw, measured = _run_suggest(problem, strategy, batch, seed, budget)
    elif strategy == "random":
        raw, measured = _run_random(problem, seed, budget)
    elif strategy == "sobol":
        raw, measured = _run_sobol(problem, seed, budget)
    elif strategy == "ofat":
        raw, measured = ofat_design(problem, seed, budget)
    else:
        raise KeyError(f"unknown strategy {strategy!r}")
    return Campaign(
        problem_name,
        strategy,
        batch,
        seed,
        raw,
        measured,
        problem.truth(raw),
        time.perf_counter() - start,
    )


def _worker_init() -> None:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover - optuna-gp then fails with a clear error
        pass


def _task(args: tuple[str, str, int, int, int]) -> Campaign:
    return run_campaign(*args)


def run_all(tasks: Sequence[tuple[str, str, int, int, int]], processes: int = 2) -> list[Campaign]:
    """Run campaigns, the expensive ones in ``processes`` worker processes."""
    import multiprocessing as mp

    heavy = [t for t in tasks if t[1] in SUGGEST_STRATEGIES]
    light = [t for t in tasks if t[1] not in SUGGEST_STRATEGIES]
    # Longest first (Optuna's GP, then matdoe's, then TPE) for an even load.
    order = {"optuna-gp": 0, "gp-ei": 1, "gp-ei-kb": 1, "gp-ucb": 1, "optuna-tpe": 2}
    heavy.sort(key=lambda t: (order[t[1]], -t[4], t[2]))
    out: list[Campaign] = []
    if heavy and processes > 1:
        ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ctx.Pool(processes, initializer=_worker_init) as pool:
            out += pool.map(_task, heavy, chunksize=1)
    else:
        _worker_init()
        out += [_task(t) for t in heavy]
    out += [_task(t) for t in light]
    return out


def random_reference(problem: Problem, n_seeds: int, budget: int) -> np.ndarray:
    """Experiments random search needs to reach the target, per seed (inf: not within budget)."""
    out = np.empty(n_seeds)
    for s in range(n_seeds):
        raw, measured = _run_random(problem, 100_000 + s, budget)
        c = Campaign(problem.name, "random", 1, s, raw, measured, problem.truth(raw), 0.0)
        out[s] = experiments_to_target(problem.optimum - c.incumbent_true())
    return out


# ---------------------------------------------------------------------------- report
def _quantiles(x: np.ndarray) -> tuple[float, float, float]:
    big = np.where(np.isfinite(x), x, 1e9)
    q = np.quantile(big, [0.25, 0.5, 0.75])
    return float(q[0]), float(q[1]), float(q[2])


def _fmt(v: float, budget: int) -> str:
    return f"> {budget}" if v > budget else f"{v:g}"


def _plot(problem: Problem, campaigns: list[Campaign], budget: int, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    batches = sorted({c.batch for c in campaigns})
    fig = Figure(figsize=(5.2 * len(batches), 4.2), layout="constrained")
    axes = fig.subplots(1, len(batches), squeeze=False)[0]
    colours = {
        "gp-ei": "C3",
        "gp-ei-kb": "C5",
        "gp-ucb": "C1",
        "optuna-tpe": "C0",
        "optuna-gp": "C9",
        "random": "0.5",
        "sobol": "C2",
        "ofat": "C4",
    }
    x = np.arange(1, budget + 1)
    for ax, b in zip(axes, batches, strict=True):
        for strategy in STRATEGIES:
            runs = [c for c in campaigns if c.batch == b and c.strategy == strategy]
            if not runs:
                continue
            regret = np.array([problem.optimum - c.incumbent_true() for c in runs])
            regret = np.maximum(regret, 1e-3)
            q1, med, q3 = np.quantile(regret, [0.25, 0.5, 0.75], axis=0)
            col = colours[strategy]
            lw = 2.4 if strategy == "gp-ei" else 1.3
            ax.plot(x, med, color=col, lw=lw, label=strategy)
            ax.fill_between(x, q1, q3, color=col, alpha=0.12, lw=0)
        ax.axhline(TOLERANCE, color="k", ls=":", lw=1)
        ax.set_yscale("log")
        ax.set_xlabel("experiments")
        ax.set_ylabel("regret of the best-measured recipe (true value)")
        ax.set_title(f"{problem.name}, batch {b} (median, quartiles; {len(runs)} seeds)")
        ax.set_xlim(1, budget)
    axes[0].legend(fontsize=8, loc="lower left")
    fig.savefig(path, dpi=110)


def _section(
    campaigns: list[Campaign],
    problems: Sequence[str],
    batches: Sequence[int],
    n_seeds: int,
    budget: int,
    ref: dict[str, np.ndarray],
    pngs: dict[str, Path],
    seconds: float,
    extra: str,
) -> str:
    lines = [
        "## Closed-loop design of experiments (`benchmarks/doe.py`)",
        "",
        f"{n_seeds} seeds per strategy, problem and batch size (the same seeds and the same "
        f"measurement noise per recipe for every strategy), budget {budget} experiments, "
        f"target: within {TOLERANCE} of the optimum, scored on the TRUE value of the recipe with "
        "the best MEASURED value so far. Strategies start from no data with their own initial "
        "design; matdoe's space-filling start begins at a random point (it used to begin at the "
        "centre of the ranges, 32.5 vol% / 6.25 h, next to the twin's optimum). Median "
        "experiments to target with the interquartile range; '> N' = not reached within the "
        "budget (censored). Acceleration factor (AF, Liang et al. 2021) = median experiments of "
        f"random search ({len(next(iter(ref.values())))} seeds run to {RANDOM_REFERENCE_BUDGET} "
        "experiments) / the strategy's median; '<' marks an upper bound from a censored median. "
        "`sobol` is a non-adaptive scrambled Sobol design; `ofat` the paper's one-factor-at-a-"
        "time route (vol% series at a random default silica and milling time, then a milling "
        "series at the best vol%, then the other silicas; 13 + 13 + 4 experiments, the same for "
        "both batch sizes, for a budget of 30). See the module docstrings of benchmarks/doe.py and "
        "benchmarks/problems.py for the definitions.",
        "",
    ]
    for name in problems:
        p = get_problem(name)
        r = ref[name]
        rq = _quantiles(r)
        lines.append(
            f"- `{name}`: optimum {p.optimum:.4f}, {100 * p.fraction_within(TOLERANCE):.2f} % of "
            f"the {len(p.grid):,} grid recipes within {TOLERANCE}; random search needs "
            f"{_fmt(rq[1], RANDOM_REFERENCE_BUDGET)} experiments (median; IQR "
            f"{_fmt(rq[0], RANDOM_REFERENCE_BUDGET)}-{_fmt(rq[2], RANDOM_REFERENCE_BUDGET)})."
        )
    lines += [
        "",
        "| problem | batch | strategy | median experiments (IQR) | reached | AF vs random | "
        "median final regret | s/campaign |",
        "|---|---|---|---|---|---|---|---|",
    ]
    medians: dict[tuple[str, int, str], float] = {}
    for name in problems:
        p = get_problem(name)
        ref_med = _quantiles(ref[name])[1]
        for b in batches:
            for strategy in STRATEGIES:
                runs = [
                    c
                    for c in campaigns
                    if c.problem == name and c.batch == b and c.strategy == strategy
                ]
                if not runs:
                    continue
                hits = np.array(
                    [experiments_to_target(p.optimum - c.incumbent_true()) for c in runs]
                )
                q1, med, q3 = _quantiles(hits)
                medians[(name, b, strategy)] = med
                if med > budget:
                    af = (
                        f"< {ref_med / budget:.1f}"
                        if ref_med <= RANDOM_REFERENCE_BUDGET
                        else "n/a (both censored)"
                    )
                elif ref_med > RANDOM_REFERENCE_BUDGET:
                    af = f"> {RANDOM_REFERENCE_BUDGET / med:.1f}"
                else:
                    af = f"{ref_med / med:.1f}"
                secs = float(np.mean([c.seconds for c in runs]))
                final = float(np.median([p.optimum - c.incumbent_true()[-1] for c in runs]))
                label = f"**{strategy}**" if strategy == "gp-ei" else strategy
                lines.append(
                    f"| {name} | {b} | {label} | {_fmt(med, budget)} ({_fmt(q1, budget)}-"
                    f"{_fmt(q3, budget)}) | {int(np.isfinite(hits).sum())}/{len(hits)} | {af} | "
                    f"{final:.3f} | {secs:.1f} |"
                )
    lines += ["", "Targets on the twin (medians over seeds):", ""]
    lines.append("| batch | target | measured | met |")
    lines.append("|---|---|---|---|")
    ref_twin = _quantiles(ref["twin"])[1] if "twin" in ref else math.nan
    for b in batches:
        ei = medians.get(("twin", b, "gp-ei"), math.nan)
        for peer, limit in (("optuna-tpe", 0.6), ("optuna-gp", 0.8)):
            other = medians.get(("twin", b, peer), math.nan)
            lines.append(
                _target_row(b, f"gp-ei <= {limit} x {peer}", ei, other, limit, budget, budget)
            )
        lines.append(
            _target_row(
                b, "gp-ei <= 1/3 x random", ei, ref_twin, 1 / 3, RANDOM_REFERENCE_BUDGET, budget
            )
        )
    lines += ["", *[f"![{k}]({v})" for k, v in pngs.items()], ""]
    lines.append(f"PNG files written: {', '.join(str(v) for v in pngs.values())}.")
    lines.append(f"Wall time of this benchmark: {seconds:.0f} s.")
    if extra:
        lines += ["", extra]
    return "\n".join(lines) + "\n"


def _batch_rule_section(campaigns: list[Campaign], budget: int) -> str:
    """q-LogEI against kriging-believer batches on the twin at batch 4, every seed run."""
    problem = get_problem("twin")
    lines = [
        "### Batch rule: q-LogEI against kriging believer (twin, batch 4)",
        "",
        "| batch rule | seeds | median experiments (IQR) | reached | mean regret @10 | "
        "mean final regret |",
        "|---|---:|---|---|---:|---:|",
    ]
    for strategy, label in (("gp-ei", "q-LogEI (default)"), ("gp-ei-kb", "kriging believer")):
        runs = [
            c for c in campaigns if c.problem == "twin" and c.batch == 4 and c.strategy == strategy
        ]
        if not runs:
            continue
        regret = np.array([problem.optimum - c.incumbent_true() for c in runs])
        hits = np.array([experiments_to_target(r) for r in regret])
        q1, med, q3 = _quantiles(hits)
        lines.append(
            f"| {label} | {len(runs)} | {_fmt(med, budget)} ({_fmt(q1, budget)}-"
            f"{_fmt(q3, budget)}) | {int(np.isfinite(hits).sum())}/{len(hits)} | "
            f"{regret[:, min(9, budget - 1)].mean():.3f} | {regret[:, -1].mean():.3f} |"
        )
    return "\n".join(lines) + "\n"


def _target_row(
    b: int, label: str, ei: float, other: float, limit: float, cap: int, budget: int
) -> str:
    if not (math.isfinite(ei) and math.isfinite(other)):
        return f"| {b} | {label} | n/a | **no** |"
    if ei > budget:
        return f"| {b} | {label} | gp-ei censored (> {budget}) | **no** |"
    if other > cap:
        ratio = ei / cap
        met = "yes" if ratio <= limit else "unknown"
        return f"| {b} | {label} | {ei:g} / (> {cap}) < {ratio:.2f} (peer censored) | {met} |"
    ratio = ei / other
    met = "yes" if ratio <= limit else "**no**"
    return f"| {b} | {label} | {ei:g} / {other:g} = {fmt_bound(ratio, limit)} | {met} |"


# ---------------------------------------------------------------------------- inner optimiser
def acquisition_optimiser_comparison(quick: bool = False) -> str:
    """Sobol + local search vs an inner Optuna (TPE) study + the same local search.

    Acquisition problems: matdoe's GP (as ``suggest`` fits it) on n random noisy observations of
    each problem, log EI over the best posterior mean at the observations. Compared: the global
    stage alone and after the local refinement, at equal acquisition evaluations (256 in the
    global stage each) and at equal wall time (Sobol with its default 2,048 points against Optuna
    with as many trials as fit in the same time, at least 16). Returns a markdown paragraph.
    (Quick mode: the twin only, one GP, 64 evaluations.)
    """
    import pandas as pd

    from matdoe.suggest import log_expected_improvement, optimize_acquisition
    from matdoe.suggest.optimiser import local_search, optuna_global, pool
    from matdoe.surrogate import GPSurrogate

    problems = ("twin",) if quick else PROBLEMS
    sizes = (10,) if quick else (10, 25)
    seeds = range(1) if quick else range(3)
    n_equal = 64 if quick else 256
    rows = []
    for name in problems:
        prob = get_problem(name)
        space = prob.space
        cond = np.array([list(prob.conditions.values())]) if prob.conditions else None
        for n in sizes:
            for seed in seeds:
                rng = np.random.default_rng([seed, n, 99])
                raw = prob.grid[rng.choice(len(prob.grid), n, replace=False)]
                y = prob.truth(raw) + rng.normal(0, prob.noise_std, n)
                cond_obs = np.repeat(cond, n, axis=0) if cond is not None else None
                z = space.encode_raw(raw, cond_obs, one_hot=True)
                gp = GPSurrogate(space, one_hot=True, input_warping=True, random_state=seed)
                gp.fit_encoded(z, y)
                best = float(gp.predict_encoded(z, return_std=False).max())

                def acq(
                    x: np.ndarray,
                    gp: Any = gp,
                    best: float = best,
                    cond: Any = cond,
                    space: Any = space,
                ) -> np.ndarray:
                    c = np.repeat(cond, len(x), axis=0) if cond is not None else None
                    m, s = gp.predict_encoded(space.encode_raw(x, c, one_hot=True))
                    return log_expected_improvement(m, s, best)

                rec: dict[str, Any] = {"problem": name, "n": n, "seed": seed}
                for label, method, n_samples in (
                    ("sobol", "sobol", n_equal),
                    ("optuna", "optuna", n_equal),
                    ("sobol_default", "sobol", 2048),
                ):
                    t = time.perf_counter()
                    g_rng = np.random.default_rng(seed)
                    if method == "sobol":
                        pts = pool(space, n_samples, g_rng)
                        vals = acq(pts)
                    else:
                        pts, vals = optuna_global(acq, space, g_rng, n_samples, set())
                    rec[label + "_global"] = float(np.max(vals))
                    order = np.argsort(-vals, kind="stable")[:8]
                    _, refined, _ = local_search(
                        acq, space, pts[order].copy(), vals[order].copy(), set(), 100
                    )
                    rec[label] = float(refined.max())
                    rec[label + "_s"] = time.perf_counter() - t
                # Equal wall time: Optuna trials that fit into the Sobol default's time.
                per_trial = rec["optuna_s"] / n_equal
                n_trials = max(16, int(rec["sobol_default_s"] / per_trial))
                t = time.perf_counter()
                _, v, _ = optimize_acquisition(
                    acq, space, np.random.default_rng(seed), method="optuna", n_samples=n_trials
                )
                rec["optuna_equal_time"] = v
                rec["optuna_equal_time_s"] = time.perf_counter() - t
                rec["optuna_equal_time_trials"] = n_trials
                rows.append(rec)
    df = pd.DataFrame(rows)

    def wins(a: str, b: str) -> str:
        d = df[a] - df[b]
        return f"{int((d > 1e-6).sum())} better / {int((d.abs() <= 1e-6).sum())} equal / {int((d < -1e-6).sum())} worse"

    k = len(df)
    return "\n".join(
        [
            "### Acquisition optimiser: Sobol + local search (default) vs an inner Optuna study",
            "",
            f"{k} acquisition problems (log EI of matdoe's GP on {', '.join(map(str, sizes))} "
            f"random noisy observations, {len(list(seeds))} seeds, problems: "
            f"{', '.join(problems)}). Values are log EI; 'better' counts problems where the first "
            "method reached a higher acquisition value than the second (ties within 1e-6).",
            "",
            "| comparison | Sobol vs Optuna (TPE) | median time Sobol / Optuna |",
            "|---|---|---|",
            f"| global stage only, {n_equal} evaluations each | "
            f"{wins('sobol_global', 'optuna_global')} | - |",
            f"| global {n_equal} + local refinement | {wins('sobol', 'optuna')} | "
            f"{df['sobol_s'].median() * 1e3:.0f} ms / {df['optuna_s'].median() * 1e3:.0f} ms |",
            f"| equal wall time: Sobol 2,048 + refinement vs Optuna with median "
            f"{int(df['optuna_equal_time_trials'].median())} trials + refinement | "
            f"{wins('sobol_default', 'optuna_equal_time')} | "
            f"{df['sobol_default_s'].median() * 1e3:.0f} ms / "
            f"{df['optuna_equal_time_s'].median() * 1e3:.0f} ms |",
            "",
        ]
    )


def run(quick: bool = False, out_dir: Path | None = None) -> str:
    """Run the benchmark; return its markdown section (with the PNG paths it wrote).

    Args:
        quick: Tiny configuration for the test suite (2 seeds, budget 8, the twin only, PNG in a
            temporary directory unless ``out_dir`` is given).
        out_dir: Where to write the PNG files (default: ``benchmarks/`` in full mode).
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    if quick:
        problems: Sequence[str] = ("twin",)
        n_seeds, budget, batches = 2, 8, (1, 4)
        ref_seeds, processes = 20, 1
    else:
        problems = PROBLEMS
        n_seeds, budget, batches = N_SEEDS, BUDGET, BATCHES
        ref_seeds, processes = RANDOM_REFERENCE_SEEDS, 2
    out = output_dir(Path(out_dir) if out_dir else None, quick)
    tasks = [
        (name, strategy, b, seed, budget)
        for name in problems
        for b in batches
        for strategy in STRATEGIES
        for seed in range(n_seeds)
        # Batches of one have no batch rule: gp-ei-kb would repeat gp-ei.
        if not (strategy == "gp-ei-kb" and b == 1)
    ]
    rule_seeds = range(n_seeds, BATCH_RULE_SEEDS) if not quick and "twin" in problems else ()
    extra_rule = [
        ("twin", s, 4, seed, budget) for s in ("gp-ei", "gp-ei-kb") for seed in rule_seeds
    ]
    campaigns = run_all(tasks + extra_rule, processes=processes)
    rule = _batch_rule_section(campaigns, budget)
    campaigns = [c for c in campaigns if c.seed < n_seeds]
    ref = {
        name: random_reference(get_problem(name), ref_seeds, RANDOM_REFERENCE_BUDGET)
        for name in problems
    }
    pngs: dict[str, Path] = {}
    for name in problems:
        path = out / f"doe_{name}.png"
        _plot(get_problem(name), [c for c in campaigns if c.problem == name], budget, path)
        pngs[name] = path.relative_to(HERE) if path.is_relative_to(HERE) else path
    extra = rule + "\n" + acquisition_optimiser_comparison(quick) + "\n" + INNER_CLOSED_LOOP
    section = _section(
        campaigns,
        problems,
        batches,
        n_seeds,
        budget,
        ref,
        pngs,
        time.perf_counter() - start,
        extra,
    )
    if quick:
        head, rest = section.split("\n", 1)
        section = f"{head}\n\n{QUICK_NOTE}\n{rest}"
    return section


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny configuration (seconds)")
    args = parser.parse_args(argv)
    print(run(quick=args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
