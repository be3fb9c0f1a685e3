"""Share, import and report for a workbook of 100,000 entries.

    python benchmarks/exchange_bench.py [N]

Prints one line per step with seconds and sizes; nothing is asserted. The workbook is
filled with `apply_revisions` (one transaction), a realistic mix of kinds across stages.
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
import uuid
from pathlib import Path

from workbook import exchange, report
from workbook.store import Home, Revision


def fill(wb, n: int) -> None:
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    goal = uuid.uuid4().hex
    samples = [
        ("checkin", {"ratings": {"sadness": 6, "anger": 3}, "own_words": "heavy today", "stage": 1}),
        ("case_point", {"side": "for", "text": "They said I missed deadlines twice."}),
        ("step", {"goal_id": goal, "kind": "step", "done_on": "2026-02-01", "text": "Read one chapter."}),
        ("kind_act", {"done_on": "2026-02-02", "text": "A long walk by the river."}),
        ("support_plan", {"option": "a support group", "note": "Thursday evenings"}),
    ]
    revisions = [
        Revision(
            uuid.uuid4().hex,
            goal,
            "goal",
            None,
            "me",
            start.isoformat(),
            False,
            {"title": "Practise", "trait_id": None, "first_step": None, "target_on": None, "done": False},
        )
    ]
    for i in range(n - 1):
        kind, data = samples[i % len(samples)]
        stamp = (start + dt.timedelta(seconds=i)).isoformat(timespec="microseconds")
        from workbook import model

        revisions.append(
            Revision(
                uuid.uuid4().hex, uuid.uuid4().hex, kind, None, "me", stamp, False, model.validate(kind, data)
            )
        )
    wb.apply_revisions(revisions)


def timed(label: str, func):
    began = time.perf_counter()
    result = func()
    print(f"{label:<42} {time.perf_counter() - began:7.2f} s", flush=True)
    return result


def main(n: int = 100_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Home(Path(tmp) / "client")
        wb = home.create("Bench")
        timed(f"fill {n:,} entries (apply_revisions)", lambda: fill(wb, n))
        data = timed("share all five stages (plain)", lambda: exchange.share_file(wb, [1, 2, 3, 4, 5]))
        print(f"{'  share file size':<42} {len(data) / 2**20:7.1f} MiB")
        sealed = timed(
            "share all five stages (passphrase)",
            lambda: exchange.share_file(wb, [1, 2, 3, 4, 5], passphrase="bench"),
        )
        timed("share two stages (plain)", lambda: exchange.share_file(wb, [1, 2]))
        practice = exchange.practice_home(Path(tmp) / "therapist")
        result = timed("import into an empty practice folder", lambda: exchange.import_share(practice, data))
        timed("import the same file again (nothing new)", lambda: exchange.import_share(practice, data))
        timed(
            "import the sealed file again",
            lambda: exchange.import_share(practice, sealed, passphrase="bench"),
        )
        with practice.open(result.slug) as copy:
            page = timed("report: HTML, all stages", lambda: report.report_html(copy))
            print(f"{'  report size':<42} {len(page) / 2**20:7.1f} MiB")
            timed("report: PDF, stage 5 only (20,000 entries)", lambda: report.report_pdf(copy, [5]))
            timed("report: zip with CSV tables, all stages", lambda: report.report_zip(copy, [2]))
        wb.close()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
