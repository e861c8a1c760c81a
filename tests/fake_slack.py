"""A fake Slack on loopback: the Web API (SLACK_API_URL points here) as a real HTTP
server recording every call, and a Socket Mode WebSocket server that
`apps.connections.open` hands out.

It keeps the messages it was asked to post (chat.update edits them in place), so a
test can look at a triage card as staff would see it. Failures can be injected per
method: an error answer, an HTTP error, or a call that hangs and is never answered
(as when the sender is killed while Slack is still working on it)."""

import asyncio
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web


@dataclass
class Failure:
    times: int
    error: str | None = None  # Slack's {"ok": false, "error": ...}
    status: int | None = None  # an HTTP error status
    retry_after: int | None = None  # with status 429
    hang: bool = False  # never answer (until the fake stops)
    # Do what was asked (post the message), then never answer: Slack took the post, but
    # the sender never heard so.
    done_then_hang: bool = False


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list = field(default_factory=list)
    edits: int = 0
    metadata: dict | None = None


class FakeSlack:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []  # answered with ok, in order
        self.attempts: list[str] = []  # every call received, answered or not
        self.messages: dict[str, Posted] = {}  # by ts
        self.failures: dict[str, list[Failure]] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.socket_url: str | None = None
        self.usergroups: dict[str, list[str]] = {}  # usergroup id: its members
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    arguments = json.loads(raw or "{}")
                else:
                    arguments = {k: v[0] for k, v in parse_qs(raw).items()}
                path, _, query = self.path.partition("?")
                method = path.rsplit("/", 1)[-1]
                # slack_sdk sends some methods' arguments in the query string
                arguments |= {k: v[0] for k, v in parse_qs(query).items()}
                for key in ("blocks", "view", "attachments", "metadata"):
                    if isinstance(arguments.get(key), str):
                        arguments[key] = json.loads(arguments[key])
                status, body, headers = fake._answer(method, arguments)
                if status is None:
                    self.close_connection = True
                    return
                encoded = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

            def log_message(self, *_: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.socket_mode = SocketModeServer()

    # --- what the Web API answers ---------------------------------------------------

    def fail(self, method: str, times: int = 1, **how) -> None:
        with self.lock:
            self.failures.setdefault(method, []).append(Failure(times, **how))

    def _failure(self, method: str) -> Failure | None:
        with self.lock:
            queue = self.failures.get(method) or []
            while queue and queue[0].times <= 0:
                queue.pop(0)
            if not queue:
                return None
            queue[0].times -= 1
            return queue[0]

    def _answer(self, method: str, arguments: dict) -> tuple[int | None, dict, dict]:
        with self.lock:
            self.attempts.append(method)
        failure = self._failure(method)
        if failure is not None and failure.done_then_hang:
            self._ok(method, arguments)
            self.stopping.wait()
            return None, {}, {}
        if failure is not None:
            if failure.hang:
                self.stopping.wait()
                return None, {}, {}
            if failure.status:
                headers = {"Retry-After": str(failure.retry_after)} if failure.retry_after else {}
                return failure.status, {"ok": False, "error": "ratelimited"}, headers
            return 200, {"ok": False, "error": failure.error or "internal_error"}, {}
        body = self._ok(method, arguments)
        with self.lock:
            self.calls.append((method, arguments))
        return 200, body, {}

    def _ok(self, method: str, arguments: dict) -> dict:
        body: dict = {"ok": True}
        if method == "auth.test":
            body.update(user_id="UBOT", bot_id="BBOT", team_id="T0001", team="City")
        elif method == "chat.postMessage":
            channel = arguments.get("channel", "")
            if channel.startswith("U"):  # a user id: their DM with the app
                channel = "D" + channel
            ts = f"{int(time.time())}.{next(self._ts):06d}"
            with self.lock:
                self.messages[ts] = Posted(
                    channel,
                    ts,
                    arguments.get("text", ""),
                    arguments.get("blocks") or [],
                    metadata=arguments.get("metadata"),
                )
            body.update(channel=channel, ts=ts, message={"ts": ts, "text": arguments.get("text")})
        elif method == "chat.update":
            with self.lock:
                posted = self.messages.get(arguments.get("ts", ""))
                if posted is None:
                    return {"ok": False, "error": "message_not_found"}
                posted.text = arguments.get("text", posted.text)
                posted.blocks = arguments.get("blocks") or posted.blocks
                posted.edits += 1
            body.update(channel=arguments.get("channel"), ts=arguments.get("ts"))
        elif method == "chat.postEphemeral":
            body.update(message_ts=f"{int(time.time())}.{next(self._ts):06d}")
        elif method in ("views.open", "views.update", "views.push"):
            body.update(view={"id": f"V{next(self._ts)}", **(arguments.get("view") or {})})
        elif method == "conversations.open":
            body.update(channel={"id": "D" + str(arguments.get("users", "")).split(",")[0]})
        elif method == "conversations.history":
            with self.lock:
                found = [m for m in self.messages.values() if m.channel == arguments.get("channel")]
            body.update(
                messages=[
                    {"ts": m.ts, "text": m.text, **({"metadata": m.metadata} if m.metadata else {})}
                    for m in reversed(found)
                ]
            )
        elif method == "apps.connections.open":
            body.update(url=self.socket_url)
        elif method == "usergroups.users.list":
            return self._usergroup_users(arguments)
        return body

    def _usergroup_users(self, arguments: dict) -> dict:
        with self.lock:
            users = self.usergroups.get(arguments.get("usergroup", ""))
        if users is None:
            return {"ok": False, "error": "no_such_subteam"}
        return {"ok": True, "users": list(users)}

    # --- what a test looks at -----------------------------------------------------

    def called(self, method: str) -> list[dict]:
        with self.lock:
            return [arguments for name, arguments in self.calls if name == method]

    def in_channel(self, channel: str) -> list[Posted]:
        with self.lock:
            return [m for m in self.messages.values() if m.channel == channel]

    def wait_for(self, predicate, timeout: float = 30.0, what: str = "condition"):
        """Polls until predicate() is truthy; returns its value."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        raise AssertionError(f"fake Slack: no {what} within {timeout}s; calls: {self.attempts}")

    def __enter__(self) -> "FakeSlack":
        self.thread.start()
        self.socket_url = self.socket_mode.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.socket_mode.stop()
        self.server.shutdown()
        self.server.server_close()


class SocketModeServer:
    """Slack's side of Socket Mode: sends envelopes to the connected app, collects acks."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: dict[str, dict] = {}
        self.connected = threading.Event()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._runner: web.AppRunner | None = None

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=None)
        await socket.prepare(request)
        await socket.send_json({"type": "hello", "num_connections": 1})
        self.sockets.append(socket)
        self.connected.set()
        async for message in socket:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks[data["envelope_id"]] = data
        self.sockets.remove(socket)
        return socket

    async def _start(self) -> str:
        app = web.Application()
        app.router.add_get("/link", self._socket)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return f"ws://127.0.0.1:{port}/link"

    def start(self) -> str:
        self._thread.start()
        return asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)

    def send(self, envelope: dict) -> None:
        """Sends an envelope to the connected app (Slack's side of an event)."""
        if not self.connected.wait(30):
            raise AssertionError("the app never connected over Socket Mode")

        async def push() -> None:
            for socket in list(self.sockets):
                await socket.send_json(envelope)

        asyncio.run_coroutine_threadsafe(push(), self.loop).result(10)

    def stop(self) -> None:
        async def close() -> None:
            for socket in list(self.sockets):
                await socket.close()
            if self._runner is not None:
                await self._runner.cleanup()

        if self._thread.is_alive():
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(10)
            self.loop.call_soon_threadsafe(self.loop.stop)
