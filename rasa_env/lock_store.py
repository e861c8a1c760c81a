"""Rasa's conversation lock in Redis, in one round trip each way, without blocking.

Rasa's RedisLockStore keeps each conversation's tickets as one JSON value and reads,
changes and writes it back in six synchronous Redis calls per message (two of them a
non-atomic read-then-write, so two servers issuing tickets at once can lose one), each
stopping the server's event loop until Redis answers (docs/performance/2026-11-28-1326.md).
A waiting message looks again once a second.

`RedisTicketLockStore` keeps Rasa's semantics (first come, first served per
conversation; a ticket expires `lock_lifetime` seconds after it was issued, so a server
that died holding one delays the conversation by at most that long; `LockError` when a
waiting ticket expired) with three keys per conversation and one Lua script per step,
so each step is atomic and costs one round trip on an asyncio connection:

- `queue`: the tickets in line, each a random token chosen by the server that holds it,
  scored by its number (so a release removes that server's own ticket, even one whose
  issue was cut short or that expired meanwhile, and never someone else's);
- `expiries`: when each ticket expires, in Redis's own clock (a hash);
- `counter`: the last ticket number issued.

Every key expires with the newest ticket, so a conversation's lock never outlives it,
and releasing the last ticket deletes all three. A waiting message checks again every
`POLL_SECONDS` (Rasa's store: every second, which a double-sent message would wait).
"""

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import redis.asyncio as redis
from rasa.core.lock import TicketLock
from rasa.core.lock_store import (
    DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX,
    DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
    LOCK_LIFETIME,
    LockError,
    LockStore,
)
from rasa.utils.endpoints import EndpointConfig
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02

# Shared by the scripts: drops expired tickets from the head of the queue, then
# answers 1 if token ARGV[1] is first in line, 0 if it waits, -1 if it is gone (expired).
_TURN = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local function turn(token)
    while true do
        local head = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
        if not head then return -1 end
        if tonumber(redis.call('HGET', KEYS[2], head) or '0') > now then
            if head == token then return 1 end
            if tonumber(redis.call('HGET', KEYS[2], token) or '0') <= now then return -1 end
            return 0
        end
        redis.call('ZREM', KEYS[1], head)
        redis.call('HDEL', KEYS[2], head)
    end
end
"""
# KEYS: queue, expiries, counter; ARGV: token, lifetime in ms. Returns its turn.
_ISSUE = (
    _TURN
    + """
redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[3]), ARGV[1])
redis.call('HSET', KEYS[2], ARGV[1], now + tonumber(ARGV[2]))
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, ARGV[2]) end
return turn(ARGV[1])
"""
)
# KEYS: queue, expiries; ARGV: token. Returns its turn.
_CHECK = _TURN + "return turn(ARGV[1])"
# KEYS: queue, expiries, counter; ARGV: token.
_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then redis.call('DEL', KEYS[1], KEYS[2], KEYS[3]) end
return 1
"""


class RedisTicketLockStore(LockStore):
    """Rasa's ticket lock per conversation, kept in Redis, each step one atomic script."""

    def __init__(self, endpoint_config: EndpointConfig) -> None:
        options: dict[str, Any] = endpoint_config.kwargs
        self._connection = {
            "host": endpoint_config.url or "localhost",
            "port": int(options.get("port", 6379)),
            "db": int(options.get("db", 0)),
            "password": options.get("password"),
            "ssl": bool(options.get("use_ssl", False)),
            "socket_timeout": DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
            "socket_connect_timeout": DEFAULT_SOCKET_TIMEOUT_IN_SECONDS,
        }
        prefix = options.get("key_prefix")
        self.key_prefix = (
            f"{prefix}:{DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX}"
            if isinstance(prefix, str) and prefix.isalnum()
            else DEFAULT_REDIS_LOCK_STORE_KEY_PREFIX
        )
        self._client: redis.Redis | None = None
        super().__init__()

    def _scripts(self) -> tuple[Any, Any, Any]:
        # Made on first use, inside the server's event loop, which the connections
        # belong to (the store itself is made before that loop runs).
        if self._client is None:
            # A connection Redis closed (it restarted) fails once; each script is safe to
            # run twice (a ticket is its holder's token), so it runs once more on a new
            # connection. Without this a release on such a connection left the lock to
            # expire, and the conversation's next message waited 35 s (tests/test_faults).
            self._client = redis.Redis(
                **self._connection,
                retry=Retry(NoBackoff(), 1),
                retry_on_error=[redis.ConnectionError],
            )
            self._issue = self._client.register_script(_ISSUE)
            self._check = self._client.register_script(_CHECK)
            self._release = self._client.register_script(_RELEASE)
        return self._issue, self._check, self._release

    def _keys(self, conversation_id: str) -> list[str]:
        base = self.key_prefix + conversation_id
        return [f"{base}:queue", f"{base}:expiries", f"{base}:counter"]

    @asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = POLL_SECONDS,
    ) -> AsyncIterator[TicketLock]:
        issue, check, release = self._scripts()
        keys = self._keys(conversation_id)
        token = secrets.token_hex(16)
        try:
            turn = await issue(keys=keys, args=[token, int(lock_lifetime * 1000)])
            while turn == 0:
                await asyncio.sleep(wait_time_in_seconds)
                turn = await check(keys=keys[:2], args=[token])
            if turn < 0:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            yield TicketLock(conversation_id)
        finally:
            # Shielded: a message cancelled (Sanic's response timeout) while releasing
            # still releases. If Redis cannot be reached, the ticket expires by itself.
            try:
                await asyncio.shield(release(keys=keys, args=[token]))
            except redis.RedisError as error:
                logger.warning(f"Lock of '{conversation_id}' left to expire: {error}")

    # Rasa's base class reaches these only through its own `lock`, replaced above.
    def get_lock(self, conversation_id: str) -> TicketLock | None:
        raise NotImplementedError("RedisTicketLockStore locks only through `lock`")

    def delete_lock(self, conversation_id: str) -> None:
        raise NotImplementedError("RedisTicketLockStore locks only through `lock`")

    def save_lock(self, lock: TicketLock) -> None:
        raise NotImplementedError("RedisTicketLockStore locks only through `lock`")
