"""A locked workbook's file: SQLCipher, under a key made from the person's passphrase.

A locked workbook is an SQLCipher 4 database (AES-256 per page, each page with its own HMAC,
the write-ahead log encrypted the same way), so the file holds none of the person's words,
not even the workbook's name. Its first 16 bytes are the one thing in it that is plain, a
small header the store reads before it has a key:

    byte 0       0xC1, "locked, format 1" (a plain SQLite file begins with "SQLite format 3")
    byte 1       log2 of scrypt's N (cost)      } the key derivation's parameters,
    byte 2       scrypt's r (block size)        } read from the file, so a later version
    byte 3       scrypt's p (parallelism)       } may raise them without losing old files
    bytes 4-15   random (96 bits)

The whole 16 bytes are scrypt's salt (so the parameters are bound to the key) and SQLCipher's
salt for the file (given with the key, SQLCipher keeps it where its own would be). The key
is scrypt(passphrase, salt=header, N=2^17, r=8, p=1): 128 MiB of memory for each try, the
parameters OWASP's password storage advice names for scrypt; SQLCipher then uses it as a raw
key (its own PBKDF2 is skipped). Temporary tables and sorts stay in memory
(`temp_store = MEMORY`), so nothing is written unencrypted beside the file.

Keys made in this process are kept in memory, by header, so a passphrase is asked once per
kernel or command (`remember`, `forget`); a passphrase is never kept.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import sqlcipher3.dbapi2 as driver

from .errors import WorkbookError

FORMAT = 0xC1
HEADER_SIZE = 16
PLAIN_MAGIC = b"SQLite format 3\x00"
LOG2_N, R, P = 17, 8, 1  # for new locks; an existing file's own are in its header
# what a header may ask for: enough to read any file this app makes, not so much that a planted
# file makes the app take gigabytes of memory or minutes of work
LOG2_N_RANGE, R_RANGE, P_RANGE = range(14, 21), range(1, 17), range(1, 5)
# SQLCipher decrypts and checks every page it reads again unless the page is in the connection's
# cache: a cache of up to 64 MiB (it grows only with what is read) keeps a large workbook's pages
# decrypted once per connection (benchmarks/lock.py). Memory only: nothing plain on the disk.
CACHE_KIB = -65536
PASSPHRASE_MIN = 8
PASSPHRASE_MAX = 1024

Error = driver.Error
OperationalError = driver.OperationalError
DatabaseError = driver.DatabaseError
Row = driver.Row

_keys: dict[bytes, bytes] = {}  # header -> key, for this process only


class Locked(WorkbookError):
    """A locked workbook opened without its passphrase: ask for it, then open again."""

    def __init__(self, path: str | os.PathLike):
        super().__init__("lock.needed")
        self.path = Path(path)


class WrongPassphrase(WorkbookError):
    """A passphrase that doesn't open this workbook (nothing was changed)."""

    def __init__(self):
        super().__init__("lock.wrong_passphrase")


def header_of(path: str | os.PathLike) -> bytes | None:
    """A locked workbook's header, or None when the file is not locked (a plain SQLite file,
    an empty one, or none)."""
    try:
        with open(path, "rb") as file:
            head = file.read(HEADER_SIZE)
    except FileNotFoundError:
        return None
    if len(head) < HEADER_SIZE or head[0] != FORMAT:
        return None
    return head


def is_locked(path: str | os.PathLike) -> bool:
    return header_of(path) is not None


def new_header() -> bytes:
    return bytes((FORMAT, LOG2_N, R, P)) + secrets.token_bytes(HEADER_SIZE - 4)


def check_passphrase(passphrase: object) -> str:
    """A passphrase to lock with: text of at least PASSPHRASE_MIN characters."""
    if not isinstance(passphrase, str) or not passphrase.strip():
        raise WorkbookError("lock.passphrase_empty")
    if len(passphrase) < PASSPHRASE_MIN:
        raise WorkbookError("lock.passphrase_short", n=PASSPHRASE_MIN)
    if len(passphrase) > PASSPHRASE_MAX:
        raise WorkbookError("lock.passphrase_long", n=PASSPHRASE_MAX)
    return passphrase


def derive(passphrase: str, header: bytes) -> bytes:
    """The 32-byte key for `passphrase` in the file whose header is `header` (scrypt, with the
    header's parameters and the header as salt). A damaged header is a damaged file."""
    log2_n, r, p = header[1], header[2], header[3]
    if header[0] != FORMAT or log2_n not in LOG2_N_RANGE or r not in R_RANGE or p not in P_RANGE:
        raise WorkbookError("lock.bad_header")
    if not isinstance(passphrase, str) or not passphrase or len(passphrase) > PASSPHRASE_MAX:
        raise WrongPassphrase()
    memory = 128 * r * (1 << log2_n) * p
    return hashlib.scrypt(
        passphrase.encode("utf-8"), salt=header, n=1 << log2_n, r=r, p=p, maxmem=2 * memory, dklen=32
    )


def key_pragma(key: bytes, header: bytes | None = None) -> str:
    """The value of SQLCipher's `PRAGMA key`: the raw key, with the file's salt when given."""
    return f"\"x'{key.hex()}{header.hex() if header else ''}'\""


def remember(header: bytes, key: bytes) -> None:
    _keys[header] = key


def known_key(header: bytes) -> bytes | None:
    return _keys.get(header)


def forget(header: bytes | None = None) -> None:
    """Forget one workbook's key (or every key): it is locked again for this process."""
    if header is None:
        _keys.clear()
    else:
        _keys.pop(header, None)


def key_for(path: str | os.PathLike, header: bytes, passphrase: str | None = None) -> bytes:
    """The key of the locked workbook at `path`: made from `passphrase` (and checked against the
    file, then remembered), or the one made before in this process; `Locked` when there is none,
    `WrongPassphrase` when the passphrase doesn't open it. Nothing is written to the file."""
    if passphrase is None:
        key = known_key(header)
        if key is None:
            raise Locked(path)
        return key
    key = derive(passphrase, header)
    if not opens(path, key, header):
        raise WrongPassphrase()
    remember(header, key)
    return key


def check_known(header: bytes, passphrase: object) -> None:
    """`passphrase` is the one whose key this process holds for the file with `header` (asked
    before a lock is changed or taken off, so an open workbook left on a screen can't be
    unlocked for good by someone else); `WrongPassphrase` when it isn't (or when this process
    holds no key for it). Nothing is read from or written to the file."""
    known = known_key(header)
    if not isinstance(passphrase, str) or not passphrase.strip():
        raise WorkbookError("lock.current_needed")
    if known is None or not hmac.compare_digest(derive(passphrase, header), known):
        raise WrongPassphrase()


def connect(
    path: str | os.PathLike, key: bytes, header: bytes, *, uri: str | None = None, timeout: float = 5.0
):
    """A connection to a locked workbook, its key set; `uri` opens it by that address instead."""
    conn = driver.connect(uri or path, uri=uri is not None, isolation_level=None, timeout=timeout)
    try:
        conn.execute(f"PRAGMA key = {key_pragma(key, header)}")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(f"PRAGMA cache_size = {CACHE_KIB}")
    except BaseException:
        conn.close()
        raise
    return conn


def opens(path: str | os.PathLike, key: bytes, header: bytes) -> bool:
    """True when `key` opens the file (SQLCipher checks the first page's HMAC)."""
    conn = None
    try:
        conn = connect(path, key, header)  # (setting the cache size reads the first page already)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return True
    except driver.DatabaseError as exc:
        if "not a database" in str(exc):
            return False
        raise
    finally:
        if conn is not None:
            conn.close()


def export(source, dest: Path, key: bytes | None, header: bytes | None, user_version: int) -> None:
    """Copy every table and row of the open connection `source` (SQLCipher's, plain or keyed)
    into the new file `dest`: locked under `key` and `header`, or plain when `key` is None.
    The copy is made whole, in WAL mode, flushed to the disk; the caller puts it in place."""
    value = key_pragma(key, header)[1:-1] if key is not None else ""
    source.execute("ATTACH DATABASE ? AS copy KEY ?", (str(dest), value))
    try:
        source.execute("BEGIN IMMEDIATE")  # no other window writes while the copy is made
        try:
            source.execute("SELECT sqlcipher_export('copy')")
            source.execute(f"PRAGMA copy.user_version = {int(user_version)}")
            source.execute("COMMIT")
        except BaseException:
            source.execute("ROLLBACK")
            raise
    finally:
        source.execute("DETACH DATABASE copy")
    conn = connect(dest, key, header) if key is not None else driver.connect(dest, isolation_level=None)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
    fd = os.open(dest, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def plain_connect(path: str | os.PathLike):
    """SQLCipher's connection to a plain workbook (to copy it into a locked one)."""
    return driver.connect(path, isolation_level=None)


for _conn in (driver.connect(":memory:"),):  # SQLCipher logs a wrong key to stderr; the app says it
    _conn.execute("PRAGMA cipher_log_level = NONE")
    _conn.close()
