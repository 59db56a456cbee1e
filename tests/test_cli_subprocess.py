"""The real ``matdoe`` entry point in a subprocess: help, a first session, debug tracebacks, and
faults a process can suffer (SIGKILL in the middle of an import, a read-only database file)."""

from __future__ import annotations

import csv
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

MATDOE = str(Path(sys.executable).with_name("matdoe"))


def run(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: int = 60):  # type: ignore[no-untyped-def]
    environment = {k: v for k, v in os.environ.items() if not k.startswith("MATDOE_")}
    environment.update(env or {})
    return subprocess.run(
        [MATDOE, *args],
        cwd=cwd,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_the_command_groups() -> None:
    result = run("--help")
    assert result.returncode == 0, result.stderr
    for group in ("init", "material", "sample", "measure", "export", "import"):
        assert group in result.stdout
    assert run("--version").stdout.startswith("matdoe ")


def test_first_session_in_an_empty_folder(tmp_path: Path) -> None:
    """Default database (sqlite:///matdoe.db in the working directory), init, then list."""
    created = run("init", "--example", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert (tmp_path / "matdoe.db").exists()
    listed = run("sample", "list", "--format", "csv", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines()[0].startswith("label,")
    assert "paper-A380-35vol" in listed.stdout
    shown = run("sample", "show", "paper-A380-35vol", cwd=tmp_path)
    assert "10.1039/d5ta09128d" in shown.stdout


def test_refused_input_is_one_line_and_debug_shows_the_traceback(tmp_path: Path) -> None:
    assert run("init", "--example", cwd=tmp_path).returncode == 0
    args = ("measure", "add", "paper-A380-35vol", "-t", "60 mS", "--sigma", "1e-3S/cm")
    quiet = run(*args, cwd=tmp_path)
    assert quiet.returncode == 1
    assert quiet.stderr.strip().count("\n") == 0
    assert "'60 mS'" in quiet.stderr and "Traceback" not in quiet.stderr
    loud = run(*args, cwd=tmp_path, env={"MATDOE_DEBUG": "1"})
    assert loud.returncode == 1
    assert "Traceback (most recent call last)" in loud.stderr
    assert "InvalidRecordError" in loud.stderr


def test_missing_values_are_an_error_not_a_prompt_without_a_terminal(tmp_path: Path) -> None:
    assert run("init", cwd=tmp_path).returncode == 0
    result = run("sample", "add", "--host", "Na2B12H12", cwd=tmp_path, timeout=30)
    assert result.returncode == 1
    assert "missing --label" in result.stderr


def test_no_database_yet_says_how_to_make_one(tmp_path: Path) -> None:
    result = run("sample", "list", cwd=tmp_path)
    assert result.returncode == 1
    assert "matdoe init" in result.stderr
    assert not (tmp_path / "matdoe.db").exists()


# --------------------------------------------------------------------------- faults

BIG_IMPORT_ROWS = 30_000


def _big_import(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        recipe = ["label", "host", "scaffold", "scaffold_vol_pct", "milling_h", "batch_mg"]
        writer.writerow([*recipe, "temperature_k", "sigma_s_cm"])
        for i in range(BIG_IMPORT_ROWS):
            writer.writerow([f"K-{i}", "Na2B12H12", "SiO2-A200", i % 100, 4, 500, 333.15, 1e-4])
    return path


def _writing_started(url: str, backend: str) -> bool:
    """True once another process holds a write transaction that has written."""
    if backend == "sqlite":
        connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=0)
        try:
            connection.execute("BEGIN IMMEDIATE")
            connection.rollback()
            return False
        except sqlite3.OperationalError as exc:
            return "locked" in str(exc) or "busy" in str(exc)
        finally:
            connection.close()
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            writers = connection.execute(
                sa.text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                )
            ).scalar()
        return bool(writers)
    finally:
        engine.dispose()


def test_sigkill_in_the_middle_of_a_large_import_leaves_the_database_as_before(
    db_url: str,
    backend: str,
    materials: dict[str, int],
    make_sample: Any,
    dump: Any,
    tmp_path: Path,
) -> None:
    make_sample("before-1", temperatures_c=(30, 60))
    before = dump()
    path = _big_import(tmp_path / "big.csv")
    process = subprocess.Popen(
        [MATDOE, "--db", db_url, "sample", "import", str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while not _writing_started(db_url, backend):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the import never started writing"
            time.sleep(0.02)
        time.sleep(0.3)  # well inside the inserts
        assert process.poll() is None, "the import finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()  # type: ignore[union-attr]
        process.stderr.close()  # type: ignore[union-attr]
    assert process.returncode == -signal.SIGKILL
    assert dump() == before
    if backend == "sqlite":
        connection = sqlite3.connect(db_url.removeprefix("sqlite:///"))
        try:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        finally:
            connection.close()
    # The database is still usable: a small import of the same kind lands.
    small = tmp_path / "small.csv"
    small.write_text("\n".join(path.read_text("utf-8").splitlines()[:4]) + "\n", "utf-8")
    result = run("--db", db_url, "sample", "import", str(small), timeout=120)
    assert result.returncode == 0, result.stderr
    assert len(dump()["sample"]) == len(before["sample"]) + 3


def _make_read_only(path: Path) -> Any:
    """Make ``path`` unwritable even for root; returns the undo, or skips if impossible."""
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o644)
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(path)], check=False).returncode:
        if os.environ.get("CI"):  # CI runs as root on Debian, where chattr is always there
            pytest.fail("running as root without a working chattr: cannot test read-only files")
        pytest.skip("running as root without chattr: cannot make a file read-only")
    return lambda: subprocess.run([chattr, "-i", str(path)], check=False)


def test_read_only_database_file_is_a_clear_error_and_nothing_is_written(tmp_path: Path) -> None:
    assert run("init", "--example", cwd=tmp_path).returncode == 0
    database = tmp_path / "matdoe.db"
    before = run("export", "before.json", cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    undo = _make_read_only(database)
    try:
        for args in (
            (
                "sample",
                "add",
                "--label",
                "RO-1",
                "--host",
                "Na2B12H12",
                "--scaffold",
                "none",
                "--milling",
                "1h",
            ),
            ("measure", "add", "paper-A380-35vol", "-t", "30C", "--sigma", "1e-4S/cm"),
            ("sample", "import", str(Path(__file__).with_name("data") / "samples_good.json")),
        ):
            result = run(*args, cwd=tmp_path)
            assert result.returncode == 1, result.stderr
            assert "read-only" in result.stderr and "Traceback" not in result.stderr
            assert result.stderr.strip().count("\n") == 0
        listed = run("sample", "list", cwd=tmp_path)  # reading still works
        assert listed.returncode == 0, listed.stderr
    finally:
        undo()
    assert run("export", "after.json", cwd=tmp_path).returncode == 0
    assert (tmp_path / "after.json").read_bytes() == (tmp_path / "before.json").read_bytes()
