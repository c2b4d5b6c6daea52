"""A big csv is synced as a stream (issue 10: memory bounded by the work, not the file).

Every test forces the streamed path on a small file: any file streams (``STREAM_FROM_BYTES``),
the file is read a few bytes at a time (``READ_BLOCK_BYTES``: block ends fall inside quoted
fields, line endings and multi-byte characters) and the plan goes to disk every few rows
(``CHUNK_ITEMS``). The streamed and the in-memory path must write the same bytes: tracker,
.bak, sidecar, --json document and journal.
"""

from __future__ import annotations

import csv
import io
import json
import random
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from syncer import spill as spill_module
from syncer.backends import csv_scan, csvfile
from syncer.backends.csv_scan import FileLayout, _Dialect, _Scanner, streamed_records
from syncer.cli import cli
from syncer.config import TrackerConfig
from syncer.sync import RunOptions, sync_tracker

TODAY = date(2026, 11, 26)
HEADER = ["Company", "Position", "Stage", "Applied On", "Notes", "My Column"]
STAGES = ["applied", "applied", "applied", "offer", "rejected", "", "applied", "wishlist"]


def stream_everything(monkeypatch: pytest.MonkeyPatch, block: int = 5, chunk: int = 3) -> None:
    monkeypatch.setattr(csvfile, "STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(csvfile, "FIRST_SYNC_STREAM_FROM_BYTES", 0)
    monkeypatch.setattr(csv_scan, "READ_BLOCK_BYTES", block)
    monkeypatch.setattr(spill_module, "CHUNK_ITEMS", chunk)
    monkeypatch.setattr(spill_module, "_IDS_PER_QUERY", 2)  # a chunk's Row IDs in many queries


def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Last Synced holds the minute of the run: both paths run at 09:30 of the day."""

    def clock(config: TrackerConfig, options: RunOptions) -> tuple[date, datetime]:
        assert options.today is not None
        return options.today, datetime.combine(options.today, datetime.min.time()) + timedelta(
            hours=9, minutes=30
        )

    monkeypatch.setattr("syncer.sync.run_clock", clock)


def quoted(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def random_tracker(seed: int, rows: int = 40) -> tuple[bytes, str]:
    """A tracker as people's files are: quoted fields with line breaks and quotes, CRLF or LF,
    a BOM or not, ragged rows, blank lines, a stray quote inside an unquoted field; every few
    seeds a Windows-1252 file. Returns (bytes, encoding)."""
    pick = random.Random(seed)
    newline = pick.choice(["\n", "\r\n"])
    legacy = seed % 3 == 2
    lines = [",".join(HEADER)]
    for index in range(rows):
        if pick.random() < 0.08:
            lines.append("")
            continue
        applied = TODAY - timedelta(days=pick.randrange(1, 40))
        notes = pick.choice(
            ["", "short", 'said "call me"', "two\nlines", "crlf\r\ninside", "café, ünïcode", '5" x']
        )
        fields = [
            f"Company {index}",
            pick.choice(["Dev", "QA", quoted("Data, ML"), "Ops"]),
            pick.choice(STAGES),
            applied.isoformat(),
            notes if notes == '5" x' else (quoted(notes) if pick.random() < 0.7 else notes),
            pick.choice(["x", "", '"kept ""as"" is"']),
        ]
        if any(ch in fields[4] for ch in "\n,") and not fields[4].startswith('"'):
            fields[4] = quoted(fields[4])
        if pick.random() < 0.1:
            fields = fields[: pick.randrange(2, 5)]  # a ragged row
        lines.append(",".join(fields))
    text = newline.join(lines) + (newline if pick.random() < 0.8 else "")
    if legacy:
        return text.encode("cp1252"), "cp1252"
    data = text.encode("utf-8")
    return (b"\xef\xbb\xbf" + data if pick.random() < 0.5 else data), "utf-8"


def copy_a_row_and_edit_an_owned_cell(path: Path, encoding: str) -> None:
    """A person copies a synced row to the end (the same Row ID) and edits a Why cell."""
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    text = data[3:].decode(encoding) if bom else data.decode(encoding)
    newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"  # the header's
    records = text.split(newline)
    simple = [r for r in records[1:] if r.startswith("Company") and r.count('"') % 2 == 0]
    if simple:
        records.insert(len(records) - 1, simple[0].replace("Company", "Copied", 1))
    text = newline.join(records).replace("Follow up", "My own words", 1)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode(encoding))


def run_days(folder: Path, tracker: bytes, encoding: str, days: int = 3) -> list[dict[str, object]]:
    """Sync the tracker on consecutive days (a person's edits after the first): what each day
    left, byte for byte."""
    path = folder / "tracker.csv"
    path.write_bytes(tracker)
    outcomes = []
    for day in range(days):
        if day == 1:
            copy_a_row_and_edit_an_owned_cell(path, encoding)
        today = (TODAY + timedelta(days=day)).isoformat()
        run = CliRunner().invoke(
            cli, ["sync", "tracker.csv", "--today", today, "--json", "--force"]
        )
        assert run.exception is None or isinstance(run.exception, SystemExit), run.output
        journal = sorted((folder / "state" / "journal").glob("*.jsonl"))
        lines = journal[-1].read_text(encoding="utf-8").splitlines()[1:] if journal else []
        here = json.dumps(str(folder))[1:-1]  # each path's source names its own folder
        outcomes.append(
            {
                "exit": run.exit_code,
                "json": run.stdout.replace(here, "FOLDER"),
                "journal": [line.replace(here, "FOLDER") for line in lines],
                "tracker": path.read_bytes(),
                "bak": path.with_name("tracker.csv.bak").read_bytes(),
                "sidecar": path.with_name("tracker.csv.syncer.json").read_bytes(),
                "files": sorted(p.name for p in folder.iterdir()),
            }
        )
    return outcomes


def both_ways(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tracker: bytes, encoding: str, **stream: int
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    fixed_clock(monkeypatch)
    results = []
    for name in ("memory", "streamed"):
        folder = tmp_path / name
        folder.mkdir()
        with monkeypatch.context() as patch:
            patch.chdir(folder)
            patch.setenv("SYNCER_STATE_DIR", str(folder / "state"))
            if name == "streamed":
                stream_everything(patch, **stream)
            results.append(run_days(folder, tracker, encoding))
    return results[0], results[1]


@pytest.mark.parametrize("seed", range(6))
def test_the_streamed_sync_writes_what_the_in_memory_sync_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    tracker, encoding = random_tracker(seed)
    memory, streamed = both_ways(tmp_path, monkeypatch, tracker, encoding, block=3 + seed)
    for day, (one, other) in enumerate(zip(memory, streamed, strict=True)):
        for key in one:
            assert one[key] == other[key], (day, key)
    assert json.loads(str(memory[0]["json"]))["trackers"][0]["status"] == "synced"
    assert memory[0]["journal"], "the first sync journals its cells"
    documents = [json.loads(str(day["json"])) for day in memory]
    errors = [message for doc in documents for message in doc["trackers"][0]["errors"]]
    assert any("duplicate" in message for message in errors), "a copied row was planned afresh"


def test_a_duplicate_row_id_in_another_chunk_and_a_quoted_field_across_blocks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [",".join(HEADER)]
    lines += [f"Co {i},Dev,applied,2026-11-0{1 + i % 9},,x" for i in range(30)]
    lines.insert(5, 'Co q,Dev,applied,2026-11-02,"a long note\nover ""several""\nlines, quoted",x')
    tracker = ("\n".join(lines) + "\n").encode()
    memory, streamed = both_ways(tmp_path, monkeypatch, tracker, "utf-8", block=4, chunk=2)
    assert memory == streamed
    assert b'"a long note\nover ""several""\nlines, quoted"' in streamed[-1]["tracker"]  # type: ignore[operator]


def scan_whole(text: str, dialect: _Dialect) -> list[tuple[str, list[str]]]:
    scanner = _Scanner(text, dialect, "t.csv")
    return [(text[start:stop], raws) for start, stop, raws in scanner.records()]


def scan_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, dialect: _Dialect, block: int
) -> list[tuple[str, list[str]]]:
    path = tmp_path / f"s{block}.csv"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(csv_scan, "READ_BLOCK_BYTES", block)
    layout = csv_scan.survey(path, 1, "t.csv")
    layout = FileLayout(layout.version, "utf-8", False, dialect)
    return [
        (scanner.text[start:stop], raws)
        for scanner, start, stop, raws in streamed_records(path, layout, "t.csv")
    ]


@pytest.mark.parametrize(
    "text",
    [
        'a,b\n"a""\nb",c\nd,e\n',  # a doubled quote before a line break inside quotes
        'a,"x""\ny"\n"q",r\n',
        'a,5" x,b\nc,d\n"e\n""f""",g\r\nh,i',  # a stray quote; CRLF; no final line ending
        '"",""\n"""",x\n,"a\n\nb"\n\n',
        "é,ü\n😀,x\n",  # multi-byte characters cut by block ends
    ],
)
def test_every_record_a_block_at_a_time_is_the_whole_texts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str
) -> None:
    dialect = _Dialect(",", "\n")
    whole = scan_whole(text, dialect)
    for block in range(1, len(text.encode()) + 2):
        assert scan_streamed(tmp_path, monkeypatch, text, dialect, block) == whole, block


def test_an_unclosed_quote_is_named_by_its_line_when_streamed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "t.csv"
    path.write_text('Company,Position\na,b\nc,"d\ne,f\n', encoding="utf-8")
    stream_everything(monkeypatch)
    result, _ = sync_tracker(TrackerConfig(source=str(path)), RunOptions(today=TODAY))
    assert result.failed is not None and "opened on line 3 is never closed" in result.failed


def temp_leftovers(*folders: Path) -> list[str]:
    return [
        p.name
        for folder in folders
        for p in folder.iterdir()
        if "syncer-tmp" in p.name or "syncer-spill" in p.name
    ]


def streamed_tracker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: int
) -> tuple[Path, Path]:
    """A tracker that will be streamed, and the temp folder its spill goes to."""
    spills = tmp_path / "spills"
    spills.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(spills))
    path = tmp_path / "t.csv"
    lines = [f"Co {i},Dev,applied,2026-11-{1 + i % 20:02d},," for i in range(rows)]
    path.write_text(",".join(HEADER[:5]) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    stream_everything(monkeypatch)
    return path, spills


def test_the_guard_holds_a_streamed_plan_back_with_nothing_written_and_no_spill_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, spills = streamed_tracker(tmp_path, monkeypatch, rows=60)
    first, _ = sync_tracker(TrackerConfig(source=str(path)), RunOptions(today=TODAY))
    assert first.failed is None
    synced = path.read_bytes()
    sidecar = path.with_name("t.csv.syncer.json").read_bytes()
    # Re-sorted by a person: every row's owned cells now sit in another row.
    header, *records = list(csv.reader(io.StringIO(synced.decode())))
    turned = records[1:] + records[:1]
    with path.open("w", newline="") as handle:
        csv.writer(handle).writerows(
            [header] + [r[:5] + t[5:] for r, t in zip(records, turned, strict=True)]
        )
    moved = path.read_bytes()
    held, _ = sync_tracker(TrackerConfig(source=str(path)), RunOptions(today=TODAY))
    assert held.failed is not None and "nothing written" in held.failed, held.failed
    assert (
        path.read_bytes() == moved and path.with_name("t.csv.syncer.json").read_bytes() == sidecar
    )
    path.write_bytes(synced.split(b"\n", 1)[0] + b"\n")  # zero rows where the last run saw 60
    emptied, _ = sync_tracker(TrackerConfig(source=str(path)), RunOptions(today=TODAY))
    assert emptied.failed is not None and "read 0 data rows" in emptied.failed
    assert temp_leftovers(tmp_path, spills) == []


def test_disk_full_while_spilling_leaves_the_tracker_untouched_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, spills = streamed_tracker(tmp_path, monkeypatch, rows=30)
    original = path.read_bytes()
    for fault in (disk_full_in_the_log, disk_full_in_the_plans_log, disk_full_in_sqlite):
        with monkeypatch.context() as patch:
            fault(patch)
            result, _ = sync_tracker(TrackerConfig(source=str(path)), RunOptions(today=TODAY))
        assert result.failed is not None, fault
        assert "full" in result.failed or "No space" in result.failed, result.failed
        assert path.read_bytes() == original
        assert sorted(p.name for p in tmp_path.iterdir()) == ["spills", "t.csv"]
        assert list(spills.iterdir()) == []


def disk_full_in_the_log(patch: pytest.MonkeyPatch) -> None:
    write = spill_module.ChunkLog._write_pending

    def full(self: spill_module.ChunkLog[object]) -> None:
        if len(self._offsets) >= 2:
            raise OSError(28, "No space left on device")
        write(self)

    patch.setattr(spill_module.ChunkLog, "_write_pending", full)


def disk_full_in_the_plans_log(patch: pytest.MonkeyPatch) -> None:
    """Full once the rows read are on disk: while the plan's updates or rows go there."""
    write = spill_module.ChunkLog._write_pending

    def full(self: spill_module.ChunkLog[object]) -> None:
        if self._to_tuple is not None and len(self._offsets) >= 2:
            raise OSError(28, "No space left on device")
        write(self)

    patch.setattr(spill_module.ChunkLog, "_write_pending", full)


def disk_full_in_sqlite(patch: pytest.MonkeyPatch) -> None:
    import sqlite3

    flush = spill_module.SpilledCells.flush

    def full(self: spill_module.SpilledCells) -> None:
        if self.table == "state":
            raise sqlite3.OperationalError("database or disk is full")
        flush(self)

    patch.setattr(spill_module.SpilledCells, "flush", full)


def test_a_killed_runs_spill_file_is_removed_by_the_next_run(tmp_path: Path) -> None:
    dead = tmp_path / "syncer-spill-999999999-abc.sqlite"
    dead.write_bytes(b"x")
    mine = spill_module.Spill(tmp_path)
    other = tmp_path / "syncer-spill-notes.txt"
    other.write_text("a person's")
    assert not dead.exists() and other.exists() and mine.path.exists()
    assert oct(mine.path.stat().st_mode & 0o777) == "0o600"
    mine.close()
    assert not mine.path.exists()


def peak_of(run: Callable[[], object]) -> int:
    tracemalloc.start()
    try:
        base, _ = tracemalloc.get_traced_memory()
        run()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base


@pytest.mark.parametrize(
    "applied", ["2026-11-{day:02d}", "2026-13-{day:02d}"], ids=["valid", "invalid"]
)
def test_a_streamed_syncs_memory_does_not_grow_with_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, applied: str
) -> None:
    """Four times the rows, about the same peak (the in-memory path's grows with the file: the
    same check fails there). The caches bounded by a count (shared texts, fingerprints, the
    state file's batches) are made small, so that these few rows already fill them. With every
    row invalid, each has its message (those are on disk too)."""
    stream_everything(monkeypatch, block=1 << 12, chunk=100)
    monkeypatch.setattr(csvfile, "_SHARED_TEXTS", 100)
    monkeypatch.setattr("syncer.plan.DIGEST_MEMO_LIMIT", 100)
    monkeypatch.setattr("syncer.backends.sidecar._STATE_ROWS_PER_WRITE", 100)
    fixed_clock(monkeypatch)

    def peak_for(rows: int) -> int:
        path = tmp_path / f"{rows}.csv"
        lines = [
            f"Co {i},Dev {i % 7},applied,{applied.format(day=1 + i % 20)},note {i}"
            for i in range(rows)
        ]
        path.write_text(",".join(HEADER[:5]) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
        config = TrackerConfig(source=str(path), drafts="off")

        def sync() -> None:
            result, _plan = sync_tracker(config, RunOptions(today=TODAY))
            assert len(result.errors) == (rows if "13" in applied else 0), result.failed

        return peak_of(sync)

    small, large = peak_for(1_000), peak_for(4_000)
    # 3,000 more rows: under 84 bytes a row (a row's values, result or message held would each
    # cost hundreds; held messages alone grew it by 630 KB).
    assert large - small < 250_000, (small, large)


def test_a_file_streams_from_a_lower_size_before_its_first_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A first sync holds the new columns' drafts and updates too (about 17 times the file in
    memory against about 5 times for a synced file), so an unsynced file streams sooner."""
    path = tmp_path / "t.csv"
    path.write_text("Company,Position,Stage\n" + "Co,Dev,applied\n" * 50, encoding="utf-8")
    size = path.stat().st_size
    monkeypatch.setattr(csvfile, "STREAM_FROM_BYTES", size + 1)
    monkeypatch.setattr(csvfile, "FIRST_SYNC_STREAM_FROM_BYTES", size)
    backend = csvfile.CsvBackend(path)
    first = backend.read_streamed()
    assert first is not None and first.spill is not None
    first.spill.close()
    backend.state_path.write_text('{"format": "syncer-state/1", "rows": []}', encoding="utf-8")
    assert backend.read_streamed() is None  # synced before: in memory below STREAM_FROM_BYTES


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_a_file_of_many_short_rows_streams_whatever_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, newline: str
) -> None:
    """Rows cost memory beyond their bytes (300,000 four-column rows, 10 MB, peaked at 522 MB
    in memory): a file of more lines than ``STREAM_FROM_ROWS`` streams below the byte sizes."""
    path = tmp_path / "t.csv"
    path.write_text(newline.join(["Company,Position,Stage", *["Co,Dev,applied"] * 50]) + newline)
    monkeypatch.setattr(csvfile, "STREAM_FROM_BYTES", 1 << 40)
    monkeypatch.setattr(csvfile, "FIRST_SYNC_STREAM_FROM_BYTES", 1 << 40)
    backend = csvfile.CsvBackend(path)
    monkeypatch.setattr(csvfile, "STREAM_FROM_ROWS", 51)
    assert backend.read_streamed() is None  # 51 lines: in memory
    monkeypatch.setattr(csvfile, "STREAM_FROM_ROWS", 50)
    streamed = backend.read_streamed()
    assert streamed is not None and streamed.spill is not None
    streamed.spill.close()


def test_line_breaks_inside_quoted_fields_are_not_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A synced file's drafts have several lines each: 20 rows of 5-line fields (and doubled
    quotes) are 20 rows, not 100, when choosing how to read."""
    path = tmp_path / "t.csv"
    draft = '"Hi ""Sam"",\n\nthanks\nfor\nthe call"'
    path.write_text("Company,Notes\n" + "".join(f"Co {i},{draft}\n" for i in range(20)))
    monkeypatch.setattr(csvfile, "STREAM_FROM_BYTES", 1 << 40)
    monkeypatch.setattr(csvfile, "FIRST_SYNC_STREAM_FROM_BYTES", 1 << 40)
    monkeypatch.setattr(csvfile, "STREAM_FROM_ROWS", 21)  # 21 records, 101 lines
    assert csvfile.CsvBackend(path).read_streamed() is None
    monkeypatch.setattr(csvfile, "STREAM_FROM_ROWS", 20)
    streamed = csvfile.CsvBackend(path).read_streamed()
    assert streamed is not None and streamed.spill is not None
    streamed.spill.close()


def test_a_streamed_sync_reads_the_file_once_to_plan_and_once_more_to_rewrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan's passes (copies, rows) read the rows kept on disk, not the file; an unchanged
    night writes nothing, so it reads the file once."""
    path, _spills = streamed_tracker(tmp_path, monkeypatch, rows=40)
    passes = []

    def counted(*args: object) -> object:
        passes.append(1)
        return streamed_records(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(csvfile, "streamed_records", counted)
    for night, reads in ((1, 2), (2, 1)):
        passes.clear()
        result, _ = sync_tracker(TrackerConfig(source=str(path)), RunOptions(today=TODAY))
        assert result.failed is None
        assert len(passes) == reads, night


def test_the_previous_state_fetches_the_expected_row_ids_a_few_queries_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(spill_module, "CHUNK_ITEMS", 3)
    monkeypatch.setattr(spill_module, "_IDS_PER_QUERY", 4)
    spill = spill_module.Spill(tmp_path)
    try:
        cells = spill.previous_cells()
        cells.add_packed([(f"r{i}", f"_p:m{i} due_date:d{i}") for i in range(20)])
        queries: list[str] = []
        spill.db.set_trace_callback(queries.append)
        wanted = [f"r{i}" for i in range(0, 20, 2)] + ["r4", "absent", "r19"]
        cells.expect(wanted)
        assert queries == []  # fetched only when a lookup needs the table
        assert [cells.value(row_id, "_p") for row_id in wanted] == [
            *(f"m{i}" for i in range(0, 20, 2)),
            "m4",
            None,
            "m19",
        ]
        assert cells.packed_row("r6") == "_p:m6 due_date:d6" and "absent" not in cells
        assert len(queries) == 3  # 12 distinct ids, 4 a query; nothing looked up one by one
        assert cells.get("r7") == {"_p": "m7", "due_date": "d7"}  # not expected: its own query
        assert len(queries) == 4
        assert cells.pairs("r9") == {"_p": "m9", "due_date": "d9"} and cells.pairs("nope") == {}
        cells.add_packed([("r8", "_p:new")])  # a write forgets what was fetched
        assert cells.value("r8", "_p") == "new"
    finally:
        spill.close()
