"""The bad-input catalogue, a coach's template folder: no template reads a file outside it.

Each escape is typed into the coach's ``follow_up.email.j2`` (the row below is due for a follow-
up, so that template renders). The tracker fails with a message naming it and the template, the
tracker's file is untouched, and the secret text appears nowhere: not in the tracker, the run's
output or the journal.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from syncer.config import TrackerConfig
from syncer.sync import sync_tracker
from tests.catalogue.helpers import (
    BASE_HEADER,
    assert_tracker_failed,
    csv_file,
    sync,
    xlsx_cells,
    xlsx_file,
)
from tests.google.conftest import OPTIONS, Google, sheet_config

SECRET = "TOPSECRET-4711"
ROWS = [["Acme", "Dev", "applied", "2026-11-18", "note", "mine"]]

ESCAPES = {
    "absolute include": "{% include '/etc/passwd' %}",
    "absolute include of the secret": "{% include '{secret}' %}",
    "dot-dot include": "{% include '../secret.txt' %}",
    "dot-dot in the middle": "{% include 'sub/../../secret.txt' %}",
    "dot-dot import": "{% import '../secret.txt' as secret %}{{ secret }}",
    "dot-dot extends": "{% extends '../secret.txt' %}",
    "absolute extends": "{% extends '{secret}' %}",
    "backslash": "{% include '..\\\\secret.txt' %}",
    "include of a link out": "{% include 'link.inc' %}",
    "include through a linked folder": "{% include 'linked/secret.txt' %}",
    "class mro": "{{ ''.__class__.__mro__ }}",
    "subclasses": "{{ company.__class__.__base__.__subclasses__() }}",
    "function globals": "{{ placeholder.__globals__ }}",
    "filter globals": "{{ (company|attr('__class__')).__mro__ }}",
    "format string": "{{ '{0.__class__}'.format(company) }}",
    "format string globals": "{{ '{0.__globals__}'.format(placeholder) }}",
    "format keyword": "{{ '{x.__class__.__mro__}'.format(x=company) }}",
    "format_map": "{{ '{x.__class__}'.format_map({'x': company}) }}",
}


def coach_folder(tmp_path: Path, template: str) -> Path:
    """A template folder beside a secret file, with a link out and a linked folder out."""
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET + "\n", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    folder = tmp_path / "coach-templates"
    folder.mkdir()
    (folder / "follow_up.email.j2").write_text(
        template.replace("{secret}", str(secret)), encoding="utf-8"
    )
    os.symlink(secret, folder / "link.inc")
    os.symlink(outside, folder / "linked")
    return folder


def config_with_templates(tmp_path: Path, source: Path, folder: Path) -> Path:
    path = tmp_path / "syncer.toml"
    path.write_text(
        f'[[trackers]]\nsource = "{source.name}"\ntemplates = "{folder.name}"\n', encoding="utf-8"
    )
    return path


def assert_secret_nowhere(tmp_path: Path, *texts: str) -> None:
    for text in texts:
        assert SECRET not in text and "root:x:0:0" not in text
    for path in tmp_path.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.name != "secret.txt":
            data = path.read_bytes()
            assert SECRET.encode() not in data and b"root:x:0:0" not in data, path


@pytest.mark.parametrize("template", ESCAPES.values(), ids=ESCAPES.keys())
def test_a_template_escape_fails_the_csv_tracker_and_reads_nothing(
    tmp_path: Path, template: str
) -> None:
    path = csv_file(tmp_path / "tracker.csv", BASE_HEADER, ROWS)
    before = path.read_bytes()
    folder = coach_folder(tmp_path, template)

    run = sync(config=config_with_templates(tmp_path, path, folder))

    failed = assert_tracker_failed(run, path, "draft template", "follow_up.email.j2")
    assert "refused" in failed or "unsafe" in failed, failed
    assert path.read_bytes() == before
    assert_secret_nowhere(tmp_path, run.output)


def test_a_template_that_is_itself_a_link_out_is_refused(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "tracker.csv", BASE_HEADER, ROWS)
    before = path.read_bytes()
    folder = coach_folder(tmp_path, "Hello {{ company }}")
    (folder / "follow_up.email.j2").unlink()
    os.symlink(tmp_path / "secret.txt", folder / "follow_up.email.j2")

    run = sync(config=config_with_templates(tmp_path, path, folder))

    assert_tracker_failed(run, path, "follow_up.email.j2", "refused", "outside the folder")
    assert path.read_bytes() == before
    assert_secret_nowhere(tmp_path, run.output)


def test_links_and_includes_inside_the_folder_still_work(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "tracker.csv", BASE_HEADER, ROWS)
    folder = coach_folder(tmp_path, "{% include 'parts/greeting.j2' %} {% include 'alias.j2' %}")
    (folder / "parts").mkdir()
    (folder / "parts" / "greeting.j2").write_text("Hello {{ company }}", encoding="utf-8")
    (folder / "sign.j2").write_text("Best, Sam", encoding="utf-8")
    os.symlink(folder / "sign.j2", folder / "alias.j2")

    run = sync(config=config_with_templates(tmp_path, path, folder))

    assert run.exit_code == 0, run.output
    assert "Hello Acme Best, Sam" in path.read_text(encoding="utf-8")


def test_a_template_escape_fails_the_xlsx_tracker_and_reads_nothing(tmp_path: Path) -> None:
    path = xlsx_file(tmp_path / "tracker.xlsx", BASE_HEADER, ROWS)
    before = xlsx_cells(path)
    folder = coach_folder(tmp_path, "{% include '../secret.txt' %}")

    run = sync(config=config_with_templates(tmp_path, path, folder))

    assert_tracker_failed(run, path, "follow_up.email.j2", "refused")
    assert xlsx_cells(path) == before
    assert_secret_nowhere(tmp_path, run.output)


@pytest.mark.parametrize(
    "template",
    [ESCAPES["absolute include of the secret"], ESCAPES["format string globals"]],
    ids=["include", "format"],
)
def test_a_template_escape_fails_the_sheets_tracker_and_reads_nothing(
    google: Google, tmp_path: Path, template: str
) -> None:
    key = google.sheets.create_spreadsheet("Job hunt", {"Applications": [BASE_HEADER, *ROWS]})
    before = google.sheets.snapshot(key)
    folder = coach_folder(tmp_path, template)
    config: TrackerConfig = sheet_config(key, templates=folder)

    result, _ = sync_tracker(config, OPTIONS, opener=google.opener())

    assert result.failed is not None
    assert "follow_up.email.j2" in result.failed
    assert google.sheets.snapshot(key) == before
    assert_secret_nowhere(tmp_path, result.failed)


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("/nonexistent/secret.j2", ("refused", "outside the folder")),
        ("missing.j2", ("link to nothing",)),
    ],
    ids=["out of the folder", "inside the folder"],
)
def test_a_template_that_is_a_link_to_nothing_fails_the_tracker_cleanly(
    tmp_path: Path, target: str, words: tuple[str, ...]
) -> None:
    path = csv_file(tmp_path / "tracker.csv", BASE_HEADER, ROWS)
    before = path.read_bytes()
    folder = coach_folder(tmp_path, "Hello {{ company }}")
    (folder / "follow_up.email.j2").unlink()
    os.symlink(target, folder / "follow_up.email.j2")

    run = sync(config=config_with_templates(tmp_path, path, folder))

    assert_tracker_failed(run, path, "follow_up.email.j2", *words)
    assert path.read_bytes() == before
