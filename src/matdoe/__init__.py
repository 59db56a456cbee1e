"""matdoe: a materials-informatics database and design of experiments for solid electrolytes.

The package is deliberately light to import; heavy libraries load in the modules that need them.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
