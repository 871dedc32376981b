"""Words people use for the same thing at work, so that a question typed in other words
still finds the answer given before. Small on purpose: each line is a group of words that
stand for one another in a question."""

from __future__ import annotations

import itertools
import re

GROUPS: tuple[tuple[str, ...], ...] = (
    ("password", "passphrase", "credentials", "login"),
    ("laptop", "computer", "machine", "notebook"),
    ("leave", "vacation", "holiday", "pto", "time off"),
    ("manager", "lead", "boss", "supervisor"),
    ("deploy", "release", "ship", "rollout"),
    ("bug", "defect", "issue", "problem"),
    ("ticket", "issue", "request"),
    ("customer", "client"),
    ("refund", "reimburse", "money back"),
    ("expense", "receipt", "reimbursement"),
    ("phishing", "scam", "suspicious email", "dodgy", "fake"),
    ("access", "permission", "rights"),
    ("meeting", "call", "sync"),
    ("review", "feedback", "critique"),
    ("error", "failure", "crash"),
    ("test", "check", "spec"),
    ("onboarding", "first week", "new hire", "new joiner", "new starter", "newcomer", "buddy"),
    ("vpn", "remote access", "globalprotect"),
    ("sick", "ill", "unwell", "sick day", "call in sick"),
    ("salary", "pay", "payday", "wages", "paycheck", "payroll"),
    ("reply", "respond", "response", "answer"),
    ("fast", "quickly", "quick", "soon"),
    ("wifi", "wi fi", "wireless"),
    ("email", "message", "mail"),
    ("mfa", "2fa", "two factor", "authenticator"),
    ("on call", "pager", "incident"),
)
_WORD = re.compile(r"[\w']+")


def _index() -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {}
    for group in GROUPS:
        for word in group:
            found[word] = tuple(dict.fromkeys((*found.get(word, ()), *group)))
    return found


SYNONYMS = _index()


# Words that say nothing about what a question is about; in a short question they would
# outweigh the one word that does ("a new phone" is not about new hires).
GENERIC = frozenset(
    [
        "new",
        "get",
        "got",
        "need",
        "needs",
        "help",
        "someone",
        "somebody",
        "way",
        "know",
        "tell",
        "thing",
        "things",
        "anyone",
        "please",
        "does",
        "do",
        "can",
        "could",
        "would",
        "should",
        "want",
        "wanted",
    ]
)


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _synonyms(gram: str) -> tuple[str, ...]:
    return SYNONYMS.get(gram) or SYNONYMS.get(" ".join(_singular(w) for w in gram.split()), ())


def with_synonyms(text: str) -> str:
    """``text`` without generic words, followed by the synonyms of its words and two-word
    phrases (plurals found by their singular)."""
    words = [w.lower() for w in _WORD.findall(text)]
    grams = words + [f"{a} {b}" for a, b in itertools.pairwise(words)]
    extra = [s for g in grams for s in _synonyms(g) if s not in words]
    kept = [w for w in words if w not in GENERIC]
    return " ".join(dict.fromkeys([*kept, *extra]))
