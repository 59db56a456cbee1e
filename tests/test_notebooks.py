"""The notebooks run top to bottom in a fresh kernel against a database built from data/.

The database is the demo one (the paper's values plus SIMULATED rounds), built once per session
into a temporary folder and handed to the kernels through ``MATDOE_DB``, as a user points the
CLI and the notebooks at a database. Notebooks use the public API only (``matdoe.open()`` and
the public modules), never ``matdoe.db`` or a private name.
"""

from __future__ import annotations

import ast
import os
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
NAMES = ["01_database_tour", "02_surrogate_models", "03_next_experiments", "04_ask_and_tell"]


@pytest.fixture(scope="session")
def notebook_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    from matdoe.demo import build_demo_database

    return build_demo_database(tmp_path_factory.mktemp("notebook-db"), quiet=True)


def test_every_notebook_is_tested():
    assert sorted(p.stem for p in NOTEBOOKS.glob("*.ipynb")) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name: str):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code, f"{name} has no code cells"
    assert all(not cell.outputs and cell.execution_count is None for cell in code)
    assert "MATDOE_DB" in code[0].source or "MATDOE_DB" in code[1].source


def _imports(source: str) -> list[str]:
    """Every name a cell imports (module paths and imported names), IPython magics skipped."""
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    names = []
    for node in ast.walk(ast.parse("\n".join(lines))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names.append(node.module or "")
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


@pytest.mark.parametrize("name", NAMES)
def test_notebook_uses_only_the_public_api(name: str):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    imported = [
        n for cell in notebook.cells if cell.cell_type == "code" for n in _imports(cell.source)
    ]
    matdoe_names = [n for n in imported if n.split(".")[0] == "matdoe"]
    assert "matdoe" in imported and "matdoe.open(" in code
    private = [n for n in matdoe_names if any(part.startswith("_") for part in n.split("."))]
    internal = [n for n in matdoe_names if n.startswith(("matdoe.db", "matdoe.cli"))]
    assert not private and not internal, (private, internal)
    assert "session" not in code  # sessions are the library's business, not the notebook's


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_top_to_bottom(name: str, notebook_db: str, capsys):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    client = nbclient.NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=600,
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    env = {**os.environ, "MATDOE_DB": notebook_db}
    start = time.perf_counter()
    client.execute(env=env)  # raises CellExecutionError on the first failing cell
    seconds = time.perf_counter() - start
    with capsys.disabled():  # the run time is reported, not asserted (timings: benchmarks/)
        print(f"\n{name}: {seconds:.1f} s")
    images = sum(
        "image/png" in output.get("data", {})
        for cell in notebook.cells
        if cell.cell_type == "code"
        for output in cell.outputs
    )
    assert images >= 2, f"{name} drew {images} figure(s); the plots did not display"
