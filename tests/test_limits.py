"""Size limits of the import files: YAML alias bombs and nesting, JSON nesting, NaN, file size.

Every refusal is one line and leaves the database as it was, whichever import reads the file
(`sample import`, `material import`, `import` of a backup, `suggest --candidates`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from matdoe import tables
from matdoe.errors import InvalidRecordError
from test_cli import assert_refused

GOOD_SAMPLE = {"label": "L-1", "host": "Na2B12H12", "scaffold": "A200", "scaffold_vol_pct": 35}

# Nine levels of nine aliases: 338 bytes that stand for 9**9 (387 million) strings.
YAML_BOMB = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(
        f"{chr(98 + k)}: &{chr(98 + k)} [" + ",".join([f"*{chr(97 + k)}"] * 9) + "]\n"
        for k in range(8)
    )
    + "samples: [{label: L-1, host: Na2B12H12, extra: {x: *i}}]\n"
)


def _deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_yaml_bomb_is_refused_before_it_expands(lab: Any, dump: Any, tmp_path: Path) -> None:
    assert len(YAML_BOMB) < 400
    path = tmp_path / "bomb.yaml"
    path.write_text(YAML_BOMB, encoding="utf-8")
    before = dump()
    assert_refused(lab("sample", "import", str(path)), "bomb.yaml", "aliases expand")
    assert dump() == before


def test_yaml_alias_that_refers_to_itself_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("samples: &s [*s]\n", encoding="utf-8")
    with pytest.raises(InvalidRecordError, match="refers to itself"):
        tables.read_samples(path)


def test_moderate_yaml_anchors_still_load() -> None:
    """The paper's own samples file merges anchors (`<<: *a380`)."""
    from matdoe.paths import data_file

    assert len(tables.read_samples(data_file("paper", "samples.yaml"))) > 5


@pytest.mark.parametrize("depth", [tables.MAX_DEPTH + 1, 100_000])
def test_deeply_nested_yaml_is_one_line(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(f"samples: {_deep_json(depth)}\n", encoding="utf-8")
    with pytest.raises(InvalidRecordError) as info:
        tables.read_samples(path)
    assert "\n" not in str(info.value) and "deep.yaml" in str(info.value)


@pytest.mark.parametrize("depth", [tables.MAX_DEPTH + 1, 900, 100_000])
def test_deeply_nested_json_is_refused_by_every_import(
    lab: Any, dump: Any, tmp_path: Path, depth: int
) -> None:
    deep = _deep_json(depth)
    before = dump()
    files = {
        "samples.json": f'[{{"label": "L-1", "host": "Na2B12H12", "extra": {{"x": {deep}}}}}]',
        "materials.json": f'[{{"name": "M", "formula": "SiO2", "kind": "other", "x": {deep}}}]',
        "backup.json": f'{{"format": "matdoe-bundle", "version": 2, "tables": {deep}}}',
        "candidates.json": f'{{"candidates": {deep}}}',
        "cells.csv": "label,host,extra\nL-1,Na2B12H12,"
        + json.dumps({"x": json.loads(_deep_json(min(depth, 900)))}).replace('"', '""').join('""'),
    }
    commands = {
        "samples.json": ["sample", "import"],
        "materials.json": ["material", "import"],
        "backup.json": ["import"],
        "candidates.json": ["suggest", "--dry-run", "--candidates"],
        "cells.csv": ["sample", "import"],
    }
    for name, text in files.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = lab(*commands[name], str(path))
        assert_refused(result, name)
        assert "deeper than" in result.stderr, (name, result.stderr)
    assert dump() == before


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_in_json_is_refused(tmp_path: Path, constant: str) -> None:
    path = tmp_path / "nan.json"
    path.write_text(
        json.dumps([{**GOOD_SAMPLE, "extra": {"x": "CONSTANT"}}]).replace('"CONSTANT"', constant),
        encoding="utf-8",
    )
    with pytest.raises(InvalidRecordError, match=f"{constant} is not a JSON number"):
        tables.read_samples(path)


def test_files_over_the_size_limit_are_refused_before_reading(
    lab: Any, dump: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(tables.MAX_BYTES, "json", 2000)
    monkeypatch.setitem(tables.MAX_BYTES, "csv", 2000)
    samples = [{**GOOD_SAMPLE, "label": f"L-{i}"} for i in range(40)]
    big_json = tmp_path / "big.json"
    big_json.write_text(json.dumps(samples), encoding="utf-8")
    big_csv = tmp_path / "big.csv"
    big_csv.write_text(
        "label,host,scaffold,scaffold_vol_pct\n"
        + "".join(f"L-{i},Na2B12H12,A200,35\n" for i in range(100)),
        encoding="utf-8",
    )
    before = dump()
    assert_refused(lab("sample", "import", str(big_json)), "big.json", "limit", "use CSV")
    assert_refused(lab("sample", "import", str(big_csv)), "big.csv", "limit")
    assert dump() == before


def test_a_folder_in_place_of_an_import_file_is_one_line(lab: Any, tmp_path: Path) -> None:
    folder = tmp_path / "samples.csv"
    folder.mkdir()
    assert_refused(lab("sample", "import", str(folder)), "is a folder")
