"""How Entryway's cost grows: with the length of one conversation, with the number of
stored submissions (status look-ups in chat and over the API, the open-data export) and
with the number of concurrent users. All on one Entryway stack in the production
configuration, measured in that order: look-ups with 0 submissions need a database the
conversations have not written to yet."""

import random
import statistics
import time
import uuid
from dataclasses import dataclass, field

import httpx
import yaml

from bench.load import LoadResult, drive
from bench.processes import PeakRss, descendant_running
from bench.seed import seed_submissions, seeded_reference, stored_submissions
from bench.stacks import ROOT, Served
from bench.targets import Verdict
from storage.db import get_engine
from storage.reference import format_reference

POSITIONS = (1, 25, 100, 300)  # messages into one conversation
SUBMISSIONS = (0, 10_000, 100_000)
EXPORTED_AT = (10_000, 100_000)
USERS = (1, 5, 10, 20, 50)
LOOKUPS_IN_CHAT = 40  # each by a new sender, who may look up 20 in 10 minutes
LOOKUPS_OVER_API = 200
# The app's process under supervisord (scripts/supervise: `.venv/bin/python -m bot`).
APP_ARGV_TAIL = ["-m", "bot"]


def faq_phrasings() -> list[str]:
    """Every way the training data asks an FAQ (231 today). They recur within and across
    the long conversations, so the encoder's cache of recent texts answers most of them:
    what the positions compare is the cost of the conversation's length, not of the NLU."""
    data = yaml.safe_load((ROOT / "nlu" / "faq.yml").read_text())
    return [
        line.removeprefix("- ").strip()
        for block in data["nlu"]
        if block.get("intent", "").startswith("faq/")
        for line in block["examples"].splitlines()
        if line.strip()
    ]


def percentiles(latencies_ms: list[float]) -> tuple[float, float]:
    """p50 and p95; of few samples the p95 is their largest."""
    ordered = sorted(latencies_ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


@dataclass
class Growth:
    # Latency in ms of each message position (1-based), one sample per conversation.
    by_position: dict[int, list[float]] = field(default_factory=dict)
    chat_lookups: dict[int, list[float]] = field(default_factory=dict)
    api_lookups: dict[int, list[float]] = field(default_factory=dict)
    # (format, submissions) -> the export's seconds, bytes and the app's memory.
    exports: dict[tuple[str, int], "Export"] = field(default_factory=dict)
    loads: dict[int, LoadResult] = field(default_factory=dict)


@dataclass
class Export:
    seconds: float
    megabytes: float
    app_rss_before_mb: float
    app_rss_peak_mb: float

    @property
    def rise_mb(self) -> float:
        return self.app_rss_peak_mb - self.app_rss_before_mb


def _send(client: httpx.Client, sender: str, message: str) -> float:
    started = time.perf_counter()
    response = client.post("/webhooks/rest/webhook", json={"sender": sender, "message": message})
    elapsed = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    if not response.json():
        raise RuntimeError(f"no answer to {message!r}")
    return elapsed


def long_conversations(client: httpx.Client, conversations: int, growth: Growth) -> None:
    """Someone who keeps asking FAQs, POSITIONS[-1] messages long, `conversations` times."""
    phrasings = faq_phrasings()
    for number in range(conversations):
        print(f"growth: conversation {number + 1} of {conversations}...", flush=True)
        sender = f"bench-faq-{uuid.uuid4()}"
        for position in range(1, POSITIONS[-1] + 1):
            message = phrasings[(number * 37 + position) % len(phrasings)]
            growth.by_position.setdefault(position, []).append(_send(client, sender, message))


def _references(submissions: int, count: int, rng: random.Random) -> list[str]:
    if submissions == 0:
        # Well-formed references nobody has: what a look-up costs with nothing stored.
        return [format_reference(2000, rng.randint(1, 99_999)) for _ in range(count)]
    return [seeded_reference(rng.randrange(submissions)) for _ in range(count)]


def lookups(client: httpx.Client, submissions: int, growth: Growth) -> None:
    rng = random.Random(submissions)
    chat = growth.chat_lookups.setdefault(submissions, [])
    for reference in _references(submissions, LOOKUPS_IN_CHAT, rng):
        sender = f"bench-status-{uuid.uuid4()}"
        _send(client, sender, "hello")
        chat.append(_send(client, sender, f"what's the status of {reference}"))
    api = growth.api_lookups.setdefault(submissions, [])
    expected = 404 if submissions == 0 else 200
    for reference in _references(submissions, LOOKUPS_OVER_API, rng):
        started = time.perf_counter()
        response = client.get(f"/api/proposals/{reference}")
        api.append((time.perf_counter() - started) * 1000)
        if response.status_code != expected:
            raise RuntimeError(f"/api/proposals/{reference}: {response.status_code}")


def _download(client: httpx.Client, path: str) -> int:
    received = 0
    with client.stream("GET", path) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            received += len(chunk)
    return received


def exports(client: httpx.Client, app_pid: int, submissions: int, growth: Growth) -> None:
    for suffix in ("csv", "json"):
        path = f"/api/open-data/proposals.{suffix}"
        _download(client, path)  # the first request of a kind loads code and caches
        with PeakRss(app_pid) as memory:
            started = time.perf_counter()
            received = _download(client, path)
            seconds = time.perf_counter() - started
        growth.exports[(suffix, submissions)] = Export(
            seconds, received / 2**20, memory.before_mb, memory.peak_mb
        )


def measure(served: Served, conversations: int, seconds: float) -> Growth:
    growth = Growth()
    engine = get_engine(served.database_url)
    app_pid = descendant_running(served.stack.process.pid, APP_ARGV_TAIL)
    with httpx.Client(base_url=served.base_url, timeout=60) as client:
        seeded = 0
        for submissions in SUBMISSIONS:
            print(f"growth: {submissions} stored submissions...", flush=True)
            seed_submissions(engine, seeded, submissions)
            seeded = submissions
            if stored_submissions(engine) != submissions:
                raise RuntimeError("the database holds submissions the benchmark did not seed")
            lookups(client, submissions, growth)
            if submissions in EXPORTED_AT:
                exports(client, app_pid, submissions, growth)
            if submissions == 0:
                long_conversations(client, conversations, growth)
    for users in USERS:
        print(f"growth: {users} users for {seconds:.0f}s...", flush=True)
        growth.loads[users] = drive(served.base_url, users, seconds)
    return growth


def _ms(latencies: list[float]) -> str:
    p50, p95 = percentiles(latencies)
    return f"{p50:.0f} | {p95:.0f}"


def table(growth: Growth) -> str:
    lines = ["| what | at | p50 ms | p95 ms | samples |", "|---|---:|---:|---:|---:|"]
    for position in POSITIONS:
        samples = growth.by_position[position]
        lines.append(f"| FAQ conversation | message {position} | {_ms(samples)} | {len(samples)} |")
    for label, measured in (
        ("status in chat", growth.chat_lookups),
        ("GET /api/proposals/{ref}", growth.api_lookups),
    ):
        for submissions, samples in measured.items():
            lines.append(f"| {label} | {submissions:,} stored | {_ms(samples)} | {len(samples)} |")
    lines += [
        "",
        "| export | stored | seconds | MiB sent | app RSS before MiB | peak MiB | rise MiB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for (suffix, submissions), export in growth.exports.items():
        lines.append(
            f"| proposals.{suffix} | {submissions:,} | {export.seconds:.1f} | "
            f"{export.megabytes:.1f} | {export.app_rss_before_mb:.0f} | "
            f"{export.app_rss_peak_mb:.0f} | {export.rise_mb:.1f} |"
        )
    lines += [
        "",
        "| users | msg/s | p50 ms | p95 ms | errors |",
        "|---:|---:|---:|---:|---:|",
    ]
    for users, load in growth.loads.items():
        lines.append(
            f"| {users} | {load.throughput:.1f} | {load.p50:.0f} | "
            f"{load.percentile(95):.0f} | {load.errors} |"
        )
    return "\n".join(lines)


# Exports may differ by allocator noise: the rise at 100,000 rows may exceed the rise at
# 10,000 by this factor plus this many MiB and still count as independent of the count.
EXPORT_FACTOR, EXPORT_FLOOR_MB = 1.2, 5.0


def verdicts(growth: Growth) -> list[Verdict]:
    first = statistics.median(growth.by_position[POSITIONS[0]])
    last = statistics.median(growth.by_position[POSITIONS[-1]])
    found = [
        Verdict(
            f"message {POSITIONS[-1]} of a conversation: p50 {last:.0f} ms, "
            f"{last / first:.2f}x message 1's {first:.0f} ms (<= 1.5x)",
            last <= 1.5 * first,
        )
    ]
    for label, measured in (
        ("status look-up in chat", growth.chat_lookups),
        ("GET /api/proposals/{ref}", growth.api_lookups),
    ):
        none, most = statistics.median(measured[0]), statistics.median(measured[SUBMISSIONS[-1]])
        found.append(
            Verdict(
                f"{label} with {SUBMISSIONS[-1]:,} submissions: p50 {most:.0f} ms, "
                f"{most / none:.2f}x with none ({none:.0f} ms) (<= 1.5x)",
                most <= 1.5 * none,
            )
        )
    for suffix in ("csv", "json"):
        small, large = (growth.exports[(suffix, count)] for count in EXPORTED_AT)
        allowed = EXPORT_FACTOR * small.rise_mb + EXPORT_FLOOR_MB
        found.append(
            Verdict(
                f"export proposals.{suffix}: the app's peak RSS rises {large.rise_mb:.1f} MiB "
                f"at {EXPORTED_AT[1]:,} rows vs {small.rise_mb:.1f} MiB at {EXPORTED_AT[0]:,} "
                f"(<= {EXPORT_FACTOR}x + {EXPORT_FLOOR_MB:.0f} MiB)",
                large.rise_mb <= allowed,
            )
        )
    return found


def positions_p50_p95(growth: Growth) -> list[tuple[int, float, float]]:
    """p50 and p95 of every message position, for the plot."""
    return [
        (position, *percentiles(samples))
        for position, samples in sorted(growth.by_position.items())
    ]
