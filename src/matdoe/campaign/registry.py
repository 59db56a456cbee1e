"""Campaigns as records: create, find, list, edit (with history), archive.

Many campaigns share one database. A command that acts on a campaign takes its name, or, without
one, the only open campaign (:func:`resolve_campaign`). A database without any campaign gets the
default one (the paper's Na2B12H12/SiO2 space, ``data/spaces/na2b12h12_sio2.yaml``) on first
use, so a new lab can ask for suggestions right after ``matdoe init``.

Every change writes a revision row (``matdoe.db.history``), so ``matdoe campaign show`` can say
what the campaign's space said before an edit widened a range.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matdoe.campaign.definition import CampaignDefinition
from matdoe.db.models import Campaign, Revision, Suggestion
from matdoe.errors import DuplicateError, InvalidRecordError, NotFoundError

__all__ = [
    "DEFAULT_CAMPAIGN",
    "DEFAULT_SPACE_FILE",
    "archive_campaign",
    "campaign_history",
    "create_campaign",
    "definition_of",
    "edit_campaign",
    "ensure_default_campaign",
    "find_campaign",
    "get_campaign",
    "has_campaigns",
    "list_campaigns",
    "resolve_campaign",
]

DEFAULT_CAMPAIGN = "default"
DEFAULT_SPACE_FILE = ("spaces", "na2b12h12_sio2.yaml")
DEFAULT_NOTES = "Na2B12H12/SiO2 by ball milling; objective log10 sigma (S/cm)"


def definition_of(campaign: Campaign) -> CampaignDefinition:
    """The campaign's stored space file as a :class:`CampaignDefinition`."""
    return CampaignDefinition.from_dict(
        campaign.space, where=f"campaign {campaign.name!r}", stored=True
    )


def _check_name(name: str) -> str:
    import re

    text = str(name).strip()
    if not text:
        raise InvalidRecordError("a campaign needs a name, e.g. li-mgo-2027")
    if len(text) > 120:
        raise InvalidRecordError(f"campaign name {text[:40]!r}...: at most 120 characters")
    bad = re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]", text)
    if bad:
        raise InvalidRecordError(
            f"campaign name {text!r}: holds the control character {bad.group()!r}; use one line "
            "of plain text"
        )
    return text


def _names(session: Session, status: str | None = None) -> list[str]:
    query = select(Campaign.name).order_by(Campaign.name)
    if status is not None:
        query = query.where(Campaign.status == status)
    return list(session.scalars(query))


def find_campaign(session: Session, name: str, *, lock: bool = False) -> Campaign:
    """The campaign called ``name`` (``lock``: held until the transaction ends).

    Raises:
        NotFoundError: no such campaign; the message lists the campaigns.
    """
    query = select(Campaign).where(Campaign.name == name)
    if lock:
        query = query.with_for_update()
    campaign = session.scalar(query)
    if campaign is None:
        known = ", ".join(_names(session)) or "none yet"
        raise NotFoundError(
            f"unknown campaign {name!r} (campaigns: {known}); create one with `matdoe campaign "
            "create NAME --space FILE`"
        )
    return campaign


def ensure_default_campaign(session: Session) -> Campaign | None:
    """Create the default campaign when the database holds no campaign at all.

    Returns the new campaign, or None when there already was one.
    """
    if session.scalar(select(func.count()).select_from(Campaign)):
        return None
    from matdoe.campaign.definition import load_definition
    from matdoe.paths import data_file

    definition = load_definition(data_file(*DEFAULT_SPACE_FILE))
    return _insert(session, DEFAULT_CAMPAIGN, definition, notes=DEFAULT_NOTES)


def _insert(
    session: Session, name: str, definition: CampaignDefinition, *, notes: str | None
) -> Campaign:
    campaign = Campaign(
        name=name,
        status="open",
        objective=definition.primary.name,
        maximize=definition.primary.maximize,
        space=definition.to_dict(),
        notes=notes,
    )
    session.add(campaign)
    session.flush()
    return campaign


def has_campaigns(session: Session) -> bool:
    """Whether the database holds any campaign (a read-only command creates none)."""
    return bool(session.scalar(select(func.count()).select_from(Campaign)))


def resolve_campaign(
    session: Session, name: str | None = None, *, lock: bool = False, create: bool = True
) -> Campaign:
    """The campaign a command acts on: ``name``, else the only open campaign.

    Reusable by every command that takes ``--campaign`` (suggest, model, suggestion, ask/tell).
    A database without any campaign gets the default one first (``create=False``, for a
    read-only command: refused instead). ``lock`` holds the row until
    the transaction ends (PostgreSQL ``SELECT ... FOR UPDATE``; SQLite write transactions hold
    the lock already), so two people asking for suggestions at once are served one after the
    other and see each other's pending recipes.

    Raises:
        NotFoundError: ``name`` is unknown, or no campaign is open.
        InvalidRecordError: several campaigns are open and no name was given (listed).
    """
    if name is not None:
        return find_campaign(session, name, lock=lock)
    if not create and not has_campaigns(session):
        raise NotFoundError(
            "no campaign yet; `matdoe init` creates the default one, `matdoe campaign create "
            "NAME --space FILE` another"
        )
    created = ensure_default_campaign(session)
    if created is not None:
        return find_campaign(session, created.name, lock=lock) if lock else created
    open_ = _names(session, "open")
    if len(open_) == 1:
        return find_campaign(session, open_[0], lock=lock)
    if not open_:
        archived = ", ".join(_names(session, "archived"))
        raise NotFoundError(
            f"no open campaign (archived: {archived}); reopen one with `matdoe campaign archive "
            "NAME --undo` or create one with `matdoe campaign create NAME --space FILE`"
        )
    raise InvalidRecordError(
        f"{len(open_)} campaigns are open ({', '.join(open_)}); choose one with --campaign NAME"
    )


def get_campaign(session: Session, name: str = DEFAULT_CAMPAIGN, *, lock: bool = False) -> Campaign:
    """The campaign called ``name``; the default one is created on first use (see above)."""
    if (
        name == DEFAULT_CAMPAIGN
        and session.scalar(select(Campaign.id).where(Campaign.name == name)) is None
    ):
        from matdoe.campaign.definition import load_definition
        from matdoe.paths import data_file

        definition = load_definition(data_file(*DEFAULT_SPACE_FILE))
        _insert(session, DEFAULT_CAMPAIGN, definition, notes=DEFAULT_NOTES)
    return find_campaign(session, name, lock=lock)


def create_campaign(
    session: Session, name: str, definition: CampaignDefinition, *, notes: str | None = None
) -> tuple[Campaign, list[str]]:
    """Record a new open campaign; returns it with warnings for a person (e.g. no density).

    Raises:
        DuplicateError: a campaign of that name exists.
        InvalidRecordError: the catalogue lacks a material the campaign names, or a descriptor.
    """
    from matdoe.campaign.catalogue import check_catalogue

    name = _check_name(name)
    if session.scalar(select(Campaign.id).where(Campaign.name == name)) is not None:
        raise DuplicateError(
            f"campaign {name!r} already exists; see it with `matdoe campaign show {name}`, "
            "change it with `matdoe campaign edit`, or choose another name"
        )
    warnings = check_catalogue(session, definition)
    return _insert(session, name, definition, notes=notes), warnings


def _counts(session: Session, campaign: Campaign) -> dict[str, int]:
    rows = session.execute(
        select(Suggestion.status, func.count())
        .where(Suggestion.campaign_id == campaign.id)
        .group_by(Suggestion.status)
    ).all()
    return {str(status): int(n) for status, n in rows}


def list_campaigns(session: Session, *, status: str | None = None) -> list[dict[str, Any]]:
    """One row per campaign: name, status, parameters, objectives, suggestions by status."""
    query = select(Campaign).order_by(Campaign.name)
    if status is not None:
        if status not in ("open", "archived"):
            raise InvalidRecordError(f"--status {status!r}: open or archived")
        query = query.where(Campaign.status == status)
    rows = []
    for campaign in session.scalars(query):
        definition = definition_of(campaign)
        counts = _counts(session, campaign)
        rows.append(
            {
                "name": campaign.name,
                "status": campaign.status,
                "host": definition.host or "(a parameter)",
                "parameters": ", ".join(definition.space.parameter_names),
                "objectives": "; ".join(o.describe() for o in definition.objectives),
                "pending": counts.get("pending", 0),
                "made": counts.get("made", 0),
                "abandoned": counts.get("abandoned", 0),
                "created_at": campaign.created_at.isoformat(sep=" "),
            }
        )
    return rows


def _edited_document(
    document: dict[str, Any],
    ranges: Mapping[str, tuple[float | None, float | None]],
    choices: Mapping[str, Sequence[str]],
) -> dict[str, Any]:
    out = copy.deepcopy(document)
    by_name = {p["name"]: p for p in out["parameters"]}
    for name, (low, high) in ranges.items():
        p = by_name.get(name)
        if p is None:
            condition = next((c for c in out.get("conditions", []) if c["name"] == name), None)
            if condition is None:
                raise InvalidRecordError(
                    f"--set {name}: no such parameter or condition; the campaign has "
                    f"{', '.join(by_name)}"
                )
            p = condition
        elif p["type"] == "categorical":
            raise InvalidRecordError(
                f"--set {name}: {name!r} is categorical; change its choices with --choices "
                f"{name}=a,b"
            )
        for key, value in (("low", low), ("high", high)):
            if value is not None:
                if not math.isfinite(value):
                    raise InvalidRecordError(f"--set {name}: {key} {value} is not finite")
                p[key] = float(value)
    for name, values in choices.items():
        p = by_name.get(name)
        if p is None or p["type"] != "categorical":
            raise InvalidRecordError(f"--choices {name}: not a categorical parameter")
        p["choices"] = list(values)
        if "add_new" in p or p.get("catalogue_descriptors"):
            # choices given by name are meant exactly: no catalogued material joins them
            p["add_new"] = False
        if p.get("descriptors") is not None:
            known = {c: d for c, d in p["descriptors"].items() if c in values}
            missing = [c for c in values if c not in known]
            if missing:
                raise InvalidRecordError(
                    f"--choices {name}: {missing[0]!r} needs its descriptors "
                    f"({', '.join(next(iter(p['descriptors'].values())))}); give them in a "
                    "space file with `matdoe campaign edit NAME --space FILE`"
                )
            p["descriptors"] = known
    return out


def edit_campaign(
    session: Session,
    name: str,
    *,
    definition: CampaignDefinition | None = None,
    ranges: Mapping[str, tuple[float | None, float | None]] | None = None,
    choices: Mapping[str, Sequence[str]] | None = None,
    notes: str | None = None,
    reason: str | None = None,
) -> tuple[Campaign, list[str]]:
    """Change a campaign: a new space file, wider or narrower ranges, other choices, notes.

    The earlier version stays in the history (a revision row with ``reason``). A range may be
    widened beyond every measurement and narrowed again; pending suggestions outside a new
    range stay pending (a range limits proposals, not data). The parameters themselves cannot
    change while suggestions are pending: their recipes would no longer fit the space.

    Returns:
        The campaign and warnings for a person.

    Raises:
        InvalidRecordError: nothing to change, a bad range, or parameters changed with
            pending suggestions.
    """
    from matdoe.campaign.catalogue import check_catalogue
    from matdoe.db.history import annotate

    campaign = find_campaign(session, name, lock=True)
    ranges, choices = dict(ranges or {}), dict(choices or {})
    if definition is None and not ranges and not choices and notes is None:
        raise InvalidRecordError(
            "nothing to change; give --space FILE, --set NAME=low:high, --choices NAME=a,b "
            "or --notes TEXT"
        )
    current = definition_of(campaign)
    new = definition or current
    if ranges or choices:
        document = _edited_document(new.to_dict(), ranges, choices)
        new = CampaignDefinition.from_dict(document, where=f"campaign {campaign.name!r}")
    warnings: list[str] = []
    if new.to_dict() == current.to_dict() and (
        notes is None or (notes.strip() or None) == campaign.notes
    ):
        raise InvalidRecordError(
            f"campaign {campaign.name!r} already has these values; nothing changed"
        )
    if new.to_dict() != current.to_dict():
        if new.space.parameter_names != current.space.parameter_names:
            pending = _counts(session, campaign).get("pending", 0)
            if pending:
                raise InvalidRecordError(
                    f"campaign {campaign.name!r} has {pending} pending suggestions of parameters "
                    f"{', '.join(current.space.parameter_names)}; abandon them first (`matdoe "
                    "suggestion abandon ID ...`) or create a new campaign for other parameters"
                )
        warnings = check_catalogue(session, new)
        campaign.space = new.to_dict()
        campaign.objective = new.primary.name
        campaign.maximize = new.primary.maximize
    if notes is not None:
        campaign.notes = notes.strip() or None
    annotate(campaign, reason)
    session.flush()
    return campaign, warnings


def archive_campaign(
    session: Session, name: str, *, undo: bool = False, reason: str | None = None
) -> Campaign:
    """Archive a campaign (kept with its suggestions; no longer the default), or reopen it."""
    from matdoe.db.history import annotate

    campaign = find_campaign(session, name, lock=True)
    wanted = "open" if undo else "archived"
    if campaign.status == wanted:
        raise InvalidRecordError(f"campaign {campaign.name!r} is already {wanted}")
    campaign.status = wanted
    annotate(campaign, reason)
    session.flush()
    return campaign


def campaign_history(session: Session, campaign: Campaign) -> list[Revision]:
    """Every revision of the campaign, oldest first."""
    return list(
        session.scalars(
            select(Revision)
            .where(Revision.table_name == "campaign", Revision.record_id == campaign.id)
            .order_by(Revision.id)
        )
    )


def check_open(campaign: Campaign) -> None:
    """Refuse to propose for an archived campaign."""
    if campaign.status != "open":
        raise InvalidRecordError(
            f"campaign {campaign.name!r} is archived; reopen it with `matdoe campaign archive "
            f"{campaign.name} --undo`"
        )
