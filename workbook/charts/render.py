"""Showing a finished plotly figure on a page, with a text summary for screen readers."""

from __future__ import annotations

import json

import anywidget
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
# The calm look every chart shares: readable type on a plain white ground.
CALM_LAYOUT = {"font": FONT, "plot_bgcolor": "white", "paper_bgcolor": "white", "hoverlabel": {"font": FONT}}


def mimebundle(fig, summary: str = "") -> dict:
    """The display data for `fig`: the plotly JSON, plus the summary as plain text."""
    spec = json.loads(fig.to_json())
    spec["config"] = CONFIG
    return {PLOTLY_MIME: spec, "text/plain": summary or "A chart."}


class _Redraw(anywidget.AnyWidget):
    """Redraws a chart already on the page in place, with plotly.js's `react`.

    The first drawing of a chart goes through the plotly mime renderer (which loads
    plotly.js and sets `window.Plotly`); after that, replacing the whole output would
    build a new plot from scratch each time, several times slower than `react`. If the
    plot or plotly.js is not there (a view drawn later, another front end), the browser
    asks Python to redraw through the output instead.
    """

    _esm = """
    export default { render({ model, el }) {
      const onMsg = (msg) => {
        if (!msg || !msg.spec) return;
        const view = el.closest(".wb-chart-view");
        const plot = view && view.querySelector(".js-plotly-plot");
        if (!plot || !window.Plotly) { model.send({ redraw: true }); return; }
        const spec = msg.spec;
        window.Plotly.react(plot, spec.data, spec.layout, spec.config).then(() => {
          const body = document.body.dataset;  // read by benchmarks/chart_redraw.py
          body.wbChartDraws = String(Number(body.wbChartDraws || 0) + 1);
          body.wbChartDrawnAt = String(performance.now());
        });
      };
      model.on("msg:custom", onMsg);
      return () => model.off("msg:custom", onMsg);
    } };
    """


class ChartView:
    """A figure and its text summary. Call `draw(fig, summary)` with a complete figure.

    The first draw shows the figure through the plotly mime renderer; later draws update
    that plot in place (see `_Redraw`). `figure` is always the latest figure drawn.
    """

    def __init__(self, label: str):
        self.label = label
        self.summary = w.HTML()
        self.summary.add_class("wb-chart-summary")
        self.output = w.Output(layout=w.Layout(width="100%", min_height="2rem"))
        self.output.add_class("wb-chart")
        self._redraw = _Redraw(layout=w.Layout(display="none"))
        self._redraw.on_msg(lambda _widget, content, _buffers: self._replace_output())
        self.widget = w.VBox([self.output, self.summary, self._redraw])
        self.widget.add_class("wb-chart-view")
        self.figure = None
        self._bundle: dict | None = None

    def draw(self, fig, summary: str) -> None:
        """Show `fig`; `summary` is plain text (it is escaped here)."""
        import html

        first = self._bundle is None
        self.figure = fig
        self._bundle = mimebundle(fig, summary)
        if first:
            self._replace_output()
        else:
            self._redraw.send({"spec": self._bundle[PLOTLY_MIME]})
        self.summary.value = (
            f'<p class="wb-chart-text"><span class="wb-visually-hidden">{html.escape(self.label)}: </span>'
            f"{html.escape(summary)}</p>"
        )

    def _replace_output(self) -> None:
        if self._bundle is not None:
            self.output.outputs = ({"output_type": "display_data", "data": self._bundle, "metadata": {}},)
