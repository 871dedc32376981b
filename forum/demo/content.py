"""The demo's content, read from its data files: ``demo.toml`` and ``lessons/NN-key.md``.

No code names a person, lesson or conversation: adding one is adding data. Everything is
checked as it is read (unknown keys, wrong types, references to someone or something that
does not exist), so a slip in the data fails on import, naming the file and the place, rather
than halfway through seeding a database.
"""

from __future__ import annotations

import re
import tomllib
import types
from dataclasses import MISSING, dataclass, fields, is_dataclass
from datetime import timedelta
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin, get_type_hints

from forum.services.quizzes import score

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")
V = TypeVar("V")

KINDS = ("prompt", "question", "discussion")

# "01-welcome.md": the number orders the modules, the rest is the lesson's key.
LESSON_FILE = re.compile(r"(\d+)-([a-z0-9]+(?:-[a-z0-9]+)*)\.md")
FRONT_MATTER = "+++\n"


class DemoDataError(ValueError):
    """A demo data file that cannot be used; the message names the file and the place."""


# What the files hold ----------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    role: str  # site role
    label: str  # what the printed list of logins calls them


@dataclass(frozen=True)
class Lesson:
    key: str  # from the file name
    title: str
    summary: str
    owner: str  # a key of the people
    body: str  # the Markdown after the front matter, exactly as written
    video_url: str | None = None
    published: bool = True


@dataclass(frozen=True)
class CohortPlan:
    key: str
    name: str
    description: str
    facilitators: tuple[str, ...]
    learners: tuple[str, ...]
    # module key -> due date in days from now; a mix of past (overdue or done) and upcoming.
    due_in_days: dict[str, int]


@dataclass(frozen=True)
class Said:
    """One post of a demo conversation."""

    who: str  # a key of the people
    ago: timedelta  # how long before the demo's "now" it was written
    body: str
    to: int | None = None  # the index, in its conversation, of the post it answers
    anonymous: bool = False
    voters: tuple[str, ...] = ()  # keys of the people who voted it up


@dataclass(frozen=True)
class Conversation:
    module: str  # a key of the lessons
    kind: str  # "prompt" (the owner's pinned discussion), "question" or "discussion"
    title: str
    posts: tuple[Said, ...]  # the opening post, then the replies, oldest first
    cohort: str | None = None  # set: a thread of that cohort, visible to it only
    accepted: int | None = None  # the index of the reply the asker accepted
    faq: bool = False  # the module's owner promoted the accepted answer into its FAQ


@dataclass(frozen=True)
class CheckQuestion:
    prompt: str
    choices: tuple[str, ...]
    answer: int  # the index of the right choice


@dataclass(frozen=True)
class Check:
    """A module's knowledge check, written by the module's owner."""

    module: str  # a key of the lessons
    pass_mark: int
    questions: tuple[CheckQuestion, ...]


@dataclass(frozen=True)
class Progress:
    """Where one learner is on one module: started or completed ``ago``; on a module with a
    check, the attempts they made (a passing one completes it)."""

    who: str  # a key of the people
    module: str  # a key of the lessons
    status: str  # "in_progress" or "completed"
    ago: timedelta
    attempts: tuple[tuple[int, ...], ...] = ()  # the answers of each try, by choice index


@dataclass(frozen=True)
class LiveLine:
    """A chat message of a past office hour."""

    who: str  # a key of the people
    body: str


@dataclass(frozen=True)
class RaisedHand:
    """A question raised in a past office hour, taken and resolved by the host in turn."""

    who: str  # a key of the people
    question: str
    answer: str | None = None  # set: archived as a thread whose accepted reply this is


@dataclass(frozen=True)
class OfficeHourPlan:
    title: str
    host: str  # a key of the people
    starts_in_hours: int  # from the moment of seeding; negative: held in the past
    minutes: int
    cohort: str | None = None
    module: str | None = None  # a key of the lessons
    chat: tuple[LiveLine, ...] = ()
    hands: tuple[RaisedHand, ...] = ()


@dataclass(frozen=True)
class Content:
    people: tuple[Person, ...]
    lessons: tuple[Lesson, ...]
    cohorts: tuple[CohortPlan, ...]
    conversations: tuple[Conversation, ...]
    checks: tuple[Check, ...] = ()
    progress: tuple[Progress, ...] = ()
    office_hours: tuple[OfficeHourPlan, ...] = ()

    @property
    def admin_key(self) -> str:
        # The first person creates everyone and everything else, so must be the admin.
        return self.people[0].key


def ago(days: int, hours: int = 0) -> timedelta:
    return timedelta(days=days, hours=hours)


# Reading ----------------------------------------------------------------------------------


def load(folder: Traversable | None = None) -> Content:
    """The demo in ``folder`` (by default the one shipped in this package), checked."""
    folder = folder or files(__package__)
    data = _parse(_read(folder / "demo.toml"), "demo.toml")
    sections = {"people", "cohorts", "conversations", "checks", "progress", "office_hours"}
    _no_unknown(data, sections, "demo.toml")
    content = Content(
        people=_records(Person, data, "people"),
        lessons=_lessons(folder / "lessons"),
        cohorts=_records(CohortPlan, data, "cohorts"),
        conversations=_records(Conversation, data, "conversations"),
        checks=_records(Check, data, "checks"),
        progress=_records(Progress, data, "progress"),
        office_hours=_records(OfficeHourPlan, data, "office_hours"),
    )
    _check_references(content)
    return content


def _read(file: Traversable) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DemoDataError(f"{file.name}: missing") from None


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise DemoDataError(f"{where}: {error}") from None


def _records(cls: type[T], data: dict[str, Any], section: str) -> tuple[T, ...]:
    tables = data.get(section, [])
    if not isinstance(tables, list):
        raise DemoDataError(f"demo.toml: {section}: expected a list of tables")
    records = []
    for index, table in enumerate(tables):
        name = table.get("title", table.get("key")) if isinstance(table, dict) else None
        records.append(_record(cls, table, _place(section, index, name)))
    return tuple(records)


def _place(section: str, index: int, name: Any) -> str:
    # A conversation is easier to find by its title than by counting [[conversations]].
    return f"demo.toml: {section}[{index}]" + (f" ({name!r})" if isinstance(name, str) else "")


def _lessons(folder: Traversable) -> tuple[Lesson, ...]:
    if not folder.is_dir():
        raise DemoDataError("lessons/: missing")
    # Every file in lessons/ must be a lesson: a misnamed one fails instead of being skipped.
    numbered = sorted((_lesson(entry) for entry in folder.iterdir()), key=lambda n: n[0])
    numbers = [number for number, _ in numbered]
    if len(set(numbers)) != len(numbers):
        raise DemoDataError(f"lessons/: two files share a number: {numbers}")
    return tuple(lesson for _, lesson in numbered)


def _lesson(file: Traversable) -> tuple[int, Lesson]:
    where = f"lessons/{file.name}"
    name = LESSON_FILE.fullmatch(file.name)
    if name is None:
        raise DemoDataError(f"{where}: a lesson's file is named NN-key.md, e.g. 01-welcome.md")
    head, body = _front_matter(_read(file), where)
    lesson = _record(Lesson, _parse(head, where), where, key=name[2], body=body)
    return int(name[1]), lesson


def _front_matter(text: str, where: str) -> tuple[str, str]:
    """TOML between two ``+++`` lines, then the lesson's Markdown, byte for byte."""
    if not text.startswith(FRONT_MATTER):
        raise DemoDataError(f"{where}: must start with a +++ line opening its front matter")
    # The leading newline lets an empty front matter close on the very next line.
    head, closed, body = ("\n" + text[len(FRONT_MATTER) :]).partition("\n" + FRONT_MATTER)
    if not closed:
        raise DemoDataError(f"{where}: no +++ line closing its front matter")
    return head, body


# Checking types ---------------------------------------------------------------------------


def _record(cls: type[T], table: Any, where: str, **given: Any) -> T:
    """A dataclass from a TOML table: no unknown or missing keys, each value of its type."""
    if not isinstance(table, dict):
        raise DemoDataError(f"{where}: expected a table")
    hints = get_type_hints(cls)
    settable = [f for f in fields(cls) if f.name not in given]
    _no_unknown(table, {f.name for f in settable}, where)
    missing = [f.name for f in settable if f.default is MISSING and f.name not in table]
    if missing:
        raise DemoDataError(f"{where}: missing {', '.join(missing)}")
    values = {key: _value(hints[key], value, f"{where}.{key}") for key, value in table.items()}
    return cls(**values, **given)


def _no_unknown(table: dict[str, Any], known: set[str], where: str) -> None:
    # A misspelt key would otherwise be ignored, and its value silently left at the default.
    unknown = sorted(table.keys() - known)
    if unknown:
        raise DemoDataError(
            f"{where}: unknown key {unknown[0]!r}; known: {', '.join(sorted(known))}"
        )


def _value(hint: Any, value: Any, where: str) -> Any:
    """``value`` as ``hint``: the few types the demo's dataclasses use."""
    origin, args = get_origin(hint), get_args(hint)
    if origin is types.UnionType:  # "X | None": TOML has no null, so a value is an X
        return _value(args[0], value, where)
    if origin is tuple:
        _expect(value, list, where)
        return tuple(_value(args[0], item, f"{where}[{i}]") for i, item in enumerate(value))
    if origin is dict:
        _expect(value, dict, where)
        return {key: _value(args[1], item, f"{where}.{key}") for key, item in value.items()}
    if hint is timedelta:
        written = _record(_Ago, value, where)
        return ago(written.days, written.hours)
    if isinstance(hint, type) and is_dataclass(hint):
        return _record(hint, value, where)
    return _expect(value, hint, where)


@dataclass(frozen=True)
class _Ago:
    """How ``ago`` is written in the data: ``{ days = 2, hours = 5 }``."""

    days: int = 0
    hours: int = 0


def _expect(value: V, kind: type, where: str) -> V:
    # bool is an int to Python, but ``to = true`` is a slip, not post 1.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise DemoDataError(f"{where}: expected {kind.__name__}, got {value!r}")
    return value


# Checking references ----------------------------------------------------------------------


def _check_references(content: Content) -> None:
    people = _keys(content.people, "people")
    lessons = _keys(content.lessons, "lessons")
    cohorts = _keys(content.cohorts, "cohorts")
    if not content.people or content.people[0].role != "admin":
        raise DemoDataError("demo.toml: people: the first person must be the admin")
    for lesson in content.lessons:
        _known(lesson.owner, people, f"lesson {lesson.key!r}.owner")
    for index, plan in enumerate(content.cohorts):
        where = _place("cohorts", index, plan.key)
        for role in ("facilitators", "learners"):
            for key in getattr(plan, role):
                _known(key, people, f"{where}.{role}")
        for key in plan.due_in_days:
            _known(key, lessons, f"{where}.due_in_days")
    for index, conversation in enumerate(content.conversations):
        where = _place("conversations", index, conversation.title)
        _check_conversation(conversation, where, people, lessons, cohorts)
    checks = {c.module: c for c in content.checks}
    for index, check in enumerate(content.checks):
        _check_check(check, _place("checks", index, check.module), lessons)
    for index, done in enumerate(content.progress):
        _check_progress(done, _place("progress", index, done.who), people, lessons, checks)
    for index, session in enumerate(content.office_hours):
        where = _place("office_hours", index, session.title)
        _check_office_hour(session, where, people, lessons, cohorts)


def _check_office_hour(
    plan: OfficeHourPlan, where: str, people: set[str], lessons: set[str], cohorts: set[str]
) -> None:
    _known(plan.host, people, f"{where}.host")
    if plan.cohort is not None:
        _known(plan.cohort, cohorts, f"{where}.cohort")
    if plan.module is not None:
        _known(plan.module, lessons, f"{where}.module")
    if plan.minutes <= 0:
        raise DemoDataError(f"{where}.minutes: a session lasts a positive number of minutes")
    said: list[LiveLine | RaisedHand] = [*plan.chat, *plan.hands]
    if said and plan.starts_in_hours * 60 + plan.minutes > 0:
        raise DemoDataError(f"{where}: only a session over before seeding has chat or hands")
    for n, line in enumerate(said):
        _known(line.who, people, f"{where}: chat or hands [{n}].who")
    if any(hand.answer for hand in plan.hands) and plan.module is None:
        raise DemoDataError(f"{where}: an answered hand is archived in the session's module")


def _check_check(check: Check, where: str, lessons: set[str]) -> None:
    _known(check.module, lessons, f"{where}.module")
    if not check.questions:
        raise DemoDataError(f"{where}: has no questions")
    for n, question in enumerate(check.questions):
        if question.answer not in range(len(question.choices)):
            raise DemoDataError(
                f"{where}.questions[{n}].answer: {question.answer} is not a choice "
                f"from 0 to {len(question.choices) - 1}"
            )


def _check_progress(
    done: Progress, where: str, people: set[str], lessons: set[str], checks: dict[str, Check]
) -> None:
    _known(done.who, people, f"{where}.who")
    _known(done.module, lessons, f"{where}.module")
    _known(done.status, {"in_progress", "completed"}, f"{where}.status")
    check = checks.get(done.module)
    if check is None:
        if done.attempts:
            raise DemoDataError(f"{where}.attempts: module {done.module!r} has no check")
    else:
        for n, attempt in enumerate(done.attempts):
            if len(attempt) != len(check.questions):
                raise DemoDataError(f"{where}.attempts[{n}]: one answer per question")
    passed = check is not None and any(_passes(check, a) for a in done.attempts)
    if check is not None and (done.status == "completed") != passed:
        raise DemoDataError(
            f"{where}: a module with a check is completed exactly when an attempt passes"
        )


def _passes(check: Check, attempt: tuple[int, ...]) -> bool:
    right = sum(a == q.answer for a, q in zip(attempt, check.questions, strict=True))
    return score(right, len(check.questions)) >= check.pass_mark


def _check_conversation(
    conversation: Conversation, where: str, people: set[str], lessons: set[str], cohorts: set[str]
) -> None:
    _known(conversation.module, lessons, f"{where}.module")
    _known(conversation.kind, set(KINDS), f"{where}.kind")
    if conversation.cohort is not None:
        _known(conversation.cohort, cohorts, f"{where}.cohort")
    if not conversation.posts:
        raise DemoDataError(f"{where}: has no posts")
    if conversation.accepted is not None:
        _index(conversation.accepted, range(1, len(conversation.posts)), f"{where}.accepted")
    elif conversation.faq:
        raise DemoDataError(f"{where}.faq: only an accepted answer goes into the FAQ")
    for index, said in enumerate(conversation.posts):
        _known(said.who, people, f"{where}.posts[{index}].who")
        for voter in said.voters:
            _known(voter, people, f"{where}.posts[{index}].voters")
        if said.to is not None:
            _index(said.to, range(index), f"{where}.posts[{index}].to")


def _keys(records: tuple[Any, ...], what: str) -> set[str]:
    keys = [record.key for record in records]
    twice = sorted({key for key in keys if keys.count(key) > 1})
    if twice:
        raise DemoDataError(f"{what}: the key {twice[0]!r} is used twice")
    return set(keys)


def _known(key: str, known: set[str], where: str) -> None:
    if key not in known:
        raise DemoDataError(f"{where}: unknown {key!r}; known: {', '.join(sorted(known))}")


def _index(index: int, allowed: range, where: str) -> None:
    # Posts are counted from 0, the opening post; a reply can only point back.
    if index not in allowed:
        raise DemoDataError(
            f"{where}: {index} is not a post from {allowed.start} to {allowed.stop - 1}"
        )
