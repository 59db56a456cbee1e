"""The benchmarks' tiny configurations run and report their targets (no timing assertions).

Timings belong in ``benchmarks/`` (``make bench``); these tests only check that the benchmark
code works, so that ``make bench`` does not fail after 15 minutes on a broken import.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # `pytest` run without `python -m` (repo root not on the path)
    sys.path.insert(0, str(ROOT))

pytestmark = pytest.mark.slow


def _module(name: str):  # type: ignore[no-untyped-def]
    return importlib.import_module(f"benchmarks.{name}")


def test_accuracy_quick_reports_its_targets(tmp_path: Path) -> None:
    accuracy = _module("accuracy")
    section = accuracy.run(quick=True, out_dir=tmp_path)
    assert section.startswith("## Model accuracy")
    assert "lowest RMSE of the three" in section
    assert "coverage95 in [90 %, 98 %]" in section
    for model in ("matdoe GP", "sklearn GP (default)", "random forest"):
        assert f"| 20 | {model} |" in section
    assert (tmp_path / "accuracy_rmse_coverage.png").stat().st_size > 0


def test_latency_quick_reports_its_targets(tmp_path: Path) -> None:
    latency = _module("latency")
    section = latency.run(quick=True, out_dir=tmp_path)
    assert section.startswith("## Latency and scale")
    for target in (
        '`matdoe --help` ≤ 1.5× `python -c "import typer"`',
        "`matdoe sample add` ≤ 1.5×",
        "≤ 2.0× the import floor",
        "< 30 s",
        "of 100 000 sample rows ≤ 60 s",
        "`matdoe sample list --format csv` over them ≤ 5 s",
    ):
        assert target in section
    assert "not judged (quick run)" in section
    assert (tmp_path / "latency_overview.png").stat().st_size > 0


def test_doe_quick_reports_its_targets() -> None:
    doe = _module("doe")
    section = doe.run(quick=True)
    assert isinstance(section, str)
    # The closed-loop benchmark's targets are stated against Optuna TPE, GPSampler and random.
    text = section.lower()
    for peer in ("tpe", "optuna-gp", "random"):
        assert peer in text


def test_floor_modules_follow_importtime_nesting() -> None:
    from benchmarks.latency import ImportRecord, floor_modules

    # -X importtime order: children first, then their importer one level up.
    records = [
        ImportRecord("numpy", 2, 10, 10),
        ImportRecord("scipy.optimize._minimize", 2, 5, 5),
        ImportRecord("matdoe.surrogate", 1, 1, 16),
        ImportRecord("json", 1, 1, 1),
        ImportRecord("pandas.core", 2, 3, 3),
        ImportRecord("pandas", 1, 1, 4),  # imported by a third-party package...
        ImportRecord("seaborn", 0, 1, 5),  # ...itself loaded at run time
        ImportRecord("matdoe.cli", 0, 1, 18),
    ]
    assert floor_modules(records) == ["numpy", "scipy.optimize", "seaborn"]


def test_bounds_are_never_rounded_in_the_projects_favour() -> None:
    from benchmarks import fmt_bound, fmt_pct_bound

    assert fmt_bound(1.5004, 1.5) == "1.5004"
    assert fmt_bound(1.4996, 1.5) == "1.4996"
    assert fmt_bound(1.23, 1.5) == "1.23"
    assert fmt_pct_bound(0.8996, 0.90) == "89.96 %"
    assert fmt_pct_bound(0.98004, 0.98) == "98.004 %"


def test_reliability_quick_reports_its_targets() -> None:
    reliability = _module("reliability")
    section = reliability.run(quick=True)
    assert section.startswith("## Reliability at scale")
    assert "| SQLite | 500 |" in section
    assert "not judged (quick run)" in section
    assert "Four imports started at once" in section and "exit codes [0, 0, 0, 0]" in section
    assert "| mask_url |" in section


def test_calibration_quick_reports_its_target() -> None:
    calibration = _module("calibration")
    section = calibration.run(quick=True)
    assert "Quick configuration" in section
    assert "| 16 × 4 |" in section and "coverage in [90 %, 98 %]" in section
    assert "bootstrap interval over the data sets" in section


def test_calibration_bootstrap_brackets_the_pooled_coverage() -> None:
    import numpy as np
    import pandas as pd

    calibration = _module("calibration")
    rng = np.random.default_rng(0)
    r = pd.DataFrame(
        {
            "coverage": rng.uniform(0.8, 1.0, 12),
            **{f"third{k}": rng.uniform(0.7, 1.0, 12) for k in range(3)},
            **{f"count{k}": rng.integers(10, 30, 12) for k in range(3)},
        }
    )
    cells = calibration.pooled_cells(r)
    low, high = calibration.bootstrap_cells(r, np.random.default_rng(1), n=300)
    assert np.all(low < cells) and np.all(np.asarray(cells) < high)
    same = pd.concat([r.iloc[:1]] * 5, ignore_index=True)
    low1, high1 = calibration.bootstrap_cells(same, np.random.default_rng(2), n=50)
    np.testing.assert_allclose(low1, high1)


def test_peers_score_matdoe_and_random_on_a_pool() -> None:
    peers = _module("peers")
    runs = peers.run_all(
        [("pool-friedman5", "matdoe", 0, 6), ("pool-friedman5", "random", 0, 6)], processes=1
    )
    assert all(len(r.raw) == 6 for r in runs)
    section = peers.section(runs, ["pool-friedman5"], ["matdoe", "random"], 1, 6, 1.0)
    assert "| pool-friedman5 | 0.05 | **matdoe** |" in section
    assert "Mean rank over problems" in section


def test_multiobjective_campaigns_return_growing_hypervolume_fractions() -> None:
    multi = _module("multiobjective")
    for problem in multi.PROBLEMS:
        for strategy in multi.STRATEGIES:
            c = multi.run_campaign(problem, strategy, 4, 0, 6)
            assert c.raw.shape == (6, len(multi.get_problem(problem).space.parameters))
            hv = c.hv_fraction
            assert len(hv) == 6
            assert np.all(np.diff(hv) >= -1e-12)  # a front never loses hypervolume
            assert np.all((hv >= 0) & (hv <= 1 + 1e-9))  # never above the grid's best front


def test_multiobjective_quick_section_names_every_strategy() -> None:
    multi = _module("multiobjective")
    section = multi.run(quick=True)
    assert section.startswith("## Two objectives")
    for strategy in multi.STRATEGIES:
        assert f"| {strategy} |" in section or f"| **{strategy}** |" in section
    assert "does better on these runs" in section


def test_transfer_seed_runs_every_strategy_on_system_b() -> None:
    transfer = _module("transfer")
    from matdoe.simulate import RELATED_HOST, DigitalTwin

    runs = transfer.run_seed(0, budget=5, n_history=6)
    assert {c.strategy for c in runs} == {"A history", *transfer.STRATEGIES}
    _, optimum = DigitalTwin.related().optimum()
    b = transfer.system_problem(RELATED_HOST)
    for c in runs:
        assert len(c.raw) == (6 if c.strategy == "A history" else 5)
        if c.strategy != "A history":
            assert np.allclose(c.true, b.truth(c.raw))
            assert np.all(c.regret(optimum) >= -1e-9)
    space = transfer.host_space(["Na2B12H12", RELATED_HOST])
    # Host descriptors come from the catalogue files (transition temperatures with sources).
    assert space["host"].descriptors["Na2B12H12"]["transition_k"] == 529.0
    assert space["host"].descriptors[RELATED_HOST]["transition_k"] == 380.0


def test_centre_note_sets_ax_with_and_without_its_centre_start_beside_matdoe() -> None:
    peers = _module("peers")
    problem = peers.get_problem("hartmann6")
    rng = np.random.default_rng(0)
    runs = []
    for k, strategy in enumerate(("matdoe", "ax", peers.AX_NO_CENTRE)):
        raw = rng.random((12, 6))
        raw[0] = 0.5  # Ax's first trial: the centre
        true = problem.truth(raw)
        true[-1] = problem.optimum - 0.1 * (k + 1)  # final regret 0.1, 0.2, 0.3
        runs.append(peers.Run("hartmann6", strategy, 0, raw, true, true, 1.0))
    note = peers.centre_note(runs, ["hartmann6"], 12)
    # Hartmann-6 at the centre of the unit cube (x = 0.5 in every input) is 0.505.
    row = next(line for line in note.splitlines() if line.startswith("| hartmann6 |"))
    assert row.startswith("| hartmann6 | 0.505 (")
    finals = [cell.split(" / ")[1] for cell in row.removesuffix(" |").split(" | ")[2:]]
    assert finals == ["0.100 (1 seeds)", "0.200 (1 seeds)", "0.300 (1 seeds)"]


def test_paired_difference_pairs_regrets_by_seed() -> None:
    peers = _module("peers")
    problem = peers.get_problem("hartmann6")
    raw = np.full((10, 6), 0.5)
    runs = []
    # matdoe's regret after 10 experiments 0.1, 0.3, 0.5 on seeds 0-2; Ax's 0.2 on every seed.
    for seed, (mine, theirs) in enumerate(((0.1, 0.2), (0.3, 0.2), (0.5, 0.2))):
        for strategy, regret in (("matdoe", mine), ("ax", theirs)):
            true = np.full(10, problem.optimum - regret)
            runs.append(peers.Run("hartmann6", strategy, seed, raw, true, true, 1.0))
    text = peers.paired_difference(runs, "hartmann6", 9)
    # differences -0.1, +0.1, +0.3: mean +0.1, sd 0.2, 2 s.e. = 0.4 / sqrt(3) = 0.231
    assert "matdoe minus ax: +0.100 ± 0.231 (2 s.e., 3 seeds" in text
    assert "from -0.10 to +0.30" in text
    assert peers.paired_difference(runs[:4], "hartmann6", 9) == ""  # fewer than 3 seeds
