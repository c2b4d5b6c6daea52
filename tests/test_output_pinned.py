"""The piped --json document of a seeded tracker over several days, pinned byte for byte.

The hashes below were recorded with the code before the nightly speed-ups (branch ``nightly``,
on main at 8717339): settled rows read back from their cells, the state read lazily and each row
encoded by hand must give exactly the document that deciding every row and ``json.dumps`` gave.
The tracker is ``bench/generate.py``'s, seeded; if that generator changes, record them again
with the old code.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, tzinfo
from pathlib import Path

import pytest
from click.testing import CliRunner

from bench.generate import write_csv
from syncer.cli import cli

#: (--today, length of the document, its SHA-256): a first sync, the same day again (every
#: row settled), the next day, a week on, and the new year (every memo ends on 1 January).
PINNED = [
    ("2026-11-26", 464698, "d7a11b23f6c3f5db10f6bb17622a438a83cfb576187399f1b0f18d4bfc7dd91f"),
    ("2026-11-26", 464679, "1b97f3c3190f1dd9d5db1406cb6e9bc54ae9346fc3798bc81b3b56b26c28112e"),
    ("2026-11-27", 467794, "2f72c48ebf77d06d3a256608f5962e84906d4657f622187a96024b672a450ee8"),
    ("2026-12-03", 473986, "3ce1ff95833cb2286b8dfcc4dc5cd45c4f4db2b9a47320044fb35359410f7309"),
    ("2027-01-02", 478869, "fd2f2f2a28153928d522d8a538c90fecafede8c37702beb04e6792626818d9ff"),
]


class _StoppedClock(datetime):
    @classmethod
    def now(cls, tz: tzinfo | None = None) -> _StoppedClock:
        return cls(2026, 11, 26, 2, 0, tzinfo=tz)


def test_the_json_of_a_generated_tracker_is_what_it_always_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One minute for every sync: Last Synced is stamped to the minute, and a sync in the minute
    # of the one before leaves those cells as they are (a cell fewer a planned row); a minute
    # turning between two of these syncs failed the test once.
    monkeypatch.setattr("syncer.sync.datetime", _StoppedClock)
    monkeypatch.chdir(tmp_path)
    write_csv(Path("t.csv"), 3000, date(2026, 11, 26), seed=7)
    where = str(Path("t.csv").resolve())  # the document names the file by its full path
    for day, length, sha256 in PINNED:
        done = CliRunner().invoke(cli, ["sync", "t.csv", "--today", day, "--json", "--force"])
        assert done.exit_code == 0, done.output
        document = done.stdout.replace(where, "t.csv")
        assert (day, len(document)) == (day, length)
        assert hashlib.sha256(document.encode()).hexdigest() == sha256, day
