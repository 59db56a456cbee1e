"""Materials as model inputs: descriptors from the catalogue, and the choices it adds.

A host or scaffold parameter is a categorical whose choices are materials. Described by numbers
(a silica by its BET area and whether it is mesoporous; a salt by its molar mass, its cation's
radius and its transition temperature), a material the model has not seen yet sits among the
known ones instead of being a stranger, and what was learned on one system carries over to a
related one.

Descriptors (:data:`DESCRIPTORS`): ``bet_m2_g``, ``density_g_cm3`` and ``transition_k`` as
catalogued; ``mesoporous`` 1 when the morphology says mesoporous, 0 for any other stated
morphology; ``molar_mass_g_mol`` and ``cation_radius_a`` from the formula
(:mod:`matdoe.chem`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, get_args

from sqlalchemy import select
from sqlalchemy.orm import Session

from matdoe.db.models import Material
from matdoe.errors import InvalidRecordError
from matdoe.records import CatalogueDescriptor

if TYPE_CHECKING:
    from matdoe.campaign.definition import CampaignDefinition
    from matdoe.space import SearchSpace

__all__ = ["DESCRIPTORS", "campaign_space", "check_catalogue", "descriptor_value"]

#: The descriptors a space file may name (the values of :data:`matdoe.records.CatalogueDescriptor`).
DESCRIPTORS: tuple[str, ...] = get_args(CatalogueDescriptor)
#: The material kind of each material field.
_KIND = {"host": "host", "scaffold": "scaffold"}


def descriptor_value(material: Material, name: str) -> float | None:
    """One descriptor of a catalogued material (None when the catalogue does not say).

    >>> m = Material(name="SiO2-X", formula="SiO2", kind="scaffold", morphology="fumed")
    >>> descriptor_value(m, "mesoporous"), descriptor_value(m, "bet_m2_g")
    (0.0, None)
    """
    if name in ("bet_m2_g", "density_g_cm3", "transition_k"):
        value = getattr(material, name)
        return None if value is None else float(value)
    if name == "mesoporous":
        if not material.morphology:
            return None
        return 1.0 if "mesopor" in material.morphology.lower() else 0.0
    from matdoe import chem

    if name == "molar_mass_g_mol":
        return chem.molar_mass_g_mol(material.formula)
    if name == "cation_radius_a":
        return chem.cation_radius_a(material.formula)
    raise InvalidRecordError(f"unknown catalogue descriptor {name!r}; one of {DESCRIPTORS}")


def _describe(material: Material, names: tuple[str, ...]) -> dict[str, float] | None:
    out = {}
    for name in names:
        value = descriptor_value(material, name)
        if value is None:
            return None
        out[name] = value
    return out


def _missing(material: Material, names: tuple[str, ...]) -> str | None:
    for name in names:
        if descriptor_value(material, name) is None:
            return name
    return None


def _materials(session: Session, kind: str) -> dict[str, Material]:
    query = select(Material).where(Material.kind == kind).order_by(Material.name)
    return {m.name: m for m in session.scalars(query)}


def campaign_space(session: Session, definition: CampaignDefinition) -> SearchSpace:
    """The campaign's space with its materials described and new catalogued materials added.

    For a host or scaffold parameter with ``catalogue_descriptors`` every choice gets its
    descriptors from the catalogue. With descriptors (from the catalogue, or given in the file
    under names the catalogue can fill) and ``add_new``, every catalogued material of the same
    kind and formula as a listed choice that the catalogue can describe joins as a choice: a
    newly bought silica is proposed next to the known ones.

    Raises:
        InvalidRecordError: a listed material is not catalogued, or lacks a descriptor.
    """
    from matdoe.space import Categorical

    space = definition.space
    for name, field in definition.fields.items():
        kind = _KIND.get(field)
        if kind is None:
            continue
        parameter = space[name]
        assert isinstance(parameter, Categorical)
        catalogued = _materials(session, kind)
        names = definition.catalogue.get(name)
        if names:
            descriptors = {}
            for choice in parameter.choices:
                material = catalogued.get(choice)
                if material is None:
                    raise InvalidRecordError(
                        f"{kind} {choice!r} of parameter {name!r} is not in the material "
                        "catalogue; add it with `matdoe material add` or `material import`"
                    )
                missing = _missing(material, names)
                if missing is not None:
                    raise InvalidRecordError(
                        f"{kind} {choice!r} has no {missing} in the catalogue, which parameter "
                        f"{name!r} is described by; add it (`matdoe material edit {choice} --set "
                        f"{missing}=...`) or describe {name!r} without it"
                    )
                described = _describe(material, names)
                assert described is not None
                descriptors[choice] = described
            parameter = Categorical(name, parameter.choices, descriptors=descriptors)
            space = space.replace_parameter(parameter)
        elif parameter.descriptors:
            names = parameter.descriptor_names
            if not set(names) <= set(DESCRIPTORS):
                continue  # described in the file by numbers the catalogue cannot give
        else:
            continue
        if not definition.add_new.get(name, True):
            continue
        formulas = {catalogued[c].formula for c in parameter.choices if c in catalogued}
        new = {}
        for material in catalogued.values():
            if material.name in parameter.choices or material.formula not in formulas:
                continue
            described = _describe(material, tuple(names))
            if described is not None:
                new[material.name] = described
        if new:
            space = space.with_choices(name, list(new), new)
    return space


def check_catalogue(session: Session, definition: CampaignDefinition) -> list[str]:
    """Check a new campaign against the catalogue; returns warnings for a person.

    Every material the campaign names (choices of host and scaffold parameters, the recipe's
    host and scaffold) must be catalogued under that kind, and described when the parameter is
    described by the catalogue. A material without a density is a warning: its masses cannot be
    weighed from a vol% until it has one.

    Raises:
        InvalidRecordError: a material is not catalogued or lacks a descriptor.
    """
    warnings = []
    named: list[tuple[str, str]] = []
    for field in ("host", "scaffold"):
        value = definition.recipe.get(field)
        if value is not None:
            named.append((field, str(value)))
    for name, field in definition.fields.items():
        if field in _KIND:
            parameter = definition.space[name]
            named += [(field, c) for c in parameter.choices]
    for field, choice in named:
        catalogued = _materials(session, field)
        material = catalogued.get(choice)
        if material is None:
            known = ", ".join(catalogued) or "none yet"
            raise InvalidRecordError(
                f"{field} {choice!r} is not in the material catalogue (catalogued {field}s: "
                f"{known}); add it first with `matdoe material add` or `matdoe material import "
                "FILE`, or write its exact name"
            )
        if material.density_g_cm3 is None:
            warnings.append(
                f"{field} {choice} has no density: the masses of a vol% recipe cannot be "
                f"computed until it has one (`matdoe material edit {choice} --set "
                "density_g_cm3=...`)"
            )
    campaign_space(session, definition)  # descriptors of every described material
    return warnings
