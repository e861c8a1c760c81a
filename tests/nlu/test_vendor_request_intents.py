"""A submitter's requests typed in either language are understood as their intents
(nlu/intents.yml, nlu/intents_es.yml), with the reference when one is named, and their
neighbours stay what they were: "cancel" is `stop`, an update on a proposal is a status
question, and a reference with the private status code (the answer when the proof is
asked for) is `check_status`. Phrasings that are not training examples."""

import pytest

from tests.support.nlu_graph import parsed

TYPED = [
    ("we want to withdraw SC-2026-00019", "withdraw_submission"),
    ("hey, can you pull our proposal? we're out", "withdraw_submission"),
    ("quiero retirar la SC-2026-00003", "withdraw_submission"),
    ("retiren nuestra propuesta porfa", "withdraw_submission"),
    ("I need to change the budget we put in our proposal", "amend_submission"),
    ("necesito cambiar lo que puse del presupuesto", "amend_submission"),
    ("how did SC-2026-00012 score?", "request_debrief"),
    ("could we get feedback on the scoring of our proposal", "request_debrief"),
    ("¿me pueden decir cómo calificaron mi propuesta?", "request_debrief"),
]
NEIGHBOURS = [
    ("cancel", "stop"),
    ("cancela la propuesta", "stop"),
    ("any update on my proposal?", "check_status"),
    ("¿cómo va mi propuesta?", "check_status"),
    ("I want to submit a proposal", "submit_proposal"),
    ("es la SC-2026-00042, mi código es AbCdEfGh12345678", "check_status"),
]


@pytest.mark.parametrize(("text", "intent"), TYPED + NEIGHBOURS)
def test_a_typed_request_and_its_neighbours_are_told_apart(text, intent) -> None:
    parse = parsed(text)
    assert parse["intent"]["name"] == intent, parse["intent_ranking"][:3]
    if "SC-2026" in text:
        references = [e["value"] for e in parse["entities"] if e["entity"] == "reference"]
        assert any(value.startswith("SC-2026-") for value in references), parse["entities"]
