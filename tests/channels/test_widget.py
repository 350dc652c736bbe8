"""The widget adapter over real HTTP: sessions, messages, the event stream, CORS and human replies."""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from channels.widget import post_human_reply, widget_state
from skills.collect_lead import CollectLeadConfig
from storage.db import unit_of_work
from storage.models import Conversation, Message, Workspace

DEFAULT_CONSENT = CollectLeadConfig.model_fields["consent_text"].default


@pytest.fixture
def client(live) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    with httpx.Client(base_url=live.url, timeout=10) as c:
        yield c


def api(ws: Any, path: str) -> str:
    return f"/widget/v1/{ws.public_key}{path}"


def start(client: httpx.Client, ws: Any, **body: Any) -> dict[str, Any]:
    r = client.post(api(ws, "/session"), json=body)
    assert r.status_code == 200, r.text
    return r.json()


def send(client: httpx.Client, ws: Any, token: str, text: str, cid: str = "m1", **headers: str) -> httpx.Response:
    return client.post(api(ws, "/messages"), json={"text": text, "client_message_id": cid},
                       headers={"Authorization": f"Bearer {token}", **headers})


def count_messages(runtime) -> int:  # type: ignore[no-untyped-def]
    with runtime.sessions() as s:
        return s.scalar(select(func.count()).select_from(Message))


def assert_problem(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def events(client: httpx.Client, url: str, want: int, **headers: str) -> list[dict[str, Any]]:
    """Read `want` message events from the stream (with their `id:` lines checked)."""
    got: list[dict[str, Any]] = []
    with client.stream("GET", url, headers=headers) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
        event_id = None
        for line in r.iter_lines():
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                data = json.loads(line[6:])
                assert data["id"] == event_id
                got.append(data)
                if len(got) == want:
                    return got
    raise AssertionError(f"the stream ended after {len(got)} events")


# -- sessions -------------------------------------------------------------------------------------
def test_new_session_has_token_notices_and_no_history(client, make_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace("Acme Analytics")
    s = start(client, ws)
    assert s["token"] and s["history"] == [] and s["channel"] == "widget"
    assert s["consent_text"] == DEFAULT_CONSENT
    assert s["workspace"]["name"] == "Acme Analytics" and "Acme Analytics" in s["greeting"]


def test_configured_consent_text_and_greeting_are_shown(client, make_workspace) -> None:  # type: ignore[no-untyped-def]
    consent = "May we store your email to follow up? Delete any time at privacy@acme.test."
    ws = make_workspace(skill_config={"collect_lead": {"consent_text": consent}}, widget={"greeting": "Hello there"})
    s = start(client, ws)
    assert s["consent_text"] == consent and s["greeting"] == "Hello there"


def test_unknown_or_inactive_workspace_is_404(client, make_workspace) -> None:  # type: ignore[no-untyped-def]
    assert_problem(client.post("/widget/v1/pk_nope/session", json={}), 404)
    inactive = make_workspace(active=False)
    assert_problem(client.post(api(inactive, "/session"), json={}), 404)
    assert client.get(f"/chat/{inactive.public_key}").status_code == 404


def test_resumed_session_shows_the_history(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    token = start(client, ws)["token"]
    r = send(client, ws, token, "Hi, what does the Business plan cost?")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["message"]["role"] == "visitor" and body["message"]["client_id"] == "m1"
    assert body["reply"]["role"] == "agent" and body["reply"]["text"] and not body["duplicate"]
    again = start(client, ws, token=token)
    assert [(m["role"], m["text"]) for m in again["history"]] == [
        ("visitor", "Hi, what does the Business plan cost?"), ("agent", body["reply"]["text"])]
    assert again["token"]  # re-issued: an active visitor never expires
    other = start(client, ws)  # a second visitor sees nothing of the first
    assert other["history"] == []


def test_the_answer_carries_the_stored_messages(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    """The reply to a send is built from the turn, not read back: it must equal what is stored."""
    ws = make_workspace()
    token = start(client, ws)["token"]
    sent = [send(client, ws, token, text, cid=f"c{i}").json()
            for i, text in enumerate(["Hi, what does it cost?", "We are 40 people, budget about $30k a year."])]
    history = start(client, ws, token=token)["history"]
    assert history == [m for body in sent for m in (body["message"], body["reply"])]
    with live.runtime.sessions() as s:
        stored = s.scalars(select(Message).order_by(Message.id)).all()
    assert [m.id for m in stored] == [m["id"] for m in history]


def test_hosted_page_session_is_its_own_channel(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    s = start(client, ws, channel="hosted_page")
    assert s["channel"] == "hosted_page"
    assert send(client, ws, s["token"], "Can I get a demo?").status_code == 200
    with live.runtime.sessions() as db:
        assert db.scalars(select(Conversation)).one().channel == "hosted_page"
    page = client.get(f"/chat/{ws.public_key}")
    assert page.status_code == 200
    assert f'data-workspace="{ws.public_key}"' in page.text and 'data-mode="page"' in page.text


# -- tokens ---------------------------------------------------------------------------------------
def _tamper(token: str) -> str:
    body, mac = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(body + "=="))
    data["s"] = "vs_someone_else"
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).rstrip(b"=").decode()
    return f"{forged}.{mac}"


def test_tampered_token_is_401_and_nothing_is_stored(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    bad = _tamper(start(client, ws)["token"])
    assert_problem(send(client, ws, bad, "hello"), 401)
    assert_problem(send(client, ws, "garbage", "hello"), 401)
    assert_problem(client.post(api(ws, "/messages"), json={"text": "hi", "client_message_id": "x"}), 401)
    assert_problem(client.post(api(ws, "/session"), json={"token": bad}), 401)
    assert_problem(client.get(api(ws, "/stream"), params={"token": bad}), 401)
    assert count_messages(live.runtime) == 0


def test_a_token_works_only_for_its_workspace(client, make_workspace) -> None:  # type: ignore[no-untyped-def]
    a, b = make_workspace("A"), make_workspace("B")
    token = start(client, a)["token"]
    assert_problem(send(client, b, token, "hello"), 401)


def test_token_signature_expiry_and_clock() -> None:
    from channels import widget_tokens as t

    key = t.derive_key(b"k" * 32)
    token = t.sign(key, "ws_1", "vs_1", "widget", clock=lambda: 1_000_000)
    claims = t.verify(key, token, clock=lambda: 1_000_100)
    assert (claims.workspace_id, claims.session_id, claims.channel) == ("ws_1", "vs_1", "widget")
    with pytest.raises(t.BadToken, match="expired"):
        t.verify(key, token, clock=lambda: 1_000_000 + t.MAX_AGE_SECONDS + 1)
    with pytest.raises(t.BadToken, match="signature"):
        t.verify(t.derive_key(b"x" * 32), token, clock=lambda: 1_000_100)
    with pytest.raises(t.BadToken, match="signature"):
        t.verify(key, _tamper(token), clock=lambda: 1_000_100)
    for bad in ("", "a.b.c", "nodot", "!!.??", "x" * 2000):
        with pytest.raises(t.BadToken):
            t.verify(key, bad)


# -- messages -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "field"), [
    ({"text": "", "client_message_id": "a"}, "empty"),
    ({"text": "   ", "client_message_id": "a"}, "empty"),
    ({"text": "x" * 4001, "client_message_id": "a"}, "4000"),
    ({"text": "hi"}, "client_message_id"),
    ({"text": "hi", "client_message_id": "has space"}, "client_message_id"),
    ({"client_message_id": "a"}, "text"),
])
def test_bad_messages_are_422_and_store_nothing(client, make_workspace, live, body, field) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    token = start(client, ws)["token"]
    r = client.post(api(ws, "/messages"), json=body, headers={"Authorization": f"Bearer {token}"})
    assert field in assert_problem(r, 422)["detail"]
    assert count_messages(live.runtime) == 0


def test_not_json_is_422(client, make_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    token = start(client, ws)["token"]
    r = client.post(api(ws, "/messages"), content=b"{nope", headers={"Authorization": f"Bearer {token}"})
    assert_problem(r, 422)


def test_a_retried_message_gets_the_same_reply_and_runs_once(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    token = start(client, ws)["token"]
    first = send(client, ws, token, "Could I get pricing?", cid="c-1").json()
    retry = send(client, ws, token, "Could I get pricing?", cid="c-1").json()
    assert retry["duplicate"] and not first["duplicate"]
    assert retry["reply"] == first["reply"] and retry["message"] == first["message"]
    assert count_messages(live.runtime) == 2
    # The same client id from another visitor is another message, not a duplicate of this one.
    other = start(client, ws)["token"]
    assert not send(client, ws, other, "Could I get pricing?", cid="c-1").json()["duplicate"]
    assert count_messages(live.runtime) == 4



def test_messages_run_on_the_runtime_turn_threads(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    """Widget turns run on Runtime.turns: on SQLite one thread, one turn after another (its writes
    are one at a time anyway); every message is answered, none lost to the queueing."""
    ws = make_workspace()
    agent, seen = live.runtime.agent, []
    handle = agent.handle

    def spy(msg):  # type: ignore[no-untyped-def]
        seen.append(threading.current_thread().name)
        return handle(msg)

    agent.handle = spy
    tokens = [start(client, ws)["token"] for _ in range(6)]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda t: send(client, ws, t, "Hi, what does it cost?"), tokens))
    assert [a.status_code for a in answers] == [200] * 6
    assert all(a.json()["reply"]["text"] for a in answers)
    assert len(seen) == 6 and all(name.startswith("leadline-turn") for name in seen)
    assert len(set(seen)) <= live.runtime.turns._max_workers
    if live.runtime.engine.dialect.name == "sqlite" and live.runtime.settings.turn_threads is None:
        assert len(set(seen)) == 1
    assert count_messages(live.runtime) == 12


# -- CORS -----------------------------------------------------------------------------------------
def test_cors_only_for_the_workspace_allowed_origins(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(allowed_origins=["https://shop.example", "HTTPS://www.shop.example:443/"])
    for origin in ("https://shop.example", "https://www.shop.example"):
        pre = client.options(api(ws, "/messages"), headers={
            "Origin": origin, "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization,content-type"})
        assert pre.status_code == 204 and pre.headers["access-control-allow-origin"] == origin
        assert "authorization" in pre.headers["access-control-allow-headers"].lower()
        r = client.post(api(ws, "/session"), json={}, headers={"Origin": origin})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == origin

    evil = {"Origin": "https://evil.example"}
    pre = client.options(api(ws, "/messages"), headers={**evil, "Access-Control-Request-Method": "POST"})
    assert pre.status_code == 403 and "access-control-allow-origin" not in pre.headers
    r = client.post(api(ws, "/session"), json={}, headers=evil)
    assert_problem(r, 403)
    assert "access-control-allow-origin" not in r.headers
    token = start(client, ws)["token"]
    assert_problem(send(client, ws, token, "hello", **evil), 403)
    assert count_messages(live.runtime) == 0


def test_workspace_edits_reach_the_widget_within_its_lookup_window(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    """The public-key lookup is kept for a few seconds (every widget request makes it); an edit of the
    allowed origins applies when that window ends, and a deactivation refuses messages at once."""
    state = widget_state(live.app)
    state.workspace_ttl_seconds = 0.3
    ws = make_workspace(allowed_origins=["https://old.example"])
    new_site = {"Origin": "https://new.example"}
    assert_problem(client.post(api(ws, "/session"), json={}, headers=new_site), 403)  # looked up and kept
    with unit_of_work(live.runtime.sessions) as s:
        s.get(Workspace, ws.id).settings = {**ws.settings, "allowed_origins": ["https://new.example"]}
    time.sleep(0.35)
    assert client.post(api(ws, "/session"), json={}, headers=new_site).status_code == 200

    state.workspace_ttl_seconds = 60.0
    token = start(client, ws)["token"]  # kept for a minute now
    with unit_of_work(live.runtime.sessions) as s:
        s.get(Workspace, ws.id).active = False
    assert_problem(send(client, ws, token, "hello"), 404)  # the turn checks the workspace itself
    assert count_messages(live.runtime) == 0


def test_default_is_same_origin_only(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    same = client.post(api(ws, "/session"), json={}, headers={"Origin": live.url})
    assert same.status_code == 200 and "access-control-allow-origin" not in same.headers
    assert_problem(client.post(api(ws, "/session"), json={}, headers={"Origin": "http://localhost:1"}), 403)


def test_wildcard_allows_any_site(client, make_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace(allowed_origins=["*"])
    r = client.post(api(ws, "/session"), json={}, headers={"Origin": "https://any.example"})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == "https://any.example"


# -- the event stream -----------------------------------------------------------------------------
def test_stream_replays_after_last_event_id(client, make_workspace) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    token = start(client, ws)["token"]
    send(client, ws, token, "Hi there", cid="a")
    send(client, ws, token, "What does it cost?", cid="b")
    url = api(ws, f"/stream?token={token}")
    all_four = events(client, url, 4)
    assert [m["role"] for m in all_four] == ["visitor", "agent", "visitor", "agent"]
    assert [m["id"] for m in all_four] == sorted(m["id"] for m in all_four)
    # A reconnecting EventSource sends the last id it saw: only what came after is replayed.
    rest = events(client, url, 2, **{"Last-Event-ID": str(all_four[1]["id"])})
    assert rest == all_four[2:]
    # The page's first connection names what it already has from the session history.
    assert events(client, url + f"&after={all_four[2]['id']}", 1) == all_four[3:]


def test_replies_are_pushed_to_an_open_stream(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    ws = make_workspace()
    token = start(client, ws)["token"]
    first = send(client, ws, token, "Hello", cid="a").json()
    with live.runtime.sessions() as s:
        conv_id = s.scalars(select(Conversation)).one().id
    hub = widget_state(live.app).hub
    got: list[dict[str, Any]] = []
    url = api(ws, f"/stream?token={token}&after={first['reply']['id']}")
    with client.stream("GET", url) as r:
        lines = r.iter_lines()
        assert next(lines) == "retry: 2000"  # the stream is subscribed before it sends anything
        posted = post_human_reply(live.runtime.sessions, hub, conv_id, "Hi, Sam from Acme here. <b>Still there?</b>")
        reply = send(client, ws, token, "Yes! Can we book a demo?", cid="b").json()
        for line in lines:
            if line.startswith("data: "):
                got.append(json.loads(line[6:]))
                if len(got) == 3:
                    break
    assert got[0] == posted and got[0]["role"] == "human" and got[0]["text"].endswith("<b>Still there?</b>")
    assert got[1] == reply["message"] and got[2] == reply["reply"]
    with live.runtime.sessions() as s:
        stored = s.scalars(select(Message).where(Message.role == "human")).one()
        assert stored.conversation_id == conv_id and stored.text.startswith("Hi, Sam")
    assert [m["role"] for m in start(client, ws, token=token)["history"]] == [
        "visitor", "agent", "human", "visitor", "agent"]


def test_stream_picks_up_writes_it_was_not_told_about(client, make_workspace, live) -> None:  # type: ignore[no-untyped-def]
    """A message written by another process (no in-process wake-up) arrives on the next heartbeat."""
    from channels.widget_events import EventHub

    ws = make_workspace()
    token = start(client, ws)["token"]
    first = send(client, ws, token, "Hello", cid="a").json()
    with live.runtime.sessions() as s:
        conv_id = s.scalars(select(Conversation)).one().id
    with client.stream("GET", api(ws, f"/stream?token={token}&after={first['reply']['id']}")) as r:
        lines = r.iter_lines()
        next(lines)
        post_human_reply(live.runtime.sessions, EventHub(), conv_id, "From another worker")
        data = next(line for line in lines if line.startswith("data: "))
    assert json.loads(data[6:])["text"] == "From another worker"


def test_human_reply_rejects_bad_input(live, make_workspace) -> None:  # type: ignore[no-untyped-def]
    hub = widget_state(live.app).hub
    with pytest.raises(LookupError):
        post_human_reply(live.runtime.sessions, hub, "cv_missing", "hello")
    with pytest.raises(ValueError):
        post_human_reply(live.runtime.sessions, hub, "cv_missing", "  ")
    with pytest.raises(ValueError):
        post_human_reply(live.runtime.sessions, hub, "cv_missing", "x" * 4001)


# -- script and pages -----------------------------------------------------------------------------
def test_widget_js_is_small_gzipped_and_escapes_text(client) -> None:  # type: ignore[no-untyped-def]
    from channels.widget_pages import widget_script

    js = widget_script()
    assert len(js.gzipped) <= 15 * 1024, f"widget.js is {len(js.gzipped)} bytes gzipped; the budget is 15 KB"
    assert b"innerHTML" not in js.body and b"insertAdjacentHTML" not in js.body
    r = client.get("/widget.js", headers={"Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers["content-type"].startswith("text/javascript") and r.content == js.body
    assert client.get("/widget.js", headers={"If-None-Match": r.headers["etag"]}).status_code == 304


def test_demo_page_embeds_the_first_workspace(client, make_workspace) -> None:  # type: ignore[no-untyped-def]
    assert "No active workspace" in client.get("/").text
    ws = make_workspace()
    page = client.get("/")
    assert page.status_code == 200
    assert f'<script src="/widget.js" data-workspace="{ws.public_key}" async></script>' in page.text


def test_fresh_install_has_a_live_demo_widget(settings, serve) -> None:  # type: ignore[no-untyped-def]
    from leadline.app import create_app

    app = create_app(settings.model_copy(update={"demo_workspace": True}))  # builds its runtime on start
    with serve(app) as url, httpx.Client(base_url=url, timeout=10) as c:
        page = c.get("/").text
        key = page.split('data-workspace="')[1].split('"')[0]
        assert c.post(f"/widget/v1/{key}/session", json={}).json()["workspace"]["name"] == "Demo workspace"
