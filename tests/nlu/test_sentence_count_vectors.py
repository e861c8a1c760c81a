"""nlu/sentence_count_vectors.py: on the trained model, the sentence features of Rasa's own
CountVectorsFeaturizer, and so the same intents; and no component of the model reads the
sequence features it leaves out."""

import numpy as np
from rasa.engine.graph import GraphSchema
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (
    CountVectorsFeaturizer,
)
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, FEATURE_TYPE_SEQUENCE, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.sentence_count_vectors import SentenceCountVectorsFeaturizer
from rasa_env import components
from tests.support.nlu_graph import assert_same_intents, nodes_of, parsed, run_as_rasas_own
from tests.support.patched_rasa import phrasings, trained_agent


def tokenized(text: str) -> Message:
    (tokenizer,) = [
        node._component
        for node in trained_agent().processor.graph_runner._instantiated_nodes.values()
        if node._component_class.__name__ == "WhitespaceTokenizer"
    ]
    message = Message({TEXT: text})
    tokenizer.process([message])
    return message


def features(message: Message, kind: str) -> list[np.ndarray]:
    return [
        feature.features.toarray()
        for feature in message.features
        if feature.type == kind and feature.attribute == TEXT
    ]


def test_every_component_of_the_model_reads_no_sequence_features() -> None:
    schema: GraphSchema = trained_agent().processor.model_metadata.predict_schema
    names = components.names_of(schema)
    assert "nlu.sentence_count_vectors.SentenceCountVectorsFeaturizer" in names
    assert components.all_have(names, components.NO_SEQUENCE_FEATURES)


def test_the_sentence_features_are_rasas_and_the_sequence_ones_are_left_out() -> None:
    featurizers = [node._component for node in nodes_of(SentenceCountVectorsFeaturizer)]
    assert len(featurizers) == 2  # words, and character n-grams
    for text in [*phrasings()[:40], "¿Dónde está mi propuesta?", "x" * 2000]:
        ours, rasas = tokenized(text), tokenized(text)
        for featurizer in featurizers:
            featurizer.process([ours])
            CountVectorsFeaturizer.process(featurizer, [rasas])
        assert features(ours, FEATURE_TYPE_SEQUENCE) == []
        assert len(features(rasas, FEATURE_TYPE_SEQUENCE)) == 2
        mine, theirs = features(ours, FEATURE_TYPE_SENTENCE), features(rasas, FEATURE_TYPE_SENTENCE)
        assert len(mine) == len(theirs) == 2
        for a, b in zip(mine, theirs, strict=True):
            assert np.array_equal(a, b), text


def test_intents_and_confidences_are_those_of_rasas_featurizer(monkeypatch) -> None:
    texts = phrasings()
    ours = [parsed(text) for text in texts]
    run_as_rasas_own(monkeypatch, SentenceCountVectorsFeaturizer, CountVectorsFeaturizer)
    for text, mine in zip(texts, ours, strict=True):
        assert_same_intents(mine, parsed(text), text)
