"""The measured fixes in rasa_env/launch.py, run in the Rasa environment itself."""

from tests.support.rasa_environment import assert_passes_in_rasa_environment

CHECK = """
import sys
sys.argv = ["rasa"]
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import Event, SlotSet, UserUttered
import rasa_env.launch  # noqa: F401  (applies the fixes)

validate = RemoteAction("action_x", None)._validate_action_result
assert validate({"events": [{"event": "slot", "name": "email", "value": "a@b.example"}],
                 "responses": [{"text": "hi"}]})
assert validate({})
for bad in ({"events": "x"}, {"events": [{"event": "nope"}]}, {"events": [{"name": "x"}]},
            {"events": [{"event": "slot", "timestamp": "x", "name": "a", "value": 1}]},
            {"events": [{"event": "slot", "name": 3, "value": 1}]}, {"responses": [1]}):
    try:
        validate(bad)
    except ValidationError:
        continue
    raise AssertionError(f"accepted {bad}")
assert Event.resolve_by_type("slot") is SlotSet
assert Event.resolve_by_type("user") is UserUttered
assert Event.resolve_by_type("topic") is None
try:
    Event.resolve_by_type("no-such-event")
    raise AssertionError("unknown event type accepted")
except ValueError:
    pass
print("ok")
"""


DOMAIN_BY_DIGEST = """
import asyncio, sys
sys.argv = ["rasa"]
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig
import rasa_env.launch  # noqa: F401  (applies the fixes)

received = []
known = set()

async def webhook(request):
    # The endpoint's headers and basic auth still go with each call.
    assert request.headers["X-Entryway"] == "yes", request.headers
    assert request.headers["Authorization"] == "Basic YWN0aW9uczpzZWNyZXQ=", request.headers
    # What rasa-sdk 3.21 does: cache the domain by digest, 449 for an unknown digest.
    body = await request.json()
    received.append("domain" in body)
    if "domain" in body:
        known.add(body["domain_digest"])
    elif body.get("domain_digest") not in known:
        return web.json_response({"error": "missing domain"}, status=449)
    return web.json_response({"events": [], "responses": []})

async def main():
    app = web.Application()
    app.router.add_post("/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook", headers={"X-Entryway": "yes"},
                              basic_auth={"username": "actions", "password": "secret"})
    action = RemoteAction("action_x", endpoint)
    domain = Domain.load("domain.yml")
    tracker = DialogueStateTracker("someone", domain.slots)
    for _ in range(2):
        await action.run(None, None, tracker, domain)
    known.clear()  # the action server restarted and forgot the domain
    await action.run(None, None, tracker, domain)
    await runner.cleanup()
    assert received == [True, False, False, True], received
    print("ok")

asyncio.run(main())
"""


def test_action_responses_are_still_validated_and_events_resolved():
    assert_passes_in_rasa_environment(CHECK)


def test_the_domain_is_sent_until_the_action_server_has_it_and_again_after_a_449():
    assert_passes_in_rasa_environment(DOMAIN_BY_DIGEST)


WITHOUT_TENSORFLOW = """
import asyncio, io, json, sys, tarfile, tempfile
from pathlib import Path
from rasa_env import tensorflow_stub

model = Path("models/entryway.tar.gz")
assert tensorflow_stub.served_model(["run", "--enable-api", "--model", str(model)]) == model
assert tensorflow_stub.served_model(["run", f"--model={model}"]) == model
assert tensorflow_stub.served_model(["train", "--out", "models"]) is None
assert tensorflow_stub.served_model(["run"]) is None  # Rasa would pick a model itself

# Entryway's model runs no TensorFlow; one with any other component (here DIET), or
# whose metadata cannot be read, gets the real TensorFlow.
assert not tensorflow_stub.model_needs_tensorflow(model)
other = Path(tempfile.mkdtemp()) / "other.tar.gz"
metadata = json.dumps({"predict_schema": {"nodes": {
    "a": {"uses": "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer"},
    "b": {"uses": "rasa.nlu.classifiers.diet_classifier.DIETClassifier"}}}}).encode()
with tarfile.open(other, "w:gz") as archive:
    entry = tarfile.TarInfo("metadata.json")
    entry.size = len(metadata)
    archive.addfile(entry, io.BytesIO(metadata))
assert tensorflow_stub.model_needs_tensorflow(other)
assert tensorflow_stub.model_needs_tensorflow(Path("no-such-model.tar.gz"))
other.write_bytes(b"not a tar file")
assert tensorflow_stub.model_needs_tensorflow(other)

tensorflow_stub.install()
import rasa_env.launch  # noqa: F401  (imports Rasa, as the server does)
from rasa.core.agent import Agent

agent = Agent.load(str(model))
parsed = asyncio.run(agent.parse_message("how long does the evaluation take?"))
assert parsed["intent"]["name"] == "faq", parsed["intent"]
assert parsed["response_selector"]["faq"]["response"]["intent_response_key"].startswith("faq/")
assert asyncio.run(agent.parse_message("hello"))["intent"]["name"] == "greet"

# Nothing of the real TensorFlow, Keras or JAX was loaded...
heavy = [name for name, module in list(sys.modules.items())
         if any(f"site-packages/{package}/" in (getattr(module, "__file__", None) or "")
                for package in ("tensorflow", "keras", "jax", "jaxlib"))]
assert not heavy, heavy
# ...and the stand-ins refuse to be used rather than compute something else.
import tensorflow as tf
try:
    tf.Tensor([1.0])
    raise AssertionError("a stub was callable")
except tensorflow_stub.TensorFlowNotLoaded:
    pass
assert not hasattr(tf, "constant")
print("ok")
"""


def test_a_tensorflow_free_model_is_served_without_importing_tensorflow():
    assert_passes_in_rasa_environment(WITHOUT_TENSORFLOW)


SAME_INTENTS = """
import asyncio, sys
sys.argv = ["rasa"]
import yaml
import dask
from dask.local import get_sync
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.exceptions import GraphComponentException
from rasa.engine.graph import GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
import rasa_env.launch as launch

phrasings = []
for block in yaml.safe_load(open("nlu/intents.yml"))["nlu"]:
    phrasings += [line[2:] for line in block.get("examples", "").splitlines() if line][:6]
phrasings += ["?", "SC-2026-00001", "asdf qwerty", "Smart parking sensors for 7 blocks",
              "¿Dónde está mi propuesta?", "x" * 2000, "/greet"]

async def main():
    # Each model binds its components' methods when it is loaded.
    assert LogisticRegressionClassifier.process is launch._classify
    patched = Agent.load("models/entryway.tar.gz")
    LogisticRegressionClassifier.process = launch._original_classify
    DaskGraphRunner._instantiate_nodes = staticmethod(launch._original_instantiate_nodes)
    original = Agent.load("models/entryway.tar.gz")
    def functions(agent, component):
        nodes = agent.processor.graph_runner._instantiated_nodes.values()
        return {n._fn for n in nodes if n._component_class is component}
    assert functions(patched, LogisticRegressionClassifier) == {launch._classify}
    assert functions(original, LogisticRegressionClassifier) == {launch._original_classify}
    assert functions(patched, CountVectorsFeaturizer) == {launch._count_sentence_features}
    assert functions(original, CountVectorsFeaturizer) == {launch._original_count_process}
    # A graph with a component that may read sequence features keeps them.
    schema = patched.processor.graph_runner._graph_schema
    assert launch.reads_only_sentence_features(schema)
    class TokenTagger:  # any component not known to read sentence features only
        pass
    with_tagger = GraphSchema({**schema.nodes, "tagger": SchemaNode({}, TokenTagger, "load",
                                                                    "process", {})})
    assert not launch.reads_only_sentence_features(with_tagger)
    ours = [await patched.parse_message(text) for text in phrasings]
    theirs = [await original.parse_message(text) for text in phrasings]
    # The graphs run depth first give what dask's scheduler gives, NLU and policies.
    tracker = await patched.processor.fetch_tracker_and_update_session("someone")
    await patched.processor._handle_message_with_tracker(
        UserMessage("I want to submit a proposal", sender_id="someone"), tracker)
    assert dask.get is launch._get_in_order
    in_order = [await patched.parse_message(text) for text in phrasings]
    in_order_next = patched.processor.predict_next_with_tracker(tracker)
    dask.get = get_sync
    assert in_order == [await patched.parse_message(text) for text in phrasings]
    assert in_order_next == patched.processor.predict_next_with_tracker(tracker)
    assert in_order_next["policy"] == "RulePolicy", in_order_next
    # A text without tokens: the original's error, as before.
    for agent in (patched, original):
        try:
            await agent.parse_message("   ")
            raise AssertionError("a text without tokens was classified")
        except GraphComponentException as error:
            assert "features" in str(error.__cause__), error.__cause__
    assert len(phrasings) > 60, len(phrasings)
    for text, a, b in zip(phrasings, ours, theirs):
        assert a["intent"]["name"] == b["intent"]["name"], text
        names = [[r["name"] for r in parsed["intent_ranking"]] for parsed in (a, b)]
        assert names[0] == names[1], text
        for x, y in zip(a["intent_ranking"], b["intent_ranking"]):
            assert abs(x["confidence"] - y["confidence"]) < 1e-12, (text, x, y)
    print("ok")

asyncio.run(main())
"""


def test_intents_and_next_actions_are_what_rasa_computes_without_the_fixes():
    assert_passes_in_rasa_environment(SAME_INTENTS)


SAME_STATES = """
import copy, sys
sys.argv = ["rasa"]
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (ActionExecuted, ActionExecutionRejected, ActionReverted,
    ActiveLoop, BotUttered, ConversationPaused, ConversationResumed,
    DefinePrevUserUtteredFeaturization, EntitiesAdded, FollowupAction, Restarted,
    SessionStarted, SlotSet, UserUttered, UserUtteranceReverted)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
import rasa_env.launch as launch

domain = Domain.load("domain.yml")

def said(intent, text):
    return [ActionExecuted("action_listen"), UserUttered(text, {"name": intent, "confidence": 1.0})]

def form_turn(slot, value, following):
    return [*said("inform", value), ActionExecuted("proposal_form"), SlotSet(slot, value),
            SlotSet("requested_slot", following)]

conversation = [
    ActionExecuted("action_session_start"), SessionStarted(), SlotSet("resume_offered", False),
    *said("greet", "hello"), ActionExecuted("utter_greet"), BotUttered("Hi"),
    *said("submit_proposal", "I want to submit a proposal"), ActionExecuted("proposal_form"),
    ActiveLoop("proposal_form"), SlotSet("requested_slot", "organisation"),
    *form_turn("organisation", "Acme", "contact_name"),
    *form_turn("contact_name", "Jane", "email"),
    UserUtteranceReverted(),  # the last turn taken back
    *form_turn("contact_name", "Joan", "email"),
    ActionExecuted("utter_ask_email"), ActionReverted(), ConversationPaused(),
    *said("deny", "stop"), ActionExecuted("proposal_form"), ActiveLoop(None),
    SlotSet("requested_slot", None), ConversationResumed(), *said("affirm", "yes"),
    ActionExecuted("utter_greet"), FollowupAction("action_listen"), ActionExecuted("utter_greet"),
    FollowupAction("utter_greet"), SlotSet("organisation", "Acme"),
    *said("greet", "hi"), ActionExecuted("utter_greet"), ActionExecuted("action_listen"),
    DefinePrevUserUtteredFeaturization(True), EntitiesAdded([{"entity": "reference",
                                                              "value": "SC-2026-00001"}]),
    Restarted(), *said("greet", "hi again"), ActionExecuted("utter_greet"),
    ActionExecuted("action_session_start"), SessionStarted(), *said("thank", "thanks"),
]

# Asked after every event, and after every few: then a revert and what follows it can
# come between two calls, leaving as many applied events as before but other ones.
for every in (1, 2, 3, 5, 7):
    tracker = DialogueStateTracker("someone", domain.slots)
    rasa = DialogueStateTracker("someone", domain.slots)
    for number, event in enumerate(conversation, 1):
        for each in (tracker, rasa):
            each.update(event, domain)
        if number % every:
            continue
        for omit_unset_slots in (False, True, False):
            expected = launch._original_past_states(rasa, domain, omit_unset_slots)
            assert launch._past_states(tracker, domain, omit_unset_slots) == expected, event
            assert tracker.copy().past_states(domain, omit_unset_slots) == expected, event
        assert tracker.past_states(domain, ignore_rule_only_turns=True, rule_only_data={}) == (
            launch._original_past_states(rasa, domain, ignore_rule_only_turns=True,
                                         rule_only_data={}))
# A copy is what Rasa's replay of the events gives, and goes its own way after.
def state_of(tracker):
    slots = {name: (slot.value, slot.has_been_set) for name, slot in tracker.slots.items()}
    return (tracker.current_state(EventVerbosity.ALL), slots, tracker._paused,
            tracker.followup_action, tracker.latest_action, tracker.active_loop,
            tracker.latest_message, tracker.latest_bot_utterance, tracker.model_id)

tracker = DialogueStateTracker("someone", domain.slots)
tracker.model_id = "model"
for event in conversation:
    tracker.update(event, domain)
    if isinstance(event, (FollowupAction, Restarted)):
        tracker.clear_followup_action()  # as Rasa's processor does before running it
    copied, replayed = tracker.copy(), launch._original_copy(tracker)
    assert state_of(copied) == state_of(replayed), event
    later = [ActionExecuted("proposal_form"), ActionExecutionRejected("proposal_form"),
             SlotSet("organisation", "Other"), ConversationResumed()]
    for each in (copied, replayed):
        each.update_with_events(later, domain, override_timestamp=False)
    assert state_of(copied) == state_of(replayed), event
    # The tracker itself went its own way too (but for what the processor cleared).
    def besides_followup(tracker):
        current, *rest = state_of(tracker)
        del current["followup_action"], rest[2]
        return current, rest[:-1]
    assert besides_followup(tracker) == besides_followup(launch._original_copy(tracker)), event

# Each call gets its own copies: a caller changing them changes nothing it gets next.
for state in tracker.past_states(domain):
    for part in state.values():
        part.clear()
assert tracker.past_states(domain) == launch._original_past_states(rasa, domain)

for slot in domain.slots:
    slot.value = "set"
    before = slot.value
    copied = copy.copy(slot)
    assert type(copied) is type(slot) and copied is not slot
    assert copied.__dict__ == slot.__dict__
    copied.value = "other"
    assert slot.value == before and copied.value != before
print("ok")
"""


def test_past_states_go_on_from_the_last_call_and_equal_rasas():
    assert_passes_in_rasa_environment(SAME_STATES)


FROZEN_AFTER_LOADING = """
import asyncio, gc, sys
sys.argv = ["rasa"]
from rasa.core import run
import rasa_env.launch as launch

assert run.load_agent_on_start is launch._load_agent_then_freeze
loaded = object()

async def load(*args, **kwargs):
    return loaded

launch._original_load_agent_on_start = load
assert gc.get_freeze_count() == 0
assert asyncio.run(run.load_agent_on_start("models/entryway.tar.gz", None, None, None)) is loaded
assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()  # Rasa's modules at least
print("ok")
"""


def test_what_is_alive_once_the_model_is_loaded_is_frozen_out_of_the_collector():
    assert_passes_in_rasa_environment(FROZEN_AFTER_LOADING)


COMMON_TEXTS_PARSED_ONCE = """
import asyncio, dataclasses, sys, time, types
sys.argv = ["rasa"]
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor
from rasa.engine.graph import GraphSchema, SchemaNode
import rasa_env.launch as launch
from rasa_env import parse_cache

assert MessageProcessor._parse_message_with_graph is parse_cache.parse_message_with_graph
agent = Agent.load("models/entryway.tar.gz")
processor = agent.processor
assert parse_cache.text_only(processor)
texts = ["yes", "skip", "hello", "how long does the evaluation take?",
         "what's the status of SC-2026-00001?", "I want to submit a proposal"]

def parse(text, sender, only_output_properties=True):
    return processor._parse_message_with_graph(
        UserMessage(text, sender_id=sender), None, only_output_properties)

def rasas(text):
    return parse_cache._original_parse(processor, UserMessage(text), None, True)

runs = []
original = parse_cache._original_parse
def counted(*args):
    runs.append(args[1].text)
    return original(*args)
parse_cache._original_parse = counted

async def main():
    for text in texts:
        assert parse(text, "ann") == rasas(text)
        assert parse(text, "ann") == rasas(text)  # the same conversation: not common yet
        assert parse(text, "bob") == rasas(text)  # a second one: now kept
        runs.clear()
        third = parse(text, "cy")
        assert third == rasas(text) and runs == [text], runs  # one run: rasas() above
        third["intent"]["name"] = "changed by a caller"
        third["intent_ranking"].clear()
        assert parse(text, "dee") == rasas(text)  # callers change their own copies
    # Through Rasa's own parse, which adds the full retrieval intent to what it gets.
    for sender in ("ann", "bob", "cy"):
        parsed = await processor.parse_message(UserMessage(texts[3], sender_id=sender))
        assert parsed["intent"]["full_retrieval_intent_name"].startswith("faq/"), parsed
    # One person's own words are parsed every time and never kept.
    runs.clear()
    for _ in range(3):
        assert parse("Jane Doe-17", "ann") == rasas("Jane Doe-17")
    assert runs.count("Jane Doe-17") == 6, runs
    assert "Jane Doe-17" not in processor.__dict__[parse_cache.CACHE]
    # Nor is a long text, however many send it (its tokens alone would be large).
    long_text = "a " * 60
    for sender in ("ann", "bob", "cy"):
        parse(long_text, sender)
    assert long_text not in processor.__dict__[parse_cache.CACHE]
    # `rasa test nlu` asks for every property (the message's id and metadata too).
    runs.clear()
    parse("yes", "ann", only_output_properties=False)
    assert runs == ["yes"], runs
    # A model with a component not known to read the text alone parses every message.
    metadata = processor.model_metadata
    nodes = metadata.predict_schema.nodes
    target = metadata.nlu_target
    class MetadataReader:
        pass
    with_reader = {**nodes, "reader": SchemaNode({}, MetadataReader, "load", "process", {}),
                   target: dataclasses.replace(nodes[target], needs={
                       **nodes[target].needs, "read": "reader"})}
    other = types.SimpleNamespace(model_metadata=types.SimpleNamespace(
        predict_schema=GraphSchema(with_reader), nlu_target=target))
    assert not parse_cache.text_only(other)
    # The bounds hold: the oldest parse and the oldest first sender go first.
    cache = parse_cache.ParseCache(parses=2, first_senders=2)
    for text in ("a", "b", "c"):
        cache.offer(text, "ann", {"text": text})
        cache.offer(text, "bob", {"text": text})
    assert cache.get("a") is None and cache.get("c") == {"text": "c"}
    for text in ("d", "e", "f"):
        cache.offer(text, "ann", {"text": text})
    cache.offer("d", "bob", {"text": "d"})  # forgotten: bob is its first sender now
    assert cache.get("d") is None
    # A kept parse lasts as long as a kept tracker, then needs two conversations again.
    cache = parse_cache.ParseCache(seconds=0.05)
    cache.offer("yes", "ann", {"text": "yes"})
    cache.offer("yes", "bob", {"text": "yes"})
    assert cache.get("yes") == {"text": "yes"}
    time.sleep(0.1)
    assert cache.get("yes") is None
    cache.offer("yes", "cy", {"text": "yes"})
    assert cache.get("yes") is None
    print("ok")

asyncio.run(main())
"""


def test_a_text_more_than_one_conversation_sent_is_parsed_once_and_the_same():
    assert_passes_in_rasa_environment(COMMON_TEXTS_PARSED_ONCE)
