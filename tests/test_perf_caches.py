"""The speed-ups must not change a single result: each cache or fast path against the slow way."""

from __future__ import annotations

import gc
import json
import threading
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer.backends.base import CellUpdate, canonical_text, digest
from syncer.backends.csvfile import CsvBackend, _Dialect, _Scanner
from syncer.backends.sidecar import state_json
from syncer.columns import resolve_columns
from syncer.config import TrackerConfig
from syncer.dates import BadDate, DateOrder, parse_datetime
from syncer.drafts import DraftRenderer, template_environment
from syncer.gcpause import collector_paused
from syncer.journal import Journal
from syncer.model import Action, Application, Channel, Decision, Stage, Urgency
from syncer.parse import DATE_CACHE_LIMIT, RowParser
from syncer.plan import Planner

HEADER = ["Company", "Position", "Stage", "Applied On", "Interview Date", "Follow-Ups Sent"]

DATE_TEXTS = [
    "2024-11-05",
    "11/05/2024",
    "05/11/2024",
    "2024/11/05",
    "2024-11-05 14:30",
    "2024-11-05T09:05",
    "11/05/2024 2:30 pm",
    "2024-02-30",
    "13/13/2024",
    "11/05/24",
    "tomorrow",
    "2024-11-05 25:00",
    "\u200b2024-11-05",
    "\u200b",
    " 2024-11-05 ",
    "0999-01-01",
]


def parser(order: DateOrder = DateOrder.MDY) -> RowParser:
    return RowParser(resolve_columns("t", HEADER), HEADER, date_order=order)


def uncached(text: str, order: DateOrder) -> datetime | str | None:
    try:
        return parse_datetime(text, order)
    except BadDate as exc:
        return f"bad: {exc}"


def cached(row_parser: RowParser, text: str) -> datetime | str | None:
    try:
        return row_parser.moment(text)
    except BadDate as exc:
        return f"bad: {exc}"


@pytest.mark.parametrize("order", list(DateOrder))
def test_the_date_cache_gives_what_parsing_gives_including_errors(order: DateOrder) -> None:
    row_parser = parser(order)
    for _ in range(3):  # the first pass fills the cache, the others read it
        for text in DATE_TEXTS:
            assert cached(row_parser, text) == uncached(text, order), text


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="0123456789/-.: TtAPMapm\u200b", max_size=20))
def test_the_date_cache_agrees_on_any_text(text: str) -> None:
    row_parser = parser()
    assert cached(row_parser, text) == uncached(text, DateOrder.MDY)
    assert cached(row_parser, text) == uncached(text, DateOrder.MDY)


def test_a_row_parses_the_same_with_a_warm_cache() -> None:
    row_parser = parser()
    row: list[object] = ["Acme", "Engineer", "interviewed", "2024-13-01", "11/05/2024 9:00", "1"]
    first = row_parser.parse(row)  # type: ignore[arg-type]
    second = row_parser.parse(row)  # type: ignore[arg-type]
    assert first == second
    app, problems = first
    assert app.interview_at == datetime(2024, 11, 5, 9, 0)
    assert [str(p) for p in problems] == [
        "Applied On: '2024-13-01' is not a real date (month must be in 1..12)"
    ]


def test_the_date_cache_is_bounded() -> None:
    row_parser = parser()
    for day in range(DATE_CACHE_LIMIT + 50):
        text = date.fromordinal(date(2000, 1, 1).toordinal() + day).isoformat()
        assert row_parser.moment(text) == datetime.fromisoformat(text)
    assert len(row_parser._moments) == DATE_CACHE_LIMIT


def test_values_that_are_not_text_are_parsed_every_time() -> None:
    row_parser = parser()
    assert row_parser.moment(45600.5) == parse_datetime(45600.5)
    assert row_parser.moment(date(2024, 1, 2)) == datetime(2024, 1, 2)
    with pytest.raises(BadDate, match="checkbox"):
        row_parser.moment(True)
    assert row_parser._moments == {}


def test_the_digest_memo_matches_digest_and_skips_long_texts() -> None:
    planner = Planner(TrackerConfig(source="t"), date(2024, 12, 2), datetime(2024, 12, 2, 2, 0))
    long_text = "x" * 5_000
    for text in ("", "Follow up", "2024-12-03", long_text, "Follow up"):
        assert planner._fingerprint(text) == digest(text)
    assert "Follow up" in planner._digests
    assert long_text not in planner._digests


@pytest.mark.parametrize(
    "value", ["text", "", None, True, False, 3, 3.0, 2.5, date(2024, 1, 2), datetime(2024, 1, 2, 9)]
)
def test_canonical_text_fast_path_keeps_every_kind(value: object) -> None:
    expected = {
        "text": "text",
        "": "",
        None: "",
        True: "TRUE",
        False: "FALSE",
        3: "3",
        2.5: "2.5",
    }
    if isinstance(value, datetime):
        assert canonical_text(value) == "2024-01-02 09:00"
    elif isinstance(value, date):
        assert canonical_text(value) == "2024-01-02"
    elif isinstance(value, float) and value == 3.0:
        assert canonical_text(value) == "3"
    else:
        assert canonical_text(value) == expected[value]  # type: ignore[index]


def test_the_collector_is_paused_during_a_plan_and_restored_after() -> None:
    assert gc.isenabled()
    seen: list[bool] = []
    with collector_paused():
        seen.append(gc.isenabled())
        with collector_paused():
            seen.append(gc.isenabled())
        seen.append(gc.isenabled())
    assert seen == [False, False, False]
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()


def test_plans_in_threads_leave_the_collector_on() -> None:
    barrier = threading.Barrier(4)

    def work() -> None:
        with collector_paused():
            barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert gc.isenabled()


# -- templates ---------------------------------------------------------------------------------


def draft_text(renderer: DraftRenderer) -> str:
    app = Application(company="Acme", position="Engineer", stage=Stage.APPLIED)
    decision = Decision(Action.FOLLOW_UP, date(2024, 12, 3), Urgency.UPCOMING, "")
    draft = renderer.render(app, decision, date(2024, 12, 2))
    assert draft is not None
    return draft.text


def test_renderers_of_one_folder_share_one_environment(tmp_path: Path) -> None:
    (tmp_path / "follow_up.email.j2").write_text("coach {{ company }}", encoding="utf-8")
    first, second = DraftRenderer(tmp_path), DraftRenderer(tmp_path, candidate_name="Sam")
    assert first.environment is second.environment
    assert DraftRenderer().environment is DraftRenderer().environment
    assert DraftRenderer().environment is not first.environment
    assert draft_text(second) == "coach Acme"


def test_each_coach_folder_gets_its_own_templates(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for folder, word in ((one, "first"), (two, "second")):
        folder.mkdir()
        (folder / "follow_up.email.j2").write_text(f"{word} {{{{ company }}}}", encoding="utf-8")
    assert draft_text(DraftRenderer(one)) == "first Acme"
    assert draft_text(DraftRenderer(two)) == "second Acme"
    assert "Dear" in draft_text(DraftRenderer())  # syncer's own, untouched by the coaches'


def test_a_template_added_or_edited_later_is_seen_by_a_new_renderer(tmp_path: Path) -> None:
    before = draft_text(DraftRenderer(tmp_path))
    assert "Dear" in before
    template = tmp_path / "follow_up.email.j2"
    template.write_text("added {{ company }}", encoding="utf-8")
    assert draft_text(DraftRenderer(tmp_path)) == "added Acme"
    template.write_text("edited {{ company }}", encoding="utf-8")
    stat = template.stat()
    import os

    os.utime(template, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10_000_000))
    assert draft_text(DraftRenderer(tmp_path)) == "edited Acme"


def test_the_environment_cache_is_safe_across_threads(tmp_path: Path) -> None:
    (tmp_path / "follow_up.email.j2").write_text("threaded {{ company }}", encoding="utf-8")
    found: list[object] = []
    texts: list[str] = []

    def work() -> None:
        renderer = DraftRenderer(tmp_path)
        found.append(renderer.environment)
        texts.append(draft_text(renderer))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(environment) for environment in found}) == 1
    assert texts == ["threaded Acme"] * 8
    assert template_environment(tmp_path) is found[0]


# -- journal -----------------------------------------------------------------------------------

AWKWARD = ['say "hi"', "back\\slash", "line\nbreak\ttab", "\x00\x1f", "é ✓ 😀 \u2028", ""]


def test_journal_lines_are_what_json_dumps_writes(tmp_path: Path) -> None:
    journal = Journal(tmp_path, now=datetime(2024, 12, 2, 2, 0))
    updates = [
        CellUpdate(
            row=2 + i,
            column=text or "Why",
            value=value,
            row_id=f"r{i}{text}",
            expected=text,
            field="why",
        )
        for i, (text, value) in enumerate(
            zip(
                AWKWARD, [*AWKWARD[1:], date(2024, 1, 2), datetime(2024, 1, 2, 9, 30)], strict=False
            )
        )
    ]
    stamp = datetime(2024, 1, 2, 9, 30)
    updates.append(CellUpdate(9, "Last Synced", stamp, "r9", "", "last_synced"))
    updates.append(CellUpdate(row=True, column="Due Date", value=3.0))  # not an int: slow path
    journal.record('tracker "one".csv', updates)
    lines = journal.path.read_text(encoding="utf-8").split("\n")[:-1]
    expected = [
        json.dumps(
            {
                "type": "cell",
                "source": 'tracker "one".csv',
                "row": update.row,
                "row_id": update.row_id,
                "column": update.column,
                "field": update.field,
                "before": update.expected,
                "after": canonical_text(update.value),
            },
            ensure_ascii=False,
        )
        for update in updates
    ]
    assert lines[1:] == expected
    assert json.loads(lines[0])["type"] == "run"


# -- the csv scanner ---------------------------------------------------------------------------


def records(
    scanner: _Scanner, split: Callable[[int], tuple[list[str], int]]
) -> list[tuple[int, list[str]] | str]:
    """Every record's (end, fields) as ``split`` finds them, or the error that stopped it."""
    found: list[tuple[int, list[str]] | str] = []
    position = 0
    while position < len(scanner.text):
        try:
            raws, stop = split(position)
        except Exception as error:
            found.append(str(error))
            break
        found.append((stop, raws))
        position = stop
    return found


def records_one_by_one(scanner: _Scanner) -> list[tuple[int, list[str]] | str]:
    return records(scanner, scanner.fields_one_by_one)


def records_fast(scanner: _Scanner) -> list[tuple[int, list[str]] | str]:
    return records(scanner, scanner.fields_at)


@settings(max_examples=400, deadline=None)
@given(
    st.text(alphabet='ab,;"\n\r ', max_size=40),
    st.sampled_from([_Dialect(",", "\n"), _Dialect(";", "\n"), _Dialect(",", "\r")]),
)
def test_the_regex_scanner_splits_records_like_the_field_scanner(
    text: str, dialect: _Dialect
) -> None:
    scanner = _Scanner(text, dialect, "t.csv")
    assert records_fast(scanner) == records_one_by_one(scanner)


def test_the_scanner_still_names_an_unclosed_quote() -> None:
    scanner = _Scanner('a,b\n"c,d\n', _Dialect(",", "\n"), "t.csv")
    with pytest.raises(Exception, match="quoted field opened on line 2 is never closed"):
        list(scanner.records())


def test_channel_cells_still_parse_through_the_fast_path() -> None:
    header = [*HEADER, "Preferred Channel", "Notes"]
    row_parser = RowParser(resolve_columns("t", header), header)
    app, problems = row_parser.parse(
        ["  Acme ", "Engineer", "Applied", "2024-11-05", "", "2", " Phone ", "  "]
    )
    assert problems == []
    assert (app.company, app.preferred_channel, app.notes) == ("Acme", Channel.PHONE, None)
    assert app.follow_ups_sent == 2


def test_journal_writes_in_batches_but_all_lines_or_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("syncer.journal._LINES_PER_WRITE", 3)
    journal = Journal(tmp_path, now=datetime(2024, 12, 2, 2, 0))
    good = [CellUpdate(row=2 + i, column="Why", value=f"v{i}", row_id=f"r{i}") for i in range(7)]
    journal.record("t.csv", good)
    written = journal.path.read_bytes()
    assert written.count(b"\n") == 8 and written.endswith(b"\n")
    bad = [*good, CellUpdate(row=20, column="Why", value="\ud800", row_id="r20")]
    with pytest.raises(UnicodeEncodeError):
        journal.record("t.csv", bad)
    assert journal.path.read_bytes() == written


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=12), max_size=3), max_size=5))
def test_the_state_file_is_what_json_dumps_wrote(rows: list[list[str]]) -> None:
    expected = json.dumps({"format": "syncer-state/1", "rows": rows}, indent=1)
    assert state_json(rows) == expected


def test_repeated_csv_texts_share_one_string_and_keep_their_values(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    lines = ["Company,Position,Stage,Notes"]
    lines += [f'Acme {i},"Engineer, {i % 2}",applied,"say ""hi"""' for i in range(4)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    data = CsvBackend(path).read()
    assert data.rows[0] == ["Acme 0", "Engineer, 0", "applied", 'say "hi"']
    assert data.rows[3] == ["Acme 3", "Engineer, 1", "applied", 'say "hi"']
    assert data.rows[0][2] is data.rows[3][2]
    assert data.rows[1][1] is data.rows[3][1]


def test_every_row_of_a_tracker_shares_one_holiday_calendar() -> None:
    """The calendar caches each year's holidays: a calendar per row (per property access) made
    a 10,000-row plan with holidays 3.7x slower than without (bench/bench_nightly.py)."""
    config = TrackerConfig(source="t.csv", holidays_country="GB", holidays_subdivision="ENG")
    other = TrackerConfig(source="u.csv", holidays_country="GB", holidays_subdivision="ENG")
    assert config.calendar is config.calendar
    assert config.calendar is other.calendar
    assert config.calendar is not TrackerConfig(source="t.csv", holidays_country="FR").calendar
    christmas = date(2026, 12, 25)
    assert not config.calendar.is_workday(christmas)
    assert config.calendar._cache.keys() == {2026}


# -- quick_init ---------------------------------------------------------------------------------


def test_quick_init_builds_what_the_dataclass_init_builds() -> None:
    import dataclasses
    import inspect

    from syncer.model import quick_init

    @dataclasses.dataclass(frozen=True, slots=True)
    class Generated:
        row: int
        text: str = "x"
        when: date | None = None

    @quick_init
    @dataclasses.dataclass(frozen=True, slots=True)
    class Quick:
        row: int
        text: str = "x"
        when: date | None = None

    assert str(inspect.signature(Quick)) == str(inspect.signature(Generated))
    for args, kwargs in (((1,), {}), ((2, "y"), {}), ((3,), {"when": date(2026, 1, 1)})):
        quick, generated = Quick(*args, **kwargs), Generated(*args, **kwargs)
        assert [getattr(quick, f) for f in ("row", "text", "when")] == [
            getattr(generated, f) for f in ("row", "text", "when")
        ]
        assert quick == Quick(*args, **kwargs) and hash(quick) == hash(Quick(*args, **kwargs))
    with pytest.raises(dataclasses.FrozenInstanceError):
        Quick(1).row = 2  # type: ignore[misc]
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'row'"):
        Quick()
    assert dataclasses.replace(Quick(1), text="z") == Quick(1, "z")
    update = CellUpdate(2, "Why", "planned", row_id="r1", field="why")
    assert (update.row, update.column, update.value, update.row_id, update.expected) == (
        2,
        "Why",
        "planned",
        "r1",
        "",
    )


def test_quick_init_refuses_a_default_factory() -> None:
    import dataclasses

    from syncer.model import quick_init

    @dataclasses.dataclass(frozen=True, slots=True)
    class Listed:
        items: list[int] = dataclasses.field(default_factory=list)

    with pytest.raises(TypeError, match="plain defaults"):
        quick_init(Listed)
