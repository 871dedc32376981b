"""Names and e-mail addresses that could pass for someone else's are refused (issue 11):
invisible and direction characters in names, look-alike letters of another alphabet in
addresses; through the API, the people page and the command line alike."""

from __future__ import annotations

import unicodedata

import pytest
from sqlalchemy import select

from forum.models import User
from tests.api.helpers import count, expect_invalid, fresh
from tests.web.conftest import post_form

HIDDEN = {
    "bidi override": "Anna \u202eMüller",
    "bidi isolate": "Anna \u2066Müller\u2069",
    "right-to-left mark": "Anna\u200f Müller",
    "zero-width space": "Ann\u200ba Müller",
    "zero-width joiner": "Anna\u200d Müller",
    "word joiner": "Anna\u2060Müller",
    "byte order mark": "\ufeffAnna Müller",
    "soft hyphen": "Anna Mül\u00adler",
    "control character": "Anna\x07 Müller",
    "line separator": "Anna\u2028Müller",
    "paragraph separator": "Anna\u2029Müller",
    "variation selector": "Anna\ufe0f Müller",
    "tag character": "Anna Müller\U000e0041",
    "Hangul filler": "Anna\u3164Müller",
    "private use": "Anna \ue000Müller",
}
ONLY_HIDDEN = ["\u200b", "\u200b\u200c\u200d", "\u202e", "\u3164", "\u2800", "\u0301\u0301"]
FINE = ["Anna Müller", "李小龍", "Zoë O'Brien-Smith", "Σωκράτης", "محمد", "Åsa 2nd", "R2-D2 🤖"]


def _create(api, admin, name: str, email: str = "new@example.com"):
    return api(admin).post("/users", json={"email": email, "name": name})


@pytest.mark.parametrize("name", HIDDEN.values(), ids=HIDDEN.keys())
def test_a_name_with_an_invisible_character_is_refused(api, admin, name):
    before = count(User)
    error = expect_invalid(_create(api, admin, name), "name")
    assert "U+" in error["fields"]["name"]  # says which character
    assert count(User) == before


@pytest.mark.parametrize("name", ONLY_HIDDEN)
def test_a_name_of_nothing_visible_is_refused(api, admin, name):
    before = count(User)
    expect_invalid(_create(api, admin, name), "name")
    assert count(User) == before


@pytest.mark.parametrize("name", FINE)
def test_names_in_any_script_are_kept_as_written(api, admin, name):
    r = _create(api, admin, name)
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["name"] == name


def test_a_decomposed_name_is_stored_composed(api, admin):
    decomposed = "Anna Mu\u0308ller"
    r = _create(api, admin, decomposed)
    assert r.status_code == 201
    stored = fresh().get(User, r.get_json()["id"]).name
    assert stored == "Anna Müller" == unicodedata.normalize("NFC", decomposed)


def test_renaming_someone_to_a_hidden_name_is_refused(api, admin, member):
    r = api(admin).patch(f"/users/{member.id}", json={"name": HIDDEN["bidi override"]})
    expect_invalid(r, "name")
    assert fresh().get(User, member.id).name == "Mia Member"


def test_the_people_page_refuses_a_hidden_name(login, manager):
    r = post_form(
        login(manager),
        "/people",
        {"email": "new@example.com", "name": HIDDEN["zero-width space"], "role": "member"},
    )
    assert "invisible" in r.get_data(as_text=True)
    assert fresh().scalar(select(User).where(User.email == "new@example.com")) is None


def test_the_command_line_refuses_a_hidden_name(runner):
    r = runner.invoke(args=["users", "create", "--email", "a@example.com", "--name", "\u202eAnna"])
    assert r.exit_code != 0
    assert fresh().scalar(select(User).where(User.email == "a@example.com")) is None


LOOK_ALIKES = {
    "Cyrillic a in the local part": "\u0430nna@example.com",
    "Cyrillic a in the domain": "anna@ex\u0430mple.com",
    "Greek omicron in the domain": "anna@micr\u03bfsoft.com",
    "the same, as punycode": "anna@xn--exmple-4nf.com",
    "Cyrillic word beside a Latin one": "\u0430\u043d\u043d\u0430.smith@corp.local",
}
ONE_ALPHABET = [
    "jürgen@müller.de",
    "иван@пример.рф",
    "山田たろう@example.jp",
    "ελένη@example.gr",
    "ops.team@corp.local",
]


@pytest.mark.parametrize("address", LOOK_ALIKES.values(), ids=LOOK_ALIKES.keys())
def test_an_address_mixing_look_alike_alphabets_is_refused(api, admin, address):
    before = count(User)
    error = expect_invalid(_create(api, admin, "Anna", email=address), "email")
    assert "alphabet" in error["fields"]["email"]
    assert count(User) == before


@pytest.mark.parametrize("address", ONE_ALPHABET)
def test_an_address_in_one_alphabet_is_taken(api, admin, address):
    r = _create(api, admin, "Anna", email=address)
    assert r.status_code == 201, r.get_json()


def test_the_people_page_refuses_a_look_alike_address(login, manager):
    address = LOOK_ALIKES["Cyrillic a in the domain"]
    client = login(manager)
    before = count(User)
    r = post_form(client, "/people", {"email": address, "name": "A", "role": "member"})
    assert "alphabet" in r.get_data(as_text=True)
    assert count(User) == before
