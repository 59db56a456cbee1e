"""The built wheel works anywhere: data inside the package, one version, an empty folder.

The wheel is built with ``python -m build`` from this checkout and installed (without its
dependencies, which come from the test environment through a ``.pth`` file) into a fresh
virtual environment; then ``matdoe init --example`` and ``matdoe demo`` run in an empty folder
outside the source tree, with no ``MATDOE_DATA``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
    return done.stdout + done.stderr


@pytest.mark.slow
def test_the_wheel_runs_init_and_demo_in_an_empty_folder(tmp_path: Path) -> None:
    from matdoe import __version__

    # Build from a copy: setuptools keeps a build/ folder whose stale files would ship.
    source = tmp_path / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "build", "dist", "demo", "__pycache__", "*.egg-info", ".*_cache"
        ),
    )
    dist = tmp_path / "dist"
    run(sys.executable, "-m", "build", "--wheel", "--no-isolation", "-o", dist, source, cwd=source)
    (wheel,) = dist.glob("matdoe-*.whl")
    assert wheel.name.startswith(f"matdoe-{__version__}-")
    venv = tmp_path / "venv"
    run(sys.executable, "-m", "venv", venv)
    python = venv / "bin" / "python"
    site = Path(
        run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip()
    )
    # The dependencies of the test environment, not its (editable) matdoe: a path in a .pth file
    # is added to sys.path, but the .pth files inside it are not run.
    (site / "zz-test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run(python, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", wheel)
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("MATDOE_", "PYTHON", "VIRTUAL"))
    }
    empty = tmp_path / "empty"
    empty.mkdir()
    where = run(
        python,
        "-c",
        "import matdoe, pathlib; print(pathlib.Path(matdoe.__file__))",
        cwd=empty,
        env=env,
    )
    assert Path(where.strip()).is_relative_to(venv), where
    matdoe = venv / "bin" / "matdoe"
    assert run(matdoe, "--version", cwd=empty, env=env).strip() == f"matdoe {__version__}"
    shipped = run(
        python, "-c", "from matdoe.paths import data_dir; print(data_dir())", cwd=empty, env=env
    )
    assert Path(shipped.strip()).is_relative_to(venv), shipped
    told = run(matdoe, "init", "--example", cwd=empty, env=env)
    assert "loaded the paper's data" in told
    assert "paper-A200-35vol-4h" in run(matdoe, "sample", "list", cwd=empty, env=env)
    shown = run(
        matdoe, "demo", "--folder", "demo", "--rounds", "1", "--batch", "2", cwd=empty, env=env
    )
    assert "Next suggestions" in shown
    assert (empty / "demo" / "matdoe.db").is_file()
