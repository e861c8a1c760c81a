"""all-MiniLM-L6-v2 sentence embeddings in plain numpy.

Bag-of-words features only recognise words the training examples used; people
phrase things in their own words. A pretrained sentence encoder places "what
happened to my submission" near "where is my proposal at" without sharing a
word. all-MiniLM-L6-v2 (6 BERT layers, 384 dimensions) is small enough to run
per message on a CPU, and its weights come from a package on the registry
(rasa_env/encoder.txt), so nothing is fetched at run time.

The Rasa environment is pinned to old libraries and has no PyTorch; the forward
pass is ~60 lines of numpy, the same arithmetic as Hugging Face's BertModel
followed by sentence-transformers' mean pooling and normalisation.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from scipy.special import erf

WEIGHTS_FILE = "model.safetensors"


def weights_digest(model_dir: Path) -> str:
    digest = hashlib.sha256()
    with (model_dir / WEIGHTS_FILE).open("rb") as weights:
        for block in iter(lambda: weights.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weight + bias


class SentenceEncoder:
    """Loads a sentence-transformers BERT model directory and embeds texts."""

    def __init__(self, model_dir: Path, max_tokens: int = 64) -> None:
        config = json.loads((model_dir / "config.json").read_text())
        vocabulary = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
        self.tokenizer = WordPieceTokenizer(vocabulary)
        self.max_tokens = min(max_tokens, config["max_position_embeddings"])
        self.heads = config["num_attention_heads"]
        self.hidden = config["hidden_size"]
        self.eps = config["layer_norm_eps"]
        self.dimension = self.hidden
        w = load_file(str(model_dir / WEIGHTS_FILE))
        self.word_embeddings = w["embeddings.word_embeddings.weight"]
        # Single-segment input: token type 0 everywhere, folded into the positions.
        token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.position_embeddings = w["embeddings.position_embeddings.weight"] + token_type
        self.embedding_norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = []
        for index in range(config["num_hidden_layers"]):
            p = f"encoder.layer.{index}."

            def dense(name: str, p: str = p) -> tuple[np.ndarray, np.ndarray]:
                # Stored as (out, in); transposed once so each call is a plain x @ W.
                return np.ascontiguousarray(w[p + name + ".weight"].T), w[p + name + ".bias"]

            query, key, value = (dense(f"attention.self.{n}") for n in ("query", "key", "value"))
            self.layers.append(
                {
                    "qkv": (
                        np.ascontiguousarray(np.concatenate([query[0], key[0], value[0]], axis=1)),
                        np.concatenate([query[1], key[1], value[1]]),
                    ),
                    "attention_out": dense("attention.output.dense"),
                    "attention_norm": (
                        w[p + "attention.output.LayerNorm.weight"],
                        w[p + "attention.output.LayerNorm.bias"],
                    ),
                    "intermediate": dense("intermediate.dense"),
                    "output": dense("output.dense"),
                    "output_norm": (
                        w[p + "output.LayerNorm.weight"],
                        w[p + "output.LayerNorm.bias"],
                    ),
                }
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
        x = self.word_embeddings[ids] + self.position_embeddings[:length]
        x = _layer_norm(x, *self.embedding_norm, self.eps)
        # Padding positions get -inf-like scores so no real token attends to them.
        attention_bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        head_size = self.hidden // self.heads
        scale = 1.0 / math.sqrt(head_size)
        for layer in self.layers:
            qkv = x @ layer["qkv"][0] + layer["qkv"][1]
            qkv = qkv.reshape(len(batch), length, 3, self.heads, head_size).transpose(2, 0, 3, 1, 4)
            query, key, value = qkv[0], qkv[1], qkv[2]
            scores = (query @ key.transpose(0, 1, 3, 2)) * scale + attention_bias
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = scores @ value
            context = context.transpose(0, 2, 1, 3).reshape(len(batch), length, self.hidden)
            attended = context @ layer["attention_out"][0] + layer["attention_out"][1]
            x = _layer_norm(attended + x, *layer["attention_norm"], self.eps)
            hidden = x @ layer["intermediate"][0] + layer["intermediate"][1]
            hidden = 0.5 * hidden * (1.0 + erf(hidden / math.sqrt(2.0)))
            out = hidden @ layer["output"][0] + layer["output"][1]
            x = _layer_norm(out + x, *layer["output_norm"], self.eps)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
