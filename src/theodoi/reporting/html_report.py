"""The report as HTML: the page the web shows as a preview and the PDF prints, one template
(``reporting/report.html`` around ``reporting/_document.html``) and one stylesheet
(``static/reporting/report.css``)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.template.loader import render_to_string

from .content import Report

__all__ = ["STYLESHEET", "render_document", "render_html"]

# The static path the web page links; the PDF embeds the same file's text.
STYLESHEET = "reporting/report.css"


@cache
def report_css() -> str:
    return (Path(__file__).resolve().parent / "static" / STYLESHEET).read_text(encoding="utf-8")


def render_html(report: Report) -> str:
    """A whole HTML document, with the print styles (A4, margins, fonts) embedded, for
    WeasyPrint."""
    return render_to_string(
        "reporting/report.html",
        {"report": report, "document_template": report.template, "report_css": report_css()},
    )


def render_document(report: Report) -> str:
    """The document alone, to place inside a web page. No styles: an inline <style> would be
    refused by the Content-Security-Policy, so the page links ``STYLESHEET`` instead."""
    return render_to_string(report.template, {"report": report})
