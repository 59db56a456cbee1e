"""matdoe's benchmarks: closed-loop DOE, model accuracy, latency and scale (``make bench``).

Not tests: ``python -m benchmarks`` runs each module's ``run(quick=False)`` and writes
``benchmarks/RESULTS.md``; ``--quick`` runs tiny configurations. The helpers below format figures
next to their targets without rounding in the project's favour.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

QUICK_NOTE = (
    "*Quick configuration (a smoke run of the benchmark code): the figures below are not the "
    "benchmark's results and say nothing about the targets.*"
)
HERE = Path(__file__).resolve().parent


def output_dir(out_dir: Path | None, quick: bool) -> Path:
    """Where plots go: ``out_dir``, else ``benchmarks/`` (full run) or a temporary folder."""
    if out_dir is None:
        out_dir = Path(tempfile.mkdtemp(prefix="matdoe-bench-")) if quick else HERE
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


def yes(met: bool) -> str:
    return "yes" if met else "**no**"


def fmt_bound(value: float, bound: float, decimals: int = 2, *, scale: float = 1.0,
              suffix: str = "") -> str:  # fmt: skip
    """``value·scale`` with enough decimals that it sits on the same side of ``bound`` as shown.

    A value just above a "≤ 1.5" bound is never shown as "1.50".

    >>> fmt_bound(1.5004, 1.5)
    '1.5004'
    >>> fmt_bound(0.8996, 0.9, 1, scale=100, suffix=" %")
    '89.96 %'
    """
    v, b = value * scale, bound * scale
    for k in range(decimals, 9):
        shown = round(v, k)
        if (shown > b) == (v > b) and (shown < b) == (v < b):
            return f"{v:.{k}f}{suffix}"
    return f"{v!r}{suffix}"


def fmt_vs(value: float, other: float, decimals: int = 4) -> str:
    """``value`` with enough decimals to tell it from ``other``."""
    for k in range(decimals, 9):
        if f"{value:.{k}f}" != f"{other:.{k}f}":
            return f"{value:.{k}f}"
    return f"{value!r}"


def fmt_pct_bound(value: float, bound: float) -> str:
    """A fraction as a percentage, on the right side of ``bound`` (a fraction too)."""
    return fmt_bound(value, bound, 1, scale=100, suffix=" %")
