"""Fuzzed input: hypothesis-generated CLI arguments and import files never give a traceback.

Every command ends with exit code 0, 1 or 2, never prints "Traceback", and when it is refused
(exit code not 0) the database is exactly as before (a full dump compared before and after).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

CLI_EXAMPLES = 40
FILE_EXAMPLES = 30
SETTINGS: dict[str, Any] = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)

TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=25
)
NUMBER = st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.integers().map(str)
UNITS = ["C", "K", "F", "mS/cm", "S/cm", "ohm", "kohm", "um", "mm", "cm", "cm2", "h", "min", "mS"]
QUANTITY = (
    st.tuples(NUMBER, st.sampled_from(["", " "]), st.sampled_from(UNITS)).map("".join)
    | TEXT
    | st.sampled_from(["60C", "333.15 K", "1.4mS/cm", "850ohm", "320um", "0.785cm2", "4h"])
)
SQLISH = st.sampled_from(["'; DROP TABLE sample; --", "$(rm -rf /)", "S-1", "%", "", " "])


def _option(name: str, values: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    return st.none().map(lambda _: []) | values.map(lambda v: [name, v])


def _assert_clean(result: Any, before: dict[str, Any], dump: Any) -> None:
    event(f"exit code {result.exit_code}")  # --hypothesis-show-statistics shows the mix
    output = result.stdout + result.stderr
    assert result.exit_code in (0, 1, 2), (result.exit_code, output)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )
    assert "Traceback" not in output
    if result.exit_code != 0:
        assert dump() == before, output


@st.composite
def sample_add_args(draw: st.DrawFn) -> list[str]:
    args = ["sample", "add"]
    args += draw(_option("--label", TEXT | SQLISH))
    args += draw(_option("--host", st.sampled_from(["Na2B12H12", "A200"]) | TEXT))
    args += draw(_option("--silica", st.sampled_from(["A200", "SiO2-A200", "A999"]) | TEXT))
    args += draw(_option("--vol", NUMBER | TEXT))
    args += draw(_option("--milling", QUANTITY))
    args += draw(_option("--batch", QUANTITY))
    args += draw(_option("--thickness", QUANTITY))
    args += draw(_option("--area", QUANTITY))
    args += draw(_option("--made-on", st.dates().map(str) | TEXT))
    args += draw(_option("--status", st.sampled_from(["made", "planned", "gone"])))
    args += draw(_option("--notes", TEXT))
    args += draw(st.sampled_from([[], [], [], [], ["--bogus"], ["--", "extra"], ["--rpm", "-1"]]))
    return args


@st.composite
def measure_add_args(draw: st.DrawFn) -> list[str]:
    args = ["measure", "add", draw(st.sampled_from(["S-1", "S-1", "NOPE"]) | TEXT)]
    args += draw(_option("--temperature", QUANTITY))
    args += draw(_option("--sigma", QUANTITY))
    args += draw(_option("--resistance", QUANTITY))
    args += draw(_option("--thickness", QUANTITY))
    args += draw(_option("--area", QUANTITY))
    args += draw(_option("--direction", st.sampled_from(["heating", "cooling", "up"])))
    args += draw(_option("--kind", st.sampled_from(["eis", "lsv", "ccd", "xrd"])))
    args += draw(_option("--value", NUMBER | TEXT))
    args += draw(_option("--source", st.sampled_from(["measured", "paper", "simulated", "?"])))
    args += draw(_option("--detail", TEXT))
    args += draw(_option("--run", st.integers(-5, 5).map(str) | TEXT))
    return args


@settings(max_examples=CLI_EXAMPLES, **SETTINGS)
@given(args=sample_add_args())
def test_fuzzed_sample_add(lab: Any, dump: Any, args: list[str]) -> None:
    before = dump()
    _assert_clean(lab(*args), before, dump)


@settings(max_examples=CLI_EXAMPLES, **SETTINGS)
@given(args=measure_add_args())
def test_fuzzed_measure_add(lab: Any, dump: Any, args: list[str]) -> None:
    before = dump()
    _assert_clean(lab(*args), before, dump)


COLUMNS = [
    "label",
    "host",
    "scaffold",
    "scaffold_vol_pct",
    "milling_h",
    "batch_mg",
    "temperature_k",
    "sigma_s_cm",
    "resistance_ohm",
    "pellet_thickness_cm",
    "pellet_area_cm2",
    "extra",
    "made_on",
    "vol",
]
CELL = (
    QUANTITY
    | SQLISH
    | st.sampled_from(
        ["Na2B12H12", "SiO2-A200", "A999", "35", "{}", '{"a": 1}', "2026-01-02", "A\x00B", "1\r2"]
    )
)


@st.composite
def csv_text(draw: st.DrawFn) -> str:
    header = draw(st.lists(st.sampled_from(COLUMNS) | TEXT, min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(CELL, min_size=0, max_size=9), max_size=6))
    separator = draw(st.sampled_from([",", ";", "\t"]))

    def line(cells: list[str]) -> str:
        return separator.join(
            '"' + c.replace('"', '""') + '"' if draw(st.booleans()) else c for c in cells
        )

    text = "\n".join([line(header), *(line(r) for r in rows)])
    if draw(st.booleans()):
        text = text[: draw(st.integers(0, len(text)))]  # truncated
    return text


JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | CELL,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from([*COLUMNS, "measurements", "pellet"]) | TEXT, children, max_size=5
        )
    ),
    max_leaves=20,
)


GOOD_CSV = (Path(__file__).with_name("data") / "samples_good.csv").read_text("utf-8")


@st.composite
def mutated_good_csv(draw: st.DrawFn) -> str:
    """The good fixture with fresh labels and one cell replaced: exercises the database stage."""
    tag = draw(st.integers(0, 10**9))
    lines = [line.replace("T-", f"F{tag}-") for line in GOOD_CSV.splitlines()]
    row = draw(st.integers(1, len(lines) - 1))
    cells = lines[row].split(",")
    column = draw(st.integers(0, len(cells) - 1))
    cells[column] = draw(CELL).replace(",", ";").replace("\n", " ")
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


@st.composite
def import_file(draw: st.DrawFn) -> tuple[str, bytes]:
    kind = draw(st.sampled_from(["csv", "good-csv", "good-csv", "json", "yaml", "bin"]))
    if kind == "good-csv":
        return "fuzz.csv", draw(mutated_good_csv()).encode("utf-8")
    if kind == "csv":
        return "fuzz.csv", draw(csv_text()).encode("utf-8")
    if kind == "json":
        text = json.dumps(draw(JSON_VALUE))
        if draw(st.booleans()):
            text = text[: draw(st.integers(0, len(text)))]
        return "fuzz.json", text.encode("utf-8")
    if kind == "yaml":
        import yaml

        text = yaml.safe_dump(draw(JSON_VALUE), allow_unicode=True)
        if draw(st.booleans()):
            text = draw(TEXT) + text
        return "fuzz.yaml", text.encode("utf-8")
    return draw(st.sampled_from(["fuzz.csv", "fuzz.json", "fuzz.yaml"])), draw(
        st.binary(max_size=60)
    )


@settings(max_examples=FILE_EXAMPLES, **SETTINGS)
@given(file=import_file())
def test_fuzzed_import_files(lab: Any, dump: Any, file: tuple[str, bytes]) -> None:
    name, content = file
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        before = dump()
        _assert_clean(lab("sample", "import", str(path)), before, dump)
