"""GET /v1/leads/export.csv: A3 columns with the BANT breakdown and a summary, filters, limits,
streaming over real HTTP."""

import csv
import io
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn

from leadline.app import create_app
from storage.db import unit_of_work
from storage.intake import lead_for_person


def rows(r: Any) -> list[dict[str, str]]:
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(r.text)))


def test_columns_bant_and_summary(client, ws, auth, make_lead, bant) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "csv@x.io", name="Cee Ess", phone="+14155550123", score=60, band="warm",
                     stage="qualified", breakdown=bant, messages=["Hi, we have $40k a year", "Nice", "I sign off"])
    make_lead(ws.id, "plain@x.io", company="=HYPERLINK(\"http://evil\")")
    r = client.get("/v1/leads/export.csv", headers=auth(ws.reader))
    assert "attachment" in r.headers["content-disposition"] and "x-next-cursor" not in r.headers
    data = rows(r)
    header = next(csv.reader(io.StringIO(r.text)))
    for col in ("name", "email", "phone", "score", "stage", "channel", "budget_level", "budget_points",
                "budget_quote", "authority_quote", "need_quote", "timing_quote", "conversation_summary"):
        assert col in header, col
    by_id = {d["id"]: d for d in data}
    row = by_id[lead]
    assert (row["name"], row["email"], row["phone"], row["score"], row["stage"], row["channel"]) == (
        "Cee Ess", "csv@x.io", "+14155550123", "60", "qualified", "widget")
    assert row["budget_quote"] == "we have $40k a year" and row["budget_points"] == "25"
    assert row["timing_level"] == "none" and row["timing_quote"] == ""
    assert "3 messages on widget" in row["conversation_summary"]
    assert '"Hi, we have $40k a year"' in row["conversation_summary"]
    plain = next(d for d in data if d["email"] == "plain@x.io")
    assert plain["company"].startswith("'=")  # a spreadsheet formula is neutralised
    assert plain["conversation_summary"] == "" and plain["score"] == ""


def test_filters_and_isolation(client, ws, other, auth, make_lead) -> None:  # type: ignore[no-untyped-def]
    hot = make_lead(ws.id, "h@x.io", score=90, band="hot", stage="new")
    make_lead(ws.id, "c@x.io", score=10, band="cold")
    make_lead(other.id, "o@x.io", score=99, band="hot")
    got = rows(client.get("/v1/leads/export.csv", params={"score_min": 80, "stage": "new"},
                          headers=auth(ws.reader)))
    assert [d["id"] for d in got] == [hot]
    assert {d["email"] for d in rows(client.get("/v1/leads/export.csv", headers=auth(ws.reader)))} == {
        "h@x.io", "c@x.io"}


def test_limit_and_continuation(client, ws, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    made = {make_lead(ws.id, f"l{i}@x.io") for i in range(7)}
    first = client.get("/v1/leads/export.csv", params={"limit": 4}, headers=auth(ws.reader))
    assert first.headers["x-export-truncated"] == "true"
    second = client.get("/v1/leads/export.csv", params={"limit": 4, "cursor": first.headers["x-next-cursor"]},
                        headers=auth(ws.reader))
    assert "x-export-truncated" not in second.headers
    ids = [d["id"] for d in rows(first)] + [d["id"] for d in rows(second)]
    assert len(ids) == 7 and set(ids) == made
    problem(client.get("/v1/leads/export.csv", params={"limit": 10_001}, headers=auth(ws.reader)), 422, "limit")
    problem(client.get("/v1/leads/export.csv"), 401)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(runtime) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The app served by uvicorn on 127.0.0.1, as in production."""
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(create_app(runtime.settings, runtime), host="127.0.0.1", port=port,
                                        log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


def test_export_streams_in_chunks_over_http(server, runtime, ws, auth) -> None:  # type: ignore[no-untyped-def]
    with unit_of_work(runtime.sessions) as s:
        for i in range(1_200):
            lead_for_person(s, ws.id, email=f"bulk{i}@x.io", name=f"Person {i}", source="website", channel=None,
                            at=datetime(2026, 11, 1, tzinfo=UTC), actor="test")
    with httpx.stream("GET", f"{server}/v1/leads/export.csv", headers=auth(ws.reader), timeout=60) as r:
        assert r.status_code == 200
        assert r.headers.get("transfer-encoding") == "chunked" and "content-length" not in r.headers
        chunks = [c for c in r.iter_raw() if c]
    body = b"".join(chunks).decode()
    lines = body.strip().split("\r\n")
    assert len(lines) == 1 + 1_200 and len({ln.split(",")[0] for ln in lines[1:]}) == 1_200
    assert len(chunks) >= 3  # header, then one chunk per batch of 500
