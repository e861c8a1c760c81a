"""rasa_env/patches/no_tracker_store_fallback.py: the configured store itself, not Rasa's
FailSafeTrackerStore around it."""

from rasa.core.agent import Agent
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore
from rasa.shared.core.domain import Domain

from rasa_env.patches.no_tracker_store_fallback import (
    CREATE_TRACKER_STORE,
    tracker_store_without_fallback,
)
from rasa_env.patches.targets import original
from tests.support.patched_rasa import DOMAIN, apply_patches

apply_patches()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert Agent._create_tracker_store is tracker_store_without_fallback


def test_the_store_is_used_as_it_is_where_rasa_wraps_it_in_its_fallback() -> None:
    domain = Domain.load(str(DOMAIN))
    store = InMemoryTrackerStore(Domain.empty())
    wrapped = original(CREATE_TRACKER_STORE)(store, domain)
    assert isinstance(wrapped, FailSafeTrackerStore) and wrapped._tracker_store is store
    assert Agent._create_tracker_store(store, domain) is store
    assert store.domain is domain


def test_no_store_is_an_in_memory_one_as_in_rasa() -> None:
    domain = Domain.load(str(DOMAIN))
    ours = Agent._create_tracker_store(None, domain)
    rasas = original(CREATE_TRACKER_STORE)(None, domain)
    assert isinstance(ours, InMemoryTrackerStore) and ours.domain is domain
    assert isinstance(rasas._tracker_store, InMemoryTrackerStore)
