"""Files that travel inside the wheel: schemas, templates and the example tracker."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any


def schema(name: str) -> dict[str, Any]:
    """Load ``schemas/<name>.schema.json``."""
    return _load_schema(name)


@cache
def _load_schema(name: str) -> dict[str, Any]:
    text = files("syncer.schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def templates_dir() -> Traversable:
    """The folder of syncer's own draft templates."""
    return files("syncer.templates")


def example(name: str) -> Traversable:
    """A bundled example file (``examples/<name>``)."""
    return files("syncer.examples").joinpath(name)
