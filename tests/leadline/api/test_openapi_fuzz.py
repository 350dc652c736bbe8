"""Schemathesis over every operation of the app's OpenAPI document: generated input (valid and
invalid) never gets a 5xx, and documented responses match their schemas and content types.

Runs in-process over ASGI on a real migrated database with a workspace, leads and keys. Each
generated request is sent twice: without any API key (the public surface) and with an admin key
(the authenticated paths), and once more with a NUL byte in every string of its body, query and path.
Path parameters naming ids (lead, stage key, public key) are aimed at
real rows in about half the cases, so the handlers behind the 404 are exercised too. Operations are
listed from the app when the tests are collected, so routers added later are covered automatically;
a failure names the operation and prints the failing request as a curl command.

(Driven with plain Hypothesis rather than schemathesis' pytest plugin, whose fixture-based loader
does not work with pytest 9.)"""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
)

from leadline.api.ratelimit import SlidingWindowLimiter
from leadline.app import create_app
from leadline.settings import Settings
from storage.db import unit_of_work
from storage.lead_queries import stages

# Per operation and generation; LEADLINE_FUZZ_EXAMPLES=200 for a deeper local hunt.
MAX_EXAMPLES = int(os.environ.get("LEADLINE_FUZZ_EXAMPLES", "20"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]


def _operations() -> list[tuple[str, str]]:
    # Building the app and its OpenAPI document touches no database.
    app = create_app(Settings(database_url="sqlite://", data_key=base64.urlsafe_b64encode(b"k" * 32).decode(),
                              demo_workspace=False, _env_file=None))
    paths = app.openapi()["paths"]
    return [(method.upper(), path) for path, ops in paths.items() for method in ops]


OPERATIONS = _operations()


@pytest.fixture
def real_ids(runtime: Any, ws: Any, make_lead: Any) -> dict[str, list[str]]:
    leads = [make_lead(ws.id, f"fuzz{i}@example.com", score=20 * i, band="warm", messages=["hi", "hello"])
             for i in range(4)]
    with unit_of_work(runtime.sessions) as s:
        stage_keys = [stg.key for stg in stages(s, ws.id)]
    return {"lead_id": leads, "key": stage_keys, "public_key": [ws.public_key]}


def _with_nul(value: Any) -> Any:
    """Every string with a NUL byte in it: PostgreSQL refuses NUL in text, so an input that reaches
    the database unchecked is a 500 there (random generation rarely produces one)."""
    if isinstance(value, str):
        return value + "\x00"
    if isinstance(value, dict):
        return {k: _with_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_nul(v) for v in value]
    return value


def _aim_at_real_rows(case: Any, real_ids: dict[str, list[str]]) -> None:
    for name, value in list((case.path_parameters or {}).items()):
        real = real_ids.get(name)
        if real and isinstance(value, str) and len(value) % 2 == 0:  # deterministic: the same case, the same aim
            case.path_parameters[name] = real[len(value) % len(real)]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_generated_requests_get_no_server_error(method: str, path: str, runtime: Any, ws: Any,
                                                real_ids: dict[str, list[str]]) -> None:
    app = create_app(runtime.settings, runtime)
    app.state.runtime = runtime  # the ASGI transport does not run the lifespan
    # The public capture endpoint's per-IP limit would answer most generated requests with 429.
    app.state.capture_limiter = SlidingWindowLimiter(1_000_000)
    operation = schemathesis.openapi.from_asgi("/openapi.json", app)[path][method]
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    def check(case: Any) -> None:
        _aim_at_real_rows(case, real_ids)
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        for label, sent in (("no API key", headers), ("admin API key", {**headers,
                                                                          "Authorization": f"Bearer {ws.admin}"})):
            case.headers = sent
            try:
                response = case.call()  # an exception escaping the app would be a 500 from a real server
            except Exception as e:
                raise AssertionError(f"{method} {path} ({label}) raised for\n  {case.as_curl_command()}\n"
                                     f"-> {e!r}") from e
            try:
                case.validate_response(response, checks=CHECKS)
            except Exception as e:
                raise AssertionError(f"{method} {path} ({label}) failed for\n  {case.as_curl_command()}\n"
                                     f"-> {response.status_code} {response.text[:2000]}\n{e}") from None
        if isinstance(case.body, dict | list) or case.query or case.path_parameters:  # once more, NUL everywhere
            case.body, case.query = _with_nul(case.body), _with_nul(case.query)
            case.path_parameters = _with_nul(case.path_parameters)
            try:
                case.validate_response(case.call(), checks=[not_a_server_error])
            except Exception as e:
                raise AssertionError(f"{method} {path} (admin API key, NUL bytes) failed for\n"
                                     f"  {case.as_curl_command()}\n-> {e!r}") from e

    check()


@pytest.mark.parametrize(("method", "path", "body"), [
    ("POST", "/v1/stages", {"key": "trial", "name": "Trial\x00"}),
    ("PATCH", "/v1/stages/new", {"name": "New\x00"}),
    ("POST", "/v1/api-keys", {"name": "ci\x00", "scopes": ["read"]}),
])
def test_nul_bytes_in_names_are_rejected(method: str, path: str, body: dict[str, Any], client: Any, ws: Any,
                                         auth: Any, problem: Any) -> None:
    """Found by the NUL pass above: these names reached PostgreSQL, which answered with a 500."""
    problem(client.request(method, path, json=body, headers=auth(ws.admin)), 422, "control characters")


@pytest.mark.parametrize(("method", "url", "body"), [
    ("GET", "/v1/leads?q=acme%00", None),
    ("GET", "/v1/leads/export.csv?q=a%00", None),
    ("DELETE", "/v1/stages/new?move_to=j%00", None),
    ("GET", "/v1/leads/lead_%00", None),
    ("POST", "/v1/leads/bulk", {"action": "sync", "ids": ["lead_\x00"]}),
])
def test_nul_bytes_in_urls_and_ids_are_rejected(method: str, url: str, body: Any, client: Any, ws: Any, auth: Any,
                                                problem: Any) -> None:
    """Also found by the NUL pass: on PostgreSQL each of these was a 500."""
    problem(client.request(method, url, json=body, headers=auth(ws.admin)), 422, "NUL byte")


def test_nul_byte_in_a_widget_public_key_is_an_unknown_workspace(client: Any) -> None:
    r = client.post("/widget/v1/pk%00/session", json={})
    assert r.status_code == 404, r.text
