"""Building the patterns page's data over ten workbooks, against one, in one run.

    python benchmarks/patterns.py [--runs 5] [--profile]

Ten copies of the demo workbook (each renamed, one rejection each) go in one folder and a
single copy in another. Each run times what the patterns page does before it draws
(`workbook/stages/patterns.py` `_read`, then the findings of `workbook/patterns.py`): open
every workbook read-only, `patterns.across`, then `blamed_again`, `strengths_held`,
`eased`, `kept_up` and `sentences`. Prints medians and the time per workbook of ten against
one (target: within 2x). `--profile` prints where the time of one ten-workbook build goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from workbook import patterns
from workbook.demo import install_demo
from workbook.stages.patterns import Patterns as Page
from workbook.store import Home


def build(home: Home):
    found = Page._read(home)
    return (
        patterns.blamed_again(found),
        patterns.strengths_held(found),
        patterns.eased(found),
        patterns.kept_up(found),
        patterns.sentences(found),
    )


def timed(home: Home) -> float:
    began = time.perf_counter()
    build(home)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        one, ten = Home(Path(tmp) / "one"), Home(Path(tmp) / "ten")
        source = one.find(install_demo(one))
        ten.ensure()
        for n in range(10):
            shutil.copy(source.path, ten.path / f"rejection-{n}.workbook")
            ten.rename(f"rejection-{n}", f"Rejection {n + 1}")
        assert len(build(ten)[4]) and len(Page._read(ten).rejections) == 10
        build(one)  # warm: imports, the words
        times = {"one": [], "ten": []}
        for _ in range(args.runs):  # interleaved, so a busy moment hits both alike
            times["one"].append(timed(one))
            times["ten"].append(timed(ten))
        if args.profile:
            profile = cProfile.Profile()
            profile.runcall(build, ten)
            pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    one_s, ten_s = statistics.median(times["one"]), statistics.median(times["ten"])
    print(f"median of {args.runs} runs\n")
    print("| workbooks | build (s) | per workbook (s) | per-workbook ratio to one |")
    print("|---|---:|---:|---:|")
    print(f"| 1 | {one_s:.3f} | {one_s:.3f} | 1.00x |")
    print(f"| 10 | {ten_s:.3f} | {ten_s / 10:.3f} | {ten_s / 10 / one_s:.2f}x |")


if __name__ == "__main__":
    main()
