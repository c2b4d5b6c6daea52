"""README's Quick start stays two commands and stays true; "Your own tracker" runs as shown."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from syncer.demo import DEMO_FOLDER, DEMO_TRACKER

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def section(title: str) -> str:
    match = re.search(rf"^## {title}\n(.*?)(?=^## )", README, flags=re.MULTILINE | re.DOTALL)
    assert match is not None, title
    return match.group(1)


def sh_blocks(text: str) -> list[list[str]]:
    """The fenced sh blocks of ``text``, as their non-blank lines."""
    blocks = re.findall(r"```sh\n(.*?)```", text, flags=re.DOTALL)
    return [[line for line in block.splitlines() if line.strip()] for block in blocks]


def test_the_quick_start_is_two_commands() -> None:
    quick = section("Quick start").split("Your own tracker:")[0]
    blocks = sh_blocks(quick)
    assert [len(block) for block in blocks] == [1, 1]
    demo, tests = (block[0] for block in blocks)
    assert demo == "python3 -m venv .venv && .venv/bin/pip install . && .venv/bin/syncer demo"
    assert tests.startswith("python3 -m venv .venv && .venv/bin/pip install '.[test]'")


def test_the_quick_start_names_what_the_demo_writes_and_the_package() -> None:
    quick = section("Quick start")
    assert f"`{DEMO_FOLDER / DEMO_TRACKER}`" in quick
    name = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    assert f"`pip install {name}`" in quick
    for text in (README, (REPO / "cron" / "README.md").read_text(encoding="utf-8")):
        installs = re.findall(r"pip install\s+([\w.\-\[\]'\"=]+)", text)
        from_index = [arg for arg in installs if not arg.startswith(("'.", "."))]
        assert from_index and all(arg.strip("'\"") == name for arg in from_index), from_index


def test_your_own_tracker_commands_run_as_shown(tmp_path: Path) -> None:
    if not (BIN / "syncer").exists():
        pytest.skip("syncer is not installed beside this Python")
    quick = section("Quick start").split("Your own tracker:")[1]
    (commands,) = sh_blocks(quick)
    assert len(commands) == 3
    for line in commands:
        argv = shlex.split(line, comments=True)
        assert argv[0] == ".venv/bin/syncer"
        done = subprocess.run(
            [str(BIN / "syncer"), *argv[1:]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, (line, done.stdout, done.stderr)
    assert (tmp_path / "tracker.xlsx").is_file()
    kept = (tmp_path / "tracker.xlsx.syncer.toml").read_text(encoding="utf-8")
    assert tomllib.loads(kept) == {"candidate_name": "Sam Rivera"}
