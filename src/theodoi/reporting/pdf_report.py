"""The report as PDF: WeasyPrint prints the same HTML the web page shows as the preview, with
its print styles (``@page`` A4; Times New Roman, else the metric-compatible Liberation
Serif)."""

from __future__ import annotations

from .content import Report
from .html_report import render_html

__all__ = ["render_pdf"]


def render_pdf(report: Report) -> bytes:
    from weasyprint import HTML  # imported here: loading it costs time the other formats spare

    return HTML(string=render_html(report)).write_pdf()
