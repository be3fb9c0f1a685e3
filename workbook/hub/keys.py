"""Keys for the hub exchange and how people read them: X25519 key pairs, the checks a public
key must pass before anything is sealed to it, fingerprints (the first 10 bytes of SHA-256
over the public key in Crockford base32, ``7QK2-M9TD-...``), and `CryptoError`, which every
part of `workbook.hub.crypto` raises. The rest (envelopes, codes, key files) is there.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from ..errors import Problem

FP_LEN = 10  # bytes of SHA-256 in a fingerprint (80 bits)
KEY_LEN = 32
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


class CryptoError(Problem, ValueError):
    """Bytes that can't be opened; `reason` names why, str(err) says it plainly when shown
    (data/text/hub.toml [errors]: its key is "errors.<reason>")."""

    text_file = "hub"

    def __init__(self, reason: str):
        super().__init__(f"errors.{reason}")
        self.reason = reason


# -- keys and fingerprints --------------------------------------------------------------------
def new_private_key() -> X25519PrivateKey:
    return X25519PrivateKey.generate()


def public_bytes(private: X25519PrivateKey) -> bytes:
    """The 32 raw bytes of the public half of `private`."""
    return private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def _private_bytes(private: X25519PrivateKey) -> bytes:
    return private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )


def check_public(raw: bytes) -> bytes:
    """`raw` if it is an X25519 public key (32 bytes); CryptoError('bad_key') if not."""
    if not isinstance(raw, bytes) or len(raw) != KEY_LEN:
        raise CryptoError("bad_key")
    try:
        X25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise CryptoError("bad_key") from None
    return raw


# The u-coordinates (mod 2^255 - 19) of the X25519 points of small order: a "key" among them
# makes every shared secret one of a few values (all zero, for X25519's clamped scalars).
_P = 2**255 - 19
_SMALL_ORDER = frozenset(
    {
        0,
        1,
        _P - 1,
        325606250916557431795983626356110631294008115727848805560023387167927233504,
        39382357235489614581723060781553021112529911719440698176882885853963445705823,
    }
)


def check_peer_key(raw: bytes) -> bytes:
    """`raw` if it is a public key something can be sealed to: `check_public`, and not one of
    the low-order points (the all-zero key among them), whose shared secret with any key is
    known to everyone. CryptoError('weak_key') for those."""
    check_public(raw)
    if int.from_bytes(raw, "little") % 2**255 % _P in _SMALL_ORDER:
        raise CryptoError("weak_key")
    try:  # and whatever else gives an all-zero secret with a fresh key (OpenSSL refuses it)
        shared = X25519PrivateKey.generate().exchange(X25519PublicKey.from_public_bytes(raw))
    except ValueError:
        raise CryptoError("weak_key") from None
    if not any(shared):
        raise CryptoError("weak_key")
    return raw


def fingerprint_bytes(public_key: bytes) -> bytes:
    return hashlib.sha256(b"rejection-workbook key\x00" + check_public(public_key)).digest()[:FP_LEN]


def b32(raw: bytes) -> str:
    """Crockford base32 of `raw` (whose length is a multiple of 5 bytes)."""
    number, bits = int.from_bytes(raw, "big"), len(raw) * 8
    return "".join(ALPHABET[(number >> shift) & 31] for shift in range(bits - 5, -1, -5))


def _unb32(chars: str) -> bytes:
    number = 0
    for char in chars:
        number = number * 32 + ALPHABET.index(char)
    return number.to_bytes(len(chars) * 5 // 8, "big")


def _groups(chars: str) -> str:
    return "-".join(chars[i : i + 4] for i in range(0, len(chars), 4))


def fingerprint(public_key: bytes) -> str:
    """The key's fingerprint as people read it, e.g. '7QK2-M9TD-0H4B-XW3E'."""
    return _groups(b32(fingerprint_bytes(public_key)))


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(value: object, *, reason: str = "not_envelope") -> bytes:
    """Bytes from base64 text; CryptoError(reason) for anything else."""
    if not isinstance(value, str):
        raise CryptoError(reason)
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise CryptoError(reason) from None
