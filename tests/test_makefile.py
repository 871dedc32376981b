"""`make run` points links (invitations, mail) at the port it serves on (issue 7.7)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run_make(tmp_path: Path, **env: str) -> str:
    """`make run` with a stand-in flask that prints what it was given."""
    venv = tmp_path / "venv"
    fake = venv / "bin"
    fake.mkdir(parents=True)
    for name in ("python", "flask"):
        script = fake / name
        script.write_text('#!/bin/sh\necho "$(basename "$0") $* base=$FORUM_BASE_URL"\n')
        script.chmod(0o755)
    (venv / ".installed").touch()
    os.utime(venv / ".installed", (2**31, 2**31))  # newer than pyproject.toml
    clean = {k: v for k, v in os.environ.items() if k != "FORUM_BASE_URL"}
    done = subprocess.run(
        ["make", "-s", "run", f"VENV={venv}", "PORT=8123"],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_make_run_sets_the_base_url_from_the_port(tmp_path):
    out = _run_make(tmp_path)
    assert "flask run --host 127.0.0.1 --port 8123 base=http://127.0.0.1:8123" in out


def test_a_base_url_set_by_the_operator_wins(tmp_path):
    out = _run_make(tmp_path, FORUM_BASE_URL="https://learn.example.com")
    assert "base=https://learn.example.com" in out and "8123 base=http://" not in out
