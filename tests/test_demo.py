"""`matdoe demo` deletes nothing it did not make, and runs with any number of rounds."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from matdoe.cli import app
from matdoe.demo import MARKER


def _demo(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["demo", *args])


def _contents(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative path → SHA-256), folders included as '<dir>'."""
    out = {}
    for path in sorted(folder.rglob("*")):
        key = path.relative_to(folder).as_posix()
        out[key] = "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def _lab_folder(folder: Path) -> None:
    """A lab's working folder: a database, a thesis and raw spectra."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "matdoe.db").write_bytes(b"SQLite format 3\x00 a lab's real database")
    (folder / "thesis.tex").write_text("\\chapter{Results}\n", encoding="utf-8")
    (folder / "spectra").mkdir()
    (folder / "spectra" / "S12_30C.mpt").write_text("freq/Hz\tRe(Z)/Ohm\n1e6\t120\n", "utf-8")


def test_demo_in_the_current_folder_with_files_deletes_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _lab_folder(tmp_path)
    before = _contents(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = _demo("--folder", ".", "--rounds", "0")
    assert result.exit_code == 1
    assert "did not make" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert _contents(tmp_path) == before


def test_plain_demo_keeps_a_demo_folder_it_did_not_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "notes.txt").write_text("my notes\n", encoding="utf-8")
    before = _contents(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = _demo("--rounds", "0")
    assert result.exit_code == 1, result.output
    assert "'notes.txt'" in result.stderr
    assert _contents(tmp_path) == before


def test_a_file_in_place_of_the_folder_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "demo"
    target.write_text("not a folder\n", encoding="utf-8")
    result = _demo("--folder", str(target), "--rounds", "0")
    assert result.exit_code == 1
    assert "is a file" in result.stderr
    assert target.read_text(encoding="utf-8") == "not a folder\n"


def test_zero_rounds_builds_a_marked_folder_and_a_rerun_replaces_only_its_own_files(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "new" / "demo"
    first = _demo("--folder", str(folder), "--rounds", "0")
    assert first.exit_code == 0, first.output
    assert "Traceback" not in first.output
    assert (folder / MARKER).is_file() and (folder / "matdoe.db").is_file()
    assert "no model yet" in first.stdout
    assert "no simulated batch has both objectives yet" in first.stdout
    # A person adds notes to the demo's folder; the next demo keeps them and renews its own db.
    (folder / "notes.txt").write_text("what I tried\n", encoding="utf-8")
    (folder / "matdoe.db").write_bytes(b"stale")
    second = _demo("--folder", str(folder), "--rounds", "0")
    assert second.exit_code == 0, second.output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "what I tried\n"
    assert (folder / "matdoe.db").read_bytes().startswith(b"SQLite format 3")


def test_a_rerun_refuses_a_demo_database_that_records_were_added_to(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    assert _demo("--folder", str(folder), "--rounds", "0").exit_code == 0
    url = f"sqlite:///{(folder / 'matdoe.db').as_posix()}"
    # reading the database is no change: the demo may still replace it
    assert CliRunner().invoke(app, ["--db", url, "sample", "list"]).exit_code == 0
    again = _demo("--folder", str(folder), "--rounds", "0")
    assert again.exit_code == 0, again.output
    add = ["--db", url, "sample", "add", "--label", "REAL-1", "--host", "Na2B12H12"]
    added = CliRunner().invoke(app, [*add, "--silica", "A200", "--vol", "35", "--milling", "4h"])
    assert added.exit_code == 0, added.output
    before = _contents(folder)
    refused = _demo("--folder", str(folder), "--rounds", "0")
    assert refused.exit_code == 1, refused.output
    assert "changed after the demo built it" in refused.stderr
    assert len([line for line in refused.stderr.splitlines() if line.strip()]) == 1
    assert _contents(folder) == before


def test_an_empty_existing_folder_is_used(tmp_path: Path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    result = _demo("--folder", str(folder), "--rounds", "0")
    assert result.exit_code == 0, result.output
    assert (folder / MARKER).is_file()


def test_the_demo_prints_the_pareto_front_of_sigma_against_milling_hours(tmp_path: Path) -> None:
    from matdoe.campaign import objective_table
    from matdoe.db import make_engine, session_factory

    folder = tmp_path / "demo"
    result = _demo("--folder", str(folder), "--rounds", "1", "--batch", "4")
    assert result.exit_code == 0, result.output
    section = result.stdout.split("5. Two objectives")[1].split("Explore it")[0]
    printed = {line.split()[0] for line in section.splitlines() if line.startswith("sim-")}
    engine = make_engine(f"sqlite:///{folder / 'matdoe.db'}")
    try:
        with session_factory(engine).begin() as session:
            table = objective_table(session, "na2b12h12-pareto", sources=("simulated",))
    finally:
        engine.dispose()
    points = table.dropna(subset=["log10_sigma", "milling_h"])
    front = {
        row.sample
        for row in points.itertuples()
        if not any(
            o.log10_sigma >= row.log10_sigma
            and o.milling_h <= row.milling_h
            and (o.log10_sigma > row.log10_sigma or o.milling_h < row.milling_h)
            for o in points.itertuples()
        )
    }
    assert len(points) == 4 and front and printed == front
    assert (folder / "pareto.png").stat().st_size > 1000
