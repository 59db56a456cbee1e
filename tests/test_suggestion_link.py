"""A made sample links to its suggestion once: one sample per suggestion under any race, no
import that relabels an abandoned or made suggestion, and refused commands that leave the id
sequences of PostgreSQL where they were."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from test_cli import assert_refused
from test_engine import _matdoe


@pytest.fixture
def suggested(lab: Any) -> Any:
    """The lab with two pending suggestions (ids 1 and 2) of SiO2-A200 recipes."""
    result = lab("suggest", "-n", "2", "--strategy", "random", "--silica", "A200")
    assert result.exit_code == 0, result.stderr
    return lab


def _status(cli: Any) -> dict[int, tuple[str, str | None]]:
    rows = json.loads(cli("suggestion", "list", "--format", "json").stdout)
    return {row["id"]: (row["status"], row["samples"]) for row in rows}


def test_six_concurrent_adds_from_one_suggestion_link_one_sample(
    suggested: Any, db_url: str
) -> None:
    processes = [
        _matdoe(
            db_url,
            "sample",
            "add",
            "--label",
            f"R-{k}",
            "--from-suggestion",
            "1",
            "--host",
            "Na2B12H12",
        )
        for k in range(6)
    ]
    outcomes = [(p.communicate(timeout=120), p.returncode) for p in processes]
    codes = [code for _, code in outcomes]
    assert codes.count(0) == 1, outcomes
    for (_out, err), code in outcomes:
        if code:
            lines = err.strip().splitlines()
            assert code == 1 and len(lines) == 1 and "suggestion 1" in lines[0], err
    status, samples = _status(suggested)[1]
    assert status == "made" and samples is not None and "," not in samples
    listed = suggested("sample", "list", "--format", "csv").stdout
    assert sum(line.startswith("R-") for line in listed.splitlines()) == 1


def _file(tmp_path: Path, rows: list[str], name: str = "made.csv") -> Path:
    path = tmp_path / name
    header = "label,host,scaffold,scaffold_vol_pct,milling_h,suggestion_id"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_import_cannot_link_to_an_abandoned_or_made_suggestion(
    suggested: Any, dump: Any, tmp_path: Path
) -> None:
    assert suggested("suggestion", "abandon", "1").exit_code == 0
    made = suggested(
        "sample", "add", "--label", "M-1", "--from-suggestion", "2", "--host", "Na2B12H12"
    )
    assert made.exit_code == 0, made.stderr
    before = dump()
    for rows, needle in (
        (["A-1,Na2B12H12,A200,35,4,1"], "suggestion 1 is already abandoned"),
        (["A-2,Na2B12H12,A200,35,4,2"], "suggestion 2 is already made"),
        (["A-3,Na2B12H12,A200,35,4,99"], "unknown suggestion 99"),
    ):
        assert_refused(suggested("sample", "import", str(_file(tmp_path, rows))), needle)
    assert dump() == before
    assert _status(suggested)[1][0] == "abandoned"


def test_one_file_cannot_make_one_suggestion_twice(
    suggested: Any, dump: Any, tmp_path: Path
) -> None:
    before = dump()
    rows = ["T-1,Na2B12H12,A200,35,4,1", "T-2,Na2B12H12,A200,35,4,1"]
    assert_refused(suggested("sample", "import", str(_file(tmp_path, rows))), "suggestion 1")
    assert dump() == before
    assert _status(suggested)[1][0] == "pending"


def _max_ids(dump: Any) -> dict[str, int]:
    return {name: max((r["id"] for r in rows), default=0) for name, rows in dump().items()}


def test_refused_commands_do_not_advance_id_sequences(
    suggested: Any, dump: Any, tmp_path: Path
) -> None:
    """PostgreSQL hands out ids from sequences that a rolled-back INSERT still advances; every
    refusal here is found before the first INSERT, so the next record gets the next id."""
    assert suggested("suggestion", "abandon", "2").exit_code == 0
    before = _max_ids(dump)
    geometry = tmp_path / "no_geometry.csv"
    geometry.write_text(
        "label,host,scaffold,scaffold_vol_pct,temperature_k,resistance_ohm\n"
        "G-1,Na2B12H12,A200,35,303.15,120\n",
        encoding="utf-8",
    )
    late = tmp_path / "late_error.csv"
    late.write_text(
        "label,host,scaffold,scaffold_vol_pct\nL-1,Na2B12H12,A200,35\nL-2,Na2B12H12,A999,35\n",
        encoding="utf-8",
    )
    for args, needle in (
        (["sample", "import", str(geometry)], "thickness"),
        (["sample", "import", str(late)], "A999"),
        (["sample", "import", str(_file(tmp_path, ["X-1,Na2B12H12,A200,35,4,2"]))], "abandoned"),
        (
            ["sample", "add", "--label", "S-1", "--host", "Na2B12H12", "--scaffold", "none"],
            "already exists",
        ),
        (
            ["sample", "add", "--label", "N-1", "--from-suggestion", "2", "--host", "Na2B12H12"],
            "suggestion 2",
        ),
    ):
        assert_refused(suggested(*args), needle)
    assert _max_ids(dump) == before
    assert (
        suggested(
            "sample", "add", "--label", "next", "--host", "Na2B12H12", "--scaffold", "none"
        ).exit_code
        == 0
    )
    made = next(r for r in dump()["sample"] if r["label"] == "next")
    assert made["id"] == before["sample"] + 1
    imported = tmp_path / "good.csv"
    imported.write_text(
        "label,host,scaffold,scaffold_vol_pct,temperature_k,sigma_s_cm\n"
        "G-2,Na2B12H12,A200,35,303.15,1e-4\n",
        encoding="utf-8",
    )
    assert suggested("sample", "import", str(imported)).exit_code == 0
    ids = {r["label"]: r["id"] for r in dump()["sample"]}
    assert ids["G-2"] == before["sample"] + 2
    assert max(r["id"] for r in dump()["measurement"]) == before["measurement"] + 1
