"""What coordinators are told privately when something breaks (in German, as plain text: the
sender escapes it). :func:`ogbot.bot.coordinator.tell_coordinators` sends them, at most once a
day per problem."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from ogbot.models import SourceState, StoredAnnouncement

SNIPPET = 60  # characters of a missed announcement's text in its notice


def channel_refuses(reason: str) -> str:
    """The channel refuses posts (the bot lost its rights, the channel is gone)."""
    return f"Der Kanal nimmt keine Posts an: {reason}"


def announcement_missed(announcement: StoredAnnouncement, tz: ZoneInfo) -> str:
    """A scheduled announcement whose time passed while ogbot was not running."""
    when = announcement.publish_at.astimezone(tz)
    return (
        f"Die für {when:%d.%m.%Y %H:%M} Uhr geplante Ankündigung „{announcement.text[:SNIPPET]}“"
        " wurde verpasst, weil ogbot nicht lief, und nicht gesendet."
    )


def source_failing(state: SourceState) -> str:
    """A source that has failed for a day."""
    return f"Die Quelle {state.name} schlägt seit einem Tag fehl: {state.last_error}"
