"""GET /v1/analytics/pipeline (SPEC A4 fields exactly) and /v1/analytics/sources."""

from datetime import UTC, datetime, timedelta

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_pipeline_summary_fields_and_numbers(client, ws, other, auth, make_lead) -> None:  # type: ignore[no-untyped-def]
    make_lead(ws.id, "a@x.io", score=90, band="hot", stage="qualified", deal_value_cents=1_000_000)
    make_lead(ws.id, "b@x.io", score=50, band="lukewarm", deal_value_cents=250_000)
    make_lead(ws.id, "c@x.io", stage="closed_won", deal_value_cents=700_000)
    make_lead(ws.id, "d@x.io", score=10, band="cold", stage="closed_lost", deal_value_cents=100)
    make_lead(other.id, "o@x.io", score=99, deal_value_cents=9_999_999)
    body = client.get("/v1/analytics/pipeline", headers=auth(ws.reader)).json()
    assert set(body) == {"total", "active", "won", "lost", "total_pipeline_value", "conversion_rate", "avg_score",
                         "by_stage"}
    assert (body["total"], body["active"], body["won"], body["lost"]) == (4, 2, 1, 1)
    assert body["total_pipeline_value"] == 1_250_000  # active leads only
    assert body["conversion_rate"] == 25.0 and body["avg_score"] == 50.0
    assert all(set(s) == {"stage_id", "stage_name", "count", "value"} for s in body["by_stage"])
    stages = {s["stage_name"]: s for s in body["by_stage"]}
    assert list(stages)[:2] == ["New", "Contacted"]  # pipeline order, empty stages included
    assert stages["Qualified"]["count"] == 1 and stages["Qualified"]["value"] == 1_000_000
    assert stages["Contacted"] == {**stages["Contacted"], "count": 0, "value": 0}
    assert stages["New"]["stage_id"].startswith("stg_")


def test_empty_pipeline(client, ws, auth) -> None:  # type: ignore[no-untyped-def]
    body = client.get("/v1/analytics/pipeline", headers=auth(ws.reader)).json()
    assert body["total"] == 0 and body["conversion_rate"] == 0.0 and body["avg_score"] is None


def test_sources(client, ws, auth, problem, make_lead) -> None:  # type: ignore[no-untyped-def]
    make_lead(ws.id, "a@x.io", source="website", channel="widget", score=80, stage="closed_won", at=T0)
    make_lead(ws.id, "b@x.io", source="website", channel="whatsapp", score=40, at=T0 + timedelta(days=1))
    make_lead(ws.id, "c@x.io", source="referral", channel=None, at=T0 + timedelta(days=2))
    body = client.get("/v1/analytics/sources", headers=auth(ws.reader)).json()
    assert body["total"] == 3
    web = body["by_source"][0]
    assert web == {"key": "website", "count": 2, "share": 66.7, "won": 1, "avg_score": 60.0, "value": 0}
    assert {c["key"]: c["count"] for c in body["by_channel"]} == {"widget": 1, "whatsapp": 1, None: 1}
    ranged = client.get("/v1/analytics/sources", params={"captured_from": "2026-11-02"},
                        headers=auth(ws.reader)).json()
    assert ranged["total"] == 2
    problem(client.get("/v1/analytics/sources", params={"captured_from": "2026-11-02", "captured_to": "2026-11-01"},
                       headers=auth(ws.reader)), 422, "captured_from")
