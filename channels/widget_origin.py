"""Which web pages may talk to a workspace's widget API (CORS), from `settings["allowed_origins"]`.

Same-origin requests (the demo page on `/`, the hosted chat page) are always allowed; other
origins only when listed (`"*"` allows any site). A disallowed origin gets no CORS headers, so the
browser refuses to read the answer, and its writes are refused outright.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

ALLOW_METHODS = "GET, POST, OPTIONS"
ALLOW_HEADERS = "Authorization, Content-Type, Last-Event-ID"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalise(origin: str) -> str:
    """`HTTPS://Shop.example:443/` -> `https://shop.example`, as a browser sends it."""
    parts = urlsplit(origin.strip().lower())
    if not parts.scheme or not parts.hostname:
        return origin.strip().lower()
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    port = f":{parts.port}" if parts.port and parts.port != _DEFAULT_PORTS.get(parts.scheme) else ""
    return f"{parts.scheme}://{host}{port}"


def allowed_origins(workspace_settings: dict[str, Any] | None) -> list[str]:
    raw = (workspace_settings or {}).get("allowed_origins") or []
    return [normalise(o) for o in raw if isinstance(o, str) and o.strip()]


def is_same_origin(request: Request, origin: str) -> bool:
    # Behind a reverse proxy the public host arrives as X-Forwarded-Host; a browser cannot forge it
    # cross-origin without a preflight, which a disallowed origin never passes.
    own = {h.strip().lower() for h in (request.headers.get("host"), request.headers.get("x-forwarded-host")) if h}
    netloc = urlsplit(origin.lower()).netloc
    return bool(netloc) and netloc in own


def origin_allowed(request: Request, workspace_settings: dict[str, Any] | None) -> bool:
    origin = request.headers.get("origin")
    if origin is None:  # not a browser's cross-origin request (curl, server-to-server, same-origin GET)
        return True
    if is_same_origin(request, origin):
        return True
    allowed = allowed_origins(workspace_settings)
    return "*" in allowed or normalise(origin) in allowed


def cors_headers(request: Request, workspace_settings: dict[str, Any] | None, *,
                 preflight: bool = False) -> dict[str, str]:
    """Headers for an allowed cross-origin request; none for same-origin or disallowed ones."""
    origin = request.headers.get("origin")
    if origin is None or is_same_origin(request, origin) or not origin_allowed(request, workspace_settings):
        return {}
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if preflight:
        headers |= {"Access-Control-Allow-Methods": ALLOW_METHODS, "Access-Control-Allow-Headers": ALLOW_HEADERS,
                    "Access-Control-Max-Age": "600"}
    return headers
