"""Campaigns as records: a status (open / archived), the space file's layout (each parameter
mapped to a sample field, the recipe every batch shares, a list of objectives), every
objective's prediction on a suggestion, and a host's transition temperature in the catalogue.

The campaign that existed before (the default Na2B12H12/SiO2 one) keeps its name, its id and
every suggestion; its space is rewritten in the new layout with the meaning the first version
gave it (silica sets the scaffold, vol_pct the scaffold's vol%, milling_h the milling time, the
host is Na2B12H12), and both versions are kept as revision rows, so its history shows what it
said before.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The first version's names that were not sample fields, and the host it assumed for every
# suggestion (its recipe_for default).
_LEGACY_FIELDS = {"silica": "scaffold", "vol_pct": "scaffold_vol_pct"}
_LEGACY_HOST = "Na2B12H12"
_WHO = "matdoe schema migration 0005"


def converted_space(space: dict[str, Any]) -> dict[str, Any]:
    """The first layout of a campaign's space in the space-file layout (idempotent)."""
    out = dict(space)
    parameters = []
    for item in space.get("parameters") or []:
        parameter = dict(item)
        if parameter.get("field") is None:
            name = str(parameter.get("name"))
            parameter["field"] = _LEGACY_FIELDS.get(name, name)
        parameters.append(parameter)
    out["parameters"] = parameters
    if "recipe" not in out:
        has_host = any(p["field"] == "host" for p in parameters)
        out["recipe"] = {} if has_host else {"host": _LEGACY_HOST}
    if not out.get("objectives"):
        objective = out.get("objective") or {"name": "log10_sigma", "maximize": True}
        if isinstance(objective, str):
            objective = {"name": objective, "maximize": True}
        out["objectives"] = [
            {
                "name": objective.get("name") or "log10_sigma",
                "maximize": bool(objective.get("maximize", True)),
                "temperature_c": None,
            }
        ]
    out.pop("objective", None)
    return out


def _snapshot(row: Any) -> dict[str, Any]:
    data = dict(row._mapping)
    for key, value in data.items():
        if isinstance(value, dt.date | dt.datetime):
            data[key] = value.isoformat()
        elif isinstance(value, str) and key == "space":
            data[key] = json.loads(value)
    return data


def upgrade() -> None:
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.add_column(sa.Column("transition_k", sa.Float(), nullable=True))
        batch_op.add_column(sa.Column("transition_source", sa.Text(), nullable=True))
        batch_op.create_check_constraint(
            "transition_positive", "transition_k IS NULL OR transition_k > 0"
        )
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("status", sa.String(length=20), nullable=False, server_default="open")
        )
        batch_op.create_check_constraint("status", "status IN ('open', 'archived')")
        batch_op.create_check_constraint("name_not_empty", "length(name) > 0")
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("predictions", sa.JSON(), nullable=True))

    connection = op.get_bind()
    campaign = sa.table(
        "campaign",
        sa.column("id", sa.Integer),
        sa.column("name", sa.String),
        sa.column("status", sa.String),
        sa.column("objective", sa.String),
        sa.column("maximize", sa.Boolean),
        sa.column("space", sa.JSON),
        sa.column("notes", sa.Text),
        sa.column("created_at", sa.DateTime),
        sa.column("updated_at", sa.DateTime),
    )
    history = sa.table(
        "revision",
        sa.column("table_name", sa.String),
        sa.column("record_id", sa.Integer),
        sa.column("record_key", sa.String),
        sa.column("action", sa.String),
        sa.column("data", sa.JSON),
        sa.column("changed_at", sa.DateTime),
        sa.column("changed_by", sa.String),
        sa.column("note", sa.Text),
    )
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    for row in connection.execute(sa.select(campaign).order_by(campaign.c.id)).all():
        before = _snapshot(row)
        space = before["space"] if isinstance(before["space"], dict) else {}
        after_space = converted_space(space)
        if after_space == space:
            continue
        first = after_space["objectives"][0]
        connection.execute(
            campaign.update()
            .where(campaign.c.id == row.id)
            .values(space=after_space, objective=first["name"], maximize=first["maximize"])
        )
        after = {**before, "space": after_space, "objective": first["name"]}
        after["maximize"] = first["maximize"]
        for action, data, note in (
            ("insert", before, "as stored before schema revision 0005"),
            (
                "update",
                after,
                "schema revision 0005: the space in the space-file layout (silica sets the "
                "scaffold, vol_pct the scaffold's vol%, milling_h the milling time; host "
                f"{_LEGACY_HOST})",
            ),
        ):
            connection.execute(
                history.insert().values(
                    table_name="campaign",
                    record_id=row.id,
                    record_key=row.name,
                    action=action,
                    data=data,
                    changed_at=now,
                    changed_by=_WHO,
                    note=note,
                )
            )


def downgrade() -> None:
    connection = op.get_bind()
    campaign = sa.table("campaign", sa.column("id", sa.Integer), sa.column("space", sa.JSON))
    for row in connection.execute(sa.select(campaign)).all():
        space = dict(row.space if isinstance(row.space, dict) else json.loads(row.space))
        objectives = space.get("objectives") or [{"name": "log10_sigma", "maximize": True}]
        space["objective"] = {
            "name": objectives[0]["name"],
            "maximize": bool(objectives[0].get("maximize", True)),
        }
        connection.execute(campaign.update().where(campaign.c.id == row.id).values(space=space))
    with op.batch_alter_table("suggestion", schema=None) as batch_op:
        batch_op.drop_column("predictions")
    with op.batch_alter_table("campaign", schema=None) as batch_op:
        batch_op.drop_constraint("ck_campaign_name_not_empty", type_="check")
        batch_op.drop_constraint("ck_campaign_status", type_="check")
        batch_op.drop_column("status")
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.drop_constraint("ck_material_transition_positive", type_="check")
        batch_op.drop_column("transition_source")
        batch_op.drop_column("transition_k")
