"""A fake Slack on loopback: the Web API (SLACK_API_URL points here) as a real HTTP
server recording every call, and a Socket Mode WebSocket server that
`apps.connections.open` hands out.

It keeps the messages it was asked to post (chat.update edits them in place), so a
test can look at a triage card as staff would see it. Like Slack, it refuses a method
whose scope the app was not granted (`missing_scope`, with `needed` and `provided`); the
app is granted what the Slack app manifest in the staff guide (docs/staff-guide.md) says,
so the two cannot drift.
Failures can be injected per method: an error answer, an HTTP error, a rate limit (429
with Retry-After, as Slack sends), or a call that hangs and is never answered (as when
the sender is killed while Slack is still working on it).

A view (views.open, .update, .push) is checked against Slack's Block Kit limits that
a modal can run into (`view_problems`: at most 100 blocks, a plain_text_input of at most
3000 characters whose initial value fits it, at most 10 checkboxes, titles of 24
characters, unique block ids, ...) and refused as Slack refuses it, `invalid_arguments`
with the reasons in `response_metadata.messages`.

Files are uploaded as Slack takes them (what `files_upload_v2` does):
`files.getUploadURLExternal` (filename and length) hands out an upload URL on this
server and a file id; the file's bytes are POSTed there as the body;
`files.completeUploadExternal` shares the uploaded files in a channel or thread (only
files whose bytes arrived; others are `file_not_found`). Both methods need `files:write`
and take injected failures and rate limits like every other method; `uploads` keeps
what arrived, by file id."""

import asyncio
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import yaml
from aiohttp import WSMsgType, web

STAFF_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "staff-guide.md"
MANIFEST_SECTION = "## Setting up the Slack app"
# The scopes a Web API method needs, any one of them (Slack's method reference); a method
# not listed needs none (auth.test, views.*). conversations.history and .replies depend on
# the kind of conversation: see `needed_scopes`.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "chat.delete": ("chat:write",),
    "conversations.open": ("im:write", "mpim:write", "channels:manage", "groups:write"),
    "conversations.info": ("channels:read", "groups:read", "im:read", "mpim:read"),
    "users.info": ("users:read",),
    "users.lookupByEmail": ("users:read.email",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "team.info": ("team:read",),
    "reactions.add": ("reactions:write",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}
UPLOAD_PATH = "/upload/"
# Block Kit's limits for a modal (api.slack.com/reference/surfaces/views and
# /reference/block-kit/block-elements).
MOST_BLOCKS = 100
LONGEST_TITLE = 24
LONGEST_METADATA = 3000
LONGEST_INPUT = 3000
LONGEST_LABEL = 2000
LONGEST_SECTION = 3000
LONGEST_HEADER = 150
LONGEST_OPTION = 75
MOST_CHECKBOXES = 10
MOST_OPTIONS = 100
ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
HISTORY_METHODS = ("conversations.history", "conversations.replies")


def manifest_scopes(guide: Path = STAFF_GUIDE) -> frozenset[str]:
    """The bot scopes the staff guide's Slack app manifest grants: the YAML block of its
    section "Setting up the Slack app", as an operator pastes it into Slack."""
    text = guide.read_text()
    if MANIFEST_SECTION + "\n" not in text:
        raise AssertionError(f"{guide.name}: no section {MANIFEST_SECTION!r}")
    section = text.split(MANIFEST_SECTION + "\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```yaml\n(.*?)```", section, re.DOTALL)
    if block is None:
        raise AssertionError(f"{guide.name}: no manifest in {MANIFEST_SECTION!r}")
    return frozenset(yaml.safe_load(block.group(1))["oauth_config"]["scopes"]["bot"])


def _element_problems(where: str, element: dict) -> list[str]:
    kind = element.get("type")
    found = []
    if kind == "plain_text_input":
        longest = element.get("max_length", LONGEST_INPUT)
        if longest > LONGEST_INPUT:
            found.append(f"{where}: max_length {longest} is more than {LONGEST_INPUT}")
        if len(element.get("initial_value") or "") > min(longest, LONGEST_INPUT):
            found.append(f"{where}: initial_value is longer than max_length")
    options = element.get("options") or []
    if kind in ("checkboxes", "radio_buttons") and len(options) > MOST_CHECKBOXES:
        found.append(f"{where}: {len(options)} options, at most {MOST_CHECKBOXES}")
    if kind == "static_select" and len(options) > MOST_OPTIONS:
        found.append(f"{where}: {len(options)} options, at most {MOST_OPTIONS}")
    if any(len(o["text"]["text"]) > LONGEST_OPTION for o in options):
        found.append(f"{where}: an option's text is longer than {LONGEST_OPTION}")
    values = [o["value"] for o in options]
    chosen = element.get("initial_options") or (
        [element["initial_option"]] if element.get("initial_option") else []
    )
    if any(o.get("value") not in values for o in chosen):
        found.append(f"{where}: an initial option is not one of the options")
    if kind == "datepicker" and not ISO_DAY.match(element.get("initial_date") or "0000-00-00"):
        found.append(f"{where}: initial_date must be YYYY-MM-DD")
    return found


def view_problems(view: dict) -> list[str]:
    """What Slack would refuse in a modal view, as its error messages say it; empty when
    Slack takes it."""
    found = []
    blocks = view.get("blocks") or []
    if len(blocks) > MOST_BLOCKS:
        found.append(f"{len(blocks)} blocks, at most {MOST_BLOCKS}")
    for key in ("title", "submit", "close"):
        if len((view.get(key) or {}).get("text", "")) > LONGEST_TITLE:
            found.append(f"{key} is longer than {LONGEST_TITLE}")
    if len(view.get("private_metadata") or "") > LONGEST_METADATA:
        found.append(f"private_metadata is longer than {LONGEST_METADATA}")
    seen: set[str] = set()
    for number, block in enumerate(blocks):
        where = f"blocks[{number}]"
        block_id = block.get("block_id")
        if block_id is not None:
            if block_id in seen:
                found.append(f"{where}: block_id {block_id} is used twice")
            seen.add(block_id)
        if block.get("type") == "input":
            for key in ("label", "hint"):
                if len((block.get(key) or {}).get("text", "")) > LONGEST_LABEL:
                    found.append(f"{where}: {key} is longer than {LONGEST_LABEL}")
            found.extend(_element_problems(f"{where}.element", block.get("element") or {}))
        longest = {"section": LONGEST_SECTION, "header": LONGEST_HEADER}.get(block.get("type"))
        if longest and len((block.get("text") or {}).get("text", "")) > longest:
            found.append(f"{where}: text is longer than {longest}")
    return found


def needed_scopes(method: str, arguments: dict) -> tuple[str, ...]:
    """What Slack asks of a call: a DM's history needs im:history, a channel's
    channels:history (public) or groups:history (private; the fake cannot tell them
    apart, so either will do)."""
    if method in HISTORY_METHODS:
        if str(arguments.get("channel", "")).startswith("D"):
            return ("im:history",)
        return ("channels:history", "groups:history")
    return METHOD_SCOPES.get(method, ())


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
    # Only for calls whose arguments mention this (one card among other posts).
    matching: str | None = None


@dataclass
class Upload:
    """A file as Slack keeps it: what getUploadURLExternal was told, the bytes that
    arrived at its upload URL, and where completeUploadExternal shared it."""

    file_id: str
    filename: str
    length: int
    content: bytes | None = None
    title: str | None = None
    channel: str | None = None
    thread_ts: str | None = None
    initial_comment: str | None = None


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list = field(default_factory=list)
    edits: int = 0
    metadata: dict | None = None


class FakeSlack:
    def __init__(self, scopes: frozenset[str] | None = None) -> None:
        # What the app was granted: the manifest's scopes unless a test says otherwise.
        self.scopes = manifest_scopes() if scopes is None else scopes
        self.calls: list[tuple[str, dict]] = []  # answered with ok, in order
        self.attempts: list[str] = []  # every call received, answered or not
        self.messages: dict[str, Posted] = {}  # by ts
        self.failures: dict[str, list[Failure]] = {}
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.socket_url: str | None = None
        self.usergroups: dict[str, list[str]] = {}  # usergroup id: its members
        # users.info: each user's locale, as Slack gives it with include_locale=true
        # (a user not listed is "en-US", as most workspaces' users are).
        self.locales: dict[str, str] = {}
        self.uploads: dict[str, Upload] = {}  # by file id
        self._ts = itertools.count(1)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # slack_sdk reads some methods with GET
                self.do_POST()

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if self.path.startswith(UPLOAD_PATH):
                    content = self.rfile.read(length)
                    status, said = fake._upload(self.path.removeprefix(UPLOAD_PATH), content)
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain")
                    self.send_header("Content-Length", str(len(said)))
                    self.end_headers()
                    self.wfile.write(said)
                    return
                raw = self.rfile.read(length).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    arguments = json.loads(raw or "{}")
                else:
                    arguments = {k: v[0] for k, v in parse_qs(raw).items()}
                path, _, query = self.path.partition("?")
                method = path.rsplit("/", 1)[-1]
                # slack_sdk sends some methods' arguments in the query string
                arguments |= {k: v[0] for k, v in parse_qs(query).items()}
                for key in ("blocks", "view", "attachments", "metadata", "files"):
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

    def rate_limit(
        self, method: str, times: int = 1, retry_after: int = 1, matching: str | None = None
    ) -> None:
        """The next `times` calls of `method` (mentioning `matching`, if given) are answered
        as Slack answers a rate-limited call: HTTP 429, {"ok": false, "error":
        "ratelimited"} and a Retry-After header (seconds)."""
        self.fail(method, times, status=429, retry_after=retry_after, matching=matching)

    def _missing_scope(self, method: str, arguments: dict) -> dict | None:
        """Slack's answer to a call the app's scopes do not cover, or None."""
        needed = needed_scopes(method, arguments)
        if not needed or self.scopes.intersection(needed):
            return None
        return {
            "ok": False,
            "error": "missing_scope",
            "needed": ",".join(needed),
            "provided": ",".join(sorted(self.scopes)),
        }

    def _failure(self, method: str, arguments: dict) -> Failure | None:
        with self.lock:
            queue = self.failures.get(method) or []
            while queue and queue[0].times <= 0:
                queue.pop(0)
            if not queue or (queue[0].matching and queue[0].matching not in json.dumps(arguments)):
                return None
            queue[0].times -= 1
            return queue[0]

    def _answer(self, method: str, arguments: dict) -> tuple[int | None, dict, dict]:
        with self.lock:
            self.attempts.append(method)
        refused = self._missing_scope(method, arguments)
        if refused is not None:
            return 200, refused, {}
        failure = self._failure(method, arguments)
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
            problems = view_problems(arguments.get("view") or {})
            if problems:
                return {
                    "ok": False,
                    "error": "invalid_arguments",
                    "response_metadata": {"messages": problems},
                }
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
        elif method == "users.info":
            body.update(user=self._user(arguments))
        elif method == "files.getUploadURLExternal":
            return self._upload_url(arguments)
        elif method == "files.completeUploadExternal":
            return self._complete_upload(arguments)
        return body

    def _upload_url(self, arguments: dict) -> dict:
        """A file id and the URL its bytes go to; a filename and a length are required
        (Slack answers `missing_argument` without them, or for a length of 0)."""
        filename = str(arguments.get("filename") or "")
        length = str(arguments.get("length") or "")
        if not filename or not length.isdigit() or int(length) == 0:
            return {"ok": False, "error": "missing_argument"}
        file_id = f"F{next(self._ts):08d}"
        with self.lock:
            self.uploads[file_id] = Upload(file_id, filename, int(length))
        base = self.url.removesuffix("/api/")
        return {"ok": True, "file_id": file_id, "upload_url": f"{base}{UPLOAD_PATH}{file_id}"}

    def _upload(self, file_id: str, content: bytes) -> tuple[int, bytes]:
        """The upload URL: takes the bytes of a file it handed out, once."""
        with self.lock:
            upload = self.uploads.get(file_id)
            if upload is None or upload.content is not None or not content:
                return 404, b"not found"
            upload.content = content
        return 200, f"OK - {len(content)}".encode()

    def _complete_upload(self, arguments: dict) -> dict:
        """Shares uploaded files in `channel_id` (a thread with `thread_ts`), or in
        `channels`; a file whose bytes never arrived is `file_not_found`."""
        files = arguments.get("files")
        if not isinstance(files, list) or not files:
            return {"ok": False, "error": "invalid_arguments"}
        channel = arguments.get("channel_id") or str(arguments.get("channels") or "")
        shared = []
        with self.lock:
            for item in files:
                upload = self.uploads.get(str(item.get("id")))
                if upload is None or upload.content is None:
                    return {"ok": False, "error": "file_not_found"}
                upload.title = item.get("title") or upload.filename
                upload.channel = channel or None
                upload.thread_ts = arguments.get("thread_ts")
                upload.initial_comment = arguments.get("initial_comment")
                shared.append(
                    {"id": upload.file_id, "name": upload.filename, "title": upload.title,
                     "size": len(upload.content)}
                )  # fmt: skip
        return {"ok": True, "files": shared}

    def _user(self, arguments: dict) -> dict:
        """A user as users.info describes them; the locale only when asked for, as Slack
        gives it (include_locale, sent as "1" or "true")."""
        user_id = str(arguments.get("user", ""))
        user = {"id": user_id, "team_id": "T0001", "name": user_id.lower(), "is_bot": False}
        if str(arguments.get("include_locale", "")).lower() in ("1", "true"):
            with self.lock:
                user["locale"] = self.locales.get(user_id, "en-US")
        return user

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

    def shared_files(self) -> list[Upload]:
        """The files shared somewhere (their upload completed), in the order uploaded."""
        with self.lock:
            return [u for u in self.uploads.values() if u.content is not None and u.channel]

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
