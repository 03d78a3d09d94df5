"""Pacing: Telegram's limits as a sliding window over the actual send times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ogbot.publish.pacing import Pacer
from ogbot.publish.post import digest_groups

T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CHANNEL = "-1001234567890"


def send_all(pacer: Pacer, chat: str, count: int, start: datetime) -> list[datetime]:
    """Send ``count`` messages as early as the pacer allows; return the send times."""
    now, times = start, []
    for _ in range(count):
        now += timedelta(seconds=pacer.delay(chat, now))
        pacer.record(chat, now)
        times.append(now)
    return times


def max_in_window(times: list[datetime], window: timedelta) -> int:
    return max(sum(1 for t in times if start <= t < start + window) for start in times)


def test_pacing_channel_never_more_than_20_in_any_60_seconds():
    times = send_all(Pacer(), CHANNEL, 65, T0)
    assert max_in_window(times, timedelta(seconds=60)) == 20
    # a burst of 20 goes at once, the 21st waits for the first to leave the window
    assert times[19] == T0
    assert times[20] == T0 + timedelta(seconds=60)
    # a leaky bucket would have sent the 21st after 3 seconds: 21 in one minute


def test_pacing_private_chat_one_a_second():
    times = send_all(Pacer(), "4242", 5, T0)
    assert [(t - T0).total_seconds() for t in times] == [0, 1, 2, 3, 4]


def test_pacing_overall_30_a_second_across_chats():
    pacer = Pacer()
    now = T0
    for user in range(30):
        assert pacer.delay(str(1000 + user), now) == 0
        pacer.record(str(1000 + user), now)
    assert pacer.delay("2000", now) == 1.0


def test_pacing_history_from_the_store_counts():
    # 20 posts went out in the last half minute before a restart: the next one waits
    history = [(CHANNEL, T0 - timedelta(seconds=30) + timedelta(milliseconds=i)) for i in range(20)]
    assert Pacer(history).delay(CHANNEL, T0) == 30.0
    # edits and sends of another chat do not count against this channel's window
    assert Pacer([("-100999", T0)] * 20).delay(CHANNEL, T0) == 0


def test_pacing_retry_after_blocks_the_chat():
    pacer = Pacer()
    pacer.block(CHANNEL, T0 + timedelta(seconds=7))
    assert pacer.delay(CHANNEL, T0) == 7.0
    assert pacer.delay("-100999", T0) == 0
    assert pacer.delay(CHANNEL, T0 + timedelta(seconds=8)) == 0


def test_digest_groups_are_even_and_bounded():
    assert digest_groups(list(range(12)), 10) == [list(range(6)), list(range(6, 12))]
    assert digest_groups(list(range(10)), 10) == [list(range(10))]
    assert [len(g) for g in digest_groups(list(range(31)), 10)] == [8, 8, 8, 7]
    assert digest_groups([], 10) == []
