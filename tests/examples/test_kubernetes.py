"""examples/kubernetes/cronjob.yaml: an Indexed Job whose pod I syncs shard I+1 of N. Its
command, run as written for every index with the installed syncer against the loopback
emulator, syncs every tracker of a coach's roster exactly once, each shard with its own key."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from syncer.emulator.core import Request, Response
from syncer.emulator.server import running
from tests.examples.shipped import EXAMPLES, bare_env, run_script, service_account
from tests.google.conftest import Google, example_rows, sheet_config

MANIFEST = EXAMPLES / "kubernetes" / "cronjob.yaml"
ROSTER = 9
SPREADSHEET = re.compile(r"^/v4/spreadsheets/([^/:]+)")


def cronjob() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    return loaded


def job_spec() -> dict[str, Any]:
    spec: dict[str, Any] = cronjob()["spec"]["jobTemplate"]["spec"]
    return spec


def container() -> dict[str, Any]:
    (found,) = job_spec()["template"]["spec"]["containers"]
    return dict(found)


def manifest_env() -> dict[str, str]:
    return {item["name"]: str(item["value"]) for item in container()["env"]}


def test_an_indexed_job_with_one_shard_per_completion() -> None:
    assert cronjob()["kind"] == "CronJob" and cronjob()["spec"]["concurrencyPolicy"] == "Forbid"
    spec = job_spec()
    assert spec["completionMode"] == "Indexed"
    assert int(manifest_env()["SHARD_COUNT"]) == spec["completions"] == spec["parallelism"]
    command = container()["command"]
    assert command[:2] == ["/bin/sh", "-c"]
    assert '--shard "$shard/$SHARD_COUNT"' in command[2]
    mounts = {mount["mountPath"] for mount in container()["volumeMounts"]}
    env = manifest_env()
    assert {env["SYNCER_KEYS"], env["SYNCER_STATE_DIR"], "/etc/syncer"} <= mounts
    assert env["SYNCER_CONFIG"].startswith("/etc/syncer/")


def test_every_tracker_is_synced_exactly_once_across_the_indexes(
    google: Google, tmp_path: Path
) -> None:
    count = job_spec()["completions"]
    keys_dir = tmp_path / "keys"
    keys_dir.mkdir()
    emails = [f"shard-{n}@coach-project-{n}.iam.gserviceaccount.com" for n in range(1, count + 1)]
    for n, email in enumerate(emails, start=1):
        secret = service_account(google, email, f"coach-project-{n}")
        (keys_dir / f"shard-{n}.json").write_text(secret, encoding="utf-8")
        (keys_dir / f"shard-{n}.json").chmod(0o444)  # as the Secret volume mounts it
    roster = []
    for client in range(ROSTER):
        key = google.sheets.create_spreadsheet(
            f"Client {client}", {"Applications": example_rows()}, owner="coach@example.com"
        )
        for email in emails:  # shared with a Google Group that holds every shard's account
            google.sheets.share(key, email)
        roster.append(key)
    config = tmp_path / "coach.toml"
    config.write_text(
        "".join(
            f'[[trackers]]\nname = "Client {n}"\nsource = "{sheet_config(key).source}"\n'
            for n, key in enumerate(roster)
        ),
        encoding="utf-8",
    )
    callers: list[tuple[str, str]] = []

    def note_caller(request: Request, _response: Response) -> None:
        found = SPREADSHEET.match(request.path)
        if found:
            callers.append((found.group(1), google.emulator.identify(request).email))

    google.emulator.after.append(note_caller)
    script = container()["command"][2]
    touched: list[set[str]] = []
    with running(google.emulator) as base_url:
        for index in range(count):
            state = tmp_path / f"state-{index}"  # the pod's emptyDir
            state.mkdir()
            env = bare_env(
                tmp_path,
                **{
                    **manifest_env(),
                    "JOB_COMPLETION_INDEX": str(index),
                    "SYNCER_CONFIG": str(config),
                    "SYNCER_KEYS": str(keys_dir),
                    "SYNCER_STATE_DIR": str(state),
                    "SYNCER_GOOGLE_ENDPOINT": base_url,
                },
            )
            start = len(callers)
            done = run_script(script, env, tmp_path)
            assert done.returncode == 0, done.stderr
            shard_calls = callers[start:]
            assert {email for _, email in shard_calls} <= {emails[index]}
            touched.append({key for key, _ in shard_calls})
    assert sum(len(keys) for keys in touched) == ROSTER, touched
    assert all(touched), "the roster is large enough for every shard to hold a tracker"
    assert set().union(*touched) == set(roster)
    writes = Counter(
        found.group(1)
        for entry in google.emulator.log
        if entry["path"].endswith("/values:batchUpdate")
        and (found := SPREADSHEET.match(entry["path"]))
    )
    assert writes == Counter({key: 1 for key in roster})
    for key in roster:
        assert "Next Action" in google.sheets.grid(key, "Applications")[0]
