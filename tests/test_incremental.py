"""Incremental planning: a settled row is not planned again before its change day, and the
trackers it leaves are exactly those that planning every row in full leaves."""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings

from syncer.backends.csv_scan import _Scanner, detect_dialect
from syncer.backends.csvfile import _RowValues
from syncer.config import TrackerConfig
from syncer.incremental import replan_on, row_fingerprint
from syncer.model import Application, Urgency
from syncer.parse import RowParser
from syncer.policy import Policy
from syncer.rules import decide
from syncer.sync import RunOptions, sync_tracker
from tests.test_rules import applications, dates
from tests.trackers import DEFAULT_HEADERS, record_parsed_rows, write_csv

START = date(2026, 11, 2)


@settings(max_examples=500, deadline=None)
@given(applications, dates)
def test_nothing_the_rules_or_drafts_see_changes_before_the_change_day(
    app: Application, today: date
) -> None:
    policy = Policy()
    first = decide(app, today, policy)
    if first.urgency is Urgency.INVALID:
        return
    until = replan_on(app, first, today, policy)
    assert until > today

    def drafted(decision_due: date | None, day: date) -> bool:
        window = day + timedelta(days=policy.draft_window_days)
        return decision_due is not None and decision_due <= window

    day = today
    while day < until and day < today + timedelta(days=400):
        assert decide(app, day, policy) == first, day
        assert drafted(first.due_on, day) == drafted(first.due_on, today), day
        assert day.year == today.year, day  # drafts show a date's year when it is not this year's
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (["a\x00b"], ["a", "b"]),
        ([], [""]),
        (["", "a"], ["\x00a"]),
        (["['\\x00']"], ["\x00"]),  # one row's repr is another's text
        (["a", "b"], ["a", "b", ""]),
    ],
)
def test_no_row_of_texts_passes_for_another(one: list[str], other: list[str]) -> None:
    assert row_fingerprint("s", one) != row_fingerprint("s", other)
    assert row_fingerprint("s", one) == row_fingerprint("s", list(one))
    assert row_fingerprint("s", one) != row_fingerprint("t", one)


def test_templates_that_read_today_are_planned_every_day() -> None:
    app = Application(company="A", position="P", applied_on=date(2026, 11, 2))
    decision = decide(app, START)
    assert replan_on(app, decision, START, Policy(), daily=True) == START + timedelta(days=1)


STAGES = ["applied", "interview scheduled", "interviewed", "offer", "negotiating", "accepted"]
STAGES += ["rejected", "wishlist", "withdrawn"]


def _random_row(rng: random.Random, number: int, today: date) -> dict[str, str]:
    def day(back: int, ahead: int = 0) -> str:
        return (today + timedelta(days=rng.randint(-back, ahead))).isoformat()

    row = {
        "Company": f"Company {number}",
        "Position": rng.choice(["Engineer", "Analyst"]),
        "Stage": rng.choice(STAGES),
        "Applied On": day(30),
        "Interview Date": day(10, 10),
        "Topics Discussed": rng.choice(["", "the roadmap", "testing; hiring"]),
        "Preferred Channel": rng.choice(["", "email", "phone", "letter"]),
        "Offer Received": day(6),
        "Offer Decision": rng.choice(["", "accept", "negotiate"]),
    }
    if rng.random() < 0.3:
        row["Decision Expected"] = day(5, 12)
    if rng.random() < 0.2:
        row["Snooze Until"] = day(0, 9)
    if rng.random() < 0.3:
        row["Rejected On"] = day(8)
    return row


def _edit_a_few(path: Path, rng: random.Random, today: date) -> None:
    """What a person does on a day: new rows, a stage moved on, a follow-up noted, an owned cell
    typed over, a row deleted."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    for _ in range(rng.randint(0, 3)):
        row = body[rng.randrange(len(body))]
        what = rng.random()
        if what < 0.4:
            row[header.index("Stage")] = rng.choice(STAGES)
        elif what < 0.7:
            row[header.index("Last Contact")] = today.isoformat()
            row[header.index("Follow-Ups Sent")] = str(rng.randint(0, 3))
        elif what < 0.85 and "Why" in header:
            row[header.index("Why")] = "I will call them on Monday"
        else:
            body.remove(row)
    if rng.random() < 0.5:
        new = _random_row(rng, 1000 + rng.randrange(10_000), today)
        body.append([new.get(name, "") for name in header])
    write_csv(path, header, body)
    _edit_the_text(path, rng)


def _edit_the_text(path: Path, rng: random.Random) -> None:
    """What an app or a hand does to the file's text (a csv is held as text, and its settled
    rows recognised by it): a field quoted that needs no quotes (the same values), a record
    copied, two records swapped, a Row ID typed over."""
    text = path.read_text(encoding="utf-8")
    scanner = _Scanner(text, detect_dialect(text, 1, ".csv"), str(path))
    spans = [(start, stop) for start, stop, _raws in scanner.records()]
    header, records = text[: spans[0][1]], [text[start:stop] for start, stop in spans[1:]]
    if len(records) < 2:
        return
    what = rng.random()
    pick = rng.randrange(len(records))
    if what < 0.3 and '"' not in records[pick]:
        fields = records[pick].split(",")
        at = rng.randrange(len(fields) - 1)  # not the last: it holds the line ending
        fields[at] = f'"{fields[at]}"'
        records[pick] = ",".join(fields)
    elif what < 0.45:
        records.append(records[pick])
    elif what < 0.6:
        other = rng.randrange(len(records))
        records[pick], records[other] = records[other], records[pick]
    elif what < 0.7:
        records[pick] = re.sub(r",r[0-9a-f]{10}(\r?\n?)$", r",r-typed\1", records[pick])
    path.write_text(header + "".join(records), encoding="utf-8")


@pytest.mark.parametrize("seed", [1, 2])
def test_incremental_and_full_planning_leave_identical_trackers_over_30_days(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed = {False: 0, True: 0}
    built = {False: 0, True: 0}  # rows whose values were built from the file's text
    mode = [False]
    real = RowParser.parse
    real_values = _RowValues.values

    def counting(self: RowParser, cells):  # type: ignore[no-untyped-def]
        parsed[mode[0]] += 1
        return real(self, cells)

    def building(self: _RowValues, fields):  # type: ignore[no-untyped-def]
        built[mode[0]] += 1
        return real_values(self, fields)

    monkeypatch.setattr(RowParser, "parse", counting)
    monkeypatch.setattr(_RowValues, "values", building)
    rng = random.Random(seed)
    rows = [_random_row(rng, n, START) for n in range(60)]
    header = [*DEFAULT_HEADERS, "My Notes"]
    incremental = write_csv(
        tmp_path / "incremental.csv", header, [[r.get(h, "") for h in header] for r in rows]
    )
    full = tmp_path / "full.csv"
    shutil.copy(incremental, full)
    for offset in range(30):
        today = START + timedelta(days=offset)
        now = datetime.combine(today, datetime.min.time()).replace(hour=2)
        outcomes = []
        for path, replan_all in ((incremental, False), (full, True)):
            mode[0] = replan_all
            options = RunOptions(today=today, now=now, replan_all=replan_all)
            result, _ = sync_tracker(TrackerConfig(source=str(path)), options)
            assert result.failed is None
            document = json.dumps(result.as_json(), sort_keys=True, default=str)
            outcomes.append(document.replace(str(path), "TRACKER"))
        assert outcomes[0] == outcomes[1], today
        assert incremental.read_bytes() == full.read_bytes(), today
        sidecar = Path(f"{incremental}.syncer.json")
        assert sidecar.read_bytes() == Path(f"{full}.syncer.json").read_bytes(), today
        edit = random.Random(seed * 1000 + offset)
        _edit_a_few(incremental, edit, today)
        _edit_a_few(full, random.Random(seed * 1000 + offset), today)
    # Most rows were settled on most days: planned far less often than in full, and recognised
    # by their text alone (no values built).
    assert parsed[False] < parsed[True] / 3, parsed
    assert built[False] < built[True] / 3, built


def test_a_settled_row_is_not_parsed_again_until_its_change_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    header = ["Company", "Position", "Stage", "Applied On"]
    path = write_csv(
        tmp_path / "t.csv",
        header,
        [
            ["Acme", "Analyst", "applied", "2026-11-02"],
            ["Beta", "Engineer", "applied", "2026-11-20"],
        ],
    )
    parsed = record_parsed_rows(monkeypatch)

    def sync_on(day: date, **options: bool) -> list[dict[str, object]]:
        parsed.clear()
        result, _ = sync_tracker(TrackerConfig(source=str(path)), RunOptions(today=day, **options))
        assert result.failed is None
        return [row.as_json() for row in result.rows]

    first = sync_on(date(2026, 11, 20))
    assert parsed == ["Acme", "Beta"]
    # Acme is due 2026-11-09 (overdue, drafted); Beta on 2026-11-27: its draft appears on 11-24.
    assert sync_on(date(2026, 11, 20)) == first and parsed == []
    assert sync_on(date(2026, 11, 21)) == first and parsed == []
    sync_on(date(2026, 11, 24))
    assert parsed == ["Beta"]
    assert sync_on(date(2026, 11, 24), replan_all=True) and parsed == ["Acme", "Beta"]
    # A person's edit plans that row again at once.
    text = path.read_text(encoding="utf-8").replace("2026-11-02", "2026-11-03")
    path.write_text(text, encoding="utf-8")
    rows = sync_on(date(2026, 11, 24))
    assert parsed == ["Acme"]
    assert rows[0]["due"] == "2026-11-10"


def test_an_edited_template_plans_every_row_again(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    template = folder / "follow_up.email.j2"
    template.write_text("Subject: Checking in\n\nHello {{ company }}\n", encoding="utf-8")
    path = write_csv(
        tmp_path / "t.csv",
        ["Company", "Position", "Stage", "Applied On"],
        [["Acme", "Analyst", "applied", "2026-11-02"]],
    )
    config = TrackerConfig(source=str(path), templates=folder)
    today = RunOptions(today=date(2026, 11, 20), now=datetime(2026, 11, 20, 2, 0))
    assert sync_tracker(config, today)[0].cells_written
    assert sync_tracker(config, today)[0].cells_written == 0
    template.write_text("Subject: Checking in\n\nDear {{ company }}\n", encoding="utf-8")
    result, _ = sync_tracker(config, today)
    assert result.cells_written == 1  # the Draft (Last Synced holds this minute already)
    assert "Dear Acme" in path.read_text(encoding="utf-8")
