"""Runs both bots one after the other, drives each with 1 and 20 concurrent users, and
prints a table. Targets (issue 3): at 20 users at least 2.5x the default bot's
throughput and at most half its p95 latency; at 1 user a p50 no higher than its."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench.load import LoadResult, drive
from bench.processes import RunningStack
from storage.migrate import upgrade
from tests.stack import free_port, free_ports

ROOT = Path(__file__).resolve().parent.parent
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
LEVELS = (1, 20)
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))


def rasa_env() -> dict[str, str]:
    return {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "PYTHONPATH": str(ROOT)}


def timed_training(project: Path, out: Path, *args: str) -> float:
    started = time.monotonic()
    subprocess.run(
        [str(RASA), "train", "--force", "--out", str(out), "--quiet", *args],
        cwd=project,
        env=rasa_env(),
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.monotonic() - started


def default_bot(work: Path) -> dict:
    """The bot `rasa init` creates: its files, its default config, trained here."""
    initial = subprocess.run(
        [
            str(RASA_PYTHON),
            "-c",
            "import os, rasa.cli; "
            "print(os.path.join(os.path.dirname(rasa.cli.__file__), 'initial_project'))",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    project = work / "default-bot"
    shutil.copytree(initial, project)
    print("default bot: training (rasa init's default config)...", flush=True)
    training = timed_training(project, project / "models")
    port = free_port()
    stack = RunningStack(
        [str(RASA), "run", "--enable-api", "-i", "127.0.0.1", "-p", str(port), "-m", "models"],
        project,
        rasa_env(),
        work / "default-bot.log",
    )
    return measure(
        "Default bot (rasa init)",
        stack,
        f"http://127.0.0.1:{port}",
        f"http://127.0.0.1:{port}/status",
        training,
    )


def entryway(work: Path) -> dict:
    print("entryway: training (config.yml)...", flush=True)
    training = timed_training(
        ROOT, work / "models", "--data", "nlu", "--domain", "domain.yml", "--config", "config.yml"
    )
    database = f"sqlite:///{work / 'entryway.db'}"
    upgrade(database)
    ports = {
        "ENTRYWAY_PORT": str(free_port()),
        "ENTRYWAY_RASA_PORT": str(free_ports(2)),
        "ENTRYWAY_ACTIONS_PORT": str(free_port()),
    }
    env = {**os.environ, **ports, "DATABASE_URL": database, "PYTHONPATH": str(ROOT)}
    # Twenty simulated users share one address here, unlike people: no per-client limit.
    env["ENTRYWAY_RATE_LIMIT_CHAT"] = ""
    stack = RunningStack(
        [str(ROOT / "scripts/supervise")],
        ROOT,
        env,
        work / "entryway.log",
    )
    base = f"http://127.0.0.1:{ports['ENTRYWAY_PORT']}"
    return measure("Entryway (app + Rasa + actions)", stack, base, f"{base}/healthz", training)


def measure(name: str, stack: RunningStack, base: str, ready: str, training: float) -> dict:
    try:
        stack.wait_until_ready(ready)
        results: dict[int, LoadResult] = {}
        for users in LEVELS:
            print(f"{name}: {users} concurrent users for {SECONDS:.0f}s...", flush=True)
            results[users] = drive(base, users, SECONDS)
    finally:
        stack.stop()
    return {"name": name, "results": results, "rss": stack.peak_rss_mb, "training": training}


def table(rows: list[dict]) -> str:
    lines = [
        f"Benchmark {date.today().isoformat()}, {os.cpu_count()} cores, {SECONDS:.0f}s per level",
        "",
        "| bot | users | msg/s | p50 ms | p95 ms | errors | peak RSS MiB | training s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        for users, result in row["results"].items():
            lines.append(
                f"| {row['name']} | {users} | {result.throughput:.1f} | {result.p50:.0f} | "
                f"{result.percentile(95):.0f} | {result.errors} | {row['rss']:.0f} | "
                f"{row['training']:.0f} |"
            )
    return "\n".join(lines)


def verdict(default: dict, ours: dict) -> list[tuple[str, bool]]:
    d20, e20 = default["results"][20], ours["results"][20]
    d1, e1 = default["results"][1], ours["results"][1]
    return [
        (
            f"20 users: throughput {e20.throughput / d20.throughput:.1f}x the default (>= 2.5x)",
            e20.throughput >= 2.5 * d20.throughput,
        ),
        (
            f"20 users: p95 {e20.percentile(95) / d20.percentile(95):.2f} of the default (<= 0.5)",
            e20.percentile(95) <= 0.5 * d20.percentile(95),
        ),
        (f"1 user: p50 {e1.p50:.0f} ms vs default {d1.p50:.0f} ms (not higher)", e1.p50 <= d1.p50),
        (f"training from scratch {ours['training']:.0f}s (< 120s)", ours["training"] < 120),
    ]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="entryway-bench-") as directory:
        work = Path(directory)
        default = default_bot(work)
        ours = entryway(work)
    print()
    print(table([default, ours]))
    print()
    checks = verdict(default, ours)
    for text, passed in checks:
        print(f"{'PASS' if passed else 'FAIL'}  {text}")
    return 0 if all(passed for _, passed in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
