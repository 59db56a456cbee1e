"""The lab database: models, engines, sessions and migrations."""

from __future__ import annotations

from matdoe.db.engine import (
    DEFAULT_URL,
    make_engine,
    mask_url,
    resolve_url,
    session_factory,
    translate_error,
    translated_errors,
)
from matdoe.db.migrate import current_revision, head_revision, upgrade

__all__ = [
    "DEFAULT_URL",
    "current_revision",
    "head_revision",
    "make_engine",
    "mask_url",
    "resolve_url",
    "session_factory",
    "translate_error",
    "translated_errors",
    "upgrade",
]
