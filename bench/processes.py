"""Starting a stack, waiting for it, and measuring the memory of its whole process tree."""

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, in MiB."""
    tree, pending, total_kb = _children(), [root], 0
    while pending:
        pid = pending.pop()
        pending.extend(tree.get(pid, []))
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except OSError:
            continue
    return total_kb / 1024


def descendant_running(root: int, argv_tail: list[str]) -> int:
    """The process under `root` whose command line ends with `argv_tail`."""
    tree, pending = _children(), [root]
    while pending:
        pid = pending.pop()
        pending.extend(tree.get(pid, []))
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().decode().split("\0")[:-1]
        except OSError:
            continue
        if argv[-len(argv_tail) :] == argv_tail:
            return pid
    raise LookupError(f"no process running {' '.join(argv_tail)} under {root}")


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise LookupError(f"{field} of {pid}")


class PeakRss:
    """The exact peak resident memory of one process while a block runs: the kernel's
    high-water mark (VmHWM), reset on entry through /proc/PID/clear_refs."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.before_mb = self.peak_mb = 0.0

    def __enter__(self) -> "PeakRss":
        Path(f"/proc/{self.pid}/clear_refs").write_text("5")
        self.before_mb = _status_kb(self.pid, "VmRSS") / 1024
        return self

    def __exit__(self, *_exception: object) -> None:
        self.peak_mb = _status_kb(self.pid, "VmHWM") / 1024

    @property
    def rise_mb(self) -> float:
        return self.peak_mb - self.before_mb


class RunningStack:
    """A process group started in the background, with its peak RSS sampled."""

    def __init__(self, command: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.peak_rss_mb = 0.0
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak_rss_mb = max(self.peak_rss_mb, tree_rss_mb(self.process.pid))
            time.sleep(0.2)

    def wait_until_ready(self, url: str, timeout: float = 240) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{url}: the stack exited while starting")
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        raise TimeoutError(f"{url} not ready after {timeout}s")

    def stop(self) -> None:
        self._stop.set()
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
