"""Latency and scale of the ``matdoe`` command line, each figure next to a floor from the same run.

Every time is the wall time of a subprocess (``time.perf_counter`` around ``subprocess.run``),
the median of several runs. A command and its floor are run alternately (floor, command, floor,
command, ...) after one untimed warm-up of each, so both see the same machine load and file cache.

Floors:

* ``matdoe --help``: ``python -c "import typer"``.
* every other command: ``python -c "import <modules>"`` where ``<modules>`` are the third-party
  modules the command itself loads, found with ``python -X importtime``: those imported directly
  by a matdoe module, or at run time from inside a command. matdoe's own modules are not in the
  floor: their import time is part of what is measured.

Databases are SQLite files in a temporary folder, filled with SIMULATED digital-twin data through
``matdoe sample import`` (one sample per row, one impedance measurement each, at one of 30, 35,
..., 60 °C). ``matdoe suggest`` writes its suggestions, so each timed run gets a fresh copy of the
database (the copy is not timed).
"""

from __future__ import annotations

import contextlib
import io
import itertools
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from benchmarks import HERE, QUICK_NOTE, fmt_bound, output_dir, yes

REPO = HERE.parent
MATERIALS_FILE = REPO / "data" / "paper" / "materials.yaml"
TEMPERATURES_C = (30.0, 35.0, 40.0, 45.0, 50.0, 55.0, 60.0)

HELP_RATIO = 1.5
ADD_RATIO = 1.5
SUGGEST_RATIO = 2.0
SUGGEST_RATIO_AT = 200
SUGGEST_LARGE_S = 30.0
IMPORT_S = 60.0
LIST_S = 5.0


@dataclass(frozen=True)
class Config:
    repeats: int
    warmup: bool
    suggest_sizes: tuple[int, ...]
    big_rows: int


FULL = Config(repeats=5, warmup=True, suggest_sizes=(50, 200, 1000, 5000), big_rows=100_000)
QUICK = Config(repeats=1, warmup=False, suggest_sizes=(20,), big_rows=500)


# ---------------------------------------------------------------------------------- running
def matdoe_command() -> list[str]:
    """The ``matdoe`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("matdoe")
    if script.is_file():
        return [sys.executable, str(script)]
    return [sys.executable, "-c", "import sys; from matdoe.cli import main; sys.exit(main())"]


def _env(db: Path | None) -> dict[str, str]:
    # Time what a user's second run costs: bytecode cached (some shells and IDEs set
    # PYTHONDONTWRITEBYTECODE, which would make every run recompile matdoe's sources).
    skip = ("MATDOE_DEBUG", "MATDOE_DB", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in skip}
    if db is not None:
        env["MATDOE_DB"] = f"sqlite:///{db}"
    return env


def call(cmd: Sequence[str], env: dict[str, str], cwd: Path) -> float:
    """Wall time of one run, in seconds; a failing command is an error."""
    t0 = time.perf_counter()
    done = subprocess.run(list(cmd), env=env, cwd=cwd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(
            f"benchmark command failed ({done.returncode}): {' '.join(cmd[1:])}\n{done.stderr}"
        )
    return elapsed


@dataclass
class Timing:
    """Medians of a command and its floor, with every run kept."""

    command: list[float] = field(default_factory=list)
    floor: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.command)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor) if self.floor else float("nan")

    @property
    def ratio(self) -> float:
        return self.median / self.floor_median


def timed_pair(
    cmd: Sequence[str],
    floor: Sequence[str] | None,
    env: dict[str, str],
    cwd: Path,
    cfg: Config,
    before: Callable[[], None] | None = None,
) -> Timing:
    """Alternate floor and command ``cfg.repeats`` times; ``before`` runs untimed before each."""
    out = Timing()
    if cfg.warmup:
        if floor is not None:
            call(floor, env, cwd)
        if before is not None:
            before()
        call(cmd, env, cwd)
    for _ in range(cfg.repeats):
        if floor is not None:
            out.floor.append(call(floor, env, cwd))
        if before is not None:
            before()
        out.command.append(call(cmd, env, cwd))
    return out


# --------------------------------------------------------------------------------- profiles
@dataclass(frozen=True)
class ImportRecord:
    name: str
    level: int
    self_us: int
    cumulative_us: int


def import_records(args: Sequence[str], env: dict[str, str], cwd: Path) -> list[ImportRecord]:
    """``python -X importtime`` of a matdoe command, one record per imported module."""
    cmd = [sys.executable, "-X", "importtime", *matdoe_command()[1:], *args]
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"importtime run failed: {' '.join(args)}\n{done.stderr[-2000:]}")
    records = []
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        head, cumulative_us, name = line.split("|")
        self_us = head.split(":")[1]
        stripped = name.lstrip(" ")
        level = (len(name) - len(stripped) - 1) // 2
        records.append(ImportRecord(stripped, level, int(self_us), int(cumulative_us)))
    return records


def floor_modules(records: list[ImportRecord]) -> list[str]:
    """Third-party modules imported by matdoe modules or at run time (see the module docstring).

    Names are cut to ``package.subpackage`` and before the first private part, so the floor can
    miss a deeper module that is loaded (e.g. ``sqlalchemy.dialects.sqlite`` becomes
    ``sqlalchemy.dialects``): if anything, the floor is a little low and the ratio a little high.

    ``-X importtime`` prints a module after everything it imported, indented one level deeper,
    so a record's importer is the next record with a smaller indent.
    """
    stdlib = sys.stdlib_module_names
    found: list[str] = []
    for i, rec in enumerate(records):
        root = rec.name.split(".")[0]
        if root == "matdoe" or root in stdlib or root.startswith("_"):
            continue
        parent = next((r for r in records[i + 1 :] if r.level < rec.level), None)
        if parent is not None and parent.name.split(".")[0] != "matdoe":
            continue
        # Public names only, at most package.subpackage: scipy's lazily loaded submodules show
        # up one by one (scipy.optimize._minimize, ...), and `import scipy.optimize` loads them.
        parts = rec.name.split(".")[:2]
        public = ".".join(p for p in itertools.takewhile(lambda p: not p.startswith("_"), parts))
        if public not in found:
            found.append(public)
    # `import a.b` imports `a`: keep only the most specific names.
    return [m for m in found if not any(o.startswith(m + ".") for o in found)]


def import_floor(modules: Sequence[str]) -> list[str]:
    return [sys.executable, "-c", "import " + ", ".join(modules)]


def importtime_top(records: list[ImportRecord], n: int = 15) -> str:
    """The slowest imports (cumulative), down to two levels below the top, as a text table."""
    rows = sorted((r for r in records if r.level <= 2), key=lambda r: -r.cumulative_us)[:n]
    lines = [f"{'cumulative ms':>13}  {'self ms':>8}  module"]
    lines += [
        f"{r.cumulative_us / 1000:13.1f}  {r.self_us / 1000:8.1f}  {'  ' * r.level}{r.name}"
        for r in rows
    ]
    return "\n".join(lines)


# Import machinery, module bodies and the typer/click dispatch say "importing" or "calling",
# not where the time goes: left out of the listings.
_NOISE = (
    "<frozen importlib",
    "(<module>)",
    "builtins.exec}",
    "builtins.__import__}",
    "/typer/",
    "/click/",
)
_SITE = re.compile(r"(?<!\S)\S*/(?:site-packages|src|lib/python3\.\d+)/")
_ABSOLUTE = re.compile(r"(?<!\S)/\S*/(?=[^/\s]+:\d+\()")


def _short(line: str) -> str:
    """A pstats line with machine paths cut to the package-relative path."""
    return _ABSOLUTE.sub("", _SITE.sub("", line))


def cprofile_top(args: Sequence[str], env: dict[str, str], cwd: Path, n: int = 15) -> str:
    """cProfile of one run of a matdoe command: top functions by cumulative and by own time."""
    prof = cwd / "profile.out"
    cmd = [sys.executable, "-m", "cProfile", "-o", str(prof), *matdoe_command()[1:], *args]
    done = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        return f"(profiling failed: {done.stderr[-500:]})"
    parts = []
    for key, title in (("cumulative", "by cumulative time"), ("tottime", "by own time")):
        buffer = io.StringIO()
        pstats.Stats(str(prof), stream=buffer).sort_stats(key).print_stats(6 * n)
        text = buffer.getvalue()
        lines = text[text.find("   ncalls") :].splitlines()
        keep = [ln for ln in lines[1:] if ln.strip() and not any(s in ln for s in _NOISE)]
        parts.append(f"top {n} {title}:\n{lines[0]}\n" + "\n".join(_short(ln) for ln in keep[:n]))
    prof.unlink()
    return "\n\n".join(parts)


# ------------------------------------------------------------------------------------- data
def write_twin_csv(path: Path, n: int, seed: int) -> None:
    """``n`` SIMULATED samples (random recipes of the default space), one measurement each."""
    import pandas as pd

    from matdoe.simulate import DigitalTwin, default_space

    space = default_space()
    rng = np.random.default_rng(seed)
    recipes = space.from_raw(space.snap_raw(space.sample_raw(n, rng, method="random")))
    recipes.index = [f"TW{seed}-{i:06d}" for i in range(n)]
    which = rng.integers(len(TEMPERATURES_C), size=n)
    twin = DigitalTwin()
    parts = [
        twin.measure(recipes[which == k], [t], random_state=rng)
        for k, t in enumerate(TEMPERATURES_C)
    ]
    data = pd.concat(parts).loc[recipes.index]
    sigma = data["sigma_s_cm"].to_numpy(float)
    table = pd.DataFrame(
        {
            "label": data.index,
            "host": "Na2B12H12",
            "scaffold": data["silica"].to_numpy(),
            "scaffold_vol_pct": data["vol_pct"].to_numpy(float),
            "milling_h": data["milling_h"].to_numpy(float),
            "temperature_k": data["temperature_c"].to_numpy(float) + 273.15,
            "sigma_s_cm": sigma,
            "sigma_std_s_cm": sigma * np.log(10) * data["log10_sigma_std"].to_numpy(float),
            "source": "simulated",
        }
    )
    table.to_csv(path, index=False)


def make_template(folder: Path) -> Path:
    """An initialised database with the paper's material catalogue and nothing else."""
    db = folder / "template.db"
    env = _env(db)
    cmd = matdoe_command()
    call([*cmd, "init"], env, folder)
    call([*cmd, "material", "import", str(MATERIALS_FILE)], env, folder)
    return db


# ----------------------------------------------------------------------------------- report
@dataclass
class Row:
    target: str
    measured: str
    met: bool


def _fmt_s(seconds: float) -> str:
    return f"{seconds:.3f} s" if seconds < 10 else f"{seconds:.1f} s"


def _runs(t: Timing) -> str:
    fl = ", ".join(f"{v:.3f}" for v in t.floor)
    cm = ", ".join(f"{v:.3f}" for v in t.command)
    return f"command [{cm}] s" + (f"; floor [{fl}] s" if t.floor else "")


def _plot(ratios: dict[str, tuple[float, float]], suggest: dict[int, Timing], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4.2), layout="constrained")
    ax_ratio, ax_scale = fig.subplots(1, 2, width_ratios=[1, 1.3])
    names = list(ratios)
    values = [ratios[k][0] for k in names]
    limits = [ratios[k][1] for k in names]
    colors = ["tab:green" if v <= lim else "tab:red" for v, lim in zip(values, limits, strict=True)]
    ax_ratio.bar(range(len(names)), values, color=colors)
    for i, lim in enumerate(limits):
        ax_ratio.hlines(lim, i - 0.4, i + 0.4, colors="k", linestyles="--")
    ax_ratio.axhline(1.0, color="grey", lw=0.8)
    ax_ratio.set_xticks(range(len(names)))
    ax_ratio.set_xticklabels(names, fontsize=8)
    ax_ratio.set_ylabel("median wall time / median floor")
    ax_ratio.set_title("Start-up cost over the import floor (dashed: target)")
    sizes = sorted(suggest)
    med = np.array([suggest[n].median for n in sizes])
    lo = np.array([min(suggest[n].command) for n in sizes])
    hi = np.array([max(suggest[n].command) for n in sizes])
    floor = np.array([suggest[n].floor_median for n in sizes])
    ax_scale.errorbar(sizes, med, yerr=[med - lo, hi - med], marker="o", capsize=3,
                      label="matdoe suggest -n 4 (median, min-max)")  # fmt: skip
    ax_scale.plot(sizes, floor, "s--", color="grey", label="import floor of its libraries")
    ax_scale.plot(sizes, SUGGEST_RATIO * floor, ":", color="grey", label="2 × floor")
    ax_scale.axhline(SUGGEST_LARGE_S, color="tab:red", ls="--", label="30 s")
    ax_scale.set_xscale("log")
    ax_scale.set_yscale("log")
    ax_scale.set_xticks(sizes, [str(n) for n in sizes])
    ax_scale.set_xticks([], minor=True)
    ticks = [
        t for t in (0.5, 1, 2, 5, 10, 20, 30, 60) if 0.5 * med.min() <= t <= 1.5 * max(hi.max(), 30)
    ]
    ax_scale.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax_scale.set_yticks([], minor=True)
    ax_scale.set_xlabel("conductivities in the database (SIMULATED)")
    ax_scale.set_ylabel("wall time, s")
    ax_scale.set_title("matdoe suggest vs database size")
    ax_scale.legend(fontsize=8)
    fig.savefig(path, dpi=110)


def run(quick: bool = False, out_dir: Path | None = None) -> str:
    """Run the latency benchmark; return its markdown section (plot saved to ``out_dir``).

    ``out_dir`` defaults to ``benchmarks/`` for the full run and a temporary folder for quick.
    """
    from matdoe.surrogate import GPSurrogate

    cfg = QUICK if quick else FULL
    started = time.perf_counter()
    load_before = os.getloadavg()
    cmd = matdoe_command()
    rows: list[Row] = []
    profiles: list[str] = []
    notes: list[str] = []
    ratios: dict[str, tuple[float, float]] = {}
    with tempfile.TemporaryDirectory(prefix="matdoe-latency-") as tmp:
        folder = Path(tmp)
        template = make_template(folder)

        # --help ---------------------------------------------------------------------------
        floor_help = [sys.executable, "-c", "import typer"]
        t_help = timed_pair([*cmd, "--help"], floor_help, _env(None), folder, cfg)
        met = t_help.ratio <= HELP_RATIO
        rows.append(
            Row(
                f'`matdoe --help` ≤ {HELP_RATIO}× `python -c "import typer"`',
                f"{fmt_bound(t_help.ratio, HELP_RATIO)}× ({_fmt_s(t_help.median)} vs "
                f"{_fmt_s(t_help.floor_median)}; {_runs(t_help)})",
                met,
            )
        )
        ratios["--help"] = (t_help.ratio, HELP_RATIO)
        if not met and not quick:
            records = import_records(["--help"], _env(None), folder)
            profiles.append(
                "#### `matdoe --help`: slowest imports (`python -X importtime`)\n\n```\n"
                + importtime_top(records)
                + "\n```"
            )

        # sample add -----------------------------------------------------------------------
        db_add = folder / "add.db"
        shutil.copy(template, db_add)
        env_add = _env(db_add)
        counter = iter(range(10_000))

        def add_args() -> list[str]:
            return ["sample", "add", "--label", f"B-{next(counter)}", "--host", "Na2B12H12", "--silica", "A200",
                    "--vol", "35", "--milling", "4h"]  # fmt: skip

        add_mods = floor_modules(import_records(add_args(), env_add, folder))
        floor_add = import_floor(add_mods)
        # A new label per run: the command list is rebuilt by a tiny wrapper.
        t_add = Timing()
        if cfg.warmup:
            call(floor_add, env_add, folder)
            call([*cmd, *add_args()], env_add, folder)
        for _ in range(cfg.repeats):
            t_add.floor.append(call(floor_add, env_add, folder))
            t_add.command.append(call([*cmd, *add_args()], env_add, folder))
        met = t_add.ratio <= ADD_RATIO
        rows.append(
            Row(
                f"`matdoe sample add` ≤ {ADD_RATIO}× the import floor of its libraries",
                f"{fmt_bound(t_add.ratio, ADD_RATIO)}× ({_fmt_s(t_add.median)} vs "
                f"{_fmt_s(t_add.floor_median)}; {_runs(t_add)})",
                met,
            )
        )
        ratios["sample add"] = (t_add.ratio, ADD_RATIO)
        notes.append(f'`sample add` floor: `python -c "import {", ".join(add_mods)}"`')
        if not met and not quick:
            records = import_records(add_args(), env_add, folder)
            profiles.append(
                "#### `matdoe sample add`: slowest imports (`python -X importtime`)\n\n```\n"
                + importtime_top(records)
                + "\n```\n\ncProfile of one run:\n\n```\n"
                + cprofile_top(add_args(), env_add, folder)
                + "\n```"
            )

        # suggest -n 4 at several database sizes --------------------------------------------
        suggest_args = ["suggest", "-n", "4"]
        suggest: dict[int, Timing] = {}
        suggest_mods: list[str] = []
        for n in cfg.suggest_sizes:
            base = folder / f"suggest_{n}.db"
            shutil.copy(template, base)
            csv_path = folder / f"twin_{n}.csv"
            write_twin_csv(csv_path, n, seed=n)
            call([*cmd, "sample", "import", str(csv_path)], _env(base), folder)
            run_db = folder / "suggest_run.db"
            env_run = _env(run_db)

            def fresh(base: Path = base, run_db: Path = run_db) -> None:
                shutil.copy(base, run_db)

            if not suggest_mods:
                fresh()
                suggest_mods = floor_modules(import_records(suggest_args, env_run, folder))
            # One warm-up is enough for the whole series (the libraries are then in the cache).
            warm = Config(cfg.repeats, cfg.warmup and n == min(cfg.suggest_sizes), (), 0)
            suggest[n] = timed_pair(
                [*cmd, *suggest_args], import_floor(suggest_mods), env_run, folder, warm, fresh
            )
        notes.append(f'`suggest` floor: `python -c "import {", ".join(suggest_mods)}"`')
        at = SUGGEST_RATIO_AT if SUGGEST_RATIO_AT in suggest else min(suggest)
        t_at = suggest[at]
        met_ratio = t_at.ratio <= SUGGEST_RATIO
        rows.append(
            Row(
                f"`matdoe suggest -n 4` with {at} observations ≤ {SUGGEST_RATIO}× the import "
                "floor of its libraries",
                f"{fmt_bound(t_at.ratio, SUGGEST_RATIO)}× ({_fmt_s(t_at.median)} vs "
                f"{_fmt_s(t_at.floor_median)}; {_runs(t_at)})",
                met_ratio,
            )
        )
        ratios[f"suggest @{at}"] = (t_at.ratio, SUGGEST_RATIO)
        largest = max(suggest)
        t_big = suggest[largest]
        met_big = t_big.median < SUGGEST_LARGE_S
        rows.append(
            Row(
                f"`matdoe suggest -n 4` with {largest} observations < {SUGGEST_LARGE_S:g} s",
                f"{fmt_bound(t_big.median, SUGGEST_LARGE_S, 2, suffix=' s')} "
                f"({t_big.ratio:.2f}× the floor; {_runs(t_big)})",
                met_big,
            )
        )
        missed = ([at] if not met_ratio else []) + ([largest] if not met_big else [])
        if quick:
            missed = []
        for n in dict.fromkeys(missed):
            base = folder / f"suggest_{n}.db"
            shutil.copy(base, folder / "suggest_run.db")
            env_run = _env(folder / "suggest_run.db")
            records = import_records(suggest_args, env_run, folder)
            shutil.copy(base, folder / "suggest_run.db")
            profiles.append(
                f"#### `matdoe suggest -n 4` with {n} observations\n\n"
                "Slowest imports (`python -X importtime`):\n\n```\n"
                + importtime_top(records)
                + "\n```\n\ncProfile of one run:\n\n```\n"
                + cprofile_top(suggest_args, env_run, folder)
                + "\n```"
            )

        # import and list of many samples ----------------------------------------------------
        # Which libraries the commands load does not depend on the size: found on small data.
        small = min(suggest)
        small_db = folder / "small.db"
        shutil.copy(template, small_db)
        small_csv = [str(folder / f"twin_{small}.csv")]
        import_mods = floor_modules(
            import_records(["sample", "import", *small_csv], _env(small_db), folder)
        )
        list_args = ["sample", "list", "--format", "csv"]
        list_mods = floor_modules(import_records(list_args, _env(small_db), folder))
        big_csv = folder / "big.csv"
        write_twin_csv(big_csv, cfg.big_rows, seed=7)
        big_db = folder / "big.db"
        import_args = ["sample", "import", str(big_csv)]

        def fresh_big() -> None:
            shutil.copy(template, big_db)

        env_big = _env(big_db)
        # No warm-up for the slow commands: the CSV was just written (in the page cache).
        slow_cfg = Config(cfg.repeats, False, cfg.suggest_sizes, cfg.big_rows)
        t_import = timed_pair(
            [*cmd, *import_args], import_floor(import_mods), env_big, folder, slow_cfg, fresh_big
        )
        # The last import left big.db filled.
        t_list = timed_pair([*cmd, *list_args], import_floor(list_mods), env_big, folder, slow_cfg)
        size_note = f"{cfg.big_rows:,}".replace(",", " ")
        met_import = cfg.big_rows >= 100_000 and t_import.median <= IMPORT_S
        met_list = cfg.big_rows >= 100_000 and t_list.median <= LIST_S
        rows.append(
            Row(
                f"`matdoe sample import` of 100 000 sample rows ≤ {IMPORT_S:g} s",
                f"{fmt_bound(t_import.median, IMPORT_S, 2, suffix=' s')} for {size_note} rows "
                f"({t_import.ratio:.1f}× its import floor; {_runs(t_import)})",
                met_import,
            )
        )
        rows.append(
            Row(
                f"`matdoe sample list --format csv` over them ≤ {LIST_S:g} s",
                f"{fmt_bound(t_list.median, LIST_S, 3, suffix=' s')} for {size_note} rows "
                f"({t_list.ratio:.1f}× its import floor; {_runs(t_list)})",
                met_list,
            )
        )
        notes.append(f'`sample import` floor: `python -c "import {", ".join(import_mods)}"`')
        notes.append(f'`sample list` floor: `python -c "import {", ".join(list_mods)}"`')
        # list first: it needs the filled database; import needs an empty one.
        for args, t, limit, met_x in (
            (list_args, t_list, LIST_S, met_list),
            (import_args, t_import, IMPORT_S, met_import),
        ):
            if met_x or quick or t.median <= limit:
                continue
            if args is import_args:
                fresh_big()
            profiles.append(
                f"#### `matdoe {' '.join(args[:2])}` over {size_note} rows\n\n"
                "cProfile of one run:\n\n```\n" + cprofile_top(args, env_big, folder) + "\n```"
            )

    out_dir = output_dir(out_dir, quick)
    plot = out_dir / "latency_overview.png"
    _plot(ratios, suggest, plot)
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()

    fit_default = GPSurrogate.__init__.__kwdefaults__ or {}
    lines = ["## Latency and scale of the command line", ""]
    if quick:
        lines += [QUICK_NOTE, ""]
    lines += [
        f"Wall times of subprocesses, median of {cfg.repeats} run(s)"
        + (
            " (one untimed warm-up of each command and floor before the first series; none "
            "before the 100 000-row import and list, whose CSV was just written)"
            if cfg.warmup
            else ""
        )
        + "; each command alternates with its floor so both see the same load. SQLite "
        "databases in a temporary folder, filled with SIMULATED twin data by `matdoe sample "
        f"import`. Load average (1 min) {load_before[0]:.2f} at the start, {load_after[0]:.2f} "
        "at the end of this section (other jobs shared the 2 cores).",
        "",
        "| target | measured | met |",
        "|---|---|---|",
    ]
    lines += [
        f"| {r.target} | {r.measured} | {'not judged (quick run)' if quick else yes(r.met)} |"
        for r in rows
    ]
    lines += ["", "`matdoe suggest -n 4` at every database size:", ""]
    lines += ["| observations | median | min | max | floor median | ratio |"]
    lines += ["|---:|---:|---:|---:|---:|---:|"]
    for n in sorted(suggest):
        t = suggest[n]
        lines.append(
            f"| {n} | {t.median:.3f} s | {min(t.command):.3f} s | {max(t.command):.3f} s | "
            f"{t.floor_median:.3f} s | {t.ratio:.2f}× |"
        )
    lines += [
        "",
        "Large data in the GP (from `matdoe/surrogate.py`): hyperparameters are fitted on at most "
        f"`max_fit_points` = {fit_default.get('max_fit_points')} distinct points drawn at random, "
        f"and the posterior keeps at most `max_exact_points` = "
        f"{fit_default.get('max_exact_points')} distinct points (the best quarter by objective "
        "plus a random draw of the rest); below these sizes the GP is exact.",
        "",
        "Floors (third-party modules the command loads, from `python -X importtime`; matdoe's "
        "own modules excluded):",
        "",
    ]
    lines += [f"- {note}" for note in notes]
    if profiles:
        lines += ["", "### Profiles of the targets not met", ""]
        lines += ["\n\n".join(profiles)]
    lines += [
        "",
        f"Wall time of this section: {elapsed:.0f} s.",
        "",
        f"![latency overview]({plot.name})",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - manual runs
    with contextlib.suppress(KeyboardInterrupt):
        print(run(quick="--quick" in sys.argv))
