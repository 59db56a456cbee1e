"""Where matdoe finds its shipped data files (the paper's dataset, the default search space)."""

from __future__ import annotations

import os
from pathlib import Path

from matdoe.errors import NotFoundError


def data_dir() -> Path:
    """The project's ``data/`` folder: ``MATDOE_DATA`` if set, else the one beside ``src/``."""
    env = os.environ.get("MATDOE_DATA")
    candidates = [Path(env)] if env else []
    candidates.append(Path(__file__).resolve().parents[2] / "data")
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise NotFoundError(
        "cannot find matdoe's data/ folder; set MATDOE_DATA to the data/ folder of a matdoe checkout"
    )


def data_file(*parts: str) -> Path:
    """A file inside :func:`data_dir`, with a clear error when it is missing."""
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise NotFoundError(f"matdoe's data file {'/'.join(parts)} is missing from {data_dir()}")
    return path
