"""Security headers (issue 11): a strict Content-Security-Policy on every page, the usual
set on every response, and Secure cookies with HSTS once the site is served over https."""

from __future__ import annotations

import pytest

from forum import markdown
from tests.conftest import CSRF_META

STRICT = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self'",
    "object-src": "'none'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
}


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.parametrize("path", ["/login", "/forgot-password", "/", "/search?q=key", "/nope"])
def test_every_page_has_a_strict_policy_with_the_sites_own_websocket(app, login, member, path):
    client = login(member)
    policy = _policy(client.get(path))
    assert {k: policy[k] for k in STRICT} == STRICT
    assert "unsafe" not in " ".join(policy.values())
    assert "ws://localhost" in policy["connect-src"].split()


def test_every_response_has_the_usual_headers(client):
    for response in (client.get("/login"), client.get("/api/v1/health")):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "camera=()" in response.headers["Permissions-Policy"]
        assert "Strict-Transport-Security" not in response.headers  # plain http here


class TestHttps:
    @pytest.fixture
    def app_config(self):
        return {"BASE_URL": "https://learn.example.com"}

    def test_cookies_are_secure_and_hsts_is_sent(self, app, member):
        client = app.test_client()
        site = "https://learn.example.com"
        page = client.get("/login", base_url=site).get_data(as_text=True)
        token = CSRF_META.search(page).group(1)
        form = {"email": member.email, "password": "correct horse battery", "csrf_token": token}
        # Over https Flask-WTF also wants a Referer from the same site.
        r = client.post("/login", data=form, base_url=site, headers={"Referer": f"{site}/login"})
        assert r.status_code == 302
        cookies = r.headers.getlist("Set-Cookie")
        assert cookies and all("Secure" in c for c in cookies)
        assert r.headers["Strict-Transport-Security"].startswith("max-age=")
        assert "wss://learn.example.com" in _policy(client.get("/login"))["connect-src"]


def test_table_alignment_is_a_class_not_an_inline_style():
    html = markdown.render("| a | b |\n|:-:|--:|\n| 1 | 2 |")
    assert "style=" not in html
    assert 'class="align-center"' in html and 'class="align-right"' in html
