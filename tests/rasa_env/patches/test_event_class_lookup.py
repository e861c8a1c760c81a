"""rasa_env/patches/event_class_lookup.py: every event type resolves to Rasa's own class."""

import pytest
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from rasa_env.patches.event_class_lookup import RESOLVE_BY_TYPE, resolve_by_type
from rasa_env.patches.targets import original
from tests.support.patched_rasa import apply_patches

apply_patches()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert Event.resolve_by_type is resolve_by_type


def test_every_type_name_resolves_to_the_class_rasas_lookup_finds() -> None:
    names = {cls.type_name for cls in all_subclasses(Event)}
    assert len(names) > 20
    for name in names:
        assert Event.resolve_by_type(name) is original(RESOLVE_BY_TYPE)(name), name
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("user") is UserUttered


def test_an_unknown_name_gets_rasas_default_or_error() -> None:
    assert Event.resolve_by_type("topic") is original(RESOLVE_BY_TYPE)("topic") is None
    assert Event.resolve_by_type("no-such-event", SlotSet) is SlotSet
    for resolve in (Event.resolve_by_type, original(RESOLVE_BY_TYPE)):
        with pytest.raises(ValueError):
            resolve("no-such-event")
