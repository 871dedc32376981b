"""One behaviour suite for every search backend: what a query finds, in which order, for
whom. Documents are made by hand here; documents.py and indexing.py have their own tests."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta

import pytest

from forum.search.base import Document, Filters, IndexBusy, Scope, parse_query

EVERYTHING = Scope(everything=True)
T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def doc(type_: str = "thread", id_: int = 1, **fields) -> Document:
    values = {
        "type": type_,
        "id": id_,
        "module_id": 1,
        "thread_id": id_ if type_ == "thread" else None,
        "cohort_id": None,
        "visibility": "everyone",
        "kind": "question" if type_ == "thread" else "",
        "answered": False,
        "author_id": 1,
        "created_at": T0 + timedelta(minutes=id_),
        "title": "",
        "body": "",
    }
    values.update(fields)
    return Document(**values)


def find(backend, text: str, scope: Scope = EVERYTHING, page: int = 1, per_page: int = 20,
         **filters):  # fmt: skip
    return backend.search(parse_query(text), Filters(**filters), scope, page, per_page)


def keys(results) -> list[str]:
    return [f"{h.type}:{h.id}" for h in results.hits]


def test_stemmed_words_find_their_forms(backend):
    backend.apply([doc(id_=1, title="Resetting a password", body="Use the reset link.")], [])
    assert keys(find(backend, "reset passwords")) == ["thread:1"]
    assert keys(find(backend, "resets")) == ["thread:1"]


def test_more_words_and_the_title_rank_first(backend):
    backend.apply(
        [
            doc(id_=1, title="Deploys on Friday", body="We ship small changes."),
            doc(id_=2, title="Weekly notes", body="A deploy happened, a rollback followed."),
            doc(id_=3, title="Rollback after a deploy", body="How to roll back safely."),
        ],
        [],
    )
    found = keys(find(backend, "deploy rollback"))
    assert found[0] == "thread:3"  # both words, one in the title
    assert set(found) == {"thread:1", "thread:2", "thread:3"}  # any word is enough


def test_a_word_in_the_title_ranks_above_the_same_word_in_the_body(backend):
    backend.apply(
        [
            doc(id_=1, title="Finance notes", body="Read the expense policy before you travel."),
            doc(id_=2, title="Expense policy", body="Receipts go to finance within a week."),
        ],
        [],
    )
    assert keys(find(backend, "expense")) == ["thread:2", "thread:1"]


def test_a_quoted_phrase_matches_as_a_phrase(backend):
    backend.apply(
        [
            doc(id_=1, body="Ask for a code review before merging."),
            doc(id_=2, body="Review the code of conduct."),
        ],
        [],
    )
    assert keys(find(backend, '"code review"')) == ["thread:1"]


def test_a_longer_phrase_needs_its_words_in_a_row(backend):
    backend.apply(
        [
            doc(id_=1, body="Run the release checklist review before Friday."),
            # every pair of the phrase is here, but never the three words in a row
            doc(id_=2, body="A release checklist is kept. The checklist review is weekly."),
            doc(id_=3, body="Review the checklist of the release."),
        ],
        [],
    )
    assert keys(find(backend, '"release checklist review"')) == ["thread:1"]
    # stop words inside a phrase are skipped on both sides, as in the index
    assert keys(find(backend, '"checklist of the release"')) == ["thread:3"]


def test_a_prefix_finds_longer_words(backend):
    backend.apply([doc(id_=1, body="The deployment pipeline runs nightly.")], [])
    assert keys(find(backend, "deploym*")) == ["thread:1"]
    assert keys(find(backend, "nigh*")) == ["thread:1"]


def test_filters_narrow_the_hits(backend):
    backend.apply(
        [
            doc(id_=1, module_id=1, title="Phishing answered", answered=True),
            doc(id_=2, module_id=2, title="Phishing elsewhere"),
            doc(id_=3, module_id=1, title="Phishing talk", kind="discussion"),
            doc("post", 4, thread_id=1, module_id=1, body="Phishing reply", answered=True),
            doc("faq", 5, module_id=1, title="Phishing FAQ", kind=""),
            doc(id_=6, module_id=1, title="Phishing in a cohort", cohort_id=7,
                visibility="cohort"),
        ],
        [],
    )  # fmt: skip
    assert set(keys(find(backend, "phishing", module_id=2))) == {"thread:2"}
    assert set(keys(find(backend, "phishing", cohort_id=7))) == {"thread:6"}
    assert set(keys(find(backend, "phishing", kind="discussion"))) == {"thread:3"}
    assert set(keys(find(backend, "phishing", answered=True))) == {"thread:1", "post:4"}
    assert set(keys(find(backend, "phishing", type="faq"))) == {"faq:5"}
    assert set(keys(find(backend, "phishing", type="post"))) == {"post:4"}


@pytest.mark.parametrize(
    "scope, visible",
    [
        (Scope(modules=frozenset({1})), {"thread:1"}),
        (Scope(modules=frozenset({1}), cohorts=frozenset({7})), {"thread:1", "thread:2"}),
        (Scope(modules=frozenset({1}), owned_modules=frozenset({1})), {"thread:1", "thread:2"}),
        (Scope(modules=frozenset({1, 2}), cohorts=frozenset({8})), {"thread:1", "thread:3"}),
        (Scope(modules=frozenset({2}), cohorts=frozenset({7})), {"thread:3"}),
        (Scope(), set()),
        (EVERYTHING, {"thread:1", "thread:2", "thread:3"}),
    ],
    ids=["outsider", "cohort-member", "module-owner", "other-cohort", "module-hidden", "none",
         "everything"],
)  # fmt: skip
def test_only_visible_documents_are_found_or_counted(backend, scope, visible):
    docs = [
        doc(id_=1, title="Expense policy"),
        doc(id_=2, title="Expense limits of our cohort", cohort_id=7, visibility="cohort"),
        doc(id_=3, module_id=2, title="Expense report module two"),
    ]
    backend.apply(docs, [])
    results = find(backend, "expense", scope)
    assert set(keys(results)) == visible
    assert results.total == len(visible)
    assert visible == {d.key for d in docs if scope.allows(d)}


def test_transcripts_are_found_by_who_could_join_and_module_0_is_no_module(backend):
    def transcript(id_, **fields):
        return doc("transcript", id_, thread_id=None, kind="", author_id=None, **fields)

    backend.apply(
        [
            transcript(5, module_id=0, title="Company office hour", body="Vault tokens"),
            transcript(6, module_id=1, cohort_id=7, visibility="cohort", body="Vault keys"),
            doc(id_=7, title="Vault question"),
        ],
        [],
    )
    reader = Scope(modules=frozenset({0, 1}))
    member = Scope(modules=frozenset({0, 1}), cohorts=frozenset({7}))
    assert set(keys(find(backend, "vault", reader))) == {"transcript:5", "thread:7"}
    assert set(keys(find(backend, "vault", member, type="transcript"))) == {
        "transcript:5",
        "transcript:6",
    }
    assert keys(find(backend, "vault", member, type="transcript", module_id=1)) == ["transcript:6"]
    assert keys(find(backend, "vault", Scope(modules=frozenset({1})))) == ["thread:7"]


def test_pages_split_the_hits_and_the_total_is_exact(backend):
    backend.apply([doc(id_=i, title=f"Onboarding question {i}") for i in range(1, 8)], [])
    first = find(backend, "onboarding", page=1, per_page=3)
    third = find(backend, "onboarding", page=3, per_page=3)
    assert first.total == third.total == 7
    assert len(first.hits) == 3 and len(third.hits) == 1
    pages = [keys(find(backend, "onboarding", page=p, per_page=3)) for p in (1, 2, 3)]
    assert len({k for page in pages for k in page}) == 7
    assert find(backend, "onboarding", page=9, per_page=3).hits == []


def test_an_edit_replaces_and_a_delete_removes(backend):
    backend.apply([doc(id_=1, body="Old text about invoices.")], [])
    backend.apply([doc(id_=1, body="New text about receipts.")], [])
    assert keys(find(backend, "invoices")) == []
    assert keys(find(backend, "receipts")) == ["thread:1"]
    backend.apply([], ["thread:1"])
    assert keys(find(backend, "receipts")) == []


def test_answered_questions_rank_above_unanswered_ones_alike(backend):
    backend.apply(
        [
            doc(id_=1, title="Laptop encryption", body="Is it required?"),
            doc(id_=2, title="Laptop encryption", body="Is it required?", answered=True),
        ],
        [],
    )
    assert keys(find(backend, "laptop encryption")) == ["thread:2", "thread:1"]


def test_snippets_mark_matches_and_escape_everything_else(backend):
    backend.apply([doc(id_=1, body="Never paste <script>alert(1)</script> tokens in chat.")], [])
    (hit,) = find(backend, "tokens").hits
    assert "<mark>tokens</mark>" in hit.snippet
    assert "<script>" not in hit.snippet and "&lt;script&gt;" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_a_misspelled_word_is_corrected_from_the_index(backend):
    backend.apply([doc(id_=1, title="Password manager", body="Store every password there.")], [])
    assert backend.corrected(parse_query("pasword managr")) == "password manager"
    assert backend.corrected(parse_query("password")) is None


@pytest.mark.parametrize(
    "text",
    ['"unbalanced', "AND", "-", "*", "~", "a*", "x" * 10_000, "\x00\x01\x1f", "the of and",
     "((()))", "title:secret", "\\", "'", "🙂", "NOT NOT NOT"],
)  # fmt: skip
def test_hostile_queries_give_hits_or_nothing_never_an_error(backend, text):
    backend.apply([doc(id_=1, title="Secret santa rules", body="the of and")], [])
    results = find(backend, text)
    assert results.total == len(results.hits) <= 1


def test_a_rebuild_replaces_the_whole_index(backend):
    backend.apply([doc(id_=1, title="Stale title")], [])
    seen = []
    backend.rebuild(iter([doc(id_=2, title="Fresh title"), doc(id_=3, title="Fresh too")]),
                    seen.append)  # fmt: skip
    assert keys(find(backend, "stale")) == []
    assert set(keys(find(backend, "fresh"))) == {"thread:2", "thread:3"}
    assert seen and seen[-1] == 2
    assert backend.status() == "ok"


def _another_process_s(backend):
    """The backend as another process of the same deployment makes it."""
    if backend.name == "whoosh":
        from forum.search.whoosh_backend import WhooshBackend

        return WhooshBackend(backend.index_dir)
    from forum.search.postgres_backend import PostgresBackend

    return PostgresBackend()


def test_one_worker_at_a_time_holds_the_writing_turn(backend, monkeypatch):
    monkeypatch.setattr(sys.modules[type(backend).__module__], "TURN_WAIT", 0.05)
    other = _another_process_s(backend)
    with backend.writing_turn(), pytest.raises(IndexBusy), other.writing_turn():
        pass
    with other.writing_turn():  # given back at the end, and taken again at once
        other.apply([doc(id_=1, title="Taken in turn")], [])
    assert keys(find(backend, "turn")) == ["thread:1"]
