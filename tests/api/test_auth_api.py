from __future__ import annotations

from tests.factories import PASSWORD


def test_token_round_trip(api, member):
    r = api().post("/auth/token", json={"email": member.email, "password": PASSWORD})
    assert r.status_code == 200
    body = r.get_json()
    assert body["user"] == {
        "id": member.id,
        "email": member.email,
        "name": member.name,
        "role": "member",
        "active": True,
    }
    token = body["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert api().get("/me", headers=headers).get_json()["id"] == member.id
    assert api().delete("/auth/token", headers=headers).status_code == 204
    r = api().get("/me", headers=headers)
    assert r.status_code == 401
    assert r.get_json()["error"]["code"] == "unauthorized"


def test_wrong_password_is_401_in_the_error_shape(api, member):
    r = api().post("/auth/token", json={"email": member.email, "password": "nope-nope"})
    assert r.status_code == 401
    assert set(r.get_json()["error"]) >= {"code", "message"}


def test_malformed_json_is_a_clear_400(api):
    r = api().post("/auth/token", data="{not json", content_type="application/json")
    assert r.status_code in (400, 422)
    assert r.get_json()["error"]["code"] == "invalid"
