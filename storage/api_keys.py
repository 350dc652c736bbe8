"""API keys: created with a random secret shown once, stored as its SHA-256, looked up by hash."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage.ids import new_id
from storage.models import ApiKey

KEY_PREFIX = "ak_"
SCOPES = ("read", "write", "admin")
# A wider scope includes the narrower ones: an admin key can also read and write.
_IMPLIES = {"read": {"read"}, "write": {"read", "write"}, "admin": {"read", "write", "admin"}}


def hash_key(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode("utf-8")).hexdigest()


def effective_scopes(scopes: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for scope in scopes:
        out |= _IMPLIES.get(scope, set())
    return frozenset(out)


def create_api_key(session: Session, workspace_id: str, *, name: str,
                   scopes: Iterable[str]) -> tuple[ApiKey, str]:
    """A new key and its plaintext, which the caller shows once; only the hash is kept."""
    scopes = sorted(set(scopes), key=SCOPES.index)
    unknown = set(scopes) - set(SCOPES)
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(SCOPES)}")
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(id=new_id("key"), workspace_id=workspace_id, name=name, prefix=plaintext[:11],
                 key_hash=hash_key(plaintext), scopes=scopes)
    session.add(key)
    session.flush()
    return key, plaintext


def key_by_plaintext(session: Session, plaintext: str) -> ApiKey | None:
    """The live (not revoked) key with this secret, or None."""
    key = session.scalar(select(ApiKey).where(ApiKey.key_hash == hash_key(plaintext)))
    if key is None or key.revoked_at is not None:
        return None
    return key


def list_api_keys(session: Session, workspace_id: str) -> list[ApiKey]:
    return list(session.scalars(
        select(ApiKey).where(ApiKey.workspace_id == workspace_id).order_by(ApiKey.id)
    ))


def get_api_key(session: Session, workspace_id: str, key_id: str) -> ApiKey | None:
    return session.scalar(select(ApiKey).where(ApiKey.workspace_id == workspace_id, ApiKey.id == key_id))


def revoke_api_key(key: ApiKey, at: datetime) -> None:
    if key.revoked_at is None:
        key.revoked_at = at
