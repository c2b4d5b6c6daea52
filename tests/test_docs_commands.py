"""Every command in the docs' ```sh blocks runs, with the installed syncer, so the docs cannot
drift: README.md, cron/README.md, docs/*.md and examples/**/README.md.

Each document's commands run in order in one temp folder (a later command may use what an
earlier one made), through bash, with the installed `syncer` first on PATH and as
`.venv/bin/syncer` (the quick start's own virtualenv). Google commands go to the loopback
emulator (`syncer emulator serve`, SYNCER_GOOGLE_ENDPOINT) holding examples/tracker.csv. Only
documented placeholders are substituted: KEY and the URL around it, and the emulator's example
port. A command that cannot run here is in NOT_RUN with the reason, and NOT_RUN must match a
command in the docs (so it cannot rot either).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.shipped import REPO, SYNCER, served_emulator

EXAMPLE_TRACKER = REPO / "examples" / "tracker.csv"

#: Commands (regular expressions matched against the whole command) not run, and why.
NOT_RUN: dict[str, str] = {
    r"python3(\.11)? -m venv \S+": "makes a virtualenv; the tests run in one already",
    r"\S*pip install .*": "installs from the package index or this checkout: CI does that",
    r"\.venv/bin/python -m pytest": "the test suite itself",
    r"(sudo )?(systemctl|journalctl) .*": "needs a running systemd as PID 1",
    r"useradd .*": "creates a system user",
    r"(chown|chgrp|chmod) .* /etc/syncer/\S+|chown -R syncer: /var/lib/syncer": (
        "changes system files' owners and modes"
    ),
    r"cp cron/syncer\.service cron/syncer\.timer /etc/systemd/system/": "installs system units",
    r"systemd-analyze verify /etc/systemd/system/syncer\.service": (
        "verifies the installed unit: tests/test_cron.py verifies the shipped one"
    ),
    r"crontab -e": "opens an editor on the user's crontab: tests/test_cron.py runs its line",
    r"(SYNCER_ENV_FILE=/etc/syncer/env )?/?\S*cron/syncer-nightly\.sh.*": (
        "needs /etc/syncer/env: tests/test_cron.py runs the wrapper with an env file of its own"
    ),
    r"tail -n 3 /var/log/syncer/syncer\.log": "reads last night's system log",
    r"kubectl .*": (
        "needs a Kubernetes cluster: the CronJob's command is run per index by the example's test"
    ),
    r"(SYNCER_\w+|GOOGLE_APPLICATION_CREDENTIALS)=/\S+": (
        "a line of the env file (/etc/syncer/env), not a command"
    ),
}

#: Files the docs assume the person has written before these commands.
FIXTURES = {
    "me.toml": '[defaults]\ntimezone = "Europe/London"\n',
    "tracker.csv": EXAMPLE_TRACKER.read_text(encoding="utf-8"),
}
#: Files the docs assume in the home folder (the key file Google Cloud's console downloads).
HOME_FIXTURES = {"Downloads/job-hunt-0123456789ab.json": '{"type": "service_account"}\n'}


def documents() -> list[Path]:
    found = [REPO / "README.md", REPO / "cron" / "README.md"]
    found += sorted((REPO / "docs").glob("*.md"))
    found += sorted((REPO / "examples").glob("**/README.md"))
    return [path for path in found if path.is_file()]


def sh_blocks(text: str) -> list[str]:
    return [
        "\n".join(line[len(indent) :] for line in body.splitlines())
        for indent, body in re.findall(r"(?m)^( *)```(?:sh|bash|shell)\n(.*?)^ *```", text, re.S)
    ]


def commands(block: str) -> Iterator[str]:
    """The commands of a block: continuation lines joined, comments and blanks dropped, a
    chain (a && b) split into its parts."""
    for line in block.replace("\\\n", " ").splitlines():
        line = re.sub(r"(^|\s)#.*$", "", line).strip()
        if line:
            yield from (part.strip() for part in line.split(" && "))


def reason_not_run(command: str) -> str | None:
    for pattern, reason in NOT_RUN.items():
        if re.fullmatch(pattern, command):
            return reason
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Shell:
    folder: Path
    environment: dict[str, str]
    url: str
    key: str
    port: int
    background: list[subprocess.Popen[str]]

    def substitute(self, command: str) -> str:
        command = command.replace("https://docs.google.com/spreadsheets/d/KEY/edit", self.url)
        command = re.sub(r"\bKEY\b", self.key, command)
        return command.replace("8765", str(self.port))  # the emulator's example port

    def run(self, command: str) -> subprocess.CompletedProcess[str] | None:
        command = self.substitute(command)
        if command.endswith("&"):  # a server: started, and waited for until it serves
            process = subprocess.Popen(
                ["bash", "-c", f"exec {command[:-1]}"],
                cwd=self.folder,
                env=self.environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            self.background.append(process)
            assert process.stdout is not None
            for line in process.stdout:
                if line.startswith("loaded "):
                    self.key = re.findall(r"/d/([^/]+)/", line)[0]
                if line.startswith("http://"):
                    return None
            raise AssertionError(f"{command}: the server did not start")
        return subprocess.run(
            ["bash", "-c", command],
            cwd=self.folder,
            env=self.environment,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def test_the_docs_have_commands_and_every_not_run_entry_is_used() -> None:
    every = [c for doc in documents() for b in sh_blocks(doc.read_text()) for c in commands(b)]
    assert len(every) >= 10
    for pattern in NOT_RUN:
        assert any(re.fullmatch(pattern, command) for command in every), pattern


@pytest.mark.parametrize("document", documents(), ids=lambda path: str(path.relative_to(REPO)))
def test_every_command_in_the_doc_runs(tmp_path: Path, document: Path) -> None:
    folder = tmp_path / "work"
    folder.mkdir()
    for name, text in FIXTURES.items():
        (folder / name).write_text(text, encoding="utf-8")
    for name, text in HOME_FIXTURES.items():
        (tmp_path / "home" / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / "home" / name).write_text(text, encoding="utf-8")
    bin_dir = folder / ".venv" / "bin"  # the quick start's virtualenv
    bin_dir.mkdir(parents=True)
    (bin_dir / "syncer").symlink_to(SYNCER)
    sheet = tmp_path / "tracker.csv"
    shutil.copy(EXAMPLE_TRACKER, sheet)
    with served_emulator(tmp_path, sheet) as emulator:
        environment = {
            "PATH": f"{SYNCER.parent}:/usr/bin:/bin",
            "HOME": str(tmp_path / "home"),
            "LANG": "C.UTF-8",
            "SYNCER_STATE_DIR": str(tmp_path / "state"),
            "SYNCER_GOOGLE_ENDPOINT": emulator.base_url,
        }
        shell = Shell(
            folder,
            environment,
            emulator.urls["tracker.csv"],
            emulator.key("tracker.csv"),
            free_port(),
            [],
        )
        ran = 0
        try:
            for block in sh_blocks(document.read_text(encoding="utf-8")):
                for command in commands(block):
                    if reason_not_run(command):
                        continue
                    done = shell.run(command)
                    ran += 1
                    if done is not None:
                        assert done.returncode == 0, (command, done.stdout, done.stderr)
                        assert "Traceback" not in done.stderr, (command, done.stderr)
        finally:
            for process in shell.background:
                process.terminate()
                process.wait(timeout=30)
                if process.stdout is not None:
                    process.stdout.close()
    commands_in_doc = [c for b in sh_blocks(document.read_text()) for c in commands(b)]
    if any(not reason_not_run(command) for command in commands_in_doc):
        assert ran, "commands were run"
    assert os.listdir(folder)
