"""Figure paths and seeds that used to end in a traceback: one line, checked before any work."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from test_cli import assert_refused


@pytest.fixture
def measured(cli: Any, make_sample: Any) -> Any:
    """S-1 measured at three temperatures (an Arrhenius fit exists)."""
    make_sample("S-1", temperatures_c=(30, 45, 60))
    return cli


@pytest.mark.parametrize(
    ("name", "needle"),
    [
        ("missing/arrhenius.png", "does not exist"),
        ("deeper/still/arrhenius.png", "does not exist"),
        (".", "is a folder"),
        ("arrhenius.xyz", "name the figure"),
    ],
)
def test_arrhenius_plot_path_is_checked_first(
    measured: Any, dump: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    name: str, needle: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    before = dump()
    assert_refused(measured("analyze", "arrhenius", "S-1", "--plot", name), "--plot", needle)
    assert dump() == before
    assert not (tmp_path / "missing").exists()


def test_arrhenius_plot_into_proc_is_one_line(measured: Any) -> None:
    assert_refused(
        measured("analyze", "arrhenius", "S-1", "--plot", "/proc/arrhenius.png"), "--plot"
    )


def test_eis_plot_paths_are_checked_before_anything_is_stored(
    measured: Any, dump: Any, tmp_path: Path
) -> None:
    files = sorted((Path(__file__).parents[1] / "data" / "examples" / "eis").glob("*.csv"))
    assert files
    before = dump()
    for option in ("--plot", "--arrhenius-plot"):
        result = measured(
            "measure", "eis", "S-1", str(files[0]), option, str(tmp_path / "no" / "fig.png")
        )
        assert_refused(result, option, "does not exist")
    assert dump() == before


def test_model_plot_folder_in_a_missing_folder_is_one_line(measured: Any, tmp_path: Path) -> None:
    for args in (["model", "fit"], ["model", "report"]):
        result = measured(*args, "--plots", str(tmp_path / "no" / "such" / "folder"))
        assert_refused(result, "--plots", "does not exist")
    (tmp_path / "a-file").write_text("x\n", encoding="utf-8")
    assert_refused(measured("model", "fit", "--plots", str(tmp_path / "a-file")), "is a file")


@pytest.mark.parametrize("seed", ["-1", str(2**32), "-99999999999999999999"])
def test_suggest_seed_out_of_range_is_a_usage_error(lab: Any, dump: Any, seed: str) -> None:
    before = dump()
    result = lab("suggest", "--seed", seed, "--dry-run")
    assert_refused(result, "--seed", code=2)
    assert "Traceback" not in result.output
    assert dump() == before
