"""A local tracker's own settings file, beside it: ``tracker.xlsx`` -> ``tracker.xlsx.syncer.toml``.

``syncer init tracker.xlsx --name "Sam Rivera"`` writes the candidate's name there, and every
``syncer sync tracker.xlsx`` reads it, with or without ``--config``. It holds the keys of a
config's ``[[trackers]]`` entry (except ``source``); a config's own ``[[trackers]]`` entry for
the file wins over it, and it wins over the config's ``[defaults]``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from syncer.errors import ConfigError
from syncer.resources import schema
from syncer.toml_files import read_toml

SUFFIX = ".syncer.toml"


def settings_path(tracker: Path) -> Path:
    return tracker.with_name(tracker.name + SUFFIX)


def read_settings(tracker: Path) -> dict[str, Any]:
    """The settings beside ``tracker``; {} when there is no such file. ConfigError when bad."""
    path = settings_path(tracker)
    if not path.exists():
        return {}
    data = read_toml(path, "the tracker's settings")
    if "source" in data:
        raise ConfigError(f"{path}: key source: not here (this file belongs to {tracker.name})")
    import jsonschema  # only when a settings file exists: most runs never validate one
    from jsonschema.exceptions import best_match

    entry_schema = schema("config")["properties"]["trackers"]["items"]
    validator = jsonschema.Draft202012Validator(entry_schema)
    error = best_match(validator.iter_errors({"source": str(tracker), **data}))
    if error is not None:
        where = ".".join(str(part) for part in error.absolute_path)
        if error.validator == "additionalProperties":
            allowed = error.schema.get("properties", {})
            unknown = [key for key in error.instance if key not in allowed]
            where, message = ".".join(filter(None, [where, *unknown[:1]])), "unknown key"
        else:
            message = error.message
        raise ConfigError(f"{path}: key {where or '(top level)'}: {message}")
    return data


def write_candidate_name(tracker: Path, name: str) -> Path:
    """Write a new settings file beside ``tracker`` holding the candidate's name."""
    path = settings_path(tracker)
    text = (
        f"# syncer's settings for {tracker.name}, read by every `syncer sync` of it.\n"
        "# Any key of a config's [[trackers]] entry may go here (see the README).\n"
        f"candidate_name = {json.dumps(name, ensure_ascii=False)}   # signs the drafts\n"
    )
    with path.open("x", encoding="utf-8") as handle:
        handle.write(text)
    return path
