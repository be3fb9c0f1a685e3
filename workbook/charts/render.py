"""Showing a finished plotly figure on a page, with a text summary for screen readers."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable
from pathlib import Path
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
SETTLE_MS = 250  # a chart is drawn once it has been near the screen this long (not in passing)
FETCH_AFTER_MS = 1500  # plotly.js is fetched this long after a page's first figure arrives
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


BASIC_BUNDLE = Path(__file__).parent / "vendor" / "plotly-basic.min.js"


def _version(script: bytes) -> bytes | None:
    """The plotly.js version in a bundle's header ("* plotly.js v4.1.1" or
    "* plotly.js (basic - minified) v4.1.1")."""
    found = re.search(rb"plotly\.js[^\n]*? v(\d+\.\d+\.\d+)", script[:300])
    return found.group(1) if found else None


@functools.cache
def plotly_js() -> bytes:
    """plotly.js for the browser, sent once per page.

    Our charts use only bars and lines, so the page gets plotly's "basic" bundle (shipped
    in vendor/, bars, lines and pies, MIT licence): the browser runs it in ~0.4 s where
    the full bundle blocks the page for ~1.8 s. If the plotly package is of another
    plotly.js version than the one shipped, its own full bundle is sent instead, so the
    figures always meet the plotly.js they were made for.
    """
    import plotly

    full = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    basic = BASIC_BUNDLE.read_bytes()
    with full.open("rb") as head:  # the version is in the first lines: no need to read 5 MB
        same = _version(head.read(300)) == _version(basic[:300])
    return basic if same else full.read_bytes()


class _Plot(anywidget.AnyWidget):
    """A plotly chart, drawn in the browser by plotly.js, which is loaded when the first
    chart on the page is drawn (not when the page opens: it is ~1 MB of script, and most
    pages have no chart). The kernel sends it, so no server route or network is needed,
    and the page works the same in Voilà, on a hub and in JupyterLab.

    The browser reports the chart's width once it has one, and again only when a resize
    (a phone turned) crosses `narrow_below`; the figure waits for it, so a phone never
    sees the wide layout first. Each new `spec` is drawn in place with plotly.js's `react`.
    """

    _esm = """
    // One copy of plotly.js per page, asked for by the first chart that needs it. A page
    // being left has no kernel to ask any more (Voila lets it go as the tab unloads, and a
    // waiting timer may still fire): then there is nothing to draw, and nothing to report.
    const library = (model) => {
      if (window.Plotly) return Promise.resolve(window.Plotly);
      if (window.wbPlotlyLoading) return window.wbPlotlyLoading;
      let arrived;
      const loading = new Promise((resolve, reject) => {
        arrived = (msg, buffers) => {
          if (!msg || msg.event !== "plotly" || !buffers || !buffers.length) return;
          model.off("msg:custom", arrived);
          const script = document.createElement("script");
          script.src = URL.createObjectURL(new Blob([buffers[0]], { type: "text/javascript" }));
          script.onload = () => resolve(window.Plotly);
          script.onerror = reject;
          document.head.append(script);
        };
      });
      model.on("msg:custom", arrived);
      if (!tell(model, { event: "need-plotly" })) {
        model.off("msg:custom", arrived);
        return Promise.resolve(null);
      }
      window.wbPlotlyLoading = loading;
      return loading;
    };
    const tell = (model, message) => {
      try { model.send(message); return true; } catch (e) { return false; }
    };

    export default { render({ model, el }) {
      let narrow = null, stopped = false;
      const plot = document.createElement("div");
      el.append(plot);
      const report = (width) => {
        if (!(width > 0)) return;  // hidden for now: wait until it is shown
        const now = width < model.get("narrow_below");
        if (now === narrow) return;
        narrow = now;
        tell(model, { event: "width", width: Math.round(width) });
      };
      // A chart whose place changed width while it was hidden (the window resized on
      // another page) takes the new width when it is shown; otherwise it is left alone.
      let drawnWidth = null;
      const observer = new ResizeObserver((entries) => {
        const width = entries[0].contentRect.width;
        report(width);
        if (width > 0 && drawnWidth !== null && Math.abs(width - drawnWidth) > 1 && window.Plotly) {
          drawnWidth = width;
          window.Plotly.Plots.resize(plot);
        }
      });
      observer.observe(el);
      // The chart keeps its place while it waits and draws: its figure's height is reserved
      // as soon as the figure arrives (long before it is drawn), so the words under it never
      // jump when it appears. plotly.js is fetched once the page has been still for a moment,
      // so a chart scrolled to draws at once instead of waiting for it.
      let fetching = null;
      const reserve = () => {
        const spec = model.get("spec");
        const height = spec && spec.layout && spec.layout.height;
        if (height > 0) el.style.minHeight = `${Math.round(height)}px`;
        if (spec && spec.data && !fetching && !window.Plotly) {
          fetching = setTimeout(() => {
            const idle = window.requestIdleCallback || ((run) => setTimeout(run, 0));
            idle(() => { if (!stopped) library(model); }, { timeout: 2000 });
          }, model.get("fetch_after_ms"));
        }
      };
      reserve();
      const draw = async () => {
        const spec = model.get("spec");
        if (!spec || !spec.data) return;
        const Plotly = await library(model);
        if (stopped || !Plotly) return;
        await Plotly.react(plot, spec.data, spec.layout, spec.config);
        drawnWidth = el.getBoundingClientRect().width;
        const body = document.body.dataset;  // read by benchmarks/chart_redraw.py
        body.wbChartDraws = String(Number(body.wbChartDraws || 0) + 1);
        body.wbChartDrawnAt = String(performance.now());
      };
      // A chart is drawn once it has been near the screen for a moment, not before: loading
      // plotly.js and drawing hold the page up for a tenth of a second or more, which a
      // chart further down need not cost someone still reading the top of the page, nor a
      // page someone is passing through on their way to another.
      let near = false, settling = null;
      const whenNear = new IntersectionObserver((entries) => {
        clearTimeout(settling);
        if (near || !entries[entries.length - 1].isIntersecting) return;
        settling = setTimeout(() => {
          near = true;
          whenNear.disconnect();
          draw();
        }, model.get("settle_ms"));
      }, { rootMargin: "600px 0px" });
      whenNear.observe(el);
      const onSpec = () => { reserve(); if (near) draw(); };
      model.on("change:spec", onSpec);
      return () => {
        stopped = true;
        clearTimeout(settling);
        clearTimeout(fetching);
        observer.disconnect();
        whenNear.disconnect();
        model.off("change:spec", onSpec);
        if (window.Plotly) window.Plotly.purge(plot);
      };
    } };
    """
    _css = ".wb-chart { width: 100%; min-height: 2rem; }"
    spec = traitlets.Dict().tag(sync=True)
    narrow_below = traitlets.Int(NARROW_BELOW).tag(sync=True)
    settle_ms = traitlets.Int(SETTLE_MS).tag(sync=True)
    fetch_after_ms = traitlets.Int(FETCH_AFTER_MS).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.width: int | None = None  # px, as the browser measured it; None until it has
        self.on_width: Callable[[int], None] = lambda width: None
        self.on_msg(lambda _widget, content, _buffers: self._message(content))

    def _message(self, content) -> None:
        """What the browser sent: a width (checked: it comes from the page), or a request
        for plotly.js."""
        if not isinstance(content, dict):
            return
        width = content.get("width")
        if content.get("event") == "need-plotly":
            self.send({"event": "plotly"}, buffers=[plotly_js()])
        elif isinstance(width, int | float) and not isinstance(width, bool) and 0 < width < 100_000:
            self.on_width(int(width))


Figure = Any  # a plotly go.Figure (plotly is imported by the chart modules, not here)


class ChartView:
    """A figure and its text summary. Call `draw(fig, summary)` with a complete figure, or
    with a function `make(narrow=...)` that builds the wide or the narrow figure.

    The browser says how wide the chart is; until it has, the chart waits (the figure is
    built, but not sent), so a phone never sees the wide layout first. `figure` is the
    latest figure built; `plot.spec` what the browser draws.
    """

    def __init__(self, label: str):
        self.label = label
        self.summary = w.HTML()
        self.summary.add_class("wb-chart-summary")
        self.plot = _Plot()
        self.plot.add_class("wb-chart")
        self.plot.on_width = self.set_width
        self.widget = w.VBox([self.plot, self.summary])
        self.widget.add_class("wb-chart-view")
        self.figure = None
        self.width: int | None = None  # px, as the browser measured it; None until it has
        self._make: Callable[..., Figure] | None = None
        self._summary = ""
        self._spec: dict | None = None
        self._spec_narrow = False

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
        self._spec = mimebundle(self.figure, self._summary, narrow=narrow)[PLOTLY_MIME]
        self._spec_narrow = narrow
        self._send()

    def _send(self) -> None:
        if self.width is not None and self._spec is not None:  # else drawn once the width is known
            self.plot.spec = self._spec

    def _message(self, content) -> None:
        """What the browser sent (see `_Plot._message`)."""
        self.plot._message(content)

    def set_width(self, width: int) -> None:
        """The chart is `width` px wide in the browser: draw it, wide or narrow to fit."""
        self.width = width
        if self._make is None:
            return
        if self.narrow != self._spec_narrow:
            self._build()
        else:
            self._send()


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
