"""rasa_env/patches/shared_parse_cache.py: a text more than one conversation sent is
parsed once, and each caller gets Rasa's parse."""

import asyncio
import dataclasses
import time
import types
from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.graph import GraphSchema, SchemaNode

from rasa_env.patches import shared_parse_cache, targets
from rasa_env.patches.shared_parse_cache import (
    CACHE,
    PARSE,
    ParseCache,
    parse_message_with_graph,
    text_only,
)
from rasa_env.patches.targets import original
from tests.support.patched_rasa import apply_patches, trained_agent

apply_patches()

TEXTS = [
    "yes",
    "skip",
    "hello",
    "how long does the evaluation take?",
    "what's the status of SC-2026-00001?",
    "I want to submit a proposal",
]


@pytest.fixture
def processor(monkeypatch) -> MessageProcessor:
    """The trained model's processor with an empty cache, counting the parses Rasa runs in
    `processor.runs` (those of `rasas()` too)."""
    processor = trained_agent().processor
    processor.__dict__.pop(CACHE, None)
    runs: list[str] = []
    rasas = original(PARSE)

    def counted(self: MessageProcessor, message: UserMessage, *args: Any) -> dict[str, Any]:
        runs.append(message.text)
        return rasas(self, message, *args)

    monkeypatch.setitem(targets._originals, PARSE, counted)
    monkeypatch.setattr(processor, "runs", runs, raising=False)
    return processor


def parse(
    processor: MessageProcessor,
    text: str,
    sender: str,
    outputs: bool = True,
    metadata: dict[str, Any] | None = None,
) -> dict:
    message = UserMessage(text, sender_id=sender, metadata=metadata)
    return processor._parse_message_with_graph(message, None, outputs)


def rasas(processor: MessageProcessor, text: str, metadata: dict[str, Any] | None = None) -> dict:
    return original(PARSE)(processor, UserMessage(text, metadata=metadata), None, True)


def languages_in(parsed: dict[str, Any]) -> list[str]:
    return [entity["value"] for entity in parsed["entities"] if entity["entity"] == "language"]


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert MessageProcessor._parse_message_with_graph is parse_message_with_graph
    assert text_only(trained_agent().processor)


@pytest.mark.parametrize("text", TEXTS)
def test_a_text_a_second_conversation_sent_is_kept_and_each_caller_gets_rasas_parse(
    processor: MessageProcessor, text: str
) -> None:
    assert parse(processor, text, "ann") == rasas(processor, text)
    assert parse(processor, text, "ann") == rasas(processor, text)  # one conversation: not kept
    assert parse(processor, text, "bob") == rasas(processor, text)  # a second one: now kept
    processor.runs.clear()
    third = parse(processor, text, "cy")
    assert third == rasas(processor, text) and processor.runs == [text]  # rasas() above
    third["intent"]["name"] = "changed by a caller"
    third["intent_ranking"].clear()
    assert parse(processor, text, "dee") == rasas(processor, text)


def test_rasas_own_parse_adds_the_full_retrieval_intent_to_its_copy(processor) -> None:
    for sender in ("ann", "bob", "cy"):
        parsed = asyncio.run(processor.parse_message(UserMessage(TEXTS[3], sender_id=sender)))
        assert parsed["intent"]["full_retrieval_intent_name"].startswith("faq/"), parsed


def test_one_persons_own_words_and_long_texts_are_never_kept(processor) -> None:
    for _ in range(3):
        assert parse(processor, "Jane Doe-17", "ann") == rasas(processor, "Jane Doe-17")
    assert processor.runs.count("Jane Doe-17") == 6  # three parses, three of rasas()
    assert "Jane Doe-17" not in processor.__dict__[CACHE][None]
    long_text = "a " * 60  # its tokens alone would be large
    for sender in ("ann", "bob", "cy"):
        parse(processor, long_text, sender)
    assert long_text not in processor.__dict__[CACHE][None]


def test_parses_are_kept_per_channel_language(processor) -> None:
    """A text like "ok" shows no language: its parse carries the channel's, so a parse kept for a
    Spanish page is never handed to an English one."""
    spanish, english = {"language": "es"}, {"language": "en"}
    for sender in ("ann", "bob"):
        assert languages_in(parse(processor, "ok", sender, metadata=spanish)) == ["es"]
    assert "ok" in processor.__dict__[CACHE]["es"]
    assert languages_in(parse(processor, "ok", "cy", metadata=english)) == ["en"]
    assert languages_in(parse(processor, "ok", "dee")) == []
    assert parse(processor, "ok", "eve", metadata=spanish) == rasas(processor, "ok", spanish)


def test_a_parse_of_every_property_is_rasas_every_time(processor) -> None:
    for sender in ("ann", "bob", "cy"):
        parse(processor, "yes", sender, outputs=False)  # as `rasa test nlu` asks
    assert processor.runs == ["yes"] * 3


def test_a_model_with_a_component_not_known_to_read_the_text_alone_is_not_cached() -> None:
    """(nor the text and the channel's language alone)"""
    metadata = trained_agent().processor.model_metadata
    nodes, target = metadata.predict_schema.nodes, metadata.nlu_target

    class MetadataReader:
        pass

    reader = SchemaNode({}, MetadataReader, "load", "process", {})
    reading = dataclasses.replace(nodes[target], needs={**nodes[target].needs, "read": "reader"})
    with_reader = {**nodes, "reader": reader, target: reading}
    other = types.SimpleNamespace(
        model_metadata=types.SimpleNamespace(
            predict_schema=GraphSchema(with_reader), nlu_target=target
        )
    )
    assert not text_only(other)


def test_the_oldest_parse_and_the_oldest_first_sender_go_first() -> None:
    cache = ParseCache(parses=2, first_senders=2)
    for text in ("a", "b", "c"):
        cache.offer(text, "ann", {"text": text})
        cache.offer(text, "bob", {"text": text})
    assert cache.get("a") is None and cache.get("c") == {"text": "c"}
    for text in ("d", "e", "f"):
        cache.offer(text, "ann", {"text": text})
    cache.offer("d", "bob", {"text": "d"})  # forgotten: bob is its first sender now
    assert cache.get("d") is None


def test_a_kept_parse_lasts_as_long_as_a_kept_tracker_then_needs_two_conversations() -> None:
    cache = ParseCache(seconds=0.05)
    cache.offer("yes", "ann", {"text": "yes"})
    cache.offer("yes", "bob", {"text": "yes"})
    assert cache.get("yes") == {"text": "yes"}
    time.sleep(0.1)
    assert cache.get("yes") is None
    cache.offer("yes", "cy", {"text": "yes"})
    assert cache.get("yes") is None


def test_the_parse_names_its_sender_to_the_nlu_graph(processor, monkeypatch) -> None:
    seen = []
    rasas_parse = original(PARSE)

    def reading_sender(*args: Any) -> dict[str, Any]:
        seen.append(shared_parse_cache.current_sender.get())
        return rasas_parse(*args)

    monkeypatch.setitem(targets._originals, PARSE, reading_sender)
    parse(processor, "a text nobody else sent", "ann")
    assert seen == ["ann"] and shared_parse_cache.current_sender.get() is None
