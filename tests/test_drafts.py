"""Draft rendering: every action and channel, personalisation, safety, overrides, errors."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest

from syncer.drafts import SHORTENED_MARKER, Draft, DraftRenderer, TemplateProblem, template_names
from syncer.errors import SyncerError
from syncer.model import Action, Application, Channel, Decision, OfferDecision, Stage, Urgency
from syncer.resources import templates_dir

TODAY = date(2024, 12, 2)

DRAFTED_ACTIONS = [action for action in Action if action is not Action.NONE]

STAGE_OF_ACTION = {
    Action.PREPARE_INTERVIEW: Stage.INTERVIEW_SCHEDULED,
    Action.SEND_THANK_YOU: Stage.INTERVIEWED,
    Action.FOLLOW_UP: Stage.INTERVIEWED,
    Action.REQUEST_FEEDBACK: Stage.REJECTED,
    Action.RESPOND_TO_OFFER: Stage.OFFER,
    Action.SEND_ACCEPTANCE: Stage.ACCEPTED,
    Action.CLOSE_OUT: Stage.INTERVIEWED,
}


def make_app(**fields: object) -> Application:
    base: dict[str, object] = {
        "company": "Brightwater Analytics",
        "position": "Data Engineer",
        "stage": Stage.INTERVIEWED,
        "contact_name": "Priya Shah",
        "interview_on": date(2024, 11, 28),
        "topics_discussed": "the move from nightly batches to streaming",
    }
    base.update(fields)
    return Application(**base)  # type: ignore[arg-type]


def decide(action: Action | None, due_on: date | None = date(2024, 12, 3)) -> Decision:
    return Decision(action, due_on, Urgency.UPCOMING, "")


@pytest.fixture
def renderer() -> DraftRenderer:
    return DraftRenderer(candidate_name="Sam Lee")


def render(renderer: DraftRenderer, action: Action, **fields: object) -> Draft:
    fields.setdefault("stage", STAGE_OF_ACTION[action])
    draft = renderer.render(make_app(**fields), decide(action), TODAY)
    assert draft is not None
    return draft


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


ALL_COMBINATIONS = [
    (action, channel, offer)
    for action in DRAFTED_ACTIONS
    for channel in Channel
    for offer in (list(OfferDecision) if action is Action.RESPOND_TO_OFFER else [None])
]


@pytest.mark.parametrize(("action", "channel", "offer"), ALL_COMBINATIONS)
def test_every_action_and_channel_renders_a_personal_draft(
    renderer: DraftRenderer, action: Action, channel: Channel, offer: OfferDecision | None
) -> None:
    draft = render(renderer, action, preferred_channel=channel, offer_decision=offer)

    assert "Brightwater Analytics" in draft.text
    assert "Data Engineer" in draft.text
    assert "Priya Shah" in draft.text
    assert "Hiring Team" not in draft.text
    assert "None" not in draft.text
    assert draft.missing == ()
    assert Path(draft.template).name in template_names(action, channel, offer)


@pytest.mark.parametrize(("action", "channel", "offer"), ALL_COMBINATIONS)
def test_sparse_rows_still_render(
    renderer: DraftRenderer, action: Action, channel: Channel, offer: OfferDecision | None
) -> None:
    """Only the required fields: no crash, no 'None', a greeting that needs no name."""
    app = Application(
        company="Quillfeather",
        position="Analyst",
        stage=STAGE_OF_ACTION[action],
        preferred_channel=channel,
        offer_decision=offer,
    )
    draft = renderer.render(app, decide(action, None), TODAY)

    assert draft is not None
    assert "Quillfeather" in draft.text
    assert "None" not in draft.text
    if channel is not Channel.PHONE and action is not Action.PREPARE_INTERVIEW:
        assert "Dear Hiring Team," in draft.text


def test_email_has_a_subject_line_and_phone_has_talking_points(renderer: DraftRenderer) -> None:
    email = render(renderer, Action.FOLLOW_UP, preferred_channel=Channel.EMAIL)
    phone = render(renderer, Action.FOLLOW_UP, preferred_channel=Channel.PHONE)
    letter = render(renderer, Action.FOLLOW_UP, preferred_channel=Channel.LETTER)

    assert email.text.startswith("Subject: ")
    assert sum(line.startswith("- ") for line in phone.text.splitlines()) >= 3
    assert not letter.text.startswith("Subject:")
    assert letter.text.startswith("Dear Priya Shah,")


def test_channel_defaults_to_email(renderer: DraftRenderer) -> None:
    draft = render(renderer, Action.SEND_THANK_YOU, preferred_channel=None)

    assert Path(draft.template).name == "send_thank_you.email.j2"


@pytest.mark.parametrize("action", [Action.NONE, None])
def test_no_draft_without_an_action(renderer: DraftRenderer, action: Action | None) -> None:
    assert renderer.render(make_app(), decide(action), TODAY) is None


@pytest.mark.parametrize("action", [Action.SEND_THANK_YOU, Action.FOLLOW_UP])
@pytest.mark.parametrize("channel", list(Channel))
def test_thank_you_and_follow_up_recall_the_topics(
    renderer: DraftRenderer, action: Action, channel: Channel
) -> None:
    draft = render(
        renderer, action, preferred_channel=channel, topics_discussed="their Kafka rollout."
    )

    assert "their Kafka rollout" in draft.text
    assert "their Kafka rollout.." not in draft.text
    assert "[" not in draft.text
    assert draft.missing == ()


@pytest.mark.parametrize("action", [Action.SEND_THANK_YOU, Action.FOLLOW_UP])
@pytest.mark.parametrize("channel", list(Channel))
@pytest.mark.parametrize("stage", [Stage.APPLIED, Stage.INTERVIEWED, Stage.NEGOTIATING])
def test_missing_topics_leave_a_visible_placeholder(
    renderer: DraftRenderer, action: Action, channel: Channel, stage: Stage
) -> None:
    interview_on = None if stage is Stage.APPLIED else date(2024, 11, 28)
    draft = render(
        renderer,
        action,
        preferred_channel=channel,
        stage=stage,
        interview_on=interview_on,
        topics_discussed="   ",
    )

    assert draft.missing == ("topics_discussed",)
    assert "[Add " in draft.text


def test_thank_you_adds_forgot_to_mention_and_personal_connection(
    renderer: DraftRenderer,
) -> None:
    draft = render(
        renderer,
        Action.SEND_THANK_YOU,
        forgot_to_mention="I led our team's Airflow migration",
        personal_connection="a shared love of fell running",
    )

    assert "I led our team's Airflow migration" in draft.text
    assert "a shared love of fell running" in draft.text
    assert "Thursday 28 November" in draft.text


def test_follow_up_varies_with_the_stage_and_earlier_follow_ups(renderer: DraftRenderer) -> None:
    applied = render(
        renderer,
        Action.FOLLOW_UP,
        stage=Stage.APPLIED,
        interview_on=None,
        applied_on=date(2024, 11, 18),
    )
    interviewed = render(renderer, Action.FOLLOW_UP, decision_expected_on=date(2024, 11, 29))
    again = render(renderer, Action.FOLLOW_UP, follow_ups_sent=1)

    assert "application" in applied.text
    assert "Monday 18 November" in applied.text
    assert "interview" in interviewed.text
    assert "Friday 29 November" in interviewed.text
    assert "once more" in again.text
    assert "once more" not in interviewed.text


def test_offer_variants_follow_the_offer_decision(renderer: DraftRenderer) -> None:
    texts = {
        offer: render(renderer, Action.RESPOND_TO_OFFER, offer_decision=offer).text
        for offer in [OfferDecision.ACCEPT, OfferDecision.NEGOTIATE, OfferDecision.UNDECIDED, None]
    }

    assert "delighted to accept" in texts[OfferDecision.ACCEPT]
    assert "open to finding a solution" in texts[OfferDecision.NEGOTIATE]
    assert "delighted to accept" not in texts[OfferDecision.NEGOTIATE]
    for topic in ("benefits", "day to day", "culture", "onboarding"):
        assert topic in texts[OfferDecision.UNDECIDED]
    assert texts[None] == texts[OfferDecision.UNDECIDED]


def test_undecided_offer_mentions_the_deadline_when_given(renderer: DraftRenderer) -> None:
    with_deadline = render(renderer, Action.RESPOND_TO_OFFER, offer_deadline=date(2024, 12, 6))
    without = render(renderer, Action.RESPOND_TO_OFFER)

    assert "Friday 6 December" in with_deadline.text
    assert "decision within a week" in without.text


def test_prepare_interview_is_a_checklist_for_every_channel(renderer: DraftRenderer) -> None:
    drafts = [
        render(
            renderer,
            Action.PREPARE_INTERVIEW,
            preferred_channel=channel,
            interview_on=date(2024, 12, 10),
            interview_at=datetime(2024, 12, 10, 14, 30),
            industry="renewable energy",
        )
        for channel in Channel
    ]

    assert len({draft.text for draft in drafts}) == 1
    text = drafts[0].text
    assert "Tuesday 10 December at 2:30 pm" in text
    assert "2:15 pm" in text
    for item in ("website", "social media", "history", "values", "culture", "job description"):
        assert item in text
    assert "renewable energy" in text
    assert "15 minutes early" in text


def test_dates_in_another_year_show_the_year(renderer: DraftRenderer) -> None:
    draft = render(renderer, Action.SEND_THANK_YOU, interview_on=date(2025, 1, 6))

    assert "Monday 6 January 2025" in draft.text


def test_candidate_name_signs_the_message() -> None:
    signed = render(DraftRenderer(candidate_name="Sam Lee"), Action.SEND_THANK_YOU)

    assert signed.text.endswith("Best regards,\nSam Lee")
    assert signed.missing == ()


@pytest.mark.parametrize(("action", "channel", "offer"), ALL_COMBINATIONS)
def test_without_a_name_written_messages_end_with_a_visible_placeholder(
    action: Action, channel: Channel, offer: OfferDecision | None
) -> None:
    draft = render(DraftRenderer(), action, preferred_channel=channel, offer_decision=offer)

    if channel is Channel.PHONE or action is Action.PREPARE_INTERVIEW:
        assert "[Your name]" not in draft.text
        assert "candidate_name" not in draft.missing
    else:
        assert draft.text.endswith(",\n[Your name]")
        assert draft.missing == ("candidate_name",)


@pytest.mark.parametrize("field", ["notes", "topics_discussed", "forgot_to_mention"])
@pytest.mark.parametrize("channel", list(Channel))
def test_row_text_is_data_never_a_template(
    renderer: DraftRenderer, field: str, channel: Channel
) -> None:
    typed = "{{ 7*7 }} {% for x in range(3) %}loop{% endfor %} {# hidden #}"
    action = Action.PREPARE_INTERVIEW if field == "notes" else Action.SEND_THANK_YOU
    draft = render(renderer, action, preferred_channel=channel, **{field: typed})

    assert typed in draft.text
    assert "49" not in draft.text


def test_a_huge_note_is_cut_to_fit_with_a_marker() -> None:
    renderer = DraftRenderer()
    draft = render(renderer, Action.PREPARE_INTERVIEW, notes="x" * 60_000)

    assert len(draft.text) <= 50_000
    assert draft.text.endswith(SHORTENED_MARKER)
    assert draft.text.startswith("Interview checklist: Data Engineer at Brightwater Analytics")


def test_max_chars_is_respected_exactly() -> None:
    renderer = DraftRenderer(max_chars=200)
    draft = render(renderer, Action.SEND_THANK_YOU)
    short = render(DraftRenderer(max_chars=5_000), Action.SEND_THANK_YOU)

    assert len(draft.text) <= 200
    assert draft.text.endswith(SHORTENED_MARKER)
    assert SHORTENED_MARKER not in short.text


def test_max_chars_must_leave_room_for_the_marker() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        DraftRenderer(max_chars=10)


def test_no_two_companies_get_the_same_text(renderer: DraftRenderer) -> None:
    for action, channel, offer in ALL_COMBINATIONS:
        texts = {
            render(
                renderer,
                action,
                company=company,
                preferred_channel=channel,
                offer_decision=offer,
            ).text
            for company in ("Brightwater Analytics", "Northwind Traders")
        }
        assert len(texts) == 2, (action, channel, offer)


def test_override_folder_wins_and_falls_back_to_ours(tmp_path: Path) -> None:
    write(tmp_path, "follow_up.email.j2", "Coach says: chase {{ company }} politely.")
    renderer = DraftRenderer(tmp_path)

    overridden = render(renderer, Action.FOLLOW_UP)
    ours = render(renderer, Action.SEND_THANK_YOU)

    assert overridden.text == "Coach says: chase Brightwater Analytics politely."
    assert Path(overridden.template).parent == tmp_path
    assert Path(ours.template).name == "send_thank_you.email.j2"
    assert Path(ours.template).parent != tmp_path
    assert "Thank you for taking the time" in ours.text


def test_channel_specific_template_beats_the_email_one(tmp_path: Path) -> None:
    write(tmp_path, "close_out.email.j2", "coach email {{ company }}")
    write(tmp_path, "close_out.letter.j2", "coach letter {{ company }}")
    write(tmp_path, "request_feedback.email.j2", "coach feedback {{ company }}")
    renderer = DraftRenderer(tmp_path)

    letter = render(renderer, Action.CLOSE_OUT, preferred_channel=Channel.LETTER)
    phone_feedback = render(renderer, Action.REQUEST_FEEDBACK, preferred_channel=Channel.PHONE)

    assert letter.text == "coach letter Brightwater Analytics"
    assert Path(phone_feedback.template).name == "request_feedback.phone.j2"
    assert Path(phone_feedback.template).parent != tmp_path


def test_template_names_try_the_variant_then_the_channel_then_email() -> None:
    names = template_names(Action.RESPOND_TO_OFFER, Channel.PHONE, OfferDecision.ACCEPT)

    assert names == [
        "respond_to_offer.accept.phone.j2",
        "respond_to_offer.accept.j2",
        "respond_to_offer.accept.email.j2",
        "respond_to_offer.phone.j2",
        "respond_to_offer.j2",
        "respond_to_offer.email.j2",
    ]


def test_email_template_is_the_fallback_for_a_missing_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ours = tmp_path / "ours"
    ours.mkdir()
    write(ours, "follow_up.email.j2", "email wording for {{ company }} via {{ channel }}")
    monkeypatch.setattr("syncer.drafts.templates_dir", lambda: ours)

    draft = render(DraftRenderer(), Action.FOLLOW_UP, preferred_channel=Channel.LETTER)

    assert draft.text == "email wording for Brightwater Analytics via letter"
    assert Path(draft.template).name == "follow_up.email.j2"


def test_no_template_at_all_is_a_template_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("syncer.drafts.templates_dir", lambda: tmp_path)

    with pytest.raises(TemplateProblem, match=r"close_out\.email\.j2: no template found"):
        render(DraftRenderer(), Action.CLOSE_OUT)


def test_a_coach_template_may_mark_its_own_placeholders(tmp_path: Path) -> None:
    write(
        tmp_path,
        "send_thank_you.email.j2",
        "{{ company }}: {{ industry or placeholder('industry', 'Add the industry') }}",
    )
    draft = render(DraftRenderer(tmp_path), Action.SEND_THANK_YOU)

    assert draft.text == "Brightwater Analytics: [Add the industry]"
    assert draft.missing == ("industry",)


def test_templates_are_compiled_once(tmp_path: Path) -> None:
    write(tmp_path, "follow_up.email.j2", "first {{ company }}")
    renderer = DraftRenderer(tmp_path)
    first = render(renderer, Action.FOLLOW_UP)
    write(tmp_path, "follow_up.email.j2", "second {{ company }}")

    assert render(renderer, Action.FOLLOW_UP).text == first.text


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "follow_up.email.j2", "Hello {{ company }}\n{% if %}\n")
    renderer = DraftRenderer(tmp_path)

    with pytest.raises(TemplateProblem) as caught:
        render(renderer, Action.FOLLOW_UP)

    assert isinstance(caught.value, SyncerError)
    assert caught.value.template.endswith("follow_up.email.j2")
    assert caught.value.line == 2
    assert "follow_up.email.j2, line 2" in str(caught.value)


def test_an_undefined_variable_names_the_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "send_thank_you.email.j2", "Dear {{ contact_name }},\n\n{{ salary }}\n")
    renderer = DraftRenderer(tmp_path)

    with pytest.raises(TemplateProblem) as caught:
        render(renderer, Action.SEND_THANK_YOU)

    assert caught.value.template.endswith("send_thank_you.email.j2")
    assert caught.value.line == 3
    assert "salary" in str(caught.value)


def test_the_sandbox_refuses_unsafe_attribute_access(tmp_path: Path) -> None:
    write(tmp_path, "follow_up.email.j2", "{{ placeholder.__globals__ }}")

    with pytest.raises(TemplateProblem):
        render(DraftRenderer(tmp_path), Action.FOLLOW_UP)


def test_check_finds_a_broken_template_before_any_row(tmp_path: Path) -> None:
    write(tmp_path, "close_out.email.j2", "{% for x in %}")
    renderer = DraftRenderer(tmp_path)

    with pytest.raises(TemplateProblem, match=r"close_out\.email\.j2, line 1"):
        renderer.check()


def test_check_passes_on_a_good_folder(tmp_path: Path) -> None:
    write(tmp_path, "close_out.email.j2", "Bye {{ company }}")
    DraftRenderer(tmp_path).check()


def test_a_missing_override_folder_is_a_template_problem(tmp_path: Path) -> None:
    with pytest.raises(TemplateProblem, match="no such template folder"):
        DraftRenderer(tmp_path / "nowhere")


def test_draft_is_immutable(renderer: DraftRenderer) -> None:
    draft = render(renderer, Action.FOLLOW_UP)

    with pytest.raises(dataclasses.FrozenInstanceError):
        draft.text = "changed"  # type: ignore[misc]


def test_every_bundled_template_is_documented() -> None:
    readme = templates_dir().joinpath("README.md").read_text(encoding="utf-8")
    bundled = [item.name for item in templates_dir().iterdir() if item.name.endswith(".j2")]

    assert len(bundled) == 25
    for name in bundled:
        assert f"`{name}`" in readme, name


def test_an_error_in_an_included_template_names_that_file(tmp_path: Path) -> None:
    write(tmp_path, "follow_up.email.j2", "Hi {{ company }}\n{% include 'sign_off.j2' %}\n")
    write(tmp_path, "sign_off.j2", "Best,\n{{ nickname }}\n")

    with pytest.raises(TemplateProblem) as caught:
        render(DraftRenderer(tmp_path), Action.FOLLOW_UP)

    assert caught.value.template.endswith("sign_off.j2")
    assert caught.value.line == 2
