"""rasa_env/patches/depth_first_graph.py: Rasa's graphs run depth first give what dask's
synchronous scheduler gives, for the NLU and the policies alike."""

import asyncio
import operator

import dask
import pytest
from rasa.core.channels.channel import UserMessage

from rasa_env.patches.depth_first_graph import GET, get_in_order
from rasa_env.patches.targets import original
from tests.support.patched_rasa import apply_patches, phrasings, trained_agent

apply_patches()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert dask.get is get_in_order


def test_a_graph_of_tasks_and_inputs_gives_what_dask_gives() -> None:
    # The shapes Rasa's DaskGraphRunner builds: (node, *needs) tasks, (name, value) inputs.
    graph = {
        "input": ("__input__", 3),  # not a task: itself
        "double": (operator.mul, "input", 2),
        "both": (lambda a, b, c: (a, b, c), "double", "input", "not a node"),
        "constant": 7,
    }
    for targets in (["both"], ["double", "constant"], ["input", "both"]):
        assert list(get_in_order(graph, targets)) == list(original(GET)(graph, targets))


def test_an_error_propagates_as_it_is() -> None:
    def fails(_: object) -> None:
        raise KeyError("from the node")

    graph = {"input": 1, "failing": (fails, "input")}
    for get in (get_in_order, original(GET)):
        with pytest.raises(KeyError, match="from the node"):
            get(graph, ["failing"])


def test_parses_and_next_actions_are_what_dasks_scheduler_gives(monkeypatch) -> None:
    agent = trained_agent()
    texts = phrasings()
    tracker = asyncio.run(agent.processor.fetch_tracker_and_update_session("someone"))
    asyncio.run(
        agent.processor._handle_message_with_tracker(
            UserMessage("I want to submit a proposal", sender_id="someone"), tracker
        )
    )
    parses = [asyncio.run(agent.parse_message(text)) for text in texts]
    prediction = agent.processor.predict_next_with_tracker(tracker)
    assert prediction["policy"] == "RulePolicy", prediction
    monkeypatch.setattr(dask, "get", original(GET))
    assert parses == [asyncio.run(agent.parse_message(text)) for text in texts]
    assert prediction == agent.processor.predict_next_with_tracker(tracker)
