"""Rasa's CountVectorsFeaturizer computing sentence features only.

Rasa's featurizer computes sequence features (a vectorisation per token) before the
sentence ones, on every message; no component of Entryway's pipeline reads them: the
intent classifier and the FAQ selector read sentence features (rasa_env/components.py,
NO_SEQUENCE_FEATURES). Without them NLU took 0.87 ms of CPU per message instead of 1.15,
in-process on the bench's messages, with the same intents and confidences. Training is
Rasa's own (the training data keep both kinds), so the vocabulary and the classifiers'
weights are those Rasa's featurizer gives.

Declare it in config.yml only where every component after it reads sentence features
alone: one reading sequence features (DIET, CRFEntityExtractor, ...) would get none from it.
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.training_data.message import Message


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceCountVectorsFeaturizer(CountVectorsFeaturizer):
    def process(self, messages: list[Message]) -> list[Message]:
        """Rasa's `process` without the sequence features."""
        if self.vectorizers is None:
            return super().process(messages)  # which logs why
        for message in messages:
            for attribute in self._attributes:
                tokens = self._get_processed_message_tokens_by_attribute(message, attribute)
                vectorizer = self.vectorizers.get(attribute)
                if not tokens or not vectorizer or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
                    continue
                sentence = vectorizer.transform([" ".join(tokens)])
                sentence.sort_indices()
                self.add_features_to_message(None, sentence.tocoo(), attribute, message)
        return messages
