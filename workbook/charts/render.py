"""Showing a finished plotly figure on a page, with a text summary for screen readers."""

from __future__ import annotations

import json

import ipywidgets as w

PLOTLY_MIME = "application/vnd.plotly.v1+json"
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}

# Colour-blind-safe pair (Okabe-Ito blue and vermillion) and a neutral grey.
STRENGTH = "#0072B2"
WEAKNESS = "#D55E00"
NEUTRAL = "#999999"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": 15}


def mimebundle(fig, summary: str = "") -> dict:
    """The display data for `fig`: the plotly JSON, plus the summary as plain text."""
    spec = json.loads(fig.to_json())
    spec["config"] = CONFIG
    return {PLOTLY_MIME: spec, "text/plain": summary or "A chart."}


class ChartView:
    """A figure and its text summary. Call `draw(fig, summary)` with a complete figure."""

    def __init__(self, label: str):
        self.label = label
        self.summary = w.HTML()
        self.summary.add_class("wb-chart-summary")
        self.output = w.Output(layout=w.Layout(width="100%", min_height="2rem"))
        self.output.add_class("wb-chart")
        self.widget = w.VBox([self.output, self.summary])
        self.figure = None

    def draw(self, fig, summary: str) -> None:
        """Replace the chart with `fig`; `summary` is plain text (it is escaped here)."""
        import html

        self.figure = fig
        self.output.outputs = (
            {"output_type": "display_data", "data": mimebundle(fig, summary), "metadata": {}},
        )
        self.summary.value = (
            f'<p class="wb-chart-text"><span class="wb-visually-hidden">{html.escape(self.label)}: </span>'
            f"{html.escape(summary)}</p>"
        )
