"""Each stored event's class looked up once per type name.

Replaces `Event.resolve_by_type`, which walks every Event subclass for every event of the
tracker on every message (about 8% of a Rasa server's CPU under `make bench`). The classes
are fixed once Rasa is imported, so the lookup is done once per type name; the first match
wins, as in Rasa's loop, and a name no class has goes to Rasa's own (its default, or its
error).
"""

import functools

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from rasa_env.patches.targets import Target, original, replace

RESOLVE_BY_TYPE = Target(
    "rasa.shared.core.events",
    "Event.resolve_by_type",
    "b5cf570fa7f286c7059ec73d8880528d03a78b28cf4e80285a46079c0fa65968",
)
TARGETS = (RESOLVE_BY_TYPE,)


@functools.cache
def _event_classes() -> dict[str, type[Event]]:
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)
    return classes


def resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_classes().get(type_name)
    return found if found is not None else original(RESOLVE_BY_TYPE)(type_name, default)


def apply() -> None:
    replace(RESOLVE_BY_TYPE, staticmethod(resolve_by_type))
