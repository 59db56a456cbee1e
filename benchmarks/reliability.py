"""Reliability at scale: import speed and memory against ``pandas.to_sql``, who waits for whom
while a long import or export runs (SQLite and PostgreSQL), and password masking on long text.

Import speed. ``matdoe sample import`` of N SIMULATED twin rows (one sample and one impedance
measurement per row) is timed as a subprocess (wall time, Python start-up included) with its
peak resident memory (``wait4``). The floor is ``pandas.DataFrame.to_sql`` of the same rows into
the same three tables (``sample``, ``measurement`` and the edit history ``revision``): the rows
matdoe stored are read back into DataFrames, and their ``to_sql`` into a fresh copy of the
database is timed in this process (reading and Python start-up not counted), right after the
import, so both see the same machine load.

Concurrency. While a long import (and then a long export) of a database of N samples runs, a
reader (``sample show``) and a short writer (``sample add``) are started in turn, each as soon as
the previous one ended; every latency and exit code is kept. Then four imports of M rows each
are started at once. PostgreSQL runs on ``MATDOE_TEST_POSTGRES_URL`` when set, else on a
throwaway cluster of ``tests/pg.py`` when PostgreSQL is installed.

Masking. ``matdoe.db.engine.mask_url`` on texts of growing length, next to the regular expression
it replaced (which took quadratic time on long runs of URL-like characters).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import HERE, QUICK_NOTE, fmt_bound, yes
from benchmarks.latency import MATERIALS_FILE, matdoe_command, write_twin_csv

TO_SQL_RATIO = 3.0
MEMORY_MB = 300.0
MEMORY_AT = 200_000


@dataclass(frozen=True)
class Config:
    sizes: tuple[int, ...]
    concurrency_rows: int
    parallel_rows: int
    mask_lengths: tuple[int, ...]
    old_mask_lengths: tuple[int, ...]


FULL = Config(
    (100_000, 200_000), 200_000, 60_000, (10_000, 80_000, 640_000), (2_500, 5_000, 10_000)
)
QUICK = Config((500,), 500, 200, (1_000, 8_000), (500, 1_000))


@dataclass
class Run:
    seconds: float
    peak_mb: float
    code: int
    stderr: str


def _env() -> dict[str, str]:
    skip = ("MATDOE_DEBUG", "MATDOE_DB", "PYTHONDONTWRITEBYTECODE")
    return {k: v for k, v in os.environ.items() if k not in skip}


# Linux keeps a process's peak memory across exec, so a child of this (large) process would
# report this process's size: a small launcher starts matdoe and reports its children's peak.
LAUNCHER = (
    "import resource, subprocess, sys; "
    "code = subprocess.call(sys.argv[1:]); "
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
    "sys.exit(code)"
)


def run_matdoe(url: str, *args: str, cwd: Path) -> Run:
    """One ``matdoe --db URL ...`` subprocess: wall time, peak RSS (MB), exit code."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", LAUNCHER, *matdoe_command(), "--db", url, *args],
        cwd=cwd,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    *message, peak_kb = done.stderr.rstrip("\n").split("\n")
    return Run(elapsed, int(peak_kb) / 1024, done.returncode, "\n".join(message))


# ------------------------------------------------------------------------------- databases
class Backend:
    """Fresh databases on SQLite (files in a folder) or on one PostgreSQL server."""

    def __init__(self, name: str, folder: Path, server: str | None = None) -> None:
        self.name, self.folder, self.server = name, folder, server
        self.made: list[str] = []

    def new(self, tag: str) -> str:
        if self.server is None:
            return f"sqlite:///{self.folder / f'{tag}.db'}"
        import sqlalchemy as sa
        from sqlalchemy.engine import make_url

        name = f"matdoe_bench_{tag}_{os.getpid()}"
        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        admin.dispose()
        self.made.append(name)
        return make_url(self.server).set(database=name).render_as_string(hide_password=False)

    def template(self, tag: str) -> str:
        """A new database with matdoe's schema and the paper's material catalogue."""
        url = self.new(tag)
        for args in (["init"], ["material", "import", str(MATERIALS_FILE)]):
            done = run_matdoe(url, *args, cwd=self.folder)
            if done.code:
                raise RuntimeError(f"{args}: {done.stderr}")
        return url

    def drop_all(self) -> None:
        if self.server is None:
            return
        import sqlalchemy as sa

        admin = sa.create_engine(self.server, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            for name in self.made:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextlib.contextmanager
def postgres_server() -> Iterator[str | None]:
    """The URL of a PostgreSQL server for the benchmark, or None when there is none."""
    url = os.environ.get("MATDOE_TEST_POSTGRES_URL")
    if url:
        yield url
        return
    tests = HERE.parent / "tests"
    sys.path.insert(0, str(tests))
    try:
        import pg  # tests/pg.py: a throwaway cluster

        if pg.find_binary("initdb") is None:
            yield None
            return
        with pg.cluster() as started:
            yield started
    finally:
        sys.path.remove(str(tests))


# ---------------------------------------------------------------------------- import speed
def to_sql_seconds(source: str, target: str, *, typed: bool = True) -> float:
    """``to_sql`` of the rows ``source`` holds in sample, measurement and revision, into
    ``target`` (the same schema, no samples yet): seconds of the to_sql calls alone.

    ``typed``: the values as matdoe holds them (datetimes, JSON as Python objects) written with
    the schema's column types, as matdoe writes them. Untyped: the stored text as it is, with
    the column types pandas infers (SQLite only: PostgreSQL refuses text for its numbers).
    """
    import pandas as pd
    import sqlalchemy as sa

    from matdoe.db.models import Base

    read = sa.create_engine(source)
    frames = {}
    with read.connect() as connection:
        for name in ("sample", "measurement", "revision"):
            table = Base.metadata.tables[name]
            query = sa.select(table)
            if name == "revision":
                query = query.where(table.c.table_name.in_(("sample", "pellet", "measurement")))
            if typed:
                result = connection.execute(query)
            else:  # the stored text, no result processing
                sql = f"SELECT * FROM {name}"
                if name == "revision":
                    sql += " WHERE table_name IN ('sample', 'pellet', 'measurement')"
                result = connection.exec_driver_sql(sql)
            frames[name] = pd.DataFrame(result.all(), columns=list(result.keys()))
    read.dispose()
    # Column types from the schema: a column of None alone would otherwise go as text.
    types = {name: {c.name: c.type for c in Base.metadata.tables[name].columns} for name in frames}
    write = sa.create_engine(target)
    started = time.perf_counter()
    with write.begin() as connection:
        for table, frame in frames.items():
            frame.to_sql(
                table, connection, if_exists="append", index=False,
                dtype=types[table] if typed else None,
            )  # fmt: skip
    elapsed = time.perf_counter() - started
    write.dispose()
    return elapsed


@dataclass
class SpeedRow:
    backend: str
    rows: int
    matdoe: Run
    floor_s: float
    untyped_s: float | None

    @property
    def ratio(self) -> float:
        return self.matdoe.seconds / self.floor_s


def import_speed(backend: Backend, sizes: tuple[int, ...]) -> list[SpeedRow]:
    out = []
    for n in sizes:
        csv_path = backend.folder / f"twin_{n}.csv"
        if not csv_path.exists():
            write_twin_csv(csv_path, n, seed=n)
        url = backend.template(f"speed{n}")
        done = run_matdoe(url, "sample", "import", str(csv_path), cwd=backend.folder)
        if done.code:
            raise RuntimeError(f"import of {n} rows failed: {done.stderr}")
        floor = to_sql_seconds(url, backend.template(f"floor{n}"))
        untyped = None
        if backend.server is None:
            untyped = to_sql_seconds(url, backend.template(f"plain{n}"), typed=False)
        out.append(SpeedRow(backend.name, n, done, floor, untyped))
    return out


# ----------------------------------------------------------------------------- concurrency
@dataclass
class Probe:
    kind: str
    seconds: float
    code: int


def probes_during(process: subprocess.Popen[str], url: str, cwd: Path, tag: str) -> list[Probe]:
    """A reader and a writer in turn, each started when the previous ended, while ``process``
    runs (and one of each after it, so that short runs are probed too)."""
    out: list[Probe] = []
    count = 0
    while True:
        finished = process.poll() is not None
        for kind, args in (
            ("reader", ["sample", "show", "TW7-000001"]),
            ("writer", ["sample", "add", "--label", f"W-{tag}-{count}", "--host", "Na2B12H12"]),
        ):
            done = run_matdoe(url, *args, cwd=cwd)
            out.append(Probe(kind, done.seconds, done.code))
            count += 1
        if finished:
            return out


def _start(url: str, *args: str, cwd: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [*matdoe_command(), "--db", url, *args],
        cwd=cwd,
        env=_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@dataclass
class Episode:
    backend: str
    what: str
    seconds: float
    code: int
    probes: list[Probe]


def concurrency(backend: Backend, rows: int, parallel_rows: int) -> tuple[list[Episode], Any]:
    folder = backend.folder
    base_csv = folder / f"base_{rows}.csv"
    write_twin_csv(base_csv, rows, seed=7)
    more_csv = folder / f"more_{rows}.csv"
    write_twin_csv(more_csv, rows, seed=8)
    url = backend.template("busy")
    done = run_matdoe(url, "sample", "import", str(base_csv), cwd=folder)
    if done.code:
        raise RuntimeError(done.stderr)
    episodes = []
    for what, args in (
        (f"import of {rows:,} rows into {rows:,} samples", ["sample", "import", str(more_csv)]),
        (f"export (JSON) of {2 * rows:,} samples", ["export", str(folder / "big.json")]),
    ):
        started = time.perf_counter()
        process = _start(url, *args, cwd=folder)
        probes = probes_during(process, url, folder, what.split()[0])
        _, stderr = process.communicate()
        code = process.returncode
        episodes.append(Episode(backend.name, what, time.perf_counter() - started, code, probes))
        if code:
            raise RuntimeError(f"{what} failed: {stderr}")
    # Four imports at once into one database.
    parallel = backend.template("parallel")
    files = []
    for k in range(4):
        path = folder / f"part{k}_{parallel_rows}.csv"
        write_twin_csv(path, parallel_rows, seed=100 + k)
        files.append(path)
    started = time.perf_counter()
    processes = [_start(parallel, "sample", "import", str(p), cwd=folder) for p in files]
    results = [(p.communicate()[1], p.returncode) for p in processes]
    together = (time.perf_counter() - started, [code for _, code in results], results)
    return episodes, together


# --------------------------------------------------------------------------------- masking
OLD_MASK = re.compile(r"(?P<head>[a-zA-Z0-9+.-]+://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<tail>@)")


def _best_of(function: Any, text: str, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        function(text)
        times.append(time.perf_counter() - started)
    return min(times)


def masking(cfg: Config) -> list[tuple[str, str, int, float]]:
    from matdoe.db.engine import mask_url

    out = []
    for n in cfg.mask_lengths:
        out.append(("mask_url", "a label of n letters", n, _best_of(mask_url, "a" * n)))
        many = "db://u:" * (n // 7)  # a "://" and a "user:" every 7 characters
        out.append(("mask_url", "'db://u:' repeated", len(many), _best_of(mask_url, many)))
    for n in cfg.old_mask_lengths:
        old = _best_of(lambda t: OLD_MASK.sub("***", t), "a" * n)
        out.append(("old regex", "a label of n letters", n, old))
    return out


# ---------------------------------------------------------------------------------- report
def _probe_summary(probes: list[Probe], kind: str) -> str:
    chosen = [p for p in probes if p.kind == kind]
    if not chosen:
        return "none"
    failed = sum(p.code != 0 for p in chosen)
    times = [p.seconds for p in chosen]
    return (
        f"{len(chosen)} run, {failed} failed; median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s"
    )


def run(quick: bool = False, out_dir: Path | None = None) -> str:
    cfg = QUICK if quick else FULL
    started = time.perf_counter()
    load_before = os.getloadavg()
    speed: list[SpeedRow] = []
    episodes: list[Episode] = []
    parallel: dict[str, Any] = {}
    notes: list[str] = []
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="matdoe-rel-")))
        backends = [Backend("SQLite", folder / "sqlite")]
        server = stack.enter_context(postgres_server())
        if server is not None:
            backends.append(Backend("PostgreSQL", folder / "postgres", server))
        else:
            notes.append("PostgreSQL: no server and no PostgreSQL installed; not measured.")
        for backend in backends:
            backend.folder.mkdir()
            stack.callback(backend.drop_all)
            speed += import_speed(backend, cfg.sizes)
            found, together = concurrency(backend, cfg.concurrency_rows, cfg.parallel_rows)
            episodes += found
            parallel[backend.name] = together
            shutil.rmtree(backend.folder, ignore_errors=True)
    masked = masking(cfg)
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()

    lines = ["## Reliability at scale: imports, concurrency, masking", ""]
    if quick:
        lines += [QUICK_NOTE, ""]
    lines += [
        "SIMULATED twin rows (one sample and one impedance measurement each). Load average "
        f"(1 min) {load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end of this "
        "section (other jobs shared the 2 cores).",
        "",
        "### Import speed and memory against `pandas.to_sql` of the same rows",
        "",
        "`matdoe sample import` wall time (a subprocess, Python start-up included) and peak "
        "memory, against the `to_sql` calls alone (in-process) that write the rows matdoe "
        "stored into the same tables: `sample`, `measurement`, and `revision` (edit history). "
        "The target's floor writes the values as matdoe holds them with the schema's column "
        "types (datetimes, JSON), as matdoe does; the untyped floor (SQLite) writes the stored "
        "text with the types pandas infers, a lighter job shown for comparison.",
        "",
        "| backend | rows | matdoe import | peak memory | to_sql | ratio | ≤ 3× | memory target "
        "| to_sql untyped | ratio |",
        "|---|---:|---:|---:|---:|---:|---|---|---:|---:|",
    ]
    for row in speed:
        ratio_ok = row.ratio <= TO_SQL_RATIO
        memory = (
            yes(row.matdoe.peak_mb < MEMORY_MB) + f" (< {MEMORY_MB:g} MB)"
            if row.rows >= MEMORY_AT
            else "—"
        )
        lines.append(
            f"| {row.backend} | {row.rows:,} | {row.matdoe.seconds:.2f} s | "
            f"{row.matdoe.peak_mb:.0f} MB | {row.floor_s:.2f} s | "
            f"{fmt_bound(row.ratio, TO_SQL_RATIO)}× | "
            f"{'not judged (quick run)' if quick else yes(ratio_ok)} | "
            f"{'not judged (quick run)' if quick else memory} | "
            + (
                f"{row.untyped_s:.2f} s | {row.matdoe.seconds / row.untyped_s:.2f}× |"
                if row.untyped_s
                else "— | — |"
            )
        )
    lines += [
        "",
        "### Who waits during a long import and a long export",
        "",
        "Readers (`sample show`) and short writers (`sample add`) started one after another "
        "for as long as the long command ran (latency includes Python start-up, about 1 s).",
        "",
        "| backend | long command | its time | exit | readers | writers |",
        "|---|---|---:|---:|---|---|",
    ]
    for e in episodes:
        lines.append(
            f"| {e.backend} | {e.what} | {e.seconds:.1f} s | {e.code} | "
            f"{_probe_summary(e.probes, 'reader')} | {_probe_summary(e.probes, 'writer')} |"
        )
    lines += ["", "Four imports started at once into one database:", ""]
    for name, (seconds, codes, _results) in parallel.items():
        lines.append(
            f"- {name}: 4 × {cfg.parallel_rows:,} rows, exit codes {codes}, all done after "
            f"{seconds:.1f} s"
        )
    lines += [
        "",
        "### Password masking on long text",
        "",
        "| function | text | characters | time (best of 3) |",
        "|---|---|---:|---:|",
    ]
    lines += [f"| {name} | {what} | {n:,} | {t * 1000:.2f} ms |" for name, what, n, t in masked]
    lines += [f"- {note}" for note in notes]
    lines += ["", f"Wall time of this section: {elapsed:.0f} s.", ""]
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover - manual runs
    print(run(quick="--quick" in sys.argv))
