"""Watching many sources: large documents are extracted in worker processes (the pool that
`ogbot run` and `ogbot poll` make once), and what an operator sees is the same as when every
document is extracted in a thread: the same items, the same reports, the same errors, the first
configured source winning a shared story; a worker that dies costs no source; sources that hang
anywhere in a long list hold the cycle back by one deadline, not one each. Real local websites
(tests/fakes), real worker processes, `ogbot poll` as a real subprocess."""

from __future__ import annotations

import os
import re
import signal
import time

import pytest

from ogbot.app import cycle
from ogbot.app.house import extract_pool
from ogbot.app.pool import POOL_THRESHOLD
from ogbot.store import AsyncStore, Store
from ogbot.watch.fetch import make_client
from tests.fakes.web import site_bytes
from tests.test_cli_watch import make_setup, source_lines
from tests.test_watch import NOW, lines, settings_for

BUND = {
    "type": "html",
    "select": {
        "item": "div.teaser",
        "title": "h3",
        "link": "h3 a",
        "date": "time",
        "summary": "p.teaser-text",
    },
}


def sources(fake_web) -> list[dict]:
    return [
        {"name": "ogp", "url": fake_web.fixture("/feed/", "ogp.rss", etag='"v1"')},
        # one of the network's items is the OGP story under a tracking link: stored once, as ogp's
        {"name": "netzwerk", "url": fake_web.fixture("/de/feed/", "netzwerk.rss")},
        {"name": "bund", "url": fake_web.fixture("/opengov-de", "bundesregierung.html"), **BUND},
        {"name": "mediathek", "url": fake_web.fixture("/mediathek/", "mediathek.rss")},
        {"name": "broken", "url": fake_web.fixture("/broken/", "broken.xml")},
        {"name": "html", "url": fake_web.fixture("/page", "not-a-feed.html")},
    ]


def archive_feed(copies: int, site: str = "a") -> bytes:
    """OGP's WordPress feed with ``copies`` times its items (an archive feed of a busy site, as
    `?paged=` or a raised "items in feeds" setting gives): each copy under other links, and
    under ``site`` (another site's feed of the same shape)."""
    text = site_bytes("ogp.rss").decode("utf-8")
    head, rest = text.split("<item>", 1)
    body, tail = ("<item>" + rest).rsplit("</item>", 1)
    items = []
    for copy in range(copies):
        moved = body.replace(
            "https://www.opengovpartnership.org/",
            f"https://www.opengovpartnership.org/{site}{copy}/",
        )
        items.append(re.sub(r"</title>", f" ({copy + 1})</title>", moved) + "</item>")
    return (head + "".join(items) + tail).encode("utf-8")


async def watch(settings, store, pool):
    async with make_client(settings.fetch.timeout, settings.fetch.allow_private) as client:
        return await cycle.run_cycle(settings, client, store, lambda: NOW, force=True, pool=pool)


def stored(store):
    return sorted(
        (i.source, i.link, i.title, i.summary, i.content_html, i.kind, i.deadline)
        for i in store.run(Store.latest_items, 1000)
    )


@pytest.fixture
def two_stores(tmp_path):
    stores = AsyncStore.open(tmp_path / "threads"), AsyncStore.open(tmp_path / "workers")
    yield stores
    for store in stores:
        store.close()


async def test_documents_extracted_in_workers_give_what_threads_give(
    fake_web, tmp_path, two_stores
):
    settings = settings_for(tmp_path, sources(fake_web))
    in_threads, in_workers = two_stores
    async with extract_pool() as pool:
        pool.threshold = 0  # every document to a worker, however small
        by_workers = await watch(settings, in_workers, pool)
        again = await watch(settings, in_workers, pool)
    by_threads = await watch(settings, in_threads, None)

    assert lines(by_workers) == lines(by_threads)
    assert lines(by_workers)["ogp"] == "ogp: 6 new, 0 updated"
    assert lines(by_workers)["netzwerk"] == "netzwerk: 3 new, 0 updated"
    assert lines(by_workers)["html"].startswith("html: error: parse: ")  # not a feed, as before
    assert stored(in_workers) == stored(in_threads)
    assert len(stored(in_workers)) >= 14
    assert lines(again)["ogp"] == "ogp: 0 new, 0 updated (not modified)"


async def test_a_worker_that_dies_costs_no_source(fake_web, tmp_path, two_stores):
    settings = settings_for(tmp_path, sources(fake_web))
    in_threads, in_workers = two_stores
    async with extract_pool() as pool:
        pool.threshold = 0
        await watch(settings, in_threads, pool)  # the workers are running now
        # killed as the OOM killer would kill them
        for pid in list(pool._executor._processes):
            os.kill(pid, signal.SIGKILL)
        report = await watch(settings, in_workers, pool)
        assert not [s for s in report.sources if "internal error" in s.line()]
        assert lines(report)["ogp"] == "ogp: 6 new, 0 updated"
        after = await watch(settings, in_workers, pool)  # and the pool works again
        assert lines(after)["ogp"] == "ogp: 0 new, 0 updated (not modified)"
    assert stored(in_workers) == stored(in_threads)


async def test_sources_hanging_through_a_long_list_cost_one_deadline_not_one_each(
    fake_web, other_host, tmp_path, two_stores
):
    # 60 sources; every 15th hangs (past the deadline): the others are all stored -- those
    # waiting behind a hanging one to be stored wait packed -- and the cycle takes about one
    # deadline, not four one after another
    timeout = 2
    listed = []
    for n in range(60):
        if n % 15 == 0:
            listed.append({"name": f"hang{n}", "url": fake_web.route(f"/h{n}", body=b"x", delay=9)})
        else:
            feed = archive_feed(1, site=f"s{n}-")
            listed.append({"name": f"feed{n}", "url": other_host.route(f"/f{n}/", body=feed)})
    # the first two carry the same story as the last: the first configured one keeps it
    listed[1]["url"] = other_host.fixture("/ogp/", "ogp.rss")
    listed[59]["url"] = other_host.fixture("/ogp-again/", "ogp.rss")
    settings = settings_for(tmp_path, listed, timeout=timeout)
    in_threads, in_workers = two_stores
    async with extract_pool() as pool:
        pool.threshold = 0
        started = time.monotonic()
        report = await watch(settings, in_workers, pool)
        elapsed = time.monotonic() - started
    got = lines(report)
    assert [got[f"hang{n}"] for n in (0, 15, 30, 45)] == [
        f"hang{n}: error: fetch: timed out after {timeout} s" for n in (0, 15, 30, 45)
    ]
    assert all(got[f"feed{n}"] == f"feed{n}: 6 new, 0 updated" for n in range(1, 59) if n % 15)
    assert got["feed59"] == "feed59: 0 new, 0 updated"
    assert elapsed < 3 * timeout, f"{elapsed:.1f} s: the hanging sources' deadlines added up"
    # what was stored is what one source after another in threads stores
    assert lines(await watch(settings, in_threads, None)) == got
    assert stored(in_workers) == stored(in_threads)


def test_ogbot_poll_extracts_a_large_feed_in_a_worker(fake_web, tmp_path):
    big = archive_feed(copies=6)
    assert len(big) >= POOL_THRESHOLD  # large enough for a worker
    setup = make_setup(
        tmp_path,
        [
            {"name": "archiv", "url": fake_web.route("/archiv/feed/", body=big)},
            {"name": "ogp", "url": fake_web.fixture("/feed/", "ogp.rss")},
        ],
    )
    first = setup.run("poll")
    assert first.returncode == 0, first.stderr
    assert source_lines(first.stdout, "archiv", "ogp") == [
        "archiv: 36 new, 0 updated",
        "ogp: 6 new, 0 updated",
    ]
