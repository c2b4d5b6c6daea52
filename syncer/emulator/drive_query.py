"""Drive v3's ``q`` parameter: clauses joined by ``and`` on name, mimeType, trashed and parents.

Enough for gspread's and syncer's queries; anything else is refused rather than guessed.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from syncer.emulator.drive import DriveFile

_CLAUSE = re.compile(r"^(\w+)\s*(=|!=|contains)\s*(.+)$|^(.+)\s+in\s+(\w+)$")


def query_matcher(query: str) -> Callable[[DriveFile], bool]:
    """A test of a file for Drive's ``q``; an unsupported clause raises ValueError."""
    clauses = [c.strip() for c in re.split(r"\s+and\s+", query) if c.strip()]
    tests: list[Callable[[DriveFile], bool]] = []
    for clause in clauses:
        match = _CLAUSE.match(clause)
        if match is None:
            raise ValueError(f"unsupported Drive query clause {clause!r}")
        if match[4]:
            parent = _literal(match[4])
            tests.append(_parent_test(parent))
            continue
        name, op, literal = match[1], match[2], _literal(match[3])
        tests.append(_field_test(name, op, literal))
    return lambda file: all(test(file) for test in tests)


def _parent_test(parent: str) -> Callable[[DriveFile], bool]:
    return lambda file: parent in file.parents


def _field_test(name: str, op: str, literal: str) -> Callable[[DriveFile], bool]:
    def value_of(file: DriveFile) -> str:
        values = {"name": file.name, "mimeType": file.mime_type, "trashed": str(file.trashed)}
        return values.get(name, "").lower() if name == "trashed" else values.get(name, "")

    if op == "contains":
        return lambda f: literal in value_of(f)
    if op == "!=":
        return lambda f: value_of(f) != literal
    return lambda f: value_of(f) == literal


def _literal(text: str) -> str:
    text = text.strip()
    if text[:1] in {"'", '"'}:
        return shlex.split(text)[0]
    return text
