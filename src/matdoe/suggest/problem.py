"""One suggestion request, checked and converted once: the value every strategy receives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from matdoe.errors import InvalidRecordError
from matdoe.space import SearchSpace

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["STRATEGIES", "Problem"]

STRATEGIES = ("gp-ei", "gp-ucb", "optuna-tpe", "optuna-gp", "random")


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
        if candidates is not None:
            if not isinstance(candidates, pd.DataFrame) or len(candidates) == 0:
                raise InvalidRecordError(
                    "candidates is empty; pass None to search the whole space or give at least "
                    "one recipe row"
                )
            space.validate(candidates)
        model_space = space.covering(observations if len(observations) else None, pending)
        if len(observations):
            model_space.validate(observations, objective=objective, bounds=False)
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
        obs_raw = model_space.to_raw(observations) if len(observations) else np.empty((0, width))
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
