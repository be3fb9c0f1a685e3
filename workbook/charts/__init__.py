"""Plotly figures of the journey, built from frames: one module per picture.

Chart functions are pure: frame in, `go.Figure` out. `render.ChartView` shows a figure on
a page (through the plotly mime renderer, not a FigureWidget, which is slow to load) with
a plain-text summary beside it for screen readers.
"""
