"""The TOML config: one or many trackers, defaults at the top, validated by a JSON Schema.

A bad config fails with one message naming the file and the key (exit 2).
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from syncer.dates import (
    DateOrder,
    WorkCalendar,
    order_for_locale,
    validate_holiday_region,
    work_calendar,
)
from syncer.errors import ConfigError
from syncer.google.sheet_cells import document_key, spreadsheet_key
from syncer.policy import Policy
from syncer.resources import schema
from syncer.toml_files import read_toml
from syncer.tracker_settings import read_settings


@dataclass(frozen=True)
class Quotas:
    """Client-side request budgets per minute; defaults are Google's published Sheets quotas."""

    read_per_minute_per_user: int = 60
    write_per_minute_per_user: int = 60
    read_per_minute_per_project: int = 300
    write_per_minute_per_project: int = 300


@dataclass(frozen=True)
class TrackerConfig:
    """Everything syncer needs to know about one tracker."""

    source: str
    name: str = ""
    tab: str | None = None
    header_row: int = 1
    timezone: str | None = None  # None: the spreadsheet's own time zone, else the machine's
    date_order: DateOrder | None = None  # None: the spreadsheet locale's order, else MDY
    candidate_name: str | None = None
    templates: Path | None = None
    drafts: str = "column"
    #: drafts = "gmail": reply in the latest thread with the contact (needs gmail.metadata).
    gmail_threads: bool = False
    #: Notice replies and sent drafts in Gmail; propose them in Why (needs gmail.metadata).
    inbox: bool = False
    #: With inbox: a message from anyone at the contact's e-mail domain counts as a reply.
    inbox_domain: bool = False
    #: drafts = "doc": the id of a Doc the person made and shared with syncer's account (a
    #: service account cannot own one); None: syncer creates the Doc (OAuth user credentials).
    drafts_doc: str | None = None
    credentials: Path | None = None
    oauth_client: Path | None = None
    policy: Policy = field(default_factory=Policy)
    holidays_country: str | None = None
    holidays_subdivision: str | None = None
    column_aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    stage_aliases: Mapping[str, str] = field(default_factory=dict)
    #: The config's [quotas], shared by every tracker; None when the config sets none (Google's
    #: published quotas then apply to Google, and no limit to an emulator).
    quotas: Quotas | None = None

    @property
    def label(self) -> str:
        return self.name or self.source

    @property
    def calendar(self) -> WorkCalendar:
        return work_calendar(self.holidays_country, self.holidays_subdivision)

    @property
    def zone(self) -> ZoneInfo | None:
        return ZoneInfo(self.timezone) if self.timezone else None

    @property
    def reading_order(self) -> DateOrder:
        """How text dates are read: the configured order, else month/day/year."""
        return self.date_order or DateOrder.MDY

    def with_sheet_settings(self, locale: str | None, time_zone: str | None) -> TrackerConfig:
        """This config with the spreadsheet's own settings filling what the config leaves open:
        its time zone decides "today" unless ``timezone`` is set, and its locale's date order
        reads text dates unless ``date_order`` is set."""
        changes: dict[str, Any] = {}
        if self.timezone is None and time_zone and valid_zone(time_zone):
            changes["timezone"] = time_zone
        if self.date_order is None and locale and (order := order_for_locale(locale)):
            changes["date_order"] = order
        return replace(self, **changes) if changes else self


@dataclass(frozen=True)
class Config:
    trackers: tuple[TrackerConfig, ...]
    path: Path | None = None
    concurrency: int = 4
    digest_dir: Path | None = None
    digest_mode: int = 0o600  # [run] digest_mode: the digest names contacts, so 0600 by default
    state_dir: Path | None = None
    #: [run] dashboard: the spreadsheet (URL or key) whose "Coach Dashboard" tab syncer rewrites.
    dashboard: str | None = None
    quotas: Quotas = field(default_factory=Quotas)
    configured_quotas: Quotas | None = None  # [quotas] as written, None when absent
    #: The raw [defaults] table, applied to trackers named on the command line.
    defaults: Mapping[str, Any] = field(default_factory=dict)


_MERGED = ("policy", "columns", "stages")


def tracker_place(index: int, entry: Mapping[str, Any]) -> str:
    """A tracker as the person wrote it: ``[[trackers]] #3 "Jo Park"`` (numbered from 1)."""
    name = entry.get("name") if isinstance(entry, Mapping) else None
    return f"[[trackers]] #{index + 1}" + (f" {json.dumps(name)}" if isinstance(name, str) else "")


def config_place(data: Mapping[str, Any], parts: Sequence[str | int]) -> str:
    """Where a key is in the file, as TOML shows it: ``[defaults.policy] follow_up_days``,
    ``[[trackers]] #3 "Jo Park": policy.feedback_wait_days``, ``[run] concurrency``."""
    if not parts:
        return "(top level)"
    head, *rest = parts
    trackers = data.get("trackers")
    index = rest[0] if rest else None
    if head == "trackers" and isinstance(index, int) and isinstance(trackers, list):
        key = rest[1:]
        place = tracker_place(index, trackers[index] if index < len(trackers) else {})
        return f"{place}: {'.'.join(map(str, key))}" if key else place
    tables = [str(head)]
    node: Any = data.get(str(head))
    while len(rest) > 1 and isinstance(node, Mapping) and isinstance(node.get(str(rest[0])), dict):
        node = node[str(rest[0])]
        tables.append(str(rest.pop(0)))
    if not isinstance(data.get(str(head)), Mapping):
        return str(head)  # a top-level key
    return f"[{'.'.join(tables)}] {'.'.join(map(str, rest))}".rstrip()


def _key_place(where: str, key: str) -> str:
    """``[defaults] timezone``; ``[[trackers]] #2 "Jo Park": timezone``."""
    return (
        f"{where}: {key}"
        if where.startswith("[[") or not where.startswith("[")
        else f"{where} {key}"
    )


def _did_you_mean(key: str, allowed: Iterable[str]) -> str:
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def validate(data: Mapping[str, Any], origin: str) -> None:
    import jsonschema  # here, not at the top: a run without a config never pays for it
    from jsonschema.exceptions import best_match

    validator = jsonschema.Draft202012Validator(schema("config"))
    error = best_match(validator.iter_errors(data))
    if error is None:
        return
    parts: list[str | int] = list(error.absolute_path)
    message = error.message
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = error.schema.get("properties", {})
        extra = [key for key in error.instance if key not in allowed]
        if extra:  # an unknown key is reported on its parent object: name the key itself
            parts.append(extra[0])
            message = "unknown key" + _did_you_mean(extra[0], allowed)
    raise ConfigError(f"{origin}: {config_place(data, parts)}: {message}")


def _resolve_path(value: str | None, base: Path) -> Path | None:
    if value is None:
        return None
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


LOCAL_SUFFIXES = (".csv", ".tsv", ".xlsx", ".xlsm", ".xls", ".xltx")


def is_local_source(source: str) -> bool:
    """A file path (by its suffix) rather than a Google Sheets URL or key."""
    return source.lower().endswith(LOCAL_SUFFIXES)


def tracker_config(
    entry: Mapping[str, Any],
    defaults: Mapping[str, Any],
    base: Path,
    origin: str,
    where: str,
    quotas: Quotas | None = None,
) -> TrackerConfig:
    source = str(entry["source"])
    if is_local_source(source):
        source = str(_resolve_path(source, base))
        # The file's own settings beside it rank between [defaults] and its [[trackers]] entry.
        beside = read_settings(Path(source))
        entry = {
            **beside,
            **entry,
            **{key: {**beside[key], **entry.get(key, {})} for key in _MERGED if key in beside},
        }
    merged: dict[str, Any] = {**defaults, **entry}
    for key in _MERGED:
        merged[key] = {**defaults.get(key, {}), **entry.get(key, {})}
    if "holidays" in entry or "holidays" in defaults:
        merged["holidays"] = entry.get("holidays", defaults.get("holidays"))
    timezone = merged.get("timezone")
    if timezone and not valid_zone(timezone):
        place = _key_place(where if "timezone" in entry else "[defaults]", "timezone")
        raise ConfigError(f"{origin}: {place}: unknown time zone {timezone!r}")
    holidays = merged.get("holidays") or {}
    if holidays:
        problem = validate_holiday_region(holidays["country"], holidays.get("subdivision"))
        if problem:
            place = _key_place(where if "holidays" in entry else "[defaults]", "holidays")
            raise ConfigError(f"{origin}: {place}: {problem}")
    drafts_doc = merged.get("drafts_doc")
    if drafts_doc is not None:
        drafts_doc = document_key(drafts_doc)
        if drafts_doc is None:
            place = _key_place(where if "drafts_doc" in entry else "[defaults]", "drafts_doc")
            raise ConfigError(
                f"{origin}: {place}: {merged['drafts_doc']!r} is not a Google Docs "
                "URL (https://docs.google.com/document/d/ID/edit) or id"
            )
    return TrackerConfig(
        source=source,
        name=merged.get("name", ""),
        tab=merged.get("tab"),
        header_row=merged.get("header_row", 1),
        timezone=timezone,
        date_order=DateOrder(merged["date_order"]) if "date_order" in merged else None,
        candidate_name=merged.get("candidate_name"),
        templates=_resolve_path(merged.get("templates"), base),
        drafts=merged.get("drafts", "column"),
        gmail_threads=bool(merged.get("gmail_threads", False)),
        inbox=bool(merged.get("inbox", False)),
        inbox_domain=bool(merged.get("inbox_domain", False)),
        drafts_doc=drafts_doc,
        credentials=_resolve_path(merged.get("credentials"), base),
        oauth_client=_resolve_path(merged.get("oauth_client"), base),
        policy=Policy().updated(merged["policy"]),
        holidays_country=holidays.get("country"),
        holidays_subdivision=holidays.get("subdivision"),
        column_aliases={k: tuple(v) for k, v in merged["columns"].items()},
        stage_aliases=dict(merged["stages"]),
        quotas=quotas,
    )


def valid_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _check_spreadsheet(value: str, origin: str, where: str) -> None:
    """A Google Sheets URL or key, or a ConfigError naming the key (a local file cannot be one)."""
    try:
        spreadsheet_key(value)
    except ConfigError:
        raise ConfigError(
            f"{origin}: {where}: {value!r} is not a Google Sheets URL or key"
        ) from None


def parse_config(data: Mapping[str, Any], origin: str, base: Path) -> Config:
    validate(data, origin)
    defaults = data.get("defaults", {})
    quotas = Quotas(**data["quotas"]) if "quotas" in data else None
    trackers = tuple(
        tracker_config(entry, defaults, base, origin, tracker_place(i, entry), quotas)
        for i, entry in enumerate(data.get("trackers", []))
    )
    run = data.get("run", {})
    dashboard = run.get("dashboard")
    if dashboard is not None:
        _check_spreadsheet(dashboard, origin, "[run] dashboard")
    return Config(
        trackers=trackers,
        concurrency=run.get("concurrency", 4),
        digest_dir=_resolve_path(run.get("digest_dir"), base),
        digest_mode=int(run.get("digest_mode", "600"), 8),
        state_dir=_resolve_path(run.get("state_dir"), base),
        dashboard=dashboard,
        quotas=quotas or Quotas(),
        configured_quotas=quotas,
        defaults=defaults,
    )


def load_config(path: Path) -> Config:
    """Read and validate a TOML config. Raises ConfigError naming the file and key."""
    data = read_toml(path, "the config")
    return replace(parse_config(data, str(path), path.parent), path=path)
