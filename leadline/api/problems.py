"""Errors as RFC 9457 problem details (`application/problem+json`): type, title, status, detail,
plus `errors` (field and message) for validation failures."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from storage.sessions import Conflict

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
_TYPE = "urn:leadline:problem:"


class Problem(Exception):
    """Raise anywhere in a request to answer with a problem document."""

    def __init__(self, status: int, detail: str, *, kind: str | None = None, title: str | None = None,
                 headers: dict[str, str] | None = None, **extensions: Any) -> None:
        super().__init__(detail)
        self.status, self.detail, self.headers, self.extensions = status, detail, headers or {}, extensions
        self.title = title or HTTPStatus(status).phrase
        self.type = _TYPE + (kind or self.title.lower().replace(" ", "-"))


def not_found(what: str, ident: str) -> Problem:
    return Problem(404, f"{what} {ident!r} not found", kind="not-found")


def invalid(field: str, message: str, *, where: str = "body") -> Problem:
    """A 422 about one field, shaped like the automatic validation errors."""
    return Problem(422, f"{field}: {message}", kind="validation-error", title="Unprocessable Content",
                   errors=[{"field": field, "in": where, "message": message}])


def reject_nul_in_url(path: str, query_string: bytes) -> None:
    """A NUL byte in a path or query value would reach PostgreSQL, which refuses it in text (a 500)."""
    if "\x00" in path:
        raise invalid("path", "contains a NUL byte", where="path")
    if b"%00" in query_string or b"\x00" in query_string:
        raise invalid("query", "contains a NUL byte", where="query")


def problem_response(p: Problem) -> JSONResponse:
    body = {"type": p.type, "title": p.title, "status": p.status, "detail": p.detail, **p.extensions}
    return JSONResponse(body, status_code=p.status, headers=p.headers, media_type=MEDIA_TYPE)


def _field(loc: tuple[Any, ...]) -> tuple[str, str]:
    where = str(loc[0]) if loc else "body"
    if where not in ("body", "query", "path", "header", "cookie"):
        return ".".join(str(p) for p in loc), "body"
    parts = loc[1:]
    if where == "query":  # a repeated parameter (`?stage=a&stage=b`) is still one parameter
        parts = tuple(p for p in parts if not isinstance(p, int))
    return ".".join(str(p) for p in parts) or where, where


def _message(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")


async def _on_problem(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(exc)


async def _on_validation(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        field, where = _field(tuple(err.get("loc", ())))
        errors.append({"field": field, "in": where, "message": _message(err)})
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors) or "the request is not valid"
    return problem_response(Problem(422, detail, kind="validation-error", title="Unprocessable Content",
                                    errors=errors))


async def _on_http(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) and exc.detail != phrase else {
        404: "no such resource: check the path", 405: "this method is not allowed on this path",
    }.get(exc.status_code, phrase)
    return problem_response(Problem(exc.status_code, detail, headers=dict(exc.headers or {})))


async def _on_integrity(_: Request, exc: Exception) -> JSONResponse:
    # A unique constraint raced: two requests for the same e-mail or Idempotency-Key at once.
    log.info("integrity conflict: %s", type(exc).__name__)
    return problem_response(Problem(409, "the change conflicts with a concurrent request (for example the same "
                                         "e-mail or Idempotency-Key); nothing was stored, retry the request",
                                    kind="conflict"))


async def _on_error(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(Problem(500, "an unexpected error occurred; nothing was stored", kind="internal-error"))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(Problem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(Conflict, _on_integrity)
    app.add_exception_handler(Exception, _on_error)
