"""What the conversation's store must never write of a turn: the action side of
rasa_env/redaction.py (the two run in different environments and share only this
mark). A reply carries the mark in its metadata (`dispatcher.utter_message(...,
**mark)`); the person sees the reply as it is, and the tracker store, saving the turn,
replaces every secret in every text of the conversation, and with `forget`, every text
said while those forms were active and every value of those slots."""

from collections.abc import Iterable
from typing import Any

MARK = "entryway_private"


def keep_out(secrets: Iterable[str], forms: Iterable[str] = (), slots: Iterable[str] = ()) -> dict:
    """The keyword argument for `utter_message` that marks the reply."""
    mark: dict[str, Any] = {"secrets": list(secrets)}
    forms, slots = list(forms), list(slots)
    if forms or slots:
        mark["forget"] = {"forms": forms, "slots": slots}
    return {MARK: mark}
