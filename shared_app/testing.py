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
    # HTTP/1.1 with keep-alive, as real services speak: a client's pooled connection is reused, so a pool
    # bug shows here as it would against production (HTTP/1.0 would close every connection after a reply).
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (stdlib naming)
        url = urlparse(self.path)
        email = parse_qs(url.query).get("email", [""])[0]
        if url.path == "/profiles":
            self._json(200, {"avatar_url": f"https://avatars.example/{email}.png", "followers": len(email)})
        elif url.path == "/activity":
            # The activity service has an outage for one domain: what a route that skips error handling meets.
            if email.endswith("@outage.example"):
                self._json(503, {"detail": "activity service unavailable"})
            else:
                self._json(200, {"email": email, "events": []})
        else:
            self._json(404, {"detail": "not found"})

    def _json(self, status: int, data: object) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
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
