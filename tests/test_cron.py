"""cron/: the nightly wrapper (run for real against a fake `syncer`), crontab and systemd units."""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CRON = REPO / "cron"
WRAPPER = CRON / "syncer-nightly.sh"

FAKE_SYNCER = """\
#!/usr/bin/env bash
# Records its arguments, one per line, then exits with $FAKE_SYNCER_EXIT.
printf '%s\\n' "$@" > "$FAKE_SYNCER_ARGV"
echo '{"event": "fake syncer ran"}'
exit "${FAKE_SYNCER_EXIT:-0}"
"""


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


class Wrapper:
    """Runs cron/syncer-nightly.sh with a fake `syncer` that records its arguments."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bin_dir = root / "bin"
        self.bin_dir.mkdir()
        fake = self.bin_dir / "syncer"
        fake.write_text(FAKE_SYNCER, encoding="utf-8")
        fake.chmod(0o755)
        self.argv_file = root / "argv.txt"
        self.log_file = root / "logs" / "syncer.log"
        self.config = root / "coach config.toml"
        self.env_file = root / "env"
        self.env_file.write_text(
            f"SYNCER_CONFIG='{self.config}'\n"
            f"SYNCER_LOG_FILE={self.log_file}\n"
            f"SYNCER_BIN_DIR={self.bin_dir}\n",
            encoding="utf-8",
        )

    def run(
        self, *arguments: str, exit_code: int = 0, **extra_env: str
    ) -> subprocess.CompletedProcess[str]:
        environment = {
            "PATH": "/usr/bin:/bin",
            "HOME": str(self.root),
            "SYNCER_ENV_FILE": str(self.env_file),
            "FAKE_SYNCER_ARGV": str(self.argv_file),
            "FAKE_SYNCER_EXIT": str(exit_code),
            **extra_env,
        }
        return subprocess.run(
            [str(WRAPPER), *arguments],
            env=environment,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def argv(self) -> list[str]:
        return self.argv_file.read_text(encoding="utf-8").splitlines()

    def log_records(self) -> list[dict[str, object]]:
        lines = self.log_file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines]


@pytest.fixture
def wrapper(tmp_path: Path) -> Wrapper:
    return Wrapper(tmp_path)


@pytest.mark.skipif(os.name != "posix", reason="bash wrapper")
@pytest.mark.parametrize(
    ("code", "outcome", "words"),
    [
        (0, "ok", "all trackers synced"),
        (1, "partial", "some trackers failed"),
        (2, "config-error", "config error"),
        (75, "locked", "another syncer run holds the lock"),
        (3, "error", "unexpected status 3"),
    ],
)
def test_wrapper_runs_syncer_and_keeps_its_exit_status(wrapper, code, outcome, words):
    run = wrapper.run(exit_code=code)
    assert run.returncode == code, run.stderr
    assert wrapper.argv() == ["sync", "--config", str(wrapper.config), "--log-format", "json"]
    fake_output, summary = wrapper.log_records()
    assert fake_output == {"event": "fake syncer ran"}
    assert (summary["outcome"], summary["exit_code"]) == (outcome, code)
    assert words in str(summary["message"])
    if code == 0:
        assert run.stdout == run.stderr == ""
    else:
        assert words in run.stderr and str(wrapper.log_file) in run.stderr


def test_wrapper_appends_to_the_log_and_passes_digest_and_extra_arguments(wrapper):
    wrapper.run()
    digest_dir = wrapper.root / "digest"
    run = wrapper.run("--today", "2024-05-08", SYNCER_DIGEST_DIR=str(digest_dir))
    assert run.returncode == 0, run.stderr
    assert wrapper.argv() == [
        "sync",
        "--config",
        str(wrapper.config),
        "--log-format",
        "json",
        "--digest",
        str(digest_dir),
        "--today",
        "2024-05-08",
    ]
    assert len(wrapper.log_records()) == 4


def test_wrapper_without_config_is_a_config_error(wrapper):
    wrapper.env_file.write_text(f"SYNCER_BIN_DIR={wrapper.bin_dir}\n", encoding="utf-8")
    run = wrapper.run()
    assert run.returncode == 2
    assert "SYNCER_CONFIG is not set" in run.stderr
    assert not wrapper.argv_file.exists()


def test_wrapper_with_a_missing_env_file_is_a_config_error(wrapper):
    run = wrapper.run(SYNCER_ENV_FILE=str(wrapper.root / "nope"))
    assert run.returncode == 2
    assert "nope" in run.stderr
    assert not wrapper.argv_file.exists()


def test_wrapper_reports_a_missing_syncer(wrapper):
    if shutil.which("syncer", path="/usr/local/bin:/usr/bin:/bin"):
        pytest.skip("a real syncer is installed on the standard PATH")
    (wrapper.bin_dir / "syncer").unlink()
    run = wrapper.run()
    assert run.returncode == 127
    assert "SYNCER_BIN_DIR" in run.stderr
