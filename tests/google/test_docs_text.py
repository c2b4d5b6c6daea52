"""doc_text: the text as the Docs API will hold it, so syncer's UTF-16 indexes match the Doc."""

from __future__ import annotations

from syncer.google.docs_drafts import doc_text, heading_text, utf16_length


def test_what_docs_strips_is_dropped_and_word_bullets_become_what_they_show() -> None:
    typed = "\uf0b7 one\r\n\uf0a7 two\x07\x1b\r\tthree\x0bfour \ue000x \U000f0001"
    assert doc_text(typed) == "• one\n▪ two\n\tthree\x0bfour x \U000f0001"


def test_emoji_and_right_to_left_text_are_kept_and_counted_in_utf16_units() -> None:
    text = "Thanks 🙏 — شكرا \u202bעברית\u202c"
    assert doc_text(text) == text
    assert utf16_length(text) == len(text) + 1  # the emoji is a surrogate pair


def test_a_lone_surrogate_becomes_the_replacement_character_and_a_split_pair_its_character() -> (
    None
):
    assert doc_text("a\ud83db") == "a\ufffdb"
    assert doc_text("x\ud83d\ude00y") == "x😀y"
    assert utf16_length(doc_text("a\ud83db")) == 3


def test_headings_are_sanitised_the_same_way() -> None:
    assert heading_text("\uf0b7 Acme\x07 — Engineer", "r7") == "• Acme — Engineer · r7"
