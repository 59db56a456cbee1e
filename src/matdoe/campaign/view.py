"""What ``matdoe campaign show`` shows of a campaign, as data (the CLI only prints it).

:func:`campaign_view` gathers the campaign's space (parameters with their sample fields, the
shared recipe, conditions, constraints, objectives), its suggestions by status, its current front
(the Pareto front with several objectives, the best batches with one) and the history of its
edits, each change spelled out (``parameters.milling_h.high: 12.0 → 24.0``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from matdoe.db.models import Campaign
from matdoe.errors import InvalidRecordError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CampaignView", "campaign_view", "space_changes"]

#: Batches shown as "best so far" for a campaign with one objective.
N_BEST = 5


@dataclass(frozen=True)
class CampaignView:
    """A campaign for a person to read.

    Attributes:
        summary: ``(label, value)`` pairs: name, status, description, host, notes, counts.
        recipe: ``(field, value)`` pairs of the recipe every batch shares.
        parameters: One row per parameter (name, sample field, values).
        conditions: One row per condition.
        constraints: One text per constraint.
        objectives: One text per objective.
        front: The measured front (several objectives) or best batches (one), as rows.
        table: Every batch with its objective values and ``on_front`` (for a plot).
        history: One line per change, oldest first.
    """

    summary: list[tuple[str, Any]]
    recipe: list[tuple[str, Any]]
    parameters: list[dict[str, Any]]
    conditions: list[dict[str, Any]]
    constraints: list[str]
    objectives: list[str]
    front: list[dict[str, Any]]
    table: pd.DataFrame
    history: list[str]

    @property
    def several_objectives(self) -> bool:
        return len(self.objectives) > 1


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if (
        isinstance(value, list)
        and value
        and all(isinstance(v, Mapping) and "name" in v for v in value)
    ):
        out = {}
        for item in value:
            out.update(_flatten(item, f"{prefix}.{item['name']}"))
        return out
    return {prefix: value}


def space_changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> dict[str, tuple[Any, Any]]:
    """What changed between two versions of a campaign record, key by key.

    >>> space_changes({"space": {"parameters": [{"name": "milling_h", "high": 12.0}]}},
    ...               {"space": {"parameters": [{"name": "milling_h", "high": 24.0}]}})
    {'space.parameters.milling_h.high': (12.0, 24.0)}
    """
    a, b = _flatten(dict(before)), _flatten(dict(after))
    skip = ("updated_at", "created_at", "id")
    return {
        key: (a.get(key), b.get(key))
        for key in sorted(set(a) | set(b))
        if a.get(key) != b.get(key) and key not in skip
    }


def _history(session: Session, campaign: Campaign) -> list[str]:
    from matdoe.campaign.registry import campaign_history

    lines: list[str] = []
    previous: dict[str, Any] | None = None
    for revision in campaign_history(session, campaign):
        when = f"{revision.changed_at:%Y-%m-%d %H:%M} {revision.changed_by or ''}".rstrip()
        note = f" [{revision.note}]" if revision.note else ""
        if revision.action == "insert" or previous is None:
            lines.append(f"{when}: created{note}")
        else:
            changed = space_changes(previous, revision.data)
            text = "; ".join(
                f"{k.removeprefix('space.')}: {a!r} → {b!r}" for k, (a, b) in changed.items()
            )
            lines.append(f"{when}: {text or 'no field changed'}{note}")
        previous = revision.data
    return lines


def _constraint(c: Mapping[str, Any]) -> str:
    if c.get("type") == "linear":
        terms = " + ".join(f"{v:g}·{k}" for k, v in c["coefficients"].items())
        return f"{terms} {c.get('kind', '<=')} {c['rhs']:g}"
    combo = ", ".join(f"{k}={v}" for k, v in c.get("combination", {}).items())
    return f"forbidden: {combo}"


def campaign_view(
    session: Session, campaign: Campaign, *, sources: tuple[str, ...] | None = None
) -> CampaignView:
    """Everything ``matdoe campaign show`` prints (see the module docstring)."""
    from matdoe.campaign.catalogue import campaign_space
    from matdoe.campaign.observations import objective_table
    from matdoe.campaign.registry import _counts, definition_of

    definition = definition_of(campaign)
    counts = _counts(session, campaign)
    table = objective_table(session, campaign, sources=sources)
    objectives = [o.name for o in definition.objectives]
    parameters = list(definition.space.parameter_names)
    keep = ["sample", *[p for p in parameters if p not in objectives], *objectives]
    if len(objectives) > 1:
        front = table[table["on_front"]]
        front = front.sort_values(objectives[0], ascending=not definition.primary.maximize)
    else:
        front = table.dropna(subset=objectives).sort_values(
            objectives[0], ascending=not definition.primary.maximize
        )
        front = front.head(N_BEST)
    summary: list[tuple[str, Any]] = [
        ("campaign", campaign.name),
        ("status", campaign.status),
        ("description", definition.description),
        ("notes", campaign.notes),
        ("batches with every objective", int(table[objectives].notna().all(axis=1).sum())),
        (
            "suggestions",
            ", ".join(f"{n} {status}" for status, n in sorted(counts.items())) or "none yet",
        ),
        ("created", campaign.created_at.isoformat(sep=" ")),
    ]
    document = definition.document
    try:
        effective = campaign_space(session, definition)
    except InvalidRecordError:  # a listed material left the catalogue: show the file's list
        effective = definition.space
    joined = {
        p.name: list(p.choices)  # type: ignore[attr-defined]
        for p in effective.parameters
        if not p.numeric and p.name in definition.space.parameter_names
    }
    return CampaignView(
        summary=summary,
        recipe=[(k, v) for k, v in definition.recipe.items()],
        parameters=definition.describe_parameters(joined),
        conditions=[dict(c) for c in document.get("conditions", [])],
        constraints=[_constraint(c) for c in document.get("constraints", [])],
        objectives=[o.describe() for o in definition.objectives],
        front=[
            {k: (None if v != v else v) for k, v in row.items()}  # NaN → blank
            for row in front[keep].to_dict("records")
        ],
        table=table,
        history=_history(session, campaign),
    )
