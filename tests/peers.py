"""Real peers on loopback for tests and benchmarks: an SMTP sink (aiosmtpd) and an HTTP receiver."""

import email
import json
import socket
import threading
import time
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """Collects every message the server accepted. `hold` makes it wait (before answering 250) while set."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.received = threading.Event()
        self.hold = threading.Event()
        self.release = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        self.received.set()
        if self.hold.is_set():
            # The data is in; the client waits for our answer. A test kills the client meanwhile.
            while not self.release.is_set():
                await _sleep(0.05)
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(self.messages) >= count, f"expected {count} messages, got {len(self.messages)}"


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def start_smtp_sink() -> tuple[Controller, SmtpSink]:
    sink = SmtpSink()
    sink.port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    return controller, sink


class HttpReceiver:
    """Records each POST (headers, raw body) and answers with the next scripted status (then 200)."""

    def __init__(self, statuses: list[int] | None = None):
        self.statuses = list(statuses or [])
        self.requests: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                receiver.requests.append({"headers": dict(self.headers), "body": body, "path": self.path})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps({"ok": status < 300}).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
