"""The domain service behind the coordinator's commands
(:class:`ogbot.app.coordination.Coordination`): drafts, announcing now or at a time, cancelling,
deleting a post, pausing a source, the audit record and the once-a-day rule for notices. A real
store in a temporary directory and the real publisher (feeds only: no Telegram); the bot's side
is in test_coordinator.py."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ogbot.app.coordination import Awaiting, Coordination
from ogbot.app.house import publishing
from ogbot.config import Settings, build_settings
from ogbot.models import Item
from ogbot.publish.publisher import Publisher
from ogbot.store import AsyncStore, Store
from tests.fakes.telegram import ManualClock

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ADA, BO = 1001, 1002
CHANNEL_ID = "-1001234567890"


@dataclass
class World:
    settings: Settings
    store: AsyncStore
    publisher: Publisher
    clock: ManualClock
    coordination: Coordination
    woken: list[int]

    async def actions(self) -> list[tuple[int | None, str, str]]:
        """The audit record, oldest first, without the times."""
        return [
            (actor, action, detail)
            for _, actor, action, detail in reversed(await self.store.call(Store.actions))
        ]

    def feed(self) -> str:
        return (self.settings.data_dir / "public" / "feed.atom").read_text(encoding="utf-8")

    async def sent_post(self, kind: str, ref: int, message_id: int) -> None:
        """What the outbox leaves once it has sent a post to the channel."""
        await self.store.call(Store.enqueue, "channel", kind, [ref], self.clock())
        [post_id] = [
            post.id
            for post in await self.store.call(Store.pending_posts, "channel", self.clock())
            if post.ref == ref and post.kind == kind
        ]
        assert await self.store.call(Store.claim, post_id, self.clock())
        await self.store.call(
            Store.mark_sent, post_id, CHANNEL_ID, message_id, "text", False, self.clock()
        )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = build_settings(
        {
            "sources": [
                {"name": "ogp", "url": "https://www.opengovpartnership.org/feed/"},
                {"name": "netzwerk", "url": "https://opengovpartnership.de/feed/"},
            ]
        },
        {"OGBOT_DATA_DIR": str(tmp_path / "data")},
        tmp_path,
    )
    clock = ManualClock(NOW)
    store = AsyncStore.open(settings.data_dir)
    woken: list[int] = []
    try:
        async with publishing(settings, store, clock=clock) as publisher:
            coordination = Coordination(
                store, publisher, clock=clock, wake_outbox=lambda: woken.append(1)
            )
            yield World(settings, store, publisher, clock, coordination, woken)
    finally:
        store.close()


# --- drafts and announcements ---------------------------------------------------------------


async def test_a_draft_is_stored_open_and_recorded(world: World) -> None:
    coordination = world.coordination

    draft_id = await coordination.draft(ADA, "Netzwerktreffen am Freitag")

    draft = await coordination.find_draft(draft_id)
    assert draft is not None
    assert (draft.coordinator, draft.text, draft.state) == (
        ADA,
        "Netzwerktreffen am Freitag",
        "open",
    )
    assert await coordination.find_draft(draft_id + 1) is None
    assert await world.actions() == [(ADA, "draft", f"draft {draft_id}")]


async def test_announce_now_publishes_once_and_records_who(world: World) -> None:
    coordination = world.coordination
    draft_id = await coordination.draft(ADA, "Netzwerktreffen am Freitag")

    announced = await coordination.announce_now(draft_id, coordinator=ADA, author="Ada")
    again = await coordination.announce_now(draft_id, coordinator=BO, author="Bo")

    assert announced is not None and announced.scheduled is None
    assert not announced.queued  # no channel configured: the feeds only
    assert again is None  # the second press does nothing
    [published] = await world.store.call(Store.announcements, "published")
    assert (published.id, published.text, published.author) == (
        announced.id,
        "Netzwerktreffen am Freitag",
        "Ada",
    )
    assert "Netzwerktreffen am Freitag" in world.feed()
    draft = await coordination.find_draft(draft_id)
    assert draft is not None and (draft.state, draft.announcement_id) == ("sent", announced.id)
    assert world.woken == [1]
    assert (await world.actions())[-1] == (
        ADA,
        "announce_sent",
        f"draft {draft_id} announcement {announced.id}",
    )


async def test_schedule_keeps_the_announcement_for_its_time_and_ends_the_wait(
    world: World,
) -> None:
    coordination = world.coordination
    draft_id = await coordination.draft(ADA, "Sprechstunde")
    await coordination.wait_for_time(ADA, Awaiting(draft_id, ADA, 77))
    when = NOW + timedelta(days=1)

    announced = await coordination.schedule(draft_id, when, coordinator=ADA, author="Ada")

    assert announced is not None and announced.scheduled == when
    [scheduled] = await coordination.scheduled(10)
    assert (scheduled.id, scheduled.publish_at, scheduled.state) == (
        announced.id,
        when,
        "scheduled",
    )
    assert await world.store.call(Store.announcements, "published") == []
    assert await coordination.awaiting_time(ADA) is None
    draft = await coordination.find_draft(draft_id)
    assert draft is not None and (draft.state, draft.announcement_id) == ("scheduled", announced.id)
    assert (await world.actions())[-1] == (
        ADA,
        "announce_scheduled",
        f"draft {draft_id} announcement {announced.id} at {when.isoformat()}",
    )
    # a draft no longer open is not scheduled twice; the wait ends all the same
    await coordination.wait_for_time(ADA, Awaiting(draft_id, ADA, 77))
    assert await coordination.schedule(draft_id, when, coordinator=ADA, author="Ada") is None
    assert await coordination.awaiting_time(ADA) is None
    assert len(await coordination.scheduled(10)) == 1


async def test_cancel_draft_discards_it_once_and_ends_only_its_own_wait(world: World) -> None:
    coordination = world.coordination
    first = await coordination.draft(ADA, "Erster Entwurf")
    second = await coordination.draft(ADA, "Zweiter Entwurf")
    waiting = Awaiting(second, ADA, 12)
    await coordination.wait_for_time(ADA, waiting)

    assert await coordination.cancel_draft(first, coordinator=ADA)
    assert not await coordination.cancel_draft(first, coordinator=ADA)
    assert await coordination.awaiting_time(ADA) == waiting  # the other draft still waits

    assert await coordination.cancel_draft(second, coordinator=ADA)
    assert await coordination.awaiting_time(ADA) is None
    draft = await coordination.find_draft(first)
    assert draft is not None and draft.state == "cancelled"
    assert [a for a in await world.actions() if a[1] == "announce_cancelled"] == [
        (ADA, "announce_cancelled", f"draft {first}"),
        (ADA, "announce_cancelled", f"draft {second}"),
    ]
    assert await world.store.call(Store.announcements, "scheduled") == []


async def test_a_new_draft_ends_the_wait_for_a_time(world: World) -> None:
    coordination = world.coordination
    draft_id = await coordination.draft(ADA, "Entwurf")
    await coordination.wait_for_time(ADA, Awaiting(draft_id, 5, 6))
    await coordination.wait_for_time(BO, Awaiting(draft_id, 7, 8))

    await coordination.draft(ADA, "Noch ein Entwurf")

    assert await coordination.awaiting_time(ADA) is None
    assert await coordination.awaiting_time(BO) == Awaiting(draft_id, 7, 8)  # per coordinator


def test_awaiting_survives_its_encoding_and_refuses_anything_else() -> None:
    awaiting = Awaiting(3, -100, 42)

    assert Awaiting.decode(awaiting.encode()) == awaiting
    for value in (None, "", "3:4", "a:b:c", "1:2:3:4"):
        assert Awaiting.decode(value) is None


async def test_cancel_announcement_calls_off_a_scheduled_one_only(world: World) -> None:
    coordination = world.coordination
    draft_id = await coordination.draft(ADA, "Später")
    announced = await coordination.schedule(
        draft_id, NOW + timedelta(hours=2), coordinator=ADA, author="Ada"
    )
    assert announced is not None

    assert await coordination.cancel_announcement(announced.id, coordinator=BO)
    assert not await coordination.cancel_announcement(announced.id, coordinator=BO)
    assert not await coordination.cancel_announcement(announced.id + 1, coordinator=BO)

    assert await coordination.scheduled(10) == []
    found = await world.store.call(Store.announcement, announced.id)
    assert found is not None and found.state == "cancelled"
    assert (await world.actions())[-1] == (
        BO,
        "announcement_cancelled",
        f"announcement {announced.id}",
    )


# --- posts ogbot made ---------------------------------------------------------------------


async def test_a_deleted_announcement_post_leaves_the_feeds_too(world: World) -> None:
    coordination = world.coordination
    draft_id = await coordination.draft(ADA, "Zurückgenommene Ankündigung")
    announced = await coordination.announce_now(draft_id, coordinator=ADA, author="Ada")
    assert announced is not None
    await world.sent_post("announcement", announced.id, 31)
    assert "Zurückgenommene Ankündigung" in world.feed()

    post = await coordination.sent_post(CHANNEL_ID, 31)
    assert post is not None and post.state == "sent"
    from_feeds = await coordination.post_deleted(
        post, coordinator=ADA, chat_id=CHANNEL_ID, message_id=31
    )

    assert from_feeds
    deleted = await coordination.sent_post(CHANNEL_ID, 31)
    assert deleted is not None and deleted.state == "deleted"
    found = await world.store.call(Store.announcement, announced.id)
    assert found is not None and found.state == "deleted"
    assert "Zurückgenommene Ankündigung" not in world.feed()
    assert (await world.actions())[-1] == (
        ADA,
        "post_deleted",
        f"post {post.id} message {CHANNEL_ID}/31",
    )


async def test_a_deleted_item_post_stays_in_the_feeds(world: World) -> None:
    coordination = world.coordination
    item = Item(
        source="ogp",
        guid="https://example.org/1/",
        link="https://example.org/1/",
        key="https://example.org/1/",
        title="Ein Beitrag",
        summary="",
        content_html="",
        published=NOW,
        date_known=True,
        categories=(),
        author=None,
        kind="news",
        deadline=None,
        deadline_guessed=False,
    )
    saved = await world.store.call(Store.save_items, "ogp", [item], NOW, False)
    [item_id] = saved.new_ids
    await world.sent_post("item", item_id, 32)
    post = await coordination.sent_post(CHANNEL_ID, 32)
    assert post is not None

    assert not await coordination.post_deleted(
        post, coordinator=ADA, chat_id=CHANNEL_ID, message_id=32
    )
    deleted = await coordination.sent_post(CHANNEL_ID, 32)
    assert deleted is not None and deleted.state == "deleted"
    assert await coordination.sent_post(CHANNEL_ID, 33) is None  # not a message ogbot sent


# --- sources ------------------------------------------------------------------------------


async def test_set_paused_registers_the_source_and_records_who(world: World) -> None:
    coordination = world.coordination
    ogp = world.settings.sources[0]
    assert await coordination.sources() == []

    await coordination.set_paused(ogp, True, coordinator=ADA)
    [paused] = await coordination.sources()
    await coordination.set_paused(ogp, False, coordinator=BO)
    [resumed] = await coordination.sources()

    assert (paused.name, paused.url, paused.paused) == (ogp.name, ogp.url, True)
    assert not resumed.paused
    assert (await world.actions())[-2:] == [
        (ADA, "source_paused", "ogp"),
        (BO, "source_resumed", "ogp"),
    ]
    assert await coordination.outbox_counts() == {}


# --- notices ------------------------------------------------------------------------------


async def test_a_problem_may_be_told_at_most_once_a_day(world: World) -> None:
    coordination = world.coordination

    first = await coordination.claim_notice("channel-refuses")
    again = await coordination.claim_notice("channel-refuses")
    other = await coordination.claim_notice("source-ogp")
    world.clock.advance(timedelta(hours=23))
    still = await coordination.claim_notice("channel-refuses")
    world.clock.advance(timedelta(hours=1, minutes=1))
    next_day = await coordination.claim_notice("channel-refuses")

    assert (first, again, other, still, next_day) == (True, False, True, False, True)
