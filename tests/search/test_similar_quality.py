"""How well "similar answered questions" finds the earlier thread a new hire means.

``similar_questions.toml`` is a labelled set, frozen before any tuning: each question as
first asked (title, opening post, accepted answer) and a paraphrase another new hire might
type instead. Every thread is made through the services and indexed through the outbox;
then each paraphrase is typed in its module, and the right thread must be in the top 3 for
at least ``TARGET`` of them, on each backend. A plain keyword baseline (whole words, no
stemming, no synonyms) is measured beside it; both figures go in docs/BENCHMARKS.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from forum.background import run_pending
from forum.services import limits, posts, search, threads
from tests.factories import make_module, make_user

SET = Path(__file__).with_name("similar_questions.toml")
TARGET = 0.80
TOP = 3
MIN_QUESTIONS = 40

# English stop words (NLTK's list, with the contractions a question is typed with).
_STOP_WORDS = """
    a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do
    does doesn't doing don't down during each few for from further had hadn't has hasn't
    have haven't having he her here hers herself him himself his how i i'd i'll i'm i've if
    in into is isn't it it's its itself just let's me more most mustn't my myself no nor not
    now of off on once only or other our ours ourselves out over own same she should
    shouldn't so some such than that that's the their theirs them themselves then there
    there's these they they'd they'll they're they've this those through to too under until
    up very was wasn't we we'd we'll we're we've were weren't what what's when where where's
    which while who who's whom why will with won't would wouldn't you you'd you'll you're
    you've your yours yourself yourselves
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def content_words(text: str) -> set[str]:
    """Lower-case words, as written (no stemming), less the stop words."""
    return {w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS}


@dataclass(frozen=True)
class Question:
    module: str
    title: str
    body: str
    answer: str
    paraphrase: str


def load() -> tuple[dict[str, str], list[Question]]:
    data = tomllib.loads(SET.read_text(encoding="utf-8"))
    return data["modules"], [Question(**q) for q in data["questions"]]


def shared_share(q: Question) -> float:
    title = content_words(q.title)
    return len(title & content_words(q.paraphrase)) / len(title)


def test_the_set_is_large_and_its_paraphrases_are_real_paraphrases():
    modules, questions = load()
    assert len(questions) >= MIN_QUESTIONS
    assert {q.module for q in questions} <= set(modules)
    assert all(q.title and q.body and q.answer and q.paraphrase for q in questions)
    assert len({q.title for q in questions}) == len(questions), "titles must be unique"
    offending = [
        f"{shared_share(q):.0%} shared: {q.title!r} / {q.paraphrase!r} "
        f"({sorted(content_words(q.title) & content_words(q.paraphrase))})"
        for q in questions
        if shared_share(q) > 0.5
    ]
    assert not offending, "paraphrases sharing more than half of the title's content words:\n" + (
        "\n".join(offending)
    )


def keyword_top(paraphrase: str, texts: dict[int, str]) -> list[int]:
    """The baseline: threads ranked by how many of the paraphrase's content words their
    title and opening post contain as whole words; ties by thread id. A thread with none
    of them is not found at all (a keyword search returns nothing for it)."""
    wanted = content_words(paraphrase)
    counts = {tid: len(wanted & set(_WORD.findall(text.lower()))) for tid, text in texts.items()}
    ranked = sorted((tid for tid, n in counts.items() if n), key=lambda t: (-counts[t], t))
    return ranked[:TOP]


def index_now() -> None:
    while sum(run_pending()):
        pass


def test_similar_finds_the_earlier_question_in_the_top_3(app, backend):
    module_titles, questions = load()
    manager = make_user(role="manager", name="Max Manager")
    asker = make_user(name="Ann Asker")
    answerer = make_user(name="Sam Senior")
    reader = make_user(name="Nia Newhire")
    module_ids = {
        key: make_module(actor=manager, title=title, body=f"Lessons on {title.lower()}.").id
        for key, title in module_titles.items()
    }
    thread_ids: list[int] = []
    with limits.suspended():  # a set of questions loaded at once, not people posting
        for q in questions:
            thread = threads.create_thread(asker, module_ids[q.module], title=q.title, body=q.body)
            reply = posts.reply(answerer, thread.id, body=q.answer)
            threads.accept(asker, thread.id, reply.id)
            thread_ids.append(thread.id)
    index_now()

    texts = {tid: f"{q.title}\n{q.body}" for tid, q in zip(thread_ids, questions, strict=True)}
    titles = dict(zip(thread_ids, (q.title for q in questions), strict=True))
    hits = baseline = 0
    misses: list[str] = []
    for tid, q in zip(thread_ids, questions, strict=True):
        found = [h.id for h in search.similar(reader, module_ids[q.module], q.paraphrase)]
        if tid in found[:TOP]:
            hits += 1
        else:
            top = "; ".join(repr(titles.get(i, i)) for i in found[:TOP]) or "nothing"
            misses.append(f"  {q.paraphrase!r}\n    wanted {q.title!r}\n    got {top}")
        baseline += tid in keyword_top(q.paraphrase, texts)

    n = len(questions)
    summary = (
        f"similar questions: top-{TOP} hit rate {hits}/{n} = {hits / n:.0%} "
        f"(backend {backend.name}); keyword baseline: {baseline}/{n} = {baseline / n:.0%}"
    )
    print(f"\n{summary}")
    if misses:
        print("missed:\n" + "\n".join(misses))
    assert hits / n >= TARGET, summary + "\nmissed:\n" + "\n".join(misses)
