"""The README's examples are true: its config parses, its quick start is what CI runs."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from syncer.config import parse_config

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def toml_blocks() -> list[str]:
    return re.findall(r"```toml\n(.*?)```", README, flags=re.DOTALL)


def test_the_readme_config_examples_pass_the_schema(tmp_path: Path) -> None:
    blocks = toml_blocks()
    assert len(blocks) >= 2
    for block in blocks:
        data = tomllib.loads(block)
        config = parse_config(data, "README.md", tmp_path)
        if "trackers" in data:
            assert len(config.trackers) == len(data["trackers"])


def test_the_full_example_sets_what_the_readme_says() -> None:
    full = next(block for block in toml_blocks() if "[[trackers]]" in block)
    config = parse_config(tomllib.loads(full), "README.md", REPO)
    assert config.dashboard and config.configured_quotas is not None
    assert config.trackers[1].policy.feedback_wait_days == 5
    assert config.trackers[0].drafts == "column"


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    pattern = r"python3 -m venv \.venv && \.venv/bin/pip install '\.\[test\]'[^`\n]*"
    command = re.search(pattern, README)
    assert command is not None
    assert command.group(0).strip() in ci
    assert ci.rstrip().endswith(command.group(0).strip()), "its summary line closes the run"


def test_ci_also_runs_the_google_tests_on_the_lowest_gspread() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    lowest = re.search(r'"gspread>=([0-9.]+),', pyproject)
    assert lowest is not None
    assert f"'gspread=={lowest.group(1)}.0'" in ci
    assert ".venv-gspread61/bin/python -m pytest tests/google" in ci
