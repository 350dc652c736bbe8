"""GET /v1/leads: filters, keyset pagination, limits."""

from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def ids(r) -> set[str]:  # type: ignore[no-untyped-def]
    assert r.status_code == 200, r.text
    return {row["id"] for row in r.json()["data"]}


def test_pages_have_no_duplicates_or_gaps(client, ws, auth, make_lead) -> None:  # type: ignore[no-untyped-def]
    made = {make_lead(ws.id, f"p{i}@x.io") for i in range(23)}
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params = {"limit": 5, **({"cursor": cursor} if cursor else {})}
        body = client.get("/v1/leads", params=params, headers=auth(ws.reader)).json()
        seen += [row["id"] for row in body["data"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 5 and len(seen) == len(set(seen)) == 23 and set(seen) == made
    assert seen == sorted(seen, reverse=True)  # newest first
    # a lead added while paging appears on the first page, not in the middle of later ones
    body = client.get("/v1/leads", params={"limit": 200}, headers=auth(ws.reader)).json()
    assert body["next_cursor"] is None and len(body["data"]) == 23


def test_lead_shape(client, ws, auth, make_lead) -> None:  # type: ignore[no-untyped-def]
    lead = make_lead(ws.id, "Shape@X.io", name="Sam Shape", phone="+14155550123", score=82, band="hot",
                     stage="qualified", tags=["vip"], deal_value_cents=123_400)
    row = client.get("/v1/leads", headers=auth(ws.reader)).json()["data"][0]
    assert row["id"] == lead and row["email"] == "shape@x.io" and row["name"] == "Sam Shape"
    assert row["stage"] == "qualified" and row["score"] == 82 and row["band"] == "hot"
    assert row["deal_value_cents"] == 123_400 and row["tags"] == ["vip"] and row["phone"] == "+14155550123"
    assert row["captured_at"].startswith("2026-11-01T09:00:00") and row["crm_sync_status"] == "below_threshold"


@pytest.mark.parametrize(("params", "expected"), [
    ({"score_min": 60}, {"hot", "warm"}),
    ({"score_max": 59}, {"cold"}),  # an unscored lead has no score to compare
    ({"score_min": 60, "stage": "qualified"}, {"hot"}),
    ({"stage": ["qualified", "contacted"]}, {"hot", "cold"}),
    ({"band": "warm"}, {"warm"}),
    ({"channel": "whatsapp"}, {"warm"}),
    ({"source": "referral"}, {"cold"}),
    ({"tag": "VIP"}, {"hot", "none"}),
    ({"sync_status": "error"}, {"none"}),
    ({"q": "GLOBEX"}, {"warm"}),
    ({"q": "Warm@Example.com"}, {"warm"}),
    ({"q": "100%"}, set()),
    ({"captured_from": "2026-11-02", "captured_to": "2026-11-03T00:00:00Z"}, {"warm"}),
    ({"captured_from": "2026-11-03T00:00:00"}, {"cold", "none"}),
])
def test_filters(client, ws, auth, make_lead, params, expected) -> None:  # type: ignore[no-untyped-def]
    names = {
        make_lead(ws.id, "hot@example.com", score=90, band="hot", stage="qualified", tags=["vip"], at=T0): "hot",
        make_lead(ws.id, "warm@example.com", score=65, band="warm", channel="whatsapp", company="Globex Inc",
                  at=T0 + timedelta(days=1)): "warm",
        make_lead(ws.id, "cold@example.com", score=20, band="cold", stage="contacted", source="referral",
                  at=T0 + timedelta(days=2)): "cold",
        make_lead(ws.id, "none@example.com", tags=["vip", "x"], sync_status="error", company=None,
                  at=T0 + timedelta(days=3)): "none",
    }
    got = ids(client.get("/v1/leads", params=params, headers=auth(ws.reader)))
    assert {names[i] for i in got} == expected


@pytest.mark.parametrize(("query", "field"), [
    ("limit=201", "limit"), ("limit=0", "limit"), ("score_min=101", "score_min"), ("score_min=70&score_max=10",
                                                                                    "score_min"),
    ("stage=nope", "stage"), ("channel=fax", "channel"), ("source=tv", "source"), ("cursor=garbage", "cursor"),
    ("captured_from=2026-12-01&captured_to=2026-11-01", "captured_from"), ("captured_from=yesterday",
                                                                           "captured_from"),
])
def test_bad_parameters_are_422_naming_the_field(client, ws, auth, problem, query, field) -> None:  # type: ignore[no-untyped-def]
    body = problem(client.get(f"/v1/leads?{query}", headers=auth(ws.reader)), 422, field)
    assert body["errors"][0]["field"] == field


def test_erased_and_other_workspace_leads_are_not_listed(client, ws, other, auth, make_lead) -> None:  # type: ignore[no-untyped-def]
    mine = make_lead(ws.id, "me@x.io")
    gone = make_lead(ws.id, "gone@x.io")
    theirs = make_lead(other.id, "them@x.io")
    assert client.delete(f"/v1/leads/{gone}", headers=auth(ws.admin)).status_code == 204
    assert ids(client.get("/v1/leads", headers=auth(ws.reader))) == {mine}
    assert ids(client.get("/v1/leads", headers=auth(other.reader))) == {theirs}
    assert ids(client.get("/v1/leads", params={"q": "them@x.io"}, headers=auth(ws.reader))) == set()
