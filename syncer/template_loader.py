"""Where draft templates may come from: the coach's folder and syncer's own, nothing else.

A template name (the one syncer asks for, or one a template names in ``include``, ``import`` or
``extends``) is a relative path inside a template folder. An absolute path, a ``..`` step, a
drive or a backslash is refused, and so is a file whose real location (symlinks followed) is
outside its folder. A refusal is a ``SecurityError`` (a Jinja ``TemplateError``), which the
renderer turns into a message naming the template and line: the refused file is never read.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from jinja2 import BaseLoader, TemplateNotFound
from jinja2.exceptions import SecurityError


def template_pieces(name: str) -> list[str]:
    """The path steps of a template name, or ``SecurityError`` for one that leaves the folder."""
    pieces = name.split("/")
    if (
        not name
        or name.startswith("/")
        or "\\" in name
        or "\0" in name
        or ":" in pieces[0]
        or any(piece == ".." for piece in pieces)
    ):
        raise SecurityError(refusal(name))
    steps = [piece for piece in pieces if piece not in ("", ".")]
    if not steps:
        raise SecurityError(refusal(name))
    return steps


def refusal(name: str) -> str:
    return (
        f"template {name!r} refused: templates load only from the tracker's template folder "
        "and syncer's own, by a relative path inside them"
    )


class ConfinedLoader(BaseLoader):
    """Loads a template from the first folder that has it, never from outside the folders."""

    def __init__(self, folders: Sequence[Path | Traversable]) -> None:
        self.folders = [
            folder.resolve() if isinstance(folder, Path) else folder for folder in folders
        ]

    def get_source(
        self, environment: Any, template: str
    ) -> tuple[str, str | None, Callable[[], bool] | None]:
        steps = template_pieces(template)
        for folder in self.folders:
            source = folder.joinpath(*steps)
            if isinstance(folder, Path) and isinstance(source, Path):
                found = self._inside(folder, source, template)
                if found is not None:
                    return found
            elif source.is_file():
                return source.read_text(encoding="utf-8"), str(source), lambda: True
        raise TemplateNotFound(template)

    @staticmethod
    def _inside(
        folder: Path, source: Path, template: str
    ) -> tuple[str, str, Callable[[], bool]] | None:
        """The template at ``source`` if it is a file whose real path stays in ``folder``."""
        if not (source.is_file() or source.is_symlink()):
            return None
        if not source.resolve().is_relative_to(folder):
            raise SecurityError(refusal(template) + " (a link to a place outside the folder)")
        if not source.is_file():
            if source.is_symlink():
                raise TemplateNotFound(template, f"template {template!r} is a link to nothing")
            return None
        try:
            modified = os.path.getmtime(source)
            text = source.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            reason = error.strerror if isinstance(error, OSError) else "not UTF-8 text"
            raise TemplateNotFound(
                template, f"cannot read template {template!r}: {reason}"
            ) from None

        def uptodate() -> bool:
            try:
                return os.path.getmtime(source) == modified
            except OSError:
                return False

        return text, str(source), uptodate
