"""Suggestions of a campaign: asked for, recorded, turned into samples, compared afterwards.

:func:`propose` asks :func:`matdoe.suggest.suggest` for the campaign's next batch (every
objective of the campaign: a Pareto set when there are several) and records it;
:func:`suggestion_rows` is what a person sees of it, with the masses to weigh;
:func:`suggestion_recipe` turns a suggestion into the sample fields of the batch that realises it
(the campaign's fixed recipe plus the suggested values); :func:`suggestion_table` compares what
was predicted with what was measured.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matdoe.campaign.definition import CONDUCTIVITY, TEMPERATURE, CampaignDefinition
from matdoe.db.models import MAX_ID, Campaign, Material, Suggestion
from matdoe.errors import InvalidRecordError, NotFoundError

if TYPE_CHECKING:
    import pandas as pd

    from matdoe.chem import Recipe

__all__ = [
    "abandon",
    "find_suggestion",
    "pending",
    "propose",
    "recipe_for",
    "record_suggestions",
    "suggestion_recipe",
    "suggestion_rows",
    "suggestion_table",
]

#: The paper's batch (mg) and ball-to-powder ratio, used for the masses when a campaign states
#: neither (and said so in the suggestion's row).
PAPER_BATCH_MG = 500.0


def pending(session: Session, campaign: Campaign) -> pd.DataFrame:
    """Suggested-but-unmeasured recipes of the campaign (parameter columns + ``suggestion_id``)."""
    import pandas as pd

    rows = [
        {**s.parameters, "suggestion_id": s.id}
        for s in session.scalars(
            select(Suggestion)
            .where(Suggestion.campaign_id == campaign.id, Suggestion.status == "pending")
            .order_by(Suggestion.id)
        )
    ]
    return pd.DataFrame(rows)


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    return value


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def record_suggestions(
    session: Session,
    campaign: Campaign,
    batch: pd.DataFrame,
    *,
    conditions: dict[str, float] | None,
    strategy: str,
    parameters: tuple[str, ...],
) -> list[Suggestion]:
    """Store a batch from :func:`matdoe.suggest.suggest` as pending suggestions."""
    number = (
        session.scalar(
            select(func.max(Suggestion.batch)).where(Suggestion.campaign_id == campaign.id)
        )
        or 0
    ) + 1
    model = batch.attrs.get("model")
    names = [
        c.removeprefix("predicted_")
        for c in batch.columns
        if c.startswith("predicted_") and not c.endswith("_std") and c not in ("predicted_mean",)
    ]
    stored = []
    for _, row in batch.iterrows():
        predictions = {
            name: {
                "mean": _number(row.get(f"predicted_{name}")),
                "std": _number(row.get(f"predicted_{name}_std")),
            }
            for name in names
        }
        suggestion = Suggestion(
            campaign_id=campaign.id,
            batch=number,
            parameters={name: _plain(row[name]) for name in parameters},
            conditions=conditions,
            predicted_mean=_number(row.get("predicted_mean")),
            predicted_std=_number(row.get("predicted_std")),
            acquisition=_number(row.get("acquisition")),
            predictions=predictions or None,
            strategy=strategy,
            model=model,
            status="pending",
        )
        session.add(suggestion)
        stored.append(suggestion)
    session.flush()
    return stored


def find_suggestion(session: Session, suggestion_id: int) -> Suggestion:
    """A suggestion by its id (ids are 32-bit: a larger one is unknown on every back end)."""
    in_range = 1 <= suggestion_id <= MAX_ID
    suggestion = session.get(Suggestion, suggestion_id) if in_range else None
    if suggestion is None:
        raise NotFoundError(f"unknown suggestion {suggestion_id}; see `matdoe suggestion list`")
    return suggestion


def sample_fields(definition: CampaignDefinition, values: Mapping[str, Any]) -> dict[str, Any]:
    """The sample fields of a batch of the campaign with these parameter ``values``.

    The campaign's fixed recipe, then each parameter's value in the field it maps to
    (``extra.KEY`` goes into the ``extra`` object).

    >>> d = CampaignDefinition.from_dict({
    ...     "recipe": {"host": "LiBH4", "milling_rpm": 400},
    ...     "parameters": [{"type": "float", "name": "drying_c", "field": "extra.drying_c",
    ...                     "low": 100, "high": 200}],
    ...     "conditions": [{"name": "temperature_c", "low": 20, "high": 80, "default": 30}],
    ... })
    >>> sample_fields(d, {"drying_c": 150.0})
    {'host': 'LiBH4', 'milling_rpm': 400.0, 'extra': {'drying_c': 150.0}}
    """
    out: dict[str, Any] = {k: v for k, v in definition.recipe.items() if k != "extra"}
    extra = dict(definition.recipe.get("extra") or {})
    for name, field in definition.fields.items():
        if name not in values:
            continue
        value = _plain(values[name])
        if field.startswith("extra."):
            extra[field.split(".", 1)[1]] = value
        else:
            out[field] = value
    if extra:
        out["extra"] = extra
    return out


def suggestion_recipe(session: Session, suggestion_id: int) -> dict[str, Any]:
    """The sample fields a suggestion proposes (for ``sample add --from-suggestion``).

    The campaign's fixed recipe (e.g. its host, milling speed, batch mass) and the suggested
    parameter values, each in the sample field it maps to.

    Raises:
        NotFoundError: no such suggestion.
        InvalidRecordError: the suggestion is not pending.
    """
    from matdoe.campaign.registry import definition_of

    suggestion = find_suggestion(session, suggestion_id)
    if suggestion.status != "pending":
        raise InvalidRecordError(
            f"suggestion {suggestion_id} is {suggestion.status}, not pending; "
            "see `matdoe suggestion list`"
        )
    return sample_fields(definition_of(suggestion.campaign), suggestion.parameters)


def abandon(
    session: Session, suggestion_id: int, *, campaign: Campaign | None = None
) -> Suggestion:
    """Mark a pending suggestion abandoned (it is kept, and no longer blocks the recipe)."""
    suggestion = find_suggestion(session, suggestion_id)
    if campaign is not None and suggestion.campaign_id != campaign.id:
        raise InvalidRecordError(
            f"suggestion {suggestion_id} belongs to campaign {suggestion.campaign.name!r}, not "
            f"{campaign.name!r}"
        )
    if suggestion.status != "pending":
        raise InvalidRecordError(
            f"suggestion {suggestion_id} is already {suggestion.status}; only pending ones "
            "can be abandoned"
        )
    suggestion.status = "abandoned"
    session.flush()
    return suggestion


def _measured_log10_sigma(suggestion: Suggestion, temperature_c: float | None) -> float | None:
    if not suggestion.samples or temperature_c is None:
        return None
    values = [
        m.sigma_s_cm
        for sample in suggestion.samples
        for m in sample.measurements
        if m.kind == "eis"
        and m.sigma_s_cm
        and abs((m.temperature_k or 0) - 273.15 - temperature_c) <= 1.0
    ]
    return math.log10(sum(values) / len(values)) if values else None


def suggestion_table(
    session: Session, *, status: str | None = None, campaign: Campaign | None = None
) -> list[dict[str, Any]]:
    """Suggestions with what was predicted and, once made, what was measured at that condition.

    Args:
        session: An open session.
        status: Only suggestions of this status (pending, made, abandoned).
        campaign: Only this campaign's (None: every campaign, with a ``campaign`` column).
    """
    query = select(Suggestion).order_by(Suggestion.id)
    if status:
        query = query.where(Suggestion.status == status)
    if campaign is not None:
        query = query.where(Suggestion.campaign_id == campaign.id)
    out = []
    for s in session.scalars(query):
        temperature_c = (s.conditions or {}).get(TEMPERATURE)
        row: dict[str, Any] = {"id": s.id}
        if campaign is None:
            row["campaign"] = s.campaign.name
        row.update(
            {
                "batch": s.batch,
                "status": s.status,
                "strategy": s.strategy,
                **s.parameters,
                "temperature_c": temperature_c,
                "predicted_log10_sigma": s.predicted_mean,
                "predicted_std": s.predicted_std,
            }
        )
        for name, prediction in (s.predictions or {}).items():
            if name != CONDUCTIVITY:
                row[f"predicted_{name}"] = prediction.get("mean")
        row.update(
            {
                "acquisition": s.acquisition,
                "measured_log10_sigma": _measured_log10_sigma(s, temperature_c),
                "samples": ", ".join(sample.label for sample in s.samples) or None,
                "created_at": s.created_at.isoformat(sep=" "),
            }
        )
        out.append(row)
    return out


def recipe_for(
    session: Session,
    scaffold: str | None,
    vol_pct: float,
    *,
    host: str = "Na2B12H12",
    batch_mg: float = PAPER_BATCH_MG,
    ball_to_powder: float = 140.0,
) -> Recipe:
    """Masses to weigh for a recipe, from the catalogue densities.

    Args:
        session: An open session.
        scaffold: The scaffold material (None: the host alone).
        vol_pct: vol% scaffold.
        host: The host material.
        batch_mg: Batch mass (mg).
        ball_to_powder: Ball-to-powder mass ratio.

    Raises:
        NotFoundError: a material is not catalogued.
        InvalidRecordError: a material has no density (a vol% needs both).
    """
    from matdoe.chem import batch_recipe
    from matdoe.db.store import find_material

    host_material = find_material(session, host, kind="host")
    if scaffold is None or vol_pct == 0:
        from matdoe.chem import Recipe

        batch = float(batch_mg)
        return Recipe(
            scaffold_vol_pct=0.0,
            scaffold_wt_pct=0.0,
            scaffold_mol_pct=0.0,
            host_mg=batch,
            scaffold_mg=0.0,
            batch_mg=batch,
            ball_to_powder=float(ball_to_powder),
            balls_g=float(ball_to_powder) * batch / 1000.0,
            host_label=host_material.name,
            scaffold_label=scaffold or "none",
        )
    scaffold_material = find_material(session, scaffold, kind="scaffold")
    if host_material.density_g_cm3 is None or scaffold_material.density_g_cm3 is None:
        missing = host_material if host_material.density_g_cm3 is None else scaffold_material
        raise InvalidRecordError(
            f"material {missing.name!r} has no density; add one to turn vol% into masses"
        )
    return batch_recipe(
        vol_pct,
        host_density_g_cm3=host_material.density_g_cm3,
        scaffold_density_g_cm3=scaffold_material.density_g_cm3,
        batch_mg=batch_mg,
        ball_to_powder=ball_to_powder,
        host_label=host_material.name,
        scaffold_label=scaffold_material.name,
    )


def _masses(
    session: Session,
    definition: CampaignDefinition,
    values: Mapping[str, Any],
    batch_mg: float | None,
) -> tuple[dict[str, Any], str | None]:
    """host_mg, scaffold_mg, balls_g of a suggested recipe, or a note saying why not."""
    fields = sample_fields(definition, values)
    host, scaffold = fields.get("host"), fields.get("scaffold")
    vol = fields.get("scaffold_vol_pct", 0.0 if scaffold is None else None)
    blank = {"host_mg": None, "scaffold_mg": None, "balls_g": None}
    if host is None:
        return blank, "no host"
    if vol is None:
        return blank, "the campaign states no vol% scaffold"
    batch = batch_mg if batch_mg is not None else fields.get("batch_mg", PAPER_BATCH_MG)
    ratio = fields.get("ball_to_powder")
    try:
        recipe = recipe_for(
            session,
            None if scaffold is None else str(scaffold),
            float(vol),
            host=str(host),
            batch_mg=float(batch),
            ball_to_powder=float(ratio) if ratio else 1.0,
        )
    except (InvalidRecordError, NotFoundError) as exc:
        return blank, str(exc)
    return {
        "host_mg": round(recipe.host_mg, 1),
        "scaffold_mg": round(recipe.scaffold_mg, 1),
        "balls_g": round(recipe.balls_g, 1) if ratio else None,
    }, None


def suggestion_rows(
    session: Session,
    batch: pd.DataFrame,
    stored: list[Suggestion],
    *,
    batch_mg: float | None = None,
    campaign: Campaign | None = None,
) -> list[dict[str, Any]]:
    """One row per suggestion to show a person: only the columns its strategy fills.

    The recipe, why it was chosen, (with a model) the predicted sigma with the band of its mean
    and the interval of a new batch's measurement (:func:`prediction_columns`), the expected
    improvement (blank for a space-filling pick) or, with several objectives, every measured
    objective's prediction and the expected hypervolume improvement; its distance to the
    nearest made recipe, and the masses to weigh (batch: ``batch_mg``, else the campaign's,
    else the paper's 500 mg; balls when the campaign states a ball-to-powder ratio). When the
    masses cannot be computed (a material without a density), ``masses_note`` says why.
    """
    from matdoe.campaign.observations import prediction_columns
    from matdoe.campaign.registry import definition_of, find_campaign

    if campaign is None:
        name = batch.attrs.get("campaign")
        if stored:
            campaign = stored[0].campaign
        elif name is not None:
            campaign = find_campaign(session, str(name))
        else:
            from matdoe.campaign.registry import resolve_campaign

            campaign = resolve_campaign(session)
    definition = definition_of(campaign)
    names = list(definition.space.parameter_names)
    has_model = "predicted_mean" in batch.columns
    primary = next((o for o in definition.objectives if o.modelled), definition.primary)
    others = [o.name for o in definition.modelled if o.name != primary.name]
    rows, notes = [], False
    for position, (_, row) in enumerate(batch.iterrows()):
        out: dict[str, Any] = {"id": stored[position].id if stored else None}
        out.update({name: _plain(row[name]) for name in names})
        out["reason"] = row["reason"]
        if has_model:
            if primary.name == CONDUCTIVITY:
                cols = prediction_columns(
                    [row["predicted_mean"]], [row["predicted_std"]], [row["predictive_std"]]
                )
                out.update({k: float(v[0]) for k, v in cols.items()})
            else:
                out[f"predicted_{primary.name}"] = float(row["predicted_mean"])
                out[f"predicted_{primary.name}_std"] = float(row["predicted_std"])
            for name in others:
                if f"predicted_{name}" in batch.columns:
                    out[f"predicted_{name}"] = float(row[f"predicted_{name}"])
                    out[f"predicted_{name}_std"] = float(row[f"predicted_{name}_std"])
            if "expected_hypervolume_improvement" in batch.columns:
                out["expected_hypervolume_improvement"] = float(
                    row["expected_hypervolume_improvement"]
                )
            elif "expected_improvement" in batch.columns:
                out["expected_improvement_log10"] = float(row["expected_improvement"])
        out["distance_to_made"] = round(float(row["distance_to_made"]), 3)
        masses, note = _masses(session, definition, out, batch_mg)
        out.update(masses)
        out["masses_note"] = note
        notes |= note is not None
        rows.append(out)
    if not notes:
        for out in rows:
            del out["masses_note"]
    return rows


def _candidates(candidates: Any, space: Any) -> Any:
    return candidates(space) if callable(candidates) else candidates


def propose(
    session: Session,
    *,
    n: int,
    campaign: Campaign | str | None = None,
    temperature_c: float | None = None,
    strategy: str = "gp-ei",
    random_state: int = 0,
    limits: Mapping[str, Any] | None = None,
    candidates: Any = None,
    sources: tuple[str, ...] | None = None,
    store: bool = True,
) -> tuple[pd.DataFrame, list[Suggestion], int]:
    """Ask :func:`matdoe.suggest.suggest` for the campaign's next batch and record it.

    Locks the campaign first, so simultaneous requests see each other's pending recipes. Every
    usable measurement and every pending suggestion informs the model, also those outside
    ``limits`` or the campaign's ranges: limits only restrict the proposals. A campaign with
    several objectives gets a Pareto-set batch (one model per measured objective).

    Args:
        n: Batch size.
        campaign: The campaign, its name, or None for the only open one.
        temperature_c: The temperature at which sigma is optimised (°C; refused outside the
            range of a conductivity measurement, :mod:`matdoe.plausibility`); default: the
            campaign's.
        strategy: See :data:`matdoe.suggest.STRATEGIES`.
        random_state: Seed; same data and seed give the same batch.
        limits: Proposal limits, ``{name: [choices]}`` or ``{name: (low, high)}``
            (:meth:`SearchSpace.restrict`).
        candidates: Optional table of makeable recipes to choose from (index kept), or a
            function of the proposal space returning one.
        sources: Use only measurements of these sources (see :func:`observations`).
        store: Record the batch as pending suggestions (False: a dry run).

    Returns:
        The batch (``attrs["campaign"]`` names the campaign), the stored suggestions (empty
        for a dry run) and the number of observations of the first measured objective.
    """
    from matdoe.campaign.observations import training_table
    from matdoe.campaign.registry import check_open, definition_of, resolve_campaign
    from matdoe.plausibility import refuse_implausible
    from matdoe.suggest import Objective, suggest

    if not isinstance(campaign, Campaign):
        campaign = resolve_campaign(session, campaign, lock=True)
    else:
        campaign = resolve_campaign(session, campaign.name, lock=True)
    check_open(campaign)
    definition = definition_of(campaign)
    data = {
        o.name: training_table(session, campaign, sources=sources, objective=o.name)
        for o in definition.modelled
    }
    first = data[definition.modelled[0].name]
    objectives = None
    space = first.space
    if len(definition.objectives) > 1:
        from matdoe.campaign.catalogue import campaign_space

        space = campaign_space(session, definition)
        objectives = [
            Objective(o.name, o.maximize, observations=data[o.name].table[data[o.name].columns])
            if o.modelled
            else Objective.recipe(o.name, maximize=o.maximize)
            for o in definition.objectives
        ]
    limits = makeable_limits(session, definition, space, limits)
    proposal = space.restrict(limits) if limits else space
    waiting = _usable_pending(pending(session, campaign), space)
    conditions: dict[str, float] = {}
    if any(o.kind == "conductivity" for o in definition.objectives):
        conditions[TEMPERATURE] = (
            float(temperature_c) if temperature_c is not None else definition.target_temperature_c()
        )
        refuse_implausible(
            "temperature_k",
            conditions[TEMPERATURE] + 273.15,
            where=f"temperature_c {conditions[TEMPERATURE]:g}",
        )
    batch = suggest(
        first.table[first.columns],
        proposal,
        objective=first.objective,
        n=n,
        maximize=definition.modelled[0].maximize,
        pending=waiting[list(space.parameter_names)] if len(waiting) else None,
        candidates=_candidates(candidates, proposal),
        conditions=conditions or None,
        strategy=strategy,
        random_state=random_state,
        objectives=objectives,
    )
    batch.attrs["campaign"] = campaign.name
    used = str(batch.attrs.get("strategy", strategy))
    stored = (
        record_suggestions(
            session,
            campaign,
            batch,
            conditions=conditions or None,
            strategy=used,
            parameters=proposal.parameter_names,
        )
        if store
        else []
    )
    return batch, stored, len(first.table)


def makeable_limits(
    session: Session,
    definition: CampaignDefinition,
    space: Any,
    limits: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """``limits`` with every host and scaffold parameter restricted to catalogued materials.

    A batch is weighed from the catalogue's densities, so only materials the lab has
    catalogued are proposed; the other choices stay in the model's space and inform it through
    their measurements.

    Raises:
        InvalidRecordError: no choice of such a parameter is catalogued, or the choices asked
            for (``limits``) are not.
    """
    out = dict(limits or {})
    for name, field in definition.fields.items():
        if field not in ("host", "scaffold") or name not in space.parameter_names:
            continue
        catalogued = set(session.scalars(select(Material.name).where(Material.kind == field)))
        choices = list(space[name].choices)
        makeable = [c for c in choices if c in catalogued]
        if not makeable:
            raise InvalidRecordError(
                f"no {field} of parameter {name!r} ({', '.join(choices)}) is in the material "
                "catalogue; add one with `matdoe material add` (or `matdoe init --example` for "
                "the paper's silicas)"
            )
        asked = out.get(name)
        if asked is None:
            out[name] = makeable
            continue
        kept = [c for c in asked if c in makeable]
        if not kept:
            raise InvalidRecordError(
                f"{name} {', '.join(map(str, asked))}: not in the material catalogue; "
                f"catalogued choices: {', '.join(makeable)}"
            )
        out[name] = kept
    return out


def _usable_pending(waiting: pd.DataFrame, space: Any) -> pd.DataFrame:
    """Pending recipes the model can place (a choice removed by an edit cannot be)."""
    if not len(waiting):
        return waiting
    keep = waiting[list(space.parameter_names)].notna().all(axis=1)
    for parameter in space.categoricals:
        if parameter.descriptors:
            keep &= waiting[parameter.name].isin(parameter.choices)
    return waiting[keep]
