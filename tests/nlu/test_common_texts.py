"""What a Rasa server remembers of what people write (nlu/common_texts.py): the parse
cache and the sentence featurizer's embeddings keep only short texts a second
conversation sent, for a quarter of an hour, never one person's own words."""

import time

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.shared.nlu.training_data.message import Message

from nlu.common_texts import MAX_CHARS, CommonTexts
from nlu.sentence_featurizer import SentenceEmbeddingFeaturizer
from rasa_env.patches.shared_parse_cache import CACHE
from tests.support.nlu_graph import nodes_of
from tests.support.patched_rasa import trained_agent


def test_only_short_texts_a_second_sender_sent_are_kept_for_a_while() -> None:
    kept: CommonTexts[str] = CommonTexts(2, first_senders=2, seconds=0.2)
    kept.offer("jane@example.org", "ann", "value")
    kept.offer("jane@example.org", "ann", "value")  # the same conversation again
    assert "jane@example.org" not in kept
    long_text = "a" * (MAX_CHARS + 1)
    for sender in ("ann", "bob", "cy"):
        kept.offer(long_text, sender, "value")
        kept.offer("no conversation", None, "value")  # training, `rasa shell nlu`
    assert long_text not in kept and "no conversation" not in kept
    for text in ("a", "b", "c"):  # at most two, the oldest goes first
        kept.offer(text, "ann", text)
        kept.offer(text, "bob", text)
    assert kept.get("a") is None and kept.get("c") == "c" and len(kept) == 2
    for text in ("d", "e", "f"):  # two first senders remembered at most
        kept.offer(text, "ann", text)
    kept.offer("d", "bob", "d")  # forgotten: bob is its first sender now
    assert "d" not in kept
    time.sleep(0.3)
    assert kept.get("c") is None  # too old: two conversations must send it again
    kept.offer("c", "cy", "c")
    assert kept.get("c") is None


@pytest.fixture
def featurizer(monkeypatch) -> SentenceEmbeddingFeaturizer:
    """The trained model's sentence featurizer, its cache and the parse cache emptied."""
    (node,) = nodes_of(SentenceEmbeddingFeaturizer)
    component = node._component
    cache = component._cache
    emptied = CommonTexts(cache._sizes[0], cache._sizes[1], cache._seconds, copy=cache._copy)
    monkeypatch.setattr(component, "_cache", emptied)
    monkeypatch.delitem(trained_agent().processor.__dict__, CACHE, raising=False)
    return component


def parse(text: str, sender: str) -> None:
    processor = trained_agent().processor
    processor._parse_message_with_graph(UserMessage(text, sender_id=sender), None, True)


def test_the_featurizer_keeps_only_what_the_parse_cache_may(featurizer) -> None:
    cache = featurizer._cache
    for _ in range(3):  # one person's own words: embedded every time, never kept
        parse("My e-mail is jane.doe17@example.org", "ann")
    assert "My e-mail is jane.doe17@example.org" not in cache
    parse("yes", "ann")
    assert "yes" not in cache
    parse("yes", "bob")  # a second conversation: common now
    assert "yes" in cache
    long_text = "we need a longer answer " * 6
    for sender in ("ann", "bob", "cy"):
        parse(long_text, sender)
    assert long_text not in cache
    # Outside a conversation (training, the NLU evaluation) nothing is kept.
    for _ in range(2):
        featurizer.process([Message(data={"text": "hello there"})])
    assert "hello there" not in cache and len(cache) == 1, len(cache)
