"""Fix 14 of rasa_env/launch.py: a text many people send is understood once.

"yes", "skip", "hello", "what's the status of my proposal?": much of what a form-driven
conversation hears is the same few texts, and the NLU graph gives the same parse of the
same text every time when each of its components reads nothing but the message's text
(`TEXT_ONLY`; checked per model, so a model with any other component parses every
message). Rasa still ran the whole graph for each: 0.5 ms of CPU for "yes", 1.5 ms for an
FAQ question, with the sentence encoder's own cache hit.

Only texts that more than one conversation sent are kept: one person's answers (a name,
an email address, a description) are parsed every time and never held here, and the
cache holds what people say in common. Until a second conversation sends a text, only its
hash and the first conversation's sender id are remembered. Callers change the parse they
get (Rasa adds the full retrieval intent to it), so each gets its own copy.
"""

import copy
from collections import OrderedDict
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.trackers import DialogueStateTracker

# NLU components whose output for a message depends on its text alone (no metadata, no
# tracker, no randomness at inference): config.yml's and the nodes Rasa adds (the domain
# provider gives the model's own domain, the same for every message).
TEXT_ONLY = frozenset(
    {
        "nlu.faq_selector.FaqSelector",
        "nlu.sentence_featurizer.SentenceEmbeddingFeaturizer",
        "rasa.graph_components.converters.nlu_message_converter.NLUMessageConverter",
        "rasa.graph_components.providers.domain_provider.DomainProvider",
        "rasa.nlu.classifiers.fallback_classifier.FallbackClassifier",
        "rasa.nlu.classifiers.logistic_regression_classifier.LogisticRegressionClassifier",
        "rasa.nlu.classifiers.regex_message_handler.RegexMessageHandler",
        "rasa.nlu.extractors.regex_entity_extractor.RegexEntityExtractor",
        "rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer.CountVectorsFeaturizer",
        "rasa.nlu.featurizers.sparse_featurizer.regex_featurizer.RegexFeaturizer",
        "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer",
    }
)
# Parses kept per Rasa server (a parse with its rankings is 4-7 KiB of Python objects,
# tracemalloc: at most 3.3 MiB), and texts whose first sender is remembered until a
# second one comes.
KEPT_PARSES = 512
FIRST_SENDERS = 8192
CACHE = "_entryway_parse_cache"


class ParseCache:
    """The parses of texts that more than one conversation sent, most recent kept."""

    def __init__(self, parses: int = KEPT_PARSES, first_senders: int = FIRST_SENDERS) -> None:
        self._parses: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._first_sender: OrderedDict[int, str | None] = OrderedDict()
        self._sizes = (parses, first_senders)

    def get(self, text: str) -> dict[str, Any] | None:
        """A copy of the text's kept parse, if it has one."""
        parse = self._parses.get(text)
        if parse is None:
            return None
        self._parses.move_to_end(text)
        return copy.deepcopy(parse)

    def offer(self, text: str, sender: str | None, parse: dict[str, Any]) -> None:
        """Keeps a copy of the parse once a second conversation has sent the text."""
        key = hash(text)
        first = self._first_sender.pop(key, sender)
        if first == sender:  # the first sender, or the same one again
            self._first_sender[key] = first
            if len(self._first_sender) > self._sizes[1]:
                self._first_sender.popitem(last=False)
            return
        self._parses[text] = copy.deepcopy(parse)
        if len(self._parses) > self._sizes[0]:
            self._parses.popitem(last=False)


def text_only(processor: MessageProcessor) -> bool:
    """Whether every component the NLU graph runs reads nothing but the message's text."""
    metadata = processor.model_metadata
    schema = metadata.predict_schema.minimal_graph_schema([metadata.nlu_target])
    return all(
        f"{node.uses.__module__}.{node.uses.__name__}" in TEXT_ONLY
        for node in schema.nodes.values()
    )


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
