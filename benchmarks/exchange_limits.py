"""Memory and time for the largest exchange file the limits accept, and for files they refuse.

    python benchmarks/exchange_limits.py [--cases NAME ...]
    python benchmarks/exchange_limits.py --flood [--connections 60]

Each file is built by one Python process and written to disk; a fresh process then reads
it the way the command line does (`exchange_cli._read`: size first) and imports it with
`exchange.import_share` into an empty practice folder, so its peak memory (ru_maxrss) is
that of reading and importing alone. Prints one line per
case: accepted or refused, seconds, peak resident memory (MB) and both as a share of the
budget (300 MB, 30 s, issue 10). Nothing is asserted: figures go in benchmarks/README.md.

``--flood`` (issue 19) measures the exchange service instead: it runs in a process of its own,
and many connections each announce a 16 MiB envelope and send half of it, then stop, first
with no token, then with a person's token; it prints the service's resident memory (VmRSS)
idle, at its highest during the flood (sampled every 20 ms), and after the connections close,
with what the connections were answered.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from pathlib import Path

MEMORY_BUDGET_MB, TIME_BUDGET_S = 300, 30
PASSPHRASE = "a benchmark passphrase"


def _largest(sealed: bool = False) -> bytes:
    """A valid share file with MAX_RECORDS letters filling records.jsonl up to its byte limit."""
    from workbook import share

    per_line = share.MAX_RECORDS_BYTES // share.MAX_RECORDS - 8  # bytes, newline included
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    words = [hashlib.sha256(str(i).encode()).hexdigest()[:7] for i in range(5000)]
    overhead = 230  # the record's ids, kind, author and date, as JSON
    revisions = []
    for n in range(share.MAX_RECORDS):
        text = " ".join(words[(n * 7 + k * 13) % len(words)] for k in range(per_line // 8))
        revisions.append(_revision("letter", start, n, {"text": text[: per_line - overhead]}))
    return share.write(
        "share",
        exchange_id="ab" * 16,
        name="Largest",
        stages=[4],
        revisions=revisions,
        passphrase=PASSPHRASE if sealed else None,
    )


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_STORED) -> bytes:
    """Stored, unless asked: a refused file should meet the check it is about, not the zip-bomb one."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression, compresslevel=9) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def _too_many_records() -> bytes:
    from workbook import share

    # more lines than the limit, under a header that claims fewer
    return _share_of(b'{"x":1}\n' * (share.MAX_RECORDS * 3), share.MAX_RECORDS - 1)


def _bomb() -> bytes:
    return _zip({"header.json": b"{}", "records.jsonl": b"0" * (400 * 2**20)}, zipfile.ZIP_DEFLATED)


def _many_entries() -> bytes:
    from tests.hostile.corpus import zip_with_entries
    from workbook import share

    per_entry = len(zip_with_entries(1000)) / 1000  # as many entries as fit in the largest file allowed
    return zip_with_entries(int(share.MAX_FILE / per_entry * 0.9))


def _checkins() -> bytes:
    """As many check-ins as fit, each with the most feelings (many small objects)."""
    from workbook import share
    from workbook.store import Revision

    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ratings = {f"f{k}": k % 11 for k in range(40)}
    one = Revision("a" * 32, "b" * 32, "checkin", None, "me", start.isoformat(), False, {"ratings": ratings})
    per_line = len(json.dumps(share._record(one), separators=(",", ":"))) + 40
    revisions = [
        _revision("checkin", start, n, {"ratings": ratings, "stage": 1})
        for n in range(min(share.MAX_RECORDS, share.MAX_RECORDS_BYTES // per_line))
    ]
    return share.write("share", exchange_id="ab" * 16, name="Check-ins", stages=[1], revisions=revisions)


def _revision(kind: str, start: dt.datetime, n: int, data: dict):
    """The n-th of many new entries of `kind`, one second apart, written by the client."""
    from workbook.store import Revision

    at = (start + dt.timedelta(seconds=n)).isoformat()
    return Revision(uuid.uuid4().hex, uuid.uuid4().hex, kind, None, "me", at, False, data)


def _share_of(body: bytes, records: int) -> bytes:
    """A share file whose records are `body` (valid header and checksum; hostile lines)."""
    from workbook import share

    header = {
        "format": share.FORMAT,
        "version": 1,
        "type": "share",
        "exchange_id": "ab" * 16,
        "name": "X",
        "stages": [4],
        "meta": {},
        "records": records,
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    return _zip({"header.json": json.dumps(header).encode(), "records.jsonl": body})


def _long_lines() -> bytes:
    from workbook import share

    return _share_of((os.urandom(share.MAX_LINE // 2 + 8).hex().encode() + b"\n") * 50, 50)


def _deep_lines() -> bytes:
    return _share_of((b'{"data":' + b"[" * 900 + b"]" * 900 + b"}\n") * 6_000, 6_000)


CASES = {
    "largest accepted (plain)": lambda: _largest(),
    "largest accepted (sealed)": lambda: _largest(sealed=True),
    "most check-ins, 40 feelings each (accepted)": _checkins,
    "lines just over the line limit (refused)": _long_lines,
    "too many records (refused)": _too_many_records,
    "zip bomb, 400 MB unpacked (refused)": _bomb,
    "zip with the most entries that fit (refused)": _many_entries,
    "deeply nested lines (refused)": _deep_lines,
    "file over the size limit, via the CLI (refused)": None,
}


def build(name: str, path: str) -> None:
    from workbook import share

    if CASES[name] is None:
        with open(path, "wb") as fh:
            fh.truncate(share.MAX_FILE * 4)  # sparse: only its size says it is too large
    else:
        Path(path).write_bytes(CASES[name]())


def run_one(path: str) -> None:
    from workbook import exchange, exchange_cli
    from workbook.store import Home

    with tempfile.TemporaryDirectory() as folder:
        practice = exchange.practice_home(Home(Path(folder) / "home"))
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        started = time.perf_counter()
        try:
            result = exchange.import_share(practice, exchange_cli._read(path), passphrase=PASSPHRASE)
            outcome = f"accepted, {result.added:,} entries"
        except Exception as exc:  # noqa: BLE001 - the message is the result
            outcome = f"refused: {str(exc)[:70]}"
        seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mb": peak, "before_mb": before, "outcome": outcome}))


def _sample(service, peak: list, done) -> None:
    """Keep the highest resident memory of `service` in peak[0] until `done` is set."""
    while not done.is_set():
        peak[0] = max(peak[0], service.rss_mb())
        time.sleep(0.02)


def flood(connections: int) -> None:
    """The exchange's memory under `connections` half-sent 16 MiB bodies, without and with a token."""
    import collections
    import threading

    from tests.test_hub_service import PREFIX, ServiceProcess, answer_of, half_sent

    path = f"{PREFIX}api/envelopes?id={'a' * 32}&link={'b' * 32}&kind=share&to=tess"
    print(f"{connections} connections, each announcing 16 MiB and sending 8 MiB of it, then stopping")
    print(f"{'who':22} {'idle MB':>8} {'peak MB':>8} {'after MB':>9} {'s':>6}  answers")
    for who, headers in [("no token", ""), ("a person's token", "Authorization: token t-ann\r\n")]:
        with tempfile.TemporaryDirectory() as folder:
            service = ServiceProcess(Path(folder) / "exchange.sqlite")
            try:
                time.sleep(0.5)
                idle = service.rss_mb()
                peak, done = [idle], threading.Event()
                sampler = threading.Thread(target=_sample, args=(service, peak, done))
                sampler.start()
                started = time.perf_counter()
                socks = [half_sent(service.port, path, headers=headers) for _ in range(connections)]
                seconds = time.perf_counter() - started
                answers = collections.Counter()
                for sock in socks:
                    try:
                        answers[answer_of(sock, timeout=0.2)[0]] += 1
                    except (AssertionError, ValueError):
                        answers["none yet"] += 1
                done.set()
                sampler.join()
                for sock in socks:
                    sock.close()
                time.sleep(1)
                after = service.rss_mb()
            finally:
                service.stop()
        said = ", ".join(f"{n}× {status}" for status, n in sorted(answers.items(), key=str))
        print(f"{who:22} {idle:8.0f} {peak[0]:8.0f} {after:9.0f} {seconds:6.2f}  {said}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="*", default=list(CASES))
    parser.add_argument("--flood", action="store_true", help="the exchange service under a flood (issue 19)")
    parser.add_argument("--connections", type=int, default=60)
    parser.add_argument("--build", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        return build(*args.build)
    if args.one:
        return run_one(args.one)
    if args.flood:
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        return flood(args.connections)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    print(f"{'case':48} {'file MB':>8} {'s':>6} {'peak MB':>8} {'of 300 MB':>9} {'of 30 s':>8}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for number, name in enumerate(args.cases):
            path = str(Path(folder) / f"{number}.rwshare")
            subprocess.run([sys.executable, __file__, "--build", name, path], check=True, env=env)
            done = subprocess.run(
                [sys.executable, __file__, "--one", path], capture_output=True, text=True, env=env
            )
            size = Path(path).stat().st_size / 2**20
            Path(path).unlink()
            if done.returncode:
                print(f"{name:48} failed: {done.stderr.strip()[-300:]}")
                continue
            r = json.loads(done.stdout.strip().splitlines()[-1])
            print(
                f"{name:48} {size:8.1f} {r['seconds']:6.2f} {r['peak_mb']:8.0f} "
                f"{r['peak_mb'] / MEMORY_BUDGET_MB:8.2f}× {r['seconds'] / TIME_BUDGET_S:7.2f}×  {r['outcome']}",
                flush=True,
            )
        # what a Python process with the workbook imported holds before any file is read
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "import resource, workbook.exchange, workbook.exchange_cli; "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)",
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        print(f"(a process with the workbook imported, before reading anything: {float(done.stdout):.0f} MB)")


if __name__ == "__main__":
    main()
