"""Build hook: the top-level ``data/`` folder ships inside the wheel as ``matdoe/data``.

The project keeps ``data/`` at the top level (the paper's dataset, the search-space files,
example inputs), where people look for it; an installed matdoe needs the same files to run
``matdoe init --example`` and ``matdoe demo``. Everything else is in ``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

DATA = Path(__file__).resolve().parent / "data"


class BuildPyWithData(build_py):
    """``build_py`` that also copies ``data/`` into the built package (not for editable installs,
    which find ``data/`` beside ``src/``)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False) or not DATA.is_dir():
            return
        target = Path(self.build_lib) / "matdoe" / "data"
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(DATA, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


setup(cmdclass={"build_py": BuildPyWithData})
