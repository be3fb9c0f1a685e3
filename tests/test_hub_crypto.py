"""Sealing for the hub exchange: envelopes, codes, key files and backups."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.exceptions import InvalidTag

from workbook import content
from workbook.hub import crypto
from workbook.hub.crypto import CryptoError


@pytest.fixture
def key():
    return crypto.new_private_key()


@pytest.fixture
def sender():
    return crypto.new_private_key()


def _pub(private):
    return crypto.public_bytes(private)


def _named_as(envelope: bytes, claimed) -> bytes:
    """`envelope` with `claimed`'s fingerprint written where the sender's goes."""
    forged = bytearray(envelope)
    forged[1 + crypto.FP_LEN : 1 + 2 * crypto.FP_LEN] = crypto.fingerprint_bytes(_pub(claimed))
    return bytes(forged)


def test_an_envelope_opens_with_its_key_and_gives_back_the_same_bytes(key, sender):
    plain = "Dear diary — it hurt. ✨".encode() * 100
    sealed = crypto.seal(_pub(key), plain, sender=sender, context="share 1234")
    assert plain not in sealed and b"diary" not in sealed
    assert crypto.open_sealed(key, sealed, sender=_pub(sender), context="share 1234") == plain
    # each envelope is sealed afresh: the same words never look the same twice
    assert crypto.seal(_pub(key), plain, sender=sender, context="share 1234") != sealed
    assert len(sealed) == crypto.MIN_ENVELOPE + len(plain)


def test_an_envelope_with_any_byte_changed_is_refused(key, sender):
    sealed = crypto.seal(_pub(key), b"my words", sender=sender)
    # the fingerprint bytes decide "for another key" (1-10) and "from someone else" (11-20);
    # every other byte is "changed"
    for index in [0, *range(2 * crypto.FP_LEN + 1, len(sealed), 7), len(sealed) - 1]:
        changed = bytearray(sealed)
        changed[index] ^= 0x01
        with pytest.raises(CryptoError) as err:
            crypto.open_sealed(key, bytes(changed), sender=_pub(sender))
        assert err.value.reason in ("tampered", "not_envelope", "newer", "unsigned"), index
    with pytest.raises(CryptoError, match="changed on its way"):
        crypto.open_sealed(key, sealed[:-1] + bytes([sealed[-1] ^ 0x80]), sender=_pub(sender))
    with pytest.raises(CryptoError):
        crypto.open_sealed(key, sealed[:20], sender=_pub(sender))


def test_an_envelope_for_another_key_is_refused_plainly(key, sender):
    other = crypto.new_private_key()
    sealed = crypto.seal(_pub(other), b"for someone else", sender=sender)
    with pytest.raises(CryptoError, match="different key") as err:
        crypto.open_sealed(key, sealed, sender=_pub(sender))
    assert err.value.reason == "wrong_key"
    # naming this key's fingerprint instead doesn't help: the key itself doesn't fit
    forged = sealed[:1] + crypto.fingerprint_bytes(_pub(key)) + sealed[1 + crypto.FP_LEN :]
    with pytest.raises(CryptoError) as err:
        crypto.open_sealed(key, forged, sender=_pub(sender))
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
    with pytest.raises(CryptoError) as err:
        crypto.restore(data, "not it")
    assert err.value.reason == "wrong_passphrase"
    assert str(err.value).startswith("Esa frase de paso no abre esta clave")


# -- who sealed an envelope ---------------------------------------------------------------------
def _old_seal(public_key: bytes, plain: bytes) -> bytes:
    """An envelope as the app sealed them before they said who sealed them (version 1)."""
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PublicKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    ephemeral = crypto.new_private_key()
    eph_pub = crypto.public_bytes(ephemeral)
    shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public_key))
    key = crypto._hkdf(shared, eph_pub + public_key, b"rejection-workbook envelope v1")
    header = bytes([1]) + crypto.fingerprint_bytes(public_key) + eph_pub
    nonce = os.urandom(crypto.NONCE_LEN)
    return header + nonce + AESGCM(key).encrypt(nonce, plain, header)


def test_hpke_auth_mode_matches_rfc_9180s_own_test_vector():
    # RFC 9180, A.1.3: DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM, mode_auth, sequence 0
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    def private(hex_):
        return X25519PrivateKey.from_private_bytes(bytes.fromhex(hex_))

    sk_e = private("ff4442ef24fbc3c1ff86375b0be1e77e88a0de1e79b30896d73411c5ff4c3518")
    sk_r = private("fdea67cf831f1ca98d8e27b1f6abeb5b7745e9d35348b80fa407ff6958f9137e")
    sk_s = private("dc4a146313cce60a278a5323d321f051c5707e9c45ba21a3479fecdf76fc69dd")
    enc = bytes.fromhex("23fb952571a14a25e3d678140cd0e5eb47a0961bb18afcf85896e5453c312e76")
    pk_r = bytes.fromhex("1632d5c2f71c2b38d0a8fcc359355200caa8b1ffdf28618080466c909cb69b2e")
    pk_s = bytes.fromhex("8b0c70873dc5aecb7f9ee4e62406a397b350e57012be45cf53b7105ae731790b")
    assert (crypto.public_bytes(sk_e), _pub(sk_r), _pub(sk_s)) == (enc, pk_r, pk_s)
    info = bytes.fromhex("4f6465206f6e2061204772656369616e2055726e")  # "Ode on a Grecian Urn"
    aad, plain = b"Count-0", b"Beauty is truth, truth beauty"
    expected = bytes.fromhex(
        "5fd92cc9d46dbf8943e72a07e42f363ed5f721212cd90bcfd072bfd9f44e06b80fd17824947496e21b680c141b"
    )
    assert crypto.hpke_auth_seal(pk_r, sk_s, sk_e, info, aad, plain, aead_id=1) == expected
    assert crypto.hpke_auth_open(enc, sk_r, pk_s, info, aad, expected, aead_id=1) == plain
    # the app's own suite (AES-256-GCM) round-trips, and a sender other than pk_s doesn't open
    sealed = crypto.hpke_auth_seal(pk_r, sk_s, sk_e, info, aad, plain)
    assert crypto.hpke_auth_open(enc, sk_r, pk_s, info, aad, sealed) == plain
    with pytest.raises(InvalidTag):
        crypto.hpke_auth_open(enc, sk_r, _pub(crypto.new_private_key()), info, aad, sealed)


def test_whoever_holds_only_public_keys_cant_seal_as_the_sender(key, sender):
    """The service (or anyone: public keys are public) seals to the recipient "as" the sender."""
    forger = crypto.new_private_key()
    plain = b"a share in someone else's name"
    # sealed with the forger's own key, named as theirs: refused, says someone else sealed it
    honest_forgery = crypto.seal(_pub(key), plain, sender=forger, context="share L")
    with pytest.raises(CryptoError, match="someone other than") as err:
        crypto.open_sealed(key, honest_forgery, sender=_pub(sender), context="share L")
    assert err.value.reason == "wrong_sender"
    # the expected sender's fingerprint written in: the key still isn't theirs
    with pytest.raises(CryptoError) as err:
        crypto.open_sealed(key, _named_as(honest_forgery, sender), sender=_pub(sender), context="share L")
    assert err.value.reason == "tampered"
    # nor does building the envelope by hand from the two public keys alone
    ephemeral = crypto.new_private_key()
    header = (
        bytes([crypto.ENVELOPE_VERSION])
        + crypto.fingerprint_bytes(_pub(key))
        + crypto.fingerprint_bytes(_pub(sender))
        + _pub(ephemeral)
    )
    # the best a forger can do is use ephemeral for both terms (they hold no static key)
    by_hand = header + crypto.hpke_auth_seal(
        _pub(key), ephemeral, ephemeral, crypto._info("share L"), header, plain
    )
    with pytest.raises(CryptoError) as err:
        crypto.open_sealed(key, by_hand, sender=_pub(sender), context="share L")
    assert err.value.reason == "tampered"


def test_another_client_of_the_same_therapist_cant_seal_as_the_first(key):
    """Ann and Ben are both Tess's clients; Ben knows Tess's key and Ann's, and holds his own."""
    tess, ann, ben = key, crypto.new_private_key(), crypto.new_private_key()
    from_ann = crypto.seal(_pub(tess), b"ann's words", sender=ann, context="share ann-link")
    assert crypto.open_sealed(tess, from_ann, sender=_pub(ann), context="share ann-link") == b"ann's words"
    forged = _named_as(crypto.seal(_pub(tess), b"ben as ann", sender=ben, context="share ann-link"), ann)
    with pytest.raises(CryptoError) as err:
        crypto.open_sealed(tess, forged, sender=_pub(ann), context="share ann-link")
    assert err.value.reason == "tampered"
    # and Ben's own envelope, honestly his, is only his: not Ann's
    from_ben = crypto.seal(_pub(tess), b"ben", sender=ben, context="share ben-link")
    assert crypto.open_sealed(tess, from_ben, sender=_pub(ben), context="share ben-link") == b"ben"
    with pytest.raises(CryptoError):
        crypto.open_sealed(tess, from_ben, sender=_pub(ann), context="share ben-link")


def test_notes_sealed_as_the_therapist_by_anyone_else_are_refused(key):
    ann, tess, service = key, crypto.new_private_key(), crypto.new_private_key()
    notes = crypto.seal(_pub(ann), b"notes", sender=tess, context="notes L")
    assert crypto.open_sealed(ann, notes, sender=_pub(tess), context="notes L") == b"notes"
    forged = _named_as(crypto.seal(_pub(ann), b"forged notes", sender=service, context="notes L"), tess)
    with pytest.raises(CryptoError, match="changed on its way"):
        crypto.open_sealed(ann, forged, sender=_pub(tess), context="notes L")


def test_an_envelope_opens_only_as_what_and_where_it_was_sealed_for(key, sender):
    sealed = crypto.seal(_pub(key), b"x", sender=sender, context="share link-1")
    for other in ("share link-2", "notes link-1", "share link-1 ", ""):
        with pytest.raises(CryptoError) as err:
            crypto.open_sealed(key, sealed, sender=_pub(sender), context=other)
        assert err.value.reason == "tampered", other
    # sent back to its sender (the same two keys, the other way round): not theirs to open as the other's
    back = crypto.seal(_pub(sender), b"x", sender=key, context="share link-1")
    with pytest.raises(CryptoError):
        crypto.open_sealed(key, back, sender=_pub(sender), context="share link-1")


def test_an_envelope_from_before_senders_were_sealed_in_is_refused_plainly(key, sender):
    old = _old_seal(_pub(key), b"sealed by the earlier version")
    with pytest.raises(CryptoError) as err:
        crypto.open_sealed(key, old, sender=_pub(sender))
    assert err.value.reason == "unsigned"
    assert "earlier version" in str(err.value) and "sent again" in str(err.value)
    with pytest.raises(CryptoError, match="earlier version"):
        crypto.envelope_fingerprint(old)  # the service won't take one in either
    content.set_language("es")
    with pytest.raises(CryptoError) as err:
        crypto.open_sealed(key, old, sender=_pub(sender))
    assert str(err.value).startswith("Esto se selló con una versión anterior")


def test_nothing_is_sealed_to_or_opened_as_from_a_low_order_key(key, sender):
    weak = bytes(32)  # the all-zero key: its shared secret with any key is known to everyone
    with pytest.raises(CryptoError) as err:
        crypto.seal(weak, b"x", sender=sender)
    assert err.value.reason == "weak_key"
    sealed = crypto.seal(_pub(key), b"x", sender=sender)
    with pytest.raises(CryptoError) as err:
        crypto.open_sealed(key, sealed, sender=weak)
    assert err.value.reason == "weak_key"
