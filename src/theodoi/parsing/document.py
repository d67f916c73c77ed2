"""From blocks to a ProgramDraft: split header, body and closing, then read the body."""

from __future__ import annotations

from .blocks import Block, Paragraph, Table
from .frontmatter import (
    attached_start,
    is_closing_start,
    is_kind_line,
    read_attached,
    read_closing,
    read_header,
    repeated_header_start,
)
from .model import ProgramDraft, Reference
from .outline import build_outline, heading
from .references import find_references
from .registry import Registry, registry_for
from .tasks import TaskBuilder


def parse_blocks(blocks: list[Block], registry: Registry | None = None) -> ProgramDraft:
    """Read a program from a reader's blocks. Never raises on odd content: what cannot be
    placed becomes a warning with its line. Without ``registry``, the issuer's decides
    (registry_for)."""
    draft = ProgramDraft()
    decision, decision_closing, blocks_read = _split_attached(blocks)
    body, closing = _split_closing(blocks_read)
    root = build_outline(body)
    adopted_by: Reference | None = None
    if decision is None:
        read_header(root.items, draft, registry_for(None, registry))
    else:
        # The decision gives number, date, issuer and signature (the plan is cited by the
        # decision's number and date); the attached plan, which is the document tracked,
        # gives kind, title and preamble. The decision itself is kept as a reference.
        read_header(decision, draft, registry_for(None, registry))
        if draft.number:
            kind = draft.kind or "Quyết định"
            written = f"{kind} số {draft.number}"
            if draft.date:
                written += f" ngày {draft.date.day:02d}/{draft.date.month:02d}/{draft.date.year}"
            adopted_by = Reference(written, kind, draft.number, draft.date)
        read_attached(root.items, draft)
    registry = registry_for(draft.issuer, registry)
    root.items = []
    read_closing(decision_closing + closing, draft, registry)
    TaskBuilder(draft, registry).build(root)
    draft.references = _references(blocks)
    if adopted_by and not any(r.number == adopted_by.number for r in draft.references):
        draft.references.insert(0, adopted_by)
    if not draft.tasks:
        draft.warn(None, "Không tìm thấy nhiệm vụ nào trong văn bản.")
    return draft


def _split_attached(
    blocks: list[Block],
) -> tuple[list[Block] | None, list[Block], list[Block]]:
    """(decision, its closing, the attached document) for a decision that adopts a plan
    ("Điều 1. Ban hành kèm theo Quyết định này Kế hoạch ..."), whose articles are never
    tasks; or (None, [], blocks) for a document that stands alone. The attached document
    starts at a type-name line after the decision's own ("QUYẾT ĐỊNH") or its closing."""
    closing_at: int | None = None
    seen_kind = False
    for index, block in enumerate(blocks):
        if closing_at is None and is_closing_start(block):
            closing_at = index
            continue
        if not isinstance(block, Paragraph):
            continue
        if (seen_kind or closing_at is not None) and attached_start(
            blocks, index, closing_at is not None, heading
        ):
            end = closing_at if closing_at is not None else index
            # A plan that repeats its decision's header starts at that header.
            start = repeated_header_start(blocks, end + 1, index)
            return blocks[:end], blocks[end:start], blocks[start:]
        seen_kind = seen_kind or is_kind_line(block)
    return None, [], blocks


def _split_closing(blocks: list[Block]) -> tuple[list[Block], list[Block]]:
    """The closing runs from "Nơi nhận" or the signature to the end, except an appendix
    heading after it ("Phụ lục ...") starts the body again."""
    body: list[Block] = []
    closing: list[Block] = []
    in_closing = False
    for block in blocks:
        if not in_closing and is_closing_start(block):
            in_closing = True
        elif in_closing and isinstance(block, Paragraph):
            found = heading(block)
            if found and found[3] == "appendix":
                in_closing = False
        (closing if in_closing else body).append(block)
    return body, closing


def _references(blocks: list[Block]) -> list:
    seen: dict[str, object] = {}
    for block in blocks:
        texts = [block.text] if isinstance(block, Paragraph) else [c for r in block.rows for c in r]
        for text in texts:
            if "/" not in text:  # every document number has one: 05-CT/TU, 123/KH-UBND
                continue
            for reference in find_references(text):
                key = reference.number or reference.text
                known = seen.get(key)
                if known is None or (known.date is None and reference.date is not None):
                    seen[key] = reference
    return list(seen.values())


__all__ = ["Table", "parse_blocks"]
