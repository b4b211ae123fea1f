"""The shared app's test support behaves as the services it stands for: HTTP/1.1, connections kept alive."""

from __future__ import annotations

import http.client
import json
from urllib.parse import urlparse

from shared_app.testing import serve_upstream


def test_the_upstream_stub_keeps_a_connection_alive_across_requests():
    with serve_upstream() as url:
        connection = http.client.HTTPConnection(urlparse(url).netloc, timeout=5)
        try:
            answers = []
            for email in ("ada@example.com", "bob@example.com"):  # one connection, two requests
                connection.request("GET", f"/profiles?email={email}")
                response = connection.getresponse()
                answers.append((response.version, response.status, json.loads(response.read())))
            first_socket = connection.sock
            connection.request("GET", "/activity?email=ops@outage.example")
            outage = connection.getresponse()
            outage.read()
            assert connection.sock is first_socket  # no reconnect: the server kept it open
        finally:
            connection.close()
    assert [(version, status) for version, status, _ in answers] == [(11, 200), (11, 200)]
    assert answers[1][2]["followers"] == len("bob@example.com")
    assert outage.status == 503  # the outage the activity route does not handle (scenario 29)
