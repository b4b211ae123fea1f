"""Test support a real project would ship beside its app: a stub of the upstream profile service.

It serves plain HTTP on 127.0.0.1 from a thread, so it belongs to no event loop and cannot itself cause the
loop errors the scenarios are about.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class _ProfileHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        url = urlparse(self.path)
        if url.path != "/profiles":
            self.send_error(404)
            return
        email = parse_qs(url.query).get("email", [""])[0]
        body = json.dumps(
            {"avatar_url": f"https://avatars.example/{email}.png", "followers": len(email)}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # keep the test output about the tests


@contextmanager
def serve_upstream() -> Iterator[str]:
    """Serve the stub profile service on a free loopback port; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ProfileHandler)
    # A short poll interval: `shutdown()` waits up to one interval, once per test session.
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
