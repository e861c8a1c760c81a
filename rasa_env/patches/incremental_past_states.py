"""A tracker's dialogue states computed from where the last call on it left off.

Replaces `DialogueStateTracker.past_states`, which replays the whole session for each
prediction, several per message, to list the dialogue states the RulePolicy matches rules
against (7.5% of a Rasa server's busy time at 20 users). Here each tracker keeps the states
up to its latest action and the tracker replayed to there, and the next call on it goes on
from there as long as its applied events still begin with the same event objects (a revert
or a new session starts again). The RulePolicy, the only policy here, never ignores
rule-only turns; any other call is Rasa's own. Callers change the states' parts
(`del state["user"]["text"]`), and a state's parts can be the replayed tracker's own (its
latest action), so each call gets copies down to those parts.
"""

import dataclasses
from typing import Any

from rasa.shared.core.domain import Domain, State
from rasa.shared.core.events import (
    ActionExecuted,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
)
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_env.patches.targets import Target, original, replace

PAST_STATES = Target(
    "rasa.shared.core.trackers",
    "DialogueStateTracker.past_states",
    "5463eefb5c69d27f82cdc7eca84e23b4b82851e9a5ff575bd02447d4d987103b",
)
TARGETS = (PAST_STATES,)
STATES_SO_FAR = "_entryway_states_so_far"
# Events whose `apply_to` changes an earlier event (the latest user message) in place, on
# every replay: states kept from before them would differ from Rasa's. Only end-to-end
# policies log them; a tracker holding one is left to Rasa.
CHANGING_EARLIER_EVENTS = (DefinePrevUserUtteredFeaturization, EntitiesAdded)


@dataclasses.dataclass
class StatesSoFar:
    """The states of a tracker's applied events up to its latest action, and the tracker
    replayed to there, for the next call on the same tracker to go on from."""

    domain: Domain
    omit_unset_slots: bool
    events: list[Event]
    states: list[State]
    replayed: DialogueStateTracker


def past_states(
    self: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Rasa's states for the tracker's history (one per action, then the current one)."""
    if ignore_rule_only_turns:
        return original(PAST_STATES)(
            self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    applied = self.applied_events()
    if any(isinstance(event, CHANGING_EARLIER_EVENTS) for event in applied):
        self.__dict__.pop(STATES_SO_FAR, None)
        return original(PAST_STATES)(self, domain, omit_unset_slots)
    so_far: StatesSoFar | None = self.__dict__.get(STATES_SO_FAR)
    if (
        so_far is None
        or so_far.domain is not domain
        or so_far.omit_unset_slots != omit_unset_slots
        or len(so_far.events) > len(applied)
        or any(kept is not event for kept, event in zip(so_far.events, applied, strict=False))
    ):
        so_far = StatesSoFar(domain, omit_unset_slots, [], [], self.init_copy())
    for event in applied[len(so_far.events) :]:
        if isinstance(event, ActionExecuted):
            state = domain.get_active_state(so_far.replayed, omit_unset_slots=omit_unset_slots)
            so_far.states.append(domain._clean_state(state))
        so_far.replayed.update(event)
    so_far.events = applied
    self.__dict__[STATES_SO_FAR] = so_far
    current = domain.get_active_state(so_far.replayed, omit_unset_slots=omit_unset_slots)
    states = [*so_far.states, domain._clean_state(current)]
    return [_parts_copied(state) for state in states]


def _parts_copied(state: State) -> State:
    return {name: dict(part) for name, part in state.items()}  # type: ignore[misc]


def apply() -> None:
    replace(PAST_STATES, past_states)
