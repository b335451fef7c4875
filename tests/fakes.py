"""Fake SMS providers: HTTP servers on loopback that record what they get."""

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FakeProvider:
    """An HTTP server that records each POST and answers as told.

    ``status`` and ``body`` are the answer; ``delays`` is a list of
    seconds to wait before answering, one per request in order (then no
    wait), to play a provider that answers after the client gave up.
    """

    def __init__(self, body=None, status=200):
        self.status = status
        self.body = body if body is not None else {"code": 0}
        self.delays: list[float] = []
        self.requests: list[dict] = []
        self.received = threading.Condition()
        self._stopping = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode("utf-8")
                with fake.received:
                    fake.requests.append(
                        {"headers": dict(self.headers), "body": raw}
                    )
                    delay = fake.delays.pop(0) if fake.delays else 0
                    fake.received.notify_all()
                if delay:
                    fake._stopping.wait(delay)
                payload = json.dumps(fake.body).encode("utf-8")
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    # the client stopped waiting: that is the point
                    pass

            def log_message(self, format, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        self._thread = threading.Thread(
            target=self.server.serve_forever, args=(0.05,), daemon=True
        )

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stopping.set()
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)

    def json_bodies(self) -> list[dict]:
        return [json.loads(r["body"]) for r in self.requests]

    def form_bodies(self) -> list[dict]:
        return [dict(urllib.parse.parse_qsl(r["body"])) for r in self.requests]

    def wait_for(self, count: int, timeout: float) -> bool:
        """Wait until ``count`` requests have arrived; return whether."""
        with self.received:
            return self.received.wait_for(
                lambda: len(self.requests) >= count, timeout
            )
