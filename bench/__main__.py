"""`make bench`: Entryway against the bot `rasa init` makes, and how Entryway's cost grows.

1. Targets (docs/performance/README.md), judged on ratios within this run
   (bench/targets.py): training from scratch (the default bot once), then 1 and 20 users,
   each BENCH_ROUNDS times (default 3) with the bots alternating, Entryway also with 1 user
   conversing in Spanish (understood as the English conversation, and at most 1.2x its
   p50); and what `make model` does when nothing changed.
2. Growth (bench/growth.py), Entryway only: one long conversation, look-ups and the
   open-data export with 0 to 100,000 stored submissions, 1 to 50 users.

Prints both tables and a PASS/FAIL line per target, writes the plot to
bench/results/latency.png, and exits non-zero if any target fails.
BENCH_SECONDS (default 20) is the length of each load level; BENCH_CONVERSATIONS (default
5) the number of long conversations (of 5, the p95 is the slowest)."""

import os
import sys
import tempfile
from datetime import date
from pathlib import Path

from bench import growth, targets
from bench.plot import latency_figure
from bench.stacks import ROOT, default_project, entryway

SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
CONVERSATIONS = int(os.environ.get("BENCH_CONVERSATIONS", "5"))
PLOT = ROOT / "bench" / "results" / "latency.png"


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="entryway-bench-") as directory:
        work = Path(directory)
        default = default_project(work)
        trained = targets.train_rounds(default, work, ROUNDS)
        unchanged = targets.unchanged_data(ROUNDS)
        rounds = targets.load_rounds(default, work, ROUNDS, SECONDS)
        print("growth: starting Entryway...", flush=True)
        with entryway(work / "growth.log") as served:
            grown = growth.measure(served, CONVERSATIONS, SECONDS)
    title = (
        f"Benchmark {date.today().isoformat()}, {os.cpu_count()} cores, "
        f"{SECONDS:.0f} s per load level, {ROUNDS} rounds"
    )
    latency_figure(grown, rounds, title, PLOT)
    checks = targets.verdicts(rounds, trained, unchanged) + growth.verdicts(grown)
    print()
    print(title)
    print()
    print(targets.table(rounds, trained))
    print()
    print(f"Growth (Entryway, {CONVERSATIONS} conversations, {SECONDS:.0f} s per level)")
    print()
    print(growth.table(grown))
    print()
    for check in checks:
        print(check)
    print(f"\nplot: {PLOT.relative_to(ROOT)}")
    return 0 if all(check.passed for check in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
