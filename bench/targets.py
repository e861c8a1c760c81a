"""Entryway's targets against the default bot (docs/performance/README.md), judged within
one run: each phase runs three times, the bots alternating, and a target is judged on the
median of the three ratios (Entryway's figure over the default's from the same round),
printed beside their min and max. Absolute figures swing with whatever else shares the machine; the
ratio of two bots measured minutes apart swings much less."""

import statistics
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench.load import CONVERSATION, SPANISH_CONVERSATION, LoadResult, drive, path
from bench.stacks import DEFAULT_BOT, ENTRYWAY, ROOT, default_bot, entryway, train_from_scratch

LEVELS = (1, 20)
SPANISH_LIMIT = 1.2  # the Spanish conversation's 1-user p50, at most this times the English one's
MODEL = ROOT / "models" / "entryway.tar.gz"


@dataclass
class Round:
    """One bot's figures in one round."""

    bot: str
    loads: dict[int, LoadResult] = field(default_factory=dict)
    # Entryway only: the same conversation in Spanish, 1 user, right after the English one,
    # and whether it took the English one's path (bench.load.path).
    spanish: LoadResult | None = None
    spanish_same_path: bool = False
    peak_rss_mb: float = 0.0
    training_s: float = 0.0


def alternating(rounds: int) -> list[tuple[str, str]]:
    """Which bot goes first in each round: neither always gets the fresher machine."""
    return [
        (DEFAULT_BOT, ENTRYWAY) if i % 2 == 0 else (ENTRYWAY, DEFAULT_BOT) for i in range(rounds)
    ]


def train_rounds(default_project: Path, work: Path, rounds: int) -> list[dict[str, float]]:
    """Seconds of training from scratch, per round and bot. The default bot is trained in
    the first round only: its model is needed, its training time is not a target, and
    at a minute or two of both cores each, more rounds of it would not fit the time."""
    trained = []
    for number, order in enumerate(alternating(rounds), 1):
        seconds = {}
        for bot in order:
            if bot == DEFAULT_BOT and number > 1:
                continue
            print(f"round {number}: training {bot} from scratch...", flush=True)
            project = default_project if bot == DEFAULT_BOT else ROOT
            out = default_project / "models" if bot == DEFAULT_BOT else work / "models"
            seconds[bot] = train_from_scratch(bot, project, out)
        trained.append(seconds)
    return trained


@dataclass
class UnchangedData:
    seconds: float
    trained: bool


def unchanged_data(rounds: int) -> list[UnchangedData]:
    """What `make model` (scripts/train-if-changed) does when nothing changed: it must
    leave the model alone, in no time."""
    results = []
    for _ in range(rounds):
        modified = MODEL.stat().st_mtime_ns
        started = time.monotonic()
        said = subprocess.run(
            [str(ROOT / "scripts/train-if-changed")], capture_output=True, text=True, check=True
        ).stdout
        seconds = time.monotonic() - started
        trained = MODEL.stat().st_mtime_ns != modified or "up to date" not in said
        results.append(UnchangedData(seconds, trained))
    return results


def load_rounds(
    default_project: Path, work: Path, rounds: int, seconds: float
) -> list[dict[str, Round]]:
    """Each round starts each bot afresh, drives it at 1 and 20 users and stops it; the
    peak memory is that of the whole process tree over its start and both levels. Entryway
    also runs the Spanish conversation with 1 user straight after the English one, so the
    two p50s come from the same stack in consecutive windows, and the peak memory is that
    of both languages in use."""
    measured = []
    for number, order in enumerate(alternating(rounds), 1):
        figures = {}
        for bot in order:
            print(f"round {number}: starting {bot}...", flush=True)
            log = work / f"round-{number}-{'default' if bot == DEFAULT_BOT else 'entryway'}.log"
            started = default_bot(default_project, log) if bot == DEFAULT_BOT else entryway(log)
            result = Round(bot)
            with started as served:
                if bot == ENTRYWAY:
                    result.spanish_same_path = path(served.base_url, SPANISH_CONVERSATION) == path(
                        served.base_url, CONVERSATION
                    )
                for users in LEVELS:
                    print(f"round {number}: {bot}, {users} users for {seconds:.0f}s...", flush=True)
                    result.loads[users] = drive(served.base_url, users, seconds)
                    if bot == ENTRYWAY and users == 1:
                        print(f"round {number}: {bot}, 1 user in Spanish...", flush=True)
                        result.spanish = drive(served.base_url, 1, seconds, SPANISH_CONVERSATION)
            result.peak_rss_mb = served.stack.peak_rss_mb
            figures[bot] = result
        measured.append(figures)
    return measured


@dataclass
class Verdict:
    text: str
    passed: bool

    def __str__(self) -> str:
        return f"{'PASS' if self.passed else 'FAIL'}  {self.text}"


def _spread(values: list[float], unit: str = "") -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}{unit}"
    return f"{statistics.median(values):.2f}{unit} (min {min(values):.2f}, max {max(values):.2f})"


def _ratio_verdict(
    rounds: list[dict[str, Round]],
    figure: Callable[[Round], float],
    label: str,
    limit: float,
    at_least: bool,
) -> Verdict:
    ratios = [figure(r[ENTRYWAY]) / figure(r[DEFAULT_BOT]) for r in rounds]
    median = statistics.median(ratios)
    passed = median >= limit if at_least else median <= limit
    sign = ">=" if at_least else "<="
    return Verdict(f"{label} {_spread(ratios, 'x')} the default's ({sign} {limit:g}x)", passed)


def _spanish_verdicts(rounds: list[dict[str, Round]]) -> list[Verdict]:
    ratios = [r[ENTRYWAY].spanish.p50 / r[ENTRYWAY].loads[1].p50 for r in rounds]
    alike = sum(r[ENTRYWAY].spanish_same_path for r in rounds)
    return [
        Verdict(
            "Spanish conversation understood as the English one (same replies and buttons at "
            f"every step) in {alike} of {len(rounds)} rounds",
            alike == len(rounds),
        ),
        Verdict(
            f"Spanish conversation, 1 user: p50 {_spread(ratios, 'x')} the English one's "
            f"(<= {SPANISH_LIMIT:g}x)",
            statistics.median(ratios) <= SPANISH_LIMIT,
        ),
    ]


def verdicts(
    rounds: list[dict[str, Round]], trained: list[dict[str, float]], unchanged: list[UnchangedData]
) -> list[Verdict]:
    training = [t[ENTRYWAY] for t in trained]
    unchanged_seconds = [u.seconds for u in unchanged]
    return [
        _ratio_verdict(rounds, lambda r: r.loads[20].throughput, "20 users: throughput", 4, True),
        _ratio_verdict(rounds, lambda r: r.loads[20].percentile(95), "20 users: p95", 0.25, False),
        _ratio_verdict(rounds, lambda r: r.loads[1].p50, "1 user: p50", 0.5, False),
        _ratio_verdict(rounds, lambda r: r.peak_rss_mb, "peak memory of the whole stack", 1, False),
        *_spanish_verdicts(rounds),
        Verdict(
            f"training from scratch {_spread(training, ' s')} (<= 60 s)",
            statistics.median(training) <= 60,
        ),
        Verdict(
            "unchanged data: `make model` trains nothing, "
            f"{_spread(unchanged_seconds, ' s')} to find that out",
            not any(u.trained for u in unchanged),
        ),
    ]


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def table(rounds: list[dict[str, Round]], trained: list[dict[str, float]]) -> str:
    lines = [
        "| round | bot | users | msg/s | p50 ms | p95 ms | errors | peak RSS MiB | training s |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, (figures, seconds) in enumerate(zip(rounds, trained, strict=True), 1):
        for bot in (DEFAULT_BOT, ENTRYWAY):
            measured = [(bot, users, load) for users, load in figures[bot].loads.items()]
            if figures[bot].spanish is not None:
                measured.insert(1, (f"{bot}, in Spanish", 1, figures[bot].spanish))
            for name, users, load in measured:
                lines.append(
                    f"| {number} | {name} | {users} | {load.throughput:.1f} | {load.p50:.0f} | "
                    f"{load.percentile(95):.0f} | {load.errors} | "
                    f"{figures[bot].peak_rss_mb:.0f} | {_seconds(seconds.get(bot))} |"
                )
    return "\n".join(lines)
