"""Rasa as rasa_env/launch.py runs it for Entryway's model, for the tests that run in Rasa's
own environment (tests/rasa_env, tests/nlu)."""

import contextlib
import functools
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from rasa_env import patches, tensorflow_stub

if TYPE_CHECKING:  # Rasa is imported only once the TensorFlow stub is decided
    from rasa.core.agent import Agent

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "entryway.tar.gz"
DOMAIN = ROOT / "domain.yml"


def apply_patches() -> None:
    """Every patch applied (whatever ENTRYWAY_RASA_PATCHES says), with TensorFlow stubbed as
    for Entryway's model unless a test imported the real one first."""
    # TensorFlow itself loaded already: Rasa runs on it, as for any other model.
    with contextlib.suppress(RuntimeError):
        tensorflow_stub.install()
    patches.apply_all(environ={})


@functools.cache
def trained_agent() -> "Agent":
    """Entryway's trained model, loaded once per test session (patched as when served)."""
    apply_patches()
    from rasa.core.agent import Agent

    if not MODEL.exists():
        raise FileNotFoundError(f"{MODEL} is missing: run `make model` first")
    return Agent.load(str(MODEL))


def phrasings() -> list[str]:
    """The first few examples of every intent, and texts that are none of them."""
    texts = []
    for block in yaml.safe_load((ROOT / "nlu" / "intents.yml").read_text())["nlu"]:
        texts += [line[2:] for line in block.get("examples", "").splitlines() if line][:6]
    return [
        *texts,
        "?",
        "SC-2026-00001",
        "asdf qwerty",
        "Smart parking sensors for 7 blocks",
        "¿Dónde está mi propuesta?",
        "x" * 2000,
        "/greet",
    ]
