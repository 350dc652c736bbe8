"""Signed visitor-session tokens for the widget and hosted page.

A token is `base64url(json payload) "." base64url(HMAC-SHA256(key, payload))`, carrying the
workspace id, the session id, the channel and the issue time. It lives in the visitor's browser so
the session survives reloads; nothing is stored server-side until the visitor writes. Checks are
pure functions with an injectable clock and a constant-time comparison (DESIGN rule 3).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

MAX_AGE_SECONDS = 180 * 24 * 3600  # a returning visitor keeps their conversation for six months
MAX_TOKEN_CHARS = 1000
Clock = Callable[[], float]


class BadToken(ValueError):
    pass


@dataclass(frozen=True)
class SessionClaims:
    workspace_id: str
    session_id: str
    channel: str
    issued_at: int


def derive_key(master_key: bytes) -> bytes:
    """A signing key of its own, so the data key itself never signs anything a browser holds."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"leadline:widget-session").derive(master_key)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, workspace_id: str, session_id: str, channel: str, *, clock: Clock = time.time) -> str:
    payload = json.dumps({"w": workspace_id, "s": session_id, "c": channel, "t": int(clock())},
                         separators=(",", ":")).encode()
    mac = hmac.new(key, payload, hashlib.sha256).digest()
    return f"{_b64(payload)}.{_b64(mac)}"


def verify(key: bytes, token: str, *, clock: Clock = time.time, max_age: int = MAX_AGE_SECONDS) -> SessionClaims:
    if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise BadToken("malformed session token")
    body, _, mac = token.partition(".")
    try:
        payload, given = _unb64(body), _unb64(mac)
    except ValueError:
        raise BadToken("malformed session token") from None
    if not hmac.compare_digest(hmac.new(key, payload, hashlib.sha256).digest(), given):
        raise BadToken("session token signature does not match")
    try:
        data = json.loads(payload)
        claims = SessionClaims(str(data["w"]), str(data["s"]), str(data["c"]), int(data["t"]))
    except (ValueError, KeyError, TypeError):
        raise BadToken("malformed session token") from None
    age = clock() - claims.issued_at
    if age > max_age:
        raise BadToken("session token has expired")
    if age < -300:  # issued in the future: a clock far off, or a forged time
        raise BadToken("session token is not valid yet")
    return claims
