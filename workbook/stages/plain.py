"""Widgets that share one layout and one style with every widget like them.

Every ipywidgets widget normally brings its own Layout model, and most their own Style:
two more models to make, send and set up in the browser for each piece of text or box
on a page, which was about 60% of a page's models. Text, boxes and buttons whose look
comes from our stylesheet need neither, so these share one read-only layout (and style).
A widget that Python hides or resizes later gets its own: pass `layout=w.Layout()`.
"""

from __future__ import annotations

import functools

import ipywidgets as w
import traitlets
from ipywidgets.widgets.widget_string import HTMLStyle

# Layouts and styles shared by many widgets on many pages: never closed when a page goes.
SHARED_WIDGETS: dict[int, w.Widget] = {}


def shared(widget: w.Widget) -> w.Widget:
    """Mark `widget` (a layout or style used by many widgets) as shared by every page."""
    SHARED_WIDGETS[id(widget)] = widget
    return widget


class _ReadOnly:
    """Refuses changes once made: a change to a shared layout would change every widget
    that shares it (hiding one text would hide them all)."""

    _sealed = False

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._sealed = True

    def __setattr__(self, name, value):
        if self._sealed and name in self.keys:
            raise AttributeError(
                f"{type(self).__name__} is shared by many widgets; give the widget its own "
                f"(layout=w.Layout()) to change {name!r}"
            )
        super().__setattr__(name, value)


class SharedLayout(_ReadOnly, w.Layout):
    pass


class SharedHTMLStyle(_ReadOnly, HTMLStyle):
    pass


class _ReadOnlyButtonStyle(_ReadOnly, w.ButtonStyle):
    pass


@functools.cache
def plain_layout() -> SharedLayout:
    return shared(SharedLayout())


@functools.cache
def html_style() -> SharedHTMLStyle:
    return shared(SharedHTMLStyle())


@functools.cache
def button_style() -> w.ButtonStyle:
    # Every button looks the same (the stylesheet does the rest).
    return shared(_ReadOnlyButtonStyle())


@functools.cache
def row_text_layout() -> SharedLayout:
    return shared(SharedLayout(flex="1 1 auto"))  # every list row's text


class _PlainLayout(traitlets.HasTraits):
    @traitlets.default("layout")
    def _plain_layout(self):
        return plain_layout()


class HTML(_PlainLayout, w.HTML):
    """Text or markup that Python may rewrite but never hides or resizes."""

    @traitlets.default("style")
    def _plain_style(self):
        return html_style()


class VBox(_PlainLayout, w.VBox):
    """A column of widgets, laid out by the stylesheet."""


class HBox(_PlainLayout, w.HBox):
    """A row of widgets, laid out by the stylesheet."""
