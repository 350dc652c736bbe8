"""Agent benchmark: turn latency and throughput with the rule-based agent on SQLite, peak memory
after many conversations, `leadline qualify` on 1,000 conversations, and the slowest of a set of
pathological 4,000-character messages (thousands of short lines, run-on text) through one turn.

usage: python bench/agent_bench.py [--conversations 10000] [--qualify 1000]
The last line printed is a JSON object with every figure. Wall-clock figures depend on what else
runs on the machine, so the CPU time the turns took (`turns_per_cpu_s`) and the load average are
reported beside them.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from agent.types import MAX_MESSAGE_CHARS, InboundMessage
from leadline.runtime import Runtime, build_runtime
from leadline.settings import Settings
from storage.db import unit_of_work
from storage.workspaces import create_workspace

FIRST = ["Ava", "Noah", "Lucía", "Mateus", "Ingrid", "Kofi", "Mei", "Omar", "Sofía", "Tariq"]
LAST = ["Berg", "Okafor", "Santos", "Ferreira", "Nakamura", "Haddad", "Kowalski", "Ruiz"]
COMPANIES = ["Brightwave", "Northpeak", "Quillsoft", "Tidemark", "Verdant Labs", "Copperline"]
OPENERS = [
    "Hi, could you send me pricing for the Business plan?",
    "Hello! We'd like to book a demo of your funnels product.",
    "Hey, is there a free trial? Evaluating analytics tools for our team.",
    "Quick question about plans: what does Enterprise include?",
]
DETAILS = [
    "We can't tell where users drop off during onboarding, our activation fell this quarter.",
    "Our budget is around ${k}k per year for this.",
    "I run product and I make the call on tooling.",
    "We need something live before the end of next month.",
    "I'd have to run it past my CFO first.",
    "Maybe sometime next year, no rush.",
]


def conversation(rng: random.Random, i: int) -> list[str]:
    name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    email = f"{name.split()[0].lower()}.{i}@{rng.choice(COMPANIES).split()[0].lower()}.io"
    turns = [rng.choice(OPENERS)]
    turns += [d.replace("{k}", str(rng.randint(2, 60))) for d in rng.sample(DETAILS, 2)]
    turns.append(f"I'm {name} from {rng.choice(COMPANIES)}, email {email}")
    turns.append(rng.choice(["yes", "sure, that's fine", "ok"]))
    return turns


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_turns(n_conversations: int) -> dict[str, float]:
    tmp = Path(tempfile.mkdtemp(prefix="leadline-bench-"))
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    settings = Settings(database_url=f"sqlite:///{tmp}/bench.db", data_key=key, data_dir=tmp, demo_workspace=False,
                        _env_file=None)
    rt = build_runtime(settings)
    with unit_of_work(rt.sessions) as s:
        ws_id = create_workspace(s, "Bench").id
    rng = random.Random(7)
    at = datetime(2026, 11, 23, 15, tzinfo=UTC)
    latencies: list[float] = []
    rss_start = peak_rss_mb()
    cpu_started = time.process_time()
    started = time.perf_counter()
    for i in range(n_conversations):
        who = f"visitor-{i}"
        for text in conversation(rng, i):
            msg = InboundMessage(workspace_id=ws_id, channel="widget", sender_id=who, thread_id=who, text=text,
                                 received_at=at)
            t0 = time.perf_counter()
            rt.agent.handle(msg)
            latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    worst = bench_pathological(rt, ws_id, at)
    rt.close()
    shutil.rmtree(tmp, ignore_errors=True)
    latencies.sort()
    return {
        "conversations": n_conversations,
        "turns": len(latencies),
        "turn_median_ms": round(statistics.median(latencies) * 1000, 3),
        "turn_p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 3),
        "turns_per_s": round(len(latencies) / elapsed, 1),
        "turns_per_cpu_s": round(len(latencies) / cpu, 1),
        "peak_rss_mb_start": round(rss_start, 1),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        **worst,
    }


def pathological_messages() -> dict[str, str]:
    """Messages at the 4,000-character limit shaped to hit line-by-line and clause-by-clause scans."""
    limit = MAX_MESSAGE_CHARS
    shapes = {
        "newlines": "Hi,\n" + "\n" * (limit - 10) + "Dana",
        "short_lines": "\n".join(["ok", "Dana", "--", "Best,", "x"] * 800),
        "contact_lines": "\n".join(f"a{i}@b{i}.io +1 415 555 {i:04d}" for i in range(200)),
        "quoted_lines": "\n".join(["> On Mon, Dana wrote:", "> ok", ">"] * 300),
        "run_on_dates": " ".join(["budget", "Q3", "next", "month"] * 1000),
        "run_on_amounts": " ".join(["+1", "$5k", "budget", "by", "Q3"] * 800),
    }
    return {k: v[:limit] for k, v in shapes.items()}


def bench_pathological(rt: Runtime, ws_id: str, at: datetime) -> dict[str, float]:
    """The slowest pathological message, as a whole agent turn (extraction, skills, transaction)."""
    times: dict[str, float] = {}
    for name, text in pathological_messages().items():
        who = f"pathological-{name}"
        msg = InboundMessage(workspace_id=ws_id, channel="email", sender_id=who, thread_id=who, text=text,
                             received_at=at)
        t0 = time.perf_counter()
        rt.agent.handle(msg)
        times[name] = (time.perf_counter() - t0) * 1000
    name = max(times, key=lambda k: times[k])
    return {"worst_message_ms": round(times[name], 2), "worst_message": name}


def bench_qualify(n: int) -> dict[str, float]:
    rng = random.Random(11)
    tmp = Path(tempfile.mkdtemp(prefix="leadline-qualify-"))
    path = tmp / "conversations.jsonl"
    with path.open("w") as f:
        for i in range(n):
            msgs = []
            for text in conversation(rng, i):
                msgs += [{"role": "visitor", "text": text}, {"role": "agent", "text": "Thanks! Tell me more?"}]
            f.write(json.dumps({"id": f"b{i}", "channel": "widget", "today": "2026-11-22", "messages": msgs}) + "\n")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "leadline.cli", "qualify", str(path)], capture_output=True,
                         text=True, check=True)
    elapsed = time.perf_counter() - t0
    shutil.rmtree(tmp, ignore_errors=True)
    assert len(out.stdout.splitlines()) == n
    return {"qualify_conversations": n, "qualify_s": round(elapsed, 2)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--conversations", type=int, default=10_000)
    ap.add_argument("--qualify", type=int, default=1_000)
    args = ap.parse_args()
    figures = bench_turns(args.conversations)
    print(f"turns: median {figures['turn_median_ms']} ms, p95 {figures['turn_p95_ms']} ms, "
          f"{figures['turns_per_s']} turns/s ({figures['turns_per_cpu_s']} per CPU second), "
          f"peak RSS {figures['peak_rss_mb']} MB", flush=True)
    print(f"worst pathological message: {figures['worst_message']}, {figures['worst_message_ms']} ms", flush=True)
    figures |= bench_qualify(args.qualify)
    print(f"qualify: {figures['qualify_conversations']} conversations in {figures['qualify_s']} s", flush=True)
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
