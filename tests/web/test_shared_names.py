"""Two people may share a name (issue 11): wherever a name is shown to others and another
active person's name reads the same (the same name, or one made to look like it with
letters of another alphabet), the person's unique @handle stands beside it. Other names
are shown alone."""

from __future__ import annotations

import re

import pytest

from forum.services import accounts, notifications, posts, threads
from tests import factories
from tests.web.conftest import text_of
from tests.web.test_layout_and_queries import counted

ANNA = "Anna Müller"
LOOKALIKE = "\u0410nna M\u00fcller"  # a Cyrillic capital A


@pytest.fixture
def world(app, manager):
    owner = factories.make_user(name="Olga Owner")
    anna = factories.make_user(name=ANNA)
    module = factories.make_module(title="Shared names", owner=owner, actor=manager)
    cohort = factories.make_cohort({anna: "learner", owner: "facilitator"}, actor=manager)
    thread = threads.create_thread(anna, module.id, title="Who am I?", body="A question.")
    posts.reply(owner, thread.id, body="An answer by a unique name.")
    return {"owner": owner, "anna": anna, "module": module, "cohort": cohort, "thread": thread}


def _pages(world) -> dict[str, str]:
    return {
        "thread": f"/threads/{world['thread'].id}",
        "module": f"/modules/{world['module'].id}",
        "cohort": f"/cohorts/{world['cohort'].id}",
    }


def _shown(client, path: str) -> str:
    return text_of(client.get(path, follow_redirects=True))


def _marked(text: str, user) -> bool:
    """The page shows this person's own @handle (not one it is the start of)."""
    return re.search(rf"@{re.escape(user.handle)}(?![\w.])", text) is not None


@pytest.mark.parametrize("page", ["thread", "module", "cohort"])
def test_a_name_nobody_else_has_is_shown_alone(world, login, manager, page):
    text = _shown(login(manager), _pages(world)[page])
    assert ANNA in text
    assert not _marked(text, world["anna"])


@pytest.mark.parametrize(
    "second", [ANNA, LOOKALIKE, "anna  müller"], ids=["same", "lookalike", "case"]
)
@pytest.mark.parametrize("page", ["thread", "module", "cohort"])
def test_a_name_another_person_also_has_carries_the_handle(world, login, manager, page, second):
    other = factories.make_user(name=second)
    text = _shown(login(manager), _pages(world)[page])
    assert f"{ANNA} @{world['anna'].handle}" in text
    assert world["anna"].handle != other.handle
    assert "Olga Owner @" not in text  # a unique name stays alone


def test_both_people_of_one_name_are_told_apart_on_the_thread(world, login, manager):
    other = factories.make_user(name=ANNA)
    posts.reply(other, world["thread"].id, body="Me too, but another Anna.")
    text = _shown(login(manager), _pages(world)["thread"])
    assert f"{ANNA} @{world['anna'].handle}" in text
    assert f"{ANNA} @{other.handle}" in text


def test_a_cached_card_shows_the_handle_once_the_name_is_shared(world, login, manager):
    client = login(manager)
    path = _pages(world)["thread"]
    assert not _marked(_shown(client, path), world["anna"])  # the card is cached now
    factories.make_user(name=ANNA)
    assert f"{ANNA} @{world['anna'].handle}" in _shown(client, path)


def test_renaming_someone_to_a_taken_name_brings_the_handles(world, login, admin, manager):
    bob = factories.make_user(name="Bob")
    assert not _marked(_shown(login(manager), _pages(world)["thread"]), world["anna"])
    accounts.update_user(admin, bob.id, name=ANNA)
    assert f"{ANNA} @{world['anna'].handle}" in _shown(login(manager), _pages(world)["thread"])


def test_a_deactivated_namesake_does_not_mark_the_active_person(world, login, admin, manager):
    gone = factories.make_user(name=ANNA)
    posts.reply(gone, world["thread"].id, body="Written before leaving.")
    accounts.update_user(admin, gone.id, active=False)
    text = _shown(login(manager), _pages(world)["thread"])
    # The one who left is told apart from the active Anna; she needs no handle for that.
    assert f"{ANNA} @{gone.handle}" in text
    assert not _marked(text, world["anna"])


def test_notifications_name_the_actor_with_the_handle(world, login, manager):
    other = factories.make_user(name=ANNA)
    owner = world["owner"]
    posts.reply(other, world["thread"].id, body=f"Asking @{owner.handle} too.")
    assert notifications.list_notifications(owner).items
    text = _shown(login(owner), "/notifications")
    assert f"{ANNA} (@{other.handle})" in text


def test_the_api_always_gives_the_handle_beside_the_name(world, api, manager):
    body = api(manager).get(f"/threads/{world['thread'].id}").get_json()
    anna = world["anna"]
    assert body["author"] == {"id": anna.id, "name": ANNA, "handle": anna.handle}


def test_the_thread_page_asks_once_whatever_the_number_of_names(world, login, manager):
    client = login(manager)
    path = _pages(world)["thread"]

    def queries_with(people: int) -> int:
        for n in range(people):
            person = factories.make_user(name=ANNA if n % 2 else f"Person {n}")
            posts.reply(person, world["thread"].id, body=f"Reply {n}")
        with counted() as statements:
            page = client.get(path, follow_redirects=True)
        assert page.status_code == 200
        return len([s for s in statements if re.search(r"GROUP BY users.name_key", s)])

    assert queries_with(2) == queries_with(10) == 1
