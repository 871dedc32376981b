"""Demo data for ``flask --app forum seed-demo``.

Everything is made through the services, with a demo admin as the actor, so the demo obeys
the same rules as real data. ``seed()`` runs the parts in ``PARTS`` in order inside one
write transaction: a failure leaves the database as it was. Later features add their own
part (threads, office hours, ...) as a function taking the ``Demo`` built so far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Cohort, Module, User, utcnow
from forum.services import accounts, cohorts, modules

PASSWORD = "demo-password"


# People -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    email: str
    role: str  # site role
    label: str  # what the printed list of logins calls them


PEOPLE: tuple[Person, ...] = (
    Person("dana", "Dana Whitfield", "dana.whitfield@example.com", "admin", "admin"),
    Person("priya", "Priya Raman", "priya.raman@example.com", "manager", "manager"),
    Person("marcus", "Marcus Okafor", "marcus.okafor@example.com", "manager", "manager"),
    Person("ben", "Ben Carter", "ben.carter@example.com", "member", "facilitator"),
    Person("sofia", "Sofia Lindqvist", "sofia.lindqvist@example.com", "member", "learner"),
    Person("tomas", "Tomás Herrera", "tomas.herrera@example.com", "member", "learner"),
    Person("aiko", "Aiko Tanaka", "aiko.tanaka@example.com", "member", "learner"),
    Person("jonah", "Jonah Feld", "jonah.feld@example.com", "member", "learner"),
    Person("leila", "Leila Haddad", "leila.haddad@example.com", "member", "learner"),
    Person("grace", "Grace Mwangi", "grace.mwangi@example.com", "member", "learner"),
)
ADMIN_KEY = "dana"


@dataclass
class Demo:
    """What the demo has made so far, by key, for the parts that come after."""

    now: datetime = field(default_factory=utcnow)
    people: dict[str, User] = field(default_factory=dict)
    modules: dict[str, Module] = field(default_factory=dict)
    cohorts: dict[str, Cohort] = field(default_factory=dict)

    @property
    def admin(self) -> User:
        return self.people[ADMIN_KEY]


def seed_people(demo: Demo) -> None:
    # The first person, the admin, is created with no actor (as the CLI does) and then acts.
    for person in PEOPLE:
        actor = demo.people.get(ADMIN_KEY)
        new = accounts.create_user(
            actor,
            email=person.email,
            name=person.name,
            role=person.role,
            password=PASSWORD,
            send_invite=False,
        )
        demo.people[person.key] = new.user


# Modules ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    summary: str
    owner: str  # a key of PEOPLE
    body: str
    video_url: str | None = None
    published: bool = True


WELCOME = """\
## Your first weeks

Welcome aboard. This course is the written half of your onboarding: six short modules that
you read on your own time, each with a discussion underneath where you can ask anything.
Nobody expects you to remember it all at once; expect to come back to it.

Your cohort works through the modules together, with a due date for each. The dates are
there to keep your first weeks from being swallowed by your first sprint, not to grade
you. If one slips, say so in your cohort's thread and agree a new date with your
facilitator.

## How we work

We are a distributed team across four time zones, so most of our work is
**asynchronous**: written down, read when it suits the reader, and answered within a
working day.

- **Write it down.** Decisions live in tickets and docs, not in someone's memory of a call.
- **Default to open.** Ask in a shared channel or a module thread rather than in a direct
  message, so that the next person finds the answer.
- **Meet for what text cannot do:** untangling a disagreement, a hard conversation, a
  celebration. Every meeting has an agenda and leaves notes.
- **Protect focus time.** Mornings in your own time zone are meeting-free by default.
  Block them in your calendar.

## Response times

| Channel | Use it for | Expect a reply within |
|---|---|---|
| Module thread | Questions about a lesson | one working day |
| Team channel | Day-to-day coordination | a few hours |
| Direct message | Personal or sensitive matters | one working day |
| Phone call | Production incidents only | minutes |

Our shared core hours are 14:00 to 17:00 UTC. Try to be reachable then; outside them nobody
expects an instant answer from you, and you should not expect one from others either.

## Your first week

1. Sign in to your laptop, e-mail and chat, and turn on two-factor authentication
   everywhere (the next module explains why).
2. Post a short hello in your cohort's thread: your name, your team, and one thing you
   look forward to learning.
3. Meet your buddy. Every new hire has one: someone outside your team who answers the
   questions you might hesitate to ask your manager.
4. Book thirty minutes with your manager to agree on goals for your first 30, 60 and
   90 days.
5. Skim the team handbook and note three things that surprised you. Bring them to your
   first one-to-one.

## Asking good questions

When you have been stuck for more than half an hour, ask. Say what you are trying to do,
what you tried, and what happened instead. Search first: earlier cohorts have asked many
of the same questions, and the best answers are collected in each module's FAQ.

The video linked above is a ten-minute tour of the tools we use every day. Then carry on
with *Security basics*, which you need before you are given access to customer data.
"""

SECURITY = """\
## Why this comes first

Most security incidents at companies like ours do not start with a clever exploit. They
start with a reused password, a convincing e-mail, or a laptop left unlocked on a train.
The habits below stop almost all of them, and none of them takes more than a few minutes
to set up.

## Passwords and two-factor authentication

- Use the company **password manager** for every work account. Let it generate the
  passwords: long, random and different for every site.
- Never reuse a work password anywhere else, and never share one in chat or e-mail. If a
  colleague needs access, ask for an account of their own or use a shared vault.
- Turn on **two-factor authentication** for e-mail, chat, the code host and the cloud
  console. Prefer a hardware key or an authenticator app to text messages.
- If you think a password has leaked, change it at once and tell the security channel.
  Nobody is ever in trouble for reporting early.

## Recognising phishing

Phishing messages try to make you act before you think. Slow down when a message:

1. asks you to sign in through a link, especially to "keep your account active";
2. is urgent, or comes from "the CEO" asking for gift cards or a quick transfer;
3. has a sender address that is nearly, but not quite, ours;
4. carries an attachment you did not expect, even from someone you know.

| You see | Do this |
|---|---|
| A sign-in link in an e-mail | Open the site from your bookmarks instead |
| An odd request from a leader | Confirm it through another channel |
| An unexpected attachment | Ask the sender before opening it |
| You already clicked | Report it now; the sooner, the smaller the damage |

Use the **Report phishing** button in your mail client. It sends the message to the
security team and removes it from your inbox.

## Devices

Your laptop holds source code, customer data and your signed-in sessions, so treat it like
the keys to the office.

- Lock the screen whenever you step away (Ctrl+Cmd+Q on a Mac, Win+L on Windows).
- Keep the disk encrypted and install updates within a week of their release.
- Do not install software from outside the approved catalogue without asking.
- Never leave a laptop visible in a parked car, and report a lost device within the hour.

You can check that disk encryption is on yourself:

```sh
# macOS: prints "FileVault is On."
fdesetup status

# Linux: the root partition should show the type crypto_LUKS
lsblk -f
```

## Customer data

Only copy customer data to where it is needed to do the job, and never to personal
devices or personal cloud storage. When a ticket needs an example, remove names, e-mail
addresses and payment details first. If you are unsure whether something counts as
customer data, assume that it does and ask in this module's thread.
"""

WORKFLOW = """\
## From idea to production

Every change to our product, however small, travels the same path: a ticket, a branch, a
pull request, a review, an automatic test run, and a deploy. The path is short on
purpose. Most changes reach production the same day they are written, which keeps each
one small and easy to undo.

## Branches

We work on short-lived branches off `main`, and `main` is always deployable. Name your
branch after its ticket, so that anyone can find the context:

| Prefix | For | Example |
|---|---|---|
| `feat/` | New behaviour | `feat/PAY-214-refund-button` |
| `fix/` | A bug fix | `fix/PAY-230-rounding-error` |
| `chore/` | Tooling, dependencies | `chore/upgrade-postgres-driver` |
| `docs/` | Documentation only | `docs/deploy-runbook` |

A branch that lives longer than three days is a warning sign. Split the work, or hide the
unfinished part behind a feature flag and merge what is ready.

```sh
git switch main && git pull --ff-only
git switch -c feat/PAY-214-refund-button
# ...commit in small steps, each with a message that says why...
git push -u origin feat/PAY-214-refund-button
```

## Pull requests

Open the pull request early, as a draft if it is not finished, and write its description
for a reviewer who has not seen the ticket:

- **What** changes, in one or two sentences.
- **Why**, with a link to the ticket.
- **How to check it**: the commands to run or the page to open.
- **Risks**: anything that could break, and how to roll it back.

Keep pull requests under about 400 changed lines. Large ones get skimmed rather than
reviewed, and skimmed code is where bugs hide.

## Reviews

Every pull request needs one approving review from someone on the owning team. As a
reviewer, answer within one working day, even if only to say when you will look. Comment
on the code, never the person, and mark which comments block merging and which are only
suggestions. As an author, answer every comment, even with a simple "done".

## Continuous integration and deploys

Each push runs the linters and the whole test suite. A red build blocks the merge; do not
retry a failing job hoping it passes, find out why it failed.

Merging to `main` deploys automatically, first to staging and then, after the smoke tests
pass, to production. Watch the dashboards for fifteen minutes after your change goes out.
If something looks wrong, roll back first and investigate second: the deploy tool's
**Revert** button restores the previous release in under a minute.

We do not deploy after 15:00 on Fridays, or during a company-wide event, unless it is a
fix for an incident.
"""

TICKETS = """\
## Why writing matters here

In a team spread over time zones, the ticket or the document *is* the conversation. A
clear ticket saves a day of back-and-forth; a vague one costs a week. Writing well is not
a talent reserved for a few people. It is a habit, and this module gives you the
checklists that make it one.

## A good ticket

A good ticket lets someone who was not in the room start work without asking a question.
It says:

- **The problem**, not only the fix you have in mind. "Customers cannot find the export
  button" leaves room for a better solution than "Move the export button".
- **Who is affected**, and how badly: one customer, a whole plan, everyone.
- **What done looks like**: acceptance criteria that a reviewer can check.
- **Context**: links to the conversation, the screenshot, the error message, the logs.

When you report a bug, copy this template into the ticket and fill in every part:

```markdown
### What happened
Exporting a report with more than 10,000 rows shows a blank page.

### What I expected
A CSV file download.

### Steps to reproduce
1. Open Reports > Monthly revenue for an account with a full year of data.
2. Click Export.

### Environment
Production, Chrome 128, account id 4821.
```

## Titles and labels

Write titles as short statements of the problem: "Blank page when exporting large
reports" beats "Export broken!!". Add the team label and a priority, and leave the
assignee empty unless you have agreed with that person that they take it.

## Documentation

Documentation lives next to what it describes: code docs in the repository, processes in
the handbook, and answers to common questions in the FAQ of the module they belong to.
Each page should answer one question, and start with the answer.

1. **Lead with the point.** The first paragraph says what the reader can do after reading.
2. **Use headings and lists** so the page can be skimmed; few people read a page top to
   bottom.
3. **Show, then explain.** An example command or screenshot is worth three paragraphs.
4. **Date and own it.** Every page names an owner, who reviews it every six months.

## Keep it alive

When you follow a document and it is wrong, fix it, or at least leave a comment for its
owner. When you answer the same question twice, turn the answer into documentation. Here
that is built in: the best answers in each module's discussion are promoted into its FAQ,
so the course gets a little better with every question a cohort asks.
"""

CUSTOMERS = """\
## Every team talks to customers

Even if your title does not say "support", you will talk to customers: on a call with
sales, in a bug report, at a conference. How those conversations go shapes how people
feel about us far more than any advertisement.

## Listening first

Most people who contact us are not angry about the product; they are stuck, and under
pressure from someone else. Before you try to solve anything:

- Let them finish. Take notes of their own words; they will help you search and escalate.
- Repeat the problem back: "So the invoice shows last month's rate, and your finance team
  needs it corrected before Friday?"
- Ask about the impact and the deadline. The same bug is a curiosity for one customer and
  a crisis for another.
- Never blame the customer, a colleague or another team. "Let me find out what happened"
  is always available.

## Setting expectations

Promise what you control: when you will next update them, not when the fix will ship.
Then update them at that time, even if the only news is that there is no news yet.
Silence is what turns a frustrated customer into an angry one.

## Severity and escalation

Decide the severity with the customer's impact in mind, then follow the table. When in
doubt, choose the higher severity; it is easy to lower it later.

| Severity | Example | First response | Escalate to |
|---|---|---|---|
| 1 (critical) | Service down, data loss, breach | 30 minutes | on-call engineer, by phone |
| 2 (high) | A key feature broken for many customers | 4 hours | the owning team's channel |
| 3 (normal) | A bug with a workaround | 1 working day | a ticket for the owning team |
| 4 (low) | A question or a wish | 2 working days | the product feedback board |

Escalating is not giving up, and it is not passing the problem on. You stay the
customer's contact until someone else has explicitly taken over, and you hand over with a
written summary: what the customer reported, what you tried, and what you promised them.

## Difficult conversations

Sometimes the answer is no: a feature we will not build, a refund outside the policy.
Say so clearly and early, explain the reason in one sentence, and offer what you *can*
do. If a conversation becomes abusive, you may end it politely and hand it to your lead;
nobody here is expected to put up with abuse.

## After the conversation

Log the conversation in the customer's record the same day, with the next step and its
date. If you heard something the product team should know, such as a workaround many
customers use or a feature a competitor has, post it in the feedback board with the
customer's words.
"""

FEEDBACK = """\
## Why we practise feedback

Feedback is how we find out what we cannot see ourselves. Done well, it is the fastest
way to grow and the cheapest way to fix a small problem before it becomes a big one. Done
badly, or not at all, it lets small frustrations pile up until they damage the team.
Like any skill, it gets easier with practice, so we practise it often and in small doses.

## Giving feedback

We use a simple structure: **situation, behaviour, impact**.

- **Situation**: when and where. "In Tuesday's planning meeting..."
- **Behaviour**: what the person did, observably, without guessing their intent.
  "...you summarised each decision before we moved on..."
- **Impact**: what it caused. "...so everyone left knowing what they had agreed to."

The same structure works for praise and for criticism. A few more habits help:

1. Give it soon, while the moment is fresh, and in private when it is critical.
2. Keep it about one thing. A list of ten grievances is not feedback, it is an ambush.
3. Ask before you give: "Do you have five minutes for some feedback on the demo?"
4. End with a question, not a verdict: "How did it look from your side?"

## Receiving feedback

Receiving feedback well is harder than giving it, because our first reaction is to
defend ourselves. Try this instead:

- Listen to the end without interrupting, and thank the person for telling you. It took
  effort for them.
- Ask for an example if the feedback is vague: "Can you tell me about a time that
  happened?"
- You do not have to agree on the spot. Say you will think about it, and come back to it
  within a week.
- Look for the pattern. One comment might be about one day; the same comment from three
  people is about you.

## When and where

| Moment | What happens | Who starts it |
|---|---|---|
| One-to-ones, every two weeks | Two-way feedback, small and frequent | either of you |
| After a project | A blameless retrospective with the team | the project lead |
| Every six months | A written review of growth and goals | your manager |
| Any time | A quick "that worked well" or "can we talk about..." | anyone |

Nothing said in a six-monthly review should be a surprise. If it is, the feedback came
too late, and that is a problem to raise with your manager.

## Feedback across time zones

Written feedback lacks tone of voice, so it reads colder than you mean it. Keep critical
feedback for a call, and put praise in writing, where others can see it too. A short
public thanks in the team channel does more than most people expect.
"""

ON_CALL = """\
## Draft: on-call and incident response

*This module is still being written. It is visible only to its owner and to managers
until it is published.*

## What on-call means here

Engineers join the on-call rotation after their first three months. A shift lasts one
week, from Monday 10:00 to the next Monday 10:00 in your own time zone, and there are
always two people on it: a primary, who is paged first, and a secondary, who is paged
when the primary does not acknowledge within ten minutes.

## When the pager goes off

1. Acknowledge the page, so that the secondary is not woken as well.
2. Open an incident channel with the incident bot and post what you see.
3. Decide the severity with the table in *Customer conversations and escalation*.
4. Mitigate first: roll back, fail over, or turn the feature flag off. Root causes can
   wait until customers are no longer affected.
5. Post an update to the status page every thirty minutes until it is resolved.

## Afterwards

Every severity 1 or 2 incident gets a blameless review within five working days. The
review asks what made the failure possible and what would have caught it sooner, never
who is to blame.

## Still to write

- How to hand over a shift, with a template for the hand-over note.
- Which dashboards to keep open during a shift, and what normal looks like on each.
- How on-call time is compensated in each country where we employ people.
"""

LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "welcome",
        "Welcome and how we work",
        "How this course works, how we work as a distributed team, and what to do in "
        "your first week.",
        "marcus",
        WELCOME,
        video_url="https://media.example.com/onboarding/welcome-tour.mp4",
    ),
    Lesson(
        "security",
        "Security basics: passwords, phishing and devices",
        "The few habits that prevent most incidents: a password manager, two-factor "
        "authentication, spotting phishing, and looking after your laptop.",
        "priya",
        SECURITY,
    ),
    Lesson(
        "workflow",
        "Our engineering workflow: branches, reviews and deploys",
        "How a change travels from a ticket to production: branch names, pull requests, "
        "code review, continuous integration and rolling back.",
        "priya",
        WORKFLOW,
    ),
    Lesson(
        "tickets",
        "Writing good tickets and docs",
        "Checklists for tickets that can be picked up without a meeting, a bug report "
        "template, and how to keep documentation alive.",
        "priya",
        TICKETS,
    ),
    Lesson(
        "customers",
        "Customer conversations and escalation",
        "Listening first, setting expectations, choosing a severity, and escalating "
        "without dropping the customer.",
        "marcus",
        CUSTOMERS,
    ),
    Lesson(
        "feedback",
        "Giving and receiving feedback",
        "Situation, behaviour, impact: a simple structure for feedback in both "
        "directions, and when we use it.",
        "marcus",
        FEEDBACK,
    ),
    Lesson(
        "on-call",
        "On-call and incident response",
        "How the on-call rotation works and what to do when you are paged.",
        "priya",
        ON_CALL,
        published=False,
    ),
)


def seed_modules(demo: Demo) -> None:
    # No explicit position: each module goes after the last, so creation order is the order.
    for lesson in LESSONS:
        demo.modules[lesson.key] = modules.create_module(
            demo.admin,
            title=lesson.title,
            body=lesson.body,
            summary=lesson.summary,
            video_url=lesson.video_url,
            owner_id=demo.people[lesson.owner].id,
            published=lesson.published,
        )


# Cohorts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortPlan:
    key: str
    name: str
    description: str
    facilitators: tuple[str, ...]
    learners: tuple[str, ...]
    # module key -> due date in days from now; a mix of past (overdue or done) and upcoming.
    due_in_days: dict[str, int]


COHORTS: tuple[CohortPlan, ...] = (
    CohortPlan(
        "engineering",
        "Autumn 2026 engineering hires",
        "Engineers who joined in September and October 2026. Ben facilitates; ask him "
        "anything about the codebase, the workflow or the on-call rotation.",
        facilitators=("ben",),
        learners=("sofia", "tomas", "aiko", "jonah"),
        due_in_days={
            "welcome": -12,
            "security": -5,
            "workflow": 2,
            "tickets": 9,
            "feedback": 16,
        },
    ),
    CohortPlan(
        "customer-success",
        "Customer success onboarding",
        "New members of the customer success team. Marcus facilitates and hosts the "
        "weekly question time.",
        facilitators=("marcus",),
        learners=("leila", "grace"),
        due_in_days={
            "welcome": -2,
            "security": 3,
            "tickets": 10,
            "customers": 17,
            "feedback": 24,
        },
    ),
)

# Due at the end of a working day in UTC, so a date reads the same in every demo run.
DUE_HOUR_UTC = 17


def due_date(now: datetime, days: int) -> datetime:
    return (now + timedelta(days=days)).replace(
        hour=DUE_HOUR_UTC, minute=0, second=0, microsecond=0
    )


def seed_cohorts(demo: Demo) -> None:
    for plan in COHORTS:
        cohort = cohorts.create_cohort(demo.admin, plan.name, plan.description).cohort
        demo.cohorts[plan.key] = cohort
        for role, keys in (("facilitator", plan.facilitators), ("learner", plan.learners)):
            for key in keys:
                cohorts.add_member(demo.admin, cohort.id, demo.people[key].id, role)
        for module_key, days in plan.due_in_days.items():
            module = demo.modules[module_key]
            cohorts.set_due_date(demo.admin, cohort.id, module.id, due_date(demo.now, days))


# Loading ----------------------------------------------------------------------------------

# Each part builds on the ones before it; later features append theirs.
PARTS: list[Callable[[Demo], None]] = [seed_people, seed_modules, seed_cohorts]


def database_is_empty() -> bool:
    return db.session.scalar(select(User.id).limit(1)) is None


def is_loaded() -> bool:
    """Whether the demo's admin exists, which is the demo's first write."""
    admin = next(p for p in PEOPLE if p.key == ADMIN_KEY)
    return accounts.find_user_by_email(admin.email) is not None


def logins() -> list[tuple[str, str]]:
    """(label, e-mail) of the demo people present in the database, in the demo's order."""
    present = set(
        db.session.scalars(select(User.email).where(User.email.in_([p.email for p in PEOPLE])))
    )
    return [(p.label, p.email) for p in PEOPLE if p.email in present]


def seed() -> list[tuple[str, str]]:
    """Load the whole demo in one transaction and return the logins to print."""
    demo = Demo()
    with write_transaction():
        for part in PARTS:
            part(demo)
    return [(p.label, p.email) for p in PEOPLE]
