"""A body over 1 MiB is 413 whether it declares its length or comes in chunks (issue 7.7)."""

from __future__ import annotations

import http.client
import io
import json
import threading

import pytest
from werkzeug.serving import make_server

from tests.api.helpers import expect_error

BIG = b'{"title": "t", "body": "' + b"a" * (1024 * 1024) + b'"}'
SMALL = json.dumps({"email": "nobody@example.com", "password": "wrong password"}).encode()


def _chunked(client, path: str, body: bytes, **headers):
    return client.post(
        path,
        input_stream=io.BytesIO(body),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked", **headers},
        environ_overrides={"wsgi.input_terminated": True},
    )


@pytest.mark.parametrize("path", ["/api/v1/auth/token", "/api/v1/modules"])
def test_a_long_chunked_body_is_413(app, api, admin, path):
    client = api(admin)
    r = _chunked(client.client, path, BIG, **client.headers)
    assert expect_error(r, 413)["code"] == "too_large"


def test_a_long_chunked_form_is_413(client):
    r = client.post(
        "/login",
        input_stream=io.BytesIO(b"email=" + b"a" * (1024 * 1024 + 10)),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Transfer-Encoding": "chunked",
        },
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert r.status_code == 413


def test_a_short_chunked_body_is_read_whole(client, member):
    body = json.dumps({"email": member.email, "password": "correct horse battery"}).encode()
    r = _chunked(client, "/api/v1/auth/token", body)
    assert r.status_code == 200 and r.get_json()["user"]["id"] == member.id


def test_a_real_server_answers_413_to_a_long_chunked_body(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        answers = {}
        for name, body in (("big", BIG), ("small", SMALL)):
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            pieces = (body[i : i + 65536] for i in range(0, len(body), 65536))
            conn.request(
                "POST",
                "/api/v1/auth/token",
                body=pieces,
                headers={"Content-Type": "application/json"},
                encode_chunked=True,
            )
            answers[name] = conn.getresponse().status
            conn.close()
    finally:
        server.shutdown()
        thread.join(5)
    assert answers == {"big": 413, "small": 401}
