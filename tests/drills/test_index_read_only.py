"""Drill (d): the search index's folder becomes read-only. Posting goes on, health says
search is down, and once the folder can be written again the queued changes reach it."""

from __future__ import annotations

import contextlib
import errno
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from whoosh.filedb.filestore import FileStorage

from forum.background import run_pending
from forum.services import accounts, threads
from tests import factories
from tests.conftest import ApiClient, need


def _mount(*args: str) -> bool:
    try:
        return subprocess.run(["mount", *args], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@contextlib.contextmanager
def mounted_read_only(folder: Path) -> Iterator[None]:
    """The folder bound onto itself read-only: refused to root too, unlike file modes."""
    path = str(folder)
    need(_mount("--bind", path, path), "a read-only mount needs root (mount --bind)")
    try:
        assert _mount("-o", "remount,bind,ro", path, path), "could not remount read-only"
        yield
    finally:
        subprocess.run(["umount", path], check=True, timeout=10)


@contextlib.contextmanager
def failing_writes(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every file Whoosh makes in the folder fails as on a read-only disk, including the
    ones a writer makes while it sets up, after taking the index's lock."""
    original = FileStorage.create_file

    def refuse(storage, name, *args, **kwargs):
        if Path(storage.folder) == folder:
            raise OSError(errno.EROFS, "Read-only file system", name)
        return original(storage, name, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(FileStorage, "create_file", refuse)
        yield


def _drain() -> tuple[int, int]:
    done = failed = 0
    while True:
        d, f = run_pending()
        done, failed = done + d, failed + f
        if d + f == 0 or f:
            return done, failed


def _search(api: ApiClient, words: str) -> list[tuple[str, int]]:
    r = api.get("/search", query_string={"q": words})
    assert r.status_code == 200
    return [(hit["type"], hit["id"]) for hit in r.get_json()["items"]]


@pytest.mark.parametrize("fault", ["read-only mount", "write errors"])
def test_a_read_only_index_folder_stops_neither_posting_nor_search_and_health_tells(
    instance, monkeypatch, fault
):
    folder = Path(instance.config["SEARCH_INDEX_DIR"])
    person = factories.make_user(name="Ines Index")
    module = factories.make_module(title="Storage")
    thread = threads.create_thread(person, module.id, title="Disk quotas", body="How big?")
    api = ApiClient(instance.test_client(), accounts.issue_token(person).token)
    _drain()
    assert api.get("/health").get_json()["search"] == "ok"

    broken = (
        mounted_read_only(folder)
        if fault == "read-only mount"
        else failing_writes(folder, monkeypatch)
    )
    with broken:
        r = api.post(f"/threads/{thread.id}/posts", json={"body": "Quota raised to 50 GB"})
        assert r.status_code == 201, r.get_data(as_text=True)
        reply = r.get_json()["id"]
        assert _drain()[1] >= 1  # the index write failed, and is kept for later
        health = api.get("/health")
        assert health.status_code == 200
        assert health.get_json() | {"message_queue": None} == {
            "status": "degraded",
            "database": "ok",
            "search": "down",
            "message_queue": None,
        }
        assert ("thread", thread.id) in _search(api, "quotas")  # what it holds is found
        assert api.get(f"/threads/{thread.id}").status_code == 200

    deadline = time.monotonic() + 40
    while ("post", reply) not in _search(api, "raised") and time.monotonic() < deadline:
        time.sleep(0.5)
        _drain()
    assert ("post", reply) in _search(api, "raised")
    assert api.get("/health").get_json()["search"] == "ok"
