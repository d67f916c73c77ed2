"""A readable tree of a ProgramDraft, in Vietnamese, for `theodoi parse --format text`."""

from __future__ import annotations

import datetime as dt
import textwrap

from .model import ProgramDraft, TaskDraft, TimeSpec

ROLE_NAMES = {
    "directs": "chỉ đạo",
    "issues": "ban hành",
    "advises": "tham mưu",
    "implements": "thực hiện",
    "leads": "chủ trì",
    "coordinates": "phối hợp",
}
EVERY_NAMES = {
    "year": "hằng năm",
    "half-year": "6 tháng một lần",
    "quarter": "hằng quý",
    "month": "hằng tháng",
}


def day(value: dt.date | None) -> str:
    """dd/mm/yyyy, the way Vietnamese documents write dates."""
    return value.strftime("%d/%m/%Y") if value else "—"


def describe_time(time: TimeSpec) -> str:
    """ "hạn 31/03/2021", "hằng năm từ 01/01/2021", "thường xuyên", or the parts of a compound."""
    if time.kind == "deadline":
        since = f"từ {day(time.start)} " if time.start else ""
        out = f"{since}hạn {day(time.due)}"
    elif time.kind == "recurring":
        out = EVERY_NAMES.get(time.every or "", "định kỳ")
        if time.start:
            out += f" từ {day(time.start)}"
    elif time.kind == "ongoing":
        out = f"từ {day(time.start)} và những năm tiếp theo"
    elif time.kind == "continuous":
        out = "thường xuyên"
    elif time.kind == "compound":
        out = "; ".join(describe_time(part) for part in time.parts)
    else:
        return f"CHƯA HIỂU: {time.text!r}" if time.text else "CHƯA CÓ THỜI GIAN"
    return f"{out} ({time.scope})" if time.scope else out


def _task_lines(task: TaskDraft, indent: str) -> list[str]:
    first = task.text.split("\n", 1)[0]
    lines = [f"{indent}[{task.id}] {textwrap.shorten(first, 110, placeholder=' …')}"]
    for item in task.assignments:
        roles = ", ".join(ROLE_NAMES[r] for r in ROLE_NAMES if r in item.roles)
        marks = (" (nhóm)" if item.group else "") + (" (suy ra)" if item.inferred else "")
        marks += "" if item.id else " (chưa có trong danh mục)"
        lines.append(f"{indent}    {roles}: {item.org}{marks}")
    lines.append(f"{indent}    thời gian: {describe_time(task.time)}")
    for milestone in task.milestones if len(task.milestones) > 1 else []:
        scope = f" — {milestone.scope}" if milestone.scope else ""
        lines.append(f"{indent}    mốc: {day(milestone.due)}{scope}")
    if task.product:
        lines.append(f"{indent}    sản phẩm: {task.product}")
    return lines


def render_text(draft: ProgramDraft) -> str:
    lines = [draft.title or "(không có tiêu đề)"]
    facts = [
        f"Cơ quan ban hành: {draft.issuer or '—'}",
        f"Số: {draft.number or '—'}",
        f"Ngày: {day(draft.date)}",
    ]
    if draft.term:
        facts.append(f"Nhiệm kỳ: {draft.term[0]}–{draft.term[1]}")
    lines.append(" · ".join(facts))
    signer = " ".join(
        p for p in (draft.signer.on_behalf, draft.signer.title, draft.signer.name) if p
    )
    if signer:
        lines.append(f"Người ký: {signer}")
    lines.append("")
    depth = {s.number: s.number.count(".") for s in draft.sections}
    tasks_by_section: dict[str, list[TaskDraft]] = {}
    for task in draft.tasks:
        tasks_by_section.setdefault(task.section, []).append(task)
    printed: set[str] = set()
    for section in draft.sections:
        indent = "  " * depth[section.number]
        count = len(tasks_by_section.get(section.number, []))
        suffix = f"  ({count} nhiệm vụ)" if count else ""
        lines.append(
            f"{indent}{section.number}. {textwrap.shorten(section.title, 100, placeholder=' …')}{suffix}"
        )
        for task in tasks_by_section.get(section.number, []):
            lines.extend(_task_lines(task, indent + "  "))
        printed.add(section.number)
    for number, tasks in tasks_by_section.items():
        if number not in printed:
            for task in tasks:
                lines.extend(_task_lines(task, ""))
    lines.append("")
    lines.append(
        f"Tổng cộng: {len(draft.sections)} mục, {len(draft.tasks)} nhiệm vụ, "
        f"{len(draft.references)} văn bản được dẫn."
    )
    if draft.recipients:
        lines.append(f"Nơi nhận: {len(draft.recipients)} mục.")
    if draft.warnings:
        lines.append(f"Cảnh báo ({len(draft.warnings)}):")
        for warning in draft.warnings:
            where = f"dòng {warning.line}" if warning.line else "văn bản"
            lines.append(f"  {where}: {warning.message}")
    return "\n".join(lines) + "\n"
