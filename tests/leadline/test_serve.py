"""`leadline serve` as a user starts it: a real process on a free port, answering /healthz."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


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
