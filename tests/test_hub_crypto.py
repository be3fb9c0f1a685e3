"""Sealing for the hub exchange: envelopes, codes, key files and backups."""

from __future__ import annotations

import os
import stat

import pytest

from workbook import content
from workbook.hub import crypto
from workbook.hub.crypto import CryptoError


@pytest.fixture
def key():
    return crypto.new_private_key()


def test_an_envelope_opens_with_its_key_and_gives_back_the_same_bytes(key):
    plain = "Dear diary — it hurt. ✨".encode() * 100
    sealed = crypto.seal(crypto.public_bytes(key), plain)
    assert plain not in sealed and b"diary" not in sealed
    assert crypto.open_sealed(key, sealed) == plain
    # each envelope is sealed afresh: the same words never look the same twice
    assert crypto.seal(crypto.public_bytes(key), plain) != sealed


def test_an_envelope_with_any_byte_changed_is_refused(key):
    sealed = crypto.seal(crypto.public_bytes(key), b"my words")
    # the fingerprint bytes (1-10) decide "for another key"; every other byte is "changed"
    for index in [0, *range(crypto.FP_LEN + 1, len(sealed), 7), len(sealed) - 1]:
        changed = bytearray(sealed)
        changed[index] ^= 0x01
        with pytest.raises(CryptoError) as err:
            crypto.open_sealed(key, bytes(changed))
        assert err.value.reason in ("tampered", "not_envelope"), index
    with pytest.raises(CryptoError, match="changed on its way"):
        crypto.open_sealed(key, sealed[:-1] + bytes([sealed[-1] ^ 0x80]))
    with pytest.raises(CryptoError):
        crypto.open_sealed(key, sealed[:20])


def test_an_envelope_for_another_key_is_refused_plainly(key):
    other = crypto.new_private_key()
    sealed = crypto.seal(crypto.public_bytes(other), b"for someone else")
    with pytest.raises(CryptoError, match="different key") as err:
        crypto.open_sealed(key, sealed)
    assert err.value.reason == "wrong_key"
    # naming this key's fingerprint instead doesn't help: the key itself doesn't fit
    forged = sealed[:1] + crypto.fingerprint_bytes(crypto.public_bytes(key)) + sealed[1 + crypto.FP_LEN :]
    with pytest.raises(CryptoError) as err:
        crypto.open_sealed(key, forged)
    assert err.value.reason == "tampered"


def test_fingerprints_are_short_groups_people_can_read(key):
    fp = crypto.fingerprint(crypto.public_bytes(key))
    groups = fp.split("-")
    assert len(groups) == 4 and all(len(g) == 4 for g in groups)
    assert set(fp.replace("-", "")) <= set(crypto.ALPHABET)
    assert crypto.fingerprint(crypto.public_bytes(crypto.new_private_key())) != fp


def test_a_code_reads_back_as_typed_and_a_mistyped_one_is_caught(key):
    secret = crypto.new_secret()
    fp = crypto.fingerprint_bytes(crypto.public_bytes(key))
    code = crypto.make_code(secret, fp)
    assert len(code.split("-")) == 9
    # the fingerprint can be seen inside the code, so it can be compared by eye
    assert crypto.fingerprint(crypto.public_bytes(key)) in code
    typed = code.lower().replace("-", " ").replace("0", "o").replace("1", "l")
    assert crypto.read_code(typed) == (secret, fp)
    for wrong in (code[:-1], code + "A", code.replace(code[5], "Z" if code[5] != "Z" else "Y", 1), "", None):
        with pytest.raises(CryptoError, match="letter by letter"):
            crypto.read_code(wrong)


def test_a_start_file_sealed_with_the_codes_secret_opens_only_with_it():
    secret = crypto.new_secret()
    sealed = crypto.seal_with_secret(secret, b"welcome")
    assert crypto.open_with_secret(secret, sealed) == b"welcome"
    with pytest.raises(CryptoError):
        crypto.open_with_secret(crypto.new_secret(), sealed)
    with pytest.raises(CryptoError):
        crypto.open_with_secret(secret, sealed[:-1] + b"\x00")


def test_a_key_proof_holds_only_for_that_key_and_secret(key):
    secret, public = crypto.new_secret(), crypto.public_bytes(key)
    proof = crypto.key_proof(secret, public)
    assert crypto.check_proof(secret, public, proof)
    assert not crypto.check_proof(secret, crypto.public_bytes(crypto.new_private_key()), proof)
    assert not crypto.check_proof(crypto.new_secret(), public, proof)
    assert not crypto.check_proof(secret, public, None)


def test_the_key_file_is_private_to_its_owner(tmp_path, key):
    path = crypto.save_key(tmp_path, key)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert crypto.public_bytes(crypto.load_key(tmp_path)) == crypto.public_bytes(key)
    assert crypto.read_public(tmp_path) == crypto.public_bytes(key)
    assert crypto.load_key(tmp_path / "nobody") is None


def test_a_key_kept_under_a_passphrase_needs_it(tmp_path, key):
    crypto.save_key(tmp_path, key, "correct horse")
    raw = crypto.key_path(tmp_path).read_bytes()
    assert crypto.b64(key.private_bytes_raw()).encode() not in raw
    with pytest.raises(CryptoError, match="protected with a passphrase"):
        crypto.load_key(tmp_path)
    with pytest.raises(CryptoError, match="doesn't open this key"):
        crypto.load_key(tmp_path, "wrong horse")
    assert crypto.public_bytes(crypto.load_key(tmp_path, "correct horse")) == crypto.public_bytes(key)
    # the public half stays readable without it (to show the fingerprint)
    assert crypto.read_public(tmp_path) == crypto.public_bytes(key)


def test_a_backup_restores_with_its_passphrase_and_a_wrong_one_is_refused_plainly(key):
    data = crypto.backup(key, "my long passphrase")
    assert crypto.public_bytes(crypto.restore(data, "my long passphrase")) == crypto.public_bytes(key)
    with pytest.raises(CryptoError) as err:
        crypto.restore(data, "not it")
    assert str(err.value) == (
        "That passphrase doesn't open this key. Please check it and try again — nothing was changed."
    )
    with pytest.raises(CryptoError, match="isn't a key backup"):
        crypto.restore(b"PK\x03\x04 nothing", "my long passphrase")
    with pytest.raises(CryptoError, match="type a passphrase"):
        crypto.backup(key, "")


def test_a_wrong_backup_passphrase_is_named_as_such_in_spanish_too(key):
    data = crypto.backup(key, "my long passphrase")
    content.set_language("es")
    try:
        with pytest.raises(CryptoError) as err:
            crypto.restore(data, "not it")
    finally:
        content.set_language(None)
    assert err.value.reason == "wrong_passphrase"
    assert str(err.value).startswith("Esa frase de paso no abre esta clave")
