"""One suggestion request, checked and converted once: the value every strategy receives."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from matdoe.errors import InvalidRecordError
from matdoe.space import SearchSpace

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MULTI_OBJECTIVE_DEFAULT",
    "MULTI_OBJECTIVE_STRATEGIES",
    "STRATEGIES",
    "Objective",
    "Problem",
    "ResolvedObjective",
]

STRATEGIES = ("gp-ei", "gp-ucb", "optuna-tpe", "optuna-gp", "random", "gp-ehvi", "gp-parego")
#: Strategies that handle several objectives.
MULTI_OBJECTIVE_STRATEGIES = ("gp-ehvi", "gp-parego", "random")
#: What ``gp-ei`` means with several objectives: the acquisition that did better on the
#: two-objective twin (benchmarks/multiobjective.py, benchmarks/RESULTS_multiobjective.md).
MULTI_OBJECTIVE_DEFAULT = "gp-ehvi"


@dataclass(frozen=True)
class Objective:
    """One objective of a multi-objective :func:`~matdoe.suggest.suggest`.

    A *measured* objective has its own observations table (one row per measurement: the
    parameter columns, its conditions if it has any, the objective column, optionally
    ``<name>_std`` and ``sample``) and gets its own model; a *recipe* objective is the value of
    a numeric parameter (e.g. milling time as a cost) and needs none.

    Attributes:
        name: The objective column (measured) or a label (recipe).
        maximize: Maximise (True) or minimise.
        observations: Its observations; None: the ``observations`` given to ``suggest``.
        parameter: For a recipe objective: the numeric parameter whose value it is.

    Example:
        >>> Objective.recipe("milling_h").maximize
        False
    """

    name: str
    maximize: bool = True
    observations: pd.DataFrame | None = None
    parameter: str | None = None

    @classmethod
    def recipe(cls, parameter: str, *, maximize: bool = False) -> Objective:
        """The value of a numeric parameter as an objective (a cost unless ``maximize``)."""
        return cls(parameter, maximize=maximize, parameter=parameter)

    @property
    def measured(self) -> bool:
        """Whether the objective is measured (modelled), not read off the recipe."""
        return self.parameter is None


@dataclass(frozen=True, eq=False)
class ResolvedObjective:
    """An objective checked against the problem's spaces (see :meth:`Problem.build`).

    Attributes:
        name: Objective column or label.
        sign: +1 to maximise, -1 to minimise.
        observations: Its validated observations (measured objectives), else None.
        column: Index of its parameter among the raw columns (recipe objectives), else None.
        conditions: The names of the space's conditions its observations have.
    """

    name: str
    sign: float
    observations: pd.DataFrame | None
    column: int | None
    conditions: tuple[str, ...]

    @property
    def measured(self) -> bool:
        return self.column is None


@dataclass(frozen=True, eq=False)
class Problem:
    """What :func:`matdoe.suggest.suggest` was asked, in the arrays the strategies use.

    Two spaces travel together: ``space`` limits the proposals (it may be restricted, e.g. to two
    silicas and at most 8 h of milling) and ``model_space`` is its domain widened to every
    observed and pending recipe (:meth:`SearchSpace.covering`), over which the model is built. A
    range is a proposal limit, not a data filter.

    Attributes:
        space: The proposal space.
        model_space: The model's space (observations, pending recipes and grid keys live here).
        observations: The observations table (validated; may be empty).
        objective: Objective column.
        n: Batch size.
        maximize: Maximise (True) or minimise.
        strategy: One of :data:`STRATEGIES`.
        obs_raw: Observed recipes, raw points of ``model_space``.
        pending_raw: Pending recipes, raw points of ``model_space``.
        candidates_raw: Candidate recipes (raw points of ``space``) or None.
        candidates_index: Their index in the caller's table.
        target: Condition values at which to predict and optimise, ``(n_conditions,)``.
        target_dict: The same as ``{name: value}``.
        exclude: Grid keys (of ``model_space``) of every observed and pending recipe.
        random_state: The caller's seed.
    """

    space: SearchSpace
    model_space: SearchSpace
    observations: pd.DataFrame
    objective: str
    n: int
    maximize: bool
    strategy: str
    obs_raw: np.ndarray
    pending_raw: np.ndarray
    candidates_raw: np.ndarray | None
    candidates_index: Any
    target: np.ndarray
    target_dict: Mapping[str, float]
    exclude: frozenset[bytes]
    random_state: Any
    objectives: tuple[ResolvedObjective, ...] = ()

    @property
    def multi(self) -> bool:
        """Whether several objectives are optimised together."""
        return len(self.objectives) > 1

    @classmethod
    def build(
        cls,
        observations: pd.DataFrame | None,
        space: SearchSpace,
        *,
        objective: str,
        n: Any,
        maximize: bool,
        pending: pd.DataFrame | None,
        candidates: pd.DataFrame | None,
        conditions: Mapping[str, float] | None,
        strategy: str,
        random_state: Any,
        objectives: Sequence[Objective] | None = None,
    ) -> Problem:
        """Check the request and convert it (see :func:`matdoe.suggest.suggest` for the rules)."""
        import pandas as pd

        if strategy not in STRATEGIES:
            raise InvalidRecordError(
                f"unknown strategy {strategy!r}; choose one of {list(STRATEGIES)}"
            )
        if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
            raise InvalidRecordError(f"n must be a positive integer, got {n!r}")
        if observations is None:
            observations = pd.DataFrame()
        if not isinstance(observations, pd.DataFrame):
            raise InvalidRecordError(
                f"observations must be a DataFrame, got {type(observations).__name__}"
            )
        pending = pending if pending is not None and len(pending) else None
        tables, strategy = _objective_tables(objectives, observations, objective, strategy)
        if candidates is not None:
            if not isinstance(candidates, pd.DataFrame) or len(candidates) == 0:
                raise InvalidRecordError(
                    "candidates is empty; pass None to search the whole space or give at least "
                    "one recipe row"
                )
            space.validate(candidates)
        if tables:
            primary = next((o for o in objectives or () if o.measured), None)
            assert primary is not None
            observations = tables[primary.name]
            objective = primary.name
        model_space = space.covering(*(tables.values() or [observations]), pending)
        for name, table in (tables or {objective: observations}).items():
            if len(table):
                model_space.validate(table, objective=name, bounds=False)
        if pending is not None:
            model_space.validate(pending, bounds=False)
        target = (
            model_space.condition_values(None, 1, conditions)[0]
            if model_space.conditions
            else np.empty(0)
        )
        target_dict = {
            c: float(v) for c, v in zip(model_space.condition_names, target, strict=True)
        }
        width = len(space.parameters)
        made = [t for t in (tables.values() if tables else [observations]) if len(t)]
        obs_raw = (
            np.unique(np.vstack([model_space.to_raw(t) for t in made]), axis=0)
            if len(made) > 1
            else (model_space.to_raw(made[0]) if made else np.empty((0, width)))
        )
        pend_raw = model_space.to_raw(pending) if pending is not None else np.empty((0, width))
        cand_raw = space.to_raw(candidates) if candidates is not None else None
        exclude = frozenset(model_space.grid_keys(obs_raw)) | frozenset(
            model_space.grid_keys(pend_raw)
        )
        return cls(
            space=space,
            model_space=model_space,
            observations=observations,
            objective=objective,
            n=int(n),
            maximize=bool(maximize),
            strategy=strategy,
            obs_raw=obs_raw,
            pending_raw=pend_raw,
            candidates_raw=cand_raw,
            candidates_index=candidates.index if candidates is not None else None,
            target=target,
            target_dict=target_dict,
            exclude=exclude,
            random_state=random_state,
            objectives=_resolve(objectives, tables, space, model_space),
        )

    @property
    def sign(self) -> float:
        """+1 to maximise, -1 to minimise (strategies always maximise ``sign * y``)."""
        return 1.0 if self.maximize else -1.0

    def rng(self) -> np.random.Generator:
        """A fresh generator from the caller's seed."""
        return np.random.default_rng(self.random_state)

    def to_model(self, raw: np.ndarray) -> np.ndarray:
        """Raw points of the proposal space as raw points of the model space."""
        return self.model_space.translate_raw(raw, self.space)

    def keys(self, raw: np.ndarray) -> list[bytes]:
        """Grid keys (in the model space) of raw points of the proposal space."""
        return self.model_space.grid_keys(self.to_model(raw))

    def check_left(self, picked: int) -> None:
        """Raise when nothing could be proposed."""
        if picked:
            return
        if self.candidates_raw is not None:
            raise InvalidRecordError(
                f"all {len(self.candidates_raw)} candidates were already measured or are "
                "pending; add new candidate recipes"
            )
        raise InvalidRecordError(
            "no unused feasible recipe left in the search space; widen it or relax constraints"
        )


def _objective_tables(
    objectives: Sequence[Objective] | None,
    observations: pd.DataFrame,
    objective: str,
    strategy: str,
) -> tuple[dict[str, pd.DataFrame], str]:
    """The observations of each measured objective (several objectives only) and the strategy."""
    import pandas as pd

    if objectives is None or len(objectives) == 0:
        return {}, strategy
    objectives = list(objectives)
    for o in objectives:
        if not isinstance(o, Objective):
            raise InvalidRecordError(f"objectives: expected Objective values, got {o!r}")
    names = [o.name for o in objectives]
    if len(set(names)) != len(names):
        raise InvalidRecordError(f"objectives: a name is given twice in {names}")
    if not any(o.measured for o in objectives):
        raise InvalidRecordError(
            "objectives: at least one must be measured; recipe objectives alone need no model"
        )
    if len(objectives) == 1:
        raise InvalidRecordError(
            "objectives: give two or more (one objective: use objective= and maximize=)"
        )
    if strategy == "gp-ei":
        strategy = MULTI_OBJECTIVE_DEFAULT
    if strategy not in MULTI_OBJECTIVE_STRATEGIES:
        raise InvalidRecordError(
            f"strategy {strategy!r} optimises one objective; with {len(objectives)} "
            f"({', '.join(names)}) use {', '.join(MULTI_OBJECTIVE_STRATEGIES)}"
        )
    if strategy == "gp-ehvi" and len(objectives) != 2:
        raise InvalidRecordError(
            f"gp-ehvi handles two objectives; {len(objectives)} are given: use gp-parego"
        )
    tables: dict[str, pd.DataFrame] = {}
    for o in objectives:
        if o.measured:
            table = o.observations if o.observations is not None else observations
            if not isinstance(table, pd.DataFrame):
                raise InvalidRecordError(
                    f"objective {o.name!r}: observations must be a DataFrame, got "
                    f"{type(table).__name__}"
                )
            if len(table) and o.name not in table.columns:
                raise InvalidRecordError(
                    f"objective {o.name!r}: its observations have no column {o.name!r}"
                )
            tables[o.name] = table
    return tables, strategy


def _resolve(
    objectives: Sequence[Objective] | None,
    tables: Mapping[str, pd.DataFrame],
    space: SearchSpace,
    model_space: SearchSpace,
) -> tuple[ResolvedObjective, ...]:
    if not tables:
        return ()
    out = []
    for o in objectives or ():
        sign = 1.0 if o.maximize else -1.0
        if o.measured:
            table = tables[o.name]
            conditions = tuple(c for c in model_space.condition_names if c in table.columns)
            out.append(ResolvedObjective(o.name, sign, table, None, conditions))
            continue
        if o.parameter not in space.parameter_names or not space[o.parameter].numeric:
            numeric = [p.name for p in space.parameters if p.numeric]
            raise InvalidRecordError(
                f"objective {o.name!r}: {o.parameter!r} is not a numeric parameter of the space "
                f"({', '.join(numeric) or 'none'})"
            )
        column = list(space.parameter_names).index(o.parameter)
        out.append(ResolvedObjective(o.name, sign, None, column, ()))
    return tuple(out)
