"""What a feed entry shows besides words -- images, audio, video, files, formulas -- and the name
of an entry without a title: the start of its text, else the name of what it shows ("Bild" for
an image without alt text: German, as the network's channel is)."""

from __future__ import annotations

import hashlib
import html.parser
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal
from urllib.parse import unquote, urljoin, urlsplit

from ogbot.text import shorten, strip_controls

TITLE_FROM_TEXT = 100  # characters of its text that name an entry without a title


def digest(text: str) -> str:
    """A stable short name of a text: a guid where the feed gives none."""
    return "sha1:" + hashlib.sha1(text.encode("utf-8"), usedforsecurity=False).hexdigest()


# --- what an entry shows besides words --------------------------------------------------------

# the name of an entry that shows no words, by what it shows: German, as the network's channel
LABELS = {"image": "Bild", "audio": "Audio", "video": "Video", "file": "Datei", "link": "Link"}
MediaKind = Literal["image", "audio", "video", "file"]
_KINDS: dict[str, MediaKind] = {"image": "image", "audio": "audio", "video": "video"}


@dataclass(frozen=True)
class Medium:
    """A file an entry carries: an enclosure, a JSON Feed attachment (``attached``: it may
    stand for the entry's link), a thumbnail, an <audio> or <video> of its content."""

    url: str
    kind: MediaKind
    name: str = ""  # the name the feed gives it (a JSON Feed attachment's title)
    attached: bool = False

    @property
    def file_name(self) -> str:
        name = unquote(urlsplit(self.url).path.rsplit("/", 1)[-1])
        return " ".join(strip_controls(name).split())


def kind_of(media_type: str) -> MediaKind:
    """What a MIME type or a media:content ``medium`` says a file is."""
    return _KINDS.get(media_type.strip().lower().split("/", 1)[0], "file")


class _Shown(html.parser.HTMLParser):
    """What a fragment of HTML shows besides its words: images (an <img> with a source or an
    alt text; named by its alt, else its title), drawings (an inline <svg>, named by its
    <title>, else its <desc>), and the files of its <audio> and <video>."""

    def __init__(self, html_text: str, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.images = 0
        self.image_name = ""
        self.drawings = 0
        self.drawing_names: dict[str, list[str]] = {"title": [], "desc": []}
        self.media: list[Medium] = []
        self._svg = 0  # depth of <svg> elements
        self._reading: str | None = None  # the <title> or <desc> of a drawing being read
        self._playing: MediaKind | None = None  # inside an <audio> or <video>
        self.feed(html_text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: " ".join((value or "").split()) for name, value in attrs}
        if tag == "img" and (values.get("src") or values.get("alt")):
            self.images += 1
            self.image_name = self.image_name or values.get("alt") or values.get("title", "")
        elif tag == "svg":
            self.drawings += self._svg == 0
            self._svg += 1
        elif self._svg and tag in ("title", "desc") and self._reading is None:
            self._reading = tag
        elif tag in ("audio", "video", "source"):
            if tag != "source":
                self._playing = _KINDS[tag]
            url = http_url(values.get("src", ""), self.base)
            if url and self._playing:
                self.media.append(Medium(url, self._playing))

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self._svg:
            self._svg -= 1
        elif tag == self._reading:
            self._reading = None
        elif tag in ("audio", "video"):
            self._playing = None

    def handle_data(self, data: str) -> None:
        if self._reading:
            self.drawing_names[self._reading].append(data)

    @property
    def drawing_name(self) -> str:
        names = (" ".join(" ".join(self.drawing_names[part]).split()) for part in ("title", "desc"))
        return next((name for name in names if name), "")


def entry_name(
    title: str,
    text: str,
    guid: str,
    content_html: str,
    content: str,
    media: Sequence[Medium],
    link: str,
    base: str,
) -> tuple[str, str] | None:
    """An entry's title and guid: its own title, else the start of its text, else the name of
    what it shows (an image's alt text, a file's name, "Bild"), whose guid then comes from what
    it shows ("Bild" names many); None when it shows nothing."""
    if not title and text:
        title = shorten(text, TITLE_FROM_TEXT)
    if title:
        return title, guid
    title = _shown_name(content_html, content, media, link, base)
    if not title:
        return None
    return title, guid or link or digest(" ".join((content_html, *(m.url for m in media))))


def _shown_name(
    content_html: str, markup: str, media: Sequence[Medium], link: str, base: str
) -> str:
    """The title of an entry without a title and without words, from what it shows: the alt
    (or title) text of its image or the title of its drawing; else the name or file name of
    its first file; else what it is (:data:`LABELS`: "Bild", "Audio", "Video", "Datei", or
    "Link" when a link is all it has). "" when it shows nothing."""
    stored = _Shown(content_html, base)  # images as they are stored: cleaned
    written = _Shown(markup, base) if "<" in markup else None  # drawings and players
    drawings = written.drawings if written else 0
    files = [*media, *(written.media if written else ())]
    names = [
        stored.image_name,
        written.drawing_name if written else "",
        *(medium.name or medium.file_name for medium in files),
    ]
    name = next((found for found in names if found), "")
    if name:
        return shorten(name, TITLE_FROM_TEXT)
    if stored.images or drawings:
        return LABELS["image"]
    if files:
        return LABELS[files[0].kind]
    return LABELS["link"] if link else ""


_MATH_START = re.compile(r"<math\b", re.IGNORECASE)
_MATH = re.compile(r"<math\b[^>]*>(.*?)</math\s*>", re.IGNORECASE | re.DOTALL)
_ANNOTATION = re.compile(
    r"<annotation(?:-xml)?\b.*?</annotation(?:-xml)?\s*>", re.IGNORECASE | re.DOTALL
)
_TAG = re.compile(r"<[^>]*>")


def formulas_as_text(value: str) -> str:
    """``value`` with each MathML formula as its text ("a+b"): the sanitiser keeps no MathML
    and would drop the formula's words with it. Annotations (the formula's TeX) are left out."""
    if _MATH_START.search(value) is None:
        return value
    return _MATH.sub(lambda found: _TAG.sub("", _ANNOTATION.sub("", found[1])), value)


# --- JSON Feed ---------------------------------------------------------------------------------


def http_url(url: str, base: str = "") -> str:
    """``url`` made absolute against ``base`` when it is an http(s) URL with a host, else ""."""
    url = url.strip()
    if not url:
        return ""
    try:
        absolute = urljoin(base, url) if base else url
        parts = urlsplit(absolute)
    except ValueError:  # a broken IPv6 literal, say
        return ""
    return absolute if parts.scheme.lower() in ("http", "https") and parts.netloc else ""
