"""Free text set into drafts: the wording filters, then a corpus and generated entries rendered
through every template and channel, checked at the seams and for every word the person typed."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from syncer import wording
from syncer.drafts import DraftRenderer
from syncer.model import Action, Application, Channel, Decision, OfferDecision, Stage, Urgency
from tests.free_text_corpus import CONNECTIONS, CORPUS, FORGOT, TOPICS

TODAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("the mobile roadmap", "About the mobile roadmap."),
        ("The mobile roadmap.", "About the mobile roadmap."),
        ("Kafka migration", "About Kafka migration."),
        ("THE INCIDENT REVIEW PROCESS", "About the incident review process."),
        ("MIGRATING TO AWS AND CI/CD", "About migrating to AWS and CI/CD."),
        ("pricing, onboarding, the EMEA launch", "About pricing, onboarding and the EMEA launch."),
        ("pricing; onboarding", "About pricing and onboarding."),
        ("- pricing\n- onboarding\n", "About pricing and onboarding."),
        ("the roadmap, especially mobile", "About the roadmap, especially mobile."),
        ("Python, SQL, and dbt", "About Python, SQL, and dbt."),
        ("We talked about the mobile roadmap.", "Noted: we talked about the mobile roadmap."),
        ("Talked about the mobile roadmap", "Noted: we talked about the mobile roadmap."),
        ("I also grew up in Lagos!", "Noted: I also grew up in Lagos."),
        ("Dana mentioned the reorg", "Noted: Dana mentioned the reorg."),
        ("We covered the INCIDENT REVIEW", "Noted: we covered the incident review."),
        ("how the team is structured", "About how the team is structured."),
    ],
)  # fmt: skip
def test_mention_picks_the_frame_and_mends_the_seam(typed: str, expected: str) -> None:
    said = wording.mention(typed, "About {}.", "Noted: {}.", subject="we")

    assert said == expected


@pytest.mark.parametrize(
    ("typed", "subject", "expected"),
    [
        ("my Kafka migration at Tailspin", "I", "my Kafka migration at Tailspin"),
        ("Led the Airflow migration", "I", "I led the Airflow migration"),
        ("Both studied in Leeds", "we both", "we both studied in Leeds"),
        ("We both studied in Leeds", "we", "we both studied in Leeds"),
        ("I HAVE THE AWS CERTIFICATION", "I", "I have the AWS certification"),
        ("a, b\nc.", "", "a, b and c"),
        ("We met at PyCon. She runs a guild", "we", "we met at PyCon. She runs a guild"),
    ],
)  # fmt: skip
def test_clause_follows_a_colon(typed: str, subject: str, expected: str) -> None:
    assert wording.clause(typed, subject) == expected


def test_sentences_stand_on_their_own() -> None:
    assert wording.sentences("we talked about hiring") == "We talked about hiring."
    assert wording.sentences("I grew up in Lagos!") == "I grew up in Lagos!"
    assert wording.sentences("Led the migration; shipped it", "I") == (
        "I led the migration. I shipped it."
    )
    assert wording.sentences("pricing, onboarding") == "Pricing and onboarding."


def test_single_capitalised_words_and_acronyms_are_kept() -> None:
    assert wording.phrase("AWS") == "AWS"
    assert wording.phrase("NASDAQ listing") == "NASDAQ listing"
    assert wording.phrase("IT security audits") == "IT security audits"
    assert wording.phrase("AWS, GCP") == "AWS and GCP"
    assert wording.phrase("ROADMAP; HIRING") == "roadmap and hiring"


# --- the seams, checked on whole drafts --------------------------------------------------------

_PRONOUN_AFTER_PREPOSITION = r"\b(?:about|over|with|on|of|in|is)\s+(?:We|I|They|She|He|It|You)\b"
_DANGLING = r"[,;]\s*[.!?]|\b(?:and|or)\s*[.,;:!?]|\band and\b"
_SEAMS = [
    (re.compile(_PRONOUN_AFTER_PREPOSITION), "a sentence inside a phrase frame"),
    (re.compile(r"\.\.(?!\.)|!\.|\?\.|\.,|,\.|;\.|:\.|,,|;;"), "doubled punctuation"),
    (re.compile(r"[^\n] {2,}|\t"), "doubled space"),
    (re.compile(r" [,.;:!?]"), "space before punctuation"),
    (re.compile(_DANGLING), "a dangling list separator"),
    (re.compile(r"\b[A-Z]{4,}\b[ ,]+\b[A-Z]{4,}\b"), "a shouted phrase"),
]


def seam_problems(text: str) -> list[str]:
    return [f"{what}: {m.group()!r}" for pattern, what in _SEAMS for m in pattern.finditer(text)]


_WORD = re.compile(r"[^\W_][\w'’/&+.-]*")


def missing_words(typed: str, text: str) -> list[str]:
    """The person's words that the draft lost. A word may change case only where the seam is
    normalised: the first word of a piece, and words typed in capitals (shouting)."""
    missing = []
    unlisted = re.sub(r"(?m)^\s*(?:[-*•]+|\d+[.)])\s+", "", typed)  # bullets are not words
    for piece in re.split(r"[\n;,]|(?<=[.!?])\s", unlisted):
        for index, word in enumerate(_WORD.findall(piece)):
            word = word.rstrip(".-")
            if not word:
                continue
            loose = index == 0 or word.isupper() or (index == 1 and piece.lstrip()[:1].isdigit())
            flags = re.IGNORECASE if loose else 0
            if not re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", text, flags):
                missing.append(word)
    return missing


STAGES_OF_ACTION = {
    Action.PREPARE_INTERVIEW: [Stage.INTERVIEW_SCHEDULED],
    Action.SEND_THANK_YOU: [Stage.INTERVIEWED],
    Action.FOLLOW_UP: [Stage.APPLIED, Stage.INTERVIEWED, Stage.NEGOTIATING],
    Action.REQUEST_FEEDBACK: [Stage.REJECTED],
    Action.RESPOND_TO_OFFER: [Stage.OFFER],
    Action.SEND_ACCEPTANCE: [Stage.ACCEPTED],
    Action.CLOSE_OUT: [Stage.APPLIED, Stage.INTERVIEWED],
}

#: Every template and channel, each offer decision, each follow-up stage.
VARIANTS = [
    (action, stage, channel, offer)
    for action, stages in STAGES_OF_ACTION.items()
    for stage in stages
    for channel in Channel
    for offer in (list(OfferDecision) if action is Action.RESPOND_TO_OFFER else [None])
]

#: The actions whose drafts quote each field.
QUOTED_IN = {
    "topics_discussed": {Action.SEND_THANK_YOU, Action.FOLLOW_UP, Action.REQUEST_FEEDBACK},
    "personal_connection": {Action.SEND_THANK_YOU},
    "forgot_to_mention": {Action.SEND_THANK_YOU},
}

RENDERER = DraftRenderer(candidate_name="Sam Rivera")


def drafts_with(field: str, typed: str) -> list[tuple[tuple[object, ...], str]]:
    rendered = []
    for action, stage, channel, offer in VARIANTS:
        app = Application(
            company="Fabrikam",
            position="Backend Engineer",
            stage=stage,
            contact_name="Dana Ortiz",
            preferred_channel=channel,
            offer_decision=offer,
            applied_on=date(2026, 11, 2),
            interview_on=None if stage is Stage.APPLIED else date(2026, 11, 30),
            **{field: typed},  # type: ignore[arg-type]
        )
        draft = RENDERER.render(app, Decision(action, TODAY, Urgency.TODAY, ""), TODAY)
        assert draft is not None
        rendered.append(((action, stage, channel, offer), draft.text))
    return rendered


def check_entry(field: str, typed: str) -> None:
    quoted = 0
    for variant, text in drafts_with(field, typed):
        assert not seam_problems(text), (variant, seam_problems(text), text)
        if variant[0] in QUOTED_IN[field]:
            quoted += 1
            assert not missing_words(typed, text), (variant, missing_words(typed, text), text)
            assert "[Add" not in text or field != "topics_discussed", (variant, text)
    assert quoted >= 3


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 60
    assert len(set(CORPUS)) == len(CORPUS)
    assert any(entry.isupper() for entry in CORPUS)
    assert any("\n" in entry for entry in CORPUS) and any(";" in entry for entry in CORPUS)
    assert any(entry.rstrip().endswith("!") for entry in CORPUS)


@pytest.mark.parametrize("typed", CORPUS)
@pytest.mark.parametrize("field", list(QUOTED_IN))
def test_every_entry_reads_naturally_in_every_draft(field: str, typed: str) -> None:
    check_entry(field, typed)


def test_the_demo_rows_read_naturally() -> None:
    """The sentences the issue quotes, from the demo tracker and realistic rows."""
    app = Application(
        company="Fabrikam",
        position="Backend Engineer",
        stage=Stage.INTERVIEWED,
        contact_name="Dana Ortiz",
        interview_on=date(2026, 11, 30),
        topics_discussed=TOPICS[0],
        personal_connection=CONNECTIONS[0],
        forgot_to_mention=FORGOT[0],
    )
    draft = RENDERER.render(app, Decision(Action.SEND_THANK_YOU, TODAY, Urgency.TODAY, ""), TODAY)

    assert draft is not None
    assert "I especially appreciated our discussion about the mobile roadmap." in draft.text
    assert "something in common: we both studied in Leeds." in draft.text
    assert "One thing I did not get to mention: my Kafka migration at Tailspin." in draft.text


# --- generated entries --------------------------------------------------------------------------

_VOCABULARY = "roadmap hiring Kafka AWS the team mobile billing Leeds CI/CD on-call pricing data"
_WORDS = st.sampled_from([*_VOCABULARY.split(), "streaming", "Dana", "2027", "Zoë", "rollout"])
_PIECE = st.lists(_WORDS, min_size=1, max_size=5).map(" ".join)
_START = st.sampled_from(["", "We talked about ", "I ", "They mentioned ", "Discussed ", "the "])
_SEPARATOR = st.sampled_from([", ", "; ", "\n", "\n- ", " and "])
_END = st.sampled_from(["", ".", "!", "?", "...", " ", ";", ","])


@st.composite
def entries(draw: st.DrawFn) -> str:
    pieces = draw(st.lists(_PIECE, min_size=1, max_size=4))
    separator = draw(_SEPARATOR)
    text = draw(_START) + separator.join(pieces) + draw(_END)
    return text.upper() if draw(st.booleans()) and len(pieces) > 1 else text


@settings(max_examples=60, deadline=None)
@given(typed=entries(), field=st.sampled_from(list(QUOTED_IN)))
def test_generated_entries_read_naturally_in_every_draft(typed: str, field: str) -> None:
    check_entry(field, typed)


def test_the_readme_examples_are_what_the_thank_you_says() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("| you typed | the thank-you email says |", 1)[1].split("\n\n", 1)[0]
    rows = re.findall(r"^\| `([^`]+)`(?: \(([^)]+)\))? \| (.+) \|$", table, re.M)
    fields = {
        "Personal Connection": "personal_connection",
        "Forgot To Mention": "forgot_to_mention",
    }

    assert len(rows) >= 5
    for typed, header, says in rows:
        field = fields.get(header, "topics_discussed")
        thank_you = dict(drafts_with(field, typed))[
            (Action.SEND_THANK_YOU, Stage.INTERVIEWED, Channel.EMAIL, None)
        ]
        assert says in thank_you, (typed, thank_you)


@pytest.mark.parametrize(
    ("typed", "said"), [("Healthcare", "healthcare"), ("NHS trusts", "NHS trusts")]
)
def test_the_checklist_sets_the_industry_into_its_sentence(typed: str, said: str) -> None:
    app = Application(
        company="Contoso",
        position="Product Manager",
        stage=Stage.INTERVIEW_SCHEDULED,
        interview_on=date(2026, 12, 10),
        industry=typed,
    )
    draft = RENDERER.render(
        app, Decision(Action.PREPARE_INTERVIEW, TODAY, Urgency.TODAY, ""), TODAY
    )

    assert draft is not None
    assert f", plus recent news in {said}.\n" in draft.text
