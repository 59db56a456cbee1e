"""The data API for notebooks and scripts: ``lab = matdoe.open()`` and pandas DataFrames.

>>> import matdoe
>>> lab = matdoe.open("sqlite:///:memory:", create=True)
>>> list(lab.samples().columns)[:4]
['label', 'host', 'scaffold', 'scaffold_vol_pct']
>>> lab.close()

Every table has its units in its column names (``temperature_k``, ``sigma_s_cm``,
``milling_h``) and reads the database through the same functions as the CLI, so a notebook and
``matdoe sample list`` never disagree. Each call is one read-only transaction.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

    from matdoe.campaign import TrainingData
    from matdoe.surrogate import CVReport, GPSurrogate

__all__ = ["Lab", "open_lab"]

SAMPLE_COLUMNS = [
    "label",
    "host",
    "scaffold",
    "scaffold_vol_pct",
    "milling_h",
    "host_mg",
    "scaffold_mg",
    "batch_mg",
    "masses_source",
    "milling_rpm",
    "ball_to_powder",
    "mill_on_min",
    "mill_off_min",
    "jar_material",
    "ball_material",
    "ball_diameter_mm",
    "atmosphere",
    "drying",
    "made_on",
    "operator",
    "status",
    "source",
    "citation",
    "suggestion_id",
    "pellet_thickness_cm",
    "pellet_area_cm2",
    "pellet_mass_mg",
    "pellet_pressure_mpa",
    "notes",
]
SUMMARY_COLUMNS = ["n_measurements", "sigma_30c_s_cm", "sigma_60c_s_cm"]
MEASUREMENT_COLUMNS = [
    "id",
    "sample",
    "kind",
    "temperature_k",
    "temperature_c",
    "temperature_std_k",
    "direction",
    "run",
    "resistance_ohm",
    "resistance_std_ohm",
    "thickness_cm",
    "area_cm2",
    "sigma_s_cm",
    "sigma_std_s_cm",
    "value",
    "unit",
    "source",
    "citation",
    "raw_file",
    "raw_sha256",
    "measured_on",
    "notes",
]
FIT_COLUMNS = [
    "sample",
    "method",
    "form",
    "equation",
    "ea_ev",
    "ea_std_ev",
    "log10_prefactor",
    "log10_prefactor_std",
    "r2",
    "n_points",
    "temperature_min_k",
    "temperature_max_k",
    "sigma_25c_s_cm",
    "sigma_30c_s_cm",
    "warnings",
    "package_version",
    "computed_at",
]


class Lab:
    """A lab database opened for reading (and, through matdoe's functions, for proposing).

    Args:
        url: Database URL; ``None`` reads ``MATDOE_DB``, else ``sqlite:///matdoe.db`` in the
            working folder (as the CLI does).
        create: Create (or upgrade) the schema if needed; by default the database must exist.
    """

    def __init__(self, url: str | None = None, *, create: bool = False) -> None:
        from matdoe.db import make_engine, resolve_url, session_factory
        from matdoe.db.migrate import HEAD, current_revision, upgrade
        from matdoe.errors import DatabaseError

        self.url = resolve_url(url)
        self._engine = make_engine(self.url)
        if create:
            upgrade(self._engine)
        revision = current_revision(self._engine)
        if revision is None:
            self._engine.dispose()
            raise DatabaseError(
                f"{self.url} is not a matdoe database yet; create it with `matdoe init` "
                "(or matdoe.open(url, create=True))"
            )
        if revision != HEAD:
            self._engine.dispose()
            raise DatabaseError(
                f"{self.url} is at schema revision {revision}, this matdoe expects {HEAD}; "
                "run `matdoe init` with the matdoe that should own it"
            )
        self._factory = session_factory(self._engine)

    # ------------------------------------------------------------------ plumbing
    def __enter__(self) -> Lab:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def __repr__(self) -> str:
        from matdoe.db import mask_url

        return f"Lab({mask_url(self.url)!r})"

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction on the lab database (committed when the block ends without error)."""
        with self._factory.begin() as session:
            yield session

    # ------------------------------------------------------------------ tables
    def materials(self) -> pd.DataFrame:
        """The material catalogue: one row per material (densities in g/cm³, BET in m²/g)."""
        import pandas as pd

        from matdoe.db.store import list_materials, material_row
        from matdoe.records import MaterialRecord

        with self.session() as session:
            rows = [material_row(m) for m in list_materials(session)]
        return pd.DataFrame(rows, columns=list(MaterialRecord.model_fields))

    def samples(self) -> pd.DataFrame:
        """One row per sample: the recipe, the masses, the first pellet (``pellet_*``), and as
        `sample list` shows them ``n_measurements`` and the best sigma measured within 1 K of
        30 and 60 °C (``sigma_30c_s_cm``, ``sigma_60c_s_cm``)."""
        import pandas as pd
        from sqlalchemy import select
        from sqlalchemy.orm import selectinload

        from matdoe.db.models import Sample
        from matdoe.db.store import list_samples

        with self.session() as session:
            query = select(Sample).options(selectinload(Sample.pellets)).order_by(Sample.id)
            rows = [_sample_row(s) for s in session.scalars(query)]
            summary = {r["label"]: r for r in list_samples(session)}
        for row in rows:
            for key in SUMMARY_COLUMNS:
                row[key] = summary[row["label"]][key]
        return pd.DataFrame(rows, columns=[*SAMPLE_COLUMNS, *SUMMARY_COLUMNS])

    def measurements(self, *, kind: str | None = None) -> pd.DataFrame:
        """One row per measurement (``kind="eis"`` for the conductivities only)."""
        import pandas as pd
        from sqlalchemy import select

        from matdoe.db.models import Measurement, Sample

        with self.session() as session:
            query = select(Measurement, Sample.label).join(Sample).order_by(Measurement.id)
            if kind is not None:
                query = query.where(Measurement.kind == kind)
            rows = []
            for m, label in session.execute(query):
                row = {c: getattr(m, c) for c in MEASUREMENT_COLUMNS if hasattr(m, c)}
                row["sample"] = label
                row["temperature_c"] = None if m.temperature_k is None else m.temperature_k - 273.15
                rows.append(row)
        return pd.DataFrame(rows, columns=MEASUREMENT_COLUMNS)

    def fits(self) -> pd.DataFrame:
        """The stored Arrhenius fits, one row per sample and form, with their warnings."""
        import pandas as pd
        from sqlalchemy import select

        from matdoe.conductivity import FORM_EQUATIONS
        from matdoe.db.models import Fit, Sample
        from matdoe.db.store import fit_form, fit_warnings

        with self.session() as session:
            rows = []
            query = select(Fit, Sample.label).join(Sample).order_by(Sample.label, Fit.method)
            for fit, label in session.execute(query):
                details = fit.details or {}
                form = fit_form(fit)
                rows.append(
                    {
                        "sample": label,
                        "method": fit.method,
                        "form": form,
                        "equation": FORM_EQUATIONS.get(form),
                        "ea_ev": fit.ea_ev,
                        "ea_std_ev": fit.ea_std_ev,
                        "log10_prefactor": fit.log10_prefactor,
                        "log10_prefactor_std": details.get("log10_prefactor_std"),
                        "r2": fit.r2,
                        "n_points": fit.n_points,
                        "temperature_min_k": details.get("temperature_min_k"),
                        "temperature_max_k": details.get("temperature_max_k"),
                        "sigma_25c_s_cm": fit.sigma_25c_s_cm,
                        "sigma_30c_s_cm": fit.sigma_30c_s_cm,
                        "warnings": "; ".join(fit_warnings(fit)) or None,
                        "package_version": fit.package_version,
                        "computed_at": fit.computed_at,
                    }
                )
        return pd.DataFrame(rows, columns=FIT_COLUMNS)

    def observations(
        self,
        *,
        include_incomplete: bool = False,
        sources: tuple[str, ...] | None = None,
        campaign: str | None = None,
    ) -> pd.DataFrame:
        """One row per conductivity of the campaign's batches: the recipe, ``temperature_c``,
        ``log10_sigma`` (and std), ``sigma_s_cm``, ``source`` (as
        :func:`matdoe.campaign.observations` gives them; ``campaign``: its name, None for the
        only open one)."""
        from matdoe.campaign import observations

        with self.session() as session:
            return observations(
                session, campaign, include_incomplete=include_incomplete, sources=sources
            )

    def training_data(
        self, *, sources: tuple[str, ...] | None = None, campaign: str | None = None
    ) -> TrainingData:
        """What `matdoe model fit` and `matdoe suggest` fit the model on (``.table``, ``.space``,
        ``.fit()``, ``.validate()``)."""
        from matdoe.campaign import training_table

        with self.session() as session:
            return training_table(session, campaign, sources=sources)

    def model(
        self, *, sources: tuple[str, ...] | None = None, campaign: str | None = None
    ) -> GPSurrogate:
        """The campaign's model, fitted exactly as `matdoe model fit` and `suggest` fit it."""
        return self.training_data(sources=sources, campaign=campaign).fit()

    def validate(
        self,
        *,
        n_splits: int = 5,
        sources: tuple[str, ...] | None = None,
        campaign: str | None = None,
    ) -> CVReport:
        """Leave-recipe-out cross-validation, as `matdoe model report` runs it."""
        data = self.training_data(sources=sources, campaign=campaign)
        return data.validate(n_splits=n_splits)

    def suggest(
        self,
        n: int = 4,
        *,
        temperature: str = "30C",
        strategy: str = "gp-ei",
        limits: dict[str, Any] | None = None,
        random_state: int = 0,
        store: bool = False,
        sources: tuple[str, ...] | None = None,
        campaign: str | None = None,
    ) -> pd.DataFrame:
        """The next recipes, as `matdoe suggest` proposes them (a dry run unless ``store``).

        Args:
            n: Batch size.
            temperature: Where sigma is optimised, with its unit (e.g. ``"30C"``).
            strategy: ``gp-ei`` (default), ``gp-ucb``, ``optuna-tpe``, ``optuna-gp``, ``random``.
            limits: Proposal limits, ``{"silica": ["SiO2-A200"], "milling_h": (0.5, 8)}``.
            random_state: Seed: the same data and seed give the same batch.
            store: Record the batch as pending suggestions (their ids in column ``id``).
            sources: Use only measurements of these sources.
            campaign: The campaign's name (None: the only open campaign).

        Returns:
            One row per recipe: the parameters, ``reason``, the prediction (``predicted_mean``,
            ``predicted_std``, ``predictive_std`` in log10 units, when there is a model),
            ``distance_to_made``, and the masses to weigh (``host_mg``, ``scaffold_mg``,
            ``balls_g``); ``attrs["model"]`` describes the model.
        """
        from matdoe import units
        from matdoe.campaign import propose, suggestion_rows

        temperature_c = units.parse(temperature, "temperature", name="temperature") - 273.15
        with self.session() as session:
            batch, stored, _ = propose(
                session,
                n=n,
                campaign=campaign,
                temperature_c=temperature_c,
                strategy=strategy,
                random_state=random_state,
                limits=limits,
                sources=sources,
                store=store,
            )
            rows = suggestion_rows(session, batch, stored)
            ids = [s.id for s in stored]
        out = batch.assign(
            **{k: [r.get(k) for r in rows] for k in ("host_mg", "scaffold_mg", "balls_g")}
        )
        if ids:
            out.insert(0, "id", ids)
        return out

    def suggestions(
        self, *, status: str | None = None, campaign: str | None = None
    ) -> pd.DataFrame:
        """Suggestions with what was predicted and, once made, what was measured (of every
        campaign, with a ``campaign`` column; ``campaign``: only that one's)."""
        import pandas as pd

        from matdoe.campaign import find_campaign, suggestion_table

        with self.session() as session:
            chosen = None if campaign is None else find_campaign(session, campaign)
            rows = suggestion_table(session, status=status, campaign=chosen)
        return pd.DataFrame(rows)


def _sample_row(sample: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        c: getattr(sample, c) for c in SAMPLE_COLUMNS if hasattr(type(sample), c)
    }
    row["host"] = sample.host.name
    row["scaffold"] = sample.scaffold.name if sample.scaffold is not None else None
    pellet = sample.pellets[0] if sample.pellets else None
    for field in ("thickness_cm", "area_cm2", "mass_mg", "pressure_mpa"):
        row[f"pellet_{field}"] = getattr(pellet, field) if pellet is not None else None
    return row


def open_lab(url: str | None = None, *, create: bool = False) -> Lab:
    """Open a lab database (see :class:`Lab`); the same as :func:`matdoe.open`."""
    return Lab(url, create=create)
