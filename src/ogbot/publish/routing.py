"""Routing: which chats besides the channel get a post (``[[telegram.destinations]]``).

Every chat in the outbox is named by a string: ``"channel"`` (``telegram.channel``), a
destination's key (``"to:@name"``, or ``"to:-100123#7"`` for a forum topic: see
:attr:`~ogbot.config.Destination.key`) or a private chat's numeric id (a subscriber). A
destination gets what it carries, as the channel gets it (the same items after ``max_age``,
``backlog`` and review), each in its own outbox rows: its own pace, digests, retries and edits.

- ``"all"``: everything the channel gets (items, reminders, announcements and the round-up);
- ``"consultations"``: consultation items and their reminders;
- ``"announcements"``: announcements (the weekly round-up is one);
- a list of source names: the items of those sources, and their reminders.
"""

from __future__ import annotations

from collections.abc import Sequence

from ogbot.config import Destination, Settings
from ogbot.models import StoredItem

CHANNEL = "channel"
DESTINATION_PREFIX = "to:"


def is_private(chat: str) -> bool:
    """A subscriber's private chat (neither the channel nor a destination)."""
    return chat != CHANNEL and not is_destination(chat)


def is_destination(chat: str) -> bool:
    return chat.startswith(DESTINATION_PREFIX)


def destination(settings: Settings, chat: str) -> Destination | None:
    """The configured destination of an outbox chat name; None when it is none (any more)."""
    return next((d for d in settings.telegram.destinations if d.key == chat), None)


def carries_item(target: Destination, item: StoredItem) -> bool:
    """Whether the destination gets this item's post (and its reminder)."""
    carries = target.carries
    if carries == "all":
        return True
    if carries == "consultations":
        return item.kind == "consultation"
    if carries == "announcements":
        return False
    return item.source in carries


def carries_announcements(target: Destination) -> bool:
    return target.carries in ("all", "announcements")


def routed_items(settings: Settings, items: Sequence[StoredItem]) -> list[tuple[str, int]]:
    """(destination key, item id) for every destination that carries an item, in the items'
    order."""
    return [
        (target.key, item.id)
        for item in items
        for target in settings.telegram.destinations
        if carries_item(target, item)
    ]


def routed_announcement(settings: Settings, announcement_id: int) -> list[tuple[str, int]]:
    return [
        (target.key, announcement_id)
        for target in settings.telegram.destinations
        if carries_announcements(target)
    ]
