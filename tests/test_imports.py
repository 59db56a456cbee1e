"""Fast start: importing the CLI (and asking it for help) loads no heavy library."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

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


def _matdoe_imports(path: Any) -> set[str]:
    """Every matdoe module a source file imports, at the top or inside a function."""
    import ast

    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names if a.name.startswith("matdoe")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("matdoe"):
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_imports_run_one_way_no_library_module_imports_the_cli() -> None:
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "src" / "matdoe"
    offenders = {}
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] == "cli" or relative.name == "__main__.py":
            continue
        bad = sorted(
            n for n in _matdoe_imports(path) if n == "matdoe.cli" or n.startswith("matdoe.cli.")
        )
        if bad:
            offenders[str(relative)] = bad
    assert offenders == {}, f"library modules importing the CLI: {offenders}"


def test_the_direction_check_sees_a_cli_import(tmp_path: Any) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from matdoe.cli.common import render\n", encoding="utf-8")
    assert "matdoe.cli.common" in _matdoe_imports(module)
