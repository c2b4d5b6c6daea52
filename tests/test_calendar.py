"""digest.ics: RFC 5545 framing, one event per due action, UIDs stable across nights."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import icalendar
import pytest

from syncer.calendar import (
    application_uid,
    escape_text,
    fold_line,
    previous_revisions,
    render_calendar,
    unfold,
)
from syncer.digest import write_digest
from syncer.model import Action, Decision, Urgency
from syncer.results import RowResult, TrackerResult

TODAY = date(2024, 5, 8)
NIGHT_ONE = datetime(2024, 5, 8, 2, 0, tzinfo=UTC)
NIGHT_TWO = datetime(2024, 5, 9, 2, 0, tzinfo=UTC)
SHEET = "https://docs.google.com/spreadsheets/d/k3y/edit"


def row(number: int, company: str, position: str, due: date | None, urgency: Urgency) -> RowResult:
    action = {Urgency.INVALID: None, Urgency.DONE: Action.NONE}.get(urgency, Action.FOLLOW_UP)
    why = "Bad date in Applied On." if urgency is Urgency.INVALID else "A week without reply."
    return RowResult(number, company, position, Decision(action, due, urgency, why))


def tracker(*rows: RowResult, client: str = "Ana Díaz", source: str = SHEET) -> TrackerResult:
    return TrackerResult(source=source, client=client, url=SHEET, rows=list(rows))


def night(due_acme: date) -> list[TrackerResult]:
    return [
        tracker(
            row(2, "Acme, Inc.", "Engineer; backend", due_acme, Urgency.UPCOMING),
            row(3, "Globex", "Designer", TODAY, Urgency.TODAY),
            row(4, "Hooli", "Clerk", None, Urgency.DONE),
            row(5, "Initech", "Analyst", None, Urgency.INVALID),
            row(6, "Globex", "Designer", TODAY - timedelta(days=2), Urgency.OVERDUE),
        ),
        tracker(
            row(2, "Acme, Inc.", "Engineer; backend", TODAY, Urgency.TODAY),
            client="Ben Brown",
            source="b.csv",
        ),
        TrackerResult(source="gone.csv", client="Gone", failed="not found"),
    ]


def events(text: str) -> list[icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(text)
    return list(calendar.walk("VEVENT"))


def by_summary(text: str) -> dict[str, icalendar.Event]:
    found: dict[str, icalendar.Event] = {}
    for event in events(text):
        found.setdefault(str(event["SUMMARY"]), event)
    return found


def test_framing_is_crlf_and_folded_at_75_octets():
    long_why = "Ünïcödé " * 40
    due = row(2, "Acme", "Dev", TODAY, Urgency.TODAY)
    results = [tracker(replace(due, decision=replace(due.decision, why=long_why)))]
    raw = render_calendar(results, generated_at=NIGHT_ONE).encode("utf-8")
    assert raw.startswith(b"BEGIN:VCALENDAR\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    physical = raw.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(physical)
    assert max(len(line) for line in physical) <= 75
    assert any(line.startswith(b" ") for line in physical)
    for line in physical:
        line.decode("utf-8")  # folding never splits a character
    (event,) = events(raw.decode("utf-8"))
    assert str(event["DESCRIPTION"]).startswith(long_why)


def test_one_all_day_event_per_due_action_with_escaped_text():
    text = render_calendar(night(TODAY + timedelta(days=4)), generated_at=NIGHT_ONE)
    calendar = icalendar.Calendar.from_ical(text)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    found = events(text)
    # Acme (sheet), Globex x2 (sheet), Acme (b.csv); not the done, invalid or failed ones.
    assert len(found) == 4
    uids = [str(event["UID"]) for event in found]
    assert len(set(uids)) == len(uids)
    summaries = {str(event["SUMMARY"]) for event in found}
    assert f"{Action.FOLLOW_UP.label}: Acme, Inc. — Engineer; backend (Ana Díaz)" in summaries
    assert not any("Hooli" in summary or "Initech" in summary for summary in summaries)
    assert r"Acme\, Inc. — Engineer\; backend" in text
    acme = next(
        event
        for event in found
        if "Acme" in str(event["SUMMARY"]) and "Ana" in str(event["SUMMARY"])
    )
    start = acme.decoded("DTSTART")
    assert type(start) is date and start == TODAY + timedelta(days=4)
    assert acme.decoded("DTEND") == start + timedelta(days=1)
    description = str(acme["DESCRIPTION"])
    assert "A week without reply." in description and SHEET in description
    assert str(acme["URL"]) == SHEET
    assert acme.decoded("DTSTAMP") == NIGHT_ONE
    assert int(acme["SEQUENCE"]) == 0


def test_uids_stay_when_due_dates_and_row_numbers_change():
    first = by_summary(render_calendar(night(TODAY + timedelta(days=4)), generated_at=NIGHT_ONE))
    moved = night(TODAY + timedelta(days=9))
    moved[0].rows.insert(0, row(2, "Newco", "Intern", TODAY, Urgency.TODAY))
    moved[0].rows[1:] = [replace(item, row=item.row + 1) for item in moved[0].rows[1:]]
    second = by_summary(render_calendar(moved, generated_at=NIGHT_TWO))
    assert set(first) < set(second)
    for summary, event in first.items():
        assert str(second[summary]["UID"]) == str(event["UID"]), summary
    acme = next(summary for summary in first if "Acme" in summary and "Ana" in summary)
    assert second[acme].decoded("DTSTART") == TODAY + timedelta(days=9)


def test_same_company_and_position_twice_get_distinct_stable_uids():
    assert application_uid("s", "Globex", "Designer", 1) != application_uid(
        "s", "Globex", "Designer", 2
    )
    assert application_uid("s", " GLOBEX ", "designer", 1) == application_uid(
        "s", "Globex", "Designer", 1
    )
    assert application_uid("s", "Globex", "Designer", 1) != application_uid(
        "t", "Globex", "Designer", 1
    )


def test_sequence_moves_only_when_the_event_changed(tmp_path: Path):
    write_digest(night(TODAY + timedelta(days=4)), tmp_path, today=TODAY, generated_at=NIGHT_ONE)
    files = write_digest(
        night(TODAY + timedelta(days=6)), tmp_path, today=TODAY, generated_at=NIGHT_TWO
    )
    found = events(files.ics.read_text(encoding="utf-8"))
    changed = [event for event in found if int(event["SEQUENCE"]) == 1]
    unchanged = [event for event in found if int(event["SEQUENCE"]) == 0]
    assert len(changed) == 1 and "Acme" in str(changed[0]["SUMMARY"])
    assert "Ana" in str(changed[0]["SUMMARY"])
    assert changed[0].decoded("LAST-MODIFIED") == NIGHT_TWO
    assert len(unchanged) == 3
    assert all(event.decoded("LAST-MODIFIED") == NIGHT_ONE for event in unchanged)
    assert all(event.decoded("DTSTAMP") == NIGHT_TWO for event in found)
    third = write_digest(
        night(TODAY + timedelta(days=6)), tmp_path, today=TODAY, generated_at=NIGHT_TWO
    )
    assert third.ics.read_bytes() == files.ics.read_bytes()


def test_previous_revisions_ignores_foreign_or_broken_files():
    assert previous_revisions("not a calendar") == {}
    broken = "BEGIN:VEVENT\r\nUID:x@y\r\nSEQUENCE:many\r\nEND:VEVENT\r\n"
    assert previous_revisions(broken) == {}


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("a,b;c\\d", r"a\,b\;c\\d"),
        ("line1\nline2\r\nline3", r"line1\nline2\nline3"),
        ("bell\x07", "bell"),
    ],
)
def test_escape_text(text, escaped):
    assert escape_text(text) == escaped


def test_fold_then_unfold_round_trips():
    line = "DESCRIPTION:" + "é—x" * 60
    folded = fold_line(line)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert list(unfold(folded + "\r\n")) == [line]
