"""Field masks on the Sheets side: update masks (``fields`` of repeatCell, updateSheetProperties
...) and the tidying a ``fields=`` read mask leaves to do on grid data.

Parsing a mask and filtering a resource by one live in :mod:`syncer.emulator.drive`.
"""

from __future__ import annotations

import copy
from typing import Any


def apply_masked_update(
    target: dict[str, Any], source: dict[str, Any], tree: dict[str, Any]
) -> None:
    """Copy the fields named by a mask from source to target; a named field that the source
    lacks is cleared (Google's update semantics)."""
    if not tree or "*" in tree:
        target.clear()
        target.update(copy.deepcopy({k: v for k, v in source.items() if v is not None}))
        return
    for key, sub in tree.items():
        value = source.get(key) if isinstance(source, dict) else None
        if not sub:
            if isinstance(value, dict) and all(v is None for v in value.values()):
                value = None
            if value is None or value == {} or value == "":
                target.pop(key, None)
            else:
                target[key] = copy.deepcopy(value)
            continue
        child = target.setdefault(key, {})
        apply_masked_update(child, value if isinstance(value, dict) else {}, sub)
        if not child:
            target.pop(key, None)


def trim_row_data(data: dict[str, Any]) -> None:
    """Drop cells, rows and rowData left empty by a field mask, as Google does."""
    rows = data.get("rowData")
    if rows is None:
        return
    for row in rows:
        values = row.get("values", [])
        while values and not values[-1]:
            values.pop()
        if not values:
            row.pop("values", None)
    while rows and not rows[-1]:
        rows.pop()
    if not rows:
        del data["rowData"]
