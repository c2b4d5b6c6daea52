"""cron/: the nightly wrapper, the crontab line and the systemd units, run as shipped.

Each runs the real file with the installed `syncer` over real trackers (a local .csv and a sheet
on the loopback emulator from `syncer emulator serve`), in cron's environment: `env -i`, a bare
PATH, no terminal, no stdin.
"""

from __future__ import annotations

import csv
import fcntl
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from syncer.lock import LOCK_NAME, RunLock
from tests.shipped import (
    SYNCER,
    ServedEmulator,
    cron_environment,
    json_lines,
    run_like_cron,
    served_emulator,
    write_tracker,
)

REPO = Path(__file__).resolve().parent.parent
CRON = REPO / "cron"
WRAPPER = CRON / "syncer-nightly.sh"


def test_cron_files_exist():
    for name in ["syncer-nightly.sh", "crontab.example", "syncer.service", "syncer.timer"]:
        assert (CRON / name).is_file(), name
    assert (CRON / "README.md").read_text(encoding="utf-8").count("systemctl") >= 2
    assert WRAPPER.stat().st_mode & stat.S_IXUSR


def test_wrapper_is_valid_bash_in_strict_mode():
    subprocess.run(["bash", "-n", str(WRAPPER)], check=True)
    text = WRAPPER.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text


def schedule_lines() -> list[str]:
    text = (CRON / "crontab.example").read_text(encoding="utf-8")
    return [
        line
        for line in text.splitlines()
        if line.strip() and not line.startswith("#") and not re.match(r"^\w+=", line)
    ]


def test_crontab_runs_the_repo_wrapper_nightly_under_flock():
    (line,) = schedule_lines()
    minute, hour, day, month, weekday, *command = line.split()
    assert minute.isdigit() and hour.isdigit() and (day, month, weekday) == ("*", "*", "*")
    assert command[:2] == ["flock", "-n"] and "/tmp/syncer.lock" in command
    assert command[command.index("-E") + 1] == "75"
    wrapper = Path(command[-1])
    assert wrapper.parts[-2:] == ("cron", "syncer-nightly.sh")
    assert (REPO / Path(*wrapper.parts[-2:])).is_file()


def unit_settings(name: str) -> dict[str, list[str]]:
    settings: dict[str, list[str]] = {}
    for line in (CRON / name).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", ";")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def test_service_runs_the_wrapper_once_with_hardening():
    service = unit_settings("syncer.service")
    assert service["Type"] == ["oneshot"]
    (exec_start,) = service["ExecStart"]
    assert exec_start.endswith("cron/syncer-nightly.sh")
    assert service["EnvironmentFile"][0].lstrip("-") == "/etc/syncer/env"
    assert service["NoNewPrivileges"] == ["yes"]
    assert service["ProtectSystem"] == ["strict"]
    assert service["PrivateTmp"] == ["yes"]
    writable = service["ReadWritePaths"][0].split()
    assert "/var/lib/syncer" in writable and "/var/log/syncer" in writable
    log_file = dict(value.split("=", 1) for value in service["Environment"])["SYNCER_LOG_FILE"]
    assert any(log_file.startswith(folder + "/") for folder in writable)


def test_timer_is_nightly_and_persistent():
    timer = unit_settings("syncer.timer")
    assert timer["Persistent"] == ["true"]
    assert timer["OnCalendar"] and timer["RandomizedDelaySec"]
    assert timer["Unit"] == ["syncer.service"]
    assert timer["WantedBy"] == ["timers.target"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze missing")
def test_units_pass_systemd_analyze_verify(tmp_path: Path):
    service = (CRON / "syncer.service").read_text(encoding="utf-8")
    # Point ExecStart at this checkout and run as root: the test machine has no syncer user.
    service = re.sub(r"(?m)^ExecStart=.*$", f"ExecStart={WRAPPER}", service)
    service = re.sub(r"(?m)^(User|Group)=.*$", r"\1=root", service)
    (tmp_path / "syncer.service").write_text(service, encoding="utf-8")
    shutil.copy(CRON / "syncer.timer", tmp_path / "syncer.timer")
    run = subprocess.run(
        ["systemd-analyze", "verify", "syncer.service", "syncer.timer"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    problems = [line for line in run.stderr.splitlines() if "syncer." in line]
    assert run.returncode == 0 and problems == [], run.stderr


TODAY = "2026-11-26"
DAY = ("--today", TODAY)


class Night:
    """A coach's set-up as cron/README.md describes it, in a temp folder: an env file, a config
    with a local tracker and a Google Sheets tracker on the loopback emulator."""

    def __init__(self, root: Path, emulator: ServedEmulator) -> None:
        self.root = root
        self.emulator = emulator
        self.local = root / "trackers" / "alex.csv"
        self.local.parent.mkdir()
        write_tracker(self.local)
        self.state = root / "home" / ".local" / "state" / "syncer"
        self.log_file = root / "logs" / "syncer.log"
        self.report_file = self.log_file.with_name("last-report.txt")
        self.digest = root / "digest"
        self.config = root / "coach config.toml"
        self.config.write_text(
            "[[trackers]]\n"
            'name = "Alex Chen"\n'
            'source = "trackers/alex.csv"\n'
            "[[trackers]]\n"
            'name = "Jo Park"\n'
            f'source = "{emulator.urls["jo.csv"]}"\n',
            encoding="utf-8",
        )
        self.env_file = root / "env"
        self.write_env()

    def write_env(self, **overrides: str) -> None:
        settings = {
            "SYNCER_CONFIG": shlex.quote(str(self.config)),
            "SYNCER_LOG_FILE": str(self.log_file),
            "SYNCER_DIGEST_DIR": str(self.digest),
            "SYNCER_BIN_DIR": str(SYNCER.parent),
            "SYNCER_GOOGLE_ENDPOINT": self.emulator.base_url,
            **overrides,
        }
        lines = [f"{key}={value}" for key, value in settings.items() if value]
        self.env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def environment(self, **extra: str) -> dict[str, str]:
        return cron_environment(
            self.root / "home", **{"SYNCER_ENV_FILE": str(self.env_file), **extra}
        )

    def wrapper(self, *arguments: str, **extra: str) -> subprocess.CompletedProcess[str]:
        return run_like_cron([str(WRAPPER), *arguments], self.environment(**extra))

    def log_records(self) -> list[dict[str, object]]:
        return json_lines(self.log_file.read_text(encoding="utf-8"))

    def local_header(self) -> list[str]:
        with self.local.open(newline="", encoding="utf-8") as handle:
            return next(csv.reader(handle))

    def sheet_status(self) -> str:
        """The Sheets tracker's status in a dry run now: "unchanged" once a run wrote it."""
        check = run_like_cron(
            [str(SYNCER), "sync", self.emulator.urls["jo.csv"], "--json", "--dry-run", *DAY],
            cron_environment(self.root / "home", SYNCER_GOOGLE_ENDPOINT=self.emulator.base_url),
        )
        assert check.returncode == 0, check.stderr
        (tracker,) = json.loads(check.stdout)["trackers"]
        return str(tracker["status"])


@pytest.fixture
def night(tmp_path: Path) -> Iterator[Night]:
    sheet = write_tracker(tmp_path / "jo.csv")
    with served_emulator(tmp_path, sheet) as emulator:
        yield Night(tmp_path, emulator)


def test_the_installed_syncer_is_the_one_tested() -> None:
    assert SYNCER.is_file() and os.access(SYNCER, os.X_OK), SYNCER


def test_a_night_syncs_every_tracker_quietly_with_only_json_in_the_log(night: Night) -> None:
    assert night.sheet_status() == "would_change"
    run = night.wrapper("--today", TODAY)
    assert run.returncode == 0, (run.stderr, night.log_file.read_text())
    assert run.stdout == run.stderr == "", "a quiet success: cron sends no mail"
    records = night.log_records()  # every line of the log is one JSON object
    assert records[-1]["logger"] == "syncer-nightly"
    assert (records[-1]["outcome"], records[-1]["exit_code"]) == ("ok", 0)
    summary = next(record for record in records if record.get("event") == "summary")
    assert (summary["trackers"], summary["synced"], summary["failed"]) == (2, 2, 0)
    assert "Next Action" in night.local_header()
    assert night.sheet_status() == "unchanged", "the sheet was written"
    assert [r for r in night.emulator.requests() if "batchUpdate" in str(r["path"])]
    report = night.report_file.read_text(encoding="utf-8")
    assert "Alex Chen (" in report and "Jo Park (" in report and "Due today" in report
    assert (night.digest / "digest.html").is_file()


def test_the_log_grows_night_after_night(night: Night) -> None:
    assert night.wrapper("--today", TODAY).returncode == 0
    first = len(night.log_records())
    second = night.wrapper("--today", TODAY)
    assert second.returncode == 0, second.stderr
    records = night.log_records()
    assert len(records) > first
    summary = [record for record in records if record.get("event") == "summary"][-1]
    assert (summary["synced"], summary["unchanged"]) == (0, 2)


def test_extra_arguments_reach_syncer(night: Night) -> None:
    before = night.local.read_bytes()
    run = night.wrapper("--today", TODAY, "--dry-run")
    assert run.returncode == 0, run.stderr
    assert night.local.read_bytes() == before
    assert night.sheet_status() == "would_change"
    assert "dry run, nothing written" in night.report_file.read_text(encoding="utf-8") or any(
        "dry run" in str(record.get("message")) for record in night.log_records()
    )


@pytest.mark.parametrize(
    ("breakage", "code", "outcome", "words"),
    [
        ("missing tracker", 1, "partial", "some trackers failed"),
        ("bad config", 2, "config-error", "config error"),
    ],
)
def test_a_bad_night_keeps_syncers_exit_status_and_says_so_once(
    night: Night, breakage: str, code: int, outcome: str, words: str
) -> None:
    if breakage == "missing tracker":
        night.local.unlink()
    else:
        night.config.write_text("[[trackers]]\nsorce = 'x.csv'\n", encoding="utf-8")
    run = night.wrapper("--today", TODAY)
    assert run.returncode == code, run.stderr
    assert run.stdout == ""
    (line,) = run.stderr.splitlines()
    assert words in line and str(night.log_file) in line
    records = night.log_records()
    assert (records[-1]["outcome"], records[-1]["exit_code"]) == (outcome, code)
    if breakage == "missing tracker":
        failed = next(record for record in records if record.get("event") == "tracker failed")
        assert failed["source"] == str(night.local)
        assert night.sheet_status() == "unchanged", "the other tracker was synced"


def test_a_night_while_another_run_holds_the_lock_exits_75(night: Night) -> None:
    with RunLock(night.state / LOCK_NAME):
        run = night.wrapper("--today", TODAY)
    assert run.returncode == 75, run.stderr
    assert night.log_records()[-1]["outcome"] == "locked"
    assert "Next Action" not in night.local_header()


def test_wrapper_without_config_is_a_config_error(night: Night) -> None:
    night.write_env(SYNCER_CONFIG="")
    run = night.wrapper()
    assert run.returncode == 2
    assert "SYNCER_CONFIG is not set" in run.stderr
    assert not night.log_file.exists()


def test_wrapper_with_a_missing_env_file_is_a_config_error(night: Night) -> None:
    run = night.wrapper(SYNCER_ENV_FILE=str(night.root / "nope"))
    assert run.returncode == 2
    assert "nope" in run.stderr


def test_wrapper_reports_a_missing_syncer(night: Night) -> None:
    if shutil.which("syncer", path=f"/usr/local/bin:/usr/bin:/bin:{night.root}/home/.local/bin"):
        pytest.skip("a syncer is installed on the standard PATH")
    night.write_env(SYNCER_BIN_DIR=str(night.root / "no-such-folder"))
    run = night.wrapper()
    assert run.returncode == 127
    assert "SYNCER_BIN_DIR" in run.stderr


def test_the_crontab_line_runs_a_night(night: Night) -> None:
    text = (CRON / "crontab.example").read_text(encoding="utf-8")
    assignments = dict(re.findall(r"(?m)^(\w+)=(.*)$", text))
    assert assignments["SYNCER_ENV_FILE"] == "/etc/syncer/env"
    (line,) = schedule_lines()
    command = " ".join(line.split()[5:])
    command = command.replace("/opt/syncer/cron/", f"{CRON}/")
    command = command.replace("/tmp/syncer.lock", str(night.root / "cron.lock"))
    environment = night.environment()  # cron sets the crontab's assignments, the env file here
    environment.update({k: v for k, v in assignments.items() if k != "SYNCER_ENV_FILE"})
    run = run_like_cron(["/bin/sh", "-c", command + f" --today {TODAY}"], environment)
    assert run.returncode == 0, run.stderr
    assert run.stdout == run.stderr == ""
    assert night.log_records()[-1]["outcome"] == "ok"
    with (night.root / "cron.lock").open() as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again after the run
        skipped = run_like_cron(["/bin/sh", "-c", command], environment)
    assert skipped.returncode == 75, "flock -n -E 75 skips a night while the last one runs"


def test_the_service_exec_start_runs_a_night(night: Night) -> None:
    service = unit_settings("syncer.service")
    (exec_start,) = service["ExecStart"]
    command = shlex.split(exec_start.replace("/opt/syncer/cron/", f"{CRON}/"))
    (environment_file,) = service["EnvironmentFile"]
    assert environment_file.lstrip("-") == "/etc/syncer/env"
    environment = cron_environment(night.root / "home")
    for line in night.env_file.read_text(encoding="utf-8").splitlines():
        key, value = line.split("=", 1)  # systemd reads the env file itself
        environment[key] = value.strip("'")
    unit_environment = dict(value.split("=", 1) for value in service["Environment"])
    assert unit_environment["SYNCER_LOG_FILE"] == "/var/log/syncer/syncer.log"
    environment["SYNCER_LOG_FILE"] = str(night.log_file)  # LogsDirectory= outside a test
    run = run_like_cron([*command, "--today", TODAY], environment)
    assert run.returncode == 0, run.stderr
    assert run.stdout == run.stderr == ""
    assert night.log_records()[-1]["outcome"] == "ok"
    assert night.sheet_status() == "unchanged"
