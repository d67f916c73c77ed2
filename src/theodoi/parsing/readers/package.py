"""A .docx as a zip package, opened within Limits: the zip's own records are checked before
anything is expanded, and the few XML parts the reader needs are then stream-read with a cap.

Why not python-docx (which the reader used before): it reads and parses every part of the
package, with no bound on what they expand to (a 380 KB file became 100 MB of XML, 1.35 GB in
memory); its parser does not expand entities (``resolve_entities=False``), but a part's
DOCTYPE is still read. Here only three parts are read (the main document, its numbering
and its styles), through a parser that loads no DTD, resolves no entity and reads nothing
from the network, and a part with a DOCTYPE is refused: Word never writes one.

Bounds, in the order they are checked:
1. the end-of-central-directory record: how many members the zip declares (before
   zipfile reads its directory, which costs memory per member);
2. the central directory: members, their uncompressed sizes together, each read part's
   compression ratio and method (only stored and deflated, as Word writes them);
3. while reading a part, chunk by chunk before lxml parses it: the bytes actually expanded
   (the sizes above are the file's own word, not trusted alone), the ratio so far, a
   DOCTYPE, XML elements with their attributes (a 19 MB file of attributes took 927 MB),
   the time; once parsed, the depth (libxml2 itself stops at 256).
"""

from __future__ import annotations

import io
import posixpath
import struct
import zipfile
from typing import Any

from lxml import etree

from theodoi.parsing.blocks import ParseError
from theodoi.parsing.readers.limits import MB, Limits, Reading, number, refusal

CHUNK = 1 * MB  # libxml2 parses smaller pieces more slowly (64 KB: 40% more time)
RATIO_GRACE = 1 * MB  # a part smaller than this is not judged by its ratio (too little to harm)
_END = b"PK\x05\x06"
_END64_LOCATOR = b"PK\x06\x07"
_END64 = b"PK\x06\x06"
_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
_DOCTYPE = tuple("<!DOCTYPE".encode(encoding) for encoding in ("utf-8", "utf-16-le", "utf-16-be"))

NOT_DOCX = "không đọc được tệp .docx: tệp hỏng hoặc không phải tài liệu Word ({})"
_SAVE_AGAIN = "hãy mở bằng Word và lưu lại (File > Save As > Word Document)"

RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
OFFICE_DOCUMENT = RELS + "officeDocument"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def declared_members(data: bytes) -> int | None:
    """How many members the zip's end-of-central-directory record declares (zip64 too), or
    None when there is no such record (zipfile then says the file is broken)."""
    at = data.rfind(_END, max(0, len(data) - 65_557))
    if at < 0 or at + 22 > len(data):
        return None
    count = struct.unpack_from("<H", data, at + 10)[0]
    locator = at - 20
    if count == 0xFFFF and locator >= 0 and data[locator : locator + 4] == _END64_LOCATOR:
        offset = struct.unpack_from("<Q", data, locator + 8)[0]
        if data[offset : offset + 4] == _END64 and offset + 40 <= len(data):
            count = struct.unpack_from("<Q", data, offset + 32)[0]
    return count


def _too_many(count: int, limits: Limits) -> ParseError:
    return refusal(
        "members",
        f"tệp .docx có {number(count)} phần, quá giới hạn {number(limits.members)} phần",
        _SAVE_AGAIN,
    )


def open_package(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """The zip of a .docx, after the checks its own records allow (1 and 2 above)."""
    declared = declared_members(data)
    if declared is not None and declared > limits.members:
        raise _too_many(declared, limits)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises many kinds for a damaged directory
        raise ParseError(NOT_DOCX.format(type(exc).__name__)) from exc
    infos = archive.infolist()
    if len(infos) > limits.members:
        raise _too_many(len(infos), limits)
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.unpacked_bytes:
        raise _unpacked(unpacked, limits)
    return archive


def _unpacked(size: int, limits: Limits) -> ParseError:
    return refusal(
        "unpacked_mb",
        f"tệp .docx giải nén ra hơn {number(limits.unpacked_mb)} MB"
        + (f" ({number(size // MB)} MB)" if size > limits.unpacked_bytes + MB else ""),
        "hãy bớt hình ảnh hoặc chia văn bản thành các tệp nhỏ hơn",
    )


def _ratio(name: str, limits: Limits) -> ParseError:
    return refusal(
        "ratio",
        f"phần {name} của tệp .docx nén chặt hơn {number(limits.ratio)} lần (dấu hiệu của "
        "tệp nén độc hại)",
        _SAVE_AGAIN,
    )


class XmlBudget:
    """What the XML parts read so far have cost: expanded bytes, elements; shared by every
    part of one document so the bounds hold for the document, not each part."""

    def __init__(self, limits: Limits, reading: Reading) -> None:
        self.limits = limits
        self.reading = reading
        self.expanded = 0
        self.nodes = 0


def _parser() -> Any:
    """lxml's feed parser, safe for hostile input: no DTD loaded, no entity resolved (an
    entity reference stays a node the reader skips), nothing read from the network, libxml2's
    own size limits kept (no huge_tree: depth 256, a text node 10 MB); blank text between
    elements dropped, as python-docx does, so the reader sees the same tree."""
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_blank_text=True,
    )


def read_part(archive: zipfile.ZipFile, name: str, budget: XmlBudget) -> Any | None:
    """The root element of the XML part ``name`` (None when the package has no such part),
    read in chunks within the budget's bounds (3 above)."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    limits = budget.limits
    if info.compress_type not in _METHODS:
        raise ParseError(NOT_DOCX.format(f"phần {name} nén theo cách Word không dùng"))
    if info.file_size > RATIO_GRACE and info.file_size > limits.ratio * max(info.compress_size, 1):
        raise _ratio(name, limits)
    parser = _parser()
    tail = b""
    read = 0
    try:
        with archive.open(info) as stream:
            while chunk := stream.read(CHUNK):
                read += len(chunk)
                budget.expanded += len(chunk)
                if budget.expanded > limits.unpacked_bytes:
                    raise _unpacked(budget.expanded, limits)
                if read > RATIO_GRACE and read > limits.ratio * max(info.compress_size, 1):
                    raise _ratio(name, limits)
                if any(mark in tail + chunk for mark in _DOCTYPE):
                    raise ParseError(
                        NOT_DOCX.format(f"phần {name} có khai báo DOCTYPE, Word không viết")
                    )
                tail = chunk[-32:]
                budget.nodes += _nodes(chunk)
                if budget.nodes > limits.xml_nodes:
                    raise _too_many_nodes(limits)
                parser.feed(chunk)
                budget.reading.check()
            root = parser.close()
    except ParseError:
        raise
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():  # libxml2's own bound (256), before ours is asked
            raise _too_deep(name, limits) from None
        raise ParseError(NOT_DOCX.format(type(exc).__name__)) from exc
    except Exception as exc:  # zipfile, zlib, lxml: many kinds (a damaged file), one meaning
        raise ParseError(NOT_DOCX.format(type(exc).__name__)) from exc
    if root.xpath(f"boolean({'/*' * (limits.xml_depth + 1)})"):  # an element that deep
        raise _too_deep(name, limits)
    return root


def _nodes(chunk: bytes) -> int:
    """The elements and attributes in a piece of XML, counted on its bytes before lxml makes
    them: start tags (a "<" that is not "</") and attributes (an "="). An "=" in text counts
    too, and so does a tag cut between two pieces: never fewer than lxml will make, and
    counted in C (lxml's events cost a Python call an element: 60% more time)."""
    return chunk.count(b"<") - chunk.count(b"</") + chunk.count(b"=")


def _too_deep(name: str, limits: Limits) -> ParseError:
    return refusal(
        "xml_depth",
        f"phần {name} của tệp .docx lồng nhau quá {number(limits.xml_depth)} tầng (bảng trong "
        "bảng, khung trong khung)",
        "hãy bỏ bớt các bảng lồng nhau rồi lưu lại",
    )


def _too_many_nodes(limits: Limits) -> ParseError:
    return refusal(
        "xml_nodes",
        f"tệp .docx có hơn {number(limits.xml_nodes)} phần tử và thuộc tính XML (đoạn, ô bảng, "
        "định dạng)",
        "hãy chia văn bản thành các tệp nhỏ hơn, bỏ các phụ lục không có nhiệm vụ",
    )


def relationships(archive: zipfile.ZipFile, source: str, budget: XmlBudget) -> dict[str, str]:
    """Relationship type -> the part it points to, for the part ``source`` ("" for the
    package itself): read from its .rels part, targets resolved against its folder."""
    folder, base = posixpath.split(source)
    root = read_part(archive, posixpath.join(folder, "_rels", f"{base}.rels"), budget)
    found: dict[str, str] = {}
    if root is None:
        return found
    for rel in root.iter(_PACKAGE_RELS):
        kind, target = rel.get("Type"), rel.get("Target")
        if not kind or not target or rel.get("TargetMode") == "External" or kind in found:
            continue
        path = target[1:] if target.startswith("/") else posixpath.join(folder, target)
        found[kind] = posixpath.normpath(path)
    return found


__all__ = [
    "NOT_DOCX",
    "OFFICE_DOCUMENT",
    "RELS",
    "XmlBudget",
    "declared_members",
    "open_package",
    "read_part",
    "relationships",
]
