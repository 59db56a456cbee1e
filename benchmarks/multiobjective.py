"""Two objectives at once: expected hypervolume improvement against random scalarisations.

Measures what issue 14 asks of the multi-objective acquisitions of :mod:`matdoe.suggest.multi`
(``gp-ehvi``: exact two-objective EHVI; ``gp-parego``: random augmented-Chebyshev scalarisations
with LogEI), so that ``gp-ei`` with several objectives
(:data:`matdoe.suggest.problem.MULTI_OBJECTIVE_DEFAULT`) means the better one.

Problems (both two-objective, on a step grid so that the best attainable front is exact):

``twin-cost``
    The digital twin of Na2B12H12/SiO2 (SIMULATED, :class:`matdoe.simulate.DigitalTwin`) on the
    default campaign's space (5 silicas, vol% 5-60 in 0.5 steps, milling 0.5-12 h in 0.25 h
    steps): maximise log10 sigma at 30 °C (measured, Gaussian noise std 0.05 log10 units, known
    to the strategies as ``log10_sigma_std``) and minimise milling hours (a recipe objective,
    known exactly: :meth:`~matdoe.suggest.Objective.recipe`). Reference point: one decade below
    the best conductivity of the grid, and 12 h.
``branin-currin``
    The Branin-Currin pair (a standard synthetic bi-objective test, e.g. in BoTorch's
    tutorials; not tuned to the twin): ``x1, x2`` in [0, 1] in steps of 0.01, minimise
    ``branin(15 x1 - 5, 15 x2)`` and Currin's exponential function, both measured (Gaussian
    noise std 0.5 and 0.1, about 3 % and 2 % of their spans inside the reference box; not
    reported to the strategies). Reference point (18, 6), as is usual for this pair.

Strategies, every one from no data, in batches of 4 (as the lab makes them) and of 1, up to 30
experiments: ``gp-ehvi`` and ``gp-parego`` through :func:`matdoe.suggest.suggest`; ``random``:
the grid drawn uniformly without replacement; ``optuna-motpe``: Optuna's TPESampler with one
direction per objective (its multi-objective mode, default settings, 4 asks then 4 tells per
batch). Optuna's NSGA-II is left out: with its default population of 50 its first generation,
and so all of a 30-experiment campaign, is random sampling.

Measurements: the noiseless value plus noise that is the same for the same recipe, seed,
objective and replicate under every strategy (common random numbers). Metric: the hypervolume of
the TRUE (noiseless) objective values of every recipe made so far, as a fraction of the
hypervolume of the true Pareto front of the whole grid (1 = the best attainable front is
found). Seeds are paired: EHVI and ParEGO are compared seed by seed.

Run: ``python -m benchmarks.multiobjective [--quick]`` (or ``make bench``); the full run writes
``benchmarks/RESULTS_multiobjective.md``.
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import HERE, QUICK_NOTE
from benchmarks.problems import branin

__all__ = ["PROBLEMS", "STRATEGIES", "MultiCampaign", "MultiProblem", "get_problem", "run"]

PROBLEMS = ("twin-cost", "branin-currin")
STRATEGIES = ("gp-ehvi", "gp-parego", "optuna-motpe", "random")
SUGGEST_STRATEGIES = ("gp-ehvi", "gp-parego")
BUDGET = 30
BATCHES = (4, 1)
N_SEEDS = 20
#: Experiments at which the hypervolume is reported.
CHECKPOINTS = (8, 12, 16, 20, 24, 30)


@dataclass(frozen=True, eq=False)
class MultiProblem:
    """A two-objective benchmark problem on a step grid.

    Attributes:
        name: Short name.
        space: The search space.
        truth: Noiseless objectives of raw points, ``(m, 2)`` in the objectives' own sense.
        names: Objective names (a measured one is a column of the observations).
        maximize: Whether each objective is maximised.
        measured: Whether each objective is measured (else it is the parameter of that name).
        noise_std: Noise std of each measured objective (0 for a recipe objective).
        ref: Reference point in maximisation form (minimised objectives negated).
        conditions: Target conditions passed to ``suggest``.
        report_std: Whether observations carry ``<name>_std``.
    """

    name: str
    space: Any
    truth: Callable[[np.ndarray], np.ndarray]
    names: tuple[str, str]
    maximize: tuple[bool, bool]
    measured: tuple[bool, bool]
    noise_std: tuple[float, float]
    ref: np.ndarray
    conditions: dict[str, float] = field(default_factory=dict)
    report_std: bool = False

    def to_max(self, values: np.ndarray) -> np.ndarray:
        """Objective values ``(m, 2)`` with minimised ones negated."""
        signs = np.where(np.asarray(self.maximize), 1.0, -1.0)
        return np.atleast_2d(values) * signs[None, :]

    def hypervolume(self, raw: np.ndarray) -> float:
        """Hypervolume of the true values of ``raw`` above the reference point."""
        from matdoe.suggest.pareto import hypervolume

        if not len(raw):
            return 0.0
        return float(hypervolume(self.to_max(self.truth(raw)), self.ref))

    @property
    def best_hypervolume(self) -> float:
        """Hypervolume of the true Pareto front of the whole grid."""
        return _grid_hypervolume(self)

    def noise(self, raw: np.ndarray, seed: int, replicate: np.ndarray) -> np.ndarray:
        """Measurement noise ``(m, 2)``, the same per recipe, seed, objective and replicate."""
        keys = [np.frombuffer(k, dtype=np.int64) for k in self.space.grid_keys(raw)]
        out = np.zeros((len(raw), 2))
        for i, (key, rep) in enumerate(zip(keys, replicate, strict=True)):
            for j in range(2):
                if self.measured[j]:
                    rng = np.random.default_rng([seed, j, int(rep), *(int(k) for k in key)])
                    out[i, j] = rng.normal(0.0, self.noise_std[j])
        return out

    def observations(self, raw: np.ndarray, measured: np.ndarray) -> Any:
        """The table the strategies see: parameters, conditions, measured objectives (+ std)."""
        df = self.space.from_raw(raw)
        for name, value in self.conditions.items():
            df[name] = float(value)
        for j, name in enumerate(self.names):
            if self.measured[j]:
                df[name] = measured[:, j]
                if self.report_std:
                    df[f"{name}_std"] = self.noise_std[j]
        return df

    def objectives(self) -> list[Any]:
        """The :class:`~matdoe.suggest.Objective` list ``suggest`` is given."""
        from matdoe.suggest import Objective

        return [
            Objective(name, maximize=mx) if meas else Objective.recipe(name, maximize=mx)
            for name, mx, meas in zip(self.names, self.maximize, self.measured, strict=True)
        ]


_GRID_HV: dict[str, float] = {}


def _grid_hypervolume(problem: MultiProblem) -> float:
    if problem.name not in _GRID_HV:
        from matdoe.suggest.pareto import hypervolume_2d

        values = problem.to_max(problem.truth(problem.space.grid()))
        # The 2-D front by one sort (pareto_mask on the whole grid would be quadratic).
        order = np.lexsort((-values[:, 1], -values[:, 0]))
        v = values[order]
        keep = v[:, 1] > np.concatenate([[-np.inf], np.maximum.accumulate(v[:, 1])[:-1]])
        _GRID_HV[problem.name] = hypervolume_2d(v[keep], problem.ref)
    return _GRID_HV[problem.name]


# ---------------------------------------------------------------------------- problems
def _twin_cost() -> MultiProblem:
    from matdoe.simulate import DigitalTwin, default_space

    space = default_space()
    twin = DigitalTwin()
    names = np.array(space["silica"].choices, dtype=object)  # type: ignore[attr-defined]

    def truth(raw: np.ndarray) -> np.ndarray:
        sigma = np.atleast_1d(
            twin.log10_sigma(names[raw[:, 0].astype(int)], raw[:, 1], raw[:, 2], 30.0)
        )
        return np.column_stack([sigma, raw[:, 2]])

    best = float(truth(space.grid())[:, 0].max())
    return MultiProblem(
        "twin-cost",
        space,
        truth,
        names=("log10_sigma", "milling_h"),
        maximize=(True, False),
        measured=(True, False),
        noise_std=(twin.noise_log10, 0.0),
        ref=np.array([best - 1.0, -12.0]),
        conditions={"temperature_c": 30.0},
        report_std=True,
    )


def currin(x1: Any, x2: Any) -> Any:
    """Currin's exponential function on [0, 1]² (Currin et al. 1991; to be minimised here).

    Example:
        >>> round(float(currin(0.5, 0.5)), 4)
        7.4051
    """
    x2 = np.maximum(x2, 1e-12)  # the factor tends to 1 as x2 -> 0
    factor = 1 - np.exp(-1 / (2 * x2))
    num = 2300 * x1**3 + 1900 * x1**2 + 2092 * x1 + 60
    den = 100 * x1**3 + 500 * x1**2 + 4 * x1 + 20
    return factor * num / den


def _branin_currin() -> MultiProblem:
    from matdoe.space import Float, SearchSpace

    space = SearchSpace([Float("x1", 0.0, 1.0, step=0.01), Float("x2", 0.0, 1.0, step=0.01)])

    def truth(raw: np.ndarray) -> np.ndarray:
        x1, x2 = raw[:, 0], raw[:, 1]
        return np.column_stack([branin(15 * x1 - 5, 15 * x2), currin(x1, x2)])

    return MultiProblem(
        "branin-currin",
        space,
        truth,
        names=("branin", "currin"),
        maximize=(False, False),
        measured=(True, True),
        noise_std=(0.5, 0.1),
        ref=np.array([-18.0, -6.0]),
    )


_FACTORIES: dict[str, Callable[[], MultiProblem]] = {
    "twin-cost": _twin_cost,
    "branin-currin": _branin_currin,
}
_BUILT: dict[str, MultiProblem] = {}


def get_problem(name: str) -> MultiProblem:
    """The problem called ``name`` (one of :data:`PROBLEMS`), built once per process."""
    if name not in _FACTORIES:
        raise KeyError(f"unknown problem {name!r}; choose one of {list(_FACTORIES)}")
    if name not in _BUILT:
        _BUILT[name] = _FACTORIES[name]()
    return _BUILT[name]


# ---------------------------------------------------------------------------- campaigns
@dataclass(frozen=True)
class MultiCampaign:
    """One simulated two-objective campaign.

    Attributes:
        problem, strategy, batch, seed: What was run.
        raw: The recipes made, in order.
        hv_fraction: Hypervolume fraction of the true values after each experiment.
        seconds: Wall time.
    """

    problem: str
    strategy: str
    batch: int
    seed: int
    raw: np.ndarray
    hv_fraction: np.ndarray
    seconds: float


def _measure(problem: MultiProblem, raw: np.ndarray, seed: int, made: list[bytes]) -> np.ndarray:
    keys = problem.space.grid_keys(raw)
    replicate = np.array([made.count(k) for k in keys])
    made.extend(keys)
    return problem.truth(raw) + problem.noise(raw, seed, replicate)


def _run_suggest(
    problem: MultiProblem, strategy: str, batch: int, seed: int, budget: int
) -> np.ndarray:
    import pandas as pd

    from matdoe.suggest import suggest

    names = list(problem.space.parameter_names)
    raws: list[np.ndarray] = []
    made: list[bytes] = []
    obs = None
    round_ = 0
    while sum(len(r) for r in raws) < budget:
        n = min(batch, budget - sum(len(r) for r in raws))
        proposals = suggest(
            obs,
            problem.space,
            n=n,
            conditions=problem.conditions or None,
            strategy=strategy,
            random_state=seed * 1000 + round_,
            objectives=problem.objectives(),
        )
        raw = problem.space.to_raw(proposals[names])
        y = _measure(problem, raw, seed, made)
        raws.append(raw)
        new = problem.observations(raw, y)
        obs = new if obs is None else pd.concat([obs, new], ignore_index=True)
        round_ += 1
    return np.vstack(raws)


def _run_motpe(problem: MultiProblem, batch: int, seed: int, budget: int) -> np.ndarray:
    import optuna
    import pandas as pd

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = problem.space
    distributions = {p.name: p.optuna_distribution() for p in space.parameters}
    study = optuna.create_study(
        directions=["maximize" if m else "minimize" for m in problem.maximize],
        sampler=optuna.samplers.TPESampler(seed=seed),
    )
    raws: list[np.ndarray] = []
    made: list[bytes] = []
    while sum(len(r) for r in raws) < budget:
        n = min(batch, budget - sum(len(r) for r in raws))
        trials = [study.ask(distributions) for _ in range(n)]
        table = pd.DataFrame([t.params for t in trials])[list(space.parameter_names)]
        raw = space.snap_raw(space.to_raw(table))
        y = _measure(problem, raw, seed, made)
        for trial, values in zip(trials, y, strict=True):
            study.tell(trial, [float(v) for v in values])
        raws.append(raw)
    return np.vstack(raws)


def _run_random(problem: MultiProblem, seed: int, budget: int) -> np.ndarray:
    grid = problem.space.grid()
    rng = np.random.default_rng([seed, 11])
    return grid[rng.choice(len(grid), size=budget, replace=False)]


def run_campaign(
    problem_name: str, strategy: str, batch: int, seed: int, budget: int
) -> MultiCampaign:
    """Run one campaign of ``strategy`` on a problem from no data."""
    problem = get_problem(problem_name)
    start = time.perf_counter()
    if strategy in SUGGEST_STRATEGIES:
        raw = _run_suggest(problem, strategy, batch, seed, budget)
    elif strategy == "optuna-motpe":
        raw = _run_motpe(problem, batch, seed, budget)
    elif strategy == "random":
        raw = _run_random(problem, seed, budget)
    else:
        raise KeyError(f"unknown strategy {strategy!r}")
    best = problem.best_hypervolume
    hv = np.array([problem.hypervolume(raw[: k + 1]) / best for k in range(len(raw))])
    return MultiCampaign(problem_name, strategy, batch, seed, raw, hv, time.perf_counter() - start)


def _task(args: tuple[str, str, int, int, int]) -> MultiCampaign:
    return run_campaign(*args)


def run_all(
    tasks: Sequence[tuple[str, str, int, int, int]], processes: int = 2
) -> list[MultiCampaign]:
    """Run campaigns, the model-based ones in ``processes`` worker processes."""
    import multiprocessing as mp

    heavy = [t for t in tasks if t[1] in SUGGEST_STRATEGIES]
    light = [t for t in tasks if t[1] not in SUGGEST_STRATEGIES]
    out: list[MultiCampaign] = []
    if heavy and processes > 1:
        ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ctx.Pool(processes) as pool:
            out += pool.map(_task, heavy, chunksize=1)
    else:
        out += [_task(t) for t in heavy]
    out += [_task(t) for t in light]
    return out


# ---------------------------------------------------------------------------- report
def _at(c: MultiCampaign, n: int) -> float:
    return float(c.hv_fraction[min(n, len(c.hv_fraction)) - 1])


def section(
    campaigns: list[MultiCampaign],
    problems: Sequence[str],
    n_seeds: int,
    budget: int,
    batches: Sequence[int],
    seconds: float,
) -> str:
    """The markdown section of a set of campaigns."""
    checkpoints = [n for n in CHECKPOINTS if n < budget] + [budget]
    lines = [
        "## Two objectives: EHVI against ParEGO (`benchmarks/multiobjective.py`)",
        "",
        f"{n_seeds} seeds per strategy and problem (paired: the same seeds and the same "
        f"measurement noise per recipe for every strategy), batches of "
        f"{' and of '.join(map(str, batches))}, {budget} experiments from no data. Figures: hypervolume of the TRUE objective values of the "
        "recipes made so far as a percentage of the hypervolume of the true Pareto front of the "
        "whole grid, mean ± standard deviation over seeds. `twin-cost` is SIMULATED (digital "
        "twin: log10 sigma at 30 °C against milling hours); `branin-currin` is the standard "
        "synthetic pair. Definitions in the module docstring.",
        "",
    ]
    for name in problems:
        p = get_problem(name)
        lines.append(
            f"- `{name}`: objectives {p.names[0]} ({'max' if p.maximize[0] else 'min'}"
            f"{', measured' if p.measured[0] else ', recipe'}) and {p.names[1]} "
            f"({'max' if p.maximize[1] else 'min'}{', measured' if p.measured[1] else ', recipe'})"
            f"; reference point {_fmt_ref(p)}; best attainable hypervolume {p.best_hypervolume:.4g} "
            f"over {len(p.space.grid()):,} grid recipes."
        )
    head = " | ".join(f"HV % @{n}" for n in checkpoints)
    lines += [
        "",
        f"| problem | batch | strategy | {head} | s/campaign |",
        "|---|---|---|" + "---|" * len(checkpoints) + "---|",
    ]
    for name, batch, strategy in itertools.product(problems, batches, STRATEGIES):
        runs = [
            c
            for c in campaigns
            if c.problem == name and c.strategy == strategy and c.batch == batch
        ]
        if runs:
            cells = []
            for n in checkpoints:
                v = 100 * np.array([_at(c, n) for c in runs])
                cells.append(f"{v.mean():.1f} ± {v.std(ddof=1) if len(v) > 1 else 0.0:.1f}")
            secs = float(np.mean([c.seconds for c in runs]))
            label = f"**{strategy}**" if strategy in SUGGEST_STRATEGIES else strategy
            lines.append(f"| {name} | {batch} | {label} | {' | '.join(cells)} | {secs:.1f} |")
    lines += ["", "EHVI against ParEGO, seed by seed (hypervolume at the same experiment):", ""]
    lines += [
        "| problem | batch | at | EHVI better | equal (±0.1 point) | ParEGO better | "
        "mean difference (points) |"
    ]
    lines += ["|---|---|---|---|---|---|---|"]
    verdict_votes: list[float] = []
    for name, batch in itertools.product(problems, batches):
        pick = [c for c in campaigns if c.problem == name and c.batch == batch]
        ehvi = {c.seed: c for c in pick if c.strategy == "gp-ehvi"}
        parego = {c.seed: c for c in pick if c.strategy == "gp-parego"}
        seeds = sorted(set(ehvi) & set(parego))
        if not seeds:
            continue
        for n in sorted({checkpoints[len(checkpoints) // 2], budget}):
            d = 100 * np.array([_at(ehvi[s], n) - _at(parego[s], n) for s in seeds])
            better = int((d > 0.1).sum())
            worse = int((d < -0.1).sum())
            se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else math.nan
            lines.append(
                f"| {name} | {batch} | {n} | {better} | {len(d) - better - worse} | {worse} | "
                f"{d.mean():+.2f} (± {se:.2f} s.e.) |"
            )
        # The verdict weighs the area under the hypervolume curve (every checkpoint).
        auc = [np.mean([_at(ehvi[s], n) - _at(parego[s], n) for n in checkpoints]) for s in seeds]
        verdict_votes.append(float(np.mean(auc)))
    if verdict_votes:
        mean = 100 * float(np.mean(verdict_votes))
        winner = "gp-ehvi" if mean > 0 else "gp-parego"
        lines += [
            "",
            "Mean over problems and batch sizes of the mean hypervolume difference (EHVI - "
            f"ParEGO, averaged over the checkpoints and seeds): {mean:+.2f} points "
            f"({sum(v > 0 for v in verdict_votes)} of {len(verdict_votes)} problem/batch "
            f"combinations favour EHVI): **{winner}** does better on these runs.",
        ]
    lines += ["", f"Wall time of this benchmark: {seconds:.0f} s."]
    return "\n".join(lines) + "\n"


def _fmt_ref(p: MultiProblem) -> str:
    signs = np.where(np.asarray(p.maximize), 1.0, -1.0)
    values = p.ref * signs
    return "(" + ", ".join(f"{n} {v:.3g}" for n, v in zip(p.names, values, strict=True)) + ")"


def run(quick: bool = False, out_dir: Path | None = None) -> str:
    """Run the benchmark; return its markdown section.

    Args:
        quick: Tiny configuration (1 seed, budget 8, batches of 4, both problems).
        out_dir: Unused (no plots); kept for the signature every benchmark module shares.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    n_seeds, budget, processes = (1, 8, 1) if quick else (N_SEEDS, BUDGET, 2)
    batches = BATCHES[:1] if quick else BATCHES
    tasks = [
        (name, strategy, batch, seed, budget)
        for name in PROBLEMS
        for batch in batches
        for strategy in STRATEGIES
        for seed in range(n_seeds)
    ]
    campaigns = run_all(tasks, processes=processes)
    text = section(campaigns, PROBLEMS, n_seeds, budget, batches, time.perf_counter() - start)
    if quick:
        head, rest = text.split("\n", 1)
        text = f"{head}\n\n{QUICK_NOTE}\n{rest}"
    else:  # the full run (also from `make bench`) refreshes the results file
        (HERE / "RESULTS_multiobjective.md").write_text(text, encoding="utf-8")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny configuration (seconds)")
    args = parser.parse_args(argv)
    print(run(quick=args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
