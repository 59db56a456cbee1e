"""Two people asking for suggestions at the same moment get different recipes.

`matdoe suggest` locks the campaign row (PostgreSQL: SELECT ... FOR UPDATE; SQLite: the write
lock of BEGIN IMMEDIATE) before it reads the pending suggestions, so the second request sees the
first one's recipes as pending. With the same seed and the same data, two requests that did not
see each other would propose the same recipes: that is what this test would catch.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

MATDOE = str(Path(sys.executable).with_name("matdoe"))


def test_simultaneous_suggest_calls_get_different_recipes(db_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "MATDOE_DB": db_url}
    init = subprocess.run(
        [MATDOE, "init", "--example"], env=env, capture_output=True, text=True, timeout=120
    )
    assert init.returncode == 0, init.stderr
    command = [MATDOE, "suggest", "-n", "3", "--seed", "0", "--format", "json"]
    people = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(3)
    ]
    outputs = [person.communicate(timeout=300) for person in people]
    for person, (_out, err) in zip(people, outputs, strict=True):
        assert person.returncode == 0, err
    batches: list[list[dict[str, Any]]] = [json.loads(out) for out, _err in outputs]
    recipes = [(r["silica"], r["vol_pct"], r["milling_h"]) for batch in batches for r in batch]
    assert len(recipes) == 9
    assert len(set(recipes)) == 9, f"the same recipe was proposed twice: {recipes}"
    listed = subprocess.run(
        [MATDOE, "suggestion", "list", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    stored = json.loads(listed.stdout)
    assert len(stored) == 9 and {r["status"] for r in stored} == {"pending"}
    assert sorted({r["batch"] for r in stored}) == [1, 2, 3]
