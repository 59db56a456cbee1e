"""The error tree of matdoe.

Every error a user can cause is a :class:`MatdoeError`. Each subclass also inherits the matching
built-in exception, so ``except ValueError`` keeps working for callers that do not know matdoe.
Messages name the bad value and the way out; the CLI prints them as one line.
"""

from __future__ import annotations


class MatdoeError(Exception):
    """Root of every error matdoe raises on purpose."""


class InvalidRecordError(MatdoeError, ValueError):
    """A value or a record a user gave is not acceptable (wrong unit, out of range, malformed)."""


class ImplausibleValueError(InvalidRecordError):
    """A value parses but lies outside its plausible range (``--force`` stores it anyway)."""


class DuplicateError(InvalidRecordError):
    """A record with the same unique key (label, name) already exists."""


class NotFoundError(MatdoeError, LookupError):
    """A named record (material, sample, suggestion) does not exist."""


class InsufficientDataError(MatdoeError, ValueError):
    """There is not enough data for the requested analysis (e.g. an Arrhenius fit on 2 points)."""


class NotFittedError(MatdoeError, AttributeError):
    """A model was used before ``fit`` was called."""


class FitError(MatdoeError, RuntimeError):
    """A numerical fit failed to converge or gave a meaningless result."""


class MissingDependencyError(MatdoeError, ImportError):
    """An optional dependency (an extra such as ``[eis]``) is needed but not installed."""


class DatabaseError(MatdoeError, RuntimeError):
    """The database could not be reached, opened or written."""


class NewerSchemaError(DatabaseError):
    """The database was upgraded by a newer matdoe than the one running."""
