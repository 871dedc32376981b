"""GET /openapi.json and GET /health."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from tests.api.helpers import expect_error

# The contract's paths (with its {id} spelled as our routes name them) and their methods.
CONTRACT = {
    "/auth/token": {"post", "delete"},
    "/me": {"get"},
    "/users": {"post", "get"},
    "/users/{}": {"patch"},
    "/cohorts": {"post", "get"},
    "/cohorts/{}": {"get"},
    "/cohorts/{}/members": {"post"},
    "/cohorts/{}/members/{}": {"delete"},
    "/cohorts/{}/schedule/{}": {"put"},
    "/modules": {"post", "get"},
    "/modules/{}": {"get", "patch"},
    "/modules/{}/revisions": {"get"},
    "/health": {"get"},
    "/office-hours": {"post", "get"},
    "/office-hours/{}": {"patch", "delete"},
    "/office-hours/{}/start": {"post"},
    "/office-hours/{}/end": {"post"},
    "/office-hours/{}/transcript": {"get"},
    "/office-hours/{}/questions/{}/archive": {"post"},
}
# Request bodies: operation -> (required fields, every documented field).
REQUEST_SCHEMAS = {
    ("/auth/token", "post"): ({"email", "password"}, {"email", "password"}),
    ("/users", "post"): ({"email", "name"}, {"email", "name", "password", "role"}),
    ("/users/{}", "patch"): (set(), {"name", "role", "active"}),
    ("/cohorts", "post"): ({"name"}, {"name", "description"}),
    ("/cohorts/{}/members", "post"): ({"user_id"}, {"user_id", "role"}),
    ("/cohorts/{}/schedule/{}", "put"): ({"due_at"}, {"due_at"}),
    ("/modules", "post"): (
        {"title", "body"},
        {"title", "body", "summary", "video_url", "owner_id", "position", "published"},
    ),
    ("/modules/{}", "patch"): (
        set(),
        {"title", "body", "summary", "video_url", "owner_id", "position", "published"},
    ),
    ("/office-hours", "post"): (
        {"title", "starts_at", "ends_at"},
        {"title", "starts_at", "ends_at", "cohort_id", "module_id"},
    ),
    ("/office-hours/{}", "patch"): (set(), {"title", "starts_at", "ends_at"}),
    ("/office-hours/{}/questions/{}/archive", "post"): ({"answer"}, {"answer", "module_id"}),
}
LISTS = ["/users", "/cohorts", "/modules", "/modules/{}/revisions", "/office-hours"]


@pytest.fixture
def spec(api):
    r = api().get("/openapi.json")
    assert r.status_code == 200
    assert r.is_json
    return r.get_json()


def _paths(spec) -> dict[str, dict]:
    """Paths relative to /api/v1, parameter names blanked: /modules/{module_id} -> /modules/{}."""
    out = {}
    for path, item in spec["paths"].items():
        assert path.startswith("/api/v1/"), path
        out[re.sub(r"\{[^}]+\}", "{}", path.removeprefix("/api/v1"))] = item
    return out


def _resolve(spec, node: dict) -> dict:
    while "$ref" in node:
        assert node["$ref"].startswith("#/"), node
        target = spec
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def _request_schema(spec, path: str, method: str) -> dict:
    operation = _paths(spec)[path][method]
    return _resolve(spec, operation["requestBody"]["content"]["application/json"]["schema"])


def test_openapi_is_an_openapi_3_document(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    assert spec["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}


def test_openapi_lists_every_endpoint_of_the_contract(spec):
    paths = _paths(spec)
    for path, methods in CONTRACT.items():
        assert path in paths, path
        assert methods <= set(paths[path]), (path, set(paths[path]))


# What each kind of operation can answer besides success (API.md's error statuses).
EVERY = {"413", "503"}
WRITES = {"400", "409"}
SIGNED_IN = {"401", "403"}


@pytest.mark.parametrize(
    ("path", "method", "expected"),
    [
        ("/api/v1/threads/{thread_id}/posts", "post", EVERY | WRITES | SIGNED_IN | {"404", "429"}),
        ("/api/v1/me/tokens/{token_id}", "delete", EVERY | WRITES | SIGNED_IN | {"404"}),
        ("/api/v1/modules/{module_id}", "get", EVERY | SIGNED_IN | {"404"}),
        ("/api/v1/search", "get", EVERY | SIGNED_IN | {"400", "422", "429"}),
        ("/api/v1/auth/token", "post", EVERY | WRITES | {"401", "422", "429"}),
    ],
)
def test_operations_list_their_error_statuses_not_a_catch_all(spec, path, method, expected):
    responses = set(spec["paths"][path][method]["responses"])
    assert "default" not in responses
    assert expected <= responses, expected - responses


def test_every_operation_has_responses_and_every_ref_resolves(spec):
    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                _resolve(spec, node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    for path, item in spec["paths"].items():
        named = set(re.findall(r"\{([^}]+)\}", path))
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation["responses"], (path, method)
            declared = {
                p["name"]
                for p in item.get("parameters", []) + operation.get("parameters", [])
                if p["in"] == "path"
            }
            assert declared == named, (path, method)


@pytest.mark.parametrize(
    ("key", "expected"),
    REQUEST_SCHEMAS.items(),
    # Sets print in a per-process order: ids from them would differ between xdist workers.
    ids=[f"{method} {path}" for path, method in REQUEST_SCHEMAS],
)
def test_openapi_describes_the_request_bodies(spec, key, expected):
    path, method = key
    required, documented = expected
    schema = _request_schema(spec, path, method)
    assert schema["type"] == "object"
    assert set(schema["properties"]) == documented
    assert set(schema.get("required", [])) == required


def test_openapi_gives_text_limits_and_types(spec):
    props = _request_schema(spec, "/modules", "post")["properties"]
    assert props["title"]["type"] == "string" and props["title"]["maxLength"] == 200
    assert props["body"]["maxLength"] == 20000
    assert props["published"]["type"] == "boolean"
    assert props["position"]["type"] == "integer" and props["owner_id"]["type"] == "integer"
    due = _request_schema(spec, "/cohorts/{}/schedule/{}", "put")["properties"]["due_at"]
    assert due["type"] == "string"


@pytest.mark.parametrize("path", LISTS)
def test_openapi_lists_are_the_envelope_with_paging_parameters(spec, path):
    operation = _paths(spec)[path]["get"]
    schema = _resolve(spec, operation["responses"]["200"]["content"]["application/json"]["schema"])
    assert set(schema["properties"]) == {"items", "page", "per_page", "total"}
    assert schema["properties"]["items"]["type"] == "array"
    query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    assert {"page", "per_page"} <= query


def test_openapi_documents_the_error_shape_and_sign_in(spec):
    me = _paths(spec)["/me"]["get"]
    assert me["security"] == [{"bearer": []}]
    unauthorized = _resolve(spec, me["responses"]["401"])
    error = _resolve(spec, unauthorized["content"]["application/json"]["schema"])
    assert set(error["properties"]) == {"error"}
    body = _resolve(spec, error["properties"]["error"])
    assert set(body["properties"]) == {"code", "message", "fields"}
    assert "security" not in _paths(spec)["/health"]["get"]


# Health -----------------------------------------------------------------------------------

PARTS = {"database", "search", "message_queue"}


def test_health_reports_every_part(api, backend):
    r = api().get("/health")
    assert r.status_code == 200
    body = r.get_json()
    assert set(body) == {"status"} | PARTS
    assert body == {"status": "ok", "database": "ok", "search": "ok", "message_queue": "off"}


def test_a_missing_index_is_down_posting_goes_on_and_a_worker_rebuilds_it(app, api, member):
    """A fresh install has no Whoosh index: search is down, nothing else is, and the first
    worker pass rebuilds it (PostgreSQL keeps its index in the database)."""
    from forum.background import run_pending
    from forum.search.indexing import check_index
    from tests.factories import make_module

    if app.config["SEARCH_BACKEND"] != "whoosh":
        pytest.skip("only a Whoosh index lives outside the database")
    body = api().get("/health").get_json()
    assert (body["search"], body["status"], body["database"]) == ("down", "degraded", "ok")
    module = make_module(title="Badges and doors")
    r = api(member).post(f"/modules/{module.id}/threads", json={"title": "Door badge", "body": "?"})
    assert r.status_code == 201
    check_index()
    while sum(run_pending()):
        pass
    assert api().get("/health").get_json()["search"] == "ok"
    assert api(member).get("/search?q=badge").get_json()["total"] >= 2


def test_health_is_degraded_when_redis_is_down(app, api):
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    r = api().get("/health")
    assert r.status_code == 200
    body = r.get_json()
    assert body["message_queue"] == "down" and body["status"] == "degraded"
    assert body["database"] == "ok"


def test_health_is_503_when_the_database_is_down(api, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(Session, "execute", unreachable)
    r = api().get("/health")
    assert r.status_code == 503
    body = r.get_json()
    assert body["database"] == "down" and body["status"] == "degraded"
    assert set(body) == {"status"} | PARTS


def test_health_answers_only_get(api):
    expect_error(api().post("/health", json={}), 405)
