"""A fast response selector for the `faq` retrieval intent.

Rasa's ResponseSelector is a TensorFlow model; on this workload it costs about a
third of the assistant's throughput. FAQ keys are separable with the same
sparse bag-of-words features the intent classifier already uses, so this
component fits a small multinomial logistic regression on them and writes its
choice where Rasa's own `utter_faq` action (ActionRetrieveResponse) reads it.
The weights are stored as plain numpy arrays, so loading a model runs no pickle.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.featurizer import Featurizer
from rasa.shared.nlu.constants import INTENT, INTENT_RESPONSE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from scipy.sparse import csr_matrix, hstack, vstack
from sklearn.linear_model import LogisticRegression

logger = logging.getLogger(__name__)

RESPONSE_SELECTOR = "response_selector"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqSelector(GraphComponent):
    @classmethod
    def required_components(cls) -> list[type]:
        return [Featurizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"retrieval_intent": "faq", "max_iter": 500, "C": 10.0}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        weights: dict[str, np.ndarray] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._weights = weights

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> FaqSelector:
        return cls(config, model_storage, resource)

    @staticmethod
    def _features(messages: list[Message]) -> csr_matrix:
        rows = []
        for message in messages:
            sparse = message.get_sparse_features(attribute=TEXT)[1]
            dense = message.get_dense_features(attribute=TEXT)[1]
            rows.append(
                hstack(
                    [
                        csr_matrix(sparse.features if sparse else []),
                        csr_matrix(dense.features if dense else []),
                    ]
                )
            )
        return vstack(rows).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        intent = self.config["retrieval_intent"]
        examples = [
            example
            for example in training_data.intent_examples
            if example.get(INTENT) == intent and example.get(INTENT_RESPONSE_KEY)
        ]
        labels = sorted({example.get(INTENT_RESPONSE_KEY) for example in examples})
        if len(labels) < 2:
            logger.warning("FaqSelector: fewer than two '%s' keys; nothing to train.", intent)
            return self._resource
        classifier = LogisticRegression(
            C=self.config["C"], max_iter=self.config["max_iter"], class_weight="balanced"
        )
        classifier.fit(
            self._features(examples), [example.get(INTENT_RESPONSE_KEY) for example in examples]
        )
        self._weights = {
            "coef": classifier.coef_,
            "intercept": classifier.intercept_,
            "labels": np.array(classifier.classes_, dtype=str),
        }
        with self._model_storage.write_to(self._resource) as directory:
            np.savez(directory / "faq_selector.npz", **self._weights)
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> FaqSelector:
        try:
            with (
                model_storage.read_from(resource) as directory,
                np.load(directory / "faq_selector.npz", allow_pickle=False) as stored,
            ):
                weights = {key: stored[key] for key in stored.files}
        except (ValueError, FileNotFoundError):
            weights = None
        return cls(config, model_storage, resource, weights)

    def process(self, messages: list[Message]) -> list[Message]:
        intent = self.config["retrieval_intent"]
        # Only messages already classified as the retrieval intent need a key; Rasa
        # reads the selector for no other intent.
        messages_to_select = [m for m in messages if (m.get(INTENT) or {}).get("name") == intent]
        if self._weights is None or not messages_to_select:
            return messages
        scores = (
            self._features(messages_to_select) @ self._weights["coef"].T
            + self._weights["intercept"]
        )
        scores = np.asarray(scores)
        scores -= scores.max(axis=1, keepdims=True)
        probabilities = np.exp(scores)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        labels = self._weights["labels"]
        for message, row in zip(messages_to_select, probabilities, strict=True):
            order = np.argsort(-row)
            best = str(labels[order[0]])
            ranking = [
                {"intent_response_key": str(labels[i]), "confidence": float(row[i])}
                for i in order[:5]
            ]
            message.set(
                RESPONSE_SELECTOR,
                {
                    "all_retrieval_intents": [intent],
                    intent: {
                        "response": {
                            "intent_response_key": best,
                            "utter_action": f"utter_{best}",
                            "confidence": float(row[order[0]]),
                            "responses": None,
                        },
                        "ranking": ranking,
                    },
                },
                add_to_output=True,
            )
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        return training_data
