"""Nhập chương trình: send a document, check and correct what the parser read, confirm. The
same service as the web page and ``theodoi import`` (``theodoi.programs.drafts``).

``POST /api/imports`` (multipart: the file in ``document``, .docx, .pdf, .md or .txt, read by
its content; optionally the options of ``theodoi import``: ``number``, ``amends``, ``parent``,
``parent_task``) keeps the upload for its sender, for a day, and answers the preview
(``ImportPreview``): the draft as corrected so far (``draft``, the JSON contract of ``theodoi
parse``; a body created in the draft has the id ``new:CODE`` until it is confirmed), its
tasks as they will be stored with the dates they will owe and what to check, the names the
registry does not know with the decisions taken, what confirming would do, and the
corrections made. Nothing is tracked yet.

``POST /api/imports/{id}/corrections`` applies one correction (``{"op": ..., ...}``, the ops
of ``drafts.correct``) and answers the preview again; ``POST /api/imports/{id}/confirm``
imports the draft as corrected, in one transaction, and answers the import summary;
``DELETE /api/imports/{id}`` drops it. Anyone else's upload, or one past its day, is 404. The
office and administrators only (IMPORT_PROGRAM), asked before anything else.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Body, File, Form, Router
from ninja.errors import HttpError
from ninja.files import UploadedFile
from ninja.responses import Status as Answer

from theodoi.parsing.readers import SUPPORTED
from theodoi.programs import drafts
from theodoi.programs.drafts import SUFFIXES, DraftError, max_bytes
from theodoi.programs.models import PendingImport
from theodoi.tracking.policy import Action, check, refusal

from ..report_schemas import (
    ImportConfirm,
    ImportCorrected,
    ImportCorrection,
    ImportPreview,
    ImportResult,
    ImportUploadOptions,
)
from ..schemas import InvalidInput, Problem

router = Router(tags=["imports"])

ERRORS = {403: Problem, 404: Problem, 413: Problem, 422: InvalidInput}
_EXECUTABLES = (b"MZ", b"\x7fELF", b"\xcf\xfa\xed\xfe", b"\xfe\xed\xfa\xcf", b"#!")
_UTF16 = (b"\xff\xfe", b"\xfe\xff")
_INTERNAL = ("unknown", "fragment")  # the service's bookkeeping on a draft's assignments


def _gone() -> HttpError:
    return HttpError(
        404, _("Tệp tải lên không còn (đã nhập, đã hủy hoặc đã quá hạn); hãy tải lên lại.")
    )


def _own_upload(request: HttpRequest, pending_id: str) -> PendingImport:
    """The caller's upload still waiting for confirmation (asking the policy first); 404 for
    anyone else's, or one imported, cancelled or expired."""
    check(request.user, Action.IMPORT_PROGRAM)
    item = drafts.pending_for(user=request.user, token=pending_id)
    if item is None:
        raise _gone()
    return item


def _draft(data: dict[str, Any]) -> dict[str, Any]:
    """The corrected draft in the parser's contract: names marked "not a body" dropped, and
    the service's bookkeeping on the others left out."""
    tasks = [
        {
            **task,
            "assignments": [
                {key: value for key, value in entry.items() if key not in _INTERNAL}
                for entry in task["assignments"]
                if not entry.get("fragment")
            ],
        }
        for task in data["tasks"]
    ]
    return {**data, "tasks": tasks}


def _task(view: drafts.TaskView) -> dict[str, Any]:
    return {
        "id": view.id,
        "section": view.section,
        "section_title": view.section_title,
        "text": view.text,
        "sentences": drafts.sentences(view.text),
        "bodies": view.bodies,
        "time_text": view.time_text,
        "time_kind": view.time_kind,
        "periods": view.periods,
        "review": view.review,
    }


def _preview(item: PendingImport) -> dict[str, Any]:
    data = item.draft
    effect = drafts.impact(item)
    existing = effect.existing
    return {
        "id": item.token,
        "name": item.name,
        "expires_at": item.expires_at,
        "options": {key: item.options.get(key) or "" for key in drafts.OPTIONS},
        "draft": _draft(data),
        "warnings": data.get("warnings") or [],
        "sections": len(data.get("sections") or []),
        "tasks": [_task(view) for view in drafts.task_views(item)],
        "unknown_names": drafts.unknown_names(item),
        "impact": {
            "number": effect.number,
            "existing": (
                {"id": existing.pk, "number": existing.number, "title": existing.title}
                if existing is not None
                else None
            ),
            "unchanged": effect.unchanged,
            "tasks": effect.tasks,
            "periods": effect.periods,
            "added": effect.added,
            "removed": effect.removed,
            "changed": effect.changed,
            "error": effect.error,
        },
        "corrections": item.corrections,
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
def upload(
    request: HttpRequest,
    document: File[UploadedFile],
    options: Form[ImportUploadOptions],
):
    """Send a program document (and, if known, the options of ``theodoi import``); answers
    what the parser read, ready to check and correct, and the id to go on with."""
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
    try:
        item = drafts.receive(
            user=request.user, name=name, chunks=document.chunks(), options=options.dict()
        )
    except DraftError as exc:
        raise HttpError(422, str(exc)) from None
    why = refusal(request.user, Action.IMPORT_PROGRAM, drafts.affected_program(item))
    if why is not None:  # said at once, not after the office has corrected it all
        drafts.cancel(user=request.user, pending=item)
        raise PermissionDenied(why)
    return Answer(201, _preview(item))


@router.get("/{pending_id}", response={200: ImportPreview, **ERRORS})
def preview(request: HttpRequest, pending_id: str):
    """An upload not yet confirmed, as corrected so far."""
    return _preview(_own_upload(request, pending_id))


@router.delete("/{pending_id}", response={204: None, **ERRORS})
def cancel(request: HttpRequest, pending_id: str):
    """Drop an upload without importing it."""
    item = _own_upload(request, pending_id)
    drafts.cancel(user=request.user, pending=item)
    return Answer(204, None)


@router.post("/{pending_id}/corrections", response={200: ImportCorrected, **ERRORS})
def correct(request: HttpRequest, pending_id: str, payload: Body[ImportCorrection]):
    """One correction of the draft, saved at once and listed with the others: a task's
    ``text``, ``section`` or ``time`` (as a document writes it), its ``lead``, a body added
    (``add_body``), removed (``remove_body``) or given other ``roles``; tasks merged
    (``merge``), split (``split``), removed (``remove``) or added (``add``); a name the
    registry does not know mapped to a body (``map``), made a new body (``create``), marked
    not a body (``fragment``) or left undecided again (``undecide``). Answers the preview
    and the tasks changed (``shown``); a correction that cannot be made is 422, and nothing
    is changed."""
    item = _own_upload(request, pending_id)
    values = payload.dict()
    op = values.pop("op")
    try:
        shown = drafts.correct(user=request.user, pending=item, op=op, **values)
    except DraftError as exc:
        raise HttpError(422, str(exc)) from None
    item.refresh_from_db()
    return {**_preview(item), "shown": shown}


@router.post("/{pending_id}/confirm", response={200: ImportResult, **ERRORS})
def confirm(request: HttpRequest, pending_id: str, payload: ImportConfirm):
    """Import the upload as corrected, as ``theodoi import`` does: a new program, a new
    version of the program it amends, or nothing when the same text was imported before;
    with the bodies the office created and the names it asked to remember. A lower-level
    program (``parent``) is linked to the parent's tasks (``links``: the person's choices).
    All or nothing; the upload is kept, as it was, when the import is refused, so it can be
    confirmed again with other options."""
    item = _own_upload(request, pending_id)
    given = payload.dict()
    links = given.pop("links") or None
    options = {key: item.options.get(key) or "" for key in drafts.OPTIONS}
    options.update({key: value.strip() for key, value in given.items() if value is not None})
    if options["parent_task"] and not options["parent"]:
        raise HttpError(422, _("Ghi chương trình cấp trên (parent) trước khi ghi nhiệm vụ."))
    if links and not options["parent"]:
        raise HttpError(422, _("Gắn nhiệm vụ cấp trên (links) cần chương trình cấp trên (parent)."))
    try:
        with transaction.atomic():  # the options go back as they were if the import fails
            if options != item.options:
                PendingImport.objects.filter(pk=item.pk).update(options=options)
                item.options = options
            # the program it writes into is the caller's committee's (or below it)
            check(request.user, Action.IMPORT_PROGRAM, drafts.affected_program(item))
            done = drafts.confirm(user=request.user, pending=item, links=links)
    except DraftError as exc:
        raise HttpError(422, str(exc)) from None
    summary = done.summary
    return {
        "program_id": done.program.pk,
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
        "created": [body.code for body in done.created],
        "aliases": done.aliases,
    }
