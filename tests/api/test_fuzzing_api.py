"""The API fuzzed from its own description (Schemathesis over /api/v1/openapi.json).

Every operation the description lists is called with generated requests, valid ones and
invalid ones, signed in as a demo learner and as the demo's admin: no answer may be a 5xx,
and every answer must be one the description gives (its status, its media type, its body's
schema). The world is the demo (``seed-demo``), so ids in paths mostly name real things.

The number of examples per operation is bounded (``FORUM_FUZZ_EXAMPLES``, default 12 of
each kind) and generation is derandomised, so a run takes the same requests every time and
fits CI; ``FORUM_FUZZ_EXAMPLES=200 FORUM_FUZZ_SEED=random`` explores further on a laptop.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

schemathesis = pytest.importorskip("schemathesis")

from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from forum import create_app  # noqa: E402
from forum.extensions import db as _db  # noqa: E402
from forum.models import User  # noqa: E402
from forum.services import accounts  # noqa: E402
from tests.conftest import FreshContextClient, _base_config  # noqa: E402

EXAMPLES = int(os.environ.get("FORUM_FUZZ_EXAMPLES", "12"))
RANDOM = os.environ.get("FORUM_FUZZ_SEED") == "random"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
ROLES = {"learner": "sofia.lindqvist@example.com", "admin": "dana.whitfield@example.com"}
# Ids the demo certainly has of every kind it makes (people, modules, threads, posts,
# cohorts, FAQ entries…); a path id is one of them three times out of four.
REAL_IDS = st.integers(min_value=1, max_value=8)


def _description_app(folder: str):
    config = _base_config(f"sqlite:///{folder}/describe.db", folder)
    return create_app(config)


def _operations() -> list[tuple[str, GenerationMode]]:
    """Each operation the description lists, with valid input and, when it takes any
    input (parameters or a body), invalid input; read when the tests are collected."""
    with tempfile.TemporaryDirectory() as folder:
        app = _description_app(folder)
        spec = app.test_client().get("/api/v1/openapi.json").get_json()
        with app.app_context():
            _db.engine.dispose()
    verbs = {"get", "put", "post", "patch", "delete"}
    found = []
    for path, item in spec["paths"].items():
        for verb, operation in item.items():
            if verb not in verbs:
                continue
            label = f"{verb.upper()} {path}"
            found.append(pytest.param(label, GenerationMode.POSITIVE, id=f"{label}-valid"))
            if operation.get("parameters") or item.get("parameters") or "requestBody" in operation:
                found.append(pytest.param(label, GenerationMode.NEGATIVE, id=f"{label}-invalid"))
    return found


@dataclass
class World:
    """The demo served in-process, a schema loaded from it, and one person's token."""

    app: object
    schema: object
    email: str
    token: str = ""
    failures: list[str] = field(default_factory=list)

    def sign_in(self) -> None:
        with self.app.app_context():
            user = _db.session.scalar(_db.select(User).where(User.email == self.email))
            self.token = accounts.issue_token(user, "fuzzing").token

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module", params=sorted(ROLES))
def world(request, tmp_path_factory) -> Iterator[World]:
    folder = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    app = create_app({**_base_config(f"sqlite:///{folder}/forum.db", str(folder))})
    app.test_client_class = FreshContextClient
    with app.app_context():
        _db.create_all()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    world = World(app, schema, ROLES[request.param])
    world.sign_in()
    yield world
    with app.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _with_real_ids(drawn) -> object:
    case, ids, use_real = drawn
    if use_real and case.path_parameters:
        for name, value in zip(sorted(case.path_parameters), ids, strict=False):
            case.path_parameters[name] = value
    return case


def _cases(operation, mode: GenerationMode):
    count = len(operation.path_parameters)
    real = st.lists(REAL_IDS, min_size=count, max_size=count)
    # Three times out of four a valid path names things that exist, so the handlers run;
    # an invalid one is left as generated.
    chances = [True, True, True, False] if mode == GenerationMode.POSITIVE else [False]
    use_real = st.sampled_from(chances)
    strategy = operation.as_strategy(generation_mode=mode)
    return st.tuples(strategy, real, use_real).map(_with_real_ids)


def _fuzz(world: World, label: str, mode: GenerationMode) -> None:
    operation = world.schema.find_operation_by_label(label)
    assert operation is not None, label

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=_cases(operation, mode))
    def run(case) -> None:
        response = case.call(headers=world.headers)
        if response.status_code == 401 and case.operation.security:  # it revoked our token
            world.sign_in()
        case.validate_response(response, checks=CHECKS, headers=world.headers)

    if RANDOM:
        run()
    else:
        seed(11)(run)()


@pytest.mark.parametrize(("label", "mode"), _operations())
def test_the_api_answers_as_it_describes_itself(world, label, mode):
    _fuzz(world, label, mode)
