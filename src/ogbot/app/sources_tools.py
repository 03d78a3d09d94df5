"""The sources in and out of ogbot: ``ogbot sources --opml`` (the configured sources as OPML),
``ogbot sources import FILE.opml`` (the feeds of a feed reader's export as ``[[sources]]`` TOML
to paste: the configuration stays a file one reviews) and ``ogbot sources find URL`` (a site's
feeds, or ``select`` rules for its listing, tried once)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from ogbot.app.commands import Say
from ogbot.app.errors import UsageError
from ogbot.config import ConfigError, Selectors, Settings, build_settings
from ogbot.config.values import SOURCE_TITLE_MAX, Invalid
from ogbot.config.values import url as valid_url
from ogbot.publish.opml import OpmlError, Outline, read_opml, render_opml
from ogbot.store import DB_NAME, Store
from ogbot.text import clean_text, fold, shorten
from ogbot.watch.normalise import link_key

NAME_MAX = 40  # characters of a source's name (config/load.py)


# -- ogbot sources --opml, GET /sources.opml ------------------------------------------------


def sources_opml(settings: Settings) -> bytes:
    """The configured sources as OPML 2.0, each named as people see it (the database is read
    for the feeds' own titles when it exists; never created here)."""
    titles: dict[str, str] = {}
    if (settings.data_dir / DB_NAME).exists():
        store = Store.open(settings.data_dir, start_afresh=settings.start_afresh)
        try:
            titles = store.source_titles()
        finally:
            store.close()
    return render_opml(settings.sources, titles, settings.publish.title)


# -- TOML to paste ----------------------------------------------------------------------------


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: quotes, backslashes and every control character
    escaped (TOML refuses them raw, DEL included)."""
    out = ['"']
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    out.append('"')
    return "".join(out)


def _one_line(text: str) -> str:
    """For a TOML comment or a title: one line, no control characters."""
    return clean_text(text)


def _title(text: str) -> str:
    return shorten(clean_text(text), SOURCE_TITLE_MAX)


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return slug[:NAME_MAX].rstrip("-")


def source_name(title: str, url: str, taken: set[str]) -> str:
    """A free name for a source: from its title, else its host ("blog-example-org");
    "-2", "-3", … when taken (``taken`` holds lower-cased names and is updated)."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    base = _slug(title) or _slug(host) or "quelle"
    name, number = base, 1
    while name.lower() in taken:
        number += 1
        suffix = f"-{number}"
        name = base[: NAME_MAX - len(suffix)].rstrip("-") + suffix
    taken.add(name.lower())
    return name


def source_toml(
    name: str,
    url: str,
    title: str = "",
    select: Selectors | None = None,
    comments: Iterable[str] = (),
) -> list[str]:
    """One ``[[sources]]`` table as lines of TOML."""
    lines = [f"# {_one_line(comment)}" for comment in comments]
    lines += ["[[sources]]", f"name = {toml_string(name)}", f"url = {toml_string(url)}"]
    if title:
        lines.append(f"title = {toml_string(_title(title))}")
    if select is not None:
        lines.append('type = "html"')
        parts = [f"{key} = {toml_string(value)}" for key, value in _selector_items(select)]
        lines.append(f"select = {{ {', '.join(parts)} }}")
    return lines


def _selector_items(select: Selectors) -> list[tuple[str, str]]:
    items = [("item", select.item), ("title", select.title), ("link", select.link)]
    if select.date:
        items.append(("date", select.date))
    if select.summary:
        items.append(("summary", select.summary))
    return items


def _accepted(settings: Settings, table: list[str]) -> str | None:
    """Why ogbot would refuse this ``[[sources]]`` table, or None: read as ``ogbot check``
    reads a configuration file."""
    import tomllib

    document = tomllib.loads("\n".join(table))
    try:
        build_settings(document, {"OGBOT_DATA_DIR": str(settings.data_dir)}, Path())
    except ConfigError as exc:
        return "; ".join(exc.problems)
    return None


# -- ogbot sources import ------------------------------------------------------------------


def import_opml(settings: Settings, data: bytes) -> list[str]:
    """The feeds of an OPML file as ``[[sources]]`` tables to paste, with a comment for what is
    left out: a web page without a feed address, a URL that is no http(s), a feed already
    configured or twice in the file. Raises UsageError for a file that is no OPML."""
    try:
        outlines = read_opml(data)
    except OpmlError as exc:
        raise UsageError(f"sources import: {exc}") from None
    taken = {source.name.lower() for source in settings.sources}
    known = {
        link_key(source.url): f"already configured as {source.name!r}"
        for source in settings.sources
    }
    lines = [
        f"# {len([o for o in outlines if o.feed])} feeds in the file; paste what you want into"
        " your ogbot.toml, then run `ogbot check`"
    ]
    for outline in outlines:
        lines.append("")
        lines += _imported(settings, outline, taken, known)
    return lines


def _imported(
    settings: Settings, outline: Outline, taken: set[str], known: dict[str, str]
) -> list[str]:
    shown = outline.title or outline.feed or outline.page
    if not outline.feed:
        return [
            f"# skipped {_one_line(shown)!r}: a web page, not a feed ({_one_line(outline.page)});"
            " `ogbot sources find URL` looks for its feed or suggests select rules"
        ]
    try:
        url = valid_url(outline.feed)
    except Invalid as exc:
        return [f"# skipped {_one_line(shown)!r}: {_one_line(outline.feed)} is {exc}"]
    key = link_key(url)
    if key in known:
        return [f"# skipped {_one_line(shown)!r}: {url} is {known[key]}"]
    name = source_name(outline.title, url, taken)
    known[key] = f"in this file already as {name!r}"
    folders = [f"folder: {' / '.join(outline.folders)}"] if any(outline.folders) else []
    table = source_toml(name, url, outline.title, comments=folders)
    problem = _accepted(settings, table)
    if problem is not None:
        return [f"# skipped {_one_line(shown)!r}: {_one_line(problem)}"]
    return table


def import_file(settings: Settings, path: str) -> list[str]:
    """``ogbot sources import FILE.opml`` (``-`` reads stdin)."""
    import sys

    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"sources import: cannot read {path}: {exc.strerror or exc}") from None
    return import_opml(settings, data)


# -- ogbot sources find --------------------------------------------------------------------


def find_sources(settings: Settings, url: str, say: Say) -> bool:
    """A site's feeds, else select rules for its listing with what they yield; False when
    neither was found or the page could not be fetched."""
    from ogbot.app.house import sources_client
    from ogbot.watch.discover import discover
    from ogbot.watch.fetch import FetchPolicy
    from ogbot.watch.model import WatchError

    try:
        url = valid_url(url)
    except Invalid as exc:
        raise UsageError(f"sources find: {url!r} is {exc}") from None
    policy = FetchPolicy(timeout=settings.fetch.timeout, max_bytes=settings.fetch.max_bytes)
    tz = settings.publish.tz
    today = datetime.now(UTC).astimezone(tz).date()

    async def find() -> bool:
        async with sources_client(settings) as client:
            found = await discover(client, url, policy, tz, today)
        taken = {source.name.lower() for source in settings.sources}
        if found.feeds:
            say(f"feeds of {found.url}:")
            for feed in found.feeds:
                title = f"{feed.title!r}, " if feed.title else ""
                say(f"- {feed.url} ({title}{feed.entries} entries; {feed.how})")
            say("\nto watch one, paste into ogbot.toml:\n")
            feed = found.feeds[0]
            for line in source_toml(source_name(feed.title, feed.url, taken), feed.url):
                say(line)
            return True
        say(f"no feed at {found.url} ({found.tried} usual feed addresses tried)")
        if not found.suggestions:
            say(
                "no repeated teaser blocks found either: write select rules by hand "
                "(README, [[sources]] select) and try them with `ogbot sources check NAME`"
            )
            return False
        say("select rules for its listing, each tried once on the page:")
        host = urlsplit(found.url).hostname or ""
        name = source_name("", found.url, taken)
        for number, suggestion in enumerate(found.suggestions, 1):
            say(f"\n{number}. {suggestion.teasers} teasers; what ogbot would read:")
            for entry in suggestion.entries[:5]:
                when = (
                    f"{entry.published.astimezone(tz):%Y-%m-%d}" if entry.published else "no date"
                )
                say(f"   - {entry.title}\n     {entry.link}\n     {when}")
            more = len(suggestion.entries) - 5
            if more > 0:
                say(f"   … and {more} more")
            say("")
            for line in source_toml(name, found.url, select=suggestion.select):
                say("   " + line)
        say(f"\n(check the rules against {host} with `ogbot sources check NAME` once pasted)")
        return True

    try:
        return asyncio.run(find())
    except WatchError as exc:
        say(str(exc))
        return False
