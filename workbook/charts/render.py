"""Showing a finished plotly figure on a page, with a text summary for screen readers."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as w
import traitlets

from .. import content as shipped  # (`content` is a common local name here)

PLOTLY_MIME = "application/vnd.plotly.v1+json"
# Nothing on a chart may offer to send it anywhere: plotly.js shows a "Share chart..."
# button that uploads to its cloud unless told not to (showSendToCloud), and its default
# server is that cloud, so the server is set to none. Older plotly.js versions had other
# ways out (showLink, Chart Studio); they are off too. Download as an image stays.
CLOUD_BUTTONS = ("sendChartToCloud", "sendDataToCloud", "editInChartStudio")
CONFIG = {
    "displaylogo": False,
    "responsive": True,
    "showLink": False,
    "showSendToCloud": False,
    "showEditInChartStudio": False,
    "plotlyServerURL": "",
    "modeBarButtonsToRemove": ["select2d", "lasso2d", *CLOUD_BUTTONS],
}
# On a narrow screen (a phone) a chart is read, not explored: no mode bar over it, and a
# swipe across it scrolls the page instead of zooming.
NARROW_CONFIG = {**CONFIG, "displayModeBar": False, "scrollZoom": False}
NARROW_BELOW = 560  # px: a chart narrower than this is drawn with its narrow layout
EMPTY_WRAP = 30  # characters a line of a "nothing here yet" message holds on a phone

# Colour-blind-safe pair (Okabe-Ito blue and vermillion) and a neutral grey.
STRENGTH = "#0072B2"
WEAKNESS = "#D55E00"
NEUTRAL = "#999999"
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": 15}
# The calm look every chart shares: readable type on a plain white ground.
CALM_LAYOUT = {"font": FONT, "plot_bgcolor": "white", "paper_bgcolor": "white", "hoverlabel": {"font": FONT}}


def mimebundle(fig, summary: str = "", *, narrow: bool = False) -> dict:
    """The display data for `fig`: the plotly JSON, plus the summary as plain text."""
    spec = json.loads(fig.to_json())
    spec["config"] = dict(NARROW_CONFIG if narrow else CONFIG)
    return {PLOTLY_MIME: spec, "text/plain": summary or shipped.text("charts")["default_summary"]}


def legend_below(fig, *, bottom: int) -> None:
    """A narrow figure's legend: one row (wrapping if it must) at the very bottom of the figure,
    under the axis; `bottom` is the bottom margin in px, room for the tick labels and legend."""
    fig.update_layout(
        legend={
            "orientation": "h",
            "x": 0,
            "xanchor": "left",
            "y": 0,
            "yref": "container",
            "yanchor": "bottom",
            "font": {"size": 13},
        },
    )
    fig.update_layout(margin={"b": bottom})


def wrap(label: str, width: int) -> str:
    """`label` broken into lines of about `width` characters with <br> (for narrow charts).

    `label` is already plotly-safe text (escaped); words are never split.
    """
    lines: list[str] = []
    for word in label.split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(lines)


class _Redraw(anywidget.AnyWidget):
    """Tells Python how wide the chart is, and redraws it in place with plotly.js's `react`.

    The width decides between a chart's wide and narrow layout; it is sent once the chart's
    place on the page has a width, and again only when a resize (a phone turned) crosses
    `narrow_below`. The first drawing of a chart goes through the plotly mime renderer
    (which loads plotly.js and sets `window.Plotly`); after that, replacing the whole output
    would build a new plot from scratch each time, several times slower than `react`. If the
    plot or plotly.js is not there (a view drawn later, another front end), the browser asks
    Python to redraw through the output instead.
    """

    _esm = """
    export default { render({ model, el }) {
      let narrow = null, observer = null, stopped = false;
      const report = (width) => {
        if (!(width > 0)) return;  // hidden for now: wait until it is shown
        const now = width < model.get("narrow_below");
        if (now === narrow) return;
        narrow = now;
        model.send({ width: Math.round(width) });
      };
      const watch = () => {
        if (stopped) return;
        const view = el.closest(".wb-chart-view");
        if (!view) { requestAnimationFrame(watch); return; }  // not on the page yet
        observer = new ResizeObserver((entries) => report(entries[0].contentRect.width));
        observer.observe(view);
      };
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
      watch();
      return () => { stopped = true; if (observer) observer.disconnect(); model.off("msg:custom", onMsg); };
    } };
    """
    narrow_below = traitlets.Int(NARROW_BELOW).tag(sync=True)


Figure = Any  # a plotly go.Figure (plotly is imported by the chart modules, not here)


class ChartView:
    """A figure and its text summary. Call `draw(fig, summary)` with a complete figure, or
    with a function `make(narrow=...)` that builds the wide or the narrow figure.

    The browser says how wide the chart is; until it has, the chart waits (the figure is
    built, but not sent), so a phone never sees the wide layout first. The first draw shows
    the figure through the plotly mime renderer; later draws, and a change between wide and
    narrow, update that plot in place (see `_Redraw`). `figure` is the latest figure built.
    """

    def __init__(self, label: str):
        self.label = label
        self.summary = w.HTML()
        self.summary.add_class("wb-chart-summary")
        self.output = w.Output(layout=w.Layout(width="100%", min_height="2rem"))
        self.output.add_class("wb-chart")
        self._redraw = _Redraw(layout=w.Layout(display="none"))
        self._redraw.on_msg(lambda _widget, content, _buffers: self._message(content))
        self.widget = w.VBox([self.output, self.summary, self._redraw])
        self.widget.add_class("wb-chart-view")
        self.figure = None
        self.width: int | None = None  # px, as the browser measured it; None until it has
        self._make: Callable[..., Figure] | None = None
        self._summary = ""
        self._bundle: dict | None = None
        self._bundle_narrow = False
        self._shown = False  # whether the output holds a plot yet

    @property
    def narrow(self) -> bool:
        return self.width is not None and self.width < NARROW_BELOW

    def draw(self, fig: Figure | Callable[..., Figure], summary: str) -> None:
        """Show `fig` (or `fig(narrow=...)`); `summary` is plain text (it is escaped here)."""
        import html

        self._make = fig if callable(fig) else (lambda narrow, _fig=fig: _fig)
        self._summary = summary
        self._build()
        self.summary.value = (
            f'<p class="wb-chart-text"><span class="wb-visually-hidden">{html.escape(self.label)}: </span>'
            f"{html.escape(summary)}</p>"
        )

    def _build(self) -> None:
        narrow = self.narrow
        self.figure = self._make(narrow=narrow)
        self._bundle = mimebundle(self.figure, self._summary, narrow=narrow)
        self._bundle_narrow = narrow
        self._send()

    def _send(self) -> None:
        if self.width is None:
            return  # drawn once the browser says how wide the chart is
        if not self._shown:
            self._replace_output()
        else:
            self._redraw.send({"spec": self._bundle[PLOTLY_MIME]})

    def _message(self, content) -> None:
        """What the browser sent: a width (validated: it comes from the page), or 'redraw'."""
        if not isinstance(content, dict):
            return
        width = content.get("width")
        if isinstance(width, int | float) and not isinstance(width, bool) and 0 < width < 100_000:
            self.set_width(int(width))
        elif content.get("redraw") is True:
            self._replace_output()

    def set_width(self, width: int) -> None:
        """The chart is `width` px wide in the browser: draw it, wide or narrow to fit."""
        self.width = width
        if self._make is None:
            return
        if self.narrow != self._bundle_narrow:
            self._build()
        elif not self._shown:
            self._send()

    def _replace_output(self) -> None:
        if self._bundle is not None:
            self._shown = True
            self.output.outputs = ({"output_type": "display_data", "data": self._bundle, "metadata": {}},)


LABEL_LINE = 18  # px a line of a label above its bar takes (14 px type)


def labels_above(
    fig, labels: list[str], *, mark: int = 22, gap: int = 10, wrap_at: int = 34
) -> tuple[int, int]:
    """A narrow chart's category labels, each on its own line(s) above its row across the full
    width, instead of a column beside the rows that leaves the bars a sliver of the screen.

    `labels` are the y categories (plotly-safe text); `mark` is a bar's (or marker's) height
    in px. Hides the y tick labels and adds one annotation per label. Returns (row, top): the
    px each row takes, and the px the first label rises above the plot (for the top margin).
    """
    texts = [wrap(label, wrap_at) for label in labels]
    label_px = LABEL_LINE * max(text.count("<br>") + 1 for text in texts)
    row = mark + gap + label_px
    fig.update_yaxes(showticklabels=False, automargin=False)
    fig.update_layout(bargap=1 - mark / row)
    for label, text in zip(labels, texts, strict=True):
        fig.add_annotation(
            text=text,
            x=0,
            xref="paper",
            xanchor="left",
            y=label,
            yref="y",
            yanchor="bottom",
            yshift=mark / 2 + 2,
            align="left",
            showarrow=False,
            font={"size": 14},
            bgcolor="rgba(255, 255, 255, 0.85)",  # the grid lines pass behind the words
        )
    return row, max(0, label_px + mark // 2 + 4 - row // 2)
