"""The digest's iCalendar file: one all-day event per due action (RFC 5545, written by hand).

Event identity. A calendar app that imports or subscribes to ``digest.ics`` every night must
update an event, not add a second one, when syncer moves its due date. So the UID is a hash of
what names the *application*, not the plan: the tracker's source, the row's company and position
(compared the way headers are: case, surrounding space and space/-/_ ignored) and, for the rare
tracker with two rows of the same company and position, which occurrence it is in row order. The
row number is left out on purpose: sorting or inserting rows must not re-create every event. The
action is left out too: when "Prepare for interview" becomes "Send thank-you", the one event for
that application moves and is renamed. Renaming the company or position makes a new event.

Revisions. DTSTAMP is the run's time. SEQUENCE and LAST-MODIFIED only move when an event's
content (date, summary, description, link) changed since the previous night: the previous
``digest.ics`` is read back (its ``X-SYNCER-FINGERPRINT`` lines) to tell.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from syncer.model import Urgency, normalize_label
from syncer.results import RowResult, TrackerResult

#: Urgencies that stand for an action with a date: these rows become events and digest lines.
DUE_URGENCIES = frozenset({Urgency.OVERDUE, Urgency.TODAY, Urgency.UPCOMING})

PRODID = "-//syncer//follow-up digest//EN"
CALENDAR_NAME = "syncer follow-ups"
UID_SUFFIX = "@syncer"
FINGERPRINT_PROPERTY = "X-SYNCER-FINGERPRINT"
MAX_LINE_OCTETS = 75
CRLF = "\r\n"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def is_due(row: RowResult) -> bool:
    """Whether a row has an action with a due date (not done, not invalid)."""
    return row.decision.urgency in DUE_URGENCIES and row.decision.due_on is not None


def web_link(url: str | None) -> str | None:
    """``url`` when it is an http(s) address safe to put in a link, else None."""
    if not url:
        return None
    candidate = url.strip()
    if not candidate.lower().startswith(("https://", "http://")):
        return None
    if any(char.isspace() for char in candidate) or _CONTROL.search(candidate):
        return None
    return candidate


@dataclass(frozen=True)
class CalendarEvent:
    """One due action as the calendar shows it."""

    uid: str
    due_on: date
    summary: str
    description: str
    url: str | None
    categories: str

    @property
    def fingerprint(self) -> str:
        content = "\x1f".join(
            [self.due_on.isoformat(), self.summary, self.description, self.url or ""]
        )
        return hashlib.sha256(content.encode("utf-8")).hexdigest()[:20]


@dataclass(frozen=True)
class Revision:
    """What the previous night's file said about one UID."""

    sequence: int
    last_modified: str
    fingerprint: str


def application_uid(source: str, company: str, position: str, occurrence: int) -> str:
    """The stable UID of one application (see the module docstring for why these parts)."""
    identity = "\x1f".join(
        [source.strip(), normalize_label(company), normalize_label(position), str(occurrence)]
    )
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32] + UID_SUFFIX


def calendar_events(results: Sequence[TrackerResult]) -> list[CalendarEvent]:
    """Every due action of every tracker, ordered by date then UID."""
    occurrences: Counter[tuple[str, str, str]] = Counter()
    events: list[CalendarEvent] = []
    for tracker in results:
        if tracker.failed is not None:
            continue
        for row in sorted(tracker.rows, key=lambda row: row.row):
            key = (tracker.source, normalize_label(row.company), normalize_label(row.position))
            occurrences[key] += 1
            if is_due(row):
                uid = application_uid(tracker.source, row.company, row.position, occurrences[key])
                events.append(_event(tracker, row, uid))
    return sorted(events, key=lambda event: (event.due_on, event.uid))


def _event(tracker: TrackerResult, row: RowResult, uid: str) -> CalendarEvent:
    decision = row.decision
    assert decision.due_on is not None and decision.action is not None
    summary = f"{decision.action.label}: {row.company} — {row.position}"
    if tracker.client:
        summary += f" ({tracker.client})"
    link = row.link or tracker.url
    lines = [decision.why]
    if row.contact_name:
        lines.append(f"Contact: {row.contact_name}")
    if tracker.client:
        lines.append(f"Client: {tracker.client}")
    lines.append(f"Tracker: {tracker.source}, row {row.row}")
    if link:
        lines.append(f"Open: {link}")
    return CalendarEvent(
        uid=uid,
        due_on=decision.due_on,
        summary=summary,
        description="\n".join(line for line in lines if line),
        url=web_link(link),
        categories=f"syncer,{decision.action.value}",
    )


def render_calendar(
    results: Sequence[TrackerResult], *, generated_at: datetime, previous: str | None = None
) -> str:
    """The whole VCALENDAR text, CRLF line endings, lines folded at 75 octets.

    ``previous`` is the text of the last digest.ics, used to keep SEQUENCE and LAST-MODIFIED
    unchanged for events whose content did not change.
    """
    stamp = utc_stamp(generated_at)
    revisions = previous_revisions(previous) if previous else {}
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(CALENDAR_NAME)}",
    ]
    for event in calendar_events(results):
        lines.extend(_event_lines(event, stamp, revisions.get(event.uid)))
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + CRLF for line in lines)


def _event_lines(event: CalendarEvent, stamp: str, before: Revision | None) -> list[str]:
    if before is None:
        sequence, last_modified = 0, stamp
    elif before.fingerprint == event.fingerprint:
        sequence, last_modified = before.sequence, before.last_modified
    else:
        sequence, last_modified = before.sequence + 1, stamp
    lines = [
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"DTSTAMP:{stamp}",
        f"DTSTART;VALUE=DATE:{event.due_on:%Y%m%d}",
        f"DTEND;VALUE=DATE:{event.due_on + timedelta(days=1):%Y%m%d}",
        f"SUMMARY:{escape_text(event.summary)}",
        f"DESCRIPTION:{escape_text(event.description)}",
        f"CATEGORIES:{event.categories}",
        "TRANSP:TRANSPARENT",
        f"SEQUENCE:{sequence}",
        f"LAST-MODIFIED:{last_modified}",
        f"{FINGERPRINT_PROPERTY}:{event.fingerprint}",
    ]
    if event.url:
        lines.insert(-3, f"URL:{event.url}")
    lines.append("END:VEVENT")
    return lines


def utc_stamp(moment: datetime) -> str:
    """A UTC DATE-TIME value; a naive ``moment`` is taken as the machine's local time."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping; control characters (not allowed in TEXT) are dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _CONTROL.sub("", value)
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold a content line so no physical line exceeds 75 octets, never inside a character."""
    pieces: list[str] = []
    current = ""
    current_octets = 0
    limit = MAX_LINE_OCTETS
    for char in line:
        size = len(char.encode("utf-8"))
        if current_octets + size > limit:
            pieces.append(current)
            current, current_octets = " ", 1
        current += char
        current_octets += size
    pieces.append(current)
    return CRLF.join(pieces)


def unfold(text: str) -> Iterator[str]:
    """The logical content lines of an iCalendar text (folding undone)."""
    logical: str | None = None
    for physical in text.replace("\r\n", "\n").split("\n"):
        if physical[:1] in (" ", "\t") and logical is not None:
            logical += physical[1:]
            continue
        if logical is not None:
            yield logical
        logical = physical
    if logical:
        yield logical


def previous_revisions(text: str) -> dict[str, Revision]:
    """UID -> revision of each event in a digest.ics that syncer wrote; {} for anything else."""
    revisions: dict[str, Revision] = {}
    fields: dict[str, str] = {}
    for line in unfold(text):
        name, _, value = line.partition(":")
        name = name.split(";", 1)[0].upper()
        if name == "BEGIN" and value == "VEVENT":
            fields = {}
        elif name == "END" and value == "VEVENT":
            revision = _revision(fields)
            if revision is not None:
                revisions[fields["UID"]] = revision
        else:
            fields[name] = value
    return revisions


def _revision(fields: dict[str, str]) -> Revision | None:
    needed = ("UID", "SEQUENCE", "LAST-MODIFIED", FINGERPRINT_PROPERTY)
    if not all(fields.get(name) for name in needed):
        return None
    try:
        sequence = int(fields["SEQUENCE"])
    except ValueError:
        return None
    return Revision(sequence, fields["LAST-MODIFIED"], fields[FINGERPRINT_PROPERTY])
