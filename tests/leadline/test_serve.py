"""`leadline serve` as a user starts it: a real process on a free port, answering /healthz."""

import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_starts_on_embedded_defaults_and_answers_healthz(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADLINE_")}
    env["LEADLINE_PORT"] = str(port)
    proc = subprocess.Popen([sys.executable, "-m", "leadline.cli", "serve"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "service did not start within 30 s"
                time.sleep(0.2)
        assert r.status_code == 200 and r.json() == {"status": "ok"}
        assert (tmp_path / "leadline.db").exists()  # SQLite default in the working directory
        assert (tmp_path / ".leadline" / "data.key").exists()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


def test_serve_with_two_processes_shares_one_sqlite_file(tmp_path: Path) -> None:
    """`--workers 2`: two server processes, each with its own outbox worker, on one SQLite file
    (writers queue on the file's writer lock): concurrent conversations lose and double nothing."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEADLINE_")}
    env |= {"LEADLINE_PORT": str(port), "LEADLINE_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "leadline.cli", "serve", "--workers", "2"], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                page = httpx.get(base + "/", timeout=2)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
                assert time.monotonic() < deadline, "service did not start within 60 s"
                time.sleep(0.2)
        assert len(psutil.Process(proc.pid).children()) >= 2  # two server processes (uvicorn may add a helper)
        public_key = re.search(r'data-workspace="([^"]+)"', page.text).group(1)  # the demo workspace

        def visitor(n: int) -> list[int]:
            with httpx.Client(base_url=base, timeout=30) as c:
                token = c.post(f"/widget/v1/{public_key}/session", json={}).json()["token"]
                ids = []
                for i, text in enumerate(["Hi, what does it cost?", "We are 40 people, budget about $30k a year.",
                                          f"I'm Ann Lee, ann{n}@example.com", "Can we book a demo next week?"]):
                    r = c.post(f"/widget/v1/{public_key}/messages", headers={"Authorization": f"Bearer {token}"},
                               json={"text": text, "client_message_id": f"m{i}"})
                    assert r.status_code == 200, r.text
                    ids += [r.json()["message"]["id"], r.json()["reply"]["id"]]
                return ids

        with ThreadPoolExecutor(6) as pool:
            ids = [i for got in pool.map(visitor, range(6)) for i in got]
        assert len(ids) == len(set(ids)) == 48
        db = sqlite3.connect(tmp_path / "leadline.db")
        assert db.execute("SELECT count(*) FROM messages").fetchone()[0] == 48
        assert db.execute("SELECT count(*) FROM leads").fetchone()[0] == 6
        # The outbox workers of the two processes handle the events the turns wrote.
        deadline = time.monotonic() + 20
        while db.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0]:
            assert time.monotonic() < deadline, "the in-process outbox workers did not run"
            time.sleep(0.2)
        db.close()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
