"""Ask and tell: the design loop for automated labs and scripts (as Optuna's ``ask``/``tell``).

``ask`` stores the next batch as pending suggestions and returns them with their ids, the
predictions and the masses to weigh; ``tell`` records what was made from one suggestion (a new
sample with the suggestion's recipe, its pellet and its measurements) in one all-or-nothing
step that also marks the suggestion made. A robot, a script in any language (through
``matdoe ask -f json`` and ``matdoe tell``) or a notebook closes the loop with these two calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from matdoe.errors import InvalidRecordError

__all__ = ["ask", "read_results", "tell"]


def ask(
    session: Session,
    *,
    n: int = 4,
    temperature_c: float = 30.0,
    strategy: str = "gp-ei",
    random_state: int = 0,
    limits: Mapping[str, Any] | None = None,
    campaign: str | None = None,
) -> list[dict[str, Any]]:
    """Propose and store the next ``n`` recipes; one dict per suggestion (``id`` first).

    The same proposals as ``matdoe suggest`` (:func:`matdoe.campaign.propose`) for
    ``campaign`` (its name; None: the only open campaign), with ``temperature_c`` added so that
    ``tell`` knows where the objective is measured.
    """
    from matdoe.campaign import propose, suggestion_rows

    batch, stored, _ = propose(
        session,
        n=n,
        campaign=campaign,
        temperature_c=temperature_c,
        strategy=strategy,
        random_state=random_state,
        limits=limits,
    )
    rows = suggestion_rows(session, batch, stored)
    return [{**row, "temperature_c": temperature_c} for row in rows]


def tell(
    session: Session,
    suggestion_id: int,
    *,
    label: str,
    measurements: Sequence[Mapping[str, Any]],
    pellet: Mapping[str, Any] | None = None,
    host: str | None = None,
    made_on: dt.date | None = None,
    notes: str | None = None,
    source: str = "measured",
    force: bool = False,
    campaign: str | None = None,
) -> Any:
    """Record the sample made from a pending suggestion, with its measurements.

    Args:
        session: An open session (the caller's transaction makes it all-or-nothing).
        suggestion_id: The pending suggestion the batch realises.
        label: The new sample's label.
        measurements: Measurement fields as in an import file (``temperature_k`` with a unit
            in its text, ``sigma_s_cm`` or ``resistance_ohm``, ...).
        pellet: Pellet fields (``thickness_cm``, ``area_cm2``), needed with resistances.
        host: The host salt; the campaign's recipe (or the suggestion) names it, and a
            different one is refused (the batch would not belong to the campaign).
        made_on: Date made (default today).
        notes: Free text.
        source: ``measured`` (default) or ``simulated`` (a digital twin's results).
        force: Store implausible values anyway (noted in the history).
        campaign: The campaign the suggestion must belong to (its name; None: any).

    Returns:
        The new sample.

    Raises:
        InvalidRecordError: the suggestion is not pending, a value is bad, no measurement.
        NotFoundError: unknown suggestion or material.
    """
    from matdoe.campaign import find_campaign, find_suggestion, suggestion_recipe
    from matdoe.db.store import add_sample
    from matdoe.records import SampleRecord, parse_record

    if not measurements:
        raise InvalidRecordError(
            f"suggestion {suggestion_id}: tell needs at least one measurement (e.g. "
            "--temperature 30C --sigma 4.1e-4S/cm)"
        )
    if campaign is not None:
        wanted = find_campaign(session, campaign)
        found = find_suggestion(session, suggestion_id)
        if found.campaign_id != wanted.id:
            raise InvalidRecordError(
                f"suggestion {suggestion_id} belongs to campaign {found.campaign.name!r}, not "
                f"{wanted.name!r}"
            )
    recipe = suggestion_recipe(session, suggestion_id)
    if host is not None and recipe.get("host") not in (None, host):
        raise InvalidRecordError(
            f"suggestion {suggestion_id}: host {host!r} is not the campaign's "
            f"{recipe['host']!r}; leave --host out, or record the batch with `matdoe sample add`"
        )
    data: dict[str, Any] = {
        "label": label,
        **({"host": host} if host is not None else {}),
        **recipe,
        "made_on": made_on or dt.date.today(),
        "source": source,
        "notes": notes,
        "suggestion_id": suggestion_id,
        "measurements": [{"source": source, **dict(m)} for m in measurements],
    }
    if pellet:
        data["pellet"] = dict(pellet)
    record = parse_record(SampleRecord, data, where=f"tell {suggestion_id}")
    return add_sample(session, record, force=force)


def read_results(path: Path) -> list[dict[str, Any]]:
    """A results file for ``matdoe tell --file``: a JSON or YAML list of objects.

    Each object has ``suggestion`` (its id), ``label``, ``measurements`` (a list of measurement
    objects) and optionally ``pellet``, ``host``, ``made_on`` and ``notes``; ``{"results":
    [...]}`` is read too.
    """
    from matdoe.tables import read_structured

    data = read_structured(Path(path))
    if isinstance(data, Mapping) and "results" in data:
        data = data["results"]
    if isinstance(data, Mapping):
        data = [data]
    if not isinstance(data, list) or not data:
        raise InvalidRecordError(f"{Path(path).name}: expected a list of results")
    allowed = {"suggestion", "label", "measurements", "pellet", "host", "made_on", "notes"}
    results = []
    for index, item in enumerate(data, start=1):
        where = f"{Path(path).name} result {index}"
        if not isinstance(item, Mapping):
            raise InvalidRecordError(f"{where}: expected an object")
        unknown = sorted(set(item) - allowed)
        if unknown:
            raise InvalidRecordError(
                f"{where}: unknown field {unknown[0]!r} (fields: {sorted(allowed)})"
            )
        for required in ("suggestion", "label", "measurements"):
            if required not in item:
                raise InvalidRecordError(f"{where}: field {required!r} is required")
        if not isinstance(item["suggestion"], int) or isinstance(item["suggestion"], bool):
            raise InvalidRecordError(f"{where}: 'suggestion' must be a suggestion id (a number)")
        if not isinstance(item["measurements"], list):
            raise InvalidRecordError(f"{where}: 'measurements' must be a list")
        made_on = item.get("made_on")
        if made_on is not None and not isinstance(made_on, dt.date):
            try:
                made_on = dt.date.fromisoformat(str(made_on))
            except ValueError:
                raise InvalidRecordError(f"{where}: made_on {made_on!r} is not a date") from None
        results.append({**item, "made_on": made_on, "where": where})
    _refuse_repeats(Path(path).name, results)
    return results


def _refuse_repeats(name: str, results: Sequence[Mapping[str, Any]]) -> None:
    """One batch realises a suggestion, and a label names one batch: each once in a file.

    Checked before anything is told: otherwise the second telling fails on what the first one
    did, as if the database had held it already.
    """
    for key, what in (("suggestion", "suggestion {}"), ("label", "label {!r}")):
        first: dict[Any, int] = {}
        for index, result in enumerate(results, start=1):
            value = result[key]
            value = value.strip() if isinstance(value, str) else value
            if not isinstance(value, str | int):
                continue  # not a label: refused with the record's own message
            if value in first:
                raise InvalidRecordError(
                    f"{name}: {what.format(value)} appears twice (results {first[value]} and "
                    f"{index}); tell each {key} once"
                )
            first[value] = index
