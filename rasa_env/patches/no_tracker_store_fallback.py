"""The tracker store's errors reach the channel instead of Rasa's in-memory fallback.

Replaces `Agent._create_tracker_store`, which wraps every tracker store in a
FailSafeTrackerStore: a failed read answers the message as if the conversation had just
begun (a vendor's answer to a form question was taken for an out-of-scope remark), and a
failed write keeps the turn in this process's memory only. Here a failed read reaches
Rasa's REST channel before anything is said, which then answers no messages, so the app
says it is restarting and that nothing is lost, and the person sends the message again. A
failed write comes after the turn's replies were collected: they are still shown (what the
actions did, a submission say, is done), and the conversation goes on from before that
turn, as with Rasa's fallback. A read that finds its connection dropped (PostgreSQL
restarted) is tried once more on a new one by the store itself (rasa_env/tracker_store.py),
so a restart costs no error at all (tests/end_to_end/test_faults.py restarts it half-way through a
form). Switched off, Rasa's fallback is back: errors are logged, not shown.
"""

from rasa.core import tracker_store
from rasa.shared.core.domain import Domain

from rasa_env.patches.targets import Target, replace

CREATE_TRACKER_STORE = Target(
    "rasa.core.agent",
    "Agent._create_tracker_store",
    "97499b594b45581b2c6d8ff7adb9083af24eba85654995a40350de65633ca574",
)
TARGETS = (CREATE_TRACKER_STORE,)


def tracker_store_without_fallback(
    store: tracker_store.TrackerStore | None, domain: Domain
) -> tracker_store.TrackerStore:
    if store is None:
        return tracker_store.InMemoryTrackerStore(domain)
    store.domain = domain
    return store


def apply() -> None:
    replace(CREATE_TRACKER_STORE, staticmethod(tracker_store_without_fallback))
