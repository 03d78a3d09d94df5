"""Benchmark of publishing: a burst of 200 new items against the fake Bot API, which enforces
Telegram's limits (20 messages in any 60 s per channel, 30 a second overall) by answering 429.

Run by hand: `.venv/bin/python bench/publish.py` (add `--real` to spend the minutes on the wall
clock instead of a manual clock that the outbox and the fake Bot API share; `--no-digests`
to post every item on its own). Prints: posts, digests, items reached, 429s received, items
posted twice, and the time until the last item was out. Asserts nothing.

The targets of the issue: zero 429s, every item exactly once.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram import CHANNEL, CHANNEL_ID, TOKEN, FakeTelegram, ManualClock
from tests.fakes.web import FakeWeb

from ogbot.app.house import publishing
from ogbot.config import build_settings
from ogbot.store import AsyncStore
from ogbot.watch.cycle import poll_once
from ogbot.watch.fetch import make_client

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ITEMS = 200


def feed(count: int, now: datetime) -> bytes:
    items = "".join(
        f"<item><title>Meldung {n:03d}: Transparenz im Bund und in den Ländern</title>"
        f"<link>https://netzwerk.example.org/meldung-{n}/</link>"
        f"<pubDate>{format_datetime(now - timedelta(minutes=n))}</pubDate>"
        f"<category><![CDATA[Open Government]]></category>"
        f'<guid isPermaLink="false">https://netzwerk.example.org/?p={n}</guid>'
        f"<description><![CDATA[Kurzer Text zur Meldung {n}.]]></description></item>"
        for n in range(count)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>t</title>'
        f"<link>https://netzwerk.example.org/</link><description>d</description>{items}"
        "</channel></rss>"
    ).encode()


async def burst(real: bool, digests: bool) -> None:
    clock = (lambda: datetime.now(UTC)) if real else ManualClock(START)
    now = clock()

    async def sleep(seconds: float) -> None:
        if real:
            await asyncio.sleep(seconds)
        else:
            clock.advance(seconds)  # type: ignore[attr-defined]
            await asyncio.sleep(0)

    with (
        tempfile.TemporaryDirectory() as tmp,
        FakeWeb() as web,
        FakeTelegram(clock=clock) as telegram,
    ):
        telegram.add_channel(CHANNEL, CHANNEL_ID)
        web.route("/feed/", body=feed(0, now))
        document = {
            "telegram": {"token": TOKEN, "api_url": telegram.api_url, "channel": CHANNEL},
            "publish": {"quiet_hours": "", "digest_after": 5 if digests else 10_000},
            "fetch": {"allow_private": True},
            "sources": [{"name": "netzwerk", "url": web.url("/feed/")}],
        }
        settings = build_settings(document, {"OGBOT_DATA_DIR": tmp}, Path(tmp))
        store = AsyncStore.open(Path(tmp))
        try:
            async with (
                make_client(5, allow_private=True) as client,
                publishing(settings, store, clock=clock, sleep=sleep) as publisher,
            ):
                await poll_once(settings, client, store, clock, on_cycle=publisher.after_cycle)
                web.route("/feed/", body=feed(ITEMS, clock()))
                await poll_once(settings, client, store, clock, on_cycle=publisher.after_cycle)
                began, wall = clock(), time.perf_counter()
                report = await publisher.outbox.drain(None)
                finished, wall = clock(), time.perf_counter() - wall
        finally:
            store.close()
        messages = telegram.sent(CHANNEL)
        calls = telegram.calls("sendMessage")
        linked = [
            text
            for message in messages
            for text in message.entity_texts("text_link")
            if text.startswith("Meldung ")
        ]
        digest_count = sum(1 for m in messages if "neue Beiträge" in m.text)
        mode = "wall clock" if real else "manual clock (Telegram's time as modelled)"
        print(f"burst of {ITEMS} new items, {'with' if digests else 'without'} digests, {mode}")
        print(f"  posts sent:            {len(messages)} ({digest_count} digests)")
        print(f"  items reached:         {len(set(linked))} of {ITEMS}")
        print(f"  items posted twice:    {len(linked) - len(set(linked))}")
        print(f"  429s received:         {sum(1 for c in calls if c.status == 429)}")
        print(f"  left waiting:          {report.left}")
        print(f"  until the last is out: {(finished - began).total_seconds():.1f} s")
        print(f"  wall time of drain:    {wall:.2f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--real", action="store_true", help="pace on the wall clock")
    parser.add_argument("--no-digests", action="store_true", help="one post per item")
    args = parser.parse_args()
    asyncio.run(burst(args.real, not args.no_digests))


if __name__ == "__main__":
    main()
