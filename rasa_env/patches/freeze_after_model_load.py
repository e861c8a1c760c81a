"""What is alive once the start-up model is loaded moved out of the garbage collector's reach.

Replaces `rasa.core.run.load_agent_on_start` with Rasa's own followed by `gc.freeze()`. Full
garbage collections walked everything Rasa and the model are made of (about 258,000
objects), every few seconds under `make bench`'s load, each holding the server's every
conversation for 120-145 ms; after the freeze they took 16-29 ms. What is frozen is never
collected, which is what these objects are for: a model loaded later through Rasa's HTTP
API is not frozen, and the start-up model's cycles then stay in memory (Entryway loads a
new model by restarting Rasa).
"""

import gc
from typing import Any

from rasa.core.agent import Agent

from rasa_env.patches.targets import Target, original, replace

LOAD_AGENT_ON_START = Target(
    "rasa.core.run",
    "load_agent_on_start",
    "b23e12447febeb64dfe0e78f545c37affae1059858280485b1094707a2704214",
)
TARGETS = (LOAD_AGENT_ON_START,)


async def load_agent_then_freeze(*args: Any, **kwargs: Any) -> Agent:
    agent = await original(LOAD_AGENT_ON_START)(*args, **kwargs)
    gc.collect()
    gc.freeze()
    return agent


def apply() -> None:
    replace(LOAD_AGENT_ON_START, load_agent_then_freeze)
