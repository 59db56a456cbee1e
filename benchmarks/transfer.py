"""Transfer between related systems: does system A's data shorten a campaign on system B?

Issue 14, item 4. System A is the digital twin of the paper's Na2B12H12/SiO2; system B is its
related, ENTIRELY SIMULATED system NaCB11H12/SiO2 (:meth:`matdoe.simulate.DigitalTwin.related`:
the same interface mechanism and silica effect, a better-conducting host, and an optimum shifted
to 28 vol% and 2.5 h from A's 35 vol% and 4 h; all assumptions, stated in
:mod:`matdoe.simulate`). Both on the default campaign's grid (5 silicas, vol% 5-60 in 0.5 steps,
milling 0.5-12 h in 0.25 h steps), objective log10 sigma at 30 °C, noise std 0.05 log10 units
(known to the model as ``log10_sigma_std``), the same for the same recipe, system, seed and
replicate under every strategy (common random numbers).

Per seed:

1. System A's history: a finished campaign of 30 batches on A (``gp-ei`` in batches of 4 from no
   data, as ``benchmarks/doe.py`` runs it), what a lab that moves on to B already has.
2. ``B alone``: ``gp-ei`` on B from no data, in batches of 4, 30 experiments, on the campaign's
   space without a host parameter (a new campaign as the lab would start it today).
3. ``B with A's history``: the same, but the model's table holds A's 30 batches as well, in one space
   with a ``host`` parameter described by catalogue descriptors (molar mass from the formula,
   order-disorder transition temperature from ``data/paper/materials.yaml`` and
   ``data/materials/related_systems.yaml``; the cation radius is left out: both are Na salts)
   and the silica by BET area and a mesoporous flag; proposals restricted to host B
   (:meth:`SearchSpace.restrict`), the model built over both hosts, as a campaign that spans
   two hosts fits it (the library's model: :func:`matdoe.surrogate.make_surrogate`, descriptors
   and one-hot columns).
4. Two controls: ``host one-hot`` (the host a plain label, no descriptors: with two hosts
   min-max-scaled descriptors carry no more than a label, so the two should agree) and
   ``shuffled`` (A's measured values permuted among its recipes: as much data from another host,
   but unrelated to B; what misleading data from another system costs).
5. ``B random``: the grid drawn uniformly, for scale; and ``A's best recipe on B``: what
   copying A's optimum gives (no experiment counted).

Caveat: system B is related to A BY CONSTRUCTION (the twin's assumptions: the same functional
form and silica effect, a shifted optimum); the figures say how much the model gains when the
systems are that close, not that real systems are.

Metric: after experiment n on B the lab's incumbent is the B recipe with the best MEASURED value;
its TRUE value is scored. Target: within 0.1 decade (log10 units) of B's optimum at 30 °C.
"Experiments to target" counts B experiments only (A's 30 are sunk); a campaign that never gets
there is censored ("> 30").

Run: ``python -m benchmarks.transfer [--quick]`` (or ``make bench``); the full run writes
``benchmarks/RESULTS_transfer.md``.
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

from benchmarks import HERE, QUICK_NOTE
from benchmarks.problems import Problem, twin_problem

__all__ = ["STRATEGIES", "TransferCampaign", "host_space", "run", "run_seed", "system_problem"]

STRATEGIES = (
    "B alone",
    "B with A's history",
    "B with A's history, host one-hot",
    "B with A's history shuffled",
    "B random",
)
TOLERANCE = 0.1
BUDGET = 30
BATCH = 4
N_HISTORY = 30
N_SEEDS = 30
CHECKPOINTS = (4, 8, 12, 20, 30)
HOST_DESCRIPTORS = ("molar_mass_g_mol", "transition_k")


@dataclass(frozen=True)
class TransferCampaign:
    """One campaign on system B.

    Attributes:
        strategy: One of :data:`STRATEGIES`.
        seed: The seed.
        raw: B recipes made, in order (raw points of the default space).
        measured: Their measured values.
        true: Their noiseless values.
        seconds: Wall time (without A's history).
    """

    strategy: str
    seed: int
    raw: np.ndarray
    measured: np.ndarray
    true: np.ndarray
    seconds: float

    def regret(self, optimum: float) -> np.ndarray:
        """Regret of the best-measured recipe after each experiment (true values)."""
        best_idx = np.zeros(len(self.measured), dtype=int)
        for n in range(1, len(self.measured)):
            better = self.measured[n] > self.measured[best_idx[n - 1]]
            best_idx[n] = n if better else best_idx[n - 1]
        return optimum - self.true[best_idx]


# ---------------------------------------------------------------------------- problems
_PROBLEMS: dict[str, Problem] = {}


def system_problem(host: str) -> Problem:
    """System A (``Na2B12H12``) or B (``NaCB11H12``, simulated) as a benchmark problem."""
    if host in _PROBLEMS:
        return _PROBLEMS[host]
    from matdoe.simulate import DigitalTwin

    problem = twin_problem(
        DigitalTwin.for_host(host), f"twin-{host}", tolerance=TOLERANCE, budget=BUDGET
    )
    _PROBLEMS[host] = problem
    return problem


def _catalogue_transition_k(host: str) -> float:
    import yaml

    from matdoe.paths import data_file

    for parts in (("paper", "materials.yaml"), ("materials", "related_systems.yaml")):
        with data_file(*parts).open(encoding="utf-8") as handle:
            for material in yaml.safe_load(handle)["materials"]:
                if material["name"] == host and material.get("transition_k") is not None:
                    return float(material["transition_k"])
    raise KeyError(f"no transition temperature catalogued for {host}")


def host_space(hosts: Sequence[str], *, described: bool = True) -> Any:
    """The default space with a ``host`` parameter in front, described by the catalogue.

    ``described=False``: the host is a plain label (one-hot for the model).
    """
    from matdoe import chem
    from matdoe.simulate import default_space
    from matdoe.space import Categorical, SearchSpace

    base = default_space()
    descriptors = {
        h: {
            "molar_mass_g_mol": float(chem.molar_mass_g_mol(h)),
            "transition_k": _catalogue_transition_k(h),
        }
        for h in hosts
    }
    host = Categorical("host", tuple(hosts), descriptors=descriptors if described else None)
    return SearchSpace(
        [host, *base.parameters], constraints=base.constraints, conditions=base.conditions
    )


# ---------------------------------------------------------------------------- campaigns
def _measure(problem: Problem, raw: np.ndarray, seed: int, made: list[bytes]) -> np.ndarray:
    keys = problem.space.grid_keys(raw)
    replicate = np.array([made.count(k) for k in keys])
    made.extend(keys)
    return problem.truth(raw) + problem.noise(raw, seed, replicate)


def history_a(seed: int, n: int = N_HISTORY) -> tuple[np.ndarray, np.ndarray]:
    """System A's finished campaign: ``n`` batches of gp-ei in rounds of 4 (raw, measured)."""
    from matdoe.simulate import SYSTEM_A_HOST

    return _campaign(system_problem(SYSTEM_A_HOST), None, seed + 5000, n)


def _campaign(
    problem: Problem, prior: Any, seed: int, budget: int
) -> tuple[np.ndarray, np.ndarray]:
    """gp-ei in batches of 4 on ``problem``; ``prior`` = (space, observations) to add, or None."""
    import pandas as pd

    from matdoe.suggest import suggest

    names = list(problem.space.parameter_names)
    raws: list[np.ndarray] = []
    measured: list[np.ndarray] = []
    made: list[bytes] = []
    obs: pd.DataFrame | None = None
    host = None
    if prior is not None:
        space, history, host = prior
    else:
        space, history = problem.space, None
    round_ = 0
    while sum(len(r) for r in raws) < budget:
        n = min(BATCH, budget - sum(len(r) for r in raws))
        table = obs
        if history is not None:
            table = history if obs is None else pd.concat([history, obs], ignore_index=True)
        proposals = suggest(
            table,
            space,
            objective=problem.objective,
            n=n,
            conditions=dict(problem.conditions),
            strategy="gp-ei",
            random_state=seed * 1000 + round_,
        )
        raw = problem.space.to_raw(proposals[names])
        y = _measure(problem, raw, seed, made)
        raws.append(raw)
        measured.append(y)
        new = problem.observations(raw, y)
        if host is not None:
            new.insert(0, "host", host)
        obs = new if obs is None else pd.concat([obs, new], ignore_index=True)
        round_ += 1
    return np.vstack(raws), np.concatenate(measured)


def run_seed(seed: int, budget: int = BUDGET, n_history: int = N_HISTORY) -> list[TransferCampaign]:
    """Every strategy on system B for one seed (A's history made first)."""
    from matdoe.simulate import RELATED_HOST, SYSTEM_A_HOST

    a = system_problem(SYSTEM_A_HOST)
    b = system_problem(RELATED_HOST)
    raw_a, y_a = history_a(seed, n_history)
    out = [TransferCampaign("A history", seed, raw_a, y_a, a.truth(raw_a), 0.0)]
    start = time.perf_counter()
    raw, y = _campaign(b, None, seed, budget)
    out.append(TransferCampaign("B alone", seed, raw, y, b.truth(raw), time.perf_counter() - start))
    hosts = [SYSTEM_A_HOST, RELATED_HOST]
    # The control: A's measured values shuffled among its recipes (same values, no relation).
    shuffled = np.random.default_rng([seed, 17]).permutation(y_a)
    for label, described, values in (
        ("B with A's history", True, y_a),
        ("B with A's history, host one-hot", False, y_a),
        ("B with A's history shuffled", True, shuffled),
    ):
        space = host_space(hosts, described=described).restrict({"host": [RELATED_HOST]})
        history = a.observations(raw_a, values)
        history.insert(0, "host", SYSTEM_A_HOST)
        start = time.perf_counter()
        raw, y = _campaign(b, (space, history, RELATED_HOST), seed, budget)
        out.append(TransferCampaign(label, seed, raw, y, b.truth(raw), time.perf_counter() - start))
    rng = np.random.default_rng([seed, 11])
    raw = b.grid[rng.choice(len(b.grid), size=budget, replace=False)]
    made: list[bytes] = []
    y = _measure(b, raw, seed, made)
    out.append(TransferCampaign("B random", seed, raw, y, b.truth(raw), 0.0))
    return out


def _task(args: tuple[int, int, int]) -> list[TransferCampaign]:
    return run_seed(*args)


def run_all(
    seeds: Sequence[int], budget: int, n_history: int, processes: int = 2
) -> list[TransferCampaign]:
    """Every seed, in ``processes`` worker processes."""
    import multiprocessing as mp

    tasks = [(s, budget, n_history) for s in seeds]
    if processes > 1 and len(tasks) > 1:
        ctx = mp.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        with ctx.Pool(processes) as pool:
            parts = pool.map(_task, tasks, chunksize=1)
    else:
        parts = [_task(t) for t in tasks]
    return [c for part in parts for c in part]


# ---------------------------------------------------------------------------- report
def experiments_to_target(regret: np.ndarray, tolerance: float = TOLERANCE) -> float:
    """First experiment (1-based) with regret <= tolerance, inf when never.

    >>> experiments_to_target(np.array([0.3, 0.12, 0.08]))
    3.0
    """
    hit = np.flatnonzero(regret <= tolerance + 1e-9)
    return float(hit[0] + 1) if len(hit) else math.inf


def _fmt(v: float, budget: int) -> str:
    return f"> {budget}" if v > budget else f"{v:g}"


def section(
    campaigns: list[TransferCampaign], n_seeds: int, budget: int, n_history: int, seconds: float
) -> str:
    """The markdown section of the campaigns."""
    from matdoe.simulate import RELATED_HOST, DigitalTwin

    b = system_problem(RELATED_HOST)
    best_a, opt_a = DigitalTwin().optimum()
    best_b, opt_b = DigitalTwin.related().optimum()
    a_on_b = float(
        DigitalTwin.related().log10_sigma(
            best_a["silica"], best_a["vol_pct"], best_a["milling_h"], 30.0
        )
    )
    checkpoints = [n for n in CHECKPOINTS if n < budget] + [budget]
    lines = [
        "## Transfer from a related system (`benchmarks/transfer.py`)",
        "",
        f"{n_seeds} seeds. System A: the digital twin of Na2B12H12/SiO2 (SIMULATED from the "
        "paper's numbers); system B: NaCB11H12/SiO2, ENTIRELY SIMULATED from stated assumptions "
        "(`matdoe.simulate`, `DigitalTwin.related`). Target: the true value of the B recipe "
        f"with the best measured value within {TOLERANCE} decade of B's optimum at 30 °C. "
        f"Every B campaign: gp-ei in batches of {BATCH}, {budget} experiments on B; `B with "
        f"A's history` adds A's {n_history} batches (a finished gp-ei campaign on A, per "
        "seed) to the model's table, host described by molar mass and transition temperature "
        "from the catalogue. Experiments counted on B only. Definitions in the module docstring.",
        "",
        f"- System A optimum: {_recipe(best_a)}, log10 sigma(30 °C) = {opt_a:.3f} "
        f"({10**opt_a:.2g} S/cm).",
        f"- System B optimum: {_recipe(best_b)}, log10 sigma(30 °C) = {opt_b:.3f} "
        f"({10**opt_b:.2g} S/cm); {100 * b.fraction_within(TOLERANCE):.2f} % of the "
        f"{len(b.grid):,} grid recipes lie within {TOLERANCE}.",
        f"- A's best recipe made on B: {a_on_b:.3f}, regret {opt_b - a_on_b:.3f} (copying A's "
        "optimum misses the target).",
        _history_line(campaigns, opt_a),
        "",
        "| strategy | median experiments to target (IQR) | reached | "
        + " | ".join(f"mean regret @{n}" for n in checkpoints)
        + " | s/campaign |",
        "|---|---|---|" + "---|" * len(checkpoints) + "---|",
    ]
    medians = {}
    for strategy in STRATEGIES:
        runs = [c for c in campaigns if c.strategy == strategy]
        if not runs:
            continue
        regrets = np.array([c.regret(opt_b) for c in runs])
        hits = np.array([experiments_to_target(r) for r in regrets])
        q = np.quantile(np.where(np.isfinite(hits), hits, 1e9), [0.25, 0.5, 0.75])
        medians[strategy] = float(q[1])
        cells = [f"{regrets[:, n - 1].mean():.3f}" for n in checkpoints]
        lines.append(
            f"| {strategy} | {_fmt(q[1], budget)} ({_fmt(q[0], budget)}-{_fmt(q[2], budget)}) "
            f"| {int(np.isfinite(hits).sum())}/{len(hits)} | {' | '.join(cells)} | "
            f"{np.mean([c.seconds for c in runs]):.1f} |"
        )
    alone = {c.seed: c for c in campaigns if c.strategy == "B alone"}
    rows = []
    for strategy in STRATEGIES[1:-1]:
        other = {c.seed: c for c in campaigns if c.strategy == strategy}
        seeds = sorted(set(alone) & set(other))
        if not seeds:
            continue
        pairs = np.array(
            [
                (
                    experiments_to_target(alone[s].regret(opt_b)),
                    experiments_to_target(other[s].regret(opt_b)),
                )
                for s in seeds
            ]
        )
        d = np.array([_difference(x, y) for x, y in pairs])
        fewer, more = int(np.sum(d > 0)), int(np.sum(d < 0))
        finite = d[np.isfinite(pairs).all(axis=1)]
        rows.append(
            f"| {strategy} | {fewer} | {len(seeds) - fewer - more} | {more} | "
            f"{np.median(finite) if len(finite) else math.nan:g} |"
        )
    if rows:
        lines += [
            "",
            "Seed by seed against `B alone` (experiments to target; a censored campaign counts "
            "as later than any that reached the target):",
            "",
            "| strategy | sooner | same | later | median experiments saved (seeds where both "
            "reached) |",
            "|---|---|---|---|---|",
            *rows,
        ]
    lines += [
        "",
        "How to read this: system B is related to A BY CONSTRUCTION (the twin's assumptions: "
        "the same functional form and silica effect, the optimum shifted by 7 vol% and 1.5 h), "
        "so these figures say what the model gains when two systems are that close, not that "
        "real systems are. With two hosts the min-max-scaled host descriptors carry no more "
        "than a label, so `host one-hot` is the same model up to the number of input columns; "
        "descriptors can only help with three or more hosts, where a new host sits between "
        "known ones. `shuffled` is a worst case for unrelated data (A's values permuted among "
        "its recipes: as much data from another host, with no structure at all), i.e. what "
        "data from a system that is not related costs the same model.",
        "",
        f"Wall time of this benchmark: {seconds:.0f} s.",
    ]
    return "\n".join(lines) + "\n"


def _difference(alone: float, other: float) -> float:
    """Experiments saved; both censored is a tie (inf - inf would be NaN)."""
    if math.isinf(alone) and math.isinf(other):
        return 0.0
    return alone - other


def _recipe(best: dict[str, Any]) -> str:
    return f"{best['vol_pct']:g} vol% {best['silica']}, {best['milling_h']:g} h"


def _history_line(campaigns: list[TransferCampaign], opt_a: float) -> str:
    runs = [c for c in campaigns if c.strategy == "A history"]
    if not runs:
        return "- No history of A."
    final = np.array([c.regret(opt_a)[-1] for c in runs])
    return (
        f"- A's histories ({len(runs[0].raw)} batches each) end with the best-measured A recipe "
        f"{np.median(final):.3f} below A's optimum (median over seeds; range "
        f"{final.min():.3f}-{final.max():.3f})."
    )


def run(quick: bool = False, out_dir: Path | None = None) -> str:
    """Run the benchmark; return its markdown section.

    Args:
        quick: Tiny configuration (1 seed, A's history 8 batches, budget 8 on B).
        out_dir: Unused (no plots); kept for the signature every benchmark module shares.
    """
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    start = time.perf_counter()
    n_seeds, budget, n_history, processes = (1, 8, 8, 1) if quick else (N_SEEDS, BUDGET, 30, 2)
    campaigns = run_all(range(n_seeds), budget, n_history, processes)
    text = section(campaigns, n_seeds, budget, n_history, time.perf_counter() - start)
    if quick:
        head, rest = text.split("\n", 1)
        text = f"{head}\n\n{QUICK_NOTE}\n{rest}"
    else:  # the full run (also from `make bench`) refreshes the results file
        (HERE / "RESULTS_transfer.md").write_text(text, encoding="utf-8")
    return text


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny configuration (seconds)")
    args = parser.parse_args(argv)
    print(run(quick=args.quick))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
