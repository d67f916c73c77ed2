"""The report as HTML: the page the web shows as a preview and the PDF prints, one template
(``reporting/report.html`` around ``reporting/_document.html``)."""

from __future__ import annotations

from django.template.loader import render_to_string

from .content import Report

__all__ = ["render_document", "render_html"]


def render_html(report: Report) -> str:
    """A whole HTML document, with the print styles (A4, margins, fonts)."""
    return render_to_string(
        "reporting/report.html", {"report": report, "document_template": report.template}
    )


def render_document(report: Report) -> str:
    """The document alone (styles included), to place inside a web page."""
    return render_to_string("reporting/_styles.html", {"report": report}) + render_to_string(
        report.template, {"report": report}
    )
