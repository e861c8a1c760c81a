"""`.venv/bin/python -m bench.cpu_per_message`: where a chat message's CPU goes, process by
process, in Entryway's production configuration (`bench.stacks.entryway`).

For 1 user and then 20, it reads the CPU time of every process on the machine from
/proc before and after BENCH_SECONDS (default 15) of load, and divides each process's
share by the messages answered. The simulated users run in this process and are counted
as well, and so are PostgreSQL's backends and Redis. On a machine the load saturates (2
cores at 20 users), throughput is CPU per message: changes for speed are chosen and
judged by this figure (docs/performance/README.md, "How to read a run").

Then one user's conversations go alternately through the app and straight to the
conversation's Rasa server (which still calls the action server and the stores). The
difference between the two is the app's hop.
"""

import os
import re
import statistics
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path

import httpx

from bench.load import CONVERSATION, drive
from bench.stacks import ROOT, entryway
from bot.rasa_client import home_server
from storage import process_tokens

SECONDS = float(os.environ.get("BENCH_SECONDS", "15"))
TICKS = os.sysconf("SC_CLK_TCK")
# The first of these in a process's command line names it.
PARTS = {
    "rasa_env.launch": "Rasa servers",
    "-m actions": "action server",
    "-m bot.scheduler": "scheduler",
    "-m bot": "app",
    "supervisord": "supervisord",
    "postgres": "PostgreSQL",
    "redis-server": "Redis",
    "bench.cpu_per_message": "simulated users",
}


def _cpu_seconds() -> dict[int, tuple[str, float]]:
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        part = next((name for key, name in PARTS.items() if key in command), "other")
        found[int(entry.name)] = (part, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def cpu_per_message(base_url: str, users: int) -> None:
    before = _cpu_seconds()
    load = drive(base_url, users, SECONDS)
    spent: dict[str, float] = defaultdict(float)
    for pid, (part, seconds) in _cpu_seconds().items():
        spent[part] += seconds - before.get(pid, (part, 0.0))[1]
    messages = len(load.latencies)
    print(
        f"\n{users} users: {load.throughput:.1f} msg/s, p50 {load.p50:.0f} ms, "
        f"p95 {load.percentile(95):.0f} ms, {load.errors} errors"
    )
    print("| process | CPU s | CPU ms per message |\n|---|---:|---:|")
    for part, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        print(f"| {part} | {seconds:.2f} | {1000 * seconds / messages:.2f} |")
    total = sum(spent.values())
    print(f"| all | {total:.2f} | {1000 * total / messages:.2f} |")


def rasa_token() -> str:
    """The token Rasa asks for (as the app sends it): the environment's, else the one
    `make run` generated (storage/process_tokens.py)."""
    return (
        os.environ.get("ENTRYWAY_RASA_TOKEN")
        or process_tokens.read(ROOT / "var" / "secrets.env")["ENTRYWAY_RASA_TOKEN"]
    )


def hop(base_url: str, rasa_urls: list[str], conversations: int = 13) -> None:
    """p50 of one user's messages through the app and straight to Rasa, two rounds each."""
    medians: dict[str, list[float]] = defaultdict(list)
    for route in ("through the app", "straight to Rasa") * 2:
        times = []
        for number in range(conversations):
            sender = f"hop-{uuid.uuid4()}"
            # The app's choice at one user: no server is busier, so the hash decides.
            home = rasa_urls[home_server(sender, len(rasa_urls))]
            with httpx.Client(base_url=base_url if "app" in route else home) as client:
                for template in CONVERSATION:
                    started = time.perf_counter()
                    client.post(
                        "/webhooks/rest/webhook",
                        json={"sender": sender, "message": template.format(n=number)},
                        params={} if "app" in route else {"token": rasa_token()},
                    )
                    times.append((time.perf_counter() - started) * 1000)
        medians[route].append(statistics.median(times))
    print("\n1 user, p50 ms per round:")
    for route, values in medians.items():
        print(f"- {route}: {', '.join(f'{value:.1f}' for value in values)}")


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="entryway-cpu-") as directory:
        log = Path(directory) / "stack.log"
        with entryway(log) as served:
            drive(served.base_url, 1, 3)  # warm up
            for users in (1, 20):
                cpu_per_message(served.base_url, users)
            started = set(re.findall(r"Starting Rasa server on (http://\S+)", log.read_text()))
            hop(served.base_url, sorted(started, key=lambda url: int(url.rsplit(":", 1)[1])))


if __name__ == "__main__":
    main()
