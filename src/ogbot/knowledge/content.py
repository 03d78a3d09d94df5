"""The explainer content: Markdown files with YAML front matter, one per topic and language.

``content/<lang>/<id>.md``, one entry per question it answers; front matter keys ``id``, ``lang``,
``title`` (the question), ``questions`` (the ways people ask it), ``tags`` (optional keywords),
``links`` (each ``title`` + ``url``: where to read on), ``sources`` (the URLs its facts were checked
against) and ``checked`` (the month they were checked, ``YYYY-MM``). An entry's German and English
files share one id.
Body and link URLs may use ``{contact}``, ``{contact_url}`` and ``{site_url}``, filled in from the
settings when the library is loaded. This is the only module that imports ``yaml``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

import yaml

from ogbot.config import SCHEMA
from ogbot.models import Lang, Link

LANGS: tuple[Lang, ...] = ("de", "en")
PLACEHOLDERS = ("contact", "contact_url", "site_url")
# the values of the embedded default configuration; the app passes the configured ones
DEFAULT_VALUES = {
    "contact": str(SCHEMA["publish"]["contact"][0]),
    "contact_url": str(SCHEMA["publish"]["contact_url"][0]),
    "site_url": f"http://{SCHEMA['web']['host'][0]}:{SCHEMA['web']['port'][0]}",
}
MAX_BODY = 700
MIN_QUESTIONS = 5
_CHECKED = re.compile(r"^20\d\d-(0[1-9]|1[0-2])$")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_FRONT = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")

try:  # the C loader when PyYAML was built with libyaml: faster start
    _Loader: type[yaml.SafeLoader] = cast(type[yaml.SafeLoader], yaml.CSafeLoader)
except AttributeError:  # pragma: no cover - depends on the wheel
    _Loader = yaml.SafeLoader


class ContentError(Exception):
    """An entry that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Entry:
    id: str
    lang: Lang
    title: str
    questions: tuple[str, ...]
    tags: tuple[str, ...]
    links: tuple[Link, ...]
    body: str
    path: Path
    sources: tuple[str, ...] = ()
    checked: str = ""


@dataclass(frozen=True)
class Library:
    """All entries, by (id, lang)."""

    entries: Mapping[tuple[str, Lang], Entry]

    @property
    def ids(self) -> list[str]:
        return sorted({topic for topic, _ in self.entries})

    def get(self, topic: str, lang: Lang) -> Entry:
        return self.entries[(topic, lang)]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries.values())


def default_content_dir() -> Path:
    """``content/`` of a source checkout, else the copy inside the installed package."""
    checkout = Path(__file__).resolve().parents[3] / "content"
    if checkout.is_dir():
        return checkout
    return Path(str(resources.files("ogbot") / "content"))


def load_library(directory: Path | None = None, values: Mapping[str, str] | None = None) -> Library:
    """Load and validate every entry; raise ContentError naming the first bad file."""
    directory = directory or default_content_dir()
    if not directory.is_dir():
        raise ContentError(f"{directory}: content directory not found")
    values = {**DEFAULT_VALUES, **(values or {})}
    entries: dict[tuple[str, Lang], Entry] = {}
    for lang in LANGS:
        folder = directory / lang
        if not folder.is_dir():
            raise ContentError(
                f"{folder}: missing (every topic needs a German and an English entry)"
            )
        for path in sorted(folder.glob("*.md")):
            entry = parse_entry(path, path.read_text(encoding="utf-8"), values)
            if entry.lang != lang:
                raise ContentError(f"{path}: lang is {entry.lang!r} but the file is in {lang}/")
            entries[(entry.id, lang)] = entry
    ids = {topic for topic, _ in entries}
    if not ids:
        raise ContentError(f"{directory}: no entries")
    for topic in sorted(ids):
        for lang in LANGS:
            if (topic, lang) not in entries:
                raise ContentError(f"{directory}: topic {topic!r} has no {lang} entry")
    return Library(entries)


def parse_entry(path: Path, text: str, values: Mapping[str, str]) -> Entry:
    match = _FRONT.match(text.replace("\r\n", "\n"))
    if not match:
        raise ContentError(f"{path}: no front matter (--- ... ---)")
    try:
        meta = yaml.load(match[1], Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: front matter is not valid YAML ({exc})") from exc
    if not isinstance(meta, dict):
        raise ContentError(f"{path}: front matter must be a mapping")
    unknown = set(meta) - {
        "id",
        "lang",
        "title",
        "questions",
        "tags",
        "links",
        "sources",
        "checked",
    }
    if unknown:
        raise ContentError(f"{path}: unknown front matter keys {sorted(unknown)}")

    topic = _text(meta, "id", path)
    if not _ID.match(topic) or topic != path.stem:
        raise ContentError(
            f"{path}: id {topic!r} must be lower-case-with-dashes and match the file name"
        )
    lang = _text(meta, "lang", path)
    if lang not in LANGS:
        raise ContentError(f"{path}: lang must be one of {LANGS}")
    questions = _texts(meta, "questions", path)
    if len(questions) < MIN_QUESTIONS:
        raise ContentError(f"{path}: questions: at least {MIN_QUESTIONS} ways to ask it")
    sources = _texts(meta, "sources", path)
    for url in sources:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ContentError(f"{path}: sources: {url!r} is not an http(s) URL")
    checked = str(meta.get("checked", "")).strip()
    if not _CHECKED.match(checked):
        raise ContentError(f"{path}: checked: the month the facts were checked, as YYYY-MM")
    links = _links(meta.get("links"), path, values)
    body = _fill(match[2].strip(), path, values)
    if not body:
        raise ContentError(f"{path}: the body (the answer) is empty")
    if len(body) > MAX_BODY:
        raise ContentError(f"{path}: the body has {len(body)} characters, at most {MAX_BODY}")
    return Entry(
        id=topic,
        lang=lang,
        title=_text(meta, "title", path),
        questions=questions,
        tags=_texts(meta, "tags", path) if meta.get("tags") else (),
        links=links,
        body=body,
        path=path,
        sources=sources,
        checked=checked,
    )


def _text(meta: Mapping[str, Any], key: str, path: Path) -> str:
    value = meta.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ContentError(f"{path}: {key}: missing or not text")
    return value.strip()


def _texts(meta: Mapping[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = meta.get(key)
    if not isinstance(value, list) or not value:
        raise ContentError(f"{path}: {key}: must be a non-empty list")
    items = []
    for item in value:
        if isinstance(item, int | float) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str) or not item.strip():
            raise ContentError(f"{path}: {key}: every item must be text")
        items.append(item.strip())
    return tuple(items)


def _links(raw: Any, path: Path, values: Mapping[str, str]) -> tuple[Link, ...]:
    if not isinstance(raw, list) or not raw:
        raise ContentError(f"{path}: links: every entry links where to read on")
    links = []
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"title", "url"}:
            raise ContentError(f"{path}: links: each link has exactly a title and a url")
        url = _fill(str(item["url"]).strip(), path, values)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ContentError(f"{path}: links: {url!r} is not an http(s) URL")
        links.append(Link(title=str(item["title"]).strip(), url=url))
    return tuple(links)


def _fill(text: str, path: Path, values: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        name = match[1]
        if name not in PLACEHOLDERS:
            raise ContentError(f"{path}: unknown placeholder {{{name}}}")
        return values.get(name, match[0])

    return _PLACEHOLDER.sub(replace, text)


def plain_text(markdown: str) -> str:
    """The body without Markdown emphasis: what ``answer`` prints."""
    text = re.sub(r"(\*\*|__)(.+?)\1", r"\2", markdown)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    text = re.sub(r"\[([^\]]+)\]\((https?://[^)]+)\)", r"\1 (\2)", text)
    text = text.replace("\\\n", "\n")
    return re.sub(r"[ \t]+\n", "\n", text).strip()
