from pathlib import Path

import pytest

from storage.crypto import CryptoError, Vault, load_or_create_key, parse_key


def test_roundtrip_and_random_nonce() -> None:
    v = Vault(b"a" * 32)
    a, b = v.encrypt("jane@acme.io"), v.encrypt("jane@acme.io")
    assert a != b  # fresh nonce each time: equal plaintexts do not show
    assert v.decrypt(a) == v.decrypt(b) == "jane@acme.io"
    assert b"jane" not in a


def test_wrong_key_and_tampering_are_detected() -> None:
    blob = Vault(b"a" * 32).encrypt("secret")
    with pytest.raises(CryptoError):
        Vault(b"b" * 32).decrypt(blob)
    tampered = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(CryptoError):
        Vault(b"a" * 32).decrypt(tampered)


def test_blind_index_is_keyed_and_deterministic() -> None:
    v1, v2 = Vault(b"a" * 32), Vault(b"b" * 32)
    assert v1.blind_index("email", "x@y.io") == v1.blind_index("email", "x@y.io")
    assert v1.blind_index("email", "x@y.io") != v2.blind_index("email", "x@y.io")
    assert v1.blind_index("email", "x@y.io") != v1.blind_index("phone", "x@y.io")


def test_key_file_created_once_with_private_mode(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "d" / "data.key"
    key = load_or_create_key(path)
    assert len(key) == 32 and "generated one" in caplog.text
    assert path.stat().st_mode & 0o777 == 0o600
    assert load_or_create_key(path) == key


@pytest.mark.parametrize("bad", ["not base64 !!", "c2hvcnQ="])
def test_bad_keys_are_rejected(bad: str) -> None:
    with pytest.raises(CryptoError):
        parse_key(bad)
