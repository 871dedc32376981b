"""What only the Whoosh backend must get right: one index folder shared by threads and
processes, rebuilt by a swap that other processes notice, broken or missing without
breaking anything, and fast on queries that could run long. The shared behaviour suite
(test_backend_behaviour.py) says what a query finds."""

from __future__ import annotations

import fcntl
import glob
import multiprocessing
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import pytest

from forum.search import whoosh_backend
from forum.search.base import Document, Filters, IndexBusy, Parsed, Scope, parse_query
from forum.search.whoosh_backend import WhooshBackend

EVERYTHING = Scope(everything=True)
THREADS = 8
PER_THREAD = 6


def doc(id_: int, title: str = "", body: str = "", **fields) -> Document:
    values = {
        "type": "thread",
        "id": id_,
        "module_id": 1,
        "thread_id": id_,
        "cohort_id": None,
        "visibility": "everyone",
        "kind": "question",
        "answered": False,
        "author_id": 1,
        "created_at": datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        "title": title,
        "body": body,
    }
    values.update(fields)
    return Document(**values)


def find(backend: WhooshBackend, text: str, per_page: int = 20):
    return backend.search(parse_query(text), Filters(), EVERYTHING, 1, per_page)


def keys(results) -> set[str]:
    return {f"{h.type}:{h.id}" for h in results.hits}


@pytest.fixture
def folder(tmp_path) -> str:
    return str(tmp_path / "search-index")


@pytest.fixture
def index(folder) -> WhooshBackend:
    backend = WhooshBackend(folder)
    backend.reset()
    return backend


def apply_until_done(backend: WhooshBackend, docs: list[Document]) -> tuple[float, int]:
    """Apply each document as the outbox would: again after IndexBusy. Returns the
    longest single call and how many calls found the index busy."""
    slowest, busy = 0.0, 0
    for document in docs:
        while True:
            started = time.perf_counter()
            try:
                backend.apply([document], [])
            except IndexBusy:
                busy += 1
                time.sleep(0.01)
                continue
            finally:
                slowest = max(slowest, time.perf_counter() - started)
            break
    return slowest, busy


def write_from_threads(folder: str, process: int) -> tuple[float, int]:
    """One process of the concurrency test: THREADS threads, each its own documents."""
    backend = WhooshBackend(folder)
    outcomes: list[tuple[float, int]] = []

    def work(thread: int) -> None:
        first = (process * THREADS + thread) * PER_THREAD + 1
        docs = [doc(i, title=f"Shared question {i}") for i in range(first, first + PER_THREAD)]
        outcomes.append(apply_until_done(backend, docs))

    workers = [threading.Thread(target=work, args=(t,)) for t in range(THREADS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(outcomes) == THREADS
    return max(o[0] for o in outcomes), sum(o[1] for o in outcomes)


def test_writers_in_two_processes_and_many_threads_lose_nothing_and_never_wait_long(folder):
    # No index yet: both processes also race to create it.
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        pool.starmap(write_from_threads, [(folder, 0), (folder, 1)])
    expected = {f"thread:{i}" for i in range(1, 2 * THREADS * PER_THREAD + 1)}
    results = find(WhooshBackend(folder), "shared", per_page=len(expected) + 10)
    assert results.total == len(expected)
    assert keys(results) == expected


def test_a_writer_finding_the_index_locked_gives_up_at_once_with_index_busy(index, folder):
    # Whoosh's write lock is an flock on this file: held here as another process's
    # writer would hold it.
    fd = os.open(os.path.join(folder, whoosh_backend.WRITELOCK), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(IndexBusy):
            index.apply([doc(1, title="Waiting")], [])
    finally:
        os.close(fd)
    index.apply([doc(1, title="Waiting")], [])  # the outbox's retry
    assert keys(find(index, "waiting")) == {"thread:1"}


def test_searches_in_threads_while_writing_see_whole_documents(index):
    index.apply([doc(i, title=f"Badge access {i}") for i in range(1, 21)], [])
    errors: list[BaseException] = []
    totals: list[int] = []

    def search() -> None:
        try:
            for _ in range(15):
                results = find(index, "badge", per_page=50)
                assert len(keys(results)) == results.total  # no hit twice
                totals.append(results.total)
        except BaseException as exc:  # reported below, in the test's own thread
            errors.append(exc)

    readers = [threading.Thread(target=search) for _ in range(6)]
    for reader in readers:
        reader.start()
    apply_until_done(index, [doc(i, title=f"Badge access {i}") for i in range(21, 31)])
    for reader in readers:
        reader.join()
    assert not errors
    assert min(totals) >= 20 and max(totals) <= 30
    assert find(index, "badge", per_page=50).total == 30


def test_a_search_during_a_rebuild_answers_from_the_old_index(index, folder):
    index.apply([doc(1, title="Old handbook")], [])
    elsewhere = WhooshBackend(folder)  # another process's backend, with its own searcher
    assert keys(find(elsewhere, "handbook")) == {"thread:1"}
    during: list[set[str]] = []

    def documents():
        for i in range(2, 302):
            if i == 150:
                during.append(keys(find(index, "handbook")))
                during.append(keys(find(elsewhere, "handbook")))
                # A change indexed meanwhile reaches the new index too.
                elsewhere.apply([doc(999, title="Handbook written during the rebuild")], [])
            yield doc(i, title=f"New handbook {i}")

    index.rebuild(documents(), lambda n: None)
    assert during[0] == during[1] == {"thread:1"}
    after = find(elsewhere, "handbook", per_page=400)  # noticed without being recreated
    assert "thread:1" not in keys(after)
    assert after.total == 301 and "thread:999" in keys(after)
    assert glob.glob(folder + ".*-*") == []  # no folder left behind


def test_a_rebuild_reports_progress_as_it_goes(index):
    seen: list[int] = []
    index.rebuild((doc(i, title="Progress") for i in range(1, 251)), seen.append)
    assert seen == [100, 200, 250]


def test_a_corrupt_index_is_down_and_finds_nothing_without_raising(index, folder):
    index.apply([doc(1, title="Quarterly goals")], [])
    assert index.status() == "ok"
    (toc,) = glob.glob(os.path.join(folder, "*.toc"))
    with open(toc, "wb") as f:
        f.write(b"\x00garbage" * 20)
    assert index.status() == "down"
    fresh = WhooshBackend(folder)
    assert fresh.status() == "down"
    assert find(fresh, "quarterly").hits == [] and find(fresh, "quarterly").total == 0
    assert fresh.corrected(parse_query("quartrly")) is None


def test_a_corrupt_segment_is_down(index, folder):
    index.apply([doc(1, title="Quarterly goals")], [])
    for segment in glob.glob(os.path.join(folder, "*.seg")):
        with open(segment, "r+b") as f:
            f.write(b"\xff" * os.path.getsize(segment))
    fresh = WhooshBackend(folder)
    assert fresh.status() == "down"
    assert find(fresh, "quarterly").total == 0


@pytest.mark.parametrize("make", ["missing", "empty"])
def test_a_missing_index_is_down_and_finds_nothing_until_written(folder, make):
    if make == "empty":
        os.makedirs(folder)
    backend = WhooshBackend(folder)
    assert backend.status() == "down"
    assert find(backend, "anything").total == 0
    assert backend.corrected(parse_query("anythng")) is None
    backend.apply([doc(1, title="Anything at all")], [])  # creates the index
    assert backend.status() == "ok"
    assert keys(find(backend, "anything")) == {"thread:1"}


def test_a_broken_index_is_replaced_by_a_rebuild(index, folder):
    (toc,) = glob.glob(os.path.join(folder, "*.toc"))
    with open(toc, "wb") as f:
        f.write(b"garbage")
    index.rebuild([doc(1, title="Recovered")], lambda n: None)
    assert index.status() == "ok"
    assert keys(find(index, "recovered")) == {"thread:1"}


def test_a_prefix_of_thousands_of_words_reads_a_bounded_number_of_them(index, monkeypatch):
    words = [f"t{n:05d}x" for n in range(6000)]  # 6,000 distinct words starting with t
    index.rebuild((doc(i, body=" ".join(words[i * 20 : i * 20 + 20])) for i in range(300)),
                  lambda n: None)  # fmt: skip
    read: list[int] = []
    real = whoosh_backend._prefix_matcher
    monkeypatch.setattr(
        whoosh_backend,
        "_prefix_matcher",
        lambda searcher, words: read.append(len(words)) or real(searcher, words),
    )
    queries = [Parsed(prefixes=["t"]), Parsed(prefixes=["t0"]), parse_query("t00* t01* t02*")]
    for query in queries:
        read.clear()
        results = index.search(query, Filters(), EVERYTHING, 1, 20)
        assert 0 < sum(read) <= whoosh_backend.PREFIX_TERMS  # of the 6,000 words
        assert 0 < results.total <= 300


def test_the_searcher_is_kept_until_the_index_changes(index):
    index.apply([doc(1, title="Travel policy")], [])
    find(index, "travel")
    opened = index.searchers_opened
    for _ in range(5):
        assert keys(find(index, "travel")) == {"thread:1"}
    assert index.corrected(parse_query("travle")) == "travel"
    assert index.status() == "ok"
    assert index.searchers_opened == opened
    index.apply([doc(2, title="Travel receipts")], [])
    assert keys(find(index, "travel")) == {"thread:1", "thread:2"}
    assert index.searchers_opened == opened + 1


def test_merged_and_deleted_documents_never_come_back(index):
    # Whoosh merges small segments as they pile up; a refreshed reader of whoosh-reloaded
    # 2.7.5 would show merged segments twice and miss deletions in reused segments.
    for i in range(1, 31):
        index.apply([doc(i, title=f"Expense claim {i}")], [])
        find(index, "expense")
    index.apply([], [f"thread:{i}" for i in range(1, 11)])
    results = find(index, "expense", per_page=100)
    assert results.total == 20
    assert keys(results) == {f"thread:{i}" for i in range(11, 31)}


class _Sized:
    """Stands in for a Whoosh segment where only its document count matters."""

    def __init__(self, count: int):
        self.count = count

    def doc_count_all(self) -> int:
        return self.count


def _due(counts: list[int], busy: bool) -> list[list[int]]:
    segments = [_Sized(n) for n in counts]
    return [[s.count for s in group] for group in whoosh_backend._merges_due(segments, busy)]


def test_a_commit_of_changes_leaves_big_merges_for_a_quiet_moment():
    fanin, ceiling = whoosh_backend.MERGE_FANIN, whoosh_backend.MERGE_CEILING
    rebuilt = whoosh_backend.MERGE_MAX_DOCS + 1
    small, big = [3] * fanin, [80] * fanin  # 30 documents, 800 documents
    assert _due([rebuilt, *small], busy=True) == [small]  # cheap: merged at once
    assert _due([rebuilt, *big, *small], busy=True) == [small]
    assert _due([rebuilt, *big, *small], busy=False) == [small, big]  # smallest first
    assert _due([rebuilt, *[3] * (fanin - 1)], busy=False) == []  # a tier not yet full
    # Piled up under a long flood: the smallest ten are merged after all.
    piled = [90 - i for i in range(ceiling)]
    assert _due(piled, busy=True) == [sorted(piled)[:fanin]]
    assert _due(piled[:-1], busy=True) == []


def test_settle_merges_what_commits_of_changes_left_and_loses_nothing(index):
    fanin = whoosh_backend.MERGE_FANIN
    for batch in range(fanin):  # ten commits of 30: a tier of 300 documents
        first = batch * 30 + 1
        index.apply([doc(i, title=f"Payroll question {i}") for i in range(first, first + 30)], [])
    assert index.segment_sizes() == [30] * fanin  # left alone: posts would have waited
    index.apply([doc(7, title="Payroll question seven, edited")], ["thread:8"])
    assert find(index, "payroll").total == 299
    assert index.settle() is False  # one merge, and nothing more is due
    assert sorted(index.segment_sizes()) == [1, 298]  # the edit's old text and the deletion gone
    results = find(index, "payroll", per_page=400)
    assert results.total == 299 and "thread:8" not in keys(results)
    assert keys(find(index, "seven")) == {"thread:7"}
    assert index.settle() is False  # nothing left to merge: no new commit
    assert sorted(index.segment_sizes()) == [1, 298]


def test_settle_merges_one_group_a_step_smallest_first(index):
    fanin = whoosh_backend.MERGE_FANIN
    for batch in range(fanin):  # a tier of ten 30-document segments, left by busy commits
        first = 1000 + batch * 30
        index.apply([doc(i, title=f"Onboarding {i}") for i in range(first, first + 30)], [])
    for i in range(1, fanin + 1):  # ten 1-document segments: merged by the next commit
        index.apply([doc(i, title=f"Onboarding small {i}")], [])
    assert sorted(index.segment_sizes()) == [1] * fanin + [30] * fanin
    assert index.settle() is True  # the smallest merged; more is due
    assert sorted(index.segment_sizes()) == [10] + [30] * fanin
    assert index.settle() is False  # the ten-document segment joined its tier of 30s
    assert index.segment_sizes() == [310]
    assert find(index, "onboarding", per_page=1).total == 310


def test_settle_without_an_index_does_nothing(folder):
    backend = WhooshBackend(folder)
    backend.settle()
    assert not os.path.exists(folder)


def test_a_batch_keeps_the_last_upsert_of_a_key_and_its_deletes_win(index):
    index.apply([doc(1, title="Draft one"), doc(1, title="Draft two"), doc(2, title="Draft")],
                ["thread:2"])  # fmt: skip
    assert keys(find(index, "draft")) == {"thread:1"}
    assert keys(find(index, "two")) == {"thread:1"}
    assert find(index, "one").total == 0


def test_a_deletion_in_a_segment_already_open_is_seen(index):
    index.rebuild((doc(i, title=f"Parking rules {i}") for i in range(1, 51)), lambda n: None)
    assert find(index, "parking", per_page=100).total == 50  # its one segment is open
    index.apply([], ["thread:7"])
    index.apply([doc(8, title="Bicycle rules")], [])
    results = find(index, "parking", per_page=100)
    assert results.total == 48
    assert "thread:7" not in keys(results) and "thread:8" not in keys(results)


def test_a_snippet_shows_a_match_deep_in_a_long_lesson(index):
    filler = "Steady reading about nothing in particular. " * 1000  # 44,000 characters
    body = "A possum appears early. " + filler + "Then the possibility of <b>failure</b>. " + filler
    index.apply([doc(1, title="Long lesson", body=body, type="module", kind="")], [])
    (hit,) = find(index, "possibility").hits
    assert "<mark>possibility</mark> of &lt;b&gt;failure&lt;/b&gt;" in hit.snippet
    assert hit.snippet.startswith("… ") and hit.snippet.endswith(" …")
    assert 150 <= len(hit.snippet) <= 400


def test_a_snippet_marks_a_phrase_as_one_and_centres_the_best_run(index):
    filler = "Nothing to see in this sentence at all. " * 20
    body = "Review the code of conduct. " + filler + "Ask for a code review before merging."
    index.apply([doc(1, body=body)], [])
    (hit,) = find(index, '"code review"').hits
    assert "Ask for a <mark>code review</mark> before merging." in hit.snippet
    assert hit.snippet.startswith("… ") and 150 <= len(hit.snippet) <= 300


# The writer "process": each app process's changes committed by a helper process --------


def helper_pids(backend: WhooshBackend) -> list[int]:
    return list(backend._helper._processes) if backend._helper else []


def test_the_process_writer_commits_in_a_helper_process(folder, monkeypatch):
    backend = WhooshBackend(folder, writer="process")
    try:
        backend.apply([doc(1, body="Quarterly budget review"), doc(2, body="budget")], [])
        assert keys(find(backend, "budget")) == {"thread:1", "thread:2"}
        backend.apply([doc(1, body="Quarterly planning")], ["thread:2"])
        assert keys(find(backend, "budget")) == set()
        assert keys(find(backend, "planning")) == {"thread:1"}
        pids = helper_pids(backend)
        assert len(pids) == 1 and pids[0] != os.getpid()
        assert backend.writable()

        def not_here(*args):
            raise AssertionError("written in the app process")

        monkeypatch.setattr(backend, "_apply_here", not_here)
        for batch in range(whoosh_backend.MERGE_FANIN):  # merges put off: 40 documents each
            backend.apply(
                [doc(i, body="Leave policy") for i in range(batch * 40 + 10, batch * 40 + 50)], []
            )
        assert len(backend.segment_sizes()) > whoosh_backend.MERGE_FANIN
        backend.settle()  # merged by the helper too
        assert len(backend.segment_sizes()) < whoosh_backend.MERGE_FANIN
        assert find(backend, "leave policy", per_page=1).total == 400
    finally:
        backend.close()
    assert helper_pids(backend) == []


def test_a_helper_that_dies_loses_nothing_and_another_is_started_later(folder, monkeypatch):
    backend = WhooshBackend(folder, writer="process")
    try:
        backend.apply([doc(1, body="first")], [])
        (pid,) = helper_pids(backend)
        os.kill(pid, 9)
        for i in range(2, 12):  # the pool notices the death at one of these
            backend.apply([doc(i, body="later")], [])
            time.sleep(0.05)
        assert helper_pids(backend) == []  # written in this process meanwhile
        assert len(find(backend, "later").hits) == 10
        monkeypatch.setattr(backend, "_helper_retry_at", 0.0)  # the minute has passed
        backend.apply([doc(20, body="again")], [])
        assert helper_pids(backend) not in ([], [pid])
        assert keys(find(backend, "first again")) == {"thread:1", "thread:20"}
    finally:
        backend.close()


HELPER_OWNER = """
import os, sys
from datetime import UTC, datetime
from forum.search.base import Document
from forum.search.whoosh_backend import WhooshBackend

if __name__ == "__main__":
    backend = WhooshBackend(sys.argv[1], writer="process")
    backend.apply([Document(type="thread", id=1, module_id=1, thread_id=1, cohort_id=None,
                            visibility="everyone", kind="question", answered=False,
                            author_id=1, created_at=datetime.now(UTC), title="t", body="b")], [])
    print(*backend._helper._processes, flush=True)
    os.kill(os.getpid(), 9)  # no exit handler runs
"""


def test_a_helper_ends_with_its_app_process_however_that_ends(folder, tmp_path):
    script = tmp_path / "owner.py"
    script.write_text(HELPER_OWNER)
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "PYTHONPATH": root}
    done = subprocess.run(
        [sys.executable, str(script), folder], capture_output=True, text=True, env=env, timeout=60
    )
    (helper,) = (int(p) for p in done.stdout.split())
    for _ in range(100):
        if not os.path.exists(f"/proc/{helper}") or "Z" in _state(helper):
            break
        time.sleep(0.05)
    else:
        os.kill(helper, 9)
        pytest.fail("the helper outlived its app process")


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_an_unknown_writer_is_refused(folder):
    with pytest.raises(ValueError, match="FORUM_SEARCH_WRITER"):
        WhooshBackend(folder, writer="fork")


@pytest.mark.parametrize("setting", ["SEARCH_WRITER", "SEARCH_BACKEND"])
def test_an_app_with_an_unknown_search_setting_does_not_start(setting, tmp_path):
    from forum import create_app

    config = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/f.db", setting: "fork"}
    with pytest.raises(ValueError, match=f"FORUM_{setting} must be one of"):
        create_app(config)


def test_the_threads_of_one_process_take_the_writing_turn_in_turn(tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_backend, "TURN_WAIT", 0.05)
    backend = WhooshBackend(str(tmp_path / "index"))
    held, done = threading.Event(), threading.Event()

    def hold() -> None:
        with backend.writing_turn():
            held.set()
            done.wait(5)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert held.wait(5)
        with pytest.raises(IndexBusy), backend.writing_turn():
            pass
    finally:
        done.set()
        holder.join(5)
    with backend.writing_turn():
        pass
