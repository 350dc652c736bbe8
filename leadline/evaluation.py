"""Per-field metrics of qualification output against labelled conversations (`expected`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

CONTACT_FIELDS = ("name", "email", "phone", "company")


def _norm(v: Any) -> str | None:
    return v.strip().lower() if isinstance(v, str) and v.strip() else None


def _contact_match(field: str, gold: Any, pred: Any) -> bool:
    g, p = _norm(gold), _norm(pred)
    if field == "name" and g and p:
        return g == p or (g.split()[0] == p.split()[0] and len(g.split()) == len(p.split()))
    if field == "company" and g and p:
        return g in p or p in g
    return g == p


def _overlaps(a: str, b: str) -> bool:
    a, b = a.lower(), b.lower()
    if a in b or b in a:
        return True
    ta, tb = set(a.split()), set(b.split())
    return len(ta & tb) / max(1, min(len(ta), len(tb))) >= 0.5


def evaluate(gold_lines: Iterable[str], predictions: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Accuracy per field, plus the list of disagreements so a person can read why."""
    counts: dict[str, list[int]] = {}
    misses: list[str] = []

    def tally(metric: str, ok: bool, cid: str, detail: str) -> None:
        hit = counts.setdefault(metric, [0, 0])
        hit[0] += ok
        hit[1] += 1
        if not ok:
            misses.append(f"{cid} {metric}: {detail}")

    for line in gold_lines:
        if not line.strip():
            continue
        g = json.loads(line)
        e, p = g["expected"], predictions.get(g["id"], {})
        visitor = [m["text"] for m in g["messages"] if m["role"] == "visitor"]
        for f in CONTACT_FIELDS:
            gv, pv = e["contact"].get(f), (p.get("contact") or {}).get(f)
            tally(f"contact.{f}", _contact_match(f, gv, pv), g["id"], f"expected {gv!r}, got {pv!r}")
        for f in ("intent", "is_lead", "band"):
            tally(f, p.get(f) == e[f], g["id"], f"expected {e[f]!r}, got {p.get(f)!r}")
        for dim, gd in e["bant"].items():
            pd = (p.get("bant") or {}).get(dim) or {}
            tally(f"bant.{dim}.level", pd.get("level") == gd["level"], g["id"],
                  f"expected {gd['level']} {gd['evidence']!r}, got {pd.get('level')} {pd.get('evidence')!r}")
            ev = pd.get("evidence")
            if ev:
                tally("evidence.verbatim", any(ev in t for t in visitor), g["id"], f"{ev!r} not in a visitor message")
            if gd["level"] != "none":
                tally("evidence.overlap", bool(ev) and _overlaps(ev, gd["evidence"]), g["id"],
                      f"{dim}: expected {gd['evidence']!r}, got {ev!r}")
    metrics = {k: round(v[0] / v[1], 3) for k, v in sorted(counts.items())}
    hits = sum(counts.get(f"contact.{f}", [0, 0])[0] for f in CONTACT_FIELDS)
    total = sum(counts.get(f"contact.{f}", [0, 0])[1] for f in CONTACT_FIELDS)
    metrics["contact.all"] = round(hits / max(1, total), 3)
    return {"metrics": metrics, "misses": misses}
