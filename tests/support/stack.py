"""Starts and stops the real stack exactly as `make run` does (scripts/supervise)."""

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

from storage.migrate import upgrade

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
RASA_WORKERS = 2


def _every_rasa_server_ready(health: dict) -> bool:
    ready, _, servers = health["rasa_servers_ready"].partition(" of ")
    return ready == servers


def free_port() -> int:
    return free_ports(1)


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports (Rasa workers use base, base+1...).
    Each is tried by binding it, not by connecting: a port another process's outgoing
    connection holds accepts no connection, yet cannot be bound."""
    while True:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = probe.getsockname()[1]
        if base + count <= 65535 and all(_bindable(base + i) for i in range(1, count)):
            return base


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def port_is_open(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


class Stack:
    def __init__(self, database_url: str, env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.env = env or {}
        self.ports = {
            "ENTRYWAY_PORT": free_port(),
            "ENTRYWAY_RASA_PORT": free_ports(RASA_WORKERS),
            "ENTRYWAY_ACTIONS_PORT": free_port(),
            "ENTRYWAY_RASA_WORKERS": RASA_WORKERS,
        }
        self.process: subprocess.Popen | None = None
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / "stack.log"

    @property
    def listening_ports(self) -> list[int]:
        rasa = [self.ports["ENTRYWAY_RASA_PORT"] + i for i in range(RASA_WORKERS)]
        return [self.ports["ENTRYWAY_PORT"], self.ports["ENTRYWAY_ACTIONS_PORT"], *rasa]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports['ENTRYWAY_PORT']}"

    def start(self, timeout: float = 180.0) -> None:
        upgrade(self.database_url)
        env = {
            **os.environ,
            **{name: str(port) for name, port in self.ports.items()},
            "DATABASE_URL": self.database_url,
            "PYTHONPATH": str(ROOT),
        }
        # As on a machine where the operator set none (`make run` generates the process
        # tokens then); a test that wants them passes them in `env`.
        for name in (
            "SLACK_BOT_TOKEN",
            "SLACK_SIGNING_SECRET",
            "SLACK_APP_TOKEN",
            "SMTP_URL",
            "ENTRYWAY_RASA_TOKEN",
            "ENTRYWAY_ACTIONS_TOKEN",
            "ENTRYWAY_REST_TOKEN",
        ):
            env.pop(name, None)
        env.update(self.env)
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [str(ROOT / "scripts/supervise")],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"stack exited early; see {self.log_path}")
            try:
                health = httpx.get(f"{self.url}/healthz", timeout=2)
                # 200 needs one Rasa server of several (the others take over while one
                # restarts); a test starts once every one is ready.
                if health.status_code == 200 and _every_rasa_server_ready(health.json()):
                    return
            except httpx.HTTPError:
                pass
            time.sleep(1)
        self.stop()
        raise TimeoutError(f"stack not healthy after {timeout}s; see {self.log_path}")

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM to the supervisor, as an operator or systemd would send; returns its exit
        code."""
        if self.process is None:
            return None
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            code = self.process.wait()
        self.process = None
        return code

    def restart(self) -> None:
        self.stop()
        self.start()
