"""Files that travel inside the wheel: schemas, templates and the example tracker."""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any


def _folder(name: str) -> Traversable:
    """A top-level folder of the repo, installed as the package ``syncer.<name>``.

    Run from a source checkout (``python -m pytest`` at the repo root puts the checkout first on
    sys.path), the package mapping is not in effect, so fall back to the folder beside syncer/.
    """
    try:
        return files(f"syncer.{name}")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parent.parent / name


def schema(name: str) -> dict[str, Any]:
    """Load ``schemas/<name>.schema.json``."""
    return _load_schema(name)


@cache
def _load_schema(name: str) -> dict[str, Any]:
    text = _folder("schemas").joinpath(f"{name}.schema.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def templates_dir() -> Traversable:
    """The folder of syncer's own draft templates."""
    return _folder("templates")


def example(name: str) -> Traversable:
    """A bundled example file (``examples/<name>``)."""
    return _folder("examples").joinpath(name)
