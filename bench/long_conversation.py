"""`.venv/bin/python -m bench.long_conversation`: what one message costs end to end, through
the app, as one conversation grows (someone who keeps asking FAQs), with Rasa's own SQL
tracker store and with the windowed one (rasa_env/tracker_store.py), in the production
configuration: PostgreSQL as DATABASE_URL and Redis for locks and rate limits.

Stacks alternate (stock, windowed, stock, ...); each runs CONVERSATIONS conversations of
MESSAGES messages, and the latency at message L is taken over messages L-2..L+2 of each
(1..5 for message 1), so p50 and p95 have a few samples per run. Medians over runs."""

import os
import statistics
import sys
import time
import uuid

import httpx

from bench.stacks import fresh_database
from tests.support.stack import Stack

REDIS = os.environ.get("ENTRYWAY_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
MESSAGES = int(os.environ.get("ENTRYWAY_BENCH_MESSAGES", "300"))
CONVERSATIONS = int(os.environ.get("ENTRYWAY_BENCH_CONVERSATIONS", "2"))
RUNS = int(os.environ.get("ENTRYWAY_BENCH_RUNS", "3"))
POSITIONS = (1, 25, 100, 300)
WARM_UP = 20
# FAQs only: "can I submit more than one proposal?" starts the proposal form.
FAQS = [
    "is my proposal confidential?",
    "who pays for a pilot?",
    "who reviews my submission?",
    "how long does a review take?",
    "what happens after I submit?",
]


def window(position: int) -> range:
    first = max(1, min(position - 2, MESSAGES - 4))
    return range(first, first + 5)


def one_run(windowed: bool) -> dict[int, list[float]]:
    samples: dict[int, list[float]] = {position: [] for position in POSITIONS}
    with fresh_database() as database:
        env = {
            "ENTRYWAY_TRACKER_WINDOW": "1" if windowed else "0",
            "REDIS_URL": REDIS,
            "ENTRYWAY_RATE_LIMIT_CHAT": "",  # one simulated person sends 300 messages fast
        }
        stack = Stack(database_url=database, env=env)
        stack.start()
        try:
            with httpx.Client(base_url=stack.url, timeout=120) as client:
                # A fresh stack's first messages pay for loading and connecting, not
                # for the conversation's length: warm both Rasa workers up first.
                for number in range(WARM_UP):
                    body = {"sender": f"warm-{number % 4}", "message": FAQS[number % len(FAQS)]}
                    client.post("/webhooks/rest/webhook", json=body).raise_for_status()
                for _ in range(CONVERSATIONS):
                    sender = f"bench-{uuid.uuid4()}"
                    for number in range(1, MESSAGES + 1):
                        body = {"sender": sender, "message": FAQS[number % len(FAQS)]}
                        started = time.perf_counter()
                        client.post("/webhooks/rest/webhook", json=body).raise_for_status()
                        elapsed = (time.perf_counter() - started) * 1000
                        for position in POSITIONS:
                            if number in window(position):
                                samples[position].append(elapsed)
        finally:
            stack.stop()
    return samples


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> int:
    runs: dict[str, list[dict[int, list[float]]]] = {"stock": [], "windowed": []}
    for run in range(RUNS):
        for name in ("stock", "windowed"):
            samples = one_run(name == "windowed")
            runs[name].append(samples)
            print(
                f"run {run + 1} {name:8}",
                " ".join(
                    f"{p}:p50={statistics.median(v):.0f}/p95={p95(v):.0f}ms"
                    for p, v in samples.items()
                ),
                flush=True,
            )
    print()
    columns = " | ".join(f"msg {p} p50 / p95 ms" for p in POSITIONS)
    print(f"| store | {columns} | msg {POSITIONS[-1]} / msg 1 (p50, p95) |")
    print(f"|---|{'---:|' * (len(POSITIONS) + 1)}")
    for name, found in runs.items():
        p50s = {p: statistics.median(statistics.median(r[p]) for r in found) for p in POSITIONS}
        p95s = {p: statistics.median(p95(r[p]) for r in found) for p in POSITIONS}
        cells = " | ".join(f"{p50s[p]:.0f} / {p95s[p]:.0f}" for p in POSITIONS)
        ratio = f"{p50s[POSITIONS[-1]] / p50s[1]:.2f}x, {p95s[POSITIONS[-1]] / p95s[1]:.2f}x"
        print(f"| {name} | {cells} | {ratio} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
