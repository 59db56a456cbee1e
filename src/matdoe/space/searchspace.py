"""The search space of a design-of-experiments campaign.

A :class:`SearchSpace` holds the recipe *parameters* a lab chooses (a :class:`Categorical` such as
the silica, a :class:`Float` such as ``vol_pct`` with a step, an :class:`Int`), optional
*constraints* between them (:class:`LinearConstraint`, :class:`Forbidden`), and fixed
*conditions* of a measurement that are not chosen but under which the objective is observed and
predicted (:class:`Condition`, e.g. ``temperature_c``).

The space also knows how to

* check an observations table (:meth:`SearchSpace.validate`),
* put recipes on the step grid (:meth:`SearchSpace.snap`) and test constraints
  (:meth:`SearchSpace.feasible`),
* encode recipes as numbers in the unit cube for a surrogate model (:meth:`SearchSpace.encode`):
  categoricals through their descriptors (e.g. the silica's BET area and a mesoporous flag), one-hot
  when asked or when a categorical has no descriptors, continuous parameters scaled to [0, 1]
  (logarithmically for ``log=True``), a temperature condition as 1000/T (K).

A space's ranges limit *proposals*, not data: :meth:`SearchSpace.covering` widens a space so that
measured recipes outside it (a 24 h milling time, a measurement at 120 °C) still inform a model,
and :meth:`SearchSpace.restrict` narrows the proposals (only some silicas, at most 8 h) while the
narrowed space remembers the full one as its :attr:`~SearchSpace.domain`, over which models are
built.

Spaces round-trip through plain dictionaries (:meth:`SearchSpace.to_dict`,
:meth:`SearchSpace.from_dict`), which is what a campaign stores in the database, and load from YAML
(:meth:`SearchSpace.from_yaml`).

Example:
    >>> space = SearchSpace([Categorical("silica", ["A", "B"]), Float("vol_pct", 5, 60, step=0.5)])
    >>> space.parameter_names
    ('silica', 'vol_pct')
    >>> SearchSpace.from_dict(space.to_dict()) == space
    True
    >>> narrow = space.restrict({"vol_pct": (30, 40)})
    >>> narrow["vol_pct"].high, narrow.domain["vol_pct"].high
    (40.0, 60.0)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from matdoe.errors import InvalidRecordError
from matdoe.space.constraints import Constraint, Forbidden, LinearConstraint
from matdoe.space.parameters import (
    Categorical,
    Condition,
    Float,
    Int,
    Parameter,
    numeric_values,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["SearchSpace"]


class SearchSpace:
    """Parameters, constraints and conditions of a campaign.

    Args:
        parameters: The chosen recipe variables.
        constraints: Linear constraints and forbidden combinations among parameters.
        conditions: Measurement conditions (not chosen), e.g. temperature.
        objective: Name of the objective column (metadata carried by YAML/dict; optional).
        maximize: Whether the objective is maximised (metadata).
        domain: The full space this one was narrowed from (:meth:`restrict` sets it); models are
            built over the domain, proposals are made in this space. None: the space is its own
            domain.
    """

    def __init__(
        self,
        parameters: Iterable[Parameter],
        constraints: Iterable[Constraint] = (),
        conditions: Iterable[Condition] = (),
        *,
        objective: str | None = None,
        maximize: bool = True,
        domain: SearchSpace | None = None,
    ) -> None:
        self.parameters: tuple[Parameter, ...] = tuple(parameters)
        self.constraints: tuple[Constraint, ...] = tuple(constraints)
        self.conditions: tuple[Condition, ...] = tuple(conditions)
        self.objective = objective
        self.maximize = bool(maximize)
        if not self.parameters:
            raise InvalidRecordError("a search space needs at least one parameter")
        names = [p.name for p in self.parameters] + [c.name for c in self.conditions]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise InvalidRecordError(f"duplicate parameter/condition names {dupes}")
        for p in self.parameters:
            if not isinstance(p, Parameter):
                raise InvalidRecordError(f"not a parameter: {p!r}; use Categorical, Float or Int")
        self._index = {p.name: i for i, p in enumerate(self.parameters)}
        for con in self.constraints:
            self._check_constraint(con)
        if domain is not None and domain.parameter_names != self.parameter_names:
            raise InvalidRecordError(
                f"the domain's parameters {list(domain.parameter_names)} differ from "
                f"{list(self.parameter_names)}"
            )
        self._domain = domain

    # ----------------------------------------------------------------------------- basics
    def _check_constraint(self, con: Constraint) -> None:
        if isinstance(con, LinearConstraint):
            for name in con.coefficients:
                p = self._param(name, "linear constraint")
                if not p.numeric:
                    raise InvalidRecordError(
                        f"linear constraint uses categorical parameter {name!r}; only numeric "
                        "parameters can enter a linear constraint"
                    )
        elif isinstance(con, Forbidden):
            for name, value in con.combination.items():
                p = self._param(name, "forbidden combination")
                if not p.numeric:
                    values = value if isinstance(value, tuple) else (value,)
                    for v in values:
                        p.raw_value(v)
        else:
            raise InvalidRecordError(
                f"not a constraint: {con!r}; use LinearConstraint or Forbidden"
            )

    def _param(self, name: str, where: str = "space") -> Parameter:
        if name not in self._index:
            raise InvalidRecordError(
                f"{where}: unknown parameter {name!r}; the space has {list(self.parameter_names)}"
            )
        return self.parameters[self._index[name]]

    def __getitem__(self, name: str) -> Any:
        for c in self.conditions:
            if c.name == name:
                return c
        return self._param(name)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SearchSpace) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(tuple(p.name for p in self.parameters))

    def __repr__(self) -> str:
        return (
            f"SearchSpace(parameters={list(self.parameters)!r}, "
            f"constraints={list(self.constraints)!r}, conditions={list(self.conditions)!r})"
        )

    def _copy(self, **changes: Any) -> SearchSpace:
        args: dict[str, Any] = {
            "parameters": self.parameters,
            "constraints": self.constraints,
            "conditions": self.conditions,
            "objective": self.objective,
            "maximize": self.maximize,
            "domain": self._domain,
        }
        args.update(changes)
        return SearchSpace(
            args.pop("parameters"), args.pop("constraints"), args.pop("conditions"), **args
        )

    @property
    def domain(self) -> SearchSpace:
        """The full space models are built over (the space itself unless it was restricted)."""
        return self._domain if self._domain is not None else self

    @property
    def parameter_names(self) -> tuple[str, ...]:
        """Names of the chosen parameters, in order."""
        return tuple(p.name for p in self.parameters)

    @property
    def condition_names(self) -> tuple[str, ...]:
        """Names of the measurement conditions, in order."""
        return tuple(c.name for c in self.conditions)

    @property
    def categoricals(self) -> tuple[Categorical, ...]:
        """The categorical parameters."""
        return tuple(p for p in self.parameters if isinstance(p, Categorical))

    def n_grid_points(self) -> float:
        """Number of grid points (``inf`` when a Float has no step), ignoring constraints.

        Example:
            >>> s = SearchSpace([Float("x", 0, 1, step=0.25), Categorical("c", ["a", "b"])])
            >>> s.n_grid_points()
            10.0
        """
        return float(math.prod(p.n_grid_points() for p in self.parameters))

    def grid(self) -> np.ndarray:
        """Every feasible raw point of the step grid (raises when a Float has no step)."""
        axes = [p.grid_values() for p in self.parameters]
        mesh = np.meshgrid(*axes, indexing="ij")
        raw = np.column_stack([m.ravel() for m in mesh])
        return raw[self.feasible_raw(raw)]

    # ----------------------------------------------------------------------------- editing
    def with_choices(
        self,
        name: str,
        choices: Sequence[str],
        descriptors: Mapping[str, Mapping[str, float]] | None = None,
    ) -> SearchSpace:
        """Return a copy where categorical ``name`` also offers ``choices``.

        Existing choices are kept; new ones are appended. When the categorical has descriptors,
        each new choice needs them (e.g. a new silica from the material catalogue with its
        ``bet_m2_g`` and ``mesoporous``), so the model places it among the known ones.

        Example:
            >>> s = SearchSpace([Categorical("c", ["a"], descriptors={"a": {"x": 1.0}})])
            >>> s.with_choices("c", ["b"], {"b": {"x": 2.0}})["c"].choices
            ('a', 'b')
        """
        p = self._param(name, "with_choices")
        if not isinstance(p, Categorical):
            raise InvalidRecordError(f"with_choices: parameter {name!r} is not categorical")
        new = [str(c) for c in choices if str(c) not in p.choices]
        desc = None
        if p.descriptors is not None:
            desc = {c: dict(v) for c, v in p.descriptors.items()}
            given = dict(descriptors or {})
            for c in new:
                if c not in given:
                    raise InvalidRecordError(
                        f"with_choices: new choice {c!r} of {name!r} needs descriptors "
                        f"{list(p.descriptor_names)}"
                    )
                desc[c] = dict(given[c])
        elif descriptors:
            raise InvalidRecordError(
                f"with_choices: {name!r} has no descriptors; add choices without descriptors"
            )
        q = Categorical(p.name, p.choices + tuple(new), descriptors=desc)
        params = [q if x.name == name else x for x in self.parameters]
        return self._copy(parameters=params, domain=None)

    def restrict(self, limits: Mapping[str, Any]) -> SearchSpace:
        """A copy that proposes only inside ``limits``; its :attr:`domain` stays the full space.

        Args:
            limits: ``{name: [choices]}`` for a categorical, ``{name: (low, high)}`` for a
                numeric parameter (either end None: unchanged). Numeric limits are rounded
                inwards to the parameter's grid.

        Example:
            >>> s = SearchSpace([Categorical("c", ["a", "b", "d"]), Float("x", 0, 10, step=0.5)])
            >>> r = s.restrict({"c": ["d", "a"], "x": (None, 7.3)})
            >>> r["c"].choices, r["x"].high
            (('a', 'd'), 7.0)
        """
        params = list(self.parameters)
        for name, limit in limits.items():
            j = self._index.get(name)
            if j is None:
                self._param(name, "restrict")
            else:
                params[j] = params[j].restrict(limit)
        return self._copy(parameters=params, domain=self.domain)

    def covering(self, *frames: pd.DataFrame | None) -> SearchSpace:
        """This space's :attr:`domain`, widened so that every recipe in ``frames`` lies inside.

        Numeric ranges grow by whole steps to the data's minimum and maximum, condition ranges to
        the measured conditions, and categoricals without descriptors gain the unknown categories
        (with descriptors an unknown category is an error: the model could not place it). This
        is the space a model of all the data is built over; a recipe's raw values in it are
        :meth:`translate_raw` of its raw values here.

        Example:
            >>> import pandas as pd
            >>> s = SearchSpace([Float("milling_h", 0.5, 12, step=0.25)])
            >>> s.covering(pd.DataFrame({"milling_h": [24.0]}))["milling_h"].high
            24.0
        """
        dom = self.domain
        params = list(dom.parameters)
        conds = list(dom.conditions)
        for frame in frames:
            if frame is None or not len(frame):
                continue
            for j, p in enumerate(params):
                if p.name in frame.columns:
                    params[j] = params[j].covering(frame[p.name])
            for k, c in enumerate(conds):
                if c.name in frame.columns:
                    import pandas as pd

                    conds[k] = conds[k].covering(
                        pd.to_numeric(frame[c.name], errors="coerce").to_numpy(dtype=float)
                    )
        return SearchSpace(
            params, dom.constraints, conds, objective=dom.objective, maximize=dom.maximize
        )

    def translate_raw(self, raw: np.ndarray, source: SearchSpace) -> np.ndarray:
        """Raw points of ``source`` (same parameters, other choices or ranges) in this space's raw."""
        out = np.array(raw, dtype=float, copy=True)
        for j, (p, q) in enumerate(zip(self.parameters, source.parameters, strict=True)):
            out[:, j] = p.translate(out[:, j], q)
        return out

    # ----------------------------------------------------------------------------- (de)serialise
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able dictionary that :meth:`from_dict` turns back into an equal space."""
        out: dict[str, Any] = {
            "parameters": [p.to_dict() for p in self.parameters],
            "constraints": [c.to_dict() for c in self.constraints],
            "conditions": [c.to_dict() for c in self.conditions],
        }
        if self.objective is not None:
            out["objective"] = {"name": self.objective, "maximize": self.maximize}
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SearchSpace:
        """Build a space from :meth:`to_dict` output or the YAML layout.

        Raises:
            InvalidRecordError: naming the entry that is malformed.
        """
        if not isinstance(d, Mapping) or "parameters" not in d:
            raise InvalidRecordError("a search-space dictionary needs a 'parameters' list")
        params: list[Parameter] = []
        for i, pd_ in enumerate(d["parameters"] or []):
            kind = str(pd_.get("type", "")).lower()
            try:
                if kind == "categorical":
                    params.append(
                        Categorical(pd_["name"], pd_["choices"], descriptors=pd_.get("descriptors"))
                    )
                elif kind in ("float", "int"):
                    klass = Int if kind == "int" else Float
                    kwargs = {"log": bool(pd_.get("log", False))}
                    if pd_.get("step") is not None or kind == "float":
                        kwargs["step"] = pd_.get("step")
                    params.append(klass(pd_["name"], pd_["low"], pd_["high"], **kwargs))
                else:
                    raise InvalidRecordError(
                        f"parameters[{i}]: type must be 'categorical', 'float' or 'int', "
                        f"got {pd_.get('type')!r}"
                    )
            except KeyError as exc:
                raise InvalidRecordError(f"parameters[{i}]: missing key {exc}") from exc
        constraints: list[Constraint] = []
        for i, cd in enumerate(d.get("constraints") or []):
            kind = str(cd.get("type", "")).lower()
            try:
                if kind == "linear":
                    constraints.append(
                        LinearConstraint(cd["coefficients"], cd["rhs"], cd.get("kind", "<="))
                    )
                elif kind == "forbidden":
                    constraints.append(Forbidden(cd["combination"]))
                else:
                    raise InvalidRecordError(
                        f"constraints[{i}]: type must be 'linear' or 'forbidden', "
                        f"got {cd.get('type')!r}"
                    )
            except KeyError as exc:
                raise InvalidRecordError(f"constraints[{i}]: missing key {exc}") from exc
        conditions: list[Condition] = []
        for i, cd in enumerate(d.get("conditions") or []):
            try:
                conditions.append(
                    Condition(
                        cd["name"],
                        cd["low"],
                        cd["high"],
                        default=cd.get("default"),
                        transform=cd.get("transform"),
                    )
                )
            except KeyError as exc:
                raise InvalidRecordError(f"conditions[{i}]: missing key {exc}") from exc
        objective = d.get("objective")
        objectives = d.get("objectives")
        if objective is None and isinstance(objectives, Sequence) and objectives:
            objective = objectives[0]  # a space file with several: the first is the primary
        name, maximize = None, True
        if isinstance(objective, Mapping):
            name, maximize = objective.get("name"), bool(objective.get("maximize", True))
        elif isinstance(objective, str):
            name = objective
        return cls(params, constraints, conditions, objective=name, maximize=maximize)

    @classmethod
    def from_yaml(cls, path: str | Path) -> SearchSpace:
        """Load a space from a YAML file with the :meth:`to_dict` layout."""
        import yaml

        path = Path(path)
        if not path.is_file():
            raise InvalidRecordError(f"search-space file {str(path)!r} not found")
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            raise InvalidRecordError(
                f"search-space file {path.name!r} is not valid YAML: {exc}"
            ) from exc
        return cls.from_dict(data)

    def to_yaml(self, path: str | Path) -> None:
        """Write the space as YAML (the :meth:`to_dict` layout)."""
        import yaml

        Path(path).write_text(yaml.safe_dump(self.to_dict(), sort_keys=False), encoding="utf-8")

    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        *,
        objective: str | None = None,
        conditions: Sequence[str] | None = None,
        exclude: Sequence[str] = (),
    ) -> SearchSpace:
        """Infer a space from a table of recipes.

        Numeric columns become ``Float(min, max)`` (``Int`` for integer dtypes), other columns
        ``Categorical`` of their sorted distinct values (no descriptors). The objective column and
        ``<objective>_std`` are skipped, as are ``exclude``. Columns in ``conditions`` (default:
        ``temperature_c`` when present) become :class:`Condition` s; ``temperature_c`` gets the
        1000/T transform and, as default, its smallest observed value.

        Example:
            >>> import pandas as pd
            >>> df = pd.DataFrame({"c": ["b", "a"], "x": [0.5, 2.0], "y": [1.0, 2.0]})
            >>> SearchSpace.from_frame(df, objective="y").to_dict()["parameters"][1]["high"]
            2.0
        """
        import pandas as pd

        skip = set(exclude)
        if objective is not None:
            skip |= {objective, f"{objective}_std"}
        if conditions is None:
            conditions = [c for c in ("temperature_c",) if c in df.columns]
        params: list[Parameter] = []
        conds: list[Condition] = []
        for col in df.columns:
            if col in skip:
                continue
            s = df[col]
            if col in conditions:
                values = pd.to_numeric(s, errors="coerce")
                lo, hi = float(values.min()), float(values.max())
                if col == "temperature_c":
                    conds.append(
                        Condition(str(col), lo, hi, default=lo, transform="inverse_temperature")
                    )
                else:
                    conds.append(Condition(str(col), lo, hi, default=lo))
            elif pd.api.types.is_bool_dtype(s) or not pd.api.types.is_numeric_dtype(s):
                choices = tuple(sorted(s.dropna().astype(str).unique()))
                params.append(Categorical(str(col), choices))
            elif pd.api.types.is_integer_dtype(s):
                params.append(Int(str(col), int(s.min()), int(s.max())))
            else:
                params.append(Float(str(col), float(s.min()), float(s.max())))
        missing = [c for c in conditions if c not in df.columns]
        if missing:
            raise InvalidRecordError(f"from_frame: condition column(s) {missing} not in the table")
        return cls(params, (), conds, objective=objective)

    # ----------------------------------------------------------------------------- validation
    def validate(
        self, df: pd.DataFrame, *, objective: str | None = None, bounds: bool = True
    ) -> None:
        """Check an observations (or recipes) table against the space.

        Args:
            df: One row per measurement: parameter columns, optionally condition columns and the
                objective column (and ``<objective>_std``).
            objective: Name of the objective column that must be present and finite, or None for
                a table of recipes only.
            bounds: Also refuse numeric values and conditions outside the ranges. Observations
                are checked with ``bounds=False``: a range limits proposals, and a measurement
                outside it still informs a model (see :meth:`covering`).

        Raises:
            InvalidRecordError: naming the column (and row) at fault: a missing column, NaN or
                infinite values, a parameter or condition outside the space, an unknown category.
        """
        import pandas as pd

        if not isinstance(df, pd.DataFrame):
            raise InvalidRecordError(f"expected a pandas DataFrame, got {type(df).__name__}")
        missing = [n for n in self.parameter_names if n not in df.columns]
        if missing:
            raise InvalidRecordError(
                f"missing parameter column(s) {missing}; the table has {list(df.columns)}"
            )
        if objective is not None and objective not in df.columns:
            raise InvalidRecordError(
                f"missing objective column {objective!r}; the table has {list(df.columns)}"
            )
        for p in self.parameters:
            p.check(df[p.name], bounds=bounds)
        for c in self.conditions:
            if c.name in df.columns:
                c.check(df[c.name], bounds=bounds)
        if objective is not None:
            numeric_values(df[objective], objective)
            std_col = f"{objective}_std"
            if std_col in df.columns:
                std = numeric_values(df[std_col], std_col)
                if (std < 0).any():
                    i = int(np.argmax(std < 0))
                    raise InvalidRecordError(
                        f"column {std_col!r}, row {df.index[i]!r}: negative standard deviation"
                    )

    # ----------------------------------------------------------------------------- raw arrays
    # "Raw" arrays hold one column per parameter: the category index for a categorical, the value
    # for a numeric parameter. They are what the optimisers move around.
    def to_raw(self, df: pd.DataFrame) -> np.ndarray:
        """Recipes (validated) as a raw float array ``(n, n_parameters)``."""
        out = np.empty((len(df), len(self.parameters)))
        for j, p in enumerate(self.parameters):
            out[:, j] = p.to_raw(df[p.name])
        return out

    def from_raw(self, raw: np.ndarray, index: Any = None) -> pd.DataFrame:
        """Raw array back to a recipes DataFrame (categoricals as strings, Int as int)."""
        import pandas as pd

        cols = {p.name: p.from_raw(raw[:, j]) for j, p in enumerate(self.parameters)}
        return pd.DataFrame(cols, index=index)

    def row_values(self, row: np.ndarray) -> dict[str, Any]:
        """One raw point as ``{name: plain value}``."""
        return {p.name: p.value(row[j]) for j, p in enumerate(self.parameters)}

    def raw_row(self, values: Mapping[str, Any]) -> np.ndarray:
        """``{name: value}`` as one raw point."""
        return np.array([p.raw_value(values[p.name]) for p in self.parameters], dtype=float)

    def snap_raw(self, raw: np.ndarray) -> np.ndarray:
        """Put raw points on the grid and inside bounds; repair equality constraints."""
        raw = np.array(raw, dtype=float, copy=True)
        for j, p in enumerate(self.parameters):
            raw[:, j] = p.snap(raw[:, j])
        for con in self.constraints:
            if isinstance(con, LinearConstraint) and con.kind == "==":
                # Solve for the last parameter of the constraint, then snap it.
                names = list(con.coefficients)
                dep = names[-1]
                j = self._index[dep]
                rest = np.zeros(len(raw))
                for name in names[:-1]:
                    rest += con.coefficients[name] * raw[:, self._index[name]]
                raw[:, j] = self.parameters[j].snap((con.rhs - rest) / con.coefficients[dep])
        return raw

    def snap(self, df: pd.DataFrame) -> pd.DataFrame:
        """Return the recipes on the step grid (index kept); other columns are dropped.

        Example:
            >>> import pandas as pd
            >>> s = SearchSpace([Float("vol_pct", 5, 60, step=0.5)])
            >>> s.snap(pd.DataFrame({"vol_pct": [35.2, 61.0]}))["vol_pct"].tolist()
            [35.0, 60.0]
        """
        self.validate_columns(df)
        return self.from_raw(self.snap_raw(self.to_raw(df)), index=df.index)

    def validate_columns(self, df: pd.DataFrame) -> None:
        """Raise if parameter columns are missing or categories unknown (no bounds check)."""
        missing = [n for n in self.parameter_names if n not in df.columns]
        if missing:
            raise InvalidRecordError(f"missing parameter column(s) {missing}")
        for p in self.categoricals:
            p.check(df[p.name])

    def feasible_raw(self, raw: np.ndarray) -> np.ndarray:
        """Boolean mask of raw points that satisfy all constraints (bounds included)."""
        ok = np.ones(len(raw), dtype=bool)
        for j, p in enumerate(self.parameters):
            ok &= p.inside(raw[:, j])
        for con in self.constraints:
            if isinstance(con, LinearConstraint):
                lhs = sum(c * raw[:, self._index[n]] for n, c in con.coefficients.items())
                tol = 1e-6 * max(1.0, abs(con.rhs))
                if con.kind == "<=":
                    ok &= lhs <= con.rhs + tol
                elif con.kind == ">=":
                    ok &= lhs >= con.rhs - tol
                else:
                    ok &= np.abs(lhs - con.rhs) <= tol
            else:
                hit = np.ones(len(raw), dtype=bool)
                for name, value in con.combination.items():
                    j = self._index[name]
                    p = self.parameters[j]
                    col = raw[:, j]
                    if not p.numeric:
                        values = value if isinstance(value, tuple) else (value,)
                        hit &= np.isin(np.round(col), [p.raw_value(v) for v in values])
                    elif isinstance(value, tuple):
                        hit &= (col >= value[0] - 1e-9) & (col <= value[1] + 1e-9)
                    else:
                        hit &= np.abs(col - float(value)) <= 1e-9 * max(1.0, abs(float(value)))
                ok &= ~hit
        return ok

    def feasible(self, df: pd.DataFrame) -> np.ndarray:
        """Boolean mask: which recipes satisfy bounds and constraints."""
        self.validate_columns(df)
        return self.feasible_raw(self.to_raw(df))

    def grid_keys(self, raw: np.ndarray) -> list[bytes]:
        """Hashable keys of raw points after snapping: equal keys = the same recipe on the grid."""
        if not len(raw):
            return []
        snapped = self.snap_raw(raw)
        keys = np.empty_like(snapped)
        for j, p in enumerate(self.parameters):
            keys[:, j] = p.grid_key(snapped[:, j])
        return [row.tobytes() for row in keys.astype(np.int64)]

    # ----------------------------------------------------------------------------- sampling
    def sample_raw(self, n: int, rng: np.random.Generator, *, method: str = "sobol") -> np.ndarray:
        """Draw ``n`` raw points spread over the space (not snapped, not constraint-checked).

        ``method`` is ``"sobol"`` (scrambled Sobol, categoricals spread evenly) or ``"random"``.
        """
        from scipy.stats import qmc

        d = len(self.parameters)
        if n <= 0:
            return np.empty((0, d))
        if method == "sobol":
            m = max(1, math.ceil(math.log2(max(n, 2))))
            u = qmc.Sobol(d, scramble=True, rng=rng).random_base2(m)[:n]
        else:
            u = rng.random((n, d))
        return np.column_stack([p.sample(u[:, j]) for j, p in enumerate(self.parameters)])

    def design_coords(self, raw: np.ndarray) -> np.ndarray:
        """Coordinates for space-filling distances: numeric in [0, 1], categoricals one-hot/√2."""
        cols: list[np.ndarray] = []
        for j, p in enumerate(self.parameters):
            cols += p.design_coords(raw[:, j])
        return np.column_stack(cols)

    def neighbours_raw(self, raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """All single-coordinate moves of each point, snapped; returns (points, owner index)."""
        blocks, owners = [], []
        rows = np.arange(len(raw))
        for j, p in enumerate(self.parameters):
            for column, moved_rows in p.neighbours(raw[:, j]):
                moved = raw[moved_rows].copy()
                moved[:, j] = column[moved_rows]
                blocks.append(moved)
                owners.append(rows[moved_rows])
        return self.snap_raw(np.vstack(blocks)), np.concatenate(owners)

    # ----------------------------------------------------------------------------- encoding
    def feature_names(self, *, one_hot: bool = False) -> tuple[str, ...]:
        """Names of the encoded features (see :meth:`encode`)."""
        names: list[str] = []
        for p in self.parameters:
            names += p.feature_names(one_hot=one_hot)
        names += [c.feature_name for c in self.conditions]
        return tuple(names)

    def feature_kinds(self, *, one_hot: bool = False) -> tuple[str, ...]:
        """Per encoded feature: ``"categorical"``, ``"numeric"`` or ``"condition"``."""
        kinds: list[str] = []
        for p in self.parameters:
            kind = "numeric" if p.numeric else "categorical"
            kinds += [kind] * len(p.feature_names(one_hot=one_hot))
        kinds += ["condition"] * len(self.conditions)
        return tuple(kinds)

    def encode_raw(
        self, raw: np.ndarray, conditions: np.ndarray | None = None, *, one_hot: bool = False
    ) -> np.ndarray:
        """Encode raw points (plus condition values, one column per condition) as features.

        Categoricals map to their descriptors, min-max scaled over the choices to [0, 1] (one-hot
        columns appended when ``one_hot`` or when there are no descriptors); numeric parameters to
        [0, 1] (log scale when ``log``); conditions to [0, 1] after their transform.
        """
        cols: list[np.ndarray] = []
        for j, p in enumerate(self.parameters):
            cols += p.encode(raw[:, j], one_hot=one_hot)
        if self.conditions:
            if conditions is None:
                raise InvalidRecordError(
                    f"values for condition(s) {list(self.condition_names)} are needed"
                )
            for k, c in enumerate(self.conditions):
                cols.append(c.to_unit(conditions[:, k]))
        return np.column_stack(cols) if cols else np.empty((len(raw), 0))

    def condition_values(
        self, df: pd.DataFrame | None, n: int, overrides: Mapping[str, float] | None = None
    ) -> np.ndarray:
        """Condition values ``(n, n_conditions)`` from ``overrides``, the table, or defaults.

        Raises:
            InvalidRecordError: when a condition has no value from any of the three sources.
        """
        overrides = dict(overrides or {})
        unknown = [k for k in overrides if k not in self.condition_names]
        if unknown:
            raise InvalidRecordError(
                f"unknown condition(s) {unknown}; the space has {list(self.condition_names)}"
            )
        out = np.empty((n, len(self.conditions)))
        for k, c in enumerate(self.conditions):
            if c.name in overrides:
                value = float(overrides[c.name])
                if not math.isfinite(value):
                    raise InvalidRecordError(f"condition {c.name!r}: value {value} not finite")
                out[:, k] = value
            elif df is not None and c.name in df.columns:
                out[:, k] = np.asarray(df[c.name], dtype=float)
            elif c.default is not None:
                out[:, k] = c.default
            else:
                raise InvalidRecordError(
                    f"no value for condition {c.name!r}: add a {c.name!r} column, pass "
                    f"conditions={{{c.name!r}: ...}}, or give the condition a default"
                )
        return out

    def encode(
        self,
        df: pd.DataFrame,
        *,
        conditions: Mapping[str, float] | None = None,
        one_hot: bool = False,
    ) -> np.ndarray:
        """Encode a recipes table as features (see :meth:`encode_raw`).

        Condition values come from ``conditions`` if given, else the table's columns, else the
        conditions' defaults.
        """
        self.validate_columns(df)
        raw = self.to_raw(df)
        cond = self.condition_values(df, len(df), conditions) if self.conditions else None
        return self.encode_raw(raw, cond, one_hot=one_hot)

    def with_conditions(self, names: Iterable[str]) -> SearchSpace:
        """A copy that keeps only the conditions called ``names`` (its domain likewise).

        For an objective measured without them (an activation energy has no temperature).

        Example:
            >>> from matdoe.space import Condition
            >>> s = SearchSpace([Float("x", 0, 1)], conditions=[Condition("temperature_c", 20, 80)])
            >>> s.with_conditions([]).condition_names
            ()
        """
        keep = set(names)
        unknown = sorted(keep - set(self.condition_names))
        if unknown:
            raise InvalidRecordError(
                f"unknown condition(s) {unknown}; the space has {list(self.condition_names)}"
            )
        conditions = [c for c in self.conditions if c.name in keep]
        domain = None
        if self._domain is not None:
            domain = self._domain.with_conditions(keep & set(self._domain.condition_names))
        return self._copy(conditions=conditions, domain=domain)

    def replace_parameter(self, parameter: Parameter) -> SearchSpace:
        """Return a copy with the parameter of the same name replaced."""
        self._param(parameter.name, "replace_parameter")
        params = [parameter if p.name == parameter.name else p for p in self.parameters]
        return self._copy(parameters=params, domain=None)
