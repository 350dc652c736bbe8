"""Alert and outbox benchmark.

1. Hot-lead alert latency (SQLite, in-process worker): `leadline serve`'s app on a real port; each
   visitor talks through the widget HTTP API until the message that makes the lead hot; measured
   from sending that message until the fake Slack Web API has received the alert. Target p95 < 1 s.
2. Drain rate (PostgreSQL, one `leadline worker` process): N pending `lead.captured` events with a
   webhook subscription to a fast local receiver (ASGI under uvicorn; it checks every signature); events/s from the
   worker's start until the last delivery is recorded. Target >= 500 events/s with N = 100,000.

usage: python bench/alert_bench.py [--alerts 30] [--events 100000] [--pg-url postgresql://u@host:port/postgres]
The PostgreSQL part needs --pg-url (or LEADLINE_BENCH_POSTGRES_URL; an admin URL: a scratch database
is created and dropped) and is skipped without it. The last line printed is a JSON object.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import create_engine, func, select, text

ROOT = Path(__file__).resolve().parents[1]
# The fake providers live in tests/fakes; the repository root goes first so that tests/agent (a plain
# directory) cannot shadow the agent package.
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from fakes.slack_api import FakeSlack  # noqa: E402

from leadline.app import create_app  # noqa: E402
from leadline.runtime import build_runtime  # noqa: E402
from leadline.settings import Settings  # noqa: E402
from storage import outbox, subscriptions  # noqa: E402
from storage.db import unit_of_work  # noqa: E402
from storage.models import Delivery  # noqa: E402
from storage.workspaces import create_workspace  # noqa: E402

KEY = base64.urlsafe_b64encode(os.urandom(32)).decode()
HOT = [
    "Hi, we'd like a demo of the Business plan for our sales team.",
    "I'm {name}, VP Sales at BrightPath, {email}",
    "yes, that's fine",
    "We have around $30k a year set aside and I sign off on it myself.",
    "We need to replace our spreadsheet lead tracking because we lose leads, and we want to go live this month.",
]


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def alert_latency(n: int, tmp: Path) -> dict[str, float]:
    with FakeSlack() as slack:
        settings = Settings(database_url=f"sqlite:///{tmp}/alerts.db", data_key=KEY, data_dir=tmp,
                            demo_workspace=False, slack_api_url=slack.api_url, log_level="WARNING", _env_file=None)
        rt = build_runtime(settings)
        with unit_of_work(rt.sessions) as s:
            ws = create_workspace(s, "Bench", settings={"rubric": "bant"})
            subscriptions.add_subscription(s, ws.id, "slack", ["lead.qualified"], settings={"channel": "C0SALES"},
                                           secrets={"bot_token": slack.token})
            public_key = ws.public_key
        server = uvicorn.Server(uvicorn.Config(create_app(settings, rt, worker=True), host="127.0.0.1", port=0,
                                               log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        port = server.servers[0].sockets[0].getsockname()[1]
        base = f"http://127.0.0.1:{port}/widget/v1/{public_key}"
        latencies = []
        try:
            with httpx.Client(timeout=30) as client:
                for i in range(n):
                    token = client.post(f"{base}/session", json={}).json()["token"]
                    auth = {"Authorization": f"Bearer {token}"}
                    texts = [t.format(name=f"Maria Lopez{i}", email=f"maria{i}@brightpath.io") for t in HOT]
                    for j, t in enumerate(texts[:-1]):
                        client.post(f"{base}/messages", json={"text": t, "client_message_id": f"m{j}"}, headers=auth)
                    started = time.perf_counter()
                    r = client.post(f"{base}/messages", json={"text": texts[-1], "client_message_id": "hot"},
                                    headers=auth)
                    assert r.status_code == 200, r.text
                    got = slack.wait_for("chat.postMessage", i + 1, timeout=30)
                    assert len(got) == i + 1, "the alert did not arrive"
                    latencies.append(time.perf_counter() - started)
        finally:
            server.should_exit = True
            thread.join(10)
            rt.close()
    return {"alert_n": n, "alert_p50_ms": round(statistics.median(latencies) * 1000, 1),
            "alert_p95_ms": round(pct(latencies, 95) * 1000, 1), "alert_max_ms": round(max(latencies) * 1000, 1)}


class FastReceiver:
    """A webhook receiver that keeps up: a bare ASGI app under uvicorn (the test fake's http.server
    would be the bottleneck). It still checks every signature and dedupes on the event id."""

    def __init__(self, secret: str) -> None:
        self.secret, self.events, self.duplicates, self.rejected = secret.encode(), set(), 0, 0
        config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", access_log=False,
                                interface="asgi3")  # a bound method: uvicorn would guess ASGI 2
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def app(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body, more = body + message.get("body", b""), message.get("more_body", False)
        headers = dict(scope["headers"])
        parts = dict(p.split("=", 1) for p in headers.get(b"leadline-signature", b"").decode().split(",") if "=" in p)
        mac = hmac.new(self.secret, parts.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        status = 200 if hmac.compare_digest(mac, parts.get("v1", "")) else 401
        event_id = headers.get(b"leadline-event-id", b"").decode()
        if status == 401:
            self.rejected += 1
        elif event_id in self.events:
            self.duplicates += 1
        else:
            self.events.add(event_id)
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})

    def __enter__(self) -> FastReceiver:
        self.thread.start()
        while not self.server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)

    @property
    def url(self) -> str:
        port = self.server.servers[0].sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/hooks/leadline"


def drain_rate(n: int, admin_url: str, tmp: Path) -> dict[str, float]:
    name = f"leadline_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    url = admin_url.rpartition("/")[0] + "/" + name
    secret = "whsec_bench"
    try:
        with FastReceiver(secret) as receiver:
            settings = Settings(database_url=url, data_key=KEY, data_dir=tmp, demo_workspace=False,
                                log_level="WARNING", _env_file=None)
            rt = build_runtime(settings)
            with unit_of_work(rt.sessions) as s:
                ws_id = create_workspace(s, "Bench").id
                subscriptions.add_subscription(s, ws_id, "webhook", ["lead.captured"],
                                               settings={"url": receiver.url}, secrets={"signing_secret": secret})
            for start in range(0, n, 5000):
                with unit_of_work(rt.sessions) as s:
                    for i in range(start, min(n, start + 5000)):
                        outbox.enqueue(s, ws_id, "lead.captured", {
                            "type": "lead.captured", "workspace_id": ws_id, "lead_id": None, "contact_id": None,
                            "conversation_id": None, "channel": "widget", "occurred_at": "2026-11-23T12:00:00+00:00",
                            "data": {"n": i}})
            env = {**os.environ, "LEADLINE_DATABASE_URL": url, "LEADLINE_DATA_KEY": KEY,
                   "LEADLINE_DATA_DIR": str(tmp), "LEADLINE_LOG_LEVEL": "WARNING"}
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "leadline.cli", "worker", "--once"], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=3600)
            took = time.perf_counter() - started
            assert proc.returncode == 0, proc.stderr[-2000:]
            if proc.stderr.strip():
                print(proc.stderr[-2000:], file=sys.stderr)
            with rt.sessions() as s:
                delivered = s.scalar(select(func.count()).where(Delivery.status == "delivered"))
            rt.close()
            unique, duplicates, rejected = len(receiver.events), receiver.duplicates, receiver.rejected
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    assert delivered == n == unique and rejected == 0, f"delivered {delivered}, received {unique} of {n}"
    return {"drain_events": n, "drain_seconds": round(took, 2), "drain_events_per_s": round(n / took, 1),
            "drain_duplicates": duplicates}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--alerts", type=int, default=30)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--pg-url", default=os.environ.get("LEADLINE_BENCH_POSTGRES_URL"))
    args = ap.parse_args()
    figures: dict[str, object] = {"load_avg_1m": round(os.getloadavg()[0], 2)}
    with tempfile.TemporaryDirectory() as tmp:
        figures.update(alert_latency(args.alerts, Path(tmp)))
        print(f"alert latency: p50 {figures['alert_p50_ms']} ms, p95 {figures['alert_p95_ms']} ms", flush=True)
        if args.pg_url:
            figures.update(drain_rate(args.events, args.pg_url, Path(tmp)))
            print(f"drain: {figures['drain_events_per_s']} events/s", flush=True)
        else:
            figures["drain_events_per_s"] = None  # no PostgreSQL given
    figures["targets_met"] = {"alert_p95_under_1s": figures["alert_p95_ms"] < 1000,  # type: ignore[operator]
                              "drain_at_least_500_per_s": (figures["drain_events_per_s"] or 0) >= 500}  # type: ignore[operator]
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
