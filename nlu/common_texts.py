"""What a Rasa server may remember of what people write: results computed from short texts
that more than one conversation sent, for a quarter of an hour.

The parse cache (rasa_env/patches/shared_parse_cache.py) and the sentence featurizer's
embeddings (nlu/sentence_featurizer.py) both keep results per text, to skip the work the next time
the text comes. Only texts of at most `MAX_CHARS` that a second conversation sent are
kept, each for at most `KEEP_SECONDS` (as long as the trackers Rasa keeps,
rasa_env/tracker_store.py): what people say in common ("yes", "skip", "what's the status
of my proposal?"), never one conversation's answers (a name, an e-mail address, a
confidential description), which are computed every time. The same person writing from
two conversations (web and Slack, say) can make their answer common, for those minutes.
Until a second conversation sends a text, only hashes of the text and of its first sender
are remembered.

The sender is the conversation whose message is being parsed:
rasa_env/patches/shared_parse_cache.py sets `current_sender` around each parse (the NLU
graph runs in the same thread, inside that call). Without it (training, `rasa shell nlu`,
the NLU evaluation), no text is ever common, and nothing is kept.

Here rather than in rasa_env/ because the featurizer is a component of the model and
runs wherever the model does; rasa_env/ imports it from here.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Generic, TypeVar

MAX_CHARS = 100
KEEP_SECONDS = 15 * 60
FIRST_SENDERS = 8192  # texts whose first sender is remembered until a second one comes

# The conversation whose message the NLU graph is parsing now (None: not a conversation's).
current_sender: ContextVar[str | None] = ContextVar("entryway_current_sender", default=None)

Value = TypeVar("Value")


class CommonTexts(Generic[Value]):
    """The values of short texts that more than one conversation sent, the most recent
    `size` of them, each for `seconds`. `copy` makes what is kept and what is handed out
    (callers that change what they get need their own copy)."""

    def __init__(
        self,
        size: int,
        first_senders: int = FIRST_SENDERS,
        seconds: float = KEEP_SECONDS,
        copy: Callable[[Value], Value] = lambda value: value,
    ) -> None:
        self._values: OrderedDict[str, tuple[Value, float]] = OrderedDict()
        self._first_sender: OrderedDict[int, int] = OrderedDict()  # hashes: text -> sender
        self._sizes = (size, first_senders)
        self._seconds = seconds
        self._copy = copy

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, text: str) -> bool:
        return text in self._values

    def get(self, text: str) -> Value | None:
        """A copy of the text's kept value, if it has one still fresh."""
        kept = self._values.get(text)
        if kept is None:
            return None
        value, since = kept
        if time.monotonic() - since > self._seconds:
            del self._values[text]  # to be sent by two conversations again
            return None
        self._values.move_to_end(text)
        return self._copy(value)

    def offer(self, text: str, sender: str | None, value: Value) -> None:
        """Keeps a copy of the value once a second conversation has sent the text."""
        if len(text) > MAX_CHARS or sender is None or self._sizes[0] == 0:
            return
        key, sent_by = hash(text), hash(sender)
        first = self._first_sender.pop(key, sent_by)
        if first == sent_by:  # the first sender, or the same one again
            self._first_sender[key] = first
            if len(self._first_sender) > self._sizes[1]:
                self._first_sender.popitem(last=False)
            return
        self._values[text] = (self._copy(value), time.monotonic())
        self._values.move_to_end(text)
        while len(self._values) > self._sizes[0]:
            self._values.popitem(last=False)
