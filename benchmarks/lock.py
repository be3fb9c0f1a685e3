"""Opening a locked workbook of 100,000 entries and reading its frames, against the same
workbook unlocked, in one run.

    python benchmarks/lock.py [N] [--runs 3]

One workbook of N entries (default 100,000; the mix of kinds benchmarks/exchange_bench.py
fills) is copied; the copy is locked with `workbook.lock.lock` (the real scrypt parameters).
Each run, in a fresh process state (every key forgotten), times for each of the two:

- open: `Workbook.open` (for the locked one: with its passphrase, so scrypt's key derivation
  and SQLCipher's first-page check are in it; once per visit in the app);
- frames: `frames.all_frames(wb)`, every kind as a DataFrame (what a page, a report or
  08_explore reads), with the workbook already open.

Prints medians and the ratios locked / unlocked (target: open + frames within 2x).
`--default-cache` also times the locked one with SQLCipher's default page cache (8,000 KiB) instead
of `cipher.CACHE_KIB`, in the same rounds: what the larger cache saves.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from exchange_bench import fill  # noqa: E402

from workbook import cipher, lock  # noqa: E402
from workbook.frames import all_frames  # noqa: E402
from workbook.store import Home, Workbook  # noqa: E402

PASSPHRASE = "a long quiet walk by the river"


def one_run(path: Path, passphrase: str | None, cache: int | None = None) -> tuple[float, float]:
    cipher.forget()
    chosen, cipher.CACHE_KIB = cipher.CACHE_KIB, cache or cipher.CACHE_KIB
    try:
        return _timed(path, passphrase)
    finally:
        cipher.CACHE_KIB = chosen


def _timed(path: Path, passphrase: str | None) -> tuple[float, float]:
    began = time.perf_counter()
    wb = Workbook.open(path, read_only=True, passphrase=passphrase)
    opened = time.perf_counter()
    tables = all_frames(wb)
    read = time.perf_counter()
    assert sum(len(t) for t in tables.values()) > 0
    wb.close()
    return opened - began, read - opened


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("n", nargs="?", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--default-cache", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        plain_home, locked_home = Home(Path(tmp) / "plain"), Home(Path(tmp) / "locked")
        with plain_home.create("Bench") as wb:
            fill(wb, args.n)
            plain = wb.path
        locked_home.ensure()
        shutil.copy(plain, locked_home.path / plain.name)
        began = time.perf_counter()
        slug = lock.lock(locked_home, plain.stem, PASSPHRASE)
        locking = time.perf_counter() - began
        locked = locked_home.path_for(slug)
        size = plain.stat().st_size, locked.stat().st_size
        times = {"plain": [], "locked": []}
        if args.default_cache:
            times["locked, default cache"] = []
        for _ in range(args.runs):  # interleaved, so a busy moment hits both alike
            times["plain"].append(one_run(plain, None))
            times["locked"].append(one_run(locked, PASSPHRASE))
            if args.default_cache:
                times["locked, default cache"].append(one_run(locked, PASSPHRASE, cache=-8000))
    med = {
        name: (statistics.median(o for o, _ in runs), statistics.median(r for _, r in runs))
        for name, runs in times.items()
    }
    print(f"{args.n:,} entries; plain file {size[0] / 2**20:.1f} MiB, locked {size[1] / 2**20:.1f} MiB;")
    print(
        f"locking it (a whole encrypted copy, scrypt once) took {locking:.2f} s; median of {args.runs} runs\n"
    )
    print("| workbook | open (s) | frames (s) | open + frames (s) | ratio to unlocked |")
    print("|---|---:|---:|---:|---:|")
    base = sum(med["plain"])
    for name, (o, r) in med.items():
        print(f"| {name} | {o:.2f} | {r:.2f} | {o + r:.2f} | {(o + r) / base:.2f}x |")
    print(f"\nframes alone: {med['locked'][1] / med['plain'][1]:.2f}x")


if __name__ == "__main__":
    main()
