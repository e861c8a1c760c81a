"""Hosts made of network namespaces on this machine, behind HAProxy run with the
configuration production uses (deploy/haproxy.cfg), for tests/deploy/test_hosts.py.

    root namespace (this machine)                 namespace entryway-<pid>-<run>-host1
    PostgreSQL, Redis, fake Slack: 127.0.0.1       its own hostname; scripts/supervise,
    HAProxy: clients at 127.0.0.1:<port>,          as `make run`: Rasa servers and the
      TCP forwarders on the gateway 10.a.b.1       action server on its own 127.0.0.1,
      to PostgreSQL, Redis and the fake Slack      the app on 10.a.b.11:8000
    bridge ewb<run> 10.a.b.1/24 ──── veth ──────── eth0 10.a.b.11/24
                                ──── veth ──────── host2: eth0 10.a.b.12/24, ...

The hosts have no default route: their traffic stays on the bridge and on their own
loopback. Names carry the test run's process id, so whatever a run killed before it
could clean up is found and removed by the next one (`remove_leftovers`).

Needs root and iproute2's `ip netns` (CI runs as root) and Debian's haproxy (`make hosts`).
"""

import contextlib
import csv
import io
import ipaddress
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

import httpx

from tests.support.stack import ARTIFACTS, ROOT, free_port, port_is_open

HAPROXY_CONFIG = ROOT / "deploy" / "haproxy.cfg"
FORWARDERS_CONFIG = ROOT / "tests" / "support" / "hosts_forwarders.cfg"
REQUEST_LOG_CONFIG = ROOT / "tests" / "support" / "hosts_request_log.cfg"
HOST_LOGS = ARTIFACTS / "hosts"
NAMESPACE = re.compile(r"^entryway-(?P<pid>\d+)-(?P<run>[0-9a-f]{6})-host\d+$")
APP_PORT = 8000  # every host has its own network stack: the same ports on each


class HostsUnavailable(Exception):
    """The test hosts could not be made (an `ip` command failed, no free subnet)."""


def ip(*args: str) -> str:
    result = subprocess.run(["ip", *args], capture_output=True, text=True)
    if result.returncode != 0:
        raise HostsUnavailable(f"`ip {' '.join(args)}` failed: {result.stderr.strip()}")
    return result.stdout


def missing_on_this_machine() -> list[str]:
    """What this machine lacks to make hosts, and how to get it (nothing: it can)."""
    missing = []
    if os.geteuid() != 0:
        missing.append("root (network namespaces and veth pairs need CAP_NET_ADMIN)")
    if shutil.which("ip") is None:
        missing.append("iproute2's `ip` (`make hosts` installs it)")
    if shutil.which("haproxy") is None:
        missing.append("haproxy (`make hosts` installs Debian's package)")
    if shutil.which("unshare") is None:
        missing.append("util-linux's `unshare`")
    return missing


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_all_in(namespace: str, timeout: float = 10.0) -> None:
    """SIGKILL to every process in the namespace, until none is left (a supervisor may
    have forked between two looks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        listed = subprocess.run(["ip", "netns", "pids", namespace], capture_output=True, text=True)
        pids = [int(pid) for pid in listed.stdout.split()]
        if listed.returncode != 0 or not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
    raise RuntimeError(f"processes of {namespace} survived SIGKILL for {timeout}s")


def remove_leftovers() -> list[str]:
    """Removes namespaces (and their processes and bridge) of test runs that are gone."""
    removed = []
    for line in subprocess.run(
        ["ip", "netns", "list"], capture_output=True, text=True
    ).stdout.splitlines():
        name = line.split()[0] if line.strip() else ""
        found = NAMESPACE.match(name)
        if found is None or _alive(int(found["pid"])):
            continue
        _kill_all_in(name)
        subprocess.run(["ip", "netns", "del", name], capture_output=True)
        subprocess.run(["ip", "link", "del", f"ewb{found['run']}"], capture_output=True)
        removed.append(name)
    return removed


def _free_subnet() -> ipaddress.IPv4Network:
    """A /24 in 10.200.0.0-10.254.255.255 that no route or address of this machine
    overlaps."""
    taken = [
        ipaddress.ip_network(word, strict=False)
        for word in (ip("-4", "route", "show", "table", "all") + ip("-4", "-o", "addr")).split()
        if re.fullmatch(r"\d+\.\d+\.\d+\.\d+(/\d+)?", word)
    ]
    for _ in range(100):
        candidate = ipaddress.ip_network(
            f"10.{random.randint(200, 254)}.{random.randint(0, 255)}.0/24"
        )
        if not any(candidate.overlaps(network) for network in taken):
            return candidate
    raise HostsUnavailable("no free private /24 for the test hosts")


class Network:
    """A bridge in the root namespace, with the gateway address, for the hosts' veths."""

    def __init__(self) -> None:
        self.run = secrets.token_hex(3)
        self.bridge = f"ewb{self.run}"
        self.subnet = _free_subnet()
        self.gateway = str(self.subnet.network_address + 1)
        self.namespaces: list[str] = []
        ip("link", "add", self.bridge, "type", "bridge")
        try:
            ip("addr", "add", f"{self.gateway}/{self.subnet.prefixlen}", "dev", self.bridge)
            ip("link", "set", self.bridge, "up")
        except HostsUnavailable:
            self.remove()
            raise

    def add_namespace(self, index: int) -> tuple[str, str, str]:
        """A namespace wired to the bridge: (its name, its address, the root-side veth)."""
        namespace = f"entryway-{os.getpid()}-{self.run}-host{index}"
        address = str(self.subnet.network_address + 10 + index)
        veth = f"ewv{self.run}{index}"
        ip("netns", "add", namespace)
        self.namespaces.append(namespace)
        ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", namespace)
        ip("link", "set", veth, "master", self.bridge, "up")
        ip("-n", namespace, "addr", "add", f"{address}/{self.subnet.prefixlen}", "dev", "eth0")
        ip("-n", namespace, "link", "set", "eth0", "up")
        ip("-n", namespace, "link", "set", "lo", "up")
        return namespace, address, veth

    def remove(self) -> None:
        try:
            for namespace in self.namespaces:
                try:
                    _kill_all_in(namespace)
                finally:
                    subprocess.run(["ip", "netns", "del", namespace], capture_output=True)
        finally:
            subprocess.run(["ip", "link", "del", self.bridge], capture_output=True)


class Host:
    """One host: its own network stack and hostname, every process of `make run`
    (scripts/supervise), the app on the host's address."""

    def __init__(self, network: Network, index: int, env: dict[str, str]) -> None:
        self.name = f"host{index}"
        self.hostname = f"entryway-{self.name}"
        self.namespace, self.address, self.veth = network.add_namespace(index)
        self.env = {**env, "ENTRYWAY_HOST": self.address, "ENTRYWAY_PORT": str(APP_PORT)}
        self.process: subprocess.Popen | None = None
        HOST_LOGS.mkdir(parents=True, exist_ok=True)
        self.log_path = HOST_LOGS / f"{self.name}.log"

    def start(self) -> None:
        # Stopped with the test run, even one killed before its clean-up; a host has a
        # hostname of its own (the outbox records which sender held a message by it).
        stopped_with_us = ["/usr/bin/setpriv", "--pdeathsig", "TERM", "--"]
        in_namespace = ["ip", "netns", "exec", self.namespace, "unshare", "--uts", "--"]
        named = ["sh", "-c", 'hostname "$0" && exec "$1"', self.hostname]
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                [*stopped_with_us, *in_namespace, *named, str(ROOT / "scripts" / "supervise")],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def power_off(self) -> None:
        """As when a machine loses power: its network goes silent first (peers get no
        reset, only silence), then every one of its processes dies at once, SIGKILL,
        with no chance to finish or tidy anything."""
        ip("link", "set", self.veth, "down")
        _kill_all_in(self.namespace)
        if self.process is not None:
            self.process.wait(10)


class LoadBalancer:
    """HAProxy in the root namespace: deploy/haproxy.cfg in front of the hosts, plus
    the test's forwarders (tests/support/hosts_forwarders.cfg) that let the hosts reach
    PostgreSQL, Redis and the fake Slack."""

    def __init__(self, hosts: Iterable[Host], env: dict[str, str], work_dir: Path) -> None:
        self.port = free_port()
        self.socket_path = work_dir / "haproxy.sock"
        self.log_path = HOST_LOGS / "haproxy.log"
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
            "ENTRYWAY_LB_BIND": f"127.0.0.1:{self.port}",
            "HAPROXY_STATS_SOCKET": str(self.socket_path),
            **{f"ENTRYWAY_{host.name.upper()}": f"{host.address}:{APP_PORT}" for host in hosts},
            **env,
        }
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = ["haproxy", "-db"]
        for config in (REQUEST_LOG_CONFIG, HAPROXY_CONFIG, FORWARDERS_CONFIG):
            command += ["-f", str(config)]
        checked = subprocess.run(
            [*command[:1], "-c", *command[2:]], env=self.env, capture_output=True, text=True
        )
        if checked.returncode != 0:
            raise RuntimeError(f"haproxy refused its configuration:\n{checked.stdout}")
        with self.log_path.open("w") as log:
            self.process = subprocess.Popen(
                ["/usr/bin/setpriv", "--pdeathsig", "TERM", "--", *command],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 10
        while not (port_is_open(self.port) and self.socket_path.exists()):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not start; see {self.log_path}")
            time.sleep(0.1)

    def command(self, line: str) -> str:
        """One command of HAProxy's runtime API."""
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(5)
            connection.connect(str(self.socket_path))
            connection.sendall(line.encode() + b"\n")
            chunks = []
            while chunk := connection.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks).decode()

    def servers(self) -> dict[str, dict[str, str]]:
        """The hosts as HAProxy sees them: status (UP, DOWN, ...), stot (requests)..."""
        table = self.command("show stat").lstrip("# ")
        return {
            row["svname"]: row
            for row in csv.DictReader(io.StringIO(table))
            if row["pxname"] == "hosts" and row["svname"] not in ("FRONTEND", "BACKEND")
        }

    def served_by(self, request_ids: set[str], timeout: float = 10.0) -> dict[str, str]:
        """Which host served each request, by the X-Request-ID its client got back.
        HAProxy logs a request once it has closed it, which can be just after its client
        read the reply: the log is read until it has every one. It is read from the ring
        of hosts_request_log.cfg, not from stdout, which may drop lines."""
        deadline = time.monotonic() + timeout
        while True:
            found = {}
            for line in self.command("show events requests").splitlines():
                served = re.search(r" hosts/(\S+) .* id=(\S+)$", line)
                if served:
                    found[served[2]] = served[1]
            if request_ids <= found.keys() or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Cluster:
    """Hosts behind the load balancer, sharing one PostgreSQL and one Redis (those of
    this machine, reached through the gateway), with Slack pointed at a fake Slack."""

    def __init__(
        self,
        count: int,
        database_url: str,
        redis_url: str,
        slack_url: str,
        env: dict[str, str],
        work_dir: Path,
    ) -> None:
        self.network = Network()
        try:
            self._make(database_url, redis_url, slack_url, env, count, work_dir)
        except BaseException:
            self.network.remove()
            raise

    def _make(
        self,
        database_url: str,
        redis_url: str,
        slack_url: str,
        env: dict[str, str],
        count: int,
        work_dir: Path,
    ) -> None:
        gateway = self.network.gateway
        database, redis, slack = (
            httpx.URL(database_url),
            httpx.URL(redis_url),
            httpx.URL(slack_url),
        )
        # What the hosts see: the services on their gateway, on the usual ports.
        shared = {
            **{
                name: value
                for name, value in os.environ.items()
                if not name.startswith(("SLACK_", "SMTP_", "ENTRYWAY_", "DATABASE_", "REDIS_"))
            },
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": str(database.copy_with(host=gateway, port=5432)),
            "REDIS_URL": str(redis.copy_with(host=gateway, port=6379)),
            "SLACK_API_URL": str(slack.copy_with(host=gateway)),
            # The load balancer's X-Forwarded-For is believed, from it alone: HAProxy
            # reaches the hosts from the gateway address.
            "ENTRYWAY_TRUSTED_PROXIES": gateway,
            **env,
        }
        self.hosts = [Host(self.network, index, shared) for index in range(1, count + 1)]
        self.balancer = LoadBalancer(
            self.hosts,
            {
                "ENTRYWAY_GATEWAY": gateway,
                "POSTGRESQL_SERVER": f"{database.host}:{database.port or 5432}",
                "REDIS_SERVER": f"{redis.host}:{redis.port or 6379}",
                "FAKE_SLACK_PORT": str(slack.port),
            },
            work_dir,
        )
        for host in self.hosts:
            host.env["ENTRYWAY_PUBLIC_URL"] = self.balancer.url

    @property
    def url(self) -> str:
        return self.balancer.url

    def start(self, timeout: float = 420.0) -> float:
        """Starts the load balancer and every host; returns once HAProxy sees every host
        up (seconds it took)."""
        began = time.monotonic()
        self.balancer.start()
        for host in self.hosts:
            host.start()
        while time.monotonic() - began < timeout:
            for host in self.hosts:
                if host.process is not None and host.process.poll() is not None:
                    raise RuntimeError(f"{host.name} exited early; see {host.log_path}")
            if all(row["status"] == "UP" for row in self.balancer.servers().values()):
                return time.monotonic() - began
            time.sleep(0.5)
        raise TimeoutError(f"hosts not up after {timeout}s; see {HOST_LOGS}")

    def remove(self) -> None:
        """Every process of every host, the namespaces, the bridge and HAProxy: gone."""
        try:
            self.network.remove()
        finally:
            self.balancer.stop()
