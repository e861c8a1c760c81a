"""rasa_env/lock_store.py on the machine's Redis, in the Rasa environment, as two Rasa
servers would use it: one message of a conversation at a time, first come first
served, other conversations not held up, a ticket left by a dead server expiring, a
waiting message that outlived its ticket refused, a cancelled one giving its place up, a
late release taking nobody else's turn, and nothing left in Redis after."""

import asyncio

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

from rasa_env.endpoints import endpoints

REDIS_URL = "redis://127.0.0.1:6379/11"
# Long enough for any message on a loaded machine, far shorter than a lock's lifetime.
PATIENCE = 10.0


@pytest.fixture
def config() -> dict:
    return endpoints({"REDIS_URL": REDIS_URL})["lock_store"]


def test_conversations_are_locked_one_message_at_a_time_in_order(config: dict) -> None:
    plain = redis.Redis(host=config["url"], port=config["port"], db=config["db"])
    plain.flushdb()
    # Two servers: each its own store, as each Rasa process makes one.
    servers = [LockStore.create(EndpointConfig.from_dict(config)) for _ in range(2)]
    assert type(servers[0]).__name__ == "RedisTicketLockStore", type(servers[0])
    asyncio.run(conversations(servers, plain))


async def conversations(servers: list[LockStore], plain: redis.Redis) -> None:
    held, order = [], []

    async def message(server, conversation, number, seconds=0.05):
        async with servers[server].lock(conversation):
            held.append(conversation)
            assert held.count(conversation) == 1, held  # one message at a time
            order.append((conversation, number))
            await asyncio.sleep(seconds)
            held.remove(conversation)

    # Six messages of one conversation, alternating servers, issued in this order while
    # an earlier one holds its lock.
    holding, release = asyncio.Event(), asyncio.Event()

    async def held_until_released() -> None:
        async with servers[0].lock("alice"):
            holding.set()
            await release.wait()

    holder = asyncio.create_task(held_until_released())
    await holding.wait()
    tasks = []
    for number in range(6):
        tasks.append(asyncio.create_task(message(number % 2, "alice", number)))
        await asyncio.sleep(0.005)
    # Another conversation meanwhile: it does not wait for alice's (it would wait forever).
    await asyncio.wait_for(message(1, "bob", 0, seconds=0), PATIENCE)
    assert order == [("bob", 0)], order
    release.set()
    await asyncio.gather(holder, *tasks)
    assert [n for c, n in order if c == "alice"] == list(range(6)), order

    # A server died holding the lock: the next message waits until its ticket expires.
    dead = servers[0].lock("carol", lock_lifetime=0.5)
    await dead.__aenter__()  # never released
    waiting = asyncio.create_task(message(1, "carol", 0, seconds=0))
    await asyncio.sleep(0.2)
    assert ("carol", 0) not in order  # still waiting...
    await asyncio.wait_for(waiting, PATIENCE)  # ...for the ticket to expire

    # A message whose ticket expires while it waits is refused, as with Rasa's store.
    async with servers[0].lock("dave"):
        with pytest.raises(LockError):
            async with servers[1].lock("dave", lock_lifetime=0.2):
                raise AssertionError("acquired a lock that was held")

    # A message cancelled while it waits (Sanic's response timeout) gives its place up.
    async with servers[0].lock("erin"):
        waiting = asyncio.create_task(message(1, "erin", 0))
        await asyncio.sleep(0.1)
        waiting.cancel()
        await asyncio.gather(waiting, return_exceptions=True)
        assert plain.zcard(b"entryway:lock:erin:queue") == 1

    # A message that outlived its ticket, released at last, does not release the lock of
    # the message that took its turn: a third still waits for that one.
    slow = servers[0].lock("frank", lock_lifetime=0.3)
    await slow.__aenter__()
    await asyncio.sleep(0.4)
    order.clear()
    second = asyncio.create_task(message(1, "frank", 2, seconds=0.5))
    await asyncio.sleep(0.1)
    await slow.__aexit__(None, None, None)
    third = asyncio.create_task(message(0, "frank", 3))
    await asyncio.gather(second, third)
    assert order == [("frank", 2), ("frank", 3)], order

    # Redis dropped every connection (it restarted) while a message held the lock: the
    # release still happens, and the next message is not kept waiting.
    async with servers[1].lock("grace"):
        plain.client_kill_filter(_type="normal", skipme=True)
    # (A lock not released would hold the next message for Rasa's 60 s lock lifetime.)
    await asyncio.wait_for(message(1, "grace", 0, seconds=0), PATIENCE)

    # Released, nothing is left in Redis (the dead server's keys expire with its ticket).
    await asyncio.sleep(0.6)
    left = plain.keys("*")
    assert left == [], left
