"""Reading a TOML file syncer is given, with a ConfigError naming the file when it cannot."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from syncer.errors import ConfigError


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """``what`` says which file this is in the message ("the config")."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read {what} ({exc.strerror})") from exc
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc
