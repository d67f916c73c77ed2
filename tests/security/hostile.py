"""What the hostile suite types and how it reads pages back.

``xss(label)`` is one string holding every payload, led by a label saying which field it was
typed into, so a page that shows it can be searched for that field's text. ``inert(html)``
parses a page with html.parser and lists every element or attribute the payloads could have
made (a ``<script>`` running ``alert``, the payload's ``<img src=x>``, any ``on*``
attribute, such as the payload's ``<svg onload>``, a ``javascript:`` link); ``shown(html)`` is the page's text as a person reads it,
where the payloads must appear verbatim (escaped in the markup, so the test can fail)."""

from __future__ import annotations

from html.parser import HTMLParser

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "</textarea><svg onload=alert(1)>",
    "{{7*7}}",
    "{% debug %}",
)
SQL = (
    "'; DROP TABLE tracking_progressreport; --",
    '" OR 1=1 --',
    "%_\\",
    "Tiếng Việt có dấu: Quảng Ngãi, Ban Tổ chức ✓ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 😀",
)
URL_ATTRIBUTES = ("href", "src", "action", "formaction", "hx-get", "hx-post", "data")


def xss(label: str) -> str:
    """Every payload, after a label naming the field (the label has a digit: a document
    number must)."""
    return f"XSS-{label}-1 " + " ".join(PAYLOADS)


def short_xss(label: str) -> str:
    """For fields of 60 characters: the label and the two payloads that make elements."""
    return f"X-{label}-1 <script>alert(1)</script>"[:60]


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.made: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        if tag == "img" and dict(attrs).get("src") == "x":
            self.made.append(f"<{tag} {attrs}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.made.append(f"<{tag} {name}={value!r}>")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.made.append(f"<{tag} {name}={value!r}>")
        for name, value in attrs:
            if name in ("value", "title") and value:
                self.text.append(value)

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            if "alert" in data:
                self.made.append(f"<script>{data[:80]}")
            return
        self.text.append(data)


def read(html: str) -> _Reader:
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return reader


def inert(html: str) -> list[str]:
    """The elements and attributes a payload made on this page (none, when all is escaped)."""
    return read(html).made


def shown(html: str) -> str:
    """The page's text (and form values) as a person reads them, entities decoded."""
    return " ".join(read(html).text)
