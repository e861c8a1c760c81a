"""Action-server actions, called with real trackers and a real database; assert events:
the forms, the submission flow, status look-ups and clarification."""

import pytest
from rasa_sdk.events import FollowupAction, SlotSet
from sqlmodel import select

from actions.barrier import ValidateBarrierForm
from actions.clarify import Clarify
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
from storage import contacts, drafts, submissions
from storage.db import session_scope
from storage.models import Kind, Submission
from storage.settings import get_settings
from storage.workflow import rules, transitions
from tests.support.action_calls import (
    ASKER,
    REST_SENDER,
    SENDER,
    answered,
    from_client,
    run,
    slot_events,
    tracker,
)
from tests.support.conversation import PROPOSAL_ANSWERS

pytestmark = pytest.mark.usefixtures("database")


def test_a_valid_answer_is_kept_saved_as_draft_and_the_next_question_requested(database):
    slots = {**answered("email"), "requested_slot": "email", "email": "Ann@Acme.Example "}
    events, messages = run(ValidateProposalForm(), tracker(slots, "Ann@Acme.Example "))
    assert slot_events(events) == {"email": "ann@acme.example", "requested_slot": "phone"}
    assert messages == []
    with session_scope(database) as session:
        draft = drafts.get_draft(session, SENDER, Kind.proposal)
        assert draft.answers["email"] == "ann@acme.example"
        assert draft.answers["organisation"] == "Zephyr Kinetics Holdings"


def test_an_invalid_answer_is_explained_and_asked_again():
    slots = {**answered("email"), "requested_slot": "email", "email": "ann@"}
    events, messages = run(ValidateProposalForm(), tracker(slots, "ann@"))
    assert slot_events(events) == {"email": None, "requested_slot": "email"}
    assert "doesn't look like an email" in messages[0]["text"]


@pytest.mark.parametrize(
    "said,number",
    [
        ("mi cel es 512 555 0100", "512 555 0100"),
        ("call me at (512) 555-0100 after 5", "(512) 555-0100"),
    ],
)
def test_a_sentence_with_a_phone_number_keeps_the_number_only(said, number):
    slots = {**answered("phone"), "requested_slot": "phone", "phone": said}
    events, messages = run(ValidateProposalForm(), tracker(slots, said))
    assert slot_events(events) == {"phone": number, "requested_slot": "website"}
    assert messages == []


def test_a_reference_is_not_taken_for_a_phone_number():
    said = "es sobre ENT-2026-0001"
    slots = {**answered("phone"), "requested_slot": "phone", "phone": said}
    events, messages = run(ValidateProposalForm(), tracker(slots, said))
    assert slot_events(events) == {"phone": None, "requested_slot": "phone"}
    assert messages  # told what a phone number looks like, asked again


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
    assert slot_events(events) == {"maturity": "idea", "requested_slot": "city_ask"}
    slots.update(maturity="piloted")
    events, _ = run(ValidateProposalForm(), tracker(slots, "piloted in Tulsa"))
    assert slot_events(events) == {"maturity": "piloted", "requested_slot": "maturity_where"}


def test_start_offers_to_resume_a_saved_draft(database):
    events, messages = run(StartProposal(), tracker())
    assert FollowupAction("proposal_form") in events
    with session_scope(database) as session:
        drafts.save_draft(session, SENDER, Kind.proposal, {"organisation": "Acme"})
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
        drafts.save_draft(session, SENDER, Kind.idea, {"idea_text": "Benches on trails"})
    events, messages = run(KeepDraft(), tracker({"active_form": "idea"}))
    assert slot_events(events) == {"resume_offered": False, "active_form": None}
    assert "unfinished idea stays saved" in messages[0]["text"]
    with session_scope(database) as session:
        assert drafts.get_draft(session, SENDER, Kind.idea).answers == {
            "idea_text": "Benches on trails"
        }


def test_greeting_offers_an_unfinished_proposal_back(database):
    events, messages = run(Greet(), tracker())
    assert events == [] and messages[0]["response"] == "utter_greet"
    with session_scope(database) as session:
        drafts.save_draft(session, SENDER, Kind.proposal, {"organisation": "Acme", "title": "x"})
    events, messages = run(Greet(), tracker())
    assert events == [SlotSet("resume_offered", True), SlotSet("active_form", "proposal")]
    assert "2 answers saved" in messages[1]["text"]


def test_finish_stores_the_proposal_and_gives_reference_and_token(database):
    slots = _proposal_slots(
        confidential_fields=["solution", "ip_terms"],
        proposal_confirmed="yes",
        form_outcome="confirmed",
    )
    with session_scope(database) as session:
        drafts.save_draft(session, SENDER, Kind.proposal, {"organisation": "x"})
    events, messages = run(FinishSubmission(), tracker(slots))
    reference = slot_events(events)["last_reference"]
    assert reference in messages[0]["text"]
    # Shown to the person; marked so that the tracker store never writes it.
    code = messages[0]["text"].split("private status code is ")[1].split(":")[0]
    assert messages[0]["entryway_private"] == {"secrets": [code]}
    with session_scope(database) as session:
        stored = submissions.get_submission(session, reference)
        assert stored.title == "Adaptive signal timing pilot on Lamar"
        answers = {a.field: a for a in submissions.get_answers(session, stored.id)}
        assert answers["solution"].confidential and answers["ip_terms"].confidential
        assert not answers["timeline"].confidential
        assert "organisation" not in answers and "email" not in answers
        contact = contacts.get_contact(session, stored.contact_id)
        assert contact.phone == "+1 512 555 0199" and contact.language == "en"
        # Choices are stored as codes, whatever language they were given in.
        assert stored.category == "mobility"
        assert answers["cost_model"].value == "cost_share"
        assert answers["open_data"].value == "partly"
        assert drafts.get_draft(session, SENDER, Kind.proposal) is None
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


def test_a_submission_over_a_clients_hourly_limit_stays_a_draft(database, monkeypatch):
    monkeypatch.setenv("ENTRYWAY_SUBMISSION_LIMIT_PER_CLIENT", "1")
    get_settings.cache_clear()
    slots = _proposal_slots(proposal_confirmed="yes", form_outcome="confirmed")
    draft = {"organisation": "Acme", "title": "Adaptive signal timing pilot on Lamar"}
    for sender in ("web-first", "web-second"):
        with session_scope(database) as session:
            drafts.save_draft(session, sender, Kind.proposal, draft)
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
        assert drafts.get_draft(session, "web-second", Kind.proposal).answers == draft
    # From another client it goes through.
    later, _ = run(FinishSubmission(), tracker(slots, sender="web-second", extra=from_client("y")))
    assert "last_reference" in slot_events(later)


def _proposal_slots(**changes) -> dict:
    """The proposal's slots as the form leaves them: each typed answer parsed by its question."""
    form = ValidateProposalForm()
    slots = {slot: form.question(slot).parse(typed) for slot, typed in PROPOSAL_ANSWERS}
    return {**slots, "confidential_fields": [], **changes}


@pytest.mark.parametrize(
    ("answers", "path", "reason"),
    [
        (
            {"cost_model": "vendor_funded"},
            "no_cost_pilot",
            "asks the City only for pilot site",
        ),
        ({"city_ask": ["partnership"]}, "partnership", "a partnership"),
        ({"cost_model": "revenue_share"}, "partnership", "revenue share / public-private"),
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
    slots.update(confidential_fields=["solution"], city_ask=["pilot_site"])
    events, messages = run(FinishSubmission(), tracker(slots, "", extra=visit("visit-B")))
    assert "Staff will use new.desk@zephyr-kinetics.example" in messages[0]["text"]
    with session_scope(database) as session:
        stored = submissions.get_submission(session, slot_events(events)["last_reference"])
        kept = contacts.get_contact(session, stored.contact_id)
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
        answers = drafts.get_draft(session, SENDER, Kind.proposal).answers
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
            transitions.request_info(
                session, asked, rules.Staff("cli:operator:ann"), "Which trail part?"
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
        transitions.request_info(session, reference, ASKER, "Which part of the trail?")
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
