"""Space files: the shipped ones are valid (by the record and by the JSON Schema), and each
parameter maps to the sample field its batch gets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from matdoe.campaign import CampaignDefinition, load_definition, sample_fields
from matdoe.campaign.observations import belongs
from matdoe.errors import InvalidRecordError

ROOT = Path(__file__).resolve().parents[1]
SPACE_FILES = sorted((ROOT / "data" / "spaces").glob("*.yaml"))
SCHEMA = json.loads((ROOT / "schemas" / "space.schema.json").read_text(encoding="utf-8"))

CONDITIONS = [
    {"name": "temperature_c", "low": 20, "high": 80, "default": 30,
     "transform": "inverse_temperature"},
]  # fmt: skip


def _space(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "recipe": {"host": "LiBH4", "scaffold": "MgO", "mill_on_min": 5, "batch_mg": 300},
        "parameters": [
            {"type": "float", "name": "vol", "field": "scaffold_vol_pct", "low": 5, "high": 50},
            {"type": "int", "name": "rpm", "field": "milling_rpm", "low": 200, "high": 600},
            {"type": "float", "name": "bpr", "field": "ball_to_powder", "low": 10, "high": 80},
            {
                "type": "float",
                "name": "drying_c",
                "field": "extra.drying_c",
                "low": 90,
                "high": 200,
            },
            {"type": "categorical", "name": "gas", "field": "atmosphere", "choices": ["Ar", "N2"]},
        ],
        "conditions": CONDITIONS,
    }
    data.update(changes)
    return data


def test_the_data_folder_ships_the_default_and_at_least_two_more_spaces() -> None:
    names = {p.name for p in SPACE_FILES}
    assert "na2b12h12_sio2.yaml" in names and len(names) >= 3
    objectives = [len(load_definition(p).objectives) for p in SPACE_FILES]
    assert max(objectives) >= 2  # a two-objective space
    hosts = {load_definition(p).host for p in SPACE_FILES}
    assert len(hosts) >= 2  # another host than the paper's
    assert any("milling_rpm" in load_definition(p).fields.values() for p in SPACE_FILES)


@pytest.mark.parametrize("path", SPACE_FILES, ids=lambda p: p.name)
def test_every_shipped_space_file_is_valid_by_record_and_schema(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    jsonschema.validate(data, SCHEMA)
    definition = load_definition(path)
    assert set(definition.fields) == set(definition.space.parameter_names)


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"field": "rpm"}, "not a sample field"),
        ({"field": "extra.1bad"}, "not a sample field"),
        ({"field": "host"}, "not a number"),
    ],
)
def test_the_schema_and_the_record_refuse_a_bad_field(change: dict[str, Any], needle: str) -> None:
    data = _space()
    data["parameters"][1] = {**data["parameters"][1], **change}
    if change["field"] != "host":  # the schema knows the field names; the record knows kinds
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(data, SCHEMA)
    with pytest.raises(InvalidRecordError, match=needle):
        CampaignDefinition.from_dict(data)


def test_a_field_is_either_shared_or_varied() -> None:
    with pytest.raises(InvalidRecordError, match="'milling_rpm' is also parameter 'rpm'"):
        CampaignDefinition.from_dict(_space(recipe={"host": "LiBH4", "milling_rpm": 400}))


def test_parameters_set_their_sample_fields_next_to_the_shared_recipe() -> None:
    definition = CampaignDefinition.from_dict(_space())
    fields = sample_fields(
        definition, {"vol": 20.0, "rpm": 450, "bpr": 60.0, "drying_c": 150.0, "gas": "N2"}
    )
    assert fields == {
        "host": "LiBH4",
        "scaffold": "MgO",
        "mill_on_min": 5.0,
        "batch_mg": 300.0,
        "ball_to_powder": 60.0,
        "scaffold_vol_pct": 20.0,
        "milling_rpm": 450,
        "atmosphere": "N2",
        "extra": {"drying_c": 150.0},
    }


def test_a_batch_belongs_to_a_campaign_only_with_its_shared_recipe() -> None:
    definition = CampaignDefinition.from_dict(
        _space(
            recipe={"host": "LiBH4", "scaffold": "MgO", "milling_rpm": 400},
            parameters=_space()["parameters"][:1],
        )
    )
    row = {"host": "LiBH4", "scaffold": "MgO", "milling_rpm": 400.0}
    assert belongs(row, definition)
    assert not belongs({**row, "milling_rpm": 500.0}, definition)
    assert not belongs({**row, "host": "Na2B12H12"}, definition)
    assert belongs({**row, "milling_rpm": None}, definition)  # unstated: follows the recipe


def test_a_space_without_a_host_is_refused() -> None:
    with pytest.raises(InvalidRecordError, match="names no host"):
        CampaignDefinition.from_dict(_space(recipe={"scaffold": "MgO"}))


def test_a_conductivity_objective_needs_its_temperature_condition() -> None:
    with pytest.raises(InvalidRecordError, match="needs a condition temperature_c"):
        CampaignDefinition.from_dict(_space(conditions=[]))


def test_objectives_default_to_sigma_up_activation_energy_and_costs_down() -> None:
    definition = CampaignDefinition.from_dict(
        _space(
            parameters=[
                {"type": "float", "name": "milling_h", "low": 1, "high": 8},
                {"type": "int", "name": "rpm", "field": "milling_rpm", "low": 200, "high": 600},
            ],
            objectives=[{"name": "log10_sigma"}, {"name": "ea_ev"}, {"name": "milling_h"}],
        )
    )
    assert [(o.name, o.maximize, o.kind) for o in definition.objectives] == [
        ("log10_sigma", True, "conductivity"),
        ("ea_ev", False, "activation_energy"),
        ("milling_h", False, "recipe"),
    ]
    assert definition.target_temperature_c() == 30.0  # the condition's default
    plain = CampaignDefinition.from_dict(_space())
    assert [(o.name, o.maximize) for o in plain.objectives] == [("log10_sigma", True)]


@pytest.mark.parametrize(
    ("objectives", "needle"),
    [
        ([{"name": "colour"}], "colour"),
        ([{"name": "gas"}], "gas"),  # a categorical is no cost
        ([{"name": "rpm"}], "nothing to learn"),  # only recipe objectives
    ],
)
def test_an_objective_must_be_measured_or_a_numeric_parameter(
    objectives: list[dict[str, Any]], needle: str
) -> None:
    with pytest.raises(InvalidRecordError, match=needle):
        CampaignDefinition.from_dict(_space(objectives=objectives))
