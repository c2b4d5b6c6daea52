"""Running the shipped examples' commands as they are: with the installed `syncer`, in a bare
environment, against the loopback emulator."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from syncer.emulator.oauth import make_service_account_key
from tests.google.conftest import Google

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
BIN = Path(sys.executable).parent


def installed(command: str) -> str:
    """The installed command beside this Python (or on PATH); the test is skipped without it."""
    found = shutil.which(command, path=os.pathsep.join([str(BIN), os.environ.get("PATH", "")]))
    if found is None:
        pytest.skip(f"{command} is not installed")
    return found


def service_account(google: Google, email: str, project: str) -> str:
    """A service-account key the emulator trusts, as the JSON text a secret would hold."""
    info, _ = make_service_account_key(email, project)
    google.oauth.register_key_info(info)
    return json.dumps(info)


def bare_env(home: Path, **extra: str) -> dict[str, str]:
    """An environment like a CI runner's or a pod's: the installed syncer first on a bare PATH."""
    installed("syncer")
    return {
        "PATH": f"{BIN}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "SYNCER_STATE_DIR": str(home / "state"),
        **extra,
    }


def run_script(
    script: str, env: dict[str, str], cwd: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script, "script", *args],
        env=env,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
