"""The configured sources as OPML 2.0 (``GET /sources.opml``, ``ogbot sources --opml``), and
the feeds of an OPML file from a feed reader (``ogbot sources import``).

Writing uses the standard library's ElementTree (it escapes every attribute); reading uses
``defusedxml`` (this is the only module that imports it): an OPML file is someone else's XML,
so a declared entity (a billion-laughs bomb) or an external one (XXE) is refused, never
expanded. What feed readers write differs: Feedly, Inoreader, Miniflux and NetNewsWire nest
feeds in folders (an ``outline`` without ``xmlUrl``, to any depth), name a feed by ``text``, by
``title`` or by both, and some leave out ``type``; an outline with ``xmlUrl`` is a feed
whatever its type says, one with only ``url``/``htmlUrl`` is a web page.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET  # writing only; reading goes through defusedxml
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError as XmlParseError
from defusedxml.ElementTree import fromstring

from ogbot.config import SourceSettings

OPML_DOCS = "http://opml.org/spec2.opml"
SCRAPED_NOTE = "keine Feed-Adresse: ogbot liest diese HTML-Seite mit CSS-Selektoren aus"
MAX_DEPTH = 50  # folders in folders: deeper is no feed reader's export


class OpmlError(ValueError):
    """The file is no OPML document ogbot can read (or it tries an XML attack); says why."""


@dataclass(frozen=True)
class Outline:
    """One entry of an OPML file: a feed (``feed`` set) or a web page (``page`` set only)."""

    title: str  # ``text``, else ``title``; "" when it has neither
    feed: str  # ``xmlUrl``; "" for a web page
    page: str  # ``htmlUrl`` (or a link outline's ``url``); "" when none
    folders: tuple[str, ...]  # the folders it sits in, outermost first


def render_opml(
    sources: Sequence[SourceSettings], titles: Mapping[str, str], site_title: str
) -> bytes:
    """The sources as OPML 2.0: a feed as ``type="rss"`` with ``xmlUrl``; an HTML listing as
    ``type="link"`` with ``url``/``htmlUrl`` and a note that ogbot reads (scrapes) it. Each is
    named as people see it: ``titles`` (the configured or the feed's own title), else its
    name. The document is titled "<site_title>: Quellen". Deterministic: the same sources give
    the same bytes (no creation date)."""
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = f"{site_title}: Quellen"
    ET.SubElement(head, "docs").text = OPML_DOCS
    body = ET.SubElement(root, "body")
    for source in sources:
        shown = source.title or titles.get(source.name) or source.name
        if source.type == "html":
            ET.SubElement(
                body,
                "outline",
                text=shown,
                title=shown,
                type="link",
                url=source.url,
                htmlUrl=source.url,
                description=SCRAPED_NOTE,
            )
        else:
            ET.SubElement(body, "outline", text=shown, title=shown, type="rss", xmlUrl=source.url)
    ET.indent(root)
    written: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return written + b"\n"


def _attribute(element: ET.Element, *names: str) -> str:
    """The first of these attributes that has a value, its name's case ignored (``xmlurl``)."""
    folded = {key.lower(): value for key, value in element.attrib.items()}
    for name in names:
        value = folded.get(name.lower(), "")
        if value.strip():
            return " ".join(value.split())
    return ""


def read_opml(data: bytes) -> list[Outline]:
    """Every feed and web page of an OPML file, in document order; raise OpmlError."""
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise OpmlError(f"refused: the file declares XML entities ({type(exc).__name__})") from None
    except XmlParseError as exc:
        raise OpmlError(f"not XML: {exc}") from None
    if root.tag.lower() != "opml":
        raise OpmlError(f"not OPML: the document is <{root.tag}>, not <opml>")
    body = next((child for child in root if child.tag.lower() == "body"), None)
    if body is None:
        raise OpmlError("not OPML: no <body>")
    found: list[Outline] = []
    _walk(body, (), found, 0)
    return found


def _walk(parent: ET.Element, folders: tuple[str, ...], found: list[Outline], depth: int) -> None:
    if depth > MAX_DEPTH:
        raise OpmlError(f"outlines nested more than {MAX_DEPTH} deep")
    for outline in parent:
        if not isinstance(outline.tag, str) or outline.tag.lower() != "outline":
            continue
        name = _attribute(outline, "text", "title")
        feed = _attribute(outline, "xmlUrl")
        page = _attribute(outline, "htmlUrl", "url")
        if feed or (page and _attribute(outline, "type").lower() == "link"):
            found.append(Outline(name, feed, page, folders))
        # a folder; some readers nest a feed's own entries too: read what is inside
        _walk(outline, (*folders, name) if not feed else folders, found, depth + 1)
