"""rasa_env/patches/freeze_after_model_load.py: what is alive once Rasa's start-up load of
the model returns is frozen out of the garbage collector's reach."""

import asyncio
import gc

from rasa.core import run

from rasa_env.patches import targets
from rasa_env.patches.freeze_after_model_load import (
    LOAD_AGENT_ON_START,
    load_agent_then_freeze,
)
from tests.support.patched_rasa import apply_patches

apply_patches()


def test_it_is_what_the_launcher_puts_in_rasas_place() -> None:
    assert run.load_agent_on_start is load_agent_then_freeze


def test_rasas_load_runs_then_everything_alive_is_frozen(monkeypatch) -> None:
    loaded = object()
    calls = []

    async def rasas_load(*args: object, **kwargs: object) -> object:
        calls.append(args)
        return loaded

    monkeypatch.setitem(targets._originals, LOAD_AGENT_ON_START, rasas_load)
    gc.unfreeze()
    try:
        assert asyncio.run(run.load_agent_on_start("model.tar.gz", None, None, None)) is loaded
        assert calls == [("model.tar.gz", None, None, None)]
        assert gc.get_freeze_count() > 100_000, gc.get_freeze_count()  # Rasa's modules at least
    finally:
        gc.unfreeze()
