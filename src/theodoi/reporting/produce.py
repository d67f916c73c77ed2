"""One report in one format, as bytes with its file names and content type: what the command
and the web page both hand out."""

from __future__ import annotations

from dataclasses import dataclass

from .content import Report
from .section_two import SectionTwoReport

__all__ = ["FORMATS", "Output", "produce"]

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Output:
    data: bytes
    content_type: str
    filename: str  # ASCII: "bao-cao-cthd-tinhuy-2020-2025-2021-q2.docx"
    display_name: str  # Vietnamese: "Báo cáo quý II năm 2021 - CTHD-TINHUY-2020-2025.docx"


def produce(report: Report | SectionTwoReport, fmt: str) -> Output:
    """``report`` as ``fmt`` (one of ``FORMATS``). PDF prints the report's HTML, whichever
    kind it is; DOCX and XLSX have a layout per kind."""
    if isinstance(report, SectionTwoReport) and fmt != "pdf":
        from .section_two import render_section_two_docx, render_section_two_xlsx

        render = render_section_two_docx if fmt == "docx" else render_section_two_xlsx
        data = render(report)
    elif fmt == "docx":
        from .docx_report import render_docx

        data = render_docx(report)
    elif fmt == "pdf":
        from .pdf_report import render_pdf

        data = render_pdf(report)
    elif fmt == "xlsx":
        from .statistics import render_xlsx

        data = render_xlsx(report)
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return Output(
        data=data,
        content_type=FORMATS[fmt],
        filename=f"{report.file_stem}.{fmt}",
        display_name=f"{report.display_name}.{fmt}",
    )
