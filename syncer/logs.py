"""Log set-up: plain lines for people and cron, JSON lines with --log-format json.

Logs carry ids, counts and sources, never an applicant's cell contents or a credential. With
--log-format json every line syncer writes on stderr is one JSON object: log records, the run's
notices (``notice``: the summary, failed trackers, where the digest went) and errors.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import textwrap
from datetime import UTC, datetime
from typing import Any

_settings = {"format": "text"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info).splitlines()[-1]
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(verbosity: int, log_format: str) -> None:
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(verbosity, 2)]
    handler = logging.StreamHandler()
    _settings["format"] = log_format
    if log_format == "json":
        handler.setFormatter(JsonFormatter())
        level = min(level, logging.INFO)
    else:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)  # a library's warning is a log line too, JSON when asked
    # Third-party HTTP libraries log URLs with query strings at DEBUG: keep them quiet.
    for noisy in ("urllib3", "google.auth", "google_auth_oauthlib", "requests_oauthlib"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def json_logs() -> bool:
    return _settings["format"] == "json"


def notice_text(message: str, *, event: str, level: int = logging.INFO, **fields: Any) -> str:
    """The line ``notice`` writes, without its newline."""
    if json_logs():
        record = logging.LogRecord("syncer.run", level, __file__, 0, message, None, None)
        record.fields = {"event": event, **fields}
        return JsonFormatter().format(record)
    if sys.stderr.isatty():  # wrapped on words at the terminal's width
        width = shutil.get_terminal_size().columns
        lines = textwrap.wrap(message, width, subsequent_indent="  ", break_on_hyphens=False)
        return "\n".join(lines)
    return message


def notice(message: str, *, event: str, level: int = logging.INFO, **fields: Any) -> None:
    """A line of the run's outcome on stderr, shown at any verbosity: the plain text, or with
    --log-format json one JSON object (``event`` and ``fields`` as keys). Never a cell's text."""
    sys.stderr.write(notice_text(message, event=event, level=level, **fields) + "\n")
    sys.stderr.flush()
