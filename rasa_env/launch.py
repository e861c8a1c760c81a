"""`python -m rasa_env.launch ...`: the `rasa` command with thirteen measured fixes and one
for stored conversations.

Profiling `make bench` showed the Rasa server, which is single-threaded, spending
much of its CPU on two things that do not depend on the conversation:

1. Validating each action-server response with `jsonschema.validate`, which
   re-checks the schema against its meta-schema on every call and tries every
   event against all 23 event-type branches of a `oneOf` (15-45% of CPU in
   conversations that run custom actions; every form turn does). Here the same
   schema is compiled once with fastjsonschema, split per event type, and each
   event is validated against the branch its `event` name selects, which is what
   `oneOf` with distinct `const` names accepts. An invalid response still raises
   jsonschema's ValidationError, which Rasa turns into the same error as before.
2. Opening a new HTTP session (and TCP connection) to the action server for every
   custom action call (about 10%). Here each endpoint keeps one aiohttp session
   with keep-alive connections for the life of the server, and it encodes the calls'
   bodies with ujson, not the standard library (3.6%).
3. Sending the whole domain (24 KB of JSON) with every custom action call. The
   action server (rasa-sdk 3.21) caches the domain and accepts its digest instead,
   answering 449 when it does not know the digest (after a restart, say). Here
   each call carries the digest, the domain itself only until the action server
   has it, and a 449 is answered by sending the call again with the domain.
4. Looking up each stored event's class by walking every Event subclass, for
   every event of the tracker, on every message (about 8%). The classes are
   fixed once Rasa is imported, so the lookup is done once per type name.
5. Importing TensorFlow, which Rasa's modules do at import time (its policy and
   extractor base modules import its training utilities) although this
   pipeline runs no TensorFlow model: TensorFlow, Keras and the JAX they pull in
   were 435 MiB of each worker's 750 MiB RSS and about two thirds of its
   start-up time (README, "Benchmark"). When `rasa run` serves a model file whose every
   component was checked for it (rasa_env/components.py; read from the model's
   metadata.json before Rasa is imported), `tensorflow` and `keras` are stub
   packages: their modules offer only the names Rasa 3.6.21 reads while
   importing (class bases, type hints), and calling anything from them raises
   `TensorFlowNotLoaded`, so a path that needed TensorFlow fails loudly instead of
   computing something else. Any other model, or any other command, imports
   the real TensorFlow as before (rasa_env/tensorflow_stub.py).

6. Losing a turn when the stored conversations cannot be reached. Rasa wraps every
   tracker store in a FailSafeTrackerStore: a failed read answers the message as if
   the conversation had just begun (a vendor's answer to a form question was taken
   for an out-of-scope remark), and a failed write keeps the turn in this process's
   memory only. Here a failed read reaches Rasa's REST channel before anything is
   said, which then answers no messages, so the app says it is restarting and that
   nothing is lost, and the person sends the message again. A failed write comes
   after the turn's replies were collected: they are still shown (what the actions
   did, a submission say, is done), and the conversation goes on from before that
   turn, as with Rasa's fallback. A read that finds its connection dropped (PostgreSQL
   restarted) is tried once more on a new one (rasa_env/tracker_store.py), so a
   restart costs no error at all (tests/test_faults.py restarts it under a form
   half-way).

7. Work on every message that depends on nothing the message brings (about 9% of a
   Rasa server's busy time at 20 users): checking whether the domain is empty by
   comparing its whole dictionary with an empty domain's, built anew (once per domain
   here); and the intent classifier building scipy matrices from the message's
   features and going through scikit-learn's input checks to score one row. Here the
   row's scores are the intercept plus its non-zero sparse features and its dense ones,
   each times its coefficients, then scikit-learn's softmax: the same
   arithmetic (probabilities equal to 1e-12, the same ranking; checked against the
   original on the trained model in tests/test_rasa_launch.py). The row is read from
   the message's sentence features directly: Rasa's accessors deep-copy and stack every
   feature matrix of the message, sequence ones included (5.7%).

8. Running each graph (the NLU once per message, the policies once per action) through
   dask's synchronous scheduler, whose bookkeeping (task states, callbacks, ordering)
   cost 7% of a Rasa server's busy time at 20 users for graphs of a dozen nodes that
   run one after the other anyway. Here each target is computed depth first, each
   node once, its inputs substituted as dask substitutes them (a task is a tuple with
   a callable first; an argument naming a node is that node's result; anything else,
   such as Rasa's `(name, value)` inputs, is itself). Results are identical; errors
   propagate unchanged.

9. Copying every slot of the domain with `copy.copy`'s generic reduce protocol each time
   a tracker is built, several times per message (6.7%). A slot's copy is the same new
   instance sharing its attributes' values, made directly.

10. Replaying the whole session for each prediction, several per message, to list the
    dialogue states the RulePolicy matches rules against (7.5%). Here each tracker keeps
    the states up to its latest action and the tracker replayed to there, and the next
    call on it goes on from there as long as its applied events still begin with the
    same event objects (a revert or a new session starts again). Callers get copies.

11. Computing sequence features (a vectorisation per token) in the count vectorisers
    that no component reads: the classifiers and the FAQ selector read sentence
    features. When every component of a graph is known to read only those
    (rasa_env/components.py), its count vectorisers compute sentence features only:
    NLU took 0.87 ms of CPU per message instead of 1.15 in-process on the bench's
    messages, with the same intents and confidences (tests/test_rasa_launch.py).

12. Copying the tracker for every action Rasa runs by replaying all its events into a
    new one (3.1%): the copy is made from the state those events left instead (the
    follow-up action as the replay leaves it), 0.06 ms against 0.15 for the bench's
    111-event conversation. Checked against the replay after every event of a
    conversation with reverts, pauses, restarts and follow-up actions.

13. Full garbage collections walking everything Rasa and the model are made of (about
    258,000 objects), every few seconds under load, each holding the server's every
    conversation for 120-145 ms. Once the model is loaded, those objects are frozen out
    of the collector's reach (`gc.freeze`); the full collections during `make bench`'s
    load then took 16-29 ms.

14. Running the whole NLU graph again for a text it parsed before ("yes", "skip", a
    greeting): 0.5 ms of CPU for "yes", 1.5 ms for an FAQ question. A text that more than
    one conversation sent is parsed once while it stays common, when every NLU component
    reads the text alone (rasa_env/parse_cache.py).

And for privacy: Rasa's structured log events name the fields that carry what people
typed (a failed message is logged with its text); their values are replaced before any
log line is written (rasa_env/redaction.py, in the place of Rasa's own anonymizer).

All fourteen replace or stand in for parts of the pinned Rasa 3.6.21
(rasa_env/requirements.lock); tests/test_stack.py exercises them on every run;
tests/test_rasa_launch.py checks that validation still rejects what it did, the
449 retry, and that a TensorFlow-free model is served without TensorFlow while
any other model (or an unreadable one) is not stubbed.
"""

import dataclasses
import functools
import gc
import hashlib
import json
import os
import sys
from collections.abc import Callable
from typing import Any

from rasa_env import components, tensorflow_stub

_served = tensorflow_stub.served_model(sys.argv[1:]) if __name__ == "__main__" else None
WITHOUT_TENSORFLOW = _served is not None and not tensorflow_stub.model_needs_tensorflow(_served)
if WITHOUT_TENSORFLOW:
    tensorflow_stub.install()

# Rasa is imported only now, so that the stub (when installed) is in place first.

import aiohttp  # noqa: E402
import dask  # noqa: E402
import fastjsonschema  # noqa: E402
import numpy as np  # noqa: E402
import ujson  # noqa: E402
from jsonschema import ValidationError  # noqa: E402
from rasa.__main__ import main  # noqa: E402
from rasa.core import run as rasa_run  # noqa: E402
from rasa.core import tracker_store  # noqa: E402
from rasa.core.actions.action import RemoteAction  # noqa: E402
from rasa.core.agent import Agent  # noqa: E402
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT  # noqa: E402
from rasa.core.processor import MessageProcessor  # noqa: E402
from rasa.engine.graph import GraphNode, GraphSchema  # noqa: E402
from rasa.engine.runner.dask import DaskGraphRunner  # noqa: E402
from rasa.nlu.classifiers.logistic_regression_classifier import (  # noqa: E402
    LogisticRegressionClassifier,
)
from rasa.nlu.constants import DENSE_FEATURIZABLE_ATTRIBUTES  # noqa: E402
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import (  # noqa: E402
    CountVectorsFeaturizer,
)
from rasa.shared.core.constants import (  # noqa: E402
    ACTION_LISTEN_NAME,
    ACTION_SESSION_START_NAME,
)
from rasa.shared.core.domain import Domain, State  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    ActionReverted,
    DefinePrevUserUtteredFeaturization,
    EntitiesAdded,
    Event,
    FollowupAction,
    Restarted,
    SessionStarted,
    UserUtteranceReverted,
    UserUttered,
)
from rasa.shared.core.slots import Slot  # noqa: E402
from rasa.shared.core.trackers import DialogueStateTracker  # noqa: E402
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT  # noqa: E402
from rasa.shared.nlu.training_data.message import Message  # noqa: E402
from rasa.shared.utils.common import all_subclasses  # noqa: E402
from rasa.utils import log_utils  # noqa: E402
from rasa.utils.endpoints import ClientResponseError, EndpointConfig  # noqa: E402
from rasa.utils.tensorflow.constants import RANKING_LENGTH  # noqa: E402
from scipy.sparse import coo_matrix  # noqa: E402
from sklearn.utils.extmath import softmax  # noqa: E402

from rasa_env import parse_cache, redaction  # noqa: E402


@functools.cache
def _response_validators() -> tuple[Callable[[Any], Any], dict[str, Callable[[Any], Any]]]:
    spec = RemoteAction.action_response_format_spec()
    event_schema = spec["properties"]["events"]["items"]
    common = {key: value for key, value in event_schema.items() if key != "oneOf"}
    per_event_type = {
        branch["properties"]["event"]["const"]: fastjsonschema.compile({"allOf": [common, branch]})
        for branch in event_schema["oneOf"]
    }
    envelope = {**spec, "properties": {**spec["properties"], "events": {"type": "array"}}}
    return fastjsonschema.compile(envelope), per_event_type


def _invalid(reason: str) -> ValidationError:
    return ValidationError(
        f"{reason}. Failed to validate Action server response from API, make sure your "
        "response from the Action endpoint is valid."
    )


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    validate_envelope, per_event_type = _response_validators()
    try:
        validate_envelope(result)
        for event in result.get("events") or []:
            name = event.get("event") if isinstance(event, dict) else None
            if name not in per_event_type:
                raise _invalid(f"{event!r} is not an event of a known type")
            per_event_type[name](event)
    except fastjsonschema.JsonSchemaException as error:
        raise _invalid(error.message) from error
    return True


@functools.cache
def _event_classes() -> dict[str, type[Event]]:
    classes: dict[str, type[Event]] = {}
    for cls in all_subclasses(Event):
        classes.setdefault(cls.type_name, cls)  # first match wins, as in Rasa's loop
    return classes


_original_resolve_by_type = Event.resolve_by_type


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    found = _event_classes().get(type_name)
    return found if found is not None else _original_resolve_by_type(type_name, default)


class _KeptSession:
    """Hands out the endpoint's session to `async with` without closing it afterwards."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_: object) -> None:
        return None


def _new_session(self: EndpointConfig) -> aiohttp.ClientSession:
    """Rasa's session for the endpoint (its headers, basic auth and timeout), encoding
    request bodies with ujson: the whole conversation goes to the action server with
    each call (about 35 KB by the end of `make bench`'s conversation), and the standard
    library's encoder took 3.6% of a Rasa server's busy time at 20 users doing it.
    ujson (one of Rasa's own dependencies) writes the same JSON values, which is all the
    action server reads, twice as fast."""
    auth = None
    if self.basic_auth:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
    return aiohttp.ClientSession(
        headers=self.headers,
        auth=auth,
        timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        json_serialize=ujson.dumps,
    )


def _kept_session(self: EndpointConfig) -> _KeptSession:
    session = self.__dict__.get("_kept_session")
    if session is None or session.closed:
        session = _new_session(self)
        self.__dict__["_kept_session"] = session
    return _KeptSession(session)


_digests: dict[int, tuple[Domain, str]] = {}
_domains_by_digest: dict[str, dict[str, Any]] = {}
_digests_known_by: set[tuple[str, str]] = set()  # (action endpoint URL, digest)
_original_call_format = RemoteAction._action_call_format
_original_request = EndpointConfig.request


def _digest(domain: Domain) -> str:
    cached = _digests.get(id(domain))
    if cached is None or cached[0] is not domain:
        as_dict = domain.as_dict()
        digest = hashlib.sha256(json.dumps(as_dict, sort_keys=True, default=str).encode())
        cached = (domain, digest.hexdigest())
        _digests[id(domain)] = cached
        _domains_by_digest[cached[1]] = as_dict
    return cached[1]


def _call_format(self: RemoteAction, tracker: Any, domain: Domain) -> dict[str, Any]:
    payload = _original_call_format(self, tracker, domain)
    if "domain" in payload and self.action_endpoint is not None:
        digest = _digest(domain)
        payload["domain_digest"] = digest
        if (self.action_endpoint.url, digest) in _digests_known_by:
            del payload["domain"]
    return payload


async def _request(self: EndpointConfig, *args: Any, **kwargs: Any) -> Any:
    body = kwargs.get("json")
    digest = body.get("domain_digest") if isinstance(body, dict) else None
    if digest is None:
        return await _original_request(self, *args, **kwargs)
    try:
        response = await _original_request(self, *args, **kwargs)
    except ClientResponseError as error:
        if error.status != 449 or "domain" in body:
            raise
        kwargs["json"] = {**body, "domain": _domains_by_digest[digest]}
        response = await _original_request(self, *args, **kwargs)
    _digests_known_by.add((self.url, digest))
    return response


def _tracker_store_without_fallback(
    store: tracker_store.TrackerStore | None, domain: Domain
) -> tracker_store.TrackerStore:
    if store is None:
        return tracker_store.InMemoryTrackerStore(domain)
    store.domain = domain
    return store


_original_is_empty = Domain.is_empty


def _is_empty(self: Domain) -> bool:
    known = self.__dict__.get("_entryway_is_empty")
    if known is None:
        known = self.__dict__["_entryway_is_empty"] = _original_is_empty(self)
    return known


_original_classify = LogisticRegressionClassifier.process


def _multinomial(clf: Any) -> bool:
    """Whether scikit-learn's predict_proba takes the softmax of the decision function
    (its own test, sklearn 1.1); otherwise the original path is kept."""
    return hasattr(clf, "coef_") and not (
        clf.multi_class in ("ovr", "warn")
        or (clf.multi_class == "auto" and (clf.classes_.size <= 2 or clf.solver == "liblinear"))
    )


def _sentence_row(message: Message) -> tuple[np.ndarray, np.ndarray, int, np.ndarray]:
    """The message's sentence features as `get_sparse_features` and `get_dense_features`
    lay them side by side (each kind in the order the featurizers added them): the
    sparse ones' columns and values, their width, then the dense values. Those two
    deep-copy and stack every feature matrix of the message, the sequence ones too,
    which this row never reads (5.7% of a Rasa server's busy time at 20 users)."""
    columns, values, dense, width = [], [], [], 0
    for feature in message.features:
        if feature.attribute != TEXT or feature.type != FEATURE_TYPE_SENTENCE:
            continue
        if feature.is_sparse():
            block = coo_matrix(feature.features)
            columns.append(block.col + width)
            values.append(block.data)
            width += block.shape[1]
        else:
            dense.append(np.asarray(feature.features).reshape(-1))
    return _joined(columns).astype(int), _joined(values), width, _joined(dense)


def _joined(parts: list[np.ndarray]) -> np.ndarray:
    return np.concatenate(parts) if parts else np.empty(0)


def _row_scores(clf: Any, message: Message) -> np.ndarray | None:
    """The decision function for one message: its sparse sentence features, then its dense
    ones; None when they are not as many as the classifier's (no tokens in the text),
    which the original refuses with its error."""
    columns, values, offset, dense = _sentence_row(message)
    if offset + dense.size != clf.coef_.shape[1]:
        return None
    scores = clf.intercept_.astype(float)
    if columns.size:
        scores += clf.coef_[:, columns] @ values
    scores += clf.coef_[:, offset:] @ dense
    return scores


def _classify(self: LogisticRegressionClassifier, messages: list[Message]) -> list[Message]:
    clf = self.clf
    if not _multinomial(clf):
        return _original_classify(self, messages)
    for message in messages:
        scores = _row_scores(clf, message)
        if scores is None:
            _original_classify(self, [message])
            continue
        probabilities = softmax(scores.reshape(1, -1), copy=False)[0]
        pairs = zip(clf.classes_, probabilities, strict=True)
        ranking = sorted(
            ({"name": name, "confidence": p} for name, p in pairs),
            key=lambda entry: -entry["confidence"],
        )
        message.set("intent", ranking[0], add_to_output=True)
        if self.config[RANKING_LENGTH] > 0:
            ranking = ranking[: self.config[RANKING_LENGTH]]
        message.set("intent_ranking", ranking, add_to_output=True)
    return messages


def _get_in_order(graph: dict[Any, Any], targets: list[Any]) -> list[Any]:
    results: dict[Any, Any] = {}

    def argument(value: Any) -> Any:
        return result(value) if isinstance(value, str) and value in graph else value

    def result(key: Any) -> Any:
        if key not in results:
            task = graph[key]
            if isinstance(task, tuple) and task and callable(task[0]):
                results[key] = task[0](*(argument(value) for value in task[1:]))
            else:
                results[key] = task
        return results[key]

    return [result(target) for target in targets]


def reads_only_sentence_features(schema: GraphSchema) -> bool:
    return components.all_have(components.names_of(schema), components.NO_SEQUENCE_FEATURES)


def _count_sentence_features(
    self: CountVectorsFeaturizer, messages: list[Message]
) -> list[Message]:
    """`CountVectorsFeaturizer.process` without the sequence features, which it computes
    first (a second vectorisation, a row per token) and nothing in the graph reads."""
    if self.vectorizers is None:
        return _original_count_process(self, messages)  # which logs why
    for message in messages:
        for attribute in self._attributes:
            tokens = self._get_processed_message_tokens_by_attribute(message, attribute)
            vectorizer = self.vectorizers.get(attribute)
            if not tokens or not vectorizer or attribute not in DENSE_FEATURIZABLE_ATTRIBUTES:
                continue
            sentence = vectorizer.transform([" ".join(tokens)])
            sentence.sort_indices()
            self.add_features_to_message(None, sentence.tocoo(), attribute, message)
    return messages


_original_count_process = CountVectorsFeaturizer.process
_original_instantiate_nodes = DaskGraphRunner._instantiate_nodes


def _instantiate_nodes(schema: GraphSchema, *args: Any, **kwargs: Any) -> dict[str, GraphNode]:
    """Rasa's nodes for the graph; when nothing in it reads sequence features, its count
    vectorisers compute sentence features only. Decided per graph, so a model loaded
    later (`PUT /model`) with a component that does read them gets them."""
    nodes = _original_instantiate_nodes(schema, *args, **kwargs)
    if reads_only_sentence_features(schema):
        for node in nodes.values():
            if node._fn is _original_count_process:
                node._fn = _count_sentence_features
    return nodes


def _copy_slot(self: Slot) -> Slot:
    """What `copy.copy` makes of a slot (a new instance sharing the attributes' values),
    without its generic reduce protocol: every tracker Rasa builds copies every slot of
    the domain, and a message builds several (6.7% of a Rasa server's busy time)."""
    copied = self.__class__.__new__(self.__class__)
    copied.__dict__.update(self.__dict__)
    return copied


_original_copy = DialogueStateTracker.copy


def _replayed_followup(tracker: DialogueStateTracker) -> str | None:
    """The follow-up action replaying the tracker's events would leave: the processor
    clears it without an event before running it, and a replay brings it back. The
    last event that sets it decides; REPLAY_NEEDED after a revert (which replays)."""
    for event in reversed(tracker.events):
        if isinstance(event, FollowupAction):
            return event.action_name
        if isinstance(event, (UserUttered, ActionExecuted)):
            return None
        if isinstance(event, Restarted):
            return ACTION_SESSION_START_NAME
        if isinstance(event, SessionStarted):
            return ACTION_LISTEN_NAME
        if isinstance(event, (UserUtteranceReverted, ActionReverted)):
            return REPLAY_NEEDED
    return ACTION_LISTEN_NAME


REPLAY_NEEDED = "\0replay"  # no action's name


def _copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    """What Rasa's `copy()` makes by replaying every event into a new tracker, made from
    the state those events left (`_reset`'s fields, which are all that events change),
    the follow-up action as the replay would leave it. Rasa copies the tracker for every
    action it runs (3.1% of a Rasa server's busy time). A tracker that keeps only its
    latest events (`max_event_history`), or whose follow-up action depends on a revert,
    is replayed as before."""
    followup = _replayed_followup(self)
    if self._max_event_history is not None or followup == REPLAY_NEEDED:
        return _original_copy(self)
    copied = self.init_copy()
    copied.events = copied._create_events(list(self.events))
    for name, slot in self.slots.items():
        copied.slots[name].__dict__.update(slot.__dict__)
    copied._paused = self._paused
    copied.followup_action = followup
    copied.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    copied.latest_message = self.latest_message
    copied.latest_bot_utterance = self.latest_bot_utterance
    if self.active_loop is not None:  # changed in place by later events
        copied.active_loop = dataclasses.replace(self.active_loop)
    return copied


@dataclasses.dataclass
class _StatesSoFar:
    """The states of a tracker's applied events up to its latest action, and the tracker
    replayed to there, for the next prediction on the same tracker to go on from."""

    domain: Domain
    omit_unset_slots: bool
    events: list[Event]
    states: list[State]
    replayed: DialogueStateTracker


_original_past_states = DialogueStateTracker.past_states
STATES_SO_FAR = "_entryway_states_so_far"
# Events whose `apply_to` changes an earlier event (the latest user message) in place,
# on every replay: states kept from before them would differ from Rasa's. Only
# end-to-end policies log them; a tracker holding one is left to Rasa.
CHANGING_EARLIER_EVENTS = (DefinePrevUserUtteredFeaturization, EntitiesAdded)


def _past_states(
    self: DialogueStateTracker,
    domain: Domain,
    omit_unset_slots: bool = False,
    ignore_rule_only_turns: bool = False,
    rule_only_data: dict[str, Any] | None = None,
) -> list[State]:
    """Rasa's states for the tracker's history (one per action, then the current one),
    computed from where the last call on this tracker left off when its applied events
    still begin with the same event objects (and none changes an earlier one in place).
    Rasa replays the whole session for each
    prediction, several per message (7.5% of a Rasa server's busy time at 20 users).
    The RulePolicy, the only policy here, never ignores rule-only turns; any other call
    is Rasa's own. Callers change the states' parts (`del state["user"]["text"]`), and a
    state's parts can be the replayed tracker's own (its latest action), so each call
    gets copies down to those parts."""
    if ignore_rule_only_turns:
        return _original_past_states(
            self, domain, omit_unset_slots, ignore_rule_only_turns, rule_only_data
        )
    applied = self.applied_events()
    if any(isinstance(event, CHANGING_EARLIER_EVENTS) for event in applied):
        self.__dict__.pop(STATES_SO_FAR, None)
        return _original_past_states(self, domain, omit_unset_slots)
    so_far: _StatesSoFar | None = self.__dict__.get(STATES_SO_FAR)
    if (
        so_far is None
        or so_far.domain is not domain
        or so_far.omit_unset_slots != omit_unset_slots
        or len(so_far.events) > len(applied)
        or any(kept is not event for kept, event in zip(so_far.events, applied, strict=False))
    ):
        so_far = _StatesSoFar(domain, omit_unset_slots, [], [], self.init_copy())
    for event in applied[len(so_far.events) :]:
        if isinstance(event, ActionExecuted):
            state = domain.get_active_state(so_far.replayed, omit_unset_slots=omit_unset_slots)
            so_far.states.append(domain._clean_state(state))
        so_far.replayed.update(event)
    so_far.events = applied
    self.__dict__[STATES_SO_FAR] = so_far
    current = domain.get_active_state(so_far.replayed, omit_unset_slots=omit_unset_slots)
    states = [*so_far.states, domain._clean_state(current)]
    return [_parts_copied(state) for state in states]


def _parts_copied(state: State) -> State:
    return {name: dict(part) for name, part in state.items()}  # type: ignore[misc]


_original_load_agent_on_start = rasa_run.load_agent_on_start


async def _load_agent_then_freeze(*args: Any, **kwargs: Any) -> Agent:
    """Rasa's start-up load of the model, then everything alive at that point (Rasa's
    modules, the model, the domain: about 258,000 objects) moved out of the garbage
    collector's reach, where it would otherwise be walked by every full collection for
    the life of the server: 120-145 ms each under `make bench`'s load, every few
    seconds, blocking every conversation the server holds; 16-29 ms after the freeze
    (fix 13 above). What is frozen is never collected, which is what these
    objects are for: a model loaded later through Rasa's HTTP API is not frozen, and
    the start-up model's cycles then stay in memory (Entryway loads a new model by
    restarting Rasa)."""
    agent = await _original_load_agent_on_start(*args, **kwargs)
    gc.collect()
    gc.freeze()
    return agent


RemoteAction._validate_action_result = _validate_action_result
RemoteAction._action_call_format = _call_format
EndpointConfig.request = _request
EndpointConfig.session = _kept_session
Event.resolve_by_type = staticmethod(_resolve_by_type)
Agent._create_tracker_store = staticmethod(_tracker_store_without_fallback)
Domain.is_empty = _is_empty
LogisticRegressionClassifier.process = _classify
dask.get = _get_in_order
Slot.__copy__ = _copy_slot
DaskGraphRunner._instantiate_nodes = staticmethod(_instantiate_nodes)
DialogueStateTracker.past_states = _past_states
DialogueStateTracker.copy = _copy_tracker
rasa_run.load_agent_on_start = _load_agent_then_freeze
MessageProcessor._parse_message_with_graph = parse_cache.parse_message_with_graph
log_utils._anonymizer = redaction.logged_without_text

if __name__ == "__main__":
    sys.argv[0] = "rasa"
    token = os.environ.get("ENTRYWAY_RASA_TOKEN")
    if token and sys.argv[1:2] == ["run"]:
        # Given here, not by scripts/run-rasa: any user on the host can read a process's
        # command line (ps), and only the service user its environment. One word with
        # "=": a token that starts with "-" would otherwise be read as an option.
        sys.argv.append(f"--auth-token={token}")
    if WITHOUT_TENSORFLOW:
        print(f"rasa_env.launch: serving {_served} without TensorFlow (fix 5)", file=sys.stderr)
    main()
