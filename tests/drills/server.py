"""The app served by a process of its own, which a drill can kill and start again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SERVE = """
import sys
from werkzeug.serving import make_server
from forum import create_app
server = make_server("127.0.0.1", int(sys.argv[1]), create_app(), threaded=True)
print(server.server_port, flush=True)
server.serve_forever()
"""


class ServerProcess:
    """``flask run`` in all but name: the threaded development server, its background
    worker thread included, on a port that stays the same across restarts."""

    def __init__(self, env: dict[str, str]):
        self.env = {**os.environ, "PYTHONPATH": str(REPO), **env}
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-c", SERVE, str(self.port)],
            env=self.env,
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        line = self.process.stdout.readline()
        assert line.strip().isdigit(), f"the server did not start: {line!r}"
        self.port = int(line)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


def call(
    url: str, method: str = "GET", body: dict | None = None, token: str | None = None
) -> tuple[int, dict]:
    """One JSON request; connection failures raise OSError (or http.client's errors)."""
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")
