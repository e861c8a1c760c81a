"""Asking to talk to City staff (actions/handoff.py): recorded with its post, and limited
per chat identity, per client and for everyone together."""

import pytest
from rasa_sdk.events import FollowupAction
from sqlmodel import select

from actions.handoff import MAX_HANDOFFS, FinishHandoff, StartHandoff, ValidateHandoffForm
from storage import handoffs
from storage.catalogue import text as catalogue_text
from storage.db import session_scope
from storage.models import HandoffDelivery, OutboxMessage
from storage.settings import get_settings
from tests.support.action_calls import (
    SENDER,
    from_client,
    run,
    slot_events,
    tracker,
)

pytestmark = pytest.mark.usefixtures("database")


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
        [request] = handoffs.list_handoffs(session)
        assert request.reference == "SC-2026-00007" and not request.reference_verified
        [post] = session.exec(select(OutboxMessage)).all()
        assert (post.kind, post.payload) == ("handoff", {"handoff_id": request.id})


def test_handoffs_per_chat_identity_are_limited(database):
    for _ in range(MAX_HANDOFFS):
        events, messages = run(StartHandoff(), tracker())
        assert FollowupAction("handoff_form") in events
        with session_scope(database) as session:
            handoffs.create_handoff(session, SENDER, "web", "Pilot question", "a@b.example", None)
    events, messages = run(StartHandoff(), tracker())
    assert messages[0]["response"] == "utter_handoff_limited"
    assert FollowupAction("handoff_form") not in events


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
        requests = {r.sender_id: r.delivery for r in handoffs.list_handoffs(session)}
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
        recorded = [(r.sender_id, r.delivery) for r in handoffs.list_handoffs(session)]
    assert recorded == [("web-b", HandoffDelivery.held), ("web-a", HandoffDelivery.posted)]


def test_a_handoff_in_spanish_is_promised_and_confirmed_in_spanish(database):
    spanish = {"language": "es"}
    _, messages = run(StartHandoff(), tracker(spanish))
    assert messages[0]["response"] == "utter_handoff_start"
    topic = "Quiero hablar del piloto de mi propuesta, la sc 2026 7 😊"
    slots = {**spanish, "handoff_topic": topic, "handoff_contact": "ana@x.mx"}
    _, messages = run(FinishHandoff(), tracker(slots))
    assert messages[0]["response"] == "utter_handoff_sent"
    assert messages[0]["answer_time"] == "en un plazo de 2 días hábiles"
    with session_scope(database) as session:
        [request] = handoffs.list_handoffs(session)
    assert request.topic == topic  # their words, as written
    assert request.reference == "SC-2026-00007"  # found inside the Spanish sentence
    assert request.language == "es"  # the post tells staff to answer in Spanish


def test_a_spanish_handoff_over_the_limits_is_told_so_in_spanish(database, monkeypatch):
    monkeypatch.setenv("ENTRYWAY_HANDOFF_LIMIT_TOTAL", "1")
    get_settings.cache_clear()
    slots = {"language": "es", "handoff_topic": "El piloto", "handoff_contact": "ana@x.mx"}
    run(FinishHandoff(), tracker(slots, sender="web-a", extra=from_client("198.51.100.1")))
    _, messages = run(
        FinishHandoff(), tracker(slots, sender="web-b", extra=from_client("198.51.100.2"))
    )
    assert messages[0]["text"] == catalogue_text(
        "handoff.held_total", "es", contact="ana@x.mx", answer_time="en un plazo de 2 días hábiles"
    )
    assert messages[0]["text"].startswith("Gracias. En la última hora muchas personas")
    for _ in range(MAX_HANDOFFS):
        with session_scope(database) as session:
            handoffs.create_handoff(session, SENDER, "web", "El piloto", "a@b.example", None)
    _, messages = run(StartHandoff(), tracker({"language": "es"}))
    assert messages[0]["response"] == "utter_handoff_limited"
    assert messages[0]["answer_time"] == "en un plazo de 2 días hábiles"


def _handoff_answer(slot: str, said: str, language: str, given: dict | None = None) -> tuple:
    current = tracker(
        {**(given or {}), "language": language, "requested_slot": slot}, said, "inform", 0.3
    )
    events, messages = run(ValidateHandoffForm(), current)
    return slot_events(events), messages


def test_bad_handoff_answers_are_explained_in_the_persons_language_and_lose_nothing():
    given = {"handoff_topic": "Quiero hablar del piloto de semáforos"}
    changed, [reply] = _handoff_answer("handoff_contact", "llámame mañana", "es", given)
    assert reply["text"] == (
        "El personal responde por correo electrónico o por teléfono. ¿Me das uno de los dos?"
    )
    assert "handoff_topic" not in changed  # the topic given before stays
    changed, [reply] = _handoff_answer("handoff_contact", "call me tomorrow", "en", given)
    assert reply["text"] == "Staff answer by email or phone. Could you give one of them?"
    _, [reply] = _handoff_answer("handoff_topic", "🙏", "es")
    assert reply["text"] == catalogue_text("form.invalid.too_short", "es", minimum=3)
    changed, [reply] = _handoff_answer("handoff_topic", "semáforo " * 600, "es")
    assert reply["response"] == "utter_answer_too_long"
    assert changed["handoff_topic"] is None
    changed, _ = _handoff_answer("handoff_contact", "ana@correo.mx", "es", given)
    assert changed["handoff_contact"] == "ana@correo.mx"
