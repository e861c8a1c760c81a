"""A short text that more than one conversation sent is understood once.

Replaces `MessageProcessor._parse_message_with_graph`. "yes", "skip", "hello", "what's the
status of my proposal?": much of what a form-driven conversation hears is the same few
texts, and the NLU graph gives the same parse of the same text every time when each of its
components reads nothing but the message's text and the channel's language (the metadata's
`language`, which nlu/language_detector.py falls back on: rasa_env/components.py,
TEXT_AND_CHANNEL_LANGUAGE; checked per model, so a model with any other component parses
every message). Parses are kept per channel language: "ok" from a Spanish page is not "ok"
from an English one. Rasa still
ran the whole graph for each: 0.5 ms of CPU for "yes", 1.5 ms for an FAQ question, with the
sentence encoder's own cache hit; a copy from here takes 0.05 ms.

What is kept is what nlu/common_texts.py allows (the featurizer's embeddings follow the same
rule): only texts of at most `MAX_CHARS` that more than one conversation sent, each for at
most `KEEP_SECONDS`, never one conversation's answers. Callers change the parse they get
(Rasa adds the full retrieval intent to it), so each gets its own copy.

Each parse also tells the NLU graph whose message it is (`common_texts.current_sender`),
which the sentence featurizer's own cache of embeddings needs: switched off, that cache
keeps nothing either, and every message's embedding is computed.
"""

import copy
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

from nlu.common_texts import FIRST_SENDERS, KEEP_SECONDS, CommonTexts, current_sender
from nlu.language_rules import channel_language
from rasa_env import components
from rasa_env.patches.targets import Target, original, replace

PARSE = Target(
    "rasa.core.processor",
    "MessageProcessor._parse_message_with_graph",
    "0bd50a53b5c013af8458cbefe5dbcbd5c02c82a671a841b1947b3e8964e5c3d1",
)
TARGETS = (PARSE,)

# Parses kept per Rasa server (a parse with its rankings is 4-7 KiB of Python objects,
# tracemalloc, and a 100-character text's tokens at most 6 more: at most about 6 MiB; a
# 5,000-character text's tokens alone would be hundreds of KiB).
KEPT_PARSES = 512
CACHE = "_entryway_parse_cache"


class ParseCache(CommonTexts[dict[str, Any]]):
    """The parses of short texts that more than one conversation sent, the most recent
    `parses` of them, each for `seconds`; each caller gets its own copy."""

    def __init__(
        self,
        parses: int = KEPT_PARSES,
        first_senders: int = FIRST_SENDERS,
        seconds: float = KEEP_SECONDS,
    ) -> None:
        super().__init__(parses, first_senders, seconds, copy=copy.deepcopy)


def text_only(processor: MessageProcessor) -> bool:
    """Whether every component the NLU graph runs reads nothing but the message's text and
    the channel's language."""
    metadata = processor.model_metadata
    schema = metadata.predict_schema.minimal_graph_schema([metadata.nlu_target])
    return components.all_have(components.names_of(schema), components.TEXT_AND_CHANNEL_LANGUAGE)


def cache_of(processor: MessageProcessor, message: UserMessage) -> ParseCache | None:
    """The cache of parses of messages from the message's channel language, if any."""
    # One set per processor: a model loaded later gets its own processor, so its own caches.
    if CACHE not in processor.__dict__:
        processor.__dict__[CACHE] = {} if text_only(processor) else None
    caches: dict[str | None, ParseCache] | None = processor.__dict__[CACHE]
    if caches is None:
        return None
    return caches.setdefault(channel_language(message.metadata), ParseCache())


def parse_message_with_graph(
    self: MessageProcessor,
    message: UserMessage,
    tracker: DialogueStateTracker,
    only_output_properties: bool = True,
) -> dict[str, Any]:
    """Rasa's parse of the message, from the cache when its text is common. Only the
    output properties are cached (the rest carries the message's id and metadata)."""
    rasas_parse = original(PARSE)
    sender = current_sender.set(message.sender_id)
    try:
        cache = cache_of(self, message)
        if cache is None or not only_output_properties or not isinstance(message.text, str):
            return rasas_parse(self, message, tracker, only_output_properties)
        parse = cache.get(message.text)
        if parse is None:
            parse = rasas_parse(self, message, tracker, only_output_properties)
            cache.offer(message.text, message.sender_id, parse)
        return parse
    finally:
        current_sender.reset(sender)


def apply() -> None:
    replace(PARSE, parse_message_with_graph)
