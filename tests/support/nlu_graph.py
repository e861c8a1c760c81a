"""Entryway's trained NLU graph, asked directly (no parse cache), with any of its components
run as Rasa's own class would run it (Rasa-side tests)."""

from typing import Any

import pytest
from rasa.core.channels.channel import UserMessage
from rasa.engine.graph import GraphNode

from rasa_env.patches.shared_parse_cache import PARSE
from rasa_env.patches.targets import original
from tests.support.patched_rasa import trained_agent


def nodes_of(component: type) -> list[GraphNode]:
    nodes = trained_agent().processor.graph_runner._instantiated_nodes.values()
    return [node for node in nodes if node._component_class is component]


def run_as_rasas_own(monkeypatch: pytest.MonkeyPatch, component: type, rasas: type) -> None:
    """The nodes of `component` run `rasas.process` (Rasa's class it is a subclass of)."""
    nodes = nodes_of(component)
    assert nodes, component
    for node in nodes:
        monkeypatch.setattr(node, "_fn", rasas.process)


def parsed(text: str) -> dict[str, Any]:
    """The NLU graph's parse of the text, every time (the parse cache is not asked)."""
    processor = trained_agent().processor
    return original(PARSE)(processor, UserMessage(text), None, True)


def assert_same_intents(ours: dict[str, Any], rasas: dict[str, Any], text: str) -> None:
    """The same intent and ranking, confidences equal to 1e-12."""
    assert ours["intent"]["name"] == rasas["intent"]["name"], text
    names = [[entry["name"] for entry in parse["intent_ranking"]] for parse in (ours, rasas)]
    assert names[0] == names[1], text
    for mine, theirs in zip(ours["intent_ranking"], rasas["intent_ranking"], strict=True):
        assert abs(mine["confidence"] - theirs["confidence"]) < 1e-12, (text, mine, theirs)
