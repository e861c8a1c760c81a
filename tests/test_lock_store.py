"""rasa_env/lock_store.py on the machine's Redis, in the Rasa environment, as two Rasa
servers would use it: one message of a conversation at a time, first come first
served, other conversations not held up, a ticket left by a dead server expiring, a
waiting message that outlived its ticket refused, a cancelled one giving its place up, a
late release taking nobody else's turn, and nothing left in Redis after."""

from rasa_env.endpoints import endpoints
from tests.support.rasa_environment import assert_passes_in_rasa_environment

REDIS_URL = "redis://127.0.0.1:6379/11"

CHECK = """
import asyncio, time
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig

config = {config!r}
plain = redis.Redis(host=config["url"], port=config["port"], db=config["db"])
plain.flushdb()
# Two servers: each its own store, as each Rasa process makes one.
servers = [LockStore.create(EndpointConfig.from_dict(config)) for _ in range(2)]
assert type(servers[0]).__name__ == "RedisTicketLockStore", type(servers[0])

async def main():
    held, order = [], []

    async def message(server, conversation, number, seconds=0.05):
        async with servers[server].lock(conversation):
            held.append(conversation)
            assert held.count(conversation) == 1, held  # one message at a time
            order.append((conversation, number))
            await asyncio.sleep(seconds)
            held.remove(conversation)

    # Six messages of one conversation, alternating servers, issued in this order.
    tasks = []
    for number in range(6):
        tasks.append(asyncio.create_task(message(number % 2, "alice", number)))
        await asyncio.sleep(0.005)
    # Another conversation meanwhile: it does not wait for alice's.
    started = time.monotonic()
    await message(1, "bob", 0, seconds=0)
    assert time.monotonic() - started < 0.2, time.monotonic() - started
    await asyncio.gather(*tasks)
    assert [n for c, n in order if c == "alice"] == list(range(6)), order

    # A server died holding the lock: the next message waits until its ticket expires.
    dead = servers[0].lock("carol", lock_lifetime=0.5)
    await dead.__aenter__()  # never released
    started = time.monotonic()
    await message(1, "carol", 0, seconds=0)
    waited = time.monotonic() - started
    assert 0.4 < waited < 1.5, waited

    # A message whose ticket expires while it waits is refused, as with Rasa's store.
    async with servers[0].lock("dave"):
        try:
            async with servers[1].lock("dave", lock_lifetime=0.2):
                raise AssertionError("acquired a lock that was held")
        except LockError:
            pass

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
    started = time.monotonic()
    await message(1, "grace", 0, seconds=0)
    assert time.monotonic() - started < 0.5, time.monotonic() - started

    # Released, nothing is left in Redis (the dead server's keys expire with its ticket).
    await asyncio.sleep(0.6)
    left = plain.keys("*")
    assert left == [], left
    print("ok")

asyncio.run(main())
"""


def test_conversations_are_locked_one_message_at_a_time_in_order() -> None:
    config = endpoints({"REDIS_URL": REDIS_URL})["lock_store"]
    assert_passes_in_rasa_environment(CHECK.format(config=config))
