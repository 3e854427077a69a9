"""A real HTTP server on 127.0.0.1 that records what it is sent: the webhook tests' training job."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORTS = range(8180, 8190)


@dataclass
class Received:
    method: str
    path: str
    headers: dict
    body: bytes


@dataclass
class Receiver:
    """Answers ``status`` with ``body`` (after ``delay`` seconds, with ``headers``) and keeps every request."""

    status: int = 200
    body: bytes = b"ok"
    delay: float = 0.0
    headers: dict = field(default_factory=dict)
    requests: list = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def port(self):
        return self.server.server_address[1]

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"


def start(receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            receiver.requests.append(
                Received("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length))
            )
            time.sleep(receiver.delay)
            self.send_response(receiver.status)
            for name, value in receiver.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(receiver.body)))
            self.end_headers()
            try:
                self.wfile.write(receiver.body)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *args):
            pass

    last_error = None
    for port in PORTS:
        try:
            receiver.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            break
        except OSError as error:
            last_error = error
    else:
        raise last_error
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, daemon=True).start()
    return receiver


def stop(receiver):
    receiver.server.shutdown()
    receiver.server.server_close()
