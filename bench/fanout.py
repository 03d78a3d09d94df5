"""Benchmark of the fan-out: one new item to the channel and to N private subscribers.

Run by hand, from the repository: `.venv/bin/python bench/fanout.py` (sizes 100, 400, 1,000 and
10,000; `--sizes 100,400` to choose). The subscribers are made through the store (not the bot),
one new item is stored and queued, and the outbox drains it.

Two senders (`--sender`):

- ``api`` (the default): the fake Bot API (tests/fakes/telegram.py, real HTTP over a local
  socket through python-telegram-bot), which answers 429 above 30 messages a second overall
  and 20 a minute per channel. Time is a manual clock shared by the outbox and the fake, so
  Telegram's pace costs no wall time and 10,000 subscribers take a minute, not 5.5. The peak
  memory includes the fake's own record of every message it was sent.
- ``inproc``: an in-process sender (no HTTP), with the same manual clock, enforcing the same
  limits plus one message a second per private chat (429 above them). What the issue measured
  (1.1 s of drain at 100 subscribers, 15.8 s at 400); its peak memory is ogbot's alone.

Prints, per size: time to reach everyone on the modelled clock as a ratio of N/30 s (Telegram's
floor), 429s received, messages reached, the peak of Python memory during the drain
(tracemalloc, above what was allocated before it), and the drain's wall time per send.
Asserts nothing.

`--people` (issue 15: many people at once, through the bot): the real Application and outbox
sharing one Bot and its send budget (tests/process.py), against the fake Bot API with its
limits, in real time (so it takes minutes): 1,000 people send /subscribe within a minute and
press a button as soon as the prompt arrives; 200 people send /subscribe at once; 60 people ask
a question at once. Prints how many were answered, the time until the last answer, and the
429s the fake answered.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict, deque
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.fakes.telegram import (
    CHANNEL,
    CHANNEL_ID,
    TOKEN,
    FakeTelegram,
    ManualClock,
)
from tests.process import running

from ogbot.app.house import build_publisher, publishing
from ogbot.config import Settings, build_settings
from ogbot.models import Item
from ogbot.publish.post import Post
from ogbot.publish.publisher import Publisher
from ogbot.publish.sender import Sender, SendError, Sent
from ogbot.store import AsyncStore, Store

START = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # 11:00 in Berlin: not quiet
FIRST_USER = 100_000_001


class InProcessSender(Sender):
    """Telegram's limits without HTTP: 30 a second overall, 1 a second per private chat, 20 a
    minute per channel; above them a 429 with its ``retry_after``, as Telegram answers."""

    def __init__(self, clock: ManualClock) -> None:  # no Bot: nothing goes over the network
        self.clock = clock
        self.sent = 0
        self.refused = 0
        self._all: deque[tuple[float, str]] = deque()  # the last minute's sends, all chats
        self._counts: dict[str, int] = defaultdict(int)  # of these, per chat (none kept at 0)
        self._next_id = 1

    async def resolve(self, chat: str) -> str:
        return str(CHANNEL_ID) if chat == CHANNEL else chat

    def _check(self, chat_id: str) -> None:
        now = self.clock().timestamp()
        while self._all and self._all[0][0] <= now - 60:
            _, old = self._all.popleft()
            self._counts[old] -= 1
            if not self._counts[old]:
                del self._counts[old]
        last_second = [chat for at, chat in self._all if at > now - 1]
        group = chat_id.startswith("-")
        if (
            len(last_second) >= 30
            or (group and self._counts.get(chat_id, 0) >= 20)
            or (not group and chat_id in last_second)
        ):
            self.refused += 1
            raise SendError("retry", "429 Too Many Requests", retry_after=1)
        self._all.append((now, chat_id))
        self._counts[chat_id] += 1

    async def send(self, chat_id: str, post: Post, *, silent: bool) -> Sent:
        self._check(chat_id)
        self.sent += 1
        self._next_id += 1
        await asyncio.sleep(0)
        return Sent(chat_id, self._next_id)

    async def edit(self, chat_id: str, message_id: int, post: Post) -> None:
        self._check(chat_id)


def settings_for(tmp: Path, api_url: str) -> Settings:
    document = {
        "telegram": {"token": TOKEN, "api_url": api_url, "channel": CHANNEL},
        "publish": {"site_url": "https://feeds.example.org", "quiet_hours": ""},
    }
    return build_settings(document, {"OGBOT_DATA_DIR": str(tmp)}, tmp)


def new_item() -> Item:
    return Item(
        source="netzwerk",
        guid="aktionsplan-konsultation",
        link="https://opengovpartnership.de/2026/11/aktionsplan/",
        key="opengovpartnership.de/2026/11/aktionsplan",
        title="Vierter Nationaler Aktionsplan: die Konsultation beginnt",
        summary="Bis zum 15. Dezember können alle Stellung nehmen.",
        content_html="<p>Bis zum 15. Dezember können alle Stellung nehmen.</p>",
        published=START - timedelta(hours=1),
        date_known=True,
        categories=("Open Government",),
        author=None,
        kind="news",
        deadline=None,
        deadline_guessed=False,
    )


async def drain(publisher: Publisher, store: AsyncStore, clock: ManualClock) -> dict[str, float]:
    saved = await store.call(Store.save_items, "netzwerk", [new_item()], clock(), False)
    await publisher.outbox.enqueue_items(list(saved.new_ids))
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    began, wall = clock(), time.perf_counter()
    report = await publisher.outbox.drain(None)
    wall = time.perf_counter() - wall
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    return {
        "modelled": (clock() - began).total_seconds(),
        "wall": wall,
        "peak": peak,
        "private": report.private,
        "sends": report.sent + report.private,
    }


async def one_size(size: int, mode: str) -> None:
    clock = ManualClock(START)

    async def sleep(seconds: float) -> None:
        clock.advance(seconds)
        await asyncio.sleep(0)

    with tempfile.TemporaryDirectory() as tmp_name, FakeTelegram(clock=clock) as telegram:
        tmp = Path(tmp_name)
        telegram.add_channel(CHANNEL, CHANNEL_ID)
        store = AsyncStore.open(tmp)
        try:
            for user in range(FIRST_USER, FIRST_USER + size):
                telegram.add_user(user)
                await store.call(Store.subscribe, user, True, True, "de", clock())
            settings = settings_for(tmp, telegram.api_url)
            if mode == "api":
                async with publishing(settings, store, clock=clock, sleep=sleep) as publisher:
                    result = await drain(publisher, store, clock)
                calls = telegram.calls("sendMessage")
                refused = sum(1 for call in calls if call.status == 429)
                reached = len({call.params["chat_id"] for call in calls if call.status == 200})
            else:
                sender = InProcessSender(clock)
                publisher = build_publisher(settings, store, sender, clock=clock, sleep=sleep)
                result = await drain(publisher, store, clock)
                refused, reached = sender.refused, sender.sent
        finally:
            store.close()
    floor = size / 30
    print(
        f"{size:>6} subscribers: reached {reached} chats ({int(result['private'])} private)"
        f" in {result['modelled']:.0f} s = {result['modelled'] / floor:.2f} x N/30 s;"
        f" 429s: {refused}; peak {result['peak'] / 1e6:.1f} MB;"
        f" drain {result['wall']:.2f} s wall, {1000 * result['wall'] / result['sends']:.2f} ms"
        " per send",
        flush=True,
    )


PEOPLE = 800_000_001  # the first of the people writing to the bot


async def people(count: int, spread: float, *, press: bool, text: str, answered: str) -> None:
    """``count`` people write ``text`` within ``spread`` seconds (0: at once), and press
    "Beides" when ``press``; done when each got a message (or an edit) containing ``answered``.
    """
    with tempfile.TemporaryDirectory() as tmp_name, FakeTelegram() as telegram:
        telegram.add_channel(CHANNEL, CHANNEL_ID)
        async with running(Path(tmp_name), telegram) as bot:
            users = list(range(PEOPLE, PEOPLE + count))
            waiting, prompted = set(users), set()
            loop = asyncio.get_running_loop()
            began = last = loop.time()
            pushed = seen = 0
            limit = began + 600.0  # a bound for a broken run
            while waiting and loop.time() < limit:
                due = count if spread == 0 else int((loop.time() - began) / spread * count) + 1
                for user in users[pushed : min(due, count)]:
                    telegram.push_message(user, text, language_code="de")
                pushed = max(pushed, min(due, count))
                requests = telegram.requests
                for request in requests[seen:]:
                    if request.status is None:
                        break  # still being answered: read again next time
                    seen += 1
                    user = request.params.get("chat_id")
                    if request.status != 200 or user not in waiting:
                        continue
                    if press and user not in prompted and request.method == "sendMessage":
                        prompt = telegram.sent(user)[-1]
                        telegram.push_callback(user, prompt.message_id, "sub:both")
                        prompted.add(user)
                    if answered in str(request.params.get("text", "")):
                        waiting.discard(user)
                        last = loop.time()
                await asyncio.sleep(0.05)
            await bot.settle()
    refused = sum(1 for call in telegram.requests if call.status == 429)
    what = f"{count} people: {text}" + (" and a button" if press else "")
    what += f" within {spread:.0f} s" if spread else " at once"
    print(
        f"{what}: {count - len(waiting)} answered, the last after {last - began:.1f} s;"
        f" 429s: {refused}",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,400,1000,10000", help="subscriber counts")
    parser.add_argument("--sender", choices=("api", "inproc"), default="api")
    parser.add_argument("--people", action="store_true", help="people writing to the bot")
    args = parser.parse_args()
    if args.people:
        confirmed, prompt = "Abonniert", "Was möchtest du bekommen?"
        asyncio.run(people(1000, 60.0, press=True, text="/subscribe", answered=confirmed))
        asyncio.run(people(200, 0, press=False, text="/subscribe", answered=prompt))
        asyncio.run(people(60, 0, press=False, text="Was ist ein Aktionsplan?", answered=""))
        return
    print(f"fan-out of one new item, sender: {args.sender}")
    for size in (int(value) for value in args.sizes.split(",")):
        asyncio.run(one_size(size, args.sender))


if __name__ == "__main__":
    main()
