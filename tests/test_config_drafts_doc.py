"""drafts_doc: the Doc a person made for syncer's drafts, as a URL or an id."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncer.config import parse_config
from syncer.errors import ConfigError

SHEET = "https://docs.google.com/spreadsheets/d/1SheetKeySheetKeySheetKeySheetKey/edit"
DOC_ID = "1DocIdDocIdDocIdDocIdDocIdDocId_-x"


def test_a_docs_url_or_a_bare_id_names_the_doc_in_defaults_or_per_tracker() -> None:
    config = parse_config(
        {
            "defaults": {
                "drafts": "doc",
                "drafts_doc": f"https://docs.google.com/document/d/{DOC_ID}/edit#heading=h.x",
            },
            "trackers": [{"source": SHEET}, {"source": SHEET, "drafts_doc": DOC_ID}],
        },
        "coach.toml",
        Path("."),
    )
    assert [t.drafts_doc for t in config.trackers] == [DOC_ID, DOC_ID]


def test_something_else_is_a_config_error_naming_the_key() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config(
            {"trackers": [{"source": SHEET, "drafts": "doc", "drafts_doc": "my drafts"}]},
            "coach.toml",
            Path("."),
        )
    assert "coach.toml: [[trackers]] #1: drafts_doc: " in str(raised.value)
    assert "Google Docs URL" in str(raised.value)
