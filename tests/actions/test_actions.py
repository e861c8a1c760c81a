"""Action-server actions, called with real trackers and a real database; assert events."""

import asyncio
from zoneinfo import ZoneInfo

import pytest
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlmodel import select

from actions.barrier import ValidateBarrierForm
from actions.clarify import Clarify
from actions.handoff import MAX_HANDOFFS, FinishHandoff, StartHandoff
from actions.idea import ValidateIdeaForm
from actions.info_request import StartInfoAnswer
from actions.proposal import QUESTIONS, ValidateProposalForm
from actions.status import CheckStatus
from actions.submission_flow import (
    AskIdeaConfirmed,
    AskProposalConfirmed,
    FinishSubmission,
    Greet,
    KeepDraft,
    StartProposal,
)
from actions.typed_answer import (
    AnswerWithHeldReply,
    HandleHeldReplyAsUnderstood,
    ReplyToQuestion,
    plainly_something_else,
)
from storage import repository, workflow
from storage.catalogue import text as catalogue_text
from storage.db import in_single_statements, session_scope
from storage.identity import new_browser_sender
from storage.models import HandoffDelivery, InfoRequest, Kind, OutboxMessage, Status, Submission
from storage.settings import get_settings
from tests.support.conversation import PROPOSAL_ANSWERS
from tests.support.stack import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
SENDER = new_browser_sender()  # the web chat page's identity, as the app issues it
REST_SENDER = "web-test-sender"  # a REST client's own sender id


def tracker(
    slots=None, text="", intent="affirm", confidence=0.9, extra=None, sender=SENDER
) -> Tracker:
    # As Rasa starts a conversation: each slot at its initial value.
    all_slots = {name: spec.get("initial_value") for name, spec in DOMAIN["slots"].items()}
    all_slots.update(slots or {})
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": confidence},
        "entities": [],
        **(extra or {}),
    }
    return Tracker(
        sender, all_slots, message, [], False, None, {"name": "proposal_form"}, "action_listen"
    )


def run(action, current: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, current, DOMAIN))
    return events, dispatcher.messages


def slot_events(events) -> dict:
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def answered(until: str) -> dict:
    slots = {}
    for slot, value in PROPOSAL_ANSWERS:
        if slot == until:
            break
        slots[slot] = value
    return slots


@pytest.fixture(autouse=True)
def database(app_settings) -> str:
    return app_settings


def test_a_valid_answer_is_kept_saved_as_draft_and_the_next_question_requested(database):
    slots = {**answered("email"), "requested_slot": "email", "email": "Ann@Acme.Example "}
    events, messages = run(ValidateProposalForm(), tracker(slots, "Ann@Acme.Example "))
    assert slot_events(events) == {"email": "ann@acme.example", "requested_slot": "phone"}
    assert messages == []
    with session_scope(database) as session:
        draft = repository.get_draft(session, SENDER, Kind.proposal)
        assert draft.answers["email"] == "ann@acme.example"
        assert draft.answers["organisation"] == "Zephyr Kinetics Holdings"


def test_an_invalid_answer_is_explained_and_asked_again():
    slots = {**answered("email"), "requested_slot": "email", "email": "ann@"}
    events, messages = run(ValidateProposalForm(), tracker(slots, "ann@"))
    assert slot_events(events) == {"email": None, "requested_slot": "email"}
    assert "doesn't look like an email" in messages[0]["text"]


def test_why_gives_the_reason_for_the_current_question():
    slots = {**answered("phone"), "requested_slot": "phone", "phone": "why do you need that?"}
    events, messages = run(
        ValidateProposalForm(), tracker(slots, "why do you need that?", "ask_why", 0.95)
    )
    assert messages[0]["response"] == "utter_why_phone"
    assert slot_events(events) == {"phone": None, "requested_slot": "phone"}


def test_faq_inside_the_form_answers_and_keeps_the_place():
    text = "who owns the data from a pilot?"
    selector = {
        "response_selector": {"faq": {"response": {"utter_action": "utter_faq/data_ownership"}}}
    }
    slots = {**answered("problem"), "requested_slot": "problem", "problem": text}
    events, messages = run(ValidateProposalForm(), tracker(slots, text, "faq", 0.8, selector))
    assert messages[0]["response"] == "utter_faq/data_ownership"
    assert slot_events(events) == {"problem": None, "requested_slot": "problem"}


def test_change_clears_that_answer_so_it_is_asked_next():
    slots = {
        **answered("confidential_fields"),
        "confidential_fields": ["solution"],
        "requested_slot": "proposal_confirmed",
        "proposal_confirmed": "change my e-mail",
    }
    events, messages = run(ValidateProposalForm(), tracker(slots, "change my e-mail"))
    assert slot_events(events) == {
        "proposal_confirmed": None,
        "email": None,
        "requested_slot": "email",
    }
    assert "email" in messages[0]["text"]


# A barrier report answered up to its suggestion.
AT_THE_SUGGESTION = {
    "barrier_what": "The RFP demanded $10M cover",
    "barrier_step": "Insurance and bonding",
    "barrier_where": "not given",
    "barrier_impact": ["Could not bid"],
    "requested_slot": "barrier_suggestion",
}


def test_an_answer_starting_with_change_is_an_answer_unless_it_names_one():
    answer = "Change the insurance rules to scale with the contract value"
    slots = {
        **AT_THE_SUGGESTION,
        "barrier_suggestion": answer,
    }
    events, messages = run(ValidateBarrierForm(), tracker(slots, answer))
    assert slot_events(events) == {
        "barrier_suggestion": answer,
        "requested_slot": "barrier_contact",
    }
    slots.update(barrier_suggestion="change the step")
    events, messages = run(ValidateBarrierForm(), tracker(slots, "change the step"))
    assert slot_events(events) == {
        "barrier_suggestion": None,
        "barrier_step": None,
        "requested_slot": "barrier_step",
    }
    assert "update the step" in messages[0]["text"]


def test_a_5000_character_answer_full_of_punctuation_is_still_an_answer():
    # Long runs of punctuation after "change ..." made the old pattern quadratic.
    start, end = "Change the insurance rules", " to scale with the contract value"
    answer = start + "!" * (5000 - len(start) - len(end)) + end
    slots = {
        **AT_THE_SUGGESTION,
        "barrier_suggestion": answer,
    }
    events, messages = run(ValidateBarrierForm(), tracker(slots, answer))
    assert len(answer) == 5000 and messages == []
    assert slot_events(events) == {
        "barrier_suggestion": answer,
        "requested_slot": "barrier_contact",
    }


def test_stop_asks_for_confirmation_then_closes_the_form():
    slots = {**answered("title"), "requested_slot": "title", "title": "stop"}
    events, _ = run(ValidateProposalForm(), tracker(slots, "stop", "stop", 0.99))
    assert slot_events(events) == {
        "title": None,
        "stop_requested": True,
        "requested_slot": "confirm_stop",
    }
    slots.update(title=None, stop_requested=True, requested_slot="confirm_stop", confirm_stop="yes")
    events, _ = run(ValidateProposalForm(), tracker(slots, "yes"))
    assert slot_events(events) == {
        "confirm_stop": None,
        "form_outcome": "stopped",
        "requested_slot": None,
    }


def test_where_piloted_is_asked_only_for_solutions_used_elsewhere():
    slots = {**answered("maturity"), "requested_slot": "maturity", "maturity": "just an idea"}
    events, _ = run(ValidateProposalForm(), tracker(slots, "just an idea"))
    assert slot_events(events) == {"maturity": "Idea", "requested_slot": "city_ask"}


def test_start_offers_to_resume_a_saved_draft(database):
    events, messages = run(StartProposal(), tracker())
    assert FollowupAction("proposal_form") in events
    with session_scope(database) as session:
        repository.save_draft(session, SENDER, Kind.proposal, {"organisation": "Acme"})
    events, messages = run(StartProposal(), tracker())
    assert events == [SlotSet("resume_offered", True), SlotSet("active_form", "proposal")]
    assert "unfinished proposal with 1 answers saved" in messages[0]["text"]


def test_opening_and_closing_a_form_sets_only_the_slots_that_change(database):
    # Every event stays in the conversation (stored, and sent with each later action
    # call): a reset names only the slots that hold something.
    events, _ = run(StartProposal(), tracker({"website": "acme.example"}))
    assert slot_events(events) == {
        "website": None,
        "stop_requested": False,
        "resume_offered": False,
        "active_form": "proposal",
    }
    slots = {
        "active_form": "proposal",
        "title": "x",
        "stop_requested": True,
        "resume_offered": False,
    }
    events, _ = run(FinishSubmission(), tracker({**slots, "form_outcome": "stopped"}))
    assert slot_events(events) == {
        "title": None,
        "stop_requested": False,
        "form_outcome": None,
        "active_form": None,
    }


def test_not_now_keeps_the_draft(database):
    with session_scope(database) as session:
        repository.save_draft(session, SENDER, Kind.idea, {"idea_text": "Benches on trails"})
    events, messages = run(KeepDraft(), tracker({"active_form": "idea"}))
    assert slot_events(events) == {"resume_offered": False, "active_form": None}
    assert "unfinished idea stays saved" in messages[0]["text"]
    with session_scope(database) as session:
        assert repository.get_draft(session, SENDER, Kind.idea).answers == {
            "idea_text": "Benches on trails"
        }


def test_greeting_offers_an_unfinished_proposal_back(database):
    events, messages = run(Greet(), tracker())
    assert events == [] and messages[0]["response"] == "utter_greet"
    with session_scope(database) as session:
        repository.save_draft(
            session, SENDER, Kind.proposal, {"organisation": "Acme", "title": "x"}
        )
    events, messages = run(Greet(), tracker())
    assert events == [SlotSet("resume_offered", True), SlotSet("active_form", "proposal")]
    assert "2 answers saved" in messages[1]["text"]


def test_finish_stores_the_proposal_and_gives_reference_and_token(database):
    slots = {slot: value for slot, value in PROPOSAL_ANSWERS}
    slots.update(
        confidential_fields=["solution", "ip_terms"],
        city_ask=["Pilot site"],
        proposal_confirmed="yes",
        form_outcome="confirmed",
    )
    with session_scope(database) as session:
        repository.save_draft(session, SENDER, Kind.proposal, {"organisation": "x"})
    events, messages = run(FinishSubmission(), tracker(slots))
    reference = slot_events(events)["last_reference"]
    assert reference in messages[0]["text"]
    # Shown to the person; marked so that the tracker store never writes it.
    code = messages[0]["text"].split("private status code is ")[1].split(":")[0]
    assert messages[0]["entryway_private"] == {"secrets": [code]}
    with session_scope(database) as session:
        stored = repository.get_submission(session, reference)
        assert stored.title == "Adaptive signal timing pilot on Lamar"
        answers = {a.field: a for a in repository.get_answers(session, stored.id)}
        assert answers["solution"].confidential and answers["ip_terms"].confidential
        assert not answers["timeline"].confidential
        assert "organisation" not in answers and "email" not in answers
        assert repository.get_contact(session, stored.contact_id).phone == "+1 512 555 0199"
        assert repository.get_draft(session, SENDER, Kind.proposal) is None
    assert all(slot_events(events).get(q.slot) is None for q in QUESTIONS)


def test_status_lookup_normalises_spellings_and_handles_unknown_references():
    events, messages = run(CheckStatus(), tracker(text="status of sc 2026 42"))
    assert slot_events(events) == {"reference": None}
    assert messages[0]["response"] == "utter_status_unknown"
    assert messages[0]["reference"] == "SC-2026-00042"
    events, messages = run(CheckStatus(), tracker(text="what's the status?"))
    assert events == []
    assert messages[0]["response"] == "utter_ask_reference"


def test_unclear_message_gets_the_two_likeliest_meanings_then_a_polite_give_up():
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "faq", "confidence": 0.2},
        {"name": "suggest_idea", "confidence": 0.19},
        {"name": "submit_proposal", "confidence": 0.18},
    ]
    first = tracker(text="hmm the thing", intent="nlu_fallback", extra={"intent_ranking": ranking})
    events, messages = run(Clarify(), first)
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        "/suggest_idea",
        "/submit_proposal",
        "/help",
    ]
    user = {"event": "user", "text": "x"}
    second = tracker(text="still unclear", intent="nlu_fallback", extra={"intent_ranking": ranking})
    second.events = [
        user,
        {"event": "action", "name": "action_clarify"},
        {"event": "action", "name": "action_listen"},
        user,
    ]
    events, messages = run(Clarify(), second)
    assert events == [] and messages[0]["response"] == "utter_default"


def test_handoff_is_stored_with_its_post_and_verifies_only_ones_own_reference(database):
    slots = {
        "handoff_topic": "About <SC-2026-00007> & our pilot",
        "handoff_contact": "ann@acme.example",
    }
    events, messages = run(FinishHandoff(), tracker(slots))
    assert messages[0]["response"] == "utter_handoff_sent"
    assert messages[0]["answer_time"] == "within 2 business days"
    assert slot_events(events)["handoff_topic"] is None
    with session_scope(database) as session:
        [request] = repository.list_handoffs(session)
        assert request.reference == "SC-2026-00007" and not request.reference_verified
        [post] = session.exec(select(OutboxMessage)).all()
        assert (post.kind, post.payload) == ("handoff", {"handoff_id": request.id})


def test_handoffs_per_chat_identity_are_limited(database):
    for _ in range(MAX_HANDOFFS):
        events, messages = run(StartHandoff(), tracker())
        assert FollowupAction("handoff_form") in events
        with session_scope(database) as session:
            repository.create_handoff(session, SENDER, "web", "Pilot question", "a@b.example", None)
    events, messages = run(StartHandoff(), tracker())
    assert messages[0]["response"] == "utter_handoff_limited"
    assert FollowupAction("handoff_form") not in events


def from_client(client: str) -> dict:
    """A latest message as the app passes it on: with the client it came from."""
    return {"metadata": {"client": client, "browser_session": "b" * 22}}


def test_handoffs_over_a_clients_hourly_limit_are_recorded_and_the_person_told(
    database, monkeypatch
):
    monkeypatch.setenv("ENTRYWAY_HANDOFF_LIMIT_PER_CLIENT", "2")
    get_settings.cache_clear()
    slots = {"handoff_topic": "Our pilot", "handoff_contact": "ann@acme.example"}
    replies = []
    # Three chat identities (free to make) on one address, then one elsewhere.
    for sender, client in [
        ("web-a", "198.51.100.7"),
        ("web-b", "198.51.100.7"),
        ("web-c", "198.51.100.7"),
        ("web-d", "198.51.100.8"),
    ]:
        _, messages = run(FinishHandoff(), tracker(slots, sender=sender, extra=from_client(client)))
        replies.append(messages[0])
    assert [reply.get("response") for reply in replies] == [
        "utter_handoff_sent",
        "utter_handoff_sent",
        None,
        "utter_handoff_sent",
    ]
    assert replies[2]["text"] == catalogue_text(
        "handoff.held_client", contact="ann@acme.example", answer_time="within 2 business days"
    )
    with session_scope(database) as session:
        requests = {r.sender_id: r.delivery for r in repository.list_handoffs(session)}
        kinds = sorted(m.kind for m in session.exec(select(OutboxMessage)))
    # Every one recorded for staff; the one over the limit is in the summary post.
    assert requests == {
        "web-a": HandoffDelivery.posted,
        "web-b": HandoffDelivery.posted,
        "web-c": HandoffDelivery.held,
        "web-d": HandoffDelivery.posted,
    }
    assert kinds == ["handoff", "handoff", "handoff", "handoff_summary"]


def test_over_the_hourly_limit_of_everyone_together_a_handoff_is_held_and_said_so(
    database, monkeypatch
):
    monkeypatch.setenv("ENTRYWAY_HANDOFF_LIMIT_TOTAL", "1")
    get_settings.cache_clear()
    slots = {"handoff_topic": "Our pilot", "handoff_contact": "ann@acme.example"}
    run(FinishHandoff(), tracker(slots, sender="web-a", extra=from_client("198.51.100.1")))
    _, messages = run(
        FinishHandoff(), tracker(slots, sender="web-b", extra=from_client("198.51.100.2"))
    )
    assert "Many people asked to talk to City staff in the last hour" in messages[0]["text"]
    with session_scope(database) as session:
        recorded = [(r.sender_id, r.delivery) for r in repository.list_handoffs(session)]
    assert recorded == [("web-b", HandoffDelivery.held), ("web-a", HandoffDelivery.posted)]


def test_a_submission_over_a_clients_hourly_limit_stays_a_draft(database, monkeypatch):
    monkeypatch.setenv("ENTRYWAY_SUBMISSION_LIMIT_PER_CLIENT", "1")
    get_settings.cache_clear()
    slots = _proposal_slots(proposal_confirmed="yes", form_outcome="confirmed")
    draft = {"organisation": "Acme", "title": "Adaptive signal timing pilot on Lamar"}
    for sender in ("web-first", "web-second"):
        with session_scope(database) as session:
            repository.save_draft(session, sender, Kind.proposal, draft)
    first, _ = run(FinishSubmission(), tracker(slots, sender="web-first", extra=from_client("x")))
    events, messages = run(
        FinishSubmission(), tracker(slots, sender="web-second", extra=from_client("x"))
    )
    assert "last_reference" in slot_events(first)
    assert "last_reference" not in slot_events(events)
    assert "is not submitted yet" in messages[0]["text"]
    assert "your answers are saved as a draft" in messages[0]["text"]
    assert "say 'continue my proposal'" in messages[0]["text"]
    with session_scope(database) as session:
        assert len(session.exec(select(Submission)).all()) == 1
        assert repository.get_draft(session, "web-second", Kind.proposal).answers == draft
    # From another client it goes through.
    later, _ = run(FinishSubmission(), tracker(slots, sender="web-second", extra=from_client("y")))
    assert "last_reference" in slot_events(later)


def _proposal_slots(**changes) -> dict:
    """The proposal's slots as the form leaves them (parsed, not as typed)."""
    slots = {slot: value for slot, value in PROPOSAL_ANSWERS}
    parsed = {
        "city_ask": ["Pilot site"],
        "estimated_cost": 12_000,
        "cooperative_contract": "not given",
        "confidential_fields": [],
    }
    return {**slots, **parsed, **changes}


@pytest.mark.parametrize(
    ("answers", "path", "reason"),
    [
        (
            {"cost_model": "Vendor-funded pilot"},
            "no_cost_pilot",
            "asks the City only for pilot site",
        ),
        ({"city_ask": ["A partnership"]}, "partnership", "a partnership"),
        ({"estimated_cost": 12_000}, "small_purchase", "about $12,000, under the $50,000 limit"),
        ({"estimated_cost": 80_000}, "competitive_solicitation", "$80,000, at or above"),
        ({"estimated_cost": "not given"}, "competitive_solicitation", "an amount not yet known"),
        ({"cooperative_contract": "Sourcewell #123"}, "cooperative_contract", "(Sourcewell #123)"),
    ],
)
def test_the_procurement_path_follows_the_answers(answers, path, reason):
    new = ValidateProposalForm().build_submission(SENDER, "web", _proposal_slots(**answers))
    assert new.procurement_path == path and reason in new.procurement_reason


def test_the_procurement_reason_never_repeats_a_confidential_answer():
    slots = _proposal_slots(
        estimated_cost=42_000,
        cooperative_contract="not given",
        confidential_fields=["estimated_cost"],
    )
    new = ValidateProposalForm().build_submission(SENDER, "web", slots)
    assert new.procurement_path == "small_purchase"
    assert "42,000" not in new.procurement_reason and "confidential" in new.procurement_reason
    assert "confidential_answers" in new.flags


@pytest.mark.parametrize(
    ("slot", "length"), [("website", 301), ("email", 5000), ("contact_name", 201)]
)
def test_an_answer_longer_than_its_question_takes_is_refused_before_any_pattern(slot, length):
    answer = "x" * (length - 12) + "@example.org"
    slots = {**answered(slot), "requested_slot": slot, slot: answer}
    events, messages = run(ValidateProposalForm(), tracker(slots, answer))
    assert slot_events(events) == {slot: None, "requested_slot": slot}
    assert messages[0]["response"] == "utter_answer_too_long"
    assert messages[0]["length"] == f"{length:,}"


def visit(session: str | None) -> dict:
    """A message as the web chat page sends it from one browser session."""
    return {"metadata": {"browser_session": session}} if session else {}


def answer_all(form, answers, session: str | None, slots: dict | None = None) -> dict:
    slots = dict(slots or {})
    for slot, value in answers:
        current = tracker({**slots, "requested_slot": slot}, value, "inform", 0.3, visit(session))
        events, _ = run(form, current)
        slots.update(slot_events(events))
        assert slots[slot] is not None, (slot, value)
    return slots


def test_contact_answers_from_an_earlier_browser_session_are_kept_but_not_shown(database):
    form = ValidateProposalForm()
    slots = answer_all(form, PROPOSAL_ANSWERS, "visit-A")
    contact = dict(PROPOSAL_ANSWERS[:5])  # organisation, name, email, phone, website

    def summary_in(session: str | None, sender: str = SENDER) -> str:
        current = tracker(slots, "", extra=visit(session), sender=sender)
        _, messages = run(AskProposalConfirmed(), current)
        return messages[0]["text"]

    same_visit, later_visit = summary_in("visit-A"), summary_in("visit-B")
    assert all(value in same_visit for value in contact.values())
    # A REST client's own sender id is never shown contact answers (anyone may name it),
    # whatever metadata it sends; the rest of the summary is.
    for rest_client in (summary_in(None, REST_SENDER), summary_in("visit-A", REST_SENDER)):
        assert not any(value in rest_client for value in contact.values())
        assert rest_client.count("saved (not shown in this channel)") == 5
        assert "Adaptive signal timing pilot on Lamar" in rest_client
    assert not any(value in later_visit for value in contact.values())
    assert later_visit.count("kept from your earlier visit (not shown)") == 5
    assert "change my email" in later_visit
    assert "Adaptive signal timing pilot on Lamar" in later_visit  # the rest is shown

    # Replaced in the later visit, the email is shown there; the rest stays hidden.
    slots = answer_all(form, [("email", "new.desk@zephyr-kinetics.example")], "visit-B", slots)
    later_visit = summary_in("visit-B")
    assert "new.desk@zephyr-kinetics.example" in later_visit
    assert "Quillon Marbeck" not in later_visit and later_visit.count("(not shown)") == 4
    assert "new.desk@zephyr-kinetics.example" not in summary_in("visit-C")

    # Submitted from the later visit: everything kept is used, nothing hidden is repeated.
    slots.update(proposal_confirmed="yes", form_outcome="confirmed")
    slots.update(confidential_fields=["solution"], city_ask=["Pilot site"])
    events, messages = run(FinishSubmission(), tracker(slots, "", extra=visit("visit-B")))
    assert "Staff will use new.desk@zephyr-kinetics.example" in messages[0]["text"]
    with session_scope(database) as session:
        stored = repository.get_submission(session, slot_events(events)["last_reference"])
        kept = repository.get_contact(session, stored.contact_id)
        assert (kept.name, kept.organisation) == ("Quillon Marbeck", "Zephyr Kinetics Holdings")
        assert kept.email == "new.desk@zephyr-kinetics.example"


def test_a_receipt_in_a_later_visit_does_not_repeat_a_hidden_email(database):
    idea = [
        ("idea_text", "Shade trees along every bus stop on Riverside"),
        ("idea_location", "District 3"),
        ("idea_beneficiaries", "Bus riders"),
        ("idea_contact", "resident@example.org"),
        ("idea_publish", "Yes"),
    ]
    slots = answer_all(ValidateIdeaForm(), idea, "visit-A")
    _, messages = run(AskIdeaConfirmed(), tracker(slots, "", extra=visit("visit-B")))
    assert "resident@example.org" not in messages[0]["text"]
    slots.update(active_form="idea", idea_confirmed="yes", form_outcome="confirmed")
    _, messages = run(FinishSubmission(), tracker(slots, "", extra=visit("visit-B")))
    assert "resident@example.org" not in messages[0]["text"]
    assert "contact details you gave before" in messages[0]["text"]


def test_the_draft_records_where_contact_answers_came_from_without_counting_it(database):
    answer_all(ValidateProposalForm(), PROPOSAL_ANSWERS[:6], "visit-A")
    with session_scope(database) as session:
        answers = repository.get_draft(session, SENDER, Kind.proposal).answers
    assert answers["_contact_given_in"] == dict.fromkeys(
        ["organisation", "contact_name", "email", "phone", "website"], "visit-A"
    )
    _, messages = run(StartProposal(), tracker())
    assert "unfinished proposal with 6 answers saved" in messages[0]["text"]


def submitted_idea(sender: str) -> tuple[str, str]:
    """An idea submitted as `sender` with an e-mail; its reference and private code."""
    idea = [
        ("idea_text", "Drinking fountains along the Butler Trail"),
        ("idea_location", "Lady Bird Lake"),
        ("idea_beneficiaries", "Runners"),
        ("idea_contact", "runner@example.org"),
        ("idea_publish", "Yes"),
    ]
    slots = {}
    for slot, value in idea:
        current = tracker({**slots, "requested_slot": slot}, value, "inform", 0.3, sender=sender)
        events, _ = run(ValidateIdeaForm(), current)
        slots.update(slot_events(events))
    slots.update(active_form="idea", idea_confirmed="yes", form_outcome="confirmed")
    events, messages = run(FinishSubmission(), tracker(slots, "", sender=sender))
    receipt = messages[0]["text"]
    # The receipt names the e-mail to the page's identity only, never to a REST sender id.
    assert ("runner@example.org" in receipt) is (sender == SENDER)
    code = receipt.split("private status code is ")[1].split(":")[0]
    return slot_events(events)["last_reference"], code


def test_a_rest_sender_id_never_shows_contact_answers_nor_what_staff_wrote(database):
    """Anyone may name a REST client's sender id: the summary before submitting hides the
    contact answers, and the status look-up shows what staff wrote only with the private
    status code. The page's cookie identity, issued by the app, is proof enough."""
    reference, code = submitted_idea(REST_SENDER)
    own_reference, _ = submitted_idea(SENDER)
    with session_scope(database) as session:
        for asked in (reference, own_reference):
            workflow.request_info(
                session, asked, workflow.Staff("cli:operator:ann"), "Which trail part?"
            )

    def status(sender: str, said: str) -> list[str]:
        _, messages = run(CheckStatus(), tracker(text=said, sender=sender))
        return [m.get("response") for m in messages]

    assert "utter_status_for_you" not in status(REST_SENDER, f"status of {reference}")
    assert "utter_status_for_you" in status(REST_SENDER, f"status of {reference} code {code}")
    assert "utter_status_for_you" in status(SENDER, f"status of {own_reference}")


def test_a_rest_sender_sees_and_answers_staffs_question_only_with_the_status_code(database):
    """Anyone may name a REST client's sender id: the Answer button shows staff's question
    (and starts the answer) only with the submission's private status code in the same
    message, and the code is marked to be kept out of the stored conversation."""
    reference, code = submitted_idea(REST_SENDER)
    with session_scope(database) as session:
        workflow.request_info(session, reference, ASKER, "Which part of the trail?")
    payload = f'/provide_info{{"reference":"{reference}"}}'

    events, messages = run(StartInfoAnswer(), tracker(text=payload, sender=REST_SENDER))
    assert [m.get("response") for m in messages] == ["utter_info_code_needed"]
    assert events == []

    with_code = tracker(text=f"{payload} {code}", sender=REST_SENDER)
    events, messages = run(StartInfoAnswer(), with_code)
    [shown] = messages
    assert shown["response"] == "utter_info_question"
    assert shown["question"] == "Which part of the trail?"
    assert code in shown["entryway_private"]["secrets"]
    assert slot_events(events)["info_reference"] == reference

    wrong = tracker(text=f"{payload} {'x' * 16}", sender=REST_SENDER)
    _, messages = run(StartInfoAnswer(), wrong)
    assert [m.get("response") for m in messages] == ["utter_info_code_needed"]


# --- a reply typed while City staff wait for an answer (actions/typed_answer.py) -------

ASKER = workflow.Staff("cli:operator:test")


def submitted_by_sender(database: str, title: str = "Smart benches") -> str:
    new = repository.NewSubmission(
        kind=Kind.proposal,
        title=title,
        category="Other",
        answers={"solution": "Benches with solar chargers"},
        confidential_fields=frozenset(),
        contact=repository.ContactDetails(sender_id=SENDER, channel="web"),
        procurement_path="no_cost_pilot",
        procurement_reason="vendor pays",
    )
    with session_scope(database) as session:
        reference = repository.create_submission(session, new, ZoneInfo("America/Chicago"))
        workflow.advance(session, reference.reference, ASKER)  # received -> screening
        return reference.reference


def ask(database: str, reference: str, question: str) -> None:
    with session_scope(database) as session:
        workflow.request_info(session, reference, ASKER, question)


def question_state(database: str, reference: str) -> tuple[Status, str | None]:
    with session_scope(database) as session:
        submission = repository.get_submission(session, reference)
        request = session.exec(
            select(InfoRequest)
            .where(InfoRequest.submission_id == submission.id)
            .order_by(InfoRequest.id.desc())
        ).first()
        return submission.status, request.answer if request else None


def question_waits(database: str, sender: str = SENDER) -> bool:
    """What the app asks before each message (bot/conversation.py)."""
    return in_single_statements(database, lambda c: workflow.has_open_question(c, sender))


def test_the_app_finds_an_open_question_only_while_staff_wait_for_its_answer(database_url):
    database = database_url  # on SQLite and PostgreSQL: the look-up is written out in SQL
    assert not question_waits(database)  # no contact at all
    reference = submitted_by_sender(database)
    assert not question_waits(database)  # a submission, but no question
    ask(database, reference, "Which parks do you mean?")
    assert question_waits(database)
    assert not question_waits(database, "someone-else")
    with session_scope(database) as session:
        workflow.answer_info(session, reference, SENDER, "Zilker and Pease")
    assert not question_waits(database)


def test_a_question_answered_since_the_app_looked_leaves_the_message_as_understood(database):
    # Staff went on (or it was answered) between the app's look and the message.
    events, messages = run(ReplyToQuestion(), tracker({"question_open": True}, "hi", "greet"))
    assert messages == []
    assert slot_events(events) == {"question_open": False}
    assert [e["event"] for e in events] == ["slot", "action", "user"]
    assert events[-1]["parse_data"]["intent"]["name"] == "greet"


def test_a_reply_typed_while_a_question_is_open_is_taken_as_its_answer(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "What would the pilot cost, and who would own the data?")
    assert question_waits(database)

    answer = "Our budget is $40,000 and the City would own all data collected."
    selector = {
        "response_selector": {"faq": {"response": {"utter_action": "utter_faq/data_ownership"}}}
    }
    events, messages = run(
        ReplyToQuestion(), tracker({"question_open": True}, answer, "faq", 0.9, selector)
    )
    assert [m["text"] for m in messages] == [
        f"Thank you: your answer is attached to {reference}, which is now back in screening."
    ]
    assert slot_events(events) == {"question_open": False}  # until the app finds another
    assert question_state(database, reference) == (Status.screening, answer)
    assert not question_waits(database)


def test_a_greeting_is_asked_about_and_no_handles_it_as_understood(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Which parks do you mean?")
    greeting = tracker({"question_open": True, "resume_offered": True}, "hello there", "greet")
    events, messages = run(ReplyToQuestion(), greeting)
    assert messages[0]["response"] == "utter_ask_reply_is_answer"
    assert (messages[0]["reference"], messages[0]["question"]) == (
        reference,
        "Which parks do you mean?",
    )
    assert [(b["title"], b["payload"]) for b in messages[0]["buttons"]] == [
        ("Yes, it's my answer", f'/affirm{{"reference":"{reference}"}}'),
        ("No, it isn't", "/deny"),
    ]
    slots = slot_events(events)
    assert slots["answer_offered"] is True and slots["resume_offered"] is False
    assert slots["question_open"] is False
    assert slots["reply_held"]["text"] == "hello there"
    assert slots["reply_held"]["intent"]["name"] == "greet"

    # The question is still open, so the app set question_open before the "no" too.
    no = tracker(
        {"answer_offered": True, "reply_held": slots["reply_held"], "question_open": True},
        "no",
        "deny",
    )
    events, messages = run(HandleHeldReplyAsUnderstood(), no)
    assert messages == []
    assert [e["event"] for e in events] == ["slot", "slot", "slot", "action", "user"]
    # The message handed back is handled as if no question were open (the rules)...
    assert slot_events(events) == {
        "answer_offered": None,
        "reply_held": None,
        "question_open": False,
    }
    assert events[3]["name"] == "action_listen"
    assert events[4]["text"] == "hello there"
    assert events[4]["parse_data"]["intent"]["name"] == "greet"
    # ...and nothing was attached to the submission, whose question stays open.
    assert question_state(database, reference) == (Status.needs_info, None)


def test_a_reply_asked_about_is_recorded_on_yes(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Would the benches need mains power?")
    events, messages = run(ReplyToQuestion(), tracker({"question_open": True}, "No", "deny"))
    assert messages[0]["response"] == "utter_ask_reply_is_answer"
    held = slot_events(events)["reply_held"]
    pressed = tracker(
        {"answer_offered": True, "reply_held": held},
        f'/affirm{{"reference":"{reference}"}}',
        "affirm",
        1.0,
        {"entities": [{"entity": "reference", "value": reference}]},
    )
    events, messages = run(AnswerWithHeldReply(), pressed)
    assert f"your answer is attached to {reference}" in messages[0]["text"]
    assert slot_events(events) == {"answer_offered": None, "reply_held": None}
    assert question_state(database, reference) == (Status.screening, "No")
    # With the question still open the app sets question_open: it is set back too.
    events, _ = run(
        AnswerWithHeldReply(),
        tracker(
            {"answer_offered": True, "reply_held": held, "question_open": True}, "yes", "affirm"
        ),
    )
    assert slot_events(events)["question_open"] is False


def test_with_several_questions_open_the_person_picks_which_one_a_reply_answers(database):
    first = submitted_by_sender(database, "Smart benches")
    second = submitted_by_sender(database, "Solar shade")
    ask(database, first, "Which parks do you mean?")
    ask(database, second, "How tall are the shade sails?")
    answer = "About four metres, so trucks can pass under them"
    events, messages = run(
        ReplyToQuestion(), tracker({"question_open": True}, answer, "out_of_scope", 0.6)
    )
    assert messages[0]["response"] == "utter_ask_reply_answers_which"
    assert "How tall are the shade sails?" in messages[0]["questions"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [
        f'/affirm{{"reference":"{second}"}}',  # the newest first
        f'/affirm{{"reference":"{first}"}}',
        "/deny",
    ]
    held = slot_events(events)["reply_held"]
    # A plain "yes" does not say which: the question is asked again.
    yes = tracker({"answer_offered": True, "reply_held": held}, "yes", "affirm")
    events, messages = run(AnswerWithHeldReply(), yes)
    assert messages[0]["response"] == "utter_ask_reply_answers_which"
    # Typing the reference instead of pressing its button picks it too.
    typed = tracker(
        {"answer_offered": True, "reply_held": held, "question_open": True},
        second.lower(),
        "check_status",
    )
    events, messages = run(ReplyToQuestion(), typed)
    assert f"your answer is attached to {second}" in messages[0]["text"]
    assert question_state(database, second) == (Status.screening, answer)
    assert question_state(database, first) == (Status.needs_info, None)


def test_a_button_pressed_on_an_earlier_message_is_never_taken_as_an_answer(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Which parks do you mean?")
    stale = tracker({"question_open": True}, f'/affirm{{"reference":"{reference}"}}', "affirm", 1.0)
    events, messages = run(ReplyToQuestion(), stale)
    assert messages == []
    assert slot_events(events) == {"question_open": False}
    assert events[-1]["parse_data"]["intent"]["name"] == "affirm"
    assert question_state(database, reference) == (Status.needs_info, None)


def test_a_reply_longer_than_an_answer_takes_is_refused_and_nothing_is_recorded(database):
    reference = submitted_by_sender(database)
    ask(database, reference, "Which parks do you mean?")
    _, messages = run(ReplyToQuestion(), tracker({"question_open": True}, "Zilker " * 900, "faq"))
    assert messages[0]["response"] == "utter_answer_too_long"
    assert question_state(database, reference) == (Status.needs_info, None)


@pytest.mark.parametrize(
    ("text", "intent", "something_else"),
    [
        ("hi", "greet", True),
        ("thanks!", "thank", True),
        ("what's the status of SC-2026-00001?", "check_status", True),
        ("I want to talk to a person", "human_handoff", True),
        ("stop", "faq", True),
        ("who owns the data from a pilot?", "faq", True),
        ("I want to submit a new proposal", "submit_proposal", True),
        ("Our budget is $40,000 and the City would own all data collected.", "faq", False),
        (
            "We would run the sensors at ten intersections on Lamar for six months at our cost",
            "submit_proposal",
            False,
        ),
        ("Zilker and Pease parks", "nlu_fallback", False),
        ("7", "nlu_fallback", True),
    ],
)
def test_what_plainly_is_something_else_than_an_answer(text, intent, something_else):
    message = {"text": text, "intent": {"name": intent, "confidence": 0.9}}
    assert plainly_something_else(message) is something_else


def test_a_short_request_the_classifier_is_unsure_of_is_an_answer():
    message = {"text": "Bottle fillers, so runners can refill", "intent": {"name": "suggest_idea"}}
    message["intent"]["confidence"] = 0.6
    assert not plainly_something_else(message)
