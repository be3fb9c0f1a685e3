"""End-to-end sealing for the hub exchange: X25519 keys, envelopes, fingerprints, key files.

An *envelope* is bytes sealed by one person to another: readable only with the recipient's
private key, and opened only as sealed by the sender the recipient expects:

    version (1 byte = 2) | recipient fingerprint (10 bytes) | sender fingerprint (10 bytes)
    | ephemeral public key (32 bytes) | AES-256-GCM ciphertext and tag

It is HPKE (RFC 9180) in auth mode, DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM: the
key comes from X25519(ephemeral, recipient) *and* X25519(sender, recipient), with the
ephemeral, recipient and sender public keys in the derivation, so only the holder of the
sender's private key can make an envelope that opens as theirs: not the service, not anyone
else who knows the two public keys, not another client of the same therapist. HPKE's info
names what the envelope is and where it belongs (``share <invitation id>`` or ``notes
<invitation id>``), so an envelope can't be passed off as another kind or for another link;
the first 53 bytes are the associated data. The service reads only the version and the
recipient fingerprint (to refuse an envelope meant for a key other than the recipient's).
Version 1 envelopes (before this) said nothing of their sender and are refused.

A *fingerprint* is the first 10 bytes of SHA-256 over the public key, written in Crockford
base32 as four groups of four (``7QK2-M9TD-...``): short enough to read aloud or compare by eye.
Keys, their checks and fingerprints are `workbook.hub.keys`'s (its names are found here too).

An *invitation code* is short enough to read aloud in one breath: twelve characters in three
groups of four (``7QK2-M9TD-0H4B``), eleven random (55 bits) and one check character, so most
slips of the finger are caught before anything is asked. The code *is* the secret: scrypt
stretches it to the invitation's secret (`code_secret`), from which everything else is
derived apart: the id the service finds the invitation by (`invitation_id`), the key that
unlocks the start file, the redeem verifier and MAC, the client's key proof, and the MAC over
the therapist's public key (`key_mac`) that the therapist leaves with the invitation, so the
client checks the key the service hands over without a fingerprint in the code. The service
keeps only derived values; guessing a code online meets its limit on wrong codes
(`workbook.hub.service.Limits.wrong_codes`: 20 an hour per person, so about 6,700 guesses in
a code's 14 days; against 100 open codes, a chance of about 2 in 10^11 per person), and
offline (from an id in a log, or the service's file) every one of the 2^55 guesses costs an
scrypt of 16 MiB.
Codes made before this (nine groups of four: the secret and the therapist key's fingerprint,
`make_code`) are still read (`read_code`) until they expire.

Private keys live in the person's workbook home, readable by them only (0600), optionally
sealed under a passphrase with the same scrypt + AES-GCM as a protected share file
(`workbook.sealing.seal`), which is also what a key backup is; a backup is read back as a
protected share file is (`workbook.share.unseal`: the ZIP read within its limits).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF, HKDFExpand
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .. import sealing, share
from ..errors import ShareError, WrongPassphrase
from ..files import atomic_write
from .keys import _READ_AS, _groups, _private_bytes, _unb32
from .keys import ALPHABET as ALPHABET  # keys and fingerprints live in keys.py; found here too
from .keys import FP_LEN as FP_LEN
from .keys import KEY_LEN as KEY_LEN
from .keys import CryptoError as CryptoError
from .keys import b32 as b32
from .keys import b64 as b64
from .keys import check_peer_key as check_peer_key
from .keys import check_public as check_public
from .keys import fingerprint as fingerprint
from .keys import fingerprint_bytes as fingerprint_bytes
from .keys import new_private_key as new_private_key
from .keys import public_bytes as public_bytes
from .keys import unb64 as unb64

VERSION = 1  # of key files, backups and sealed start files
ENVELOPE_VERSION = 2  # of envelopes: they say who sealed them
UNSIGNED_VERSION = 1  # envelopes from before that (refused: anyone could have sealed them)
SECRET_LEN = 10  # bytes of the secret in a long code, as made before short codes (80 bits)
CODE_RANDOM = 11  # random characters in a code (55 bits), then one check character
CODE_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # what each guess of a code costs offline
NONCE_LEN = 12
HEADER_LEN = 1 + 2 * FP_LEN + KEY_LEN  # version, recipient and sender fingerprints, ephemeral key
MIN_ENVELOPE = HEADER_LEN + 16  # an empty plaintext still has its tag
KEY_FILE = "hub-key.json"  # in the workbook home


# -- envelopes: HPKE (RFC 9180) in auth mode --------------------------------------------------
# DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM; one message per ephemeral key, so the
# sequence number is always 0 and the nonce is the key schedule's base_nonce. Written out here
# because `cryptography` offers HPKE's base mode only; tests/test_hub_crypto.py checks it
# against RFC 9180's own test vector for this mode (A.1.3).
KEM_ID, KDF_ID, AEAD_ID = 0x0020, 0x0001, 0x0002  # AEAD_ID 2 is AES-256-GCM (1: AES-128-GCM)
MODE_AUTH = 0x02


def _hkdf(material: bytes, salt: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(material)


def _labeled_extract(suite: bytes, salt: bytes, label: bytes, ikm: bytes) -> bytes:
    # HKDF-Extract is HMAC keyed with the salt (an empty salt and HashLen zeros are the same key)
    return hmac.new(salt, b"HPKE-v1" + suite + label + ikm, hashlib.sha256).digest()


def _labeled_expand(suite: bytes, prk: bytes, label: bytes, info: bytes, length: int) -> bytes:
    labeled = length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info
    return HKDFExpand(algorithm=hashes.SHA256(), length=length, info=labeled).derive(prk)


def _dh(private: X25519PrivateKey, public: bytes) -> bytes:
    """X25519; ValueError for a key of low order (the shared secret would be all zeros)."""
    return private.exchange(X25519PublicKey.from_public_bytes(public))


def _auth_key_schedule(dh: bytes, enc: bytes, pk_r: bytes, pk_s: bytes, info: bytes, aead_id: int):
    """(key, nonce) of RFC 9180 AuthEncap/AuthDecap followed by KeySchedule(mode_auth)."""
    kem = b"KEM" + KEM_ID.to_bytes(2, "big")
    eae_prk = _labeled_extract(kem, b"", b"eae_prk", dh)
    shared_secret = _labeled_expand(kem, eae_prk, b"shared_secret", enc + pk_r + pk_s, 32)
    suite = b"HPKE" + b"".join(n.to_bytes(2, "big") for n in (KEM_ID, KDF_ID, aead_id))
    context = (
        bytes([MODE_AUTH])
        + _labeled_extract(suite, b"", b"psk_id_hash", b"")
        + _labeled_extract(suite, b"", b"info_hash", info)
    )
    secret = _labeled_extract(suite, shared_secret, b"secret", b"")
    key_len = {0x0001: 16, 0x0002: 32}[aead_id]
    return (
        _labeled_expand(suite, secret, b"key", context, key_len),
        _labeled_expand(suite, secret, b"base_nonce", context, NONCE_LEN),
    )


def hpke_auth_seal(
    pk_r: bytes,
    sender: X25519PrivateKey,
    ephemeral: X25519PrivateKey,
    info: bytes,
    aad: bytes,
    plain: bytes,
    *,
    aead_id: int = AEAD_ID,
) -> bytes:
    """RFC 9180 single-shot seal in auth mode: the ciphertext (enc is `ephemeral`'s public key)."""
    enc, pk_s = public_bytes(ephemeral), public_bytes(sender)
    dh = _dh(ephemeral, pk_r) + _dh(sender, pk_r)
    key, nonce = _auth_key_schedule(dh, enc, pk_r, pk_s, info, aead_id)
    return AESGCM(key).encrypt(nonce, plain, aad)


def hpke_auth_open(
    enc: bytes,
    recipient: X25519PrivateKey,
    pk_s: bytes,
    info: bytes,
    aad: bytes,
    sealed: bytes,
    *,
    aead_id: int = AEAD_ID,
) -> bytes:
    """RFC 9180 single-shot open in auth mode; InvalidTag unless the holder of `pk_s`'s private
    key sealed exactly these bytes for `recipient` with this `info` and `aad`."""
    dh = _dh(recipient, enc) + _dh(recipient, pk_s)
    key, nonce = _auth_key_schedule(dh, enc, public_bytes(recipient), pk_s, info, aead_id)
    return AESGCM(key).decrypt(nonce, sealed, aad)


def _info(context: str) -> bytes:
    return b"rejection-workbook envelope\x00" + bytes([ENVELOPE_VERSION]) + context.encode("utf-8")


def seal(public_key: bytes, plain: bytes, *, sender: X25519PrivateKey, context: str = "") -> bytes:
    """An envelope of `plain` that only the holder of `public_key`'s private key can open, and
    only as sealed by `sender` (the sealer's own private key) for `context` (which says what
    it is and where it belongs, e.g. "share <invitation id>"; the opener must name the same)."""
    recipient = check_peer_key(public_key)  # CryptoError('weak_key') for a low-order one
    ephemeral = new_private_key()
    header = (
        bytes([ENVELOPE_VERSION])
        + fingerprint_bytes(recipient)
        + fingerprint_bytes(public_bytes(sender))
        + public_bytes(ephemeral)
    )
    return header + hpke_auth_seal(recipient, sender, ephemeral, _info(context), header, plain)


def envelope_fingerprint(data: bytes) -> bytes:
    """The recipient fingerprint an envelope names; CryptoError('not_envelope') if it isn't one,
    'unsigned' for one sealed by a version of the app that didn't say who sealed it."""
    if not isinstance(data, bytes) or not data:
        raise CryptoError("not_envelope")
    if data[0] > ENVELOPE_VERSION:
        raise CryptoError("newer")
    if data[0] == UNSIGNED_VERSION:
        raise CryptoError("unsigned")
    if data[0] != ENVELOPE_VERSION or len(data) < MIN_ENVELOPE:
        raise CryptoError("not_envelope")
    return data[1 : 1 + FP_LEN]


def open_sealed(private: X25519PrivateKey, data: bytes, *, sender: bytes, context: str = "") -> bytes:
    """The plaintext of an envelope sealed to `private`'s public key by the holder of the
    `sender` public key, for `context` (as given to `seal`).

    CryptoError: 'wrong_key' for an envelope sealed to another key, 'wrong_sender' for one that
    names another sealer, 'tampered' when any byte changed or it wasn't sealed by `sender` for
    `context`, 'unsigned' for one from before envelopes said who sealed them, 'not_envelope' /
    'newer' for bytes that aren't one this app can read, 'bad_key' / 'weak_key' for a `sender`
    that isn't a key one can be sealed by.
    """
    named = envelope_fingerprint(data)
    if not hmac.compare_digest(named, fingerprint_bytes(public_bytes(private))):
        raise CryptoError("wrong_key")
    sender = check_peer_key(sender)
    if not hmac.compare_digest(data[1 + FP_LEN : 1 + 2 * FP_LEN], fingerprint_bytes(sender)):
        raise CryptoError("wrong_sender")
    header = data[:HEADER_LEN]
    try:
        return hpke_auth_open(header[-KEY_LEN:], private, sender, _info(context), header, data[HEADER_LEN:])
    except (InvalidTag, ValueError):  # ValueError: an ephemeral key of low order
        raise CryptoError("tampered") from None


# -- invitation codes and what their secret unlocks -------------------------------------------
def new_secret() -> bytes:
    return os.urandom(SECRET_LEN)


def invitation_id(secret: bytes) -> str:
    """The id the service knows an invitation by (the secret can't be worked back from it)."""
    return hashlib.sha256(b"rejection-workbook invitation\x00" + secret).hexdigest()[:32]


def make_code(secret: bytes, fp: bytes) -> str:
    """A long code, as made before short codes: secret, fingerprint and a check, in nine
    groups of four (still read by `read_code`, so codes handed out before keep working)."""
    payload = secret + fp
    check = b32(hashlib.sha256(payload).digest()[:5])[:4]
    return _groups(b32(payload) + check)


def read_code(code: object) -> tuple[bytes, bytes]:
    """(secret, fingerprint bytes) from a code as typed (any case, spaces, dashes, O for 0);
    CryptoError('bad_code') when it isn't one (a letter mistyped, missing or extra)."""
    if not isinstance(code, str):
        raise CryptoError("bad_code")
    chars = "".join(c for c in code.upper() if c.isalnum()).translate(_READ_AS)
    size = (SECRET_LEN + FP_LEN) * 8 // 5
    if len(chars) != size + 4 or any(c not in ALPHABET for c in chars):
        raise CryptoError("bad_code")
    payload = _unb32(chars[:size])
    if b32(hashlib.sha256(payload).digest()[:5])[:4] != chars[size:]:
        raise CryptoError("bad_code")
    return payload[:SECRET_LEN], payload[SECRET_LEN:]


def _code_chars(code: object) -> str:
    """A code as typed, made plain: capitals, no spaces or dashes, O read as 0 and I, L as 1."""
    if not isinstance(code, str):
        raise CryptoError("bad_code")
    return "".join(c for c in code.upper() if c.isalnum()).translate(_READ_AS)


def _check_char(chars: str) -> str:
    return ALPHABET[hashlib.sha256(b"rejection-workbook code\x00" + chars.encode("ascii")).digest()[0] % 32]


def new_code() -> str:
    """A fresh invitation code to hand over: 'XXXX-XXXX-XXXX', 55 random bits and a check."""
    chars = "".join(secrets.choice(ALPHABET) for _ in range(CODE_RANDOM))
    return _groups(chars + _check_char(chars))


def is_short_code(code: object) -> bool:
    """True when `code` (as typed) has the length of a short code (not an earlier long one)."""
    return isinstance(code, str) and len(_code_chars(code)) == CODE_RANDOM + 1


def code_secret(code: object) -> bytes:
    """The invitation's 32-byte secret, stretched from a short code as typed (any case, spaces,
    dashes, O for 0); CryptoError('bad_code') when it isn't one (a character mistyped, missing
    or extra: the check character catches 31 slips in 32)."""
    chars = _code_chars(code)
    if len(chars) != CODE_RANDOM + 1 or any(c not in ALPHABET for c in chars):
        raise CryptoError("bad_code")
    if chars[-1] != _check_char(chars[:-1]):
        raise CryptoError("bad_code")
    return Scrypt(salt=b"rejection-workbook invitation code", length=32, **CODE_SCRYPT).derive(
        chars.encode("ascii")
    )


def key_mac(secret: bytes, invitation: str, public_key: bytes) -> str:
    """What the therapist leaves with an invitation: a MAC over its id and their public key
    under a key from the code's secret. The client checks the key the service hands over
    with it: a service that swaps the key can't make a MAC for its own without the code."""
    message = b"rejection-workbook therapist key\x00" + invitation.encode("ascii") + b"\x00" + public_key
    return hmac.new(_secret_key(secret, b"therapist key"), message, hashlib.sha256).hexdigest()


def check_key_mac(secret: bytes, invitation: str, public_key: bytes, mac: object) -> bool:
    return isinstance(mac, str) and hmac.compare_digest(key_mac(secret, invitation, public_key), mac)


def _secret_key(secret: bytes, purpose: bytes) -> bytes:
    return _hkdf(secret, b"rejection-workbook invitation", purpose)


def seal_with_secret(secret: bytes, plain: bytes) -> bytes:
    """`plain` (a start file) sealed under a key from an invitation secret."""
    nonce = os.urandom(NONCE_LEN)
    aad = bytes([VERSION]) + invitation_id(secret).encode("ascii")
    return bytes([VERSION]) + nonce + AESGCM(_secret_key(secret, b"start")).encrypt(nonce, plain, aad)


def open_with_secret(secret: bytes, data: bytes) -> bytes:
    if not isinstance(data, bytes) or len(data) < 1 + NONCE_LEN + 16 or data[0] != VERSION:
        raise CryptoError("not_envelope")
    aad = bytes([VERSION]) + invitation_id(secret).encode("ascii")
    try:
        return AESGCM(_secret_key(secret, b"start")).decrypt(
            data[1 : 1 + NONCE_LEN], data[1 + NONCE_LEN :], aad
        )
    except InvalidTag:
        raise CryptoError("tampered") from None


def key_proof(secret: bytes, public_key: bytes) -> str:
    """Proof, from the holder of an invitation's secret, that `public_key` is theirs: the
    therapist checks it before sealing notes, so a service can't swap the client's key."""
    return hmac.new(_secret_key(secret, b"client key"), public_key, hashlib.sha256).hexdigest()


def check_proof(secret: bytes, public_key: bytes, proof: object) -> bool:
    return isinstance(proof, str) and hmac.compare_digest(key_proof(secret, public_key), proof)


def redeem_verifier(secret: bytes) -> bytes:
    """The key the service keeps with an invitation to check that whoever redeems it holds the
    code's secret. Derived apart from every other use of the secret: it opens no start file,
    makes no key proof, and the secret can't be worked back from it."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"rejection-workbook invitation", info=b"redeem verifier"
    ).derive(secret)


def redeem_mac(verifier: bytes, invitation: str, public_key: bytes) -> str:
    """What a redeem request carries: a MAC over the invitation id and the client's public key
    under `redeem_verifier(secret)`, so the id alone (in a log, in a path) redeems nothing."""
    message = b"rejection-workbook redeem\x00" + invitation.encode("ascii") + b"\x00" + public_key
    return hmac.new(verifier, message, hashlib.sha256).hexdigest()


def check_redeem_mac(verifier: bytes, invitation: str, public_key: bytes, mac: object) -> bool:
    return isinstance(mac, str) and hmac.compare_digest(redeem_mac(verifier, invitation, public_key), mac)


# -- key files --------------------------------------------------------------------------------
def backup(private: X25519PrivateKey, passphrase: str) -> bytes:
    """A backup file of `private`, sealed under `passphrase` (as a protected share file is)."""
    if not isinstance(passphrase, str) or not passphrase:
        raise CryptoError("no_passphrase")
    plain = json.dumps({"rejection-workbook-key": VERSION, "private": b64(_private_bytes(private))})
    return sealing.seal(plain.encode("utf-8"), passphrase)


def restore(data: bytes, passphrase: str) -> X25519PrivateKey:
    """The private key in a backup; CryptoError with a plain reason (wrong passphrase, not a backup)."""
    if not isinstance(passphrase, str) or not passphrase:
        raise CryptoError("no_passphrase")
    try:
        plain = share.unseal(data, passphrase)
    except WrongPassphrase:
        raise CryptoError("wrong_passphrase") from None
    except ShareError:
        raise CryptoError("not_backup") from None
    try:
        found = json.loads(plain.decode("utf-8"))
        if found.get("rejection-workbook-key") != VERSION:
            raise ValueError
        return X25519PrivateKey.from_private_bytes(unb64(found["private"], reason="not_backup"))
    except (ValueError, KeyError, AttributeError, UnicodeDecodeError, TypeError):
        raise CryptoError("not_backup") from None


def key_path(home: str | os.PathLike) -> Path:
    return Path(home) / KEY_FILE


def save_key(home: str | os.PathLike, private: X25519PrivateKey, passphrase: str | None = None) -> Path:
    """Write the key file (0600, whole or not at all), sealed under `passphrase` if given."""
    record: dict = {"version": VERSION, "public": b64(public_bytes(private))}
    if passphrase:
        record["sealed"] = b64(backup(private, passphrase))
    else:
        record["private"] = b64(_private_bytes(private))
    path = key_path(home)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return atomic_write(path, json.dumps(record))


def read_public(home: str | os.PathLike) -> bytes | None:
    """The public key in the home's key file, or None when there is none."""
    record = _record(home)
    return None if record is None else check_public(unb64(record.get("public"), reason="bad_key"))


def load_key(home: str | os.PathLike, passphrase: str | None = None) -> X25519PrivateKey | None:
    """The private key in the home's key file (None when there is none).

    CryptoError('locked') when it is sealed and no passphrase is given; 'wrong_passphrase'."""
    record = _record(home)
    if record is None:
        return None
    if "sealed" in record:
        if not passphrase:
            raise CryptoError("locked")
        return restore(unb64(record["sealed"], reason="bad_key"), passphrase)
    try:
        return X25519PrivateKey.from_private_bytes(unb64(record.get("private"), reason="bad_key"))
    except ValueError as exc:
        raise CryptoError("bad_key") from exc


_opened: dict[tuple[str, str], X25519PrivateKey] = {}  # (key file, its sealed text) -> the key, this process


def remember_key(home: str | os.PathLike, private: X25519PrivateKey) -> None:
    """Keep a sealed key opened with its passphrase in this process's memory (a practice page's
    kernel: asked once per visit), never the passphrase; tied to the key file as it is now."""
    record = _record(home)
    if record is not None and isinstance(record.get("sealed"), str):
        _opened[(str(key_path(home)), record["sealed"])] = private


def opened_key(home: str | os.PathLike) -> X25519PrivateKey | None:
    """The sealed key in `home` when it was opened in this process (and the file is unchanged)."""
    record = _record(home)
    if record is None or not isinstance(record.get("sealed"), str):
        return None
    return _opened.get((str(key_path(home)), record["sealed"]))


def forget_keys() -> None:
    """Forget every key opened in this process (the practice page left alone: asked again)."""
    _opened.clear()


def _record(home: str | os.PathLike) -> dict | None:
    try:
        raw = key_path(home).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        record = json.loads(raw)
    except ValueError:
        raise CryptoError("bad_key") from None
    if not isinstance(record, dict) or record.get("version") != VERSION:
        raise CryptoError("bad_key")
    return record
