"""matdoe against BayBE, Ax, Optuna's GPSampler and random search, on problems of other shapes.

Every strategy runs simulated campaigns from no data on the same problems, with the same seeds and
the same measurement noise per recipe (common random numbers, ``Problem.noise``), one experiment
at a time:

* ``matdoe``: :func:`matdoe.suggest.suggest` with its defaults (``gp-ei``);
* ``baybe``: BayBE's default recommender (``Campaign(searchspace, objective)``: random initial
  recommendations, then its Bayesian recommender), categoricals with matdoe's descriptors as
  ``CustomDiscreteParameter`` where the problem has them (the twin's silicas), else
  ``CategoricalParameter``; grids as ``NumericalDiscreteParameter``, continuous ranges as
  ``NumericalContinuousParameter``; pools as a discrete space of exactly the pool's rows;
* ``ax``: Ax's ``Client`` with its default generation strategy (Sobol, then its BoTorch model),
  grids as ``RangeParameterConfig`` with ``step_size``, categoricals as unordered choices; on a pool
  each proposal is replaced by the nearest unmade pool recipe (Ax has no pools), attached as the
  trial that was run;
* ``optuna-gp``: Optuna's GPSampler through :func:`matdoe.suggest.suggest` (nearest pool recipe on
  pools);
* ``random``: uniform on the grid or the pool, without repeats;
* ``ax-no-centre`` (a diagnostic, not ranked): Ax's default with ``initialize_with_center=False``,
  on the twin and hartmann6, to show what Ax's first trial, the centre of the space, is worth.

Problems (``benchmarks/problems.py``): the digital twin (SIMULATED), two pools of makeable
recipes (Friedman's function #1 on 400 recipes with 5 inputs; Hartmann-3 with a categorical
offset on 240 recipes with 4 inputs), Hartmann-6 (continuous) and Easom's needle (continuous, one
narrow optimum in a flat plane).

Metrics per problem and strategy (scored on the TRUE value of the recipe with the best MEASURED
value): median experiments to reach the problem's tolerance of the optimum (censored at the
budget), mean regret after 10 experiments and after the budget, and on pools the mean fraction of
the pool's top 5 % made within 20 experiments. Rank per problem: by mean regret after the budget
(ties broken by regret after 10). The peers' seconds per campaign are recorded beside.

Run: ``python -m benchmarks.peers [--quick]``; ``--centre twin hartmann6`` runs only the
centre-start diagnostic. Needs the ``bench`` extra (``pip install -e '.[bench]'``: BayBE, Ax,
torch pinned); a peer that is not installed is reported as missing.
"""

from __future__ import annotations

import argparse
import logging
import math
import os
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks import QUICK_NOTE
from benchmarks.problems import OTHER_SHAPES, Problem, get_problem

__all__ = ["PEERS", "run"]

PEERS = ("matdoe", "baybe", "ax", "optuna-gp", "random")
PROBLEMS = ("twin", *OTHER_SHAPES)
N_SEEDS = 20
#: Not ranked: Ax's default with its first trial (the centre of the space) left out, on the
#: problems named in CENTRE_PROBLEMS (the twin's optimum and hartmann6's basin lie near the
#: centre), to show what that one point is worth (`centre_note`).
AX_NO_CENTRE = "ax-no-centre"
CENTRE_PROBLEMS = ("twin", "hartmann6")
HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Run:
    problem: str
    strategy: str
    seed: int
    raw: np.ndarray
    measured: np.ndarray
    true: np.ndarray
    seconds: float
    error: str = ""

    def incumbent_true(self) -> np.ndarray:
        """True value of the best-measured recipe after each experiment."""
        idx = np.zeros(len(self.measured), dtype=int)
        for n in range(1, len(self.measured)):
            idx[n] = n if self.measured[n] > self.measured[idx[n - 1]] else idx[n - 1]
        return self.true[idx]


# ---------------------------------------------------------------------------- helpers
def _measure(problem: Problem, raw: np.ndarray, seed: int, made: list[bytes]) -> np.ndarray:
    keys = problem.space.grid_keys(raw)
    replicate = np.array([made.count(k) for k in keys])
    made.extend(keys)
    return problem.truth(raw) + problem.noise(raw, seed, replicate)


def _nearest_unmade(problem: Problem, raw: np.ndarray, made: set[bytes]) -> np.ndarray:
    assert problem.pool is not None
    space = problem.space
    keys = space.grid_keys(problem.pool)
    free = np.array([k not in made for k in keys])
    coords = space.design_coords(problem.pool)
    point = space.design_coords(space.snap_raw(raw[None, :]))
    dist = ((coords - point) ** 2).sum(1)
    dist[~free] = np.inf
    return problem.pool[int(np.argmin(dist))]


def _params_table(problem: Problem, raw: np.ndarray) -> Any:
    return problem.space.from_raw(raw)


# ---------------------------------------------------------------------------- matdoe / optuna
def _run_matdoe(problem: Problem, strategy: str, seed: int, budget: int) -> tuple[Any, Any]:
    import pandas as pd

    from matdoe.suggest import suggest

    space = problem.space
    candidates = problem.candidates() if problem.pool is not None else None
    raws: list[np.ndarray] = []
    ys: list[float] = []
    made: list[bytes] = []
    obs = None
    for step in range(budget):
        batch = suggest(
            obs,
            space,
            objective=problem.objective,
            n=1,
            candidates=candidates,
            conditions=dict(problem.conditions) or None,
            strategy=strategy,
            random_state=seed * 1000 + step,
        )
        raw = space.to_raw(batch[list(space.parameter_names)])
        y = _measure(problem, raw, seed, made)
        raws.append(raw[0])
        ys.append(float(y[0]))
        new = problem.observations(raw, y)
        obs = new if obs is None else pd.concat([obs, new], ignore_index=True)
    return np.vstack(raws), np.array(ys)


def _run_random(problem: Problem, seed: int, budget: int) -> tuple[Any, Any]:
    rng = np.random.default_rng([seed, 11])
    source = problem.pool if problem.pool is not None else None
    if source is None:
        space = problem.space
        if math.isfinite(space.n_grid_points()):
            source = problem.grid
        else:
            source = space.snap_raw(space.sample_raw(budget, rng, method="random"))
    raw = source[rng.choice(len(source), size=budget, replace=False)]
    made: list[bytes] = []
    return raw, _measure(problem, raw, seed, made)


# ---------------------------------------------------------------------------- BayBE
def _baybe_space(problem: Problem) -> Any:
    import pandas as pd
    from baybe.parameters import (
        CategoricalParameter,
        CustomDiscreteParameter,
        NumericalContinuousParameter,
        NumericalDiscreteParameter,
    )
    from baybe.searchspace import SearchSpace as BayBESpace

    params: list[Any] = []
    source = problem.pool
    for j, p in enumerate(problem.space.parameters):
        if not p.numeric:
            choices = list(p.choices)  # type: ignore[attr-defined]
            if source is not None:
                choices = [p.value(v) for v in np.unique(source[:, j])]
            descriptors = getattr(p, "descriptors", None)
            if descriptors and len(next(iter(descriptors.values()))) >= 1:
                data = pd.DataFrame({c: dict(descriptors[c]) for c in choices}).T
                params.append(CustomDiscreteParameter(name=p.name, data=data))
            else:
                params.append(CategoricalParameter(name=p.name, values=choices))
        elif source is not None:
            params.append(NumericalDiscreteParameter(name=p.name, values=np.unique(source[:, j])))
        elif math.isfinite(p.n_grid_points()):
            params.append(NumericalDiscreteParameter(name=p.name, values=p.grid_values()))
        else:
            params.append(
                NumericalContinuousParameter(name=p.name, bounds=(p.low, p.high))  # type: ignore[attr-defined]
            )
    if source is not None:
        return BayBESpace.from_dataframe(problem.candidates(), parameters=params)
    return BayBESpace.from_product(parameters=params)


def _run_baybe(problem: Problem, seed: int, budget: int) -> tuple[Any, Any]:
    from baybe import Campaign as BayBECampaign
    from baybe.targets import NumericalTarget
    from baybe.utils.random import set_random_seed

    set_random_seed(seed)
    campaign = BayBECampaign(
        searchspace=_baybe_space(problem), objective=NumericalTarget(name=problem.objective)
    )
    space = problem.space
    raws: list[np.ndarray] = []
    ys: list[float] = []
    made: list[bytes] = []
    for _ in range(budget):
        rec = campaign.recommend(batch_size=1)
        raw = space.snap_raw(space.to_raw(rec[list(space.parameter_names)]))
        y = _measure(problem, raw, seed, made)
        rec = rec.copy()
        rec[problem.objective] = y
        campaign.add_measurements(rec)
        raws.append(raw[0])
        ys.append(float(y[0]))
    return np.vstack(raws), np.array(ys)


# ---------------------------------------------------------------------------- Ax
def _ax_parameters(problem: Problem) -> list[Any]:
    from ax.api.configs import ChoiceParameterConfig, RangeParameterConfig

    out: list[Any] = []
    for p in problem.space.parameters:
        if not p.numeric:
            out.append(
                ChoiceParameterConfig(
                    name=p.name,
                    values=list(p.choices),  # type: ignore[attr-defined]
                    parameter_type="str",
                    is_ordered=False,
                )
            )
        else:
            out.append(
                RangeParameterConfig(
                    name=p.name,
                    bounds=(p.low, p.grid_high),  # type: ignore[attr-defined]
                    parameter_type="float",
                    step_size=p.step,  # type: ignore[attr-defined]
                )
            )
    return out


def _run_ax(problem: Problem, seed: int, budget: int, centre: bool = True) -> tuple[Any, Any]:
    from ax.api.client import Client

    for name in ("ax", "botorch", "pyro"):
        logging.getLogger(name).setLevel(logging.ERROR)
    client = Client(random_seed=seed)
    client.configure_experiment(parameters=_ax_parameters(problem))
    client.configure_optimization(objective=problem.objective)
    if not centre:  # the diagnostic below: Ax's default design without its centre point
        client.configure_generation_strategy(initialize_with_center=False)
    space = problem.space
    raws: list[np.ndarray] = []
    ys: list[float] = []
    made: list[bytes] = []
    while len(ys) < budget:
        for index, params in client.get_next_trials(max_trials=1).items():
            raw = space.snap_raw(space.raw_row(params)[None, :])
            if problem.pool is not None:
                raw = _nearest_unmade(problem, raw[0], set(made))[None, :]
                client.mark_trial_abandoned(index)
                index = client.attach_trial(parameters=space.row_values(raw[0]))
            y = _measure(problem, raw, seed, made)
            client.complete_trial(index, raw_data={problem.objective: float(y[0])})
            raws.append(raw[0])
            ys.append(float(y[0]))
    return np.vstack(raws), np.array(ys)


# ---------------------------------------------------------------------------- runs
def run_one(problem_name: str, strategy: str, seed: int, budget: int) -> Run:
    """One campaign; a peer that fails (or is not installed) is recorded with its error."""
    problem = get_problem(problem_name)
    start = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if strategy == "matdoe":
                raw, y = _run_matdoe(problem, "gp-ei", seed, budget)
            elif strategy == "optuna-gp":
                raw, y = _run_matdoe(problem, "optuna-gp", seed, budget)
            elif strategy == "random":
                raw, y = _run_random(problem, seed, budget)
            elif strategy == "baybe":
                raw, y = _run_baybe(problem, seed, budget)
            elif strategy == "ax":
                raw, y = _run_ax(problem, seed, budget)
            elif strategy == AX_NO_CENTRE:
                raw, y = _run_ax(problem, seed, budget, centre=False)
            else:
                raise KeyError(strategy)
    except ImportError as exc:
        return Run(problem_name, strategy, seed, np.empty((0, 0)), np.empty(0), np.empty(0), 0.0,
                   f"not installed ({exc.name})")  # fmt: skip
    return Run(
        problem_name,
        strategy,
        seed,
        raw,
        y,
        problem.truth(raw),
        time.perf_counter() - start,
    )


def _task(args: tuple[str, str, int, int]) -> Run:
    return run_one(*args)


def _worker_init() -> None:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass


def campaigns(
    problems: Sequence[str], strategies: Sequence[str], n_seeds: int, budget: int
) -> list[tuple[str, str, int, int]]:
    """Every (problem, strategy, seed, budget) campaign of a run."""
    return [(p, s, k, budget) for p in problems for s in strategies for k in range(n_seeds)]


def run_all(tasks: Sequence[tuple[str, str, int, int]], processes: int) -> list[Run]:
    import multiprocessing as mp

    order = {"ax": 0, AX_NO_CENTRE: 0, "baybe": 1, "optuna-gp": 2, "matdoe": 3, "random": 4}
    tasks = sorted(tasks, key=lambda t: (order.get(t[1], 9), t[0], t[2]))
    if processes > 1:
        with mp.get_context("fork").Pool(processes, initializer=_worker_init) as pool:
            return pool.map(_task, tasks, chunksize=1)
    _worker_init()
    return [_task(t) for t in tasks]


# ---------------------------------------------------------------------------- report
@dataclass(frozen=True)
class Score:
    problem: str
    strategy: str
    n: int
    median_to_target: float
    reached: int
    regret10: float
    regret_final: float
    top5_at20: float
    seconds: float
    error: str


def score(runs: list[Run], problem_name: str, strategy: str, budget: int) -> Score:
    problem = get_problem(problem_name)
    mine = [r for r in runs if r.problem == problem_name and r.strategy == strategy]
    errors = [r.error for r in mine if r.error]
    good = [r for r in mine if not r.error]
    if not good:
        nan = math.nan
        return Score(
            problem_name, strategy, 0, nan, 0, nan, nan, nan, nan, errors[0] if errors else ""
        )
    regrets = np.array([problem.optimum - r.incumbent_true() for r in good])
    hits = np.array(
        [
            float(np.flatnonzero(g <= problem.tolerance + 1e-9)[0] + 1)
            if (g <= problem.tolerance + 1e-9).any()
            else math.inf
            for g in regrets
        ]
    )
    med = float(np.median(np.where(np.isfinite(hits), hits, budget + 1)))
    top5 = (
        float(np.mean([problem.top_fraction(r.raw[:20]) for r in good]))
        if problem.pool is not None
        else math.nan
    )
    return Score(
        problem_name,
        strategy,
        len(good),
        med,
        int(np.isfinite(hits).sum()),
        float(regrets[:, min(9, budget - 1)].mean()),
        float(regrets[:, -1].mean()),
        top5,
        float(np.mean([r.seconds for r in good])),
        "",
    )


def paired_difference(runs: list[Run], problem_name: str, step: int, peer: str = "ax") -> str:
    """matdoe's regret minus ``peer``'s after ``step + 1`` experiments, paired by seed, ± 2 s.e.

    The same seed gives both strategies the same measurement noise, so the per-seed difference
    is the fair comparison; its standard error says whether 20 seeds can tell them apart.
    """
    problem = get_problem(problem_name)

    def by_seed(strategy: str) -> dict[int, float]:
        return {
            r.seed: float(problem.optimum - r.incumbent_true()[step])
            for r in runs
            if r.problem == problem_name and r.strategy == strategy and not r.error
        }

    mine, theirs = by_seed("matdoe"), by_seed(peer)
    seeds = sorted(set(mine) & set(theirs))
    if len(seeds) < 3:
        return ""
    diff = np.array([mine[k] - theirs[k] for k in seeds])
    se = float(diff.std(ddof=1) / math.sqrt(len(diff)))
    return (
        f"Paired by seed, matdoe minus {peer}: {diff.mean():+.3f} ± {2 * se:.3f} (2 s.e., "
        f"{len(diff)} seeds; per-seed differences from {diff.min():+.2f} to {diff.max():+.2f})."
    )


def _fmt_med(v: float, budget: int) -> str:
    if math.isnan(v):
        return "–"
    return f"> {budget}" if v > budget else f"{v:g}"


def section(runs: list[Run], problems: Sequence[str], strategies: Sequence[str], n_seeds: int,
            budget: int, seconds: float) -> str:  # fmt: skip
    scores = {(p, s): score(runs, p, s, budget) for p in problems for s in strategies}
    lines = [
        "## matdoe against BayBE, Ax, Optuna's GPSampler and random (`benchmarks/peers.py`)",
        "",
        f"{n_seeds} seeds per problem and strategy (the same seeds and measurement noise for "
        f"every strategy), one experiment at a time, budget {budget}. Scored on the TRUE value of "
        "the best-MEASURED recipe. 'to target': median experiments to come within the problem's "
        "tolerance of the optimum ('> N': most campaigns did not); regret = optimum − true value "
        "of the incumbent (mean over seeds); 'top 5 % @20': mean share of the pool's best 5 % "
        "made within 20 experiments. See the module docstring for how each peer is set up.",
        "",
        "| problem | tolerance | strategy | to target | reached | regret @10 | regret @budget | "
        "top 5 % @20 | s/campaign |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in problems:
        prob = get_problem(p)
        for s in strategies:
            sc = scores[(p, s)]
            label = f"**{s}**" if s == "matdoe" else s
            if sc.error and not sc.n:
                lines.append(f"| {p} | {prob.tolerance:g} | {label} | {sc.error} | | | | | |")
                continue
            top = "–" if math.isnan(sc.top5_at20) else f"{100 * sc.top5_at20:.0f} %"
            lines.append(
                f"| {p} | {prob.tolerance:g} | {label} | {_fmt_med(sc.median_to_target, budget)} | "
                f"{sc.reached}/{sc.n} | {sc.regret10:.3f} | {sc.regret_final:.3f} | {top} | "
                f"{sc.seconds:.1f} |"
            )
    # Ranks by final regret (then regret at 10).
    ranks: dict[str, list[float]] = {s: [] for s in strategies}
    ratio_lines = []
    for p in problems:
        valid = [s for s in strategies if scores[(p, s)].n]
        ordered = sorted(
            valid, key=lambda s: (scores[(p, s)].regret_final, scores[(p, s)].regret10)
        )
        for r, s in enumerate(ordered, start=1):
            ranks[s].append(r)
        peers = [s for s in valid if s != "matdoe"]
        if "matdoe" in valid and peers:
            best_peer = min(peers, key=lambda s: scores[(p, s)].regret_final)
            mine, theirs = scores[(p, "matdoe")].regret_final, scores[(p, best_peer)].regret_final
            # "Never worse than 0.8x the best peer": regret at most best / 0.8.
            ok = mine <= theirs / 0.8 + 1e-12
            ratio_lines.append(
                f"| {p} | {best_peer} | {mine:.3f} vs {theirs:.3f} | {'yes' if ok else '**no**'} |"
            )
    lines += [
        "",
        "Mean rank over problems (by mean regret after the budget; 1 = best):",
        "",
        "| strategy | mean rank | problems |",
        "|---|---|---|",
    ]
    for s in sorted(strategies, key=lambda s: np.mean(ranks[s]) if ranks[s] else 99):
        if ranks[s]:
            lines.append(f"| {s} | {np.mean(ranks[s]):.2f} | {len(ranks[s])} |")
    lines += [
        "",
        "Never worse than 0.8x the best peer (matdoe's final regret at most the best peer's / 0.8):",
        "",
        "| problem | best peer | matdoe vs peer regret | met |",
        "|---|---|---|---|",
        *ratio_lines,
    ]
    if ("twin", "ax") in scores and scores[("twin", "ax")].n and scores[("twin", "matdoe")].n:
        a, m = scores[("twin", "ax")].regret10, scores[("twin", "matdoe")].regret10
        lines += [
            "",
            f"Ahead of Ax after 10 experiments on the twin: matdoe {m:.3f} vs Ax {a:.3f} mean "
            f"regret: {'yes' if m < a else '**no**'}. {paired_difference(runs, 'twin', 9)}",
        ]
    lines += ["", f"Wall time of this benchmark: {seconds / 60:.1f} min."]
    return "\n".join(lines) + "\n"


def centre_note(runs: list[Run], problems: Sequence[str], budget: int) -> str:
    """What Ax's centre start is worth: its regrets with and without it, beside matdoe's.

    Ax's default design begins at the centre of the space (its first trial); matdoe's
    space-filling start begins at a random point. Where the centre is already good, that one
    point decides much.
    """
    rng = np.random.default_rng(0)
    lines = [
        "Ax's first trial is the centre of the space; matdoe's space-filling start begins at a "
        "random point. What that first trial is worth (not ranked; the same seeds; each cell: "
        "mean regret after 10 experiments / after the budget):",
        "",
        "| problem | Ax's first trial: true value (share of random recipes below it) | matdoe | "
        "ax | ax without the centre point |",
        "|---|---|---|---|---|",
    ]
    for p in problems:
        prob = get_problem(p)
        firsts = [r.true[0] for r in runs if r.problem == p and r.strategy == "ax" and not r.error]
        first = "–"
        if firsts:
            value = float(np.mean(firsts))
            sample = prob.space.snap_raw(prob.space.sample_raw(20_000, rng, method="random"))
            below = float(np.mean(prob.truth(sample) < value))
            first = f"{value:.3f} ({100 * below:.0f} %)"
        cells = []
        for s in ("matdoe", "ax", AX_NO_CENTRE):
            sc = score(runs, p, s, budget)
            cells.append(
                f"{sc.regret10:.3f} / {sc.regret_final:.3f} ({sc.n} seeds)"
                if sc.n
                else sc.error or "–"
            )
        lines.append(f"| {p} | {first} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def batch_diversity(sizes: Sequence[int] = (4, 16, 32), n_obs: int = 200) -> str:
    """How spread a batch is at ``n_obs`` observations of the twin, for each batch method.

    Closest pair: the smallest distance between two recipes of a batch (numeric parameters scaled
    to [0, 1], another silica counts 1; a 0.5 vol% step is 0.009). Returns a markdown table.
    """
    import pandas as pd

    from matdoe.simulate import DigitalTwin, default_space
    from matdoe.suggest import strategies, suggest

    space = default_space()
    rng = np.random.default_rng(7)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(n_obs, rng, method="random")))
    obs = DigitalTwin().measure(recipes, (30.0,), random_state=8).reset_index(drop=True)
    rows = []
    methods: list[tuple[str, str, str]] = [
        ("matdoe q-LogEI", "gp-ei", "q-logei"),
        ("matdoe kriging believer", "gp-ei", "kriging-believer"),
        ("optuna-tpe", "optuna-tpe", "q-logei"),
    ]
    saved = strategies.BATCH_ACQUISITION
    try:
        for label, strategy, rule in methods:
            strategies.BATCH_ACQUISITION = rule
            for q in sizes:
                t0 = time.perf_counter()
                batch = suggest(obs, space, n=q, strategy=strategy, random_state=0)
                seconds = time.perf_counter() - t0
                coords = space.design_coords(space.to_raw(batch[list(space.parameter_names)]))
                dist = np.sqrt(((coords[:, None] - coords[None]) ** 2).sum(-1))
                dist[np.diag_indices_from(dist)] = np.inf
                rows.append(
                    {
                        "method": label,
                        "q": q,
                        "closest": float(dist.min()),
                        "silicas": int(batch["silica"].nunique()),
                        "vol": f"{batch['vol_pct'].min():g}-{batch['vol_pct'].max():g}",
                        "mill": f"{batch['milling_h'].min():g}-{batch['milling_h'].max():g}",
                        "seconds": seconds,
                    }
                )
    finally:
        strategies.BATCH_ACQUISITION = saved
    table = pd.DataFrame(rows)
    lines = [
        f"Batch spread at {n_obs} observations of the twin (one seed; closest pair in the unit "
        "scale, a 0.5 vol% step is 0.009):",
        "",
        "| method | batch | closest pair | silicas | vol% span | milling span (h) | s |",
        "|---|---:|---:|---:|---|---|---:|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.method} | {r.q} | {r.closest:.3f} | {r.silicas} | {r.vol} | {r.mill} | "
            f"{r.seconds:.1f} |"
        )
    return "\n".join(lines) + "\n"


def run(quick: bool = False, out_dir: Path | None = None) -> str:
    """Run the comparison; return its markdown section.

    Args:
        quick: A smoke configuration (2 seeds, budget 8, the twin and one pool, no Ax).
        out_dir: Unused (no plots); kept for the benchmark runner's signature.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    if quick:
        problems: Sequence[str] = ("twin", "pool-friedman5")
        strategies: Sequence[str] = ("matdoe", "baybe", "random")
        n_seeds, budget, processes = 2, 8, 1
    else:
        n_seeds = int(os.environ.get("MATDOE_BENCH_PEER_SEEDS", N_SEEDS))
        problems, strategies, budget, processes = PROBLEMS, PEERS, 30, 2
    centre_problems = () if quick else CENTRE_PROBLEMS
    tasks = campaigns(problems, strategies, n_seeds, budget)
    tasks += campaigns(centre_problems, (AX_NO_CENTRE,), n_seeds, budget)
    runs = run_all(tasks, processes)
    text = section(runs, problems, strategies, n_seeds, budget, time.perf_counter() - start)
    if centre_problems:
        text += "\n" + centre_note(runs, centre_problems, budget)
    text += "\n" + batch_diversity(sizes=(4,) if quick else (4, 16, 32))
    if quick:
        head, rest = text.split("\n", 1)
        text = f"{head}\n\n{QUICK_NOTE}\n{rest}"
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--problems", nargs="+", default=None)
    parser.add_argument("--strategies", nargs="+", default=None)
    parser.add_argument("--seeds", type=int, default=None)
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument(
        "--centre", nargs="+", metavar="PROBLEM", help="only the centre-start diagnostic"
    )
    args = parser.parse_args(argv)
    if args.centre:
        seeds = args.seeds or N_SEEDS
        tasks = campaigns(args.centre, ("matdoe", "ax", AX_NO_CENTRE), seeds, args.budget)
        print(centre_note(run_all(tasks, args.processes), args.centre, args.budget))
        return 0
    if args.problems or args.strategies or args.seeds:
        start = time.perf_counter()
        problems = args.problems or PROBLEMS
        strategies = args.strategies or PEERS
        seeds = args.seeds or N_SEEDS
        tasks = campaigns(problems, strategies, seeds, args.budget)
        runs = run_all(tasks, args.processes)
        print(section(runs, problems, strategies, seeds, args.budget, time.perf_counter() - start))
        return 0
    print(run(quick=args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
