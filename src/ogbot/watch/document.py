"""A fetched XML document made fit for feedparser: what feeds from the wild send.

- A byte-order mark decides the encoding (RFC 7303, section 3.3): feedparser still applies RFC
  3023's us-ascii default to ``text/xml`` without a charset, which reads UTF-16 as nonsense. A
  document in UTF-16 or UTF-32 becomes UTF-8 here.
- UTF-8 under another name is read as UTF-8: a document declared (by its XML declaration or the
  server's charset) in US-ASCII or a single-byte encoding such as ISO-8859-1 or Windows-1252
  that is valid UTF-8 is UTF-8 ("Euro €", not "Euro â‚¬"; no real text in those encodings is
  valid UTF-8 once it holds a letter beyond ASCII), as miniflux reads it. A UTF-8 document with
  a few stray bytes of Windows-1252 (text pasted from an older system: "España" written as
  0xF1) keeps its UTF-8, and only the stray bytes are read as Windows-1252, instead of the
  whole document (feedparser's fallback: "â€™" for every "’"). Encodings of several bytes a
  character (Shift-JIS, EUC-KR, ...) are left to feedparser and chardet.
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


def prepared(source: str, body: bytes, content_type: str = "") -> tuple[bytes, str | None]:
    """``body`` ready for feedparser, and the charset to read it in when that is not what the
    server and the document say (None: as they say): UTF-8 when a byte-order mark said UTF-16
    or UTF-32, or when UTF-8 came under another name or with stray Windows-1252 bytes; the
    DOCTYPE's internal subset gone (its entities written out), numeric character references
    repaired. ``content_type`` is the server's (its charset is one of the names)."""
    charset = None
    for marks, strip in ((_BOMS, True), (_WIDE_STARTS, False)):
        for mark, encoding in marks:
            if body.startswith(mark):
                errors = _STRAY_BYTES if encoding == "utf-8" else "replace"
                text = body[len(mark) if strip else 0 :].decode(encoding, errors)
                body = _DECLARED_ENCODING.sub(rb'\1"utf-8"', text.encode("utf-8"), count=1)
                charset = "utf-8"
                break
        if charset:
            break
    if charset is None:
        body, charset = _utf8_by_any_name(body, content_type)
    body = _without_internal_subset(source, body)
    if b"&#" in body:  # references are ASCII: latin-1 maps every byte to itself and back
        body = repaired_references(body.decode("latin-1")).encode("latin-1")
    return body, charset


_CHARSET = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_DECLARATION = re.compile(rb"""^<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")
_NON_ASCII = re.compile(rb"[\x80-\xff]")
# a character of two, three or four bytes as UTF-8 writes it (overlong forms aside)
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
_STRAY_BYTES = "ogbot-windows-1252"  # the error handler that reads a stray byte as Windows-1252
# Windows-1252, its five unassigned bytes as ISO-8859-1 (C1 controls: stripped later), as
# the WHATWG Encoding Standard maps them
_WINDOWS_1252 = "".join(
    bytes([byte]).decode("cp1252", "ignore") or chr(byte) for byte in range(256)
)


def _as_windows_1252(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    stray = error.object[error.start : error.end]
    return "".join(_WINDOWS_1252[byte] for byte in stray), error.end


codecs.register_error(_STRAY_BYTES, _as_windows_1252)


def _single_byte_or_utf8(label: str) -> bool:
    """Whether ``label`` names UTF-8, US-ASCII or an encoding of one byte a character in which
    no real text is valid UTF-8 (ISO-8859-x, Windows-125x, KOI8)."""
    try:
        name = codecs.lookup(label.strip()).name
    except LookupError:
        return False
    return name in ("utf-8", "ascii") or name.startswith(("iso8859-", "cp125", "koi8"))


def _utf8_by_any_name(body: bytes, content_type: str) -> tuple[bytes, str | None]:
    """``body`` and "utf-8" when it is UTF-8 the server or its declaration call something
    else, or UTF-8 with a few stray Windows-1252 bytes (those read as Windows-1252, the
    document re-encoded); else ``body`` as it is and None."""
    if _NON_ASCII.search(body) is None:
        return body, None
    header = _CHARSET.search(content_type)
    declaration = _DECLARATION.match(body)
    labels = [
        *([header[1]] if header else []),
        *([declaration[1].decode("ascii", "replace")] if declaration else []),
    ]
    if not all(map(_single_byte_or_utf8, labels)):
        return body, None  # Shift-JIS, EUC-KR, ...: feedparser and chardet decide
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        characters = _UTF8_SEQUENCE.findall(body)
        stray = len(_NON_ASCII.findall(body)) - sum(map(len, characters))
        if len(characters) <= stray:
            return body, None  # mostly not UTF-8: what it says, or what chardet finds
        body = body.decode("utf-8", _STRAY_BYTES).encode("utf-8")
    else:
        if all(codecs.lookup(label).name == "utf-8" for label in labels):
            return body, None  # UTF-8, and called so (or nothing, XML's default)
    return _DECLARED_ENCODING.sub(rb'\1"utf-8"', body, count=1), "utf-8"


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
