"""Bearer API keys (`Authorization: Bearer ak_…`) and their scopes: read, write, admin (SPEC A5).

A missing or unknown key is 401, a key without the scope an action needs is 403. Every query is
then scoped to the key's workspace, so another workspace's leads are simply not found (404)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPBearer

from leadline.api.deps import DB, utcnow
from leadline.api.problems import Problem, reject_nul_in_url
from storage.api_keys import KEY_PREFIX, effective_scopes, key_by_plaintext
from storage.workspaces import UnknownWorkspace, get_active_workspace

# Declared for the OpenAPI document (the "Authorize" button in /docs); checking is done below so
# each failure gets its own message.
_bearer = HTTPBearer(auto_error=False, scheme_name="ApiKey",
                     description="An API key: `Authorization: Bearer ak_…`. Scopes: read, write, admin.")
_TOUCH_EVERY = timedelta(minutes=5)  # how stale last_used_at may get, to spare a write per request
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="leadline"'}


@dataclass(frozen=True)
class Caller:
    workspace_id: str
    key_id: str
    scopes: frozenset[str]

    @property
    def actor(self) -> str:
        return f"api_key:{self.key_id}"


def _unauthorized(detail: str) -> Problem:
    return Problem(401, detail, kind="unauthorized", headers=_CHALLENGE)


def _caller(request: Request, session: DB, _: Annotated[object, Depends(_bearer)] = None) -> Caller:
    header = request.headers.get("authorization", "").strip()
    if not header:
        raise _unauthorized("missing API key: send the header `Authorization: Bearer ak_…`")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _unauthorized("the Authorization header must be `Bearer ak_…`")
    if not token.startswith(KEY_PREFIX):
        raise _unauthorized("malformed API key: Leadline API keys start with `ak_`")
    key = key_by_plaintext(session, token)
    if key is None:
        raise _unauthorized("invalid or revoked API key")
    try:
        get_active_workspace(session, key.workspace_id)
    except UnknownWorkspace:
        raise Problem(403, f"workspace {key.workspace_id} is inactive; its API keys cannot be used",
                      kind="forbidden") from None
    reject_nul_in_url(request.scope["path"], request.scope.get("query_string", b""))  # every API route passes here
    now = utcnow()
    if key.last_used_at is None or now - key.last_used_at > _TOUCH_EVERY:
        key.last_used_at = now
    return Caller(key.workspace_id, key.id, effective_scopes(key.scopes))


def require(scope: str) -> Callable[[Caller], Caller]:
    def check(caller: Annotated[Caller, Depends(_caller)]) -> Caller:
        if scope not in caller.scopes:
            raise Problem(403, f"this API key does not have the `{scope}` scope that this action needs "
                               f"(it has: {', '.join(sorted(caller.scopes))})", kind="forbidden")
        return caller

    return check


Reader = Annotated[Caller, Depends(require("read"))]
Writer = Annotated[Caller, Depends(require("write"))]
Admin = Annotated[Caller, Depends(require("admin"))]
