"""The RulePolicy's look-up by a message's text skipped when no rule can match it.

Replaces `RulePolicy._find_action_from_rules`. After every user message Rasa's RulePolicy
looks the rules up twice (`RulePolicy._predict`): first with the message's text in place
of its intent and entities (for end-to-end rules, written with `user:` text), then with
its intent. Entryway's rules are all written with intents, so the first look-up finds
nothing, yet it costs what the second does: the dialogue states listed and formatted, every
rule tested against them (what that saved: docs/performance/2026-12-07-cpu-per-message.md).

It is skipped only when it provably finds nothing, read from the trained rules themselves
(once per policy). In that look-up the last dialogue state has action_listen before it and
a user part with no intent (`TrackerFeaturizer._choose_last_user_input` removes it), so a
rule, or a loop's unhappy-path condition, matches it only if its own last state has a
previous action that may be action_listen and asks for no intent
(`RulePolicy._is_rule_applicable`, `_does_rule_match_state`). When no rule is such, Rasa's
look-up returns no action and "not returning from an unhappy path", which is what is
returned here; the rule it would name as the source is read by `_predict` only with an
action. A model with such a rule (an end-to-end rule, a rule with no user step after
action_listen) is looked up as Rasa does. The hashes cover the functions this argument
reads.
"""

import json
from typing import Any

from rasa.core.policies.rule_policy import RULES, RULES_FOR_LOOP_UNHAPPY_PATH, RulePolicy
from rasa.shared.core.constants import (
    ACTION_LISTEN_NAME,
    PREVIOUS_ACTION,
    SHOULD_NOT_BE_SET,
    USER,
)
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

from rasa_env.patches.targets import Target, original, replace

FIND = Target(
    "rasa.core.policies.rule_policy",
    "RulePolicy._find_action_from_rules",
    "be6da6ee0f5429bd9bbded9f22186f3729469e5b392949493fd34a00ef9531d9",
)
# Not replaced: what the argument above reads of Rasa (a change there is caught too).
PREDICT = Target(
    "rasa.core.policies.rule_policy",
    "RulePolicy._predict",
    "f5182d8a10639e14d2643795210767a17fc4c8b5c2852b946f41c6c9f1a8a4e0",
)
APPLICABLE = Target(
    "rasa.core.policies.rule_policy",
    "RulePolicy._is_rule_applicable",
    "64a108b016b46e573d6020b755a6036439dc207a364b45c9ea5dcb0f18dc7068",
)
MATCH = Target(
    "rasa.core.policies.rule_policy",
    "RulePolicy._does_rule_match_state",
    "d3109c1a97de319ceee17570d2d96b51c2fa0006379c5a491d5ed7df136666a7",
)
LAST_INPUT = Target(
    "rasa.core.featurizers.tracker_featurizers",
    "TrackerFeaturizer._choose_last_user_input",
    "0a4f5a414bf19fbbb2d8c4b0ce47e65ccdcb50bfea656b87ed4b7fa9f14a9bfa",
)
TARGETS = (FIND, PREDICT, APPLICABLE, MATCH, LAST_INPUT)
TEXT_FINDS_NOTHING = "_entryway_text_finds_nothing"


def _asks_for(sub_state: Any, key: str) -> Any:
    """The value a rule's sub-state asks for at `key`, if it asks for one to be set."""
    value = sub_state.get(key) if isinstance(sub_state, dict) else None
    return value if value and value != SHOULD_NOT_BE_SET else None


def could_match_without_intent(rule_key: str) -> bool:
    """Whether the rule's last state can match a state whose previous action is
    action_listen and whose user part has no intent."""
    states = json.loads(rule_key)
    if not states:
        return True
    last = states[-1]
    previous = last.get(PREVIOUS_ACTION)
    if not previous or _asks_for(last.get(USER), INTENT):
        return False
    return _asks_for(previous, ACTION_NAME) in (None, ACTION_LISTEN_NAME)


def text_finds_nothing(policy: RulePolicy) -> bool:
    """Whether no rule of the policy can match a message by its text. Worked out once for
    the rules as they are: a policy being trained predicts while its rules still change
    (Rasa checks them for contradictions), so a change of the rules works it out again."""
    rules = policy.lookup.get(RULES, {})
    loops = policy.lookup.get(RULES_FOR_LOOP_UNHAPPY_PATH, {})
    these_rules = (id(rules), len(rules), id(loops), len(loops))
    known = policy.__dict__.get(TEXT_FINDS_NOTHING)
    if known is None or known[0] != these_rules:
        known = (these_rules, not any(map(could_match_without_intent, [*rules, *loops])))
        policy.__dict__[TEXT_FINDS_NOTHING] = known
    return known[1]


def find_action_from_rules(
    self: RulePolicy, tracker: Any, domain: Any, use_text_for_last_user_input: bool
) -> tuple[str | None, str | None, bool]:
    if use_text_for_last_user_input and text_finds_nothing(self):
        return None, None, False
    return original(FIND)(self, tracker, domain, use_text_for_last_user_input)


def apply() -> None:
    replace(FIND, find_action_from_rules)
