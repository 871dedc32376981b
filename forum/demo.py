"""Demo data for ``flask --app forum seed-demo``.

Everything is made through the services, with a demo admin as the actor (each post's author
for the discussions), so the demo obeys the same rules as real data; only the discussions'
times are moved back afterwards, so that they read as the last two weeks. ``seed()`` runs
the parts in ``PARTS`` in order inside one write transaction: a failure leaves the database
as it was. Each feature adds its own part (people, modules, cohorts, module discussions,
...) as a function taking the ``Demo`` built so far.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from forum.database import write_transaction
from forum.extensions import db
from forum.models import Cohort, Module, Notification, Post, Thread, User, utcnow
from forum.services import accounts, cohorts, modules, posts, threads

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


# Discussion -------------------------------------------------------------------------------


def ago(days: int, hours: int = 0) -> timedelta:
    return timedelta(days=days, hours=hours)


@dataclass(frozen=True)
class Said:
    """One post of a demo conversation."""

    who: str  # a key of PEOPLE
    ago: timedelta  # how long before the demo's "now" it was written
    body: str
    to: int | None = None  # the index, in its conversation, of the post it answers
    anonymous: bool = False
    voters: tuple[str, ...] = ()  # keys of the people who voted it up


@dataclass(frozen=True)
class Conversation:
    module: str  # a key of LESSONS
    kind: str  # "prompt" (the owner's pinned discussion), "question" or "discussion"
    title: str
    posts: tuple[Said, ...]  # the opening post, then the replies, oldest first
    cohort: str | None = None  # set: a thread of that cohort, visible to it only
    accepted: int | None = None  # the index of the reply the asker accepted


# The asker accepts an answer a little while after reading it.
ACCEPTED_AFTER = timedelta(hours=2)

CONVERSATIONS: tuple[Conversation, ...] = (
    # Welcome and how we work (Marcus) -----------------------------------------------------
    Conversation(
        "welcome",
        "prompt",
        "Which of our four habits will be hardest for you?",
        (
            Said(
                "marcus",
                ago(14, 2),
                "We ask a lot of new people in this module: write things down, default to "
                "open, meet only for what text cannot do, and protect your morning focus "
                "time. Most of us find one of the four harder than the others, usually the "
                "one our last job did differently.\n\nWhich one will be hardest for you, and "
                "why? There are no wrong answers. I will use what you say to improve the "
                "module for the next cohort, and your facilitator will use it to know where "
                "to help.",
            ),
            Said(
                "tomas",
                ago(12, 20),
                "Protecting focus time, for me. At my last company the mornings were when "
                "everything happened: stand-up at nine, then a planning call, then whatever "
                "had broken overnight. Blocking the morning in my calendar feels almost "
                "rude, as if I were telling people I am unavailable.\n\nI did it this week "
                "anyway and nobody complained, but I still catch myself checking chat every "
                "twenty minutes. Any tips for actually leaving it closed?",
            ),
            Said(
                "aiko",
                ago(12, 6),
                "Tomás, I had the same itch. What helped me was setting my chat status to "
                "*Focus until 12:00*, with the time in it, so people know exactly when I "
                "will answer, and turning off notifications for everything except direct "
                "mentions. The response-time table says the team channel expects a reply "
                "within a few hours, so a morning away is well inside the rules.",
                to=1,
                voters=("tomas",),
            ),
            Said(
                "grace",
                ago(2, 22),
                "From the customer success side, *default to open* is the one I will find "
                "hardest. The support teams I have worked in kept everything in direct "
                "messages, because customer names were involved and nobody wanted to expose "
                "them in a channel. I can see the value of the next person finding the "
                "answer, so I will try asking in threads and leaving out the customer's "
                "details instead of going private.",
            ),
        ),
    ),
    Conversation(
        "welcome",
        "question",
        "Core hours start at 7:00 for me in Vancouver. Is that expected?",
        (
            Said(
                "jonah",
                ago(11, 4),
                "The lesson says our shared core hours are 14:00 to 17:00 UTC. I am in "
                "Vancouver, so for most of the year that is 7:00 to 10:00 for me, which also "
                "swallows the meeting-free morning we are asked to protect.\n\nDo people on "
                "the Pacific coast move their focus time to the afternoon, or is there some "
                "flexibility on core hours for our time zone? I would rather ask now than "
                "quietly work around it.",
                voters=("sofia",),
            ),
            Said(
                "ben",
                ago(10, 22),
                "Good catch, and you are not the first to ask. The Pacific folks on the "
                "platform team treat core hours as the priority and take their focus block "
                "in the afternoon instead, roughly 11:00 to 14:00 local, when Europe has "
                "signed off and the channels go quiet. The real rule is *have a protected "
                "block every day*; the lesson says morning because that fits most of us.\n\n"
                "Put your block in your calendar and your chat status, and mention it at your "
                "next one-to-one so your manager plans meetings around it.",
                voters=("jonah", "sofia", "tomas"),
            ),
            Said(
                "sofia",
                ago(10, 15),
                "Thanks for asking this, Jonah. I am in Stockholm, so I have the opposite "
                "problem: in winter, core hours run until 18:00 for me. Ben, is it fine to "
                "sign off at 17:00 local on days when nothing is scheduled late, as long as I "
                "have answered whatever came in during the day? I do not want to be the "
                "person who is never there when California wakes up.",
            ),
            Said(
                "ben",
                ago(10, 9),
                "Yes. Core hours mean *try to be reachable*, not *be at your desk*. If you "
                "sign off at 17:00 on a quiet day, say so in your status, and glance at "
                "direct mentions on your phone until 18:00 if that is easy for you. Nobody "
                "keeps track of this. The point is only that a question from California "
                "does not wait a whole day for its answer. If a recurring meeting lands "
                "late for you, ask for it to move.",
                to=2,
            ),
        ),
        cohort="engineering",
        accepted=1,
    ),
    Conversation(
        "welcome",
        "question",
        "Is it OK to ask my buddy things I would not ask my manager?",
        (
            Said(
                "leila",
                ago(1, 18),
                "Is it OK to ask my buddy about things I would feel awkward asking my "
                "manager, like how the six-monthly reviews really work, or whether people "
                "actually log off at the end of core hours? The lesson says the buddy is for "
                "the questions you might hesitate to ask your manager, but I am not sure "
                "where the line is. I do not want my buddy to feel they have to report back, "
                "or to put them in an awkward spot.",
                anonymous=True,
                voters=("grace", "aiko"),
            ),
            Said(
                "marcus",
                ago(1, 14),
                "Yes, that is exactly what buddies are for, and they do not report back. "
                "Buddies are chosen from outside your team on purpose, so that they have no "
                "stake in your reviews. How reviews feel in practice, what working late "
                "looks like here, how to raise something with your manager: all fair game. "
                "The only limit is what your buddy cannot answer, such as the details of "
                "your own pay; they will point you to the right person.\n\nAnd thank you for "
                "asking in the open. Others in this cohort wondered the same.",
                voters=("grace",),
            ),
            Said(
                "tomas",
                ago(1, 9),
                "Another data point: in my second week I asked my buddy how people here "
                "disagree with a decision once it has been written down, because I did not "
                "want to look difficult in front of my own team. It was one of the most "
                "useful conversations I had that month, and as far as I know it went no "
                "further than the two of us.",
            ),
        ),
        accepted=1,
    ),
    Conversation(
        "welcome",
        "discussion",
        "Hello from the customer success cohort",
        (
            Said(
                "leila",
                ago(2, 6),
                "Hi all, I am Leila. I joined the customer success team last week after four "
                "years in technical support at a payments company. The welcome module asks "
                "us to post a hello, so here goes: I am based in Amman, I work mostly with "
                "our mid-size accounts, and what I most look forward to learning is how our "
                "engineers like bug reports written, so that the tickets I file get picked "
                "up without a round of questions.",
            ),
            Said(
                "grace",
                ago(1, 23),
                "Hello Leila, and hello everyone! I am Grace, in Nairobi, and I joined from "
                "a hotel booking company where I ran the support inbox for East Africa. I am "
                "looking forward to the customer conversations module, because escalation "
                "here seems far more structured than anything I have used before. Leila, our "
                "hours overlap almost completely, so I am happy to compare notes before our "
                "first shadowing sessions.",
            ),
            Said(
                "marcus",
                ago(1, 20),
                "Welcome, both of you, and thank you for starting this. This thread is "
                "visible to our cohort only, so it is a good place for questions you would "
                "rather not ask the whole company yet. Question time is on Thursdays at "
                "15:00 UTC; bring anything from the first two modules. Leila, the tickets "
                "module answers most of your question about bug reports, and the engineers "
                "will love you for reading it.",
            ),
        ),
        cohort="customer-success",
    ),
    # Security basics (Priya) ----------------------------------------------------------------
    Conversation(
        "security",
        "prompt",
        "Which warning sign would you have missed?",
        (
            Said(
                "priya",
                ago(13, 22),
                "The lesson lists four signs of phishing: a sign-in link, urgency or an odd "
                "request from a leader, a sender address that is nearly ours, and an "
                "attachment you did not expect.\n\nThink of a suspicious message you have "
                "received, at work or at home. Which sign gave it away, or which one would "
                "you have missed? Please remove names and addresses before you post. Real "
                "examples teach the next cohort more than any slide I could write.",
            ),
            Said(
                "sofia",
                ago(6, 3),
                "The nearly-ours address is the one I would miss. At my last job we got a "
                "*shared document* notice from a domain with one extra letter in the company "
                "name, and the page behind the link looked exactly like our sign-in page. I "
                "only noticed because my password manager did not offer to fill it in. That "
                "is a good argument for using the manager everywhere: it checks the address "
                "more carefully than I do.",
                voters=("priya", "aiko", "leila"),
            ),
            Said(
                "leila",
                ago(0, 20),
                'Urgency from a leader, in my case. A "CEO" once wrote to our whole support '
                "team on a Friday evening asking for gift cards for a client event, adding "
                "that he was stuck in meetings and could not take calls. Two colleagues "
                "nearly bought them. What stopped it was someone asking in our team channel "
                "whether anyone else had received the same message. Confirming through "
                "another channel really works.",
            ),
        ),
    ),
    Conversation(
        "security",
        "question",
        "Authenticator app on my personal phone, or wait for a hardware key?",
        (
            Said(
                "aiko",
                ago(7, 5),
                "The lesson says to prefer a hardware key or an authenticator app over text "
                "messages. I have not been given a hardware key yet, and I am not keen on "
                "putting work accounts on my personal phone.\n\nShould I turn on two-factor "
                "with text messages for now and switch later, or is an authenticator app on "
                "a personal phone acceptable here? I want this done this week, since the "
                "code host asks for it every time I sign in.",
            ),
            Said(
                "priya",
                ago(7, 1),
                "Use the authenticator app now. It is accepted on personal phones, and it is "
                "much safer than text messages, which can be redirected by someone who talks "
                "a phone company into moving your number. The app holds only the codes, not "
                "your work data, and gives the company no access to your phone.\n\nHardware "
                "keys are posted to new starters in their third week. When yours arrives, "
                "add it as a second method rather than replacing the app, so that you "
                "always have a fallback.",
                voters=("aiko", "tomas", "jonah", "sofia"),
            ),
            Said(
                "tomas",
                ago(6, 22),
                "What happens if I lose the phone, though? If the app is the only second "
                "factor on the code host and the cloud console, I imagine I would be locked "
                "out of everything at once, quite possibly on a day when I need to ship "
                "something urgent. Is there a recovery process, or should we set something "
                "up in advance?",
                to=1,
            ),
            Said(
                "priya",
                ago(6, 19),
                "Set it up in advance. Every service offers recovery codes when you turn on "
                "two-factor: save them in your private vault in the company password "
                "manager, never in a file on the laptop. If you lose both the phone and the "
                "codes, the IT help desk resets your second factor after a short video call "
                "to confirm it is you, which usually takes an hour or two. Report a lost "
                "phone the way you would a lost laptop: within the hour.",
                to=2,
                voters=("tomas",),
            ),
        ),
        accepted=1,
    ),
    Conversation(
        "security",
        "question",
        "Can I paste a customer's error log into a ticket?",
        (
            Said(
                "jonah",
                ago(4, 7),
                "I am picking up my first bug, and the customer's report includes a log "
                "excerpt with their account e-mail and part of a request body. The lesson "
                "says to remove names, e-mail addresses and payment details when a ticket "
                "needs an example. Does that apply to logs attached to the ticket as well? "
                "And is there a tool for it, or do we edit them by hand? Some of these logs "
                "are a few hundred lines long.",
            ),
            Said(
                "ben",
                ago(4, 3),
                "Yes, the rule covers attachments too: a log in a ticket is copied customer "
                "data, and far more people can read tickets than production logs.\n\nFor a "
                "few hundred lines, do not edit by hand. Keep only the lines around the "
                "error, then replace addresses and account names with placeholders such as "
                "`customer-email`; a search and replace in your editor is fine for that. If "
                "someone needs the full log, link to it in the log viewer instead, where "
                "access is already restricted.",
                voters=("jonah", "grace"),
            ),
            Said(
                "grace",
                ago(3, 20),
                "From the support side: when we attach logs to a customer's record, we strip "
                "them the same way and note in the ticket where the original can be found. "
                "If you ever need the customer's own words or a screenshot, ask the support "
                "person on the ticket. We can often get a cleaner example from the customer, "
                "with their details left out from the start.",
            ),
        ),
        accepted=1,
    ),
    Conversation(
        "security",
        "question",
        "Customers send screenshots with card numbers visible. What do we do with them?",
        (
            Said(
                "grace",
                ago(0, 9),
                "A customer sent us a screenshot of their billing page today to show a "
                "failed payment, and the full card number is visible in it. The lesson says "
                "never to copy customer data anywhere it is not needed, but the screenshot "
                "is already in our support inbox.\n\nShould I delete the e-mail, ask the "
                "customer for a cropped one, or report it somewhere? I have not forwarded it "
                "to anyone, and I do not want to make it worse.",
            ),
        ),
        cohort="customer-success",
    ),
    # Engineering workflow (Priya) -----------------------------------------------------------
    Conversation(
        "workflow",
        "prompt",
        "What is the smallest pull request you could open this week?",
        (
            Said(
                "priya",
                ago(13, 3),
                "The lesson asks for pull requests under about 400 changed lines, and "
                "branches that live no longer than three days. That is easy to agree with "
                "and harder to do when you are new and want to show a finished feature.\n\n"
                "So, a small challenge: look at the first ticket you have been given and "
                "describe the smallest piece of it that could be merged on its own, behind a "
                "feature flag if need be. Reply with the ticket's idea in a sentence, and "
                "the first slice you will ship.",
            ),
            Said(
                "tomas",
                ago(3, 8),
                "My first ticket adds a refund button to the payments admin page. The "
                "smallest slice I can think of is the API endpoint alone, with its tests, "
                "behind a flag that is off for everyone. The button comes second, in another "
                "pull request, once the endpoint has spent a day on staging. That also gives "
                "my reviewer two small pieces to read instead of one large one.",
                voters=("priya",),
            ),
            Said(
                "sofia",
                ago(2, 21),
                "I learned this the hard way with my first ticket, the invoice rounding fix "
                "that grew into a four-day branch. My next one adds a CSV export to the "
                "usage report, and the smallest slice is the query with its tests and no "
                "user interface, about 120 lines. Then the export button, then the e-mail "
                "delivery: three small reviews instead of one tired one.",
                to=1,
            ),
            Said(
                "ben",
                ago(2, 5),
                "Both good slices. One tip for the flagged endpoint, Tomás: write in the "
                "pull request description how to turn the flag on in staging, so that your "
                "reviewer can try it without asking. And for anyone still stuck with a "
                "ticket that seems impossible to divide, bring it to Thursday's workflow "
                "session; we will split a few of them live, together.",
            ),
        ),
    ),
    Conversation(
        "workflow",
        "question",
        "My branch is on day four. Split it or hide it behind a flag?",
        (
            Said(
                "sofia",
                ago(5, 6),
                "The lesson says a branch older than three days is a warning sign, and mine "
                "is on day four. It changes how invoice totals are rounded and adds a new "
                "setting to choose the rounding mode, about 650 changed lines in all. The "
                "rounding change is done; the setting needs another day or two.\n\nWould you "
                "split off the rounding fix and merge it now, or merge everything behind a "
                "feature flag? I am not sure which is less work for my reviewer.",
            ),
            Said(
                "ben",
                ago(5, 2),
                "Split it. The rounding fix changes behaviour that customers will notice, so "
                "it deserves its own pull request, with a description that says exactly "
                "which totals change and why. Merge it today.\n\nThe setting then goes in a "
                "second pull request, behind a flag if it is not finished. A feature flag is "
                "the right tool for unfinished work that has to merge, not for bundling two "
                "changes so that they are reviewed together.",
                voters=("sofia", "tomas"),
            ),
            Said(
                "priya",
                ago(4, 23),
                "Agreeing with Ben, and adding one thing: say in the rounding pull request "
                "how you would roll it back. A change to invoice totals is the kind of thing "
                "finance notices on the first of the month, so your reviewer should know "
                "whether reverting is enough or whether some invoices would need to be "
                "recalculated as well.",
                voters=("ben",),
            ),
        ),
        accepted=1,
    ),
    Conversation(
        "workflow",
        "question",
        "No deploys after 15:00 on Fridays: whose 15:00?",
        (
            Said(
                "tomas",
                ago(2, 2),
                "The lesson says we do not deploy after 15:00 on Fridays. Is that 15:00 in "
                "my own time zone, or in UTC, like our core hours? I am in Mexico City, so "
                "15:00 UTC is nine in the morning for me, and a UTC rule would mean I could "
                "hardly ever deploy on a Friday. I have a small fix ready for this Friday "
                "afternoon and would like to know before I merge it.",
                voters=("jonah", "aiko"),
            ),
            Said(
                "ben",
                ago(1, 22),
                "My understanding is that it is your own 15:00, since the point is that you "
                "are still around to watch the dashboards after the deploy, but I have seen "
                "people read it both ways. @priya.raman, you wrote this rule into the "
                "module: can you confirm, and say whether it changes when the on-call "
                "engineer is in a different time zone?",
            ),
            Said(
                "priya",
                ago(1, 17),
                "Ben has it right: 15:00 on Friday in the time zone of the person who "
                "merges, because you are the one who watches the dashboards for fifteen "
                "minutes and rolls back if needed. The on-call engineer is the safety net, "
                "not the plan, so their time zone does not change the rule.\n\nTomás, your "
                "fix can go out on Friday morning your time. I will add a sentence to the "
                "lesson so that the next cohort does not have to ask.",
                voters=("tomas", "ben", "jonah"),
            ),
        ),
        accepted=2,
    ),
    Conversation(
        "workflow",
        "question",
        "A flaky test fails my build. Whose job is it to fix it?",
        (
            Said(
                "aiko",
                ago(0, 10),
                "My pull request is blocked by a test in the billing service that fails "
                "about one run in five, and it has nothing to do with my change. The lesson "
                "says not to retry a failing job hoping it passes, but to find out why. I "
                "can see that the test depends on the current time, but I do not know the "
                "billing code at all. Should I fix it myself, ask the owning team, or "
                "disable it until someone does?",
            ),
            Said(
                "jonah",
                ago(0, 6),
                "Following this one: I hit the same test yesterday and retried it twice "
                "before I had read this lesson, so I am part of the problem. If it is the "
                "time-dependent one in the invoice tests, it seems to fail when a run "
                "crosses midnight UTC, which might help whoever picks it up. I would also "
                "like to know who owns it.",
            ),
        ),
    ),
    # Writing good tickets and docs (Priya) ----------------------------------------------
    Conversation(
        "tickets",
        "prompt",
        "Bring a ticket you would rewrite",
        (
            Said(
                "priya",
                ago(12, 4),
                "Every one of us has met a ticket that said only *Fix the export* or "
                "*Dashboard is slow*. Share one you remember from a previous job, with the "
                "details changed, and rewrite its first line as the problem rather than the "
                "fix, using the checklist from the lesson: who is affected, how badly, and "
                "what done looks like. It is a quick exercise, and reading each other's "
                "versions shows how much a good first line saves.",
            ),
            Said(
                "leila",
                ago(1, 10),
                "The one I remember read *Customer can't log in, urgent* and nothing else. "
                "My rewrite: *Team plan users who sign in with single sign-on get an error "
                "page after entering their password; about 40 accounts affected since "
                "Tuesday's release; done when they can sign in and we have told them.* It is "
                "longer, but the engineer would have known where to start looking.",
                voters=("priya", "grace"),
            ),
            Said(
                "jonah",
                ago(0, 22),
                "Mine was *Make the report page faster*. Rewritten: *The monthly usage "
                "report takes over 30 seconds to load for accounts with more than 50 users, "
                "so account managers export it to spreadsheets instead; done when it loads "
                "in under three seconds for our largest account.* Writing it out, I realised "
                "the last part is the real acceptance test, and that nobody had ever said "
                "what faster meant.",
            ),
        ),
    ),
    Conversation(
        "tickets",
        "question",
        "Do I write the bug ticket, or does engineering?",
        (
            Said(
                "leila",
                ago(1, 3),
                "When a customer reports a bug on a call, who writes the ticket: me, as the "
                "person who heard it, or an engineer on the owning team once I have told "
                "them in their channel? The template in the lesson asks for steps to "
                "reproduce, and I can usually get those from the customer, but I am less "
                "sure about the expected behaviour. I want the owning team to get what they "
                "need without me guessing at technical details.",
            ),
            Said(
                "marcus",
                ago(0, 23),
                "You write it, every time. You heard the customer, you have their words and "
                "their deadline, and you can reproduce it while the call is fresh. Fill in "
                "the parts of the template you know. Where you are unsure of the expected "
                "behaviour, write what the customer expected and say so; the owning team "
                "will correct it.\n\nThen post the ticket's link in their channel. A ticket "
                "written by support within the hour beats a perfect one written tomorrow.",
                voters=("leila", "grace"),
            ),
            Said(
                "grace",
                ago(0, 19),
                "Thanks, this helps me too. I had been sending bugs to the team channel as "
                "a message and waiting for someone to pick them up, which now sounds like "
                "the slow way round. I will start writing the tickets myself, and ask in the "
                "channel only when I am not sure which team owns the feature.",
            ),
        ),
        cohort="customer-success",
        accepted=1,
    ),
    Conversation(
        "tickets",
        "question",
        "Acceptance criteria for a refactor with no visible change?",
        (
            Said(
                "sofia",
                ago(0, 5),
                "I have a ticket to move our invoice PDF generation into its own module. "
                "Nothing changes for customers, so the usual *what done looks like* does not "
                "fit: there is no screen to check. What do people here write as acceptance "
                "criteria for a change like this? My best idea so far is *all existing tests "
                "pass and the PDFs are identical*, but I am not sure whether that second "
                "part is realistic, or whether I am missing something.",
            ),
        ),
    ),
    # Customer conversations and escalation (Marcus) -------------------------------------
    Conversation(
        "customers",
        "prompt",
        "When were your expectations set well, as a customer?",
        (
            Said(
                "marcus",
                ago(13, 6),
                "The lesson says to promise what you control: the time of your next update, "
                "not the date of the fix. Think of a time you were the customer, of a bank, "
                "an airline or a software vendor. When did someone set your expectations "
                "well, or badly, and what did they actually say? Share the words if you "
                "remember them. We will collect the best phrasings into this module's FAQ, "
                "so your reply may help a colleague on a difficult call.",
            ),
            Said(
                "ben",
                ago(5, 4),
                "When our office internet went down for a day, the provider's support agent "
                "told me: *I don't know when it will be fixed, but I will call you at three "
                "with whatever I know by then.* She called at three with no news, and again "
                "at five with a fix date. I was furious for the first hour and completely "
                "calm by the end. That sentence is now what I say on incident calls.",
                voters=("marcus", "leila", "grace"),
            ),
            Said(
                "grace",
                ago(1, 6),
                "A bad one: an airline told me my bag would arrive *in the next day or two*, "
                "and then nobody contacted me for six days. It was not the delay that upset "
                "me, it was not knowing whether anyone was looking. After this lesson I can "
                "see the difference: the agent promised the outcome, which she did not "
                "control, instead of the update, which she did.",
                to=1,
            ),
        ),
    ),
    Conversation(
        "customers",
        "question",
        "Severity 2 or 3: exports broken for one large customer?",
        (
            Said(
                "grace",
                ago(1, 15),
                "A large customer cannot export their monthly reports since yesterday, and "
                "their finance team needs them by Friday. Only this one customer seems "
                "affected, and there is no workaround that I know of. The severity table has "
                "*a key feature broken for many customers* at 2 and *a bug with a "
                "workaround* at 3, and this fits neither row exactly. Which should I choose, "
                "and who do I escalate to?",
                voters=("leila",),
            ),
            Said(
                "leila",
                ago(1, 12),
                "I would choose 2. The examples in the table are a guide, but the lesson "
                "says to decide with the customer's impact in mind and to pick the higher "
                "severity when in doubt. No workaround and a Friday deadline make it high "
                "for them, even if only one account is affected. That means a first "
                "response within four hours and a message in the owning team's channel, and "
                "you stay their contact until someone explicitly takes over.",
                voters=("grace", "marcus"),
            ),
            Said(
                "marcus",
                ago(1, 9),
                "Leila is right, and well argued. One addition, Grace: in your escalation, "
                "say plainly that it is one customer, so that the owning team does not go "
                "looking for a wider outage. And give the customer a time for your next "
                "update today, even if it only says the team is investigating. If more "
                "accounts turn out to be affected you can raise it; nobody will blame you "
                "for starting at 2.",
                to=1,
            ),
        ),
        accepted=1,
    ),
    Conversation(
        "customers",
        "question",
        "Can I offer a credit to calm down an upset customer?",
        (
            Said(
                "leila",
                ago(0, 16),
                "On a call today, a customer whose invoices were wrong for two months asked "
                "for compensation, not only a correction. The lesson says to say no clearly "
                "when the answer is no and to offer what we can do, but I do not know what I "
                "am allowed to offer. Does customer success have any say over credits or "
                "discounts, or does that always go through the account manager? I promised "
                "to call the customer back tomorrow.",
            ),
        ),
    ),
    # Giving and receiving feedback (Marcus) -----------------------------------------------
    Conversation(
        "feedback",
        "prompt",
        "Practise on praise: one situation, behaviour and impact",
        (
            Said(
                "marcus",
                ago(12, 23),
                "Critical feedback is the hard part, but the structure is easier to learn on "
                "praise. So here is the exercise: think of something a colleague did in your "
                "first weeks that helped you, and describe it as situation, behaviour and "
                "impact, in three sentences. Then, if you like, tell them directly too. "
                "Public thanks is one of the habits the lesson recommends, and this thread "
                "is a safe place to practise it.",
            ),
            Said(
                "sofia",
                ago(4, 20),
                "Here goes. In Tuesday's pairing session on the invoice rounding bug, "
                "@aiko.tanaka, you asked me to explain each step out loud before I typed "
                "it. Because of that I caught my own mistake in the tax calculation before "
                "we had even run the tests, and I have kept doing it on my own since. Thank "
                "you; it was the most useful hour of my week.",
                voters=("aiko", "marcus"),
            ),
            Said(
                "ben",
                ago(2, 14),
                "In Thursday's review of the refund endpoint, Tomás, you added a test for a "
                "refund of zero before anyone asked for one, and it found a real bug in the "
                "currency conversion that would have reached customers at the end of the "
                "month. That kind of care is what makes reviewing easy. I have said it in "
                "the team channel already; it deserves saying here too.",
                voters=("tomas",),
            ),
        ),
    ),
    Conversation(
        "feedback",
        "discussion",
        "Written feedback reads colder than we mean it. Do emoji help?",
        (
            Said(
                "tomas",
                ago(3, 22),
                "The lesson says written feedback lacks tone of voice and reads colder than "
                "intended. I notice it most in code reviews: *This should use the existing "
                "helper* reads fine to me when I write it, and harsh when I receive it. Some "
                "teams I have worked in used emoji, or labels like `nit:`, to soften "
                "comments. Does anyone here do that? Does it help, or does it only add "
                "noise?",
            ),
            Said(
                "jonah",
                ago(3, 15),
                "I like labels much more than emoji. `nit:`, `question:` and `blocking:` "
                "tell me how much the reviewer cares, which is what I am actually trying to "
                "guess from the tone. The workflow module asks reviewers to mark which "
                "comments block merging anyway, so the label does double duty. Emoji mean "
                "different things to different people, especially across cultures, so I "
                "would not rely on them.",
                voters=("tomas", "ben", "aiko"),
            ),
            Said(
                "ben",
                ago(3, 4),
                "Labels, yes. I would add one habit from this lesson: when a review needs "
                "more than a couple of critical comments, I suggest a short call instead, "
                "and then write the outcome in the pull request. Three paragraphs of written "
                "criticism land much harder than a ten-minute conversation, and the written "
                "summary keeps the decision where the next person can find it.",
            ),
            Said(
                "aiko",
                ago(2, 18),
                "Agreed on labels. One thing I noticed on the receiving end: a single line "
                "saying what is good about the change, before the comments, changes how I "
                "read everything after it. It costs the reviewer ten seconds. I have started "
                "doing it in my own reviews, and nobody has told me it feels forced.",
                to=1,
            ),
        ),
    ),
    Conversation(
        "feedback",
        "question",
        "How do I give feedback to someone more senior than me?",
        (
            Said(
                "aiko",
                ago(2, 9),
                "In a design review last week, a senior engineer from another team "
                "dismissed a question from our newest colleague quite sharply, and she went "
                "quiet for the rest of the meeting. I think he should know how it landed, and "
                "situation, behaviour and impact seems to fit. But I have been here three "
                "weeks and he has been here six years. Is it my place to say something, and "
                "if so, in writing or on a call?",
                voters=("tomas",),
            ),
            Said(
                "marcus",
                ago(2, 1),
                "It is your place. Feedback here is not reserved for managers, and people "
                "with six years of context are often the last to hear how they come across. "
                "Ask first, on a call rather than in writing, as the lesson suggests for "
                "critical feedback: *Do you have five minutes for some feedback on Tuesday's "
                "review?* Keep it to that one moment, describe what happened and how the "
                "room changed, and end with a question. If it goes badly, tell your manager.",
                voters=("aiko", "sofia", "jonah"),
            ),
            Said(
                "sofia",
                ago(1, 11),
                "I was in that review, and it struck me too. If it helps, I am happy to tell "
                "him so after you have talked to him: the lesson's point about patterns cuts "
                "both ways, and hearing the same thing from two people makes it easier to "
                "take seriously. But I agree with Marcus that it should start with one "
                "conversation, not two people at once.",
            ),
        ),
        cohort="engineering",
        accepted=1,
    ),
    # On-call (Priya's draft: only managers and its owner see it) ---------------------------
    Conversation(
        "on-call",
        "prompt",
        "Reviewers wanted: what is missing before this goes live?",
        (
            Said(
                "priya",
                ago(9, 2),
                "This module is still a draft, so only managers can see it and this thread. "
                "Before I publish it for the engineering cohort, I would like a second pair "
                "of eyes on the parts listed under *Still to write*, and on anything in the "
                "pager steps that does not match how your teams actually work. In "
                "particular: is ten minutes before the secondary is paged right for every "
                "team, or do some of you use five?",
            ),
            Said(
                "marcus",
                ago(8, 5),
                "Reading it as someone outside engineering: step three points to the "
                "severity table in my customer module, which is good, but customer success "
                "also declares severity from the customer's side. Could you add a line on "
                "who decides when support and the on-call engineer disagree? On our team it "
                "has been the higher of the two, which matches *when in doubt, choose the "
                "higher severity*.",
            ),
            Said(
                "dana",
                ago(7, 20),
                "Ten minutes matches what the pager tool is configured for on every team; I "
                "checked the escalation policies this morning. On compensation, the people "
                "team keeps a one-page summary per country that we can link to rather than "
                "copy, so that it stays current. I would publish once the hand-over template "
                "is in; the dashboards section can follow in a second revision.",
            ),
        ),
    ),
)

_ACCEPT = -1  # in the timeline, the event of a conversation's answer being accepted


def seed_threads(demo: Demo) -> None:
    """Replay the conversations through the services, in the order they happened.

    The services stamp "now"; each step is moved back to its time right after it runs, so
    ids follow time across the whole demo, a thread's last activity is its last post, and
    notifications carry the time of what they tell. Whoever writes in a thread has read it
    up to there (read mark and notifications), so each person's unread items are the ones
    that came after their last visit.
    """
    timeline: list[tuple[datetime, int, int]] = []
    for c, conversation in enumerate(CONVERSATIONS):
        timeline += [(demo.now - said.ago, c, p) for p, said in enumerate(conversation.posts)]
        if conversation.accepted is not None:
            answered = demo.now - conversation.posts[conversation.accepted].ago
            timeline.append((min(answered + ACCEPTED_AFTER, demo.now), c, _ACCEPT))
    timeline.sort()

    made: dict[int, Thread] = {}
    post_ids: dict[tuple[int, int], int] = {}
    for when, c, p in timeline:
        conversation = CONVERSATIONS[c]
        before = _last_notification_id()
        if p == _ACCEPT:
            thread = made[c]
            asker = demo.people[conversation.posts[0].who]
            threads.accept(asker, thread.id, post_ids[c, conversation.accepted])
            _caught_up(asker, thread, when)
        else:
            said = conversation.posts[p]
            author = demo.people[said.who]
            if p == 0:
                thread = made[c] = _open(demo, conversation, author)
                thread.created_at = when
            else:
                thread = made[c]
                parent = post_ids[c, said.to] if said.to is not None else None
                posts.reply(
                    author, thread.id, body=said.body, parent_id=parent, anonymous=said.anonymous
                )
            post_ids[c, p] = thread.last_post_id
            db.session.get(Post, thread.last_post_id).created_at = when
            thread.last_activity_at = when
            _caught_up(author, thread, when)
        db.session.flush()
        db.session.execute(
            update(Notification)
            .where(Notification.id > before)
            .values(created_at=when)
            .execution_options(synchronize_session=False)
        )

    # Votes carry no time, so they come last.
    for c, conversation in enumerate(CONVERSATIONS):
        for p, said in enumerate(conversation.posts):
            for voter in said.voters:
                posts.vote(demo.people[voter], post_ids[c, p], 1)


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
    return db.session.scalar(select(func.coalesce(func.max(Notification.id), 0)))


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


# Loading ----------------------------------------------------------------------------------

# Each part builds on the ones before it; later features append theirs.
PARTS: list[Callable[[Demo], None]] = [seed_people, seed_modules, seed_cohorts, seed_threads]


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
