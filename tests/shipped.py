"""Running shipped files as people run them: the installed `syncer`, a cron-like environment,
and the loopback emulator started with `syncer emulator serve`."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.trackers import DEFAULT_HEADERS, as_rows, write_csv

REPO = Path(__file__).resolve().parent.parent
#: The really installed command: the console script next to this interpreter (the venv's bin/).
SYNCER = Path(sys.executable).parent / "syncer"
BARE_PATH = "/usr/bin:/bin"

APPLICATIONS = [
    {
        "Company": "Northwind Traders",
        "Position": "Data Analyst",
        "Stage": "applied",
        "Applied On": "2026-11-12",
    },
    {
        "Company": "Fabrikam",
        "Position": "Backend Engineer",
        "Stage": "interviewed",
        "Interview Date": "2026-11-25",
        "Contact Name": "Dana Lee",
    },
    {"Company": "Contoso", "Position": "Product Manager", "Stage": "wishlist"},
]


def write_tracker(path: Path, records: list[dict[str, object]] | None = None) -> Path:
    """A small .csv tracker with SPEC's headers."""
    records = APPLICATIONS if records is None else records
    return write_csv(path, DEFAULT_HEADERS, as_rows(DEFAULT_HEADERS, records))


def cron_environment(home: Path, **extra: str) -> dict[str, str]:
    """What cron gives a job (`env -i` plus a bare PATH and HOME), and ``extra``."""
    return {"PATH": BARE_PATH, "HOME": str(home), "LANG": "C.UTF-8", **extra}


def run_like_cron(
    command: list[str], environment: Mapping[str, str], *, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` through `env -i` with only ``environment``: no terminal, no stdin."""
    assignments = [f"{key}={value}" for key, value in environment.items()]
    return subprocess.run(
        ["/usr/bin/env", "-i", *assignments, *command],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
    )


def json_lines(text: str) -> list[dict[str, object]]:
    """Every line of ``text`` as a JSON object (fails on the first line that is not one)."""
    records = []
    for line in text.splitlines():
        record = json.loads(line)
        assert isinstance(record, dict), line
        records.append(record)
    return records


@dataclass
class ServedEmulator:
    base_url: str
    urls: dict[str, str]  # loaded file name -> its spreadsheet URL
    request_log: Path

    def key(self, name: str) -> str:
        match = re.search(r"/d/([^/]+)/", self.urls[name])
        assert match, self.urls[name]
        return match.group(1)

    def requests(self) -> list[dict[str, object]]:
        if not self.request_log.exists():
            return []
        return json_lines(self.request_log.read_text(encoding="utf-8"))


@contextmanager
def served_emulator(folder: Path, *trackers: Path) -> Iterator[ServedEmulator]:
    """`syncer emulator serve --load ...` on a free loopback port, stopped afterwards."""
    request_log = folder / "requests.jsonl"
    command = [str(SYNCER), "emulator", "serve", "--request-log", str(request_log)]
    for tracker in trackers:
        command += ["--load", str(tracker)]
    process = subprocess.Popen(
        command,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=cron_environment(folder),
    )
    try:
        assert process.stdout is not None
        urls: dict[str, str] = {}
        for _ in trackers:
            loaded = re.fullmatch(r"loaded (.+) as (\S+)\n", process.stdout.readline())
            assert loaded, "the emulator did not load the tracker"
            urls[Path(loaded.group(1)).name] = loaded.group(2)
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:"), base_url
        yield ServedEmulator(base_url, urls, request_log)
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
