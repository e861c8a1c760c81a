"""Simulated chat users on loopback, each running mixed conversations over a REST webhook.

The users share this machine's cores with the bot under test, so their own cost is kept
small: aiohttp's client took 0.05 ms of CPU per request where httpx's took 0.5 ms
(`bench.cpu_per_message` counted the users at 1.5 ms per message with httpx), and that
CPU was taken from whichever bot was being measured."""

import asyncio
import itertools
import statistics
import time
import uuid
from dataclasses import dataclass, field

import aiohttp

# Greeting, an FAQ-like question, a status question, the start of a proposal with
# several answers, then stop. The same words go to both bots. The answers only a
# user would write ({n}: one number per conversation) differ between conversations,
# as real ones do, so no per-text cache can make them free.
CONVERSATION = [
    "hello",
    "how long does the evaluation take?",
    "what's the status of SC-2026-00001?",
    "I want to submit a proposal",
    "Acme Mobility {n}",
    "Jane Doe-{n}",
    "jane{n}@acme.example",
    "skip",
    "acme{n}.example",
    "Smart parking sensors for {n} downtown blocks",
    "stop",
    "yes",
]
# The same conversation as a Spanish speaker in Austin writes it (Entryway only: the default
# bot understands English alone), to judge what the second language costs per message.
# Its first message sets the conversation's language; every answer then comes back in
# Spanish, from the same responses, forms and actions.
SPANISH_CONVERSATION = [
    "hola",
    "¿cuánto tarda la evaluación?",
    "¿cómo va mi propuesta SC-2026-00001?",
    "quiero enviar una propuesta",
    "Movilidad Acme {n}",
    "Juana Pérez-{n}",
    "juana{n}@acme.example",
    "omitir",
    "acme{n}.example",
    "Sensores de estacionamiento inteligentes en {n} cuadras del centro",
    "parar",
    "sí",
]


@dataclass
class LoadResult:
    users: int
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    @property
    def throughput(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000


_conversation_numbers = itertools.count(1)


async def _user(
    client: aiohttp.ClientSession, deadline: float, result: LoadResult, conversation: list[str]
) -> None:
    while time.monotonic() < deadline:
        sender = f"bench-{uuid.uuid4()}"
        number = next(_conversation_numbers)
        for template in conversation:
            message = template.format(n=number)
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            try:
                async with client.post(
                    "/webhooks/rest/webhook", json={"sender": sender, "message": message}
                ) as response:
                    await response.read()
                    ok = response.status == 200
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                result.latencies.append(time.perf_counter() - started)
            else:
                result.errors += 1


async def _run(base_url: str, users: int, seconds: float, conversation: list[str]) -> LoadResult:
    # Keep-alive shorter than either server's (uvicorn's 5 s, `rasa run`'s 120 s): never a
    # request on a connection the server is closing.
    connector = aiohttp.TCPConnector(limit=users, keepalive_timeout=4)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as client:
        # One warm-up conversation so first-request costs are not measured.
        await _user(client, time.monotonic() + 2, LoadResult(1, 2), conversation)
        result = LoadResult(users, seconds)
        started = time.monotonic()
        await asyncio.gather(
            *(_user(client, started + seconds, result, conversation) for _ in range(users))
        )
        result.seconds = time.monotonic() - started
        return result


async def _path(base_url: str, conversation: list[str]) -> list[tuple[int, tuple[str, ...]]]:
    number = next(_conversation_numbers)
    sender = f"bench-path-{uuid.uuid4()}"
    steps = []
    async with aiohttp.ClientSession(base_url, timeout=aiohttp.ClientTimeout(total=60)) as client:
        for template in conversation:
            message = {"sender": sender, "message": template.format(n=number)}
            async with client.post("/webhooks/rest/webhook", json=message) as response:
                replies = await response.json()
            buttons = tuple(b["payload"] for reply in replies for b in reply.get("buttons") or [])
            steps.append((len(replies), buttons))
    return steps


def path(base_url: str, conversation: list[str]) -> list[tuple[int, tuple[str, ...]]]:
    """What one conversation gets back at each step, in terms of no language: the number of
    replies and their buttons' payloads (intents and codes). A conversation understood as
    another takes the same path; one misunderstood (a Spanish request read as out of
    scope) does not, and its latency would compare different work."""
    return asyncio.run(_path(base_url, conversation))


def drive(
    base_url: str, users: int, seconds: float, conversation: list[str] = CONVERSATION
) -> LoadResult:
    return asyncio.run(_run(base_url, users, seconds, conversation))
