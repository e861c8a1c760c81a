"""rasa_env/patches/intent_only_rules.py: the RulePolicy predicts what Rasa's predicts, with
the look-up by text skipped only for rules that can never match a text."""

import asyncio
import json
from types import SimpleNamespace

import pytest
from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_env.patches.intent_only_rules import (
    FIND,
    could_match_without_intent,
    find_action_from_rules,
    text_finds_nothing,
)
from rasa_env.patches.targets import original
from tests.support.dialogue_events import conversation
from tests.support.patched_rasa import apply_patches, phrasings, trained_agent

apply_patches()


def _key(*states: dict) -> str:
    return json.dumps(list(states))


LISTENED = {"prev_action": {"action_name": "action_listen"}}


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert RulePolicy._find_action_from_rules is find_action_from_rules


@pytest.mark.parametrize(
    ("state", "could_match"),
    [
        ({**LISTENED, "user": {"intent": "greet"}}, False),
        ({"prev_action": {"action_name": "proposal_form"}}, False),
        ({"user": {"intent": "greet"}}, False),  # a conversation's start: no action before
        ({**LISTENED, "user": {"text": "hello"}}, True),  # an end-to-end rule
        ({**LISTENED, "user": {"intent": "should_not_be_set"}}, True),
        (LISTENED, True),
        ({"prev_action": {"action_text": "Hi!"}}, True),
        ({"prev_action": {"action_name": "should_not_be_set"}}, True),
    ],
)
def test_a_rule_can_match_a_text_only_when_its_last_state_allows_it(
    state: dict, could_match: bool
) -> None:
    assert could_match_without_intent(_key({}, state)) is could_match
    assert could_match_without_intent(_key()) is True


def test_one_rule_that_could_match_a_text_keeps_rasas_look_up() -> None:
    by_intent = _key({**LISTENED, "user": {"intent": "greet"}})
    by_text = _key({**LISTENED, "user": {"text": "hello"}})
    policy = SimpleNamespace(lookup={RULES: {by_intent: "utter_greet"}})
    assert text_finds_nothing(policy)  # type: ignore[arg-type]
    for lookup in (
        {RULES: {by_intent: "a", by_text: "b"}},
        {RULES_FOR_LOOP_UNHAPPY_PATH: {by_text: "c"}},
    ):
        assert not text_finds_nothing(SimpleNamespace(lookup=lookup))  # type: ignore[arg-type]


def test_rules_that_change_are_read_again() -> None:
    policy = SimpleNamespace(lookup={RULES: {_key({**LISTENED, "user": {"intent": "hi"}}): "a"}})
    assert text_finds_nothing(policy)  # type: ignore[arg-type]
    policy.lookup[RULES][_key({**LISTENED, "user": {"text": "hello"}})] = "b"
    assert not text_finds_nothing(policy)  # type: ignore[arg-type]


def _policy_and_rule_only_data() -> tuple[RulePolicy, dict]:
    nodes = trained_agent().processor.graph_runner._instantiated_nodes  # type: ignore[attr-defined]
    policy = next(n._component for n in nodes.values() if isinstance(n._component, RulePolicy))
    provider = next(n._component for name, n in nodes.items() if "rule_only_data" in name)
    return policy, provider.provide()


def test_entryways_rules_never_match_a_text() -> None:
    policy, _ = _policy_and_rule_only_data()
    assert text_finds_nothing(policy)


def test_every_prediction_is_rasas(monkeypatch: pytest.MonkeyPatch) -> None:
    agent = trained_agent()
    policy, rule_only_data = _policy_and_rule_only_data()
    domain = agent.domain
    events = list(conversation())
    for text in phrasings()[::7]:  # Entryway's own intents, parsed by its model
        parse = asyncio.run(agent.parse_message(text))
        said = UserUttered(text, parse["intent"], parse["entities"], parse)
        events += [ActionExecuted("action_listen"), said]
    tracker = DialogueStateTracker("someone", domain.slots)
    compared = 0
    for event in events:
        tracker.update(event, domain)
        patched = policy.predict_action_probabilities(tracker, domain, rule_only_data)
        with monkeypatch.context() as rasas:
            rasas.setattr(RulePolicy, "_find_action_from_rules", original(FIND))
            expected = policy.predict_action_probabilities(tracker, domain, rule_only_data)
        assert patched == expected, event
        compared += tracker.latest_action_name == "action_listen"
    assert compared > 20
