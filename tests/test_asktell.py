"""ask/tell: a script closes the design loop through two commands, all-or-nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from test_trust import refused


@pytest.fixture
def asked(lab: Any) -> tuple[Any, list[dict[str, Any]]]:
    result = lab("ask", "-n", "3", "-f", "json")
    assert result.exit_code == 0, result.output
    return lab, json.loads(result.stdout)


def test_ask_stores_pending_suggestions_and_prints_their_ids(asked: Any) -> None:
    lab, rows = asked
    listed = json.loads(lab("suggestion", "list", "-f", "json").stdout)
    assert [r["id"] for r in rows] == [r["id"] for r in listed]
    assert all(r["status"] == "pending" for r in listed)
    for row in rows:
        assert {"silica", "vol_pct", "milling_h", "reason", "host_mg", "scaffold_mg"} <= set(row)
        assert row["temperature_c"] == 30.0


def test_tell_records_the_sample_and_its_measurements_against_the_suggestion(asked: Any) -> None:
    lab, rows = asked
    first = rows[0]
    result = lab(
        "tell", str(first["id"]), "--label", "R-1", "-t", "30C", "--sigma", "4.1e-4S/cm",
        "-t", "60C", "--sigma", "1.4mS/cm",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    record = json.loads(lab("sample", "show", "R-1", "-f", "json").stdout)[0]
    assert record["scaffold"] == first["silica"] and record["scaffold_vol_pct"] == first["vol_pct"]
    assert record["milling_h"] == first["milling_h"] and record["suggestion_id"] == first["id"]
    assert [m["sigma_s_cm"] for m in record["measurements"]] == pytest.approx([4.1e-4, 1.4e-3])
    listed = {r["id"]: r for r in json.loads(lab("suggestion", "list", "-f", "json").stdout)}
    assert listed[first["id"]]["status"] == "made"
    assert listed[first["id"]]["measured_log10_sigma"] == pytest.approx(-3.387, abs=1e-3)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--label", "R-2", "-t", "30C", "--sigma", "4e-4S/cm", "-t", "60C"], "one --sigma"),
        (["--label", "R-2", "-t", "30", "--sigma", "4e-4S/cm"], "no unit"),
        (["--label", "R-2", "-t", "30C", "--sigma", "40S/cm"], "outside 1e-12–10 S/cm"),
        (["--label", "R-2", "-t", "30C", "-r", "100ohm"], "pellet thickness"),
        (["--label", "S-1", "-t", "30C", "--sigma", "4e-4S/cm"], "already exists"),
    ],
)
def test_a_bad_tell_changes_nothing(asked: Any, dump: Any, args: list[str], needle: str) -> None:
    lab, rows = asked
    before = dump()
    result = lab("tell", str(rows[0]["id"]), *args)
    assert result.exit_code == 1 and needle in result.stderr, result.output
    assert dump() == before


def test_a_made_suggestion_cannot_be_told_twice(asked: Any, dump: Any) -> None:
    lab, rows = asked
    ok = lab("tell", str(rows[0]["id"]), "--label", "R-1", "-t", "30C", "--sigma", "4e-4S/cm")
    assert ok.exit_code == 0
    before = dump()
    again = lab("tell", str(rows[0]["id"]), "--label", "R-9", "-t", "30C", "--sigma", "4e-4S/cm")
    assert again.exit_code == 1 and "not pending" in again.stderr
    assert dump() == before


def test_a_results_file_is_told_all_or_nothing(asked: Any, dump: Any, tmp_path: Path) -> None:
    lab, rows = asked
    good = {
        "suggestion": rows[0]["id"],
        "label": "F-1",
        "pellet": {"thickness_cm": "320 um", "area_cm2": "0.785 cm2"},
        "measurements": [{"temperature_k": "30 C", "resistance_ohm": 110}],
    }
    bad = {**good, "suggestion": rows[1]["id"], "label": "F-2",
           "measurements": [{"temperature_k": "30 C", "resistance_ohm": -1}]}  # fmt: skip
    path = tmp_path / "results.json"
    path.write_text(json.dumps([good, bad]), encoding="utf-8")
    before = dump()
    failed = lab("tell", "--file", str(path))
    assert failed.exit_code == 1 and "resistance_ohm" in failed.stderr, failed.output
    assert dump() == before
    path.write_text(json.dumps({"results": [good]}), encoding="utf-8")
    assert lab("tell", "--file", str(path)).exit_code == 0
    record = json.loads(lab("sample", "show", "F-1", "-f", "json").stdout)[0]
    assert record["measurements"][0]["sigma_s_cm"] == pytest.approx(0.032 / (110 * 0.785))


@pytest.mark.parametrize(
    ("twice", "needles"),
    [
        # told "suggestion N is made, not pending", as if the database held it already
        ("suggestion", ["results.json: suggestion {id} appears twice", "results 1 and 3"]),
        # told "sample 'F-1' already exists"
        ("label", ["results.json: label 'F-1' appears twice", "results 1 and 3"]),
    ],
)
def test_a_results_file_that_tells_one_thing_twice_is_refused_up_front(
    asked: Any, dump: Any, tmp_path: Path, twice: str, needles: list[str]
) -> None:
    lab, rows = asked
    results = [
        {
            "suggestion": row["id"],
            "label": f"F-{index}",
            "measurements": [{"temperature_k": "30 C", "sigma_s_cm": "4e-4 S/cm"}],
        }
        for index, row in enumerate(rows, start=1)
    ]
    results[2][twice] = results[0][twice]
    path = tmp_path / "results.json"
    path.write_text(json.dumps(results), encoding="utf-8")
    before = dump()
    line = refused(lab("tell", "--file", str(path)), *(n.format(**rows[0]) for n in needles))
    assert "not pending" not in line and "already exists" not in line
    assert dump() == before
