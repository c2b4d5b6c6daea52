"""examples/github-actions/nightly.yml: valid for actionlint, and its sync step, run as written
with the installed syncer, syncs a tracker on the loopback emulator and leaves a digest."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import yaml

from syncer.emulator.server import running
from tests.examples.shipped import (
    EXAMPLES,
    bare_env,
    installed,
    run_script,
    service_account,
)
from tests.google.conftest import Google, example_rows, sheet_config

WORKFLOW = EXAMPLES / "github-actions" / "nightly.yml"
EMAIL = "nightly@job-hunt-4.iam.gserviceaccount.com"


def workflow() -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    return loaded


def step(name: str) -> dict[str, Any]:
    (found,) = [s for s in workflow()["jobs"]["sync"]["steps"] if s.get("name") == name]
    return found


def test_actionlint_finds_nothing_to_fix() -> None:
    actionlint = installed("actionlint")
    done = subprocess.run(
        [actionlint, "-no-color", str(WORKFLOW)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


def test_nightly_schedule_secret_variable_and_artifact() -> None:
    flow = workflow()
    triggers = flow[True]  # YAML 1.1 reads the key `on` as True
    assert triggers["schedule"][0]["cron"].split()[2:] == ["*", "*", "*"]
    assert "workflow_dispatch" in triggers
    assert step("Install syncer")["run"].strip() == "pip install syncer-followups"
    env = step("Sync the tracker")["env"]
    assert env["GOOGLE_SERVICE_ACCOUNT_KEY"] == "${{ secrets.GOOGLE_SERVICE_ACCOUNT_KEY }}"
    assert env["TRACKER_URL"] == "${{ vars.TRACKER_URL }}"
    upload = step("Keep the digest")
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"] == "always()" and upload["with"]["path"] == "digest/"


def run_sync_step(
    google: Google, key: str, runner_temp: Path, workspace: Path, **variables: str
) -> subprocess.CompletedProcess[str]:
    """The workflow's sync step, its secret and variables faked, on the loopback emulator."""
    with running(google.emulator) as base_url:
        env = bare_env(
            runner_temp.parent,
            RUNNER_TEMP=str(runner_temp),
            GOOGLE_SERVICE_ACCOUNT_KEY=service_account(google, EMAIL, "job-hunt-4"),
            TRACKER_URL=sheet_config(key).source,
            SYNCER_GOOGLE_ENDPOINT=base_url,
            **variables,
        )
        return run_script(step("Sync the tracker")["run"], env, workspace)


def test_the_sync_step_runs_as_written(google: Google, tmp_path: Path) -> None:
    key = google.sheets.create_spreadsheet(
        "Job hunt", {"Applications": example_rows()}, owner="sam@example.com"
    )
    google.sheets.share(key, EMAIL)
    runner_temp, workspace = tmp_path / "runner-temp", tmp_path / "workspace"
    runner_temp.mkdir()
    workspace.mkdir()
    done = run_sync_step(
        google,
        key,
        runner_temp,
        workspace,
        CANDIDATE_NAME='Sam "Sammy" Rivera',
        TRACKER_TIMEZONE="Europe/London",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    grid = google.sheets.grid(key, "Applications")
    header = grid[0]
    assert "Next Action" in header
    drafts = [row[header.index("Draft")] for row in grid[1:] if len(row) > header.index("Draft")]
    assert any(draft.rstrip().endswith('Sam "Sammy" Rivera') for draft in drafts)
    assert (workspace / "digest" / "digest.html").is_file()
    assert list(runner_temp.glob("*.json")) == [], "the key file is removed after the run"
    writes = [e for e in google.emulator.log if e["path"].endswith("values:batchUpdate")]
    assert writes and all(e["status"] == 200 for e in writes)


def test_the_sync_step_without_its_secret_says_what_to_set(tmp_path: Path) -> None:
    env = bare_env(tmp_path, RUNNER_TEMP=str(tmp_path))
    done = run_script(step("Sync the tracker")["run"], env, tmp_path)
    assert done.returncode == 2
    assert "GOOGLE_SERVICE_ACCOUNT_KEY" in done.stdout and "TRACKER_URL" in done.stdout


def test_a_failed_sync_fails_the_job_and_still_removes_the_key(
    google: Google, tmp_path: Path
) -> None:
    key = google.sheets.create_spreadsheet(
        "Theirs", {"Applications": example_rows()}, owner="x@y.z"
    )
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    done = run_sync_step(google, key, runner_temp, tmp_path)
    assert done.returncode == 1, done.stderr
    assert f"share the sheet with {EMAIL}" in done.stderr
    assert list(runner_temp.glob("*.json")) == []
