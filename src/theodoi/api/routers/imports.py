"""Nhập chương trình: send a document, read what the parser made of it, then confirm.

``POST /api/imports/`` (multipart field ``document``: .docx, .pdf, .md or .txt, read by its
content) answers the parse result (``draft``: the JSON contract of ``theodoi parse``), its
warnings and an ``id``; nothing is stored in the database. ``POST /api/imports/{id}/confirm``
imports it with the options of ``theodoi import`` (``number``, ``amends``, ``parent``,
``parent_task``) in one transaction and answers the import summary. An upload belongs to the
person who sent it and lasts a day (``theodoi.api.pending``): anyone else's, or an older one,
is 404. The office and administrators only (IMPORT_PROGRAM).
"""

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status as Answer

from theodoi.orgs.registry import registry_from_database
from theodoi.parsing import ParseError, parse_file
from theodoi.parsing.readers import SUPPORTED
from theodoi.parsing.registry import RegistryError
from theodoi.programs.importer import ProgramImportError, import_program
from theodoi.programs.lineage import LineageError, link_lower_program
from theodoi.programs.models import Program, ProgramVersion
from theodoi.tracking.policy import Action, check
from theodoi.web.views.importing import SUFFIXES, max_bytes

from .. import pending
from ..report_schemas import ImportConfirm, ImportPreview, ImportResult
from ..schemas import InvalidInput, Problem

router = Router(tags=["imports"])

ERRORS = {403: Problem, 404: Problem, 413: Problem, 422: InvalidInput}
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")
_UTF16 = (b"\xff\xfe", b"\xfe\xff")


def _gone() -> HttpError:
    return HttpError(
        404, _("Tệp tải lên không còn (đã nhập, đã hủy hoặc đã quá hạn); hãy tải lên lại.")
    )


def _own_upload(request: HttpRequest, pending_id: str) -> pending.Pending:
    """The caller's upload still waiting for confirmation (asking the policy first); 404 for
    anyone else's, or one imported, cancelled or expired."""
    check(request.user, Action.IMPORT_PROGRAM)
    item = pending.find(pending_id, owner_id=request.user.pk)
    if item is None:
        raise _gone()
    return item


def _preview(item: pending.Pending):
    """Parse the kept file; a 422 with the parser's message (and the file removed) when it
    cannot be read."""
    try:
        draft = parse_file(item.path, registry=registry_from_database())
    except ParseError as exc:
        pending.forget(item)
        raise HttpError(422, f"{item.name}: {exc}") from None
    data = draft.to_dict()
    return {
        "id": item.id,
        "name": item.name,
        "expires_at": item.expires_at,
        "draft": data,
        "warnings": data["warnings"],
        "sections": len(draft.sections),
        "tasks": len(draft.tasks),
    }


def _checked_content(head: bytes, suffix: str, name: str) -> None:
    """A program is a document: a program that runs, or binary bytes named .txt, is not."""
    binary_text = suffix in (".md", ".markdown", ".txt") and (
        b"\x00" in head and not head.startswith(_UTF16)
    )
    if head.startswith(_EXECUTABLES) or binary_text:
        raise HttpError(
            422,
            _("%(name)s: nội dung không phải văn bản chương trình (hỗ trợ %(supported)s).")
            % {"name": name, "supported": SUPPORTED},
        )


@router.post("", response={201: ImportPreview, **ERRORS})
def upload(request: HttpRequest, document: File[UploadedFile]):
    """Send a program document; answers what the parser read and the id to confirm with."""
    check(request.user, Action.IMPORT_PROGRAM)
    name = (document.name or "").replace("\\", "/").rsplit("/", 1)[-1][:255]
    suffix = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if suffix not in SUFFIXES:
        raise HttpError(
            422,
            _("%(name)s: định dạng không hỗ trợ: %(suffix)s (hỗ trợ %(supported)s)")
            % {"name": name, "suffix": suffix or _("không có đuôi tệp"), "supported": SUPPORTED},
        )
    limit = max_bytes()
    if document.size is not None and document.size > limit:
        raise HttpError(
            413,
            _("%(name)s: tệp quá lớn (%(size)s MB); giới hạn %(limit)s MB.")
            % {
                "name": name,
                "size": f"{document.size / 1048576:.1f}",
                "limit": f"{limit / 1048576:g}",
            },
        )
    document.seek(0)
    _checked_content(document.read(4096), suffix, name)
    document.seek(0)
    item = pending.keep(
        owner_id=request.user.pk, name=name, suffix=suffix, chunks=document.chunks()
    )
    return Answer(201, _preview(item))


@router.get("/{pending_id}", response={200: ImportPreview, **ERRORS})
def preview(request: HttpRequest, pending_id: str):
    """The parse result of an upload not yet confirmed, again."""
    item = _own_upload(request, pending_id)
    return _preview(item)


@router.delete("/{pending_id}", response={204: None, **ERRORS})
def cancel(request: HttpRequest, pending_id: str):
    """Drop an upload without importing it."""
    item = _own_upload(request, pending_id)
    pending.forget(item)
    return Answer(204, None)


@router.post("/{pending_id}/confirm", response={200: ImportResult, **ERRORS})
def confirm(request: HttpRequest, pending_id: str, payload: ImportConfirm):
    """Import the upload, as ``theodoi import`` does: a new program, a new version of the
    program it amends, or nothing when the same text was imported before. A lower-level
    program (``parent``) is linked to the parent's tasks. All or nothing; the upload is kept
    when the import is refused, so it can be confirmed again with other options."""
    item = _own_upload(request, pending_id)
    options = {key: (value or "").strip() or None for key, value in payload.dict().items()}
    if options["parent_task"] and not options["parent"]:
        raise HttpError(422, _("Ghi chương trình cấp trên (parent) trước khi ghi nhiệm vụ."))
    try:
        with transaction.atomic():
            summary = import_program(path=item.path, **options)
            program = Program.objects.get(number=summary.program)
            if not summary.unchanged:
                ProgramVersion.objects.filter(program=program, number=summary.version).update(
                    source_name=item.name[:400]
                )
            if program.parent_program_id is not None:
                link_lower_program(program=program)
    except (ParseError, ProgramImportError, RegistryError, LineageError) as exc:
        raise HttpError(422, f"{item.name}: {exc}") from None
    pending.forget(item)
    return {
        "program_id": program.pk,
        "program": summary.program,
        "version": summary.version,
        "number_derived": summary.number_derived,
        "unchanged": summary.unchanged,
        "sections": summary.sections,
        "tasks": summary.tasks,
        "assignments": summary.assignments,
        "occurrences": summary.occurrences,
        "unresolved": summary.unresolved,
        "warnings": summary.warnings,
        "added": summary.added,
        "removed": summary.removed,
        "changed": summary.changed,
    }
