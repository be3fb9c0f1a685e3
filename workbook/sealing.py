"""Sealing bytes under a passphrase: the one way the workbook does it.

A protected share file (`workbook.share`) and a backup of a practice key
(`workbook.hub.crypto.backup`) are both sealed here: a ZIP holding ``header.json``::

    {"format": ..., "version": 1, "encrypted": {"cipher": "AES-256-GCM", "kdf": "scrypt",
     "n": 32768, "r": 8, "p": 1, "salt": "<base64>", "nonce": "<base64>", "check": "<base64>"}}

and ``payload.bin``, the plain bytes sealed with AES-256-GCM under a key derived by scrypt
from the passphrase (in Unicode NFC; `open_sealed` also tries it as typed, which earlier
versions used), with the exact bytes of ``header.json`` as associated data, so neither part
can be changed unnoticed. ``check`` is a hash of a second scrypt-derived key: it tells a
wrong passphrase apart from a changed file.

Reading such a ZIP back within its limits is `workbook.share_check`'s (`share.unseal`); this
module opens what it found there.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import json
import os
import zipfile

from . import share_schema, text
from .errors import NeedsPassphrase, ShareError, WrongPassphrase
from .share_schema import FORMAT, SCRYPT_LIMITS, VERSION, Mismatch

HEADER = "header.json"
RECORDS = "records.jsonl"
PAYLOAD = "payload.bin"
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1


def pack(members: dict[str, bytes]) -> bytes:
    """A ZIP of `members` (name -> bytes) as the workbook writes its files: deflated, owner-only
    modes, a fixed date (nothing about when or where it was made)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            zf.writestr(info, data)
    return buffer.getvalue()


def derive(passphrase: str, salt: bytes, n: int, r: int, p: int) -> tuple[bytes, bytes]:
    """(key, check) from `passphrase` exactly as given (callers choose its form)."""
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    derived = Scrypt(salt=salt, length=64, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return derived[:32], hashlib.sha256(b"rejection-workbook check" + derived[32:]).digest()[:16]


def seal(plain: bytes, passphrase: str) -> bytes:
    """`plain` sealed with AES-256-GCM under a scrypt key from `passphrase`, as a ZIP of the
    header and the sealed payload."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    key, check = derive(text.passphrase_forms(passphrase)[0], salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    b64 = lambda raw: base64.b64encode(raw).decode("ascii")  # noqa: E731
    header = json.dumps(
        {
            "format": FORMAT,
            "version": VERSION,
            "encrypted": {
                "cipher": "AES-256-GCM",
                "kdf": "scrypt",
                "n": SCRYPT_N,
                "r": SCRYPT_R,
                "p": SCRYPT_P,
                "salt": b64(salt),
                "nonce": b64(nonce),
                "check": b64(check),
            },
        },
        indent=1,
    ).encode("utf-8")
    sealed = AESGCM(key).encrypt(nonce, plain, header)
    return pack({HEADER: header, PAYLOAD: sealed})


def open_sealed(header: dict, raw_header: bytes, payload: bytes, passphrase: str | None) -> bytes:
    """The plain bytes of a sealed `payload`, its `header` read from `raw_header` (those exact
    bytes are the associated data). ShareError when the header's settings can't be used or
    the payload was changed; NeedsPassphrase / WrongPassphrase for a missing or wrong one."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    if not isinstance(passphrase, str | None):
        raise ShareError("sealed.passphrase_not_text")
    try:
        share_schema.check("sealed", header)
    except Mismatch as exc:
        key = exc.path[1] if len(exc.path) > 1 else ""
        if len(exc.path) < 2 or key in ("cipher", "kdf"):
            raise ShareError("sealed.unknown") from None
        if key in SCRYPT_LIMITS:
            raise ShareError("sealed.out_of_range", key=key) from None
        raise ShareError("sealed.unreadable") from None
    spec = header["encrypted"]
    params = {key: spec[key] for key in SCRYPT_LIMITS}
    for key, value in params.items():  # JSON Schema takes 2.0 for an integer; scrypt doesn't
        if type(value) is not int:
            raise ShareError("sealed.out_of_range", key=key)
    if params["n"] & (params["n"] - 1):  # a power of two
        raise ShareError("sealed.out_of_range", key="n")
    try:
        salt, nonce, check = (base64.b64decode(spec[k], validate=True) for k in ("salt", "nonce", "check"))
    except (KeyError, TypeError, ValueError):
        raise ShareError("sealed.unreadable") from None
    if len(salt) < 16 or len(nonce) != 12 or len(check) != 16:
        raise ShareError("sealed.unreadable")
    if not passphrase:
        raise NeedsPassphrase("sealed.needs_passphrase")
    # NFC first; then the passphrase as typed, which files sealed by earlier versions used
    for form in text.passphrase_forms(passphrase):
        key, expected = derive(form, salt, params["n"], params["r"], params["p"])
        if hmac.compare_digest(expected, check):
            break
    else:
        raise WrongPassphrase("sealed.wrong_passphrase")
    try:
        return AESGCM(key).decrypt(nonce, payload, raw_header)
    except InvalidTag:
        raise ShareError("file.changed") from None
