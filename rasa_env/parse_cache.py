"""Fix 14 of rasa_env/launch.py: a short text many people send is understood once.

"yes", "skip", "hello", "what's the status of my proposal?": much of what a form-driven
conversation hears is the same few texts, and the NLU graph gives the same parse of the
same text every time when each of its components reads nothing but the message's text
(rasa_env/components.py; checked per model, so a model with any other component parses
every message). Rasa still ran the whole graph for each: 0.5 ms of CPU for "yes", 1.5 ms
for an FAQ question, with the sentence encoder's own cache hit; a copy from here takes
0.05 ms.

Only texts of at most `MAX_CHARS` that more than one conversation sent are kept, each for
at most `KEEP_SECONDS`, as long as the trackers Rasa keeps (rasa_env/tracker_store.py).
So what the cache holds is what people say in common, not one conversation's answers (a
name, an email address, a description), which are parsed every time. The same person
writing from two conversations (web and Slack, say) can make their answer common, for
those minutes. Until a second conversation sends a text, only hashes of the text and of
its first sender are remembered. Callers change the parse they get (Rasa adds the full
retrieval intent to it), so each gets its own copy.
"""

import copy
import time
from collections import OrderedDict
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from rasa_env import components

# Parses kept per Rasa server (a parse with its rankings is 4-7 KiB of Python objects,
# tracemalloc, and a 100-character text's tokens at most 6 more: at most about 6 MiB; a
# 5,000-character text's tokens alone would be hundreds of KiB), and texts whose first
# sender is remembered until a second one comes.
MAX_CHARS = 100
KEPT_PARSES = 512
KEEP_SECONDS = 15 * 60
FIRST_SENDERS = 8192
CACHE = "_entryway_parse_cache"


class ParseCache:
    """The parses of short texts that more than one conversation sent, the most recent
    `parses` of them, each for `seconds`."""

    def __init__(
        self,
        parses: int = KEPT_PARSES,
        first_senders: int = FIRST_SENDERS,
        seconds: float = KEEP_SECONDS,
    ) -> None:
        self._parses: OrderedDict[str, tuple[dict[str, Any], float]] = OrderedDict()
        self._first_sender: OrderedDict[int, int] = OrderedDict()  # hashes: text -> sender
        self._sizes = (parses, first_senders)
        self._seconds = seconds

    def get(self, text: str) -> dict[str, Any] | None:
        """A copy of the text's kept parse, if it has one."""
        kept = self._parses.get(text)
        if kept is None:
            return None
        parse, since = kept
        if time.monotonic() - since > self._seconds:
            del self._parses[text]  # to be sent by two conversations again
            return None
        self._parses.move_to_end(text)
        return copy.deepcopy(parse)

    def offer(self, text: str, sender: str | None, parse: dict[str, Any]) -> None:
        """Keeps a copy of the parse once a second conversation has sent the text."""
        if len(text) > MAX_CHARS:
            return
        key, sent_by = hash(text), hash(sender)
        first = self._first_sender.pop(key, sent_by)
        if first == sent_by:  # the first sender, or the same one again
            self._first_sender[key] = first
            if len(self._first_sender) > self._sizes[1]:
                self._first_sender.popitem(last=False)
            return
        self._parses[text] = (copy.deepcopy(parse), time.monotonic())
        while len(self._parses) > self._sizes[0]:
            self._parses.popitem(last=False)


def text_only(processor: MessageProcessor) -> bool:
    """Whether every component the NLU graph runs reads nothing but the message's text."""
    metadata = processor.model_metadata
    schema = metadata.predict_schema.minimal_graph_schema([metadata.nlu_target])
    return components.all_have(components.names_of(schema), components.TEXT_ALONE)


def _cache_of(processor: MessageProcessor) -> ParseCache | None:
    # One per processor: a model loaded later gets its own processor, so its own cache.
    if CACHE not in processor.__dict__:
        processor.__dict__[CACHE] = ParseCache() if text_only(processor) else None
    return processor.__dict__[CACHE]


_original_parse = MessageProcessor._parse_message_with_graph


def parse_message_with_graph(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    """Rasa's parse of the message, from the cache when its text is common. Only the
    output properties are cached (the rest carries the message's id and metadata)."""
    cache = _cache_of(self)
    if cache is None or not only_output_properties or not isinstance(message.text, str):
        return _original_parse(self, message, tracker, only_output_properties)
    parse = cache.get(message.text)
    if parse is None:
        parse = _original_parse(self, message, tracker, only_output_properties)
        cache.offer(message.text, message.sender_id, parse)
    return parse
