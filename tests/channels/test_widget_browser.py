"""The widget and the hosted page in a real browser: Debian's chromium driven by Playwright, against
`leadline serve` started as a user starts it, on an empty database (so the demo workspace is used)."""

from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.models import Consent, Contact, Lead, Workspace
from storage.workspaces import first_workspace

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
TEST_KEY = base64.urlsafe_b64encode(b"k" * 32).decode()  # the key tests/conftest.py configures for reading

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install -e '.[dev]' installs playwright")
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason="needs Debian's chromium: apt-get install chromium")
expect = sync_api.expect


@dataclass
class Service:
    url: str
    sessions: Any  # a sessionmaker on the service's database, to check what it stored


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_serve(database_url: str, cwd: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`leadline serve` on a free port, logging to cwd/serve.log."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADLINE_")}
    env |= {"LEADLINE_PORT": str(port), "LEADLINE_DATABASE_URL": database_url, "LEADLINE_DATA_KEY": TEST_KEY,
            "LEADLINE_LOG_LEVEL": "WARNING"}
    with open(cwd / "serve.log", "ab") as log:  # a file, not a pipe nobody reads: the server never blocks on it
        proc = subprocess.Popen([sys.executable, "-m", "leadline.cli", "serve"], cwd=cwd, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    return proc, f"http://127.0.0.1:{port}"


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def service(database_url: str, tmp_path: Path) -> Iterator[Service]:
    for _attempt in range(3):
        proc, url = start_serve(database_url, tmp_path)
        deadline = time.monotonic() + 30
        while proc.poll() is None:
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                stop(proc)
                pytest.fail("leadline serve did not start within 30 s:\n" + (tmp_path / "serve.log").read_text())
            time.sleep(0.2)
        if proc.poll() is None:
            break
    else:
        pytest.fail("leadline serve exited:\n" + (tmp_path / "serve.log").read_text())
    engine = make_engine(database_url)
    try:
        yield Service(url, make_sessionmaker(engine))
    finally:
        engine.dispose()
        stop(proc)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    context = browser.new_context()
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda e: errors.append(str(e)))
    yield pg
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


def shadow_active(page) -> str | None:  # type: ignore[no-untyped-def]
    """The class of the element focused inside the widget's shadow root."""
    return page.evaluate("() => { const a = document.querySelector('[data-leadline]').shadowRoot.activeElement;"
                         " return a ? a.className : null; }")


# -- a whole conversation ---------------------------------------------------------------------------
VISITOR = [
    "Hi! Could we get a demo of Acme Analytics?",
    "I'm the VP of Product, and I sign off on tools like this.",
    "Our problem: we can't see where users drop off in onboarding.",
    "We have a budget of $30k a year for this.",
    "We want it live this month.",
    "Sure, it's maria.lopez@brightpath.io",
]


def test_demo_page_conversation_ends_in_a_hot_lead_and_survives_reload(service, page) -> None:  # type: ignore[no-untyped-def]
    page.goto(service.url + "/")
    launcher = page.get_by_role("button", name="Open chat")
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_hidden()

    # Keyboard: Enter on the launcher opens the panel with focus in the input; Esc closes it and
    # gives focus back to the launcher.
    launcher.focus()
    page.keyboard.press("Enter")
    expect(dialog).to_be_visible()
    expect(page.get_by_role("textbox", name="Your message")).to_be_focused()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    assert shadow_active(page) == "launcher"
    launcher.focus()
    page.keyboard.press("Enter")

    with service.sessions() as s:
        ws = first_workspace(s)
        assert ws is not None and ws.name == "Demo workspace"
        consent = (ws.settings.get("skill_config") or {}).get("collect_lead", {}).get("consent_text")
    expect(dialog).to_have_accessible_name("Demo workspace")
    log = page.get_by_role("log", name="Conversation")
    agent = log.locator(".msg.agent")
    expect(agent).to_have_count(1)  # the greeting
    # The consent wording is on screen before the agent has asked for anything.
    notice = dialog.locator(".notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text(consent or "keep your contact details")

    page.evaluate("""() => {  // remember whether the typing indicator ever showed
      const t = document.querySelector('[data-leadline]').shadowRoot.querySelector('.typing');
      window.__typing = false;
      new MutationObserver(() => { if (!t.hidden) window.__typing = true; }).observe(t, {attributes: true});
    }""")
    box = page.get_by_role("textbox", name="Your message")
    said: list[str] = []

    def say(text: str) -> str:
        before = agent.count()
        box.fill(text)
        box.press("Enter")
        said.append(text)
        expect(agent).to_have_count(before + 1, timeout=15_000)
        return agent.nth(before).locator("span:last-child").text_content()

    replies = [say(text) for text in VISITOR]
    assert page.evaluate("window.__typing") is True
    # Answer what the agent still asks: consent, then a demo slot.
    for _ in range(3):
        last = replies[-1]
        if "keep your contact details" in last or (consent and consent in last):
            replies.append(say("Yes, that's fine."))
        elif "Reply with the number" in last:
            replies.append(say("1"))
        else:
            break

    with service.sessions() as s:
        contact = s.scalars(select(Contact).where(Contact.email.isnot(None))).one()
        assert contact.email == "maria.lopez@brightpath.io"
        lead = s.scalars(select(Lead).where(Lead.contact_id == contact.id)).one()
        assert lead.channel == "widget" and lead.source == "website"
        assert lead.band == "hot", f"score {lead.score} ({lead.band}); the agent said: {replies}"
        assert s.scalars(select(Consent).where(Consent.contact_id == contact.id)).one().granted

    page.reload()
    expect(dialog).to_be_visible()  # it was open: it stays open across the reload
    visitor = page.get_by_role("log").locator(".msg.visitor")
    expect(visitor).to_have_count(len(said))
    assert visitor.locator("span:last-child").all_text_contents() == said
    expect(page.get_by_role("log").locator(".msg.agent")).to_have_count(len(replies) + 1)


# -- styles of the host page do not leak in -----------------------------------------------------------
HOSTILE_CSS = """
* { color: red !important; font-size: 40px !important; font-family: "Comic Sans MS", cursive !important;
    line-height: 3 !important; letter-spacing: 6px !important; text-transform: uppercase !important;
    background: yellow !important; padding: 30px !important; margin: 20px !important;
    border: 3px dashed green !important; box-sizing: content-box !important; visibility: visible !important; }
html { font-size: 40px !important; }
div { display: inline !important; position: static !important; opacity: .3 !important;
      transform: scale(.5) !important; }
button, textarea, p, h2, span { all: unset !important; }
"""
PROBES = (".launcher", ".panel", ".title", ".notice", ".msg.agent", ".input", ".send")
PROPS = ("color", "font-size", "font-family", "line-height", "letter-spacing", "text-transform", "background-color",
         "padding-top", "margin-top", "border-top-style", "box-sizing", "display", "position", "opacity", "transform",
         "width", "height")


def host_page(widget_url: str, key: str, css: str) -> bytes:
    return (f"<!doctype html><html><head><style>{css}</style></head><body><h1>Shop</h1><div>content</div>"
            f'<script src="{widget_url}/widget.js" data-workspace="{key}" async></script></body></html>').encode()


@pytest.fixture
def other_site() -> Iterator[tuple[str, dict[str, bytes]]]:
    """Another origin serving host pages that embed the widget."""
    pages: dict[str, bytes] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, b"not found")
            self.send_response(200 if self.path in pages else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def computed(page) -> dict[str, dict[str, str]]:  # type: ignore[no-untyped-def]
    return page.evaluate("""([probes, props]) => {
      const root = document.querySelector('[data-leadline]').shadowRoot, out = {};
      for (const sel of probes) {
        const cs = getComputedStyle(root.querySelector(sel));
        out[sel] = Object.fromEntries(props.map(p => [p, cs.getPropertyValue(p)]));
      }
      return out;
    }""", [list(PROBES), list(PROPS)])


def test_host_page_css_does_not_leak_into_the_widget(service, page, other_site) -> None:  # type: ignore[no-untyped-def]
    site, pages = other_site
    with unit_of_work(service.sessions) as s:
        ws = s.scalars(select(Workspace)).one()
        ws.settings = {**ws.settings, "allowed_origins": [site]}  # embedded on another origin: CORS needed
        key = ws.public_key
    pages["/plain.html"] = host_page(service.url, key, "")
    pages["/hostile.html"] = host_page(service.url, key, HOSTILE_CSS)

    styles = {}
    for name in ("plain", "hostile"):
        page.goto(f"{site}/{name}.html")
        page.get_by_role("button", name="Open chat").click()
        expect(page.get_by_role("dialog")).to_be_visible()
        expect(page.locator(".msg.agent")).to_have_count(1)  # the session call crossed origins
        styles[name] = computed(page)
        page.keyboard.press("Escape")  # closed again, so the next page starts closed too
    assert page.evaluate("getComputedStyle(document.body).fontSize") == "40px"  # the host CSS did apply
    assert styles["hostile"] == styles["plain"]
    assert styles["plain"][".msg.agent"]["font-size"] == "14px"
    assert styles["plain"][".msg.agent"]["color"] == "rgb(17, 24, 39)"
    assert styles["plain"][".launcher"]["position"] == "fixed"
    # ... and the conversation works from there.
    page.get_by_role("button", name="Open chat").click()
    page.get_by_role("textbox", name="Your message").fill("How much is the Business plan?")
    page.keyboard.press("Enter")
    expect(page.locator(".msg.agent")).to_have_count(2, timeout=15_000)


def test_hosted_chat_page_holds_the_same_conversation(service, page) -> None:  # type: ignore[no-untyped-def]
    with service.sessions() as s:
        key = first_workspace(s).public_key
    page.goto(f"{service.url}/chat/{key}")
    dialog = page.get_by_role("dialog", name="Demo workspace")
    expect(dialog).to_be_visible()
    box = page.get_by_role("textbox", name="Your message")
    expect(box).to_be_focused()
    box.fill("Could we get pricing for 50 seats?")
    box.press("Enter")
    expect(page.locator(".msg.agent")).to_have_count(2, timeout=15_000)
    page.reload()
    expect(page.locator(".msg.visitor span:last-child")).to_have_text(["Could we get pricing for 50 seats?"])


# -- replies pushed later, across a reconnect ---------------------------------------------------------
def test_a_later_human_reply_is_pushed_to_the_page_after_a_reconnect(live, make_workspace, page) -> None:  # type: ignore[no-untyped-def]
    from channels.widget import post_human_reply, widget_state
    from storage.models import Conversation

    make_workspace("Acme Analytics")
    widget_state(live.app).stream_max_seconds = 0.5  # every stream ends quickly: the page must reconnect
    # A slow session start: the visitor types before it has answered.
    page.add_init_script("""const f = window.fetch; window.fetch = (u, o) => f(u, o).then(r =>
      String(u).endsWith('/session') ? new Promise(ok => setTimeout(() => ok(r), 700)) : r);""")
    page.goto(live.url + "/")
    page.get_by_role("button", name="Open chat").click()
    box = page.get_by_role("textbox", name="Your message")
    box.fill("Can someone from sales call me back?")
    box.press("Enter")
    agent = page.locator(".msg.agent")
    expect(agent).to_have_count(2, timeout=15_000)
    assert page.locator(".msg").evaluate_all("ms => ms.map(m => m.className)") == [
        "msg agent", "msg visitor", "msg agent"]  # greeting, then what was typed, then the reply
    page.keyboard.press("Escape")
    reconnects: list[str] = []
    page.on("request", lambda r: reconnects.append(r.url) if "/stream" in r.url else None)
    page.wait_for_timeout(5500)  # the server asks for a 2 s retry delay
    assert len(reconnects) >= 2, reconnects

    with live.runtime.sessions() as s:
        conv_id = s.scalars(select(Conversation)).one().id
    post_human_reply(live.runtime.sessions, widget_state(live.app).hub, conv_id, "Hi, Sam here <script>x</script>")
    expect(page.locator(".badge")).to_be_visible()  # arrived while the panel was closed
    page.get_by_role("button", name="Open chat").click()
    human = page.locator(".msg.human")
    expect(human).to_have_count(1)
    expect(human.locator("span:last-child")).to_have_text("Hi, Sam here <script>x</script>")  # shown as text
    expect(agent).to_have_count(2)  # nothing was delivered twice by the replays
    expect(page.locator(".msg.visitor")).to_have_count(1)
