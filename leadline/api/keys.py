"""API key management (admin): create keys with chosen scopes (the secret is shown once), list,
revoke. A member key is one with read and write but not admin (SPEC A5)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from leadline.api.auth import Admin
from leadline.api.deps import DB, utcnow
from leadline.api.problems import Problem, not_found
from leadline.api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from storage.api_keys import create_api_key, get_api_key, list_api_keys, revoke_api_key
from storage.audit import audit
from storage.models import ApiKey

router = APIRouter(prefix="/v1/api-keys", tags=["api keys"])


def _out(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(id=key.id, name=key.name, prefix=key.prefix, scopes=list(key.scopes), created_at=key.created_at,
                     last_used_at=key.last_used_at, revoked_at=key.revoked_at)


@router.get("", response_model=list[ApiKeyOut], summary="List API keys (admin)")
def get_keys(session: DB, caller: Admin) -> list[ApiKeyOut]:
    return [_out(k) for k in list_api_keys(session, caller.workspace_id)]


@router.post("", response_model=ApiKeyCreated, status_code=201, summary="Create an API key (admin)")
def new_key(body: ApiKeyCreate, session: DB, caller: Admin) -> ApiKeyCreated:
    """The response holds the key itself; it is stored hashed and cannot be shown again."""
    key, secret = create_api_key(session, caller.workspace_id, name=body.name, scopes=body.scopes)
    audit(session, caller.workspace_id, caller.actor, "api_key.create", "api_key", key.id, before=None,
          after={"name": key.name, "scopes": list(key.scopes), "prefix": key.prefix})
    return ApiKeyCreated(**_out(key).model_dump(), key=secret)


@router.delete("/{key_id}", status_code=204, summary="Revoke an API key (admin)")
def revoke_key(key_id: str, session: DB, caller: Admin) -> Response:
    key = get_api_key(session, caller.workspace_id, key_id)
    if key is None:
        raise not_found("API key", key_id)
    if key.id == caller.key_id:
        raise Problem(409, "a key cannot revoke itself; use another admin key", kind="conflict")
    if key.revoked_at is None:
        revoke_api_key(key, utcnow())
        audit(session, caller.workspace_id, caller.actor, "api_key.revoke", "api_key", key.id,
              before={"revoked_at": None}, after={"revoked_at": key.revoked_at.isoformat() if key.revoked_at else None})
    return Response(status_code=204)
