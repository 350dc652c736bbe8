"""API benchmark over real HTTP against a `leadline serve` subprocess, on SQLite and PostgreSQL:

- `GET /v1/leads?score_min=80&stage=new&limit=50` latency (p50/p95) on the first page and on a page
  deep in the keyset pagination (reached by following `next_cursor`), with the query plan;
- `GET /v1/leads/export.csv` of 10,000 rows: time and the server's RSS growth while streaming;
- widget message round trips (a real agent turn) per second against a hello-world FastAPI app
  served by uvicorn with the same settings (`--web-workers` processes), the same client and the
  same concurrency; once with httpx clients in threads and once with the minimal raw client of
  bench/raw_http.py (httpx caps a hello-world endpoint at the client's own speed on 2 cores).
  Each server is warmed up first (`--warmup` s); the server CPU per request, taken during the raw
  client's run, is the steadier figure on a shared machine.

usage: python bench/api_bench.py [--leads 1000000] [--db sqlite|postgres|both] [--pg-url URL] [--web-workers N]
PostgreSQL: `--pg-url postgresql://user@127.0.0.1:PORT/postgres`, else a throwaway server is
started with .ci/start-postgres (and stopped at the end). The last line is a JSON object of figures.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import random
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from procs import cpu_seconds  # bench/ is on sys.path when this file runs
from raw_http import Connection
from sqlalchemy import Engine, create_engine, text

from storage import crypto, lead_queries
from storage.api_keys import create_api_key
from storage.db import make_engine, make_sessionmaker, unit_of_work
from storage.lead_queries import LeadFilter
from storage.migrate import upgrade
from storage.models import Contact, Lead
from storage.workspaces import create_workspace, stage_by_key

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"
HELLO_APP = """
from fastapi import FastAPI
app = FastAPI()
@app.get("/hello")
def hello() -> dict[str, str]:
    return {"hello": "world"}
"""
WIDGET_TURNS = [
    "Hi, could you send me pricing for the Business plan?",
    "We can't tell where users drop off during onboarding, our activation fell this quarter.",
    "Our budget is around $30k per year and I make the call on tooling.",
    "I'm Ava Berg from Northpeak, email ava.{n}@northpeak.io",
    "yes",
]


# -- seeding ---------------------------------------------------------------------------------------
def time_id(prefix: str, ms: int, rng: random.Random) -> str:
    """Like storage.ids.new_id, but at a given time, so seeded ids sort like captured_at."""
    head = []
    for _ in range(10):
        ms, r = divmod(ms, 32)
        head.append(_ALPHABET[r])
    return f"{prefix}_{''.join(reversed(head))}{rng.getrandbits(64):016x}"  # hex digits are in the alphabet


def _row_writer(engine: Engine, table: Any,
                raw: frozenset[str]) -> tuple[list[str], Callable[[dict[str, Any]], tuple[Any, ...]]]:
    """Column names and a function turning a row of Python values into database values, through
    each column's own bind processing (UTC datetimes, JSON, ...) so rows look as the ORM writes them;
    columns in `raw` already hold database values (pre-encrypted text)."""
    dialect = engine.dialect
    names = [c.name for c in table.columns]
    procs = [None if c.name in raw else c.type._cached_bind_processor(dialect) for c in table.columns]

    def convert(row: dict[str, Any]) -> tuple[Any, ...]:
        missing = set(names) - set(row)
        if missing:
            raise SystemExit(f"the bench does not know columns {sorted(missing)} of {table.name}; update it")
        return tuple(p(row[n]) if p is not None and row[n] is not None else row[n]
                     for n, p in zip(names, procs, strict=True))

    return names, convert


def _bulk_insert(engine: Engine, table: Any, rows: Iterator[dict[str, Any]], raw: frozenset[str] = frozenset(),
                 batch: int = 20_000) -> None:
    names, convert = _row_writer(engine, table, raw)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        if engine.dialect.name == "postgresql":
            with cur.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(convert(row))
        else:
            sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"
            chunk: list[tuple[Any, ...]] = []
            for row in rows:
                chunk.append(convert(row))
                if len(chunk) >= batch:
                    cur.executemany(sql, chunk)
                    chunk.clear()
            if chunk:
                cur.executemany(sql, chunk)
        raw.commit()
    finally:
        raw.close()


STAGE_WEIGHTS = {"new": 40, "contacted": 20, "qualified": 15, "demo_scheduled": 10, "won": 5, "lost": 10}
CHANNELS = ["widget", "widget", "widget", "hosted_page", "whatsapp", "email", "slack"]
SOURCES = ["website", "website", "whatsapp", "email", "slack", "import", "manual"]
COMPANIES = ["Brightwave", "Northpeak", "Quillsoft", "Tidemark", "Verdant Labs", "Copperline", None]
Person = tuple[str, str, int, datetime]  # contact id, lead id, index, captured at


def _contacts(w: str, people: list[Person], names: list[Any], emails: list[Any]) -> Iterator[dict[str, Any]]:
    for ct, _, i, at in people:
        yield {"id": ct, "workspace_id": w, "name": names[i % 4], "email": emails[i % 4], "phone": None,
               "email_bidx": None, "phone_bidx": None, "company": COMPANIES[i % 7], "title": None,
               "merged_into_id": None, "created_at": at, "updated_at": at}


def _leads(w: str, people: list[Person], stage_ids: dict[str, str], rng: random.Random) -> Iterator[dict[str, Any]]:
    keys = [k for k in STAGE_WEIGHTS if k in stage_ids]
    weights = [STAGE_WEIGHTS[k] for k in keys]
    for ct, lead, i, at in people:
        score = min(100, max(0, int(rng.gauss(50, 22)))) if i % 10 else None  # a tenth not scored yet
        band = None if score is None else "hot" if score >= 80 else "warm" if score >= 60 else (
            "lukewarm" if score >= 40 else "cold")
        yield {"id": lead, "workspace_id": w, "contact_id": ct, "stage_id": stage_ids[rng.choices(keys, weights)[0]],
               "score": score, "band": band, "tags": "[]", "owner": None, "source": SOURCES[i % 7],
               "channel": CHANNELS[i % 7], "company_size": None, "deal_value_cents": None, "captured_at": at,
               "last_activity_at": at, "next_follow_up_at": None, "crm_sync_status": "below_threshold",
               "crm_ids": "{}", "notes": None, "deleted_at": at if i % 97 == 0 else None}  # ~1% erased


def seed(engine: Engine, n: int) -> dict[str, Any]:
    """A workspace with `n` leads (and a second one with n/10, so workspace_id must be filtered):
    realistic spread of scores, stages, channels and sources over a year, newest last."""
    sessions = make_sessionmaker(engine)
    with unit_of_work(sessions) as s:
        ws = create_workspace(s, "Bench", settings={"rubric": "bant"})
        other = create_workspace(s, "Other")
        admin = create_api_key(s, ws.id, name="bench", scopes=["admin"])[1]
        stage_ids = {ws.id: {}, other.id: {}}
        for w in (ws.id, other.id):
            for key in ("new", "contacted", "qualified", "demo_scheduled", "won", "lost"):
                with contextlib.suppress(Exception):  # a workspace's pipeline may name its stages otherwise
                    stage_ids[w][key] = stage_by_key(s, w, key).id
        ids = {"workspace_id": ws.id, "public_key": ws.public_key, "admin_key": admin}
    et = Contact.__table__.c.name.type
    names = [et.process_bind_param(f"{f} {last}", engine.dialect) for f, last in
             (("Ava", "Berg"), ("Noah", "Okafor"), ("Mei", "Santos"), ("Kofi", "Haddad"))]
    emails = [et.process_bind_param(f"person{i}@example.com", engine.dialect) for i in range(4)]
    start = datetime(2025, 11, 1, tzinfo=UTC)
    step_ms = max(1, int(365 * 24 * 3600 * 1000 / max(n, 1)))
    started = time.perf_counter()
    for w, count in ((ws.id, n), (other.id, max(1, n // 10))):
        rng = random.Random(len(w) * 7 + count)
        people = []
        for i in range(count):
            at = start + timedelta(milliseconds=i * step_ms)
            ms = int(at.timestamp() * 1000)
            people.append((time_id("ct", ms, rng), time_id("lead", ms, rng), i, at))
        _bulk_insert(engine, Contact.__table__, _contacts(w, people, names, emails), raw=frozenset({"name", "email"}))
        _bulk_insert(engine, Lead.__table__, _leads(w, people, stage_ids[w], rng), raw=frozenset({"tags", "crm_ids"}))
    with engine.begin() as c:
        c.execute(text("ANALYZE"))  # PostgreSQL's autovacuum would do this; on SQLite it feeds the planner
    ids["seed_seconds"] = round(time.perf_counter() - started, 1)
    return ids


def explain(engine: Engine, workspace_id: str, stage_id: str) -> dict[str, Any]:
    """The plan of the list query the API runs, and whether it walks a live-lead index."""
    sessions = make_sessionmaker(engine)
    with sessions() as s:
        stmt = lead_queries.list_leads_stmt(s, workspace_id, LeadFilter(score_min=80, stage_ids=(stage_id,)),
                                            before_id=None, limit=51)
        sql = str(stmt.compile(engine, compile_kwargs={"literal_binds": True}))
        prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN "
        plan = "\n".join(" ".join(str(v) for v in row) for row in s.execute(text(prefix + sql)))
    return {"plan": plan, "uses_live_index": "ix_leads_live_" in plan}


# -- servers ----------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(cmd: list[str], port: int, env: dict[str, str], log: Path, probe: str = "/healthz",
          ) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{probe}", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit(f"server did not start: {log.read_text()[-2000:]}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(15)
    except subprocess.TimeoutExpired:
        proc.kill()


def rss_mb(pid: int) -> float:
    return psutil.Process(pid).memory_info().rss / 2**20


# -- measurements ------------------------------------------------------------------------------------
def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 2)


def timed_gets(client: httpx.Client, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t = time.perf_counter()
        r = client.get(url)
        out.append(time.perf_counter() - t)
        r.raise_for_status()
    return out


def bench_list(client: httpx.Client, n: int, deep_page: int) -> dict[str, Any]:
    url = "/v1/leads?score_min=80&stage=new&limit=50"
    timed_gets(client, url, 10)  # warm caches and connections
    first = timed_gets(client, url, n)
    cursor, page, follow = None, 1, time.perf_counter()
    while page < deep_page:
        body = client.get(url + (f"&cursor={cursor}" if cursor else "")).json()
        if not body["next_cursor"]:
            break
        cursor, page = body["next_cursor"], page + 1
    follow = time.perf_counter() - follow
    deep = timed_gets(client, url + f"&cursor={cursor}", n) if cursor else []
    got = client.get(url + f"&cursor={cursor}").json()["data"] if cursor else []
    assert all(d["score"] >= 80 and d["stage"] == "new" for d in got), "the deep page is not filtered"
    return {"first_page_p50_ms": pct(first, 0.5), "first_page_p95_ms": pct(first, 0.95), "deep_page": page,
            "deep_page_p50_ms": pct(deep, 0.5) if deep else None, "deep_page_p95_ms": pct(deep, 0.95) if deep else None,
            "cursor_walk_seconds": round(follow, 1)}


def bench_export(client: httpx.Client, pid: int, rows: int) -> dict[str, Any]:
    before, peak, done = rss_mb(pid), [rss_mb(pid)], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], rss_mb(pid))
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    t = time.perf_counter()
    lines = 0
    with client.stream("GET", f"/v1/leads/export.csv?limit={rows}") as r:
        r.raise_for_status()
        for chunk in r.iter_lines():
            lines += 1 if chunk else 0
    elapsed = time.perf_counter() - t
    done.set()
    sampler.join()
    return {"export_rows": lines - 1, "export_seconds": round(elapsed, 2),
            "export_rss_growth_mb": round(peak[0] - before, 1)}


def rps(base: str, concurrency: int, seconds: float, make_request: Callable[[httpx.Client, int, int], None]) -> float:
    """Requests per second over `seconds`, `concurrency` httpx clients each in a thread, keep-alive."""
    counts = [0] * concurrency
    stop_at = time.monotonic() + seconds
    errors: list[BaseException] = []

    def run(worker: int) -> None:
        with httpx.Client(base_url=base, timeout=60) as c:
            try:
                while time.monotonic() < stop_at:
                    make_request(c, worker, counts[worker])
                    counts[worker] += 1
            except BaseException as e:  # reported below
                errors.append(e)

    threads = [threading.Thread(target=run, args=(w,)) for w in range(concurrency)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise errors[0]
    return sum(counts) / (time.perf_counter() - t)


def rps_raw(port: int, concurrency: int, seconds: float,
            make_request: Callable[[Connection, int, int], Awaitable[None]]) -> float:
    """The same with the minimal client of bench/raw_http.py: asyncio connections, no threads."""
    counts = [0] * concurrency

    async def run_all() -> float:
        stop_at = time.monotonic() + seconds

        async def run(worker: int) -> None:
            conn = Connection("127.0.0.1", port)
            try:
                while time.monotonic() < stop_at:
                    await make_request(conn, worker, counts[worker])
                    counts[worker] += 1
            finally:
                conn.close()

        t = time.perf_counter()
        await asyncio.gather(*(run(w) for w in range(concurrency)))
        return sum(counts) / (time.perf_counter() - t)

    return asyncio.run(run_all())


def widget_request(public_key: str) -> Callable[[httpx.Client, int, int], None]:
    """Every 5 messages a new visitor session (a conversation of the usual length), whose
    session start is counted in the time but not as a message."""
    tokens: dict[int, str] = {}
    run = uuid.uuid4().hex[:6]  # each run's visitors are new people, so no run merges into another's contacts

    def send(c: httpx.Client, worker: int, i: int) -> None:
        if i % len(WIDGET_TURNS) == 0:
            r = c.post(f"/widget/v1/{public_key}/session", json={})
            r.raise_for_status()
            tokens[worker] = r.json()["token"]
        r = c.post(f"/widget/v1/{public_key}/messages", headers={"Authorization": f"Bearer {tokens[worker]}"},
                   json=widget_message(run, worker, i))
        r.raise_for_status()
        assert r.json()["reply"] is not None

    return send


def widget_request_raw(public_key: str) -> Callable[[Connection, int, int], Awaitable[None]]:
    tokens: dict[int, str] = {}
    json_type = {"Content-Type": "application/json"}
    run = uuid.uuid4().hex[:6]

    async def send(c: Connection, worker: int, i: int) -> None:
        if i % len(WIDGET_TURNS) == 0:
            status, body = await c.post(f"/widget/v1/{public_key}/session", b"{}", json_type)
            assert status == 200, body
            tokens[worker] = json.loads(body)["token"]
        body_out = json.dumps(widget_message(run, worker, i)).encode()
        status, body = await c.post(f"/widget/v1/{public_key}/messages", body_out,
                                    {**json_type, "Authorization": f"Bearer {tokens[worker]}"})
        assert status == 200 and json.loads(body)["reply"] is not None, body

    return send


def widget_message(run: str, worker: int, i: int) -> dict[str, str]:
    n = f"{run}-{worker}-{i // len(WIDGET_TURNS)}"
    return {"text": WIDGET_TURNS[i % len(WIDGET_TURNS)].replace("{n}", n), "client_message_id": uuid.uuid4().hex}


def hello_request(c: httpx.Client, _worker: int, _i: int) -> None:
    c.get("/hello").raise_for_status()


async def hello_request_raw(c: Connection, _worker: int, _i: int) -> None:
    status, _ = await c.request("GET", "/hello")
    assert status == 200


def compare_widget_to_hello(env: dict[str, str], public_key: str, args: argparse.Namespace, tmp: Path,
                            kind: str) -> dict[str, Any]:
    """Widget message round trips per second against a hello-world endpoint, both served by uvicorn
    with `--web-workers` processes, with each load generator (httpx threads, and the raw client)."""
    out: dict[str, Any] = {"web_workers": args.web_workers, "concurrency": args.concurrency}
    leadline = str(Path(PYTHON).parent / "leadline")
    (tmp / "hello_app.py").write_text(HELLO_APP)
    servers = {
        "widget": [leadline, "serve", "--workers", str(args.web_workers)],
        "hello": [PYTHON, "-m", "uvicorn", "hello_app:app", "--app-dir", str(tmp), "--host", "127.0.0.1",
                  "--workers", str(args.web_workers), "--log-level", "warning", "--timeout-graceful-shutdown", "5"],
    }
    env = env | {"LEADLINE_WORKER_IN_PROCESS": "true"}  # as users run it: the turns' events are handled too
    for name, cmd in servers.items():
        port = free_port()
        proc = start([*cmd, "--port", str(port)], port, env, tmp / f"{name}-{kind}.log",
                     probe="/healthz" if name == "widget" else "/hello")
        make, make_raw = ((widget_request(public_key), widget_request_raw(public_key)) if name == "widget"
                          else (hello_request, hello_request_raw))
        try:
            # Both servers warm up alike: a first start's scheduled jobs and first-use imports are not
            # the steady state being compared.
            rps_raw(port, args.concurrency, args.warmup, make_raw)
            out[f"{name}_rps"] = round(rps(f"http://127.0.0.1:{port}", args.concurrency, args.seconds, make), 1)
            cpu0 = cpu_seconds(proc.pid, children=True)
            rate = rps_raw(port, args.concurrency, args.seconds, make_raw)
            cpu_ms = (cpu_seconds(proc.pid, children=True) - cpu0) * 1000 / (rate * args.seconds)
            out[f"{name}_rps_raw_client"] = round(rate, 1)
            out[f"{name}_server_cpu_ms_per_request"] = round(cpu_ms, 2)
        finally:
            stop(proc)
    out["widget_vs_hello"] = round(out["widget_rps"] / out["hello_rps"], 3)
    out["widget_vs_hello_raw_client"] = round(out["widget_rps_raw_client"] / out["hello_rps_raw_client"], 3)
    return out


# -- one database -----------------------------------------------------------------------------------
def run_db(kind: str, url: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    crypto.configure(base64.urlsafe_b64decode(key))
    engine = make_engine(url)
    upgrade(engine)
    print(f"[{kind}] seeding {args.leads:,} leads…", flush=True)
    ids = seed(engine, args.leads)
    print(f"[{kind}] seeded in {ids['seed_seconds']} s", flush=True)
    with make_sessionmaker(engine)() as s:
        new_stage = stage_by_key(s, ids["workspace_id"], "new").id
    plan = explain(engine, ids["workspace_id"], new_stage)
    print(f"[{kind}] plan of the list query:\n{plan['plan']}", flush=True)
    engine.dispose()
    port = free_port()
    env = {**os.environ, "LEADLINE_DATABASE_URL": url, "LEADLINE_DATA_KEY": key, "LEADLINE_DEMO_WORKSPACE": "false",
           "LEADLINE_LOG_LEVEL": "WARNING", "LEADLINE_WORKER_IN_PROCESS": "false", "LEADLINE_DATA_DIR": str(tmp)}
    leadline = str(Path(PYTHON).parent / "leadline")
    server = start([leadline, "serve", "--port", str(port)], port, env, tmp / f"serve-{kind}.log")
    out: dict[str, Any] = {"leads": args.leads, "seed_seconds": ids["seed_seconds"],
                           "uses_live_index": plan["uses_live_index"]}
    try:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {ids['admin_key']}"}) as c:
            out |= bench_list(c, args.requests, args.deep_page)
            out |= bench_export(c, server.pid, args.export_rows)
    finally:
        stop(server)
    out |= compare_widget_to_hello(env, ids["public_key"], args, tmp, kind)
    deep = out["deep_page_p95_ms"]
    out["targets_met"] = {
        "list_p95_under_50ms": out["first_page_p95_ms"] < 50,
        "deep_page_as_fast": deep is not None and deep < max(50.0, 1.5 * out["first_page_p95_ms"]),
        "export_under_2s": out["export_seconds"] < 2, "export_rss_under_50mb": out["export_rss_growth_mb"] < 50,
        "widget_at_least_30pct_of_hello": out["widget_vs_hello"] >= 0.3,
        "widget_at_least_30pct_of_hello_raw_client": out["widget_vs_hello_raw_client"] >= 0.3,
    }
    print(f"[{kind}] {json.dumps(out)}", flush=True)
    return out


def start_postgres() -> tuple[str, dict[str, str]]:
    exports = subprocess.run(["bash", str(ROOT / ".ci/start-postgres")], check=True, capture_output=True,
                             text=True).stdout
    env = dict(part.split("=", 1) for part in shlex.split(exports.removeprefix("export ").strip()))
    return env["PG_URL"], env


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--leads", type=int, default=1_000_000)
    p.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--pg-url", help="a PostgreSQL server's admin URL (…/postgres); default: start a throwaway one")
    p.add_argument("--requests", type=int, default=200, help="timed list requests per page")
    p.add_argument("--deep-page", type=int, default=1000, help="follow next_cursor to this page")
    p.add_argument("--export-rows", type=int, default=10_000)
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--web-workers", type=int, default=1, help="server processes for the widget/hello comparison")
    p.add_argument("--seconds", type=float, default=10.0, help="duration of each requests-per-second run")
    p.add_argument("--warmup", type=float, default=3.0, help="seconds of load before each server is measured")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="leadline-api-bench-"))
    figures: dict[str, Any] = {"machine_note": "2 shared cores; figures are noisy unless the machine is idle"}
    if args.db in ("sqlite", "both"):
        figures["sqlite"] = run_db("sqlite", f"sqlite:///{tmp}/bench.db", args, tmp)
    if args.db in ("postgres", "both"):
        pg_env: dict[str, str] | None = None
        admin_url = args.pg_url
        if admin_url is None:
            admin_url, pg_env = start_postgres()
        name = f"leadline_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            figures["postgres"] = run_db("postgres", admin_url.rsplit("/", 1)[0] + f"/{name}", args, tmp)
        finally:
            with admin.connect() as c:
                c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
            if pg_env is not None:
                subprocess.run(["bash", str(ROOT / ".ci/stop-postgres")], env={**os.environ, **pg_env}, check=False)
    shutil.rmtree(tmp, ignore_errors=True)  # a million-lead database is large; server logs stay on failure
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
