"""Every error is an RFC 9457 problem document; validation errors name the field; docs are served."""


def test_unknown_path_and_method_are_problems(client, problem) -> None:  # type: ignore[no-untyped-def]
    problem(client.get("/v1/nothing-here"), 404, "no such resource")
    problem(client.put("/v1/leads"), 405, "not allowed")


def test_validation_errors_name_the_field(client, ws, auth, problem) -> None:  # type: ignore[no-untyped-def]
    body = problem(client.get("/v1/leads?score_min=abc", headers=auth(ws.reader)), 422, "score_min")
    assert body["errors"][0]["field"] == "score_min" and body["errors"][0]["in"] == "query"
    body = problem(client.post("/v1/leads", json={"first_name": "Ana", "email": "not-an-email"},
                               headers=auth(ws.member)), 422, "last_name", "email")
    fields = {e["field"]: e["message"] for e in body["errors"]}
    assert set(fields) == {"last_name", "email"}
    assert "Field required" in fields["last_name"] and "e-mail" in fields["email"]
    body = problem(client.post("/v1/leads", content=b"{not json", headers={**auth(ws.member),
                                                                           "content-type": "application/json"}),
                   422)
    assert body["errors"]
    problem(client.patch("/v1/leads/lead_x", json={"colour": "red"}, headers=auth(ws.member)), 422, "colour")


def test_openapi_docs_are_served(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    for path in ("/v1/leads", "/v1/leads/{lead_id}", "/v1/leads/bulk", "/v1/leads/export.csv", "/v1/capture",
                 "/v1/analytics/pipeline", "/v1/analytics/sources", "/v1/stages", "/v1/leads/{lead_id}/activities"):
        assert path in spec["paths"], path
    assert "ApiKey" in spec["components"]["securitySchemes"]
    assert "email" in str(spec["paths"]["/v1/capture"]["post"]["requestBody"])
    assert "exact e-mail" in spec["paths"]["/v1/leads"]["get"]["description"]
