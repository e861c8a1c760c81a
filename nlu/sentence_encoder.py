"""all-MiniLM-L6-v2 sentence embeddings, run by onnxruntime with 8-bit weights.

Bag-of-words features only recognise words the training examples used; people
phrase things in their own words. A pretrained sentence encoder places "what
happened to my submission" near "where is my proposal at" without sharing a
word. all-MiniLM-L6-v2 (6 BERT layers, 384 dimensions) is small enough to run
per message on a CPU, and its weights come from a package on the registry
(rasa_env/encoder.txt), so nothing is fetched at run time.

The Rasa environment is pinned to old libraries and has no PyTorch, which the
usual ONNX export needs, so `build_graph` writes the ONNX graph itself with
onnx's helper API from the safetensors weights: the same arithmetic as Hugging
Face's BertModel, followed by sentence-transformers' mean pooling and
normalisation (tests/nlu/test_sentence_encoder.py checks it against PyTorch's output).
Its MatMul weights are then quantised to 8 bits in blocks of 32 (onnxruntime's
MatMulNBits, accuracy level 4): far cheaper per message than the float32 forward
pass it replaces, with the same nlu-eval figures, where plain per-tensor dynamic int8
quantisation lost accuracy (docs/nlu.md, "The sentence encoder"; the figures in
docs/performance/2026-11-28-encoder.md).

The built graph is cached on disk beside the weights, named by their digest and
FORMAT, so it is built once (a few seconds) and never from other weights.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import onnxruntime

WEIGHTS_FILE = "model.safetensors"
# Names how the graph is built and quantised; change it whenever build_graph or
# the quantisation changes, so cached graphs and trained models are not reused.
FORMAT = "minilm-onnx-nbits8-b32-acc4-v1"


def weights_digest(model_dir: Path) -> str:
    digest = hashlib.sha256()
    with (model_dir / WEIGHTS_FILE).open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encoder_identity(digest: str) -> str:
    """What the embeddings depend on: the weights (digest), how they are built, the runtime."""
    return f"{digest} {FORMAT} onnxruntime-{onnxruntime.__version__}"


def _is_punctuation(character: str) -> bool:
    # BERT treats every non-alphanumeric ASCII character as punctuation, "$" and "^" too.
    code = ord(character)
    if 33 <= code <= 47 or 58 <= code <= 64 or 91 <= code <= 96 or 123 <= code <= 126:
        return True
    return unicodedata.category(character).startswith("P")


class WordPieceTokenizer:
    """BERT's uncased tokenizer: lower-case, strip accents, split punctuation, WordPiece."""

    def __init__(self, vocabulary: list[str], max_word_length: int = 100) -> None:
        self.ids = {piece: index for index, piece in enumerate(vocabulary)}
        self.unknown = self.ids["[UNK]"]
        self.start = self.ids["[CLS]"]
        self.end = self.ids["[SEP]"]
        self.max_word_length = max_word_length

    def words(self, text: str) -> list[str]:
        words: list[str] = []
        current: list[str] = []
        for character in unicodedata.normalize("NFD", text.lower()):
            category = unicodedata.category(character)
            dropped = category == "Mn" or character == "\ufffd"  # accents, broken bytes
            if dropped or (category == "Cc" and not character.isspace()):
                continue
            if character.isspace():
                if current:
                    words.append("".join(current))
                    current = []
            elif _is_punctuation(character):
                if current:
                    words.append("".join(current))
                    current = []
                words.append(character)
            else:
                current.append(character)
        if current:
            words.append("".join(current))
        return words

    def pieces(self, word: str) -> list[int]:
        if len(word) > self.max_word_length:
            return [self.unknown]
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                candidate = word[start:end] if start == 0 else "##" + word[start:end]
                if candidate in self.ids:
                    pieces.append(self.ids[candidate])
                    break
                end -= 1
            else:
                return [self.unknown]
            start = end
        return pieces

    def encode(self, text: str, max_tokens: int) -> list[int]:
        ids = [self.start]
        for word in self.words(text):
            ids.extend(self.pieces(word))
            if len(ids) >= max_tokens - 1:
                break
        return [*ids[: max_tokens - 1], self.end]


def build_graph(model_dir: Path, out: Path, quantize: bool = True) -> None:
    """Writes the BERT encoder (token ids in, last hidden states out) as ONNX."""
    # Imported here: only building needs them, not a server with a cached graph.
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import matmul_nbits_quantizer
    from safetensors.numpy import load_file

    config = json.loads((model_dir / "config.json").read_text())
    w = load_file(str(model_dir / WEIGHTS_FILE))
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    head_size, eps = hidden // heads, config["layer_norm_eps"]
    initializers, nodes = [], []

    def const(name: str, array: np.ndarray) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def node(op: str, inputs: list[str], name: str | None = None, **attributes) -> str:
        output = f"t{len(nodes)}"
        nodes.append(helper.make_node(op, inputs, [output], name=name or output, **attributes))
        return output

    def layer_norm(x: str, prefix: str) -> str:
        weight, bias = (
            const(prefix + ".w", w[prefix + ".weight"]),
            const(prefix + ".b", w[prefix + ".bias"]),
        )
        return node("LayerNormalization", [x, weight, bias], axis=-1, epsilon=eps)

    def dense(
        x: str, prefix: str, weight: np.ndarray | None = None, bias: np.ndarray | None = None
    ) -> str:
        # Stored as (out, in); transposed so the graph computes x @ W.
        weight = w[prefix + ".weight"].T if weight is None else weight
        bias = w[prefix + ".bias"] if bias is None else bias
        product = node("MatMul", [x, const(prefix + ".W", weight)], name=prefix + ".matmul")
        return node("Add", [product, const(prefix + ".B", bias)])

    # Single-segment input: token type 0 everywhere, folded into the positions.
    positions = (
        w["embeddings.position_embeddings.weight"] + w["embeddings.token_type_embeddings.weight"][0]
    )
    words = node(
        "Gather", [const("word_embeddings", w["embeddings.word_embeddings.weight"]), "input_ids"]
    )
    x = node("Add", [words, node("Gather", [const("position_embeddings", positions), "positions"])])
    x = layer_norm(x, "embeddings.LayerNorm")
    split_heads = const("split_heads", np.array([0, 0, 3, heads, head_size], np.int64))
    merge_heads = const("merge_heads", np.array([0, 0, hidden], np.int64))
    first_axis = const("first_axis", np.array([0], np.int64))
    scale = const("scale", np.array(1.0 / math.sqrt(head_size), np.float32))
    half, one = const("half", np.array(0.5, np.float32)), const("one", np.array(1.0, np.float32))
    inverse_sqrt2 = const("inverse_sqrt2", np.array(1.0 / math.sqrt(2.0), np.float32))
    for index in range(config["num_hidden_layers"]):
        p = f"encoder.layer.{index}."
        attention = [f"attention.self.{name}" for name in ("query", "key", "value")]
        qkv = dense(
            x,
            p + "attention.qkv",
            np.concatenate([w[p + name + ".weight"].T for name in attention], axis=1),
            np.concatenate([w[p + name + ".bias"] for name in attention]),
        )
        # (batch, length, 3, heads, head size) -> (3, batch, heads, length, head size)
        qkv = node("Transpose", [node("Reshape", [qkv, split_heads])], perm=[2, 0, 3, 1, 4])
        parts = [f"{p}{name}" for name in ("q", "k", "v")]
        nodes.append(helper.make_node("Split", [qkv], parts, name=p + "split", axis=0))
        query, key, value = (node("Squeeze", [part, first_axis]) for part in parts)
        scores = node("MatMul", [query, node("Transpose", [key], perm=[0, 1, 3, 2])])
        # attention_bias is -1e9 at padding, so no real token attends to it.
        scores = node("Add", [node("Mul", [scores, scale]), "attention_bias"])
        context = node("MatMul", [node("Softmax", [scores], axis=-1), value])
        context = node("Reshape", [node("Transpose", [context], perm=[0, 2, 1, 3]), merge_heads])
        attended = dense(context, p + "attention.output.dense")
        x = layer_norm(node("Add", [attended, x]), p + "attention.output.LayerNorm")
        inner = dense(x, p + "intermediate.dense")
        gelu_erf = node("Add", [node("Erf", [node("Mul", [inner, inverse_sqrt2])]), one])
        inner = node("Mul", [node("Mul", [inner, half]), gelu_erf])
        output = dense(inner, p + "output.dense")
        x = layer_norm(node("Add", [output, x]), p + "output.LayerNorm")
    nodes.append(helper.make_node("Identity", [x], ["hidden"], name="hidden"))
    graph = helper.make_graph(
        nodes,
        "all-MiniLM-L6-v2",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
            helper.make_tensor_value_info("positions", TensorProto.INT64, ["length"]),
            helper.make_tensor_value_info(
                "attention_bias", TensorProto.FLOAT, ["batch", 1, 1, "length"]
            ),
        ],
        [helper.make_tensor_value_info("hidden", TensorProto.FLOAT, ["batch", "length", hidden])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    if quantize:
        # It logs a line per MatMul at INFO.
        logging.getLogger(matmul_nbits_quantizer.__name__).setLevel(logging.WARNING)
        quantizer = matmul_nbits_quantizer.MatMulNBitsQuantizer(
            model,
            algo_config=matmul_nbits_quantizer.DefaultWeightOnlyQuantConfig(
                block_size=32, is_symmetric=True, accuracy_level=4, bits=8
            ),
        )
        quantizer.process()
        model = quantizer.model.model
    onnx.save(model, str(out))


def cached_graph(model_dir: Path, digest: str) -> Path:
    """The quantised graph for these weights, built on first use."""
    path = model_dir / "onnx" / f"{FORMAT}-{digest[:16]}.onnx"
    if not path.is_file():
        path.parent.mkdir(exist_ok=True)
        # Written aside and renamed, so two workers starting at once never read half a file.
        handle, partial = tempfile.mkstemp(dir=path.parent, suffix=".partial")
        os.close(handle)
        try:
            build_graph(model_dir, Path(partial))
            os.chmod(partial, 0o644)  # mkstemp makes it private; the weights are not
            os.replace(partial, path)
        finally:
            Path(partial).unlink(missing_ok=True)
    return path


class SentenceEncoder:
    """Loads a sentence-transformers BERT model directory and embeds texts."""

    def __init__(self, model_dir: Path, max_tokens: int = 64, graph: Path | None = None) -> None:
        config = json.loads((model_dir / "config.json").read_text())
        vocabulary = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = WordPieceTokenizer(vocabulary)
        self.max_tokens = min(max_tokens, config["max_position_embeddings"])
        self.dimension = config["hidden_size"]
        graph = graph or cached_graph(model_dir, weights_digest(model_dir))
        options = onnxruntime.SessionOptions()
        # One message at a time per Rasa worker, one worker per core.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        self.session = onnxruntime.InferenceSession(
            str(graph), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """One L2-normalised embedding per text, shape (len(texts), dimension)."""
        token_ids = [self.tokenizer.encode(text, self.max_tokens) for text in texts]
        embeddings = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Similar lengths share a batch so little work goes into padding.
        order = sorted(range(len(texts)), key=lambda i: len(token_ids[i]))
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            embeddings[batch] = self._forward([token_ids[i] for i in batch])
        return embeddings

    def _forward(self, batch: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in batch)
        ids = np.zeros((len(batch), length), dtype=np.int64)
        mask = np.zeros((len(batch), length), dtype=np.float32)
        for row, sequence in enumerate(batch):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1.0
        (hidden,) = self.session.run(
            None,
            {
                "input_ids": ids,
                "positions": np.arange(length, dtype=np.int64),
                "attention_bias": ((1.0 - mask) * -1e9)[:, None, None, :],
            },
        )
        pooled = (hidden * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
