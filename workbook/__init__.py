"""Rejection Workbook: a calm, private workbook for working through rejection."""

__version__ = "0.1.0"
