"""The settings page: change the password, end other sessions, see and revoke tokens."""

from __future__ import annotations

from forum.services import accounts
from tests.api.helpers import fresh
from tests.factories import PASSWORD
from tests.web.conftest import post_form, text_of

NEW_PASSWORD = "a brand new passphrase"


def test_the_page_lists_sessions_and_tokens(app, login, member):
    accounts.issue_token(member, "nightly export")
    client = login(member)
    page = text_of(client.get("/settings"))
    assert "this browser" in page
    assert "nightly export" in page and "never used" in page


def test_changing_the_password_keeps_this_browser_and_ends_the_others(app, login, member):
    here, other = login(member), login(member)
    token = accounts.issue_token(member).token
    r = post_form(
        here,
        "/settings/password",
        {"current_password": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert r.status_code == 302
    assert here.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302
    fresh()
    assert accounts.user_for_token(token) is None
    assert accounts.authenticate(member.email, NEW_PASSWORD).id == member.id


def test_a_wrong_current_password_is_shown_on_the_form(app, login, member):
    client = login(member)
    r = post_form(
        client,
        "/settings/password",
        {"current_password": "not it at all", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert r.status_code == 400
    assert "not your current password" in text_of(r)
    assert accounts.authenticate(member.email, PASSWORD)


def test_signing_out_everywhere_else(app, login, member):
    here, other = login(member), login(member)
    r = post_form(here, "/settings/sessions/end-others")
    assert r.status_code == 302
    assert here.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302


def test_making_and_revoking_a_token(app, login, member):
    client = login(member)
    r = post_form(client, "/settings/tokens", {"label": "report script"})
    assert r.status_code == 201
    token = r.get_data(as_text=True).split('id="new-token" type="text" readonly value="')[1]
    token = token.split('"')[0]
    fresh()
    assert accounts.user_for_token(token).id == member.id
    assert token not in client.get("/settings").get_data(as_text=True)  # shown once
    (row,) = accounts.list_tokens(member)
    assert post_form(client, f"/settings/tokens/{row.id}/revoke").status_code == 302
    fresh()
    assert accounts.user_for_token(token) is None


def test_nobody_revokes_someone_elses_token(app, login, member, manager):
    accounts.issue_token(manager)
    (row,) = accounts.list_tokens(manager)
    assert post_form(login(member), f"/settings/tokens/{row.id}/revoke").status_code == 404
    assert accounts.list_tokens(manager)


def test_the_settings_page_needs_signing_in(client):
    assert client.get("/settings").status_code == 302


def test_sessions_and_tokens_are_named_by_browser_and_system(app, member):
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0"
    assert accounts.client_label(firefox) == "Firefox on Windows"
    assert accounts.client_label("curl/8.4.0") == "curl"
    assert accounts.client_label("my-script\x00\n") == "my-script"
    assert accounts.client_label(None) == ""


def test_every_page_links_to_the_settings(app, login, member):
    assert 'href="/settings"' in login(member).get("/").get_data(as_text=True)
