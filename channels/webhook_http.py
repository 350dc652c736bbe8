"""What every inbound webhook endpoint shares: RFC 9457 problem answers, reading a body under a
size limit (a clear 413 before an oversized body is held in memory), and the 400/422 answer for
a body that is not the JSON the provider sends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError


class BodyTooLarge(Exception):
    pass


def problem(status: int, title: str, detail: str, *, source: str | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    """RFC 9457 problem details; `source` (e.g. "whatsapp") makes the type a stable URN."""
    kind = f"urn:leadline:problem:{source}-{title.lower().replace(' ', '-')}" if source else "about:blank"
    return JSONResponse({"type": kind, "title": title, "status": status, "detail": detail},
                        status_code=status, media_type="application/problem+json", headers=headers)


def check_declared_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(f"the body declares {declared} bytes; the limit is {limit}")


async def limited_stream(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The body's chunks, raising BodyTooLarge once more than `limit` bytes (declared or sent) arrive."""
    check_declared_length(request, limit)
    seen = 0
    async for chunk in request.stream():
        seen += len(chunk)
        if seen > limit:
            raise BodyTooLarge(f"the body exceeds the limit of {limit} bytes")
        yield chunk


async def read_limited(request: Request, limit: int) -> bytes:
    """The raw body (what signatures are computed over), at most `limit` bytes."""
    return b"".join([chunk async for chunk in limited_stream(request, limit)])


async def read_signed(request: Request, *, secret: str | None, secret_setting: str, what: str, limit: int,
                      why_unsigned: Callable[[str, bytes], str | None], source: str,
                      too_large_headers: dict[str, str] | None = None) -> bytes | JSONResponse:
    """The raw body once its sender is verified (DESIGN rule 3), or the answer to send instead: 503
    when the deployment has no secret, 413 over `limit`, 401 with `why_unsigned`'s reason. Nothing
    is parsed or stored before this returns bytes."""
    if not secret:
        return problem(503, "Not configured", f"set {secret_setting} to accept {what}", source=source)
    try:
        raw = await read_limited(request, limit)
    except BodyTooLarge as e:
        return problem(413, "Payload too large", str(e), source=source, headers=too_large_headers)
    why = why_unsigned(secret, raw)
    if why:
        return problem(401, "Bad signature", f"{why}; nothing was stored", source=source)
    return raw


def payload_problem(e: ValidationError, *, source: str, prefix: str = "",
                    headers: dict[str, str] | None = None) -> JSONResponse:
    """400 when the body is not JSON at all, 422 (naming the first bad field) when its shape is wrong."""
    if any(err["type"] == "json_invalid" for err in e.errors()):
        return problem(400, "Malformed JSON", "the body is not valid JSON; nothing was stored",
                       source=source, headers=headers)
    first = e.errors()[0]
    where = ".".join(str(p) for p in (prefix, *first["loc"]) if p != "") or "body"
    return problem(422, "Unexpected payload", f"{where}: {first['msg']} ({e.error_count()} errors); nothing was stored",
                   source=source, headers=headers)
