"""Personal data at rest: AES-256-GCM per value, plus keyed blind indexes for equality look-ups.

One master key (32 bytes) is configured at start. Two sub-keys are derived from it with HKDF so
the encryption key and the blind-index key are independent. Each ciphertext is
version byte || 12-byte nonce || AES-GCM(ciphertext + tag); the version allows key rotation later.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

log = logging.getLogger(__name__)
_VERSION = b"\x01"


class CryptoError(RuntimeError):
    pass


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"leadline:" + purpose).derive(master)


class Vault:
    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise CryptoError("the data key must be 32 bytes (base64 of 32 random bytes)")
        self._aead = AESGCM(_derive(master_key, b"aead"))
        self._index_key = _derive(master_key, b"blind-index")

    def encrypt(self, plaintext: str) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8"), None)

    def decrypt(self, blob: bytes) -> str:
        if not blob or blob[:1] != _VERSION:
            raise CryptoError("unknown ciphertext version")
        try:
            return self._aead.decrypt(blob[1:13], blob[13:], None).decode("utf-8")
        except Exception as e:  # InvalidTag: wrong key or tampered data
            raise CryptoError("cannot decrypt: wrong data key or corrupted value") from e

    def blind_index(self, kind: str, value: str) -> str:
        """A keyed hash of a normalised value, for `WHERE email_bidx = ?` without plaintext."""
        mac = hmac.new(self._index_key, f"{kind}:{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:40]


def parse_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode() + b"==")
    except ValueError as e:
        raise CryptoError("the data key is not valid base64") from e
    if len(key) != 32:
        raise CryptoError(f"the data key must decode to 32 bytes, not {len(key)}")
    return key


def load_or_create_key(key_file: Path) -> bytes:
    """Read the key file; on a first run create it (mode 0600) and say so loudly."""
    if key_file.exists():
        return parse_key(key_file.read_text())
    key_file.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(32)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.urlsafe_b64encode(key).decode() + "\n")
    log.warning(
        "no data key configured: generated one at %s. Back it up; without it the personal data "
        "in the database cannot be read. Set LEADLINE_DATA_KEY to manage it yourself.",
        key_file,
    )
    return key


_vault: Vault | None = None


def configure(master_key: bytes) -> Vault:
    global _vault
    _vault = Vault(master_key)
    return _vault


def vault() -> Vault:
    if _vault is None:
        raise CryptoError("storage encryption is not configured (call storage.crypto.configure)")
    return _vault
