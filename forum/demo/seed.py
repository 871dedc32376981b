"""The parts of ``seed()``: each makes one kind of thing from the demo's content.

Everything is made through the services, with the demo's admin as the actor (each post's
author for the discussions), so the demo obeys the same rules as real data; only the
discussions' times are moved back afterwards, so that they read as the last two weeks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from forum.demo.content import Content, Conversation, OfficeHourPlan
from forum.extensions import db
from forum.models import (
    Cohort,
    Module,
    Notification,
    OfficeHour,
    OfficeHourMessage,
    OfficeHourQuestion,
    Post,
    Quiz,
    Thread,
    User,
    utcnow,
)
from forum.services import (
    accounts,
    cohorts,
    faq,
    modules,
    posts,
    progress,
    quizzes,
    threads,
)
from forum.services import office_hours as oh
from forum.services.quizzes import QuestionIn

PASSWORD = "demo-password"

# Due at the end of a working day in UTC, so a date reads the same in every demo run.
DUE_HOUR_UTC = 17

# The asker accepts an answer a little while after reading it.
ACCEPTED_AFTER = timedelta(hours=2)


@dataclass
class Demo:
    """What the demo has made so far, by key, for the parts that come after."""

    content: Content
    now: datetime = field(default_factory=utcnow)
    people: dict[str, User] = field(default_factory=dict)
    modules: dict[str, Module] = field(default_factory=dict)
    cohorts: dict[str, Cohort] = field(default_factory=dict)

    @property
    def admin(self) -> User:
        return self.people[self.content.admin_key]


def seed_people(demo: Demo) -> None:
    # The first person, the admin, is created with no actor (as the CLI does) and then acts.
    for person in demo.content.people:
        actor = demo.people.get(demo.content.admin_key)
        new = accounts.create_user(
            actor,
            email=person.email,
            name=person.name,
            role=person.role,
            password=PASSWORD,
            send_invite=False,
        )
        demo.people[person.key] = new.user


def seed_modules(demo: Demo) -> None:
    # No explicit position: each module goes after the last, so creation order is the order.
    for lesson in demo.content.lessons:
        demo.modules[lesson.key] = modules.create_module(
            demo.admin,
            title=lesson.title,
            body=lesson.body,
            summary=lesson.summary,
            video_url=lesson.video_url,
            owner_id=demo.people[lesson.owner].id,
            published=lesson.published,
        )


def due_date(now: datetime, days: int) -> datetime:
    return (now + timedelta(days=days)).replace(
        hour=DUE_HOUR_UTC, minute=0, second=0, microsecond=0
    )


def seed_cohorts(demo: Demo) -> None:
    for plan in demo.content.cohorts:
        cohort = cohorts.create_cohort(demo.admin, plan.name, plan.description).cohort
        demo.cohorts[plan.key] = cohort
        for role, keys in (("facilitator", plan.facilitators), ("learner", plan.learners)):
            for key in keys:
                cohorts.add_member(demo.admin, cohort.id, demo.people[key].id, role)
        for module_key, days in plan.due_in_days.items():
            module = demo.modules[module_key]
            cohorts.set_due_date(demo.admin, cohort.id, module.id, due_date(demo.now, days))


# Discussion -------------------------------------------------------------------------------

_ACCEPT = -1  # in the timeline, the event of a conversation's answer being accepted


def seed_threads(demo: Demo) -> None:
    """Replay the conversations through the services, in the order they happened.

    The services stamp "now"; each step is moved back to its time right after it runs, so
    ids follow time across the whole demo, a thread's last activity is its last post, and
    notifications carry the time of what they tell. Whoever writes in a thread has read it
    up to there (read mark and notifications), so each person's unread items are the ones
    that came after their last visit.
    """
    replay = _Replay(demo)
    for when, c, p in _timeline(demo):
        before = _last_notification_id()
        if p == _ACCEPT:
            replay.accept(c, when)
        else:
            replay.post(c, p, when)
        db.session.flush()
        _stamp_notifications_since(before, when)
    # Votes carry no time, so they come last.
    replay.votes()


def _timeline(demo: Demo) -> list[tuple[datetime, int, int]]:
    """(when, conversation index, post index or _ACCEPT) of every event, oldest first."""
    timeline: list[tuple[datetime, int, int]] = []
    for c, conversation in enumerate(demo.content.conversations):
        timeline += [(demo.now - said.ago, c, p) for p, said in enumerate(conversation.posts)]
        if conversation.accepted is not None:
            answered = demo.now - conversation.posts[conversation.accepted].ago
            timeline.append((min(answered + ACCEPTED_AFTER, demo.now), c, _ACCEPT))
    return sorted(timeline)


@dataclass
class _Replay:
    """The threads and posts made so far, by conversation index and post index."""

    demo: Demo
    threads: dict[int, Thread] = field(default_factory=dict)
    post_ids: dict[tuple[int, int], int] = field(default_factory=dict)

    def post(self, c: int, p: int, when: datetime) -> None:
        conversation = self.demo.content.conversations[c]
        said = conversation.posts[p]
        author = self.demo.people[said.who]
        if p == 0:
            thread = self.threads[c] = _open(self.demo, conversation, author)
            thread.created_at = when
        else:
            thread = self.threads[c]
            parent = self.post_ids[c, said.to] if said.to is not None else None
            posts.reply(
                author, thread.id, body=said.body, parent_id=parent, anonymous=said.anonymous
            )
        self.post_ids[c, p] = thread.last_post_id
        db.session.get_one(Post, thread.last_post_id).created_at = when
        thread.last_activity_at = when
        _caught_up(author, thread, when)

    def accept(self, c: int, when: datetime) -> None:
        conversation = self.demo.content.conversations[c]
        thread = self.threads[c]
        asker = self.demo.people[conversation.posts[0].who]
        accepted = conversation.accepted
        assert accepted is not None, "only an answered conversation is in the timeline to accept"
        threads.accept(asker, thread.id, self.post_ids[c, accepted])
        _caught_up(asker, thread, when)

    def votes(self) -> None:
        for c, conversation in enumerate(self.demo.content.conversations):
            for p, said in enumerate(conversation.posts):
                for voter in said.voters:
                    posts.vote(self.demo.people[voter], self.post_ids[c, p], 1)


def _open(demo: Demo, conversation: Conversation, author: User) -> Thread:
    opening = conversation.posts[0]
    module_id = demo.modules[conversation.module].id
    if conversation.kind == "prompt":
        return threads.start_prompt(author, module_id, title=conversation.title, body=opening.body)
    cohort = demo.cohorts[conversation.cohort] if conversation.cohort else None
    return threads.create_thread(
        author,
        module_id,
        title=conversation.title,
        body=opening.body,
        kind=conversation.kind,
        cohort_id=cohort.id if cohort else None,
        anonymous=opening.anonymous,
    )


def _last_notification_id() -> int:
    db.session.flush()
    return db.session.execute(select(func.coalesce(func.max(Notification.id), 0))).scalar_one()


def _stamp_notifications_since(before: int, when: datetime) -> None:
    """The notifications one step made carry that step's time, not the moment of seeding."""
    db.session.execute(
        update(Notification)
        .where(Notification.id > before)
        .values(created_at=when)
        .execution_options(synchronize_session=False)
    )


def _caught_up(person: User, thread: Thread, when: datetime) -> None:
    """Someone who writes in a thread has read it up to their post, and its notifications."""
    threads.mark_read(person, thread)
    db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == person.id,
            Notification.thread_id == thread.id,
            Notification.read_at.is_(None),
        )
        .values(read_at=when)
        .execution_options(synchronize_session=False)
    )


def seed_faq(demo: Demo) -> None:
    """The answers marked ``faq`` promoted into their module's FAQ by its owner (or the
    admin), in the order of the conversations: the loop from answers back into the docs."""
    for conversation in demo.content.conversations:
        if not conversation.faq:
            continue
        module = demo.modules[conversation.module]
        thread_id = db.session.scalar(
            select(Thread.id).where(
                Thread.module_id == module.id, Thread.title == conversation.title
            )
        )
        assert thread_id is not None, "every conversation was replayed"
        faq.promote(module.owner or demo.admin, thread_id)


# Knowledge checks and progress --------------------------------------------------------------

# Checks were written before the cohorts began, so every attempt comes after its check.
CHECK_WRITTEN_AGO = timedelta(days=30)
# A learner who retries does so an hour after the attempt before.
RETRY_AFTER = timedelta(hours=1)
# Learners open a module about a day before they finish it.
STARTED_BEFORE = timedelta(days=1)


def seed_checks(demo: Demo) -> None:
    for check in demo.content.checks:
        module = demo.modules[check.module]
        owner = module.owner or demo.admin
        questions = [QuestionIn(q.prompt, list(q.choices), q.answer) for q in check.questions]
        view = quizzes.set_quiz(owner, module.id, check.pass_mark, questions)
        db.session.execute(
            update(Quiz)
            .where(Quiz.id == view.quiz.id)
            .values(created_at=demo.now - CHECK_WRITTEN_AGO)
        )


def seed_progress(demo: Demo) -> None:
    """Each learner's progress, at its time: started a day before, then the attempts at the
    module's check (a pass completes it) or the status they marked themselves."""
    for done in demo.content.progress:
        person, module = demo.people[done.who], demo.modules[done.module]
        when = demo.now - done.ago
        first_try = when - RETRY_AFTER * max(len(done.attempts) - 1, 0)
        progress.set_progress(person, module.id, "in_progress", now=first_try - STARTED_BEFORE)
        for n, attempt in enumerate(done.attempts):
            at = first_try + RETRY_AFTER * n
            quizzes.attempt(person, module.id, list(attempt), now=at)
        if done.status == "completed" and not done.attempts:
            progress.set_progress(person, module.id, "completed", now=when)


def seed_office_hours(demo: Demo) -> None:
    """Each session through the services: a past one is held now (chat, hands taken and
    resolved, the answered ones archived, then ended) and its times moved back after."""
    for plan in demo.content.office_hours:
        host = demo.people[plan.host]
        starts = demo.now + timedelta(hours=plan.starts_in_hours)
        length = timedelta(minutes=plan.minutes)
        held = starts + length <= demo.now
        at = demo.now if held else starts  # held: the services take words only while live
        made = oh.create(
            host,
            title=plan.title,
            starts_at=at,
            ends_at=at + length,
            cohort_id=demo.cohorts[plan.cohort].id if plan.cohort else None,
            module_id=demo.modules[plan.module].id if plan.module else None,
        )
        if held:
            _hold(demo, plan, made.id, starts, length)


def _hold(demo: Demo, plan: OfficeHourPlan, office_hour_id: int, starts: datetime, length) -> None:
    host = demo.people[plan.host]
    before = _last_notification_id()
    oh.start(host, office_hour_id)
    for line in plan.chat:
        oh.post_message(demo.people[line.who], office_hour_id, line.body)
    archived = []
    for hand in plan.hands:
        question = oh.raise_hand(demo.people[hand.who], office_hour_id, hand.question)
        db.session.flush()  # its id: inside seed()'s one transaction nothing commits yet
        oh.take_question(host, office_hour_id, question.id)
        oh.resolve_question(host, office_hour_id, question.id)
        if hand.answer:
            archived.append((question.id, hand.answer))
    oh.end(host, office_hour_id)
    _stamp_notifications_since(before, starts)
    _move_back(office_hour_id, starts, length)
    for question_id, answer in archived:  # after the session, by its host
        oh.archive_question(host, office_hour_id, question_id, answer=answer)


def _move_back(office_hour_id: int, starts: datetime, length: timedelta) -> None:
    """The held session's times, and its words spread over it in the order they were said."""
    db.session.execute(
        update(OfficeHour)
        .where(OfficeHour.id == office_hour_id)
        .values(
            starts_at=starts, ends_at=starts + length, started_at=starts, ended_at=starts + length
        )
        .execution_options(synchronize_session=False)
    )
    said = [
        *db.session.scalars(
            select(OfficeHourMessage).where(OfficeHourMessage.office_hour_id == office_hour_id)
        ),
        *db.session.scalars(
            select(OfficeHourQuestion).where(OfficeHourQuestion.office_hour_id == office_hour_id)
        ),
    ]
    step = length / (len(said) + 1)
    for n, row in enumerate(said, 1):
        row.created_at = starts + step * n
        if isinstance(row, OfficeHourQuestion):
            row.taken_at = row.created_at + step / 3
            row.resolved_at = row.created_at + step * 2 / 3
