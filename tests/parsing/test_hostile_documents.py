"""Hostile documents are read within bounds (parsing.readers.limits): each bound refuses its
hostile file with a message that names the bound and what to do, and the refusal comes
before the expansion (asserted on what is read: bytes expanded, pages interpreted, memory
allocated, never on time). An ordinary document reads as before.

The hostile files are built here, small on disk: a zip bomb, a zip of too many parts, a
part compressed too tightly, XML too large or too deep, a DOCTYPE with entities, a PDF of too
many pages, streams that inflate (Flate, RunLength), a page of too many objects or
instructions, a scan too long for OCR. bench/hostile_documents.py builds the same kinds at
full size (with these builders) and measures time and memory.
"""

from __future__ import annotations

import io
import os
import random
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

import pytest

from theodoi.parsing import parse_file
from theodoi.parsing.blocks import ParseError
from theodoi.parsing.readers import BoundError, Limits, read_docx, read_file, read_pdf, read_text

from .builders import pdf_file

CORPUS_DOCX = Path(__file__).resolve().parent.parent / "data" / "corpus" / "docx"

# --------------------------------------------------------------------------- builders

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_PACKAGE_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCUMENT_HEAD = (
    f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{W_NS}">'
    "<w:body>"
).encode()
DOCUMENT_TAIL = b"</w:body></w:document>"
PARAGRAPH = b"<w:p><w:r><w:t>Ban Tuy\xc3\xaan gi\xc3\xa1o T\xe1\xbb\x89nh \xe1\xbb\xa7y ch\xe1\xbb\xa7 tr\xc3\xac</w:t></w:r></w:p>"


def docx(
    body: Iterable[bytes] = (PARAGRAPH,),
    *,
    head: bytes = DOCUMENT_HEAD,
    tail: bytes = DOCUMENT_TAIL,
    extra: int = 0,
    level: int = 9,
) -> bytes:
    """A minimal Word package whose word/document.xml is ``head``, the pieces of ``body`` and
    ``tail``, streamed into the zip (so a 100 MB part never sits in memory), deflated at
    ``level``; ``extra`` empty parts besides."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as package:
        package.writestr("[Content_Types].xml", _CONTENT_TYPES)
        package.writestr("_rels/.rels", _PACKAGE_RELS)
        with package.open("word/document.xml", "w", force_zip64=True) as part:
            part.write(head)
            for piece in body:
                part.write(piece)
            part.write(tail)
        for number in range(extra):
            package.writestr(f"customXml/item{number}.xml", b"")
    return buffer.getvalue()


def repeated(piece: bytes, size: int) -> Iterable[bytes]:
    """``piece`` repeated to about ``size`` bytes, in pieces of about 1 MB."""
    block = piece * max(1, (1 << 20) // len(piece))
    for _ in range(max(1, size // len(block))):
        yield block


def numbered_paragraphs(count: int) -> Iterable[bytes]:
    """``count`` paragraphs that differ (a number each), so they do not compress too well."""
    for start in range(0, count, 1000):
        yield b"".join(
            b"<w:p><w:r><w:t>%d. Nhi\xe1\xbb\x87m v\xe1\xbb\xa5 %d</w:t></w:r></w:p>"
            % (n, n * 7919)
            for n in range(start, min(count, start + 1000))
        )


def nested_tables(depth: int) -> bytes:
    """A table in a cell of a table ... ``depth`` times (three elements a level)."""
    opening = b"<w:tbl><w:tr><w:tc>" * depth
    closing = b"<w:p/></w:tc></w:tr></w:tbl>" * depth
    return opening + b"<w:p><w:r><w:t>s\xc3\xa2u</w:t></w:r></w:p>" + closing


def pdf(pages: list[list[bytes]], *, images: bool = False) -> bytes:
    """A PDF written by hand: one entry a page, each a list of content streams given as
    (filter name or b"", raw stream bytes) already encoded; Helvetica as /F1."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b""]
    font = len(objects) + 1
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for streams in pages:
        refs = []
        for filter_name, data in streams:
            refs.append(len(objects) + 1)
            declared = b" /Filter /" + filter_name if filter_name else b""
            objects.append(
                b"<< /Length %d%s >>\nstream\n%s\nendstream" % (len(data), declared, data)
            )
        contents = b" ".join(b"%d 0 R" % ref for ref in refs)
        kids.append(len(objects) + 1)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents [%s] "
            b"/Resources << /Font << /F1 %d 0 R >> >> >>" % (contents, font)
        )
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids),
        len(kids),
    )
    return pdf_file(objects)


def text_page(lines: int = 40, width: int = 90) -> list[bytes]:
    """One page of ordinary text (``lines`` lines of ``width`` characters), deflated."""
    rows = []
    for number in range(lines):
        words = " ".join(f"viec{(number * 31 + i) % 97}" for i in range(width // 7))
        rows.append(b"BT /F1 9 Tf 40 %d Td (%s) Tj ET" % (800 - 18 * number, words.encode()))
    return [(b"FlateDecode", zlib.compress(b"\n".join(rows), 9))]


def deflated(content: bytes) -> list[tuple[bytes, bytes]]:
    return [(b"FlateDecode", zlib.compress(content, 9))]


def run_length(size: int) -> bytes:
    """RunLengthDecode data that expands to ``size`` spaces: 2 bytes for every 128."""
    return b"\x81 " * (size // 128) + b"\x80"


def scanned(pages: int, *, written: bool = False) -> bytes:
    """An image-only PDF (what a scanner gives) of ``pages`` A4 pages, small and blank or, if
    ``written``, at 250 dpi with lines of text for OCR to read (seconds a page)."""
    from PIL import Image, ImageDraw

    size = (2067, 2923) if written else (200, 283)
    images = [Image.new("L", size, 255) for _ in range(pages)]
    for image in images if written else []:
        draw = ImageDraw.Draw(image)
        for line in range(60):
            draw.text((150, 150 + 45 * line), f"Nhiem vu {line}: So Noi vu chu tri.", fill=0)
    buffer = io.BytesIO()
    images[0].save(buffer, format="PDF", save_all=True, append_images=images[1:])
    return buffer.getvalue()


# --------------------------------------------------------------------------- spies


@pytest.fixture
def expanded(monkeypatch):
    """The bytes zipfile hands out of the package's members while the test reads (what was
    expanded), counted around the real ZipExtFile.read."""
    counted = [0]
    real = zipfile.ZipExtFile.read

    def read(self, n=-1):
        data = real(self, n)
        counted[0] += len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    return counted


@pytest.fixture
def interpreted(monkeypatch):
    """The PDF pages whose content pdfminer interpreted (a list of page objects)."""
    from pdfminer.pdfinterp import PDFPageInterpreter

    pages = []
    real = PDFPageInterpreter.process_page

    def process_page(self, page):
        pages.append(page)
        return real(self, page)

    monkeypatch.setattr(PDFPageInterpreter, "process_page", process_page)
    return pages


def peak_allocated(read, *args, **kwargs) -> tuple[BaseException | None, int]:
    """(the error ``read`` raised, or None; the peak bytes Python allocated meanwhile)."""
    tracemalloc.start()
    try:
        read(*args, **kwargs)
        error = None
    except ParseError as exc:
        error = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return error, peak


def refused(bound: str, read, *args, **kwargs) -> str:
    """The message of the BoundError ``read`` raises for ``bound``; it names the setting
    that raises the bound and stays one line."""
    with pytest.raises(BoundError) as caught:
        read(*args, **kwargs)
    assert caught.value.bound == bound
    message = str(caught.value)
    assert f"THEODOI_IMPORT_MAX_{bound.upper()}" in message
    assert "\n" not in message and "Traceback" not in message
    return message


MB = 1 << 20

# --------------------------------------------------------------------------- .docx


def test_a_zip_bomb_is_refused_from_its_directory_before_anything_is_expanded(expanded):
    """The finding: a few hundred KB that expand to 100 MB of XML (33 s and 1.35 GB before)."""
    bomb = docx(repeated(PARAGRAPH, 100 * MB))
    assert len(bomb) < 1 * MB
    message = refused("unpacked_mb", read_docx, bomb)
    assert message.startswith("tệp .docx giải nén ra hơn 60 MB (")
    assert expanded[0] == 0


def test_too_many_parts_are_refused_before_the_directory_is_read(expanded, monkeypatch):
    many = docx(extra=1000)
    read_directory = []
    real = zipfile.ZipFile._RealGetContents
    monkeypatch.setattr(
        zipfile.ZipFile, "_RealGetContents", lambda self: read_directory.append(1) or real(self)
    )
    message = refused("members", read_docx, many)
    assert "tệp .docx có 1.003 phần, quá giới hạn 1.000 phần" in message
    assert read_directory == [] and expanded[0] == 0
    # a smaller bound refuses an ordinary package (python-docx's has 17 parts) the same way
    ordinary = (CORPUS_DOCX / "01-laichau-7360-kh-ubnd-luat-tieu-chuan.docx").read_bytes()
    assert "có 17 phần, quá giới hạn 10 phần" in refused(
        "members", read_docx, ordinary, limits=Limits(members=10)
    )


def test_a_part_compressed_too_tightly_is_refused_before_it_is_expanded(expanded):
    tight = docx(repeated(PARAGRAPH, 8 * MB))  # 8 MB: under 60 MB, but some 500 times smaller
    message = refused("ratio", read_docx, tight)
    assert message.startswith("phần word/document.xml của tệp .docx nén chặt hơn 100 lần")
    assert expanded[0] < 1024  # the package's relationships (which part is the document)


def test_too_many_xml_elements_are_refused_as_they_are_read(expanded):
    pieces = list(numbered_paragraphs(300_000))  # 900,000 elements, 19 MB of XML
    many = docx(pieces, level=6)
    assert len(many) < 4 * MB
    message = refused("xml_nodes", read_docx, many)
    assert message.startswith("tệp .docx có hơn 800.000 phần tử và thuộc tính XML")
    assert expanded[0] < 0.95 * sum(map(len, pieces))  # stopped on the way
    expanded[0] = 0
    small = Limits(xml_nodes=999)
    refused("xml_nodes", read_docx, docx(numbered_paragraphs(70_000)), limits=small)
    assert expanded[0] <= 1024 + MB  # the relationships, and the first of the part's 3 MB


def test_attributes_count_as_xml_nodes():
    """An attribute costs lxml about as much as an element (a 19 MB file of attributes took
    927 MB): 50 elements of 40 attributes pass a bound of 1,000 nodes."""
    attributes = b"<w:p %s/>" % b" ".join(b'a%d="%d"' % (n, n) for n in range(40))
    refused("xml_nodes", read_docx, docx([attributes * 50]), limits=Limits(xml_nodes=1_000))
    with pytest.raises(ParseError, match="không có nội dung"):  # under the bound: read, empty
        read_docx(docx([attributes * 20]), limits=Limits(xml_nodes=1_000))


@pytest.mark.parametrize("depth", [40, 1000])  # 1000: past libxml2's own limit (256) too
def test_xml_nested_too_deep_is_refused(depth, expanded):
    deep = docx([nested_tables(depth)])
    message = refused("xml_depth", read_docx, deep)
    assert "lồng nhau quá 100 tầng" in message
    assert expanded[0] <= 64 * 1024


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_doctype_is_refused_before_its_entities_are_read(encoding, expanded):
    """The billion laughs (entities of entities) and an external entity (a file of the
    server): refused at the DOCTYPE, which Word never writes; nothing is expanded or read."""
    laughs = "".join(
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10 if n else "lol"}">' for n in range(10)
    )
    for doctype in (laughs, '<!ENTITY secret SYSTEM "file:///etc/passwd">'):
        name = "lol9" if doctype is laughs else "secret"
        xml = (
            f'<?xml version="1.0" encoding="{encoding.upper()}"?>\n<!DOCTYPE w:document '
            f'[{doctype}]><w:document xmlns:w="{W_NS}"><w:body><w:p><w:r><w:t>&{name};'
            "</w:t></w:r></w:p></w:body></w:document>"
        ).encode(encoding)
        with pytest.raises(ParseError) as caught:
            read_docx(docx([xml], head=b"", tail=b""))
        assert "có khai báo DOCTYPE" in str(caught.value)
        assert "lollol" not in str(caught.value) and "root:" not in str(caught.value)
    assert expanded[0] < 16 * 1024  # the two small parts themselves, nothing more


def test_an_ordinary_document_reads_as_python_docx_read_it():
    """The corpus's Word files give the very blocks they gave when python-docx opened the
    package: the same tree reaches the same reader."""
    import docx as python_docx
    from docx.opc.constants import RELATIONSHIP_TYPE as RT

    from theodoi.parsing.readers.clean import assemble
    from theodoi.parsing.readers.docx import Numbering, _Reader
    from theodoi.parsing.readers.limits import Reading

    files = sorted(CORPUS_DOCX.glob("*.docx"))
    assert len(files) == 14
    for path in files:
        document = python_docx.Document(str(path))
        parts = []
        for rel in (RT.NUMBERING, RT.STYLES):
            try:
                parts.append(document.part.part_related_by(rel).element)
            except KeyError:
                parts.append(None)
        reader = _Reader(Numbering(*parts), Reading(Limits()))
        reader.body(document.element.body)
        assert read_file(path) == assemble(reader.items), path.name


def test_the_bounds_do_not_change_what_an_ordinary_document_says():
    path = CORPUS_DOCX / "12-cantho-153-kh-ubnd-ma-tuy.docx"
    generous = Limits(unpacked_mb=10_000, xml_nodes=10**8, xml_depth=250, seconds=3600)
    assert parse_file(path).to_dict() == parse_file(path, limits=generous).to_dict()
    assert len(parse_file(path).tasks) == 44


# --------------------------------------------------------------------------- PDF


def test_too_many_pages_are_refused_before_any_is_read(interpreted):
    many = pdf([deflated(b"BT /F1 9 Tf 40 800 Td (trang) Tj ET")] * 501)
    assert len(many) < 200_000
    message = refused("pages", read_pdf, many)
    assert message.startswith("tệp PDF có hơn 500 trang")
    assert interpreted == []
    assert read_pdf(pdf([text_page()] * 3), limits=Limits(pages=3))  # at the bound: read


def test_a_stream_that_inflates_past_the_bound_is_refused_without_being_expanded():
    bomb = pdf([deflated(b" " * (40 * MB))])  # 40 KB on disk
    assert len(bomb) < 100_000
    error, peak = peak_allocated(read_pdf, bomb, limits=Limits(unpacked_mb=1))
    assert isinstance(error, BoundError) and error.bound == "unpacked_mb"
    assert str(error).startswith("tệp PDF giải nén ra hơn 1 MB")
    assert peak < 8 * MB  # the 40 MB were never made


def test_run_length_streams_count_too():
    bomb = pdf([[(b"RunLengthDecode", run_length(20 * MB))]])  # 2 bytes stand for 128
    error, peak = peak_allocated(read_pdf, bomb, limits=Limits(unpacked_mb=1))
    assert isinstance(error, BoundError) and error.bound == "unpacked_mb"
    assert peak < 8 * MB


def test_the_bounded_stream_filters_decode_as_pdfminer_does():
    """Flate, LZW and RunLength, replaced in pdfminer by bounded versions, give pdfminer's
    own output for valid data, and zlib's error for a stream cut short."""
    from pdfminer.lzw import lzwdecode
    from pdfminer.runlength import rldecode

    from theodoi.parsing.readers import pdfbounds
    from theodoi.parsing.readers.limits import Reading

    rng = random.Random(18)
    with pdfbounds.decoding(Limits(), Reading(Limits())):
        for _ in range(20):
            data = bytes(rng.choices(b"ab \n", k=rng.randint(0, 700_000)))
            assert pdfbounds._inflate(zlib.compress(data)) == data
            encoded = bytearray()
            for _ in range(rng.randint(0, 3000)):
                if rng.random() < 0.5:  # a run: one byte repeated 2 to 128 times
                    encoded += bytes([rng.randint(129, 255), rng.randrange(256)])
                else:  # 1 to 128 bytes as they are
                    literal = rng.randint(1, 128)
                    encoded += bytes([literal - 1]) + rng.randbytes(literal)
            encoded += b"\x80"
            assert pdfbounds._run_length(bytes(encoded)) == rldecode(bytes(encoded))
        lzw = bytes.fromhex("800b6050220c0c8501")  # the PDF Reference's example
        assert pdfbounds._lzw(lzw) == lzwdecode(lzw) == b"-----A---B"
        with pytest.raises(zlib.error):
            pdfbounds._inflate(zlib.compress(rng.randbytes(5000))[:-6])


def test_a_page_of_too_many_objects_is_refused_as_they_are_made():
    """100,000 characters on one page, 3 KB on disk (2 KB of memory each, 11 s before)."""
    crowded = pdf([deflated(b"BT /F1 1 Tf 0 0 Td (" + b"x" * 100_000 + b") Tj ET")])
    assert len(crowded) < 5_000
    message = refused("page_objects", read_pdf, crowded)
    assert message.startswith("trang 1 của tệp PDF có hơn 20.000 đối tượng")
    error, peak = peak_allocated(read_pdf, crowded, limits=Limits(page_objects=1_000))
    assert isinstance(error, BoundError) and error.bound == "page_objects"
    assert peak < 20 * MB  # 1,000 characters made, not 100,000
    saves = pdf([deflated(b"q " * 100_000)])  # each saved state is a copy, kept
    refused("page_objects", read_pdf, saves)


def test_a_page_of_too_many_instructions_is_refused_before_they_are_parsed():
    numbers = pdf([deflated(b"1 " * (3 * MB))])  # 6 MB of operands, no operator
    message = refused("content_mb", read_pdf, numbers)
    assert message.startswith("trang 1 của tệp PDF có hơn 4 MB lệnh vẽ")


def test_a_scan_too_long_for_ocr_is_refused_before_ocr(monkeypatch):
    from theodoi.parsing.readers import pdf as pdf_reader

    called = []
    real = pdf_reader.recognise
    monkeypatch.setattr(pdf_reader, "recognise", lambda *a, **k: called.append(1) or real(*a, **k))
    message = refused("ocr_pages", read_pdf, scanned(3), limits=Limits(ocr_pages=2))
    assert "(bản quét) với 3 trang, quá giới hạn nhận dạng chữ (OCR) 2 trang" in message
    assert called == []


def test_ocr_past_its_time_is_refused():
    from theodoi.parsing.readers import ocr

    if not ocr.available():
        pytest.fail("ocrmypdf and tesseract-ocr-vie are missing (see tests/parsing/test_ocr.py)")
    message = refused(
        "ocr_seconds", read_pdf, scanned(3, written=True), limits=Limits(ocr_seconds=1)
    )
    assert "nhận dạng chữ (OCR) quá 1 giây: hãy chia nhỏ tệp" in message


def test_reading_past_its_time_is_refused_on_the_way(interpreted):
    """Sixty ordinary pages take longer than a second: the read stops at the second."""
    long = pdf([text_page(lines=45, width=110)] * 60)
    message = refused("seconds", read_pdf, long, limits=Limits(seconds=1))
    assert message.startswith("đọc tệp quá 1 giây")
    assert 0 < len(interpreted) < 60


def test_an_ordinary_pdf_reads_as_pdfplumber_lays_it_out():
    """The bounded layout is pdfplumber's own: the same characters, in the same places."""
    import pdfplumber

    from theodoi.parsing.readers import pdfbounds
    from theodoi.parsing.readers.limits import Reading

    data = pdf([text_page(), text_page(lines=10)])
    with pdfplumber.open(io.BytesIO(data)) as plain, pdfplumber.open(io.BytesIO(data)) as ours:
        for mine, theirs in zip(ours.pages, plain.pages, strict=True):
            pdfbounds.layout(mine, Limits(), Reading(Limits()))
            assert mine.chars == theirs.chars and mine.rects == theirs.rects
    assert read_pdf(data)


def test_too_much_text_is_refused_in_every_format():
    """The parse after the read costs up to some 40 bytes of memory a character (long
    paragraphs scanned for body names): text past the bound is refused whatever its format."""
    message = refused("text_chars", read_text, "Nhiệm vụ. " * 200_001)
    assert message.startswith("văn bản dài hơn 2.000.000 ký tự")
    small = Limits(text_chars=10_000)
    refused("text_chars", read_docx, docx(numbered_paragraphs(2_000)), limits=small)
    refused("text_chars", read_pdf, pdf([text_page()] * 4), limits=small)
    assert read_docx(docx(numbered_paragraphs(200)), limits=small)  # 4,000 characters: read


def _assemble_by_concatenation(items):
    """readers.clean.assemble as it was: the paragraph's text joined again at every piece
    (n² for n pieces: minutes for a hostile file), kept here as what the new one must equal."""
    from theodoi.parsing.blocks import Paragraph, Table
    from theodoi.parsing.readers.clean import Piece, continues

    blocks, last, paragraph = [], None, Paragraph(text="", line=0)
    for item in items:
        if isinstance(item, Table):
            blocks.append(item)
            last = None
        elif not item.text:
            continue
        elif last is not None and continues(last, item):
            last.text = paragraph.text = f"{last.text} {item.text}"
            last.solid = item.solid
        else:
            last = Piece(item.text, item.line, item.bullet, item.solid, item.fixed)
            paragraph = Paragraph(text=item.text, line=item.line, bullet=item.bullet)
            blocks.append(paragraph)
    return blocks


def test_paragraphs_are_rejoined_as_before_in_one_pass():
    from theodoi.parsing.blocks import Table
    from theodoi.parsing.readers.clean import Piece, assemble

    texts = ["tiếp tục", "Sở Y tế", "HỘI NGHỊ", "2021", "xong.", "1. mục", "và", "", "a) việc"]
    rng = random.Random(18)
    for _ in range(2_000):
        items = [
            Table(rows=[["ô"]], line=n)
            if rng.random() < 0.05
            else Piece(
                rng.choice(texts),
                n,
                rng.choice([None, None, None, "-"]),
                rng.random() < 0.1,
                rng.random() < 0.1,
            )
            for n in range(rng.randint(0, 12))
        ]
        copies = [
            Piece(i.text, i.line, i.bullet, i.solid, i.fixed) if isinstance(i, Piece) else i
            for i in items
        ]
        assert assemble(items) == _assemble_by_concatenation(copies)
    many = [Piece("tiếp tục", n) for n in range(200_000)]  # one paragraph of 200,000 pieces
    [paragraph] = assemble(many)
    assert len(paragraph.text) == 200_000 * len("tiếp tục ") - 1


# --------------------------------------------------------------------------- the faces


def test_limits_are_whole_positive_numbers_and_known_names():
    with pytest.raises(ValueError, match="pages"):
        Limits(pages=0)
    with pytest.raises(ValueError, match="page"):
        Limits.from_settings({"page": 3})
    assert Limits.from_settings({"pages": 3}) == Limits(pages=3)


@pytest.mark.django_db
def test_an_upload_is_read_within_the_settings_bounds(settings):
    """drafts.receive (the web page's, the API's and `theodoi import`'s upload) reads with the
    bounds of THEODOI_IMPORT_LIMITS, and answers with the file's name and the bound's message."""
    from django.contrib.auth import get_user_model

    from theodoi.programs import drafts

    user = get_user_model().objects.create_user("vanphong", password="mat-khau-thu")
    three = pdf([text_page()] * 3)
    settings.THEODOI_IMPORT_LIMITS = {"pages": 2}
    with pytest.raises(drafts.DraftError) as caught:
        drafts.receive(user=user, name="ke-hoach.pdf", chunks=[three])
    assert str(caught.value).startswith("ke-hoach.pdf: tệp PDF có hơn 2 trang")
    assert "THEODOI_IMPORT_MAX_PAGES" in str(caught.value)


def test_theodoi_parse_takes_a_bound_from_the_environment(tmp_path):
    path = tmp_path / "ke-hoach.pdf"
    path.write_bytes(pdf([text_page()] * 3))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env |= {"THEODOI_IMPORT_MAX_PAGES": "2", "THEODOI_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "theodoi.cli", "parse", str(path), "--format", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""
    [line] = done.stderr.splitlines()
    assert line.startswith(f"theodoi parse: {path}: tệp PDF có hơn 2 trang")
