"""The report with its tables: report.html, report.pdf and a CSV per frame, in one zip."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from .. import registry
from ..store import Workbook
from .blocks import _by_stage, build
from .html import render_html
from .pdf import render_pdf


# -- CSV tables ----------------------------------------------------------------------------------
def stage_frames(wb: Workbook, stages: Iterable[int] | None = None) -> dict:
    """Every frame (see `workbook.frames.all_frames`), keeping only rows from `stages`."""
    from ..frames import all_frames

    frames = all_frames(wb)
    if stages is None or set(stages) >= set(registry.method_numbers()):
        return frames
    kept_ids = {e.entry_id for found in _by_stage(wb.entries(), set(stages)).values() for e in found}
    return {
        name: df[df["entry_id"].isin(kept_ids).astype(bool)].reset_index(drop=True)
        for name, df in frames.items()
    }


def report_zip(wb: Workbook, stages: Iterable[int] | None = None) -> bytes:
    """report.html, report.pdf and tables/<frame>.csv for `stages`, in one zip."""
    from ..export import frames_to_csv_files

    blocks = build(wb, stages)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("report.html", render_html(blocks))
        zf.writestr("report.pdf", render_pdf(blocks))
        for name, data in frames_to_csv_files(stage_frames(wb, stages)).items():
            zf.writestr(f"tables/{name}", data)
    return buffer.getvalue()
