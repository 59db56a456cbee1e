"""Fast start: importing the CLI (and asking it for help) loads no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pymatgen", "sklearn", "optuna", "pandas", "scipy", "matplotlib", "sqlalchemy", "pint")

REPORT = "import json, sys; print(json.dumps(sorted(sys.modules)))"


def _loaded(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\n{REPORT}"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    modules = json.loads(result.stdout.strip().splitlines()[-1])
    return {name.split(".")[0] for name in modules}


@pytest.mark.parametrize(
    "code",
    [
        "import matdoe.cli",
        # `matdoe --help` and `matdoe sample --help` run the app, not only import it.
        "import sys\nfrom matdoe.cli import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass",
        "import sys\nfrom matdoe.cli import app\ntry:\n    app(['sample', 'add', '--help'])\n"
        "except SystemExit:\n    pass",
    ],
    ids=["import", "help", "sample-add-help"],
)
def test_cli_start_loads_no_heavy_library(code: str) -> None:
    heavy = sorted(set(HEAVY) & _loaded(code))
    assert heavy == [], f"imported at CLI start: {heavy}; import them inside the commands"


def test_the_check_would_see_a_heavy_import() -> None:
    assert "sqlalchemy" in _loaded("import matdoe.db")
