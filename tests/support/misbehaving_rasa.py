"""A Rasa stand-in on a loopback port that answers its REST webhook the way a Rasa
server does when a part of it is down or dying: slowly, with an error, an empty list,
not a list, a stream cut short or with a line too long to be a reply; or ("echo") says
what it was sent. (A healthy Rasa is the real one, in the stack tests.)"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support.stack import free_port

BEHAVIOURS = (
    "echo",
    "empty",
    "error",
    "not_a_list",
    "not_json",
    "slow",
    "cut_stream",
    "silent_stream",
    "huge_line_stream",
)


class MisbehavingRasa:
    def __init__(self, behaviour: str, slow_seconds: float = 3.0, port: int | None = None) -> None:
        assert behaviour in BEHAVIOURS, behaviour
        self.behaviour = behaviour
        self.slow_seconds = slow_seconds
        self.port = port or free_port()
        self.requests: list[dict] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "MisbehavingRasa":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        rasa = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: object) -> None:
                pass

            def _send(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = json.loads(self.rfile.read(length))
                if self.path.startswith("/conversations/"):  # events appended (Rasa's API)
                    rasa.requests.append({"path": self.path, "events": request})
                    if rasa.behaviour == "error":
                        self._send(500, b'{"error": "no tracker store"}', "application/json")
                    else:
                        self._send(200, b"{}", "application/json")
                    return
                rasa.requests.append({"path": self.path, **request})
                sender = request.get("sender")
                reply = json.dumps({"recipient_id": sender, "text": "first"}).encode()
                behaviour = rasa.behaviour
                if behaviour == "echo":  # says what it was sent: who, and with what metadata
                    said = json.dumps({"sender": sender, "metadata": request.get("metadata")})
                    answer = json.dumps([{"recipient_id": sender, "text": said}]).encode()
                    self._send(200, answer, "application/json")
                elif behaviour == "slow":
                    time.sleep(rasa.slow_seconds)
                    self._send(200, b"[" + reply + b"]", "application/json")
                elif behaviour == "empty":
                    self._send(200, b"[]", "application/json")
                elif behaviour == "error":
                    self._send(500, b'{"error": "action server unreachable"}', "application/json")
                elif behaviour == "not_a_list":
                    self._send(200, b'{"status": "ok"}', "application/json")
                elif behaviour == "not_json":
                    self._send(200, b"<html>gateway</html>", "text/html")
                elif behaviour == "silent_stream":
                    self._send(200, b"", "text/event-stream")
                elif behaviour == "huge_line_stream":  # one reply, then 1 MB without a newline
                    self._send(200, reply + b"\n" + b"x" * 1_000_000 + b"\n", "text/event-stream")
                elif behaviour == "cut_stream":
                    # One reply, then the connection drops before the declared end.
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    self.wfile.write(reply + b"\n")
                    self.wfile.flush()
                    self.close_connection = True

        return Handler
