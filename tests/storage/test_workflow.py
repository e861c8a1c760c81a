"""The evaluation workflow on real SQLite and PostgreSQL: allowed and refused moves,
history, double clicks and two people at once, information requests and answers,
conflicts of interest and scores, and what the submitter and the card are sent."""

import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete
from sqlalchemy.exc import DBAPIError
from sqlmodel import select

from storage import contacts, inbox, outbox, rendering, roster, submissions, triage
from storage.db import session_scope
from storage.models import (
    Activity,
    InfoRequest,
    Kind,
    OutboxMessage,
    RosterChange,
    StaffRole,
    Status,
    SubmitterMessage,
)
from storage.settings import get_settings
from storage.workflow import evaluation, holds, info_requests, rules, transitions
from storage.workflow.submitter_news import worded
from tests.support.roster import on_roster
from tests.support.submissions import submit

AUSTIN = ZoneInfo("America/Chicago")
ANN = rules.Staff("slack:UANN")  # a lead
BOB = rules.Staff("slack:UBOB")  # an evaluator
CLI = rules.Staff.operator("carol")
SCORES = {c: 4 for c in rules.RUBRIC}


@pytest.fixture(autouse=True)
def email_on(monkeypatch):
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def staff(database_url):
    on_roster(database_url, "UANN")
    on_roster(database_url, "UBOB", role=StaffRole.evaluator)


def act(url: str, work):
    with session_scope(url) as session:
        return work(session)


def outbox_kinds(url: str) -> list[str]:
    with session_scope(url) as session:
        return [m.kind for m in session.exec(select(OutboxMessage).order_by(OutboxMessage.id))]


def history(url: str, reference: str) -> list[tuple]:
    with session_scope(url) as session:
        submission = submissions.get_submission(session, reference)
        return [
            (c.actor, c.from_status, c.to_status, rendering.reason_text(c), c.internal_note)
            for c in submissions.status_history(session, submission.id)
        ]


def test_a_new_submission_sends_one_triage_card(database_url):
    submit(database_url)
    assert outbox_kinds(database_url) == ["triage_card"]


def test_advance_moves_forward_records_and_tells_the_submitter_once(database_url):
    reference = submit(database_url)
    outcome = act(
        database_url,
        lambda s: transitions.advance(s, reference, ANN, internal_note="looks promising"),
    )
    assert outcome.changed and "screening" in outcome.message
    assert history(database_url, reference)[-1] == (
        "slack:UANN",
        Status.received,
        Status.screening,
        "A City reviewer has started screening your submission.",
        "looks promising",
    )
    with session_scope(database_url) as session:
        [message] = session.exec(select(SubmitterMessage)).all()
        said = worded(message, "en").text
        assert "in screening" in said and "looks promising" not in said
        assert message.sender_id == "web-vendor" and message.shown_at is None
    # web submitter: inbox plus e-mail; the card is redrawn
    assert sorted(outbox_kinds(database_url)) == ["card_update", "submitter_email", "triage_card"]


def test_illegal_moves_are_refused_and_change_nothing(database_url):
    reference = submit(database_url)
    with pytest.raises(rules.Refused, match="cannot go from received to pilot"):
        act(database_url, lambda s: transitions.advance(s, reference, ANN, Status.pilot))
    act(
        database_url,
        lambda s: transitions.decline(s, reference, ANN, "Not a fit for the City now."),
    )
    for attempt in (
        lambda s: transitions.advance(s, reference, ANN),
        lambda s: transitions.request_info(s, reference, ANN, "What does it cost?"),
        lambda s: evaluation.assign(s, reference, ANN),
    ):
        with pytest.raises(rules.Refused):
            act(database_url, attempt)
    assert [h[2] for h in history(database_url, reference)] == [Status.received, Status.declined]
    with pytest.raises(rules.Refused, match="reason"):
        act(database_url, lambda s: transitions.decline(s, submit(database_url), ANN, "no"))
    with pytest.raises(rules.Refused, match="no submission SC-2026-99999"):
        act(database_url, lambda s: transitions.advance(s, "SC-2026-99999", ANN))


def test_a_double_click_acts_once_and_says_so(database_url):
    reference = submit(database_url)
    first = act(
        database_url,
        lambda s: transitions.advance(s, reference, ANN, expected_status=Status.received),
    )
    second = act(
        database_url,
        lambda s: transitions.advance(s, reference, ANN, expected_status=Status.received),
    )
    assert first.changed and not second.changed
    assert "already screening" in second.message
    assert len(history(database_url, reference)) == 2
    with session_scope(database_url) as session:
        assert len(session.exec(select(SubmitterMessage)).all()) == 1


def test_two_people_pressing_at_once_change_it_once(database_url):
    reference = submit(database_url)
    start = threading.Barrier(2)
    outcomes = []

    def press(staff):
        start.wait()
        outcomes.append(
            act(
                database_url,
                lambda s: evaluation.assign(s, reference, staff, expected_assignee=None),
            )
        )

    threads = [threading.Thread(target=press, args=(who,)) for who in (ANN, BOB)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(o.changed for o in outcomes) == [False, True]
    loser = next(o for o in outcomes if not o.changed)
    assert "assigned to someone else" in loser.message
    with session_scope(database_url) as session:
        kinds = [a.kind for a in session.exec(select(Activity))]
        assert kinds == ["assigned"]


def test_information_request_waits_for_the_answer_and_returns(database_url):
    reference = submit(database_url, sender="slack-T0001-UVENDOR", channel="slack")
    act(database_url, lambda s: transitions.advance(s, reference, ANN))
    outcome = act(
        database_url,
        lambda s: transitions.request_info(
            s, reference, ANN, "What would a pilot cost?", "ask about price"
        ),
    )
    assert outcome.changed
    with pytest.raises(rules.Refused, match="already waiting"):
        act(
            database_url, lambda s: transitions.request_info(s, reference, ANN, "And the timeline?")
        )
    with session_scope(database_url) as session:
        assert info_requests.open_questions_for(session, "slack-T0001-UVENDOR") == [
            (reference, "What would a pilot cost?")
        ]
        message = session.exec(
            select(SubmitterMessage).order_by(SubmitterMessage.id.desc())
        ).first()
        shown = worded(message, "en")
        assert "What would a pilot cost?" in shown.text
        assert shown.buttons[0]["payload"] == f'/provide_info{{"reference":"{reference}"}}'
    with pytest.raises(rules.Refused, match="not submitted from this conversation"):
        act(database_url, lambda s: transitions.answer_info(s, reference, "web-stranger", "free!"))
    answered = act(
        database_url,
        lambda s: transitions.answer_info(s, reference, "slack-T0001-UVENDOR", "About $12,000."),
    )
    assert answered.changed and "back in screening" in answered.message
    again = act(
        database_url, lambda s: transitions.answer_info(s, reference, "slack-T0001-UVENDOR", "more")
    )
    assert not again.changed
    assert [h[2] for h in history(database_url, reference)] == [
        Status.received,
        Status.screening,
        Status.needs_info,
        Status.screening,
    ]
    assert history(database_url, reference)[-1][0] == rules.SUBMITTER
    with session_scope(database_url) as session:
        [request] = session.exec(select(InfoRequest)).all()
        assert request.answer == "About $12,000." and request.answered_at
        # the answer given in chat is marked shown: the chat itself told them
        last = session.exec(select(SubmitterMessage).order_by(SubmitterMessage.id.desc())).first()
        assert last.shown_at is not None
    kinds = outbox_kinds(database_url)
    # by DM for staff's changes; the return to screening was told in the chat itself
    assert kinds.count("submitter_slack") == 2 and kinds.count("submitter_email") == 3


def test_anonymous_submissions_cannot_be_asked_and_tell_nobody(database_url):
    new = submissions.NewSubmission(
        kind=Kind.feedback,
        title="Procurement barrier: Timeline",
        category="timeline",
        answers={"barrier_what": "slow"},
        confidential_fields=frozenset({"barrier_what"}),
        contact=None,
    )
    with session_scope(database_url) as session:
        reference = submissions.create_submission(session, new, AUSTIN).reference
    with pytest.raises(rules.Refused, match="anonymously"):
        act(database_url, lambda s: transitions.request_info(s, reference, CLI, "Which RFP?"))
    act(database_url, lambda s: transitions.advance(s, reference, CLI))
    assert "submitter_email" not in outbox_kinds(database_url)
    with session_scope(database_url) as session:
        assert session.exec(select(SubmitterMessage)).all() == []


def test_conflict_of_interest_comes_before_scores_and_is_final(database_url):
    reference = submit(database_url)
    with pytest.raises(rules.Refused, match="declare any conflict"):
        act(database_url, lambda s: evaluation.score(s, reference, ANN, SCORES))
    act(database_url, lambda s: evaluation.declare_conflict(s, reference, ANN, False))
    act(database_url, lambda s: evaluation.declare_conflict(s, reference, BOB, False))
    act(database_url, lambda s: evaluation.score(s, reference, ANN, SCORES, {"value": "cheap"}))
    act(
        database_url,
        lambda s: evaluation.score(s, reference, BOB, {**SCORES, "risk": 1, "equity": 1}),
    )
    with session_scope(database_url) as session:
        summary = triage.score_summary(session, submissions.get_submission(session, reference).id)
    assert summary.evaluators == 2
    assert summary.mean == pytest.approx((4 + 3) / 2)
    assert summary.spread == pytest.approx(1.0)
    # Bob discloses a conflict: his score stops counting, and he cannot score again.
    act(
        database_url,
        lambda s: evaluation.declare_conflict(s, reference, BOB, True, "my brother's firm"),
    )
    with session_scope(database_url) as session:
        summary = triage.score_summary(session, submissions.get_submission(session, reference).id)
    assert (summary.evaluators, summary.conflicts, summary.mean) == (1, 1, 4.0)
    with pytest.raises(rules.Refused, match="conflict of interest is recorded"):
        act(database_url, lambda s: evaluation.score(s, reference, BOB, SCORES))
    undo = act(database_url, lambda s: evaluation.declare_conflict(s, reference, BOB, False))
    assert not undo.changed


@pytest.mark.parametrize(
    "scores",
    [
        {},
        {**SCORES, "alignment": 0},
        {**SCORES, "alignment": 6},
        {**SCORES, "alignment": "4"},
        {**SCORES, "alignment": True},
        {**SCORES, "extra": 3},
    ],
)
def test_scores_out_of_range_or_incomplete_are_refused(database_url, scores):
    reference = submit(database_url)
    act(database_url, lambda s: evaluation.declare_conflict(s, reference, ANN, False))
    with pytest.raises(rules.Refused, match="from 1 to 5"):
        act(database_url, lambda s: evaluation.score(s, reference, ANN, scores))


def test_only_leads_and_the_assignee_may_see_confidential_answers(database_url):
    reference = submit(database_url)
    act(database_url, lambda s: evaluation.assign(s, reference, CLI, to=ANN))
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        assert evaluation.may_see_confidential(session, submission, ANN)
        assert not evaluation.may_see_confidential(session, submission, BOB)
        hidden = triage.details(session, submission, with_confidential=False)
        assert hidden.hidden_confidential == 1
        assert "secret" not in [a.value for a in hidden.answers]
        facts = triage.card_facts(session, submission)
        assert facts.fields == {"departments": "Parks", "city_ask": "Pilot site"}
        assert facts.assignee == "slack:UANN" and facts.confidential_count == 1


def test_someone_with_a_conflict_neither_owns_nor_decides_nor_reads_confidential(database_url):
    reference = submit(database_url)
    act(database_url, lambda s: evaluation.assign(s, reference, ANN))
    act(database_url, lambda s: evaluation.declare_conflict(s, reference, ANN, True, "ex-client"))
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        assert submission.assignee is None  # declaring a conflict gives the evaluation up
        assert not evaluation.may_see_confidential(session, submission, ANN)
    for attempt in (
        lambda s: evaluation.assign(s, reference, ANN),
        lambda s: evaluation.assign(s, reference, CLI, to=ANN),
        lambda s: transitions.advance(s, reference, ANN),
        lambda s: transitions.decline(s, reference, ANN, "Not for the City, sorry."),
        lambda s: transitions.request_info(s, reference, ANN, "What does it cost?"),
    ):
        with pytest.raises(rules.Refused, match="conflict of interest"):
            act(database_url, attempt)
    assert [h[2] for h in history(database_url, reference)] == [Status.received]


def test_two_declarations_or_scores_at_once_are_recorded_once(database_url):
    reference = submit(database_url)
    start = threading.Barrier(2)
    problems = []

    def twice(work):
        start.wait()
        try:
            act(database_url, work)
        except Exception as problem:  # the test is that there is none
            problems.append(problem)

    for work in (
        lambda s: evaluation.declare_conflict(s, reference, ANN, False),
        lambda s: evaluation.score(s, reference, ANN, SCORES),
    ):
        threads = [threading.Thread(target=twice, args=(work,)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert problems == []
    with session_scope(database_url) as session:
        summary = triage.score_summary(session, submissions.get_submission(session, reference).id)
        assert summary.evaluators == 1


def test_going_back_from_a_question_asked_on_arrival_and_a_late_answer(database_url):
    reference = submit(database_url, sender="web-late")
    act(database_url, lambda s: transitions.request_info(s, reference, ANN, "Which parks?"))
    moved = act(database_url, lambda s: transitions.advance(s, reference, ANN))
    assert moved.changed and "now received" in moved.message
    late = act(database_url, lambda s: transitions.answer_info(s, reference, "web-late", "Zilker."))
    assert late.changed and "City staff will see it" in late.message
    with session_scope(database_url) as session:
        [request] = session.exec(select(InfoRequest)).all()
        assert request.answer == "Zilker."
        kinds = [a.kind for a in session.exec(select(Activity).order_by(Activity.id))]
        assert kinds == ["info_requested", "info_request_dropped", "info_answered"]
        messages = session.exec(select(SubmitterMessage).order_by(SubmitterMessage.id)).all()
        assert (
            "continuing the review with the information they have"
            in worded(messages[-1], "en").text
        )


def test_a_redraw_not_yet_claimed_covers_later_changes_but_a_claimed_one_does_not(database_url):
    reference = submit(database_url)
    act(database_url, lambda s: evaluation.assign(s, reference, ANN))
    act(database_url, lambda s: evaluation.declare_conflict(s, reference, BOB, True))
    assert outbox_kinds(database_url).count("card_update") == 1
    with session_scope(database_url) as session:
        outbox.claim(session, "notifier", timedelta(minutes=1), ["card_update"])
    act(database_url, lambda s: transitions.advance(s, reference, ANN))
    assert outbox_kinds(database_url).count("card_update") == 2


# --- the roster and its roles -----------------------------------------------------------

STRANGER = rules.Staff("slack:USTRANGER")
CARA = rules.Staff("slack:UCARA")  # another evaluator


def test_nobody_off_the_roster_changes_or_reads_anything(database_url):
    reference = submit(database_url)
    for attempt in (
        lambda s: evaluation.assign(s, reference, STRANGER),
        lambda s: transitions.advance(s, reference, STRANGER),
        lambda s: transitions.decline(s, reference, STRANGER, "Not for the City, sorry."),
        lambda s: transitions.request_info(s, reference, STRANGER, "What does it cost?"),
        lambda s: evaluation.declare_conflict(s, reference, STRANGER, False),
        lambda s: evaluation.score(s, reference, STRANGER, SCORES),
        lambda s: holds.set_blocked(s, reference, STRANGER, "funding"),
        lambda s: holds.snooze(s, reference, STRANGER),
        lambda s: evaluation.assign(s, reference, CLI, to=STRANGER),
    ):
        with pytest.raises(rules.Refused, match="roster"):
            act(database_url, attempt)
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        assert not evaluation.may_see_confidential(session, submission, STRANGER)
        assert (submission.version, submission.assignee, submission.blocked_by) == (0, None, None)
        assert session.exec(select(Activity)).all() == []
    assert [h[2] for h in history(database_url, reference)] == [Status.received]


def test_evaluators_work_on_what_they_own_and_leads_decide(database_url):
    on_roster(database_url, "UCARA", role=StaffRole.evaluator)
    reference = submit(database_url)
    with pytest.raises(rules.Refused, match="Only a lead can assign someone else"):
        act(database_url, lambda s: evaluation.assign(s, reference, BOB, to=CARA))
    assert act(database_url, lambda s: evaluation.assign(s, reference, BOB)).changed
    with pytest.raises(rules.Refused, match="only a lead can take it over"):
        act(database_url, lambda s: evaluation.assign(s, reference, CARA))
    with pytest.raises(rules.Refused, match="Only a lead can advance"):
        act(database_url, lambda s: transitions.advance(s, reference, BOB))
    with pytest.raises(rules.Refused, match="Only a lead can decline"):
        act(database_url, lambda s: transitions.decline(s, reference, BOB, "Not for the City now."))
    with pytest.raises(rules.Refused, match="Only the evaluator who owns"):
        act(database_url, lambda s: holds.snooze(s, reference, CARA))
    # What an evaluator may do on what they own.
    assert act(database_url, lambda s: holds.set_blocked(s, reference, CARA, "funding")).changed
    assert act(database_url, lambda s: holds.snooze(s, reference, BOB)).changed
    act(database_url, lambda s: evaluation.declare_conflict(s, reference, BOB, False))
    assert act(database_url, lambda s: evaluation.score(s, reference, BOB, SCORES)).changed
    asked = act(database_url, lambda s: transitions.request_info(s, reference, BOB, "Unit price?"))
    assert asked.changed
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        assert evaluation.may_see_confidential(session, submission, BOB)
        assert not evaluation.may_see_confidential(session, submission, CARA)
        assert evaluation.may_see_confidential(session, submission, ANN)  # a lead: any
    # A lead reassigns, advances and declines; the operator (the CLI) is a lead.
    assert act(database_url, lambda s: evaluation.assign(s, reference, ANN, to=CARA)).changed
    assert act(database_url, lambda s: transitions.advance(s, reference, ANN)).changed
    assert act(
        database_url, lambda s: transitions.decline(s, reference, CLI, "Budget is spent.")
    ).changed
    assert [h[0] for h in history(database_url, reference)][-2:] == ["slack:UANN", CLI.identity]


def test_the_roster_history_is_kept_and_leaving_it_gives_up_what_one_owned(database_url):
    reference = submit(database_url)
    act(database_url, lambda s: evaluation.assign(s, reference, BOB))
    with session_scope(database_url) as session:
        with pytest.raises(rules.Refused, match="Only a lead can change the staff roster"):
            roster.add(session, "UEVE", StaffRole.lead, None, BOB)
        said = roster.remove(session, "UBOB", ANN)
    assert "1 open submission" in said
    with session_scope(database_url) as session:
        assert submissions.get_submission(session, reference).assignee is None
        changes = session.exec(select(RosterChange).order_by(RosterChange.id)).all()
        assert [(c.slack_user, c.change, c.actor) for c in changes][-1] == (
            "UBOB", "removed", "slack:UANN",
        )  # fmt: skip
        assert [m.slack_user for m in roster.members(session)] == ["UANN"]
    with pytest.raises(rules.Refused, match="roster"):
        act(database_url, lambda s: evaluation.assign(s, reference, BOB))
    with pytest.raises(DBAPIError), session_scope(database_url) as session:
        session.execute(delete(RosterChange))  # the history is append-only


# --- versions: decisions on stale views -------------------------------------------------


def version_of(url: str, reference: str) -> int:
    with session_scope(url) as session:
        return submissions.get_submission(session, reference).version


def test_every_change_by_a_person_bumps_the_version_and_bookkeeping_does_not(database_url):
    reference = submit(database_url, sender="web-v")
    steps = [
        lambda s: evaluation.assign(s, reference, BOB),
        lambda s: holds.set_blocked(s, reference, BOB, "funding"),
        lambda s: holds.snooze(s, reference, BOB),
        lambda s: evaluation.declare_conflict(s, reference, BOB, False),
        lambda s: evaluation.score(s, reference, BOB, SCORES),
        lambda s: transitions.request_info(s, reference, BOB, "Unit price?"),
        lambda s: transitions.answer_info(s, reference, "web-v", "$300"),
        lambda s: transitions.advance(s, reference, ANN),
    ]
    for number, step in enumerate(steps, start=1):
        act(database_url, step)
        assert version_of(database_url, reference) == number
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        triage.record_card(session, submission.id, "C0TRIAGE", "1.2")
        evaluation.record_confidential_view(session, submission, ANN)
    assert version_of(database_url, reference) == len(steps)


def test_a_decision_drawn_before_a_question_was_answered_is_refused_with_what_changed(
    database_url,
):
    reference = submit(database_url, sender="web-v")
    shown = version_of(database_url, reference)  # the Decline form opens now
    act(database_url, lambda s: transitions.request_info(s, reference, ANN, "Unit price?"))
    act(database_url, lambda s: transitions.answer_info(s, reference, "web-v", "$300"))
    stale = act(
        database_url,
        lambda s: transitions.decline(
            s, reference, ANN, "Not for the City now.", expected_status=Status.received,
            expected_version=shown,
        ),
    )  # fmt: skip
    assert not stale.changed
    assert "UANN asked the submitter a question at" in stale.message
    assert "the submitter answered the City's question at" in stale.message
    assert "look again" in stale.message
    with session_scope(database_url) as session:
        answered = session.exec(select(InfoRequest)).one().answered_at
    local = answered.astimezone(ZoneInfo(get_settings().timezone))
    assert f"{local:%H:%M}" in stale.message  # the City's clock
    assert [h[2] for h in history(database_url, reference)][-1] is Status.received
    current = version_of(database_url, reference)
    done = act(
        database_url,
        lambda s: transitions.decline(
            s, reference, ANN, "Not for the City now.", expected_status=Status.received,
            expected_version=current,
        ),
    )  # fmt: skip
    assert done.changed and version_of(database_url, reference) == current + 1


def test_stale_buttons_change_nothing_and_double_clicks_change_once(database_url):
    reference = submit(database_url)
    act(database_url, lambda s: holds.set_blocked(s, reference, ANN, "funding"))
    for stale_press in (
        lambda s: evaluation.assign(s, reference, BOB, expected_assignee=None, expected_version=0),
        lambda s: holds.set_blocked(s, reference, BOB, "legal_review", expected_version=0),
        lambda s: evaluation.declare_conflict(s, reference, BOB, False, expected_version=0),
        lambda s: transitions.advance(
            s, reference, ANN, expected_status=Status.received, expected_version=0
        ),
    ):
        outcome = act(database_url, stale_press)
        assert not outcome.changed and "changed what it waits on at" in outcome.message
    assert version_of(database_url, reference) == 1
    presses = [
        act(database_url, lambda s: evaluation.assign(s, reference, BOB, expected_version=1))
        for _ in range(2)
    ]
    assert [p.changed for p in presses] == [True, False]
    assert "already assigned to you" in presses[1].message
    assert version_of(database_url, reference) == 2


def test_a_spanish_submitter_is_answered_in_spanish_and_staff_in_english(database_url):
    reference = submit(database_url)  # from web-vendor
    act(database_url, lambda s: contacts.keep_language(s, "web-vendor", "es"))
    act(database_url, lambda s: transitions.advance(s, reference, ANN))
    asked = act(database_url, lambda s: transitions.request_info(s, reference, ANN, "¿Cuánto?"))
    assert asked.message.startswith(f"The question was sent to the submitter of {reference}")
    with pytest.raises(rules.Refused, match="no se envió desde esta conversación"):
        act(
            database_url,
            lambda s: transitions.answer_info(s, reference, "web-stranger", "gratis", "es"),
        )
    answered = act(
        database_url, lambda s: transitions.answer_info(s, reference, "web-vendor", "Unos $300")
    )
    assert answered.message == (
        f"¡Gracias! Tu respuesta quedó adjunta a {reference}, que vuelve a estar en revisión "
        "inicial."
    )
    # The chat's own language, when the action names it, comes first.
    again = act(
        database_url, lambda s: transitions.answer_info(s, reference, "web-vendor", "más", "en")
    )
    assert again.message == f"The City has no open question about {reference} at the moment."
    with session_scope(database_url) as session:
        submission = submissions.get_submission(session, reference)
        told = inbox.latest_message(session, submission.id)
        assert told.text.startswith(f"Novedades sobre {reference}")
        assert "Ya llegó la información que pidió la Ciudad" in told.text
        # Staff's card says which language to write to them in.
        assert triage.card_facts(session, submission).language == "es"
