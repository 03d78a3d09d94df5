"""A fetched XML document made fit for feedparser: what feeds from the wild send.

- A byte-order mark decides the encoding (RFC 7303, section 3.3): feedparser still applies RFC
  3023's us-ascii default to ``text/xml`` without a charset, which reads UTF-16 as nonsense. A
  document in UTF-16 or UTF-32 becomes UTF-8 here.
- The internal subset of a DOCTYPE is dropped, and the general entities declared there are
  written out where the document refers to them, as an XML parser expands them, at most
  :data:`ENTITY_EXPANSION_LIMIT` characters in all: a harmless declaration costs nothing, and an
  entity bomb (exponential or quadratic) is refused before any XML parser sees it.
- Numeric character references are repaired: a surrogate pair written as two references (how
  some CMSs write emoji) becomes the character, a lone surrogate is dropped. feedparser's
  fallback parser crashes on them, and its strict one refuses the document.

Byte-level passes: they run on UTF-8 or another encoding in which "&", "#", "<", quotes and
ASCII letters are single bytes that never occur inside another character (every encoding a feed
is served in, once UTF-16 and UTF-32 are made UTF-8).
"""

from __future__ import annotations

import codecs
import re

from ogbot.watch.model import ParseError

ENTITY_EXPANSION_LIMIT = 1_000_000  # characters a document's declared entities may add to it

_BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# "<?" in UTF-32 and UTF-16 without a byte-order mark (XML 1.0, appendix F)
_WIDE_STARTS = (
    (b"\x00\x00\x00<\x00\x00\x00?", "utf-32-be"),
    (b"<\x00\x00\x00?\x00\x00\x00", "utf-32-le"),
    (b"\x00<\x00?", "utf-16-be"),
    (b"<\x00?\x00", "utf-16-le"),
)
_DECLARED_ENCODING = re.compile(rb"""^(<\?xml[^>]*?encoding\s*=\s*)(?:"[^"]*"|'[^']*')""")
_DOCTYPE = re.compile(rb"<!DOCTYPE\s[^\[>]*", re.IGNORECASE)
# the internal subset, from "[" to "]>": quoted strings and comments may hold "]" and ">"
_SUBSET = re.compile(
    rb"""\[(?:[^"'<\]]++|"[^"]*+"|'[^']*+'|<!--.*?-->|<(?!!--))*+\]\s*>""", re.DOTALL
)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
# a general entity with its replacement text (parameter and external entities are dropped)
_ENTITY = re.compile(rb"""<!ENTITY\s+([A-Za-z_:][-\w.:]*)\s+(?:"([^"]*)"|'([^']*)')\s*>""")
_PREDEFINED = frozenset({b"lt", b"gt", b"amp", b"apos", b"quot"})
_ENTITY_REFERENCE = re.compile(rb"&([A-Za-z_:][-\w.:]*);")
# references in the document; CDATA sections and comments are skipped (nothing expands there)
_DOCUMENT_REFERENCE = re.compile(
    rb"<!\[CDATA\[.*?\]\]>|<!--.*?-->|&([A-Za-z_:][-\w.:]*);", re.DOTALL
)
# what may stand before a DOCTYPE: white space, the XML declaration, processing instructions,
# comments
_PROLOG = re.compile(rb"(?:\s++|<\?.*?\?>|<!--.*?-->)*+", re.DOTALL)
# where feedparser ends the head in which it looks for entity declarations (replace_doctype)
_HEAD_END = re.compile(rb"<\w")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_NESTING_LIMIT = 32


def prepared(source: str, body: bytes) -> tuple[bytes, str | None]:
    """``body`` ready for feedparser, and the charset a byte-order mark gave it (None without
    one): UTF-8 when a mark said UTF-16 or UTF-32, the DOCTYPE's internal subset gone (its
    entities written out), numeric character references repaired."""
    charset = None
    for marks, strip in ((_BOMS, True), (_WIDE_STARTS, False)):
        for mark, encoding in marks:
            if body.startswith(mark):
                text = body[len(mark) if strip else 0 :].decode(encoding, "replace")
                body = _DECLARED_ENCODING.sub(rb'\1"utf-8"', text.encode("utf-8"), count=1)
                charset = "utf-8"
                break
        if charset:
            break
    body = _without_internal_subset(source, body)
    if b"&#" in body:  # references are ASCII: latin-1 maps every byte to itself and back
        body = repaired_references(body.decode("latin-1")).encode("latin-1")
    return body, charset


def _without_internal_subset(source: str, body: bytes) -> bytes:
    """``body`` without its DOCTYPE's internal subset, the general entities declared there
    written out where the document refers to them, as an XML parser expands them. More than
    :data:`ENTITY_EXPANSION_LIMIT` characters of them, or entities nested deeper than an XML
    document needs, make an entity bomb: ParseError."""
    prolog = _PROLOG.match(body)  # it always matches, at least nothing
    doctype = _DOCTYPE.match(body, prolog.end() if prolog else 0)
    if doctype is not None:
        subset = _SUBSET.match(body, doctype.end())
        if subset is not None:
            declared: dict[bytes, bytes] = {}
            for found in _ENTITY.finditer(_COMMENT.sub(b"", subset[0])):
                name = found[1]
                if name not in _PREDEFINED and name not in declared:  # the first one binds
                    declared[name] = found[2] if found[2] is not None else found[3]
            head = body[: doctype.end()].rstrip() + b">"
            body = head + _expanded(source, body[subset.end() :], declared)
        elif body[doctype.end() : doctype.end() + 1] == b"[":
            raise ParseError(source, "its DOCTYPE's internal subset does not end (refused)")
    # a declaration this did not take out (a DOCTYPE out of place): feedparser would expand it
    head_end = _HEAD_END.search(body)
    if _ENTITY_DECLARATION.search(body, 0, head_end.start() if head_end else len(body)):
        raise ParseError(source, "it declares XML entities outside a DOCTYPE (refused)")
    return body


def _expanded(source: str, document: bytes, declared: dict[bytes, bytes]) -> bytes:
    """``document`` with its references to the ``declared`` entities written out."""
    if not declared:
        return document
    sizes: dict[bytes, int] = {}

    def size(name: bytes, depth: int = 0) -> int:
        if name not in sizes:
            if depth > _NESTING_LIMIT:
                raise ParseError(source, "its entities nest too deep (refused: an entity bomb)")
            value = declared[name]
            sizes[name] = len(value) + sum(
                size(ref[1], depth + 1) - len(ref[0])
                for ref in _ENTITY_REFERENCE.finditer(value)
                if ref[1] in declared
            )
        return sizes[name]

    used = [found[1] for found in _DOCUMENT_REFERENCE.finditer(document) if found[1] in declared]
    total = sum(size(name) for name in used)
    if total > ENTITY_EXPANSION_LIMIT:
        raise ParseError(
            source,
            f"its entities would expand to {total:,} characters, more than"
            f" {ENTITY_EXPANSION_LIMIT:,} (refused: an entity bomb)",
        )
    written: dict[bytes, bytes] = {}

    def write(found: re.Match[bytes]) -> bytes:
        name = found[1]
        if name is None or name not in declared:
            return found[0]
        if name not in written:
            written[name] = _ENTITY_REFERENCE.sub(write, declared[name])
        return written[name]

    return _DOCUMENT_REFERENCE.sub(write, document)


_REFERENCE_RUN = re.compile(r"(?:&#(?:[0-9]+|[xX][0-9a-fA-F]+);)+")
_NUMBER = re.compile(r"&#([xX]?)0*([0-9a-fA-F]*);")


def repaired_references(text: str) -> str:
    """``text`` with its numeric character references repaired: a UTF-16 surrogate pair
    written as two references (``&#55357;&#56832;``) becomes one (``&#128512;``, 😀); a lone
    surrogate, a number beyond Unicode and a character XML forbids are dropped."""
    if "&#" not in text:
        return text
    return _REFERENCE_RUN.sub(_repaired_run, text)


def _repaired_run(run: re.Match[str]) -> str:
    codes = [
        int(number[2] or "0", 16 if number[1] else 10) if len(number[2]) <= 8 else -1
        for number in _NUMBER.finditer(run[0])
    ]
    if all(_is_xml_char(code) for code in codes):
        return run[0]
    out = []
    index = 0
    while index < len(codes):
        code = codes[index]
        low = codes[index + 1] if index + 1 < len(codes) else -1
        if 0xD800 <= code < 0xDC00 and 0xDC00 <= low < 0xE000:
            out.append(f"&#{0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)};")
            index += 2
            continue
        if _is_xml_char(code):
            out.append(f"&#{code};")
        index += 1
    return "".join(out)


def _is_xml_char(code: int) -> bool:
    """Whether XML 1.0 allows the character (its production ``Char``)."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code < 0xD800
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )
