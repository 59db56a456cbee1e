"""Training tables: the campaign's batches and measurements in the columns its models read.

A batch belongs to a campaign when its materials and stated numeric recipe fields agree with the
campaign's fixed ``recipe`` (another host, or 600 rpm in a 400 rpm campaign, is another
experiment: the model would not know why it differs). A field the batch does not state is taken
as the campaign's. Each parameter's value is read from the sample field it maps to.

:func:`observations` gives one row per impedance measurement (``log10_sigma`` at its
temperature), :func:`activation_energies` one row per stored Arrhenius fit (``ea_ev``), and
:func:`training_table` the one table every model of a campaign is fitted on (``model
fit|predict|report``, ``suggest``, the demo and the notebooks). :func:`objective_table` holds the
measured value of every objective per batch and marks the Pareto front.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from matdoe.campaign.definition import ACTIVATION_ENERGY, CONDUCTIVITY, CampaignDefinition
from matdoe.db.models import Campaign, Fit, Material, Measurement, Sample
from matdoe.errors import InsufficientDataError
from matdoe.records import default_maximize

if TYPE_CHECKING:
    import pandas as pd

    from matdoe.space import SearchSpace
    from matdoe.surrogate import CVReport, GPSurrogate

__all__ = [
    "INTERVAL_NOTE",
    "NEW_INTERVAL_NOTE",
    "OBJECTIVE",
    "TrainingData",
    "activation_energies",
    "model_table",
    "objective_table",
    "observations",
    "prediction_columns",
    "training_table",
]

OBJECTIVE = CONDUCTIVITY
_LN10 = math.log(10.0)
#: How close (°C) a measurement must be to the target temperature to count as measured there.
TEMPERATURE_TOLERANCE_C = 1.0
_TEXT_FIELDS = ("atmosphere", "jar_material", "ball_material", "mill", "drying")
_LEFT_OUT_OTHER = "another system or recipe"
_LEFT_OUT_INCOMPLETE = "recipe incomplete"


def _campaign(session: Session, campaign: Campaign | str | None) -> Campaign:
    from matdoe.campaign.registry import resolve_campaign

    if isinstance(campaign, Campaign):
        return campaign
    return resolve_campaign(session, campaign)


def _sample_columns() -> tuple[Any, Any, list[Any]]:
    host = aliased(Material)
    scaffold = aliased(Material)
    columns = [
        Sample.id.label("sample_id"),
        Sample.label.label("sample"),
        Sample.source.label("sample_source"),
        host.name.label("host"),
        scaffold.name.label("scaffold"),
        Sample.scaffold_vol_pct,
        Sample.milling_h,
        Sample.milling_rpm,
        Sample.ball_to_powder,
        Sample.mill_on_min,
        Sample.mill_off_min,
        Sample.ball_diameter_mm,
        Sample.batch_mg,
        Sample.atmosphere,
        Sample.jar_material,
        Sample.ball_material,
        Sample.extra,
    ]
    return host, scaffold, columns


def field_value(row: Mapping[str, Any], name: str) -> Any:
    """The value of sample field ``name`` (``extra.KEY`` reads the extra object)."""
    if name.startswith("extra."):
        extra = row.get("extra") or {}
        return extra.get(name.split(".", 1)[1]) if isinstance(extra, dict) else None
    return row.get(name)


def _same(stated: Any, wanted: Any) -> bool:
    if isinstance(wanted, bool) or isinstance(stated, bool):
        return bool(stated == wanted)
    if isinstance(wanted, int | float) and isinstance(stated, int | float):
        return math.isclose(float(stated), float(wanted), rel_tol=1e-6, abs_tol=1e-9)
    return str(stated).strip().lower() == str(wanted).strip().lower()


def belongs(row: Mapping[str, Any], definition: CampaignDefinition) -> bool:
    """Whether a batch is one of the campaign's: its materials and stated numbers agree.

    Text fields of the recipe (atmosphere, jar) are written on new batches but do not decide.
    """
    for name, wanted in definition.recipe.items():
        if name in _TEXT_FIELDS:
            continue
        if name == "extra":
            for key, value in (wanted or {}).items():
                stated = field_value(row, f"extra.{key}")
                if stated is not None and not _same(stated, value):
                    return False
            continue
        stated = row.get(name)
        if name == "scaffold":
            # a batch without a scaffold is not one of a campaign whose batches all have it
            if stated is None or not _same(stated, wanted):
                return False
            continue
        if name == "host":
            if not _same(stated, wanted):
                return False
            continue
        if stated is not None and not _same(stated, wanted):
            return False
    return True


def _parameter_value(row: Mapping[str, Any], field_name: str, numeric: bool) -> Any:
    value = field_value(row, field_name)
    if value is None:
        return None
    if numeric:
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None  # text in an extra key: not a number the model can use
        value = float(value)
        return value if math.isfinite(value) else None
    return value if isinstance(value, str) and value else None


def _belonging(
    session: Session, query: Any, definition: CampaignDefinition
) -> tuple[list[dict[str, Any]], int]:
    """The rows of ``query`` whose batch follows the campaign's recipe, and how many do not."""
    items, other = [], 0
    for mapping in session.execute(query).mappings():
        item = dict(mapping)
        if belongs(item, definition):
            items.append(item)
        else:
            other += 1
    return items, other


def _recipe_values(row: Mapping[str, Any], definition: CampaignDefinition) -> dict[str, Any]:
    return {
        name: _parameter_value(row, field_name, definition.space[name].numeric)
        for name, field_name in definition.fields.items()
    }


def _finish(
    rows: list[dict[str, Any]],
    columns: list[str],
    definition: CampaignDefinition,
    other: int,
    include_incomplete: bool,
    std_columns: tuple[str, ...],
) -> pd.DataFrame:
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns)
    for column in std_columns:
        frame[column] = frame[column].astype(float)
    names = list(definition.space.parameter_names)
    complete = frame[names].notna().all(axis=1) if len(frame) else pd.Series([], dtype=bool)
    incomplete = int((~complete).sum())
    if not include_incomplete:
        frame = frame[complete].reset_index(drop=True)
    frame.attrs["dropped"] = incomplete
    frame.attrs["left_out"] = {_LEFT_OUT_OTHER: other, _LEFT_OUT_INCOMPLETE: incomplete}
    return frame


def observations(
    session: Session,
    campaign: Campaign | str | None = None,
    *,
    include_incomplete: bool = False,
    sources: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One row per impedance measurement of the campaign's batches, in the models' columns.

    Columns: ``sample``, the campaign's parameters (for the default campaign ``silica``,
    ``vol_pct``, ``milling_h``), ``temperature_c``, ``log10_sigma``, ``log10_sigma_std``,
    ``sigma_s_cm``, ``source``. Rows whose recipe lacks a parameter's value (no scaffold, an
    unstated milling time) are dropped unless ``include_incomplete``; ``df.attrs["dropped"]``
    counts them and ``df.attrs["left_out"]`` also counts the measurements of batches of another
    system. ``sources`` keeps only measurements of those sources (``measured``, ``paper``,
    ``simulated``).

    Args:
        session: An open session.
        campaign: The campaign, its name, or None for the only open one.
    """
    from matdoe.campaign.registry import definition_of

    campaign = _campaign(session, campaign)
    definition = definition_of(campaign)
    host, scaffold, columns = _sample_columns()
    query = (
        select(
            *columns,
            Measurement.temperature_k,
            Measurement.sigma_s_cm,
            Measurement.sigma_std_s_cm,
            Measurement.source,
        )
        .join(Sample, Measurement.sample_id == Sample.id)
        .join(host, Sample.host_id == host.id)
        .outerjoin(scaffold, Sample.scaffold_id == scaffold.id)
        .where(Measurement.kind == "eis", Measurement.sigma_s_cm.is_not(None))
        .order_by(Measurement.id)
    )
    if sources is not None:
        query = query.where(Measurement.source.in_(sources))
    rows = []
    items, other = _belonging(session, query, definition)
    for item in items:
        sigma, sigma_std = item["sigma_s_cm"], item["sigma_std_s_cm"]
        rows.append(
            {
                "sample": item["sample"],
                **_recipe_values(item, definition),
                "temperature_c": round(item["temperature_k"] - 273.15, 6),
                "log10_sigma": math.log10(sigma),
                "log10_sigma_std": (sigma_std / (sigma * _LN10)) if sigma_std else None,
                "sigma_s_cm": sigma,
                "source": item["source"],
            }
        )
    names = list(definition.space.parameter_names)
    columns_out = [
        "sample",
        *names,
        "temperature_c",
        OBJECTIVE,
        f"{OBJECTIVE}_std",
        "sigma_s_cm",
        "source",
    ]
    return _finish(rows, columns_out, definition, other, include_incomplete, ("log10_sigma_std",))


def activation_energies(
    session: Session,
    campaign: Campaign | str | None = None,
    *,
    include_incomplete: bool = False,
    sources: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """One row per batch of the campaign with an Arrhenius fit (the default form).

    Columns: ``sample``, the parameters, ``ea_ev``, ``ea_ev_std`` (its standard error) and
    ``source`` (the batch's). A batch needs conductivities at 3 or more temperatures for a fit.
    """
    from matdoe.campaign.registry import definition_of
    from matdoe.conductivity import DEFAULT_FORM

    campaign = _campaign(session, campaign)
    definition = definition_of(campaign)
    host, scaffold, columns = _sample_columns()
    query = (
        select(*columns, Fit.ea_ev, Fit.ea_std_ev)
        .join(Sample, Fit.sample_id == Sample.id)
        .join(host, Sample.host_id == host.id)
        .outerjoin(scaffold, Sample.scaffold_id == scaffold.id)
        .where(
            Fit.kind == "arrhenius",
            Fit.method == f"arrhenius-{DEFAULT_FORM}",
            Fit.ea_ev.is_not(None),
        )
        .order_by(Sample.id)
    )
    if sources is not None:
        query = query.where(Sample.source.in_(sources))
    rows = []
    items, other = _belonging(session, query, definition)
    for item in items:
        ea = float(item["ea_ev"])
        if not math.isfinite(ea):
            continue
        rows.append(
            {
                "sample": item["sample"],
                **_recipe_values(item, definition),
                "ea_ev": ea,
                "ea_ev_std": item["ea_std_ev"],
                "source": item["sample_source"],
            }
        )
    columns_out = ["sample", *definition.space.parameter_names, "ea_ev", "ea_ev_std", "source"]
    return _finish(rows, columns_out, definition, other, include_incomplete, ("ea_ev_std",))


def model_table(
    frame: pd.DataFrame, space: SearchSpace, objective: str = OBJECTIVE
) -> pd.DataFrame:
    """Observations a model over ``space`` can use: complete recipes with known choices.

    Recipes outside the space's numeric ranges and conditions outside its condition ranges are
    kept: a range limits proposals, not the data a model learns from.
    """
    names = list(space.parameter_names)
    keep = frame[names].notna().all(axis=1)
    for parameter in space.categoricals:
        keep &= frame[parameter.name].isin(parameter.choices)
    out = frame[keep]
    std = f"{objective}_std"
    # A missing measurement std leaves only the learned noise floor for that row.
    return out.assign(**{std: out[std].fillna(0.0)}).reset_index(drop=True)


@dataclass(frozen=True)
class TrainingData:
    """What a model of one objective of a campaign is fitted on (:func:`training_table`).

    Attributes:
        campaign: The campaign.
        space: Its search space (materials described, new catalogued ones added; without
            conditions for an objective measured without them, such as ``ea_ev``).
        table: One row per usable measurement: ``sample``, the parameter columns, the
            conditions (``temperature_c``), the objective, its std, ``source``.
        dropped: Measurements left out (their recipe lacks a model input, or a choice is not
            the campaign's).
        objective: The objective column (``log10_sigma`` or ``ea_ev``).
        left_out: Why measurements were left out, with counts (another system, incomplete).
        maximize: Whether the campaign wants the objective high (conductivity) or low (an
            activation energy); the model's pessimistic prior mean sits on the worse side.
    """

    campaign: Campaign
    space: SearchSpace
    table: pd.DataFrame
    dropped: int
    objective: str = OBJECTIVE
    left_out: Mapping[str, int] = field(default_factory=dict)
    maximize: bool = True

    @property
    def columns(self) -> list[str]:
        """The columns a model reads (batch, recipe, conditions, objective, its std)."""
        return [
            "sample",
            *self.space.parameter_names,
            *self.space.condition_names,
            self.objective,
            f"{self.objective}_std",
        ]

    def _what(self) -> str:
        names = ", ".join(self.space.parameter_names)
        if self.objective == ACTIVATION_ENERGY:
            return (
                f"activation energies (Arrhenius fits: conductivities at 3 or more temperatures) "
                f"of batches with {names}"
            )
        return f"conductivities of recipes with {names}"

    def fit(self) -> GPSurrogate:
        """The campaign's surrogate (:func:`matdoe.surrogate.fit_surrogate`) on the table."""
        from matdoe.surrogate import fit_surrogate

        if len(self.table) < 2:
            other = self.left_out.get(_LEFT_OUT_OTHER, 0)
            elsewhere = f" ({other} of batches outside its recipe)" if other else ""
            raise InsufficientDataError(
                f"the model needs at least 2 {self._what()}; campaign {self.campaign.name!r} "
                f"has {len(self.table)}{elsewhere}. Record more with `matdoe measure add`"
            )
        return fit_surrogate(
            self.table[self.columns],
            self.space,
            objective=self.objective,
            maximize=self.maximize,
        )

    def validate(self, n_splits: int = 5) -> CVReport:
        """Leave-recipe-out cross-validation of the campaign's surrogate (see ``cross_validate``)."""
        from matdoe.surrogate import cross_validate, make_surrogate

        n_recipes = len(self.table[list(self.space.parameter_names)].drop_duplicates())
        if n_recipes < 3:
            raise InsufficientDataError(
                f"cross-validation needs {self._what()} of 3 or more distinct recipes; the "
                f"database has {n_recipes}. Record more with `matdoe measure add`"
            )
        table = self.table[self.columns]
        model_space = self.space.covering(table)
        return cross_validate(
            make_surrogate(model_space, objective=self.objective, maximize=self.maximize),
            table,
            table[self.objective],
            y_std=table[f"{self.objective}_std"],
            n_splits=n_splits,
        )


def training_table(
    session: Session,
    campaign: Campaign | str | None = None,
    *,
    sources: tuple[str, ...] | None = None,
    objective: str = OBJECTIVE,
) -> TrainingData:
    """The one training table of a campaign, for ``model``, ``suggest``, the demo and notebooks.

    Args:
        session: An open session.
        campaign: The campaign, its name, or None for the only open one.
        sources: Use only measurements of these sources (see :func:`observations`).
        objective: ``log10_sigma`` (one row per conductivity) or ``ea_ev`` (one per fit).
    """
    from matdoe.campaign.catalogue import campaign_space
    from matdoe.campaign.registry import definition_of

    campaign = _campaign(session, campaign)
    definition = definition_of(campaign)
    space = campaign_space(session, definition)
    if objective == ACTIVATION_ENERGY:
        frame = activation_energies(session, campaign, sources=sources)
        space = space.with_conditions([])
    elif objective == OBJECTIVE:
        frame = observations(session, campaign, sources=sources)
    else:
        from matdoe.errors import InvalidRecordError

        raise InvalidRecordError(
            f"objective {objective!r} is read off the recipe; it needs no model (measured "
            "objectives: log10_sigma, ea_ev)"
        )
    table = model_table(frame, space, objective)
    dropped = int(frame.attrs.get("dropped", 0)) + len(frame) - len(table)
    left_out = dict(frame.attrs.get("left_out", {}))
    left_out["choice not in the campaign"] = len(frame) - len(table)
    stated = [o.maximize for o in definition.objectives if o.name == objective]
    return TrainingData(
        campaign=campaign,
        space=space,
        table=table,
        dropped=dropped,
        objective=objective,
        left_out={k: v for k, v in left_out.items() if v},
        # An objective the campaign does not optimise takes a space file's default direction.
        maximize=stated[0] if stated else default_maximize(objective),
    )


#: What each interval of a prediction is, for the person reading it.
#: What the new_low95..new_high95 columns are.
NEW_INTERVAL_NOTE = (
    "new_low95..new_high95: where a new batch's measurement will fall with 95 % probability "
    "(adds measurement noise and batch-to-batch scatter)"
)
INTERVAL_NOTE = (
    "mean_low95..mean_high95: 95 % band of the recipe's mean conductivity (the model's "
    f"uncertainty); {NEW_INTERVAL_NOTE}"
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


def _sigma_from_fits(session: Session, labels: list[str], temperature_k: float) -> dict[str, float]:
    """log10 sigma at ``temperature_k`` from each batch's Arrhenius fit, inside its range only."""
    from matdoe.conductivity import BOLTZMANN_EV_K, DEFAULT_FORM

    out: dict[str, float] = {}
    if not labels:
        return out
    query = (
        select(Sample.label, Fit.log10_prefactor, Fit.ea_ev, Fit.details)
        .join(Sample, Fit.sample_id == Sample.id)
        .where(Fit.kind == "arrhenius", Fit.method == f"arrhenius-{DEFAULT_FORM}")
        .where(Sample.label.in_(labels))
    )
    for label, prefactor, ea, details in session.execute(query):
        low = (details or {}).get("temperature_min_k")
        high = (details or {}).get("temperature_max_k")
        if prefactor is None or ea is None or low is None or high is None:
            continue
        if low - 1e-6 <= temperature_k <= high + 1e-6:
            ln_sigma = prefactor * _LN10 - ea / (BOLTZMANN_EV_K * temperature_k)
            out[str(label)] = ln_sigma / _LN10
    return out


def objective_table(
    session: Session,
    campaign: Campaign | str | None = None,
    *,
    sources: tuple[str, ...] | None = None,
    temperature_c: float | None = None,
) -> pd.DataFrame:
    """The measured value of every objective for each batch of the campaign, and its front.

    ``log10_sigma`` is the mean of the batch's runs within 1 °C of the objective's temperature
    (else its Arrhenius fit there, inside the fitted range only); ``ea_ev`` its stored fit; a
    recipe objective its own value. ``on_front`` marks the batches no other batch beats in every
    objective (the Pareto front, among batches with every value); ``df.attrs["objectives"]``
    lists ``(name, maximize)``.
    """
    import numpy as np
    import pandas as pd

    from matdoe.campaign.registry import definition_of
    from matdoe.suggest.pareto import pareto_mask

    campaign = _campaign(session, campaign)
    definition = definition_of(campaign)
    names = list(definition.space.parameter_names)
    frame = observations(session, campaign, sources=sources)
    recipes = frame.groupby("sample", sort=False)[names].first() if len(frame) else None
    table = recipes.copy() if recipes is not None else pd.DataFrame(columns=names, dtype=object)
    fits = activation_energies(session, campaign, sources=sources)
    if len(fits):
        extra = fits.set_index("sample")[names]
        table = pd.concat([table, extra[~extra.index.isin(table.index)]])
    for objective in definition.objectives:
        if objective.kind == "conductivity":
            target = (
                temperature_c
                if temperature_c is not None
                else definition.target_temperature_c(objective)
            )
            near = frame[(frame["temperature_c"] - target).abs() <= TEMPERATURE_TOLERANCE_C]
            values = near.groupby("sample")[OBJECTIVE].mean()
            missing = [s for s in table.index if s not in values.index]
            from_fits = _sigma_from_fits(session, [str(s) for s in missing], target + 273.15)
            table[objective.name] = [
                values.get(s, from_fits.get(str(s), np.nan)) for s in table.index
            ]
        elif objective.kind == "activation_energy":
            ea = fits.set_index("sample")["ea_ev"] if len(fits) else pd.Series(dtype=float)
            table[objective.name] = [ea.get(s, np.nan) for s in table.index]
        elif objective.name not in table.columns:
            table[objective.name] = np.nan
    table = table.reset_index(names="sample")
    columns = [o.name for o in definition.objectives]
    values = table[columns].to_numpy(dtype=float) if len(table) else np.empty((0, len(columns)))
    complete = np.isfinite(values).all(axis=1)
    front = np.zeros(len(table), dtype=bool)
    if complete.any():
        front[complete] = pareto_mask(values[complete], [o.maximize for o in definition.objectives])
    table["on_front"] = front
    table.attrs["objectives"] = [(o.name, o.maximize) for o in definition.objectives]
    return table
