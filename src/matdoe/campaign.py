"""The design-of-experiments campaign: database ⇄ observation tables ⇄ suggestions.

This is the glue between the lab database and the modelling code:

- :func:`observations` turns every impedance measurement into one row of the table that
  :func:`matdoe.suggest.suggest` and :class:`matdoe.surrogate.GPSurrogate` read: the recipe
  (``silica``, ``vol_pct``, ``milling_h``), the condition (``temperature_c``) and the objective
  ``log10_sigma`` with its standard deviation ``log10_sigma_std``;
- :func:`campaign_space` is the campaign's search space with the silica choices refreshed from
  the material catalogue (a new silica enters through its BET area and morphology, so the model
  does not treat it as a stranger);
- :func:`record_suggestions` stores a batch with the model's prediction and acquisition value,
  and a sample made from a suggestion links back to it, so the lab can later compare prediction
  and measurement (:func:`suggestion_table`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matdoe.db.models import Campaign, Material, Measurement, Sample, Suggestion
from matdoe.errors import InsufficientDataError, InvalidRecordError, NotFoundError

if TYPE_CHECKING:
    import pandas as pd

    from matdoe.chem import Recipe
    from matdoe.space import SearchSpace
    from matdoe.surrogate import CVReport, GPSurrogate

DEFAULT_CAMPAIGN = "default"
DEFAULT_SPACE_FILE = ("spaces", "na2b12h12_sio2.yaml")
OBJECTIVE = "log10_sigma"
PARAMETERS = ("silica", "vol_pct", "milling_h")
_LN10 = math.log(10.0)


def get_campaign(session: Session, name: str = DEFAULT_CAMPAIGN, *, lock: bool = False) -> Campaign:
    """The campaign called ``name``; the default one is created from data/spaces on first use.

    With ``lock=True`` the campaign row is locked until the transaction ends (PostgreSQL
    ``SELECT ... FOR UPDATE``; SQLite transactions already hold the write lock), so two people
    asking for suggestions at once are served one after the other and see each other's pending
    recipes.
    """
    query = select(Campaign).where(Campaign.name == name)
    if lock:
        query = query.with_for_update()
    campaign = session.scalar(query)
    if campaign is not None:
        return campaign
    if name != DEFAULT_CAMPAIGN:
        raise NotFoundError(f"unknown campaign {name!r}")
    from matdoe.paths import data_file

    space = load_space(data_file(*DEFAULT_SPACE_FILE))
    campaign = Campaign(
        name=name,
        objective=space.objective or OBJECTIVE,
        maximize=space.maximize,
        space=space.to_dict(),
        notes="Na2B12H12/SiO2 by ball milling; objective log10 sigma (S/cm)",
    )
    session.add(campaign)
    session.flush()
    if lock:
        session.scalar(select(Campaign).where(Campaign.id == campaign.id).with_for_update())
    return campaign


def load_space(path: Path) -> SearchSpace:
    """A search-space file, checked against ``schemas/space.schema.json`` first."""
    from matdoe.records import SpaceRecord, parse_record
    from matdoe.space import SearchSpace
    from matdoe.tables import read_structured

    data = read_structured(path)
    if not isinstance(data, dict):
        raise InvalidRecordError(f"{path.name}: a search space must be a mapping")
    parse_record(SpaceRecord, data, where=path.name)
    return SearchSpace.from_dict(data)


def _descriptors(material: Material) -> dict[str, float] | None:
    if material.bet_m2_g is None:
        return None
    mesoporous = 1.0 if material.morphology and "mesopor" in material.morphology.lower() else 0.0
    return {"bet_m2_g": float(material.bet_m2_g), "mesoporous": mesoporous}


def campaign_space(session: Session, campaign: Campaign) -> SearchSpace:
    """The campaign's space, with every catalogued scaffold that has a BET area as a choice."""
    from matdoe.space import Categorical, SearchSpace

    space = SearchSpace.from_dict(campaign.space)
    if "silica" not in space.parameter_names:
        return space
    silica = space["silica"]
    assert isinstance(silica, Categorical)
    scaffolds = session.scalars(select(Material).where(Material.kind == "scaffold"))
    new: dict[str, dict[str, float]] = {}
    for material in scaffolds:
        descriptors = _descriptors(material)
        if material.name not in silica.choices and descriptors is not None:
            new[material.name] = descriptors
    if new:
        space = space.with_choices("silica", list(new), new)
    return space


def observations(
    session: Session,
    *,
    include_incomplete: bool = False,
    sources: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One row per impedance measurement, in the columns the models read.

    Columns: ``sample``, ``silica``, ``vol_pct``, ``milling_h``, ``temperature_c``,
    ``log10_sigma``, ``log10_sigma_std``, ``sigma_s_cm``, ``source``. Rows whose recipe lacks a
    model input (no scaffold, or an unstated milling time) are dropped unless
    ``include_incomplete``; ``df.attrs["dropped"]`` counts them. ``sources`` keeps only
    measurements of those sources (``measured``, ``paper``, ``simulated``).
    """
    import pandas as pd

    scaffold = Material.__table__.alias("scaffold")
    query = (
        select(
            Sample.label,
            scaffold.c.name,
            Sample.scaffold_vol_pct,
            Sample.milling_h,
            Measurement.temperature_k,
            Measurement.sigma_s_cm,
            Measurement.sigma_std_s_cm,
            Measurement.source,
        )
        .join(Sample, Measurement.sample_id == Sample.id)
        .outerjoin(scaffold, Sample.scaffold_id == scaffold.c.id)
        .where(Measurement.kind == "eis", Measurement.sigma_s_cm.is_not(None))
        .order_by(Measurement.id)
    )
    if sources is not None:
        query = query.where(Measurement.source.in_(sources))
    rows = []
    for label, silica, vol, milling, temperature_k, sigma, sigma_std, source in session.execute(
        query
    ):
        rows.append(
            {
                "sample": label,
                "silica": silica,
                "vol_pct": vol,
                "milling_h": milling,
                "temperature_c": round(temperature_k - 273.15, 6),
                "log10_sigma": math.log10(sigma),
                "log10_sigma_std": (sigma_std / (sigma * _LN10)) if sigma_std else None,
                "sigma_s_cm": sigma,
                "source": source,
            }
        )
    columns = [
        "sample",
        *PARAMETERS,
        "temperature_c",
        OBJECTIVE,
        f"{OBJECTIVE}_std",
        "sigma_s_cm",
        "source",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["log10_sigma_std"] = frame["log10_sigma_std"].astype(float)
    complete = frame[list(PARAMETERS)].notna().all(axis=1)
    dropped = int((~complete).sum())
    if not include_incomplete:
        frame = frame[complete].reset_index(drop=True)
    frame.attrs["dropped"] = dropped
    return frame


def model_table(frame: pd.DataFrame, space: SearchSpace) -> pd.DataFrame:
    """Observations a model over ``space`` can use: complete recipes with a known silica.

    Recipes outside the space's numeric ranges and conditions outside its condition ranges are
    kept: a range limits proposals, not the data a model learns from.
    """
    from matdoe.space import Categorical

    keep = frame[list(PARAMETERS)].notna().all(axis=1)
    silica = space["silica"] if "silica" in space.parameter_names else None
    if isinstance(silica, Categorical):
        keep &= frame["silica"].isin(silica.choices)
    out = frame[keep]
    std = out["log10_sigma_std"]
    # A missing measurement std leaves only the learned noise floor for that row.
    return out.assign(log10_sigma_std=std.fillna(0.0)).reset_index(drop=True)


@dataclass(frozen=True)
class TrainingData:
    """What every model of a campaign is fitted on (built by :func:`training_table`).

    Attributes:
        campaign: The campaign.
        space: Its search space (silica choices refreshed from the catalogue).
        table: One row per usable impedance measurement: ``sample``, the parameter columns,
            ``temperature_c``, ``log10_sigma``, ``log10_sigma_std``, ``sigma_s_cm``, ``source``.
        dropped: Measurements left out because their recipe lacks a model input.
    """

    campaign: Campaign
    space: SearchSpace
    table: pd.DataFrame
    dropped: int

    @property
    def columns(self) -> list[str]:
        """The columns a model reads (recipe, conditions, objective, its std, the batch)."""
        return [
            "sample",
            *self.space.parameter_names,
            *self.space.condition_names,
            OBJECTIVE,
            f"{OBJECTIVE}_std",
        ]

    def fit(self) -> GPSurrogate:
        """The campaign's surrogate (:func:`matdoe.surrogate.fit_surrogate`) on the table."""
        from matdoe.surrogate import fit_surrogate

        if len(self.table) < 2:
            raise InsufficientDataError(
                "the model needs at least 2 conductivities of recipes with silica, vol% and "
                f"milling time; the database has {len(self.table)}. Record more with "
                "`matdoe measure add`"
            )
        return fit_surrogate(self.table[self.columns], self.space, objective=OBJECTIVE)

    def validate(self, n_splits: int = 5) -> CVReport:
        """Leave-recipe-out cross-validation of the campaign's surrogate (see ``cross_validate``)."""
        from matdoe.surrogate import cross_validate, make_surrogate

        n_recipes = len(self.table[list(PARAMETERS)].drop_duplicates())
        if n_recipes < 3:
            raise InsufficientDataError(
                f"cross-validation needs conductivities of 3 or more distinct recipes; the "
                f"database has {n_recipes}. Record more with `matdoe measure add`"
            )
        table = self.table[self.columns]
        model_space = self.space.covering(table)
        return cross_validate(
            make_surrogate(model_space, objective=OBJECTIVE),
            table,
            table[OBJECTIVE],
            y_std=table[f"{OBJECTIVE}_std"],
            n_splits=n_splits,
        )


#: What each interval of a prediction is, for the person reading it.
INTERVAL_NOTE = (
    "mean_low95..mean_high95: 95 % band of the recipe's mean conductivity (the model's "
    "uncertainty); new_low95..new_high95: where a new batch's measurement will fall with 95 % "
    "probability (adds measurement noise and batch-to-batch scatter)"
)


def prediction_columns(mean: Any, std: Any, predictive_std: Any) -> dict[str, Any]:
    """Prediction columns in S/cm from log10 sigma: the mean, its band, a new batch's interval.

    Args:
        mean: Predicted log10 sigma (log10 S/cm).
        std: Std of the recipe's mean (log10 units).
        predictive_std: Std of a new batch's measurement (log10 units).

    Example:
        >>> cols = prediction_columns([-3.0], [0.1], [0.2])
        >>> [round(float(cols[k][0]) * 1e3, 3) for k in ("new_low95_s_cm", "mean_low95_s_cm")]
        [0.406, 0.637]
    """
    import numpy as np

    mean, std, new = (np.asarray(a, dtype=float) for a in (mean, std, predictive_std))
    return {
        "log10_sigma": mean,
        "log10_sigma_std": std,
        "sigma_s_cm": 10**mean,
        "mean_low95_s_cm": 10 ** (mean - 1.96 * std),
        "mean_high95_s_cm": 10 ** (mean + 1.96 * std),
        "new_low95_s_cm": 10 ** (mean - 1.96 * new),
        "new_high95_s_cm": 10 ** (mean + 1.96 * new),
    }


def training_table(
    session: Session,
    campaign: Campaign | None = None,
    *,
    sources: tuple[str, ...] | None = None,
) -> TrainingData:
    """The one training table of a campaign, for ``model``, ``suggest``, the demo and notebooks.

    Args:
        session: An open session.
        campaign: The campaign (default: the default campaign).
        sources: Use only measurements of these sources (see :func:`observations`).
    """
    campaign = campaign or get_campaign(session)
    space = campaign_space(session, campaign)
    frame = observations(session, sources=sources)
    table = model_table(frame, space)
    dropped = int(frame.attrs.get("dropped", 0)) + len(frame) - len(table)
    return TrainingData(campaign=campaign, space=space, table=table, dropped=dropped)


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
    stored = []
    for _, row in batch.iterrows():
        params = {name: _plain(row[name]) for name in parameters}
        suggestion = Suggestion(
            campaign_id=campaign.id,
            batch=number,
            parameters=params,
            conditions=conditions,
            predicted_mean=_number(row.get("predicted_mean")),
            predicted_std=_number(row.get("predicted_std")),
            acquisition=_number(row.get("acquisition")),
            strategy=strategy,
            model=model,
            status="pending",
        )
        session.add(suggestion)
        stored.append(suggestion)
    session.flush()
    return stored


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    return value


def _number(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def find_suggestion(session: Session, suggestion_id: int) -> Suggestion:
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFoundError(f"unknown suggestion {suggestion_id}; see `matdoe suggestion list`")
    return suggestion


def suggestion_recipe(session: Session, suggestion_id: int) -> dict[str, Any]:
    """The sample fields a suggestion proposes (for `sample add --from-suggestion`)."""
    suggestion = find_suggestion(session, suggestion_id)
    if suggestion.status != "pending":
        raise InvalidRecordError(
            f"suggestion {suggestion_id} is {suggestion.status}, not pending; "
            "see `matdoe suggestion list`"
        )
    params = suggestion.parameters
    return {
        "scaffold": params.get("silica"),
        "scaffold_vol_pct": params.get("vol_pct"),
        "milling_h": params.get("milling_h"),
    }


def abandon(session: Session, suggestion_id: int) -> Suggestion:
    """Mark a pending suggestion abandoned (it is kept, and no longer blocks the recipe)."""
    suggestion = find_suggestion(session, suggestion_id)
    if suggestion.status != "pending":
        raise InvalidRecordError(
            f"suggestion {suggestion_id} is already {suggestion.status}; only pending ones "
            "can be abandoned"
        )
    suggestion.status = "abandoned"
    session.flush()
    return suggestion


def suggestion_table(session: Session, *, status: str | None = None) -> list[dict[str, Any]]:
    """Suggestions with what was predicted and, once made, what was measured at that condition."""
    query = select(Suggestion).order_by(Suggestion.id)
    if status:
        query = query.where(Suggestion.status == status)
    out = []
    for s in session.scalars(query):
        temperature_c = (s.conditions or {}).get("temperature_c")
        measured = None
        made = [sample.label for sample in s.samples]
        if s.samples and temperature_c is not None:
            values = [
                m.sigma_s_cm
                for sample in s.samples
                for m in sample.measurements
                if m.kind == "eis"
                and m.sigma_s_cm
                and abs((m.temperature_k or 0) - 273.15 - temperature_c) <= 1.0
            ]
            if values:
                measured = math.log10(sum(values) / len(values))
        out.append(
            {
                "id": s.id,
                "batch": s.batch,
                "status": s.status,
                "strategy": s.strategy,
                **s.parameters,
                "temperature_c": temperature_c,
                "predicted_log10_sigma": s.predicted_mean,
                "predicted_std": s.predicted_std,
                "acquisition": s.acquisition,
                "measured_log10_sigma": measured,
                "samples": ", ".join(made) or None,
                "created_at": s.created_at.isoformat(sep=" "),
            }
        )
    return out


def suggestion_rows(
    session: Session, batch: pd.DataFrame, stored: list[Suggestion], *, batch_mg: float = 500.0
) -> list[dict[str, Any]]:
    """One row per suggestion to show a person: only the columns its strategy fills.

    The recipe, why it was chosen, (with a model) the predicted sigma with the band of its mean
    and the interval of a new batch's measurement (:func:`prediction_columns`) and the expected
    improvement (blank for a space-filling pick), its distance to the nearest made recipe, and
    the masses to weigh.
    """
    has_model = "predicted_mean" in batch.columns
    rows = []
    for position, (_, row) in enumerate(batch.iterrows()):
        recipe = recipe_for(session, row["silica"], float(row["vol_pct"]), batch_mg=batch_mg)
        out: dict[str, Any] = {
            "id": stored[position].id if stored else None,
            "silica": row["silica"],
            "vol_pct": float(row["vol_pct"]),
            "milling_h": float(row["milling_h"]),
            "reason": row["reason"],
        }
        if has_model:
            cols = prediction_columns(
                [row["predicted_mean"]], [row["predicted_std"]], [row["predictive_std"]]
            )
            out.update({k: float(v[0]) for k, v in cols.items()})
            out["expected_improvement_log10"] = float(row["expected_improvement"])
        out["distance_to_made"] = round(float(row["distance_to_made"]), 3)
        out.update(
            {
                "host_mg": round(recipe.host_mg, 1),
                "scaffold_mg": round(recipe.scaffold_mg, 1),
                "balls_g": round(recipe.balls_g, 1),
            }
        )
        rows.append(out)
    return rows


def recipe_for(
    session: Session,
    silica: str,
    vol_pct: float,
    *,
    host: str = "Na2B12H12",
    batch_mg: float = 500.0,
    ball_to_powder: float = 140.0,
) -> Recipe:
    """Masses to weigh for a suggested recipe, from the catalogue densities."""
    from matdoe.chem import batch_recipe
    from matdoe.db.store import find_material

    host_material = find_material(session, host, kind="host")
    scaffold = find_material(session, silica, kind="scaffold")
    if host_material.density_g_cm3 is None or scaffold.density_g_cm3 is None:
        missing = host_material if host_material.density_g_cm3 is None else scaffold
        raise InvalidRecordError(
            f"material {missing.name!r} has no density; add one to turn vol% into masses"
        )
    return batch_recipe(
        vol_pct,
        host_density_g_cm3=host_material.density_g_cm3,
        scaffold_density_g_cm3=scaffold.density_g_cm3,
        batch_mg=batch_mg,
        ball_to_powder=ball_to_powder,
        host_label=host_material.name,
        scaffold_label=scaffold.name,
    )


def _makeable_scaffolds(session: Session, space: SearchSpace) -> list[str] | None:
    """The space's silica choices that are in the material catalogue (None: no silica)."""
    if "silica" not in space.parameter_names:
        return None
    names = set(session.scalars(select(Material.name).where(Material.kind == "scaffold")))
    choices = [c for c in space["silica"].choices if c in names]  # type: ignore[union-attr]
    if not choices:
        raise InvalidRecordError(
            "no silica of the campaign is in the material catalogue; add one with "
            "`matdoe material add` (or `matdoe init --example` for the paper's silicas)"
        )
    return choices


def propose(
    session: Session,
    *,
    n: int,
    temperature_c: float,
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
    ``limits`` or the campaign's ranges: limits only restrict the proposals.

    Args:
        n: Batch size.
        temperature_c: The condition at which sigma is optimised (°C).
        strategy: See :data:`matdoe.suggest.STRATEGIES`.
        random_state: Seed; same data and seed give the same batch.
        limits: Proposal limits, ``{name: [choices]}`` or ``{name: (low, high)}``
            (:meth:`SearchSpace.restrict`).
        candidates: Optional table of makeable recipes to choose from (index kept), or a
            function of the proposal space returning one.
        sources: Use only measurements of these sources (see :func:`observations`).
        store: Record the batch as pending suggestions (False: a dry run).

    Returns:
        The batch, the stored suggestions (empty for a dry run) and the number of
        observations the model saw.
    """
    from matdoe.suggest import suggest

    campaign = get_campaign(session, lock=True)
    data = training_table(session, campaign, sources=sources)
    limits = dict(limits or {})
    makeable = _makeable_scaffolds(session, data.space)
    if makeable is not None:
        # Propose only silicas the lab has (their masses need a catalogue entry); the others
        # stay in the model's space and inform it through their measurements.
        asked = limits.get("silica")
        limits["silica"] = [c for c in (asked or makeable) if c in makeable] or makeable
    space = data.space.restrict(limits) if limits else data.space
    waiting = pending(session, campaign)
    conditions = {"temperature_c": temperature_c}
    batch = suggest(
        data.table[data.columns],
        space,
        objective=OBJECTIVE,
        n=n,
        maximize=campaign.maximize,
        pending=waiting[list(space.parameter_names)] if len(waiting) else None,
        candidates=candidates(space) if callable(candidates) else candidates,
        conditions=conditions,
        strategy=strategy,
        random_state=random_state,
    )
    stored = (
        record_suggestions(
            session,
            campaign,
            batch,
            conditions=conditions,
            strategy=strategy,
            parameters=space.parameter_names,
        )
        if store
        else []
    )
    return batch, stored, len(data.table)
