"""Per-client rate limits: the chat endpoints and the public API answer a client that
sends too much with 429 and a Retry-After, before its request is read.

Counted per client address (bot/client_address.py: the address HAProxy forwarded,
believed from ENTRYWAY_TRUSTED_PROXIES only; an IPv6 client per /64), with `limits`'
moving window, in Redis when REDIS_URL is set, so every app instance behind the load
balancer shares one count, and in this process's memory otherwise."""

import asyncio
import logging
import math
import time
from typing import Any

from fastapi import Depends, HTTPException, Request
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from bot.client_address import client_of
from storage.settings import Settings

logger = logging.getLogger(__name__)
KEY_PREFIX = "entryway-rate"
# A rate limit must never be why a request fails: when Redis does not answer this fast,
# the request goes through (and one warning a minute says so).
STORAGE_TIMEOUT_SECONDS = 0.5
WARN_EVERY_SECONDS = 60.0
# The first use of Redis connects and loads the limiter's Lua scripts (one for counting,
# another for the wait of a refused client): on a busy machine that alone took longer
# than the timeout above, and a client over its limit went through. Both are done once
# at start, with this much time.
WARM_UP_TIMEOUT_SECONDS = 5.0
WARM_UP_KEY = "warm-up"


def _storage(settings: Settings) -> Storage:
    if settings.redis_url:
        # redis-py's asyncio client, not limits' default (coredis): counting a chat message
        # costs less CPU and less time until the answer this way
        # (docs/performance/2026-11-28-1934.md).
        return storage_from_string(
            f"async+{settings.redis_url}",
            implementation="redispy",
            key_prefix=KEY_PREFIX,
            socket_connect_timeout=STORAGE_TIMEOUT_SECONDS,
            socket_timeout=STORAGE_TIMEOUT_SECONDS,
        )
    return storage_from_string("async+memory://")


class RateLimits:
    def __init__(self, settings: Settings) -> None:
        self.storage = _storage(settings)
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.limits: dict[str, list[RateLimitItem]] = {
            "chat": parse_many(settings.rate_limit_chat) if settings.rate_limit_chat else [],
            "public": parse_many(settings.rate_limit_public) if settings.rate_limit_public else [],
        }
        self._warned_at = -math.inf

    async def warm_up(self) -> None:
        """Connects to the counts' storage and readies what a refusal needs, before the
        first request; a storage that does not answer only costs a warning."""
        limit = next((limit for limits in self.limits.values() for limit in limits), None)
        if limit is None:
            return
        try:
            await asyncio.wait_for(self._count_and_wait(limit), WARM_UP_TIMEOUT_SECONDS)
        except Exception as problem:
            logger.warning("Rate limit storage not ready at start: %s", type(problem).__name__)

    async def _count_and_wait(self, limit: RateLimitItem) -> None:
        await self.limiter.hit(limit, WARM_UP_KEY)
        await self.limiter.get_window_stats(limit, WARM_UP_KEY)

    async def wait_needed(self, scope: str, client: str) -> int | None:
        """Counts one request of `client` to `scope`; the seconds it must wait first if
        that went over a limit, else None."""
        try:
            async with asyncio.timeout(STORAGE_TIMEOUT_SECONDS):  # no task, unlike wait_for
                return await self._hit(scope, client)
        except Exception as problem:  # fail open: counting is never worth refusing service
            now = time.monotonic()
            if now - self._warned_at > WARN_EVERY_SECONDS:
                self._warned_at = now
                logger.warning("Rate limits not counted: %s", type(problem).__name__)
            return None

    async def _hit(self, scope: str, client: str) -> int | None:
        for limit in self.limits[scope]:
            if not await self.limiter.hit(limit, scope, client):
                stats = await self.limiter.get_window_stats(limit, scope, client)
                return max(1, math.ceil(stats.reset_time - time.time()))
        return None


def rate_limited(scope: str) -> Any:
    """A route dependency that answers 429 once the client is over `scope`'s limits."""

    async def check(request: Request) -> None:
        limits: RateLimits = request.app.state.rate_limits
        wait = await limits.wait_needed(scope, client_of(request))
        if wait is not None:
            raise HTTPException(
                429,
                f"Too many requests from your address. Please wait {wait} s and try again.",
                headers={"Retry-After": str(wait)},
            )

    return Depends(check)
